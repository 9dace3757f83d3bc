"""A read-only table of rows for the views' lists: the rows (frozen dataclasses with an `id`), the
column titles translated in the view's context, a reset only when the rows changed, and a plain
single-row-select table to show it. Each model adds only its `data()`."""
from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView

from ui.i18n import tr

Row = TypeVar("Row")


class RowsModel(QAbstractTableModel, Generic[Row]):
    COLUMNS: ClassVar[tuple[str, ...]] = ()
    CONTEXT: ClassVar[str] = ""  # the i18n context the column titles are registered in

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.rows: tuple[Row, ...] = ()

    def set_rows(self, rows: tuple[Row, ...]) -> bool:
        """Show `rows`; False (and no reset, so the selection stays) when they are the ones shown."""
        if rows == self.rows:
            return False
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()
        return True

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(self.CONTEXT, self.COLUMNS[section])
        return None

    def row(self, index: int) -> Row | None:
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def row_of(self, row_id: int | None) -> int:
        """The position of the row with this id, -1 when it is not shown."""
        return next((i for i, r in enumerate(self.rows) if getattr(r, "id", None) == row_id), -1)


def rows_table(model: QAbstractTableModel, min_section: int = 0) -> QTableView:
    """A read-only table that selects one whole row at a time."""
    table = QTableView()
    table.setModel(model)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(22)
    table.setAlternatingRowColors(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setStretchLastSection(True)
    if min_section:
        table.horizontalHeader().setMinimumSectionSize(min_section)
    return table
