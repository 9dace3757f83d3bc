"""Report exports (app.exports): XLSX read back with openpyxl — one sheet per table, a title row, the
header, numbers that stay integers and equal the report's, the totals row bold, formula-like text kept
as text — the CSV of several tables, files written whole or not at all, the recap "book"; and the
`main.py report` command lines that write them (recap xlsx, stock, mutasi, the error exits)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from app import exports, reports
from app.report_table import ReportTable, to_csv, to_text
from app.reports import RecapBy

from .test_reports import JUNE_1, JUNE_30, generate_orders

ROOT = Path(__file__).resolve().parents[2]
JUNE_15 = dt.date(2026, 6, 15)
HAS_STOCK = exports.stock_books() is not None
HAS_MUTASI = hasattr(reports, "mutasi")


@pytest.fixture
def month(db):
    from app.demo import seed_demo

    seed_demo()
    return generate_orders(count=300)


def _table(rows, total=None, title="Uji, 01/06/2026 s/d 30/06/2026") -> ReportTable:
    return ReportTable(title=title, start=JUNE_1, end=JUNE_30, columns=("Nama", "Jumlah", "Rupiah"), rows=rows,
                       total=total, money=frozenset({2}))


def _values(sheet) -> list[tuple]:
    return [tuple(c.value for c in row) for row in sheet.iter_rows()]


# --- XLSX ----------------------------------------------------------------------------------------------

def test_xlsx_has_a_sheet_per_table_with_numbers_equal_to_the_report(month, tmp_path):
    tables = [reports.recap_table(reports.recap(JUNE_1, JUNE_30, by))
              for by in (RecapBy.PRODUCT, RecapBy.OPERATOR, RecapBy.HOUR)]
    path = exports.to_xlsx(tables, tmp_path / "rekap.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Rekap per produk", "Rekap per operator", "Rekap per jam"]
    for table, sheet in zip(tables, book.worksheets):
        values = _values(sheet)
        assert values[0][0] == table.title and sheet["A1"].font.b
        assert values[1] == table.columns
        assert all(cell.font.b for cell in sheet[2])
        body = values[2:2 + len(table.rows)]
        assert body == [tuple(row) for row in table.rows]
        for row in sheet.iter_rows(min_row=3, max_row=2 + len(table.rows)):
            for i, cell in enumerate(row[1:], start=1):
                assert type(cell.value) is int, (cell.coordinate, cell.value)
                assert cell.number_format == ("#,##0" if i in table.money else "General")
        total_row = sheet[3 + len(table.rows)]
        assert tuple(c.value for c in total_row) == table.total
        assert all(c.font.b for c in total_row)
        assert len(values) == 3 + len(table.rows)  # nothing after the totals
        assert sheet.freeze_panes == "A3"  # the title and the header stay in view
        for i, title in enumerate(table.columns):
            width = sheet.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width
            longest = max(len(title), *(len(f"{row[i]:,}" if isinstance(row[i], int) else str(row[i]))
                                        for row in (*table.rows, table.total)))
            assert width >= longest, (title, width)
    # the sums in the sheet are the recap's own
    operator = reports.recap(JUNE_1, JUNE_30, RecapBy.OPERATOR)
    sheet = book["Rekap per operator"]
    assert sum(sheet.cell(row=r, column=7).value for r in range(3, 3 + len(operator.lines))) == operator.total.sales
    profit_column = reports.COLUMN_TITLES.index("Laba") + 1
    assert sheet.cell(row=3 + len(operator.lines), column=profit_column).value == operator.total.profit


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    tricky = ("=HYPERLINK(\"http://x\",\"klik\")", "+6281234", "-5", "@SUM(A1)", "0812345678", "http://contoh.id",
              "1e5", " =1+1")
    table = _table(tuple((text, n, 1000 * n) for n, text in enumerate(tricky, start=1)),
                   total=("TOTAL", 36, 36_000))
    path = exports.to_xlsx([table], tmp_path / "aneh.xlsx")
    sheet = openpyxl.load_workbook(path).active
    for n, text in enumerate(tricky, start=3):
        cell = sheet.cell(row=n, column=1)
        assert cell.value == text and cell.data_type == "s", text
        assert sheet.cell(row=n, column=3).value == 1000 * (n - 2)
    with zipfile.ZipFile(path) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no formula anywhere
        assert "<hyperlink" not in sheet_xml  # and no link made of the URL


def test_sheet_names_are_valid_and_unique(tmp_path):
    taken: set[str] = set()
    names = [exports.sheet_name(t, taken) for t in (
        "Rekap per produk, 01/06/2026 s/d 30/06/2026", "Rekap per produk, 01/07/2026 s/d 31/07/2026",
        "rekap PER produk", "Mutasi R001 (Budi [Toko]: Jakarta/Selatan?*)", "'kutip'", "",
        "Rekonsiliasi stok chip yang sangat panjang sekali namanya, 15/06/2026")]
    assert names[0] == "Rekap per produk"
    assert names[1] == "Rekap per produk (2)" and names[2] == "rekap PER produk (3)"  # Excel ignores case
    assert names[3] == "Mutasi R001 (Budi -Toko-- Jakar"
    assert names[4] == "kutip" and names[5] == "Laporan"
    assert all(len(n) <= 31 for n in names) and len({n.lower() for n in names}) == len(names)
    assert not any(ch in n for n in names for ch in "[]:*?/\\")
    tables = [_table((("a", 1, 2),), title=t) for t in ("x" * 40, "x" * 40, "x" * 40)]
    book = openpyxl.load_workbook(exports.to_xlsx(tables, tmp_path / "nama.xlsx"))
    assert book.sheetnames == ["x" * 31, "x" * 27 + " (2)", "x" * 27 + " (3)"]


def test_an_empty_report_says_so(tmp_path):
    table = _table(())
    sheet = openpyxl.load_workbook(exports.to_xlsx([table], tmp_path / "kosong.xlsx")).active
    assert _values(sheet)[:3] == [(table.title, None, None), table.columns, (table.empty_text, None, None)]


# --- CSV and files ---------------------------------------------------------------------------------------

def test_csv_of_several_tables_one_after_another(month, tmp_path):
    first = reports.recap_table(reports.recap(JUNE_1, JUNE_30, RecapBy.OPERATOR))
    second = reports.recap_table(reports.recap(JUNE_1, JUNE_30, RecapBy.SUPPLIER))
    one = exports.write_report([first], "csv", tmp_path / "satu.csv")
    assert one.read_text(encoding="utf-8") == to_csv(first)  # a one-table file is exactly the table's CSV
    both = exports.write_report([first, second], "csv", tmp_path / "dua.csv").read_text(encoding="utf-8")
    assert both == to_csv(first) + "\n" + to_csv(second)
    blocks = both.split("\n\n")
    assert len(blocks) == 2
    for block, table in zip(blocks, (first, second)):
        rows = list(csv.reader(io.StringIO(block)))
        assert rows[0] == ["Dari", "Sampai", *table.columns]
        assert rows[-1][2] == "TOTAL" and int(rows[-1][-1]) == table.total[-1]
        assert all(row[:2] == ["2026-06-01", "2026-06-30"] for row in rows[1:])
    text = exports.write_report([first, second], "table", tmp_path / "dua.txt").read_text(encoding="utf-8")
    assert text == to_text(first) + "\n" + to_text(second)


def test_a_failed_export_leaves_no_half_file(tmp_path, monkeypatch):
    target = tmp_path / "rekap.xlsx"
    target.write_bytes(b"the older export")
    table = _table((("a", 1, 2),))

    def broken(tables, path):
        Path(path).write_bytes(b"PK half")
        raise OSError("disk full")

    monkeypatch.setattr(exports, "_xlsx_to", broken)
    with pytest.raises(OSError, match="disk full"):
        exports.write_report([table], "xlsx", target)
    assert target.read_bytes() == b"the older export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rekap.xlsx"]  # no temporary file left
    with pytest.raises(OSError):
        exports.write_report([table], "csv", tmp_path / "no-such-folder" / "x.csv")
    with pytest.raises(ValueError):
        exports.write_report([table], "pdf", tmp_path / "x.pdf")  # drawn with Qt: ui.report_pdf
    with pytest.raises(ValueError):
        exports.write_report([table], "ods", tmp_path / "x.ods")


# --- what a report holds -----------------------------------------------------------------------------------

def test_the_daily_recap_and_the_recap_book(month):
    day = dt.date(2026, 6, 30)
    daily = exports.daily_recap_tables(day)
    titles = [t.title.split(",")[0] for t in daily]
    assert titles[:3] == ["Rekap per produk", "Rekap per operator", "Rekap per jam"]
    assert len(daily) == (4 if HAS_STOCK else 3)
    if HAS_STOCK:
        books = exports.stock_books()
        assert daily[3] == books.stock_table(books.stock_report(day))
    assert daily[0] == reports.recap_table(reports.recap(day, day, RecapBy.PRODUCT))
    assert all((t.start, t.end) == (day, day) for t in daily)
    book = exports.recap_book(JUNE_1, JUNE_30, "reseller")
    assert [t.title.split(",")[0] for t in book] == ["Rekap per reseller", "Rekap per produk", "Rekap per operator",
                                                     "Rekap per jam"]  # no stock for a range of days
    shown = reports.recap_table(reports.recap(JUNE_1, JUNE_30, RecapBy.HOUR))
    book = exports.recap_book(JUNE_1, JUNE_30, RecapBy.HOUR, first_table=shown)
    assert book[0] is shown and [t.title.split(",")[0] for t in book[1:]] == ["Rekap per produk",
                                                                             "Rekap per operator"]


# --- the command line ----------------------------------------------------------------------------------------

def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PULSA_NO_BOOTSTRAP="1", QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=90)


@pytest.fixture(scope="module")
def shop_file(tmp_path_factory):
    """A demo shop with a month of orders and some ledger history of R001 in June, made once."""
    from app import ledger
    from storage.db import close_database, open_database
    from storage.models import database_proxy

    folder = tmp_path_factory.mktemp("cli")
    db = str(folder / "shop.db")
    seeded = run("--data-dir", str(folder), "--db", db, "seed-demo")
    assert seeded.returncode == 0, seeded.stderr
    open_database(db)
    try:
        generate_orders(count=150)
        r001 = reports.find_reseller("R001") if HAS_MUTASI else None
        if r001 is not None:
            with database_proxy.obj.atomic():
                for day, delta in ((3, 200_000), (10, -5_150), (10, -10_150), (20, 50_000)):
                    ledger.post(r001, delta, ledger.LedgerKind.DEPOSIT if delta > 0 else ledger.LedgerKind.CORRECTION,
                                note=f"uji {day}", actor="test", now=dt.datetime(2026, 6, day, 9, 30))
    finally:
        close_database()
    return folder, db


@pytest.fixture
def shop_db(shop_file):
    from storage.db import close_database, open_database

    open_database(shop_file[1])
    yield shop_file
    close_database()


def cli(shop, *args: str) -> subprocess.CompletedProcess:
    folder, db = shop
    return run("--data-dir", str(folder), "--db", db, "report", *args)


def test_report_recap_xlsx_is_the_book_of_the_period(shop_db, tmp_path):
    out = tmp_path / "rekap juni.xlsx"
    done = cli(shop_db, "recap", "--from", "2026-06-01", "--to", "2026-06-30", "--by", "supplier", "--format", "xlsx",
               "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Rekap ditulis ke {out.resolve()}"
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Rekap per supplier", "Rekap per produk", "Rekap per operator", "Rekap per jam"]
    expected = reports.recap(JUNE_1, JUNE_30, RecapBy.SUPPLIER)
    sheet = book["Rekap per supplier"]
    assert [c.value for c in sheet[3 + len(expected.lines)]] == list(reports.recap_table(expected).total)


def test_report_recap_format_errors(shop_file, tmp_path):
    for fmt in ("xlsx", "pdf"):
        missing = cli(shop_file, "recap", "--from", "2026-06-01", "--to", "2026-06-30", "--format", fmt)
        assert missing.returncode == 2 and not missing.stdout
        assert f"Format {fmt} ditulis ke file: tambahkan --out" in missing.stderr
    unknown = cli(shop_file, "recap", "--from", "2026-06-01", "--to", "2026-06-30", "--format", "ods")
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr
    unwritable = cli(shop_file, "recap", "--from", "2026-06-01", "--to", "2026-06-30", "--format", "csv",
                     "--out", str(tmp_path / "no-such-folder" / "x.csv"))
    assert unwritable.returncode == 1 and "Gagal menulis" in unwritable.stderr


@pytest.mark.skipif(not HAS_STOCK, reason="app.stock_books is not there yet")
def test_report_stock(shop_db, tmp_path):
    books = exports.stock_books()
    shown = cli(shop_db, "stock", "--date", "2026-06-15")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == exports.tables_text(exports.stock_tables(JUNE_15))
    out = tmp_path / "stok.csv"
    one = cli(shop_db, "stock", "--date", "2026-06-15", "--chip", "tsel-1", "--format", "csv", "--out", str(out))
    assert one.returncode == 0, one.stderr
    from storage.models import Supplier

    tsel = Supplier.get(Supplier.name == "chip tsel-1").id
    report = books.stock_report(JUNE_15, tsel)
    assert out.read_text(encoding="utf-8") == to_csv(books.stock_table(report)) + "\n" + to_csv(
        books.differences_table(report))
    assert "Laporan stok ditulis ke" in one.stdout
    unknown = cli(shop_db, "stock", "--date", "2026-06-15", "--chip", "tidak-ada")
    assert unknown.returncode == 2 and "Chip 'tidak-ada' tidak dikenal" in unknown.stderr
    assert "chip tsel-1" in unknown.stderr
    bad = cli(shop_db, "stock", "--date", "15-06-2026")
    assert bad.returncode == 2 and "Tanggal --date tidak valid" in bad.stderr and not bad.stdout


@pytest.mark.skipif(not HAS_MUTASI, reason="app.reports.mutasi is not there yet")
def test_report_mutasi(shop_db, tmp_path):
    r001 = reports.find_reseller("R001")
    statement = reports.mutasi_table(reports.mutasi(r001, JUNE_1, JUNE_30))
    assert len(statement.rows) >= 5  # the opening row and the four changes made for this test
    shown = cli(shop_db, "mutasi", "R001", "--from", "2026-06-01", "--to", "2026-06-30")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == to_text(statement)
    out = tmp_path / "mutasi.xlsx"
    written = cli(shop_db, "mutasi", "r001", "--from", "2026-06-01", "--to", "2026-06-30", "--format", "xlsx",
                  "--out", str(out))
    assert written.returncode == 0, written.stderr
    assert written.stdout.strip() == f"Mutasi R001 ditulis ke {out.resolve()}"
    sheet = openpyxl.load_workbook(out).active
    assert [c.value for c in sheet[2]] == list(statement.columns)
    assert [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=3, max_row=2 + len(statement.rows))] == [
        tuple(row) for row in statement.rows]
    csv_text = cli(shop_db, "mutasi", "R001", "--from", "2026-06-01", "--to", "2026-06-30", "--format", "csv")
    assert csv_text.returncode == 0 and csv_text.stdout == to_csv(statement)
    unknown = cli(shop_db, "mutasi", "R999", "--from", "2026-06-01", "--to", "2026-06-30")
    assert unknown.returncode == 2 and "Reseller 'R999' tidak ditemukan" in unknown.stderr and not unknown.stdout
    backwards = cli(shop_db, "mutasi", "R001", "--from", "2026-06-30", "--to", "2026-06-01")
    assert backwards.returncode == 2 and "sebelum" in backwards.stderr
