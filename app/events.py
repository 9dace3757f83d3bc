"""What the engine tells the outside world (the headless log, the UI adapter). Plain values, no Qt;
the engine's `EventBus` (app/engine.py) delivers them."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineEvent:
    at: datetime = field(default_factory=datetime.now, compare=False)


@dataclass(frozen=True)
class OrderChanged(EngineEvent):
    order_id: int = 0
    status: str = ""
    detail: str = ""  # one readable line for logs and status bars (no PINs)


@dataclass(frozen=True)
class ModemChanged(EngineEvent):
    name: str = ""
    state: str = ""
    detail: str = ""


@dataclass(frozen=True)
class MessageLogged(EngineEvent):
    direction: str = ""  # in | out
    channel: str = "sms"
    peer: str = ""
    modem: str = ""
    text: str = ""  # masked


@dataclass(frozen=True)
class StockChanged(EngineEvent):
    supplier_id: int = 0
    name: str = ""
    stock: int | None = None
    low: bool = False


@dataclass(frozen=True)
class Alert(EngineEvent):
    text: str = ""


@dataclass(frozen=True)
class EngineFailed(EngineEvent):
    """A background loop kept dying and was given up on: the server must stop, loudly."""
    loop: str = ""
    error: str = ""


@dataclass(frozen=True)
class ChannelChanged(EngineEvent):
    """A chat center's account (app/chat): its state, last error and messages in and out this run."""
    name: str = ""
    kind: str = ""  # telegram, jabber
    state: str = ""  # app.chat.transport.ChannelState value
    detail: str = ""  # Indonesian; never a token or password
    received: int = 0
    sent: int = 0


@dataclass(frozen=True)
class RepliesBacklog(EngineEvent):
    """Replies waiting to be sent: how many, and how long the oldest has waited."""
    queued: int = 0
    oldest_s: float = 0.0
    alarm: bool = False
