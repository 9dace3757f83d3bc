"""Backups of the database ("Cadangan"): the list with time and size, "Cadangkan sekarang", "Pulihkan…"
(checked first, then a confirmation; the server stops, the database is replaced — the replaced one kept —
and the program starts again). All file work runs off the GUI thread (app/backups.py does it).

It follows the view contract (ctx, set_active, title) but the window opens it as a dialog from the
Server menu ("Cadangan database…"): an owner looks at backups rarely, and the tab bar is full."""
from __future__ import annotations

import asyncio
import logging

import shiboken6
from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel,
                               QMessageBox, QProgressBar, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from app import backups, settings
from ui.context import UiContext
from ui.i18n import add_english, tr
from ui.tasks import outcome, spawn

log = logging.getLogger(__name__)
C = "Cadangan"


def human_size(size: int) -> str:
    if size >= 1 << 30:
        return f"{size / (1 << 30):.1f} GB".replace(".", ",")
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MB".replace(".", ",")
    return f"{max(1, round(size / 1024))} KB"


class BackupsView(QWidget):
    busyChanged = Signal(bool)
    listed = Signal(int)  # the list was read again (how many backups)
    backedUp = Signal(str)  # a backup was written (its path)
    checked = Signal(object)  # app.backups.Check of the backup chosen for a restore
    failed = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.db_file = backups.database_file()
        self.folder = backups.folder_for(self.db_file) if self.db_file is not None else None
        self.rows: list[backups.Backup] = []
        self.confirm: QMessageBox | None = None  # the open question or result box, for tests
        self._busy = False

        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_note = QLabel()
        self.key_note.setWordWrap(True)
        self.key_note.setStyleSheet("QLabel { background: #fff4e5; border: 1px solid #e8710a; padding: 6px; }")

        self.table = QTableWidget(0, 3)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the backup API gives no useful fraction for one step
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.result = QLabel()
        self.result.setWordWrap(True)

        self.backup_button = QPushButton()
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton()
        self.restore_button.clicked.connect(self.restore_selected)
        self.folder_button = QPushButton()
        self.folder_button.clicked.connect(self._open_folder)
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        buttons.addWidget(self.folder_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.key_note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.result)
        layout.addLayout(buttons)
        self.retranslate()

    # --- the contract ---------------------------------------------------------------------------

    def title(self) -> str:
        return tr(C, "Cadangan")

    def set_active(self, active: bool) -> None:
        if active:
            self.refresh()

    def retranslate(self) -> None:
        if self.db_file is None:
            self.intro.setText(tr(C, "Database ini PostgreSQL: cadangannya urusan pengelola database (pg_dump), "
                                     "bukan Pulsa. Tanyakan jadwal dan tempat cadangannya kepada dia."))
        else:
            hours = settings.backup_interval_hours()
            every = (tr(C, "Cadangan otomatis tiap {hours} jam; {keep} cadangan terbaru disimpan.")
                     .format(hours=f"{hours:g}", keep=settings.backup_keep()) if hours > 0
                     else tr(C, "Cadangan otomatis mati; {keep} cadangan terbaru disimpan.")
                     .format(keep=settings.backup_keep()))
            self.intro.setText(every + "\n" + tr(C, "Folder: {folder}").format(folder=self.folder))
        self.key_note.setText(tr(C, "File kunci pulsa.key TIDAK ikut dicadangkan. Simpan salinannya di tempat "
                                    "lain (flashdisk, brankas), terpisah dari cadangan: tanpa file itu PIN "
                                    "reseller dan PIN chip di cadangan tidak bisa dipakai."))
        self.table.setHorizontalHeaderLabels([tr(C, "Waktu"), tr(C, "Ukuran"), tr(C, "File")])
        self.backup_button.setText(tr(C, "Cadangkan sekarang"))
        self.restore_button.setText(tr(C, "Pulihkan…"))
        self.folder_button.setText(tr(C, "Buka folder"))
        self._update_buttons()

    # --- the list -------------------------------------------------------------------------------

    def refresh(self) -> None:
        if self.folder is None:
            self.listed.emit(0)
            return
        spawn(asyncio.to_thread(backups.list_backups, self.folder), self._listed)

    def _listed(self, task: asyncio.Task) -> None:
        if not shiboken6.isValid(self):  # closed while the file work ran
            return
        found, error = outcome(task)
        if error is not None:
            self._fail(str(error))
            return
        self.rows = list(found)
        self.table.setRowCount(len(self.rows))
        for row, info in enumerate(self.rows):
            cells = (f"{info.taken_at:%d/%m/%Y %H:%M:%S}", human_size(info.size), info.path.name)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        if self.rows and not self.table.selectedItems():
            self.table.selectRow(0)
        self._update_buttons()
        self.listed.emit(len(self.rows))

    def selected(self) -> backups.Backup | None:
        rows = {i.row() for i in self.table.selectedItems()}
        return self.rows[min(rows)] if rows and min(rows) < len(self.rows) else None

    def _update_buttons(self) -> None:
        usable = self.db_file is not None and not self._busy
        self.backup_button.setEnabled(usable)
        self.restore_button.setEnabled(usable and self.selected() is not None)
        self.folder_button.setEnabled(self.folder is not None)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        if text:
            self.result.setText(text)
        self._update_buttons()
        self.busyChanged.emit(busy)

    def _fail(self, text: str) -> None:
        self._set_busy(False)
        self.result.setText(tr(C, "Gagal: {error}").format(error=text))
        self.failed.emit(text)

    # --- back up now ---------------------------------------------------------------------------

    def backup_now(self) -> None:
        if self.db_file is None or self._busy:
            return
        self._set_busy(True, tr(C, "Mencadangkan database…"))
        spawn(self.ctx.engine.backups.backup_now(), self._backed_up)

    def _backed_up(self, task: asyncio.Task) -> None:
        if not shiboken6.isValid(self):  # closed while the file work ran
            return
        info, error = outcome(task)
        if error is not None:
            self._fail(str(error))
            return
        self._set_busy(False, tr(C, "Cadangan dibuat: {name} ({size}).").format(name=info.path.name,
                                                                               size=human_size(info.size)))
        self.refresh()
        self.backedUp.emit(str(info.path))

    def _open_folder(self) -> None:
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))

    # --- restore -------------------------------------------------------------------------------

    def restore_selected(self) -> None:
        chosen = self.selected()
        if chosen is None or self._busy:
            return
        self._set_busy(True, tr(C, "Memeriksa {name}…").format(name=chosen.path.name))
        spawn(asyncio.to_thread(backups.verify, chosen.path), lambda t, c=chosen: self._verified(c, t))

    def _verified(self, chosen: backups.Backup, task: asyncio.Task) -> None:
        if not shiboken6.isValid(self):  # closed while the file work ran
            return
        check, error = outcome(task)
        if error is not None:
            self._fail(str(error))
            return
        self._set_busy(False)
        self.checked.emit(check)
        if not check.ok:
            self.result.setText(tr(C, "Cadangan {name} tidak bisa dipulihkan: {problems}")
                                .format(name=chosen.path.name, problems=check.summary()))
            self.confirm = QMessageBox(QMessageBox.Icon.Warning, tr(C, "Pulihkan cadangan"), self.result.text(),
                                       QMessageBox.StandardButton.Ok, self)
            self.confirm.open()
            return
        self.result.setText(tr(C, "{name}: {summary}").format(name=chosen.path.name, summary=check.summary()))
        restore = self.ctx.extras.get("restore")
        box = QMessageBox(QMessageBox.Icon.Question, tr(C, "Pulihkan cadangan"),
                          tr(C, "Pulihkan database dari cadangan {when}?").format(
                              when=f"{chosen.taken_at:%d/%m/%Y %H:%M:%S}"), parent=self)
        box.setInformativeText(tr(C, "Pemeriksaan: cadangan utuh (integrity_check ok), cocok dengan file kunci "
                                     "toko ini.\n\nServer akan berhenti, database sekarang disimpan di sampingnya "
                                     "sebagai pulsa.db.replaced-…, cadangan ini dipasang, lalu program dibuka lagi. "
                                     "Semua yang terjadi sesudah {when} (pesanan, deposit) tidak ada di cadangan.")
                               .format(when=f"{chosen.taken_at:%d/%m %H:%M}"))
        go = box.addButton(tr(C, "Hentikan server dan pulihkan"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(tr(C, "Batal"), QMessageBox.ButtonRole.RejectRole)
        go.setEnabled(restore is not None)
        if restore is None:
            box.setDetailedText(tr(C, "Dari jendela ini tidak bisa; hentikan server lalu jalankan: "
                                      "python3 main.py restore {file}").format(file=chosen.path))
        box.finished.connect(lambda _r, b=box, g=go, c=chosen: self._confirmed(b, g, c))
        self.confirm = box
        box.open()

    def _confirmed(self, box: QMessageBox, go: QPushButton, chosen: backups.Backup) -> None:
        if box.clickedButton() is not go:
            return
        restore = self.ctx.extras.get("restore")
        if restore is not None:
            self.result.setText(tr(C, "Server dihentikan untuk memulihkan {name}…").format(name=chosen.path.name))
            restore(chosen.path)


class BackupsDialog(QDialog):
    """The view in a window of its own (Server → Cadangan database…)."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr(C, "Cadangan database"))
        self.view = BackupsView(ctx, self)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addWidget(close)
        self.resize(720, 460)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.view.set_active(True)


add_english(C, {
    "Cadangan": "Backups",
    "Cadangan database": "Database backups",
    "Database ini PostgreSQL: cadangannya urusan pengelola database (pg_dump), bukan Pulsa. "
    "Tanyakan jadwal dan tempat cadangannya kepada dia.":
        "This database is PostgreSQL: its backups are the database administrator's job (pg_dump), not Pulsa's. "
        "Ask them when and where it is backed up.",
    "Cadangan otomatis tiap {hours} jam; {keep} cadangan terbaru disimpan.":
        "Automatic backup every {hours} hours; the newest {keep} are kept.",
    "Cadangan otomatis mati; {keep} cadangan terbaru disimpan.":
        "Automatic backups are off; the newest {keep} are kept.",
    "Folder: {folder}": "Folder: {folder}",
    "File kunci pulsa.key TIDAK ikut dicadangkan. Simpan salinannya di tempat lain (flashdisk, brankas), terpisah "
    "dari cadangan: tanpa file itu PIN reseller dan PIN chip di cadangan tidak bisa dipakai.":
        "The key file pulsa.key is NOT in the backups. Keep a copy somewhere else (a USB stick, a safe), apart "
        "from the backups: without it the reseller PINs and chip PINs in a backup cannot be used.",
    "Waktu": "Time",
    "Ukuran": "Size",
    "File": "File",
    "Cadangkan sekarang": "Back up now",
    "Pulihkan…": "Restore…",
    "Buka folder": "Open folder",
    "Gagal: {error}": "Failed: {error}",
    "Mencadangkan database…": "Backing up the database…",
    "Cadangan dibuat: {name} ({size}).": "Backup written: {name} ({size}).",
    "Memeriksa {name}…": "Checking {name}…",
    "Cadangan {name} tidak bisa dipulihkan: {problems}": "Backup {name} cannot be restored: {problems}",
    "Pulihkan cadangan": "Restore backup",
    "{name}: {summary}": "{name}: {summary}",
    "Pulihkan database dari cadangan {when}?": "Restore the database from the backup of {when}?",
    "Pemeriksaan: cadangan utuh (integrity_check ok), cocok dengan file kunci toko ini.\n\nServer akan berhenti, "
    "database sekarang disimpan di sampingnya sebagai pulsa.db.replaced-…, cadangan ini dipasang, lalu program "
    "dibuka lagi. Semua yang terjadi sesudah {when} (pesanan, deposit) tidak ada di cadangan.":
        "Check: the backup is whole (integrity_check ok) and matches this shop's key file.\n\nThe server stops, "
        "the current database is kept beside it as pulsa.db.replaced-…, this backup is put in place, and the "
        "program starts again. Everything after {when} (orders, deposits) is not in the backup.",
    "Hentikan server dan pulihkan": "Stop the server and restore",
    "Batal": "Cancel",
    "Dari jendela ini tidak bisa; hentikan server lalu jalankan: python3 main.py restore {file}":
        "Not possible from this window; stop the server and run: python3 main.py restore {file}",
    "Server dihentikan untuk memulihkan {name}…": "Stopping the server to restore {name}…",
})
