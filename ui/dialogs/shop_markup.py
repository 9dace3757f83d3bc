"""Bulk markup: for one price group, sell = basis + markup (basis: the main route's cost, or the
nominal) for all products or those of one kind and/or operator, previewed old → new before anything is
saved; prices at or below cost are listed and need a confirmation."""
from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app import shop_admin
from app.money import group
from app.queries import products as queries
from app.queries.products import MarkupBasis, PriceChange, SkipReason
from ui.dialogs.confirm import ConfirmDialog
from ui.dialogs.shop_form import ErrorLabel, hint_label
from ui.dialogs.shop_money import parse_signed_amount
from ui.i18n import add_english, tr
from ui.labels import choices

log = logging.getLogger(__name__)
C = "Markup"
COLUMNS = ("Kode", "Nama", "Dasar", "Harga sekarang", "Harga baru", "Selisih", "Modal termurah", "Keterangan")
RED = QColor("#d93025")
MUTED = QColor("#5f6368")


SHOWN_BELOW_COST = 15  # a confirmation lists this many, then says how many more


def below_cost_text(items: list[tuple[str, int, int]]) -> str:
    """'S5 5.000 (modal 5.100), …' for a confirmation; one entry never breaks across lines."""
    text = ", ".join(tr(C, "{code} {sell} (modal {cost})").format(code=code, sell=group(sell), cost=group(cost))
                     .replace(" ", "\u00a0") for code, sell, cost in items[:SHOWN_BELOW_COST])
    if len(items) > SHOWN_BELOW_COST:
        text += " " + tr(C, "dan {n} lainnya (lihat pratinjau)").format(n=len(items) - SHOWN_BELOW_COST)
    return text


class MarkupDialog(QDialog):
    applied = Signal(int)  # how many prices changed

    def __init__(self, actor: str, parent: QWidget | None = None, *, group_id: int | None = None,
                 kind: str = "", operator: str = ""):
        super().__init__(parent)
        self.actor = actor
        self.changes: list[PriceChange] = []
        self.confirm: ConfirmDialog | None = None
        self.setWindowTitle(tr(C, "Markup massal"))
        self.resize(900, 560)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(tr(C, "Harga jual = dasar + markup, untuk satu grup harga. Periksa pratinjau "
                                          "dulu; tidak ada yang disimpan sebelum Terapkan.")))
        form = QFormLayout()
        self.group = QComboBox()
        for g in queries.price_groups():
            self.group.addItem(f"{g.code} — {g.name}", g.id)
        if group_id is not None:
            self.group.setCurrentIndex(max(self.group.findData(group_id), 0))
        self.basis = QComboBox()
        self.basis.addItem(tr(C, "Modal rute utama (rute pertama yang aktif)"), MarkupBasis.MAIN_ROUTE_COST.value)
        self.basis.addItem(tr(C, "Nominal produk"), MarkupBasis.NOMINAL.value)
        self.markup = QLineEdit(placeholderText=tr(C, "mis. 250 atau -100"))
        self.kind = QComboBox()
        self.kind.addItem(tr(C, "Semua jenis"), "")
        for code, text in choices("product_kind"):
            self.kind.addItem(text, code)
        self.kind.setCurrentIndex(max(self.kind.findData(kind), 0))
        self.operator = QComboBox()
        self.operator.addItem(tr(C, "Semua operator / provider"), "")
        for op in queries.catalog().operators:
            self.operator.addItem(op, op)
        self.operator.setCurrentIndex(max(self.operator.findData(operator), 0))
        form.addRow(tr(C, "Grup harga"), self.group)
        form.addRow(tr(C, "Dasar"), self.basis)
        form.addRow(tr(C, "Markup (Rp)"), self.markup)
        form.addRow(tr(C, "Jenis"), self.kind)
        form.addRow(tr(C, "Operator / provider"), self.operator)
        layout.addLayout(form)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(C, c) for c in COLUMNS])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.apply_button.setText(tr(C, "Terapkan"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr(C, "Batal"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for combo in (self.group, self.basis, self.kind, self.operator):
            combo.currentIndexChanged.connect(self.update_preview)
        self.markup.textChanged.connect(self.update_preview)
        self.update_preview()

    def markup_value(self) -> int | None:
        return parse_signed_amount(self.markup.text()) if self.markup.text().strip() else None

    @Slot()
    def update_preview(self) -> None:
        self.error.setText("")
        markup = self.markup_value()
        group_id = self.group.currentData()
        if markup is None or group_id is None:
            self.changes = []
            self.summary.setText(tr(C, "Isi markup untuk melihat pratinjau.") if group_id is not None
                                 else tr(C, "Belum ada grup harga."))
        else:
            self.changes = queries.markup_preview(group_id, self.basis.currentData(), markup,
                                                  kind=self.kind.currentData() or None,
                                                  operator=self.operator.currentData() or None)
            changing = [c for c in self.changes if c.changes]
            below = [c for c in changing if c.at_or_below_cost]
            skipped = [c for c in self.changes if c.skip is not None]
            text = tr(C, "{n} produk: {changed} harga berubah").format(n=len(self.changes), changed=len(changing))
            if skipped:
                text += ", " + tr(C, "{n} dilewati").format(n=len(skipped))
            if below:
                text += ". " + tr(C, "{n} sama dengan atau di bawah modal (merah).").format(n=len(below))
            self.summary.setText(text)
        self.apply_button.setEnabled(any(c.changes for c in self.changes))
        self._fill()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.changes))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, c in enumerate(self.changes):
            diff = "" if c.new is None or c.old is None else ("+" if c.new > c.old else "") + group(c.new - c.old)
            cells = (c.code, c.name, "-" if c.basis is None else group(c.basis), "-" if c.old is None else group(c.old),
                     "-" if c.new is None else group(c.new), diff,
                     "-" if c.cheapest_cost is None else group(c.cheapest_cost), self._note(c))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if 2 <= col <= 6:
                    item.setTextAlignment(right)
                if c.at_or_below_cost and col in (4, 7):
                    item.setForeground(RED)
                elif not c.changes:
                    item.setForeground(MUTED)
                self.table.setItem(r, col, item)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(1, min(self.table.columnWidth(1), 220))

    @staticmethod
    def _note(c: PriceChange) -> str:
        if c.skip is SkipReason.NO_ROUTE:
            return tr(C, "dilewati: belum ada rute aktif")
        if c.skip is SkipReason.NOT_POSITIVE:
            return tr(C, "dilewati: harga jadi 0 atau kurang")
        if c.at_or_below_cost:
            return tr(C, "sama dengan atau di bawah modal!")
        if c.old is None:
            return tr(C, "harga baru")
        return tr(C, "tetap") if not c.changes else ""

    def accept(self) -> None:
        changing = [c for c in self.changes if c.changes]
        if not changing:
            self.error.setText(tr(C, "Tidak ada harga yang berubah."))
            return
        below = [(c.code, c.new, c.cheapest_cost) for c in changing if c.at_or_below_cost]
        if below:
            self._ask_below_cost(below)
            return
        self._apply(below_cost_ok=False)

    def _ask_below_cost(self, items: list[tuple[str, int, int]]) -> None:
        text = tr(C, "Harga berikut sama dengan atau di bawah modal termurahnya; setiap order akan rugi:\n\n"
                     "{items}\n\nTerapkan juga?").format(items=below_cost_text(items))
        self.confirm = ConfirmDialog(tr(C, "Harga di bawah modal"), text,
                                     lambda _d: self._apply(below_cost_ok=True, raise_errors=True), self,
                                     ok_text=tr(C, "Ya, terapkan"), destructive=True)
        self.confirm.open()

    def _apply(self, *, below_cost_ok: bool, raise_errors: bool = False) -> None:
        prices = {c.product_id: c.new for c in self.changes if c.changes and c.new is not None}
        note = f"markup {self.basis.currentData()} {self.markup_value():+d}"  # for the audit trail
        try:
            changed = shop_admin.set_prices(self.group.currentData(), prices, actor=self.actor,
                                            below_cost_ok=below_cost_ok, note=note)
        except shop_admin.BelowCost as exc:  # a cost changed since the preview
            self.update_preview()
            self._ask_below_cost([(i.code, i.sell, i.cost) for i in exc.items])
            return
        except shop_admin.AdminError as exc:
            if raise_errors:
                raise
            self.error.setText(str(exc))
            return
        log.info("bulk markup: %d prices in group %s by %s", changed, self.group.currentData(), self.actor)
        self.applied.emit(changed)
        super().accept()


add_english(C, {
    "Markup massal": "Bulk markup",
    "Harga jual = dasar + markup, untuk satu grup harga. Periksa pratinjau dulu; tidak ada yang disimpan sebelum "
    "Terapkan.": "Sell price = basis + markup, for one price group. Check the preview; nothing is saved before Apply.",
    "Modal rute utama (rute pertama yang aktif)": "Main route's cost (first active route)",
    "Nominal produk": "Product face value", "mis. 250 atau -100": "e.g. 250 or -100", "Semua jenis": "All kinds",
    "Semua operator / provider": "All operators / providers", "Grup harga": "Price group", "Dasar": "Basis",
    "Markup (Rp)": "Markup (Rp)", "Jenis": "Kind", "Operator / provider": "Operator / provider", "Kode": "Code",
    "Nama": "Name", "Harga sekarang": "Price now", "Harga baru": "New price", "Selisih": "Difference",
    "Modal termurah": "Cheapest cost", "Keterangan": "Note", "Terapkan": "Apply", "Batal": "Cancel",
    "Isi markup untuk melihat pratinjau.": "Enter a markup to see the preview.",
    "Belum ada grup harga.": "No price groups yet.",
    "{n} produk: {changed} harga berubah": "{n} products: {changed} prices change", "{n} dilewati": "{n} skipped",
    "{n} sama dengan atau di bawah modal (merah).": "{n} at or below cost (red).",
    "dilewati: belum ada rute aktif": "skipped: no active route",
    "dilewati: harga jadi 0 atau kurang": "skipped: the price would be 0 or less",
    "sama dengan atau di bawah modal!": "at or below cost!", "harga baru": "new price", "tetap": "unchanged",
    "Tidak ada harga yang berubah.": "No price changes.",
    "Harga berikut sama dengan atau di bawah modal termurahnya; setiap order akan rugi:\n\n{items}\n\nTerapkan juga?":
        "These prices are at or below their cheapest cost; every order would lose money:\n\n{items}\n\nApply anyway?",
    "Harga di bawah modal": "Price below cost", "Ya, terapkan": "Yes, apply",
    "{code} {sell} (modal {cost})": "{code} {sell} (cost {cost})",
    "dan {n} lainnya (lihat pratinjau)": "and {n} more (see the preview)",
})
