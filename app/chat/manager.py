"""Runs the owner's chat accounts beside the engine (built by app/runtime.py).

For each active `chat_channel` row a transport is built by kind and run under the engine's supervisor
(loop `chat-<name>`). A message it delivers becomes an `Inbound` on channel `<kind>:<name>`
(app/chat/addresses.py) for `Engine.handle_inbound`, so the reseller is found by its chat identity and
every reply, at once and when the order settles, is queued for that channel and goes back through the
same account: while the account is online the outbox has a sender registered for the channel; while it
is not, its replies wait queued. Each change of state is published as a `ChannelChanged` event.
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

from app.chat import addresses, channels
from app.chat.transport import ChannelKind, ChannelState, ChannelStatus, ChatMessage, ChatSendError, ChatTransport
from app.events import Alert, ChannelChanged
from app.messages import Inbound
from app.service import one_line
from storage import sql

if TYPE_CHECKING:
    from app.engine import Engine

log = logging.getLogger(__name__)

TransportFactory = Callable[[channels.ChannelConfig], ChatTransport]


def build_transport(config: channels.ChannelConfig) -> ChatTransport:
    """The transport for a stored channel (imported when first needed)."""
    if config.kind == ChannelKind.JABBER.value:
        from app.chat.jabber import JabberTransport

        return JabberTransport(config.name, config.jid, config.secret, config.host, config.port)
    if config.kind == ChannelKind.TELEGRAM.value:
        from app.chat.telegram import TelegramTransport

        return TelegramTransport(config.name, config.secret, config.api_url or None)
    raise ValueError(f"jenis channel tidak dikenal: {config.kind}")


@dataclass
class ChannelRun:
    """One account's state in this run."""
    name: str
    kind: str
    state: ChannelState = ChannelState.STOPPED
    detail: str = ""
    received: int = 0
    sent: int = 0
    transport: ChatTransport | None = None

    @property
    def key(self) -> str:
        return addresses.channel_key(self.kind, self.name)

    def event(self) -> ChannelChanged:
        return ChannelChanged(name=self.name, kind=self.kind, state=self.state.value, detail=self.detail,
                              received=self.received, sent=self.sent)


class ChannelManager:
    def __init__(self, engine: "Engine", *, factory: TransportFactory = build_transport):
        self.engine = engine
        self.factory = factory
        self.runs: dict[str, ChannelRun] = {}
        self._started = False

    # --- life -------------------------------------------------------------------------------

    async def start(self) -> None:
        self._started = True
        for name in channels.active_names():
            self.switch_on(name)

    async def stop(self) -> None:
        self._started = False
        for name in list(self.runs):
            await self.switch_off(name, publish=False)

    def switch_on(self, name: str) -> bool:
        """Start (or restart, after an edit) the account `name`; False when it cannot be built."""
        config = channels.connect_config(name)
        if config is None:
            return False
        old = self.runs.get(name)
        if old is not None:
            self._drop(old)
        run = ChannelRun(name, config.kind)
        if old is not None:
            run.received, run.sent = old.received, old.sent
        self.runs[name] = run
        try:
            run.transport = self.factory(config)
        except Exception as exc:  # e.g. the Telegram part missing from this build
            log.warning("chat channel %s cannot start: %s", name, exc)
            self._report(run, ChannelStatus(name, ChannelState.OFFLINE, f"tidak bisa dijalankan: {exc}"))
            return False
        transport = run.transport
        self.engine.supervisor.start(self._loop_name(name), lambda: self._keep(run, transport))
        return True

    async def switch_off(self, name: str, *, publish: bool = True) -> None:
        run = self.runs.get(name)
        if run is None:
            return
        task = self._drop(run)
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
        run.state, run.detail, run.transport = ChannelState.STOPPED, "dimatikan", None
        if publish:
            self.engine.events.publish(run.event())

    async def apply(self, name: str) -> None:
        """The owner saved, switched or deleted the channel: run it as the row now says."""
        info = channels.info(name)
        if info is None or not info.active:
            await self.switch_off(name)
            if info is None:
                self.runs.pop(name, None)
            return
        if self._started:
            self.switch_on(name)

    def _drop(self, run: ChannelRun) -> asyncio.Task | None:
        self.engine.outbox.channels.pop(run.key, None)
        return self.engine.supervisor.cancel(self._loop_name(run.name))

    @staticmethod
    def _loop_name(name: str) -> str:
        return f"chat-{name}"

    async def _keep(self, run: ChannelRun, transport: ChatTransport) -> None:
        """The transport's run, kept going: an error in it is reported and it starts again (a chat account
        that fails must not stop the server, as a loop the supervisor gave up on would)."""
        wait = 1.0
        while True:
            try:
                await transport.run(lambda msg: self._deliver(run, msg), lambda s: self._report(run, s))
                # ended by itself (a refused token: its last report says so): it stays as it is until the
                # owner saves or switches it again; the supervisor would count a loop that ends as a crash
                if run.state in (ChannelState.ONLINE, ChannelState.CONNECTING):
                    self._report(run, ChannelStatus(run.name, ChannelState.STOPPED, "berhenti"))
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("chat channel %s failed: %s", run.name, type(exc).__name__, exc_info=True)
                self._report(run, ChannelStatus(run.name, ChannelState.OFFLINE,
                                                f"galat {type(exc).__name__}; dijalankan ulang"))
            await asyncio.sleep(wait)
            wait = min(wait * 2, 60.0)

    # --- from the transport ----------------------------------------------------------------

    def _report(self, run: ChannelRun, status: ChannelStatus) -> None:
        if self.runs.get(run.name) is not run:
            return  # a transport of an earlier run, still winding down
        before = run.state
        run.state, run.detail = status.state, status.detail
        if status.state == ChannelState.ONLINE and run.transport is not None:
            self.engine.outbox.channels[run.key] = lambda to, text, r=run: self._send(r, to, text)
            self.engine.outbox.wake()  # replies that waited for this account
        elif status.state != ChannelState.ONLINE:
            self.engine.outbox.channels.pop(run.key, None)
        if status.state == ChannelState.REFUSED and before != ChannelState.REFUSED:
            self.engine.events.publish(Alert(text=f"Chat {run.name}: {status.detail}. Perbaiki di menu Chat."))
        self.engine.events.publish(run.event())

    async def _deliver(self, run: ChannelRun, msg: ChatMessage) -> None:
        """Store and handle one message (deduplicated by its key) before the transport acknowledges it."""
        kind = run.kind
        try:
            address = addresses.normalize(kind, msg.sender.partition(":")[2])
        except addresses.AddressError:
            log.info("chat %s: message from an address that is none: %s", run.name, one_line(msg.sender, 80))
            return
        if kind == ChannelKind.JABBER.value and msg.resource:
            full = f"{address}/{msg.resource.lower()}"
            if sql.one("SELECT 1 FROM reseller_address WHERE channel = ? AND address = ?", (kind, full)):
                address = full  # bound to this resource: found, and answered there
        sent_at = msg.sent_at
        inbound = Inbound(run.key, address, msg.text, sent_at=sent_at, dedupe_key=msg.dedupe_key)
        result = self.engine.handle_inbound(inbound)
        if not result.duplicate:
            run.received += 1
            self.engine.events.publish(run.event())

    async def _send(self, run: ChannelRun, to: str, text: str) -> bool:
        transport = run.transport
        if transport is None:
            return False
        try:
            await transport.send(addresses.show(run.kind, to), text)
        except ChatSendError as exc:
            log.info("chat %s: reply not sent: %s", run.name, one_line(str(exc), 200))
            return False
        run.sent += 1
        self.engine.events.publish(run.event())
        return True

    # --- for screens --------------------------------------------------------------------------

    def snapshot(self) -> list[ChannelChanged]:
        """Every stored channel with its state in this run (a switched-off one as stopped)."""
        out = []
        for info in channels.list_channels():
            run = self.runs.get(info.name) or ChannelRun(info.name, info.kind)
            out.append(replace(run.event(), at=_dt.datetime.now()))
        return out
