"""Add or edit an H2H supplier (buying over HTTP, app/h2h/supplier_setup.py): dialect, URL, our member ID, PIN
and password there (set-only, never shown), the product mapping with optional costs, the priority in the
routes, where its callbacks may come from, and whether it may be asked by our reference."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDoubleSpinBox, QFormLayout, QLineEdit,
                               QPlainTextEdit, QSpinBox, QVBoxLayout, QWidget)

from app.h2h import supplier_setup
from ui.dialogs.shop_form import ErrorLabel, hint_label, save_cancel
from ui.i18n import add_english, tr

C = "H2HSupplier"
KIND_TEXT = {"h2h_otomax": "OtomaX (/trx dengan sign)", "h2h_st24": "ST24 / IRS (id, pin, user, pass …)",
             "h2h_json": "JSON API bertanda tangan (HMAC)"}


def _secret_field(is_set: bool) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(tr(C, "tersimpan — kosongkan bila tidak diubah") if is_set else tr(C, "wajib diisi"))
    return field


class H2HSupplierDialog(QDialog):
    """`saved(supplier_id)` fires after a save. `supplier_id` None: a new supplier."""

    saved = Signal(int)

    def __init__(self, actor: str, supplier_id: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.actor, self.supplier_id = actor, supplier_id
        stored = supplier_setup.load(supplier_id) if supplier_id is not None else None
        spec = stored.spec if stored is not None else None
        self.setWindowTitle(tr(C, "Ubah supplier H2H {name}").format(name=spec.name) if spec
                            else tr(C, "Tambah supplier H2H"))
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(tr(C, "Server pulsa lain atau agregator tempat toko ini membeli lewat internet. "
                                          "PIN dan password tidak pernah ditampilkan; isi hanya untuk menggantinya.")))
        form = QFormLayout()
        self.name = QLineEdit(spec.name if spec else "")
        self.name.setPlaceholderText(tr(C, "mis. Mitra Pulsa"))
        self.kind = QComboBox()
        for code in supplier_setup.KINDS:
            self.kind.addItem(tr(C, KIND_TEXT[code]), code)
        self.kind.setCurrentIndex(max(0, self.kind.findData(spec.kind if spec else "h2h_otomax")))
        self.url = QLineEdit(spec.url if spec else "")
        self.url.setPlaceholderText("http://203.0.113.10:6969/trx")
        self.member = QLineEdit(spec.member_id if spec else "")
        self.user = QLineEdit(spec.user if spec else "")
        self.user.setPlaceholderText(tr(C, "hanya ST24/IRS; kosong: sama dengan member ID"))
        self.pin = _secret_field(bool(stored and stored.pin_set))
        self.password = _secret_field(bool(stored and stored.password_set))
        self.plain = QCheckBox(tr(C, "Kirim PIN dan password di URL tanpa sign (OtomaX \"tanpa sign\")"))
        self.plain.setChecked(bool(spec and spec.sign == "plain"))
        self.mapping = QPlainTextEdit(supplier_setup.format_mapping(spec) if spec else "")
        self.mapping.setPlaceholderText("S10 = TSEL10\nS25 = TSEL25 @ 25100")
        self.mapping.setMinimumHeight(110)
        self.mapping.setMaximumHeight(160)
        self.priority = QSpinBox()
        self.priority.setRange(-99, 99)
        self.priority.setValue(spec.priority if spec else supplier_setup.DEFAULT_PRIORITY)
        self.ips = QLineEdit(", ".join(spec.callback_ips) if spec else "")
        self.ips.setPlaceholderText(tr(C, "kosong: alamat dari URL di atas"))
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(1, 300)
        self.timeout.setDecimals(0)
        self.timeout.setSuffix(tr(C, " detik"))
        self.timeout.setValue(spec.timeout if spec else 30)
        self.status_check = QCheckBox(tr(C, "Boleh cek status dengan Ref ID kita (tidak pernah transaksi baru)"))
        self.status_check.setChecked(spec.status_check is not False if spec else True)
        self.active = QCheckBox(tr(C, "Supplier aktif"))
        self.active.setChecked(spec.active if spec else True)
        form.addRow(tr(C, "Nama"), self.name)
        form.addRow(tr(C, "Jenis"), self.kind)
        form.addRow(tr(C, "URL"), self.url)
        form.addRow(tr(C, "Member ID"), self.member)
        form.addRow(tr(C, "User"), self.user)
        form.addRow(tr(C, "PIN"), self.pin)
        form.addRow(tr(C, "Password"), self.password)
        form.addRow("", self.plain)
        form.addRow(tr(C, "Produk (kode kita = kode supplier)"), self.mapping)
        form.addRow(tr(C, "Prioritas rute"), self.priority)
        form.addRow(tr(C, "IP callback"), self.ips)
        form.addRow(tr(C, "Batas waktu jawaban"), self.timeout)
        form.addRow("", self.status_check)
        form.addRow("", self.active)
        layout.addLayout(form)
        layout.addWidget(hint_label(tr(C, "Satu produk per baris; \"@ 10100\" mencatat harga beli (tanpa itu: nilai "
                                          "nominal). Prioritas: chip sendiri 0, upstream SMS 10; angka kecil "
                                          "didahulukan, boleh negatif. Callback diterima di "
                                          "/h2h/callback/<nama> server H2H toko ini.")))
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        buttons = save_cancel(self)
        layout.addWidget(buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.user.setEnabled(kind == "h2h_st24")
        self.plain.setEnabled(kind == "h2h_otomax")
        self.pin.setEnabled(kind != "h2h_json")

    def spec(self) -> supplier_setup.H2HSupplierSpec:
        products, costs = supplier_setup.parse_mapping(self.mapping.toPlainText())
        kind = self.kind.currentData()
        return supplier_setup.H2HSupplierSpec(
            name=self.name.text().strip(), kind=kind, url=self.url.text().strip(),
            member_id=self.member.text().strip(), pin=self.pin.text(), password=self.password.text(),
            user=self.user.text().strip() if kind == "h2h_st24" else "", products=products,
            priority=self.priority.value(), costs=costs,
            callback_ips=[ip.strip() for ip in self.ips.text().replace(";", ",").split(",") if ip.strip()],
            status_check=self.status_check.isChecked(), sign="plain" if self.plain.isChecked() and
            kind == "h2h_otomax" else "", timeout=float(self.timeout.value()), active=self.active.isChecked())

    def accept(self) -> None:
        try:
            supplier_id = supplier_setup.save(self.spec(), actor=self.actor, supplier_id=self.supplier_id)
        except supplier_setup.SetupError as exc:
            self.error.setText(str(exc))
            return
        self.supplier_id = supplier_id
        self.saved.emit(supplier_id)
        super().accept()


add_english(C, {
    "tersimpan — kosongkan bila tidak diubah": "stored — leave empty to keep it", "wajib diisi": "required",
    "OtomaX (/trx dengan sign)": "OtomaX (/trx with a sign)", "ST24 / IRS (id, pin, user, pass …)":
        "ST24 / IRS (id, pin, user, pass …)", "JSON API bertanda tangan (HMAC)": "Signed JSON API (HMAC)",
    "Ubah supplier H2H {name}": "Edit H2H supplier {name}", "Tambah supplier H2H": "Add an H2H supplier",
    "Server pulsa lain atau agregator tempat toko ini membeli lewat internet. PIN dan password tidak pernah "
    "ditampilkan; isi hanya untuk menggantinya.":
        "Another server pulsa or an aggregator this shop buys from over the internet. The PIN and password are "
        "never shown; fill them in only to change them.",
    "mis. Mitra Pulsa": "e.g. Mitra Pulsa", "hanya ST24/IRS; kosong: sama dengan member ID":
        "ST24/IRS only; empty: the member ID",
    "Kirim PIN dan password di URL tanpa sign (OtomaX \"tanpa sign\")":
        "Send the PIN and password in the URL without a sign (OtomaX \"tanpa sign\")",
    "kosong: alamat dari URL di atas": "empty: the address of the URL above", " detik": " s",
    "Boleh cek status dengan Ref ID kita (tidak pernah transaksi baru)":
        "May be asked for a status by our Ref ID (never a new order)",
    "Supplier aktif": "Supplier enabled", "Nama": "Name", "Jenis": "Kind", "URL": "URL", "Member ID": "Member ID",
    "User": "User", "PIN": "PIN", "Password": "Password", "Produk (kode kita = kode supplier)":
        "Products (our code = supplier's code)", "Prioritas rute": "Route priority", "IP callback": "Callback IPs",
    "Batas waktu jawaban": "Answer timeout",
    "Satu produk per baris; \"@ 10100\" mencatat harga beli (tanpa itu: nilai nominal). Prioritas: chip sendiri 0, "
    "upstream SMS 10; angka kecil didahulukan, boleh negatif. Callback diterima di /h2h/callback/<nama> server H2H "
    "toko ini.":
        "One product a line; \"@ 10100\" records the buying price (without it: the face value). Priority: own chips "
        "0, the SMS upstream 10; lower goes first, negative allowed. Callbacks are received at /h2h/callback/<name> "
        "of this shop's H2H server.",
    "Simpan": "Save", "Batal": "Cancel",
})
