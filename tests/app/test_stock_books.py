"""Chip stock reconciliation (app.stock_books) on SQLite and PostgreSQL: a day of orders on two chips,
run through the real order functions with the operator's balance read after each answer, checked
against figures the test keeps itself; planted differences (an order refunded that the operator did
deliver, a suspect the operator delivered, a forced success it did not, stock that arrived unrecorded)
found and named; a receipt recorded late; a chip with no reading before the day; a day without orders.
Every moment is fixed: nothing depends on the wall clock."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import pytest

from app import ledger, orders, stock_books
from app.report_table import to_csv, to_text
from app.service import Inbound
from app.shop_admin import AdminError
from app.stock_books import ExplanationKind as K
from app.suppliers import record_stock
from storage import sql
from storage.models import AuditLog, Reseller, StockEntry, Supplier, database_proxy as db

from .query_dbs import any_db  # noqa: F401  (fixture)
from .shop_orders import Shop

DAY = dt.date(2026, 6, 15)
BEFORE = dt.datetime(2026, 6, 14, 23, 50)
PREFIX = {"TSEL": "0812", "ISAT": "0857"}
PRODUCTS = {"TSEL": ("S5", "S10", "S20"), "ISAT": ("I5", "I10")}
NOMINAL = {"S5": 5_000, "S10": 10_000, "S20": 20_000, "I5": 5_000, "I10": 10_000}


def route_cost(code: str) -> int:
    return NOMINAL[code]  # app.config.apply: a chip's route costs the face value the operator takes


@dataclass
class Chip:
    """One chip as the operator knows it (its true balance) and as the test counts it."""

    id: int
    operator: str
    balance: int
    opening: int = 0
    sold: int = 0
    sold_count: int = 0
    received: int = 0
    adjust: int = 0
    planted: int = 0  # the difference the test planted
    last_reading: int = 0


@dataclass
class Day:
    shop: Shop
    chips: dict[str, Chip] = field(default_factory=dict)
    dest: int = 10_000_000

    def place(self, chip: Chip, code: str, at: dt.datetime) -> int:
        self.shop.moment = at
        self.dest += 1
        result = self.shop.service.handle(Inbound("sms", "081211110001", f"{code}.{PREFIX[chip.operator]}"
                                                                         f"{self.dest}.1234"))
        assert result.new_orders, result
        return result.new_orders[0]

    def top_up(self, chip: Chip, code: str, at: dt.datetime, answer: str, *, deducted: bool | None = None,
               reading: bool = True, cost: int | None = None, charged: int | None = None) -> int:
        """An order sent to `chip` at `at`, answered 5 s later as the engine settles it: `answer` is
        success, failed or unknown (→ suspect). `deducted`: whether the operator really took the stock
        (as the answer says unless planted otherwise); `reading`: the answer carries the balance."""
        order_id = self.place(chip, code, at)
        cost = route_cost(code) if cost is None else cost
        with db.atomic():
            orders.mark_sending(order_id, chip.id, now=at)
            attempt = orders.start_attempt(order_id, chip.id, at)
        done = at + dt.timedelta(seconds=5)
        if deducted if deducted is not None else answer == "success":
            chip.balance -= cost if charged is None else charged
        with db.atomic():
            orders.finish_attempt(attempt, done, request="*777*…#", raw=f"jawaban {answer}", outcome=answer,
                                  sn=f"SN{order_id}" if answer == "success" else "", trxid="", reason="")
            if reading and answer != "unknown":
                record_stock(chip.id, chip.balance, done)
                chip.last_reading = chip.balance
            if answer == "success":
                orders.settle_success(order_id, f"SN{order_id}", cost=cost or None, now=done)
                chip.sold += cost
                chip.sold_count += 1
            elif answer == "failed":
                orders.settle_failed(order_id, "Nomor tujuan salah", now=done)
            else:
                orders.mark_suspect(order_id, "tidak ada jawaban operator", now=done)
        return order_id

    def check(self, chip: Chip, at: dt.datetime) -> None:
        record_stock(chip.id, chip.balance, at)
        chip.last_reading = chip.balance


@pytest.fixture
def day(any_db):  # noqa: F811
    shop = Shop()
    with db.atomic():
        ledger.post(Reseller.get(Reseller.code == "R001").id, 10_000_000, ledger.LedgerKind.DEPOSIT, note="modal",
                    now=BEFORE)
    isat = Supplier.get(Supplier.name == "chip isat-1").id
    d = Day(shop, {"tsel": Chip(shop.chip, "TSEL", 1_000_000), "isat": Chip(isat, "ISAT", 500_000)})
    record_stock(shop.chip, 1_100_000, dt.datetime(2026, 6, 14, 20, 0))  # an older reading: not the opening
    for chip in d.chips.values():
        d.check(chip, BEFORE)
        chip.opening = chip.balance
    return d


def _gap_with(chip: stock_books.ChipStock, order_id: int) -> stock_books.StockGap:
    found = [g for g in chip.gaps if any(e.order_id == order_id for e in g.explanations)]
    assert len(found) == 1, chip.gaps
    return found[0]


def test_a_day_on_two_chips_adds_up_and_names_the_planted_differences(day):
    tsel, isat = day.chips["tsel"], day.chips["isat"]
    rng = random.Random(15)
    # the evening before, after the opening readings: counted on the 14th's books, not here
    at = dt.datetime(2026, 6, 14, 22, 0)
    day.top_up(tsel, "S10", at, "success")
    day.check(tsel, BEFORE + dt.timedelta(minutes=5))  # a later reading before midnight: the real opening
    tsel.opening = tsel.balance
    tsel.sold = tsel.sold_count = 0
    at = dt.datetime(2026, 6, 15, 7, 0)
    planted: dict[str, int] = {}
    for i in range(60):
        at += dt.timedelta(minutes=rng.randrange(3, 12))
        chip = tsel if i % 2 else isat
        code = rng.choice(PRODUCTS[chip.operator])
        answer = rng.choices(("success", "failed"), (85, 15))[0]
        day.top_up(chip, code, at, answer)
        if i == 10:  # the operator delivered, the answer was lost; the owner refunded it by hand
            at += dt.timedelta(minutes=4)
            refunded = day.top_up(tsel, "S20", at, "unknown", deducted=True)
            orders.settle_failed(refunded, "Dicek manual: tidak masuk", now=at + dt.timedelta(minutes=30),
                                 actor="budi")
            orders.audit("budi", "fail_refund", refunded, "Dicek manual: tidak masuk",
                         now=at + dt.timedelta(minutes=30))
            tsel.planted -= route_cost("S20")
            planted["refunded"] = refunded
        if i == 20:  # a suspect the operator did deliver, still suspect at the day's end
            at += dt.timedelta(minutes=4)
            planted["suspect"] = day.top_up(isat, "I10", at, "unknown", deducted=True)
            isat.planted -= route_cost("I10")
        if i == 30:  # stock bought from the distributor, recorded
            at += dt.timedelta(minutes=2)
            tsel.balance += 300_000
            tsel.received += 300_000
            stock_books.record_received(tsel.id, 300_000, "beli dari MD", "budi", now=at)
        if i == 40:  # stock transferred to the chip, never recorded
            at += dt.timedelta(minutes=2)
            isat.balance += 100_000
            isat.planted += 100_000
        if i == 50:  # the owner forced a success the operator never delivered
            at += dt.timedelta(minutes=4)
            forced = day.top_up(tsel, "S5", at, "unknown", deducted=False)
            orders.force_success(forced, "SN-MANUAL", "budi", now=at + dt.timedelta(minutes=20))
            orders.audit("budi", "force_success", forced, "sn=SN-MANUAL", now=at + dt.timedelta(minutes=20))
            tsel.sold += route_cost("S5")
            tsel.sold_count += 1
            tsel.planted += route_cost("S5")
            planted["forced"] = forced
    for chip in (tsel, isat):
        day.check(chip, dt.datetime(2026, 6, 15, 23, 0))  # the evening balance check
    # the next morning: not this day's
    day_end = {c.id: (c.sold_count, c.sold, c.last_reading) for c in (tsel, isat)}
    day.top_up(tsel, "S10", dt.datetime(2026, 6, 16, 0, 0, 30), "success")
    day.top_up(isat, "I5", dt.datetime(2026, 6, 16, 6, 0), "success")
    for chip in (tsel, isat):
        chip.sold_count, chip.sold, chip.last_reading = day_end[chip.id]

    report = stock_books.stock_report(DAY)
    assert [c.supplier_id for c in report.chips] == sorted([tsel.id, isat.id],
                                                           key=lambda i: Supplier.get_by_id(i).name)
    for chip in (tsel, isat):
        got = next(c for c in report.chips if c.supplier_id == chip.id)
        expected = chip.opening + chip.received + chip.adjust - chip.sold
        assert (got.opening, got.received, got.adjust, got.sold_count, got.sold) == (
            chip.opening, chip.received, chip.adjust, chip.sold_count, chip.sold)
        assert (got.expected, got.reported, got.difference) == (expected, chip.last_reading,
                                                                chip.last_reading - expected)
        assert got.difference == chip.planted
        assert got.reported_at == dt.datetime(2026, 6, 15, 23, 0) and not got.opening_in_day
        assert sum(g.difference for g in got.gaps) == got.difference
        assert all(type(v) is int for v in (got.opening, got.sold, got.expected, got.reported, got.difference))
    got_tsel = next(c for c in report.chips if c.supplier_id == tsel.id)
    got_isat = next(c for c in report.chips if c.supplier_id == isat.id)
    assert got_tsel.opening_at == BEFORE + dt.timedelta(minutes=5)

    # each planted difference is a gap of its own, its order named first
    gap = _gap_with(got_tsel, planted["refunded"])
    assert gap.difference == -route_cost("S20")
    first = gap.explanations[0]
    assert (first.kind, first.order_id, first.amount, first.matches) == (
        K.REFUNDED_AFTER_ATTEMPT, planted["refunded"], -route_cost("S20"), True)
    assert "budi" in first.text and f"TrxID {planted['refunded']}" in first.text
    assert gap.explanations[-1].kind == K.UNRECORDED_CHARGE

    gap = _gap_with(got_isat, planted["suspect"])
    assert gap.difference == -route_cost("I10")
    assert (gap.explanations[0].kind, gap.explanations[0].order_id) == (K.SUSPECT, planted["suspect"])

    gap = _gap_with(got_tsel, planted["forced"])
    assert gap.difference == route_cost("S5")
    assert (gap.explanations[0].kind, gap.explanations[0].order_id, gap.explanations[0].matches) == (
        K.FORCED_SUCCESS, planted["forced"], True)
    assert gap.explanations[-1].kind == K.UNRECORDED_STOCK

    unrecorded = [g for g in got_isat.gaps if g.difference == 100_000]
    assert len(unrecorded) == 1 and [e.kind for e in unrecorded[0].explanations] == [K.UNRECORDED_STOCK]
    assert "100.000" in unrecorded[0].explanations[0].text
    assert len(got_tsel.gaps) == 2 and len(got_isat.gaps) == 2  # nothing else: the recorded receipt showed

    # one chip alone gives the same figures
    alone = stock_books.stock_report(DAY, tsel.id)
    assert alone.chips == (got_tsel,)

    # as tables
    table = stock_books.stock_table(report)
    assert table.columns[0] == "Chip" and len(table.rows) == 2
    row = next(r for r in table.rows if r[0] == "chip tsel-1")
    assert row[1:] == (tsel.opening, "14/06 23:55", tsel.received, 0, tsel.sold_count, tsel.sold, got_tsel.expected,
                       tsel.last_reading, "23:00", tsel.planted)
    assert {table.columns[i] for i in table.money} == {"Stok awal", "Masuk", "Penyesuaian", "Terjual",
                                                       "Seharusnya", "Dilaporkan", "Selisih"}
    assert table.total[0] == "TOTAL" and table.total[-1] == tsel.planted + isat.planted
    assert table.start == table.end == DAY
    text = to_text(table)
    assert "14/06 23:55" in text and "chip isat-1" in text
    diffs = stock_books.differences_table(report)
    assert len(diffs.rows) == 4 and {diffs.columns[i] for i in diffs.money} == {
        "Perubahan seharusnya", "Perubahan dilaporkan", "Selisih"}
    refunded_row = next(r for r in diffs.rows if r[5] == -route_cost("S20"))
    assert refunded_row[0] == "chip tsel-1" and refunded_row[6].split(", ")[0] == str(planted["refunded"])
    assert "dana dikembalikan" in refunded_row[7]
    assert "Selisih" in to_csv(diffs).splitlines()[0]


def test_a_sale_between_the_opening_and_midnight_counts_on_the_day(day):
    """The opening is the last reading at or before 00:00; an order after it (its answer carried no
    balance) belongs to this day's books, and the evening reading of the 15th closes them."""
    tsel = day.chips["tsel"]
    day.top_up(tsel, "S10", dt.datetime(2026, 6, 14, 23, 55), "success", reading=False)
    day.check(tsel, dt.datetime(2026, 6, 15, 9, 0))
    chip = stock_books.stock_report(DAY, tsel.id).chips[0]
    assert (chip.opening, chip.opening_at, chip.sold_count, chip.sold) == (1_000_000, BEFORE, 1, route_cost("S10"))
    assert chip.expected == chip.reported == 1_000_000 - route_cost("S10") and chip.gaps == ()


def test_a_receipt_recorded_after_it_showed_is_no_difference(day):
    tsel = day.chips["tsel"]
    day.top_up(tsel, "S10", dt.datetime(2026, 6, 15, 9, 0), "success")
    tsel.balance += 250_000  # the distributor's transfer arrives
    day.top_up(tsel, "S5", dt.datetime(2026, 6, 15, 10, 0), "success")  # its answer shows the new stock
    day.top_up(tsel, "S20", dt.datetime(2026, 6, 15, 11, 0), "success")
    stock_books.record_received(tsel.id, 250_000, "transfer MD jam 09:30", "budi",
                                now=dt.datetime(2026, 6, 15, 11, 30))
    day.top_up(tsel, "S10", dt.datetime(2026, 6, 15, 12, 0), "success")
    chip = stock_books.stock_report(DAY, tsel.id).chips[0]
    assert chip.received == 250_000 and chip.difference == 0 and chip.gaps == ()
    # recorded but never arrived: the receipt itself is named
    stock_books.record_received(tsel.id, 50_000, "dijanjikan MD", "budi", now=dt.datetime(2026, 6, 15, 13, 0))
    day.check(tsel, dt.datetime(2026, 6, 15, 14, 0))
    chip = stock_books.stock_report(DAY, tsel.id).chips[0]
    assert chip.difference == -50_000 and len(chip.gaps) == 1
    first = chip.gaps[0].explanations[0]
    assert (first.kind, first.order_id, first.amount, first.matches) == (K.STOCK_RECEIVED, None, -50_000, True)
    assert "dijanjikan MD" in first.text


def test_an_operator_charging_the_face_value_is_named(day):
    """The order was booked at 9.850 for S10 (the owner's discounted cost); the operator took 10.000."""
    tsel = day.chips["tsel"]
    day.top_up(tsel, "S10", dt.datetime(2026, 6, 15, 9, 0), "success")
    charged = day.top_up(tsel, "S10", dt.datetime(2026, 6, 15, 9, 10), "success", cost=9_850, charged=10_000)
    day.top_up(tsel, "S20", dt.datetime(2026, 6, 15, 9, 20), "success")
    chip = stock_books.stock_report(DAY, tsel.id).chips[0]
    assert chip.difference == -150 and len(chip.gaps) == 1
    first = chip.gaps[0].explanations[0]
    assert (first.kind, first.order_id, first.amount, first.matches) == (K.COST_MISMATCH, charged, -150, True)
    assert "9.850" in first.text and "10.000" in first.text


def test_an_adjustment_counts_and_is_audited(day):
    isat = day.chips["isat"]
    stock_books.record_adjustment(isat.id, -40_000, "transfer ke chip isat-2", "budi",
                                  now=dt.datetime(2026, 6, 15, 8, 0))
    isat.balance -= 40_000
    day.top_up(isat, "I10", dt.datetime(2026, 6, 15, 9, 0), "success")
    chip = stock_books.stock_report(DAY, isat.id).chips[0]
    assert (chip.adjust, chip.difference, chip.gaps) == (-40_000, 0, ())
    audit = AuditLog.get(AuditLog.action == "stock_adjust")
    assert (audit.actor, audit.target, audit.at) == ("budi", f"supplier:{isat.id}", dt.datetime(2026, 6, 15, 8, 0))
    assert "transfer ke chip isat-2" in audit.detail
    for bad in (lambda: stock_books.record_received(isat.id, 0, "", "budi"),
                lambda: stock_books.record_received(isat.id, -5, "", "budi"),
                lambda: stock_books.record_adjustment(isat.id, 1_000, "  ", "budi"),
                lambda: stock_books.record_adjustment(isat.id, 0, "x", "budi"),
                lambda: stock_books.record_received(99_999, 1_000, "", "budi")):
        with pytest.raises(AdminError):
            bad()
    assert StockEntry.select().where(StockEntry.kind != "reading").count() == 1


def test_a_chip_with_no_reading_before_the_day_opens_at_its_first_reading(day):
    isat = Supplier.create(name="chip isat-2", kind="ussd_chip", config="{}")
    chip = Chip(isat.id, "ISAT", 300_000)
    sql.execute("INSERT INTO route (product_id, supplier_id, priority, supplier_code, cost, active) "
                "SELECT id, ?, 9, '', nominal, ? FROM product WHERE operator = 'ISAT'", (isat.id, True))
    day.top_up(chip, "I5", dt.datetime(2026, 6, 15, 7, 0), "success", reading=False)  # before any reading
    day.check(chip, dt.datetime(2026, 6, 15, 8, 0))
    opening = chip.balance
    day.top_up(chip, "I10", dt.datetime(2026, 6, 15, 9, 0), "success")
    day.top_up(chip, "I5", dt.datetime(2026, 6, 15, 10, 0), "failed")
    got = stock_books.stock_report(DAY, isat.id).chips[0]
    assert got.opening_in_day and (got.opening, got.opening_at) == (opening, dt.datetime(2026, 6, 15, 8, 0))
    assert (got.sold_count, got.sold) == (1, route_cost("I10"))
    assert got.expected == got.reported == opening - route_cost("I10") and got.difference == 0
    row = stock_books.stock_table(stock_books.stock_report(DAY, isat.id)).rows[0]
    assert row[2] == "08:00*"


def test_a_chip_with_orders_but_no_reading_has_no_difference(day):
    isat = Supplier.create(name="chip isat-3", kind="ussd_chip", config="{}")
    chip = Chip(isat.id, "ISAT", 300_000)
    day.top_up(chip, "I10", dt.datetime(2026, 6, 15, 9, 0), "success", reading=False)  # its cost recorded
    day.top_up(chip, "I5", dt.datetime(2026, 6, 15, 9, 5), "success", reading=False, cost=0)  # cost unknown
    got = next(c for c in stock_books.stock_report(DAY).chips if c.supplier_id == isat.id)
    assert (got.opening, got.expected, got.reported, got.difference, got.gaps) == (None, None, None, None, ())
    assert (got.sold_count, got.sold) == (2, route_cost("I10") + 5_000)  # no route either: the face value
    row = next(r for r in stock_books.stock_table(stock_books.stock_report(DAY)).rows if r[0] == "chip isat-3")
    assert row[1] == row[7] == row[8] == row[10] == "-"


def test_no_orders_at_all(day):
    assert stock_books.stock_report(dt.date(2026, 6, 20)).chips == ()
    empty = stock_books.stock_report(dt.date(2026, 6, 20))
    assert stock_books.stock_table(empty).rows == () and stock_books.stock_table(empty).total is None
    assert "(tidak ada" in to_text(stock_books.stock_table(empty))
    assert stock_books.differences_table(empty).rows == ()
    # one chip asked for by id: its stock carried over, nothing sold
    tsel = day.chips["tsel"]
    chip = stock_books.stock_report(dt.date(2026, 6, 20), tsel.id).chips[0]
    assert (chip.opening, chip.opening_at, chip.sold, chip.expected, chip.reported) == (
        tsel.balance, BEFORE, 0, tsel.balance, None)
    # a reading more than a week old opens no day
    chip = stock_books.stock_report(dt.date(2026, 6, 23), tsel.id).chips[0]
    assert (chip.opening, chip.expected, chip.difference) == (None, None, None)
    # balance checks only: the chip is listed, nothing differs
    day.check(tsel, dt.datetime(2026, 6, 15, 8, 0))
    day.check(tsel, dt.datetime(2026, 6, 15, 20, 0))
    report = stock_books.stock_report(DAY)
    assert [(c.name, c.sold_count, c.difference) for c in report.chips] == [("chip tsel-1", 0, 0)]
    with pytest.raises(LookupError):
        stock_books.stock_report(DAY, 99_999)


def test_record_stock_writes_the_history(any_db):  # noqa: F811
    chip = Supplier.create(name="chip x", kind="ussd_chip", config="{}")
    at = dt.datetime(2026, 6, 15, 10, 0, 5)
    record_stock(chip.id, 123_450, at)
    with db.atomic():  # inside the engine's settlement transaction too
        record_stock(chip.id, 113_600, at + dt.timedelta(seconds=7))
    row = Supplier.get_by_id(chip.id)
    assert (row.stock, row.stock_checked_at) == (113_600, at + dt.timedelta(seconds=7))
    entries = [(e.kind, e.amount, e.at, e.actor) for e in StockEntry.select().order_by(StockEntry.id)]
    assert entries == [("reading", 123_450, at, "system"), ("reading", 113_600, at + dt.timedelta(seconds=7),
                                                             "system")]
