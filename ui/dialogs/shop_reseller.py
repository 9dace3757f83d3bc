"""Add or edit a reseller: name, numbers and chat IDs, price group, upline, credit limit, markup."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QLineEdit,
                               QPlainTextEdit, QVBoxLayout, QWidget)

from app import shop_admin
from app.money import group
from app.queries import products as product_queries
from app.queries import resellers as queries
from app.shop_admin import Address
from ui.dialogs.shop_form import ErrorLabel, WARN_STYLE, hint_label, save_cancel
from ui.dialogs.shop_money import parse_signed_amount
from ui.i18n import add_english, tr

C = "Reseller"


def parse_addresses(text: str) -> list[Address]:
    """One per line: a phone number (SMS), or `telegram: 123456789` / `wa: 0812…` / `jabber: x@y`; the chat
    identities also as `tg:123456789` and `xmpp:x@y` (app/chat/addresses.py)."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        channel, sep, rest = line.partition(":")
        channel = {"tg": "telegram", "xmpp": "jabber"}.get(channel.strip().lower(), channel)
        if sep and channel.strip().lower() in shop_admin.CHANNELS:
            out.append(Address(channel.strip().lower(), rest.strip()))
        else:
            out.append(Address("sms", line))
    return out


def format_addresses(addresses: list[Address]) -> str:
    return "\n".join(a.address if a.channel == "sms" else f"{a.channel}: {a.address}" for a in addresses)


class ResellerDialog(QDialog):
    """`reseller_id=None` adds. `saved(reseller_id, new_pin)` fires after a save; new_pin is "" on edit."""

    saved = Signal(int, str)

    def __init__(self, actor: str, reseller_id: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.actor, self.reseller_id = actor, reseller_id
        self.setWindowTitle(tr(C, "Tambah reseller") if reseller_id is None else tr(C, "Ubah reseller"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.code = QLineEdit()
        self.name = QLineEdit()
        self.city = QLineEdit()
        self.group = QComboBox()
        for g in product_queries.price_groups():
            self.group.addItem(f"{g.code} — {g.name}", g.id)
        self.upline = QComboBox()
        self.upline.addItem(tr(C, "(tanpa upline)"), None)
        for choice in queries.upline_choices(reseller_id):
            self.upline.addItem(f"{choice.code} — {choice.name}", choice.id)
        self.credit = QLineEdit("0")
        self.markup = QLineEdit("0")
        self.addresses = QPlainTextEdit()
        self.addresses.setPlaceholderText("081234567890\ntg:123456789\nxmpp:toko@example.net")
        self.addresses.setMinimumHeight(80)
        form.addRow(tr(C, "Kode"), self.code)
        form.addRow(tr(C, "Nama"), self.name)
        form.addRow(tr(C, "Kota"), self.city)
        form.addRow(tr(C, "Grup harga"), self.group)
        form.addRow(tr(C, "Upline"), self.upline)
        form.addRow(tr(C, "Limit kredit"), self.credit)
        form.addRow(tr(C, "Markup upline"), self.markup)
        form.addRow(tr(C, "Nomor / ID chat"), self.addresses)
        layout.addLayout(form)
        layout.addWidget(hint_label(tr(C, "Baris pertama adalah nomor utama. PIN dibuat acak saat reseller "
                                          "ditambah.")))
        if not self.group.count():
            layout.addWidget(hint_label(tr(C, "Belum ada grup harga. Buat dulu di menu Produk dan harga, tombol Grup "
                                              "harga."), WARN_STYLE))
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        buttons = save_cancel(self)
        layout.addWidget(buttons)
        if reseller_id is not None:
            self._load(reseller_id)

    def _load(self, reseller_id: int) -> None:
        d = queries.reseller_detail(reseller_id)
        if d is None:
            return
        self.code.setText(d.code)
        self.code.setReadOnly(True)
        self.name.setText(d.name)
        self.city.setText(d.city)
        self.group.setCurrentIndex(max(self.group.findData(d.price_group_id), 0))
        self.upline.setCurrentIndex(max(self.upline.findData(d.parent_id), 0))
        self.credit.setText(group(d.credit_limit))
        self.markup.setText(group(d.markup))
        self.addresses.setPlainText(format_addresses(list(d.addresses)))

    def accept(self) -> None:
        credit = parse_signed_amount(self.credit.text() or "0")
        markup = parse_signed_amount(self.markup.text() or "0")
        if credit is None or markup is None:
            self.error.setText(tr(C, "Limit kredit dan markup harus angka rupiah"))
            return
        addresses = parse_addresses(self.addresses.toPlainText())
        try:
            if self.reseller_id is None:
                rid, pin = shop_admin.create_reseller(
                    code=self.code.text(), name=self.name.text(), city=self.city.text(),
                    price_group_id=self.group.currentData(), parent_id=self.upline.currentData(),
                    credit_limit=credit, markup=markup, addresses=addresses, actor=self.actor)
            else:
                shop_admin.update_reseller(
                    self.reseller_id, actor=self.actor, name=self.name.text(), city=self.city.text(),
                    price_group_id=self.group.currentData(), parent_id=self.upline.currentData(),
                    credit_limit=credit, markup=markup, addresses=addresses)
                rid, pin = self.reseller_id, ""
        except shop_admin.AdminError as exc:
            self.error.setText(str(exc))
            return
        self.saved.emit(rid, pin)
        super().accept()


add_english(C, {
    "Tambah reseller": "Add reseller", "Ubah reseller": "Edit reseller", "(tanpa upline)": "(no upline)",
    "Kode": "Code", "Nama": "Name", "Kota": "City", "Grup harga": "Price group", "Upline": "Upline",
    "Limit kredit": "Credit limit", "Markup upline": "Upline markup", "Nomor / ID chat": "Numbers / chat IDs",
    "Baris pertama adalah nomor utama. PIN dibuat acak saat reseller ditambah.":
        "The first line is the main number. A random PIN is made when the reseller is added.",
    "Simpan": "Save", "Batal": "Cancel",
    "Belum ada grup harga. Buat dulu di menu Produk dan harga, tombol Grup harga.":
        "No price groups yet. Create one under Products and prices, Price groups button.",
    "Limit kredit dan markup harus angka rupiah": "Credit limit and markup must be rupiah amounts",
})
