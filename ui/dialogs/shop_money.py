"""Deposit or correction for one reseller, through app.shop_admin (and so through the ledger)."""
from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app import shop_admin
from app.ledger import Posting
from app.money import parse_amount, rupiah
from ui.dialogs.shop_form import ErrorLabel, save_cancel
from ui.i18n import add_english, tr

log = logging.getLogger(__name__)
C = "Saldo"


def parse_signed_amount(text: str) -> int | None:
    """'100.000' / '100rb' / '2jt' → rupiah; a leading '-' makes it negative; None if unreadable."""
    text = text.strip().replace(" ", "").removeprefix("Rp").removeprefix("rp")
    negative = text.startswith("-")
    value = parse_amount(text.lstrip("+-"))
    if value is None:
        return None
    return -value if negative else value


class MoneyDialog(QDialog):
    """`kind` is "deposit" (positive amounts only) or "correction" (either sign, note required)."""

    posted = Signal(object)  # app.ledger.Posting

    def __init__(self, reseller_id: int, code: str, balance: int, kind: str, actor: str,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.reseller_id, self.kind, self.actor, self.balance = reseller_id, kind, actor, balance
        self.setWindowTitle(tr(C, "Tambah deposit") if kind == "deposit" else tr(C, "Koreksi saldo"))
        self.setMinimumWidth(400)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr(C, "Reseller {code}, saldo sekarang {balance}").format(
            code=code, balance=rupiah(balance))))
        form = QFormLayout()
        self.amount = QLineEdit(placeholderText="100.000" if kind == "deposit" else "-25.000")
        self.note = QLineEdit(placeholderText=tr(C, "mis. transfer BCA 14:05") if kind == "deposit"
                              else tr(C, "alasan koreksi (wajib)"))
        form.addRow(tr(C, "Jumlah"), self.amount)
        form.addRow(tr(C, "Catatan"), self.note)
        layout.addLayout(form)
        self.preview = QLabel()
        self.error = ErrorLabel()
        layout.addWidget(self.preview)
        layout.addWidget(self.error)
        buttons = save_cancel(self)
        layout.addWidget(buttons)
        self.amount.textChanged.connect(self._update_preview)
        self._update_preview()

    def _update_preview(self) -> None:
        value = parse_signed_amount(self.amount.text())
        if value is None:
            self.preview.setText(tr(C, "Saldo baru: -"))
        else:
            self.preview.setText(tr(C, "Saldo baru: {balance}").format(balance=rupiah(self.balance + value)))

    def accept(self) -> None:
        value = parse_signed_amount(self.amount.text())
        if value is None:
            self.error.setText(tr(C, "Jumlah tidak terbaca. Contoh: 100.000, 100rb, 2jt"))
            return
        try:
            if self.kind == "deposit":
                posting: Posting = shop_admin.add_deposit(self.reseller_id, value, note=self.note.text(),
                                                          actor=self.actor)
            else:
                posting = shop_admin.add_correction(self.reseller_id, value, note=self.note.text(), actor=self.actor)
        except (shop_admin.AdminError, ValueError, LookupError) as exc:
            self.error.setText(str(exc))
            return
        log.info("%s %s for reseller %s by %s", self.kind, value, self.reseller_id, self.actor)
        self.posted.emit(posting)
        super().accept()


add_english(C, {
    "Tambah deposit": "Add deposit", "Koreksi saldo": "Balance correction",
    "Reseller {code}, saldo sekarang {balance}": "Reseller {code}, current balance {balance}",
    "mis. transfer BCA 14:05": "e.g. BCA transfer 14:05", "alasan koreksi (wajib)": "reason (required)",
    "Jumlah": "Amount", "Catatan": "Note", "Simpan": "Save", "Batal": "Cancel", "Saldo baru: -": "New balance: -",
    "Saldo baru: {balance}": "New balance: {balance}",
    "Jumlah tidak terbaca. Contoh: 100.000, 100rb, 2jt": "Unreadable amount. Examples: 100.000, 100rb, 2jt",
})
