"""The books over a month of orders made through the real paths: SMS orders from resellers of several
price groups, every fate (success, failed and refunded, suspect, still queued or sending, cancelled),
and the owner's fixes (a failed order forced to success, a failed one sent again, a suspect settled).
The recap, the statement (mutasi) and the resellers' RKP and MUTASI replies are checked against totals
counted here, one order row and one ledger row at a time."""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest

from app import orders, reports
from app.config import ModemSpec, apply
from app.demo import seed_demo
from app.reports import RecapBy
from app.service import Inbound, MessageService
from app.shop_admin import add_deposit
from storage.models import LedgerEntry, Order, Product, Reseller, Supplier

from .query_dbs import any_db  # noqa: F401  (fixture)

JUNE_1 = dt.date(2026, 6, 1)
JUNE_30 = dt.date(2026, 6, 30)
SENDERS = {"R001": ("081211110001", "1234"), "R002": ("081211110002", "4321"), "R003": ("081211110003", "5555")}
PRODUCTS = {"TSEL": ("S5", "S10", "S20", "S50"), "ISAT": ("I5", "I10", "I25")}
PREFIX = {"TSEL": "0812", "ISAT": "0857"}
FATES = ("success", "success", "success", "failed", "suspect", "queued", "sending", "cancelled", "forced",
         "retried", "suspect_won", "suspect_lost")


class Month:
    """The demo shop with a chip per operator, and a month of orders through the message service."""

    def __init__(self, seed: int = 7):
        seed_demo()
        apply([ModemSpec(name="center-1", port="socket://127.0.0.1:9", roles=["center"]),
               ModemSpec(name="tsel-1", port="socket://127.0.0.1:9", roles=["chip"], operator="TSEL", pin="1234"),
               ModemSpec(name="isat-1", port="socket://127.0.0.1:9", roles=["chip"], operator="ISAT", pin="1234")])
        self.chips = {"TSEL": Supplier.get(Supplier.name == "chip tsel-1").id,
                      "ISAT": Supplier.get(Supplier.name == "chip isat-1").id}
        self.moment = dt.datetime(2026, 6, 1, 0, 0)
        self.service = MessageService(clock=lambda: self.moment)
        for code in SENDERS:  # enough money for the month
            add_deposit(Reseller.get(Reseller.code == code).id, 50_000_000, note="modal", actor="test")
        # the demo's opening balances and these deposits were booked before the month
        LedgerEntry.update(created_at=dt.datetime(2026, 5, 31, 8, 0)).execute()
        self.rng = random.Random(seed)
        self.dest = 10_000_000
        self.replies: list[str] = []

    def sms(self, code: str, text: str, at: dt.datetime) -> list[str]:
        self.moment = at
        phone, _pin = SENDERS[code]
        result = self.service.handle(Inbound("sms", phone, text))
        return [r.text for r in result.replies]

    def order(self, at: dt.datetime) -> int | None:
        code = self.rng.choice(sorted(SENDERS))
        operator = self.rng.choice(sorted(PRODUCTS))
        product = self.rng.choice(PRODUCTS[operator])
        self.dest += 1
        self.moment = at
        phone, pin = SENDERS[code]
        result = self.service.handle(Inbound("sms", phone, f"{product}.{PREFIX[operator]}{self.dest}.{pin}"))
        if not result.new_orders:
            return None
        order_id = result.new_orders[0]
        self.fate(order_id, operator, self.rng.choice(FATES), at)
        return order_id

    def fate(self, order_id: int, operator: str, fate: str, at: dt.datetime) -> None:
        chip = self.chips[operator]
        nominal = Order.select(Product.nominal).join(Product).where(Order.id == order_id).scalar()
        cost = nominal + self.rng.choice((-150, 0, 25, 100))
        later = at + dt.timedelta(minutes=3)
        if fate == "queued":
            return
        if fate == "cancelled":
            orders.cancel(order_id, "R", now=at)
            return
        orders.mark_sending(order_id, chip, now=at)
        if fate == "sending":
            return
        if fate == "success":
            orders.settle_success(order_id, f"SN{order_id:08d}", cost=cost, now=later)
        elif fate == "failed":
            orders.settle_failed(order_id, "Nomor tujuan salah", now=later)
        elif fate == "suspect":
            orders.mark_suspect(order_id, "tidak ada jawaban", now=later)
        elif fate == "forced":  # failed and refunded, then the owner saw it arrive: charged again
            orders.settle_failed(order_id, "Nomor tujuan salah", now=later)
            orders.force_success(order_id, f"SNF{order_id:07d}", "admin", now=later + dt.timedelta(minutes=5))
        elif fate == "retried":  # failed, sent again by the owner, and it went through
            orders.settle_failed(order_id, "Produk sedang gangguan", now=later)
            orders.retry(order_id, "admin", now=later + dt.timedelta(minutes=1))
            orders.mark_sending(order_id, chip, now=later + dt.timedelta(minutes=2))
            orders.settle_success(order_id, f"SNR{order_id:07d}", cost=cost, now=later + dt.timedelta(minutes=3))
        elif fate == "suspect_won":
            orders.mark_suspect(order_id, "tidak ada jawaban", now=later)
            orders.settle_success(order_id, f"SNW{order_id:07d}", cost=cost, now=later + dt.timedelta(minutes=9))
        elif fate == "suspect_lost":
            orders.mark_suspect(order_id, "tidak ada jawaban", now=later)
            orders.settle_failed(order_id, "tidak terkirim", now=later + dt.timedelta(minutes=9))

    def run(self, count: int) -> list[int]:
        made = []
        moments = sorted(dt.datetime(2026, 6, 1) + dt.timedelta(days=self.rng.randrange(30),
                                                                 seconds=self.rng.randrange(86_400 - 900))
                         for _ in range(count))
        for at in moments:  # time goes one way: every ledger row is booked in the order of its time
            order_id = self.order(at)
            if order_id is not None:
                made.append(order_id)
        return made


@pytest.fixture
def month(any_db):  # noqa: F811
    shop = Month()
    shop.made = shop.run(180)
    return shop


def _rows() -> list[dict]:
    query = (Order.select(Order.id, Order.status, Order.price, Order.cost, Order.created_at, Order.supplier,
                          Product.code.alias("product"), Product.operator, Reseller.code.alias("reseller"))
             .join(Product).switch(Order).join(Reseller))
    return list(query.dicts())


def _expected(rows: list[dict], key) -> dict[str, tuple[int, ...]]:
    """(orders, success, failed, suspect, open, sales, cost) per key, counted one row at a time."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0] * 7)
    for r in rows:
        s = sums[key(r)]
        s[0] += 1
        s[1] += r["status"] == "success"
        s[2] += r["status"] == "failed"
        s[3] += r["status"] == "suspect"
        s[4] += r["status"] in ("queued", "sending")
        if r["status"] == "success":
            s[5] += r["price"]
            s[6] += r["cost"] if r["cost"] is not None else r["price"]
    return {k: tuple(v) for k, v in sums.items()}


def _figures(line: reports.RecapLine) -> tuple[int, ...]:
    return (line.orders, line.success, line.failed, line.suspect, line.open, line.sales, line.cost)


KEYS = {RecapBy.PRODUCT: lambda r: r["product"], RecapBy.OPERATOR: lambda r: r["operator"],
        RecapBy.RESELLER: lambda r: r["reseller"],
        RecapBy.SUPPLIER: lambda r: "-" if r["supplier"] is None else Supplier.get_by_id(r["supplier"]).name,
        RecapBy.HOUR: lambda r: f"{r['created_at']:%H}"}


@pytest.mark.parametrize("by", list(RecapBy))
def test_month_recap_matches_the_order_rows(month, by):
    rows = _rows()
    statuses = {r["status"] for r in rows}
    assert statuses >= {"success", "failed", "suspect", "queued", "sending"}, statuses
    recap = reports.recap(JUNE_1, JUNE_30, by)
    assert {line.key: _figures(line) for line in recap.lines} == _expected(rows, KEYS[by])
    assert _figures(recap.total) == _expected(rows, lambda r: "all")["all"]
    assert recap.total.profit == recap.total.sales - recap.total.cost - recap.total.commission > 0


def test_uplines_commissions_come_off_the_profit_in_the_recap_and_the_log(month):
    """R003 buys through its upline R001 at the retail price; R001's own (agen) price is lower, so each
    of R003's successful orders earns R001 the difference, which the shop pays out of its profit."""
    from app.queries import log as q
    from app.queries.log import LogFilter
    from storage.models import Commission

    rows = {r["id"]: r for r in _rows()}
    paid = defaultdict(int)
    for c in Commission.select().where(Commission.reversed == False):  # noqa: E712
        assert rows[c.order_id]["status"] == "success" and rows[c.order_id]["reseller"] == "R003"
        paid[rows[c.order_id]["reseller"]] += c.amount
    assert paid["R003"] > 0
    recap = reports.recap(JUNE_1, JUNE_30, RecapBy.RESELLER)
    assert {line.key: line.commission for line in recap.lines} == {"R001": 0, "R002": 0, "R003": paid["R003"]}
    assert recap.total.profit == recap.total.sales - recap.total.cost - paid["R003"]
    logged = q.totals(LogFilter(date_from=dt.datetime(2026, 6, 1), date_to=dt.datetime(2026, 7, 1)))
    assert (logged.sales, logged.cost, logged.commission, logged.profit) == (
        recap.total.sales, recap.total.cost, recap.total.commission, recap.total.profit)


def test_the_fixes_are_in_the_books(month):
    """Forced and retried orders count once, as successes, at the price charged again, and at the cost
    of the chip's route (a forced success has no operator answer with a cost)."""
    assert all(r["cost"] is not None for r in _rows() if r["status"] == "success")
    debits = defaultdict(int)
    for e in LedgerEntry.select().where(LedgerEntry.order.is_null(False)):
        debits[e.order_id] += e.delta if e.kind in ("order_debit", "refund") else 0
    for r in _rows():
        held = -debits[r["id"]]
        # what an order holds of its reseller's money: its price unless it failed (refunded once)
        assert held == (0 if r["status"] == "failed" else r["price"]), r


def test_each_resellers_statement_adds_up_to_its_balance(month):
    for code in SENDERS:
        r = Reseller.get(Reseller.code == code)
        statement = reports.mutasi(r.id, JUNE_1, JUNE_30)
        assert statement.code == code and statement.lines
        entries = list(LedgerEntry.select().where(LedgerEntry.reseller == r.id).order_by(LedgerEntry.id))
        in_june = [e for e in entries if JUNE_1 <= e.created_at.date() <= JUNE_30]
        assert [x.entry_id for x in statement.lines] == [e.id for e in in_june]
        before = [e for e in entries if e.created_at.date() < JUNE_1]
        assert statement.opening == (before[-1].balance_after if before else 0)
        assert statement.opening + statement.credits + statement.debits == statement.closing
        assert statement.credits == sum(e.delta for e in in_june if e.delta > 0)
        assert statement.debits == sum(e.delta for e in in_june if e.delta < 0)
        table = reports.mutasi_table(statement)
        assert table.total[2] - table.total[3] == statement.closing - statement.opening
        assert len(table.rows) == len(statement.lines) + 1


def test_a_day_of_one_statement(month):
    r = Reseller.get(Reseller.code == "R001")
    days = [reports.mutasi(r.id, JUNE_1 + dt.timedelta(days=d), JUNE_1 + dt.timedelta(days=d)) for d in range(30)]
    whole = reports.mutasi(r.id, JUNE_1, JUNE_30)
    assert sum(len(d.lines) for d in days) == len(whole.lines)
    for earlier, later in zip(days, days[1:]):
        assert earlier.closing == later.opening  # a day without changes carries the balance over
    assert days[0].opening == whole.opening and days[-1].closing == whole.closing


def test_rkp_and_mutasi_replies_answer_from_the_same_books(month):
    rows = [r for r in _rows() if r["reseller"] == "R003"]
    busiest = max({r["created_at"].date() for r in rows}, key=lambda d: sum(r["created_at"].date() == d for r in rows))
    that_day = [r for r in rows if r["created_at"].date() == busiest]
    after = dt.datetime.combine(busiest, dt.time(23, 59))
    replies = month.sms("R003", f"RKP.{busiest:%d%m%Y}.5555", after)
    sukses = [r for r in that_day if r["status"] == "success"]
    proses = [r for r in that_day if r["status"] in ("queued", "sending", "suspect")]
    failed = [r for r in that_day if r["status"] == "failed"]
    total = f"{sum(r['price'] for r in sukses):,}".replace(",", ".")
    assert replies == [f"Rekap {busiest:%d/%m/%y}: {len(sukses)} sukses {total}, {len(failed)} gagal, "
                       f"{len(proses)} proses."]

    reseller = Reseller.get(Reseller.code == "R003")
    day_entries = [e for e in LedgerEntry.select().where(LedgerEntry.reseller == reseller.id).order_by(LedgerEntry.id)
                   if e.created_at.date() == busiest]
    replies = month.sms("R003", f"MUTASI.{busiest:%d%m%Y}.5555", after)
    assert len(replies) == 1 and replies[0].startswith(f"Mutasi {busiest:%d/%m/%y}: ")
    assert replies[0].endswith(f"Saldo {day_entries[-1].balance_after:,}".replace(",", "."))
    assert replies[0].count(", ") == min(5, len(day_entries)) - 1


def test_unknown_reseller_and_reversed_range_are_refused(month):
    assert reports.find_reseller("nobody") is None
    assert reports.find_reseller(" r001 ") == Reseller.get(Reseller.code == "R001").id
    with pytest.raises(ValueError):
        reports.mutasi(1, JUNE_30, JUNE_1)
    with pytest.raises(LookupError):
        reports.mutasi(99_999, JUNE_1, JUNE_30)
