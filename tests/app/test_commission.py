"""Uplines' commissions on their downlines' sales (app/commission.py), on the demo shop: R003 (RETAIL,
S10 = 10.650) is R001's downline (AGEN, S10 = 10.550). SQLite, and PostgreSQL when set."""
from __future__ import annotations

import datetime as dt

import pytest

from app import commission, ledger, orders
from app.messages import Inbound
from storage.models import Commission, LedgerEntry, Order, Price, PriceGroup, Product, Reseller, ResellerAddress
from tests.app.query_dbs import any_db  # noqa: F401  (fixture)
from tests.conftest import Clock

R001, R003 = "081211110001", "081211110003"
DAY1 = dt.datetime(2026, 6, 15, 10, 0, 0)


@pytest.fixture
def clock():
    return Clock(DAY1)


@pytest.fixture
def shop(any_db, clock):
    from app.demo import seed_demo
    from app.service import MessageService

    seed_demo()
    return MessageService(clock=clock)


def rid(code: str) -> int:
    return Reseller.get(Reseller.code == code).id


def balance(code: str) -> int:
    return Reseller.get(Reseller.code == code).balance


def commission_entries(code: str) -> list[LedgerEntry]:
    return list(LedgerEntry.select().where((LedgerEntry.reseller == rid(code)) & (LedgerEntry.kind == "commission"))
                .order_by(LedgerEntry.id))


def books_balance() -> None:
    """Every balance equals the sum of its ledger deltas."""
    for r in Reseller.select():
        assert ledger.ledger_sum(r.id) == r.balance, r.code


def sell(shop, sender=R003, dest="081389092678", pin="5555") -> int:
    result = shop.handle(Inbound("sms", sender, f"S10.{dest}.{pin}"))
    assert result.new_orders, [r.text for r in result.replies]
    return result.new_orders[0]


def succeed(order_id: int, now: dt.datetime) -> None:
    orders.mark_sending(order_id, now=now)
    orders.settle_success(order_id, f"SN{order_id}", now=now)


def add_downline(code: str, parent: str, group: str = "RETAIL", phone: str = "085736384304", markup: int = 0,
                 pin: str = "2580") -> Reseller:
    from app.pins import hash_pin, new_salt

    salt = new_salt()
    r = Reseller.create(code=code, name=f"Toko {code}", price_group=PriceGroup.get(PriceGroup.code == group),
                        parent=rid(parent), markup=markup, pin_salt=salt, pin_hash=hash_pin(pin, salt))
    ResellerAddress.create(reseller=r, channel="sms", address=phone, is_main=True)
    with ledger.db.atomic():
        ledger.post(r.id, 500_000, ledger.LedgerKind.DEPOSIT, note="modal", actor="test", now=DAY1)
    return r


def price_group(code: str, s10: int | None) -> PriceGroup:
    group = PriceGroup.create(code=code, name=code)
    if s10 is not None:
        Price.create(product=Product.get(Product.code == "S10"), price_group=group, sell=s10)
    return group


def test_commission_credited_once_per_sale(shop, clock):
    order_id = sell(shop)
    assert balance("R003") == 250_000 - 10_650
    succeed(order_id, clock.now)
    (row,) = Commission.select()
    assert (row.order_id, row.upline_id, row.downline_id, row.amount) == (order_id, rid("R001"), rid("R003"), 100)
    assert row.credited_at == DAY1 and not row.reversed
    (entry,) = commission_entries("R001")
    assert (entry.delta, entry.order_id, entry.balance_after) == (100, order_id, 1_000_100)
    assert balance("R001") == 1_000_100
    # settled again: refused, and the commission is not earned twice however settlement is replayed
    with pytest.raises(orders.TransitionError):
        orders.settle_success(order_id, "SN-again", now=clock.now)
    with ledger.db.atomic():
        assert commission.on_success(order_id, now=clock.now) == []
    assert Commission.select().count() == 1 and len(commission_entries("R001")) == 1
    assert balance("R001") == 1_000_100
    books_balance()


def test_a_seller_without_upline_earns_nobody_anything(shop, clock):
    succeed(sell(shop, sender=R001, pin="1234"), clock.now)
    assert Commission.select().count() == 0
    assert LedgerEntry.select().where(LedgerEntry.kind == "commission").count() == 0


def test_chain_of_three_levels_each_earns_its_difference(shop, clock):
    add_downline("R004", "R003", markup=200)  # pays RETAIL 10.650 + 200
    Reseller.update(markup=50).where(Reseller.code == "R003").execute()  # R003 pays 10.650 + 50
    assert commission.price(rid("R004"), Product.get(Product.code == "S10").id) == 10_850
    order_id = sell(shop, sender="085736384304", pin="2580")
    assert Order.get_by_id(order_id).price == 10_850 and balance("R004") == 500_000 - 10_850
    succeed(order_id, clock.now)
    earned = {(c.upline.code, c.downline.code): c.amount for c in Commission.select()}
    assert earned == {("R003", "R004"): 150, ("R001", "R003"): 150}  # 10.850-10.700, 10.700-10.550
    assert balance("R003") == 250_000 + 150 and balance("R001") == 1_000_000 + 150
    books_balance()


def test_no_commission_when_the_uplines_price_is_higher_or_missing(shop, clock):
    Reseller.update(price_group=price_group("MAHAL", 11_000)).where(Reseller.code == "R001").execute()
    succeed(sell(shop), clock.now)
    assert Commission.select().count() == 0 and balance("R001") == 1_000_000
    Reseller.update(price_group=price_group("KOSONG", None)).where(Reseller.code == "R001").execute()
    succeed(sell(shop, dest="081389092679"), clock.now)
    assert Commission.select().count() == 0 and balance("R001") == 1_000_000
    books_balance()


def test_an_upline_without_price_or_dearer_in_the_middle_is_passed_over(shop, clock):
    add_downline("R004", "R003")  # RETAIL: 10.650
    Reseller.update(price_group=price_group("KOSONG", None)).where(Reseller.code == "R003").execute()
    succeed(sell(shop, sender="085736384304", pin="2580"), clock.now)
    assert {c.upline.code: c.amount for c in Commission.select()} == {"R001": 100}  # 10.650 - 10.550
    Reseller.update(price_group=price_group("MAHAL", 11_000)).where(Reseller.code == "R003").execute()
    succeed(sell(shop, sender="085736384304", dest="081389092679", pin="2580"), clock.now)
    # R003's price is above what R004 paid: R003 earns nothing, R001 still earns only the real margin
    assert [(c.upline.code, c.amount) for c in Commission.select().order_by(Commission.id)] == [("R001", 100),
                                                                                             ("R001", 100)]
    books_balance()


def test_failed_orders_earn_nothing(shop, clock):
    order_id = sell(shop)
    orders.mark_sending(order_id, now=clock.now)
    orders.settle_failed(order_id, "Nomor salah", now=clock.now)
    assert Commission.select().count() == 0 and balance("R001") == 1_000_000 and balance("R003") == 250_000
    books_balance()


def test_force_success_of_a_failed_order_charges_again_and_credits_commission_once(shop, clock):
    order_id = sell(shop)
    orders.mark_sending(order_id, now=clock.now)
    orders.settle_failed(order_id, "Nomor salah", now=clock.now)
    orders.force_success(order_id, "SN-LATE", "owner", now=clock.now)
    assert balance("R003") == 250_000 - 10_650 and balance("R001") == 1_000_100
    with pytest.raises(orders.TransitionError):
        orders.force_success(order_id, "SN-LATE", "owner", now=clock.now)
    assert Commission.select().count() == 1 and len(commission_entries("R001")) == 1
    books_balance()


def test_daily_mode_accrues_then_credits_each_day_once(shop, clock):
    commission.set_mode("daily", actor="owner")
    assert commission.mode() == "daily"
    succeed(sell(shop), clock.now)
    clock.advance(hours=3)
    succeed(sell(shop, dest="081389092679"), clock.now)
    assert balance("R001") == 1_000_000 and commission_entries("R001") == []
    assert commission.summary(rid("R001"), now=clock.now) == commission.Summary(today=200, pending=200,
                                                                                credited_month=0)
    assert commission.credit_due(DAY1.replace(hour=23)) == []  # today's wait for tomorrow
    day2 = DAY1 + dt.timedelta(days=1)
    clock.now = day2.replace(hour=0, minute=30)
    succeed(sell(shop, dest="081389092680"), clock.now)  # day 2: stays accrued
    (credit,) = commission.credit_due(day2.replace(hour=1))
    assert (credit.upline_id, credit.day, credit.amount, credit.count) == (rid("R001"), DAY1.date(), 200, 2)
    assert commission.credit_due(day2.replace(hour=2)) == []  # run again: nothing twice
    (entry,) = commission_entries("R001")
    assert (entry.delta, entry.order_id, entry.note) == (200, None, "komisi 15/06/26, 2 trx")
    assert balance("R001") == 1_000_200
    assert commission.summary(rid("R001"), now=day2.replace(hour=2)) == commission.Summary(
        today=100, pending=100, credited_month=200)
    # the owner's "Bagikan komisi sekarang": today's too
    (now_credit,) = commission.credit_due(day2.replace(hour=3), include_today=True)
    assert (now_credit.day, now_credit.amount) == (day2.date(), 100)
    assert commission.credit_due(day2.replace(hour=3), include_today=True) == []
    assert commission.redeem(rid("R001"), now=day2.replace(hour=3)) is None
    assert balance("R001") == 1_000_300 and commission.pending_total() == 0
    books_balance()


def test_redeem_credits_everything_accrued_once(shop, clock):
    commission.set_mode("daily", actor="owner")
    succeed(sell(shop), clock.now)
    clock.advance(days=1)
    succeed(sell(shop, dest="081389092679"), clock.now)
    credit = commission.redeem(rid("R001"), now=clock.now)
    assert (credit.amount, credit.count, credit.day, credit.posting.balance_after) == (200, 2, None, 1_000_200)
    assert commission.redeem(rid("R001"), now=clock.now) is None
    assert commission.credit_due(clock.now + dt.timedelta(days=1)) == []
    books_balance()


def test_a_commission_that_cannot_be_credited_never_fails_the_sale(shop, clock, monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(commission, "_credit_one", broken)
    first = sell(shop)
    succeed(first, clock.now)
    assert Order.get_by_id(first).status == "success"
    (row,) = Commission.select()
    assert row.credited_at is None and balance("R001") == 1_000_000  # stays accrued …
    monkeypatch.undo()
    (credit,) = commission.credit_due(clock.now)  # … and is credited by the next run, even per order
    assert credit.amount == 100 and balance("R001") == 1_000_100

    monkeypatch.setattr(commission, "earnings", broken)
    second = sell(shop, dest="081389092679")
    succeed(second, clock.now)
    assert Order.get_by_id(second).status == "success" and Commission.select().count() == 1
    monkeypatch.undo()

    def bad_sql(*_a, **_k):  # an SQL error (PostgreSQL aborts the transaction up to the savepoint)
        return commission.sql.one("SELECT no_such_column FROM commission")

    monkeypatch.setattr(commission, "_insert", bad_sql)
    third = sell(shop, dest="081389092680")
    succeed(third, clock.now)
    assert Order.get_by_id(third).status == "success" and Order.get_by_id(third).sn == f"SN{third}"
    assert Commission.select().count() == 1
    books_balance()


def test_reversing_takes_back_a_credited_commission_once(shop, clock):
    order_id = sell(shop)
    succeed(order_id, clock.now)
    assert commission.reverse_for_order(order_id, actor="owner", now=clock.now) == 100
    assert commission.reverse_for_order(order_id, actor="owner", now=clock.now) == 0
    assert [e.delta for e in commission_entries("R001")] == [100, -100] and balance("R001") == 1_000_000
    assert commission.earned_since(DAY1.replace(day=1)) == {}
    books_balance()


def test_mode_is_checked_and_month_figures_for_the_window(shop, clock):
    with pytest.raises(ValueError):
        commission.set_mode("weekly", actor="owner")
    assert commission.mode() == "per_order"
    succeed(sell(shop), clock.now)
    assert commission.earned_since(commission.month_start(clock.now)) == {rid("R001"): 100}
    assert commission.earned_since(commission.month_start(clock.now + dt.timedelta(days=31))) == {}
    assert commission.pending_total() == 0


def test_the_engine_credits_earlier_days_after_its_start(shop, clock):
    import asyncio

    from app.engine import Engine
    from app.engine_settings import EngineSettings

    commission.set_mode("daily", actor="owner")
    succeed(sell(shop), clock.now)
    clock.advance(days=1)
    engine = Engine(shop, clock=clock, settings=EngineSettings(commission_interval_s=3600, tick_s=3600,
                                                               stock_check_interval_s=3600,
                                                               reconcile_interval_s=3600))

    async def run() -> None:
        await engine.start()
        try:
            for _ in range(200):
                if commission.pending_total() == 0:
                    break
                await asyncio.sleep(0.01)
        finally:
            await engine.stop()

    asyncio.run(run())
    assert balance("R001") == 1_000_100 and len(commission_entries("R001")) == 1
    books_balance()
