#!/usr/bin/env python3
"""Benchmark: a day's chip stock reconciliation (app.stock_books) on a million orders.

    .venv/bin/python benchmarks/bench_stock_books.py                  # builds a 1,000,000-order database
    .venv/bin/python benchmarks/bench_stock_books.py --db /tmp/sb.db  # reuses one built by this script

The database is benchmarks/make_big_db.py's (orders over 60 days, five suppliers), plus what the
engine writes beside them: one attempt per order that reached a supplier (started when the order was
made, with a typical operator answer) and one stock reading per successful order (the balance in its
answer). Prints the time of `stock_report(day)` for all chips of one full day, of one chip, and the
same without the attempt (supplier_id, started_at) index, to show why schema v8 adds it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DAY = dt.date(2026, 6, 14)  # the last full day of make_big_db's orders
INDEX = "attempt_supplier_id_started_at"


def build(path: Path, orders: int) -> None:
    from benchmarks.make_big_db import build as build_orders

    took = build_orders(path, orders)
    started = time.perf_counter()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -400000")
    con.execute("BEGIN")
    con.execute(
        "INSERT INTO attempt (order_id, supplier_id, started_at, finished_at, request, response, outcome, sn, "
        "trxid, reason) SELECT id, supplier_id, created_at, COALESCE(finished_at, created_at), '*777*…*****#', "
        "'29/11/26 14:05 Isi ulang 10.000 ke 6281234567890 BERHASIL. SN:41029384754102938475. Sisa stok "
        "1.234.500. TrxID:4102938475', CASE status WHEN 'suspect' THEN 'unknown' ELSE status END, sn, '', '' "
        'FROM "order" WHERE supplier_id IS NOT NULL ORDER BY id')
    con.execute(
        "INSERT INTO stock_entry (supplier_id, at, kind, amount, note, actor) "
        "SELECT supplier_id, finished_at, 'reading', 1000000000 - SUM(cost) OVER (PARTITION BY supplier_id "
        "ORDER BY id), '', 'system' FROM \"order\" WHERE status = 'success' ORDER BY id")
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode = WAL")
    con.close()
    print(f"built {orders:,} orders in {took:.0f} s, attempts and readings in {time.perf_counter() - started:.0f} s")


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path)
    p.add_argument("--orders", type=int, default=1_000_000)
    args = p.parse_args()
    path = args.db or Path(tempfile.mkdtemp(prefix="pulsa-stock-")) / "big.db"
    if not path.exists():
        build(path, args.orders)
    from app import keyfile
    from app import stock_books
    from storage.db import close_database, open_database

    keyfile.use_key_file(path.parent / keyfile.KEY_FILE_NAME)
    db = open_database(path)
    try:
        chips = db.execute_sql("SELECT COUNT(*) FROM supplier").fetchone()[0]
        attempts = db.execute_sql("SELECT COUNT(*) FROM attempt").fetchone()[0]
        readings = db.execute_sql("SELECT COUNT(*) FROM stock_entry").fetchone()[0]
        print(f"{path}: {chips} suppliers, {attempts:,} attempts, {readings:,} readings")
        took, report = timed(lambda: stock_books.stock_report(DAY))
        sold = sum(c.sold_count for c in report.chips)
        print(f"stock_report({DAY}), all {len(report.chips)} chips, {sold:,} sales: {took * 1000:.0f} ms (median of 5)")
        one = report.chips[0].supplier_id
        took, _ = timed(lambda: stock_books.stock_report(DAY, one))
        print(f"one chip: {took * 1000:.0f} ms")
        took, _ = timed(lambda: (stock_books.stock_table(report), stock_books.differences_table(report)))
        print(f"both tables: {took * 1000:.1f} ms")
        sql = db.execute_sql("SELECT sql FROM sqlite_master WHERE name = ?", (INDEX,)).fetchone()
        if sql:
            with db.atomic() as transaction:  # dropped for the measurement only
                db.execute_sql(f'DROP INDEX "{INDEX}"')
                took, _ = timed(lambda: stock_books.stock_report(DAY), repeat=1)
                print(f"all chips without the attempt (supplier_id, started_at) index: {took * 1000:.0f} ms")
                transaction.rollback()
    finally:
        close_database()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
