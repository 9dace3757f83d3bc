"""The only way a balance changes: a guarded UPDATE and a ledger row in the same transaction."""
from __future__ import annotations

import enum
from dataclasses import dataclass

import peewee as pw

from storage.models import LedgerEntry, Order, Reseller, database_proxy as db


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
        super().__init__(f"balance {balance} < {needed}")
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
         enforce_limit: bool = True) -> Posting:
    """Change a balance by `delta` and write its ledger row. Must run inside `db.atomic()`.

    A negative delta with `enforce_limit` is refused (InsufficientBalance) when it would take the
    balance below -credit_limit; the check and the change are one UPDATE, so two concurrent debits
    cannot both pass.
    """
    if not isinstance(delta, int) or isinstance(delta, bool):
        raise TypeError("money is integer rupiah")
    if not db.obj.in_transaction():
        raise RuntimeError("ledger.post must run inside a transaction")
    query = Reseller.update(balance=Reseller.balance + delta).where(Reseller.id == reseller_id)
    if delta < 0 and enforce_limit:
        query = query.where(Reseller.balance + Reseller.credit_limit >= -delta)
    if query.execute() != 1:
        row = Reseller.get_or_none(Reseller.id == reseller_id)
        if row is None:
            raise LookupError(f"reseller {reseller_id} does not exist")
        raise InsufficientBalance(row.balance, -delta)
    after = Reseller.select(Reseller.balance).where(Reseller.id == reseller_id).scalar()
    entry = LedgerEntry.create(reseller=reseller_id, delta=delta, balance_after=after, kind=kind.value,
                               order=order_id, counterpart=counterpart_id, note=note[:200], actor=actor)
    return Posting(entry.id, after - delta, after)


def refund_order(order_id: int, *, note: str = "", actor: str = "system") -> Posting:
    """Return an order's price to its reseller, exactly once (guarded by `Order.refunded`)."""
    with db.atomic():
        claimed = (Order.update(refunded=True)
                   .where((Order.id == order_id) & (Order.refunded == False))  # noqa: E712
                   .execute())
        if claimed != 1:
            raise AlreadyRefunded(order_id)
        order = Order.get_by_id(order_id)
        return post(order.reseller_id, order.price, LedgerKind.REFUND, order_id=order_id,
                    note=note, actor=actor, enforce_limit=False)


def transfer(from_id: int, to_id: int, amount: int, *, note: str = "", actor: str = "system") -> tuple[Posting, Posting]:
    if amount <= 0:
        raise ValueError("transfer amount must be positive")
    with db.atomic():
        out = post(from_id, -amount, LedgerKind.TRANSFER_OUT, counterpart_id=to_id, note=note, actor=actor)
        inn = post(to_id, amount, LedgerKind.TRANSFER_IN, counterpart_id=from_id, note=note, actor=actor)
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
