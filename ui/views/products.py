"""Produk dan harga: products of every kind with their selling price per price group (edit in place),
add and edit products, price groups, bulk markup, and the route list of the chosen product (add, edit,
remove, drag to reorder, tick to enable). A shop with no products yet is told what to do first."""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QPushButton, QSplitter, QStackedWidget, QTableView, QVBoxLayout, QWidget)

from app import shop_admin
from app.money import group, rupiah
from app.products import provider_name
from app.queries import products as queries
from app.queries.products import Catalog, PriceGroupRow, ProductListRow, RouteRow
from ui.dialogs.confirm import ConfirmDialog
from ui.dialogs.shop_form import ERROR_STYLE, WARN_STYLE, hint_label
from ui.dialogs.shop_markup import MarkupDialog
from ui.dialogs.shop_money import parse_signed_amount
from ui.dialogs.shop_product import PriceGroupsDialog, ProductDialog
from ui.dialogs.shop_route import RouteDialog
from ui.i18n import add_english, tr
from ui.labels import choices, label
from ui.refresh import Refresher

log = logging.getLogger(__name__)
C = "Produk"
FIXED = ("Kode", "Nama", "Jenis", "Operator", "Nominal", "Aktif", "Modal")
COL_CODE, COL_NAME, COL_KIND, COL_OPERATOR, COL_NOMINAL, COL_ACTIVE, COL_COST = range(len(FIXED))
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
RED = QColor("#d93025")
GREY = QColor("#9aa0a6")


@dataclass(frozen=True)
class ProductsSnapshot:
    catalog: Catalog
    product_id: int | None  # whose routes these are
    routes: tuple[RouteRow, ...]


class ProductModel(QAbstractTableModel):
    """Products (a few hundred at most) with one editable price column per price group."""

    failed = Signal(str)
    changed = Signal()  # something was saved: the view refreshes
    below_cost = Signal(int, int, int)  # product id, price group id, sell: saving needs a confirmation

    def __init__(self, actor: str, parent: QObject | None = None):
        super().__init__(parent)
        self.actor = actor
        self.groups: tuple[PriceGroupRow, ...] = ()
        self.rows: tuple[ProductListRow, ...] = ()

    def set_catalog(self, catalog: Catalog) -> bool:
        """Show `catalog`; False (and nothing redrawn) when it is what is shown already."""
        if catalog.groups == self.groups and catalog.products == self.rows:
            return False
        self.beginResetModel()
        self.groups, self.rows = catalog.groups, catalog.products
        self.endResetModel()
        return True

    def price_column(self, group_id: int) -> int:
        return len(FIXED) + next(i for i, g in enumerate(self.groups) if g.id == group_id)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(FIXED) + len(self.groups)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section < len(FIXED):
                return tr(C, FIXED[section])
            return tr(C, "Harga {group}").format(group=self.groups[section - len(FIXED)].code)
        if role == Qt.ItemDataRole.ToolTipRole:
            if section == COL_COST:
                return tr(C, "Modal termurah dari rute yang aktif")
            if section >= len(FIXED):
                g = self.groups[section - len(FIXED)]
                return tr(C, "Harga jual grup {name} ({n} reseller)").format(name=g.name, n=g.resellers)
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == COL_ACTIVE:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if index.column() >= len(FIXED):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        p, col = self.rows[index.row()], index.column()
        if col >= len(FIXED):
            return self._price_data(p, self.groups[col - len(FIXED)], role)
        if col == COL_ACTIVE:
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if p.active else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.ToolTipRole:
                return tr(C, "Dijual") if p.active else tr(C, "Tidak dijual (nonaktif)")
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_CODE:
                return p.code
            if col == COL_NAME:
                return p.name
            if col == COL_KIND:
                return label("product_kind", p.kind)
            if col == COL_OPERATOR:
                return p.operator
            if col == COL_NOMINAL:
                return group(p.nominal)
            return "-" if p.cheapest_cost is None else group(p.cheapest_cost)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_NAME:
                return p.name
            if col == COL_OPERATOR:
                return provider_name(p.operator)
            if col == COL_COST:
                return (tr(C, "Belum ada rute aktif") if p.cheapest_cost is None else
                        tr(C, "{n} rute; modal termurah {cost}").format(n=p.routes, cost=rupiah(p.cheapest_cost)))
            if col == COL_CODE and p.default_for_nominal:
                return tr(C, "Dipakai untuk order nominal saja")
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_NOMINAL, COL_COST):
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and not p.active:
            return GREY
        return None

    def _price_data(self, p: ProductListRow, g: PriceGroupRow, role: int) -> Any:
        sell = p.prices.get(g.id)
        if role == Qt.ItemDataRole.DisplayRole:
            return "-" if sell is None else group(sell)
        if role == Qt.ItemDataRole.EditRole:
            return "" if sell is None else str(sell)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            if p.sells_at_or_below_cost(g.id):
                return RED
            return GREY if not p.active else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if sell is None:
                return tr(C, "Belum dijual ke grup {group}: klik dua kali untuk mengisi harga").format(group=g.code)
            if p.sells_at_or_below_cost(g.id):
                return tr(C, "Sama dengan atau di bawah modal termurah {cost}: setiap order rugi").format(
                    cost=rupiah(p.cheapest_cost or 0))
            if p.cheapest_cost is not None:
                return tr(C, "Untung {margin} per order (modal termurah {cost})").format(
                    margin=rupiah(sell - p.cheapest_cost), cost=rupiah(p.cheapest_cost))
        return None

    def setData(self, index: QModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        p, col = self.rows[index.row()], index.column()
        try:
            if col == COL_ACTIVE and role == Qt.ItemDataRole.CheckStateRole:
                active = Qt.CheckState(value) == Qt.CheckState.Checked
                shop_admin.set_product_active(p.id, active, actor=self.actor)
                self._replace(index.row(), dataclasses.replace(p, active=active))
                return True
            if col >= len(FIXED) and role == Qt.ItemDataRole.EditRole:
                g = self.groups[col - len(FIXED)]
                text = str(value).strip()
                prices = dict(p.prices)
                if not text:
                    shop_admin.remove_price(p.id, g.id, actor=self.actor)
                    prices.pop(g.id, None)
                else:
                    sell = parse_signed_amount(text)
                    if sell is None:
                        raise shop_admin.AdminError(tr(C, "Harga tidak terbaca: {value}").format(value=value))
                    try:
                        shop_admin.set_price(p.id, g.id, sell, actor=self.actor)
                    except shop_admin.BelowCost:
                        self.below_cost.emit(p.id, g.id, sell)
                        return False
                    prices[g.id] = sell
                self._replace(index.row(), dataclasses.replace(p, prices=prices))
                return True
        except shop_admin.AdminError as exc:
            self.failed.emit(str(exc))
        return False

    def _replace(self, row: int, product: ProductListRow) -> None:
        rows = list(self.rows)
        rows[row] = product
        self.rows = tuple(rows)
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
        self.failed.emit("")
        self.changed.emit()

    def product_at(self, row: int) -> ProductListRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def row_of(self, product_id: int | None) -> int:
        return next((i for i, p in enumerate(self.rows) if p.id == product_id), -1)


class RouteList(QListWidget):
    """The routes of one product in priority order; dropping an item saves the new order."""

    orderChanged = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.setStyleSheet("QListWidget::item { padding: 5px 2px; }")
        self.shown: tuple | None = None  # what was last filled in, so an unchanged list is not rebuilt
        self.model().rowsMoved.connect(self._moved)

    def route_ids(self) -> list[int]:
        ids = [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())]
        return [i for i in ids if i is not None]

    def _moved(self, *_args: Any) -> None:
        self.orderChanged.emit(self.route_ids())


def route_text(position: int, r: RouteRow) -> str:
    parts = [f"{position}. {r.supplier_name} ({label('supplier_kind', r.supplier_kind)})",
             tr(C, "modal {cost}").format(cost=rupiah(r.cost))]
    if r.supplier_code:
        parts.append(tr(C, "kode {code}").format(code=r.supplier_code))
    if r.stock is not None:
        parts.append(tr(C, "stok {stock}").format(stock=rupiah(r.stock)))
    if not r.supplier_active:
        parts.append(tr(C, "supplier nonaktif"))
    # a wrapped line breaks between the parts, never inside "stok Rp 2.420.000"
    return " · ".join([parts[0], *(part.replace(" ", "\u00a0") for part in parts[1:])])


class ProductsView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.actor = getattr(ctx, "actor", "admin")
        self.dialog: Any = None  # the open dialog, for tests and to keep it referenced
        self.model = ProductModel(self.actor, self)
        self.snapshot: ProductsSnapshot | None = None
        self._product_id: int | None = None
        self._kind = ""
        self._operator = ""
        self._filling = False
        self._pending: ProductsSnapshot | None = None  # arrived while a price was being edited
        self._build()
        self.refresher: Refresher[ProductsSnapshot] = Refresher(self, getattr(ctx, "bridge", None), self._load,
                                                                self._show, background=True, failed=self._load_failed)

    def title(self) -> str:
        return tr(C, "Produk dan harga")

    # --- layout -----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.kind = QComboBox()
        self.kind.addItem(tr(C, "Semua jenis"), "")
        for code, text in choices("product_kind"):
            self.kind.addItem(text, code)
        self.operator = QComboBox()
        self.operator.addItem(tr(C, "Semua operator"), "")
        self.operator.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.add_button = QPushButton(tr(C, "Tambah produk"))
        self.edit_button = QPushButton(tr(C, "Ubah produk"))
        self.groups_button = QPushButton(tr(C, "Grup harga"))
        self.markup_button = QPushButton(tr(C, "Markup massal"))
        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr(C, "Jenis")))
        bar.addWidget(self.kind)
        bar.addWidget(QLabel(tr(C, "Operator")))
        bar.addWidget(self.operator)
        bar.addStretch(1)
        for b in (self.add_button, self.edit_button, self.groups_button, self.markup_button):
            bar.addWidget(b)

        self.banner = hint_label(style=WARN_STYLE)
        self.banner.hide()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setMinimumSectionSize(48)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.table, 1)
        lv.addWidget(hint_label(tr(C, "Klik dua kali harga untuk mengubah (kosongkan untuk berhenti menjual ke grup "
                                      "itu); klik dua kali kolom lain untuk mengubah produk. Merah: harga sama dengan "
                                      "atau di bawah modal.")))
        lv.addWidget(self.message)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.route_title = QLabel(tr(C, "Rute"))
        self.route_title.setStyleSheet("font-weight: bold;")
        self.route_title.setWordWrap(True)
        self.routes = RouteList()
        route_bar = QHBoxLayout()
        self.add_route_button = QPushButton(tr(C, "Tambah rute"))
        self.edit_route_button = QPushButton(tr(C, "Ubah rute"))
        self.remove_route_button = QPushButton(tr(C, "Hapus rute"))
        for b in (self.add_route_button, self.edit_route_button, self.remove_route_button):
            route_bar.addWidget(b)
        route_bar.addStretch(1)
        rv.addWidget(self.route_title)
        rv.addLayout(route_bar)
        rv.addWidget(self.routes, 1)
        rv.addWidget(hint_label(tr(C, "Urutan dari atas = prioritas. Seret untuk mengubah urutan, centang untuk "
                                      "mengaktifkan rute.")))

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([900, 380])

        self.empty = self._build_empty()
        self.stack = QStackedWidget()
        self.stack.addWidget(split)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.stack, 1)

        self.kind.currentIndexChanged.connect(self._filter_changed)
        self.operator.currentIndexChanged.connect(self._filter_changed)
        self.add_button.clicked.connect(self.open_add_product)
        self.edit_button.clicked.connect(self.open_edit_product)
        self.groups_button.clicked.connect(self.open_price_groups)
        self.markup_button.clicked.connect(self.open_markup)
        self.add_route_button.clicked.connect(self.open_add_route)
        self.edit_route_button.clicked.connect(self.open_edit_route)
        self.remove_route_button.clicked.connect(self.ask_remove_route)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.table.doubleClicked.connect(self._double_clicked)
        self.table.itemDelegate().closeEditor.connect(self._editor_closed)
        self.routes.orderChanged.connect(self._save_order)
        self.routes.itemChanged.connect(self._route_toggled)
        self.routes.itemDoubleClicked.connect(lambda _item: self.open_edit_route())
        self.routes.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.model.failed.connect(self.message.setText)
        self.model.changed.connect(self._saved)
        self.model.below_cost.connect(self.ask_below_cost)
        self._update_buttons()

    def _build_empty(self) -> QWidget:
        page = QWidget()
        box = QWidget()
        box.setMinimumWidth(520)
        box.setMaximumWidth(760)
        v = QVBoxLayout(box)
        self.empty_title = QLabel(tr(C, "Belum ada produk"))
        self.empty_title.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.empty_text = QLabel(tr(C, "Reseller belum bisa membeli apa pun. Mulai dari sini:"))
        self.empty_text.setWordWrap(True)
        v.addWidget(self.empty_title)
        v.addWidget(self.empty_text)
        self.empty_steps = []
        for _ in range(4):
            step = QLabel()
            step.setWordWrap(True)
            step.setTextFormat(Qt.TextFormat.RichText)
            step.setContentsMargins(12, 2, 0, 2)
            v.addWidget(step)
            self.empty_steps.append(step)
        self.empty_groups_button = QPushButton(tr(C, "Buat grup harga"))
        self.empty_add_button = QPushButton(tr(C, "Tambah produk"))
        self.empty_groups_button.clicked.connect(self.open_price_groups)
        self.empty_add_button.clicked.connect(self.open_add_product)
        buttons = QHBoxLayout()
        buttons.addWidget(self.empty_groups_button)
        buttons.addWidget(self.empty_add_button)
        buttons.addStretch(1)
        v.addSpacing(6)
        v.addLayout(buttons)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box, 6)
        row.addStretch(1)
        outer = QVBoxLayout(page)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        return page

    # --- data -------------------------------------------------------------------------------------
    def set_active(self, active: bool) -> None:
        self.refresher.set_active(active)

    def _load(self) -> ProductsSnapshot:
        """On a query thread: reads only plain attributes set on the GUI thread."""
        product_id = self._product_id
        return ProductsSnapshot(queries.catalog(self._kind or None, self._operator or None), product_id,
                                tuple(queries.routes(product_id)) if product_id is not None else ())

    def _load_failed(self, exc: Exception) -> None:
        self.message.setText(tr(C, "Gagal membaca produk: {error}").format(error=exc))

    def _show(self, snap: ProductsSnapshot) -> None:
        if self.table.state() == QAbstractItemView.State.EditingState:
            self._pending = snap  # a reset would close the owner's editor; shown when it closes
            return
        self._pending = None
        self.snapshot = snap
        cat = snap.catalog
        self._fill_operators(cat.operators)
        if self.model.set_catalog(cat):
            self._size_columns()
        self._show_state(cat)
        row = self.model.row_of(self._product_id)
        if row < 0 and self.model.rows and (self._product_id is None or not self.refresher.dirty):
            row = 0  # (a product just added comes with the load already asked for)
        if row >= 0 and self.table.currentIndex().row() != row:
            self.table.selectRow(row)  # may change the product: its routes come with the next load
        elif row < 0 and not self.refresher.dirty:
            self._select_product(None)
        if snap.product_id == self._product_id:
            self._fill_routes(snap.routes, cat.suppliers)
        self._update_route_title()
        self._update_buttons()

    @Slot()
    def _editor_closed(self) -> None:
        if self._pending is not None:
            snap, self._pending = self._pending, None
            self._show(snap)
        self.refresher.request()

    def _fill_operators(self, operators: tuple[str, ...]) -> None:
        present = tuple(self.operator.itemData(i) for i in range(1, self.operator.count()))
        if present == operators:
            return
        self.operator.blockSignals(True)
        self.operator.clear()
        self.operator.addItem(tr(C, "Semua operator"), "")
        for op in operators:
            self.operator.addItem(op if provider_name(op) == op else f"{op} — {provider_name(op)}", op)
        index = self.operator.findData(self._operator)
        self.operator.setCurrentIndex(max(index, 0))
        if index < 0:
            self._operator = ""
        self.operator.blockSignals(False)

    def _size_columns(self) -> None:
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(COL_NAME, min(max(self.table.columnWidth(COL_NAME), 120), 220))
        # the last column stretches to the edge; a width set on it would push it past the edge
        for col in (COL_NOMINAL, COL_COST, *range(len(FIXED), self.model.columnCount() - 1)):
            self.table.setColumnWidth(col, max(self.table.columnWidth(col) + 10, 72))  # room for a bigger price

    def _show_state(self, cat: Catalog) -> None:
        """The empty-state page on a fresh shop; a banner for what is missing otherwise."""
        if cat.total_products == 0:
            self.stack.setCurrentWidget(self.empty)
            steps = [
                (bool(cat.groups), tr(C, "<b>Buat grup harga.</b> Reseller membeli dengan harga grupnya, mis. RETAIL "
                                        "untuk reseller umum dan AGEN untuk agen.")),
                (False, tr(C, "<b>Tambah produk.</b> Kode yang diketik reseller (mis. S10, PLN20, DANA50), jenisnya "
                              "(pulsa, paket data, token PLN, e-wallet, voucher game), operator atau provider, dan "
                              "nominal.")),
                (False, tr(C, "<b>Isi harga jual</b> tiap grup, lalu <b>tambahkan rute</b>: supplier atau chip yang "
                              "mengirim produk itu, dengan modal dan kode produknya di supplier.")),
            ]
            if not cat.suppliers:
                steps.append((False, tr(C, "Belum ada supplier: chip dibuat di menu Telepon (modem berperan chip); "
                                           "supplier lain di menu Supplier dan aturan.")))
            for i, step in enumerate(self.empty_steps):
                if i < len(steps):
                    done, text = steps[i]
                    step.setText(f"{i + 1}. {text}" + (" ✓ " + tr(C, "Sudah ada {n} grup harga.").format(
                        n=len(cat.groups)) if done else ""))
                step.setVisible(i < len(steps))
            self.empty_groups_button.setText(tr(C, "Grup harga") if cat.groups else tr(C, "Buat grup harga"))
            self.banner.hide()
            return
        self.stack.setCurrentIndex(0)
        notes = []
        if not cat.groups:
            notes.append(tr(C, "Belum ada grup harga, jadi belum ada harga jual: klik Grup harga."))
        if not cat.suppliers:
            notes.append(tr(C, "Belum ada supplier atau chip, jadi produk belum bisa dikirim: tambahkan chip di menu "
                               "Telepon atau supplier di menu Supplier dan aturan."))
        if not cat.products:
            notes.append(tr(C, "Tidak ada produk yang cocok dengan filter ini."))
        self.banner.setText("\n".join(notes))
        self.banner.setVisible(bool(notes))

    # --- selection and routes -----------------------------------------------------------------------
    @Slot(QModelIndex, QModelIndex)
    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        p = self.model.product_at(current.row())
        if p is not None and p.id != self._product_id:
            self._select_product(p.id)
            self.refresher.request()
        self._update_buttons()

    def _select_product(self, product_id: int | None) -> None:
        self._product_id = product_id
        self._update_route_title()
        self._fill_routes((), self.snapshot.catalog.suppliers if self.snapshot else 0,
                          loading=self.selected_product() is not None)

    def _update_route_title(self) -> None:
        p = self.selected_product()
        self.route_title.setText(tr(C, "Rute {code} — {name}").format(code=p.code, name=p.name) if p
                                 else tr(C, "Rute"))

    def selected_product(self) -> ProductListRow | None:
        row = self.model.row_of(self._product_id)
        return self.model.rows[row] if row >= 0 else None

    def select_product(self, product_id: int) -> None:
        """Show `product_id` (clearing the filter if it hides it) and its routes."""
        self._product_id = product_id
        row = self.model.row_of(product_id)
        if row >= 0:
            self.table.selectRow(row)
        elif self._kind or self._operator:
            self.kind.setCurrentIndex(0)
            self.operator.setCurrentIndex(0)
        self.refresher.request()

    def _fill_routes(self, routes: tuple[RouteRow, ...], suppliers: int, loading: bool = False) -> None:
        key = (self._product_id, routes, suppliers, loading)
        if self.routes.shown == key:
            return
        self._filling = True
        selected = self.selected_route_id()
        self.routes.clear()
        for position, r in enumerate(routes, 1):
            item = QListWidgetItem(route_text(position, r))
            item.setData(Qt.ItemDataRole.UserRole, r.id)
            item.setToolTip(item.text())
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsDragEnabled)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
            item.setCheckState(Qt.CheckState.Checked if r.active else Qt.CheckState.Unchecked)
            if not r.usable:
                item.setForeground(GREY)
            self.routes.addItem(item)
            if r.id == selected:
                self.routes.setCurrentItem(item)
        if not routes and self._product_id is not None and not loading:
            text = (tr(C, "Belum ada rute: klik Tambah rute dan pilih supplier atau chip dengan modalnya.") if suppliers
                    else tr(C, "Belum ada supplier atau chip. Chip dibuat di menu Telepon (modem berperan chip); "
                               "supplier lain di menu Supplier dan aturan. Setelah itu tambahkan rute di sini."))
            empty = QListWidgetItem(text)
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.routes.addItem(empty)
        self.routes.shown = key
        self._filling = False
        self._update_buttons()

    def selected_route_id(self) -> int | None:
        item = self.routes.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def selected_route(self) -> RouteRow | None:
        rid = self.selected_route_id()
        routes = self.snapshot.routes if self.snapshot and self.snapshot.product_id == self._product_id else ()
        return next((r for r in routes if r.id == rid), None)

    def _update_buttons(self) -> None:
        has_product = self.selected_product() is not None
        self.edit_button.setEnabled(has_product)
        self.add_route_button.setEnabled(has_product)
        has_route = self.selected_route_id() is not None
        self.edit_route_button.setEnabled(has_route)
        self.remove_route_button.setEnabled(has_route)
        self.markup_button.setEnabled(bool(self.model.groups))

    @Slot()
    def _filter_changed(self) -> None:
        self._kind = self.kind.currentData() or ""
        self._operator = self.operator.currentData() or ""
        self.refresher.request()

    @Slot()
    def _saved(self) -> None:
        self.refresher.request()

    def _catalog_changed(self) -> None:
        """Product codes changed: the running message service learns them now (its parser knows codes)."""
        service = getattr(getattr(self.ctx, "engine", None), "service", None)
        if service is not None:
            service.reload_catalog()

    @Slot(QModelIndex)
    def _double_clicked(self, index: QModelIndex) -> None:
        if index.column() < len(FIXED) and index.column() != COL_ACTIVE:
            self.open_edit_product()

    @Slot(list)
    def _save_order(self, route_ids: list[int]) -> None:
        if self._product_id is None or self._filling:
            return
        try:
            shop_admin.set_route_order(self._product_id, route_ids, actor=self.actor)
            self.message.setText("")
        except shop_admin.AdminError as exc:
            self.message.setText(str(exc))
        self.routes.shown = None  # renumber from the database
        self.refresher.request()

    @Slot(QListWidgetItem)
    def _route_toggled(self, item: QListWidgetItem) -> None:
        rid = item.data(Qt.ItemDataRole.UserRole)
        if self._filling or rid is None:
            return
        shop_admin.set_route_active(rid, item.checkState() == Qt.CheckState.Checked, actor=self.actor)
        self.refresher.request()

    # --- actions ----------------------------------------------------------------------------------
    def open_add_product(self) -> ProductDialog:
        self.dialog = ProductDialog(self.actor, None, self, kind=self._kind, operator=self._operator)
        self.dialog.saved.connect(self._product_saved)
        self.dialog.open()
        return self.dialog

    def open_edit_product(self) -> ProductDialog | None:
        p = self.selected_product()
        if p is None:
            return None
        self.dialog = ProductDialog(self.actor, p.id, self)
        self.dialog.saved.connect(self._product_saved)
        self.dialog.open()
        return self.dialog

    @Slot(int)
    def _product_saved(self, product_id: int) -> None:
        self._catalog_changed()
        self.message.setText("")
        self.select_product(product_id)

    def open_price_groups(self) -> PriceGroupsDialog:
        self.dialog = PriceGroupsDialog(self.actor, self)
        self.dialog.changed.connect(self.refresher.request)
        self.dialog.open()
        return self.dialog

    def open_markup(self) -> MarkupDialog:
        group_id = self.model.groups[0].id if self.model.groups else None
        self.dialog = MarkupDialog(self.actor, self, group_id=group_id, kind=self._kind, operator=self._operator)
        self.dialog.applied.connect(self._markup_applied)
        self.dialog.open()
        return self.dialog

    @Slot(int)
    def _markup_applied(self, changed: int) -> None:
        self.message.setText("")
        self.refresher.request()

    @Slot(int, int, int)
    def ask_below_cost(self, product_id: int, group_id: int, sell: int) -> ConfirmDialog:
        row = self.model.row_of(product_id)
        p = self.model.rows[row]
        g = next(g for g in self.model.groups if g.id == group_id)
        cost = p.cheapest_cost or 0
        text = tr(C, "Harga {code} untuk grup {group}: {sell}. Ini sama dengan atau di bawah modal termurah {cost} "
                     "(selisih {diff} per order). Simpan juga?").format(
            code=p.code, group=g.code, sell=rupiah(sell), cost=rupiah(cost), diff=rupiah(sell - cost))

        def act(_dialog: ConfirmDialog) -> None:
            shop_admin.set_price(product_id, group_id, sell, actor=self.actor, below_cost_ok=True)
            self.refresher.request()

        self.dialog = ConfirmDialog(tr(C, "Harga di bawah modal"), text, act, self, ok_text=tr(C, "Ya, simpan"),
                                    destructive=True)
        self.dialog.open()
        return self.dialog

    def open_add_route(self) -> RouteDialog | None:
        p = self.selected_product()
        if p is None:
            return None
        self.dialog = RouteDialog(self.actor, p, None, self)
        self.dialog.saved.connect(self._route_saved)
        self.dialog.open()
        return self.dialog

    def open_edit_route(self) -> RouteDialog | None:
        p, r = self.selected_product(), self.selected_route()
        if p is None or r is None:
            return None
        self.dialog = RouteDialog(self.actor, p, r, self)
        self.dialog.saved.connect(self._route_saved)
        self.dialog.open()
        return self.dialog

    @Slot(int)
    def _route_saved(self, _route_id: int) -> None:
        self.message.setText("")
        self.refresher.request()

    def ask_remove_route(self) -> ConfirmDialog | None:
        p, r = self.selected_product(), self.selected_route()
        if p is None or r is None:
            return None

        def act(_dialog: ConfirmDialog) -> None:
            shop_admin.remove_route(r.id, actor=self.actor)
            self.refresher.request()

        text = tr(C, "Hapus rute {supplier} dari {code}? Order {code} tidak akan dikirim lewat supplier ini lagi.") \
            .format(supplier=r.supplier_name, code=p.code)
        self.dialog = ConfirmDialog(tr(C, "Hapus rute"), text, act, self, ok_text=tr(C, "Ya, hapus"), destructive=True)
        self.dialog.open()
        return self.dialog


add_english(C, {
    "Produk dan harga": "Products and prices", "Kode": "Code", "Nama": "Name", "Jenis": "Kind", "Operator": "Operator",
    "Nominal": "Face value", "Aktif": "Active", "Modal": "Cost", "Harga {group}": "Price {group}", "Dijual": "On sale",
    "Tidak dijual (nonaktif)": "Not on sale (off)",
    "Modal termurah dari rute yang aktif": "Cheapest cost among the active routes",
    "Harga jual grup {name} ({n} reseller)": "Sell price of group {name} ({n} resellers)",
    "Belum ada rute aktif": "No active route yet",
    "{n} rute; modal termurah {cost}": "{n} routes; cheapest cost {cost}",
    "Dipakai untuk order nominal saja": "Used for orders by nominal only",
    "Belum dijual ke grup {group}: klik dua kali untuk mengisi harga":
        "Not sold to group {group}: double-click to set a price",
    "Sama dengan atau di bawah modal termurah {cost}: setiap order rugi":
        "At or below the cheapest cost {cost}: every order loses money",
    "Untung {margin} per order (modal termurah {cost})": "Margin {margin} per order (cheapest cost {cost})",
    "Harga tidak terbaca: {value}": "Unreadable price: {value}",
    "modal {cost}": "cost {cost}", "kode {code}": "code {code}", "stok {stock}": "stock {stock}",
    "supplier nonaktif": "supplier disabled", "Semua jenis": "All kinds", "Semua operator": "All operators",
    "Tambah produk": "Add product", "Ubah produk": "Edit product", "Grup harga": "Price groups",
    "Markup massal": "Bulk markup",
    "Klik dua kali harga untuk mengubah (kosongkan untuk berhenti menjual ke grup itu); klik dua kali kolom lain untuk "
    "mengubah produk. Merah: harga sama dengan atau di bawah modal.":
        "Double-click a price to change it (empty it to stop selling to that group); double-click another column to "
        "edit the product. Red: the price is at or below cost.",
    "Rute": "Routes", "Tambah rute": "Add route", "Ubah rute": "Edit route", "Hapus rute": "Remove route",
    "Urutan dari atas = prioritas. Seret untuk mengubah urutan, centang untuk mengaktifkan rute.":
        "Top to bottom = priority. Drag to reorder, tick to enable a route.",
    "Belum ada produk": "No products yet", "Buat grup harga": "Create a price group",
    "Gagal membaca produk: {error}": "Could not read the products: {error}",
    "<b>Buat grup harga.</b> Reseller membeli dengan harga grupnya, mis. RETAIL untuk reseller umum dan AGEN untuk "
    "agen.": "<b>Create a price group.</b> Resellers buy at their group's prices, e.g. RETAIL for ordinary resellers "
             "and AGEN for agents.",
    "<b>Tambah produk.</b> Kode yang diketik reseller (mis. S10, PLN20, DANA50), jenisnya (pulsa, paket data, token "
    "PLN, e-wallet, voucher game), operator atau provider, dan nominal.":
        "<b>Add products.</b> The code resellers type (e.g. S10, PLN20, DANA50), the kind (airtime, data package, "
        "PLN token, e-wallet, game voucher), the operator or provider, and the face value.",
    "<b>Isi harga jual</b> tiap grup, lalu <b>tambahkan rute</b>: supplier atau chip yang mengirim produk itu, dengan "
    "modal dan kode produknya di supplier.": "<b>Set the sell price</b> per group, then <b>add routes</b>: the "
                                             "supplier or chip that sends the product, with its cost and the "
                                             "supplier's product code.",
    "Belum ada supplier: chip dibuat di menu Telepon (modem berperan chip); supplier lain di menu Supplier dan aturan.":
        "No suppliers yet: chips come from Phones (a modem with the chip role); other suppliers from Suppliers and "
        "rules.",
    "Sudah ada {n} grup harga.": "{n} price groups exist.",
    "Reseller belum bisa membeli apa pun. Mulai dari sini:": "Resellers cannot buy anything yet. Start here:",
    "Belum ada grup harga, jadi belum ada harga jual: klik Grup harga.":
        "No price groups, so no sell prices: click Price groups.",
    "Belum ada supplier atau chip, jadi produk belum bisa dikirim: tambahkan chip di menu Telepon atau supplier "
    "di menu "
    "Supplier dan aturan.": "No suppliers or chips, so nothing can be sent: add a chip under Phones or a supplier "
                            "under Suppliers and rules.",
    "Tidak ada produk yang cocok dengan filter ini.": "No product matches this filter.",
    "Rute {code} — {name}": "Routes of {code} — {name}",
    "Belum ada rute: klik Tambah rute dan pilih supplier atau chip dengan modalnya.":
        "No routes yet: click Add route and choose a supplier or chip with its cost.",
    "Belum ada supplier atau chip. Chip dibuat di menu Telepon (modem berperan chip); supplier lain di menu "
    "Supplier dan "
    "aturan. Setelah itu tambahkan rute di sini.": "No suppliers or chips yet. Chips come from Phones (a modem with "
                                                   "the chip role); other suppliers from Suppliers and rules. Then "
                                                   "add routes here.",
    "Harga {code} untuk grup {group}: {sell}. Ini sama dengan atau di bawah modal termurah {cost} (selisih {diff} per "
    "order). Simpan juga?": "Price of {code} for group {group}: {sell}. That is at or below the cheapest cost {cost} "
                            "({diff} per order). Save anyway?",
    "Harga di bawah modal": "Price below cost", "Ya, simpan": "Yes, save",
    "Hapus rute {supplier} dari {code}? Order {code} tidak akan dikirim lewat supplier ini lagi.":
        "Remove the route {supplier} from {code}? Orders for {code} are no longer sent through this supplier.",
    "Ya, hapus": "Yes, remove",
})
