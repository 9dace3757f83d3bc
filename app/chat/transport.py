"""What a chat channel's transport (Telegram, Jabber) gives the engine, and what it needs from it.

A transport owns one account's connection. `run` keeps it connected (reconnecting with back-off) until
it is cancelled, hands every message that arrives to `deliver` and only then acknowledges it to the
server (Telegram's update offset moves past it; an XMPP offline message is taken once), so a message
that arrives while Pulsa is stopped, or during a crash, is delivered when it comes back. `deliver`
stores the message (deduplicated by `ChatMessage.dedupe_key`) before it returns, so a message handed
over twice is one message.
"""
from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass
from typing import Awaitable, Callable, Protocol


class ChannelKind(str, enum.Enum):
    TELEGRAM = "telegram"
    JABBER = "jabber"


class ChannelState(str, enum.Enum):
    STOPPED = "stopped"
    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"  # lost; reconnecting with back-off
    REFUSED = "refused"  # the server refused the token or password: no retry until the owner edits it


@dataclass(frozen=True)
class ChatMessage:
    """One message from a chat user, as the transport read it."""

    channel: str  # the channel's name as the owner gave it (e.g. "bot-toko")
    kind: ChannelKind
    sender: str  # the address as stored for resellers: "tg:<user id>" or "xmpp:<bare jid>"
    text: str
    sent_at: _dt.datetime | None  # the server's timestamp (XMPP delay stamp for offline messages)
    dedupe_key: str  # unique per message on this channel (e.g. "tg:<bot id>:<update id>")
    resource: str = ""  # Jabber: the sender's resource (a reseller may be bound to a full JID); else ""


@dataclass(frozen=True)
class ChannelStatus:
    channel: str
    state: ChannelState
    detail: str = ""  # the last error or what it is doing, in Indonesian; never a token or password


class ChatSendError(Exception):
    """A reply could not be delivered (the outbox tries again later)."""


Deliver = Callable[[ChatMessage], Awaitable[None]]
Report = Callable[[ChannelStatus], None]


class ChatTransport(Protocol):
    name: str
    kind: ChannelKind

    async def run(self, deliver: Deliver, report: Report) -> None:
        """Connect, receive and deliver until cancelled; reconnect with back-off when the link drops."""
        ...

    async def send(self, to: str, text: str) -> None:
        """Send `text` to an address of the `ChatMessage.sender` form; raises ChatSendError."""
        ...
