"""The transaction log: against a real million-order SQLite file (ids in memory, rows on demand, filters,
sort and totals in SQL, live additions that keep the rows under the pointer, the selection kept across
reloads, export), and on a small shop with history (the manual actions from the log, their place in
the order's history, columns, languages). Every "now" is the context's fixed clock."""
from __future__ import annotations

import csv
import datetime as dt
import time

import pytest
from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import QLabel

from app import orders
from app.queries import log as q
from app.queries.order_actions import OrderAction
from storage import sql
from tests.ui.big_db import SHOP_NOW, FixedClock, big_db_path, make_context, seed_shop
from ui.i18n import set_language
from ui.views.log import PAGE, LogFilter, LogView, OrderLogModel, Totals, find_id

MIDNIGHT = SHOP_NOW.replace(hour=0, minute=0, second=0)
STATUS, SN, DEST, PRICE, NOTE = 9, 10, 5, 6, 12


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


def _view(qtbot, ctx, width: int = 1300) -> LogView:
    view = LogView(ctx)
    qtbot.addWidget(view)
    view.resize(width, 700)
    view.show()
    with qtbot.waitSignal(view.model.loaded, timeout=20_000):
        view.set_active(True)
    return view


def _selected_id(view: LogView) -> int | None:
    rows = view.table.selectionModel().selectedRows()
    return view.model.id_at(rows[0].row()) if rows else None


# --- a million orders --------------------------------------------------------------------------------

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
    assert model.index(999_999, STATUS).data() in ("Sukses", "Gagal", "Suspect", "Antri", "Dikirim")
    qtbot.waitUntil(lambda: model.totals.count == 1_000_000, timeout=20_000)
    assert find_id(model.ids, model.ids[765_432]) == 765_432 and find_id(model.ids, -5) == -1


def test_the_big_database_ends_at_the_tests_clock(big_db):
    first, last = sql.one('SELECT MIN(created_at), MAX(created_at) FROM "order"')
    last = sql.to_datetime(last)
    assert SHOP_NOW - dt.timedelta(minutes=1) < last < SHOP_NOW
    assert sql.to_datetime(first).date() == (SHOP_NOW - dt.timedelta(days=60)).date()


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

    _load(qtbot, model, LogFilter(date_from=MIDNIGHT, operator="ISAT"))
    (n,) = sql.one('SELECT COUNT(*) FROM "order" o JOIN product p ON p.id = o.product_id '
                   "WHERE o.created_at >= ? AND p.operator = 'ISAT'", (MIDNIGHT,))
    assert model.rowCount() == n > 0
    assert {model.index(i, 4).data() for i in range(min(50, n))} == {"ISAT"}

    dest = model.index(0, DEST).data()
    _load(qtbot, model, LogFilter(dest=dest[:9]))
    assert all(model.index(i, DEST).data().startswith(dest[:9]) for i in range(min(50, model.rowCount())))
    sn = sql.one("SELECT sn FROM \"order\" WHERE status = 'success' ORDER BY id DESC LIMIT 1")[0]
    _load(qtbot, model, LogFilter(search=sn))
    assert model.rowCount() >= 1 and model.index(0, SN).data() == sn


def test_sort_by_price_and_by_reseller(qtbot, big_db):
    model = OrderLogModel()
    _load(qtbot, model, LogFilter(status="suspect", sort="price", descending=True))
    prices = [int(model.index(i, PRICE).data().replace(".", "")) for i in range(0, model.rowCount(), 997)]
    assert prices == sorted(prices, reverse=True) and prices[0] > prices[-1]
    _load(qtbot, model, LogFilter(status="suspect", sort="reseller", descending=False))
    codes = [model.index(i, 2).data() for i in range(0, model.rowCount(), 997)]
    assert codes == sorted(codes)


def _insert_order(reseller_id: int, dest: str) -> int:
    return sql.all_rows('INSERT INTO "order" (reseller_id, product_id, dest, counter, price, status, sn, fail_reason, '
                   "channel, item_no, refunded, created_at, updated_at) VALUES (?, 1, ?, 1, 5700, 'queued', '', '', "
                   "'sms', 0, 0, ?, ?) RETURNING id", (reseller_id, dest, SHOP_NOW, SHOP_NOW))[0][0]


def test_new_orders_come_in_without_moving_the_rows_on_screen(qtbot, big_db):
    ctx = make_context()
    view = _view(qtbot, ctx)
    r1 = sql.one("SELECT id FROM reseller WHERE code = 'R001'")[0]
    with qtbot.waitSignal(view.model.loaded, timeout=20_000):
        view.reseller.setCurrentIndex(view.reseller.findData(r1))
    before = view.model.rowCount()
    view.table.scrollTo(view.model.index(40, 0), view.table.ScrollHint.PositionAtTop)
    view.table.selectRow(45)
    selected = view.model.id_at(45)
    assert view.current_id == selected and f"TrxID {selected}" in view.detail.toPlainText()
    top = view.model.id_at(view.table.rowAt(0))
    row_y = view.table.rowViewportPosition(45)
    mine, other = _insert_order(r1, "081299998888"), _insert_order(2, "081299997777")
    try:
        started = time.perf_counter()
        new, newest = q.ids_since(view.model.filter, view.model.max_id)  # what a live refresh reads
        assert time.perf_counter() - started < 0.05
        assert new == [mine] and newest == other
        with qtbot.waitSignal(view.refresher.shown, timeout=5000):
            ctx.bridge.tick.emit()
        assert view.model.rowCount() == before + 1  # the other reseller's order is not in this filter
        assert view.model.ids[0] == mine and view.model.index(0, DEST).data() == "081299998888"
        # the same rows at the same place on screen, the same order selected
        assert view.model.id_at(view.table.rowAt(0)) == top
        assert _selected_id(view) == selected and view.current_id == selected
        assert view.table.rowViewportPosition(46) == row_y
        assert view.new_rows.isVisible() and "1" in view.new_rows.text()
        view.new_rows.click()
        assert view.table.rowAt(0) == 0 and not view.new_rows.isVisible()
    finally:
        sql.execute('DELETE FROM "order" WHERE id IN (?, ?)', (mine, other))
    view.set_active(False)


def test_the_selection_and_detail_survive_reloads(qtbot, big_db):
    ctx = make_context()
    view = _view(qtbot, ctx)
    with qtbot.waitSignal(view.model.loaded, timeout=20_000):
        view.status.setCurrentIndex(view.status.findData("suspect"))
    view.table.selectRow(3)
    chosen = view.model.id_at(3)
    assert f"TrxID {chosen}" in view.detail.toPlainText()
    # a new sort moves it: it stays selected where it went, in view, and its history stays
    with qtbot.waitSignal(view.model.loaded, timeout=20_000):
        view.table.horizontalHeader().setSortIndicator(PRICE, Qt.SortOrder.DescendingOrder)
    position = find_id(view.model.ids, chosen)
    assert position != 3 and _selected_id(view) == chosen
    assert view.table.rowAt(0) <= position <= view.table.rowAt(view.table.viewport().height() - 1)
    assert f"TrxID {chosen}" in view.detail.toPlainText()
    # a filter it does not match: the history stays, saying so, and the actions still act on it
    with qtbot.waitSignal(view.model.loaded, timeout=20_000):
        view.status.setCurrentIndex(view.status.findData("failed"))
    assert _selected_id(view) is None and view.current_id == chosen
    text = view.detail.toPlainText()
    assert f"TrxID {chosen}" in text and "Tidak tampil di daftar dengan saringan ini." in text
    assert view.action_buttons[OrderAction.RETRY].isEnabled()  # a suspect order
    with qtbot.waitSignal(view.model.loaded, timeout=20_000):
        view.status.setCurrentIndex(view.status.findData("suspect"))
    assert _selected_id(view) == chosen and "Tidak tampil" not in view.detail.toPlainText()
    view.set_active(False)


def test_date_presets_use_the_engine_clock(qtbot, big_db):
    view = _view(qtbot, make_context())
    with qtbot.waitSignal(view.model.loaded, timeout=20_000):
        view.date_preset.setCurrentIndex(1)  # Hari ini
    assert view.model.filter.date_from == MIDNIGHT and view.model.filter.date_to is None
    (today,) = sql.one('SELECT COUNT(*) FROM "order" WHERE created_at >= ?', (MIDNIGHT,))
    assert view.model.rowCount() == today > 0
    view.set_active(False)

    earlier = SHOP_NOW - dt.timedelta(days=10)
    view = _view(qtbot, make_context(FixedClock(earlier)))
    with qtbot.waitSignal(view.model.loaded, timeout=20_000):
        view.date_preset.setCurrentIndex(2)  # Kemarin, by that clock
    day = earlier.replace(hour=0, minute=0, second=0) - dt.timedelta(days=1)
    assert (view.model.filter.date_from, view.model.filter.date_to) == (day, day + dt.timedelta(days=1))
    (n,) = sql.one('SELECT COUNT(*) FROM "order" WHERE created_at >= ? AND created_at < ?',
                   (day, day + dt.timedelta(days=1)))
    assert view.model.rowCount() == n > 10_000
    assert view.date_to.date().toPython() == earlier.date()  # the range boxes start from the clock too
    view.set_active(False)


def test_export_writes_the_filtered_rows(big_db, tmp_path):
    reseller = sql.one("SELECT id FROM reseller WHERE code = 'R120'")[0]
    f = LogFilter(reseller_id=reseller, status="failed")
    path = tmp_path / "out.csv"
    n = q.export_csv(f, str(path), headers=[c.upper() for c in q.CSV_COLUMNS],
                     status_words={"failed": "Gagal"})
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0][0] == "ID" and len(rows) == n + 1
    assert n == sql.one("SELECT COUNT(*) FROM \"order\" WHERE reseller_id = ? AND status = 'failed'", (reseller,))[0]
    assert {r[2] for r in rows[1:]} == {"R120"} and {r[STATUS] for r in rows[1:]} == {"Gagal"}
    assert all(r[DEST].startswith('="08') for r in rows[1:])


def test_view_opens_filters_shows_detail_and_exports(qtbot, big_db, tmp_path):
    ctx = make_context()
    view = _view(qtbot, ctx)
    assert view.model.rowCount() == sql.one('SELECT COUNT(*) FROM "order"')[0]
    qtbot.waitUntil(lambda: "transaksi" in view.totals.text(), timeout=20_000)
    with qtbot.waitSignal(view.model.loaded, timeout=20_000):
        view.status.setCurrentIndex(view.status.findData("suspect"))
    assert view.model.filter.status == "suspect"
    view.table.selectRow(0)
    assert f"TrxID {view.model.ids[0]}" in view.detail.toPlainText()
    with qtbot.waitSignal(view.model.loaded, timeout=20_000):
        view.table.horizontalHeader().setSortIndicator(PRICE, view.table.horizontalHeader().sortIndicatorOrder())
    assert view.model.filter.sort == "price"
    target = tmp_path / "suspect.csv"
    token = view.export_to(str(target))
    assert token and not view.export_button.isEnabled() and view.export_status.text().startswith("Mengekspor")
    qtbot.waitUntil(lambda: "diekspor" in view.export_status.text(), timeout=20_000)
    assert view.export_button.isEnabled() and str(target) in view.export_status.text()
    with open(target, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert len(rows) - 1 == view.model.rowCount()
    assert view.export_status.text().startswith(f"{view.model.rowCount():,}".replace(",", ".") + " transaksi")
    assert [int(r[0]) for r in rows[1:50]] == list(view.model.ids[:49])  # the view's order
    view.set_active(False)
    ctx.bridge.tick.emit()
    assert view.refresher.dirty and not view.refresher.busy  # hidden: no work, only noted


# --- a small shop with history ----------------------------------------------------------------------

@pytest.fixture
def shop(db):
    seed_shop(60)
    return db


def _pick(status: str, *, with_reply: bool | None = None) -> int:
    extra = ""
    if with_reply is not None:
        extra = ((" AND " if with_reply else " AND NOT ")
                 + "EXISTS (SELECT 1 FROM outbound_message m WHERE m.order_id = o.id)")
    return sql.one(f'SELECT o.id FROM "order" o WHERE o.status = ?{extra} ORDER BY o.id DESC LIMIT 1', (status,))[0]


def _select(view: LogView, order_id: int) -> None:
    view.table.selectRow(find_id(view.model.ids, order_id))
    assert view.current_id == order_id


def _enabled(view: LogView) -> set[OrderAction]:
    return {a for a, b in view.action_buttons.items() if b.isEnabled()}


def test_actions_offered_follow_the_order_status(qtbot, shop):
    view = _view(qtbot, make_context())
    assert _enabled(view) == set()  # nothing selected
    _select(view, _pick("failed"))
    assert _enabled(view) == {OrderAction.RETRY, OrderAction.FORCE_SUCCESS, OrderAction.RESEND_REPLY}
    _select(view, _pick("suspect"))
    assert _enabled(view) == {OrderAction.RETRY, OrderAction.FORCE_SUCCESS, OrderAction.FAIL_REFUND}
    _select(view, _pick("queued"))
    assert _enabled(view) == {OrderAction.FORCE_SUCCESS, OrderAction.FAIL_REFUND}
    _select(view, _pick("success"))
    assert _enabled(view) == {OrderAction.RESEND_REPLY}
    assert {a for a, act in view.menu_actions.items() if act.isEnabled()} == _enabled(view)
    menu = view.context_menu(view.table.visualRect(view.model.index(2, 0)).center())
    assert [a.text() for a in menu.actions()] == ["Ulangi…", "Paksa sukses…", "Gagalkan && kembalikan dana…",
                                                  "Kirim ulang balasan…"]
    assert view.current_id == view.model.id_at(2)  # the row right-clicked is the one acted on
    menu.close()
    view.set_active(False)


def test_retry_on_a_chosen_route_shows_in_the_history(qtbot, shop):
    ctx = make_context(actor="budi")
    view = _view(qtbot, ctx)
    failed = _pick("failed")
    _select(view, failed)
    dialog = view.ask(OrderAction.RETRY)
    assert dialog.isVisible() and any("dipotong lagi" in label.text() for label in dialog.findChildren(QLabel))
    routes = [dialog.fields["route"].itemText(i) for i in range(dialog.fields["route"].count())]
    assert routes[0] == "Otomatis (urutan rute)" and any(r.startswith("chip tsel-") for r in routes[1:])
    chip = sql.one("SELECT id FROM supplier WHERE name = 'chip tsel-1'")[0]
    dialog.set_value("route", chip)
    dialog.accept()
    assert not dialog.isVisible()
    assert view.action_message.isVisible() and f"TrxID {failed} diulang" in view.action_message.text()
    text = view.detail.toPlainText()
    history = text.split("Tindakan manual")[1].split("Pesan masuk")[0]
    assert "budi" in history and "Diulang" in history and "rute: chip tsel-1" in history
    assert "15-06-2026 14:30:00" in history  # the engine's clock
    view.set_active(False)


def test_fail_and_refund_needs_a_reason_and_is_refused_in_flight(qtbot, shop):
    ctx = make_context()
    view = _view(qtbot, ctx)
    queued = _pick("queued")
    _select(view, queued)
    dialog = view.ask(OrderAction.FAIL_REFUND)
    dialog.accept()
    assert dialog.isVisible() and dialog.error.text() == "Isian wajib diisi."
    dialog.set_value("reason", "dibatalkan reseller")
    chip = sql.one("SELECT id FROM supplier WHERE name = 'chip tsel-1'")[0]
    orders.mark_sending(queued, chip, now=SHOP_NOW)  # meanwhile the engine handed it to a chip
    assert ctx.engine.in_flight(queued)
    dialog.accept()
    assert dialog.isVisible() and "sedang dikirim" in dialog.error.text()
    assert "sedang dikirim" in view.action_message.text() and view.action_message.isVisible()
    assert sql.one('SELECT status FROM "order" WHERE id = ?', (queued,))[0] == "sending"
    assert _enabled(view) == set()  # the pane now shows it sending: nothing to offer
    dialog.reject()

    suspect = _pick("suspect")
    _select(view, suspect)
    dialog = view.ask(OrderAction.FAIL_REFUND)
    dialog.set_value("reason", "nomor salah kata reseller")
    dialog.accept()
    assert not dialog.isVisible() and "digagalkan" in view.action_message.text()
    text = view.detail.toPlainText()
    assert "Gagal" in text.splitlines()[0]
    history = text.split("Tindakan manual")[1].split("Pesan masuk")[0]
    assert "tester" in history and "Digagalkan, dana dikembalikan" in history and "nomor salah kata reseller" in history
    assert "Pengembalian" in text.split("Mutasi saldo")[1]
    with qtbot.waitSignal(view.refresher.shown, timeout=5000):
        ctx.bridge.tick.emit()
    assert view.model.index(find_id(view.model.ids, suspect), STATUS).data() == "Gagal"
    assert view.current_id == suspect and _selected_id(view) == suspect
    view.set_active(False)


def test_force_success_and_resend_reply(qtbot, shop):
    ctx = make_context()
    view = _view(qtbot, ctx)
    suspect = _pick("suspect")
    _select(view, suspect)
    dialog = view.ask(OrderAction.FORCE_SUCCESS)
    dialog.accept()
    assert dialog.isVisible() and dialog.error.text() == "Isian wajib diisi."  # an SN is needed
    dialog.set_value("sn", "0041002233445566")
    dialog.accept()
    assert not dialog.isVisible() and "0041002233445566" in view.action_message.text()
    text = view.detail.toPlainText()
    assert "Sukses" in text.splitlines()[0] and "SN 0041002233445566" in text.split("Tindakan manual")[1]
    assert _enabled(view) == {OrderAction.RESEND_REPLY}  # the success reply is queued

    replies = sql.one("SELECT COUNT(*) FROM outbound_message WHERE order_id = ?", (suspect,))[0]
    dialog = view.ask(OrderAction.RESEND_REPLY)
    dialog.accept()
    assert not dialog.isVisible() and "dikirim ulang" in view.action_message.text()
    assert sql.one("SELECT COUNT(*) FROM outbound_message WHERE order_id = ?", (suspect,))[0] == replies + 1
    history = view.detail.toPlainText().split("Tindakan manual")[1].split("Pesan masuk")[0]
    assert history.index("Sukses manual") < history.index("Balasan dikirim ulang")
    view.set_active(False)


def test_columns_fit_money_sn_and_time(qtbot, shop):
    view = _view(qtbot, make_context(), width=1400)
    fm = view.table.fontMetrics()
    model = view.model
    for col in range(model.columnCount() - 1):
        width = view.table.columnWidth(col)
        for row in range(min(30, model.rowCount())):
            text = model.index(row, col).data()
            assert fm.horizontalAdvance(text) + 8 <= width, (model.columns[col].key, text, width)
        header = model.headerData(col, Qt.Orientation.Horizontal)
        assert fm.horizontalAdvance(header) + 8 <= width
    assert view.table.horizontalHeader().stretchLastSection()
    suspect = find_id(model.ids, _pick("suspect"))
    assert model.index(suspect, NOTE).data(Qt.ItemDataRole.ToolTipRole) == "tidak ada jawaban operator"
    assert "tidak ada jawaban operator" in model.index(suspect, STATUS).data(Qt.ItemDataRole.ToolTipRole)
    view.set_active(False)


def test_empty_filter_says_so(qtbot, shop):
    view = _view(qtbot, make_context())
    assert not view.empty.isVisible()
    view.search.setText("tidak ada yang begini")
    with qtbot.waitSignal(view.model.loaded, timeout=5000):
        view.apply_filter()
    assert view.model.rowCount() == 0 and view.empty.isVisible()
    assert view.empty.text() == "Tidak ada transaksi yang cocok dengan saringan ini."
    view.set_active(False)


def test_export_defaults_to_documents_and_reports_the_result(qtbot, shop, tmp_path):
    view = _view(qtbot, make_context())
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    assert view.default_export_path().startswith(documents)
    assert view.default_export_path().endswith("transaksi-20260615-1430.csv")  # the context's clock
    target = tmp_path / "semua.csv"
    view.export_to(str(target))
    qtbot.waitUntil(lambda: "diekspor" in view.export_status.text(), timeout=5000)
    n = view.model.rowCount()
    assert view.export_status.text() == f"{n} transaksi diekspor ke {target}"
    with open(target, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0] == ["TrxID", "Waktu", "Reseller", "Produk", "Operator", "Tujuan", "Harga", "Modal", "Laba",
                       "Status", "SN", "Supplier", "Keterangan"]
    assert {r[STATUS] for r in rows[1:]} <= {"Sukses", "Gagal", "Suspect", "Antri", "Dikirim"}
    success = next(r for r in rows[1:] if r[STATUS] == "Sukses")
    assert success[SN].startswith('="') and int(success[8]) == int(success[PRICE]) - int(success[7])
    view.set_active(False)


def test_english(qtbot, shop):
    set_language("en")
    try:
        view = _view(qtbot, make_context())
        headers = [view.model.headerData(c, Qt.Orientation.Horizontal) for c in range(view.model.columnCount())]
        assert headers[:3] == ["TrxID", "Time", "Reseller"] and "Profit" in headers and "Note" in headers
        assert view.title() == "Transactions" and view.date_preset.itemText(1) == "Today"
        _select(view, _pick("failed"))
        assert view.model.index(find_id(view.model.ids, view.current_id), STATUS).data() == "Failed"
        text = view.detail.toPlainText()
        assert "Attempts" in text and "Ledger" in text and "Refund" in text
        assert view.action_buttons[OrderAction.RETRY].text() == "Retry…"
        view.set_active(False)
    finally:
        set_language("id")


def test_a_status_filter_is_re_read_live_keeping_the_selection(qtbot, shop):
    ctx = make_context()
    view = _view(qtbot, ctx)
    with qtbot.waitSignal(view.model.loaded, timeout=5000):
        view.status.setCurrentIndex(view.status.findData("suspect"))
    assert view.model.rowCount() >= 3
    keep, leave = view.model.id_at(2), view.model.id_at(0)
    view.table.selectRow(2)
    ctx.engine.fail_and_refund(leave, "cek manual", "sari")  # another order leaves the filter
    with qtbot.waitSignal(view.model.loaded, timeout=10_000):  # the list is re-read after the tick
        ctx.bridge.tick.emit()
    assert leave not in view.model.ids and view.model.refreshing
    assert _selected_id(view) == keep and view.current_id == keep
    assert f"TrxID {keep}" in view.detail.toPlainText()
    assert view.busy.text() == ""  # a live re-read does not flash "Memuat…"
    assert ("Ctrl+R", "Ulangi…") in view.shortcuts()
    view.set_active(False)
