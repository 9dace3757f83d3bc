"""Transaksi: every order, filtered, sorted and totalled in SQL, shown a page at a time.

A million orders must not cost a million Python objects: the model keeps only the matching order ids
(an `array('q')`, 8 MB for a million) and reads rows 100 at a time as the table asks for them. The
id list and the totals come from a background thread with its own database connection (peewee keeps
one per thread), so a slow filter or sort never stalls the window; a newer request makes an older
result stale and it is dropped.

While the view is shown, `bridge.tick` brings new orders in cheaply (ids above the newest one known,
by primary key) and repaints the visible rows; the totals and, when the filter or sort depends on a
changing column, the whole id list are refreshed in the background at most every few seconds.
"""
from __future__ import annotations

import csv
import datetime as _dt
import html
import itertools
import logging
import time
from array import array
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

import peewee as pw
from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QFileDialog, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPushButton, QSplitter, QTableView, QTextBrowser, QVBoxLayout,
                               QWidget)

from app.money import group, rupiah
from storage import sql
from storage.models import database_proxy
from ui.i18n import add_english, tr
from ui.style import state_colours

log = logging.getLogger(__name__)
C = "Transaksi"
PAGE = 100
MAX_PAGES = 60  # row cache: 6,000 rows
FULL_REFRESH_S = 4.0  # live: id list re-read at most this often when the filter or sort needs it
TOTALS_REFRESH_S = 2.0


# --- background SQL ---------------------------------------------------------------------------------

def thread_rows(db: pw.Database, query: str, params: Sequence[Any] = ()) -> list[tuple]:
    """Run `query` on the calling thread's own connection of `db` (peewee opens one per thread)."""
    if db.param == "?":
        return db.connection().execute(query, params).fetchall()
    return db.execute_sql(query.replace("?", db.param), params).fetchall()


class QueryRunner(QObject):
    """Background threads for the views' heavy reads. `submit(fn)` runs `fn(db)` on one of them and
    emits `done(token, result)` on the GUI thread; an exception is delivered as the result. Two threads,
    so a new filter's ids need not wait behind the previous filter's totals."""

    done = Signal(int, object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ui-sql")
        self._tokens = itertools.count(1)

    def submit(self, fn: Callable[[pw.Database], Any]) -> int:
        token = next(self._tokens)
        db = database_proxy.obj
        self._pool.submit(self._run, token, fn, db)
        return token

    def _run(self, token: int, fn: Callable[[pw.Database], Any], db: pw.Database) -> None:
        try:
            result = fn(db)
        except Exception as exc:  # shown by the view; the thread must live on
            log.exception("background query failed")
            result = exc
        self.done.emit(token, result)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


_runner: QueryRunner | None = None


def runner() -> QueryRunner:
    global _runner
    if _runner is None:
        _runner = QueryRunner()
    return _runner


# --- a table model over ids -------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    title: str  # Indonesian; shown through tr(C, ...)
    sort: str | None = None  # SQL expression to ORDER BY; None: not sortable
    align_right: bool = False


class PagedModel(QAbstractTableModel):
    """Rows identified by ids held in memory; the rows themselves are fetched `PAGE` at a time.

    Subclasses give `columns`, `context`, `fetch(ids) -> {id: row tuple}` (GUI thread, by primary key)
    and `display(row, column)`; `set_ids` replaces the list (after a background query).
    """

    columns: tuple[Column, ...] = ()
    context = C
    loaded = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.ids: array = array("q")
        self._pages: OrderedDict[int, dict[int, tuple]] = OrderedDict()

    # subclass hooks
    def fetch(self, ids: Sequence[int]) -> dict[int, tuple]:
        raise NotImplementedError

    def display(self, row: tuple, column: int) -> str:
        raise NotImplementedError

    def decorate(self, row: tuple, column: int, role: int) -> Any:
        return None

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

    def row_at(self, position: int) -> tuple | None:
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
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.display(row, index.column())
        return self.decorate(row, index.column(), role)


# --- the order log's query ------------------------------------------------------------------------

STATUSES = ("success", "failed", "suspect", "queued", "sending")
STATUS_LABELS = {"success": "Sukses", "failed": "Gagal", "suspect": "Suspect", "queued": "Antri",
                 "sending": "Dikirim"}


@dataclass(frozen=True)
class LogFilter:
    date_from: _dt.datetime | None = None  # inclusive
    date_to: _dt.datetime | None = None  # exclusive
    status: str = ""
    reseller_id: int | None = None
    product_id: int | None = None
    operator: str = ""
    dest: str = ""  # prefix of the destination number
    sn: str = ""  # prefix of the SN (case-sensitive)
    search: str = ""  # TrxID, number, SN, reseller or product code
    sort: str = "id"  # a Column.key of LOG_COLUMNS
    descending: bool = True

    @property
    def changes_with_status(self) -> bool:
        """Live updates can move rows in or out: the id list must be re-read, not just extended."""
        return bool(self.status) or self.sort not in ("id", "created_at") or bool(self.sn)


LOG_COLUMNS: tuple[Column, ...] = (
    Column("id", "TrxID", "o.id", True),
    Column("created_at", "Waktu", "o.created_at"),
    Column("reseller", "Reseller", "r.code"),
    Column("product", "Produk", "p.code"),
    Column("operator", "Operator", "p.operator"),
    Column("dest", "Tujuan", "o.dest"),
    Column("price", "Harga", "o.price", True),
    Column("cost", "Modal", "o.cost", True),
    Column("profit", "Laba", "(o.price - COALESCE(o.cost, o.price))", True),
    Column("status", "Status", "o.status"),
    Column("sn", "SN", "o.sn"),
    Column("supplier", "Supplier", None),
    Column("note", "Keterangan", None),
)
_SORT_JOINS = {"reseller": "JOIN reseller r ON r.id = o.reseller_id",
               "product": "JOIN product p ON p.id = o.product_id",
               "operator": "JOIN product p ON p.id = o.product_id"}


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def where_clause(f: LogFilter, *, live: bool = False) -> tuple[str, list[Any]]:
    """SQL conditions on `"order" o` for a filter. With `live`, the columns are written `+o.col` so
    SQLite cannot use their indexes and walks the primary key range instead (new ids only)."""
    col = (lambda name: f"+o.{name}") if live else (lambda name: f"o.{name}")
    parts: list[str] = []
    params: list[Any] = []
    if f.date_from is not None:
        parts.append(f"{col('created_at')} >= ?")
        params.append(f.date_from)
    if f.date_to is not None:
        parts.append(f"{col('created_at')} < ?")
        params.append(f.date_to)
    if f.status:
        parts.append(f"{col('status')} = ?")
        params.append(f.status)
    if f.reseller_id is not None:
        parts.append(f"{col('reseller_id')} = ?")
        params.append(f.reseller_id)
    if f.product_id is not None:
        parts.append(f"{col('product_id')} = ?")
        params.append(f.product_id)
    if f.operator:
        parts.append(f"{col('product_id')} IN (SELECT id FROM product WHERE operator = ?)")
        params.append(f.operator)
    if f.dest.strip():
        parts.append(f"{col('dest')} LIKE ? ESCAPE '\\'")
        params.append(_like_prefix(f.dest.strip()))
    if f.sn.strip():
        # a range rather than LIKE, so the (sn, status) index serves it; SNs compare case-sensitively
        prefix = f.sn.strip()
        parts.append(f"{col('sn')} >= ? AND {col('sn')} < ?")
        params += [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]
    term = f.search.strip()
    if term:
        like = f"%{term.replace('%', '').replace('_', '')}%"
        # instr/strpos rather than LIKE '%x%' on the million-row columns: about twice as fast, and
        # numbers and SNs need no case folding
        contains = "instr({}, ?) > 0" if isinstance(database_proxy.obj, pw.SqliteDatabase) else "strpos({}, ?) > 0"
        options = [contains.format(col("dest")), contains.format(col("sn")),
                   f"{col('reseller_id')} IN (SELECT id FROM reseller WHERE code LIKE ? OR name LIKE ?)",
                   f"{col('product_id')} IN (SELECT id FROM product WHERE code LIKE ?)"]
        params += [term, term, like, like, like]
        if term.isdigit() and len(term) < 12:
            options.insert(0, "o.id = ?")
            params.insert(len(params) - 5, int(term))
        parts.append("(" + " OR ".join(options) + ")")
    return (" AND ".join(parts) or "1=1"), params


def ids_query(f: LogFilter) -> tuple[str, list[Any]]:
    where, params = where_clause(f)
    direction = "DESC" if f.descending else "ASC"
    if f.sort in ("id", "created_at"):
        # Ids grow with time, so both sorts are the primary key order. With a date range and no
        # reseller, `+o.id` stops SQLite from walking the whole table in id order and lets it use
        # the created_at index (measured 130 ms -> 6 ms for one day of a million orders).
        key = "+o.id" if (f.date_from or f.date_to) and f.reseller_id is None else "o.id"
        return f'SELECT o.id FROM "order" o WHERE {where} ORDER BY {key} {direction}', params
    column = next(c for c in LOG_COLUMNS if c.key == f.sort)
    join = _SORT_JOINS.get(f.sort, "")
    # One sort key only: a second key (o.id) makes SQLite's sorter ~5x slower on a million rows.
    return f'SELECT o.id FROM "order" o {join} WHERE {where} ORDER BY {column.sort} {direction}', params


def totals_query(f: LogFilter) -> tuple[str, list[Any]]:
    where, params = where_clause(f)
    return ("SELECT COUNT(*), COALESCE(SUM(CASE WHEN o.status = 'success' THEN o.price END), 0), "
            "COALESCE(SUM(CASE WHEN o.status = 'success' THEN o.cost END), 0), "
            "COALESCE(SUM(CASE WHEN o.status = 'success' THEN 1 END), 0) "
            f'FROM "order" o WHERE {where}'), params


@dataclass(frozen=True)
class Totals:
    count: int = 0
    sales: int = 0  # sum of prices of successful orders (failed ones are refunded)
    cost: int = 0
    success: int = 0

    @property
    def profit(self) -> int:
        return self.sales - self.cost


def load_ids(db: pw.Database, f: LogFilter) -> array:
    query, params = ids_query(f)
    return array("q", [i for (i,) in thread_rows(db, query, params)])


def load_totals(db: pw.Database, f: LogFilter) -> Totals:
    query, params = totals_query(f)
    count, sales, cost, success = thread_rows(db, query, params)[0]
    return Totals(int(count), int(sales), int(cost), int(success))


ROW_SQL = ('SELECT o.id, o.created_at, r.code, p.code, p.operator, o.dest, o.price, o.cost, o.status, o.sn, '
           's.name, o.fail_reason FROM "order" o JOIN reseller r ON r.id = o.reseller_id '
           'JOIN product p ON p.id = o.product_id LEFT JOIN supplier s ON s.id = o.supplier_id WHERE o.id IN ')
CSV_HEADER = ("TrxID", "Waktu", "Reseller", "Produk", "Operator", "Tujuan", "Harga", "Modal", "Status", "SN",
              "Supplier", "Keterangan")


def _stamp(value: Any) -> str:
    text = str(value or "")
    return text[:19]


def export_csv(db: pw.Database, f: LogFilter, path: str, progress: Callable[[int], None] | None = None) -> int:
    """Write the filtered orders, in the view's order, to `path`: semicolon separated with a UTF-8
    BOM, which Excel in an Indonesian locale opens as columns. Returns the number of rows."""
    ids = load_ids(db, f)
    written = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh, delimiter=";")
        out.writerow(CSV_HEADER)
        for start in range(0, len(ids), 500):
            chunk = list(ids[start:start + 500])
            rows = {r[0]: r for r in thread_rows(db, ROW_SQL + f"({','.join('?' * len(chunk))})", chunk)}
            for order_id in chunk:
                r = rows.get(order_id)
                if r is None:
                    continue
                out.writerow((r[0], _stamp(r[1]), r[2], r[3], r[4], r[5], r[6], "" if r[7] is None else r[7],
                              r[8], r[9], r[10] or "", r[11]))
                written += 1
            if progress is not None:
                progress(written)
    return written


# --- the order log model ----------------------------------------------------------------------------

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
        self._runner = runner()
        self._runner.done.connect(self._on_done)
        self._ids_token = 0
        self._totals_token = 0
        # bumped per request; a queued job of an older one skips its query. A plain list, since the
        # job reads it on the worker thread and must not touch this QObject (it may be gone by then).
        self._generation = [0]
        self._max_id = 0
        self.pending = False
        self.last_full = 0.0
        self.last_totals = 0.0

    # queries
    def apply(self, f: LogFilter) -> None:
        """Re-read ids and totals for `f` in the background; `loaded` fires when the ids are in."""
        self.filter = f
        self.reload()

    def reload(self) -> None:
        f = self.filter
        self.pending = True
        self.busyChanged.emit(True)
        self._generation[0] += 1
        gen, current = self._generation[0], self._generation
        # the newest id is read first: an order placed between the two reads is then both in the list
        # and "new" to the next live update, which drops it as already known
        self._ids_token = self._runner.submit(
            lambda db: (_max_order_id(db), load_ids(db, f))[::-1] if gen == current[0] else None)
        self.refresh_totals()

    def refresh_totals(self) -> None:
        f = self.filter
        gen, current = self._generation[0], self._generation
        self.last_totals = time.monotonic()
        self._totals_token = self._runner.submit(lambda db: load_totals(db, f) if gen == current[0] else None)

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
            ids, max_id = result  # type: ignore[misc]
            self._max_id = max_id
            self.last_full = time.monotonic()
            self.set_ids(ids)
        elif token == self._totals_token:
            if isinstance(result, Exception):
                self.failed.emit(str(result))
                return
            self.totals = result  # type: ignore[assignment]
            self.totalsChanged.emit(result)

    def live_update(self) -> None:
        """New orders since the last read (cheap, by primary key), then repaint visible rows."""
        f = self.filter
        now = time.monotonic()
        if self._max_id == 0 and self.pending:  # the first list is still loading
            return
        if f.changes_with_status:
            if now - self.last_full >= FULL_REFRESH_S and not self.pending:
                self.last_full = now
                self.reload()
            else:
                self.invalidate_rows()
            return
        where, params = where_clause(f, live=True)
        new = [i for (i,) in sql.all_rows(f'SELECT o.id FROM "order" o WHERE o.id > ? AND {where} ORDER BY o.id',
                                          [self._max_id, *params])]
        top = sql.one('SELECT MAX(id) FROM "order"')
        self._max_id = max(self._max_id, int(top[0] or 0) if top else 0, *(new or [0]))
        edge = self.ids[:200] if f.descending else self.ids[-200:]
        known = set(edge)
        new = [i for i in new if i not in known]
        if new:
            if f.descending:
                self.prepend_ids(new[::-1])
            else:
                self.append_ids(new)
        self.invalidate_rows()
        if now - self.last_totals >= TOTALS_REFRESH_S:
            self.refresh_totals()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        col = self.columns[column]
        if col.sort is None:
            return
        self.apply(replace(self.filter, sort=col.key, descending=order == Qt.SortOrder.DescendingOrder))

    # rows
    def fetch(self, ids: Sequence[int]) -> dict[int, tuple]:
        if not ids:
            return {}
        return {r[0]: r for r in sql.all_rows(ROW_SQL + f"({','.join('?' * len(ids))})", list(ids))}

    def display(self, row: tuple, column: int) -> str:
        key = self.columns[column].key
        if key == "id":
            return str(row[0])
        if key == "created_at":
            return _stamp(row[1])
        if key == "reseller":
            return row[2]
        if key == "product":
            return row[3]
        if key == "operator":
            return row[4]
        if key == "dest":
            return row[5]
        if key == "price":
            return group(row[6])
        if key == "cost":
            return "" if row[7] is None else group(row[7])
        if key == "profit":
            return group(row[6] - row[7]) if row[8] == "success" and row[7] is not None else ""
        if key == "status":
            return tr(C, STATUS_LABELS.get(row[8], row[8]))
        if key == "sn":
            return row[9]
        if key == "supplier":
            return row[10] or ""
        return row[11]

    def decorate(self, row: tuple, column: int, role: int) -> Any:
        if self.columns[column].key != "status":
            return None
        bg, fg = state_colours(row[8])
        return bg if role == Qt.ItemDataRole.BackgroundRole else fg


def _max_order_id(db: pw.Database) -> int:
    return int(thread_rows(db, 'SELECT COALESCE(MAX(id), 0) FROM "order"')[0][0])


# --- the detail pane --------------------------------------------------------------------------------

def order_detail_html(order_id: int) -> str:
    """The history of one order: inbound message, attempts with the raw operator text, ledger, replies."""
    o = sql.one('SELECT o.id, o.created_at, r.code, r.name, p.code, p.name, o.dest, o.price, o.cost, o.status, o.sn, '
                'o.fail_reason, o.inbound_id, o.channel, o.refunded, o.finished_at FROM "order" o '
                'JOIN reseller r ON r.id = o.reseller_id JOIN product p ON p.id = o.product_id WHERE o.id = ?',
                (order_id,))
    if o is None:
        return f"<p>{html.escape(tr(C, 'Transaksi tidak ditemukan'))}</p>"
    e = html.escape
    parts = [f"<h3>TrxID {o[0]} — {e(tr(C, STATUS_LABELS.get(o[9], o[9])))}</h3>",
             "<table cellspacing='0' cellpadding='2'>"]
    facts = [(tr(C, "Waktu"), _stamp(o[1])), (tr(C, "Reseller"), f"{o[2]} — {o[3]}"),
             (tr(C, "Produk"), f"{o[4]} — {o[5]}"), (tr(C, "Tujuan"), o[6]), (tr(C, "Harga"), rupiah(o[7])),
             (tr(C, "Modal"), "-" if o[8] is None else rupiah(o[8])), ("SN", o[10] or "-"),
             (tr(C, "Selesai"), _stamp(o[15]) or "-")]
    if o[11]:
        facts.append((tr(C, "Keterangan"), o[11]))
    if o[14]:
        facts.append((tr(C, "Refund"), tr(C, "sudah dikembalikan")))
    parts += [f"<tr><td><b>{e(k)}</b></td><td>{e(str(v))}</td></tr>" for k, v in facts]
    parts.append("</table>")

    parts.append(f"<h4>{e(tr(C, 'Pesan masuk'))}</h4>")
    inbound = sql.one("SELECT received_at, sender, channel, modem, text FROM inbound_message WHERE id = ?",
                      (o[12],)) if o[12] else None
    if inbound:
        parts.append(f"<p>{e(_stamp(inbound[0]))} · {e(inbound[1])} ({e(inbound[2])}"
                     f"{' · ' + e(inbound[3]) if inbound[3] else ''})<br><code>{e(inbound[4])}</code></p>")
    else:
        parts.append(f"<p><i>{e(tr(C, 'tidak ada (dibuat lewat kanal lain)'))}</i></p>")

    parts.append(f"<h4>{e(tr(C, 'Percobaan'))}</h4>")
    attempts = sql.all_rows("SELECT a.started_at, s.name, a.request, a.outcome, a.response, a.sn, a.reason "
                            "FROM attempt a LEFT JOIN supplier s ON s.id = a.supplier_id WHERE a.order_id = ? "
                            "ORDER BY a.id", (order_id,))
    if not attempts:
        parts.append(f"<p><i>{e(tr(C, 'belum ada'))}</i></p>")
    for i, a in enumerate(attempts, 1):
        parts.append(f"<p><b>#{i}</b> {e(_stamp(a[0]))} · {e(a[1] or '-')} · <b>{e(a[3] or '?')}</b>"
                     f"{' · ' + e(a[6]) if a[6] else ''}<br>{e(tr(C, 'Kirim'))}: <code>{e(a[2])}</code><br>"
                     f"{e(tr(C, 'Jawaban operator'))}: <code>{e(a[4]) or '-'}</code></p>")

    parts.append(f"<h4>{e(tr(C, 'Mutasi saldo'))}</h4>")
    entries = sql.all_rows("SELECT created_at, kind, delta, balance_after, note, actor FROM ledger_entry "
                           "WHERE order_id = ? ORDER BY id", (order_id,))
    for le in entries:
        parts.append(f"<p>{e(_stamp(le[0]))} · {e(le[1])} · <b>{e(rupiah(le[2]))}</b> → {e(rupiah(le[3]))}"
                     f"{' · ' + e(le[4]) if le[4] else ''} ({e(le[5])})</p>")
    if not entries:
        parts.append(f"<p><i>{e(tr(C, 'belum ada'))}</i></p>")

    parts.append(f"<h4>{e(tr(C, 'Balasan'))}</h4>")
    replies = sql.all_rows("SELECT created_at, \"to\", status, modem, text FROM outbound_message WHERE order_id = ? "
                           "ORDER BY id", (order_id,))
    for rp in replies:
        parts.append(f"<p>{e(_stamp(rp[0]))} → {e(rp[1])} · {e(rp[2])}{' · ' + e(rp[3]) if rp[3] else ''}"
                     f"<br><code>{e(rp[4])}</code></p>")
    if not replies:
        parts.append(f"<p><i>{e(tr(C, 'belum ada'))}</i></p>")
    return "".join(parts)


# --- the view ---------------------------------------------------------------------------------------

DATE_PRESETS = ("Semua tanggal", "Hari ini", "Kemarin", "7 hari", "30 hari", "Rentang…")


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
    if preset == 5:
        return _dt.datetime.combine(start, _dt.time()), _dt.datetime.combine(end, _dt.time()) + day
    return None, None


class LogView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.active = False
        self._dirty = False
        self._first_load = True
        self.model = OrderLogModel(self)
        # several filter widgets changed in one go (e.g. a reset) make one query
        self._soon = QTimer(self, singleShot=True, interval=0)
        self._soon.timeout.connect(self.apply_filter)
        self._build()
        self.model.totalsChanged.connect(self._show_totals)
        self.model.busyChanged.connect(self._show_busy)
        self.model.failed.connect(self._show_error)
        self.model.loaded.connect(self._on_loaded)
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.apply_filter)

        self._live = QTimer(self, interval=500)
        self._live.timeout.connect(self._on_live)
        bridge = getattr(ctx, "bridge", None)
        if bridge is not None:
            bridge.tick.connect(self._on_tick)
        self._export_runner = runner()
        self._export_token = 0
        self._export_runner.done.connect(self._on_export_done)

    def title(self) -> str:
        return tr(C, "Transaksi")

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        row1 = QHBoxLayout()
        self.date_preset = QComboBox()
        self.date_preset.addItems([tr(C, p) for p in DATE_PRESETS])
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-7), calendarPopup=True, displayFormat="dd-MM-yyyy")
        self.date_to = QDateEdit(today, calendarPopup=True, displayFormat="dd-MM-yyyy")
        self.status = QComboBox()
        self.status.addItem(tr(C, "Semua status"), "")
        for s in STATUSES:
            self.status.addItem(tr(C, STATUS_LABELS[s]), s)
        self.reseller = QComboBox()
        self.product = QComboBox()
        self.operator = QComboBox()
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
        self.search.setClearButtonEnabled(True)
        self.export_button = QPushButton(tr(C, "Ekspor CSV"))
        self.busy = QLabel()
        for w, stretch in ((self.dest, 1), (self.sn, 1), (self.search, 3), (self.busy, 0), (self.export_button, 0)):
            row2.addWidget(w, stretch)
        layout.addLayout(row1)
        layout.addLayout(row2)

        self.table = QTableView()
        self.table.setModel(self.model)
        # Not setSortingEnabled: it sorts (queries) at once; the header only asks, the view decides.
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.horizontalHeader().setSectionsClickable(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((60, 136, 60, 50, 64, 104, 66, 66, 56, 70, 136, 100)):
            self.table.setColumnWidth(col, width)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.setHtml(f"<p><i>{html.escape(tr(C, 'Pilih transaksi untuk melihat riwayatnya.'))}</i></p>")
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([900, 340])
        layout.addWidget(split, 1)
        self.totals = QLabel()
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.totals.setStyleSheet("font-weight: bold; padding: 4px;")
        layout.addWidget(self.totals)

        self._sync_dates()
        self.date_preset.currentIndexChanged.connect(self._sync_dates)
        for combo in (self.date_preset, self.status, self.reseller, self.product, self.operator):
            combo.currentIndexChanged.connect(self._soon.start)
        self.date_from.dateChanged.connect(self._soon.start)
        self.date_to.dateChanged.connect(self._soon.start)
        for edit in (self.dest, self.sn, self.search):
            edit.textChanged.connect(lambda _=None: self._debounce.start())
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.export_button.clicked.connect(self._ask_export)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._on_sort)

    def reload_choices(self) -> None:
        """Resellers, products and operators for the filter lists (small tables)."""
        for combo in (self.reseller, self.product, self.operator):
            combo.blockSignals(True)
            combo.clear()
        self.reseller.addItem(tr(C, "Semua reseller"), None)
        for rid, code, name in sql.all_rows("SELECT id, code, name FROM reseller ORDER BY code"):
            self.reseller.addItem(f"{code} — {name}", rid)
        self.product.addItem(tr(C, "Semua produk"), None)
        for pid, code in sql.all_rows("SELECT id, code FROM product ORDER BY operator, nominal, code"):
            self.product.addItem(code, pid)
        self.operator.addItem(tr(C, "Semua operator"), "")
        for (op,) in sql.all_rows("SELECT DISTINCT operator FROM product ORDER BY operator"):
            self.operator.addItem(op, op)
        for combo in (self.reseller, self.product, self.operator):
            combo.blockSignals(False)

    def _sync_dates(self) -> None:
        custom = self.date_preset.currentIndex() == DATE_PRESETS.index("Rentang…")
        for w in (self.date_from, self.date_dash, self.date_to):
            w.setVisible(custom)

    # --- filter ---------------------------------------------------------------------------------
    def current_filter(self) -> LogFilter:
        start, end = preset_range(self.date_preset.currentIndex(), _dt.date.today(),
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
            current = next(i for i, c in enumerate(self.model.columns) if c.key == f.sort)
            self.table.horizontalHeader().blockSignals(True)
            self.table.horizontalHeader().setSortIndicator(
                current, Qt.SortOrder.DescendingOrder if f.descending else Qt.SortOrder.AscendingOrder)
            self.table.horizontalHeader().blockSignals(False)
            return
        self.model.sort(column, order)

    @Slot()
    def apply_filter(self) -> None:
        self._soon.stop()
        self._debounce.stop()
        self.model.apply(self.current_filter())

    # --- live -----------------------------------------------------------------------------------
    def set_active(self, active: bool) -> None:
        self.active = active
        if active:
            if self._first_load:
                self._first_load = False
                self.apply_filter()
            elif self._dirty:
                self._dirty = False
                self.model.live_update()
            self._live.start()
        else:
            self._live.stop()

    @Slot()
    def _on_tick(self) -> None:
        self._dirty = True

    @Slot()
    def _on_live(self) -> None:
        if self.active and self._dirty and not self._first_load:
            self._dirty = False
            self.model.live_update()

    # --- feedback -------------------------------------------------------------------------------
    @Slot(object)
    def _show_totals(self, t: Totals) -> None:
        self.totals.setText(tr(C, "{count} transaksi · {success} sukses · penjualan {sales} · modal {cost} · "
                                  "laba {profit}").format(count=group(t.count), success=group(t.success),
                                                          sales=rupiah(t.sales), cost=rupiah(t.cost),
                                                          profit=rupiah(t.profit)))

    @Slot(bool)
    def _show_busy(self, busy: bool) -> None:
        self.busy.setText(tr(C, "Memuat…") if busy else "")

    @Slot(str)
    def _show_error(self, text: str) -> None:
        self.busy.setText(tr(C, "Gagal: {error}").format(error=text))

    @Slot()
    def _on_loaded(self) -> None:
        if self.model.rowCount() and not self.table.selectionModel().hasSelection():
            self.detail.setHtml(f"<p><i>{html.escape(tr(C, 'Pilih transaksi untuk melihat riwayatnya.'))}</i></p>")

    @Slot(QModelIndex, QModelIndex)
    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        order_id = self.model.id_at(current.row())
        if order_id is not None:
            self.show_detail(order_id)

    def show_detail(self, order_id: int) -> None:
        self.detail.setHtml(order_detail_html(order_id))

    # --- export ---------------------------------------------------------------------------------
    def _ask_export(self) -> None:
        dialog = QFileDialog(self, tr(C, "Ekspor transaksi ke CSV"), f"transaksi-{_dt.date.today():%Y%m%d}.csv",
                             "CSV (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(self.export_to)
        dialog.open()
        self._file_dialog = dialog

    @Slot(str)
    def export_to(self, path: str) -> int:
        """Start writing the filtered rows to `path` in the background; returns the job's token."""
        f = self.model.filter
        self.export_button.setEnabled(False)
        self.busy.setText(tr(C, "Mengekspor…"))
        self._export_token = self._export_runner.submit(lambda db: export_csv(db, f, path))
        return self._export_token

    @Slot(int, object)
    def _on_export_done(self, token: int, result: object) -> None:
        if token != self._export_token:
            return
        self.export_button.setEnabled(True)
        if isinstance(result, Exception):
            self.busy.setText(tr(C, "Ekspor gagal: {error}").format(error=result))
        else:
            self.busy.setText(tr(C, "{n} baris diekspor").format(n=group(int(result))))  # type: ignore[arg-type]


add_english(C, {
    "Transaksi": "Transactions", "TrxID": "TrxID", "Waktu": "Time", "Reseller": "Reseller", "Produk": "Product",
    "Operator": "Operator", "Tujuan": "Destination", "Harga": "Price", "Modal": "Cost", "Laba": "Profit",
    "Status": "Status", "Supplier": "Supplier", "Keterangan": "Note", "Sukses": "Success", "Gagal": "Failed",
    "Suspect": "Suspect", "Antri": "Queued", "Dikirim": "Sending", "Semua tanggal": "All dates",
    "Hari ini": "Today", "Kemarin": "Yesterday", "7 hari": "7 days", "30 hari": "30 days", "Rentang…": "Range…",
    "Tanggal": "Date", "Semua status": "All statuses", "Semua reseller": "All resellers",
    "Semua produk": "All products", "Semua operator": "All operators", "Nomor tujuan": "Destination number",
    "Cari TrxID, nomor, SN, reseller, produk": "Search TrxID, number, SN, reseller, product",
    "Ekspor CSV": "Export CSV", "Pilih transaksi untuk melihat riwayatnya.": "Select an order to see its history.",
    "{count} transaksi · {success} sukses · penjualan {sales} · modal {cost} · laba {profit}":
        "{count} orders · {success} successful · sales {sales} · cost {cost} · profit {profit}",
    "Memuat…": "Loading…", "Gagal: {error}": "Failed: {error}", "Transaksi tidak ditemukan": "Order not found",
    "Selesai": "Finished", "Refund": "Refund", "sudah dikembalikan": "refunded", "Pesan masuk": "Inbound message",
    "tidak ada (dibuat lewat kanal lain)": "none (placed through another channel)", "Percobaan": "Attempts",
    "belum ada": "none yet", "Kirim": "Sent", "Jawaban operator": "Operator reply", "Mutasi saldo": "Ledger",
    "Balasan": "Replies", "Ekspor transaksi ke CSV": "Export orders to CSV", "Mengekspor…": "Exporting…",
    "Ekspor gagal: {error}": "Export failed: {error}", "{n} baris diekspor": "{n} rows exported",
})
