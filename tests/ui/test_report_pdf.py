"""The printable PDF (ui.report_pdf): a real PDF of the right number of A4 pages, the shop, the title,
the period, grouped rupiah, the header again on every page a table continues on, page numbers; drawn
on a worker thread as the window does; the layout rules on their own; and `main.py report recap
--format pdf` (the daily recap)."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app import exports, reports
from app.report_table import ReportTable
from app.reports import RecapBy
from tests.ui.pdf_text import page_count, page_texts
from ui.report_pdf import Heights, paginate, write_pdf

ROOT = Path(__file__).resolve().parents[2]
DAY = dt.date(2026, 6, 15)
PRINTED = dt.datetime(2026, 6, 16, 8, 5)
COLUMNS = ("Kunci", "Trx", "Sukses", "Gagal", "Suspect", "Proses", "Omzet", "Modal", "Laba")


def _recap_like(n: int, title: str = "Rekap per produk, 15/06/2026 s/d 15/06/2026", key: str = "P") -> ReportTable:
    rows = tuple((f"{key}{i:03d}", i, i, 0, 0, 0, 1_250_000 * i, 1_200_000 * i, 50_000 * i) for i in range(1, n + 1))
    total = ("TOTAL", sum(r[1] for r in rows), sum(r[2] for r in rows), 0, 0, 0, sum(r[6] for r in rows),
             sum(r[7] for r in rows), sum(r[8] for r in rows))
    return ReportTable(title=title, start=DAY, end=DAY, columns=COLUMNS, rows=rows, total=total,
                       money=frozenset({6, 7, 8}))


def _nospace(text: str) -> str:
    return "".join(text.split())


def test_a_short_report_is_one_page_with_shop_title_period_and_totals(qapp, tmp_path):
    table = _recap_like(3)
    path = write_pdf([table], tmp_path / "rekap.pdf", shop_name="Toko Pulsa Maju", printed_at=PRINTED)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert page_count(path) == 1
    (text,) = page_texts(path)
    for expected in ("Toko Pulsa Maju", "Dicetak 16/06/2026 08:05", table.title, "Tanggal: Senin, 15/06/2026",
                     "Kunci", "Omzet", "P003", "3.750.000", "TOTAL", "7.500.000", "300.000", "Halaman 1 dari 1"):
        assert _nospace(expected) in text, expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rekap.pdf"]  # no temporary file left


def test_a_long_table_runs_over_pages_with_its_header_on_each(qapp, tmp_path):
    table = _recap_like(150)
    path = write_pdf([table, _recap_like(2, "Rekap per operator, 15/06/2026 s/d 15/06/2026", "X")],
                     tmp_path / "panjang.pdf", shop_name="Toko", printed_at=PRINTED)
    pages = page_texts(path)
    assert len(pages) == page_count(path) >= 4
    header = _nospace("".join(COLUMNS))
    for number, text in enumerate(pages, start=1):
        assert f"Halaman{number}dari{len(pages)}" in text
        assert text.startswith("Toko")  # the running head on every page
    with_rows = [n for n, text in enumerate(pages) if re.search(r"P\d{3}", text)]
    assert with_rows == list(range(len(with_rows))) and len(with_rows) >= 3
    for n in with_rows[1:]:  # each page the table continues on: its title (continued) and its header first
        assert pages[n].index(_nospace(table.title) + "(lanjutan)") < pages[n].index(header) < pages[n].index("P")
    assert "(lanjutan)" not in pages[0] and header in pages[0]
    # every row exactly once, in order, over the pages
    joined = "".join(pages)
    positions = [joined.index(f"P{i:03d}") for i in range(1, 151)]
    assert positions == sorted(positions)
    assert all(joined.count(f"P{i:03d}") == 1 for i in range(1, 151))
    assert "Rekapperoperator" in pages[-1] and _nospace("TOTAL") in pages[-1]


def test_drawn_on_a_worker_thread(qapp, tmp_path):
    """The window writes its PDFs on the query threads: Qt allows QPainter on a QPdfWriter there."""
    done: list[object] = []

    def work():
        try:
            done.append(write_pdf([_recap_like(30)], tmp_path / "thread.pdf", shop_name="Toko", printed_at=PRINTED))
        except Exception as exc:  # reported to the test below
            done.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(60)
    assert done and isinstance(done[0], Path), done
    assert page_count(done[0]) == 1 and "P030" in page_texts(done[0])[0]


def test_empty_and_wide_tables(qapp, tmp_path):
    empty = ReportTable(title="Rekap per jam, 15/06/2026 s/d 15/06/2026", start=DAY, end=DAY, columns=COLUMNS,
                        rows=(), total=None, money=frozenset({6, 7, 8}), empty_text="(tidak ada transaksi)")
    note = "Trx 123 S10 ke 081234567890 gagal di server tapi mungkin terkirim oleh operator; " * 6
    wide = ReportTable(title="Selisih stok chip, 15/06/2026", start=DAY, end=dt.date(2026, 6, 16),
                       columns=("Chip", "Dari", "Sampai", "Perubahan seharusnya", "Perubahan dilaporkan", "Selisih",
                                "TrxID", "Kemungkinan penyebab"),
                       rows=(("chip tsel-1", "10:00:00", "11:00:00", -10_150, -20_150, -10_000, "123, 456", note),),
                       money=frozenset({3, 4, 5}))
    path = write_pdf([empty, wide], tmp_path / "lebar.pdf", shop_name="Toko", printed_at=PRINTED)
    (text,) = page_texts(path)
    assert "(tidakadatransaksi)" in text
    assert "Periode:15/06/2026s/d16/06/2026" in text
    for cell in ("chiptsel-1", "10:00:00", "-10.150", "-20.150", "-10.000", "123,456", "Trx123S10"):
        assert cell in text, cell  # the short cells whole; the long note wraps (cut short after a few lines)
    assert "…" in text


def test_an_unwritable_path_is_an_error_and_leaves_nothing(qapp, tmp_path):
    with pytest.raises(OSError):
        write_pdf([_recap_like(1)], tmp_path / "no-such-folder" / "x.pdf", shop_name="Toko", printed_at=PRINTED)
    assert list(tmp_path.iterdir()) == []


# --- the layout rules ----------------------------------------------------------------------------------

def _table(n: int, total: bool = True) -> ReportTable:
    return ReportTable(title="t", start=DAY, end=DAY, columns=("a",), rows=tuple((str(i),) for i in range(n)),
                       total=("TOTAL",) if total else None)


H = Heights(page=100, title=10, continued=5, header=5, row=5, gap=10)


def test_paginate_repeats_the_header_and_never_leaves_a_title_alone():
    pages = paginate([_table(30)], H)
    # page 1: title 10 + header 5 + 17 rows; then continued 5 + header 5 + 18 rows; the last row and total
    assert [len([p for p in page if p.kind == "row"]) for page in pages] == [17, 13]
    assert [p.kind for p in pages[1][:2]] == ["continued", "header"]
    assert pages[-1][-1].kind == "total"
    assert all(p.y + 5 <= H.page for page in pages for p in page)
    # a second table whose title, header and first row do not fit starts on a new page
    pages = paginate([_table(16, total=False), _table(2)], H)
    assert [p.kind for p in pages[0]][-1] == "row" and [p.kind for p in pages[1]][:3] == ["title", "header", "row"]
    # an empty table has its note; tall rows push to the next page
    pages = paginate([_table(0, total=False)], H)
    assert [p.kind for p in pages[0]] == ["title", "header", "empty"]
    tall = Heights(page=100, title=10, continued=5, header=5, row=5, gap=10, rows=((40, 40, 5),), headers=(8,))
    pages = paginate([_table(3, total=False)], tall)
    assert [[p.kind for p in page] for page in pages] == [["title", "header", "row", "row"],
                                                         ["continued", "header", "row"]]
    assert pages[0][1].y == 10 and pages[0][2].y == 18  # the table's own header height


# --- the command line: the daily recap as PDF --------------------------------------------------------------

def test_report_recap_pdf_command(tmp_path):
    from storage.db import close_database, open_database
    from tests.app.test_reports import generate_orders

    env = dict(os.environ, PULSA_NO_BOOTSTRAP="1")
    env.pop("QT_QPA_PLATFORM", None)  # the command picks the offscreen platform itself
    env.pop("DISPLAY", None)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "main.py"), "--data-dir", str(tmp_path), "--db", db, *args],
                              cwd=ROOT, capture_output=True, text=True, env=env, timeout=90)

    db = str(tmp_path / "shop.db")
    assert run("seed-demo").returncode == 0
    open_database(db)
    try:
        generate_orders(count=200)
        day = dt.date(2026, 6, 30)
        daily = exports.daily_recap_tables(day)
        by_operator = reports.recap(day, day, RecapBy.OPERATOR)
    finally:
        close_database()
    out = tmp_path / "rekap-harian.pdf"
    done = run("report", "recap", "--from", "2026-06-30", "--to", "2026-06-30", "--format", "pdf", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Rekap ditulis ke {out.resolve()}"
    text = "".join(page_texts(out))
    assert text.startswith("Pulsa")  # the demo shop's site name heads the page
    for table in daily:
        assert _nospace(table.title) in text
    assert f"TOTAL{by_operator.total.orders}" in text
    assert _nospace(f"{by_operator.total.profit:,}".replace(",", ".")) in text
    missing = run("report", "recap", "--from", "2026-06-30", "--to", "2026-06-30", "--format", "pdf")
    assert missing.returncode == 2 and "tambahkan --out" in missing.stderr and not out.with_name("x").exists()
