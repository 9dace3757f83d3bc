"""Reseller: the list with balances; add, edit, block, reset PIN; deposits and corrections through
the ledger; and the chosen reseller's mutasi (ledger) with the running balance after each row."""
from __future__ import annotations

import datetime as _dt
import html
from array import array
from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget)

from app import shop_admin
from app.money import group, rupiah
from storage import sql
from storage.models import Reseller
from ui.dialogs.confirm import ConfirmDialog
from ui.dialogs.shop_money import MoneyDialog
from ui.dialogs.shop_reseller import ResellerDialog
from ui.i18n import add_english, tr
from ui.views.log import Column, PagedModel, _stamp, runner, thread_rows

C = "Reseller"
LIST_SQL = ("SELECT r.id, r.code, r.name, r.city, g.code, u.code, r.balance, r.credit_limit, r.active, "
            "r.locked_until, (SELECT address FROM reseller_address a WHERE a.reseller_id = r.id "
            "ORDER BY a.is_main DESC, a.id LIMIT 1) FROM reseller r JOIN price_group g ON g.id = r.price_group_id "
            "LEFT JOIN reseller u ON u.id = r.parent_id")
LIST_COLUMNS = ("Kode", "Nama", "Kota", "Grup", "Upline", "Saldo", "Limit", "Status", "Nomor utama")
KIND_LABELS = {"deposit": "Deposit", "order_debit": "Transaksi", "refund": "Refund", "transfer_out": "Transfer keluar",
               "transfer_in": "Transfer masuk", "pull": "Tarik saldo", "correction": "Koreksi",
               "commission": "Komisi"}


class ResellerListModel(QAbstractTableModel):
    """All resellers matching a search; a shop has hundreds to a few thousand, so rows are read at once."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.rows: list[tuple] = []
        self.search = ""

    def reload(self) -> None:
        where, params = "", []
        if self.search.strip():
            like = f"%{self.search.strip()}%"
            where = (" WHERE r.code LIKE ? OR r.name LIKE ? OR r.city LIKE ? OR r.id IN "
                     "(SELECT reseller_id FROM reseller_address WHERE address LIKE ?)")
            params = [like] * 4
        rows = sql.all_rows(LIST_SQL + where + " ORDER BY r.code", params)
        if rows == self.rows:
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(LIST_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(C, LIST_COLUMNS[section])
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 5:
                return rupiah(r[6])
            if col == 6:
                return rupiah(r[7])
            if col == 7:
                return status_text(r)
            return [r[1], r[2], r[3], r[4], r[5] or "", None, None, None, r[10] or ""][col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (5, 6):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 5 and r[6] < 0:
                return QColor("#d93025")
            if col == 7 and not r[8]:
                return QColor("#d93025")
        return None

    def reseller_id(self, row: int) -> int | None:
        return self.rows[row][0] if 0 <= row < len(self.rows) else None

    def row_of(self, reseller_id: int) -> int:
        return next((i for i, r in enumerate(self.rows) if r[0] == reseller_id), -1)


def status_text(r: tuple) -> str:
    if not r[8]:
        return tr(C, "Diblokir")
    if r[9]:
        until = Reseller.locked_until.python_value(r[9])
        if until and until > _dt.datetime.now():
            return tr(C, "PIN terkunci")
    return tr(C, "Aktif")


class LedgerModel(PagedModel):
    """One reseller's ledger, newest first; `Saldo` is the balance right after that row."""

    context = C
    columns = (Column("at", "Waktu"), Column("kind", "Jenis"), Column("delta", "Mutasi", None, True),
               Column("after", "Saldo", None, True), Column("order", "TrxID"), Column("note", "Catatan"),
               Column("actor", "Oleh"))

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.reseller_id: int | None = None
        self._token = 0
        runner().done.connect(self._on_done)

    def show_reseller(self, reseller_id: int | None) -> None:
        self.reseller_id = reseller_id
        if reseller_id is None:
            self.set_ids(array("q"))
            return
        self._token = runner().submit(lambda db: array("q", [i for (i,) in thread_rows(
            db, "SELECT id FROM ledger_entry WHERE reseller_id = ? ORDER BY id DESC", (reseller_id,))]))

    @Slot(int, object)
    def _on_done(self, token: int, result: object) -> None:
        if token == self._token and isinstance(result, array):
            self.set_ids(result)

    def fetch(self, ids: Sequence[int]) -> dict[int, tuple]:
        if not ids:
            return {}
        return {r[0]: r for r in sql.all_rows(
            "SELECT id, created_at, kind, delta, balance_after, order_id, note, actor FROM ledger_entry "
            f"WHERE id IN ({','.join('?' * len(ids))})", list(ids))}

    def display(self, row: tuple, column: int) -> str:
        key = self.columns[column].key
        if key == "at":
            return _stamp(row[1])
        if key == "kind":
            return tr(C, KIND_LABELS.get(row[2], row[2]))
        if key == "delta":
            return ("+" if row[3] > 0 else "") + group(row[3])
        if key == "after":
            return group(row[4])
        if key == "order":
            return "" if row[5] is None else str(row[5])
        if key == "note":
            return row[6]
        return row[7]

    def decorate(self, row: tuple, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and self.columns[column].key == "delta":
            return QColor("#1e8e3e") if row[3] > 0 else QColor("#d93025")
        return None


class ResellersView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.actor = getattr(ctx, "actor", "admin")
        self.active = False
        self._dirty = True
        self.dialog: Any = None  # the open dialog, for tests and to keep it referenced
        self.list_model = ResellerListModel(self)
        self.ledger_model = LedgerModel(self)
        self._build()
        self._timer = QTimer(self, interval=1000)
        self._timer.timeout.connect(self._refresh)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _=None: self._debounce.start())
        bridge = getattr(ctx, "bridge", None)
        if bridge is not None:
            bridge.tick.connect(self._on_tick)

    def title(self) -> str:
        return tr(C, "Reseller")

    def _build(self) -> None:
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.search = QLineEdit(placeholderText=tr(C, "Cari kode, nama, kota atau nomor"))
        self.search.setClearButtonEnabled(True)
        self.add_button = QPushButton(tr(C, "Tambah reseller"))
        bar.addWidget(self.search, 1)
        bar.addWidget(self.add_button)
        lv.addLayout(bar)
        self.table = QTableView()
        self.table.setModel(self.list_model)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((48, 116, 64, 56, 52, 92, 60, 64)):
            self.table.setColumnWidth(col, width)
        lv.addWidget(self.table, 1)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.heading.setWordWrap(True)
        rv.addWidget(self.heading)
        actions = QHBoxLayout()
        self.edit_button = QPushButton(tr(C, "Ubah"))
        self.deposit_button = QPushButton(tr(C, "Deposit"))
        self.correction_button = QPushButton(tr(C, "Koreksi"))
        self.block_button = QPushButton(tr(C, "Blokir"))
        self.pin_button = QPushButton(tr(C, "Reset PIN"))
        for b in (self.edit_button, self.deposit_button, self.correction_button, self.block_button, self.pin_button):
            actions.addWidget(b)
        actions.addStretch(1)
        rv.addLayout(actions)
        rv.addWidget(QLabel(tr(C, "Mutasi saldo")))
        self.ledger = QTableView()
        self.ledger.setModel(self.ledger_model)
        self.ledger.verticalHeader().hide()
        self.ledger.verticalHeader().setDefaultSectionSize(22)
        self.ledger.setAlternatingRowColors(True)
        self.ledger.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((140, 76, 76, 84, 44, 140)):
            self.ledger.setColumnWidth(col, width)
        rv.addWidget(self.ledger, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([690, 590])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.add_button.clicked.connect(self.open_add)
        self.edit_button.clicked.connect(self.open_edit)
        self.deposit_button.clicked.connect(lambda: self.open_money("deposit"))
        self.correction_button.clicked.connect(lambda: self.open_money("correction"))
        self.block_button.clicked.connect(self.ask_block)
        self.pin_button.clicked.connect(self.ask_reset_pin)
        self._show_selected()

    # --- data -----------------------------------------------------------------------------------
    def set_active(self, active: bool) -> None:
        self.active = active
        if active:
            self.reload()
            self._timer.start()
        else:
            self._timer.stop()

    @Slot()
    def _on_tick(self) -> None:
        self._dirty = True

    @Slot()
    def _refresh(self) -> None:
        if self.active and self._dirty:
            self._dirty = False
            self.reload(keep_ledger=True)

    @Slot()
    def reload(self, keep_ledger: bool = False) -> None:
        selected = self.selected_id()
        self.list_model.search = self.search.text()
        self.list_model.reload()
        if selected is not None:
            row = self.list_model.row_of(selected)
            if row >= 0 and self.table.currentIndex().row() != row:
                self.table.selectRow(row)
        elif self.list_model.rowCount():
            self.table.selectRow(0)
        self._show_selected(reload_ledger=not keep_ledger)
        if keep_ledger and self.ledger_model.reseller_id is not None:
            self.ledger_model.show_reseller(self.ledger_model.reseller_id)

    def selected_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.list_model.reseller_id(index.row()) if index.isValid() else None

    def select(self, reseller_id: int) -> None:
        row = self.list_model.row_of(reseller_id)
        if row >= 0:
            self.table.selectRow(row)

    @Slot(QModelIndex, QModelIndex)
    def _on_current(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_selected()

    def _show_selected(self, reload_ledger: bool = True) -> None:
        rid = self.selected_id()
        for b in (self.edit_button, self.deposit_button, self.correction_button, self.block_button, self.pin_button):
            b.setEnabled(rid is not None)
        if rid is None:
            self.heading.setText(tr(C, "Pilih reseller"))
            self.ledger_model.show_reseller(None)
            return
        r = self.list_model.rows[self.list_model.row_of(rid)]
        self.heading.setText(f"{html.escape(r[1])} — {html.escape(r[2])} · "
                             + tr(C, "saldo {balance}").format(balance=rupiah(r[6])) + f" · {status_text(r)}")
        self.block_button.setText(tr(C, "Buka blokir") if not r[8] else tr(C, "Blokir"))
        if reload_ledger and self.ledger_model.reseller_id != rid:
            self.ledger_model.show_reseller(rid)

    def _after_change(self, reseller_id: int | None = None) -> None:
        self.list_model.reload()
        if reseller_id is not None:
            self.select(reseller_id)
        self._show_selected(reload_ledger=False)
        if self.selected_id() is not None:
            self.ledger_model.show_reseller(self.selected_id())

    # --- actions --------------------------------------------------------------------------------
    def open_add(self) -> ResellerDialog:
        self.dialog = ResellerDialog(self.actor, None, self)
        self.dialog.saved.connect(self._on_saved)
        self.dialog.open()
        return self.dialog

    def open_edit(self) -> ResellerDialog | None:
        rid = self.selected_id()
        if rid is None:
            return None
        self.dialog = ResellerDialog(self.actor, rid, self)
        self.dialog.saved.connect(self._on_saved)
        self.dialog.open()
        return self.dialog

    @Slot(int, str)
    def _on_saved(self, reseller_id: int, pin: str) -> None:
        self._after_change(reseller_id)
        if pin:
            self._show_pin(reseller_id, pin)

    def open_money(self, kind: str) -> MoneyDialog | None:
        rid = self.selected_id()
        if rid is None:
            return None
        r = self.list_model.rows[self.list_model.row_of(rid)]
        self.dialog = MoneyDialog(rid, r[1], r[6], kind, self.actor, self)
        self.dialog.posted.connect(lambda _p, rid=rid: self._after_change(rid))
        self.dialog.open()
        return self.dialog

    def ask_block(self) -> ConfirmDialog | None:
        rid = self.selected_id()
        if rid is None:
            return None
        r = self.list_model.rows[self.list_model.row_of(rid)]
        blocked = bool(r[8])  # active now -> this blocks
        text = (tr(C, "Blokir {code}? Pesanan darinya akan ditolak sampai blokir dibuka.") if blocked
                else tr(C, "Buka blokir {code}? Kunci PIN juga dihapus.")).format(code=r[1])

        def act(_dialog: ConfirmDialog) -> None:
            shop_admin.set_blocked(rid, blocked, actor=self.actor)
            self._after_change(rid)

        self.dialog = ConfirmDialog(tr(C, "Blokir") if blocked else tr(C, "Buka blokir"), text, act, self,
                                    destructive=blocked)
        self.dialog.open()
        return self.dialog

    def ask_reset_pin(self) -> ConfirmDialog | None:
        rid = self.selected_id()
        if rid is None:
            return None
        code = self.list_model.rows[self.list_model.row_of(rid)][1]

        def act(_dialog: ConfirmDialog) -> None:
            pin = shop_admin.reset_pin(rid, actor=self.actor)
            self._after_change(rid)
            self._show_pin(rid, pin)

        self.dialog = ConfirmDialog(tr(C, "Reset PIN"), tr(C, "Buat PIN baru untuk {code}? PIN lama tidak berlaku "
                                                              "lagi.").format(code=code), act, self, destructive=True)
        self.dialog.open()
        return self.dialog

    def _show_pin(self, reseller_id: int, pin: str) -> None:
        code = self.list_model.rows[self.list_model.row_of(reseller_id)][1] if self.list_model.row_of(
            reseller_id) >= 0 else str(reseller_id)
        box = QMessageBox(QMessageBox.Icon.Information, tr(C, "PIN baru"),
                          tr(C, "PIN {code}: {pin}\n\nCatat dan berikan ke reseller sekarang; PIN ini tidak "
                                "ditampilkan lagi.").format(code=code, pin=pin), QMessageBox.StandardButton.Ok, self)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pin_box = box
        box.open()


add_english(C, {
    "Reseller": "Resellers", "Kode": "Code", "Nama": "Name", "Kota": "City", "Grup": "Group", "Upline": "Upline",
    "Saldo": "Balance", "Limit": "Limit", "Status": "Status", "Nomor utama": "Main number", "Diblokir": "Blocked",
    "PIN terkunci": "PIN locked", "Aktif": "Active", "Waktu": "Time", "Jenis": "Kind", "Mutasi": "Change",
    "TrxID": "TrxID", "Catatan": "Note", "Oleh": "By", "Deposit": "Deposit", "Transaksi": "Order",
    "Refund": "Refund", "Transfer keluar": "Transfer out", "Transfer masuk": "Transfer in", "Tarik saldo": "Pull",
    "Koreksi": "Correction", "Komisi": "Commission", "Cari kode, nama, kota atau nomor": "Search code, name, city "
    "or number", "Tambah reseller": "Add reseller", "Ubah": "Edit", "Blokir": "Block", "Buka blokir": "Unblock",
    "Reset PIN": "Reset PIN", "Mutasi saldo": "Ledger", "Pilih reseller": "Select a reseller",
    "saldo {balance}": "balance {balance}",
    "Blokir {code}? Pesanan darinya akan ditolak sampai blokir dibuka.":
        "Block {code}? Its orders are refused until it is unblocked.",
    "Buka blokir {code}? Kunci PIN juga dihapus.": "Unblock {code}? A PIN lock is cleared too.",
    "Buat PIN baru untuk {code}? PIN lama tidak berlaku lagi.": "Make a new PIN for {code}? The old PIN stops working.",
    "PIN baru": "New PIN",
    "PIN {code}: {pin}\n\nCatat dan berikan ke reseller sekarang; PIN ini tidak ditampilkan lagi.":
        "PIN of {code}: {pin}\n\nNote it and give it to the reseller now; it is not shown again.",
})
