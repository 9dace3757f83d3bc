"""Orders placed and settled per second through the full place-order path on a SQLite file.

Each order: an SMS text goes through MessageService.handle (store the message, parse, find the
reseller, check the PIN, repeat rule, price, debit through the ledger, queue the order), then
mark_sending and settle_success. Prints throughput and per-order latency (p50, p99).

    python benchmarks/bench_orders.py [--orders 5000]
"""
from __future__ import annotations

import argparse
import datetime
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import keyfile, ledger, orders  # noqa: E402
from app.demo import seed_demo  # noqa: E402
from app.service import Inbound, MessageService  # noqa: E402
from storage.db import open_database  # noqa: E402
from storage.models import Reseller  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=5000)
    args = ap.parse_args()
    path = Path(tempfile.mkdtemp()) / "bench.db"
    keyfile.use_key_file(path.parent / keyfile.KEY_FILE_NAME)
    open_database(path)
    seed_demo()
    r001 = Reseller.get(Reseller.code == "R001")
    ledger.deposit(r001.id, 10_000_000_000, note="bench")
    service = MessageService()
    latencies = []
    start = time.perf_counter()
    for i in range(args.orders):
        t0 = time.perf_counter()
        result = service.handle(Inbound("sms", "081211110001", f"S10.0812{i:08d}.1234"))
        order_id = result.new_orders[0]
        now = datetime.datetime.now()
        orders.mark_sending(order_id, now=now)
        orders.settle_success(order_id, f"SN{i:018d}", now=now)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"SQLite file {path}")
    print(f"orders placed and settled: {args.orders} in {elapsed:.2f} s = {args.orders / elapsed:,.0f} orders/s")
    print(f"latency per order: p50 {statistics.median(latencies) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms")


if __name__ == "__main__":
    main()
