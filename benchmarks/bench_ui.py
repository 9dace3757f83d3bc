#!/usr/bin/env python3
"""Benchmark: the control panel on a million orders, and the event loop while the demo runs.

    .venv/bin/python benchmarks/bench_ui.py                       # builds a 1,000,000-order database
    .venv/bin/python benchmarks/bench_ui.py --db /tmp/big.db      # reuses one (copied first; it is changed)

Prints:
1. time to open the transaction log on 1,000,000 orders: LogView created and shown → ids loaded and
   the first page painted (target < 1 s); totals arrive a little later, also timed;
2. time to apply a filter (status, reseller, today, operator, destination prefix, search; target
   < 300 ms) and to sort by price;
3. resident memory after the log is open, and at the end (target < 400 MB);
4. the event loop's stalls while the virtual network and the engine run 20 orders/s in this process
   (the way `main.py --demo` runs), with the main window open on the Transaksi tab, then on the Dasbor
   tab: a 5 ms QTimer records how late each tick fires (target p99 < 50 ms).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def wait(app, condition, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("condition not met")
        app.processEvents()
        time.sleep(0.0005)


# --- part 1: the log on a million orders --------------------------------------------------------

def bench_log(app) -> list[tuple[str, float]]:
    from PySide6.QtCore import Qt

    from tests.ui.big_db import make_context
    from ui.views.log import LogFilter, LogView

    figures: list[tuple[str, float]] = []
    view = LogView(make_context())  # the big database ends at its clock, so "today" has orders
    view.resize(1280, 760)
    loaded = {"n": 0}
    view.model.loaded.connect(lambda: loaded.__setitem__("n", loaded["n"] + 1))

    started = time.perf_counter()
    view.show()
    view.set_active(True)
    wait(app, lambda: loaded["n"] == 1)
    view.table.viewport().repaint()  # the first page is fetched while painting
    figures.append(("open the log (ids + first page)", time.perf_counter() - started))
    wait(app, lambda: view.model.totals.count > 0)
    figures.append(("… totals of 1,000,000 rows arrive", time.perf_counter() - started))
    print(f"  rows: {view.model.rowCount():,}; totals: {view.totals.text()}")
    figures.append(("resident memory with the log open (MB)", rss_mb()))

    def timed(label: str, action) -> None:
        before = loaded["n"]
        t0 = time.perf_counter()
        action()
        wait(app, lambda: loaded["n"] > before)
        view.table.viewport().repaint()
        figures.append((f"filter: {label} ({view.model.rowCount():,} rows)", time.perf_counter() - t0))

    timed("status = gagal", lambda: view.status.setCurrentIndex(view.status.findData("failed")))
    timed("+ reseller R150", lambda: view.reseller.setCurrentIndex(
        view.reseller.findText("R150", Qt.MatchFlag.MatchStartsWith)))
    timed("all statuses, reseller R150", lambda: view.status.setCurrentIndex(0))
    timed("today", lambda: (view.reseller.setCurrentIndex(0), view.date_preset.setCurrentIndex(1)))
    timed("today + operator ISAT", lambda: view.operator.setCurrentIndex(view.operator.findData("ISAT")))
    timed("all dates, status suspect", lambda: (view.operator.setCurrentIndex(0), view.date_preset.setCurrentIndex(0),
                                                view.status.setCurrentIndex(view.status.findData("suspect"))))
    timed("all, destination prefix 08123", lambda: (view.status.setCurrentIndex(0), view.dest.setText("08123"),
                                                    view.apply_filter()))
    timed("all, search '4567'", lambda: (view.dest.setText(""), view.search.setText("4567"), view.apply_filter()))
    view.search.setText("")
    timed("back to all orders", view.apply_filter)

    def sort_price() -> None:
        view.model.apply(LogFilter(sort="price", descending=True))

    before = loaded["n"]
    t0 = time.perf_counter()
    sort_price()
    wait(app, lambda: loaded["n"] > before, timeout=60)
    figures.append(("sort 1,000,000 rows by price (background)", time.perf_counter() - t0))
    view.set_active(False)
    view.close()
    view.deleteLater()
    app.processEvents()
    return figures


# --- part 2: event-loop stalls while the demo runs -----------------------------------------------

def bench_scenario(per_second: float) -> dict:
    """The demo network, with enough chips and senders that 20 orders/s can flow through."""
    import json

    from app.resources import resource_path

    sc = json.loads(resource_path("scenarios", "demo.json").read_text(encoding="utf-8"))
    sc["name"] = "bench-ui"
    sc["sms"] = {"send_delay": 0.2, "delivery_delay": 0.1, "report_delay": 0.5}
    sc["operator_defaults"] = {"ussd_delay": 0.8, "ussd_jitter": 0.2, "followup_delay": [3, 8], "failure_rate": 0.03}
    chips = max(4, int(per_second * 0.8))
    sc["modems"] = [
        {"id": "center", "role": "center", "operator": "TSEL", "msisdn": "081200000001", "profile": "generic",
         "store_capacity": 255},
        {"id": "sender", "count": 4, "role": "sender", "operator": "TSEL", "msisdn": "081200000011",
         "profile": "generic"},
        {"id": "tsel", "count": chips, "role": "chip", "operator": "TSEL", "msisdn": "081299000101",
         "profile": "generic", "pin": "1234", "stock": 10**10},
        {"id": "isat", "count": chips // 2, "role": "chip", "operator": "ISAT", "msisdn": "085711110101",
         "profile": "generic", "pin": "1111", "stock": 10**10},
        {"id": "xl", "count": chips // 2, "role": "chip", "operator": "XL", "msisdn": "081711110101",
         "profile": "generic", "pin": "2222", "stock": 10**10},
        {"id": "tri", "count": chips // 2, "role": "chip", "operator": "TRI", "msisdn": "089611110101",
         "profile": "generic", "pin": "3333", "stock": 10**10},
    ]
    sc.pop("upstreams", None)
    return sc


class StallProbe:
    """A 5 ms timer on the GUI thread; how late each timeout fires is the loop's stall."""

    def __init__(self, interval_ms: int = 5):
        from PySide6.QtCore import QTimer

        self.interval = interval_ms / 1000
        self.samples: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.samples.clear()
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return list(self.samples)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.samples.append(max(0.0, now - self._last - self.interval))
        self._last = now


class StallSampler:
    """--profile: a thread that, while the GUI thread is late, records where it is (innermost frames
    of our own code), so a stall can be traced to the code that caused it."""

    def __init__(self, probe: StallProbe, threshold: float = 0.05):
        import collections
        import threading

        self.probe, self.threshold = probe, threshold
        self.counts: collections.Counter[str] = collections.Counter()
        self.gui = threading.get_ident()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import traceback

        while self.running:
            time.sleep(0.01)
            if time.perf_counter() - self.probe._last < self.threshold or not self.probe.timer.isActive():
                continue
            frame = sys._current_frames().get(self.gui)
            if frame is None:
                continue
            stack = [f for f in traceback.extract_stack(frame) if str(ROOT) in f.filename
                     and "bench_ui" not in f.filename]
            key = " < ".join(f"{Path(f.filename).stem}.{f.name}:{f.lineno}" for f in stack[-3:][::-1]) or "(Qt/C)"
            self.counts[key] += 1

    def report(self, top: int = 12) -> None:
        self.running = False
        print("  where the GUI thread was while late (10 ms samples):")
        for key, n in self.counts.most_common(top):
            print(f"    {n:5}  {key}")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


async def bench_stalls(db_path: Path, per_second: float, seconds: float,
                       profile: bool = False) -> list[tuple[str, str]]:
    from app import ledger
    from app.runtime import RuntimeOptions
    from storage import sql
    from storage.models import Reseller
    from ui.app import WindowServer

    sc = bench_scenario(per_second)
    server = WindowServer(RuntimeOptions(db=str(db_path), demo=True, scenario=sc, traffic_per_minute=0), lang="id")
    window = await server.start()
    engine, demo = server.engine, server.demo
    for code in ("R001", "R003"):
        ledger.deposit(Reseller.get(Reseller.code == code).id, 10**11, note="bench", actor="bench")
    tabs = {key: i for i, key in enumerate(window.views)}
    count_sql = 'SELECT COUNT(*) FROM "order"'
    done_sql = "SELECT COUNT(*) FROM \"order\" WHERE status IN ('success', 'failed')"
    (start_orders,) = sql.one(count_sql)
    (start_done,) = sql.one(done_sql)
    from app.demo_network import demo_traffic

    traffic = asyncio.ensure_future(demo_traffic(demo, per_second * 60))
    await asyncio.sleep(5)  # warm up: modems online, queues flowing
    rows: list[tuple[str, str]] = []
    probe = StallProbe()
    sampler = StallSampler(probe) if profile else None
    everything: list[float] = []
    t_begin = time.perf_counter()
    (o0,) = sql.one(count_sql)
    (d0,) = sql.one(done_sql)
    for key in ("log", "dashboard"):
        if key in tabs:
            window.show_tab(tabs[key])
        probe.start()
        await asyncio.sleep(seconds / 2)
        samples = probe.stop()
        everything += samples
        rows.append((f"stall on the {key} tab: p50 / p99 / max (ms)",
                     f"{pct(samples, 50) * 1000:.1f} / {pct(samples, 99) * 1000:.1f} / {max(samples) * 1000:.1f}"
                     f" ({len(samples)} ticks)"))
    elapsed = time.perf_counter() - t_begin
    (o1,) = sql.one(count_sql)
    (d1,) = sql.one(done_sql)
    rows.insert(0, ("orders placed / finished per second during the run",
                    f"{(o1 - o0) / elapsed:.1f} / {(d1 - d0) / elapsed:.1f} (queue now {engine.queue_length()}, "
                    f"{len(engine.links)} modems)"))
    rows.append(("stall over the whole run: p50 / p99 / max (ms)",
                 f"{pct(everything, 50) * 1000:.1f} / {pct(everything, 99) * 1000:.1f} / {max(everything) * 1000:.1f}"))
    rows.append(("resident memory at the end (MB)", f"{rss_mb():.0f}"))
    if sampler is not None:
        sampler.report()
    traffic.cancel()
    await asyncio.gather(traffic, return_exceptions=True)
    await server.stop()
    print(f"  orders in the database: {start_orders:,} → {sql.one(count_sql)[0]:,}; "
          f"finished {start_done:,} → {sql.one(done_sql)[0]:,}")
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, help="a database made by make_big_db.py (copied, not changed)")
    p.add_argument("--orders", type=int, default=1_000_000)
    p.add_argument("--rate", type=float, default=20.0, help="demo orders per second")
    p.add_argument("--seconds", type=float, default=40.0, help="length of the stall measurement")
    p.add_argument("--profile", action="store_true", help="show where the GUI thread was during stalls")
    p.add_argument("--skip-log", action="store_true", help="only the stall measurement")
    args = p.parse_args()

    import qasync
    from PySide6.QtWidgets import QApplication

    from app import keyfile
    from storage.db import close_database, open_database

    work = Path(tempfile.mkdtemp(prefix="pulsa-bench-ui-"))
    path = work / "big.db"
    if args.db:
        shutil.copyfile(args.db, path)
    else:  # in a child process, so its memory does not count in the figures below
        import subprocess

        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_big_db.py"), str(path), "--orders",
                        str(args.orders)], check=True)
    print(f"{dt.datetime.now():%Y-%m-%d %H:%M} on {platform.node()} ({platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.platform()})")

    app = QApplication.instance() or QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)  # as the program does: a closed view or dialog never ends it
    keyfile.use_key_file(work / keyfile.KEY_FILE_NAME)  # make_big_db.py made it beside the database
    open_database(path)
    if not args.skip_log:
        print("Transaction log on the big database:")
        for label, value in bench_log(app):
            unit = "" if "MB" in label else " ms"
            shown = f"{value:.0f}" if "MB" in label else f"{value * 1000:.0f}"
            print(f"  {label:58} {shown}{unit}")
    close_database()

    print(f"Event loop while the demo runs {args.rate:g} orders/s (main window, in-process network):")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        rows = loop.run_until_complete(bench_stalls(path, args.rate, args.seconds, args.profile))
    for label, value in rows:
        print(f"  {label:58} {value}")
    close_database()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
