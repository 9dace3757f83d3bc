"""Antrian: the orders still in play (queued, sending, suspect), ageing live, and the manual actions on
one of them — retry on a chosen route, force success with an SN, fail and refund, resend the reply.

Every action asks first and is carried out by the engine on this (the loop's) thread; the engine
writes the audit log with the acting user.
"""
from __future__ import annotations

import datetime as _dt
import logging
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableView, QVBoxLayout, QWidget)

from app.money import rupiah
from storage import sql
from ui.context import UiContext
from ui.dialogs.confirm import ConfirmDialog
from ui.i18n import add_english, tr
from ui.views.phones import BadgeDelegate

log = logging.getLogger(__name__)
C = "Antrian"
LIVE = ("queued", "sending", "suspect")
MAX_ROWS = 500

STATUS_LABELS = {"queued": "antri", "sending": "dikirim", "suspect": "suspect", "failed": "gagal",
                 "success": "sukses"}


@dataclass(frozen=True)
class QueueRow:
    order_id: int
    status: str
    created_at: _dt.datetime
    reseller: str
    product: str
    dest: str
    chip: str
    price: int
    note: str
    product_id: int


COLUMNS = ("TrxID", "Umur", "Status", "Reseller", "Produk", "Tujuan", "Chip", "Harga", "Keterangan")
COL_AGE, COL_STATUS = 1, 2


def _age(since: _dt.datetime, now: _dt.datetime) -> str:
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds // 3600}j {seconds % 3600 // 60:02d}m"


class QueueModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[QueueRow] = []
        self.now = _dt.datetime.now()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(C, COLUMNS[section])
        return None

    def set_rows(self, rows: list[QueueRow]) -> None:
        self.now = _dt.datetime.now()
        if [r.order_id for r in rows] != [r.order_id for r in self.rows]:
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()
        else:
            self.rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(COLUMNS) - 1))

    def tick_ages(self) -> None:
        self.now = _dt.datetime.now()
        if self.rows:
            self.dataChanged.emit(self.index(0, COL_AGE), self.index(len(self.rows) - 1, COL_AGE),
                                  [Qt.ItemDataRole.DisplayRole])

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(row.order_id), _age(row.created_at, self.now), tr(C, STATUS_LABELS.get(row.status, row.status)),
                    row.reseller, row.product, row.dest, row.chip, rupiah(row.price), row.note)[col]
        if role == Qt.ItemDataRole.UserRole:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 1, 7):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col == 8 and row.note:
            return row.note
        return None


class QueueView(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.active = False
        self.dialog: ConfirmDialog | None = None
        self._details: dict[int, str] = {}  # last engine detail per order, for the note column
        ctx.bridge.orderChanged.connect(self._on_order_changed)

        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, label, keys, slot in (
                ("retry", "Ulangi…", "Ctrl+R", self.ask_retry),
                ("success", "Sukses manual…", "Ctrl+Shift+S", self.ask_force_success),
                ("fail", "Gagal && refund…", "Ctrl+Shift+G", self.ask_fail),
                ("resend", "Kirim ulang balasan…", "Ctrl+Shift+K", self.ask_resend)):
            button = QPushButton(tr(C, label))
            button.setToolTip(keys)
            button.clicked.connect(slot)
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self.buttons[key] = button
            bar.addWidget(button)
        bar.addStretch(1)
        self.show_failed = QCheckBox(tr(C, "Tampilkan juga yang gagal hari ini"))
        self.show_failed.toggled.connect(self.refresh)
        bar.addWidget(self.show_failed)
        layout.addLayout(bar)

        self.model = QueueModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setItemDelegateForColumn(COL_STATUS, BadgeDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, width in enumerate((70, 70, 100, 150, 70, 120, 110, 100)):
            self.table.setColumnWidth(col, width)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setStyleSheet("color: #5f6368;")
        layout.addWidget(self.message)

        self._age_timer = QTimer(self)
        self._age_timer.setInterval(1000)
        self._age_timer.timeout.connect(self.model.tick_ages)
        self.refresh()
        self._update_buttons()

    # --- contract ----------------------------------------------------------------------------

    def title(self) -> str:
        return tr(C, "Antrian")

    def shortcuts(self) -> list[tuple[str, str]]:
        return [(b.toolTip(), b.text()) for b in self.buttons.values()]

    def set_active(self, active: bool) -> None:
        if active == self.active:
            return
        self.active = active
        if active:
            self.ctx.bridge.tick.connect(self.refresh)
            self.refresh()
            self._age_timer.start()
        else:
            self.ctx.bridge.tick.disconnect(self.refresh)
            self._age_timer.stop()

    # --- data --------------------------------------------------------------------------------

    @Slot(int, str, str)
    def _on_order_changed(self, order_id: int, status: str, detail: str) -> None:
        if status in ("success",):
            self._details.pop(order_id, None)
        elif detail:
            self._details[order_id] = detail
        if len(self._details) > 2000:
            for key in sorted(self._details)[:1000]:
                del self._details[key]

    def _supplier_names(self) -> dict[int, str]:
        names = {}
        for sid, supplier in self.ctx.engine.suppliers.items():
            names[sid] = supplier.link.name if supplier.link is not None else supplier.name
        return names

    @Slot()
    def refresh(self) -> None:
        statuses = LIVE + (("failed",) if self.show_failed.isChecked() else ())
        marks = ", ".join("?" for _ in statuses)
        midnight = _dt.datetime.combine(_dt.date.today(), _dt.time())
        rows = sql.all_rows(
            'SELECT o.id, o.status, o.created_at, r.code, r.name, p.code, o.dest, o.supplier_id, o.price, '
            'o.fail_reason, o.product_id FROM "order" o JOIN reseller r ON r.id = o.reseller_id '
            f"JOIN product p ON p.id = o.product_id WHERE o.status IN ({marks}) "
            "AND (o.status <> ? OR o.updated_at >= ?) ORDER BY o.id LIMIT ?",
            (*statuses, "failed", midnight, MAX_ROWS))
        names = self._supplier_names()
        out = []
        for order_id, status, created, rcode, rname, pcode, dest, supplier_id, price, reason, product_id in rows:
            if isinstance(created, str):
                created = _dt.datetime.fromisoformat(created)
            note = reason if status in ("failed", "suspect") and reason else self._details.get(order_id, "")
            out.append(QueueRow(order_id, status, created, f"{rcode} {rname}", pcode, dest,
                                names.get(supplier_id, "") if supplier_id else "", int(price), note, product_id))
        selected = self.selected()
        self.model.set_rows(out)
        if selected is not None:
            self.select(selected.order_id)
        self._update_buttons()

    def selected(self) -> QueueRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def select(self, order_id: int) -> bool:
        for i, row in enumerate(self.model.rows):
            if row.order_id == order_id:
                if self.selected() is None or self.selected().order_id != order_id:
                    self.table.selectRow(i)
                return True
        return False

    def _update_buttons(self, *_args) -> None:
        row = self.selected()
        status = row.status if row else ""
        self.buttons["retry"].setEnabled(status in ("failed", "suspect"))
        self.buttons["success"].setEnabled(status in LIVE)
        self.buttons["fail"].setEnabled(status in LIVE)
        self.buttons["resend"].setEnabled(row is not None)

    # --- actions -----------------------------------------------------------------------------

    def _open(self, dialog: ConfirmDialog) -> ConfirmDialog:
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self.refresh())
        dialog.open()
        return dialog

    def _describe(self, row: QueueRow) -> str:
        return f"TrxID {row.order_id}: {row.product} → {row.dest} ({row.reseller}, {rupiah(row.price)})"

    def routes_for(self, row: QueueRow) -> list[tuple[str, int | None]]:
        choices: list[tuple[str, int | None]] = [(tr(C, "Otomatis (urutan rute)"), None)]
        for supplier_id, name, priority in sql.all_rows(
                "SELECT s.id, s.name, r.priority FROM route r JOIN supplier s ON s.id = r.supplier_id "
                "WHERE r.product_id = ? AND r.active = ? AND s.active = ? ORDER BY r.priority, r.id",
                (row.product_id, True, True)):
            live = self.ctx.engine.suppliers.get(supplier_id)
            state = tr(C, "online") if live is not None and live.online else tr(C, "offline")
            choices.append((f"{name} ({state})", supplier_id))
        return choices

    def ask_retry(self) -> ConfirmDialog | None:
        row = self.selected()
        if row is None or row.status not in ("failed", "suspect"):
            return None
        warning = (tr(C, "Pastikan pesanan ini BELUM masuk ke nomor tujuan (cek riwayat chip), supaya tidak "
                         "terkirim dua kali.") if row.status == "suspect"
                   else tr(C, "Saldo reseller dipotong lagi sebelum dikirim ulang."))

        def retry(dialog: ConfirmDialog) -> None:
            supplier_id = dialog.value("route")
            self.ctx.engine.retry(row.order_id, supplier_id, self.ctx.actor)
            log.info("order %s retried by %s on supplier %s", row.order_id, self.ctx.actor, supplier_id)
            self.message.setText(tr(C, "TrxID {id} diulang.").format(id=row.order_id))
        dialog = ConfirmDialog(tr(C, "Ulangi pesanan"), f"{self._describe(row)}\n\n{warning}", retry, self,
                               ok_text=tr(C, "Ulangi"))
        dialog.add_choice("route", tr(C, "Rute"), self.routes_for(row))
        return self._open(dialog)

    def ask_force_success(self) -> ConfirmDialog | None:
        row = self.selected()
        if row is None or row.status not in LIVE:
            return None
        text = self._describe(row) + "\n\n" + tr(C, "Tandai sukses dengan SN dari operator. Reseller menerima "
                                                    "balasan sukses.")
        if row.status == "sending":
            text += "\n" + tr(C, "Perhatian: pesanan ini masih dikirim; tunggu jawaban chip bila bisa.")

        def succeed(dialog: ConfirmDialog) -> None:
            self.ctx.engine.force_success(row.order_id, dialog.value("sn"), self.ctx.actor)
            log.info("order %s forced success by %s", row.order_id, self.ctx.actor)
            self.message.setText(tr(C, "TrxID {id} ditandai sukses.").format(id=row.order_id))
        dialog = ConfirmDialog(tr(C, "Sukses manual"), text, succeed, self, ok_text=tr(C, "Tandai sukses"))
        dialog.add_text("sn", tr(C, "SN"), required=True, placeholder=tr(C, "nomor seri dari operator"))
        return self._open(dialog)

    def ask_fail(self) -> ConfirmDialog | None:
        row = self.selected()
        if row is None or row.status not in LIVE:
            return None

        def fail(dialog: ConfirmDialog) -> None:
            self.ctx.engine.fail_and_refund(row.order_id, dialog.value("reason"), self.ctx.actor)
            log.info("order %s failed and refunded by %s", row.order_id, self.ctx.actor)
            self.message.setText(tr(C, "TrxID {id} digagalkan, saldo dikembalikan.").format(id=row.order_id))
        dialog = ConfirmDialog(tr(C, "Gagalkan dan refund"),
                               self._describe(row) + "\n\n" + tr(C, "Pesanan digagalkan dan saldo {price} "
                                                                    "dikembalikan ke reseller.").format(
                                   price=rupiah(row.price)), fail, self, ok_text=tr(C, "Gagalkan"), destructive=True)
        dialog.add_text("reason", tr(C, "Alasan"), tr(C, "Dibatalkan admin"))
        return self._open(dialog)

    def ask_resend(self) -> ConfirmDialog | None:
        row = self.selected()
        if row is None:
            return None

        def resend(_dialog: ConfirmDialog) -> None:
            if self.ctx.engine.resend_reply(row.order_id, self.ctx.actor) is None:
                raise LookupError(tr(C, "pesanan ini belum punya balasan"))
            self.message.setText(tr(C, "Balasan TrxID {id} dikirim ulang.").format(id=row.order_id))
        return self._open(ConfirmDialog(tr(C, "Kirim ulang balasan"),
                                        self._describe(row) + "\n\n" + tr(C, "Kirim lagi balasan terakhir ke "
                                                                             "reseller?"), resend, self,
                                        ok_text=tr(C, "Kirim ulang")))


add_english(C, {
    "Antrian": "Queue",
    "Umur": "Age",
    "Produk": "Product",
    "Tujuan": "Destination",
    "Harga": "Price",
    "Keterangan": "Note",
    "antri": "queued",
    "dikirim": "sending",
    "gagal": "failed",
    "sukses": "success",
    "Ulangi…": "Retry…",
    "Sukses manual…": "Force success…",
    "Gagal && refund…": "Fail && refund…",
    "Kirim ulang balasan…": "Resend reply…",
    "Tampilkan juga yang gagal hari ini": "Also show today's failures",
    "Otomatis (urutan rute)": "Automatic (route order)",
    "Pastikan pesanan ini BELUM masuk ke nomor tujuan (cek riwayat chip), supaya tidak terkirim dua kali.":
        "Make sure this order did NOT reach the destination (check the chip's history), so it is not sent twice.",
    "Saldo reseller dipotong lagi sebelum dikirim ulang.": "The reseller is charged again before it is resent.",
    "TrxID {id} diulang.": "TrxID {id} retried.",
    "Ulangi pesanan": "Retry order",
    "Ulangi": "Retry",
    "Rute": "Route",
    "Tandai sukses dengan SN dari operator. Reseller menerima balasan sukses.":
        "Mark as successful with the operator's SN. The reseller gets a success reply.",
    "Perhatian: pesanan ini masih dikirim; tunggu jawaban chip bila bisa.":
        "Careful: this order is still being sent; wait for the chip's answer if you can.",
    "TrxID {id} ditandai sukses.": "TrxID {id} marked successful.",
    "Sukses manual": "Force success",
    "Tandai sukses": "Mark successful",
    "nomor seri dari operator": "serial number from the operator",
    "TrxID {id} digagalkan, saldo dikembalikan.": "TrxID {id} failed, balance refunded.",
    "Gagalkan dan refund": "Fail and refund",
    "Pesanan digagalkan dan saldo {price} dikembalikan ke reseller.":
        "The order fails and {price} goes back to the reseller.",
    "Gagalkan": "Fail it",
    "Alasan": "Reason",
    "Dibatalkan admin": "Dibatalkan admin",
    "pesanan ini belum punya balasan": "this order has no reply yet",
    "Balasan TrxID {id} dikirim ulang.": "Reply of TrxID {id} resent.",
    "Kirim ulang balasan": "Resend reply",
    "Kirim lagi balasan terakhir ke reseller?": "Send the last reply to the reseller again?",
    "Kirim ulang": "Resend",
})
