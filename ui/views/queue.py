"""Antrian: the orders that need the owner ("Perlu tindakan": suspect, and failed ones not yet marked
checked), pinned above the orders the server is working on (queued, sending), and the manual actions —
retry on a chosen route, force success with an SN, fail and refund, resend the reply (the dialogs of
ui.dialogs.order_actions, shared with Transaksi), and mark failed orders checked.

Rows never move under the pointer: both lists keep the order rows came in, new ones are added at the
bottom, and a row that leaves its list stays for a few seconds, greyed, showing how it ended; it is
taken away only when the pointer is not over its table, it is not selected and no dialog is open.
Each dialog acts on the order it was opened for (its TrxID heads the dialog's text), whatever the table
shows by the time the owner confirms. The engine carries the actions out on this (the loop's) thread and
writes the audit log with the acting user.
"""
from __future__ import annotations

import datetime as _dt
import logging
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter,
                               QTableView, QVBoxLayout, QWidget)

from app.money import rupiah
from app.queries.order_actions import ACTION_STATUSES, OrderAction, order_brief
from app.queries.queue import QueueOrder, QueueSnapshot, queue_snapshot, unreviewed_failed_ids
from ui.context import UiContext
from ui.dialogs.confirm import ConfirmDialog
from ui.dialogs.order_actions import ACTION_KEYS, OrderActions, action_text
from ui.i18n import add_english, tr
from ui.labels import label
from ui.refresh import Refresher
from ui.views.phones import BadgeDelegate

log = logging.getLogger(__name__)
C = "Antrian"
LINGER_S = 5.0  # a finished row stays this long (engine clock) before it may go
MUTED = "#80868b"

COLUMNS = ("TrxID", "Umur", "Status", "Reseller", "Produk", "Tujuan", "Chip / supplier", "Harga", "Keterangan")
COL_ID, COL_AGE, COL_STATUS, COL_PRICE, COL_NOTE = 0, 1, 2, 7, 8
# the widest text each column usually holds: a column starts at least this wide and only ever grows
SAMPLES = ("99999999", "23j 59m", "Dikirim", "R001 Nama Konter", "S100", "081234567890", "chip tsel-1",
           "Rp 1.000.000", "")


def age_text(since: _dt.datetime, now: _dt.datetime) -> str:
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d}"
    if seconds < 86400:
        return tr(C, "{h}j {m:02d}m").format(h=seconds // 3600, m=seconds % 3600 // 60)
    return tr(C, "{d} hari").format(d=seconds // 86400)


@dataclass
class QueueRow:
    """One row: the order as last read, and since when the view has seen it out of its list."""

    order: QueueOrder
    finished_at: _dt.datetime | None = None

    @property
    def done(self) -> bool:
        return self.finished_at is not None


class OrderTableModel(QAbstractTableModel):
    """Rows in the order they came; updated in place, added at the bottom, removed only by `prune`."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.rows: list[QueueRow] = []
        self.now = _dt.datetime.min
        self.details: Mapping[int, str] = {}  # the engine's last word on an order (e.g. "menunggu SMS operator")
        self._muted = QColor(MUTED)
        self._italic = QFont()
        self._italic.setItalic(True)

    # --- Qt ---

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(C, COLUMNS[section])
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        order, col = row.order, index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if role == Qt.ItemDataRole.ToolTipRole and col not in (COL_STATUS, COL_NOTE):
                return None
            if col == COL_STATUS:
                text = label("status", order.status)
                if role == Qt.ItemDataRole.ToolTipRole:
                    return tr(C, "Selesai: {status}").format(status=text) if row.done else text
                return text
            return (str(order.order_id), age_text(order.created_at, self.now), "", order.reseller,
                    order.product_code, order.dest, order.supplier_name, rupiah(order.price), self.note(row))[col]
        if role == Qt.ItemDataRole.UserRole:
            return order
        if role == Qt.ItemDataRole.ForegroundRole and row.done:
            return self._muted
        if role == Qt.ItemDataRole.FontRole and row.done and col == COL_NOTE:
            return self._italic
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_ID, COL_AGE, COL_PRICE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def note(self, row: QueueRow) -> str:
        order = row.order
        if row.done:
            if order.status == "success":
                return tr(C, "Selesai: sukses, SN {sn}").format(sn=order.sn or "-")
            if order.status == "failed" and order.reviewed_at is not None:
                return tr(C, "Sudah dicek ({who})").format(who=order.reviewed_by or "-")
            if order.status == "failed":
                return tr(C, "Selesai: gagal — {reason}").format(reason=order.fail_reason or "-")
            if order.status == "suspect":
                return tr(C, "Suspect — pindah ke Perlu tindakan: {reason}").format(reason=order.fail_reason or "-")
            return tr(C, "Diulang — kembali ke antrian")
        if order.status in ("failed", "suspect"):
            return order.fail_reason
        return self.details.get(order.order_id, "")

    # --- content ---

    def order_ids(self, *, done: bool | None = None) -> list[int]:
        return [r.order.order_id for r in self.rows if done is None or r.done == done]

    def row_of(self, order_id: int) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.order.order_id == order_id), None)

    def merge(self, listed: Sequence[QueueOrder], ended: Mapping[int, QueueOrder], now: _dt.datetime) -> None:
        """`listed`: the list as read now. A row still listed is updated where it is, a new one goes to
        the bottom, a row no longer listed turns finished (showing `ended[id]`, its state now)."""
        self.now = now
        place = {r.order.order_id: r for r in self.rows}
        fresh: list[QueueOrder] = []
        for order in listed:
            row = place.get(order.order_id)
            if row is None:
                fresh.append(order)
            else:
                row.order, row.finished_at = order, None  # back in the list (e.g. retried): live again
        current = {o.order_id for o in listed}
        for row in self.rows:
            if row.order.order_id in current:
                continue
            if not row.done:
                row.finished_at = now
            row.order = ended.get(row.order.order_id, row.order)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(COLUMNS) - 1))
        if fresh:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(fresh) - 1)
            self.rows += [QueueRow(o) for o in fresh]
            self.endInsertRows()

    def prune(self, now: _dt.datetime, keep: Iterable[int] = ()) -> int:
        """Take away rows finished for LINGER_S or longer, except the order ids in `keep`."""
        keep = set(keep)
        gone = 0
        for i in range(len(self.rows) - 1, -1, -1):
            row = self.rows[i]
            if (row.finished_at is not None and row.order.order_id not in keep
                    and (now - row.finished_at).total_seconds() >= LINGER_S):
                self.beginRemoveRows(QModelIndex(), i, i)
                del self.rows[i]
                self.endRemoveRows()
                gone += 1
        return gone


class OrderList(QWidget):
    """A heading, a table of orders (or a sentence when there are none), and whether the pointer is over it."""

    hoverChanged = Signal(bool)

    def __init__(self, empty_text: str, multi: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.hovered = False
        self.heading = QLabel()
        self.heading.setStyleSheet("font-weight: bold; font-size: 13px;")
        self.hint = QLabel()
        self.hint.setStyleSheet("color: #5f6368;")
        self.hint.setWordWrap(True)
        self.empty = QLabel(empty_text)
        self.empty.setStyleSheet("color: #5f6368; padding: 6px 2px;")
        self.empty.setWordWrap(True)
        self.model = OrderTableModel(self)
        table = self.table = QTableView(self)
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if multi
                               else QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(28)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setItemDelegateForColumn(COL_STATUS, BadgeDelegate(table))
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        metrics = table.fontMetrics()
        for col, sample in enumerate(SAMPLES[:-1]):
            extra = 44 if col == COL_STATUS else 20  # the badge's padding
            table.setColumnWidth(col, max(header.sectionSizeHint(col), metrics.horizontalAdvance(sample) + extra))
        header.setMinimumSectionSize(40)
        table.viewport().installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.hint)
        layout.addWidget(self.empty)
        layout.addWidget(table, 1)
        layout.addStretch(0)
        self.hint.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() in (QEvent.Type.Enter, QEvent.Type.Leave):
            hovered = event.type() == QEvent.Type.Enter
            if hovered != self.hovered:
                self.hovered = hovered
                self.hoverChanged.emit(hovered)
        return False

    def selected_orders(self) -> list[QueueOrder]:
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [self.model.rows[i].order for i in rows]

    def selected_rows(self) -> list[QueueRow]:
        return [self.model.rows[i.row()] for i in self.table.selectionModel().selectedRows()]

    def show_state(self) -> None:
        """The table when it has rows, the sentence when it has none; columns grown to their contents."""
        has_rows = self.model.rowCount() > 0
        self.table.setVisible(has_rows)
        self.empty.setVisible(not has_rows)
        if not has_rows:
            return
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS) - 1):  # grow only: columns never narrow under the pointer
            needed = max(self.table.sizeHintForColumn(col), header.sectionSizeHint(col))
            if needed > self.table.columnWidth(col):
                self.table.setColumnWidth(col, needed)


class QueueView(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.active = False
        self.dialog: ConfirmDialog | None = None  # this view's own dialog ("Tandai semua sudah dicek")
        self.actions = OrderActions(ctx, self)  # the manual actions' dialogs, shared with Transaksi
        self.actions.succeeded.connect(self._on_action_done)
        self.snapshot: QueueSnapshot | None = None
        self._details: dict[int, str] = {}
        # rows shown and not finished: the next load asks how they ended (a list the load thread reads)
        self._asked: list[tuple[int, ...]] = [()]
        ctx.bridge.orderChanged.connect(self._on_order_changed)

        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, keys, slot in (
                ("retry", action_text(OrderAction.RETRY), ACTION_KEYS[OrderAction.RETRY], self.ask_retry),
                ("success", action_text(OrderAction.FORCE_SUCCESS), ACTION_KEYS[OrderAction.FORCE_SUCCESS],
                 self.ask_force_success),
                ("fail", action_text(OrderAction.FAIL_REFUND), ACTION_KEYS[OrderAction.FAIL_REFUND], self.ask_fail),
                ("resend", action_text(OrderAction.RESEND_REPLY), ACTION_KEYS[OrderAction.RESEND_REPLY],
                 self.ask_resend),
                ("reviewed", tr(C, "Tandai sudah dicek"), "Ctrl+Shift+D", self.mark_selected_reviewed),
                ("reviewed_all", tr(C, "Tandai semua sudah dicek…"), "", self.ask_mark_all_reviewed)):
            button = QPushButton(text)
            button.setToolTip(keys)
            button.clicked.connect(lambda _checked=False, s=slot: s())
            if keys:
                shortcut = QShortcut(QKeySequence(keys), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(lambda s=slot: s())
            self.buttons[key] = button
            bar.addWidget(button)
        bar.addStretch(1)
        layout.addLayout(bar)

        self.pinned = OrderList(tr(C, "Tidak ada pesanan yang perlu tindakan. Pesanan suspect dan yang gagal "
                                      "muncul di sini dan tetap di sini sampai Anda menanganinya."), True, self)
        self.pinned.heading.setStyleSheet("font-weight: bold; font-size: 13px; color: #b06000;")
        self.live = OrderList(tr(C, "Antrian kosong: tidak ada pesanan yang sedang menunggu atau dikirim."),
                              False, self)
        self.live.hint.setText(tr(C, "Baris yang selesai tetap tampil sebentar (abu-abu) dengan hasilnya."))
        self.live.hint.show()
        self.live.model.details = self._details
        for section, other in ((self.pinned, self.live), (self.live, self.pinned)):
            section.table.selectionModel().selectionChanged.connect(
                lambda *_a, s=section, o=other: self._on_selection(s, o))
            section.hoverChanged.connect(lambda hovered: None if hovered else self.prune())
        # a splitter, not a layout that follows the row counts: one list growing never moves the other
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.pinned)
        self.splitter.addWidget(self.live)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        layout.addWidget(self.splitter, 1)
        self.message = QLabel()
        self.message.setStyleSheet("color: #5f6368;")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

        # The Refresher gets no bound method of this view: the query thread must never hold the last
        # reference to it (it would be destroyed on that thread), nor may a reference cycle leave it to the
        # garbage collector. The load reads only the shared list of ids.
        view = weakref.ref(self)
        asked = self._asked
        self.refresher = Refresher(
            self, ctx.bridge, lambda: queue_snapshot(shown=asked[0]),
            lambda snap: view() is not None and view()._show(snap), background=True, every_s=1.0,
            failed=lambda exc: view() is not None and view()._load_failed(exc))
        self._show_headings()
        self.pinned.show_state()
        self.live.show_state()
        self._update_buttons()

    # --- contract ----------------------------------------------------------------------------

    def title(self) -> str:
        return tr(C, "Antrian")

    def shortcuts(self) -> list[tuple[str, str]]:
        return [(b.toolTip(), b.text().replace("&&", "&")) for b in self.buttons.values() if b.toolTip()]

    def set_active(self, active: bool) -> None:
        self.active = active
        self.refresher.set_active(active)

    # --- data --------------------------------------------------------------------------------

    @Slot(int, str, str)
    def _on_order_changed(self, order_id: int, status: str, detail: str) -> None:
        if status in ("queued", "sending") and detail:
            self._details[order_id] = detail
        else:
            self._details.pop(order_id, None)
        if len(self._details) > 2000:
            for key in sorted(self._details)[:1000]:
                del self._details[key]

    def _load_failed(self, exc: Exception) -> None:
        self.message.setText(tr(C, "Antrian tidak bisa dibaca: {error}").format(error=exc))

    def _show(self, snap: QueueSnapshot) -> None:
        self.snapshot = snap
        now = self.ctx.engine.clock()
        others = {o.order_id: o for o in snap.others}
        self.pinned.model.merge(snap.needs_action, {**others, **{o.order_id: o for o in snap.live}}, now)
        self.live.model.merge(snap.live, {**others, **{o.order_id: o for o in snap.needs_action}}, now)
        self.prune(now)
        self._asked[0] = tuple(self.pinned.model.order_ids(done=False) + self.live.model.order_ids(done=False))
        self._show_headings()
        self._update_buttons()

    def prune(self, now: _dt.datetime | None = None) -> None:
        """Take away rows that finished a while ago, where that moves nothing the owner is using: not
        under the pointer, not selected, no dialog open."""
        if self.dialog_open():
            return
        now = now or self.ctx.engine.clock()
        for section in (self.pinned, self.live):
            if section.hovered:
                continue
            keep = [o.order_id for o in section.selected_orders()]
            section.model.prune(now, keep)
            section.show_state()

    def _show_headings(self) -> None:
        snap = self.snapshot
        needs = snap.needs_action_total if snap else 0
        live = snap.live_total if snap else 0
        self.pinned.heading.setText(tr(C, "Perlu tindakan ({n})").format(n=needs))
        self.live.heading.setText(tr(C, "Sedang diproses ({n})").format(n=live))
        for section, total, shown in ((self.pinned, needs, len(snap.needs_action) if snap else 0),
                                      (self.live, live, len(snap.live) if snap else 0)):
            if total > shown:
                section.heading.setText(section.heading.text() + "  " + tr(C, "— {shown} terlama ditampilkan")
                                        .format(shown=shown))
        self.pinned.hint.setVisible(needs > 0)
        self.pinned.hint.setText(tr(C, "Tetap di sini sampai Anda bertindak: ulangi, paksa sukses, gagalkan, "
                                       "atau tandai sudah dicek (yang gagal)."))

    # --- selection ---------------------------------------------------------------------------

    def _on_selection(self, section: OrderList, other: OrderList) -> None:
        if section.table.selectionModel().hasSelection():
            other.table.selectionModel().blockSignals(True)
            other.table.clearSelection()
            other.table.selectionModel().blockSignals(False)
            other.table.viewport().update()
        self._update_buttons()
        if not section.table.selectionModel().hasSelection():
            self.prune()

    def selected_rows(self) -> list[QueueRow]:
        return self.pinned.selected_rows() or self.live.selected_rows()

    def selected(self) -> QueueOrder | None:
        """The one selected order that is still in play (None for none, several, or a finished row)."""
        rows = self.selected_rows()
        return rows[0].order if len(rows) == 1 and not rows[0].done else None

    def select(self, order_id: int) -> bool:
        """Select the order's row (in "Perlu tindakan" first); False when neither list shows it."""
        for section in (self.pinned, self.live):
            i = section.model.row_of(order_id)
            if i is not None and not section.model.rows[i].done:
                section.table.selectRow(i)
                return True
        return False

    def _update_buttons(self, *_args) -> None:
        rows = self.selected_rows()
        order = self.selected()
        status = order.status if order else ""
        for key, action in (("retry", OrderAction.RETRY), ("success", OrderAction.FORCE_SUCCESS),
                            ("fail", OrderAction.FAIL_REFUND)):
            self.buttons[key].setEnabled(status in ACTION_STATUSES[action])
        self.buttons["resend"].setEnabled(len(rows) == 1)  # a finished row's reply too
        self.buttons["reviewed"].setEnabled(bool(self._reviewable(rows)))
        self.buttons["reviewed_all"].setEnabled(bool(self.snapshot and any(
            o.status == "failed" for o in self.snapshot.needs_action)))

    @staticmethod
    def _reviewable(rows: Iterable[QueueRow]) -> list[QueueOrder]:
        return [r.order for r in rows if not r.done and r.order.status == "failed" and r.order.reviewed_at is None]

    # --- actions -----------------------------------------------------------------------------

    def dialog_open(self) -> bool:
        return any(d is not None and d.isVisible() for d in (self.dialog, self.actions.dialog))

    def ask(self, action: OrderAction, order: QueueOrder | None = None) -> ConfirmDialog | None:
        """Open the shared dialog for `action` on `order` (default: the selected one). The dialog reads
        the order afresh by its id and acts on that id, whatever is selected when the owner confirms."""
        order = order or self.selected()
        if order is None:
            return None
        dialog = self.actions.ask(action, order_brief(order.order_id))
        if dialog is None:
            self.message.setText(tr(C, "TrxID {id} sudah berubah; tindakan ini tidak berlaku lagi.").format(
                id=order.order_id))
            self.refresher.request()
            return None
        dialog.finished.connect(self._after_dialog)
        return dialog

    def ask_retry(self, order: QueueOrder | None = None) -> ConfirmDialog | None:
        return self.ask(OrderAction.RETRY, order)

    def ask_force_success(self, order: QueueOrder | None = None) -> ConfirmDialog | None:
        return self.ask(OrderAction.FORCE_SUCCESS, order)

    def ask_fail(self, order: QueueOrder | None = None) -> ConfirmDialog | None:
        return self.ask(OrderAction.FAIL_REFUND, order)

    def ask_resend(self, order: QueueOrder | None = None) -> ConfirmDialog | None:
        if order is None:
            rows = self.selected_rows()
            order = rows[0].order if len(rows) == 1 else None
        return self.ask(OrderAction.RESEND_REPLY, order)

    @Slot(int)
    def _after_dialog(self, _result: int = 0) -> None:
        self.refresher.request()
        self.prune()

    @Slot(int, str)
    def _on_action_done(self, order_id: int, text: str) -> None:
        log.info("order %s: %s (by %s)", order_id, text, self.ctx.actor)
        self._done(text)

    def _done(self, text: str) -> None:
        """After an action: say what was done; the rows acted on are let go (shown finished, then gone)."""
        self.message.setText(text)
        for section in (self.pinned, self.live):
            section.table.clearSelection()
        self.refresher.request()

    def mark_selected_reviewed(self) -> int:
        """"Tandai sudah dicek" for the selected failed orders (suspect ones need a real decision)."""
        orders = self._reviewable(self.selected_rows())
        if not orders:
            return 0
        ids = [o.order_id for o in orders]
        count = self.ctx.engine.mark_reviewed(ids, self.ctx.actor)
        log.info("orders %s marked checked by %s", ids, self.ctx.actor)
        self._done(tr(C, "{n} pesanan gagal ditandai sudah dicek.").format(n=count))
        return count

    def ask_mark_all_reviewed(self) -> ConfirmDialog | None:
        ids = list(unreviewed_failed_ids())  # the ones the owner is told about are the ones marked
        if not ids:
            return None

        def mark(_dialog: ConfirmDialog) -> None:
            count = self.ctx.engine.mark_reviewed(ids, self.ctx.actor)
            log.info("%d failed orders marked checked by %s", count, self.ctx.actor)
            self._done(tr(C, "{n} pesanan gagal ditandai sudah dicek.").format(n=count))
        dialog = self.dialog = ConfirmDialog(
            tr(C, "Tandai semua sudah dicek"),
            tr(C, "Tandai {n} pesanan gagal sebagai sudah dicek? Pesanan itu hilang dari daftar Perlu tindakan "
                  "(tetap ada di Transaksi). Pesanan suspect tetap di daftar sampai diselesaikan.").format(n=len(ids)),
            mark, self, ok_text=tr(C, "Tandai {n} pesanan").format(n=len(ids)))
        dialog.finished.connect(self._after_dialog)
        dialog.open()
        return dialog


add_english(C, {
    "Antrian": "Queue",
    "Umur": "Age",
    "Produk": "Product",
    "Tujuan": "Destination",
    "Chip / supplier": "Chip / supplier",
    "Harga": "Price",
    "Keterangan": "Note",
    "{h}j {m:02d}m": "{h}h {m:02d}m",
    "{d} hari": "{d} days",
    "Selesai: {status}": "Finished: {status}",
    "Selesai: sukses, SN {sn}": "Finished: success, SN {sn}",
    "Sudah dicek ({who})": "Checked ({who})",
    "Selesai: gagal — {reason}": "Finished: failed — {reason}",
    "Suspect — pindah ke Perlu tindakan: {reason}": "Suspect — moved to Needs action: {reason}",
    "Diulang — kembali ke antrian": "Retried — back in the queue",
    "Tandai sudah dicek": "Mark as checked",
    "Tandai semua sudah dicek…": "Mark all as checked…",
    "Tidak ada pesanan yang perlu tindakan. Pesanan suspect dan yang gagal muncul di sini dan tetap di sini sampai "
    "Anda menanganinya.":
        "No orders need action. Suspect and failed orders appear here and stay until you deal with them.",
    "Antrian kosong: tidak ada pesanan yang sedang menunggu atau dikirim.":
        "The queue is empty: no order is waiting or being sent.",
    "Baris yang selesai tetap tampil sebentar (abu-abu) dengan hasilnya.":
        "Finished rows stay a moment (grey) with their result.",
    "Antrian tidak bisa dibaca: {error}": "The queue cannot be read: {error}",
    "Perlu tindakan ({n})": "Needs action ({n})",
    "Sedang diproses ({n})": "In progress ({n})",
    "— {shown} terlama ditampilkan": "— the oldest {shown} shown",
    "Tetap di sini sampai Anda bertindak: ulangi, paksa sukses, gagalkan, atau tandai sudah dicek (yang gagal).":
        "They stay here until you act: retry, force success, fail, or mark as checked (failed ones).",
    "TrxID {id} sudah berubah; tindakan ini tidak berlaku lagi.":
        "TrxID {id} has changed; this action no longer applies.",
    "{n} pesanan gagal ditandai sudah dicek.": "{n} failed orders marked as checked.",
    "Tandai semua sudah dicek": "Mark all as checked",
    "Tandai {n} pesanan gagal sebagai sudah dicek? Pesanan itu hilang dari daftar Perlu tindakan (tetap ada di "
    "Transaksi). Pesanan suspect tetap di daftar sampai diselesaikan.":
        "Mark {n} failed orders as checked? They leave the Needs action list (they stay in Transactions). "
        "Suspect orders stay on the list until they are settled.",
    "Tandai {n} pesanan": "Mark {n} orders",
})
