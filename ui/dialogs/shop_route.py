"""Add or edit one route of a product: which supplier sends it, the supplier's own code for it, what it
costs us, and whether it is used."""
from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QSpinBox, QVBoxLayout, QWidget)

from app import shop_admin
from app.money import parse_amount, rupiah
from app.queries import products as queries
from app.queries.products import ProductListRow, RouteRow
from ui.dialogs.shop_form import WARN_STYLE, ErrorLabel, hint_label
from ui.i18n import add_english, tr
from ui.labels import label

C = "Rute"


class RouteDialog(QDialog):
    """`route=None` adds a route (tried after the existing ones). `saved(route_id)` fires after a save."""

    saved = Signal(int)

    def __init__(self, actor: str, product: ProductListRow, route: RouteRow | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.actor, self.product, self.route = actor, product, route
        self.setWindowTitle((tr(C, "Tambah rute {code}") if route is None else tr(C, "Ubah rute {code}"))
                            .format(code=product.code))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr(C, "{code} — {name}, nominal {nominal}").format(
            code=product.code, name=product.name, nominal=rupiah(product.nominal))))
        form = QFormLayout()
        self.supplier = QComboBox()
        routes = queries.routes(product.id)
        taken = {r.supplier_id for r in routes} - ({route.supplier_id} if route else set())
        for s in queries.suppliers():
            if s.id in taken:
                continue
            text = f"{s.name} ({label('supplier_kind', s.kind)})"
            if not s.active:
                text += " — " + tr(C, "nonaktif")
            self.supplier.addItem(text, s.id)
        self.supplier_code = QLineEdit(placeholderText=tr(C, "kosong: pakai kode kita ({code})").format(
            code=product.code))
        self.supplier_code.setMaxLength(50)
        self.cost = QLineEdit(placeholderText="19.850")
        self.active = QCheckBox(tr(C, "Rute dipakai (aktif)"))
        self.active.setChecked(True)
        # the place in the try order: 1 is tried first (the list's drag does the same)
        self.position = QSpinBox()
        count = len(routes) + (1 if route is None else 0)
        self.position.setRange(1, max(count, 1))
        self.position.setValue(count if route is None else next(i for i, r in enumerate(routes, 1) if r.id == route.id))
        self.position.setSuffix(tr(C, " dari {n}").format(n=max(count, 1)))
        self._initial_position = self.position.value()
        form.addRow(tr(C, "Supplier / chip"), self.supplier)
        form.addRow(tr(C, "Kode produk di supplier"), self.supplier_code)
        form.addRow(tr(C, "Modal (Rp)"), self.cost)
        form.addRow(tr(C, "Urutan (1 = dicoba dulu)"), self.position)
        form.addRow("", self.active)
        layout.addLayout(form)
        layout.addWidget(hint_label(tr(C, "Modal adalah harga yang kita bayar ke supplier per transaksi. Kode produk "
                                          "di supplier dipakai di format order ke supplier ({code}).")))
        self.cost_note = hint_label(style=WARN_STYLE)
        self.cost_note.hide()
        layout.addWidget(self.cost_note)
        if not self.supplier.count():
            none = tr(C, "Tidak ada supplier yang bisa dipilih. Supplier dibuat dari modem berperan chip di menu "
                         "Telepon, atau di menu Supplier dan aturan.")
            layout.addWidget(hint_label(none, WARN_STYLE))
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(tr(C, "Simpan"))
        self.ok.setEnabled(self.supplier.count() > 0)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr(C, "Batal"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.cost.textChanged.connect(self._cost_changed)
        if route is not None:
            self.supplier.setCurrentIndex(max(self.supplier.findData(route.supplier_id), 0))
            self.supplier_code.setText(route.supplier_code)
            self.cost.setText(f"{route.cost:,}".replace(",", "."))
            self.active.setChecked(route.active)

    @Slot()
    def _cost_changed(self) -> None:
        """Warn when this cost is at or above a sell price: every such order would lose money."""
        cost = parse_amount(self.cost.text())
        losing = sorted(sell for sell in self.product.prices.values() if cost is not None and sell <= cost)
        self.cost_note.setVisible(bool(losing))
        if losing:
            self.cost_note.setText(tr(C, "Modal ini sama dengan atau di atas harga jual {price}: setiap order lewat "
                                         "rute ini rugi.").format(price=rupiah(losing[0])))

    def _moved_to(self) -> int | None:
        return self.position.value() if self.position.value() != self._initial_position else None

    def accept(self) -> None:
        cost = parse_amount(self.cost.text())
        if cost is None:
            self.error.setText(tr(C, "Modal tidak terbaca. Contoh: 19.850"))
            return
        supplier_id = self.supplier.currentData()
        if supplier_id is None:
            self.error.setText(tr(C, "Pilih supplier"))
            return
        try:
            if self.route is None:
                rid = shop_admin.add_route(self.product.id, supplier_id, cost=cost,
                                           supplier_code=self.supplier_code.text(), active=self.active.isChecked(),
                                           position=self._moved_to(), actor=self.actor)
            else:
                shop_admin.update_route(self.route.id, supplier_id=supplier_id, cost=cost,
                                        supplier_code=self.supplier_code.text(), active=self.active.isChecked(),
                                        position=self._moved_to(), actor=self.actor)
                rid = self.route.id
        except shop_admin.AdminError as exc:
            self.error.setText(str(exc))
            return
        self.saved.emit(rid)
        super().accept()


add_english(C, {
    "Tambah rute {code}": "Add a route for {code}", "Ubah rute {code}": "Edit a route of {code}",
    "{code} — {name}, nominal {nominal}": "{code} — {name}, face value {nominal}", "nonaktif": "disabled",
    "kosong: pakai kode kita ({code})": "empty: use our code ({code})", "Rute dipakai (aktif)": "Route in use (active)",
    "Supplier / chip": "Supplier / chip", "Kode produk di supplier": "Supplier's product code",
    "Modal (Rp)": "Cost (Rp)", " dari {n}": " of {n}", "Urutan (1 = dicoba dulu)": "Order (1 = tried first)",
    "Modal adalah harga yang kita bayar ke supplier per transaksi. Kode produk di supplier dipakai di format order ke "
    "supplier ({code}).": "The cost is what we pay the supplier per order. The supplier's product code goes into "
                          "the order format sent to the supplier ({code}).",
    "Tidak ada supplier yang bisa dipilih. Supplier dibuat dari modem berperan chip di menu Telepon, atau di menu "
    "Supplier dan aturan.": "No supplier to choose. Suppliers come from modems with the chip role under Phones, or "
                           "from Suppliers and rules.",
    "Simpan": "Save", "Batal": "Cancel",
    "Modal ini sama dengan atau di atas harga jual {price}: setiap order lewat rute ini rugi.":
        "This cost is at or above the sell price {price}: every order on this route loses money.",
    "Modal tidak terbaca. Contoh: 19.850": "Unreadable cost. Example: 19.850", "Pilih supplier": "Choose a supplier",
})
