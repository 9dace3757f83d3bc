"""Reseller: the list with balances, uplines and the commission each earned this month; add, edit, block,
reset PIN, end a PIN lock; deposits and corrections through the ledger; the chosen reseller's mutasi (ledger)
with the running balance after each row; and how uplines' commissions are credited (app/commission.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton,
                               QSplitter, QTableView, QVBoxLayout, QWidget)

from app import commission, shop_admin
from app.money import group, rupiah
from app.queries import products as product_queries
from app.queries import resellers as queries
from app.queries.resellers import LEDGER_PAGE, LedgerPage, LedgerRow, ResellerListRow, ResellerState
from ui.dialogs.confirm import ConfirmDialog
from ui.dialogs.h2h_member import H2HMemberDialog
from ui.dialogs.shop_form import WARN_STYLE, hint_label
from ui import guard
from ui.dialogs.shop_money import MoneyDialog
from ui.dialogs.shop_reseller import ResellerDialog
from ui.i18n import add_english, tr
from ui.labels import label
from ui.refresh import Refresher

C = "Reseller"
LIST_COLUMNS = ("Kode", "Nama", "Kota", "Grup", "Upline", "Saldo", "Limit", "Status", "Komisi", "Nomor utama")
COMMISSION_MODES = (("per_order", "Langsung per transaksi"), ("daily", "Harian (besoknya, atau TUKAR)"))
LEDGER_COLUMNS = ("Waktu", "Jenis", "Mutasi", "Saldo", "TrxID", "Oleh", "Catatan")
STATE_TEXT = {ResellerState.ACTIVE: "Aktif", ResellerState.BLOCKED: "Diblokir",
              ResellerState.PIN_LOCKED: "PIN terkunci"}
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
RED = QColor("#d93025")
GREEN = QColor("#1e8e3e")


@dataclass(frozen=True)
class ResellersSnapshot:
    rows: tuple[ResellerListRow, ...]
    price_groups: int
    ledger: LedgerPage | None  # of the selected reseller
    commissions: dict[int, int] | None = None  # reseller id -> commission earned this month as an upline
    commission_mode: str = "per_order"
    commission_pending: int = 0  # accrued, not credited yet (daily mode)


class ResellerListModel(QAbstractTableModel):
    """All resellers matching a search; a shop has hundreds to a few thousand, so rows are read at once."""

    def __init__(self, clock, parent: QObject | None = None):
        super().__init__(parent)
        self.clock = clock
        self.rows: tuple[ResellerListRow, ...] = ()
        self.commissions: dict[int, int] = {}

    def set_rows(self, rows: tuple[ResellerListRow, ...], commissions: dict[int, int] | None = None) -> bool:
        commissions = commissions or {}
        if rows == self.rows and commissions == self.commissions:
            return False
        self.beginResetModel()
        self.rows, self.commissions = rows, commissions
        self.endResetModel()
        return True

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(LIST_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(C, LIST_COLUMNS[section])
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole and section == 8:
            return tr(C, "Komisi yang diperoleh sebagai upline bulan ini, dari transaksi sukses downline-nya")
        return None

    def state(self, r: ResellerListRow) -> ResellerState:
        return r.state(self.clock())

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, col = self.rows[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            earned = self.commissions.get(r.id, 0)
            return (r.code, r.name, r.city, r.group_code, r.upline_code, rupiah(r.balance), rupiah(r.credit_limit),
                    state_text(self.state(r)), rupiah(earned) if earned else "", r.main_address)[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (5, 6, 8):
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 5 and r.balance < 0:
                return RED
            if col == 7 and self.state(r) is not ResellerState.ACTIVE:
                return RED
        return None

    def reseller_id(self, row: int) -> int | None:
        return self.rows[row].id if 0 <= row < len(self.rows) else None

    def row_of(self, reseller_id: int | None) -> int:
        return next((i for i, r in enumerate(self.rows) if r.id == reseller_id), -1)

    def find(self, reseller_id: int | None) -> ResellerListRow | None:
        row = self.row_of(reseller_id)
        return self.rows[row] if row >= 0 else None


def state_text(state: ResellerState) -> str:
    return tr(C, STATE_TEXT[state])


class LedgerModel(QAbstractTableModel):
    """One reseller's ledger, newest first; `Saldo` is the balance right after that row."""

    loaded = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.reseller_id: int | None = None
        self.page: LedgerPage | None = None
        self.rows: tuple[LedgerRow, ...] = ()

    def set_page(self, page: LedgerPage | None) -> bool:
        if page == self.page:
            return False
        self.beginResetModel()
        self.page = page
        self.reseller_id = page.reseller_id if page else None
        self.rows = page.rows if page else ()
        self.endResetModel()
        self.loaded.emit()
        return True

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(LEDGER_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(C, LEDGER_COLUMNS[section])
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return "" if e.at is None else f"{e.at:%d-%m-%Y %H:%M:%S}"
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return ("" if e.at is None else f"{e.at:%d/%m/%y %H:%M}", label("ledger", e.kind),
                    ("+" if e.delta > 0 else "") + group(e.delta), group(e.balance_after),
                    "" if e.order_id is None else str(e.order_id), e.actor, e.note)[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 3, 4):
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 2:
                return GREEN if e.delta > 0 else RED
            if col == 3 and e.balance_after < 0:
                return RED
        return None


def _table(model: QAbstractTableModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(22)
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setMinimumSectionSize(40)
    return table


class ResellersView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.actor = getattr(ctx, "actor", "admin")
        self.dialog: Any = None  # the open dialog, for tests and to keep it referenced
        self.pin_box: QMessageBox | None = None
        self.list_model = ResellerListModel(ctx.engine.clock, self)  # "PIN terkunci" until a time on the engine's clock
        self.ledger_model = LedgerModel(self)
        self._search = ""
        self._selected: int | None = None
        self._ledger_limit = LEDGER_PAGE
        self._build()
        self.refresher: Refresher[ResellersSnapshot] = Refresher(self, getattr(ctx, "bridge", None), self._load,
                                                                 self._show, background=True,
                                                                 failed=self._load_failed)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self._search_changed)
        self.search.textChanged.connect(lambda _=None: self._debounce.start())

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
        self.empty = hint_label(style=WARN_STYLE)
        self.empty.hide()
        lv.addWidget(self.empty)
        self.table = _table(self.list_model)
        lv.addWidget(self.table, 1)
        lv.addLayout(self._commission_bar())

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.heading.setWordWrap(True)
        rv.addWidget(self.heading)
        actions = QHBoxLayout()
        self.edit_button = QPushButton(tr(C, "Ubah"))
        self.deposit_button = QPushButton(tr(C, "Deposit"))
        self.correction_button = QPushButton(tr(C, "Koreksi"))
        self.block_button = QPushButton(tr(C, "Blokir"))
        self.pin_button = QPushButton(tr(C, "Reset PIN"))
        self.h2h_button = QPushButton(tr(C, "H2H…"))
        self.h2h_button.setToolTip(tr(C, "Pesanan lewat HTTP dari server pembeli: password, IP, URL callback"))
        self.unlock_button = QPushButton(tr(C, "Buka kunci PIN"))  # shown only while the PIN is locked
        self.unlock_button.setToolTip(tr(C, "Izinkan reseller ini mencoba PIN lagi sekarang, tanpa menunggu kuncinya "
                                            "habis"))
        self.unlock_button.hide()
        for b in self._reseller_buttons():
            actions.addWidget(b)
        actions.addWidget(self.unlock_button)
        actions.addStretch(1)
        rv.addLayout(actions)
        ledger_bar = QHBoxLayout()
        ledger_bar.addWidget(QLabel(tr(C, "Mutasi saldo")))
        self.ledger_count = QLabel()
        self.ledger_count.setStyleSheet("color: #5f6368;")
        self.more_button = QPushButton(tr(C, "Tampilkan lebih banyak"))
        self.more_button.hide()
        ledger_bar.addStretch(1)
        ledger_bar.addWidget(self.ledger_count)
        ledger_bar.addWidget(self.more_button)
        rv.addLayout(ledger_bar)
        self.ledger = _table(self.ledger_model)
        rv.addWidget(self.ledger, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([620, 660])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.add_button.clicked.connect(self.open_add)
        self.edit_button.clicked.connect(self.open_edit)
        self.table.doubleClicked.connect(lambda _index: self.open_edit())
        self.deposit_button.clicked.connect(lambda: self.open_money("deposit"))
        self.correction_button.clicked.connect(lambda: self.open_money("correction"))
        self.block_button.clicked.connect(self.ask_block)
        self.pin_button.clicked.connect(self.ask_reset_pin)
        self.h2h_button.clicked.connect(self.open_h2h)
        self.unlock_button.clicked.connect(self.ask_unlock)
        self.more_button.clicked.connect(self.show_more_ledger)
        self._size_list()
        self._size_ledger()
        self._show_selected()

    def _commission_bar(self) -> QHBoxLayout:
        """How uplines' commissions on their downlines' sales are credited, and crediting them now."""
        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr(C, "Komisi upline:")))
        self.commission_mode = QComboBox()
        for code, text in COMMISSION_MODES:
            self.commission_mode.addItem(tr(C, text), code)
        self.commission_mode.setToolTip(tr(C, "Langsung: komisi masuk saldo upline bersama tiap transaksi sukses "
                                              "downline-nya. Harian: dikumpulkan, masuk saldo besoknya dalam satu "
                                              "mutasi (atau saat upline mengirim TUKAR.PIN)."))
        self.commission_pending = QLabel()
        self.commission_pending.setStyleSheet("color: #5f6368;")
        self.pay_button = QPushButton(tr(C, "Bagikan komisi sekarang"))
        self.pay_button.setToolTip(tr(C, "Masukkan semua komisi yang masih tertunda ke saldo upline sekarang"))
        bar.addWidget(self.commission_mode)
        bar.addWidget(self.commission_pending, 1)
        bar.addWidget(self.pay_button)
        self.commission_mode.activated.connect(self._mode_chosen)
        self.pay_button.clicked.connect(self.ask_pay_commission)
        return bar

    def _reseller_buttons(self) -> tuple[QPushButton, ...]:
        return (self.edit_button, self.deposit_button, self.correction_button, self.block_button, self.pin_button,
                self.h2h_button)

    # --- data -----------------------------------------------------------------------------------
    def set_active(self, active: bool) -> None:
        self.refresher.set_active(active)

    def _load(self) -> ResellersSnapshot:
        """On a query thread: reads only plain attributes set on the GUI thread."""
        selected, limit = self._selected, self._ledger_limit
        rows = tuple(queries.reseller_list(self._search))
        groups = len(product_queries.price_groups()) if not rows else 0
        ledger = queries.reseller_ledger(selected, limit) if selected is not None else None
        earned = commission.earned_since(commission.month_start(self.list_model.clock()))
        return ResellersSnapshot(rows, groups, ledger, earned, commission.mode(), commission.pending_total())

    def _load_failed(self, exc: Exception) -> None:
        self.empty.setText(tr(C, "Gagal membaca reseller: {error}").format(error=exc))
        self.empty.show()

    def _show(self, snap: ResellersSnapshot) -> None:
        if self.list_model.set_rows(snap.rows, snap.commissions):
            self._size_list()
        self._show_empty(snap)
        self._show_commission(snap)
        row = self.list_model.row_of(self._selected)
        if row < 0 and self.list_model.rows and (self._selected is None or not self.refresher.dirty):
            row = 0  # (a reseller just added comes with the load already asked for)
        if row >= 0 and self.table.currentIndex().row() != row:
            self.table.selectRow(row)  # may pick another reseller: its ledger comes with the next load
        elif row < 0 and not self.refresher.dirty:
            self._selected = None
        mine = snap.ledger is None or snap.ledger.reseller_id == self._selected  # not a reseller left meanwhile
        if mine and self.ledger_model.set_page(snap.ledger):
            self._size_ledger()
        self._show_selected()

    def _show_empty(self, snap: ResellersSnapshot) -> None:
        if snap.rows:
            self.empty.hide()
            return
        if self._search.strip():
            text = tr(C, "Tidak ada reseller yang cocok dengan pencarian.")
        elif not snap.price_groups:
            text = tr(C, "Belum ada reseller. Setiap reseller butuh grup harga: buat grup harga dan produk dulu di "
                         "menu Produk dan harga, lalu klik Tambah reseller.")
        else:
            text = tr(C, "Belum ada reseller. Klik Tambah reseller; PIN-nya dibuat acak dan ditampilkan sekali.")
        self.empty.setText(text)
        self.empty.show()

    def _show_commission(self, snap: ResellersSnapshot) -> None:
        self.commission_mode.setCurrentIndex(max(0, self.commission_mode.findData(snap.commission_mode)))
        self.commission_pending.setText(tr(C, "Tertunda: {amount}").format(amount=rupiah(snap.commission_pending))
                                        if snap.commission_pending else "")
        self.pay_button.setVisible(snap.commission_mode == commission.DAILY or snap.commission_pending > 0)
        self.pay_button.setEnabled(snap.commission_pending > 0)

    def _size_list(self) -> None:
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(1, min(self.table.columnWidth(1), 200))
        self.table.setColumnWidth(2, min(self.table.columnWidth(2), 120))

    def _size_ledger(self) -> None:
        self.ledger.resizeColumnsToContents()
        self.ledger.setColumnWidth(5, min(self.ledger.columnWidth(5), 120))  # who; the note (last) stretches

    @Slot()
    def _search_changed(self) -> None:
        self._search = self.search.text()
        self.refresher.request()

    def reload(self) -> None:
        self.refresher.request()

    def selected_id(self) -> int | None:
        return self._selected if self.list_model.row_of(self._selected) >= 0 else None

    def select(self, reseller_id: int) -> None:
        self._selected = reseller_id
        row = self.list_model.row_of(reseller_id)
        if row >= 0:
            self.table.selectRow(row)
        self.refresher.request()

    @Slot(QModelIndex, QModelIndex)
    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        rid = self.list_model.reseller_id(current.row())
        if rid is not None and rid != self._selected:
            self._selected = rid
            self._ledger_limit = LEDGER_PAGE
            self.ledger_model.set_page(None)
            self.refresher.request()
        self._show_selected()

    def _show_selected(self) -> None:
        r = self.list_model.find(self._selected)
        for b in self._reseller_buttons():
            b.setEnabled(r is not None)
        if r is None:
            self.heading.setText(tr(C, "Pilih reseller"))
            self.ledger_count.setText("")
            self.more_button.hide()
            self.unlock_button.hide()
            return
        state = self.list_model.state(r)
        self.unlock_button.setVisible(state is ResellerState.PIN_LOCKED)
        earned = self.list_model.commissions.get(r.id, 0)
        self.heading.setText(f"{r.code} — {r.name} · " + tr(C, "saldo {balance}").format(balance=rupiah(r.balance))
                             + (" · " + tr(C, "upline {code}").format(code=r.upline_code) if r.upline_code else "")
                             + (" · " + tr(C, "komisi bulan ini {amount}").format(amount=rupiah(earned))
                                if earned else "")
                             + f" · {state_text(state)}")
        self.block_button.setText(tr(C, "Buka blokir") if state is ResellerState.BLOCKED else tr(C, "Blokir"))
        page = self.ledger_model.page
        if page is not None and page.reseller_id == r.id:
            self.ledger_count.setText(tr(C, "{shown} dari {total} mutasi").format(
                shown=group(len(page.rows)), total=group(page.total)))
            self.more_button.setVisible(page.total > len(page.rows))
        else:
            self.ledger_count.setText("")
            self.more_button.hide()

    @Slot()
    def show_more_ledger(self) -> None:
        self._ledger_limit += LEDGER_PAGE
        self.refresher.request()

    def _after_change(self, reseller_id: int | None = None) -> None:
        if reseller_id is not None:
            self._selected = reseller_id
        self.refresher.request()

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

    def open_h2h(self) -> H2HMemberDialog | None:
        """The selected reseller's H2H settings (ui/dialogs/h2h_member.py); saving makes it a member."""
        rid = self.selected_id()
        if rid is None:
            return None
        self.dialog = H2HMemberDialog(self.actor, rid, self)
        self.dialog.saved.connect(self._after_change)
        self.dialog.open()
        return self.dialog

    def open_money(self, kind: str) -> MoneyDialog | None:
        r = self.list_model.find(self.selected_id())
        if r is None:
            return None
        if not guard.owner_ok(self, lambda: self.open_money(kind)):
            return None  # the panel password first (ui/guard.py)
        self.dialog = MoneyDialog(r.id, r.code, r.balance, kind, self.actor, self)
        self.dialog.posted.connect(lambda _p, rid=r.id: self._after_change(rid))
        self.dialog.open()
        return self.dialog

    def ask_block(self) -> ConfirmDialog | None:
        r = self.list_model.find(self.selected_id())
        if r is None:
            return None
        block = r.active  # active now: this blocks
        text = (tr(C, "Blokir {code}? Pesanan darinya akan ditolak sampai blokir dibuka.") if block
                else tr(C, "Buka blokir {code}? Kunci PIN juga dihapus.")).format(code=r.code)

        def act(_dialog: ConfirmDialog) -> None:
            shop_admin.set_blocked(r.id, block, actor=self.actor)
            self._after_change(r.id)

        self.dialog = ConfirmDialog(tr(C, "Blokir") if block else tr(C, "Buka blokir"), text, act, self,
                                    destructive=block)
        self.dialog.open()
        return self.dialog

    @Slot(int)
    def _mode_chosen(self, index: int) -> None:
        mode = self.commission_mode.itemData(index)
        if mode != commission.mode():
            commission.set_mode(mode, actor=self.actor)
        self.refresher.request()

    def ask_pay_commission(self) -> ConfirmDialog:
        """Credit every accrued commission now, today's too (each exactly once, one mutasi per upline and day)."""

        def act(_dialog: ConfirmDialog) -> None:
            commission.credit_due(self.ctx.engine.clock(), include_today=True)
            self._after_change()

        self.dialog = ConfirmDialog(tr(C, "Bagikan komisi sekarang"),
                                    tr(C, "Masukkan semua komisi tertunda ke saldo upline masing-masing sekarang? "
                                          "Setiap komisi masuk sekali saja."), act, self,
                                    ok_text=tr(C, "Bagikan"))
        self.dialog.open()
        return self.dialog

    def ask_reset_pin(self) -> ConfirmDialog | None:
        r = self.list_model.find(self.selected_id())
        if r is None:
            return None

        def act(_dialog: ConfirmDialog) -> None:
            pin = shop_admin.reset_pin(r.id, actor=self.actor)
            self._after_change(r.id)
            self._show_pin(r.id, pin, r.code)

        self.dialog = ConfirmDialog(tr(C, "Reset PIN"), tr(C, "Buat PIN baru untuk {code}? PIN lama tidak berlaku "
                                                              "lagi.").format(code=r.code), act, self, destructive=True)
        self.dialog.open()
        return self.dialog

    def ask_unlock(self) -> ConfirmDialog | None:
        r = self.list_model.find(self.selected_id())
        if r is None:
            return None
        until = f"{r.locked_until:%d/%m %H:%M}" if r.locked_until else "-"

        def act(_dialog: ConfirmDialog) -> None:
            shop_admin.unlock_reseller(r.id, actor=self.actor)
            self._after_change(r.id)

        self.dialog = ConfirmDialog(
            tr(C, "Buka kunci PIN"),
            tr(C, "Buka kunci PIN {code} sekarang (terkunci sampai {until})? Lakukan ini hanya bila Anda yakin PIN "
                  "salah itu dari reseller sendiri: ia bisa langsung mencoba PIN lagi, dan hitungan PIN salah "
                  "mulai dari nol.").format(code=r.code, until=until), act, self,
            ok_text=tr(C, "Buka kunci"))
        self.dialog.open()
        return self.dialog

    def _show_pin(self, reseller_id: int, pin: str, code: str | None = None) -> None:
        if code is None:
            row = queries.reseller_row(reseller_id)
            code = row.code if row else str(reseller_id)
        box = QMessageBox(QMessageBox.Icon.Information, tr(C, "PIN baru"),
                          tr(C, "PIN {code}: {pin}\n\nCatat dan berikan ke reseller sekarang; PIN ini tidak "
                                "ditampilkan lagi.").format(code=code, pin=pin), QMessageBox.StandardButton.Ok, self)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pin_box = box
        box.open()


add_english(C, {
    "Komisi": "Commission", "Komisi upline:": "Upline commission:", "upline {code}": "upline {code}",
    "Komisi yang diperoleh sebagai upline bulan ini, dari transaksi sukses downline-nya":
        "Commission earned as an upline this month, on its downlines' successful orders",
    "komisi bulan ini {amount}": "commission this month {amount}",
    "Langsung per transaksi": "With each order", "Harian (besoknya, atau TUKAR)": "Daily (next day, or TUKAR)",
    "Langsung: komisi masuk saldo upline bersama tiap transaksi sukses downline-nya. Harian: dikumpulkan, masuk "
    "saldo besoknya dalam satu mutasi (atau saat upline mengirim TUKAR.PIN).":
        "With each order: the upline's commission is credited with each successful order of its downlines. "
        "Daily: accrued, and credited the next day in one entry (or when the upline sends TUKAR.PIN).",
    "Bagikan komisi sekarang": "Credit commissions now", "Bagikan": "Credit",
    "Masukkan semua komisi yang masih tertunda ke saldo upline sekarang":
        "Credit every commission still waiting to the uplines' balances now",
    "Masukkan semua komisi tertunda ke saldo upline masing-masing sekarang? Setiap komisi masuk sekali saja.":
        "Credit every waiting commission to its upline's balance now? Each commission is credited once.",
    "Tertunda: {amount}": "Waiting: {amount}",
    "Reseller": "Resellers", "Kode": "Code", "Nama": "Name", "Kota": "City", "Grup": "Group", "Upline": "Upline",
    "Saldo": "Balance", "Limit": "Limit", "Status": "Status", "Nomor utama": "Main number", "Diblokir": "Blocked",
    "PIN terkunci": "PIN locked", "Aktif": "Active", "Waktu": "Time", "Jenis": "Kind", "Mutasi": "Change",
    "TrxID": "TrxID", "Catatan": "Note", "Oleh": "By", "Deposit": "Deposit", "Koreksi": "Correction",
    "Cari kode, nama, kota atau nomor": "Search code, name, city or number", "Tambah reseller": "Add reseller",
    "H2H…": "H2H…", "Pesanan lewat HTTP dari server pembeli: password, IP, URL callback":
        "Orders over HTTP from the buyer's server: password, IPs, callback URL",
    "Ubah": "Edit", "Blokir": "Block", "Buka blokir": "Unblock", "Reset PIN": "Reset PIN", "Mutasi saldo": "Ledger",
    "Pilih reseller": "Select a reseller", "saldo {balance}": "balance {balance}",
    "Tampilkan lebih banyak": "Show more", "{shown} dari {total} mutasi": "{shown} of {total} entries",
    "Gagal membaca reseller: {error}": "Could not read the resellers: {error}",
    "Tidak ada reseller yang cocok dengan pencarian.": "No reseller matches the search.",
    "Belum ada reseller. Setiap reseller butuh grup harga: buat grup harga dan produk dulu di menu Produk dan harga, "
    "lalu klik Tambah reseller.": "No resellers yet. Each reseller needs a price group: create price groups and "
                                  "products under Products and prices first, then click Add reseller.",
    "Belum ada reseller. Klik Tambah reseller; PIN-nya dibuat acak dan ditampilkan sekali.":
        "No resellers yet. Click Add reseller; its PIN is made at random and shown once.",
    "Blokir {code}? Pesanan darinya akan ditolak sampai blokir dibuka.":
        "Block {code}? Its orders are refused until it is unblocked.",
    "Buka blokir {code}? Kunci PIN juga dihapus.": "Unblock {code}? A PIN lock is cleared too.",
    "Buat PIN baru untuk {code}? PIN lama tidak berlaku lagi.": "Make a new PIN for {code}? The old PIN stops working.",
    "PIN baru": "New PIN", "Buka kunci PIN": "Unlock PIN", "Buka kunci": "Unlock",
    "Izinkan reseller ini mencoba PIN lagi sekarang, tanpa menunggu kuncinya habis":
        "Let this reseller try the PIN again now, without waiting for the lock to end",
    "Buka kunci PIN {code} sekarang (terkunci sampai {until})? Lakukan ini hanya bila Anda yakin PIN salah itu dari "
    "reseller sendiri: ia bisa langsung mencoba PIN lagi, dan hitungan PIN salah mulai dari nol.":
        "Unlock the PIN of {code} now (locked until {until})? Do this only when you are sure the wrong PINs came "
        "from the reseller: it can try its PIN again at once, and the count of wrong PINs starts over.",
    "PIN {code}: {pin}\n\nCatat dan berikan ke reseller sekarang; PIN ini tidak ditampilkan lagi.":
        "PIN of {code}: {pin}\n\nNote it and give it to the reseller now; it is not shown again.",
})
