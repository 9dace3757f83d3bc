"""How long the books take on a big shop: the recap of one day and of one month, by each grouping, on
a database of 1,000,000 orders over 60 days (benchmarks/make_big_db.py; about 16,700 orders a day and
500,000 in the month). Targets: under 200 ms for a day, under 1 s for a month.

    .venv/bin/python benchmarks/bench_reports.py [--db /tmp/pulsa-bench/big.db] [--orders 1000000] [--runs 5]

The database is built once and kept (building a million orders takes a minute or two). Each figure is
the median and the worst of `--runs` runs after one warm-up run, with the page cache warm, as on the
shop's PC where the window asks for the same report again.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import make_big_db  # noqa: E402


def _timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, default=Path("/tmp/pulsa-bench/big.db"))
    p.add_argument("--orders", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()

    from app import keyfile, reports
    from app.reports import RecapBy
    from storage.db import close_database, open_database

    if not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        print(f"building {args.db} with {args.orders:,} orders …", flush=True)
        print(f"built in {make_big_db.build(args.db, args.orders):.0f} s", flush=True)
    keyfile.use_key_file(args.db.parent / keyfile.KEY_FILE_NAME)
    open_database(args.db)
    try:
        day = make_big_db.END.date() - dt.timedelta(days=1)  # a whole day
        month_end = day
        month_start = month_end - dt.timedelta(days=29)
        count = reports.recap(month_start, month_end, RecapBy.PRODUCT).total.orders
        per_day = reports.recap(day, day, RecapBy.PRODUCT).total.orders
        print(f"orders: {per_day:,} on {day}, {count:,} from {month_start} to {month_end}")
        print(f"{'report':<28}{'median ms':>11}{'worst ms':>10}  target")
        worst = {"day": 0.0, "month": 0.0}
        for span, (start, end), target in (("day", (day, day), 200), ("month", (month_start, month_end), 1000)):
            for by in RecapBy:
                median, high = _timed(lambda: reports.recap(start, end, by), args.runs)
                worst[span] = max(worst[span], high)
                print(f"{f'recap {span} by {by.value}':<28}{median:>11.1f}{high:>10.1f}  < {target}")
        ok = worst["day"] < 200 and worst["month"] < 1000
        print(f"worst: day {worst['day']:.0f} ms, month {worst['month']:.0f} ms — {'met' if ok else 'MISSED'}")
        return 0 if ok else 1
    finally:
        close_database()


if __name__ == "__main__":
    raise SystemExit(main())
