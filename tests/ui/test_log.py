"""The transaction log against a real million-order SQLite file: ids in memory, rows on demand,
filters, sort and totals in SQL, live additions, export, and the view offscreen."""
from __future__ import annotations

import csv
import datetime as dt
import time

import pytest

from storage import sql
from tests.ui.big_db import make_context, big_db_path
from ui.views.log import PAGE, LogFilter, LogView, OrderLogModel, Totals


@pytest.fixture(scope="module")
def big_db():
    from storage.db import close_database, open_database

    db = open_database(big_db_path())
    yield db
    close_database()


def _load(qtbot, model: OrderLogModel, f: LogFilter) -> float:
    started = time.perf_counter()
    with qtbot.waitSignal(model.loaded, timeout=20_000):
        model.apply(f)
    return time.perf_counter() - started


def test_model_holds_a_million_ids_and_fetches_rows_by_page(qtbot, big_db):
    model = OrderLogModel()
    took = _load(qtbot, model, LogFilter())
    assert model.rowCount() == 1_000_000
    assert took < 5, took  # the benchmark has the real figure; this only catches a regression by 10x
    assert model.ids[0] == sql.one('SELECT MAX(id) FROM "order"')[0]
    assert model.index(0, 0).data() == str(model.ids[0])
    middle = model.index(500_000, 0).data()
    assert middle == str(model.ids[500_000])
    assert len(model._pages) == 2  # only the pages that were asked for
    assert model.index(999_999, 9).data() in ("Sukses", "Gagal", "Suspect", "Antri", "Dikirim")
    qtbot.waitUntil(lambda: model.totals.count == 1_000_000, timeout=20_000)


def test_filters_and_totals_match_sql(qtbot, big_db):
    model = OrderLogModel()
    reseller = sql.one("SELECT id FROM reseller WHERE code = 'R150'")[0]
    f = LogFilter(status="success", reseller_id=reseller)
    _load(qtbot, model, f)
    expect = sql.one("SELECT COUNT(*), SUM(price), SUM(cost) FROM \"order\" WHERE status = 'success' "
                     "AND reseller_id = ?", (reseller,))
    assert model.rowCount() == expect[0] > 0
    qtbot.waitUntil(lambda: model.totals.count == expect[0], timeout=10_000)
    assert model.totals == Totals(expect[0], expect[1], expect[2], expect[0])
    assert model.totals.profit == expect[1] - expect[2]
    assert {model.index(i, 2).data() for i in range(min(PAGE, model.rowCount()))} == {"R150"}

    today = dt.datetime.combine(dt.date.today(), dt.time())
    _load(qtbot, model, LogFilter(date_from=today, operator="ISAT"))
    (n,) = sql.one('SELECT COUNT(*) FROM "order" o JOIN product p ON p.id = o.product_id '
                   "WHERE o.created_at >= ? AND p.operator = 'ISAT'", (today,))
    assert model.rowCount() == n > 0
    assert {model.index(i, 4).data() for i in range(min(50, n))} == {"ISAT"}

    dest = model.index(0, 5).data()
    _load(qtbot, model, LogFilter(dest=dest[:9]))
    assert all(model.index(i, 5).data().startswith(dest[:9]) for i in range(min(50, model.rowCount())))
    sn = sql.one("SELECT sn FROM \"order\" WHERE status = 'success' ORDER BY id DESC LIMIT 1")[0]
    _load(qtbot, model, LogFilter(search=sn))
    assert model.rowCount() >= 1 and model.index(0, 10).data() == sn


def test_sort_by_price_and_by_reseller(qtbot, big_db):
    model = OrderLogModel()
    _load(qtbot, model, LogFilter(status="suspect", sort="price", descending=True))
    prices = [int(model.index(i, 6).data().replace(".", "")) for i in range(0, model.rowCount(), 997)]
    assert prices == sorted(prices, reverse=True) and prices[0] > prices[-1]
    _load(qtbot, model, LogFilter(status="suspect", sort="reseller", descending=False))
    codes = [model.index(i, 2).data() for i in range(0, model.rowCount(), 997)]
    assert codes == sorted(codes)


def test_live_update_brings_new_orders_to_the_top(qtbot, big_db):
    model = OrderLogModel()
    _load(qtbot, model, LogFilter(reseller_id=1))
    before = model.rowCount()
    sql.execute('INSERT INTO "order" (reseller_id, product_id, dest, counter, price, status, sn, fail_reason, channel, '
                "item_no, refunded, created_at, updated_at) VALUES (1, 1, '081299998888', 1, 5700, 'queued', '', '', "
                "'sms', 0, 0, ?, ?)", (dt.datetime.now(), dt.datetime.now()))
    sql.execute('INSERT INTO "order" (reseller_id, product_id, dest, counter, price, status, sn, fail_reason, channel, '
                "item_no, refunded, created_at, updated_at) VALUES (2, 1, '081299997777', 1, 5700, 'queued', '', '', "
                "'sms', 0, 0, ?, ?)", (dt.datetime.now(), dt.datetime.now()))
    started = time.perf_counter()
    model.live_update()
    assert time.perf_counter() - started < 0.05
    assert model.rowCount() == before + 1  # the other reseller's order is not in this filter
    assert model.index(0, 5).data() == "081299998888"
    sql.execute("DELETE FROM \"order\" WHERE dest IN ('081299998888', '081299997777')")


def test_export_writes_the_filtered_rows(qtbot, big_db, tmp_path):
    from storage.models import database_proxy
    from ui.views.log import export_csv

    reseller = sql.one("SELECT id FROM reseller WHERE code = 'R120'")[0]
    f = LogFilter(reseller_id=reseller, status="failed")
    path = tmp_path / "out.csv"
    n = export_csv(database_proxy.obj, f, str(path))
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0][0] == "TrxID" and len(rows) == n + 1
    assert n == sql.one("SELECT COUNT(*) FROM \"order\" WHERE reseller_id = ? AND status = 'failed'", (reseller,))[0]
    assert {r[2] for r in rows[1:]} == {"R120"} and {r[8] for r in rows[1:]} == {"failed"}


def test_view_opens_filters_and_shows_detail(qtbot, big_db, tmp_path):
    ctx = make_context()
    view = LogView(ctx)
    qtbot.addWidget(view)
    view.resize(1300, 700)
    with qtbot.waitSignal(view.model.loaded, timeout=20_000):
        view.set_active(True)
    assert view.model.rowCount() == sql.one('SELECT COUNT(*) FROM "order"')[0]
    qtbot.waitUntil(lambda: "transaksi" in view.totals.text(), timeout=20_000)
    with qtbot.waitSignal(view.model.loaded, timeout=20_000):
        view.status.setCurrentIndex(view.status.findData("suspect"))
    assert view.model.filter.status == "suspect"
    view.table.selectRow(0)
    assert f"TrxID {view.model.ids[0]}" in view.detail.toPlainText()
    with qtbot.waitSignal(view.model.loaded, timeout=20_000):
        view.table.horizontalHeader().setSortIndicator(6, view.table.horizontalHeader().sortIndicatorOrder())
    assert view.model.filter.sort == "price"
    token = view.export_to(str(tmp_path / "suspect.csv"))
    qtbot.waitUntil(lambda: "diekspor" in view.busy.text(), timeout=20_000)
    assert token and (tmp_path / "suspect.csv").stat().st_size > 0
    view.set_active(False)
    ctx.bridge.tick.emit()
    assert view._dirty and not view._live.isActive()
