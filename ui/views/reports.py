"""Laporan: the books on request — the recap of a date range grouped by product, operator, reseller,
supplier or hour; the chip stock of a day; a reseller's statement (mutasi) — as a table and a chart,
and their exports (CSV, Excel, a printable PDF).

Reports are asked for, not live: the view computes when it is first shown, when the owner changes
the choice, and on "Muat ulang" — never on the engine's ticks. Every computation and every export runs
on the query threads (ui.refresh.runner); the GUI thread only shows the answer. A newer choice makes
an older answer stale: it is dropped when it arrives (and a job still waiting in the queue skips its
query). "Today" comes from one clock (the engine's, or the one given), so the quick ranges are
testable.

What the exports hold (see app.exports): CSV is the table shown (a stock report: both its tables);
Excel and PDF of a recap hold the recap "book" of the period — the grouping shown, then by product,
operator and hour, and for one day the chip stock — which for one day is the printable daily recap.
"""
from __future__ import annotations

import datetime as _dt
import enum
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import pyqtgraph as pg
from PySide6.QtCore import (QAbstractTableModel, QDate, QEvent, QModelIndex, QObject, QStandardPaths, Qt, QTimer,
                            Signal, Slot)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QStandardItemModel
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QCompleter, QDateEdit, QFileDialog, QHBoxLayout,
                               QHeaderView, QLabel, QProgressBar, QPushButton, QSplitter, QTabBar, QTableView,
                               QVBoxLayout, QWidget)

from app import exports, reports
from app.money import group, rupiah
from app.queries.resellers import ResellerChoice, upline_choices
from app.report_table import ReportTable, cell_text
from app.reports import RecapBy
from app.settings import Settings
from ui.i18n import add_english, tr
from ui.refresh import runner

log = logging.getLogger(__name__)
C = "Laporan"
MAX_COLUMN_PX = 420  # a long text column is cut (its tooltip has all of it) rather than pushing the others away
TOP_KEYS = 15  # the recap's bar chart shows the keys with the highest profit, at most this many
VALUE_LABELS_MAX = 20  # bars with their figure written beside them (more would crowd)
POSITIVE, NEGATIVE, LINE = "#1e8e3e", "#d93025", "#1a73e8"
TOTAL_FILL = QColor("#e8eaed")


class Kind(str, enum.Enum):
    RECAP = "recap"
    STOCK = "stock"
    MUTASI = "mutasi"


KIND_WORDS = {Kind.RECAP: "Rekap", Kind.STOCK: "Stok chip", Kind.MUTASI: "Mutasi reseller"}
BY_WORDS = {RecapBy.PRODUCT: "produk", RecapBy.OPERATOR: "operator", RecapBy.RESELLER: "reseller",
            RecapBy.SUPPLIER: "supplier", RecapBy.HOUR: "jam"}
# quick ranges: key -> button text
QUICK = (("today", "Hari ini"), ("yesterday", "Kemarin"), ("7days", "7 hari"), ("month", "Bulan ini"),
         ("last_month", "Bulan lalu"))
RANGE_ONLY = {"7days", "month", "last_month"}  # hidden for the stock report, which is of one day


def quick_range(key: str, today: _dt.date) -> tuple[_dt.date, _dt.date]:
    """The first and last day (both included) of a quick range ending today."""
    if key == "today":
        return today, today
    if key == "yesterday":
        day = today - _dt.timedelta(days=1)
        return day, day
    if key == "7days":
        return today - _dt.timedelta(days=6), today
    if key == "month":
        return today.replace(day=1), today
    if key == "last_month":
        last = today.replace(day=1) - _dt.timedelta(days=1)
        return last.replace(day=1), last
    raise ValueError(key)


# --- what a computation is asked and answers (plain values: it runs on a query thread) ----------------

@dataclass(frozen=True)
class Request:
    kind: Kind
    start: _dt.date
    end: _dt.date  # inclusive; the stock report is of `end`
    by: RecapBy = RecapBy.PRODUCT
    reseller_id: int | None = None
    reseller_code: str = ""


@dataclass(frozen=True)
class Chart:
    style: str  # "hbar" (keys down the side), "vbar" (the 24 hours along the bottom) or "line"
    labels: tuple[str, ...]
    values: tuple[int, ...]
    money: bool  # the values are rupiah
    truncated: bool = False  # only the TOP_KEYS highest are shown


@dataclass(frozen=True)
class Result:
    request: Request
    tables: tuple[ReportTable, ...]
    chart: Chart | None


def _column(table: ReportTable, *words: str) -> int | None:
    """The first column whose title contains one of `words` (any case)."""
    for word in words:
        for i, title in enumerate(table.columns):
            if word in title.lower():
                return i
    return None


def _ints(table: ReportTable, column: int) -> list[int]:
    return [row[column] if isinstance(row[column], int) else 0 for row in table.rows]


def recap_chart(table: ReportTable, by: RecapBy) -> Chart:
    if by is RecapBy.HOUR:  # orders per hour, every hour of the day shown
        per_hour = {str(row[0]): row[1] for row in table.rows}
        hours = [f"{h:02d}" for h in range(24)]
        return Chart("vbar", tuple(hours), tuple(int(per_hour.get(h, 0)) for h in hours), money=False)
    profit = reports.COLUMN_TITLES.index("Laba")
    lines = sorted(((int(row[profit]), str(row[0])) for row in table.rows), key=lambda p: (-p[0], p[1]))
    shown = sorted(lines[:TOP_KEYS], key=lambda p: p[1])  # back in key order, as the table
    return Chart("hbar", tuple(k for _, k in shown), tuple(v for v, _ in shown), money=True,
                 truncated=len(lines) > TOP_KEYS)


def stock_chart(table: ReportTable) -> Chart | None:
    column = _column(table, "selisih")
    if column is None:
        return None
    known = [(str(row[0]), row[column]) for row in table.rows
             if isinstance(row[column], int) and not isinstance(row[column], bool)]  # "-": no reading, no bar
    return Chart("hbar", tuple(k for k, _ in known), tuple(v for _, v in known), money=True)


def mutasi_chart(table: ReportTable) -> Chart | None:
    column = _column(table, "saldo")
    if column is None or not table.rows:
        return None
    return Chart("line", tuple(str(row[0]) for row in table.rows), tuple(_ints(table, column)), money=True)


def compute(request: Request) -> Result:
    """The report asked for, with its chart (on a query thread)."""
    if request.kind is Kind.RECAP:
        table = reports.recap_table(reports.recap(request.start, request.end, request.by))
        return Result(request, (table,), recap_chart(table, request.by))
    if request.kind is Kind.STOCK:
        tables = exports.stock_tables(request.end)
        return Result(request, tuple(tables), stock_chart(tables[0]))
    if request.reseller_id is None:
        raise ValueError(tr(C, "Pilih reseller dulu."))
    table = reports.mutasi_table(reports.mutasi(request.reseller_id, request.start, request.end))
    return Result(request, (table,), mutasi_chart(table))


def export_tables(result: Result, fmt: str) -> list[ReportTable]:
    """What an export of `result` holds: Excel and PDF of a recap are the recap book of the period (the
    table shown first); everything else is the tables shown."""
    request = result.request
    if request.kind is Kind.RECAP and fmt in ("xlsx", "pdf"):
        return exports.recap_book(request.start, request.end, request.by, first_table=result.tables[0])
    return list(result.tables)


def write_export(tables: Sequence[ReportTable], fmt: str, path: str, printed_at: _dt.datetime) -> str:
    if fmt == "pdf":
        from ui.report_pdf import write_pdf

        write_pdf(tables, path, shop_name=Settings.load().site_name, printed_at=printed_at)
    else:
        exports.write_report(tables, fmt, path)
    return path


def ask_save_path(parent: QWidget, title: str, default_path: str, name_filter: str, suffix: str,
                  chosen: Callable[[str], None]) -> QFileDialog:
    """The save dialog, non-modal (`open`, never `exec`); `chosen(path)` once the owner picked a file.
    Tests replace this function."""
    dialog = QFileDialog(parent, title, default_path, name_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setDefaultSuffix(suffix)
    dialog.selectFile(default_path)
    dialog.fileSelected.connect(chosen)
    dialog.open()
    return dialog


# --- the table ----------------------------------------------------------------------------------------

class ReportModel(QAbstractTableModel):
    """One ReportTable: its rows, then its totals row in bold; rupiah grouped and right-aligned."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.table: ReportTable | None = None
        self._rows: list[tuple] = []
        self._right: list[bool] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_table(self, table: ReportTable | None) -> None:
        self.beginResetModel()
        self.table = table
        self._rows = [] if table is None else [*table.rows, *([table.total] if table.total else [])]
        columns = 0 if table is None else len(table.columns)
        self._right = [table is not None and (i in table.money or any(
            isinstance(r[i], int) and not isinstance(r[i], bool) for r in self._rows if i < len(r)))
            for i in range(columns)]
        self.endResetModel()

    def right_aligned(self, column: int) -> bool:
        return bool(self._right) and self._right[column]

    def is_total(self, row: int) -> bool:
        return self.table is not None and self.table.total is not None and row == len(self._rows) - 1

    def cell(self, row: int, column: int) -> str:
        assert self.table is not None
        values = self._rows[row]
        return cell_text(self.table, column, values[column]) if column < len(values) else ""

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() or self.table is None else len(self.table.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.table is None or orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.table.columns[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and self._right[section]:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.table is None:
            return None
        row, column = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.cell(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if self._right[column]:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and self.is_total(row):
            return self._bold
        if role == Qt.ItemDataRole.BackgroundRole and self.is_total(row):
            return QBrush(TOTAL_FILL)
        return None


# --- the chart ----------------------------------------------------------------------------------------

class _ValueAxis(pg.AxisItem):
    """Whole numbers grouped the Indonesian way (1.250.000), never 1.25e6 or "k"."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        return [group(int(round(v))) if abs(v - round(v)) < 1e-6 else "" for v in values]


def _plot() -> pg.PlotWidget:
    w = pg.PlotWidget(background="w", axisItems={"left": _ValueAxis("left"), "bottom": _ValueAxis("bottom")})
    w.showGrid(x=True, y=True, alpha=0.25)
    w.setMouseEnabled(x=False, y=False)
    w.hideButtons()
    w.setMenuEnabled(False)
    for name in ("left", "bottom"):
        axis = w.getAxis(name)
        axis.enableAutoSIPrefix(False)
        axis.setTextPen("#3c4043")
        axis.setPen("#9aa0a6")
    return w


# --- the view -----------------------------------------------------------------------------------------

class ReportsView(QWidget):
    computed = Signal(object)  # a Result, once shown
    failed = Signal(str)  # a computation's error, as shown
    exported = Signal(str, str)  # the path written and "" — or the path and the error

    def __init__(self, ctx: Any, parent: QWidget | None = None, *, clock: Callable[[], _dt.datetime] | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._clock = clock or ctx.engine.clock
        self.active = False
        self.result: Result | None = None
        self.error: str = ""
        self.dirty = True  # the choice changed since the last computation
        self.computing = False
        self.exporting = False
        self.resellers: list[ResellerChoice] = []
        self._token = 0
        self._current = [0]  # the newest request's number, read by queued jobs (a plain list: no Qt)
        self._generation = 0
        self._resellers_token = 0
        self._export_token = 0
        self._export_path = ""
        self._file_dialog: QFileDialog | None = None
        self.stock_available = exports.stock_books() is not None
        self.mutasi_available = hasattr(reports, "mutasi") and hasattr(reports, "mutasi_table")
        self._build()
        self._soon = QTimer(self, singleShot=True, interval=0)  # several changes in one go: one computation
        self._soon.timeout.connect(self.recompute)
        self._connect()
        self._show_kind()

    def title(self) -> str:
        return tr(C, "Laporan")

    def today(self) -> _dt.date:
        return self._clock().date()

    # --- layout -----------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        choice = QHBoxLayout()
        self.kind = QComboBox()
        for kind in Kind:
            self.kind.addItem(tr(C, KIND_WORDS[kind]), kind.value)
        items = self.kind.model()
        assert isinstance(items, QStandardItemModel)
        for kind, available in ((Kind.STOCK, self.stock_available), (Kind.MUTASI, self.mutasi_available)):
            if not available:
                item = items.item(self.kind.findData(kind.value))
                item.setEnabled(False)
                item.setToolTip(tr(C, "Belum tersedia di versi ini"))
        self.date_label = QLabel(tr(C, "Tanggal"))
        today = QDate(self.today())
        self.date_from = QDateEdit(today, calendarPopup=True, displayFormat="dd-MM-yyyy")
        self.date_to = QDateEdit(today, calendarPopup=True, displayFormat="dd-MM-yyyy")
        self.date_dash = QLabel("–")
        self.quick: dict[str, QPushButton] = {}
        for key, text in QUICK:
            button = QPushButton(tr(C, text))
            button.setAutoDefault(False)
            self.quick[key] = button
        self.by_label = QLabel(tr(C, "Per"))
        self.by = QComboBox()
        for by in RecapBy:
            self.by.addItem(tr(C, BY_WORDS[by]), by.value)
        self.reseller_label = QLabel(tr(C, "Reseller"))
        self.reseller = QComboBox()
        self.reseller.setEditable(True)
        self.reseller.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.reseller.setMinimumContentsLength(18)
        self.reseller.lineEdit().setPlaceholderText(tr(C, "kode atau nama"))
        completer = self.reseller.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.reload_button = QPushButton(tr(C, "Muat ulang"))
        self.reload_button.setToolTip(tr(C, "Hitung ulang laporan ini dengan data terbaru (F5)"))
        self.reload_button.setShortcut("F5")
        for w in (QLabel(tr(C, "Laporan")), self.kind, self.date_label, self.date_from, self.date_dash,
                  self.date_to, *self.quick.values(), self.by_label, self.by, self.reseller_label, self.reseller):
            choice.addWidget(w)
        choice.addStretch(1)
        choice.addWidget(self.reload_button)
        layout.addLayout(choice)

        status = QHBoxLayout()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # busy, without a count
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        self.status = QLabel()
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel()
        self.summary.setStyleSheet("color: #202124;")
        self.csv_button = QPushButton(tr(C, "Ekspor CSV…"))
        self.csv_button.setToolTip(tr(C, "Simpan tabel ini sebagai CSV (angka bulat, tanggal ISO)"))
        self.xlsx_button = QPushButton(tr(C, "Ekspor Excel…"))
        self.xlsx_button.setToolTip(tr(C, "Simpan sebagai file Excel; rekap: juga per produk, operator dan jam"))
        self.pdf_button = QPushButton(tr(C, "Cetak PDF…"))
        self.pdf_button.setToolTip(tr(C, "PDF A4 untuk dicetak; rekap satu hari: rekap harian lengkap"))
        status.addWidget(self.busy_bar)
        status.addWidget(self.status, 1)
        for w in (self.summary, self.csv_button, self.xlsx_button, self.pdf_button):
            status.addWidget(w)
        layout.addLayout(status)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(0)
        self.table_tabs = QTabBar()
        self.table_tabs.setDocumentMode(True)
        self.table_tabs.setExpanding(False)
        self.table_tabs.hide()
        self.model = ReportModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.empty = QLabel(self.table)
        self.empty.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #5f6368; padding: 24px;")
        self.empty.hide()
        self.table.installEventFilter(self)
        left_layout.addWidget(self.table_tabs)
        left_layout.addWidget(self.table, 1)

        self.chart = _plot()
        self.chart.setMinimumWidth(320)
        self.chart_note = pg.TextItem("", color="#5f6368", anchor=(0.5, 0.5))
        self.chart.addItem(self.chart_note, ignoreBounds=True)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.chart)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)

    def _connect(self) -> None:
        self.kind.currentIndexChanged.connect(self._on_kind)
        self.by.currentIndexChanged.connect(self.choice_changed)
        self.reseller.activated.connect(self.choice_changed)
        self.reseller.lineEdit().editingFinished.connect(self._on_reseller_typed)
        self.date_from.dateChanged.connect(self._on_from)
        self.date_to.dateChanged.connect(self._on_to)
        for key, button in self.quick.items():
            button.clicked.connect(lambda _checked=False, k=key: self.set_quick(k))
        self.reload_button.clicked.connect(self.reload)
        self.csv_button.clicked.connect(lambda: self.ask_export("csv"))
        self.xlsx_button.clicked.connect(lambda: self.ask_export("xlsx"))
        self.pdf_button.clicked.connect(lambda: self.ask_export("pdf"))
        self.table_tabs.currentChanged.connect(self._show_table)
        runner().done.connect(self._on_done)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.Resize:
            self.empty.setGeometry(self.table.rect().adjusted(0, self.table.horizontalHeader().height(), 0, 0))
        return super().eventFilter(watched, event)

    # --- the choice ---------------------------------------------------------------------------------
    def current_kind(self) -> Kind:
        return Kind(self.kind.currentData())

    def current_by(self) -> RecapBy:
        return RecapBy(self.by.currentData())

    def dates(self) -> tuple[_dt.date, _dt.date]:
        return self.date_from.date().toPython(), self.date_to.date().toPython()  # type: ignore[return-value]

    def set_dates(self, start: _dt.date, end: _dt.date) -> None:
        for edit, day in ((self.date_from, start), (self.date_to, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(day))
            edit.blockSignals(False)
        self.choice_changed()

    def set_quick(self, key: str) -> None:
        start, end = quick_range(key, self.today())
        if self.current_kind() is Kind.STOCK:
            start = end
        self.set_dates(start, end)

    def set_kind(self, kind: Kind) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind.value))

    def set_by(self, by: RecapBy) -> None:
        self.by.setCurrentIndex(self.by.findData(RecapBy(by).value))

    def set_reseller(self, code: str) -> bool:
        index = next((i for i in range(self.reseller.count())
                      if (self.reseller.itemData(i) or (None, ""))[1] == code), -1)
        if index < 0:
            return False
        self.reseller.setCurrentIndex(index)
        self.choice_changed()
        return True

    def current_reseller(self) -> tuple[int, str] | None:
        data = self.reseller.currentData()
        if data is None or self.reseller.currentText() != self.reseller.itemText(self.reseller.currentIndex()):
            return None
        return data

    @Slot(QDate)
    def _on_from(self, day: QDate) -> None:
        if day > self.date_to.date():
            self.date_to.blockSignals(True)
            self.date_to.setDate(day)
            self.date_to.blockSignals(False)
        self.choice_changed()

    @Slot(QDate)
    def _on_to(self, day: QDate) -> None:
        if day < self.date_from.date() or self.current_kind() is Kind.STOCK:
            self.date_from.blockSignals(True)
            self.date_from.setDate(day)
            self.date_from.blockSignals(False)
        self.choice_changed()

    @Slot()
    def _on_reseller_typed(self) -> None:
        text = self.reseller.currentText().strip().lower()
        for i in range(self.reseller.count()):
            data = self.reseller.itemData(i)
            if data and (data[1].lower() == text or self.reseller.itemText(i).lower() == text):
                if i != self.reseller.currentIndex() or self.reseller.currentText() != self.reseller.itemText(i):
                    self.reseller.setCurrentIndex(i)
                    self.reseller.setEditText(self.reseller.itemText(i))
                    self.choice_changed()
                return

    @Slot()
    def _on_kind(self) -> None:
        self._show_kind()
        if self.current_kind() is Kind.STOCK:
            self.date_from.blockSignals(True)
            self.date_from.setDate(self.date_to.date())
            self.date_from.blockSignals(False)
        self.choice_changed()

    def _show_kind(self) -> None:
        kind = self.current_kind()
        one_day = kind is Kind.STOCK
        self.date_from.setVisible(not one_day)
        self.date_dash.setVisible(not one_day)
        self.date_label.setText(tr(C, "Tanggal") if one_day else tr(C, "Dari"))
        for key, button in self.quick.items():
            button.setVisible(not (one_day and key in RANGE_ONLY))
        for w in (self.by_label, self.by):
            w.setVisible(kind is Kind.RECAP)
        for w in (self.reseller_label, self.reseller):
            w.setVisible(kind is Kind.MUTASI)

    @Slot()
    def choice_changed(self) -> None:
        """The owner changed what to show: compute it (once, after the changes made in one go), or
        when the view is shown again."""
        self.dirty = True
        self._generation += 1
        self._current[0] = self._generation  # a job of an older choice still queued skips its query
        if self.active:
            self._soon.start()

    def request(self) -> Request | None:
        start, end = self.dates()
        kind = self.current_kind()
        if kind is Kind.STOCK:
            start = end
        reseller = self.current_reseller() if kind is Kind.MUTASI else None
        if kind is Kind.MUTASI and reseller is None:
            return None
        return Request(kind, start, end, self.current_by(), *(reseller or (None, "")))

    # --- computing ----------------------------------------------------------------------------------
    def set_active(self, active: bool) -> None:
        self.active = active
        if active:
            if not self.resellers and not self._resellers_token:
                self.load_resellers()
            if self.dirty:
                self._soon.start()

    @Slot()
    def reload(self) -> None:
        """Muat ulang: the same choice, counted again (and the reseller list read again)."""
        self.load_resellers()
        self.choice_changed()
        if not self.active:
            self.recompute()

    def load_resellers(self) -> None:
        self._resellers_token = runner().submit(upline_choices)

    @Slot()
    def recompute(self) -> int:
        """Compute the current choice on a query thread; returns the job's token (0: nothing to do)."""
        self._soon.stop()
        self.dirty = False
        request = self.request()
        if request is None:
            self._token = 0
            self._set_busy(False)
            self._show_message(tr(C, "Pilih reseller untuk melihat mutasinya."), "#5f6368")
            return 0
        self._generation += 1
        generation, current = self._generation, self._current
        current[0] = generation

        def job() -> Result | None:
            if current[0] != generation:
                return None  # a newer choice replaced this one while it waited: no query
            return compute(request)

        self._token = runner().submit(job)
        self._set_busy(True)
        return self._token

    def _set_busy(self, busy: bool) -> None:
        self.computing = busy
        self.busy_bar.setVisible(busy)
        if busy:
            self._show_message(tr(C, "Menghitung…"), "#5f6368")
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.result is not None and not self.computing and not self.exporting
        for button in (self.csv_button, self.xlsx_button, self.pdf_button):
            button.setEnabled(ready)

    def _show_message(self, text: str, colour: str) -> None:
        self.status.setStyleSheet(f"color: {colour};")
        self.status.setText(text)

    @Slot(int, object)
    def _on_done(self, token: int, result: object) -> None:
        if token == 0:
            return
        if token == self._resellers_token:
            self._resellers_token = 0
            if isinstance(result, Exception):
                self._show_message(tr(C, "Daftar reseller tidak bisa dibaca: {error}").format(error=result), NEGATIVE)
            else:
                self._show_resellers(result)  # type: ignore[arg-type]
            return
        if token == self._export_token:
            self._export_done(result)
            return
        if token != self._token:
            return  # an answer to an older choice, or not this view's
        self._token = 0
        self._set_busy(False)
        if result is None:  # skipped as stale; the newer choice is computed when the view is shown
            self._show_message("", "#5f6368")
            return
        if isinstance(result, Exception):
            self.error = str(result)
            self._show_message(tr(C, "Laporan gagal dihitung: {error}").format(error=result), NEGATIVE)
            self.failed.emit(self.error)
            return
        self.error = ""
        self._show(result)  # type: ignore[arg-type]
        self.computed.emit(result)

    def _show_resellers(self, choices: list[ResellerChoice]) -> None:
        keep = self.current_reseller()
        self.resellers = list(choices)
        self.reseller.blockSignals(True)
        self.reseller.clear()
        for r in self.resellers:
            self.reseller.addItem(f"{r.code} — {r.name}", (r.id, r.code))
        index = next((i for i, r in enumerate(self.resellers) if keep and r.id == keep[0]), 0 if choices else -1)
        self.reseller.setCurrentIndex(index)
        self.reseller.blockSignals(False)
        if self.current_kind() is Kind.MUTASI and (keep is None) != (self.current_reseller() is None):
            self.choice_changed()

    # --- showing ------------------------------------------------------------------------------------
    def _show(self, result: Result) -> None:
        self.result = result
        self.table_tabs.blockSignals(True)
        while self.table_tabs.count():
            self.table_tabs.removeTab(0)
        for table in result.tables:
            self.table_tabs.addTab(table.title.split(",")[0])
        self.table_tabs.setCurrentIndex(0)
        self.table_tabs.setVisible(len(result.tables) > 1)
        self.table_tabs.blockSignals(False)
        self._show_table(0)
        self._show_chart(result)
        self._show_summary(result)
        self._show_message(tr(C, "Dihitung pukul {time}").format(time=f"{self._clock():%H:%M:%S}"), "#5f6368")
        self._update_buttons()

    @Slot(int)
    def _show_table(self, index: int) -> None:
        if self.result is None or not 0 <= index < len(self.result.tables):
            return
        table = self.result.tables[index]
        self.model.set_table(table)
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for column in range(self.model.columnCount()):
            header.resizeSection(column, min(MAX_COLUMN_PX, header.sectionSize(column) + 12))
        # a text column at the end (a note, an explanation) takes the room left; numbers keep theirs
        header.setStretchLastSection(bool(self.model.columnCount()) and not self.model.right_aligned(-1))
        self.empty.setText(table.empty_text)
        self.empty.setVisible(not table.rows)
        self.empty.setGeometry(self.table.rect().adjusted(0, header.height(), 0, 0))
        self._fit_table()

    def _fit_table(self) -> None:
        """Give the table the width its columns need (the chart keeps at least its minimum)."""
        total = self.splitter.width()
        if total <= 0:
            return
        header = self.table.horizontalHeader()
        needed = (header.length() + self.table.verticalScrollBar().sizeHint().width() + 2 * self.table.frameWidth()
                  + 2)
        sizes = self.splitter.sizes()
        if sizes and sizes[0] < needed:
            left = min(needed, total - self.chart.minimumWidth() - self.splitter.handleWidth())
            self.splitter.setSizes([left, total - left])

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if self.model.table is not None:
            QTimer.singleShot(0, self._fit_table)

    def _show_summary(self, result: Result) -> None:
        table = result.tables[0]
        if result.request.kind is not Kind.RECAP or table.total is None:
            self.summary.setText("")
            return
        total = dict(zip(table.columns, table.total))
        self.summary.setText(tr(C, "{n} trx · {ok} sukses · omzet {sales} · laba {profit}").format(
            n=group(int(total["Trx"])), ok=group(int(total["Sukses"])), sales=rupiah(int(total["Omzet"])),
            profit=rupiah(int(total["Laba"]))))

    def chart_title(self, result: Result) -> str:
        request, chart = result.request, result.chart
        if request.kind is Kind.RECAP:
            if request.by is RecapBy.HOUR:
                return tr(C, "Transaksi per jam")
            title = tr(C, "Laba per {by}").format(by=tr(C, BY_WORDS[request.by]))
            if chart is not None and chart.truncated:
                title += " " + tr(C, "({n} tertinggi)").format(n=TOP_KEYS)
            return title
        if request.kind is Kind.STOCK:
            return tr(C, "Selisih stok per chip")
        return tr(C, "Saldo {code}").format(code=request.reseller_code)

    def _show_chart(self, result: Result) -> None:
        plot = self.chart
        for item in list(plot.getPlotItem().items):
            if item is not self.chart_note:
                plot.removeItem(item)
        plot.setTitle(self.chart_title(result), color="#202124", size="11pt")
        chart = result.chart
        left, bottom = plot.getAxis("left"), plot.getAxis("bottom")
        left.setTicks(None)
        bottom.setTicks(None)
        left.setLabel("")
        bottom.setLabel("")
        left.setWidth(None)  # as wide as its numbers (the keys of a bar chart set it below)
        if chart is None or not chart.values:
            self.chart_note.setText(tr(C, "Tidak ada data untuk grafik"))
            self.chart_note.setPos(0.5, 0.5)
            self.chart_note.show()
            plot.setXRange(0, 1, padding=0)
            plot.setYRange(0, 1, padding=0)
            left.setTicks([[]])
            bottom.setTicks([[]])
            return
        self.chart_note.hide()
        n = len(chart.values)
        colours = [pg.mkBrush(NEGATIVE if v < 0 else POSITIVE if chart.money else LINE) for v in chart.values]
        low, high = min(0, *chart.values), max(0, *chart.values)
        span = (high - low) or 1
        unit = tr(C, "Rp") if chart.money else tr(C, "trx")
        if chart.style == "hbar":  # keys down the side, the first on top
            ys = [n - 1 - i for i in range(n)]
            bars = pg.BarGraphItem(x0=[min(0, v) for v in chart.values], y=ys, height=0.7,
                                   width=[abs(v) for v in chart.values], brushes=colours, pen=pg.mkPen(None))
            plot.addItem(bars)
            left.setTicks([[(y, label) for y, label in zip(ys, chart.labels)]])
            metrics = QFontMetrics(left.style["tickFont"] or plot.font())
            left.setWidth(min(220, max(metrics.horizontalAdvance(label) for label in chart.labels) + 16))
            if n <= VALUE_LABELS_MAX:  # the figure at the end of each bar
                for y, value in zip(ys, chart.values):
                    text = pg.TextItem(group(value), color="#3c4043", anchor=(1 if value < 0 else 0, 0.5))
                    text.setPos(value, y)
                    plot.addItem(text)
            bottom.setLabel(unit)
            plot.setYRange(-0.6, n - 0.4, padding=0)
            plot.setXRange(low - (0.2 if low < 0 else 0.02) * span, high + 0.2 * span, padding=0)
        elif chart.style == "vbar":
            xs = list(range(n))
            bars = pg.BarGraphItem(x=xs, height=list(chart.values), width=0.7, brushes=colours, pen=pg.mkPen(None))
            plot.addItem(bars)
            bottom.setTicks([[(x, label) for x, label in zip(xs, chart.labels) if x % 2 == 0],
                             [(x, label) for x, label in zip(xs, chart.labels)]])
            bottom.setLabel(tr(C, "jam"))
            left.setLabel(unit)
            plot.setXRange(-0.6, n - 0.4, padding=0)
            plot.setYRange(0, high * 1.12 or 1, padding=0)
        else:  # line: the balance after each row of the statement
            xs = list(range(n))
            plot.plot(xs, list(chart.values), pen=pg.mkPen(LINE, width=2), symbol="o", symbolSize=5,
                      symbolBrush=LINE, symbolPen=None)
            step = max(1, n // 5)
            bottom.setTicks([[(x, chart.labels[x][:16]) for x in range(0, n, step)]])
            left.setLabel(unit)
            plot.setXRange(-0.5, max(n - 0.5, 0.5), padding=0)
            plot.setYRange(low - 0.05 * span, high + 0.1 * span, padding=0)

    # --- exports ------------------------------------------------------------------------------------
    def default_export_path(self, fmt: str) -> str:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        assert self.result is not None
        r = self.result.request
        span = f"{r.start:%Y%m%d}" if r.start == r.end else f"{r.start:%Y%m%d}-{r.end:%Y%m%d}"
        if r.kind is Kind.RECAP:
            name = f"rekap-{BY_WORDS[r.by]}-{span}"
        elif r.kind is Kind.STOCK:
            name = f"stok-chip-{r.end:%Y%m%d}"
        else:
            name = f"mutasi-{r.reseller_code}-{span}"
        return str(Path(folder) / f"{name}.{fmt}")

    def ask_export(self, fmt: str) -> None:
        if self.result is None or self.computing or self.exporting:
            return
        titles = {"csv": tr(C, "Ekspor laporan ke CSV"), "xlsx": tr(C, "Ekspor laporan ke Excel"),
                  "pdf": tr(C, "Cetak laporan ke PDF")}
        filters = {"csv": "CSV (*.csv)", "xlsx": "Excel (*.xlsx)", "pdf": "PDF (*.pdf)"}
        self._file_dialog = ask_save_path(self, titles[fmt], self.default_export_path(fmt), filters[fmt], fmt,
                                          lambda path, f=fmt: self.export_to(f, path))

    def export_to(self, fmt: str, path: str) -> int:
        """Write the shown report to `path` as `fmt` on a query thread; returns the job's token. The
        result shows beside the buttons."""
        if self.result is None or not path:
            return 0
        result, printed_at = self.result, self._clock().replace(microsecond=0)
        self.exporting = True
        self._export_path = path
        self._update_buttons()
        self._show_message(tr(C, "Menyimpan {path}…").format(path=path), "#5f6368")
        self._export_token = runner().submit(lambda: write_export(export_tables(result, fmt), fmt, path, printed_at))
        return self._export_token

    def _export_done(self, result: object) -> None:
        self._export_token = 0
        self.exporting = False
        self._update_buttons()
        if isinstance(result, Exception):
            self._show_message(tr(C, "Ekspor gagal: {error}").format(error=result), NEGATIVE)
        else:
            self._show_message(tr(C, "Disimpan ke {path}").format(path=self._export_path), POSITIVE)
        self.status.setToolTip(self._export_path)
        self.exported.emit(self._export_path, str(result) if isinstance(result, Exception) else "")


add_english(C, {
    "Laporan": "Reports",
    "Rekap": "Recap", "Stok chip": "Chip stock", "Mutasi reseller": "Reseller statement",
    "Belum tersedia di versi ini": "Not available in this version yet",
    "Tanggal": "Date", "Dari": "From",
    "Hari ini": "Today", "Kemarin": "Yesterday", "7 hari": "7 days", "Bulan ini": "This month",
    "Bulan lalu": "Last month",
    "Per": "By", "produk": "product", "operator": "operator", "reseller": "reseller", "supplier": "supplier",
    "jam": "hour",
    "Reseller": "Reseller", "kode atau nama": "code or name",
    "Muat ulang": "Reload",
    "Hitung ulang laporan ini dengan data terbaru (F5)": "Count this report again with the latest data (F5)",
    "Ekspor CSV…": "Export CSV…", "Ekspor Excel…": "Export Excel…", "Cetak PDF…": "Print PDF…",
    "Simpan tabel ini sebagai CSV (angka bulat, tanggal ISO)": "Save this table as CSV (whole numbers, ISO dates)",
    "Simpan sebagai file Excel; rekap: juga per produk, operator dan jam":
        "Save as an Excel file; recap: also by product, operator and hour",
    "PDF A4 untuk dicetak; rekap satu hari: rekap harian lengkap":
        "A4 PDF to print; a one-day recap: the full daily recap",
    "Pilih reseller dulu.": "Choose a reseller first.",
    "Pilih reseller untuk melihat mutasinya.": "Choose a reseller to see their statement.",
    "Menghitung…": "Computing…",
    "Daftar reseller tidak bisa dibaca: {error}": "The reseller list cannot be read: {error}",
    "Laporan gagal dihitung: {error}": "The report could not be computed: {error}",
    "Dihitung pukul {time}": "Computed at {time}",
    "{n} trx · {ok} sukses · omzet {sales} · laba {profit}": "{n} orders · {ok} successful · sales {sales} · "
                                                              "profit {profit}",
    "Transaksi per jam": "Orders per hour",
    "Laba per {by}": "Profit per {by}",
    "({n} tertinggi)": "(top {n})",
    "Selisih stok per chip": "Stock difference per chip",
    "Saldo {code}": "Balance of {code}",
    "Tidak ada data untuk grafik": "No data to chart",
    "Rp": "Rp", "trx": "orders",
    "Ekspor laporan ke CSV": "Export report to CSV", "Ekspor laporan ke Excel": "Export report to Excel",
    "Cetak laporan ke PDF": "Print report to PDF",
    "Menyimpan {path}…": "Saving {path}…",
    "Ekspor gagal: {error}": "Export failed: {error}",
    "Disimpan ke {path}": "Saved to {path}",
})
