"""Resellers as the "Reseller" view and its dialogs read them: the list with balances, one reseller's
details and addresses, and its mutasi (ledger rows, newest first, each with the balance right after it)."""
from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass

from app.shop_admin import Address
from storage import sql
from storage.models import LedgerEntry, Reseller

LEDGER_PAGE = 500  # mutasi rows shown at first; the view asks for more


class ResellerState(str, enum.Enum):
    ACTIVE = "active"
    BLOCKED = "blocked"
    PIN_LOCKED = "pin_locked"


@dataclass(frozen=True)
class ResellerListRow:
    id: int
    code: str
    name: str
    city: str
    group_code: str
    upline_code: str  # "" without an upline
    balance: int
    credit_limit: int
    active: bool
    locked_until: _dt.datetime | None
    main_address: str  # "" when it has none

    def state(self, now: _dt.datetime) -> ResellerState:
        if not self.active:
            return ResellerState.BLOCKED
        if self.locked_until is not None and self.locked_until > now:
            return ResellerState.PIN_LOCKED
        return ResellerState.ACTIVE


@dataclass(frozen=True)
class ResellerDetail:
    """What the edit dialog fills in."""

    id: int
    code: str
    name: str
    city: str
    price_group_id: int
    parent_id: int | None
    credit_limit: int
    markup: int
    language: str
    addresses: tuple[Address, ...]


@dataclass(frozen=True)
class ResellerChoice:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class LedgerRow:
    id: int
    at: _dt.datetime | None
    kind: str  # app.ledger.LedgerKind value; the view shows it through ui.labels
    delta: int
    balance_after: int  # the running balance right after this row
    order_id: int | None
    note: str
    actor: str


@dataclass(frozen=True)
class LedgerPage:
    reseller_id: int
    rows: tuple[LedgerRow, ...]  # newest first
    total: int  # rows the reseller has in all


def _datetime(value) -> _dt.datetime | None:
    return Reseller.locked_until.python_value(value) if value is not None else None


_LIST_SQL = ("SELECT r.id, r.code, r.name, r.city, g.code, u.code, r.balance, r.credit_limit, r.active, "
             "r.locked_until, (SELECT a.address FROM reseller_address a WHERE a.reseller_id = r.id "
             "ORDER BY a.is_main DESC, a.id LIMIT 1) FROM reseller r JOIN price_group g ON g.id = r.price_group_id "
             "LEFT JOIN reseller u ON u.id = r.parent_id")


def reseller_list(search: str = "") -> list[ResellerListRow]:
    """All resellers (a shop has hundreds to a few thousand), or those whose code, name, city or one of
    whose numbers or chat IDs contains `search`, by code."""
    where, params = "", ()
    if search.strip():
        like = f"%{search.strip().lower()}%"
        where = (" WHERE LOWER(r.code) LIKE ? OR LOWER(r.name) LIKE ? OR LOWER(r.city) LIKE ? OR r.id IN "
                 "(SELECT reseller_id FROM reseller_address WHERE LOWER(address) LIKE ?)")
        params = (like,) * 4
    return [ResellerListRow(int(i), code, name, city or "", group_code, upline or "", int(balance), int(limit),
                            bool(active), _datetime(locked), address or "")
            for i, code, name, city, group_code, upline, balance, limit, active, locked, address
            in sql.all_rows(_LIST_SQL + where + " ORDER BY r.code", params)]


def reseller_row(reseller_id: int) -> ResellerListRow | None:
    rows = sql.all_rows(_LIST_SQL + " WHERE r.id = ?", (reseller_id,))
    if not rows:
        return None
    i, code, name, city, group_code, upline, balance, limit, active, locked, address = rows[0]
    return ResellerListRow(int(i), code, name, city or "", group_code, upline or "", int(balance), int(limit),
                           bool(active), _datetime(locked), address or "")


def reseller_addresses(reseller_id: int) -> list[Address]:
    """Main number first, then the others in the order they were added."""
    return [Address(channel, address) for channel, address in sql.all_rows(
        "SELECT channel, address FROM reseller_address WHERE reseller_id = ? ORDER BY is_main DESC, id",
        (reseller_id,))]


def reseller_detail(reseller_id: int) -> ResellerDetail | None:
    row = sql.one("SELECT id, code, name, city, price_group_id, parent_id, credit_limit, markup, language "
                  "FROM reseller WHERE id = ?", (reseller_id,))
    if row is None:
        return None
    i, code, name, city, group_id, parent_id, limit, markup, language = row
    return ResellerDetail(int(i), code, name, city or "", int(group_id), None if parent_id is None else int(parent_id),
                          int(limit), int(markup), language, tuple(reseller_addresses(reseller_id)))


def upline_choices(exclude_id: int | None = None) -> list[ResellerChoice]:
    """Resellers that may be chosen as an upline (not the reseller itself), by code."""
    return [ResellerChoice(int(i), code, name) for i, code, name in sql.all_rows(
        "SELECT id, code, name FROM reseller ORDER BY code") if int(i) != exclude_id]


def reseller_ledger(reseller_id: int, limit: int = LEDGER_PAGE) -> LedgerPage:
    """The newest `limit` ledger rows of one reseller, and how many it has."""
    total = int(sql.one("SELECT COUNT(*) FROM ledger_entry WHERE reseller_id = ?", (reseller_id,))[0])
    rows = tuple(LedgerRow(int(i), LedgerEntry.created_at.python_value(at) if at is not None else None, kind,
                           int(delta), int(after), None if order_id is None else int(order_id), note or "", actor or "")
                 for i, at, kind, delta, after, order_id, note, actor in sql.all_rows(
                     "SELECT id, created_at, kind, delta, balance_after, order_id, note, actor FROM ledger_entry "
                     "WHERE reseller_id = ? ORDER BY id DESC LIMIT ?", (reseller_id, int(limit))))
    return LedgerPage(reseller_id, rows, total)
