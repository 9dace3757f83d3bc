"""A message as it reaches the server, from any channel (SMS, chat, …): the one value the message
service, its command handlers and the engine all speak."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Inbound:
    channel: str  # "sms", "telegram", "jabber", …
    sender: str  # phone number or chat ID as the channel gives it
    text: str
    sent_at: _dt.datetime | None = None  # the sender's timestamp (SMSC time for SMS)
    dedupe_key: str | None = None  # from the channel; the same key twice is one message
    modem: str = ""
