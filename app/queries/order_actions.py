"""What the owner's manual actions on one order need to know: the order in brief, which actions its
state allows, and the routes it could be retried on. The actions themselves are the engine's
(`Engine.retry`, `force_success`, `fail_and_refund`, `resend_reply`); this module only reads.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from app.orders import TRANSITIONS, OrderStatus
from storage import sql


class OrderAction(str, Enum):
    """A manual action; the value is the action the engine writes to the audit log."""

    RETRY = "retry"
    FORCE_SUCCESS = "force_success"
    FAIL_REFUND = "fail_refund"
    RESEND_REPLY = "resend_reply"


def _statuses_that_may_become(target: OrderStatus) -> frozenset[str]:
    """From the order state machine, leaving out `sending`: an order at the operator is never settled
    by hand (its answer may still come), and the engine refuses it too."""
    return frozenset(s.value for s, targets in TRANSITIONS.items()
                     if target in targets and s is not OrderStatus.SENDING)


# which statuses each action makes sense for (a failed order forced to success is charged again first)
ACTION_STATUSES: dict[OrderAction, frozenset[str]] = {
    OrderAction.RETRY: _statuses_that_may_become(OrderStatus.QUEUED),
    OrderAction.FORCE_SUCCESS: _statuses_that_may_become(OrderStatus.SUCCESS),
    OrderAction.FAIL_REFUND: _statuses_that_may_become(OrderStatus.FAILED),
    OrderAction.RESEND_REPLY: frozenset(s.value for s in OrderStatus),
}


@dataclass(frozen=True)
class OrderBrief:
    id: int
    status: str
    product_id: int
    product: str  # code
    dest: str
    reseller: str  # "code name"
    price: int
    refunded: bool  # a retry charges the price again first
    has_reply: bool  # there is a reply to send again


def order_brief(order_id: int) -> OrderBrief | None:
    row = sql.one('SELECT o.id, o.status, o.product_id, p.code, o.dest, r.code, r.name, o.price, o.refunded, '
                  "EXISTS (SELECT 1 FROM outbound_message m WHERE m.order_id = o.id) "
                  'FROM "order" o JOIN reseller r ON r.id = o.reseller_id JOIN product p ON p.id = o.product_id '
                  "WHERE o.id = ?", (order_id,))
    if row is None:
        return None
    return OrderBrief(id=row[0], status=row[1], product_id=row[2], product=row[3], dest=row[4],
                      reseller=f"{row[5]} {row[6]}", price=int(row[7]), refunded=bool(row[8]), has_reply=bool(row[9]))


def available_actions(order: OrderBrief) -> frozenset[OrderAction]:
    """The actions that make sense for the order as it is now."""
    allowed = {a for a, statuses in ACTION_STATUSES.items() if order.status in statuses}
    if not order.has_reply:
        allowed.discard(OrderAction.RESEND_REPLY)
    return frozenset(allowed)


@dataclass(frozen=True)
class RouteChoice:
    supplier_id: int
    supplier: str  # name
    priority: int
    kind: str  # ussd_chip, sms_chip, sms_upstream, http


def route_choices(product_id: int) -> list[RouteChoice]:
    """The active routes of a product (its suppliers that are switched on), in the order the engine
    tries them."""
    return [RouteChoice(int(sid), name, int(priority), kind) for sid, name, priority, kind in sql.all_rows(
        "SELECT s.id, s.name, r.priority, s.kind FROM route r JOIN supplier s ON s.id = r.supplier_id "
        "WHERE r.product_id = ? AND r.active = ? AND s.active = ? ORDER BY r.priority, r.id",
        (product_id, True, True))]
