"""The order state machine: only the allowed moves, every move heard by the watchers, money exactly
once, and the owner's to-do flag ("Perlu tindakan") set and cleared by who made the move."""
from __future__ import annotations

import pytest

from app import ledger, orders
from app.messages import Inbound
from app.orders import OrderStatus, TRANSITIONS, Transition
from storage.models import LedgerEntry, Order, Reseller

R001 = "081211110001"


def place(shop, text="S10.081389092678.1234") -> int:
    return shop.handle(Inbound("sms", R001, text)).new_orders[0]


def balance() -> int:
    return Reseller.get(Reseller.code == "R001").balance


@pytest.fixture
def heard():
    changes: list[Transition] = []
    stop = orders.watch(changes.append)
    yield changes
    stop()


def test_the_table_allows_exactly_the_documented_moves():
    S = OrderStatus
    allowed = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert allowed == {(S.QUEUED, S.SENDING), (S.QUEUED, S.FAILED), (S.QUEUED, S.SUCCESS),
                       (S.SENDING, S.QUEUED), (S.SENDING, S.SUCCESS), (S.SENDING, S.FAILED), (S.SENDING, S.SUSPECT),
                       (S.SUSPECT, S.SUCCESS), (S.SUSPECT, S.FAILED), (S.SUSPECT, S.QUEUED),
                       (S.FAILED, S.QUEUED), (S.FAILED, S.SUCCESS)}
    assert orders.BY_OWNER_ONLY == {(S.FAILED, S.SUCCESS)}


def test_a_settled_order_cannot_be_settled_the_other_way(shop, clock, heard):
    order_id = place(shop)
    orders.mark_sending(order_id, now=clock.now)
    orders.settle_success(order_id, "SN1", now=clock.now)
    with pytest.raises(orders.TransitionError):
        orders.settle_failed(order_id, "late failure", now=clock.now)
    with pytest.raises(orders.TransitionError):
        orders.mark_suspect(order_id, "late", now=clock.now)
    failed = place(shop, "S10.081389092679.1234")
    orders.settle_failed(failed, "no route", now=clock.now)
    with pytest.raises(orders.TransitionError):  # a success after a refund is an alert, never a settlement
        orders.settle_success(failed, "SN2", now=clock.now)
    assert "gagal" in str(pytest.raises(orders.TransitionError, orders.settle_success, failed, "SN2",
                                        now=clock.now).value)  # said in Indonesian
    assert Order.get_by_id(failed).status == "failed"
    assert [(t.order_id, t.status) for t in heard] == [(order_id, OrderStatus.SENDING), (order_id, OrderStatus.SUCCESS),
                                                       (failed, OrderStatus.FAILED)]


def test_requeue_only_from_sending(shop, clock):
    order_id = place(shop)
    with pytest.raises(orders.TransitionError):
        orders.requeue(order_id, now=clock.now)  # queued already
    orders.mark_sending(order_id, now=clock.now)
    orders.requeue(order_id, now=clock.now)
    assert Order.get_by_id(order_id).status == "queued"


def test_cancel_refunds_once_and_only_a_queued_order(shop, clock, heard):
    order_id = place(shop)
    before = balance()
    orders.cancel(order_id, "R001", now=clock.now)
    assert balance() == before + Order.get_by_id(order_id).price
    assert heard[-1] == Transition(order_id, OrderStatus.FAILED, "R001")
    with pytest.raises(orders.TransitionError):
        orders.cancel(order_id, "R001", now=clock.now)
    sending = place(shop, "S10.081389092679.1234")
    orders.mark_sending(sending, now=clock.now)
    with pytest.raises(orders.TransitionError):
        orders.cancel(sending, "R001", now=clock.now)
    assert LedgerEntry.select().where(LedgerEntry.kind == "refund").count() == 1


def test_retry_of_a_failed_order_charges_again_and_of_a_suspect_one_does_not(shop, clock):
    failed = place(shop)
    orders.settle_failed(failed, "gagal", now=clock.now)
    price = Order.get_by_id(failed).price
    before = balance()
    orders.retry(failed, "admin", now=clock.now)
    order = Order.get_by_id(failed)
    assert (order.status, order.refunded, balance()) == ("queued", False, before - price)
    suspect = place(shop, "S10.081389092679.1234")
    orders.mark_sending(suspect, now=clock.now)
    orders.mark_suspect(suspect, "no answer", now=clock.now)
    before = balance()
    orders.retry(suspect, "admin", now=clock.now)
    assert balance() == before and Order.get_by_id(suspect).status == "queued"
    # the books still add up: each order's money left the deposit once
    for r in Reseller.select():
        assert r.balance == ledger.ledger_sum(r.id)


def test_retry_without_the_deposit_for_it_changes_nothing(shop, clock):
    failed = place(shop)
    orders.settle_failed(failed, "gagal", now=clock.now)
    r = Reseller.get(Reseller.code == "R001")
    with pytest.raises(ledger.InsufficientBalance):
        with orders.db.atomic():
            ledger.post(r.id, -(r.balance + r.credit_limit), ledger.LedgerKind.CORRECTION, note="x", actor="t",
                        now=clock.now)
            orders.retry(failed, "admin", now=clock.now)
    assert Order.get_by_id(failed).status == "failed" and Order.get_by_id(failed).refunded


def test_the_owner_list_is_set_by_the_system_and_cleared_by_a_person(shop, clock):
    order_id = place(shop)
    orders.mark_sending(order_id, now=clock.now)
    orders.mark_suspect(order_id, "no answer", now=clock.now)
    assert Order.get_by_id(order_id).reviewed_at is None  # needs the owner
    orders.retry(order_id, "owner", now=clock.now)
    assert Order.get_by_id(order_id).reviewed_by == "owner"
    orders.mark_sending(order_id, now=clock.now)
    orders.settle_failed(order_id, "gagal lagi", now=clock.now)
    assert Order.get_by_id(order_id).reviewed_at is None  # failed again by the system: back on the list
    assert orders.mark_reviewed([order_id], "owner", now=clock.now) == 1
    order = Order.get_by_id(order_id)
    assert order.reviewed_at == clock.now and order.reviewed_by == "owner"
    by_hand = place(shop, "S10.081389092679.1234")
    orders.settle_failed(by_hand, "dibatalkan admin", now=clock.now, actor="owner")
    assert Order.get_by_id(by_hand).reviewed_by == "owner"  # the owner's own move needs no review


def test_the_owner_may_force_a_refunded_order_to_success_and_it_is_charged_again(shop, clock):
    failed = place(shop)
    orders.settle_failed(failed, "gagal", now=clock.now)
    price = Order.get_by_id(failed).price
    before = balance()
    orders.force_success(failed, "SN-LATE", "owner", now=clock.now)
    order = Order.get_by_id(failed)
    assert (order.status, order.sn, order.refunded, balance()) == ("success", "SN-LATE", False, before - price)
    for r in Reseller.select():
        assert r.balance == ledger.ledger_sum(r.id)
    # a suspect one keeps the money it holds: nothing charged
    suspect = place(shop, "S10.081389092679.1234")
    orders.mark_sending(suspect, now=clock.now)
    orders.mark_suspect(suspect, "no answer", now=clock.now)
    before = balance()
    orders.force_success(suspect, "SN-2", "owner", now=clock.now)
    assert balance() == before

