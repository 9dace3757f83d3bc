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

from app import commission, ledger
from app.ledger import LedgerKind
from app.phone import PrefixTable, normalize_msisdn
from app.products import PHONE_NUMBER_KINDS
from app.reconcile import ChipAttempt
from app.rules import Outcome
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
    if product is not None and product.kind not in PHONE_NUMBER_KINDS:
        dest = raw_dest.strip()  # a meter number or a player id: exactly as typed
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
    price = commission.price(reseller.id, product.id)  # the group's price, plus the markup of a downline
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


# --- the state machine ---------------------------------------------------------------------------
#
# Every change of an order's status goes through `_transition`, which allows only these moves and
# tells the watchers (the engine) about each one. Who may make which move:
#   queued  -> sending   the engine hands it to a chip or supplier
#   queued  -> failed    no route / cancelled by the reseller (BTL) / failed by the owner; refunded
#   queued  -> success   forced by the owner
#   sending -> queued    a definite failure on one route: the next route may try
#   sending -> success | failed | suspect   the operator's answer, or no answer in time
#   suspect -> success | failed   reconciliation, a late answer, or the owner
#   suspect -> queued    retried by the owner (the held money stays held)
#   failed  -> queued    retried by the owner (charged again first)
#   failed  -> success   forced by the owner when the operator did deliver after all (charged again)

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.QUEUED: frozenset({OrderStatus.SENDING, OrderStatus.FAILED, OrderStatus.SUCCESS}),
    OrderStatus.SENDING: frozenset({OrderStatus.QUEUED, OrderStatus.SUCCESS, OrderStatus.FAILED,
                                    OrderStatus.SUSPECT}),
    OrderStatus.SUSPECT: frozenset({OrderStatus.SUCCESS, OrderStatus.FAILED, OrderStatus.QUEUED}),
    OrderStatus.FAILED: frozenset({OrderStatus.QUEUED, OrderStatus.SUCCESS}),
    OrderStatus.SUCCESS: frozenset(),
}
# Moves only the owner may make: an answer arriving after an order failed never settles it by itself.
BY_OWNER_ONLY = frozenset({(OrderStatus.FAILED, OrderStatus.SUCCESS)})
SYSTEM = "system"  # the actor of everything the engine does by itself
# for messages the owner reads (the window shows an action's refusal as it is)
STATUS_WORDS = {"queued": "antri", "sending": "sedang dikirim", "success": "sukses", "failed": "gagal",
                "suspect": "suspect"}


def _refusal(order_id: int, current: str | None, wanted: str) -> str:
    if current is None:
        return f"TrxID {order_id} tidak ada"
    return (f"TrxID {order_id} berstatus {STATUS_WORDS.get(current, current)}; "
            f"tidak bisa menjadi {STATUS_WORDS.get(wanted, wanted)}")


class TransitionError(Exception):
    pass


@dataclass(frozen=True)
class Transition:
    order_id: int
    status: OrderStatus
    actor: str


Watcher = Callable[[Transition], None]
_watchers: list[Watcher] = []


def watch(watcher: Watcher) -> Callable[[], None]:
    """Hear of every status change (the engine drops orders settled elsewhere from its queues)."""
    _watchers.append(watcher)
    return lambda: _watchers.remove(watcher) if watcher in _watchers else None


def _transition(order_id: int, to: OrderStatus, now: _dt.datetime, actor: str = SYSTEM, **fields) -> None:
    allowed_from = tuple(s.value for s, targets in TRANSITIONS.items()
                         if to in targets and (actor != SYSTEM or (s, to) not in BY_OWNER_ONLY))
    if to in (OrderStatus.FAILED, OrderStatus.SUSPECT):
        # back on the owner's list, unless the owner made this move himself
        fields.update(reviewed_at=None if actor == SYSTEM else now, reviewed_by="" if actor == SYSTEM else actor)
    elif actor != SYSTEM:
        fields.update(reviewed_at=now, reviewed_by=actor)
    names = "".join(f", {name} = ?" for name in fields)
    marks = ", ".join("?" for _ in allowed_from)
    cursor = sql.execute(f'UPDATE "order" SET status = ?, updated_at = ?{names} WHERE id = ? AND status IN ({marks})',
                         (to.value, now, *fields.values(), order_id, *allowed_from))
    if cursor.rowcount != 1:
        current = sql.one('SELECT status FROM "order" WHERE id = ?', (order_id,))
        raise TransitionError(_refusal(order_id, current[0] if current else None, to.value))
    change = Transition(order_id, to, actor)
    for watcher in list(_watchers):
        watcher(change)


def mark_sending(order_id: int, supplier_id: int | None = None, *, now: _dt.datetime) -> None:
    _transition(order_id, OrderStatus.SENDING, now, supplier_id=supplier_id, sent_at=now)


def requeue(order_id: int, *, now: _dt.datetime) -> None:
    """After a definite failure on one route: back to the queue for the next route, money held."""
    row = sql.one('SELECT status FROM "order" WHERE id = ?', (order_id,))
    if row is None or row[0] != OrderStatus.SENDING.value:
        raise TransitionError(_refusal(order_id, row[0] if row else None, OrderStatus.QUEUED.value))
    _transition(order_id, OrderStatus.QUEUED, now)


def settle_success(order_id: int, sn: str, *, now: _dt.datetime, cost: int | None = None,
                   actor: str = SYSTEM) -> None:
    """Success, and the uplines' commissions on it, in one transaction (a commission that cannot be
    recorded never stops the success)."""
    with db.atomic():
        _transition(order_id, OrderStatus.SUCCESS, now, actor, sn=sn, cost=cost, finished_at=now)
        commission.on_success(order_id, now=now)


def force_success(order_id: int, sn: str, actor: str, *, now: _dt.datetime) -> None:
    """The owner settles an order as delivered. One that failed and got its money back is charged
    again first (refused, changing nothing, without the deposit for it)."""
    with db.atomic():
        row = sql.one('SELECT status, refunded, price, reseller_id, cost, supplier_id FROM "order" WHERE id = ?',
                      (order_id,))
        if row is None:
            raise TransitionError(_refusal(order_id, None, OrderStatus.SUCCESS.value))
        status, refunded, price, reseller_id, cost, supplier_id = row
        if status == OrderStatus.FAILED.value and refunded:
            ledger.post(reseller_id, -int(price), LedgerKind.ORDER_DEBIT, order_id=order_id,
                        note="sukses setelah dikembalikan", actor=actor, now=now)
        extra = {}
        if cost is None and supplier_id is not None:  # the route's cost, so the books claim no false profit
            extra["cost"] = route_cost(order_id, supplier_id)
        _transition(order_id, OrderStatus.SUCCESS, now, actor, sn=sn, refunded=False, finished_at=now, **extra)
        commission.on_success(order_id, now=now)


def settle_failed(order_id: int, reason: str, *, now: _dt.datetime, actor: str = SYSTEM) -> ledger.Posting:
    """Definite failure: mark failed and refund exactly once, in one transaction."""
    with db.atomic():
        _transition(order_id, OrderStatus.FAILED, now, actor, fail_reason=reason[:200], finished_at=now)
        return ledger.refund_order(order_id, note=reason, actor=actor, now=now)


def mark_suspect(order_id: int, reason: str, *, now: _dt.datetime) -> None:
    _transition(order_id, OrderStatus.SUSPECT, now, fail_reason=reason[:200])


def retry(order_id: int, actor: str, *, now: _dt.datetime) -> None:
    """The owner sends a failed or suspect order again. A failed one was refunded: it is charged
    again first (refused, changing nothing, without the deposit for it). A suspect one keeps the money
    it holds, so nothing is charged twice."""
    with db.atomic():
        row = sql.one('SELECT status, refunded, price, reseller_id FROM "order" WHERE id = ?', (order_id,))
        if row is None:
            raise LookupError(order_id)
        status, refunded, price, reseller_id = row
        if status not in (OrderStatus.FAILED.value, OrderStatus.SUSPECT.value):
            raise TransitionError(_refusal(order_id, status, OrderStatus.QUEUED.value))
        if refunded:
            ledger.post(reseller_id, -int(price), LedgerKind.ORDER_DEBIT, order_id=order_id, note="ulang manual",
                        actor=actor, now=now)
        _transition(order_id, OrderStatus.QUEUED, now, actor, refunded=False, fail_reason="", sn="", finished_at=None)


def cancel(order_id: int, actor: str, *, now: _dt.datetime) -> ledger.Posting:
    """The reseller cancels (BTL) an order no chip has taken yet: failed and refunded."""
    row = sql.one('SELECT status FROM "order" WHERE id = ?', (order_id,))
    if row is None or row[0] != OrderStatus.QUEUED.value:
        raise TransitionError(_refusal(order_id, row[0] if row else None, "dibatalkan"))
    return settle_failed(order_id, "Dibatalkan", now=now, actor=actor)


def mark_reviewed(order_ids: list[int], actor: str, *, now: _dt.datetime) -> int:
    """The owner has looked at these suspect or failed orders ("sudah dicek"): they leave the
    "Perlu tindakan" list. Returns how many were marked."""
    count = 0
    for order_id in order_ids:
        cursor = sql.execute('UPDATE "order" SET reviewed_at = ?, reviewed_by = ? WHERE id = ? AND status IN (?, ?)',
                             (now, actor[:50], order_id, OrderStatus.FAILED.value, OrderStatus.SUSPECT.value))
        count += cursor.rowcount
    return count


def recover_after_restart(*, now: _dt.datetime) -> list[int]:
    """Orders found `sending` at start-up may or may not have reached the operator: make them
    suspect (money held, nothing resent). Returns their ids."""
    ids = [i for (i,) in sql.all_rows('SELECT id FROM "order" WHERE status = ?', (OrderStatus.SENDING.value,))]
    for order_id in ids:
        mark_suspect(order_id, "Server berhenti saat transaksi dikirim", now=now)
    return ids


# --- what the engine reads about orders ----------------------------------------------------------

@dataclass(frozen=True)
class RouteChoice:
    route_id: int
    supplier_id: int
    priority: int
    supplier_code: str
    cost: int


@dataclass(frozen=True)
class QueuedOrder:
    """An order waiting for a route, with the routes that may serve it (best first)."""
    order_id: int
    dest: str
    product_code: str
    nominal: int
    routes: tuple[RouteChoice, ...]


def queued_order(order_id: int, status: OrderStatus = OrderStatus.QUEUED) -> QueuedOrder | None:
    """The order if it is still queued (or in `status`), with the active routes of its product."""
    row = sql.one('SELECT o.dest, o.product_id, o.status, p.code, p.nominal FROM "order" o '
                  "JOIN product p ON p.id = o.product_id WHERE o.id = ?", (order_id,))
    if row is None or row[2] != status.value:
        return None
    dest, product_id, _status, code, nominal = row
    routes = tuple(RouteChoice(*r) for r in sql.all_rows(
        "SELECT r.id, r.supplier_id, r.priority, r.supplier_code, r.cost FROM route r "
        "JOIN supplier s ON s.id = r.supplier_id WHERE r.product_id = ? AND r.active = ? AND s.active = ? "
        "ORDER BY r.priority, r.id", (product_id, True, True)))
    return QueuedOrder(order_id, dest, code, int(nominal), routes)


def queued_ids() -> list[int]:
    return [i for (i,) in sql.all_rows('SELECT id FROM "order" WHERE status = ? ORDER BY id',
                                       (OrderStatus.QUEUED.value,))]


def status_of(order_id: int) -> OrderStatus | None:
    row = sql.one('SELECT status FROM "order" WHERE id = ?', (order_id,))
    return OrderStatus(row[0]) if row else None


def sn_used_elsewhere(sn: str, order_id: int) -> bool:
    return sql.one('SELECT 1 FROM "order" WHERE sn = ? AND id <> ? AND status = ?',
                   (sn, order_id, OrderStatus.SUCCESS.value)) is not None


def route_cost(order_id: int, supplier_id: int) -> int | None:
    row = sql.one('SELECT r.cost FROM route r JOIN "order" o ON o.product_id = r.product_id '
                  "WHERE o.id = ? AND r.supplier_id = ? LIMIT 1", (order_id, supplier_id))
    return int(row[0]) if row else None


def suspect_on(supplier_id: int, dest: str, nominal: int) -> int | None:
    """The oldest suspect order on this supplier for this destination (and nominal, when known)."""
    row = sql.one('SELECT o.id FROM "order" o JOIN product p ON p.id = o.product_id WHERE o.supplier_id = ? '
                  "AND o.dest = ? AND o.status = ? AND (? = 0 OR p.nominal = ?) ORDER BY o.id LIMIT 1",
                  (supplier_id, dest, OrderStatus.SUSPECT.value, nominal, nominal))
    return row[0] if row else None


def refunded_on(supplier_id: int, dest: str, nominal: int) -> int | None:
    """The latest order on this supplier for this destination (and nominal, when known) that failed
    and got its money back."""
    row = sql.one('SELECT o.id FROM "order" o JOIN product p ON p.id = o.product_id WHERE o.supplier_id = ? '
                  "AND o.dest = ? AND o.status = ? AND o.refunded = ? AND (? = 0 OR p.nominal = ?) "
                  "ORDER BY o.id DESC LIMIT 1",
                  (supplier_id, dest, OrderStatus.FAILED.value, True, nominal, nominal))
    return row[0] if row else None


def needs_review(order_id: int) -> None:
    """Back on the owner's "Perlu tindakan" list."""
    sql.execute('UPDATE "order" SET reviewed_at = NULL, reviewed_by = ? WHERE id = ?', ("", order_id))


@dataclass(frozen=True)
class SuspectOrder:
    order_id: int
    dest: str
    nominal: int


def supplier_attempts(supplier_id: int, limit: int = 60) -> tuple[list[ChipAttempt], dict[int, ChipAttempt]]:
    """The supplier's latest attempts, newest first, and the last attempt of each of its suspect orders
    among them (by order id). For reading a chip's history against them (app/reconcile.py)."""
    rows = sql.all_rows(
        'SELECT a.id, a.order_id, o.dest, p.nominal, a.outcome, a.trxid, o.status, o.supplier_id FROM attempt a '
        'JOIN "order" o ON o.id = a.order_id JOIN product p ON p.id = o.product_id '
        "WHERE a.supplier_id = ? ORDER BY a.id DESC LIMIT ?", (supplier_id, limit))
    attempts: list[ChipAttempt] = []
    suspects: dict[int, ChipAttempt] = {}
    for attempt_id, order_id, dest, nominal, outcome, trxid, status, on in rows:
        attempt = ChipAttempt(attempt_id, order_id, dest, int(nominal),
                              reached=outcome in (Outcome.SUCCESS.value, Outcome.PENDING.value) or bool(trxid))
        attempts.append(attempt)
        if status == OrderStatus.SUSPECT.value and on == supplier_id and order_id not in suspects:
            suspects[order_id] = attempt
    return attempts, suspects


def audit_count(order_id: int, action: str) -> int:
    return int(sql.one("SELECT COUNT(*) FROM audit_log WHERE target = ? AND action = ?",
                       (f"order:{order_id}", action))[0])


def attempt_started(attempt_id: int) -> _dt.datetime | None:
    row = sql.one("SELECT started_at FROM attempt WHERE id = ?", (attempt_id,))
    return sql.to_datetime(row[0]) if row else None


def suspects_of(supplier_id: int) -> list[SuspectOrder]:
    return [SuspectOrder(i, d, int(n)) for i, d, n in sql.all_rows(
        'SELECT o.id, o.dest, p.nominal FROM "order" o JOIN product p ON p.id = o.product_id '
        "WHERE o.supplier_id = ? AND o.status = ?", (supplier_id, OrderStatus.SUSPECT.value))]


@dataclass(frozen=True)
class ReplyFacts:
    """What an order's reply to the reseller says, and where it goes."""
    order_id: int
    dest: str
    price: int
    sn: str
    product_code: str
    balance: int
    language: str
    to: str
    channel: str
    ref_id: str | None = None  # a chat order's R# tag (app/chat/refs.py)


def reply_facts(order_id: int) -> ReplyFacts | None:
    """None when the order came from no message that can be answered (e.g. an H2H order)."""
    row = sql.one('SELECT o.dest, o.price, o.sn, p.code, r.balance, r.language, i.sender, i.channel, o.ref_id '
                  'FROM "order" o JOIN product p ON p.id = o.product_id JOIN reseller r ON r.id = o.reseller_id '
                  "LEFT JOIN inbound_message i ON i.id = o.inbound_id WHERE o.id = ?", (order_id,))
    if row is None or row[6] is None:
        return None
    dest, price, sn, code, balance, lang, to, channel, ref_id = row
    return ReplyFacts(order_id, dest, int(price), sn or "", code, int(balance), lang, to, channel, ref_id)


def audit(actor: str, action: str, order_id: int, detail: str = "", *, now: _dt.datetime) -> None:
    """A line in the order's history: who did what (the owner's manual actions, reconciliation)."""
    sql.execute("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                (now, actor[:50], action[:50], f"order:{order_id}", detail[:500]))


# --- attempts: one row per try of an order on a route ---------------------------------------------

def start_attempt(order_id: int, supplier_id: int, now: _dt.datetime) -> int:
    return sql.one("INSERT INTO attempt (order_id, supplier_id, request, response, outcome, sn, trxid, reason, "
                   "started_at) VALUES (?, ?, '', '', '', '', '', '', ?) RETURNING id",
                   (order_id, supplier_id, now))[0]


def finish_attempt(attempt_id: int, now: _dt.datetime, *, request: str, raw: str, outcome: str, sn: str,
                   trxid: str, reason: str) -> None:
    """Record an answer. A follow-up SMS adds to the first answer (the acknowledgement); the request
    stays as sent."""
    sql.execute("UPDATE attempt SET finished_at = ?, request = CASE WHEN ? = '' THEN request ELSE ? END, "
                "response = CASE WHEN response = '' THEN ? ELSE response || ' || ' || ? END, outcome = ?, "
                "sn = ?, trxid = CASE WHEN ? = '' THEN trxid ELSE ? END, reason = ? WHERE id = ?",
                (now, request, request[:200], raw[:4000], raw[:4000], outcome, sn[:100], trxid, trxid[:50],
                 reason[:200], attempt_id))


def sales_total(where: pw.Expression) -> int:
    return int(Order.select(pw.fn.COALESCE(pw.fn.SUM(Order.price), 0)).where(where).scalar())
