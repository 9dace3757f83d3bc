"""Transaksi: every order, filtered, sorted and totalled in SQL (`app.queries.log`), shown a page at a
time, with one order's whole history beside the table and the owner's manual actions on it.

A million orders must not cost a million Python objects: the model keeps only the matching order ids
(an `array('q')`, 8 MB for a million) and reads rows 100 at a time as the table asks for them. The id
list and the totals are read on the background query threads (`ui.refresh.runner()`), so a slow filter
or sort never stalls the window; a newer request makes an older result stale and it is dropped.

While the view is shown, its `Refresher` brings new orders in cheaply after each engine tick (ids above
the newest one known, by primary key), repaints the visible rows and re-reads the selected order's
history; the totals and, when the filter or sort depends on a changing column, the whole id list are
re-read at most every few seconds. Reloads keep the selected order selected (by id, wherever it moved)
and the rows under the pointer where they are.
"""
from __future__ import annotations

import datetime as _dt
import html
import logging
import time
from array import array
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from PySide6.QtCore import (QAbstractTableModel, QDate, QEvent, QItemSelectionModel, QModelIndex, QObject, QPoint,
                            QStandardPaths, Qt, QTimer, Signal, Slot)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QFileDialog, QGridLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QMenu, QProgressBar, QPushButton, QSplitter,
                               QTableView, QTextBrowser, QVBoxLayout, QWidget)

from app.money import group, rupiah
from app.queries import log as q
from app.queries.log import LogFilter, LogRow, OrderDetail, Totals
from app.queries.order_actions import OrderAction
from ui.dialogs.order_actions import ACTION_KEYS, OrderActions, action_text
from ui.i18n import add_english, tr
from ui.labels import LABELS, label
from ui.refresh import Refresher, runner
from ui.style import state_colours

__all__ = ["C", "PAGE", "Column", "PagedModel", "LogFilter", "Totals", "OrderLogModel", "LogView", "runner", "when",
           "find_id", "preset_range", "detail_html"]

log = logging.getLogger(__name__)
C = "Transaksi"
PAGE = 100
MAX_PAGES = 60  # row cache: 6,000 rows
FULL_REFRESH_S = 4.0  # live: the id list is re-read at most this often when the filter or sort needs it
TOTALS_REFRESH_S = 2.0


def when(value: _dt.datetime | None) -> str:
    """A moment as the owner reads it: 15-06-2026 14:30:05."""
    return f"{value:%d-%m-%Y %H:%M:%S}" if value is not None else ""


def find_id(ids: array, order_id: int) -> int:
    """Position of `order_id` in `ids`, or -1. A byte search: about 1 ms in a million ids, where
    `ids.index` takes some 20 ms holding the GIL."""
    raw = ids.tobytes()
    needle = array("q", [order_id]).tobytes()
    start = raw.find(needle)
    while start != -1 and start % ids.itemsize:
        start = raw.find(needle, start + 1)
    return -1 if start == -1 else start // ids.itemsize


# --- a table model over ids -------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    title: str  # Indonesian; shown through tr(context, ...)
    sort: str | None = None  # a sort key the view's read model understands; None: not sortable
    align_right: bool = False


class PagedModel(QAbstractTableModel):
    """Rows identified by ids held in memory; the rows themselves are fetched `PAGE` at a time.

    Subclasses give `columns`, `context`, `fetch(ids) -> {id: row}` (GUI thread, by primary key, from a
    read model) and `display(row, column)`; `set_ids` replaces the list (after a background query).
    """

    columns: tuple[Column, ...] = ()
    context = C
    loaded = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.ids: array = array("q")
        self._pages: OrderedDict[int, dict[int, Any]] = OrderedDict()

    # subclass hooks
    def fetch(self, ids: Sequence[int]) -> dict[int, Any]:
        raise NotImplementedError

    def display(self, row: Any, column: int) -> str:
        raise NotImplementedError

    def decorate(self, row: Any, column: int, role: int) -> Any:
        return None

    def tooltip(self, row: Any, column: int) -> str:
        return self.display(row, column)

    # data access
    def set_ids(self, ids: array) -> None:
        self.beginResetModel()
        self.ids = ids
        self._pages.clear()
        self.endResetModel()
        self.loaded.emit()

    def prepend_ids(self, new_ids: Sequence[int]) -> None:
        if not new_ids:
            return
        self.beginInsertRows(QModelIndex(), 0, len(new_ids) - 1)
        self.ids = array("q", new_ids) + self.ids
        self._pages.clear()  # page numbers shifted
        self.endInsertRows()

    def append_ids(self, new_ids: Sequence[int]) -> None:
        if not new_ids:
            return
        start = len(self.ids)
        self.beginInsertRows(QModelIndex(), start, start + len(new_ids) - 1)
        self.ids.extend(new_ids)
        self.endInsertRows()

    def invalidate_rows(self) -> None:
        """Rows may have changed in the database: forget them and repaint (only visible ones refetch)."""
        self._pages.clear()
        if self.ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.ids) - 1, len(self.columns) - 1))

    def row_at(self, position: int) -> Any:
        if not 0 <= position < len(self.ids):
            return None
        page_no = position // PAGE
        page = self._pages.get(page_no)
        if page is None:
            chunk = self.ids[page_no * PAGE:(page_no + 1) * PAGE]
            page = self.fetch(list(chunk))
            self._pages[page_no] = page
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page.get(self.ids[position])

    def id_at(self, position: int) -> int | None:
        return self.ids[position] if 0 <= position < len(self.ids) else None

    # Qt
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(self.context, self.columns[section].title)
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if self.columns[index.column()].align_right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole,
                        Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ToolTipRole):
            return None
        row = self.row_at(index.row())
        if row is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(row, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(row, index.column()) or None
        return self.decorate(row, index.column(), role)


class Throttle(QObject):
    """Runs `fn` at most once per `interval_s`; a request inside the interval runs it once at its end,
    so the last change is never left out. For the expensive re-reads (totals, a whole id list) that the
    view's Refresher would otherwise run on every tick."""

    def __init__(self, parent: QObject, interval_s: float, fn: Callable[[], None]):
        super().__init__(parent)
        self._interval = interval_s
        self._fn = fn
        self._last = float("-inf")
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.run)

    def request(self) -> None:
        if self._timer.isActive():
            return
        wait = self._last + self._interval - time.monotonic()
        if wait <= 0:
            self.run()
        else:
            self._timer.start(int(wait * 1000) + 1)

    @Slot()
    def run(self) -> None:
        self._timer.stop()
        self._last = time.monotonic()
        self._fn()

    def stop(self) -> None:
        self._timer.stop()


# --- the order log model ----------------------------------------------------------------------------

LOG_COLUMNS: tuple[Column, ...] = (
    Column("id", "TrxID", "id", True),
    Column("created_at", "Waktu", "created_at"),
    Column("reseller", "Reseller", "reseller"),
    Column("product", "Produk", "product"),
    Column("operator", "Operator", "operator"),
    Column("dest", "Tujuan", "dest"),
    Column("price", "Harga", "price", True),
    Column("cost", "Modal", "cost", True),
    Column("profit", "Laba", "profit", True),
    Column("status", "Status", "status"),
    Column("sn", "SN", "sn"),
    Column("supplier", "Supplier", None),
    Column("note", "Keterangan", None),
)
COLUMN_KEYS = tuple(c.key for c in LOG_COLUMNS)


@dataclass(frozen=True)
class LiveArgs:
    """What one live read needs, as plain values: the worker thread touches no Qt object."""

    generation: int  # of the id list it extends
    filter: LogFilter
    after_id: int  # the newest order id known
    detail_id: int | None  # the order in the detail pane


@dataclass(frozen=True)
class LiveResult:
    args: LiveArgs
    new_ids: list[int]  # matching orders newer than args.after_id, oldest first
    newest_id: int
    detail: OrderDetail | None


def live_read(args: LiveArgs | None) -> LiveResult | None:
    """The background half of a live refresh: new ids (unless the whole list must be re-read anyway)
    and the selected order's history."""
    if args is None:
        return None
    if args.filter.changes_with_status:
        new, newest = [], args.after_id
    else:
        new, newest = q.ids_since(args.filter, args.after_id)
    detail = q.order_detail(args.detail_id) if args.detail_id is not None else None
    return LiveResult(args, new, newest, detail)


class OrderLogModel(PagedModel):
    columns = LOG_COLUMNS
    context = C
    totalsChanged = Signal(object)
    busyChanged = Signal(bool)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.filter = LogFilter()
        self.totals = Totals()
        self.generation = 0
        self.max_id = 0  # the newest order id the list has taken in
        self.pending = False  # an id list is being read
        self.ready = False  # a list has been loaded
        self.refreshing = False  # the list being read is a live re-read of the same filter
        self._runner = runner()
        self._runner.done.connect(self._on_done)
        self._ids_token = 0
        self._totals_token = 0
        # the generation, for jobs queued on the worker threads: one of an older request skips its
        # query. A plain list, since the job reads it there and must not touch this QObject.
        self._current = [0]
        self._full = Throttle(self, FULL_REFRESH_S, self._refresh_list)
        self._totals_throttle = Throttle(self, TOTALS_REFRESH_S, self.refresh_totals)

    # queries
    def apply(self, f: LogFilter) -> None:
        """Re-read ids and totals for `f` in the background; `loaded` fires when the ids are in."""
        self.filter = f
        self.reload()

    def reload(self, *, refresh: bool = False) -> None:
        f = self.filter
        self.pending = True
        self.refreshing = refresh
        if not refresh:
            self.busyChanged.emit(True)
        self.generation += 1
        self._current[0] = self.generation
        gen, current = self.generation, self._current

        def load() -> tuple[array, int] | None:
            if gen != current[0]:
                return None
            # the newest id is read first: an order placed between the two reads is then both in the
            # list and "new" to the next live read, which drops it as already known
            newest = q.newest_id()
            return q.matching_ids(f), newest
        self._ids_token = self._runner.submit(load)
        self._totals_throttle.run()

    def refresh_totals(self) -> None:
        f = self.filter
        gen, current = self.generation, self._current
        self._totals_token = self._runner.submit(lambda: q.totals(f) if gen == current[0] else None)

    def _refresh_list(self) -> None:
        if not self.pending:
            self.reload(refresh=True)

    def stop(self) -> None:
        """The view is hidden: no timed re-reads."""
        self._full.stop()
        self._totals_throttle.stop()

    @Slot(int, object)
    def _on_done(self, token: int, result: object) -> None:
        if result is None:  # skipped: a newer request replaced it
            return
        if token == self._ids_token:
            self.pending = False
            self.busyChanged.emit(False)
            if isinstance(result, Exception):
                self.failed.emit(str(result))
                return
            ids, newest = result  # type: ignore[misc]
            self.max_id = newest
            self.ready = True
            self.set_ids(ids)
        elif token == self._totals_token:
            if isinstance(result, Exception):
                self.failed.emit(str(result))
                return
            self.totals = result  # type: ignore[assignment]
            self.totalsChanged.emit(result)

    # live
    def live_args(self, detail_id: int | None) -> LiveArgs | None:
        if not self.ready:
            return None
        return LiveArgs(self.generation, self.filter, self.max_id, detail_id)

    def take_new(self, result: LiveResult) -> int:
        """Add the new orders of a live read (if it still belongs to this list); returns how many
        went in at the top."""
        if result.args.generation != self.generation or self.pending:
            return 0
        self.max_id = max(self.max_id, result.newest_id)
        edge = self.ids[:200] if self.filter.descending else self.ids[-200:]
        known = set(edge)
        new = [i for i in result.new_ids if i not in known]
        if not new:
            return 0
        if self.filter.descending:
            self.prepend_ids(new[::-1])
            return len(new)
        self.append_ids(new)
        return 0

    def changed(self) -> None:
        """Orders changed in the database: repaint, and re-read what depends on them (throttled)."""
        self.invalidate_rows()
        if self.filter.changes_with_status:
            self._full.request()
        self._totals_throttle.request()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        col = self.columns[column]
        if col.sort is None:
            return
        self.apply(replace(self.filter, sort=col.sort, descending=order == Qt.SortOrder.DescendingOrder))

    # rows
    def fetch(self, ids: Sequence[int]) -> dict[int, LogRow]:
        return q.rows(ids)

    def display(self, row: LogRow, column: int) -> str:
        key = COLUMN_KEYS[column]
        if key == "id":
            return str(row.id)
        if key == "created_at":
            return when(row.created_at)
        if key in ("price", "cost", "profit"):
            value = getattr(row, key)
            return "" if value is None else group(value)
        if key == "status":
            return label("status", row.status)
        return str(getattr(row, key))

    def tooltip(self, row: LogRow, column: int) -> str:
        key = COLUMN_KEYS[column]
        if key == "status" and row.note:
            return f"{label('status', row.status)}: {row.note}"
        return self.display(row, column)

    def decorate(self, row: LogRow, column: int, role: int) -> Any:
        if COLUMN_KEYS[column] != "status":
            return None
        bg, fg = state_colours(row.status)
        return bg if role == Qt.ItemDataRole.BackgroundRole else fg


# --- the detail pane --------------------------------------------------------------------------------

DETAIL_CSS = """
h3 { margin: 0 0 6px 0; }
h4 { margin: 12px 0 4px 0; color: #3c4043; }
td.k { color: #5f6368; padding-right: 10px; white-space: nowrap; }
p { margin: 0 0 6px 0; }
.muted { color: #5f6368; }
.who { color: #1a73e8; font-weight: bold; }
pre { white-space: pre-wrap; margin: 2px 0 0 0; background: #f1f3f4; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _pre(text: str) -> str:
    return f"<pre>{_e(text)}</pre>" if text else "<pre class='muted'>-</pre>"


def _action_line(a: q.ActionLine) -> str:
    what = label("action", a.action)
    extra = ""
    if a.action == "retry":
        extra = tr(C, "rute: {route}").format(route=a.supplier or tr(C, "otomatis"))
    elif a.action == "force_success":
        extra = f"SN {a.sn}" if a.sn else a.detail
    elif a.action in ("fail_refund", "reconcile"):
        extra = a.detail
    return (f"<p>{_e(when(a.at))} · <span class='who'>{_e(a.actor)}</span> · <b>{_e(what)}</b>"
            f"{' · ' + _e(extra) if extra else ''}</p>")


def detail_html(d: OrderDetail | None, *, in_list: bool = True) -> str:
    """The history of one order: facts, manual actions (who, when), the inbound message, attempts
    with the request and the operator's raw answer, ledger rows, replies."""
    if d is None:
        return f"<p>{_e(tr(C, 'Transaksi tidak ditemukan'))}</p>"
    bg, fg = state_colours(d.status)
    parts = [f"<h3>TrxID {d.id} <span style='background:{bg.name()}; color:{fg.name()}'>"
             f"&nbsp;{_e(label('status', d.status))}&nbsp;</span></h3>"]
    if not in_list:
        parts.append(f"<p class='muted'><i>{_e(tr(C, 'Tidak tampil di daftar dengan saringan ini.'))}</i></p>")
    facts = [(tr(C, "Waktu"), when(d.created_at)), (tr(C, "Reseller"), f"{d.reseller_code} — {d.reseller_name}"),
             (tr(C, "Produk"), f"{d.product_code} — {d.product_name}"), (tr(C, "Tujuan"), d.dest),
             (tr(C, "Harga"), rupiah(d.price)), (tr(C, "Modal"), "-" if d.cost is None else rupiah(d.cost))]
    if d.profit is not None:
        facts.append((tr(C, "Laba"), rupiah(d.profit)))
    facts += [("SN", d.sn or "-"), (tr(C, "Supplier"), d.supplier or "-"),
              (tr(C, "Dikirim"), when(d.sent_at) or "-"), (tr(C, "Selesai"), when(d.finished_at) or "-")]
    if d.note:
        facts.append((tr(C, "Keterangan"), d.note))
    if d.refunded:
        facts.append((tr(C, "Dana"), tr(C, "sudah dikembalikan ke reseller")))
    if d.ref_id:
        facts.append((tr(C, "Ref. H2H"), d.ref_id))
    if d.reviewed_by:
        facts.append((tr(C, "Dicek"), f"{d.reviewed_by} · {when(d.reviewed_at)}"))
    parts.append("<table cellspacing='0' cellpadding='1'>")
    parts += [f"<tr><td class='k'>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in facts]
    parts.append("</table>")

    if d.actions:
        parts.append(f"<h4>{_e(tr(C, 'Tindakan manual'))}</h4>")
        parts += [_action_line(a) for a in d.actions]

    parts.append(f"<h4>{_e(tr(C, 'Pesan masuk'))}</h4>")
    if d.inbound is not None:
        i = d.inbound
        parts.append(f"<p>{_e(when(i.received_at))} · {_e(i.sender)} ({_e(i.channel)}"
                     f"{' · ' + _e(i.modem) if i.modem else ''}){_pre(i.text)}</p>")
    else:
        parts.append(f"<p class='muted'><i>{_e(tr(C, 'tidak ada (dibuat lewat kanal lain)'))}</i></p>")

    parts.append(f"<h4>{_e(tr(C, 'Percobaan'))}</h4>")
    if not d.attempts:
        parts.append(f"<p class='muted'><i>{_e(tr(C, 'belum ada'))}</i></p>")
    for n, a in enumerate(d.attempts, 1):
        outcome = label("outcome", a.outcome) if a.outcome else tr(C, "menunggu jawaban")
        parts.append(f"<p><b>#{n}</b> {_e(when(a.started_at))} · {_e(a.supplier or '-')} · <b>{_e(outcome)}</b>"
                     f"{' · ' + _e(a.reason) if a.reason else ''}{' · SN ' + _e(a.sn) if a.sn else ''}<br>"
                     f"<span class='muted'>{_e(tr(C, 'Kirim'))}</span>{_pre(a.request)}"
                     f"<span class='muted'>{_e(tr(C, 'Jawaban operator'))}</span>{_pre(a.response)}</p>")

    parts.append(f"<h4>{_e(tr(C, 'Mutasi saldo'))}</h4>")
    if not d.ledger:
        parts.append(f"<p class='muted'><i>{_e(tr(C, 'belum ada'))}</i></p>")
    for e in d.ledger:
        delta = ("+" if e.delta > 0 else "") + group(e.delta)
        parts.append(f"<p>{_e(when(e.created_at))} · {_e(label('ledger', e.kind))} · <b>{_e(delta)}</b> → "
                     f"{_e(rupiah(e.balance_after))}{' · ' + _e(e.note) if e.note else ''} "
                     f"<span class='muted'>({_e(e.actor)})</span></p>")

    parts.append(f"<h4>{_e(tr(C, 'Balasan'))}</h4>")
    if not d.replies:
        parts.append(f"<p class='muted'><i>{_e(tr(C, 'belum ada'))}</i></p>")
    for r in d.replies:
        parts.append(f"<p>{_e(when(r.created_at))} → {_e(r.to)} · {_e(label('outbox', r.status))}"
                     f"{' · ' + _e(r.modem) if r.modem else ''}{_pre(r.text)}</p>")
    return "".join(parts)


# --- the view ---------------------------------------------------------------------------------------

DATE_PRESETS = ("Semua tanggal", "Hari ini", "Kemarin", "7 hari", "30 hari", "Rentang…")
PRESET_RANGE = DATE_PRESETS.index("Rentang…")
ACTIONS = (OrderAction.RETRY, OrderAction.FORCE_SUCCESS, OrderAction.FAIL_REFUND, OrderAction.RESEND_REPLY)
ACTION_HINTS = {
    OrderAction.RETRY: "Untuk pesanan gagal atau suspect",
    OrderAction.FORCE_SUCCESS: "Untuk pesanan suspect, gagal atau antri",
    OrderAction.FAIL_REFUND: "Untuk pesanan antri atau suspect (bukan yang sedang dikirim)",
    OrderAction.RESEND_REPLY: "Untuk pesanan yang sudah punya balasan",
}
PADDING = 16  # a cell's margins and a little air


def preset_range(preset: int, today: _dt.date, start: _dt.date, end: _dt.date) -> tuple[_dt.datetime | None,
                                                                                     _dt.datetime | None]:
    day = _dt.timedelta(days=1)
    midnight = _dt.datetime.combine(today, _dt.time())
    if preset == 1:
        return midnight, None
    if preset == 2:
        return midnight - day, midnight
    if preset == 3:
        return midnight - 6 * day, None
    if preset == 4:
        return midnight - 29 * day, None
    if preset == PRESET_RANGE:
        return _dt.datetime.combine(start, _dt.time()), _dt.datetime.combine(end, _dt.time()) + day
    return None, None


class _LiveSource:
    """The Refresher's load: reads `args`, set on the GUI thread, on a worker thread."""

    def __init__(self) -> None:
        self.args: LiveArgs | None = None

    def load(self) -> LiveResult | None:
        return live_read(self.args)


class _ExportProgress(QObject):
    progress = Signal(int, int)  # emitted on the worker thread, delivered on the GUI thread


class LogView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.active = False
        self._first_load = True
        self.current_id: int | None = None  # the order in the detail pane (and selected when listed)
        self.current: OrderDetail | None = None
        self._in_list = True
        self._held_new = 0  # new orders above the rows held still
        self._restoring = False
        self._place: tuple[int | None, int] = (None, 0)  # top row's id, selected row's offset from it
        self.model = OrderLogModel(self)
        self.order_actions = OrderActions(ctx, self)
        self._source = _LiveSource()
        self._export_token = 0
        self._export_path = ""
        self._export_progress = _ExportProgress(self)
        self._build()
        # several filter widgets changed in one go (e.g. a reset) make one query
        self._soon = QTimer(self, singleShot=True, interval=0)
        self._soon.timeout.connect(self.apply_filter)
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.apply_filter)
        self._connect()
        self.refresher: Refresher[LiveResult | None] = Refresher(self, ctx.bridge, self._source.load,
                                                                 self._show_live, failed=self._live_failed)

    def title(self) -> str:
        return tr(C, "Transaksi")

    def shortcuts(self) -> list[tuple[str, str]]:
        return [(ACTION_KEYS[a], action_text(a).replace("&&", "&")) for a in ACTIONS]

    def now(self) -> _dt.datetime:
        return self.ctx.engine.clock()

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        row1 = QHBoxLayout()
        self.date_preset = QComboBox()
        self.date_preset.addItems([tr(C, p) for p in DATE_PRESETS])
        today = QDate(self.now().date())
        self.date_from = QDateEdit(today.addDays(-7), calendarPopup=True, displayFormat="dd-MM-yyyy")
        self.date_to = QDateEdit(today, calendarPopup=True, displayFormat="dd-MM-yyyy")
        self.status = QComboBox()
        self.status.addItem(tr(C, "Semua status"), "")
        for code in LABELS["status"]:
            self.status.addItem(label("status", code), code)
        self.reseller = QComboBox()
        self.product = QComboBox()
        self.operator = QComboBox()
        for combo in (self.reseller, self.product):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.reload_choices()
        self.date_dash = QLabel("–")
        for w in (QLabel(tr(C, "Tanggal")), self.date_preset, self.date_from, self.date_dash, self.date_to,
                  self.status, self.reseller, self.product, self.operator):
            row1.addWidget(w)
        row1.addStretch(1)
        row2 = QHBoxLayout()
        self.dest = QLineEdit(placeholderText=tr(C, "Nomor tujuan"))
        self.sn = QLineEdit(placeholderText="SN")
        self.search = QLineEdit(placeholderText=tr(C, "Cari TrxID, nomor, SN, reseller, produk"))
        for edit in (self.dest, self.sn, self.search):
            edit.setClearButtonEnabled(True)
        self.busy = QLabel()
        self.busy.setStyleSheet("color: #5f6368;")
        self.export_button = QPushButton(tr(C, "Ekspor CSV…"))
        self.export_button.setToolTip(tr(C, "Simpan transaksi yang tampil (saringan dan urutan ini) sebagai CSV "
                                            "untuk Excel"))
        for w, stretch in ((self.dest, 1), (self.sn, 1), (self.search, 3), (self.busy, 0), (self.export_button, 0)):
            row2.addWidget(w, stretch)
        layout.addLayout(row1)
        layout.addLayout(row2)

        self.table = QTableView()
        self.table.setModel(self.model)
        # Not setSortingEnabled: it sorts (queries) at once; the header only asks, the view decides.
        header = self.table.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._size_columns()
        # overlays on the table (not its viewport, whose children move when it scrolls)
        self.empty = QLabel(self.table)
        self.empty.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #5f6368; padding: 24px;")
        self.empty.hide()
        self.table.viewport().installEventFilter(self)
        self.new_rows = QPushButton(self.table)
        self.new_rows.setStyleSheet("background: #1a73e8; color: white; border-radius: 10px; padding: 3px 12px;")
        self.new_rows.hide()

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        self.action_buttons: dict[OrderAction, QPushButton] = {}
        self.menu_actions: dict[OrderAction, QAction] = {}
        for n, action in enumerate(ACTIONS):
            qaction = QAction(action_text(action), self)
            qaction.setShortcut(QKeySequence(ACTION_KEYS[action]))
            qaction.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            qaction.triggered.connect(lambda _checked=False, a=action: self.ask(a))
            self.addAction(qaction)
            self.menu_actions[action] = qaction
            button = QPushButton(action_text(action))
            button.clicked.connect(lambda _checked=False, a=action: self.ask(a))
            self.action_buttons[action] = button
            grid.addWidget(button, n // 2, n % 2)
        side_layout.addLayout(grid)
        self.action_message = QLabel()
        self.action_message.setWordWrap(True)
        self.action_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_message.hide()
        side_layout.addWidget(self.action_message)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.document().setDefaultStyleSheet(DETAIL_CSS)
        self.detail.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 30)
        self._detail_hint()
        side_layout.addWidget(self.detail, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        split.setSizes([1000, 380])
        layout.addWidget(split, 1)

        bottom = QHBoxLayout()
        self.totals = QLabel()
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.totals.setStyleSheet("font-weight: bold; padding: 4px;")
        self.export_bar = QProgressBar()
        self.export_bar.setMaximumWidth(180)
        self.export_bar.setTextVisible(False)
        self.export_bar.hide()
        self.export_status = QLabel()
        self.export_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bottom.addWidget(self.totals)
        bottom.addStretch(1)
        bottom.addWidget(self.export_bar)
        bottom.addWidget(self.export_status)
        layout.addLayout(bottom)
        self._update_actions()

    def _connect(self) -> None:
        self._sync_dates()
        self.date_preset.currentIndexChanged.connect(self._sync_dates)
        for combo in (self.date_preset, self.status, self.reseller, self.product, self.operator):
            combo.currentIndexChanged.connect(self._soon.start)
        self.date_from.dateChanged.connect(self._soon.start)
        self.date_to.dateChanged.connect(self._soon.start)
        for edit in (self.dest, self.sn, self.search):
            edit.textChanged.connect(lambda _=None: self._debounce.start())
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.table.customContextMenuRequested.connect(self.context_menu)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._on_sort)
        self.table.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.new_rows.clicked.connect(self.scroll_to_newest)
        self.export_button.clicked.connect(self._ask_export)
        self.model.modelAboutToBeReset.connect(self._remember_place)
        self.model.loaded.connect(self._on_loaded)
        self.model.totalsChanged.connect(self._show_totals)
        self.model.busyChanged.connect(self._show_busy)
        self.model.failed.connect(self._show_error)
        self.order_actions.succeeded.connect(self._action_done)
        self.order_actions.failed.connect(self._action_failed)
        self._export_progress.progress.connect(self._on_export_progress)
        runner().done.connect(self._on_export_done)

    def _size_columns(self) -> None:
        """Widths from the longest text each column can hold (money, SN, time), so nothing is cut;
        `_fit_visible` widens a column later for longer text that shows up."""
        fm = self.table.fontMetrics()
        header_fm = self.table.horizontalHeader().fontMetrics()
        samples = {"id": "9999999", "created_at": when(_dt.datetime(2026, 12, 28, 23, 58, 58)),
                   "reseller": "R0000", "product": "S100", "operator": "SMART", "dest": "0812345678901",
                   "price": "9.999.999", "cost": "9.999.999", "profit": "999.999",
                   "status": max((label("status", s) for s in LABELS["status"]), key=fm.horizontalAdvance),
                   "sn": "0" * 20, "supplier": "upstream Upline Pulsa", "note": "tidak ada jawaban operator"}
        for col, c in enumerate(LOG_COLUMNS):
            width = max(fm.horizontalAdvance(samples[c.key]) + PADDING,
                        header_fm.horizontalAdvance(tr(C, c.title)) + PADDING + 14)  # + the sort arrow
            self.table.setColumnWidth(col, width)

    def _fit_visible(self) -> None:
        """Widen columns (never narrow them) to the text of the rows on screen."""
        if not self.model.rowCount():
            return
        first = max(self.table.rowAt(0), 0)
        last = self.table.rowAt(self.table.viewport().height() - 1)
        last = self.model.rowCount() - 1 if last < 0 else last
        fm = self.table.fontMetrics()
        for col in range(len(LOG_COLUMNS) - 1):  # the last one stretches
            texts = (self.model.index(r, col).data() or "" for r in range(first, last + 1))
            need = max(fm.horizontalAdvance(t) for t in texts) + PADDING
            if need > self.table.columnWidth(col):
                self.table.setColumnWidth(col, need)

    def reload_choices(self) -> None:
        """Resellers, products and operators for the filter lists."""
        choices = q.filter_choices()
        for combo in (self.reseller, self.product, self.operator):
            combo.blockSignals(True)
            combo.clear()
        self.reseller.addItem(tr(C, "Semua reseller"), None)
        for r in choices.resellers:
            self.reseller.addItem(f"{r.code} — {r.name}", r.id)
        self.product.addItem(tr(C, "Semua produk"), None)
        for p in choices.products:
            self.product.addItem(p.code, p.id)
            self.product.setItemData(self.product.count() - 1, p.name, Qt.ItemDataRole.ToolTipRole)
        self.operator.addItem(tr(C, "Semua operator"), "")
        for op in choices.operators:
            self.operator.addItem(op, op)
        for combo in (self.reseller, self.product, self.operator):
            combo.blockSignals(False)

    def _sync_dates(self) -> None:
        custom = self.date_preset.currentIndex() == PRESET_RANGE
        for w in (self.date_from, self.date_dash, self.date_to):
            w.setVisible(custom)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._place_overlays()
        return super().eventFilter(watched, event)

    def _place_overlays(self) -> None:
        area = self.table.viewport().geometry()
        self.empty.setGeometry(area)
        self.new_rows.adjustSize()
        self.new_rows.move(area.x() + (area.width() - self.new_rows.width()) // 2, area.y() + 6)

    # --- filter ---------------------------------------------------------------------------------
    def current_filter(self) -> LogFilter:
        start, end = preset_range(self.date_preset.currentIndex(), self.now().date(),
                                  self.date_from.date().toPython(), self.date_to.date().toPython())
        return LogFilter(date_from=start, date_to=end, status=self.status.currentData() or "",
                         reseller_id=self.reseller.currentData(), product_id=self.product.currentData(),
                         operator=self.operator.currentData() or "", dest=self.dest.text(), sn=self.sn.text(),
                         search=self.search.text(), sort=self.model.filter.sort,
                         descending=self.model.filter.descending)

    @Slot(int, Qt.SortOrder)
    def _on_sort(self, column: int, order: Qt.SortOrder) -> None:
        if self.model.columns[column].sort is None:  # not sortable: put the indicator back
            f = self.model.filter
            current = next(i for i, c in enumerate(self.model.columns) if c.sort == f.sort)
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(current, Qt.SortOrder.DescendingOrder if f.descending
                                    else Qt.SortOrder.AscendingOrder)
            header.blockSignals(False)
            return
        self.model.sort(column, order)
        self._sync_source()

    @Slot()
    def apply_filter(self) -> None:
        self._soon.stop()
        self._debounce.stop()
        self.model.apply(self.current_filter())
        self._sync_source()

    # --- live -----------------------------------------------------------------------------------
    def set_active(self, active: bool) -> None:
        self.active = active
        if active and self._first_load:
            self._first_load = False
            self.apply_filter()
        if not active:
            self.model.stop()
        self.refresher.set_active(active)

    def _sync_source(self) -> None:
        self._source.args = self.model.live_args(self.current_id)

    def _show_live(self, result: LiveResult | None) -> None:
        if result is None:
            return
        self._take_new(result)
        self.model.changed()
        if result.args.detail_id is not None and result.args.detail_id == self.current_id:
            self._show_detail(result.detail)
        self._fit_visible()  # a new SN or supplier may be longer
        self._sync_source()
        self._update_empty()

    def _live_failed(self, exc: Exception) -> None:
        self._show_error(str(exc))

    def _take_new(self, result: LiveResult) -> int:
        """New orders in; when they go in above rows the owner is looking at (scrolled down, an order
        selected, or the pointer on the table), those rows stay where they are on screen."""
        bar = self.table.verticalScrollBar()
        hold = bar.value() > 0 or self.current_id is not None or self.table.underMouse()
        before = bar.value()
        added = self.model.take_new(result)
        if added and hold:
            step = 1 if self.table.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem \
                else self.table.verticalHeader().defaultSectionSize()
            bar.setValue(before + added * step)
            self._held_new += added
            self.new_rows.setText(tr(C, "▲ {n} transaksi baru").format(n=group(self._held_new)))
            self._place_overlays()
            self.new_rows.show()
        return added

    @Slot(int)
    def _on_scrolled(self, value: int) -> None:
        if value == 0 and self._held_new:
            self._held_new = 0
            self.new_rows.hide()

    @Slot()
    def scroll_to_newest(self) -> None:
        self.table.scrollToTop()
        self._held_new = 0
        self.new_rows.hide()

    # --- keeping the place across reloads -------------------------------------------------------
    @Slot()
    def _remember_place(self) -> None:
        top = self.table.rowAt(0)
        rows = self.table.selectionModel().selectedRows()
        offset = rows[0].row() - top if rows and top >= 0 else 0  # the selected row's place on screen
        self._place = (self.model.id_at(top) if top >= 0 else None, offset)

    @Slot()
    def _on_loaded(self) -> None:
        top_id, offset = self._place
        refresh = self.model.refreshing
        bar = self.table.verticalScrollBar()
        self._restoring = True
        was_in_list = self._in_list
        try:
            position = find_id(self.model.ids, self.current_id) if self.current_id is not None else -1
            self._in_list = position >= 0 or self.current_id is None
            if position >= 0:
                index = self.model.index(position, 0)
                self.table.selectionModel().setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
                bar.setValue(max(0, position - offset))
                if not refresh:  # a new filter or sort: make sure the owner sees where it went
                    self.table.scrollTo(index)
            elif refresh and top_id is not None:
                anchor = find_id(self.model.ids, top_id)
                bar.setValue(max(0, anchor))
            else:
                bar.setValue(0)
        finally:
            self._restoring = False
        if self.current is not None and self._in_list != was_in_list:
            self._render(self.current)  # says whether the list shows it
        if not refresh:
            self._held_new = 0
            self.new_rows.hide()
        self._fit_visible()
        self._sync_source()
        self._update_empty()

    def _update_empty(self) -> None:
        if self.model.rowCount() or not self.model.ready:
            self.empty.hide()
            return
        f = self.model.filter
        filtered = replace(f, sort="id", descending=True) != LogFilter()
        self.empty.setText(tr(C, "Tidak ada transaksi yang cocok dengan saringan ini.") if filtered
                           else tr(C, "Belum ada transaksi. Pesanan reseller akan muncul di sini."))
        self._place_overlays()
        self.empty.show()

    # --- feedback -------------------------------------------------------------------------------
    @Slot(object)
    def _show_totals(self, t: Totals) -> None:
        values = dict(count=group(t.count), success=group(t.success), sales=rupiah(t.sales), cost=rupiah(t.cost),
                      commission=rupiah(t.commission), profit=rupiah(t.profit))
        if t.commission:  # uplines' commissions come off the profit
            text = tr(C, "{count} transaksi · {success} sukses · penjualan {sales} · modal {cost} · "
                         "komisi {commission} · laba {profit}").format(**values)
        else:
            text = tr(C, "{count} transaksi · {success} sukses · penjualan {sales} · modal {cost} · "
                         "laba {profit}").format(**values)
        self.totals.setText(text)

    @Slot(bool)
    def _show_busy(self, busy: bool) -> None:
        self.busy.setText(tr(C, "Memuat…") if busy else "")

    @Slot(str)
    def _show_error(self, text: str) -> None:
        self.busy.setText(tr(C, "Gagal: {error}").format(error=text))

    # --- the selected order ---------------------------------------------------------------------
    @Slot(QModelIndex, QModelIndex)
    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._restoring:
            return
        order_id = self.model.id_at(current.row())
        if order_id is not None and order_id != self.current_id:
            self.show_detail(order_id)

    def show_detail(self, order_id: int) -> None:
        """Show one order's history (and make the actions act on it)."""
        self.current_id = order_id
        self._in_list = True
        self.action_message.hide()
        self._show_detail(q.order_detail(order_id))
        self._sync_source()

    def _show_detail(self, detail: OrderDetail | None) -> None:
        if detail is not None and detail == self.current:
            return  # unchanged: keep the pane where the owner scrolled it
        same = detail is not None and self.current is not None and detail.id == self.current.id
        self.current = detail
        self._render(detail, keep_scroll=same)
        self._update_actions()

    def _render(self, detail: OrderDetail | None, keep_scroll: bool = True) -> None:
        bar = self.detail.verticalScrollBar()
        position = bar.value()
        self.detail.setHtml(detail_html(detail, in_list=self._in_list))
        if keep_scroll:
            bar.setValue(position)

    def _detail_hint(self) -> None:
        self.detail.setHtml(f"<p class='muted'><i>{_e(tr(C, 'Pilih transaksi untuk melihat riwayatnya.'))}</i></p>")

    def selected_brief(self):
        return self.current.brief() if self.current is not None else None

    def _update_actions(self) -> None:
        allowed = OrderActions.available(self.selected_brief())
        for action in ACTIONS:
            enabled = action in allowed
            hint = tr(C, ACTION_HINTS[action])
            self.action_buttons[action].setEnabled(enabled)
            self.action_buttons[action].setToolTip(f"{hint} ({ACTION_KEYS[action]})")
            self.menu_actions[action].setEnabled(enabled)

    # --- manual actions -------------------------------------------------------------------------
    def ask(self, action: OrderAction):
        """Open the confirmation of `action` for the order in the detail pane (None if it does not apply)."""
        if self.current_id is None:
            return None
        now = q.order_detail(self.current_id)
        if now is not None:
            self._show_detail(now)  # act on the order as it is now, not as it was shown
        return self.order_actions.ask(action, self.selected_brief())

    @Slot(QPoint)
    def context_menu(self, pos: QPoint) -> QMenu | None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return None
        self.table.selectRow(index.row())
        menu = QMenu(self)
        for action in ACTIONS:
            menu.addAction(self.menu_actions[action])
        menu.popup(self.table.viewport().mapToGlobal(pos))
        return menu

    @Slot(int, str)
    def _action_done(self, order_id: int, text: str) -> None:
        self.action_message.setStyleSheet("color: #1e8e3e;")
        self.action_message.setText(text)
        self.action_message.show()
        if order_id == self.current_id:
            self._show_detail(q.order_detail(order_id))
        self.refresher.request()

    @Slot(int, str)
    def _action_failed(self, order_id: int, text: str) -> None:
        self.action_message.setStyleSheet("color: #d93025;")
        self.action_message.setText(tr(C, "TrxID {id} tidak bisa diproses: {error}").format(id=order_id, error=text))
        self.action_message.show()
        if order_id == self.current_id:
            self._show_detail(q.order_detail(order_id))

    # --- export ---------------------------------------------------------------------------------
    def default_export_path(self) -> str:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        return str(Path(folder) / f"transaksi-{self.now():%Y%m%d-%H%M}.csv")

    def _ask_export(self) -> None:
        dialog = QFileDialog(self, tr(C, "Ekspor transaksi ke CSV"), self.default_export_path(), "CSV (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.selectFile(self.default_export_path())
        dialog.fileSelected.connect(self.export_to)
        dialog.open()
        self._file_dialog = dialog

    @Slot(str)
    def export_to(self, path: str) -> int:
        """Write the listed orders (this filter, this order) to `path` in the background; returns the
        job's token. Progress and the result show at the bottom of the view."""
        f = self.model.filter
        titles = {c.key: c.title for c in LOG_COLUMNS}  # the export has the table's columns
        headers = [tr(C, titles[key]) for key in q.CSV_COLUMNS]
        words = {code: label("status", code) for code in LABELS["status"]}
        emit = self._export_progress.progress.emit
        self._export_path = path
        self.export_button.setEnabled(False)
        self.export_bar.setRange(0, 0)  # busy until the first count
        self.export_bar.show()
        self.export_status.setText(tr(C, "Mengekspor…"))
        self._export_token = runner().submit(
            lambda: q.export_csv(f, path, headers=headers, status_words=words, progress=emit))
        return self._export_token

    @Slot(int, int)
    def _on_export_progress(self, done: int, total: int) -> None:
        if not self._export_token:
            return
        self.export_bar.setRange(0, max(total, 1))
        self.export_bar.setValue(done)
        self.export_status.setText(tr(C, "Mengekspor… {done} dari {total}").format(done=group(done),
                                                                                  total=group(total)))

    @Slot(int, object)
    def _on_export_done(self, token: int, result: object) -> None:
        if token != self._export_token:
            return
        self._export_token = 0
        self.export_button.setEnabled(True)
        self.export_bar.hide()
        if isinstance(result, Exception):
            self.export_status.setStyleSheet("color: #d93025;")
            self.export_status.setText(tr(C, "Ekspor gagal: {error}").format(error=result))
        else:
            self.export_status.setStyleSheet("color: #1e8e3e;")
            self.export_status.setText(tr(C, "{n} transaksi diekspor ke {path}").format(
                n=group(int(result)), path=self._export_path))  # type: ignore[arg-type]
        self.export_status.setToolTip(self._export_path)


add_english(C, {
    "Transaksi": "Transactions", "TrxID": "TrxID", "Waktu": "Time", "Reseller": "Reseller", "Produk": "Product",
    "Operator": "Operator", "Tujuan": "Destination", "Harga": "Price", "Modal": "Cost", "Laba": "Profit",
    "Status": "Status", "Supplier": "Supplier", "Keterangan": "Note", "Semua tanggal": "All dates",
    "Hari ini": "Today", "Kemarin": "Yesterday", "7 hari": "7 days", "30 hari": "30 days", "Rentang…": "Range…",
    "Tanggal": "Date", "Semua status": "All statuses", "Semua reseller": "All resellers",
    "Semua produk": "All products", "Semua operator": "All operators", "Nomor tujuan": "Destination number",
    "Cari TrxID, nomor, SN, reseller, produk": "Search TrxID, number, SN, reseller, product",
    "Ekspor CSV…": "Export CSV…",
    "Simpan transaksi yang tampil (saringan dan urutan ini) sebagai CSV untuk Excel":
        "Save the listed orders (this filter and order) as a CSV file for Excel",
    "Pilih transaksi untuk melihat riwayatnya.": "Select an order to see its history.",
    "{count} transaksi · {success} sukses · penjualan {sales} · modal {cost} · laba {profit}":
        "{count} orders · {success} successful · sales {sales} · cost {cost} · profit {profit}",
    "{count} transaksi · {success} sukses · penjualan {sales} · modal {cost} · komisi {commission} · laba {profit}":
        "{count} orders · {success} successful · sales {sales} · cost {cost} · commission {commission} · "
        "profit {profit}",
    "Memuat…": "Loading…", "Gagal: {error}": "Failed: {error}", "Transaksi tidak ditemukan": "Order not found",
    "Tidak tampil di daftar dengan saringan ini.": "Not in the list with this filter.",
    "Dikirim": "Sent", "Selesai": "Finished", "Dana": "Money", "sudah dikembalikan ke reseller":
        "refunded to the reseller", "Ref. H2H": "H2H ref.", "Dicek": "Checked",
    "Tindakan manual": "Manual actions", "rute: {route}": "route: {route}", "otomatis": "automatic",
    "Pesan masuk": "Inbound message", "tidak ada (dibuat lewat kanal lain)": "none (placed through another channel)",
    "Percobaan": "Attempts", "belum ada": "none yet", "menunggu jawaban": "waiting for an answer", "Kirim": "Request",
    "Jawaban operator": "Operator reply", "Mutasi saldo": "Ledger", "Balasan": "Replies",
    "Untuk pesanan gagal atau suspect": "For failed or suspect orders",
    "Untuk pesanan suspect, gagal atau antri": "For suspect, failed or queued orders",
    "Untuk pesanan antri atau suspect (bukan yang sedang dikirim)":
        "For queued or suspect orders (not one being sent)",
    "Untuk pesanan yang sudah punya balasan": "For orders that have a reply",
    "▲ {n} transaksi baru": "▲ {n} new orders",
    "Tidak ada transaksi yang cocok dengan saringan ini.": "No orders match this filter.",
    "Belum ada transaksi. Pesanan reseller akan muncul di sini.":
        "No orders yet. Resellers' orders will show up here.",
    "TrxID {id} tidak bisa diproses: {error}": "TrxID {id} could not be processed: {error}",
    "Ekspor transaksi ke CSV": "Export orders to CSV", "Mengekspor…": "Exporting…",
    "Mengekspor… {done} dari {total}": "Exporting… {done} of {total}",
    "Ekspor gagal: {error}": "Export failed: {error}",
    "{n} transaksi diekspor ke {path}": "{n} orders exported to {path}",
})
