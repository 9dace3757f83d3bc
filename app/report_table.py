"""Any report as a table: what the window shows and every export writes (CSV and text here, XLSX in
`app.exports`, the printable PDF in `ui.report_pdf`). Cells are text or integers; rupiah stay integers
until they are drawn, so a spreadsheet can add them up.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
from dataclasses import dataclass, field

from app.money import group

Cell = str | int


@dataclass(frozen=True)
class ReportTable:
    title: str  # e.g. "Rekap per produk, 01/06/2026 s/d 30/06/2026"
    start: _dt.date
    end: _dt.date  # inclusive
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: tuple[Cell, ...] | None = None  # the totals row, when the report adds up
    money: frozenset[int] = field(default_factory=frozenset)  # indexes of the rupiah columns
    empty_text: str = "(tidak ada data)"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Cell) -> Cell:
    """Text a spreadsheet would read as a formula (a name starting with `=`, say) is quoted as text.
    Numbers stay numbers, negative ones included."""
    if isinstance(value, str) and len(value) > 1 and value.startswith(_FORMULA_START):
        return '="' + value.replace('"', '""') + '"'
    return value


def to_csv(table: ReportTable) -> str:
    """A header row, then every row and the totals row, each led by the period in ISO dates; integer
    rupiah."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("Dari", "Sampai", *table.columns))
    dates = (table.start.isoformat(), table.end.isoformat())
    for row in (*table.rows, *([table.total] if table.total else [])):
        writer.writerow((*dates, *(_csv_cell(c) for c in row)))
    return out.getvalue()


def cell_text(table: ReportTable, index: int, value: Cell) -> str:
    """A cell as the owner reads it: rupiah grouped the Indonesian way (1.250.000)."""
    if isinstance(value, int) and not isinstance(value, bool) and index in table.money:
        return group(value)
    return str(value)


def to_text(table: ReportTable) -> str:
    """A plain text table for a terminal: the title, the header, the rows and the totals row."""
    header = table.columns
    body = [tuple(cell_text(table, i, c) for i, c in enumerate(row)) for row in table.rows]
    total = tuple(cell_text(table, i, c) for i, c in enumerate(table.total)) if table.total else None
    shown = [header, *body, *([total] if total else [])]
    widths = [max(len(row[i]) for row in shown) for i in range(len(header))]
    # text columns line up on the left, numbers on the right
    left = {i for i in range(len(header)) if i == 0 or (table.rows and isinstance(table.rows[0][i], str))}

    def render(row: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(w) if i in left else cell.rjust(w)
                         for i, (cell, w) in enumerate(zip(row, widths))).rstrip()

    rule = "-" * max(len(render(header)), len(table.title))
    lines = [table.title, render(header), rule, *([render(r) for r in body] or [table.empty_text])]
    if total:
        lines += [rule, render(total)]
    return "\n".join(lines) + "\n"
