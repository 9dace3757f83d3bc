"""The only way a balance changes: a guarded UPDATE and a ledger row in the same transaction."""
from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass
from typing import Callable

import peewee as pw

from storage import sql
from storage.models import LedgerEntry, Order, database_proxy as db, now


class LedgerKind(str, enum.Enum):
    DEPOSIT = "deposit"
    ORDER_DEBIT = "order_debit"
    REFUND = "refund"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    PULL = "pull"
    CORRECTION = "correction"
    COMMISSION = "commission"


class InsufficientBalance(Exception):
    def __init__(self, balance: int, needed: int):
        super().__init__(f"Saldo tidak cukup: {balance:,} (perlu {needed:,})".replace(",", "."))
        self.balance = balance
        self.needed = needed


class AlreadyRefunded(Exception):
    pass


@dataclass(frozen=True)
class Posting:
    entry_id: int
    balance_before: int
    balance_after: int


def post(reseller_id: int, delta: int, kind: LedgerKind, *, order_id: int | None = None,
         counterpart_id: int | None = None, note: str = "", actor: str = "system",
         enforce_limit: bool = True, now: _dt.datetime | None = None) -> Posting:
    """Change a balance by `delta` and write its ledger row. Must run inside `db.atomic()`.

    A negative delta with `enforce_limit` is refused (InsufficientBalance) when it would take the
    balance below -credit_limit; the check and the change are one UPDATE, so two concurrent debits
    cannot both pass.
    """
    if not isinstance(delta, int) or isinstance(delta, bool):
        raise TypeError("money is integer rupiah")
    if not db.obj.in_transaction():
        raise RuntimeError("ledger.post must run inside a transaction")
    after = _change_balance(reseller_id, delta, enforce_limit)
    return Posting(_write_entry(reseller_id, delta, after, kind, order_id, counterpart_id, note, actor, now),
                   after - delta, after)


def debit_for_order(reseller_id: int, price: int, create_order: Callable[[], int], *, note: str = "",
                    now: _dt.datetime | None = None) -> tuple[int, Posting]:
    """Debit first, then create the order, then its ledger row: a refused debit writes nothing, so no
    savepoint is needed. Must run inside a transaction."""
    if not db.obj.in_transaction():
        raise RuntimeError("ledger.debit_for_order must run inside a transaction")
    after = _change_balance(reseller_id, -price, True)
    order_id = create_order()
    entry = _write_entry(reseller_id, -price, after, LedgerKind.ORDER_DEBIT, order_id, None, note, "system", now)
    return order_id, Posting(entry, after + price, after)


def _change_balance(reseller_id: int, delta: int, enforce_limit: bool) -> int:
    if delta < 0 and enforce_limit:
        row = sql.one("UPDATE reseller SET balance = balance + ? WHERE id = ? AND balance + credit_limit >= ? "
                      "RETURNING balance", (delta, reseller_id, -delta))
    else:
        row = sql.one("UPDATE reseller SET balance = balance + ? WHERE id = ? RETURNING balance", (delta, reseller_id))
    if row is None:
        current = sql.one("SELECT balance FROM reseller WHERE id = ?", (reseller_id,))
        if current is None:
            raise LookupError(f"reseller {reseller_id} does not exist")
        raise InsufficientBalance(current[0], -delta)
    return int(row[0])


def _write_entry(reseller_id: int, delta: int, after: int, kind: LedgerKind, order_id: int | None,
                 counterpart_id: int | None, note: str, actor: str, at: _dt.datetime | None) -> int:
    (entry_id,) = sql.one(
        "INSERT INTO ledger_entry (reseller_id, delta, balance_after, kind, order_id, counterpart_id, note, actor, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (reseller_id, delta, after, kind.value, order_id, counterpart_id, note[:200], actor[:50], at or now()))
    return entry_id


def refund_order(order_id: int, *, note: str = "", actor: str = "system", now: _dt.datetime | None = None) -> Posting:
    """Return an order's price to its reseller, exactly once (guarded by `Order.refunded`)."""
    with db.atomic():
        row = sql.one('UPDATE "order" SET refunded = ? WHERE id = ? AND refunded = ? RETURNING reseller_id, price',
                      (True, order_id, False))
        if row is None:
            raise AlreadyRefunded(order_id)
        reseller_id, price = row
        return post(reseller_id, int(price), LedgerKind.REFUND, order_id=order_id, note=note, actor=actor,
                    enforce_limit=False, now=now)


def transfer(from_id: int, to_id: int, amount: int, *, note: str = "", actor: str = "system",
             now: _dt.datetime | None = None) -> tuple[Posting, Posting]:
    if amount <= 0:
        raise ValueError("transfer amount must be positive")
    with db.atomic():
        out = post(from_id, -amount, LedgerKind.TRANSFER_OUT, counterpart_id=to_id, note=note, actor=actor, now=now)
        inn = post(to_id, amount, LedgerKind.TRANSFER_IN, counterpart_id=from_id, note=note, actor=actor, now=now)
    return out, inn


def deposit(reseller_id: int, amount: int, *, note: str = "", actor: str = "admin") -> Posting:
    if amount <= 0:
        raise ValueError("deposit must be positive")
    with db.atomic():
        return post(reseller_id, amount, LedgerKind.DEPOSIT, note=note, actor=actor)


def correction(reseller_id: int, delta: int, *, note: str, actor: str) -> Posting:
    """A manual correction by the shop owner; may take the balance below its limit, needs a note."""
    if not note.strip():
        raise ValueError("a correction needs a note")
    with db.atomic():
        return post(reseller_id, delta, LedgerKind.CORRECTION, note=note, actor=actor, enforce_limit=False)


def ledger_sum(reseller_id: int) -> int:
    return int(LedgerEntry.select(pw.fn.COALESCE(pw.fn.SUM(LedgerEntry.delta), 0))
               .where(LedgerEntry.reseller == reseller_id).scalar())


def held_amount(reseller_id: int) -> int:
    """Money debited for orders that are not final yet ("saldo proses")."""
    return int(Order.select(pw.fn.COALESCE(pw.fn.SUM(Order.price), 0))
               .where((Order.reseller == reseller_id)
                      & (Order.status.in_(("queued", "sending", "suspect")))
                      & (Order.refunded == False)).scalar())  # noqa: E712
