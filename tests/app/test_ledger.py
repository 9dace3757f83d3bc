"""Property tests of the money rules: every balance equals its ledger, never below its limit, and the
money in the system equals deposits minus what was sold."""
from __future__ import annotations

import datetime as dt

import peewee as pw
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app import ledger, orders
from app.ledger import LedgerKind
from storage.models import Commission, LedgerEntry, Order, Product, Reseller, database_proxy

NOW = dt.datetime(2026, 6, 15, 10, 0)  # a fixed moment: no test depends on the date

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("deposit"), st.integers(0, 2), st.integers(1, 2_000_000)),
        st.tuples(st.just("order"), st.integers(0, 2), st.sampled_from([5_600, 10_550, 20_300, 100_250])),
        st.tuples(st.just("refund"), st.integers(0, 50), st.just(0)),
        st.tuples(st.just("success"), st.integers(0, 50), st.just(0)),
        st.tuples(st.just("transfer"), st.tuples(st.integers(0, 2), st.integers(0, 2)), st.integers(1, 300_000)),
        st.tuples(st.just("correction"), st.integers(0, 2), st.integers(-50_000, 50_000)),
    ),
    max_size=60,
)


def _reset_money():
    db = database_proxy.obj
    with db.atomic():
        LedgerEntry.delete().execute()
        Order.delete().execute()
        Reseller.update(balance=0, credit_limit=0).execute()
        Reseller.update(credit_limit=20_000).where(Reseller.code == "R002").execute()


@pytest.mark.usefixtures("shop")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_random_money_operations_keep_books_consistent(ops):
    _reset_money()
    people = [r.id for r in Reseller.select().order_by(Reseller.id)[:3]]
    product_id = Product.get(Product.code == "S10").id
    deposits = corrections = 0
    placed: list[int] = []
    for op, who, amount in ops:
        try:
            if op == "deposit":
                ledger.deposit(people[who], amount, note="test")
                deposits += amount
            elif op == "order":
                with database_proxy.obj.atomic():
                    order = Order.create(reseller=people[who], product=product_id, dest="081389092678", price=amount)
                    ledger.post(people[who], -amount, LedgerKind.ORDER_DEBIT, order_id=order.id)
                placed.append(order.id)
            elif op == "refund" and placed:
                orders.settle_failed(placed[who % len(placed)], "gagal", now=NOW)
            elif op == "success" and placed:
                orders.settle_success(placed[who % len(placed)], "SN1", now=NOW)
            elif op == "transfer":
                a, b = who
                if a != b:
                    ledger.transfer(people[a], people[b], amount)
            elif op == "correction" and amount:
                ledger.correction(people[who], amount, note="koreksi", actor="test")
                corrections += amount
        except (ledger.InsufficientBalance, orders.TransitionError, ledger.AlreadyRefunded):
            pass
    total = 0
    for r in Reseller.select():
        assert r.balance == ledger.ledger_sum(r.id)
        last = LedgerEntry.select().where(LedgerEntry.reseller == r.id).order_by(LedgerEntry.id.desc()).first()
        assert r.balance == (last.balance_after if last else 0)
        total += r.balance
    for r in Reseller.select():
        # only corrections may break the limit; debits never do
        entries = LedgerEntry.select().where((LedgerEntry.reseller == r.id) & (LedgerEntry.delta < 0)
                                             & (LedgerEntry.kind != "correction"))
        for e in entries:
            assert e.balance_after >= -r.credit_limit
    sold = Order.select(pw.fn.COALESCE(pw.fn.SUM(Order.price), 0)).where(Order.refunded == False).scalar()  # noqa: E712
    # what the shop paid uplines on their downlines' successful orders (R003 buys under R001)
    paid = LedgerEntry.select(pw.fn.COALESCE(pw.fn.SUM(LedgerEntry.delta), 0)).where(
        LedgerEntry.kind == "commission").scalar()
    success = {o.id for o in Order.select().where(Order.status == "success")}
    assert paid == sum(c.amount for c in Commission.select() if c.credited_at is not None and c.order_id in success)
    assert total == deposits + corrections - sold + paid
    # refunds exactly once
    for o in Order.select():
        refunds = LedgerEntry.select().where((LedgerEntry.order == o.id) & (LedgerEntry.kind == "refund")).count()
        assert refunds == (1 if o.refunded else 0)
        assert (o.status == "failed") == o.refunded


def test_refund_is_refused_the_second_time(shop):
    r = Reseller.get(Reseller.code == "R001")
    oid = shop.handle(__import__("app.service", fromlist=["Inbound"]).Inbound(
        "sms", "081211110001", "S10.081389092678.1234")).new_orders[0]
    orders.settle_failed(oid, "gagal", now=NOW)
    with pytest.raises(orders.TransitionError):
        orders.settle_failed(oid, "gagal", now=NOW)
    with pytest.raises(ledger.AlreadyRefunded):
        ledger.refund_order(oid)
    assert Reseller.get_by_id(r.id).balance == 1_000_000


def test_post_refuses_floats_and_outside_transactions(shop):
    r = Reseller.get(Reseller.code == "R001")
    with pytest.raises(TypeError):
        with database_proxy.obj.atomic():
            ledger.post(r.id, 10.5, LedgerKind.DEPOSIT)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        ledger.post(r.id, 10, LedgerKind.DEPOSIT)


def test_correction_needs_a_note(shop):
    with pytest.raises(ValueError):
        ledger.correction(Reseller.get(Reseller.code == "R001").id, 100, note=" ", actor="admin")
