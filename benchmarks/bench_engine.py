#!/usr/bin/env python3
"""Benchmark: the whole server against the virtual GSM network.

    .venv/bin/python benchmarks/bench_engine.py                      # 50 chips, 2 s delay, 2000 orders
    .venv/bin/python benchmarks/bench_engine.py --delay 0 --orders 2000 --chips 20   # round trips per second

The virtual network runs in a child process (its own CPU); this process runs the engine, one
worker thread per modem, and a real SQLite file, exactly as the app does. Resellers' SMS are
injected through the control API at a steady rate a little above what the chips can take, so the
chips never idle for lack of work.

Figures:
- throughput as a fraction of the ideal (chips ÷ operator delay);
- the time the engine adds between an order SMS reaching it and its USSD leaving for the chip,
  and between the operator's answer and the reply SMS leaving for a sender modem (p50/p99);
- with --delay 0: full round trips per second, SMS into the network → reply SMS out of a sender.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import platform
import re
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from modems.sim import ControlClient  # noqa: E402 - after the path set-up above

DEST = re.compile(r"(08\d{8,11})")


def scenario(chips: int, delay: float, centers: int, senders: int) -> dict:
    return {
        "name": "bench-engine", "seed": 1,
        "sms": {"send_delay": 0.002, "delivery_delay": 0.002, "report_delay": 0.01},
        "operator_defaults": {"ussd_delay": delay, "ussd_jitter": 0.0, "failure_rate": 0.0, "too_soon_window": 0},
        "modems": [
            {"id": "center", "count": centers, "role": "center", "operator": "TSEL", "msisdn": "081200000101",
             "profile": "generic", "store_capacity": 255},
            {"id": "sender", "count": senders, "role": "sender", "operator": "TSEL", "msisdn": "081200000201",
             "profile": "generic"},
            {"id": "chip", "count": chips, "role": "chip", "operator": "ISAT", "msisdn": "085799000001",
             "profile": "generic", "pin": "1111", "stock": 10**12},
        ],
    }


def _simulator(conn, sc: dict) -> None:
    from modems.sim import SimNetwork

    net = SimNetwork.from_scenario(sc)
    net.start()
    conn.send((net.control_url, net.control_token, net.api_modems()))
    cpu0 = time.process_time()
    conn.recv()
    cpu = time.process_time() - cpu0
    net.stop()
    conn.send(cpu)


class Timing:
    """Timestamps per destination number: SMS at the engine, USSD out, answer in, reply out."""

    def __init__(self) -> None:
        self.sms_in: dict[str, float] = {}
        self.ussd_out: dict[str, float] = {}
        self.answer_in: dict[str, float] = {}
        self.reply_out: dict[str, float] = {}
        self.queued: dict[str, float] = {}  # order stored and handed to the dispatcher
        self.dequeued: dict[str, float] = {}  # a chip took it from its queue
        self.lock = threading.Lock()

    def note(self, table: dict[str, float], text: str) -> None:
        m = DEST.search(text)
        if m:
            now = time.perf_counter()
            with self.lock:
                table.setdefault(m.group(1), now)


class TimedHandle:
    """Wraps a worker's submit() to time what leaves the engine and when answers come back."""

    def __init__(self, worker, timing: Timing) -> None:
        self.worker = worker
        self.timing = timing

    def submit(self, op) -> Future:
        from modems.types import SendSms, StoreSms, Ussd

        if isinstance(op, Ussd):
            self.timing.note(self.timing.ussd_out, op.code)
            fut = self.worker.submit(op)
            fut.add_done_callback(lambda _f, code=op.code: self.timing.note(self.timing.answer_in, code))
            return fut
        if isinstance(op, (SendSms, StoreSms)):  # a reply is stored in the sender's memory, then sent
            self.timing.note(self.timing.reply_out, op.text)
        return self.worker.submit(op)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


async def run(args) -> None:
    from app import keyfile, ledger
    from app.demo import configure_network, seed_demo
    from app.engine_settings import EngineSettings
    from app.events import MessageLogged, OrderChanged
    from app.runtime import Runtime, RuntimeOptions
    from modems.types import SmsReceived
    from storage.db import open_database
    from storage.models import Order, Reseller

    sc = scenario(args.chips, args.delay, args.centers, args.senders)
    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(target=_simulator, args=(child, sc), daemon=True)
    proc.start()
    control_url, token, modems = parent.recv()
    api = ControlClient(control_url, token)

    work = Path(tempfile.mkdtemp())
    keyfile.use_key_file(work / keyfile.KEY_FILE_NAME)
    open_database(work / "bench.db")
    seed_demo()
    ledger.deposit(Reseller.get(Reseller.code == "R001").id, 10**12, note="bench")
    configure_network(modems, sc)
    # chips report their stock with every answer; skip the start-up balance checks of 50 chips
    from storage.models import Supplier
    Supplier.update(stock=10**12, stock_checked_at=__import__("datetime").datetime.now()).execute()
    timing = Timing()
    done = asyncio.Event()
    finished: list[float] = []
    sent_replies: list[float] = []

    def on_event(ev) -> None:
        if isinstance(ev, OrderChanged) and ev.status in ("success", "failed", "suspect"):
            finished.append(time.perf_counter())
        if isinstance(ev, OrderChanged) and ev.status == "queued":
            timing.note(timing.queued, ev.detail)
        if isinstance(ev, MessageLogged) and ev.direction == "out":
            sent_replies.append(time.perf_counter())
            if len(sent_replies) >= args.orders:
                done.set()

    runtime = Runtime(RuntimeOptions(
        engine_settings=EngineSettings(stock_check_interval_s=10**6, pending_timeout_s=120),
        modem_overrides={"sweep_interval": 3600, "health_interval": 3600, "liveness_idle": 3600,
                         "ussd_timeout": max(30.0, args.delay * 5)},
        listeners=[on_event]))
    await runtime.start()
    engine = runtime.engine
    original = engine._on_modem_event

    def timed_event(name, event):
        if isinstance(event, SmsReceived):
            timing.note(timing.sms_in, event.sms.text)
        original(name, event)

    engine._on_modem_event = timed_event  # type: ignore[method-assign]
    original_execute = engine._execute

    async def timed_execute(supplier, job):
        timing.note(timing.dequeued, job.dest)
        await original_execute(supplier, job)

    engine._execute = timed_execute  # type: ignore[method-assign]
    for link in engine.links.values():
        link.handle = TimedHandle(link.handle, timing)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not all(link.online for link in engine.links.values()):
        if loop.time() > deadline:
            raise SystemExit("modems did not come online")
        await asyncio.sleep(0.1)

    centers = [m["msisdn"] for m in modems if m["role"] == "center"]
    ideal = args.chips / args.delay if args.delay else float("inf")
    rate = args.rate or (ideal * 1.15 if args.delay else 400.0)

    def inject() -> None:
        start = time.perf_counter()
        for i in range(args.orders):
            target = start + i / rate
            pause = target - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            api.post("/api/sms", {"from": "081211110001", "to": centers[i % len(centers)],
                                  "text": f"I10.0857{i:08d}.1234"})

    cpu0 = time.process_time()
    t0 = time.perf_counter()
    injector = threading.Thread(target=inject, daemon=True)
    injector.start()
    try:
        await asyncio.wait_for(done.wait(), timeout=args.orders / min(rate, ideal) * 3 + 120)
    except asyncio.TimeoutError:
        print(f"timed out: {len(sent_replies)} replies of {args.orders}")
    elapsed = (sent_replies[-1] if sent_replies else time.perf_counter()) - t0
    cpu = time.process_time() - cpu0
    statuses = {s: Order.select().where(Order.status == s).count() for s in ("success", "failed", "suspect", "queued",
                                                                             "sending")}
    await runtime.stop()
    parent.send("stop")
    sim_cpu = parent.recv()
    proc.join(5)

    # Waiting in a chip's queue is the operators' capacity, not engine time: the engine's part is
    # SMS event → order stored and dispatched, plus chip takes the job → USSD handed to the worker.
    to_ussd = [(timing.queued[d] - timing.sms_in[d]) + (timing.ussd_out[d] - timing.dequeued[d])
               for d in timing.ussd_out if d in timing.sms_in and d in timing.queued and d in timing.dequeued]
    waited = [timing.dequeued[d] - timing.queued[d] for d in timing.dequeued if d in timing.queued]
    to_reply = [timing.reply_out[d] - timing.answer_in[d] for d in timing.reply_out if d in timing.answer_in]
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"2 cores; {args.chips} chips, operator delay {args.delay:g} s, {args.orders} orders, "
          f"{args.centers} center + {args.senders} sender modems, injected at {rate:.1f}/s")
    print(f"orders: {statuses}")
    throughput = len(sent_replies) / elapsed if elapsed > 0 else 0
    if args.delay:
        # steady state: between the 10th and the 90th percentile of completions the chips are never
        # short of work, so ramp-up (first SMS still arriving) and the tail do not count
        done_sorted = sorted(finished)
        lo, hi = int(len(done_sorted) * 0.1), int(len(done_sorted) * 0.9) - 1
        steady = (hi - lo) / (done_sorted[hi] - done_sorted[lo]) if hi > lo else 0
        print(f"throughput (steady state, 10th-90th percentile of completions): {steady:.2f} orders/s = "
              f"{steady / ideal * 100:.1f}% of ideal {ideal:.1f}/s")
        print(f"throughput (whole run, incl. ramp-up and tail): {throughput:.2f} orders/s = "
              f"{throughput / ideal * 100:.1f}% ({len(sent_replies)} replies in {elapsed:.1f} s)")
    else:
        print(f"full round trips: {throughput:.0f}/s ({len(sent_replies)} in {elapsed:.1f} s)")
    print(f"engine time SMS in → USSD out: p50 {pct(to_ussd, .5) * 1000:.1f} ms, "
          f"p99 {pct(to_ussd, .99) * 1000:.1f} ms (plus waiting for a free chip: p50 {pct(waited, .5):.2f} s)")
    print(f"engine time operator answer → reply out: p50 {pct(to_reply, .5) * 1000:.1f} ms, "
          f"p99 {pct(to_reply, .99) * 1000:.1f} ms")
    print(f"CPU: engine process {cpu:.1f} s ({cpu / max(1, len(sent_replies)) * 1000:.2f} ms/order), "
          f"simulator {sim_cpu:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chips", type=int, default=50)
    ap.add_argument("--delay", type=float, default=2.0, help="operator USSD delay in seconds")
    ap.add_argument("--orders", type=int, default=2000)
    ap.add_argument("--centers", type=int, default=2)
    ap.add_argument("--senders", type=int, default=2)
    ap.add_argument("--rate", type=float, default=0, help="orders injected per second (default: 115%% of ideal)")
    args = ap.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
