"""Add or edit a chat center: a Telegram bot (token, Bot API server) or a Jabber account (JID, password,
server and port). The token or password is never shown back: "tersimpan", fill it only to replace it
(app/chat/channels.py stores it sealed)."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFormLayout, QLabel, QLineEdit,
                               QSpinBox, QVBoxLayout, QWidget)

from app.chat import channels
from ui.dialogs.shop_form import ErrorLabel, hint_label, save_cancel
from ui.i18n import add_english, tr

C = "Chat"
KINDS = (("telegram", "Telegram (bot)"), ("jabber", "Jabber (XMPP)"))


class ChannelDialog(QDialog):
    """`saved(name)` fires after a save."""

    saved = Signal(str)

    def __init__(self, info: channels.ChannelInfo | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.info = info
        self.setWindowTitle(tr(C, "Ubah channel {name}").format(name=info.name) if info
                            else tr(C, "Tambah channel chat"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(tr(C, "Reseller memesan lewat chat ke akun ini, dengan format yang sama seperti "
                                          "SMS. Token dan password tidak pernah ditampilkan; isi hanya untuk "
                                          "menggantinya.")))
        form = QFormLayout()
        self.name = QLineEdit(info.name if info else "")
        self.name.setPlaceholderText("bot-toko")
        self.name.setReadOnly(info is not None)
        self.kind = QComboBox()
        for code, text in KINDS:
            self.kind.addItem(tr(C, text), code)
        if info:
            self.kind.setCurrentIndex(max(0, self.kind.findData(info.kind)))
            self.kind.setEnabled(False)
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText(tr(C, "tersimpan — kosongkan bila tidak diubah") if info and info.secret_saved
                                       else tr(C, "wajib diisi"))
        self.jid = QLineEdit(info.account if info and info.kind == "jabber" else "")
        self.jid.setPlaceholderText("pulsa@example.net")
        self.host = QLineEdit(info.host if info else "")
        self.host.setPlaceholderText(tr(C, "kosong: dari domain Jabber ID"))
        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.port.setSpecialValueText(tr(C, "bawaan (5222)"))
        self.port.setValue(info.port if info else 0)
        self.api_url = QLineEdit(info.api_url if info else "")
        self.api_url.setPlaceholderText(tr(C, "kosong: https://api.telegram.org"))
        self.active = QCheckBox(tr(C, "Aktif (tersambung selama server berjalan)"))
        self.active.setChecked(info.active if info else True)
        self.secret_label = QLabel()
        form.addRow(tr(C, "Nama"), self.name)
        form.addRow(tr(C, "Jenis"), self.kind)
        form.addRow(self.secret_label, self.secret)
        self._jabber_rows = [(QLabel(tr(C, "Jabber ID")), self.jid), (QLabel(tr(C, "Server")), self.host),
                             (QLabel(tr(C, "Port")), self.port)]
        self._telegram_rows = [(QLabel(tr(C, "Server Bot API")), self.api_url)]
        for label, field in self._jabber_rows + self._telegram_rows:
            form.addRow(label, field)
        form.addRow("", self.active)
        layout.addLayout(form)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        buttons = save_cancel(self)
        layout.addWidget(buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def _kind_changed(self) -> None:
        jabber = self.kind.currentData() == "jabber"
        self.secret_label.setText(tr(C, "Password") if jabber else tr(C, "Token bot"))
        for label, field in self._jabber_rows:
            label.setVisible(jabber)
            field.setVisible(jabber)
        for label, field in self._telegram_rows:
            label.setVisible(not jabber)
            field.setVisible(not jabber)

    def spec(self) -> channels.ChannelSpec:
        jabber = self.kind.currentData() == "jabber"
        return channels.ChannelSpec(self.name.text(), str(self.kind.currentData()), self.secret.text(),
                                    jid=self.jid.text() if jabber else "", host=self.host.text() if jabber else "",
                                    port=self.port.value() if jabber else 0,
                                    api_url="" if jabber else self.api_url.text(), active=self.active.isChecked())

    def accept(self) -> None:
        spec = self.spec()
        if self.info is None and channels.info(spec.name.strip()) is not None:
            self.error.setText(tr(C, "Nama {name} sudah dipakai").format(name=spec.name.strip()))
            return
        try:
            channels.save(spec)
        except channels.ChannelError as exc:
            self.error.setText(str(exc))
            return
        self.secret.clear()
        self.saved.emit(spec.name.strip())
        super().accept()


add_english(C, {
    "Ubah channel {name}": "Edit channel {name}", "Tambah channel chat": "Add a chat channel",
    "Reseller memesan lewat chat ke akun ini, dengan format yang sama seperti SMS. Token dan password tidak pernah "
    "ditampilkan; isi hanya untuk menggantinya.":
        "Resellers order by chat to this account, in the same format as by SMS. Tokens and passwords are never "
        "shown; fill them in only to replace them.",
    "Telegram (bot)": "Telegram (bot)", "Jabber (XMPP)": "Jabber (XMPP)",
    "tersimpan — kosongkan bila tidak diubah": "saved — leave empty to keep it", "wajib diisi": "required",
    "kosong: dari domain Jabber ID": "empty: from the Jabber ID's domain", "bawaan (5222)": "default (5222)",
    "kosong: https://api.telegram.org": "empty: https://api.telegram.org",
    "Aktif (tersambung selama server berjalan)": "Active (connected while the server runs)", "Nama": "Name",
    "Jenis": "Kind", "Jabber ID": "Jabber ID", "Server": "Server", "Port": "Port", "Server Bot API": "Bot API server",
    "Password": "Password", "Token bot": "Bot token", "Nama {name} sudah dipakai": "The name {name} is taken",
})
