"""A big shop database for UI benchmarks and tests: the demo shop, 200 more resellers, a few suppliers
and N orders spread over the 60 days before a fixed moment (ids grow with time, as in a real shop).

    .venv/bin/python benchmarks/make_big_db.py /tmp/big.db --orders 1000000

The orders end at `END`, the fixed "now" of the views' tests (tests/ui/big_db.py SHOP_NOW), never at
the wall clock: the same command makes the same database on any day, and a view run on that clock
finds "today's" orders in it.

The schema comes from `storage.db.open_database` (so it is the real one); the orders go in with raw
sqlite3 `executemany` in one transaction, with the order indexes dropped during the load and built
afterwards (faster than keeping them up to date row by row).
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Old orders are settled: a real shop has only a handful queued or sending at any moment, and an engine
# started on thousands of them would spend the benchmark re-dispatching them.
STATUSES = (("success", 0.90), ("failed", 0.07), ("suspect", 0.03))
PREFIXES = {"TSEL": ("0812", "0813", "0852", "0821"), "ISAT": ("0857", "0856", "0815"),
            "XL": ("0817", "0818", "0878"), "AXIS": ("0838", "0831"), "TRI": ("0896", "0895"),
            "SMART": ("0881", "0882")}
EXTRA_RESELLERS = 200
END = dt.datetime(2026, 6, 15, 14, 30, 0)  # = tests/ui/big_db.py SHOP_NOW
DAYS = 60


def _schema(path: Path) -> None:
    from app.demo import seed_demo
    from storage.db import close_database, open_database
    from app import keyfile
    from storage.models import Supplier

    keyfile.use_key_file(path.parent / keyfile.KEY_FILE_NAME)
    open_database(path)
    seed_demo()
    for name, kind in (("chip tsel-1", "ussd_chip"), ("chip tsel-2", "ussd_chip"), ("chip isat-1", "ussd_chip"),
                       ("chip xl-1", "ussd_chip"), ("upstream Upline Pulsa", "sms_upstream")):
        Supplier.create(name=name, kind=kind, config="{}", stock=5_000_000, low_stock=100_000)
    close_database()


def _order_indexes(con: sqlite3.Connection) -> list[str]:
    return [sql for (sql,) in con.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'order' AND sql IS NOT NULL")]


def build(path: Path, orders: int, seed: int = 7, end: dt.datetime = END) -> float:
    """Create `path` (must not exist) with `orders` orders placed over the `DAYS` days before `end`;
    returns seconds taken."""
    started = time.perf_counter()
    if path.exists():
        raise SystemExit(f"{path} exists; remove it first")
    _schema(path)
    rng = random.Random(seed)
    con = sqlite3.connect(path, isolation_level=None)
    # A throw-away file being built: no journal, big cache and in-memory sorts for the index builds.
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -400000")
    con.execute("PRAGMA temp_store = MEMORY")
    con.execute("BEGIN")
    group = con.execute("SELECT id FROM price_group WHERE code = 'RETAIL'").fetchone()[0]
    con.executemany(
        "INSERT INTO reseller (code, name, city, price_group_id, markup, active, balance, credit_limit, pin_hash, "
        "pin_salt, pin_failures, language, created_at) VALUES (?, ?, '', ?, 0, 1, ?, 0, '', '', 0, 'id', ?)",
        [(f"R{100 + i}", f"Reseller {100 + i}", group, rng.randrange(0, 5_000_000), "2026-01-01 08:00:00")
         for i in range(EXTRA_RESELLERS)])
    resellers = [r for (r,) in con.execute("SELECT id FROM reseller")]
    products = con.execute("SELECT p.id, p.operator, p.nominal, pr.sell FROM product p "
                           "JOIN price pr ON pr.product_id = p.id WHERE pr.price_group_id = ?", (group,)).fetchall()
    suppliers = [s for (s,) in con.execute("SELECT id FROM supplier")]
    index_sql = _order_indexes(con)
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'order' "
                               "AND sql IS NOT NULL").fetchall():
        con.execute(f'DROP INDEX "{name}"')

    rows = _order_rows(rng, orders, resellers, products, suppliers, end.replace(microsecond=0))
    con.executemany(
        'INSERT INTO "order" (reseller_id, product_id, dest, counter, price, cost, status, sn, fail_reason, channel, '
        "inbound_id, item_no, ref_id, supplier_id, refunded, created_at, updated_at, sent_at, finished_at) "
        "VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, 'sms', NULL, 0, NULL, ?, ?, ?, ?, ?, ?)", rows)
    for sql in index_sql:
        con.execute(sql)
    con.execute("COMMIT")
    con.execute("PRAGMA analysis_limit = 1000")
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode = WAL")
    con.close()
    return time.perf_counter() - started


def _order_rows(rng: random.Random, orders: int, resellers: list[int], products: list[tuple],
                suppliers: list[int], end: dt.datetime):
    """Order tuples in id order, the last one just before `end`. Timestamps are built from cached day
    and time-of-day strings, since formatting a datetime per row would take most of the run."""
    start = end - dt.timedelta(days=DAYS)
    step = (end - start).total_seconds() / max(orders, 1)
    base = int(start.timestamp())
    clock = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
    days: dict[int, str] = {}

    def stamp(ts: int) -> str:
        day, second = divmod(ts - base + start.hour * 3600 + start.minute * 60 + start.second, 86400)
        text = days.get(day)
        if text is None:
            text = days[day] = (start.date() + dt.timedelta(days=day)).isoformat()
        return f"{text} {clock[second]}"

    statuses = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES], k=orders)
    dest_prefix = {op: p for op, p in PREFIXES.items()}
    n_res, n_prod, n_sup = len(resellers), len(products), len(suppliers)
    rand = rng.random
    for i in range(orders):
        pid, operator, nominal, sell = products[int(rand() * n_prod)]
        status = statuses[i]
        ts = base + int(i * step)
        created = stamp(ts)
        prefixes = dest_prefix[operator]
        dest = prefixes[int(rand() * len(prefixes))] + str(10_000_000 + int(rand() * 89_999_999))
        if status == "success":
            finished = stamp(ts + 8)
            yield (resellers[int(rand() * n_res)], pid, dest, sell, nominal - 150, status,
                   str(1_000_000_000_000_000 + int(rand() * 8e15)), "", suppliers[int(rand() * n_sup)], False,
                   created, finished, created, finished)
        elif status == "failed":
            finished = stamp(ts + 8)
            yield (resellers[int(rand() * n_res)], pid, dest, sell, None, status, "", "Nomor tujuan salah",
                   suppliers[int(rand() * n_sup)], True, created, finished, created, finished)
        else:
            yield (resellers[int(rand() * n_res)], pid, dest, sell, None, status, "", "",
                   None if status == "queued" else suppliers[int(rand() * n_sup)], False, created, created,
                   None if status == "queued" else created, None)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("path", type=Path)
    p.add_argument("--orders", type=int, default=1_000_000)
    p.add_argument("--end", type=dt.datetime.fromisoformat, default=END,
                   help=f"when the last order is placed (default {END:%Y-%m-%d %H:%M}, the tests' clock)")
    args = p.parse_args()
    took = build(args.path, args.orders, end=args.end)
    size = args.path.stat().st_size / 1e6
    print(f"{args.orders:,} orders in {took:.1f} s, {size:.0f} MB: {args.path}")


if __name__ == "__main__":
    main()
