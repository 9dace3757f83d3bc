"""A Jabber (XMPP) account as a chat center, through slixmpp.

`JabberTransport.run` logs in (to `host:port` when given, else to the JID's domain), announces itself
(the server then hands over the messages kept while it was away: Prosody's mod_offline, each with a
delay stamp that becomes `sent_at`), delivers every chat message with a body and stays online until it
is cancelled. A link that drops is tried again with back-off (1 s, doubling, at most `MAX_BACKOFF_S`); a
password the server refuses is `REFUSED` and not tried again until the owner saves the channel anew.

Without TLS the password would cross the network in clear, so plain connections are used only to a
server on this machine (a loopback `host`); anything else must offer STARTTLS or direct TLS.

XMPP has no acknowledgement of an offline message: the server forgets it once it is handed over, so one
that arrives in the instant before a crash is lost with the process (it is stored before the next
stanza is read, which makes that window small).
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import hashlib
import ipaddress
import logging
from functools import partial
from typing import Any

from app.chat.transport import (ChannelKind, ChannelState, ChannelStatus, ChatMessage, ChatSendError, Deliver,
                                Report)

log = logging.getLogger(__name__)
# slixmpp logs every stanza it sends at DEBUG, the SASL login (the password in base64) included
logging.getLogger("slixmpp").setLevel(logging.INFO)
# pure-Python slixmpp says at import that a compiled stringprep would be faster: true, and nothing to do
logging.getLogger("slixmpp.stringprep").setLevel(logging.ERROR)

MAX_BACKOFF_S = 60.0
PLUGINS: dict[str, dict] = {  # slixmpp loads them by name (pulsa.spec collects them; --self-test loads them)
    "xep_0030": {},
    "xep_0203": {},  # delay stamps of offline messages
    "xep_0199": {"keepalive": True, "interval": 60.0, "timeout": 20},  # pings keep the link known alive
}
CONNECT_TIMEOUT_S = 30.0
MIN_STANZA_ID = 8  # a shorter id (a client's counter) may come again: the message's digest is used instead


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Refused(Exception):
    pass


def make_client(jid: str, password: str, *, plain: bool = False) -> Any:
    """A slixmpp client; `plain`: without TLS and with a plain-text login (only for a server on this
    machine: the password would cross the network in clear)."""
    from slixmpp import ClientXMPP

    client = ClientXMPP(jid, password)
    if plain:
        client.plugin["feature_mechanisms"].unencrypted_plain = True
    return client


def connect(client: Any, host: str = "", port: int = 0, *, plain: bool = False) -> None:
    """Start connecting: to `host:port` when given, else to the JID's domain on port 5222. Without
    `plain` the server must offer STARTTLS."""
    address = (host, port or 5222) if host else None
    # names are looked up by the OS (hosts file included), never by aiodns/pycares (see app/http_client.py):
    # without a host that means the JID's domain on port 5222, not its SRV record; a server found only
    # through SRV is given as host and port
    client.use_aiodns = False
    client.get_dns_records = partial(_os_records, client)  # slixmpp makes an aiodns resolver even unused
    if plain:
        client.connect(address, disable_starttls=True)
    else:
        client.connect(address, force_starttls=True)


async def _os_records(client: Any, domain: str, port: int | None = None) -> list[tuple[str, str, int]]:
    """The server's addresses from the OS resolver: no SRV lookup, no aiodns channel, and the port the
    owner gave (slixmpp's own lookup puts 5222 in its place when the host is a name)."""
    from slixmpp.xmlstream.resolver import resolve

    return await resolve(domain, port or client.address[1] or client.default_port, loop=client.loop, resolver=None,
                         use_ipv6=client.use_ipv6, use_aiodns=False)


class JabberTransport:
    kind = ChannelKind.JABBER

    def __init__(self, name: str, jid: str, password: str, host: str = "", port: int = 0):
        self.name = name
        self.jid = jid
        self._password = password
        self.host = host
        self.port = port or (5222 if host else 0)
        self._client: Any = None
        self._online = False
        self.backoff_s = 1.0  # the first wait after a drop (tests shorten it)

    def __repr__(self) -> str:  # never the password
        return f"JabberTransport({self.name!r}, {self.jid!r})"

    # --- running ---------------------------------------------------------------------------

    async def run(self, deliver: Deliver, report: Report) -> None:
        wait = self.backoff_s
        while True:
            report(ChannelStatus(self.name, ChannelState.CONNECTING, f"menyambung ke {self.host or self.jid}"))
            try:
                was_online = await self._session(deliver, report)
            except _Refused as exc:
                report(ChannelStatus(self.name, ChannelState.REFUSED, str(exc)))
                await asyncio.Event().wait()  # until cancelled: the owner must fix the account
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bug or an odd server: logged, tried again like a drop
                log.warning("jabber %s: session ended with %s", self.name, type(exc).__name__, exc_info=True)
                was_online, detail = False, f"galat: {type(exc).__name__}"
            else:
                detail = "koneksi terputus" if was_online else "server tidak bisa dihubungi"
            if was_online:
                wait = self.backoff_s
            report(ChannelStatus(self.name, ChannelState.OFFLINE, f"{detail}; mencoba lagi dalam {wait:.0f} detik"))
            await asyncio.sleep(wait)
            wait = min(wait * 2, MAX_BACKOFF_S)

    async def _session(self, deliver: Deliver, report: Report) -> bool:
        """One connection, until it drops. True when it got online; raises _Refused on a refused login."""
        plain = bool(self.host) and _loopback(self.host)
        client = make_client(self.jid, self._password, plain=plain)
        for plugin, config in PLUGINS.items():
            client.register_plugin(plugin, config)
        ended: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        online = False

        def finish(outcome: str) -> None:
            if not ended.done():
                ended.set_result(outcome)

        async def on_start(_event: Any) -> None:
            nonlocal online
            client.send_presence()
            online = True
            self._client, self._online = client, True
            report(ChannelStatus(self.name, ChannelState.ONLINE, f"online sebagai {self.jid}"))

        async def on_message(msg: Any) -> None:
            if msg["type"] not in ("chat", "normal") or not msg["body"]:
                return
            try:
                await deliver(self._message(msg))
            except Exception:
                log.exception("jabber %s: a message could not be stored", self.name)

        client.add_event_handler("session_start", on_start)
        client.add_event_handler("message", on_message)
        client.add_event_handler("failed_all_auth", lambda _e: finish("refused"))
        client.add_event_handler("no_auth", lambda _e: finish("no_auth"))
        client.add_event_handler("disconnected", lambda _e: finish("lost"))
        client.add_event_handler("connection_failed", lambda _e: finish("failed"))
        try:
            connect(client, self.host, self.port, plain=plain)
            try:
                outcome = await asyncio.wait_for(asyncio.shield(ended), CONNECT_TIMEOUT_S) if not online else None
            except TimeoutError:
                outcome = None if online else "failed"
            if outcome is None:
                outcome = await ended
        finally:
            self._online = False
            if self._client is client:
                self._client = None
            client.cancel_connection_attempt()
            if client.transport is not None:
                client.abort()
            filters = getattr(client, "_run_out_filters", None)  # slixmpp leaves its send loop to __del__
            if filters is not None:
                filters.cancel()
        if outcome == "refused":
            raise _Refused("Jabber ID atau password ditolak server")
        if outcome == "no_auth":
            raise _Refused("server tidak menawarkan cara login yang aman (aktifkan TLS di server)")
        return online

    def _message(self, msg: Any) -> ChatMessage:
        sender = msg["from"]
        body = str(msg["body"])
        stamp = msg["delay"]["stamp"] if msg.xml.find("{urn:xmpp:delay}delay") is not None else None
        sent_at = stamp if isinstance(stamp, _dt.datetime) else None
        stanza_id = str(msg["id"] or "")
        if len(stanza_id) >= MIN_STANZA_ID:
            key = f"xmpp:{self.jid}:{sender.full}:{stanza_id}"
        else:
            when = sent_at.isoformat() if sent_at else _dt.datetime.now(_dt.timezone.utc).isoformat()
            digest = hashlib.sha256(f"{sender.full}|{when}|{body}".encode()).hexdigest()[:32]
            key = f"xmpp:{self.jid}:{digest}"
        return ChatMessage(self.name, ChannelKind.JABBER, f"xmpp:{sender.bare.lower()}", body, sent_at, key,
                           resource=sender.resource)

    # --- sending ---------------------------------------------------------------------------

    @property
    def online(self) -> bool:
        return self._online

    async def send(self, to: str, text: str) -> None:
        client = self._client
        if client is None or not self._online:
            raise ChatSendError(f"{self.name} sedang tidak online")
        jid = to.removeprefix("xmpp:")
        try:
            client.send_message(mto=jid, mbody=text, mtype="chat")
        except Exception as exc:
            raise ChatSendError(str(exc) or type(exc).__name__) from exc
