"""Deposit tickets and bank statement lines as the "Deposit" view reads them: the open tickets, and the
imported lines with the waiting ones first, each waiting line with the ticket it probably belongs to (a
ticket of the same unique amount that expired, or is for another bank) as a hint for the owner."""
from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass

from app.deposits import LineStatus, TicketStatus
from storage import sql
from storage.models import DepositTicket

LINES_SHOWN = 300  # decided lines shown after the waiting ones (newest first)


@dataclass(frozen=True)
class OpenTicketRow:
    id: int
    reseller_id: int
    reseller_code: str
    reseller_name: str
    bank: str
    amount: int
    unique_amount: int
    created_at: _dt.datetime
    expires_at: _dt.datetime


@dataclass(frozen=True)
class Hint:
    """The ticket a waiting line probably pays: the owner may assign the line to its reseller."""

    ticket_id: int
    reseller_id: int
    reseller_code: str
    status: str  # TicketStatus value
    bank: str


@dataclass(frozen=True)
class BankLineRow:
    id: int
    bank: str
    booked_on: _dt.date
    description: str
    amount: int
    status: str  # LineStatus value
    ticket_id: int | None
    reseller_id: int | None
    reseller_code: str
    decided_by: str
    decided_at: _dt.datetime | None
    imported_at: _dt.datetime | None
    hint: Hint | None = None


@dataclass(frozen=True)
class DepositsSnapshot:
    tickets: tuple[OpenTicketRow, ...]
    lines: tuple[BankLineRow, ...]
    waiting: int  # lines waiting for the owner
    lines_total: int


def _datetime(value) -> _dt.datetime | None:
    return DepositTicket.created_at.python_value(value) if value is not None else None


def _date(value) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value)[:10])


def open_tickets(now: _dt.datetime) -> list[OpenTicketRow]:
    """Tickets still open at `now` (an open one past its expiry is expired, whether or not stored so yet),
    the one expiring first on top."""
    rows = sql.all_rows("SELECT t.id, t.reseller_id, r.code, r.name, t.bank, t.amount, t.unique_amount, t.created_at, "
                        "t.expires_at FROM deposit_ticket t JOIN reseller r ON r.id = t.reseller_id "
                        "WHERE t.status = ? AND t.expires_at > ? ORDER BY t.expires_at, t.id",
                        (TicketStatus.OPEN.value, now))
    return [OpenTicketRow(int(i), int(rid), code, name, bank, int(amount), int(unique), _datetime(created),
                          _datetime(expires))
            for i, rid, code, name, bank, amount, unique, created, expires in rows]


_LINE_SQL = ("SELECT b.id, b.bank, b.booked_on, b.description, b.amount, b.status, b.ticket_id, b.reseller_id, "
             "r.code, b.decided_by, b.decided_at, b.imported_at FROM bank_line b "
             "LEFT JOIN reseller r ON r.id = b.reseller_id")


def _line(row: tuple) -> BankLineRow:
    i, bank, booked, description, amount, status, ticket, reseller, code, by, at, imported = row
    return BankLineRow(int(i), bank, _date(booked), description or "", int(amount), status, ticket, reseller,
                       code or "", by or "", _datetime(at), _datetime(imported))


def bank_lines(limit: int = LINES_SHOWN) -> list[BankLineRow]:
    """Every waiting line (oldest first), then the latest `limit` others (newest first)."""
    waiting = [_line(r) for r in sql.all_rows(_LINE_SQL + " WHERE b.status = ? ORDER BY b.booked_on, b.id",
                                              (LineStatus.UNMATCHED.value,))]
    others = [_line(r) for r in sql.all_rows(_LINE_SQL + " WHERE b.status <> ? ORDER BY b.id DESC LIMIT ?",
                                             (LineStatus.UNMATCHED.value, int(limit)))]
    return _with_hints(waiting) + others


def _with_hints(lines: list[BankLineRow]) -> list[BankLineRow]:
    if not lines:
        return lines
    amounts = sorted({line.amount for line in lines})
    marks = ", ".join("?" for _ in amounts)
    tickets = sql.all_rows(f"SELECT t.id, t.reseller_id, r.code, t.status, t.bank, t.unique_amount, t.created_at, "
                           f"t.expires_at FROM deposit_ticket t JOIN reseller r ON r.id = t.reseller_id "
                           f"WHERE t.unique_amount IN ({marks}) AND t.status IN (?, ?) ORDER BY t.id DESC",
                           (*amounts, TicketStatus.OPEN.value, TicketStatus.EXPIRED.value))
    out = []
    for line in lines:
        hint = None
        for tid, rid, code, status, bank, unique, created, expires in tickets:
            created_day, expires_day = _datetime(created).date(), _datetime(expires).date()
            # the transfer may come a day after the ticket expired (statements have no times)
            if int(unique) == line.amount and created_day <= line.booked_on <= expires_day + _dt.timedelta(days=1):
                hint = Hint(int(tid), int(rid), code, status, bank)
                break
        out.append(line if hint is None else dataclasses.replace(line, hint=hint))
    return out


def snapshot(now: _dt.datetime, limit: int = LINES_SHOWN) -> DepositsSnapshot:
    lines = bank_lines(limit)
    (total,) = sql.one("SELECT COUNT(*) FROM bank_line") or (0,)
    return DepositsSnapshot(tuple(open_tickets(now)), tuple(lines),
                            sum(1 for line in lines if line.status == LineStatus.UNMATCHED.value), int(total))
