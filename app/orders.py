"""Orders: placing a top-up (the repeat rule, price, debit) and settling it (success, failure, suspect).

Every function here runs inside the caller's transaction or opens its own; money moves only through
`app.ledger`.
"""
from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass
from typing import Callable

import peewee as pw

from app import ledger
from app.ledger import LedgerKind
from app.phone import PrefixTable, normalize_msisdn
from app.commands.parser import parse_nominal
from app.settings import Settings
from storage import sql
from app.rows import ResellerRow
from storage.models import Order, database_proxy as db


class OrderStatus(str, enum.Enum):
    QUEUED = "queued"
    SENDING = "sending"
    SUCCESS = "success"
    FAILED = "failed"
    SUSPECT = "suspect"


OPEN_STATUSES = (OrderStatus.QUEUED.value, OrderStatus.SENDING.value, OrderStatus.SUSPECT.value)
# Orders that occupy a repeat key (commands.md 3.3); failed ones free it.
OCCUPYING = (*OPEN_STATUSES, OrderStatus.SUCCESS.value)


@dataclass(frozen=True)
class _Earlier:
    id: int
    counter: int
    status: str
    created_at: _dt.datetime
    sent_at: _dt.datetime | None
    finished_at: _dt.datetime | None


def _dt_value(value) -> _dt.datetime | None:
    return Order.created_at.python_value(value) if value is not None else None


class Rejection(str, enum.Enum):
    UNKNOWN_PRODUCT = "unknown_product"
    PRODUCT_CLOSED = "product_closed"
    NO_PRICE = "no_price"
    BAD_DEST = "bad_dest"
    WRONG_PREFIX = "wrong_prefix"
    REPEAT = "repeat"
    COUNTER_USED = "counter_used"
    COUNTER_MAX = "counter_max"
    COOLDOWN = "cooldown"
    TOO_OLD = "too_old"
    INSUFFICIENT = "insufficient"
    SAME_ORDER = "same_order"  # an identical `.RO` text already made this order


@dataclass
class Placement:
    """The result of trying to place one top-up item."""

    order_id: int | None = None  # the new order
    same_order: Order | None = None  # the earlier order an identical `.RO` text already made
    rejection: Rejection | None = None
    product: ProductRow | None = None
    dest: str = ""
    values: dict | None = None  # template values for the reply
    balance_before: int = 0
    balance_after: int = 0


@dataclass(frozen=True)
class ProductRow:
    id: int
    code: str
    name: str
    operator: str
    nominal: int
    kind: str
    active: bool
    default_for_nominal: bool
    skip_prefix_check: bool


_PRODUCT_COLUMNS = "id, code, name, operator, nominal, kind, active, default_for_nominal, skip_prefix_check"


def _product(row: tuple | None) -> ProductRow | None:
    return ProductRow(*row) if row is not None else None


def resolve_product(token: str, dest: str | None, prefixes: PrefixTable) -> ProductRow | None:
    """A product code, or a plain nominal whose operator comes from the destination's prefix."""
    nominal = parse_nominal(token) if token.isdigit() else None
    if nominal is None:
        return _product(sql.one(f"SELECT {_PRODUCT_COLUMNS} FROM product WHERE code = ?", (token.upper(),)))
    operator = prefixes.operator_of(dest) if dest else None
    if operator is None:
        return None
    candidates = [_product(r) for r in sql.all_rows(
        f"SELECT {_PRODUCT_COLUMNS} FROM product WHERE operator = ? AND nominal = ? AND kind = ? ORDER BY id",
        (operator, nominal, "airtime"))]
    preferred = [p for p in candidates if p.default_for_nominal]
    if preferred:
        return preferred[0]
    return candidates[0] if len(candidates) == 1 else None


def window_start(now: _dt.datetime, setting: str) -> _dt.datetime:
    if str(setting).lower() == "day":
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    return now - _dt.timedelta(hours=float(setting))


def place_topup(reseller: ResellerRow, token: str, raw_dest: str, *, counter: int | None, repeat_next: bool,
                inbound_id: int | None, item_no: int, channel: str, settings: Settings,
                prefixes: PrefixTable, now: _dt.datetime, sent_at: _dt.datetime | None = None,
                same_text_order: Callable[[], Order | None] = lambda: None,
                ref_id: str | None = None) -> Placement:
    """Validate and place one top-up; on success the order exists (queued) and the price is debited.

    Must run inside a transaction. A rejection writes nothing.
    """
    dest = normalize_msisdn(raw_dest)
    product = resolve_product(token, dest, prefixes)
    values: dict = {"kode": token.upper(), "tujuan": dest or raw_dest}
    if product is None:
        return Placement(rejection=Rejection.UNKNOWN_PRODUCT if not token.isdigit() or dest else Rejection.BAD_DEST,
                         values=values)
    values["kode"] = product.code
    if not product.skip_prefix_check:
        if dest is None:
            return Placement(rejection=Rejection.BAD_DEST, product=product, values=values)
        dest_operator = prefixes.operator_of(dest)
        if dest_operator is None:
            return Placement(rejection=Rejection.BAD_DEST, product=product, values=values)
        if dest_operator != product.operator:
            values.update(operator_tujuan=prefixes.name(dest_operator), operator_produk=prefixes.name(product.operator))
            return Placement(rejection=Rejection.WRONG_PREFIX, product=product, values=values)
    else:
        dest = dest or raw_dest
    values["tujuan"] = dest
    if not product.active:
        return Placement(rejection=Rejection.PRODUCT_CLOSED, product=product, values=values)
    row = sql.one("SELECT sell FROM price WHERE product_id = ? AND price_group_id = ?",
                  (product.id, reseller.price_group_id))
    price = int(row[0]) if row else None
    if price is None:
        return Placement(rejection=Rejection.NO_PRICE, product=product, values=values)
    if sent_at is not None:
        age_min = (now - sent_at).total_seconds() / 60
        if age_min > settings.max_order_age_min:
            values["menit"] = int(age_min)
            return Placement(rejection=Rejection.TOO_OLD, product=product, values=values)

    # --- the repeat rule -----------------------------------------------------------------------
    since = window_start(now, settings.repeat_window)
    earlier = [_Earlier(i, c, st, _dt_value(ca), _dt_value(sa), _dt_value(fa)) for i, c, st, ca, sa, fa in sql.all_rows(
        'SELECT id, counter, status, created_at, sent_at, finished_at FROM "order" '
        "WHERE reseller_id = ? AND product_id = ? AND dest = ? AND created_at >= ? ORDER BY id",
        (reseller.id, product.id, dest, since))]
    taken = {o.counter: o for o in earlier if o.status in OCCUPYING}
    cooldown_from = now - _dt.timedelta(seconds=settings.retry_cooldown_s)
    # A cancelled order never reached an operator, so it does not start the cooldown.
    failed_recently = [o for o in earlier if o.status == OrderStatus.FAILED.value and o.sent_at is not None
                       and (o.finished_at or o.created_at) >= cooldown_from]

    def next_free() -> int:
        n = 1
        while n in taken:
            n += 1
        return n

    if repeat_next:
        same = same_text_order()
        if same is not None:
            values.update(_order_values(same))
            return Placement(same_order=same, rejection=Rejection.SAME_ORDER, product=product, values=values)
        counter = next_free()
    requested = counter or 1
    if requested > settings.repeat_max:
        values["max"] = settings.repeat_max
        return Placement(rejection=Rejection.COUNTER_MAX, product=product, values=values)
    if requested in taken:
        prior = taken[requested]
        free = next_free()
        if free > settings.repeat_max:
            values["max"] = settings.repeat_max
            return Placement(rejection=Rejection.COUNTER_MAX, product=product, values=values)
        values.update(jam=f"{prior.created_at:%H:%M}", status_code=prior.status, n=requested, n_berikut=free)
        if counter is None or counter == 1:
            values["n"] = free
            return Placement(rejection=Rejection.REPEAT, product=product, values=values)
        return Placement(rejection=Rejection.COUNTER_USED, product=product, values=values)
    if failed_recently:
        last = failed_recently[-1]
        wait = settings.retry_cooldown_s - int((now - (last.finished_at or last.created_at)).total_seconds())
        values["detik"] = max(wait, 1)
        return Placement(rejection=Rejection.COOLDOWN, product=product, values=values)

    # --- debit and create, atomically -------------------------------------------------------------
    def create_order() -> int:
        return sql.one(
            'INSERT INTO "order" (reseller_id, product_id, dest, counter, price, status, sn, fail_reason, channel, '
            "inbound_id, item_no, ref_id, refunded, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, '', '', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (reseller.id, product.id, dest, requested, price, OrderStatus.QUEUED.value, channel, inbound_id,
             item_no, ref_id, False, now, now))[0]

    try:
        order_id, posting = ledger.debit_for_order(reseller.id, price, create_order, note=f"{product.code} {dest}",
                                                   now=now)
    except ledger.InsufficientBalance as exc:
        values.update(harga=price, saldo=exc.balance)
        return Placement(rejection=Rejection.INSUFFICIENT, product=product, values=values)
    values.update(trxid=order_id, harga=price, saldo_awal=posting.balance_before, saldo=posting.balance_after,
                  jam=f"{now:%H:%M}")
    return Placement(order_id=order_id, product=product, dest=dest, values=values,
                     balance_before=posting.balance_before, balance_after=posting.balance_after)


def _order_values(order: Order) -> dict:
    return {"trxid": order.id, "jam": f"{order.created_at:%H:%M}", "status_code": order.status}


# --- settlement ---------------------------------------------------------------------------------

class TransitionError(Exception):
    pass


def _transition(order_id: int, allowed_from: tuple[str, ...], now: _dt.datetime, **fields) -> None:
    names = ", ".join(f"{name} = ?" for name in fields)
    marks = ", ".join("?" for _ in allowed_from)
    cursor = sql.execute(f'UPDATE "order" SET updated_at = ?, {names} WHERE id = ? AND status IN ({marks})',
                         (now, *fields.values(), order_id, *allowed_from))
    if cursor.rowcount != 1:
        current = sql.one('SELECT status FROM "order" WHERE id = ?', (order_id,))
        raise TransitionError(f"order {order_id} is {current[0] if current else 'missing'}, not in {allowed_from}")


def mark_sending(order_id: int, supplier_id: int | None = None, now: _dt.datetime | None = None) -> None:
    now = now or _dt.datetime.now()
    _transition(order_id, (OrderStatus.QUEUED.value,), now, status=OrderStatus.SENDING.value,
                supplier_id=supplier_id, sent_at=now)


def requeue(order_id: int, now: _dt.datetime | None = None) -> None:
    """After a definite failure on one route: back to the queue for the next route, money held."""
    now = now or _dt.datetime.now()
    _transition(order_id, (OrderStatus.SENDING.value,), now, status=OrderStatus.QUEUED.value)


def settle_success(order_id: int, sn: str, *, cost: int | None = None, now: _dt.datetime | None = None) -> None:
    now = now or _dt.datetime.now()
    _transition(order_id, (OrderStatus.SENDING.value, OrderStatus.SUSPECT.value, OrderStatus.QUEUED.value),
                now, status=OrderStatus.SUCCESS.value, sn=sn, cost=cost, finished_at=now)


def settle_failed(order_id: int, reason: str, *, actor: str = "system",
                  now: _dt.datetime | None = None) -> ledger.Posting:
    """Definite failure: mark failed and refund exactly once, in one transaction."""
    now = now or _dt.datetime.now()
    with db.atomic():
        _transition(order_id, OPEN_STATUSES, now, status=OrderStatus.FAILED.value, fail_reason=reason[:200],
                    finished_at=now)
        return ledger.refund_order(order_id, note=reason, actor=actor, now=now)


def mark_suspect(order_id: int, reason: str = "", now: _dt.datetime | None = None) -> None:
    now = now or _dt.datetime.now()
    _transition(order_id, (OrderStatus.SENDING.value,), now, status=OrderStatus.SUSPECT.value,
                       fail_reason=reason[:200])


def mark_reviewed(order_ids: list[int], actor: str, now: _dt.datetime) -> int:
    """The owner has looked at these suspect or failed orders ("sudah dicek"): they leave the
    "Perlu tindakan" list. Returns how many were marked."""
    count = 0
    for order_id in order_ids:
        cursor = sql.execute('UPDATE "order" SET reviewed_at = ?, reviewed_by = ? WHERE id = ? AND status IN (?, ?)',
                             (now, actor[:50], order_id, OrderStatus.FAILED.value, OrderStatus.SUSPECT.value))
        count += cursor.rowcount
    return count


def recover_after_restart(now: _dt.datetime | None = None) -> list[int]:
    """Orders found `sending` at start-up may or may not have reached the operator: make them
    suspect (money held, nothing resent). Returns their ids."""
    now = now or _dt.datetime.now()
    ids = [i for (i,) in sql.all_rows('SELECT id FROM "order" WHERE status = ?', (OrderStatus.SENDING.value,))]
    for order_id in ids:
        mark_suspect(order_id, "Server berhenti saat transaksi dikirim", now=now)
    return ids


def sales_total(where: pw.Expression) -> int:
    return int(Order.select(pw.fn.COALESCE(pw.fn.SUM(Order.price), 0)).where(where).scalar())
