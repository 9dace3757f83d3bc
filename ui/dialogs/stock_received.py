"""Record stock a chip received (bought from the distributor, transferred from another chip) or the
owner's adjustment of it, through app.stock_books (audited; the window writes nothing itself).

Two steps: OK checks the amount and asks to confirm in the dialog ("Ya, catat"); OK again records it.
Editing a field goes back to the first step.
"""
from __future__ import annotations

import datetime as _dt
import logging
from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app import stock_books
from app.money import rupiah
from app.shop_admin import AdminError
from ui.dialogs.shop_form import WARN_STYLE, ErrorLabel, hint_label
from ui.dialogs.shop_money import parse_signed_amount
from ui.i18n import add_english, tr

log = logging.getLogger(__name__)
C = "Stok chip"
RECEIVED, ADJUST = "received", "adjust"


class StockReceivedDialog(QDialog):
    """`kind` is RECEIVED (positive amounts; the note is optional) or ADJUST (either sign; a note is
    required). `stock` is the chip's last reported stock, for the preview (None when unknown); `clock`
    gives the moment recorded (the engine's clock; the wall clock without one)."""

    recorded = Signal(int)  # the stock history entry's id

    def __init__(self, supplier_id: int, name: str, stock: int | None, actor: str, kind: str = RECEIVED,
                 parent: QWidget | None = None, clock: Callable[[], _dt.datetime] | None = None):
        super().__init__(parent)
        self.clock = clock
        self.supplier_id, self.name, self.stock, self.actor, self.kind = supplier_id, name, stock, actor, kind
        self.confirming = False
        self.setWindowTitle(tr(C, "Catat stok masuk") if kind == RECEIVED else tr(C, "Penyesuaian stok"))
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.intro = QLabel(name)
        self.intro.setStyleSheet("font-weight: bold;")
        form.addRow(tr(C, "Chip"), self.intro)
        form.addRow(tr(C, "Stok terakhir (operator)"),
                    QLabel(tr(C, "belum diketahui") if stock is None else rupiah(stock)))
        self.amount = QLineEdit(placeholderText="500.000" if kind == RECEIVED else "-25.000")
        self.note = QLineEdit(placeholderText=tr(C, "mis. beli dari MD, transfer dari chip lain") if kind == RECEIVED
                              else tr(C, "alasan penyesuaian (wajib)"))
        self.note.setMaxLength(200)
        form.addRow(tr(C, "Jumlah"), self.amount)
        form.addRow(tr(C, "Catatan"), self.note)
        self.preview = QLabel()
        form.addRow(tr(C, "Stok seharusnya menjadi"), self.preview)
        layout.addLayout(form)
        layout.addWidget(hint_label(tr(C, "Dipakai rekonsiliasi stok: stok yang naik tanpa dicatat di sini muncul "
                                          "sebagai selisih. Stok di daftar berubah pada cek saldo berikutnya.")))
        self.question = QLabel()
        self.question.setWordWrap(True)
        self.question.setStyleSheet(WARN_STYLE + " font-weight: bold;")
        self.question.hide()
        layout.addWidget(self.question)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr(C, "Batal"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.amount.textChanged.connect(self._edited)
        self.note.textChanged.connect(self._edited)
        self._edited()

    def value(self) -> int | None:
        return parse_signed_amount(self.amount.text())

    def _edited(self) -> None:
        """Back to the first step: the amount and note are being changed."""
        self.confirming = False
        self.question.hide()
        self.ok_button.setText(tr(C, "Catat…"))
        self.error.setText("")
        value = self.value()
        self.preview.setText("-" if value is None or self.stock is None else rupiah(self.stock + value))

    def accept(self) -> None:
        value = self.value()
        if value is None:
            self.error.setText(tr(C, "Jumlah tidak terbaca. Contoh: 500.000, 500rb, 2jt"))
            return
        note = self.note.text().strip()
        if not self.confirming:
            if self.kind == RECEIVED and value <= 0:
                self.error.setText(tr(C, "Jumlah stok masuk harus lebih dari 0"))
                return
            if self.kind == ADJUST and not note:
                self.error.setText(tr(C, "Alasan penyesuaian wajib diisi"))
                return
            text = (tr(C, "Catat stok masuk {amount} untuk {name}?") if self.kind == RECEIVED
                    else tr(C, "Catat penyesuaian {amount} untuk {name}?"))
            self.question.setText(text.format(amount=rupiah(value), name=self.name))
            self.question.show()
            self.ok_button.setText(tr(C, "Ya, catat"))
            self.confirming = True
            return
        now = self.clock() if self.clock is not None else None
        try:
            if self.kind == RECEIVED:
                entry = stock_books.record_received(self.supplier_id, value, note, self.actor, now=now)
            else:
                entry = stock_books.record_adjustment(self.supplier_id, value, note, self.actor, now=now)
        except (AdminError, ValueError, LookupError) as exc:
            self.confirming = False
            self.ok_button.setText(tr(C, "Catat…"))
            self.question.hide()
            self.error.setText(str(exc))
            return
        log.info("stock %s %s on supplier %s by %s", self.kind, value, self.supplier_id, self.actor)
        self.recorded.emit(entry)
        super().accept()


add_english(C, {
    "Catat stok masuk": "Record stock received", "Penyesuaian stok": "Stock adjustment",
    "belum diketahui": "not known yet",
    "Chip": "Chip", "Stok terakhir (operator)": "Last stock (operator)",
    "mis. beli dari MD, transfer dari chip lain": "e.g. bought from the dealer, moved from another chip",
    "alasan penyesuaian (wajib)": "reason (required)", "Jumlah": "Amount", "Catatan": "Note", "Batal": "Cancel",
    "Dipakai rekonsiliasi stok: stok yang naik tanpa dicatat di sini muncul sebagai selisih. Stok di daftar berubah "
    "pada cek saldo berikutnya.": "Used by the stock reconciliation: stock that rises without being recorded here "
    "shows as a difference. The stock in the list changes at the next balance check.",
    "Catat…": "Record…", "Ya, catat": "Yes, record it",
    "Stok seharusnya menjadi": "Stock should become",
    "Jumlah tidak terbaca. Contoh: 500.000, 500rb, 2jt": "Unreadable amount. Examples: 500.000, 500rb, 2jt",
    "Jumlah stok masuk harus lebih dari 0": "Stock received must be more than 0",
    "Alasan penyesuaian wajib diisi": "A reason for the adjustment is required",
    "Catat stok masuk {amount} untuk {name}?": "Record {amount} of stock received on {name}?",
    "Catat penyesuaian {amount} untuk {name}?": "Record an adjustment of {amount} on {name}?",
})
