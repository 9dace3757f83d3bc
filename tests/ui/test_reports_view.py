"""Laporan offscreen (the real UiContext over an engine that is not started, on a fixed clock in June
2026): the quick ranges and the grouping, the table's figures and totals equal app.reports', the chart,
exports through a patched save dialog, the GUI thread free while a slow report counts, stale answers
dropped, errors shown, no recomputation on engine ticks, the stock and mutasi reports."""
from __future__ import annotations

import csv
import datetime as dt
import io
import threading

import openpyxl
import pytest
from PySide6.QtCore import Qt, QTimer

from app import exports, reports
from app.report_table import to_csv
from app.reports import RecapBy
from tests.app.test_reports import generate_orders
from tests.ui.big_db import SHOP_NOW, FixedClock, make_context
from tests.ui.pdf_text import page_texts
from ui.views import reports as view_module
from ui.views.reports import Kind, Request, ReportsView, quick_range

JUNE_15 = SHOP_NOW.date()  # "today" on the view's clock
HAS_STOCK = exports.stock_books() is not None
HAS_MUTASI = hasattr(reports, "mutasi")


@pytest.fixture
def shop(db):
    from app import ledger
    from app.demo import seed_demo
    from storage.models import database_proxy

    seed_demo()
    generate_orders(count=400)
    if HAS_MUTASI:
        r001 = reports.find_reseller("R001")
        with database_proxy.obj.atomic():
            for day, delta in ((2, 300_000), (5, -10_150), (9, -5_150), (12, 100_000)):
                ledger.post(r001, delta, ledger.LedgerKind.DEPOSIT if delta > 0 else ledger.LedgerKind.CORRECTION,
                            note=f"uji {day}", actor="test", now=dt.datetime(2026, 6, day, 10))


@pytest.fixture
def view(qtbot, shop):
    ctx = make_context(FixedClock(SHOP_NOW))
    v = ReportsView(ctx)
    qtbot.addWidget(v)
    v.resize(1280, 720)
    v.show()
    with qtbot.waitSignal(v.computed, timeout=10_000):
        v.set_active(True)
    yield v
    v.set_active(False)
    ctx.bridge.close()
    ctx.bridge.deleteLater()


def _shown(view) -> list[list[str]]:
    m = view.model
    return [[m.data(m.index(r, c)) for c in range(m.columnCount())] for r in range(m.rowCount())]


def _wait_for(qtbot, view, request: Request) -> None:
    qtbot.waitUntil(lambda: view.result is not None and view.result.request == request and not view.computing,
                    timeout=10_000)


def assert_table_is(view, recap: reports.Recap) -> None:
    table = reports.recap_table(recap)
    assert view.model.table == table
    rows = _shown(view)
    assert len(rows) == len(recap.lines) + 1
    assert rows[-1][0] == "TOTAL"
    total = recap.total
    assert rows[-1][1:] == [f"{v:,}".replace(",", ".") for v in (
        total.orders, total.success, total.failed, total.suspect, total.open, total.sales, total.cost,
        total.commission, total.profit)]
    m = view.model
    last = m.rowCount() - 1
    assert m.data(m.index(last, 0), Qt.ItemDataRole.FontRole).bold()
    assert m.data(m.index(0, 0), Qt.ItemDataRole.FontRole) is None
    money = m.data(m.index(0, 6), Qt.ItemDataRole.TextAlignmentRole)
    assert money & int(Qt.AlignmentFlag.AlignRight)
    assert m.data(m.index(0, 0), Qt.ItemDataRole.TextAlignmentRole) & int(Qt.AlignmentFlag.AlignLeft)


# --- choosing -----------------------------------------------------------------------------------------

def test_quick_ranges():
    assert quick_range("today", JUNE_15) == (JUNE_15, JUNE_15)
    assert quick_range("yesterday", JUNE_15) == (dt.date(2026, 6, 14),) * 2
    assert quick_range("7days", JUNE_15) == (dt.date(2026, 6, 9), JUNE_15)
    assert quick_range("month", JUNE_15) == (dt.date(2026, 6, 1), JUNE_15)
    assert quick_range("last_month", JUNE_15) == (dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    assert quick_range("last_month", dt.date(2026, 1, 31)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert quick_range("yesterday", dt.date(2026, 3, 1)) == (dt.date(2026, 2, 28),) * 2


def test_opens_on_todays_recap_by_product(view):
    assert view.title() == "Laporan"
    assert view.result.request == Request(Kind.RECAP, JUNE_15, JUNE_15, RecapBy.PRODUCT)
    assert_table_is(view, reports.recap(JUNE_15, JUNE_15, RecapBy.PRODUCT))
    assert view.status.text() == "Dihitung pukul 14:30:00"
    assert not view.busy_bar.isVisible() and view.csv_button.isEnabled()
    assert view.date_from.calendarPopup() and view.date_to.calendarPopup()


def test_range_and_grouping_match_the_recap(qtbot, view):
    qtbot.mouseClick(view.quick["month"], Qt.MouseButton.LeftButton)
    _wait_for(qtbot, view, Request(Kind.RECAP, dt.date(2026, 6, 1), JUNE_15, RecapBy.PRODUCT))
    view.set_by(RecapBy.OPERATOR)
    _wait_for(qtbot, view, Request(Kind.RECAP, dt.date(2026, 6, 1), JUNE_15, RecapBy.OPERATOR))
    recap = reports.recap(dt.date(2026, 6, 1), JUNE_15, RecapBy.OPERATOR)
    assert recap.total.orders > 50
    assert_table_is(view, recap)
    assert view.summary.text() == (f"{recap.total.orders} trx · {recap.total.success} sukses · omzet "
                                   f"Rp {recap.total.sales:,} · laba Rp {recap.total.profit:,}".replace(",", "."))
    # the chart: profit per operator, keys down the side in the table's order
    chart = view.result.chart
    assert chart.style == "hbar" and chart.labels == tuple(line.key for line in recap.lines)
    assert chart.values == tuple(line.profit for line in recap.lines)
    assert "Laba per operator" in view.chart.getPlotItem().titleLabel.text
    # the dates picked by hand; a start after the end moves the end along
    view.date_to.setDate(dt.date(2026, 6, 20))
    view.date_from.setDate(dt.date(2026, 6, 10))
    _wait_for(qtbot, view, Request(Kind.RECAP, dt.date(2026, 6, 10), dt.date(2026, 6, 20), RecapBy.OPERATOR))
    view.date_from.setDate(dt.date(2026, 6, 25))
    _wait_for(qtbot, view, Request(Kind.RECAP, dt.date(2026, 6, 25), dt.date(2026, 6, 25), RecapBy.OPERATOR))
    qtbot.mouseClick(view.quick["last_month"], Qt.MouseButton.LeftButton)
    _wait_for(qtbot, view, Request(Kind.RECAP, dt.date(2026, 5, 1), dt.date(2026, 5, 31), RecapBy.OPERATOR))
    assert view.result.tables[0].total[1] == reports.recap(dt.date(2026, 5, 1), dt.date(2026, 5, 31)).total.orders


def test_hour_grouping_charts_orders_per_hour(qtbot, view):
    view.set_quick("7days")
    view.set_by(RecapBy.HOUR)
    _wait_for(qtbot, view, Request(Kind.RECAP, dt.date(2026, 6, 9), JUNE_15, RecapBy.HOUR))
    recap = reports.recap(dt.date(2026, 6, 9), JUNE_15, RecapBy.HOUR)
    assert_table_is(view, recap)
    chart = view.result.chart
    per_hour = {line.key: line.orders for line in recap.lines}
    assert chart.style == "vbar" and chart.labels == tuple(f"{h:02d}" for h in range(24))
    assert chart.values == tuple(per_hour.get(f"{h:02d}", 0) for h in range(24))
    assert "Transaksi per jam" in view.chart.getPlotItem().titleLabel.text


def test_an_empty_range_says_so(qtbot, view):
    view.set_dates(dt.date(2026, 8, 1), dt.date(2026, 8, 31))
    _wait_for(qtbot, view, Request(Kind.RECAP, dt.date(2026, 8, 1), dt.date(2026, 8, 31), RecapBy.PRODUCT))
    assert view.empty.isVisible() and view.empty.text() == "(tidak ada transaksi)"
    assert view.chart_note.isVisible()


# --- exports ---------------------------------------------------------------------------------------------

@pytest.fixture
def save_as(monkeypatch):
    """The save dialog, answered at once with the path the test chose."""
    answers: list[str] = []
    asked: list[str] = []

    def fake(parent, title, default_path, name_filter, suffix, chosen):
        asked.append(default_path)
        chosen(answers.pop(0))

    monkeypatch.setattr(view_module, "ask_save_path", fake)
    fake.answers, fake.asked = answers, asked  # type: ignore[attr-defined]
    return fake


def test_exports_csv_excel_and_pdf(qtbot, view, save_as, tmp_path):
    view.set_quick("month")
    view.set_by(RecapBy.OPERATOR)
    start = dt.date(2026, 6, 1)
    _wait_for(qtbot, view, Request(Kind.RECAP, start, JUNE_15, RecapBy.OPERATOR))
    recap = reports.recap(start, JUNE_15, RecapBy.OPERATOR)

    target = tmp_path / "rekap.csv"
    save_as.answers.append(str(target))
    with qtbot.waitSignal(view.exported, timeout=10_000) as done:
        qtbot.mouseClick(view.csv_button, Qt.MouseButton.LeftButton)
    assert done.args == [str(target), ""]
    assert save_as.asked[-1].endswith("rekap-operator-20260601-20260615.csv")
    assert target.read_text(encoding="utf-8") == to_csv(reports.recap_table(recap))
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[-1][2] == "TOTAL" and int(rows[-1][-1]) == recap.total.profit
    assert view.status.text() == f"Disimpan ke {target}" and view.csv_button.isEnabled()

    target = tmp_path / "rekap.xlsx"
    save_as.answers.append(str(target))
    with qtbot.waitSignal(view.exported, timeout=10_000):
        qtbot.mouseClick(view.xlsx_button, Qt.MouseButton.LeftButton)
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Rekap per operator", "Rekap per produk", "Rekap per jam"]  # the recap book
    sheet = book["Rekap per operator"]
    assert [c.value for c in sheet[3 + len(recap.lines)]] == list(reports.recap_table(recap).total)
    assert all(type(c.value) is int for c in sheet[3][1:])

    target = tmp_path / "rekap.pdf"
    save_as.answers.append(str(target))
    with qtbot.waitSignal(view.exported, timeout=20_000):
        qtbot.mouseClick(view.pdf_button, Qt.MouseButton.LeftButton)
    assert target.read_bytes().startswith(b"%PDF-")
    text = "".join(page_texts(target))
    assert "Rekapperoperator,01/06/2026s/d15/06/2026" in text and "Rekapperjam" in text
    assert text.startswith("Pulsa")  # the shop's name (the demo's site name)


def test_a_failed_export_is_shown(qtbot, view, save_as, tmp_path):
    save_as.answers.append(str(tmp_path / "no-such-folder" / "rekap.csv"))
    with qtbot.waitSignal(view.exported, timeout=10_000) as done:
        view.ask_export("csv")
    assert done.args[1]
    assert view.status.text().startswith("Ekspor gagal: ") and view.csv_button.isEnabled()


# --- off the GUI thread ---------------------------------------------------------------------------------

def test_a_slow_report_never_blocks_the_window_and_stale_answers_are_dropped(qtbot, view, monkeypatch):
    from ui.refresh import runner

    gate = threading.Event()
    entered = threading.Event()
    real = reports.recap
    calls: list[RecapBy] = []

    def slow(start, end, by=RecapBy.PRODUCT, reseller_id=None):
        calls.append(RecapBy(by))
        if len(calls) == 1:  # the first report waits until the test lets it go
            entered.set()
            gate.wait(30)
        return real(start, end, by, reseller_id)

    monkeypatch.setattr(reports, "recap", slow)
    shown: list[Request] = []
    view.computed.connect(lambda result: shown.append(result.request))
    answered: list[int] = []

    def on_answer(token: int, _result: object) -> None:
        answered.append(token)

    runner().done.connect(on_answer)
    try:
        view.set_by(RecapBy.SUPPLIER)
        qtbot.waitUntil(entered.is_set, timeout=5000)
        stale_token = view._token
        assert view.computing and view.busy_bar.isVisible() and view.status.text() == "Menghitung…"
        assert not view.csv_button.isEnabled()
        # the GUI thread keeps running while the report counts: a timer fires again and again …
        ticks: list[int] = []
        timer = QTimer(view, interval=10)
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start()
        qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=2000)
        timer.stop()
        # … and the owner changes the grouping meanwhile: that one is answered while the first still counts
        view.set_by(RecapBy.RESELLER)
        want = Request(Kind.RECAP, JUNE_15, JUNE_15, RecapBy.RESELLER)
        _wait_for(qtbot, view, want)
        assert view.result.tables[0] == reports.recap_table(real(JUNE_15, JUNE_15, RecapBy.RESELLER))
    finally:
        gate.set()
    # the stale answer (by supplier) arrives after the gate opens, and is dropped
    qtbot.waitUntil(lambda: stale_token in answered, timeout=10_000)
    runner().done.disconnect(on_answer)
    assert shown == [want] and view.result.request == want and not view.computing
    assert calls == [RecapBy.SUPPLIER, RecapBy.RESELLER]


def test_an_error_is_shown_and_reload_recovers(qtbot, view, monkeypatch):
    real = reports.recap

    def broken(*args, **kwargs):
        raise RuntimeError("database terkunci")

    monkeypatch.setattr(reports, "recap", broken)
    with qtbot.waitSignal(view.failed, timeout=5000):
        qtbot.mouseClick(view.reload_button, Qt.MouseButton.LeftButton)
    assert view.status.text() == "Laporan gagal dihitung: database terkunci"
    assert not view.computing and not view.busy_bar.isVisible()
    monkeypatch.setattr(reports, "recap", real)
    with qtbot.waitSignal(view.computed, timeout=5000):
        qtbot.mouseClick(view.reload_button, Qt.MouseButton.LeftButton)
    assert view.status.text() == "Dihitung pukul 14:30:00"


def test_engine_ticks_do_not_recompute_but_reload_does(qtbot, view, monkeypatch):
    counted: list[Request] = []
    real = view_module.compute
    monkeypatch.setattr(view_module, "compute", lambda request: counted.append(request) or real(request))
    for _ in range(3):  # the engine's batched refresh signal (direct: whatever listens runs now)
        view.ctx.bridge.tick.emit()
    assert not view.computing and not view._soon.isActive() and counted == []
    with qtbot.waitSignal(view.computed, timeout=5000):
        view.reload()
    assert len(counted) == 1
    # hidden, a changed choice waits until the view is shown again
    view.set_active(False)
    view.set_by(RecapBy.OPERATOR)
    assert not view.computing and not view._soon.isActive()
    with qtbot.waitSignal(view.computed, timeout=5000):
        view.set_active(True)
    assert view.result.request.by is RecapBy.OPERATOR


# --- the other reports ------------------------------------------------------------------------------------

@pytest.mark.skipif(not HAS_MUTASI, reason="app.reports.mutasi is not there yet")
def test_mutasi_of_a_reseller(qtbot, view, save_as, tmp_path):
    view.set_kind(Kind.MUTASI)
    assert view.reseller.isVisible() and not view.by.isVisible()
    qtbot.waitUntil(lambda: view.reseller.count() > 0, timeout=5000)
    view.set_quick("month")
    assert view.set_reseller("R001")
    r001 = reports.find_reseller("R001")
    _wait_for(qtbot, view, Request(Kind.MUTASI, dt.date(2026, 6, 1), JUNE_15, RecapBy.PRODUCT, r001, "R001"))
    statement = reports.mutasi_table(reports.mutasi(r001, dt.date(2026, 6, 1), JUNE_15))
    assert view.model.table == statement and len(statement.rows) == 5
    chart = view.result.chart
    saldo = statement.columns.index("Saldo")
    assert chart.style == "line" and chart.values == tuple(row[saldo] for row in statement.rows)
    assert "Saldo R001" in view.chart.getPlotItem().titleLabel.text
    target = tmp_path / "mutasi.csv"
    save_as.answers.append(str(target))
    with qtbot.waitSignal(view.exported, timeout=10_000):
        view.ask_export("csv")
    assert save_as.asked[-1].endswith("mutasi-R001-20260601-20260615.csv")
    assert target.read_text(encoding="utf-8") == to_csv(statement)


@pytest.mark.skipif(not HAS_STOCK, reason="app.stock_books is not there yet")
def test_stock_of_one_day(qtbot, view):
    view.set_kind(Kind.STOCK)
    assert not view.date_from.isVisible() and view.date_label.text() == "Tanggal"
    assert not view.quick["month"].isVisible() and view.quick["yesterday"].isVisible()
    qtbot.mouseClick(view.quick["yesterday"], Qt.MouseButton.LeftButton)
    day = dt.date(2026, 6, 14)
    _wait_for(qtbot, view, Request(Kind.STOCK, day, day))
    assert list(view.result.tables) == exports.stock_tables(day)
    assert view.table_tabs.isVisible() and view.table_tabs.count() == 2
    view.table_tabs.setCurrentIndex(1)
    assert view.model.table == view.result.tables[1]


def test_english(qtbot, shop):
    from ui.i18n import set_language

    set_language("en")
    try:
        ctx = make_context(FixedClock(SHOP_NOW))
        v = ReportsView(ctx)
        qtbot.addWidget(v)
        assert v.title() == "Reports" and v.csv_button.text() == "Export CSV…" and v.quick["today"].text() == "Today"
        ctx.bridge.close()
        ctx.bridge.deleteLater()
    finally:
        set_language("id")


def test_registered_after_the_log():
    from ui.main_window import VIEWS

    keys = [spec.key for spec in VIEWS]
    assert keys.index("reports") == keys.index("log") + 1
