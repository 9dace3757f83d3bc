"""Add or edit a product (code, name, kind, operator or provider, nominal, flags; on add also its sell
price per price group), and the price groups dialog (list, add, rename)."""
from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from app import shop_admin
from app.money import group, parse_amount
from app.products import ProductKind, forces_skip_prefix_check, providers_for
from app.queries import products as queries
from app.queries.products import PriceGroupRow, ProductListRow
from app.shop_admin import ProductSpec
from ui.dialogs.shop_form import ErrorLabel, hint_label, save_cancel
from ui.i18n import add_english, tr
from ui.labels import choices

log = logging.getLogger(__name__)
C = "Produk"

# What the destination of each kind is, and an example order.
DESTINATION_HINTS = {
    "airtime": "Tujuan: nomor HP operator ini. Contoh order: {code}.081234567890.PIN",
    "data": "Tujuan: nomor HP operator ini. Contoh order: {code}.081234567890.PIN",
    "pln": "Tujuan: nomor meter atau ID pelanggan PLN. Contoh order: {code}.14123456789.PIN",
    "ewallet": "Tujuan: nomor HP akun e-wallet (operator apa saja). Contoh order: {code}.081234567890.PIN",
    "game": "Tujuan: ID pemain (angka). Contoh order: {code}.123456789.PIN",
}


def _amount(text: str) -> int | None:
    return parse_amount(text.strip().replace(" ", "").removeprefix("Rp").removeprefix("rp"))


class ProductDialog(QDialog):
    """`product_id=None` adds. `saved(product_id)` fires after a save."""

    saved = Signal(int)

    def __init__(self, actor: str, product_id: int | None = None, parent: QWidget | None = None, *,
                 kind: str = "", operator: str = ""):
        super().__init__(parent)
        self.actor, self.product_id = actor, product_id
        self._name_touched = product_id is not None
        self.setWindowTitle(tr(C, "Tambah produk") if product_id is None else tr(C, "Ubah produk"))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.code = QLineEdit(placeholderText=tr(C, "mis. S10, PLN20, DANA50"))
        self.code.setMaxLength(20)
        self.name = QLineEdit()
        self.kind = QComboBox()
        for code, text in choices("product_kind"):
            self.kind.addItem(text, code)
        self.operator = QComboBox()
        self.operator.setEditable(True)
        self.operator.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.nominal = QLineEdit(placeholderText="20.000")
        self.active = QCheckBox(tr(C, "Dijual (aktif)"))
        self.active.setChecked(True)
        self.default_for_nominal = QCheckBox(tr(C, "Dipakai untuk order nominal saja (mis. 10.0812….PIN)"))
        self.skip_prefix = QCheckBox(tr(C, "Lewati cek prefiks nomor tujuan"))
        form.addRow(tr(C, "Kode"), self.code)
        form.addRow(tr(C, "Jenis"), self.kind)
        form.addRow(tr(C, "Operator / provider"), self.operator)
        form.addRow(tr(C, "Nominal (Rp)"), self.nominal)
        form.addRow(tr(C, "Nama"), self.name)
        form.addRow("", self.active)
        form.addRow("", self.default_for_nominal)
        form.addRow("", self.skip_prefix)
        layout.addLayout(form)
        self.destination = hint_label()
        layout.addWidget(self.destination)

        self.price_edits: dict[int, QLineEdit] = {}
        if product_id is None:
            groups = queries.price_groups()
            if groups:
                prices = QFormLayout()
                for g in groups:
                    edit = QLineEdit(placeholderText=tr(C, "kosong: belum dijual ke grup ini"))
                    self.price_edits[g.id] = edit
                    prices.addRow(tr(C, "Harga {group}").format(group=g.code), edit)
                layout.addWidget(QLabel(tr(C, "Harga jual")))
                layout.addLayout(prices)
            else:
                layout.addWidget(hint_label(tr(C, "Belum ada grup harga. Harga jual diisi setelah grup harga dibuat "
                                                  "(tombol Grup harga).")))
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        buttons = save_cancel(self)
        layout.addWidget(buttons)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.code.textEdited.connect(self._upper_code)
        self.name.textEdited.connect(self._name_edited)
        self.operator.currentTextChanged.connect(self._suggest_name)
        self.nominal.textChanged.connect(self._suggest_name)
        self.code.textChanged.connect(self._update_hint)

        existing = queries.product(product_id) if product_id is not None else None
        if existing is not None:
            self._load(existing)
        else:
            self.kind.setCurrentIndex(max(self.kind.findData(kind or ProductKind.AIRTIME.value), 0))
            self._kind_changed()
            if operator:
                self._set_operator(operator)

    # --- filling ---------------------------------------------------------------------------------
    def _load(self, p: ProductListRow) -> None:
        self.code.setText(p.code)
        self.name.setText(p.name)
        self.kind.setCurrentIndex(max(self.kind.findData(p.kind), 0))
        self._kind_changed()
        self._set_operator(p.operator)
        self.nominal.setText(group(p.nominal))
        self.active.setChecked(p.active)
        self.default_for_nominal.setChecked(p.default_for_nominal)
        if not forces_skip_prefix_check(p.kind):
            self.skip_prefix.setChecked(p.skip_prefix_check)

    def _set_operator(self, code: str) -> None:
        index = self.operator.findData(code)
        if index >= 0:
            self.operator.setCurrentIndex(index)
        else:
            self.operator.setEditText(code)

    def operator_code(self) -> str:
        text = self.operator.currentText().strip()
        index = self.operator.findText(text)
        return str(self.operator.itemData(index)) if index >= 0 else text.upper()

    @Slot()
    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        keep = self.operator_code()
        self.operator.blockSignals(True)
        self.operator.clear()
        for p in providers_for(kind):
            self.operator.addItem(p.code if p.name == p.code else f"{p.code} — {p.name}", p.code)
        self.operator.blockSignals(False)
        if keep and self.operator.findData(keep) >= 0:
            self._set_operator(keep)
        forced = forces_skip_prefix_check(kind)
        self.skip_prefix.setEnabled(not forced)
        if forced:
            self.skip_prefix.setChecked(True)
            self.skip_prefix.setToolTip(tr(C, "Selalu aktif: tujuan produk ini bukan nomor HP operatornya."))
        else:
            self.skip_prefix.setChecked(False)
            self.skip_prefix.setToolTip(tr(C, "Nyalakan hanya bila operator tidak ada di tabel prefiks."))
        is_airtime = kind == ProductKind.AIRTIME.value
        self.default_for_nominal.setEnabled(is_airtime)
        if not is_airtime:
            self.default_for_nominal.setChecked(False)
        self._suggest_name()
        self._update_hint()

    @Slot(str)
    def _upper_code(self, text: str) -> None:
        pos = self.code.cursorPosition()
        self.code.setText(text.upper())
        self.code.setCursorPosition(pos)

    @Slot(str)
    def _name_edited(self, _text: str) -> None:
        self._name_touched = True

    @Slot()
    def _suggest_name(self) -> None:
        """Until the owner types a name: "Token PLN 20.000", "Telkomsel 10.000"."""
        if self._name_touched:
            return
        kind = self.kind.currentData()
        nominal = _amount(self.nominal.text())
        provider = self.operator.currentText().split(" — ")[-1].strip()
        if not provider or nominal is None:
            self.name.setText("")
            return
        prefix = {"airtime": provider, "data": f"{provider} data", "pln": tr(C, "Token PLN"),
                  "ewallet": tr(C, "Saldo {provider}").format(provider=provider),
                  "game": provider}.get(kind, provider)
        self.name.setText(f"{prefix} {group(nominal)}")

    @Slot()
    def _update_hint(self) -> None:
        code = self.code.text().strip().upper() or tr(C, "KODE")
        self.destination.setText(tr(C, DESTINATION_HINTS[self.kind.currentData()]).format(code=code))

    # --- saving ----------------------------------------------------------------------------------
    def accept(self) -> None:
        nominal = _amount(self.nominal.text())
        if nominal is None:
            self.error.setText(tr(C, "Nominal tidak terbaca. Contoh: 20.000 atau 20rb"))
            return
        prices: dict[int, int] = {}
        for group_id, edit in self.price_edits.items():
            if edit.text().strip():
                value = _amount(edit.text())
                if value is None:
                    self.error.setText(tr(C, "Harga tidak terbaca: {value}").format(value=edit.text()))
                    return
                prices[group_id] = value
        spec = ProductSpec(code=self.code.text(), name=self.name.text(), kind=self.kind.currentData(),
                           operator=self.operator_code(), nominal=nominal, active=self.active.isChecked(),
                           default_for_nominal=self.default_for_nominal.isChecked(),
                           skip_prefix_check=self.skip_prefix.isChecked())
        try:
            if self.product_id is None:
                pid = shop_admin.create_product(spec, actor=self.actor, prices=prices)
            else:
                shop_admin.update_product(self.product_id, spec, actor=self.actor)
                pid = self.product_id
        except shop_admin.AdminError as exc:
            self.error.setText(str(exc))
            return
        log.info("product %s saved by %s", spec.code, self.actor)
        self.saved.emit(pid)
        super().accept()


class PriceGroupsDialog(QDialog):
    """The price groups with how many resellers buy at each; add one, or rename the chosen one."""

    changed = Signal()

    def __init__(self, actor: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.actor = actor
        self.groups: list[PriceGroupRow] = []
        self.setWindowTitle(tr(C, "Grup harga"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(tr(C, "Setiap reseller membeli dengan harga grupnya. Contoh: RETAIL untuk "
                                          "reseller umum, AGEN untuk agen dengan harga lebih murah.")))
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([tr(C, "Kode"), tr(C, "Nama"), tr(C, "Reseller")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(140)
        layout.addWidget(self.table, 1)
        form = QFormLayout()
        self.code = QLineEdit(placeholderText="RETAIL")
        self.code.setMaxLength(20)
        self.name = QLineEdit(placeholderText=tr(C, "Reseller umum"))
        form.addRow(tr(C, "Kode"), self.code)
        form.addRow(tr(C, "Nama"), self.name)
        layout.addLayout(form)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        row = QHBoxLayout()
        self.add_button = QPushButton(tr(C, "Tambah grup"))
        self.rename_button = QPushButton(tr(C, "Ganti nama"))
        close = QPushButton(tr(C, "Tutup"))
        row.addWidget(self.add_button)
        row.addWidget(self.rename_button)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.add_button.clicked.connect(self.add)
        self.rename_button.clicked.connect(self.rename)
        close.clicked.connect(self.accept)
        self.table.currentCellChanged.connect(self._current)
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        self.groups = queries.price_groups()
        self.table.setRowCount(len(self.groups))
        for r, g in enumerate(self.groups):
            for c, text in enumerate((g.code, g.name, str(g.resellers))):
                item = QTableWidgetItem(text)
                if c == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(2)
        row = next((i for i, g in enumerate(self.groups) if g.id == select_id), -1)
        if row >= 0:
            self.table.selectRow(row)
        self.rename_button.setEnabled(self.selected() is not None)

    def selected(self) -> PriceGroupRow | None:
        row = self.table.currentRow()
        return self.groups[row] if 0 <= row < len(self.groups) else None

    @Slot(int, int, int, int)
    def _current(self, row: int, _col: int, _prev_row: int, _prev_col: int) -> None:
        g = self.groups[row] if 0 <= row < len(self.groups) else None
        self.rename_button.setEnabled(g is not None)
        if g is not None:
            self.code.setText(g.code)
            self.name.setText(g.name)

    @Slot()
    def add(self) -> None:
        try:
            gid = shop_admin.create_price_group(self.code.text(), self.name.text(), actor=self.actor)
        except shop_admin.AdminError as exc:
            self.error.setText(str(exc))
            return
        self.error.setText("")
        self.reload(gid)
        self.changed.emit()

    @Slot()
    def rename(self) -> None:
        g = self.selected()
        if g is None:
            return
        try:
            shop_admin.rename_price_group(g.id, self.name.text(), actor=self.actor)
        except shop_admin.AdminError as exc:
            self.error.setText(str(exc))
            return
        self.error.setText("")
        self.reload(g.id)
        self.changed.emit()


add_english(C, {
    "Tambah produk": "Add product", "Ubah produk": "Edit product", "mis. S10, PLN20, DANA50": "e.g. S10, PLN20, DANA50",
    "Dijual (aktif)": "On sale (active)",
    "Dipakai untuk order nominal saja (mis. 10.0812….PIN)": "Used for orders by nominal only (e.g. 10.0812….PIN)",
    "Lewati cek prefiks nomor tujuan": "Skip the destination prefix check", "Kode": "Code", "Jenis": "Kind",
    "Operator / provider": "Operator / provider", "Nominal (Rp)": "Face value (Rp)", "Nama": "Name",
    "kosong: belum dijual ke grup ini": "empty: not sold to this group", "Harga {group}": "Price {group}",
    "Harga jual": "Sell prices",
    "Belum ada grup harga. Harga jual diisi setelah grup harga dibuat (tombol Grup harga).":
        "No price groups yet. Sell prices are set once a price group exists (Price groups button).",
    "Simpan": "Save", "Batal": "Cancel",
    "Selalu aktif: tujuan produk ini bukan nomor HP operatornya.":
        "Always on: this product's destination is not a phone number of its operator.",
    "Nyalakan hanya bila operator tidak ada di tabel prefiks.": "Turn on only for an operator not in the prefix table.",
    "Token PLN": "PLN token", "Saldo {provider}": "{provider} balance", "KODE": "CODE",
    "Tujuan: nomor HP operator ini. Contoh order: {code}.081234567890.PIN":
        "Destination: a phone number of this operator. Example order: {code}.081234567890.PIN",
    "Tujuan: nomor meter atau ID pelanggan PLN. Contoh order: {code}.14123456789.PIN":
        "Destination: the PLN meter or customer number. Example order: {code}.14123456789.PIN",
    "Tujuan: nomor HP akun e-wallet (operator apa saja). Contoh order: {code}.081234567890.PIN":
        "Destination: the wallet's phone number (any operator). Example order: {code}.081234567890.PIN",
    "Tujuan: ID pemain (angka). Contoh order: {code}.123456789.PIN":
        "Destination: the player ID (digits). Example order: {code}.123456789.PIN",
    "Nominal tidak terbaca. Contoh: 20.000 atau 20rb": "Unreadable face value. Examples: 20.000 or 20rb",
    "Harga tidak terbaca: {value}": "Unreadable price: {value}",
    "Grup harga": "Price groups",
    "Setiap reseller membeli dengan harga grupnya. Contoh: RETAIL untuk reseller umum, AGEN untuk agen dengan "
    "harga lebih murah.": "Each reseller buys at its group's prices. E.g. RETAIL for ordinary resellers, AGEN for "
                          "agents with lower prices.",
    "Reseller": "Resellers", "Reseller umum": "Ordinary resellers", "Tambah grup": "Add group",
    "Ganti nama": "Rename", "Tutup": "Close",
})
