"""Produk & harga: products per operator with their selling price per price group (edit in place),
enable/disable, and the route list of the chosen product (drag to reorder, tick to enable)."""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QSplitter, QTableView, QVBoxLayout, QWidget)

from app import shop_admin
from app.money import group, rupiah
from storage import sql
from ui.dialogs.shop_money import parse_signed_amount
from ui.i18n import add_english, tr

log = logging.getLogger(__name__)
C = "Produk"
FIXED = ("Kode", "Nama", "Operator", "Nominal", "Aktif")


class ProductModel(QAbstractTableModel):
    """Products (a few hundred at most) with one editable price column per price group."""

    failed = Signal(str)

    def __init__(self, actor: str, parent: QObject | None = None):
        super().__init__(parent)
        self.actor = actor
        self.operator = ""
        self.groups: list[tuple[int, str, str]] = []
        self.rows: list[tuple] = []
        self.prices: dict[tuple[int, int], int] = {}
        self.costs: dict[int, int] = {}

    def reload(self) -> None:
        self.beginResetModel()
        self.groups = shop_admin.price_groups()
        where, params = ("WHERE operator = ?", [self.operator]) if self.operator else ("", [])
        self.rows = sql.all_rows(f"SELECT id, code, name, operator, nominal, active FROM product {where} "
                                 "ORDER BY operator, nominal, code", params)
        self.prices = {(p, g): s for p, g, s in sql.all_rows("SELECT product_id, price_group_id, sell FROM price")}
        self.costs = {p: c for p, c in sql.all_rows(
            "SELECT product_id, MIN(cost) FROM route WHERE active = 1 GROUP BY product_id")}
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(FIXED) + len(self.groups)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if section < len(FIXED):
            return tr(C, FIXED[section])
        return tr(C, "Harga {group}").format(group=self.groups[section - len(FIXED)][1])

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 4:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if index.column() >= len(FIXED):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, col = self.rows[index.row()], index.column()
        if col == 4:
            if role == Qt.ItemDataRole.CheckStateRole:
                return Qt.CheckState.Checked if r[5] else Qt.CheckState.Unchecked
            if role == Qt.ItemDataRole.DisplayRole:
                return tr(C, "aktif") if r[5] else tr(C, "nonaktif")
            return None
        if col >= len(FIXED):
            sell = self.prices.get((r[0], self.groups[col - len(FIXED)][0]))
            if role == Qt.ItemDataRole.DisplayRole:
                return "-" if sell is None else group(sell)
            if role == Qt.ItemDataRole.EditRole:
                return "" if sell is None else str(sell)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if role == Qt.ItemDataRole.ForegroundRole and sell is not None and r[0] in self.costs \
                    and sell <= self.costs[r[0]]:
                return QColor("#d93025")  # sold at or below the cheapest route's cost
            if role == Qt.ItemDataRole.ToolTipRole and r[0] in self.costs:
                return tr(C, "Modal termurah {cost}").format(cost=rupiah(self.costs[r[0]]))
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return [r[1], r[2], r[3], group(r[4])][col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and not r[5]:
            return QColor("#9aa0a6")
        return None

    def setData(self, index: QModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        r, col = self.rows[index.row()], index.column()
        try:
            if col == 4 and role == Qt.ItemDataRole.CheckStateRole:
                active = Qt.CheckState(value) == Qt.CheckState.Checked
                shop_admin.set_product_active(r[0], active, actor=self.actor)
                self.rows[index.row()] = (*r[:5], active)
                self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), self.columnCount() - 1))
                return True
            if col >= len(FIXED) and role == Qt.ItemDataRole.EditRole:
                sell = parse_signed_amount(str(value))
                if sell is None:
                    raise shop_admin.AdminError(tr(C, "Harga tidak terbaca: {value}").format(value=value))
                group_id = self.groups[col - len(FIXED)][0]
                shop_admin.set_price(r[0], group_id, sell, actor=self.actor)
                self.prices[(r[0], group_id)] = sell
                self.dataChanged.emit(index, index)
                return True
        except shop_admin.AdminError as exc:
            self.failed.emit(str(exc))
        return False

    def product_id(self, row: int) -> int | None:
        return self.rows[row][0] if 0 <= row < len(self.rows) else None


class RouteList(QListWidget):
    """The routes of one product in priority order; dropping an item saves the new order."""

    orderChanged = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setAlternatingRowColors(True)
        self.setStyleSheet("QListWidget::item { padding: 5px 2px; }")
        self.model().rowsMoved.connect(self._moved)

    def route_ids(self) -> list[int]:
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())]

    def _moved(self, *_args: Any) -> None:
        self.orderChanged.emit(self.route_ids())


class ProductsView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.actor = getattr(ctx, "actor", "admin")
        self.active = False
        self.model = ProductModel(self.actor, self)
        self._product_id: int | None = None
        self._filling = False

        self.operator = QComboBox()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.message = QLabel()
        self.message.setStyleSheet("color: #d93025;")
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr(C, "Operator")))
        bar.addWidget(self.operator)
        hint = QLabel(tr(C, "Klik dua kali harga untuk mengubah; centang Aktif untuk menjual produk."))
        hint.setStyleSheet("color: #5f6368;")
        bar.addWidget(hint, 1)
        lv.addLayout(bar)
        lv.addWidget(self.table, 1)
        lv.addWidget(self.message)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.route_title = QLabel()
        self.route_title.setStyleSheet("font-weight: bold;")
        self.routes = RouteList()
        route_hint = QLabel(tr(C, "Urutan dari atas = prioritas. Seret untuk mengubah urutan, centang untuk "
                                  "mengaktifkan rute."))
        route_hint.setWordWrap(True)
        route_hint.setStyleSheet("color: #5f6368;")
        rv.addWidget(self.route_title)
        rv.addWidget(self.routes, 1)
        rv.addWidget(route_hint)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([760, 520])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

        self.operator.currentIndexChanged.connect(self._operator_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.routes.orderChanged.connect(self._save_order)
        self.routes.itemChanged.connect(self._route_toggled)
        self.model.failed.connect(self.message.setText)
        self.model.modelReset.connect(self._after_reset)

    def title(self) -> str:
        return tr(C, "Produk dan harga")

    def set_active(self, active: bool) -> None:
        self.active = active
        if active:
            self.reload()

    def reload(self) -> None:
        current = self.operator.currentData()
        self.operator.blockSignals(True)
        self.operator.clear()
        self.operator.addItem(tr(C, "Semua operator"), "")
        for (op,) in sql.all_rows("SELECT DISTINCT operator FROM product ORDER BY operator"):
            self.operator.addItem(op, op)
        self.operator.setCurrentIndex(max(self.operator.findData(current), 0))
        self.operator.blockSignals(False)
        self.model.operator = self.operator.currentData() or ""
        self.model.reload()

    @Slot()
    def _operator_changed(self) -> None:
        self.model.operator = self.operator.currentData() or ""
        self.model.reload()

    @Slot()
    def _after_reset(self) -> None:
        for col, width in enumerate((60, 160, 70, 80, 80)):
            self.table.setColumnWidth(col, width)
        for col in range(len(FIXED), self.model.columnCount()):
            self.table.setColumnWidth(col, 110)
        row = next((i for i, r in enumerate(self.model.rows) if r[0] == self._product_id), 0)
        if self.model.rows:
            self.table.selectRow(row)
        else:
            self.show_routes(None)

    @Slot(QModelIndex, QModelIndex)
    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.show_routes(self.model.product_id(current.row()))

    def show_routes(self, product_id: int | None) -> None:
        self._product_id = product_id
        self._filling = True
        self.routes.clear()
        if product_id is None:
            self.route_title.setText(tr(C, "Rute"))
            self._filling = False
            return
        code = sql.one("SELECT code FROM product WHERE id = ?", (product_id,))
        self.route_title.setText(tr(C, "Rute {code}").format(code=code[0] if code else product_id))
        for rid, name, kind, cost, active, stock, sup_active, supplier_code in sql.all_rows(
                "SELECT r.id, s.name, s.kind, r.cost, r.active, s.stock, s.active, r.supplier_code FROM route r "
                "JOIN supplier s ON s.id = r.supplier_id WHERE r.product_id = ? ORDER BY r.priority, r.id",
                (product_id,)):
            parts = [name, tr(C, "modal {cost}").format(cost=rupiah(cost))]
            if stock is not None:
                parts.append(tr(C, "stok {stock}").format(stock=rupiah(stock)))
            if supplier_code:
                parts.append(tr(C, "kode {code}").format(code=supplier_code))
            if not sup_active:
                parts.append(tr(C, "supplier nonaktif"))
            item = QListWidgetItem(" · ".join(parts))
            item.setData(Qt.ItemDataRole.UserRole, rid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsDragEnabled)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
            item.setCheckState(Qt.CheckState.Checked if active else Qt.CheckState.Unchecked)
            self.routes.addItem(item)
        if not self.routes.count():
            empty = QListWidgetItem(tr(C, "Belum ada rute: tambahkan chip atau supplier di menu Supplier."))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.routes.addItem(empty)
        self._filling = False

    @Slot(list)
    def _save_order(self, route_ids: list[int]) -> None:
        if self._product_id is None or self._filling:
            return
        try:
            shop_admin.set_route_order(self._product_id, route_ids, actor=self.actor)
            self.message.setText("")
        except shop_admin.AdminError as exc:
            self.message.setText(str(exc))
            self.show_routes(self._product_id)

    @Slot(QListWidgetItem)
    def _route_toggled(self, item: QListWidgetItem) -> None:
        rid = item.data(Qt.ItemDataRole.UserRole)
        if self._filling or rid is None:
            return
        shop_admin.set_route_active(rid, item.checkState() == Qt.CheckState.Checked, actor=self.actor)


add_english(C, {
    "Produk dan harga": "Products and prices", "Kode": "Code", "Nama": "Name", "Operator": "Operator",
    "Nominal": "Face value", "Aktif": "Active", "Harga {group}": "Price {group}", "aktif": "on", "nonaktif": "off",
    "Modal termurah {cost}": "Cheapest cost {cost}", "Harga tidak terbaca: {value}": "Unreadable price: {value}",
    "Klik dua kali harga untuk mengubah; centang Aktif untuk menjual produk.":
        "Double-click a price to change it; tick Active to sell the product.",
    "Urutan dari atas = prioritas. Seret untuk mengubah urutan, centang untuk mengaktifkan rute.":
        "Top to bottom = priority. Drag to reorder, tick to enable a route.",
    "Semua operator": "All operators", "Rute": "Routes", "Rute {code}": "Routes of {code}",
    "modal {cost}": "cost {cost}", "stok {stock}": "stock {stock}", "kode {code}": "code {code}",
    "supplier nonaktif": "supplier disabled",
    "Belum ada rute: tambahkan chip atau supplier di menu Supplier.":
        "No routes yet: add a chip or supplier under Suppliers.",
})
