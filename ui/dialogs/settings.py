"""Pengaturan: the owner's settings in tabs — shop, bank accounts for deposit replies, rules (repeat,
order age, PIN lockout), reply templates, the H2H server, backups, start with Windows, the panel
password. Opened from Pengaturan → Pengaturan…; everything the setup wizard asked can be changed here.

Every write goes through app/ (app.setup, app.settings, app.replies, app.h2h.members). "Simpan" saves
every tab at once and applies at once what the running server reads (the service's settings, the reply
templates, the window language); the H2H server's address takes effect at the next start. The password
tab has its own buttons: a password is changed on its own, never by "Simpan".
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit,
                               QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout,
                               QWidget)

from app import settings as app_settings, setup
from app.h2h import members
from app.replies import Templates
from ui import autostart
from ui.dialogs.shop_form import ErrorLabel, hint_label
from ui.i18n import add_english, tr

log = logging.getLogger(__name__)
C = "Pengaturan"
LANGUAGE_CHOICES = (("id", "Bahasa Indonesia"), ("en", "English"))


def language_combo(current: str) -> QComboBox:
    combo = QComboBox()
    for code, text in LANGUAGE_CHOICES:
        combo.addItem(text, code)
    combo.setCurrentIndex(max(combo.findData(current), 0))
    return combo


def spin(low: int, high: int, value: int, suffix: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(max(low, min(high, value)))
    if suffix:
        box.setSuffix(suffix)
    return box


class BankTable(QWidget):
    """The shop's bank accounts (named in deposit replies): bank, account number, holder."""

    def __init__(self, banks: dict[str, dict[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([tr(C, "Bank"), tr(C, "Nomor rekening"), tr(C, "Atas nama")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.add_button = QPushButton(tr(C, "Tambah rekening"))
        self.remove_button = QPushButton(tr(C, "Hapus rekening"))
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button.clicked.connect(self.remove_selected)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        layout.addLayout(row)
        for bank, account in banks.items():
            self.add_row(bank, account.get("account", ""), account.get("name", ""))

    def add_row(self, bank: str = "", number: str = "", holder: str = "") -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        for c, text in enumerate((bank, number, holder)):
            self.table.setItem(r, c, QTableWidgetItem(text))

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for r in rows or ([self.table.rowCount() - 1] if self.table.rowCount() else []):
            self.table.removeRow(r)

    def banks(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for r in range(self.table.rowCount()):
            cells = [(self.table.item(r, c).text().strip() if self.table.item(r, c) else "") for c in range(3)]
            if not any(cells):
                continue
            if not all(cells):
                raise setup.SetupError(tr(C, "Rekening baris {n}: isi nama bank, nomor rekening dan atas nama")
                                       .format(n=r + 1))
            out[cells[0].upper()] = {"account": cells[1], "name": cells[2]}
        return out


class TemplateEditor(QWidget):
    """The reply templates of one language: a list, an editor, back to the default. Edits wait for
    "Simpan" (`pending`)."""

    def __init__(self, templates: Templates, parent: QWidget | None = None):
        super().__init__(parent)
        self.templates = templates
        self.pending: dict[tuple[str, str], str | None] = {}  # (lang, name) -> text; None: back to default
        self._current: tuple[str, str] | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr(C, "Bahasa balasan")))
        self.lang = QComboBox()
        for code, text in LANGUAGE_CHOICES:
            self.lang.addItem(text, code)
        top.addWidget(self.lang)
        top.addStretch(1)
        layout.addLayout(top)
        body = QHBoxLayout()
        self.names = QListWidget()
        self.names.setMaximumWidth(230)
        body.addWidget(self.names)
        right = QVBoxLayout()
        self.editor = QPlainTextEdit()
        right.addWidget(self.editor)
        right.addWidget(hint_label(tr(C, "Tanda {…} diisi server, mis. {kode}, {tujuan}, {sn}, {saldo}. "
                                         "Biarkan tanda yang sudah ada.")))
        buttons = QHBoxLayout()
        self.reset_button = QPushButton(tr(C, "Kembalikan ke bawaan"))
        self.reset_button.clicked.connect(self.reset_current)
        buttons.addStretch(1)
        buttons.addWidget(self.reset_button)
        right.addLayout(buttons)
        body.addLayout(right, 1)
        layout.addLayout(body)
        self.lang.currentIndexChanged.connect(lambda _i: self._fill())
        self.names.currentItemChanged.connect(lambda _cur, _prev: self._show_current())
        self.editor.textChanged.connect(self._edited)
        self._fill()

    def language(self) -> str:
        return self.lang.currentData() or "id"

    def text_of(self, lang: str, name: str) -> str:
        key = (lang, name)
        if key in self.pending:
            value = self.pending[key]
            return self.templates.default_text(name, lang) if value is None else value
        return self.templates.text(name, lang)

    def _fill(self) -> None:
        self._current = None
        self.names.blockSignals(True)
        self.names.clear()
        lang = self.language()
        for name in self.templates.names(lang):
            item = QListWidgetItem(name)
            self.names.addItem(item)
        self.names.blockSignals(False)
        self._mark()
        if self.names.count():
            self.names.setCurrentRow(0)
        self._show_current()

    def _mark(self) -> None:
        lang = self.language()
        for i in range(self.names.count()):
            item = self.names.item(i)
            name = item.text().lstrip("* ")
            key = (lang, name)
            custom = (self.pending[key] is not None) if key in self.pending else self.templates.is_custom(name, lang)
            item.setText(("* " if custom else "") + name)
            item.setToolTip(tr(C, "Diubah oleh Anda") if custom else tr(C, "Teks bawaan"))

    def select(self, name: str) -> None:
        for i in range(self.names.count()):
            if self.names.item(i).text().lstrip("* ") == name:
                self.names.setCurrentRow(i)
                return

    def _show_current(self) -> None:
        item = self.names.currentItem()
        if item is None:
            self._current = None
            self.editor.clear()
            return
        self._current = None  # no "edited" while the text is loaded
        name = item.text().lstrip("* ")
        self.editor.setPlainText(self.text_of(self.language(), name))
        self._current = (self.language(), name)

    def _edited(self) -> None:
        if self._current is None:
            return
        lang, name = self._current
        text = self.editor.toPlainText()
        if text == self.text_of(lang, name):
            return
        self.pending[(lang, name)] = None if text == self.templates.default_text(name, lang) else text
        self._mark()

    def reset_current(self) -> None:
        if self._current is None:
            return
        lang, name = self._current
        self.pending[(lang, name)] = None
        self._show_current()
        self._mark()

    def save(self) -> None:
        for (lang, name), text in self.pending.items():
            if text is None:
                if self.templates.is_custom(name, lang):
                    self.templates.reset(name, lang)
            elif not text.strip():
                raise setup.SetupError(tr(C, "Templat {name} tidak boleh kosong").format(name=name))
            else:
                self.templates.set(name, lang, text)
        self.pending.clear()


class SettingsDialog(QDialog):
    """`ctx` (ui.context.UiContext) to apply the settings to the running service at once; None in a
    wizard or test without a server. `set_window_language` switches the window's language."""

    saved = Signal()

    def __init__(self, ctx: Any = None, parent: QWidget | None = None, *, actor: str = "admin",
                 set_window_language: Callable[[str], None] | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        self.set_window_language = set_window_language
        self.setWindowTitle(tr(C, "Pengaturan"))
        self.setMinimumSize(720, 520)
        service = getattr(getattr(ctx, "engine", None), "service", None)
        self.service = service
        self.templates: Templates = service.templates if service is not None else Templates()
        self.settings = app_settings.Settings.load()
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self._build_shop()
        self._build_banks()
        self._build_rules()
        self._build_templates()
        self._build_h2h()
        self._build_backup()
        self._build_windows()
        self._build_password()
        self.error = ErrorLabel(self)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr(C, "Simpan"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr(C, "Batal"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    # --- tabs -----------------------------------------------------------------------------------

    def _page(self, title: str) -> QFormLayout:
        page = QWidget()
        form = QFormLayout(page)
        self.tabs.addTab(page, title)
        return form

    def _build_shop(self) -> None:
        s = self.settings
        form = self._page(tr(C, "Toko"))
        self.site_name = QLineEdit(s.site_name)
        self.admin_contact = QLineEdit(s.admin_contact)
        self.admin_contact.setPlaceholderText(tr(C, "mis. 0812… atau @admin"))
        self.window_language = language_combo(app_settings.ui_language())
        self.reply_language = language_combo(s.language)
        form.addRow(tr(C, "Nama toko"), self.site_name)
        form.addRow(tr(C, "Kontak admin"), self.admin_contact)
        form.addRow(tr(C, "Bahasa jendela"), self.window_language)
        form.addRow(tr(C, "Bahasa balasan SMS"), self.reply_language)
        form.addRow(hint_label(tr(C, "Nama toko dan kontak admin muncul di balasan ke reseller. Reseller bisa "
                                     "memilih bahasanya sendiri; ini bahasa bawaannya.")))

    def _build_banks(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(hint_label(tr(C, "Rekening yang disebut di balasan tiket deposit (TIKET).")))
        self.bank_table = BankTable(self.settings.banks)
        layout.addWidget(self.bank_table)
        self.tabs.addTab(page, tr(C, "Bank"))

    def _build_rules(self) -> None:
        s = self.settings
        form = self._page(tr(C, "Aturan"))
        self.repeat_day = QComboBox()
        self.repeat_day.addItem(tr(C, "Sejak 00:00 hari ini"), "day")
        self.repeat_day.addItem(tr(C, "Beberapa jam terakhir"), "hours")
        hours = s.repeat_window if str(s.repeat_window).isdigit() else "24"
        self.repeat_day.setCurrentIndex(0 if s.repeat_window == "day" else 1)
        self.repeat_hours = spin(1, 168, int(hours), tr(C, " jam"))
        self.repeat_hours.setEnabled(s.repeat_window != "day")
        self.repeat_day.currentIndexChanged.connect(self._repeat_mode_changed)
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.repeat_day)
        row.addWidget(self.repeat_hours)
        form.addRow(tr(C, "Jendela pengulangan"), box)
        self.repeat_max = spin(1, 99, s.repeat_max)
        form.addRow(tr(C, "Pengulangan paling banyak"), self.repeat_max)
        form.addRow(hint_label(tr(C, "Produk dan nomor tujuan yang sama di dalam jendela ini butuh penghitung "
                                     "(S10.0812….2.PIN), supaya pesanan ganda tidak terkirim dua kali.")))
        self.max_age = spin(1, 1440, s.max_order_age_min, tr(C, " menit"))
        form.addRow(tr(C, "Umur pesanan paling lama"), self.max_age)
        form.addRow(hint_label(tr(C, "SMS pesanan yang lebih tua dari ini (mis. tertahan di operator) ditolak.")))
        self.pin_failures = spin(1, 20, s.pin_max_failures, tr(C, " kali"))
        self.pin_minutes = spin(1, 1440, s.pin_lock_minutes, tr(C, " menit"))
        form.addRow(tr(C, "PIN salah sebelum dikunci"), self.pin_failures)
        form.addRow(tr(C, "Lama kunci pertama"), self.pin_minutes)
        form.addRow(hint_label(tr(C, "Setiap kunci berikutnya berturut-turut dua kali lebih lama (paling lama "
                                     "sehari).")))

    def _repeat_mode_changed(self, _index: int) -> None:
        self.repeat_hours.setEnabled(self.repeat_day.currentData() == "hours")

    def _build_templates(self) -> None:
        self.template_editor = TemplateEditor(self.templates)
        self.tabs.addTab(self.template_editor, tr(C, "Balasan"))

    def _build_h2h(self) -> None:
        saved = members.server_settings()
        self.h2h_saved = saved
        form = self._page(tr(C, "H2H/port"))
        self.h2h_enabled = QCheckBox(tr(C, "Jalankan server H2H (pembeli H2H memesan lewat HTTP)"))
        self.h2h_enabled.setChecked(saved.enabled)
        self.h2h_host = QLineEdit(saved.host)
        self.h2h_port = spin(1, 65535, saved.port)
        self.h2h_port.setGroupSeparatorShown(False)
        form.addRow(self.h2h_enabled)
        form.addRow(tr(C, "Alamat"), self.h2h_host)
        form.addRow(tr(C, "Port"), self.h2h_port)
        form.addRow(hint_label(tr(C, "127.0.0.1: hanya PC ini. 0.0.0.0: semua jaringan (pasang di belakang "
                                     "HTTPS). Berlaku setelah server dijalankan ulang.")))

    def _build_backup(self) -> None:
        schedule = setup.backup_schedule()
        form = self._page(tr(C, "Cadangan"))
        self.backup_interval = spin(0, 168, schedule.interval_hours, tr(C, " jam"))
        self.backup_interval.setSpecialValueText(tr(C, "mati"))
        self.backup_keep = spin(1, 1000, schedule.keep)
        form.addRow(tr(C, "Cadangkan setiap"), self.backup_interval)
        form.addRow(tr(C, "Simpan cadangan terakhir"), self.backup_keep)
        form.addRow(hint_label(tr(C, "Cadangan ada di folder data (backups). Simpan juga salinan file kunci "
                                     "pulsa.key di tempat lain: tanpa file itu cadangan tidak bisa memeriksa PIN.")))

    def _build_windows(self) -> None:
        form = self._page(tr(C, "Windows"))
        self.autostart = QCheckBox(tr(C, "Jalankan Pulsa saat Windows dinyalakan"))
        self.autostart.setChecked(setup.start_with_windows())
        if not autostart.supported():
            self.autostart.setEnabled(False)
            self.autostart.setToolTip(tr(C, "Hanya di Windows."))
        form.addRow(self.autostart)
        form.addRow(hint_label(tr(C, "Pulsa mulai di tray saat Anda masuk ke Windows, supaya pesanan tetap "
                                     "diproses setelah PC dinyalakan ulang.")))

    def _build_password(self) -> None:
        form = self._page(tr(C, "Kata sandi"))
        self.password_state = QLabel()
        form.addRow(self.password_state)
        self.current_password = QLineEdit()
        self.new_password = QLineEdit()
        self.repeat_password = QLineEdit()
        for edit in (self.current_password, self.new_password, self.repeat_password):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(tr(C, "Kata sandi sekarang"), self.current_password)
        form.addRow(tr(C, "Kata sandi baru"), self.new_password)
        form.addRow(tr(C, "Ulangi kata sandi baru"), self.repeat_password)
        row = QHBoxLayout()
        self.set_password_button = QPushButton(tr(C, "Simpan kata sandi"))
        self.remove_password_button = QPushButton(tr(C, "Hapus kata sandi"))
        self.set_password_button.clicked.connect(self.save_password)
        self.remove_password_button.clicked.connect(self.remove_password)
        row.addWidget(self.set_password_button)
        row.addWidget(self.remove_password_button)
        row.addStretch(1)
        form.addRow(row)
        self.password_message = hint_label()
        form.addRow(self.password_message)
        form.addRow(hint_label(tr(C, "Bila diatur, kata sandi ditanya saat Pulsa dibuka dan sebelum tindakan "
                                     "yang memindahkan uang (deposit, koreksi, paksa sukses, refund, ulangi).")))
        self._show_password_state()

    def _show_password_state(self) -> None:
        on = setup.has_panel_password()
        self.password_state.setText(tr(C, "Kata sandi panel: aktif") if on else tr(C, "Kata sandi panel: belum "
                                                                                      "diatur"))
        self.current_password.setEnabled(on)
        self.remove_password_button.setEnabled(on)

    def save_password(self) -> bool:
        new = self.new_password.text()
        if new != self.repeat_password.text():
            self.password_message.setText(tr(C, "Kata sandi baru dan ulangannya tidak sama."))
            return False
        try:
            setup.set_panel_password(new, actor=self.actor, current=self.current_password.text())
        except setup.SetupError as exc:
            self.password_message.setText(str(exc))
            return False
        from ui import guard

        guard.remember()
        for edit in (self.current_password, self.new_password, self.repeat_password):
            edit.clear()
        self.password_message.setText(tr(C, "Kata sandi disimpan."))
        self._show_password_state()
        return True

    def remove_password(self) -> bool:
        try:
            setup.remove_panel_password(actor=self.actor, current=self.current_password.text())
        except setup.SetupError as exc:
            self.password_message.setText(str(exc))
            return False
        self.current_password.clear()
        self.password_message.setText(tr(C, "Kata sandi dihapus."))
        self._show_password_state()
        return True

    # --- saving ---------------------------------------------------------------------------------

    def collect(self) -> app_settings.Settings:
        s = dataclasses.replace(self.settings)
        s.site_name = self.site_name.text().strip()
        s.admin_contact = self.admin_contact.text().strip() or "admin"
        s.language = self.reply_language.currentData()
        s.banks = self.bank_table.banks()
        s.repeat_window = "day" if self.repeat_day.currentData() == "day" else str(self.repeat_hours.value())
        s.repeat_max = self.repeat_max.value()
        s.max_order_age_min = self.max_age.value()
        s.pin_max_failures = self.pin_failures.value()
        s.pin_lock_minutes = self.pin_minutes.value()
        return s

    def accept(self) -> None:
        try:
            s = self.collect()
            setup.check_settings(s)
            h2h = members.ServerSettings(self.h2h_enabled.isChecked(), self.h2h_host.text().strip(),
                                         self.h2h_port.value(), self.h2h_saved.trusted_proxies)
            schedule = setup.BackupSchedule(self.backup_interval.value(), self.backup_keep.value())
            if self.autostart.isEnabled() and self.autostart.isChecked() != setup.start_with_windows():
                autostart.set_enabled(self.autostart.isChecked())
            setup.save_settings(s, actor=self.actor)
            if h2h != self.h2h_saved:
                members.save_server_settings(h2h, actor=self.actor)
                self.h2h_saved = h2h
            setup.set_backup_schedule(schedule, actor=self.actor)
            if self.autostart.isEnabled():
                setup.set_start_with_windows(self.autostart.isChecked(), actor=self.actor)
            self.template_editor.save()
            app_settings.set_ui_language(self.window_language.currentData())
        except (setup.SetupError, members.MemberError, OSError, ValueError) as exc:
            self.error.setText(tr(C, "Tidak disimpan: {error}").format(error=exc))
            return
        self.apply(s)
        self.saved.emit()
        super().accept()

    def apply(self, s: app_settings.Settings) -> None:
        """What the running server reads, at once: the service's settings (in place, so every holder
        sees them) and the window language."""
        if self.service is not None:
            for f in dataclasses.fields(s):
                setattr(self.service.settings, f.name, getattr(s, f.name))
        if self.set_window_language is not None:
            self.set_window_language(self.window_language.currentData())


add_english(C, {
    "Pengaturan": "Settings", "Simpan": "Save", "Batal": "Cancel",
    "Toko": "Shop", "Bank": "Bank", "Aturan": "Rules", "Balasan": "Replies", "H2H/port": "H2H/port",
    "Cadangan": "Backups", "Windows": "Windows", "Kata sandi": "Password",
    "Nama toko": "Shop name", "Kontak admin": "Admin contact", "mis. 0812… atau @admin": "e.g. 0812… or @admin",
    "Bahasa jendela": "Window language", "Bahasa balasan SMS": "SMS reply language",
    "Nama toko dan kontak admin muncul di balasan ke reseller. Reseller bisa memilih bahasanya sendiri; ini "
    "bahasa bawaannya.":
        "The shop name and admin contact appear in replies to resellers. Resellers may choose their own "
        "language; this is the default.",
    "Rekening yang disebut di balasan tiket deposit (TIKET).":
        "The accounts named in deposit ticket replies (TIKET).",
    "Nomor rekening": "Account number", "Atas nama": "Account holder", "Tambah rekening": "Add account",
    "Hapus rekening": "Remove account",
    "Rekening baris {n}: isi nama bank, nomor rekening dan atas nama":
        "Account row {n}: fill in the bank, account number and holder",
    "Sejak 00:00 hari ini": "Since 00:00 today", "Beberapa jam terakhir": "The last hours", " jam": " h",
    "Jendela pengulangan": "Repeat window", "Pengulangan paling banyak": "Most repeats",
    "Produk dan nomor tujuan yang sama di dalam jendela ini butuh penghitung (S10.0812….2.PIN), supaya pesanan "
    "ganda tidak terkirim dua kali.":
        "The same product and number inside this window needs a counter (S10.0812….2.PIN), so a duplicate "
        "order is not sent twice.",
    " menit": " min", "Umur pesanan paling lama": "Order age limit",
    "SMS pesanan yang lebih tua dari ini (mis. tertahan di operator) ditolak.":
        "Order SMS older than this (e.g. held up at the operator) are refused.",
    " kali": " times", "PIN salah sebelum dikunci": "Wrong PINs before a lock", "Lama kunci pertama": "First lock",
    "Setiap kunci berikutnya berturut-turut dua kali lebih lama (paling lama sehari).":
        "Each further lock in a row lasts twice as long (at most a day).",
    "Bahasa balasan": "Reply language",
    "Tanda {…} diisi server, mis. {kode}, {tujuan}, {sn}, {saldo}. Biarkan tanda yang sudah ada.":
        "The server fills in {…}, e.g. {kode}, {tujuan}, {sn}, {saldo}. Keep the ones that are there.",
    "Kembalikan ke bawaan": "Reset to default", "Diubah oleh Anda": "Changed by you", "Teks bawaan": "Default text",
    "Templat {name} tidak boleh kosong": "Template {name} must not be empty",
    "Jalankan server H2H (pembeli H2H memesan lewat HTTP)": "Run the H2H server (H2H buyers order over HTTP)",
    "Alamat": "Address", "Port": "Port",
    "127.0.0.1: hanya PC ini. 0.0.0.0: semua jaringan (pasang di belakang HTTPS). Berlaku setelah server "
    "dijalankan ulang.":
        "127.0.0.1: this PC only. 0.0.0.0: every network (put it behind HTTPS). Takes effect when the server "
        "starts again.",
    "mati": "off", "Cadangkan setiap": "Back up every", "Simpan cadangan terakhir": "Keep the last",
    "Cadangan ada di folder data (backups). Simpan juga salinan file kunci pulsa.key di tempat lain: tanpa file "
    "itu cadangan tidak bisa memeriksa PIN.":
        "Backups are in the data folder (backups). Keep a copy of the key file pulsa.key elsewhere too: without "
        "it a backup cannot check PINs.",
    "Jalankan Pulsa saat Windows dinyalakan": "Start Pulsa with Windows", "Hanya di Windows.": "Windows only.",
    "Pulsa mulai di tray saat Anda masuk ke Windows, supaya pesanan tetap diproses setelah PC dinyalakan ulang.":
        "Pulsa starts in the tray when you log in to Windows, so orders keep being processed after a restart.",
    "Kata sandi sekarang": "Current password", "Kata sandi baru": "New password",
    "Ulangi kata sandi baru": "Repeat the new password", "Simpan kata sandi": "Save password",
    "Hapus kata sandi": "Remove password",
    "Bila diatur, kata sandi ditanya saat Pulsa dibuka dan sebelum tindakan yang memindahkan uang (deposit, "
    "koreksi, paksa sukses, refund, ulangi).":
        "When set, the password is asked when Pulsa opens and before actions that move money (deposit, "
        "correction, force success, refund, retry).",
    "Kata sandi panel: aktif": "Panel password: on", "Kata sandi panel: belum diatur": "Panel password: not set",
    "Kata sandi baru dan ulangannya tidak sama.": "The new password and its repetition differ.",
    "Kata sandi disimpan.": "Password saved.", "Kata sandi dihapus.": "Password removed.",
    "Tidak disimpan: {error}": "Not saved: {error}",
})
