"""The "Pesan" view: the inbox (every message received, with what became of it) and the outbox (every
reply and notice, with its sending status), per modem.

Both tables grow like the order log, so the view pages them: `message_ids` (newest first, filtered in
SQL; run it on a background thread) and then `inbox_rows` / `outbox_rows` for the ids on screen.
"""
from __future__ import annotations

import datetime as _dt
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from storage import sql
from storage.models import InboundMessage


class Box(str, Enum):
    INBOX = "inbox"
    OUTBOX = "outbox"


INBOX_STATUSES = ("processed", "rejected", "received")  # ui.labels "inbound"
OUTBOX_STATUSES = ("queued", "sent", "failed")  # ui.labels "outbox"

_TABLE = {Box.INBOX: ("inbound_message", "sender"), Box.OUTBOX: ("outbound_message", '"to"')}


@dataclass(frozen=True)
class MessageFilter:
    modem: str = ""  # "" for every modem
    status: str = ""  # "" for every status
    search: str = ""  # part of the number or of the text


@dataclass(frozen=True)
class InboxRow:
    message_id: int
    received_at: _dt.datetime | None
    modem: str
    channel: str  # sms, operator (an operator's or upstream's SMS), telegram, …
    sender: str
    text: str  # PINs masked
    status: str  # received, processed, rejected
    reason: str  # why it was rejected
    reseller: str  # the reseller's code, "" when the sender is not one


@dataclass(frozen=True)
class OutboxRow:
    message_id: int
    created_at: _dt.datetime | None
    modem: str
    channel: str
    to: str
    text: str
    status: str  # queued, sent, failed
    event: str  # what the message is about (success, failed, welcome, …)
    order_id: int | None
    sent_at: _dt.datetime | None
    attempts: int


def _when(value) -> _dt.datetime | None:
    return InboundMessage.received_at.python_value(value) if value is not None else None


def message_ids(box: Box, f: MessageFilter = MessageFilter(), *, after_id: int = 0) -> array:
    """Ids of the matching messages, newest first (an `array('q')`: a million ids are 8 MB); with
    `after_id`, only newer ones (a cheap primary-key range, for live updates)."""
    table, peer = _TABLE[Box(box)]
    parts, params = ["m.id > ?"], [after_id]
    if f.modem:
        parts.append("m.modem = ?")
        params.append(f.modem)
    if f.status:
        parts.append("m.status = ?")
        params.append(f.status)
    if f.search.strip():
        like = f"%{f.search.strip()}%"
        parts.append(f"(m.{peer} LIKE ? OR m.text LIKE ?)")
        params += [like, like]
    rows = sql.all_rows(f"SELECT m.id FROM {table} m WHERE {' AND '.join(parts)} ORDER BY m.id DESC", params)
    return array("q", [int(i) for (i,) in rows])


def _in(ids: Sequence[int]) -> str:
    return f"({','.join('?' * len(ids))})"


def inbox_rows(ids: Sequence[int]) -> dict[int, InboxRow]:
    if not ids:
        return {}
    rows = sql.all_rows(
        "SELECT m.id, m.received_at, m.modem, m.channel, m.sender, m.text, m.status, m.reason, r.code "
        f"FROM inbound_message m LEFT JOIN reseller r ON r.id = m.reseller_id WHERE m.id IN {_in(ids)}", list(ids))
    return {int(r[0]): InboxRow(int(r[0]), _when(r[1]), r[2] or "", r[3], r[4], r[5], r[6], r[7] or "", r[8] or "")
            for r in rows}


def outbox_rows(ids: Sequence[int]) -> dict[int, OutboxRow]:
    if not ids:
        return {}
    rows = sql.all_rows(
        'SELECT m.id, m.created_at, m.modem, m.channel, m."to", m.text, m.status, m.event, m.order_id, m.sent_at, '
        f"m.attempts FROM outbound_message m WHERE m.id IN {_in(ids)}", list(ids))
    return {int(r[0]): OutboxRow(int(r[0]), _when(r[1]), r[2] or "", r[3], r[4], r[5], r[6], r[7] or "",
                                 None if r[8] is None else int(r[8]), _when(r[9]), int(r[10] or 0)) for r in rows}


def modem_names() -> list[str]:
    """The configured modems, for the filter (messages are not scanned for others: that table is big)."""
    return sorted(n for (n,) in sql.all_rows("SELECT name FROM modem"))
