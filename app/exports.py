"""Writing reports to files: CSV and XLSX here (no Qt), the printable PDF in `ui.report_pdf`.

Every report is a list of `ReportTable`s (app.report_table): a recap is one table, the chip stock
two (the stock per chip and its differences), the "book" of a period several. `write_report(tables,
fmt, path)` writes any of them:

- **csv**: each table as `app.report_table.to_csv` gives it (its own header row, ISO dates, integer
  rupiah), one after another with a blank line between them. A file of one table is exactly
  `to_csv(table)`; nothing of a longer report is left out.
- **xlsx** (XlsxWriter): one sheet per table — the title row, a bold header that stays in view
  (frozen), rupiah as numbers with a thousands format, the totals row bold, columns as wide as their
  text. Text is always written as text, so a name such as `=HYPERLINK(…)` is never run as a formula.
- **table**: the plain text tables of `to_text`, for a terminal.

Files are written to a temporary name beside the target and renamed into place: an export that
fails half way leaves no half file (and never half of an older file).

`recap_book(start, end, first)` is what the window's "Ekspor Excel" / "Cetak PDF" and `main.py report
recap --format xlsx|pdf` write for a recap: the chosen grouping first, then the recap by product,
operator and hour, and — for one day — the chip stock of that day (when `app.stock_books` is there).
`daily_recap_tables(day)` is that book for one day: the printable daily recap.
"""
from __future__ import annotations

import datetime as _dt
import importlib
import os
import re
import uuid
from pathlib import Path
from typing import Any, Callable, Sequence

from app import reports
from app.report_table import ReportTable, cell_text, to_csv, to_text

FORMATS = ("table", "csv", "xlsx")  # what this module writes; "pdf" is ui.report_pdf.write_pdf
SHEET_NAME_MAX = 31  # Excel's limit
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
MAX_COLUMN_WIDTH = 60  # characters; longer text wraps off the edge rather than widening the sheet
MONEY_FORMAT = "#,##0"  # Excel shows the shop's own thousands separator (1.250.000 in Indonesian)
BOOK_GROUPS = (reports.RecapBy.PRODUCT, reports.RecapBy.OPERATOR, reports.RecapBy.HOUR)


# --- text formats -----------------------------------------------------------------------------------

def tables_csv(tables: Sequence[ReportTable]) -> str:
    """The tables' CSV one after another, a blank line between two tables."""
    return "\n".join(to_csv(t) for t in tables)


def tables_text(tables: Sequence[ReportTable]) -> str:
    """The tables as plain text, a blank line between two tables."""
    return "\n".join(to_text(t) for t in tables)


# --- XLSX -------------------------------------------------------------------------------------------

def sheet_name(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts, made from a table's title: the part before the first comma (the
    period is in the title row anyway), no `[]:*?/\\`, no leading or trailing apostrophe, at most 31
    characters, and unlike every name in `taken` (compared as Excel does, ignoring case)."""
    base = _SHEET_BAD.sub("-", title.split(",")[0]).strip().strip("'").strip() or "Laporan"
    base = base[:SHEET_NAME_MAX]
    name, n = base, 1
    lowered = {t.lower() for t in taken}
    while name.lower() in lowered:
        n += 1
        suffix = f" ({n})"
        name = base[:SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
    taken.add(name)
    return name


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _column_widths(table: ReportTable) -> list[float]:
    rows = [*table.rows, *([table.total] if table.total else [])]
    widths = []
    for i, title in enumerate(table.columns):
        longest = max([len(title)] + [len(cell_text(table, i, row[i])) for row in rows if i < len(row)])
        widths.append(min(MAX_COLUMN_WIDTH, longest + 2))
    return widths


def _write_sheet(book: Any, sheet: Any, table: ReportTable) -> None:
    title_format = book.add_format({"bold": True, "font_size": 13})
    header_format = book.add_format({"bold": True, "bg_color": "#E8EAED", "bottom": 1})
    header_right = book.add_format({"bold": True, "bg_color": "#E8EAED", "bottom": 1, "align": "right"})
    money = book.add_format({"num_format": MONEY_FORMAT})
    total_text = book.add_format({"bold": True, "top": 1})
    total_money = book.add_format({"bold": True, "top": 1, "num_format": MONEY_FORMAT})
    total_number = book.add_format({"bold": True, "top": 1})
    when_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day_format = book.add_format({"num_format": "yyyy-mm-dd"})
    note_format = book.add_format({"italic": True, "font_color": "#5F6368"})

    sheet.write_string(0, 0, table.title, title_format)
    numeric = {i for i in range(len(table.columns))
               if any(_is_int(row[i]) for row in table.rows if i < len(row))
               or (table.total is not None and i < len(table.total) and _is_int(table.total[i]))}
    for col, title in enumerate(table.columns):
        sheet.write_string(1, col, title, header_right if col in numeric else header_format)

    def put(row: int, col: int, value: Any, *, total: bool) -> None:
        if value is None:
            sheet.write_blank(row, col, None, total_text if total else None)
        elif _is_int(value):
            if col in table.money:
                sheet.write_number(row, col, value, total_money if total else money)
            else:
                sheet.write_number(row, col, value, total_number if total else None)
        elif isinstance(value, _dt.datetime):
            sheet.write_datetime(row, col, value, when_format)
        elif isinstance(value, _dt.date):
            sheet.write_datetime(row, col, _dt.datetime.combine(value, _dt.time()), day_format)
        else:  # always as text: never a formula, a number read from text, or a link
            sheet.write_string(row, col, str(value), total_text if total else None)

    row_no = 2
    for row in table.rows:
        for col, value in enumerate(row):
            put(row_no, col, value, total=False)
        row_no += 1
    if not table.rows:
        sheet.write_string(row_no, 0, table.empty_text, note_format)
        row_no += 1
    if table.total is not None:
        for col in range(len(table.columns)):
            put(row_no, col, table.total[col] if col < len(table.total) else None, total=True)
    for col, width in enumerate(_column_widths(table)):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(2, 0)  # the title and the header stay in view


def _xlsx_to(tables: Sequence[ReportTable], path: str) -> None:
    import xlsxwriter

    # Text stays text: no formula, number or link is made from a string by XlsxWriter's write().
    book = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_numbers": False,
                                      "strings_to_urls": False})
    book.set_properties({"title": tables[0].title if tables else "Laporan", "creator": "Pulsa"})
    taken: set[str] = set()
    for table in tables or ():
        sheet = book.add_worksheet(sheet_name(table.title, taken))
        _write_sheet(book, sheet, table)
    if not tables:
        book.add_worksheet("Laporan").write_string(0, 0, "(tidak ada data)")
    book.close()


# --- writing files ----------------------------------------------------------------------------------

def write_atomically(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """`write(temporary_path)`, then the temporary file takes the place of `path`. On an error the
    temporary file is removed and `path` is left as it was."""
    target = Path(path)
    # a fresh name beside the target (the same disk, so the rename is atomic), made with the usual
    # permissions of a new file
    temp = str(target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp"))
    try:
        write(temp)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    return target


def _text_to(text: str) -> Callable[[str], None]:
    def write(temp: str) -> None:
        Path(temp).write_text(text, encoding="utf-8", newline="")
    return write


def to_xlsx(tables: Sequence[ReportTable], path: str | os.PathLike) -> Path:
    """The tables as an Excel workbook, one sheet per table."""
    return write_atomically(path, lambda temp: _xlsx_to(tables, temp))


def write_report(tables: Sequence[ReportTable], fmt: str, path: str | os.PathLike) -> Path:
    """Write `tables` to `path` as `fmt` (csv, xlsx or table); returns the path written."""
    if fmt == "csv":
        return write_atomically(path, _text_to(tables_csv(tables)))
    if fmt == "xlsx":
        return to_xlsx(tables, path)
    if fmt == "table":
        return write_atomically(path, _text_to(tables_text(tables)))
    if fmt == "pdf":
        raise ValueError("PDF is drawn with Qt: use ui.report_pdf.write_pdf")
    raise ValueError(f"unknown report format {fmt!r}; one of {', '.join(FORMATS)}")


# --- what a report holds ------------------------------------------------------------------------------

def stock_books() -> Any | None:
    """`app.stock_books` when it is there (the chip stock reconciliation), else None."""
    try:
        return importlib.import_module("app.stock_books")
    except ModuleNotFoundError as exc:
        if exc.name == "app.stock_books":
            return None
        raise


def stock_tables(day: _dt.date, supplier_id: int | None = None) -> list[ReportTable]:
    """The chip stock of one day: the stock per chip, then its differences."""
    books = stock_books()
    if books is None:
        raise RuntimeError("laporan stok chip belum tersedia (app.stock_books)")
    report = books.stock_report(day, supplier_id)
    return [books.stock_table(report), books.differences_table(report)]


def recap_book(start: _dt.date, end: _dt.date, first: reports.RecapBy | str | None = None, *,
               first_table: ReportTable | None = None) -> list[ReportTable]:
    """The recap of a period as several tables: grouped by `first` (when given; `first_table` is
    that recap when it is already counted, e.g. the one the window shows), then by product, operator
    and hour (those not given already), then — when the period is one day and the stock report
    exists — the stock per chip on that day."""
    groups: list[reports.RecapBy] = [reports.RecapBy(first)] if first is not None else []
    groups += [by for by in BOOK_GROUPS if by not in groups]
    tables = [first_table if n == 0 and first_table is not None and first is not None
              else reports.recap_table(reports.recap(start, end, by)) for n, by in enumerate(groups)]
    books = stock_books()
    if start == end and books is not None:
        tables.append(books.stock_table(books.stock_report(start)))
    return tables


def daily_recap_tables(day: _dt.date) -> list[ReportTable]:
    """The printable daily recap: by product, by operator, by hour (and the day's chip stock)."""
    return recap_book(day, day)
