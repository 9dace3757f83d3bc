"""Read models of the transaction log (Transaksi) and of the manual actions, without Qt: the filter and
sort in SQL, pages of named rows, totals, new orders since a known one, one order's whole history
with the manual actions and who did them, the CSV export for Excel. The SQL that is not trivial runs
on SQLite and on PostgreSQL (`any_db`)."""
from __future__ import annotations

import csv
import datetime as dt

import pytest

from app import orders
from app.queries import log as q
from app.queries.log import LogFilter
from app.queries.order_actions import OrderAction, available_actions, order_brief, route_choices
from app.service import Inbound
from storage import sql
from storage.models import Supplier

from .query_dbs import any_db  # noqa: F401  (fixture)
from .shop_orders import Shop

NOW = dt.datetime(2026, 6, 15, 14, 30)
TODAY = dt.datetime(2026, 6, 15)
DAY = dt.timedelta(days=1)


class LogShop:
    """Orders over three days, two resellers, two operators, every status, at fixed times."""

    def __init__(self) -> None:
        self.shop = Shop()
        self.isat = Supplier.get(Supplier.name == "chip isat-1").id
        self.ids: dict[str, int] = {}
        s = self.shop
        self.ids["old_success"] = s.place(TODAY - 2 * DAY + dt.timedelta(hours=9), "success", cost=9_700)
        self.ids["yesterday_failed"] = s.place(TODAY - DAY + dt.timedelta(hours=23, minutes=59), "failed")
        self.ids["today_success"] = s.place(TODAY + dt.timedelta(hours=8), "success", code="S5", cost=5_100)
        self.ids["today_suspect"] = s.place(TODAY + dt.timedelta(hours=9), "suspect")
        self.ids["today_queued"] = s.place(TODAY + dt.timedelta(hours=10))
        self.ids["r003_isat"] = self._r003(TODAY + dt.timedelta(hours=11), "I10", "085712345678")
        orders.mark_sending(self.ids["r003_isat"], self.isat, now=TODAY + dt.timedelta(hours=11))
        orders.settle_success(self.ids["r003_isat"], "ab0001", cost=10_400, now=TODAY + dt.timedelta(hours=11))

    def _r003(self, at: dt.datetime, code: str, dest: str) -> int:
        self.shop.moment = at
        result = self.shop.service.handle(Inbound("sms", "081211110003", f"{code}.{dest}.5555"))
        assert result.new_orders, result
        return result.new_orders[0]

    def reseller(self, code: str) -> int:
        return sql.one("SELECT id FROM reseller WHERE code = ?", (code,))[0]


@pytest.fixture
def shop(any_db):  # noqa: F811
    return LogShop()


def _ids(f: LogFilter) -> list[int]:
    return list(q.matching_ids(f))


def test_all_orders_newest_first_as_named_rows(shop):
    ids = q.matching_ids(LogFilter())
    assert ids.typecode == "q" and list(ids) == sorted(shop.ids.values(), reverse=True)
    rows = q.rows(list(ids))
    row = rows[shop.ids["today_success"]]
    assert row.reseller == "R001" and row.product == "S5" and row.operator == "TSEL"
    assert row.status == "success" and row.sn == f"SN{row.id:08d}" and row.supplier == "chip tsel-1"
    assert row.created_at == TODAY + dt.timedelta(hours=8) and isinstance(row.price, int)
    assert row.cost == 5_100 and row.profit == row.price - 5_100
    failed = rows[shop.ids["yesterday_failed"]]
    assert failed.cost is None and failed.profit is None and failed.note == "Nomor tujuan salah"
    queued = rows[shop.ids["today_queued"]]
    assert queued.supplier == "" and queued.sn == "" and queued.profit is None
    assert list(q.rows_in_order([shop.ids["today_queued"], 999_999, shop.ids["old_success"]])) == [
        rows[shop.ids["today_queued"]], rows[shop.ids["old_success"]]]


def test_filters(shop):
    i = shop.ids
    assert _ids(LogFilter(status="success")) == [i["r003_isat"], i["today_success"], i["old_success"]]
    assert _ids(LogFilter(reseller_id=shop.reseller("R003"))) == [i["r003_isat"]]
    assert _ids(LogFilter(operator="ISAT")) == [i["r003_isat"]]
    s5 = sql.one("SELECT id FROM product WHERE code = 'S5'")[0]
    assert _ids(LogFilter(product_id=s5)) == [i["today_success"]]
    assert _ids(LogFilter(dest="0857")) == [i["r003_isat"]]
    assert _ids(LogFilter(dest="0857_")) == []  # a LIKE wildcard in the box is a plain character
    assert _ids(LogFilter(status="success", operator="TSEL", descending=False)) == [i["old_success"],
                                                                                  i["today_success"]]


def test_date_ranges(shop):
    i = shop.ids
    today = _ids(LogFilter(date_from=TODAY))
    assert today == [i["r003_isat"], i["today_queued"], i["today_suspect"], i["today_success"]]
    # yesterday: from its midnight, up to (not including) today's
    assert _ids(LogFilter(date_from=TODAY - DAY, date_to=TODAY)) == [i["yesterday_failed"]]
    assert _ids(LogFilter(date_to=TODAY - DAY)) == [i["old_success"]]
    assert _ids(LogFilter(date_from=TODAY, reseller_id=shop.reseller("R001"), descending=False)) == sorted(
        [i["today_success"], i["today_suspect"], i["today_queued"]])


def test_sn_prefix_is_case_sensitive_and_literal(shop):
    i = shop.ids
    sql.execute('UPDATE "order" SET sn = ? WHERE id = ?', ("AB_1%x", i["old_success"]))
    sql.execute('UPDATE "order" SET sn = ? WHERE id = ?', ("ABX1", i["today_success"]))
    assert _ids(LogFilter(sn="AB_")) == [i["old_success"]]
    assert _ids(LogFilter(sn="AB")) == [i["today_success"], i["old_success"]]
    assert _ids(LogFilter(sn="ab")) == [i["r003_isat"]]  # "ab0001", not the upper-case ones
    assert _ids(LogFilter(sn="AB_1%")) == [i["old_success"]]
    assert LogFilter(sn="AB").changes_with_status and not LogFilter(sn="  ").changes_with_status


def test_search_box(shop):
    i = shop.ids
    assert i["today_suspect"] in _ids(LogFilter(search=str(i["today_suspect"])))  # TrxID (or inside a number)
    assert _ids(LogFilter(search="12345678")) == [i["r003_isat"]]  # inside the number
    assert _ids(LogFilter(search="b000")) == [i["r003_isat"]]  # inside the SN
    assert i["r003_isat"] in _ids(LogFilter(search="r003"))  # reseller code, any case
    assert _ids(LogFilter(search="berkah")) == [i["r003_isat"]]  # reseller name
    assert _ids(LogFilter(search="i10")) == [i["r003_isat"]]  # product code
    assert _ids(LogFilter(search="no such thing")) == []


def test_sorts(shop):
    i = shop.ids
    prices = [r.price for r in q.rows_in_order(q.matching_ids(LogFilter(sort="price", descending=True)))]
    assert prices == sorted(prices, reverse=True) and prices[0] > prices[-1]
    codes = [r.reseller for r in q.rows_in_order(q.matching_ids(LogFilter(sort="reseller", descending=False)))]
    assert codes == sorted(codes) and codes[-1] == "R003"
    by_cost = list(q.rows_in_order(q.matching_ids(LogFilter(sort="cost", descending=False))))
    assert [r.cost for r in by_cost[:3]] == [None, None, None]  # no cost yet: first, on both databases
    assert [r.cost for r in by_cost[3:]] == [5_100, 9_700, 10_400]
    profit = q.matching_ids(LogFilter(status="success", sort="profit", descending=True))
    profits = [r.profit for r in q.rows_in_order(profit)]
    assert profits == sorted(profits, reverse=True)
    ops = [r.operator for r in q.rows_in_order(q.matching_ids(LogFilter(sort="operator", descending=True)))]
    assert ops[0] == "TSEL" and ops[-1] == "ISAT"
    assert _ids(LogFilter(sort="created_at", descending=False)) == sorted(i.values())
    with pytest.raises(ValueError):
        q.matching_ids(LogFilter(sort="o.price; DROP TABLE x"))


def test_totals_count_only_successful_sales(shop):
    everything = q.totals(LogFilter())
    success = [r for r in q.rows_in_order(q.matching_ids(LogFilter())) if r.status == "success"]
    assert everything.count == 6 and everything.success == 3
    assert everything.sales == sum(r.price for r in success)
    assert everything.cost == 9_700 + 5_100 + 10_400
    # the R003 order earned its upline R001 the difference between their prices: off the footer's profit
    from storage.models import Commission

    paid = sum(c.amount for c in Commission.select())
    assert everything.commission == paid == 150
    assert everything.profit == sum(r.profit for r in success) - paid
    assert all(isinstance(v, int) for v in (everything.count, everything.sales, everything.cost))
    today_r001 = q.totals(LogFilter(date_from=TODAY, reseller_id=shop.reseller("R001")))
    assert (today_r001.count, today_r001.success, today_r001.cost) == (3, 1, 5_100)
    assert q.totals(LogFilter(search="nothing")) == q.Totals()


def test_new_orders_since_a_known_one(shop):
    f = LogFilter(reseller_id=shop.reseller("R001"))
    newest = q.newest_id()
    assert newest == max(shop.ids.values())
    mine = shop.shop.place(NOW)
    other = shop._r003(NOW, "I10", "085700000001")
    new, top = q.ids_since(f, newest)
    assert new == [mine] and top == other
    assert q.ids_since(f, top) == ([], top)
    everything, _ = q.ids_since(LogFilter(), newest)
    assert everything == [mine, other]
    # the live form of the filter (the index hint on SQLite) still filters on every column
    assert q.ids_since(LogFilter(date_from=NOW + DAY), newest)[0] == []
    assert q.ids_since(LogFilter(operator="ISAT", search="0857"), newest)[0] == [other]


def test_filter_choices(shop):
    choices = q.filter_choices()
    assert [r.code for r in choices.resellers][:3] == ["R001", "R002", "R003"]
    assert "S10" in [p.code for p in choices.products] and {"TSEL", "ISAT"} <= set(choices.operators)


def test_order_detail_holds_the_whole_history_with_manual_actions(shop):
    from app.engine import Engine
    from app.service import MessageService

    clock = lambda: NOW  # noqa: E731
    engine = Engine(MessageService(clock=clock), clock=clock)
    failed = shop.ids["yesterday_failed"]
    engine.retry(failed, shop.shop.chip, "budi")  # no chip is running: it fails again at once
    suspect = shop.ids["today_suspect"]
    engine.fail_and_refund(suspect, "nomor salah kata reseller", "sari")

    d = q.order_detail(failed)
    assert d.id == failed and d.reseller_code == "R001" and d.reseller_name == "Demo Cell"
    assert d.product_code == "S10" and d.dest.startswith("0812") and d.status == "failed" and d.refunded
    assert d.inbound is not None and d.inbound.sender == "081211110001" and "1234" not in d.inbound.text
    assert [(a.actor, a.action, a.supplier) for a in d.actions][:1] == [("budi", "retry", "chip tsel-1")]
    assert d.actions[0].at == NOW
    kinds = [e.kind for e in d.ledger]
    assert kinds[:2] == ["order_debit", "refund"] and kinds[2] == "order_debit"  # charged again on retry
    assert sum(e.delta for e in d.ledger) == 0  # ... and refunded again when it failed again
    brief = d.brief()
    assert brief.id == failed and brief.status == "failed" and brief.refunded

    s = q.order_detail(suspect)
    assert [(a.actor, a.action, a.detail) for a in s.actions] == [("sari", "fail_refund",
                                                                     "nomor salah kata reseller")]
    assert s.status == "failed" and s.note == "nomor salah kata reseller"
    assert q.order_detail(999_999) is None


def test_order_detail_attempts_and_replies(any_db):  # noqa: F811
    from tests.ui.big_db import SHOP_NOW, seed_shop

    seed_shop(12)
    order_id = sql.one("SELECT id FROM \"order\" WHERE status = 'success' ORDER BY id LIMIT 1")[0]
    d = q.order_detail(order_id)
    (attempt,) = d.attempts
    assert attempt.outcome == "success" and attempt.sn == d.sn and "BERHASIL" in attempt.response
    assert attempt.request.startswith("*777*") and attempt.supplier.startswith("chip ")
    (reply,) = d.replies
    assert reply.status == "sent" and d.sn in reply.text and reply.created_at <= SHOP_NOW
    assert d.profit == d.price - d.cost and d.brief().has_reply


def test_export_for_excel(db, tmp_path):
    shop = LogShop()
    sql.execute('UPDATE "order" SET fail_reason = ? WHERE id = ?', ("=HYPERLINK(\"x\")", shop.ids["today_suspect"]))
    path = tmp_path / "out.csv"
    calls: list[tuple[int, int]] = []
    headers = [f"h{n}" for n in range(len(q.CSV_COLUMNS))]
    words = {"success": "Sukses", "failed": "Gagal", "suspect": "Suspect", "queued": "Antri", "sending": "Dikirim"}
    n = q.export_csv(LogFilter(sort="id", descending=False), str(path), headers=headers, status_words=words,
                     progress=lambda done, total: calls.append((done, total)), every=4)
    assert n == 6 and calls == [(4, 6), (6, 6)]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the file as UTF-8
    with open(path, encoding="utf-8-sig", newline="") as fh:
        records = list(csv.reader(fh, delimiter=";"))
    assert records[0] == headers and len(records) == 7
    cols = {key: n for n, key in enumerate(q.CSV_COLUMNS)}
    first = records[1]
    assert first[cols["id"]] == str(shop.ids["old_success"])
    assert first[cols["created_at"]] == "2026-06-13 09:00:00"
    assert first[cols["dest"]].startswith('="0812') and first[cols["dest"]].endswith('"')  # text in Excel
    assert first[cols["sn"]] == f'="SN{shop.ids["old_success"]:08d}"'
    price = int(first[cols["price"]])
    assert first[cols["cost"]] == "9700" and first[cols["profit"]] == str(price - 9_700)  # numbers stay numbers
    assert first[cols["status"]] == "Sukses"
    by_id = {int(r[0]): r for r in records[1:]}
    failed = by_id[shop.ids["yesterday_failed"]]
    assert failed[cols["status"]] == "Gagal" and failed[cols["cost"]] == "" and failed[cols["profit"]] == ""
    assert failed[cols["sn"]] == "" and failed[cols["note"]] == "Nomor tujuan salah"
    # text that would start a formula is written as a string, never run
    assert by_id[shop.ids["today_suspect"]][cols["note"]] == '="=HYPERLINK(""x"")"'
    assert b'"=""0812' in raw  # as the file holds it: a quoted field, quotes doubled


def test_excel_text():
    assert q.excel_text("081234567890") == '="081234567890"'
    assert q.excel_text("") == ""
    assert q.excel_text('a"b') == '="a""b"'


def test_available_actions_follow_the_status(shop):
    i = shop.ids
    allowed = {name: available_actions(order_brief(order_id)) for name, order_id in i.items()}
    assert allowed["today_suspect"] == {OrderAction.RETRY, OrderAction.FORCE_SUCCESS, OrderAction.FAIL_REFUND}
    assert allowed["today_queued"] == {OrderAction.FORCE_SUCCESS, OrderAction.FAIL_REFUND}
    assert allowed["yesterday_failed"] == {OrderAction.RETRY, OrderAction.FORCE_SUCCESS}  # forced: charged again
    assert allowed["today_success"] == set()  # no reply in this shop
    orders.mark_sending(i["today_queued"], shop.shop.chip, now=NOW)
    assert available_actions(order_brief(i["today_queued"])) == set()  # sending: wait for the operator
    sql.execute("INSERT INTO outbound_message (channel, \"to\", text, status, order_id, event, modem, attempts, "
                "created_at) VALUES ('sms', '081211110001', 'SUKSES', 'sent', ?, 'success', '', 1, ?)",
                (i["today_success"], NOW))
    brief = order_brief(i["today_success"])
    assert brief.has_reply and available_actions(brief) == {OrderAction.RESEND_REPLY}
    assert order_brief(999_999) is None


def test_route_choices(shop):
    s10 = sql.one("SELECT id FROM product WHERE code = 'S10'")[0]
    routes = route_choices(s10)
    assert routes and routes[0].supplier == "chip tsel-1" and routes[0].kind == "ussd_chip"
    assert [r.priority for r in routes] == sorted(r.priority for r in routes)
