"""A reseller's H2H settings: secrets set-only (never shown), the addresses it may order from, where its
reports go and in which form, the form without a sign, and refIDs trusted (app/h2h/members.py)."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFormLayout, QLineEdit, QPlainTextEdit,
                               QVBoxLayout, QWidget)

from app.h2h import members
from ui.dialogs.shop_form import ErrorLabel, hint_label, save_cancel
from ui.i18n import add_english, tr

C = "H2H"
FORMS = (("otomax", "OtomaX: refid dan message"), ("st24", "ST24/IRS: serverid, clientid, statuscode…"),
         ("json", "JSON bertanda tangan (HMAC)"))


def _secret_field(is_set: bool) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(tr(C, "tersimpan — kosongkan bila tidak diubah") if is_set else tr(C, "belum diatur"))
    return field


class H2HMemberDialog(QDialog):
    """`saved(reseller_id)` fires after a save."""

    saved = Signal(int)

    def __init__(self, actor: str, reseller_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.actor, self.reseller_id = actor, reseller_id
        info = members.info(reseller_id)
        assert info is not None
        self.info = info
        self.setWindowTitle(tr(C, "Pengaturan H2H {code}").format(code=info.code))
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(tr(C, "{code} memesan lewat HTTP dari server pembeli. Member ID: {code}. "
                                          "Password, secret dan PIN tidak pernah ditampilkan; isi hanya untuk "
                                          "menggantinya.").format(code=info.code)))
        form = QFormLayout()
        self.password = _secret_field(info.password_set)
        self.api_secret = _secret_field(info.api_secret_set)
        if not info.api_secret_set:
            self.api_secret.setPlaceholderText(tr(C, "kosong: JSON ditandatangani dengan password H2H"))
        self.clear_secret = QCheckBox(tr(C, "Hapus secret API (pakai password H2H)"))
        self.clear_secret.setVisible(info.api_secret_set)
        self.pin = _secret_field(info.pin_set)
        self.pin.setMaxLength(6)
        self.ips = QPlainTextEdit("\n".join(info.allowed_ips))
        self.ips.setPlaceholderText("203.0.113.7\n10.0.0.0/24")
        self.ips.setMaximumHeight(80)
        self.url = QLineEdit(info.callback_url)
        self.url.setPlaceholderText("https://server-pembeli/report")
        self.form = QComboBox()
        for code, text in FORMS:
            self.form.addItem(tr(C, text), code)
        self.form.setCurrentIndex(max(0, self.form.findData(info.callback_form)))
        self.plain = QCheckBox(tr(C, "Izinkan pin dan password di URL tanpa sign (kurang aman)"))
        self.plain.setChecked(info.plain_pin)
        self.trust = QCheckBox(tr(C, "RefID baru selalu transaksi baru (tanpa aturan transaksi sama)"))
        self.trust.setChecked(info.trust_ref_id)
        form.addRow(tr(C, "Password H2H"), self.password)
        form.addRow(tr(C, "Secret API JSON"), self.api_secret)
        form.addRow("", self.clear_secret)
        form.addRow(tr(C, "PIN (untuk sign)"), self.pin)
        form.addRow(tr(C, "IP diizinkan"), self.ips)
        form.addRow(tr(C, "URL callback"), self.url)
        form.addRow(tr(C, "Bentuk callback"), self.form)
        form.addRow("", self.plain)
        form.addRow("", self.trust)
        layout.addLayout(form)
        layout.addWidget(hint_label(tr(C, "PIN di sini adalah PIN reseller (juga untuk SMS); sign OtomaX dibuat "
                                          "dengannya. Satu alamat IP atau jaringan per baris; tanpa IP semua "
                                          "permintaan ditolak.")))
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        buttons = save_cancel(self)
        layout.addWidget(buttons)

    def accept(self) -> None:
        secret = self.api_secret.text()
        try:
            members.save(
                self.reseller_id, actor=self.actor, password=self.password.text() or None,
                api_secret="" if self.clear_secret.isChecked() else (secret or None), pin=self.pin.text() or None,
                allowed_ips=self.ips.toPlainText().splitlines(), callback_url=self.url.text(),
                callback_form=self.form.currentData(), plain_pin=self.plain.isChecked(),
                trust_ref_id=self.trust.isChecked())
        except members.MemberError as exc:
            self.error.setText(str(exc))
            return
        self.saved.emit(self.reseller_id)
        super().accept()


add_english(C, {
    "Pengaturan H2H {code}": "H2H settings of {code}",
    "{code} memesan lewat HTTP dari server pembeli. Member ID: {code}. Password, secret dan PIN tidak pernah "
    "ditampilkan; isi hanya untuk menggantinya.":
        "{code} orders over HTTP from the buyer's server. Member ID: {code}. The password, secret and PIN are never "
        "shown; fill them in only to change them.",
    "tersimpan — kosongkan bila tidak diubah": "stored — leave empty to keep it", "belum diatur": "not set",
    "kosong: JSON ditandatangani dengan password H2H": "empty: JSON is signed with the H2H password",
    "Hapus secret API (pakai password H2H)": "Remove the API secret (use the H2H password)",
    "Izinkan pin dan password di URL tanpa sign (kurang aman)": "Allow pin and password in the URL without a sign "
                                                                "(less safe)",
    "RefID baru selalu transaksi baru (tanpa aturan transaksi sama)":
        "A new refID is always a new order (no same-order rule)",
    "Password H2H": "H2H password", "Secret API JSON": "JSON API secret", "PIN (untuk sign)": "PIN (for the sign)",
    "IP diizinkan": "Allowed IPs", "URL callback": "Callback URL", "Bentuk callback": "Callback form",
    "OtomaX: refid dan message": "OtomaX: refid and message",
    "ST24/IRS: serverid, clientid, statuscode…": "ST24/IRS: serverid, clientid, statuscode…",
    "JSON bertanda tangan (HMAC)": "Signed JSON (HMAC)",
    "PIN di sini adalah PIN reseller (juga untuk SMS); sign OtomaX dibuat dengannya. Satu alamat IP atau jaringan "
    "per baris; tanpa IP semua permintaan ditolak.":
        "The PIN here is the reseller's PIN (for SMS too); the OtomaX sign is made with it. One IP address or network "
        "a line; with none, every request is refused.",
    "Simpan": "Save", "Batal": "Cancel",
})
