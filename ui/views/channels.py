"""Chat: the shop's Telegram bots and Jabber accounts (app/chat), like the modems in Ponsel: each with its
state, last error and messages in and out since the server started; add, edit, switch on or off, delete.
Secrets are never shown ("tersimpan")."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.chat import channels
from app.chat.transport import ChannelState
from ui.dialogs.channel import ChannelDialog
from ui.dialogs.confirm import ConfirmDialog
from ui.dialogs.shop_form import ErrorLabel, hint_label
from ui.i18n import add_english, tr
from ui.refresh import Refresher
from ui.row_model import RowsModel, rows_table

log = logging.getLogger(__name__)

C = "Chat"
COLUMNS = ("Nama", "Jenis", "Akun", "Aktif", "Status", "Masuk", "Keluar", "Keterangan")
KIND_TEXT = {"telegram": "Telegram", "jabber": "Jabber"}
STATE_TEXT = {ChannelState.STOPPED.value: "Mati", ChannelState.CONNECTING.value: "Menyambung",
              ChannelState.ONLINE.value: "Online", ChannelState.OFFLINE.value: "Terputus",
              ChannelState.REFUSED.value: "Ditolak"}
STATE_COLOR = {ChannelState.ONLINE.value: QColor("#1e8e3e"), ChannelState.CONNECTING.value: QColor("#b06000"),
               ChannelState.OFFLINE.value: QColor("#d93025"), ChannelState.REFUSED.value: QColor("#d93025")}
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class ChannelRow:
    id: int
    name: str
    kind: str
    account: str
    active: bool
    state: str
    detail: str
    received: int
    sent: int


def load_rows(manager: Any) -> tuple[ChannelRow, ...]:
    """The stored channels with their state in this run (none running: all "Mati")."""
    runs = getattr(manager, "runs", {}) if manager is not None else {}
    rows = []
    for info in channels.list_channels():
        run = runs.get(info.name)
        state = run.state.value if run is not None else ChannelState.STOPPED.value
        rows.append(ChannelRow(info.id, info.name, info.kind, info.account, info.active, state,
                               run.detail if run is not None else "", run.received if run else 0,
                               run.sent if run else 0))
    return tuple(rows)


class ChannelModel(RowsModel[ChannelRow]):
    COLUMNS, CONTEXT = COLUMNS, C

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, col = self.rows[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (r.name, KIND_TEXT.get(r.kind, r.kind), r.account if r.kind == "jabber" else tr(C, "bot"),
                    tr(C, "ya") if r.active else tr(C, "tidak"), tr(C, STATE_TEXT.get(r.state, r.state)),
                    str(r.received), str(r.sent), r.detail)[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (5, 6):
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and col == 4:
            return STATE_COLOR.get(r.state)
        return None


class ChannelsView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: Any = None
        self.model = ChannelModel(self)
        self._tasks: set[asyncio.Task] = set()
        self._build()
        self.refresher: Refresher[tuple[ChannelRow, ...]] = Refresher(
            self, getattr(ctx, "bridge", None), self._load, self._show, background=False, every_s=2.0,
            failed=lambda exc: self.error.setText(tr(C, "Gagal membaca channel: {error}").format(error=exc)))

    def title(self) -> str:
        return tr(C, "Chat")

    @property
    def manager(self) -> Any:
        return (getattr(self.ctx, "extras", None) or {}).get("chat")

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(tr(C, "Reseller memesan lewat Telegram atau Jabber dengan format yang sama "
                                          "seperti SMS; balasan kembali ke chat yang sama. ID chat reseller diatur "
                                          "di menu Reseller, atau reseller mengirim LINK.KODE.PIN dari chat "
                                          "barunya.")))
        buttons = QHBoxLayout()
        self.add_button = QPushButton(tr(C, "Tambah…"))
        self.edit_button = QPushButton(tr(C, "Ubah…"))
        self.toggle_button = QPushButton(tr(C, "Matikan"))
        self.delete_button = QPushButton(tr(C, "Hapus"))
        for button in (self.add_button, self.edit_button, self.toggle_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.table = rows_table(self.model)
        layout.addWidget(self.table, 1)
        self.empty = QLabel(tr(C, "Belum ada channel chat. Klik Tambah untuk memasang bot Telegram atau akun "
                                  "Jabber."))
        layout.addWidget(self.empty)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        self.add_button.clicked.connect(lambda: self.open_dialog(None))
        self.edit_button.clicked.connect(lambda: self.open_dialog(self.selected()))
        self.toggle_button.clicked.connect(self.toggle_selected)
        self.delete_button.clicked.connect(self.ask_delete)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.table.doubleClicked.connect(lambda _i: self.open_dialog(self.selected()))
        self._update_buttons()

    # --- data ---------------------------------------------------------------------------------
    def set_active(self, active: bool) -> None:
        self.refresher.set_active(active)

    def reload(self) -> None:
        self.refresher.request()

    def _load(self) -> tuple[ChannelRow, ...]:
        return load_rows(self.manager)

    def _show(self, rows: tuple[ChannelRow, ...]) -> None:
        selected = self.selected()
        if self.model.set_rows(rows):
            self.table.resizeColumnsToContents()
            for col in (5, 6):
                self.table.setColumnWidth(col, max(self.table.columnWidth(col), 70))
            if selected is not None:
                index = self.model.row_of(selected.id)
                if index >= 0:
                    self.table.selectRow(index)
        self.empty.setVisible(not rows)
        self._update_buttons()

    def selected(self) -> ChannelRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def select(self, name: str) -> None:
        for i, row in enumerate(self.model.rows):
            if row.name == name:
                self.table.selectRow(i)

    def _update_buttons(self) -> None:
        row = self.selected()
        for button in (self.edit_button, self.toggle_button, self.delete_button):
            button.setEnabled(row is not None)
        self.toggle_button.setText(tr(C, "Nyalakan") if row is not None and not row.active else tr(C, "Matikan"))

    # --- actions ------------------------------------------------------------------------------
    def open_dialog(self, row: ChannelRow | None) -> ChannelDialog:
        info = channels.info(row.name) if row is not None else None
        self.dialog = ChannelDialog(info, self)
        self.dialog.saved.connect(self._applied)
        self.dialog.open()
        return self.dialog

    def toggle_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        try:
            channels.set_active(row.name, not row.active)
        except channels.ChannelError as exc:
            self.error.setText(str(exc))
            return
        self._applied(row.name)

    def ask_delete(self) -> ConfirmDialog | None:
        row = self.selected()
        if row is None:
            return None
        self.dialog = ConfirmDialog(tr(C, "Hapus channel"),
                                    tr(C, "Hapus channel {name}? Reseller tidak bisa memesan lewat akun ini lagi; "
                                          "ID chat mereka tetap tersimpan.").format(name=row.name),
                                    lambda _d, name=row.name: self.delete(name), self, ok_text=tr(C, "Hapus"),
                                    destructive=True)
        self.dialog.open()
        return self.dialog

    def delete(self, name: str) -> None:
        channels.delete(name)
        self._applied(name)

    def _applied(self, name: str) -> None:
        """Saved, switched or deleted: the running server follows at once."""
        self.error.setText("")
        manager = self.manager
        if manager is not None:
            try:
                task = asyncio.get_running_loop().create_task(manager.apply(name), name=f"chat-apply-{name}")
            except RuntimeError:  # no loop running here (a view opened without a server)
                task = None
            if task is not None:
                self._tasks.add(task)
                task.add_done_callback(self._task_done)
        self.refresher.request()

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("applying a chat channel failed", exc_info=task.exception())
            self.error.setText(tr(C, "Channel tidak bisa dijalankan: {error}").format(error=task.exception()))
        self.refresher.request()


add_english(C, {
    "Chat": "Chat", "Nama": "Name", "Jenis": "Kind", "Akun": "Account", "Aktif": "Active", "Status": "State",
    "Keterangan": "Detail", "Masuk": "In", "Keluar": "Out", "bot": "bot", "ya": "yes", "tidak": "no",
    "Mati": "Off", "Menyambung": "Connecting", "Online": "Online", "Terputus": "Disconnected", "Ditolak": "Refused",
    "Reseller memesan lewat Telegram atau Jabber dengan format yang sama seperti SMS; balasan kembali ke chat yang "
    "sama. ID chat reseller diatur di menu Reseller, atau reseller mengirim LINK.KODE.PIN dari chat barunya.":
        "Resellers order by Telegram or Jabber in the same format as by SMS; replies go back to the same chat. "
        "Resellers' chat IDs are set in Resellers, or a reseller sends LINK.CODE.PIN from its new chat.",
    "Hapus channel": "Delete channel", "Tambah…": "Add…", "Ubah…": "Edit…", "Matikan": "Switch off",
    "Nyalakan": "Switch on", "Hapus": "Delete",
    "Belum ada channel chat. Klik Tambah untuk memasang bot Telegram atau akun Jabber.":
        "No chat channels yet. Click Add to set up a Telegram bot or a Jabber account.",
    "Gagal membaca channel: {error}": "Could not read the channels: {error}",
    "Hapus channel {name}? Reseller tidak bisa memesan lewat akun ini lagi; ID chat mereka tetap tersimpan.":
        "Delete channel {name}? Resellers can no longer order through this account; their chat IDs stay saved.",
    "Channel tidak bisa dijalankan: {error}": "The channel could not be run: {error}",
})
