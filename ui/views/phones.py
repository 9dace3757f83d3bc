"""Telepon: one row per modem with its state, signal, chip stock and current work, and the actions on it."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QStyledItemDelegate, QStyleOptionViewItem, QTableView, QVBoxLayout, QWidget)

from app.money import rupiah
from modems.types import GetStatus, ModemState, ModemStatus, Reset
from storage import sql
from storage.models import Modem
from storage.models import Supplier as SupplierRow
from ui.context import UiContext
from ui.dialogs.confirm import ConfirmDialog
from ui.i18n import add_english, tr
from ui.tasks import outcome, spawn
from ui.style import LOW_STOCK_BG, LOW_STOCK_FG, MUTED_FG, state_colours

log = logging.getLogger(__name__)
C = "Telepon"
STATUS_POLL_MS = 15_000

STATE_LABELS = {
    "online": "online", "busy": "sibuk", "connecting": "menyambung", "offline": "offline", "stopped": "diputus",
    "error": "error", "sim_error": "SIM error", "needs_attention": "perlu dicek",
}
ROLE_LABELS = {"center": "center", "sender": "pengirim", "chip": "chip", "upstream": "upstream"}


@dataclass
class PhoneRow:
    name: str
    port: str
    roles: str
    operator: str = ""
    imei: str = ""
    iccid: str = ""
    bars: int = 0
    dbm: int | None = None
    stock: int | None = None
    low_stock: bool = False
    supplier_id: int | None = None
    state: str = "offline"
    working_on: str = ""
    last_error: str = ""
    active: bool = True
    extra: dict = field(default_factory=dict)


COLUMNS = ("Nama", "Port", "Peran", "Operator", "IMEI / ICCID", "Sinyal", "Stok / saldo", "Status", "Transaksi",
           "Error terakhir")
COL_SIGNAL, COL_STOCK, COL_STATE = 5, 6, 7


def _short(value: str, keep: int = 6) -> str:
    return f"…{value[-keep:]}" if len(value) > keep else value


class PhonesModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[PhoneRow] = []

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(C, COLUMNS[section])
        return None

    def set_rows(self, rows: list[PhoneRow]) -> None:
        if [r.name for r in rows] != [r.name for r in self.rows]:
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()
            return
        changed = [i for i, (old, new) in enumerate(zip(self.rows, rows)) if old != new]
        self.rows = rows
        if changed:
            self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), len(COLUMNS) - 1))

    def row_named(self, name: str) -> PhoneRow | None:
        return next((r for r in self.rows if r.name == name), None)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return row.name
            if col == 1:
                return row.port
            if col == 2:
                return ", ".join(tr(C, ROLE_LABELS.get(r, r)) for r in row.roles.split(",") if r)
            if col == 3:
                return row.operator
            if col == 4:
                return " / ".join(v for v in (_short(row.imei), _short(row.iccid)) if v)
            if col == COL_SIGNAL:
                return row.bars
            if col == COL_STOCK:
                return rupiah(row.stock) if row.stock is not None else "—"
            if col == COL_STATE:
                return tr(C, STATE_LABELS.get(row.state, row.state))
            if col == 8:
                return row.working_on
            if col == 9:
                return row.last_error
        elif role == Qt.ItemDataRole.ToolTipRole:
            if col == 4:
                return f"IMEI {row.imei or '-'}\nICCID {row.iccid or '-'}"
            if col == COL_SIGNAL:
                return f"{row.dbm} dBm ({row.bars}/5)" if row.dbm is not None else tr(C, "sinyal belum diketahui")
            if col == COL_STOCK and row.low_stock:
                return tr(C, "Stok chip menipis")
            if col == 9 and row.last_error:
                return row.last_error
        elif role == Qt.ItemDataRole.BackgroundRole and col == COL_STOCK and row.low_stock:
            return LOW_STOCK_BG
        elif role == Qt.ItemDataRole.ForegroundRole:
            if col == COL_STOCK and row.low_stock:
                return LOW_STOCK_FG
            if not row.active or col == 9:
                return MUTED_FG if col != 9 else QColor("#a50e0e")
        elif role == Qt.ItemDataRole.TextAlignmentRole and col == COL_STOCK:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        elif role == Qt.ItemDataRole.UserRole:
            return row
        return None


class SignalDelegate(QStyledItemDelegate):
    """Five bars, filled up to the modem's level."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        self.initStyleOption(option, index)
        option.text = ""
        option.widget.style().drawControl(option.widget.style().ControlElement.CE_ItemViewItem, option, painter,
                                          option.widget)
        bars = int(index.data() or 0)
        rect = option.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width, gap = 5, 3
        x = rect.left() + 8
        bottom = rect.bottom() - 5
        colour = QColor("#1e8e3e") if bars >= 3 else QColor("#f9ab00") if bars >= 1 else QColor("#d93025")
        for i in range(5):
            height = 4 + i * 3
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour if i < bars else QColor("#dadce0"))
            painter.drawRoundedRect(QRect(x + i * (width + gap), bottom - height, width, height), 1, 1)
        painter.restore()

    def sizeHint(self, option, index) -> QSize:
        return QSize(56, 24)


class BadgeDelegate(QStyledItemDelegate):
    """The state as a coloured pill."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        self.initStyleOption(option, index)
        text = option.text
        option.text = ""
        option.widget.style().drawControl(option.widget.style().ControlElement.CE_ItemViewItem, option, painter,
                                          option.widget)
        row: PhoneRow | None = index.data(Qt.ItemDataRole.UserRole)
        state = row.state if isinstance(row, PhoneRow) else getattr(index.data(Qt.ItemDataRole.UserRole), "status", "")
        bg, fg = state_colours(state)
        metrics = option.fontMetrics
        width = metrics.horizontalAdvance(text) + 16
        height = metrics.height() + 4
        rect = QRect(option.rect.left() + 6, option.rect.center().y() - height // 2, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bg)
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(fg)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option, index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 28, size.height() + 6)


class PhonesView(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.active = False
        self.dialog: QWidget | None = None  # the dialog opened last (tests answer it)
        self._status: dict[str, ModemStatus] = {}
        self._polling: set[str] = set()

        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, label, keys, slot in (
                ("connect", "Sambung/Putus", "Ctrl+K", self.toggle_connection),
                ("reset", "Reset", "Ctrl+Shift+R", self.reset_modem),
                ("balance", "Cek saldo", "Ctrl+Shift+B", self.check_balance),
                ("ussd", "USSD…", "Ctrl+U", self.open_ussd),
                ("sms", "SMS…", "Ctrl+M", self.open_sms),
                ("console", "Konsol AT…", "Ctrl+T", self.open_console),
                ("edit", "Ubah…", "Ctrl+E", self.edit_modem),
                ("add", "Tambah modem…", "Ctrl+N", self.add_modem)):
            button = QPushButton(tr(C, label))
            button.setToolTip(keys)
            button.clicked.connect(slot)
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self.buttons[key] = button
            if key == "add":
                bar.addStretch(1)
            bar.addWidget(button)
        layout.addLayout(bar)

        self.model = PhonesModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setItemDelegateForColumn(COL_SIGNAL, SignalDelegate(self.table))
        self.table.setItemDelegateForColumn(COL_STATE, BadgeDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((80, 190, 110, 150, 150, 64, 120, 100, 200)):
            self.table.setColumnWidth(col, width)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.edit_modem())
        layout.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setStyleSheet("color: #5f6368;")
        layout.addWidget(self.message)

        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(STATUS_POLL_MS)
        self._poll_timer.timeout.connect(self.poll_status)
        self.refresh()
        self._update_buttons()

    # --- contract ----------------------------------------------------------------------------

    def title(self) -> str:
        return tr(C, "Telepon")

    def shortcuts(self) -> list[tuple[str, str]]:
        return [(b.toolTip(), b.text()) for b in self.buttons.values()]

    def set_active(self, active: bool) -> None:
        if active == self.active:
            return
        self.active = active
        if active:
            self.ctx.bridge.tick.connect(self.refresh)
            self.refresh()
            self.poll_status()
            self._poll_timer.start()
        else:
            self.ctx.bridge.tick.disconnect(self.refresh)
            self._poll_timer.stop()

    # --- data --------------------------------------------------------------------------------

    def _working_on(self) -> dict[str, str]:
        by_supplier = {sid: s.link.name for sid, s in self.ctx.engine.suppliers.items() if s.link is not None}
        out: dict[str, str] = {}
        for order_id, code, dest, supplier_id in sql.all_rows(
                'SELECT o.id, p.code, o.dest, o.supplier_id FROM "order" o JOIN product p ON p.id = o.product_id '
                "WHERE o.status = ? ORDER BY o.id", ("sending",)):
            name = by_supplier.get(supplier_id)
            if name and name not in out:
                out[name] = f"#{order_id} {code} {dest}"
        return out

    @Slot()
    def refresh(self) -> None:
        engine = self.ctx.engine
        working = self._working_on()
        suppliers: dict[str, SupplierRow] = {}
        for row in SupplierRow.select().where(SupplierRow.active == True):  # noqa: E712
            modem = json.loads(row.config or "{}").get("modem")
            if modem and modem not in suppliers:
                suppliers[modem] = row
        rows: list[PhoneRow] = []
        for modem in Modem.select().order_by(Modem.id):
            link = engine.links.get(modem.name)
            if not modem.active and link is None:
                continue
            supplier = suppliers.get(modem.name)
            live = engine.suppliers.get(supplier.id) if supplier else None
            info = getattr(link.handle, "info", None) if link else None
            status = self._status.get(modem.name)
            state = link.state.value if link else "offline"
            if live is not None and live.busy and state == "online":
                state = "busy"
            stock = live.stock if live is not None and live.stock is not None else (supplier.stock if supplier else None)
            low_limit = supplier.low_stock if supplier else 0
            operator = (live.operator if live else "") or (json.loads(supplier.config or "{}").get("operator", "")
                                                          if supplier else "")
            if status is not None and status.operator:
                operator = f"{operator} · {status.operator}" if operator and operator != status.operator else status.operator
            signal = status.signal if status is not None else None
            rows.append(PhoneRow(
                name=modem.name, port=modem.port_url, roles=modem.roles, operator=operator,
                imei=(info.imei if info and info.imei else modem.imei), iccid=(info.iccid if info and info.iccid
                                                                                else modem.iccid),
                bars=link.signal_bars if link else 0, dbm=signal.dbm if signal else None, stock=stock,
                low_stock=stock is not None and stock < low_limit, supplier_id=supplier.id if supplier else None,
                state=state, working_on=working.get(modem.name, ""),
                last_error=self.ctx.bridge.last_error.get(modem.name, "") or (live.disabled_reason if live else ""),
                active=modem.active))
        self.model.set_rows(rows)
        if rows and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        self._update_buttons()

    def poll_status(self) -> None:
        """Signal in dBm and the network name: a GetStatus per online modem, answered on the GUI thread."""
        for name, link in self.ctx.engine.links.items():
            if not link.online or name in self._polling:
                continue
            self._polling.add(name)
            self.ctx.bridge.when_done(link.handle.submit(GetStatus()),
                                      lambda fut, n=name: self._status_polled(n, fut))

    def _status_polled(self, name: str, fut) -> None:
        self._polling.discard(name)
        try:
            self._status[name] = fut.result()
        except Exception as exc:
            log.debug("status of %s: %s", name, exc)
            return
        if self.active:
            self.refresh()

    # --- selection and actions ------------------------------------------------------------------

    def selected(self) -> PhoneRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def select(self, name: str) -> None:
        for i, row in enumerate(self.model.rows):
            if row.name == name:
                self.table.selectRow(i)
                return

    def _update_buttons(self, *_args) -> None:
        row = self.selected()
        link = self.ctx.engine.links.get(row.name) if row else None
        online = bool(link and link.online)
        pool = self.ctx.modems
        connected = bool(row and pool and pool.is_connected(row.name))
        self.buttons["connect"].setText(tr(C, "Putuskan") if connected else tr(C, "Sambungkan"))
        self.buttons["connect"].setEnabled(row is not None and pool is not None and not pool.is_changing(row.name))
        for key in ("reset", "ussd", "sms", "console"):
            self.buttons[key].setEnabled(online)
        self.buttons["balance"].setEnabled(online and row is not None and row.supplier_id is not None)
        self.buttons["edit"].setEnabled(row is not None)

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def _open(self, dialog: QWidget) -> QWidget:
        self.dialog = dialog
        dialog.open()
        return dialog

    def toggle_connection(self) -> None:
        row = self.selected()
        pool = self.ctx.modems
        if row is None or pool is None or pool.is_changing(row.name):
            return
        name = row.name

        def finished(task) -> None:
            _result, error = outcome(task)
            if error is not None:
                self._say(tr(C, "Gagal: {error}").format(error=error))
            elif not pool.is_connected(name):
                self._say(tr(C, "{name} diputus.").format(name=name))
            self.refresh()
            self._update_buttons()

        if pool.is_connected(name):
            def disconnect(_dialog) -> None:
                spawn(pool.disconnect(name), finished)
                self._say(tr(C, "Memutus {name} …").format(name=name))
                self._update_buttons()
            self._open(ConfirmDialog(tr(C, "Putuskan modem"),
                                     tr(C, "Putuskan {name}? Modem ini berhenti melayani sampai disambung lagi.")
                                     .format(name=name), disconnect, self, destructive=True))
        else:
            spawn(pool.connect(name), finished)
            self._say(tr(C, "Menyambung {name} …").format(name=name))
            self._update_buttons()

    def reset_modem(self) -> None:
        row = self.selected()
        link = self.ctx.engine.links.get(row.name) if row else None
        if link is None:
            return

        def reset(_dialog) -> None:
            self._say(tr(C, "Reset {name} …").format(name=row.name))
            self.ctx.bridge.when_done(link.handle.submit(Reset()), lambda fut: self._say(
                tr(C, "Reset {name} selesai.").format(name=row.name) if fut.exception() is None
                else tr(C, "Reset {name} gagal: {error}").format(name=row.name, error=fut.exception())))
        self._open(ConfirmDialog(tr(C, "Reset modem"),
                                 tr(C, "Reset {name}? Modem tidak bisa dipakai selama beberapa detik.")
                                 .format(name=row.name), reset, self, destructive=True))

    def check_balance(self) -> None:
        from ui.tasks import outcome, spawn

        row = self.selected()
        if row is None or row.supplier_id is None or row.supplier_id not in self.ctx.engine.suppliers:
            return
        self._say(tr(C, "Cek saldo {name} …").format(name=row.name))

        def done(task) -> None:
            stock, error = outcome(task)
            if error is not None or stock is None:
                self._say(tr(C, "Cek saldo {name} gagal.").format(name=row.name))
            else:
                self._say(tr(C, "Saldo {name}: {amount}").format(name=row.name, amount=rupiah(stock)))
            self.refresh()
        spawn(self.ctx.engine.check_stock(row.supplier_id), done)

    def open_ussd(self) -> None:
        from ui.dialogs.modem_ops import UssdDialog
        if (row := self.selected()) is not None:
            self._open(UssdDialog(self.ctx, row.name, self))

    def open_sms(self) -> None:
        from ui.dialogs.modem_ops import SmsDialog
        if (row := self.selected()) is not None:
            self._open(SmsDialog(self.ctx, row.name, self))

    def open_console(self) -> None:
        from ui.dialogs.modem_ops import AtConsoleDialog
        if (row := self.selected()) is not None:
            dialog = AtConsoleDialog(self.ctx, row.name, self)
            self.dialog = dialog
            dialog.show()

    def add_modem(self) -> None:
        from ui.dialogs.modem_config import AddModemDialog
        dialog = AddModemDialog(self.ctx, self)
        dialog.accepted.connect(self.refresh)
        self._open(dialog)

    def edit_modem(self) -> None:
        from ui.dialogs.modem_config import EditModemDialog
        if (row := self.selected()) is not None:
            dialog = EditModemDialog(self.ctx, row.name, self)
            dialog.accepted.connect(self.refresh)
            self._open(dialog)


add_english(C, {
    "Telepon": "Phones",
    "Nama": "Name",
    "Port": "Port",
    "Peran": "Roles",
    "Operator": "Operator",
    "IMEI / ICCID": "IMEI / ICCID",
    "Sinyal": "Signal",
    "Stok / saldo": "Stock / balance",
    "Status": "State",
    "Transaksi": "Working on",
    "Error terakhir": "Last error",
    "sibuk": "busy",
    "menyambung": "connecting",
    "diputus": "disconnected",
    "perlu dicek": "needs attention",
    "pengirim": "sender",
    "sinyal belum diketahui": "signal not known yet",
    "Stok chip menipis": "Chip stock is low",
    "Sambung/Putus": "Connect/Disconnect",
    "Sambungkan": "Connect",
    "Putuskan": "Disconnect",
    "Cek saldo": "Check balance",
    "Konsol AT…": "AT console…",
    "Ubah…": "Edit…",
    "Tambah modem…": "Add modem…",
    "{name} diputus.": "{name} disconnected.",
    "Putuskan modem": "Disconnect modem",
    "Putuskan {name}? Modem ini berhenti melayani sampai disambung lagi.":
        "Disconnect {name}? It stops serving until it is connected again.",
    "Menyambung {name} …": "Connecting {name} …",
    "Memutus {name} …": "Disconnecting {name} …",
    "Gagal: {error}": "Failed: {error}",
    "Reset {name} …": "Resetting {name} …",
    "Reset {name} selesai.": "{name} reset.",
    "Reset {name} gagal: {error}": "Reset of {name} failed: {error}",
    "Reset modem": "Reset modem",
    "Reset {name}? Modem tidak bisa dipakai selama beberapa detik.":
        "Reset {name}? The modem is unavailable for a few seconds.",
    "Cek saldo {name} …": "Checking the balance of {name} …",
    "Cek saldo {name} gagal.": "Balance check on {name} failed.",
    "Saldo {name}: {amount}": "Balance of {name}: {amount}",
})
