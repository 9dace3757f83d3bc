"""Telepon: one row per modem with its state, signal, chip stock and current work, and the actions on it.

The rows come from `app.queries.phones` (the modem table merged with the engine's live state), read on
the GUI thread by the view's Refresher after each engine event. Connecting and disconnecting run off
the GUI thread in the modem pool; while one runs, its button says so and cannot be pressed again.
"""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QStyledItemDelegate, QStyleOptionViewItem, QTableView, QVBoxLayout, QWidget)

from app.money import rupiah
from app.queries.phones import PhoneRow, phone_rows
from modems.types import GetStatus, ModemStatus, Reset
from ui.context import UiContext
from ui.dialogs.confirm import ConfirmDialog
from ui.i18n import add_english, tr
from ui.labels import label
from ui.refresh import Refresher
from ui.style import LOW_STOCK_BG, LOW_STOCK_FG, MUTED_FG, state_colours
from ui.tasks import outcome, spawn

log = logging.getLogger(__name__)
C = "Telepon"
STATUS_POLL_MS = 15_000  # signal in dBm and network name: asked of each online modem this often
BADGE_ROLE = Qt.ItemDataRole.UserRole + 1  # the state code a BadgeDelegate paints
ERROR_FG = QColor("#a50e0e")

COLUMNS = ("Nama", "Port", "Peran", "Operator", "IMEI / ICCID", "Sinyal", "Stok / saldo", "Status", "Transaksi",
           "Error terakhir")
COL_NAME, COL_PORT, COL_ROLES, COL_OPERATOR, COL_IDENTITY, COL_SIGNAL, COL_STOCK, COL_STATE, COL_WORK, COL_ERROR = \
    range(len(COLUMNS))


def _short(value: str, keep: int = 6) -> str:
    return f"…{value[-keep:]}" if len(value) > keep else value


class PhonesModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[PhoneRow] = []
        self.changing: dict[str, str] = {}  # modem -> "connecting" | "disconnecting", while the pool works

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(C, COLUMNS[section])
        return None

    def set_rows(self, rows: list[PhoneRow]) -> list[int] | None:
        """The new rows; returns the indexes that changed, or None when the row set itself changed."""
        if [r.name for r in rows] != [r.name for r in self.rows]:
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()
            return None
        changed = [i for i, (old, new) in enumerate(zip(self.rows, rows)) if old != new]
        self.rows = rows
        # one signal per run of changed rows: with 64 modems, rows 2 and 60 changing repaint two rows, not 59
        start = None
        for pos, i in enumerate(changed):
            if start is None:
                start = i
            if pos + 1 == len(changed) or changed[pos + 1] != i + 1:
                self.dataChanged.emit(self.index(start, 0), self.index(i, len(COLUMNS) - 1))
                start = None
        return changed

    def set_changing(self, changing: dict[str, str]) -> None:
        self.changing = dict(changing)
        if self.rows:
            self.dataChanged.emit(self.index(0, COL_STATE), self.index(len(self.rows) - 1, COL_STATE))

    def row_named(self, name: str) -> PhoneRow | None:
        return next((r for r in self.rows if r.name == name), None)

    def shown_state(self, row: PhoneRow) -> str:
        return self.changing.get(row.name, row.state)

    def _text(self, row: PhoneRow, col: int) -> Any:
        if col == COL_NAME:
            return row.name
        if col == COL_PORT:
            return row.port
        if col == COL_ROLES:
            return ", ".join(label("role_short", r) for r in row.roles)
        if col == COL_OPERATOR:
            return row.operator
        if col == COL_IDENTITY:
            return " / ".join(v for v in (_short(row.imei), _short(row.iccid)) if v)
        if col == COL_SIGNAL:
            return row.bars
        if col == COL_STOCK:
            return rupiah(row.stock) if row.stock is not None else "—"
        if col == COL_STATE:
            return label("modem_state", self.shown_state(row))
        if col == COL_WORK:
            return str(row.working_on) if row.working_on else ""
        return row.last_error

    def _tooltip(self, row: PhoneRow, col: int) -> str | None:
        if col == COL_IDENTITY:
            return f"IMEI {row.imei or '-'}\nICCID {row.iccid or '-'}"
        if col == COL_SIGNAL:
            return f"{row.dbm} dBm ({row.bars}/5)" if row.dbm is not None else tr(C, "sinyal belum diketahui")
        if col == COL_STOCK:
            parts = [row.supplier] if row.supplier else []
            if row.low_stock:
                parts.append(tr(C, "Stok chip menipis"))
            return "\n".join(parts) or None
        if col == COL_STATE:
            return row.detail or None
        if col in (COL_PORT, COL_OPERATOR, COL_WORK, COL_ERROR):
            return self._text(row, col) or None
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col)
        if role == BADGE_ROLE:
            return self.shown_state(row)
        if role == Qt.ItemDataRole.BackgroundRole and col == COL_STOCK and row.low_stock:
            return LOW_STOCK_BG
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == COL_STOCK and row.low_stock:
                return LOW_STOCK_FG
            if col == COL_ERROR:
                return ERROR_FG
            if not row.active:
                return MUTED_FG
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_STOCK:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
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
    """The state as a coloured pill: the code from BADGE_ROLE, else the `state` or `status` of the
    UserRole value (the queue view's orders)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        self.initStyleOption(option, index)
        text = option.text
        option.text = ""
        option.widget.style().drawControl(option.widget.style().ControlElement.CE_ItemViewItem, option, painter,
                                          option.widget)
        state = index.data(BADGE_ROLE)
        if state is None:
            value = index.data(Qt.ItemDataRole.UserRole)
            state = getattr(value, "state", None) or getattr(value, "status", "")
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
        self._changing: dict[str, str] = {}  # modem -> "connecting" | "disconnecting", until the pool is done

        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, keys, slot in (
                ("connect", "Sambungkan", "Ctrl+K", self.toggle_connection),
                ("reset", "Reset", "Ctrl+Shift+R", self.reset_modem),
                ("balance", "Cek saldo", "Ctrl+Shift+B", self.check_balance),
                ("ussd", "USSD…", "Ctrl+U", self.open_ussd),
                ("sms", "SMS…", "Ctrl+M", self.open_sms),
                ("console", "Konsol AT…", "Ctrl+T", self.open_console),
                ("edit", "Ubah…", "Ctrl+E", self.edit_modem),
                ("add", "Tambah modem…", "Ctrl+N", self.add_modem)):
            button = QPushButton(tr(C, text))
            button.setToolTip(keys)
            button.clicked.connect(slot)
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self.buttons[key] = button
            if key == "add":
                bar.addStretch(1)
            bar.addWidget(button)
        # wide enough for its longest text, so the bar does not jump when it changes
        connect = self.buttons["connect"]
        connect.setMinimumWidth(max(connect.fontMetrics().horizontalAdvance(tr(C, t)) for t in (
            "Sambungkan", "Putuskan", "Menyambung…", "Memutus…")) + 24)
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
        # every column as wide as its content (stock and states are never cut); the last error takes
        # the room that is left, and its tooltip has the whole text. Sized by `_fit_columns` from the rows
        # that changed, not by ResizeToContents, which measures every visible cell on every change: with
        # 64 modems that held the event loop for tens of milliseconds several times a second.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_ERROR, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda _i: self.edit_modem())
        layout.addWidget(self.table, 1)
        self.empty = QLabel(tr(C, "Belum ada modem. Pasang modem lalu tekan \"Tambah modem…\"."))
        self.empty.setStyleSheet("color: #5f6368;")
        self.empty.setWordWrap(True)
        self.empty.hide()
        layout.addWidget(self.empty)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #5f6368;")
        layout.addWidget(self.message)

        # at most 4 reads a second: 64 status answers arriving together make one refresh, not 64
        self.refresher: Refresher[list[PhoneRow]] = Refresher(self, ctx.bridge, self._load, self._show,
                                                              background=False, min_interval_s=0.25)
        # Not a refresh: a modem operation (AT+CSQ, AT+COPS?) whose answer then asks for one.
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(STATUS_POLL_MS)
        self._poll_timer.timeout.connect(self.poll_status)
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
        self.refresher.set_active(active)
        if active:
            self.poll_status()
            self._poll_timer.start()
        else:
            self._poll_timer.stop()

    # --- data --------------------------------------------------------------------------------

    def _load(self) -> list[PhoneRow]:
        return phone_rows(self.ctx.engine, statuses=self._status, errors=self.ctx.bridge.last_error)

    def _fit_columns(self, changed: list[int] | None) -> None:
        """Widen a column whose changed cells need more room (never narrower while the rows stay, so the
        table does not jump); fit every column when the rows themselves changed."""
        header = self.table.horizontalHeader()
        if changed is None:
            self.table.resizeColumnsToContents()
            return
        for col in range(len(COLUMNS)):
            if col == COL_ERROR or not changed:
                continue
            need = max(self.table.sizeHintForIndex(self.model.index(r, col)).width() for r in changed)
            if need > header.sectionSize(col):
                header.resizeSection(col, need)

    def _show(self, rows: list[PhoneRow]) -> None:
        selected = self.selected()
        self._fit_columns(self.model.set_rows(rows))
        self.empty.setVisible(not rows)
        now = self.selected()
        if selected is not None and self.model.row_named(selected.name) is not None:
            if now is None or now.name != selected.name:  # selecting again repaints and re-runs the buttons
                self.select(selected.name)
        elif rows and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        self._update_buttons()

    def refresh(self) -> None:
        """Read again now (after an action of the owner's)."""
        self.refresher.refresh()

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
        self.refresher.request()

    # --- selection and actions ------------------------------------------------------------------

    def selected(self) -> PhoneRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def select(self, name: str) -> bool:
        for i, row in enumerate(self.model.rows):
            if row.name == name:
                self.table.selectRow(i)
                return True
        return False

    def _update_buttons(self, *_args) -> None:
        row = self.selected()
        link = self.ctx.engine.links.get(row.name) if row else None
        online = bool(link and link.online)
        pool = self.ctx.modems
        connect = self.buttons["connect"]
        changing = self._changing.get(row.name) if row else None
        if changing is not None:
            connect.setText(tr(C, "Menyambung…") if changing == "connecting" else tr(C, "Memutus…"))
            connect.setEnabled(False)
        else:
            connected = bool(row and pool and pool.is_connected(row.name))
            connect.setText(tr(C, "Putuskan") if connected else tr(C, "Sambungkan"))
            connect.setEnabled(row is not None and pool is not None and not pool.is_changing(row.name))
        for key in ("reset", "ussd", "sms", "console"):
            self.buttons[key].setEnabled(online and changing is None)
        self.buttons["balance"].setEnabled(online and changing is None and row is not None
                                           and row.supplier_id is not None)
        self.buttons["edit"].setEnabled(row is not None)

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def _open(self, dialog: QWidget) -> QWidget:
        self.dialog = dialog
        dialog.open()
        return dialog

    def _set_changing(self, name: str, what: str | None) -> None:
        if what is None:
            self._changing.pop(name, None)
        else:
            self._changing[name] = what
        self.model.set_changing(self._changing)
        self._fit_columns(list(range(len(self.model.rows))))
        self._update_buttons()

    def toggle_connection(self) -> None:
        row = self.selected()
        pool = self.ctx.modems
        if row is None or pool is None or pool.is_changing(row.name) or row.name in self._changing:
            return
        name = row.name

        def finished(task) -> None:
            _result, error = outcome(task)
            self._set_changing(name, None)
            if error is not None:
                self._say(tr(C, "Gagal: {error}").format(error=error))
            elif pool.is_connected(name):
                self._say(tr(C, "{name} tersambung; menunggu modem siap.").format(name=name))
            else:
                self._say(tr(C, "{name} diputus.").format(name=name))
            self.refresher.request()

        def start(what: str, coro) -> None:
            self._set_changing(name, what)
            spawn(coro, finished)

        if pool.is_connected(name):
            def disconnect(_dialog) -> None:
                self._say(tr(C, "Memutus {name} …").format(name=name))
                start("disconnecting", pool.disconnect(name))
            self._open(ConfirmDialog(tr(C, "Putuskan modem"),
                                     tr(C, "Putuskan {name}? Modem ini berhenti melayani sampai disambung lagi.")
                                     .format(name=name), disconnect, self, destructive=True))
        else:
            self._say(tr(C, "Menyambung {name} …").format(name=name))
            start("connecting", pool.connect(name))

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
            self.refresher.request()
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
        dialog.accepted.connect(self.refresher.request)
        self._open(dialog)

    def edit_modem(self) -> None:
        from ui.dialogs.modem_config import EditModemDialog
        if (row := self.selected()) is not None:
            dialog = EditModemDialog(self.ctx, row.name, self)
            dialog.accepted.connect(self.refresher.request)
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
    "sinyal belum diketahui": "signal not known yet",
    "Stok chip menipis": "Chip stock is low",
    "Sambungkan": "Connect",
    "Putuskan": "Disconnect",
    "Menyambung…": "Connecting…",
    "Memutus…": "Disconnecting…",
    "Reset": "Reset",
    "Cek saldo": "Check balance",
    "Konsol AT…": "AT console…",
    "Ubah…": "Edit…",
    "Tambah modem…": "Add modem…",
    "Belum ada modem. Pasang modem lalu tekan \"Tambah modem…\".":
        "No modems yet. Plug one in and press \"Add modem…\".",
    "{name} diputus.": "{name} disconnected.",
    "{name} tersambung; menunggu modem siap.": "{name} connected; waiting for the modem to be ready.",
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
