"""The "Antrian" view: orders the server is working on (queued, sending), orders that need the owner
("Perlu tindakan": suspect, and failed ones not yet marked checked), and the final state of orders the
view still shows after they left both lists. (What a manual action needs: app.queries.order_actions.)
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass

from app.queries.status import FAILED_UNREVIEWED, NEEDS_REVIEW_INDEX, queue_counts
from storage import sql

MAX_ROWS = 500  # per list; the header says how many there are in all

_COLUMNS = ("o.id, o.status, o.created_at, o.updated_at, r.code, r.name, o.product_id, p.code, o.dest, o.price, "
            "o.supplier_id, s.name, o.sn, o.fail_reason, o.reviewed_at, o.reviewed_by")
_JOINS = ("JOIN reseller r ON r.id = o.reseller_id JOIN product p ON p.id = o.product_id "
          "LEFT JOIN supplier s ON s.id = o.supplier_id")
_FROM = f'FROM "order" AS o {_JOINS}'


@dataclass(frozen=True)
class QueueOrder:
    order_id: int
    status: str  # an order status code (ui.labels "status")
    created_at: _dt.datetime
    updated_at: _dt.datetime
    reseller_code: str
    reseller_name: str
    product_id: int
    product_code: str
    dest: str
    price: int
    supplier_id: int | None
    supplier_name: str  # the chip or supplier it went to, "" while it waits for one
    sn: str
    fail_reason: str
    reviewed_at: _dt.datetime | None
    reviewed_by: str

    @property
    def reseller(self) -> str:
        return f"{self.reseller_code} {self.reseller_name}"

    @property
    def in_queue(self) -> bool:
        return self.status in ("queued", "sending")

    @property
    def needs_action(self) -> bool:
        return self.status == "suspect" or (self.status == "failed" and self.reviewed_at is None)


@dataclass(frozen=True)
class QueueSnapshot:
    live: tuple[QueueOrder, ...]  # queued and sending, oldest first (at most MAX_ROWS)
    live_total: int
    needs_action: tuple[QueueOrder, ...]  # oldest first (at most MAX_ROWS)
    needs_action_total: int
    others: tuple[QueueOrder, ...]  # orders asked for by id that are in neither list any more


def _order(row: tuple) -> QueueOrder:
    (order_id, status, created, updated, rcode, rname, product_id, pcode, dest, price, supplier_id, supplier,
     sn, reason, reviewed_at, reviewed_by) = row
    when = sql.to_datetime
    return QueueOrder(int(order_id), status, when(created), when(updated), rcode, rname, int(product_id), pcode,
                      dest, int(price), supplier_id, supplier or "", sn or "", reason or "", when(reviewed_at),
                      reviewed_by or "")


# Each list is read as one index walk per part, each stopping after `limit` rows, merged by id: with
# "status IN (...) ORDER BY id LIMIT" SQLite walks the whole table in id order instead.

def _with_status(status: str, limit: int) -> list[tuple]:
    return sql.all_rows(f"SELECT {_COLUMNS} {_FROM} WHERE o.status = ? ORDER BY o.id LIMIT ?", (status, limit))


def _oldest(rows: list[tuple], limit: int) -> tuple[QueueOrder, ...]:
    return tuple(sorted((_order(r) for r in rows), key=lambda o: o.order_id)[:limit])


def live_orders(limit: int = MAX_ROWS) -> tuple[QueueOrder, ...]:
    """Queued and sending orders, oldest first."""
    return _oldest(_with_status("queued", limit) + _with_status("sending", limit), limit)


def needs_action(limit: int = MAX_ROWS) -> tuple[QueueOrder, ...]:
    """Suspect orders and failed ones not marked checked (through their partial index), oldest first."""
    failed = sql.all_rows(f'SELECT {_COLUMNS} FROM "order" AS o {sql.indexed_by(NEEDS_REVIEW_INDEX)} {_JOINS} '
                          f"WHERE {FAILED_UNREVIEWED} ORDER BY o.id LIMIT ?", (limit,))
    return _oldest(_with_status("suspect", limit) + failed, limit)


def orders_by_id(order_ids: Iterable[int]) -> tuple[QueueOrder, ...]:
    ids = sorted(set(order_ids))
    out: list[QueueOrder] = []
    for start in range(0, len(ids), 500):  # below every engine's limit on parameters
        chunk = ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        out += [_order(r) for r in sql.all_rows(f"SELECT {_COLUMNS} {_FROM} WHERE o.id IN ({marks}) ORDER BY o.id",
                                                chunk)]
    return tuple(out)


def queue_snapshot(shown: Iterable[int] = (), limit: int = MAX_ROWS) -> QueueSnapshot:
    """Both lists, and the current state of the `shown` orders that are in neither (the view keeps
    a finished row for a moment, showing how it ended)."""
    live = live_orders(limit)
    pinned = needs_action(limit)
    counts = queue_counts()
    listed = {o.order_id for o in live} | {o.order_id for o in pinned}
    missing = [i for i in shown if i not in listed]
    others = tuple(o for o in orders_by_id(missing) if not o.in_queue and not o.needs_action) if missing else ()
    return QueueSnapshot(live, max(counts.in_queue, len(live)), pinned, max(counts.needs_action, len(pinned)),
                         others)


def unreviewed_failed_ids() -> tuple[int, ...]:
    """Every failed order the owner has not marked checked (for "Tandai semua sudah dicek")."""
    return tuple(i for (i,) in sql.all_rows(
        f'SELECT o.id FROM "order" AS o {sql.indexed_by(NEEDS_REVIEW_INDEX)} WHERE {FAILED_UNREVIEWED} ORDER BY o.id'))

