"""The printable PDF of a report, drawn with Qt (QPdfWriter and QPainter): A4 portrait, the shop's
name and the moment it was printed on top of every page, then each table with its title and period,
a header row that is drawn again at the top of every page the table continues on, rupiah grouped the
Indonesian way (1.250.000) and right-aligned, the totals row bold, "Halaman 2 dari 3" at the foot.

Qt allows QPainter on a QPdfWriter outside the GUI thread (as on a QImage), so the window writes
its PDFs on a background thread; a QGuiApplication must exist (for the fonts) — the command line
starts one on the offscreen platform.

The layout is worked out first (`paginate`, plain arithmetic on the line heights), then drawn, so
the page count is known for the footer before the first page is drawn.
"""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from app.exports import write_atomically
from app.report_table import ReportTable, cell_text
from ui.i18n import add_english, tr

C = "Laporan PDF"
RESOLUTION = 300  # dots per inch of the drawing; the text itself stays vector text
MARGIN_MM = 14
BASE_PT = 9.0  # table text
MIN_PT = 6.5  # a wide table shrinks its text down to this, then cuts long cells short with "…"
WIDEST = 0.3  # of the page width: a text column wider than this on one line wraps onto more lines…
MAX_LINES = 6  # … up to this many
FLEX_LEAST = 0.18  # of the page width: the least room such a column gets
HEADER_FILL = QColor("#e8eaed")
STRIPE_FILL = QColor("#f6f7f8")
RULE = QColor("#9aa0a6")
TEXT = QColor("#202124")
GREY = QColor("#5f6368")
WEEKDAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


# --- layout (no drawing) ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Heights:
    """Heights of what goes on a page, in the units of `page` (the room between header and footer)."""

    page: float
    title: float  # a table's title and its period line
    continued: float  # the title line of a table continued from the page before
    header: float  # the column headers (of a table not in `headers`)
    row: float  # one row (also the totals row and the empty-table note)
    gap: float  # between two tables
    rows: tuple[tuple[float, ...], ...] = ()  # per table, the height of each row (long texts wrap)
    headers: tuple[float, ...] = ()  # per table, the height of its header (titles wrap between words)


@dataclass(frozen=True)
class Placed:
    kind: str  # "title", "continued", "header", "row", "empty" or "total"
    table: int  # index into the tables
    row: int  # index into table.rows for "row"; -1 otherwise
    y: float  # top, from the top of the page's room


def paginate(tables: Sequence[ReportTable], h: Heights) -> list[list[Placed]]:
    """Where each line of each table goes: a list of pages, each a list of placed lines. A table
    starts on a new page unless its title, header and first line fit; a page break inside a table
    repeats its title (marked continued) and header."""
    pages: list[list[Placed]] = [[]]
    y = 0.0

    def new_page() -> None:
        nonlocal y
        pages.append([])
        y = 0.0

    def place(kind: str, index: int, row: int, height: float) -> None:
        nonlocal y
        pages[-1].append(Placed(kind, index, row, y))
        y += height

    for index, table in enumerate(tables):
        header = h.headers[index] if index < len(h.headers) else h.header
        body = [("row", i) for i in range(len(table.rows))] or [("empty", -1)]
        if table.total is not None:
            body.append(("total", -1))
        if pages[-1]:
            y += h.gap
            first = h.rows[index][0] if table.rows and index < len(h.rows) else h.row
            if y + h.title + header + first > h.page:
                new_page()
        place("title", index, -1, h.title)
        place("header", index, -1, header)
        for kind, row in body:
            height = h.rows[index][row] if kind == "row" and index < len(h.rows) else h.row
            if y + height > h.page:
                new_page()
                place("continued", index, -1, h.continued)
                place("header", index, -1, header)
            place(kind, index, row, height)
    return pages


def period_text(table: ReportTable) -> str:
    if table.start == table.end:
        day = tr(C, WEEKDAYS[table.start.weekday()])
        return tr(C, "Tanggal: {day}, {date}").format(day=day, date=f"{table.start:%d/%m/%Y}")
    return tr(C, "Periode: {start} s/d {end}").format(start=f"{table.start:%d/%m/%Y}", end=f"{table.end:%d/%m/%Y}")


# --- drawing ---------------------------------------------------------------------------------------

def _font(points: float, *, bold: bool = False, italic: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(points)
    font.setBold(bold)
    font.setItalic(italic)
    return font


def _is_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _TableFace:
    """One table's fonts, column widths, alignment and row heights, fitted to the page width.

    Numbers and short texts keep their whole width on one line; a long text column (an explanation,
    a note) takes the room left and wraps onto up to MAX_LINES lines. Headers wrap between words.
    Only when the one-line columns alone are too wide does the text get smaller (down to MIN_PT); past
    that every column gives up its share and cells are cut short with "…"."""

    def __init__(self, table: ReportTable, writer: QPdfWriter, width: float):
        self.table = table
        self.writer = writer
        rows = [*table.rows, *([table.total] if table.total else [])]
        count = len(table.columns)
        self.right = [i in table.money or any(_is_number(r[i]) for r in rows if i < len(r)) for i in range(count)]
        points = BASE_PT
        while True:
            self.font, self.bold = _font(points), _font(points, bold=True)
            self.metrics = QFontMetricsF(self.font, writer)
            self.bold_metrics = QFontMetricsF(self.bold, writer)
            self.pad = self.metrics.averageCharWidth() * 0.8
            natural, least = [], []  # one line wide; the least a column may have
            for i, title in enumerate(table.columns):
                widest = max([self.metrics.horizontalAdvance(cell_text(table, i, r[i]))
                              for r in table.rows if i < len(r)] or [0.0])
                if table.total is not None and i < len(table.total):
                    widest = max(widest, self.bold_metrics.horizontalAdvance(cell_text(table, i, table.total[i])))
                word = max(self.bold_metrics.horizontalAdvance(w) for w in (title.split() or [""]))
                natural.append(max(widest, word) + 2 * self.pad)
            self.flex = {i for i in range(count) if not self.right[i] and natural[i] > width * WIDEST}
            least = [width * FLEX_LEAST if i in self.flex else natural[i] for i in range(count)]
            if sum(least) <= width or points <= MIN_PT:
                break
            points = max(MIN_PT, points * 0.92)
        fixed = sum(natural[i] for i in range(count) if i not in self.flex)
        if sum(least) > width:  # too wide even at the smallest size: every column shrinks, cells are cut
            self.widths = [w * width / sum(least) for w in least]
        elif self.flex:  # the long texts share what the others leave
            room = width - fixed
            flex_total = sum(natural[i] for i in self.flex)
            self.widths = [room * natural[i] / flex_total if i in self.flex else natural[i] for i in range(count)]
            if sum(self.widths) > width + 0.5 or any(self.widths[i] < least[i] for i in self.flex):
                share = room / len(self.flex)
                self.widths = [share if i in self.flex else natural[i] for i in range(count)]
        else:  # spread the spare room evenly: the table spans the page
            spare = (width - fixed) / max(count, 1)
            self.widths = [w + spare for w in natural]
        self.row_height = self.metrics.height() * 1.55
        self.line = self.metrics.lineSpacing()
        self.header_lines = max([self._lines(self.bold_metrics, t, i) for i, t in enumerate(table.columns)] or [1])
        self.header_height = self.row_height * 1.1 + (self.header_lines - 1) * self.bold_metrics.lineSpacing()
        self.texts = [[self._fit(cell_text(table, i, r[i]) if i < len(r) else "", i) for i in range(count)]
                      for r in table.rows]
        self.rows = tuple(self.row_height + (max([self._lines(self.metrics, t, i) for i, t in enumerate(texts)]
                                                 or [1]) - 1) * self.line for texts in self.texts)

    def room(self, column: int) -> float:
        return max(1.0, self.widths[column] - 2 * self.pad)

    def _lines(self, metrics: QFontMetricsF, text: str, column: int) -> int:
        if metrics.horizontalAdvance(text) <= self.room(column):
            return 1
        box = metrics.boundingRect(QRectF(0, 0, self.room(column), 1e7), int(Qt.TextFlag.TextWordWrap), text)
        return max(1, round(box.height() / metrics.lineSpacing()))

    def _fit(self, text: str, column: int) -> str:
        """A long text cut to MAX_LINES lines of its column (with "…"); a one-line column's text as is
        (it is cut at draw time, if at all)."""
        if column not in self.flex or self._lines(self.metrics, text, column) <= MAX_LINES:
            return text
        low, high = 0, len(text)
        while low < high:  # the longest start of the text that fits, with the ellipsis
            middle = (low + high + 1) // 2
            if self._lines(self.metrics, text[:middle].rstrip() + "…", column) <= MAX_LINES:
                low = middle
            else:
                high = middle - 1
        return text[:low].rstrip() + "…"


class _Drawer:
    def __init__(self, writer: QPdfWriter, painter: QPainter, tables: Sequence[ReportTable], shop_name: str,
                 printed_at: _dt.datetime):
        self.writer = writer
        self.p = painter
        self.tables = tables
        self.shop_name = shop_name
        self.printed_at = printed_at
        self.width = float(writer.width())
        self.height = float(writer.height())
        self.shop_font = _font(14, bold=True)
        self.small = _font(8)
        self.title_font = _font(11.5, bold=True)
        self.italic = _font(BASE_PT, italic=True)
        shop_m = QFontMetricsF(self.shop_font, writer)
        self.small_m = QFontMetricsF(self.small, writer)
        self.title_m = QFontMetricsF(self.title_font, writer)
        self.top = shop_m.height() * 1.9  # the running head and its rule
        self.bottom = self.small_m.height() * 2.2  # the page numbers
        self.faces = [_TableFace(t, writer, self.width) for t in tables]
        self.pen_width = max(1.0, RESOLUTION / 200)

    def heights(self) -> Heights:
        row = max((f.row_height for f in self.faces), default=self.small_m.height() * 1.5)
        return Heights(page=self.height - self.top - self.bottom,
                       title=self.title_m.height() * 1.25 + self.small_m.height() * 1.6,
                       continued=self.title_m.height() * 1.4, header=row * 1.1, row=row, gap=row * 1.4,
                       rows=tuple(f.rows for f in self.faces), headers=tuple(f.header_height for f in self.faces))

    def draw(self, pages: list[list[Placed]]) -> None:
        for number, page in enumerate(pages, start=1):
            if number > 1:
                self.writer.newPage()
            self._running_head()
            for placed in page:
                self._placed(placed, self.top + placed.y)
            self._foot(number, len(pages))

    # page furniture
    def _running_head(self) -> None:
        p = self.p
        p.setPen(TEXT)
        p.setFont(self.shop_font)
        head = QRectF(0, 0, self.width, self.top * 0.8)
        p.drawText(head, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), self.shop_name)
        p.setFont(self.small)
        p.setPen(GREY)
        p.drawText(head, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                   tr(C, "Dicetak {when}").format(when=f"{self.printed_at:%d/%m/%Y %H:%M}"))
        p.setPen(QPen(RULE, self.pen_width))
        p.drawLine(QPointF(0, self.top * 0.85), QPointF(self.width, self.top * 0.85))

    def _foot(self, number: int, count: int) -> None:
        p = self.p
        p.setFont(self.small)
        p.setPen(GREY)
        foot = QRectF(0, self.height - self.bottom * 0.7, self.width, self.bottom * 0.7)
        p.drawText(foot, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                   tr(C, "Halaman {n} dari {total}").format(n=number, total=count))
        p.drawText(foot, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), "Pulsa")

    # the tables
    def _placed(self, placed: Placed, y: float) -> None:
        table, face = self.tables[placed.table], self.faces[placed.table]
        p = self.p
        left = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if placed.kind == "title":
            p.setPen(TEXT)
            p.setFont(self.title_font)
            line = self.title_m.height() * 1.25
            p.drawText(QRectF(0, y, self.width, line), left,
                       self.title_m.elidedText(table.title, Qt.TextElideMode.ElideRight, self.width))
            p.setFont(self.small)
            p.setPen(GREY)
            p.drawText(QRectF(0, y + line, self.width, self.small_m.height() * 1.3), left, period_text(table))
        elif placed.kind == "continued":
            p.setPen(GREY)
            p.setFont(self.title_font)
            text = tr(C, "{title} (lanjutan)").format(title=table.title)
            p.drawText(QRectF(0, y, self.width, self.title_m.height() * 1.25), left,
                       self.title_m.elidedText(text, Qt.TextElideMode.ElideMiddle, self.width))
        elif placed.kind == "header":
            height = face.header_height
            p.fillRect(QRectF(0, y, self.width, height), HEADER_FILL)
            self._cells(face, table.columns, y, height, bold=True, wrap=True)
            p.setPen(QPen(RULE, self.pen_width))
            p.drawLine(QPointF(0, y + height), QPointF(self.width, y + height))
        elif placed.kind == "row":
            height = face.rows[placed.row]
            if placed.row % 2:
                p.fillRect(QRectF(0, y, self.width, height), STRIPE_FILL)
            self._cells(face, face.texts[placed.row], y, height, wrap=True)
        elif placed.kind == "total":
            p.fillRect(QRectF(0, y, self.width, face.row_height), HEADER_FILL)
            p.setPen(QPen(TEXT, self.pen_width))
            p.drawLine(QPointF(0, y), QPointF(self.width, y))
            self._cells(face, table.total or (), y, face.row_height, bold=True)
        elif placed.kind == "empty":
            p.setPen(GREY)
            p.setFont(self.italic)
            p.drawText(QRectF(face.pad, y, self.width, face.row_height), left, table.empty_text)

    def _cells(self, face: _TableFace, values: Sequence[object], y: float, height: float, *,
               bold: bool = False, wrap: bool = False) -> None:
        """One line of cells; with `wrap`, a text longer than its column wraps within the row's height."""
        p = self.p
        p.setPen(TEXT)
        p.setFont(face.bold if bold else face.font)
        metrics = face.bold_metrics if bold else face.metrics
        x = 0.0
        for i, width in enumerate(face.widths):
            value = values[i] if i < len(values) else ""
            text = value if isinstance(value, str) else cell_text(face.table, i, value)  # type: ignore[arg-type]
            align = Qt.AlignmentFlag.AlignRight if face.right[i] else Qt.AlignmentFlag.AlignLeft
            room = face.room(i)
            if wrap and metrics.horizontalAdvance(text) > room:
                lines = min(MAX_LINES, max(1, round(metrics.boundingRect(
                    QRectF(0, 0, room, 1e7), int(Qt.TextFlag.TextWordWrap), text).height() / metrics.lineSpacing())))
                inner = metrics.height() + (lines - 1) * metrics.lineSpacing()
                p.save()
                p.setClipRect(QRectF(x, y, width, height))
                p.drawText(QRectF(x + face.pad, y + (height - inner) / 2, room, inner + metrics.descent()),
                           int(align | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap), text)
                p.restore()
            else:
                shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
                p.drawText(QRectF(x + face.pad, y, room, height), int(align | Qt.AlignmentFlag.AlignVCenter), shown)
            x += width


def _draw(tables: Sequence[ReportTable], path: str, shop_name: str, printed_at: _dt.datetime) -> int:
    open(path, "xb").close()  # the operating system's own error for a folder that is not there or not writable
    writer = QPdfWriter(path)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                                     QPageLayout.Unit.Millimeter))
    writer.setResolution(RESOLUTION)
    writer.setTitle(tables[0].title if tables else tr(C, "Laporan"))
    writer.setCreator("Pulsa")
    painter = QPainter(writer)
    if not painter.isActive():
        raise OSError(tr(C, "File PDF tidak bisa dibuat: {path}").format(path=path))
    try:
        drawer = _Drawer(writer, painter, tables, shop_name, printed_at)
        pages = paginate(tables, drawer.heights())
        drawer.draw(pages)
    finally:
        painter.end()
    del painter, writer  # the file is complete once the writer is gone, on this thread
    return len(pages)


def write_pdf(tables: Sequence[ReportTable], path: str | os.PathLike, *, shop_name: str,
              printed_at: _dt.datetime) -> Path:
    """Draw `tables` into a printable A4 PDF at `path` (written whole or not at all). Needs a
    QGuiApplication; may run on any thread."""
    return write_atomically(path, lambda temp: _draw(tables, temp, shop_name, printed_at))


add_english(C, {
    "Laporan": "Report",
    "File PDF tidak bisa dibuat: {path}": "The PDF file cannot be created: {path}",
    "Tanggal: {day}, {date}": "Date: {day}, {date}",
    "Periode: {start} s/d {end}": "Period: {start} to {end}",
    "Dicetak {when}": "Printed {when}",
    "Halaman {n} dari {total}": "Page {n} of {total}",
    "{title} (lanjutan)": "{title} (continued)",
    "Senin": "Monday", "Selasa": "Tuesday", "Rabu": "Wednesday", "Kamis": "Thursday", "Jumat": "Friday",
    "Sabtu": "Saturday", "Minggu": "Sunday",
})
