"""The books (app.reports): recaps over a date range by product, operator, reseller, supplier and hour,
checked against figures counted in Python from the same generated month of orders; the CSV; and
`main.py report recap` as the shop owner runs it. The SQL runs on SQLite and PostgreSQL (`any_db`)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from app import reports
from app.queries import log as q
from app.queries.log import LogFilter
from app.reports import RecapBy, RecapLine
from app.report_table import to_csv, to_text
from storage import sql
from storage.models import Order, Supplier, database_proxy

from .query_dbs import any_db  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
JUNE_1 = dt.date(2026, 6, 1)
JUNE_30 = dt.date(2026, 6, 30)
STATUSES = ("success", "failed", "suspect", "queued", "sending")


@dataclass(frozen=True)
class Made:
    """One generated order, with the names the recap keys on."""

    created_at: dt.datetime
    reseller_id: int
    reseller: str
    product: str
    operator: str
    supplier: str
    status: str
    price: int
    cost: int | None


def _edge_times() -> list[dt.datetime]:
    """The first and last instants inside June and the nearest ones outside it."""
    return [dt.datetime(2026, 5, 31, 23, 59, 59, 999_999), dt.datetime(2026, 6, 1),
            dt.datetime(2026, 6, 30, 23, 59, 59, 999_999), dt.datetime(2026, 7, 1)]


def generate_orders(count: int = 800, seed: int = 20260601) -> list[Made]:
    """A month of orders straight into the table: every status, all resellers, many products, two
    suppliers and none, the cost sometimes unknown, at any hour of June (and a few just outside)."""
    rng = random.Random(seed)
    products = sql.all_rows("SELECT id, code, operator, nominal FROM product ORDER BY id")
    resellers = sql.all_rows("SELECT id, code FROM reseller ORDER BY id")
    suppliers = [(None, reports.NO_SUPPLIER)] + [
        (Supplier.create(name=name, kind="ussd_chip").id, name) for name in ("chip tsel-1", "chip isat-1")]
    times = _edge_times() + [
        dt.datetime(2026, 6, 1) + dt.timedelta(days=rng.randrange(30), hours=rng.randrange(24),
                                               minutes=rng.randrange(60), seconds=rng.randrange(60),
                                               microseconds=rng.choice((0, rng.randrange(1_000_000))))
        for _ in range(count - 4)]
    made: list[Made] = []
    rows: list[dict] = []
    for at in times:
        product_id, code, operator, nominal = rng.choice(products)
        reseller_id, reseller = rng.choice(resellers)
        supplier_id, supplier = rng.choice(suppliers)
        status = rng.choices(STATUSES, weights=(60, 15, 8, 10, 7))[0]
        price = nominal + rng.randrange(200, 1_200)
        cost = None if rng.random() < 0.2 else nominal + rng.randrange(0, 400)
        made.append(Made(at, reseller_id, reseller, code, operator, supplier, status, price, cost))
        rows.append(dict(reseller=reseller_id, product=product_id, dest=f"0813{rng.randrange(10**8):08d}",
                         price=price, cost=cost, status=status, supplier=supplier_id, created_at=at, updated_at=at))
    with database_proxy.obj.atomic():
        for start in range(0, len(rows), 200):
            Order.insert_many(rows[start:start + 200]).execute()
    return made


KEYS: dict[RecapBy, Callable[[Made], str]] = {
    RecapBy.PRODUCT: lambda m: m.product,
    RecapBy.OPERATOR: lambda m: m.operator,
    RecapBy.RESELLER: lambda m: m.reseller,
    RecapBy.SUPPLIER: lambda m: m.supplier,
    RecapBy.HOUR: lambda m: f"{m.created_at.hour:02d}",
}


def expected_lines(made: list[Made], by: RecapBy, start: dt.date, end: dt.date,
                   reseller_id: int | None = None) -> dict[str, RecapLine]:
    """The recap counted in Python, one order at a time."""
    lines: dict[str, dict[str, int]] = {}
    for m in made:
        if not start <= m.created_at.date() <= end or reseller_id not in (None, m.reseller_id):
            continue
        f = lines.setdefault(KEYS[by](m), dict.fromkeys(("orders", *STATUSES, "sales", "cost"), 0))
        f["orders"] += 1
        f[m.status] += 1
        if m.status == "success":
            f["sales"] += m.price
            f["cost"] += m.price if m.cost is None else m.cost
    return {key: RecapLine(key, f["orders"], f["success"], f["failed"], f["suspect"], f["queued"] + f["sending"],
                           f["sales"], f["cost"]) for key, f in lines.items()}


def assert_matches(recap: reports.Recap, expected: dict[str, RecapLine]) -> None:
    assert [line.key for line in recap.lines] == sorted(expected)
    assert {line.key: line for line in recap.lines} == expected
    fields = ("orders", "success", "failed", "suspect", "open", "sales", "cost")
    for name in fields:
        assert getattr(recap.total, name) == sum(getattr(line, name) for line in expected.values()), name
        assert type(getattr(recap.total, name)) is int
    assert recap.total.key == reports.TOTAL_KEY
    assert recap.total.profit == recap.total.sales - recap.total.cost


@pytest.fixture
def month(any_db):  # noqa: F811
    from app.demo import seed_demo

    seed_demo()
    return generate_orders()


@pytest.mark.parametrize("by", list(RecapBy))
def test_every_grouping_matches_the_orders_counted_one_by_one(month, by):
    recap = reports.recap(JUNE_1, JUNE_30, by)
    assert (recap.start, recap.end, recap.by) == (JUNE_1, JUNE_30, by)
    expected = expected_lines(month, by, JUNE_1, JUNE_30)
    assert_matches(recap, expected)
    assert recap.total.orders == len(month) - 2  # the two orders just outside June are left out
    if by is RecapBy.HOUR:
        assert all(len(line.key) == 2 and 0 <= int(line.key) <= 23 for line in recap.lines)
    if by is RecapBy.SUPPLIER:
        assert reports.NO_SUPPLIER in {line.key for line in recap.lines}


def test_the_groupings_share_one_total(month):
    totals = {by: reports.recap(JUNE_1, JUNE_30, by).total for by in RecapBy}
    assert len(set(totals.values())) == 1


def test_total_agrees_with_the_transaction_log(month):
    """The recap's totals are the log footer's for the same range, cost and profit included: both
    count an unknown cost as the price (no profit claimed), as the log's profit column does."""
    total = reports.recap(JUNE_1, JUNE_30).total
    logged = q.totals(LogFilter(date_from=dt.datetime(2026, 6, 1), date_to=dt.datetime(2026, 7, 1)))
    assert (total.orders, total.success, total.sales) == (logged.count, logged.success, logged.sales)
    assert any(m.status == "success" and m.cost is None for m in month)  # the case that once differed
    assert (total.cost, total.profit) == (logged.cost, logged.profit)
    rows = q.rows_in_order(q.matching_ids(LogFilter(date_from=dt.datetime(2026, 6, 1),
                                                    date_to=dt.datetime(2026, 7, 1))))
    assert total.profit == sum((r.price - (r.cost if r.cost is not None else r.price)) for r in rows
                               if r.status == "success")


def test_a_single_day(month):
    day = dt.date(2026, 6, 30)
    for by in (RecapBy.PRODUCT, RecapBy.HOUR):
        recap = reports.recap(day, day, by)
        assert_matches(recap, expected_lines(month, by, day, day))
        assert recap.total.orders > 0
    first = reports.recap(JUNE_1, JUNE_1, RecapBy.HOUR)
    assert first.lines[0].key == "00"  # the order at 00:00:00 sharp counts on its own day


def test_one_resellers_recap(month):
    r003 = sql.one("SELECT id FROM reseller WHERE code = 'R003'")[0]
    for by in RecapBy:
        recap = reports.recap(JUNE_1, JUNE_30, by, reseller_id=r003)
        assert_matches(recap, expected_lines(month, by, JUNE_1, JUNE_30, r003))
    by_reseller = reports.recap(JUNE_1, JUNE_30, RecapBy.RESELLER, reseller_id=r003)
    assert [line.key for line in by_reseller.lines] == ["R003"]


def test_a_range_without_orders_is_empty(month):
    recap = reports.recap(dt.date(2026, 8, 1), dt.date(2026, 8, 31), RecapBy.OPERATOR)
    assert recap.lines == () and recap.total == RecapLine(reports.TOTAL_KEY)
    assert recap.total.profit == 0
    assert "(tidak ada transaksi)" in to_text(reports.recap_table(recap))
    with pytest.raises(ValueError):
        reports.recap(JUNE_30, JUNE_1)


def test_csv_has_a_header_a_row_per_line_and_the_total(month):
    recap = reports.recap(JUNE_1, JUNE_30, RecapBy.OPERATOR)
    rows = list(csv.reader(io.StringIO(to_csv(reports.recap_table(recap)))))
    assert rows[0] == ["Dari", "Sampai", "Kunci", "Trx", "Sukses", "Gagal", "Suspect", "Proses", "Omzet", "Modal",
                       "Komisi", "Laba"]
    assert len(rows) == len(recap.lines) + 2
    for row, line in zip(rows[1:], (*recap.lines, recap.total)):
        assert row[:3] == ["2026-06-01", "2026-06-30", line.key]
        assert [int(v) for v in row[3:]] == [line.orders, line.success, line.failed, line.suspect, line.open,
                                             line.sales, line.cost, line.commission, line.profit]
    assert rows[-1][2] == "TOTAL"


def test_csv_keeps_a_name_excel_would_run_as_text():
    line = RecapLine("=HYPERLINK(1)", 1, 1, 0, 0, 0, 100, 90)
    recap = reports.Recap(JUNE_1, JUNE_1, RecapBy.SUPPLIER, (line,), line)
    assert list(csv.reader(io.StringIO(to_csv(reports.recap_table(recap)))))[1][2] == '="=HYPERLINK(1)"'


# --- the command line ----------------------------------------------------------------------------

def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PULSA_NO_BOOTSTRAP="1")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=60)


def test_report_recap_command(tmp_path):
    from storage.db import close_database, open_database

    db = str(tmp_path / "shop.db")
    assert run("--data-dir", str(tmp_path), "--db", db, "seed-demo").returncode == 0
    open_database(db)
    try:
        generate_orders(count=120)
        expected = reports.recap(JUNE_1, JUNE_30, RecapBy.OPERATOR)
    finally:
        close_database()

    table = run("--data-dir", str(tmp_path), "--db", db, "report", "recap", "--from", "2026-06-01",
                "--to", "2026-06-30", "--by", "operator")
    assert table.returncode == 0, table.stderr
    header = table.stdout.splitlines()[1].split()
    assert header == ["Kunci", "Trx", "Sukses", "Gagal", "Suspect", "Proses", "Omzet", "Modal", "Komisi", "Laba"]
    total_row = table.stdout.splitlines()[-1].split()
    assert total_row[:2] == ["TOTAL", str(expected.total.orders)]
    assert total_row[-1] == f"{expected.total.profit:,}".replace(",", ".")

    out = tmp_path / "rekap.csv"
    written = run("report", "recap", "--from", "2026-06-01", "--to", "2026-06-30", "--by", "operator",
                  "--format", "csv", "--out", str(out), "--db", db, "--data-dir", str(tmp_path))
    assert written.returncode == 0, written.stderr
    assert out.read_text(encoding="utf-8") == to_csv(reports.recap_table(expected))

    bad = run("--data-dir", str(tmp_path), "--db", db, "report", "recap", "--from", "2026-06-31",
              "--to", "2026-07-01")
    assert bad.returncode == 2 and "Tanggal --from tidak valid" in bad.stderr and not bad.stdout
    backwards = run("--data-dir", str(tmp_path), "--db", db, "report", "recap", "--from", "2026-06-30",
                    "--to", "2026-06-01")
    assert backwards.returncode == 2 and "sebelum" in backwards.stderr
