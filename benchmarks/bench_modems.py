#!/usr/bin/env python3
"""Benchmark: many virtual modems driven in parallel through the blocking driver.

    .venv/bin/python benchmarks/bench_modems.py [--modems 32] [--sms 25] [--ussd 25] [--polls 50]
                                                [--send-delay 0.1] [--ussd-delay 0.1] [--idle 10]
                                                [--families generic|mixed] [--pty]
    .venv/bin/python benchmarks/bench_modems.py --modems 64                  # the 64-modem pool
    .venv/bin/python benchmarks/bench_modems.py --modems 64 --pty            # the same over ptys
    .venv/bin/python benchmarks/bench_modems.py --window --modems 64 --seconds 60

The virtual GSM network runs in a child process, so the CPU time measured here is the driver's
alone (the simulator's own CPU time is printed separately). One thread per modem, as in the app
(one QThread per modem), each opening its port, running the init sequence, then, phase by phase with
all modems together: SMS sends (AT+CMGS to a subscriber), USSD stock queries (AT+CUSD=2, AT+CUSD=1 and
the +CUSD answer), signal polls (AT+CSQ), and an idle stretch in which each thread does what a worker
does between operations (read with a 50 ms timeout, background work: liveness, sweeps, health).
"Driver CPU per operation" is the process CPU time of a phase divided by its operations; "driver
latency" is the measured latency of one operation minus the simulated network delay.

``--pty``: every modem is opened as a pseudo-terminal (``/dev/pts/N`` through the simulator's pty
publisher, modems/sim/pty.py) instead of ``socket://``, as a USB dongle is opened.

``--window``: the window's event loop with 64 modems (sim in a child process, the engine and its 64
worker threads and the main window in this process, on the Telepon tab): a 5 ms timer records how
late each tick fires while the phones view asks every modem for its status every second (15 times
its normal rate) and resellers order at ``--rate`` per second.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHIP_PIN = "1234"
# the families of docs/devices.md, in turn
MIXED = ("generic", "simcom", "huawei", "wavecom", "sim7600", "quectel_m35", "quectel_ec25", "mc35", "zte",
         "phone", "fastrack", "tc35", "huawei_e160")


def scenario(modems: int, send_delay: float, ussd_delay: float, families: str = "generic") -> dict:
    profiles = MIXED if families == "mixed" else ("generic",)
    return {
        "name": "bench",
        "seed": 1,
        "sms": {"send_delay": send_delay, "delivery_delay": 0.01, "report_delay": 0.01},
        "operator_defaults": {"ussd_delay": ussd_delay, "ussd_jitter": 0.0, "failure_rate": 0.0},
        "modems": [
            {"id": f"m{i + 1}", "role": "chip", "operator": "TSEL", "msisdn": f"0812111{i + 10001:05d}",
             "profile": profiles[i % len(profiles)], "pin": CHIP_PIN, "stock": 10**9,
             "settings": {"noise_interval": 10.0}}
            for i in range(modems)
        ],
    }


def _simulator(conn, sc: dict, pty: bool) -> None:
    """Child process: run the network until told to stop, then report its own CPU time."""
    from modems.sim import SimNetwork

    pty_dir = tempfile.mkdtemp(prefix="pulsa-bench-pty-") if pty else None
    net = SimNetwork.from_scenario(sc, pty_dir=pty_dir) if pty else SimNetwork.from_scenario(sc)
    net.start()
    conn.send({"modems": [(m.id, (m.pty if pty else m.port_url), m.msisdn) for m in net.modems],
               "api": [m.info() for m in net.modems], "control": (net.control_url, net.control_token)})
    cpu0 = time.process_time()
    conn.recv()  # "stop"
    cpu = time.process_time() - cpu0
    net.stop()
    conn.send(cpu)


def start_simulator(sc: dict, pty: bool = False):
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    sim = ctx.Process(target=_simulator, args=(child, sc, pty), daemon=True)
    sim.start()
    return sim, parent, parent.recv()


def stop_simulator(sim, parent) -> float:
    parent.send("stop")
    cpu = parent.recv()
    sim.join(10)
    return cpu


@dataclass
class Tally:
    init: list[float] = field(default_factory=list)
    sms: list[float] = field(default_factory=list)
    ussd: list[float] = field(default_factory=list)
    poll: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


PHASES = ("sms", "ussd", "poll", "idle")


def _worker(port_url: str, index: int, args, phase: threading.Barrier, tally: Tally) -> None:
    from modems.driver import Modem, ModemConfig
    from modems.types import UssdOutcome

    # sweeps and health polls at their production intervals: they are part of what the idle phase costs
    modem = Modem(port_url, ModemConfig(sweep_interval=30, health_interval=60), modem_id=f"bench{index}")
    t0 = time.perf_counter()
    try:
        modem.open()
    except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not crash
        with tally.lock:
            tally.errors.append(f"open {port_url}: {exc}")
        for _ in range(len(PHASES) + 1):
            phase.wait()
        return
    init = time.perf_counter() - t0
    sms_t: list[float] = []
    ussd_t: list[float] = []
    poll_t: list[float] = []
    errors: list[str] = []
    dest = f"0813{index:04d}{0:04d}"
    try:
        phase.wait()  # all open: SMS phase
        for i in range(args.sms):
            t = time.perf_counter()
            result = modem.send_sms(dest, f"Bench {index}/{i}: pesanan diproses, SN 1234567890")
            sms_t.append(time.perf_counter() - t)
            if not result.ok:
                errors.append(f"sms {index}/{i}: {[p.error for p in result.parts]}")
        phase.wait()  # USSD phase
        for i in range(args.ussd):
            t = time.perf_counter()
            res = modem.ussd(f"*776*{CHIP_PIN}#", secrets=(CHIP_PIN,))
            ussd_t.append(time.perf_counter() - t)
            if res.outcome != UssdOutcome.DONE:
                errors.append(f"ussd {index}/{i}: {res.outcome.value} {res.error}")
        phase.wait()  # signal polls
        for _ in range(args.polls):
            t = time.perf_counter()
            modem.get_signal()
            poll_t.append(time.perf_counter() - t)
        phase.wait()  # idle: what a worker does between operations
        until = time.monotonic() + args.idle
        while time.monotonic() < until:
            modem.poll(0.05)
        phase.wait()
    finally:
        modem.close()
    with tally.lock:
        tally.init.append(init)
        tally.sms += sms_t
        tally.ussd += ussd_t
        tally.poll += poll_t
        tally.errors += errors


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _row(name: str, values: list[float], delay: float, cpu: float) -> str:
    if not values:
        return f"| {name} | 0 | - | - | - | - | - |"
    med = statistics.median(values)
    p95 = _pct(values, 0.95)
    return (f"| {name} | {len(values)} | {cpu / len(values) * 1000:.2f} | {med * 1000:.1f} | {p95 * 1000:.1f} | "
            f"{(med - delay) * 1000:.1f} | {(p95 - delay) * 1000:.1f} |")


def machine() -> str:
    return (f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPU(s), "
            f"{platform.platform()}")


def bench_driver(args) -> int:
    sc = scenario(args.modems, args.send_delay, args.ussd_delay, args.families)
    sim, parent, hello = start_simulator(sc, args.pty)
    modems = hello["modems"]
    if args.pty and any(not url for _id, url, _m in modems):
        print("this simulator cannot publish ptys here (os.openpty missing)")
        stop_simulator(sim, parent)
        return 2

    tally = Tally()
    phase = threading.Barrier(len(modems) + 1)
    threads = [threading.Thread(target=_worker, args=(url, i, args, phase, tally), daemon=True)
               for i, (_id, url, _msisdn) in enumerate(modems)]
    t_init = time.perf_counter()
    cpu_init0 = time.process_time()
    for t in threads:
        t.start()
    cpu: dict[str, float] = {}
    wall: dict[str, float] = {}
    phase.wait()  # every modem is open and initialised
    init_wall = time.perf_counter() - t_init
    init_cpu = time.process_time() - cpu_init0
    for name in PHASES:
        c0, w0 = time.process_time(), time.perf_counter()
        phase.wait()
        cpu[name], wall[name] = time.process_time() - c0, time.perf_counter() - w0
    for t in threads:
        t.join()
    sim_cpu = stop_simulator(sim, parent)

    n = len(modems)
    ops = len(tally.sms) + len(tally.ussd) + len(tally.poll)
    busy_wall = wall["sms"] + wall["ussd"] + wall["poll"]
    busy_cpu = cpu["sms"] + cpu["ussd"] + cpu["poll"]
    transport = "pty (/dev/pts, simulator's pty publisher)" if args.pty else "socket://127.0.0.1"
    print(f"# bench_modems  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(machine())
    print(f"{n} virtual modems ({args.families}) over {transport}, one driver thread each; "
          f"simulator in a child process")
    print(f"network delays: AT+CMGS {args.send_delay * 1000:.0f} ms, USSD {args.ussd_delay * 1000:.0f} ms")
    print()
    print(f"init (open + init sequence, all modems in parallel): {init_wall:.2f} s wall, "
          f"median {statistics.median(tally.init) * 1000 if tally.init else float('nan'):.0f} ms per modem, "
          f"{init_cpu / max(1, n) * 1000:.1f} ms CPU per modem")
    print(f"operations: {ops} ({len(tally.sms)} SMS, {len(tally.ussd)} USSD, {len(tally.poll)} signal polls) "
          f"in {busy_wall:.2f} s = {ops / busy_wall:.1f} ops/s")
    print(f"driver CPU: {busy_cpu:.2f} s busy; idle {args.idle:.0f} s with {n} modems: {cpu['idle']:.2f} s = "
          f"{cpu['idle'] / wall['idle'] * 100:.1f} % of one core "
          f"({cpu['idle'] / wall['idle'] / max(1, n) * 1000:.2f} ms CPU per modem per second)")
    print(f"simulator process: {sim_cpu:.2f} s CPU over the whole run")
    print(f"errors: {len(tally.errors)}")
    for e in tally.errors[:10]:
        print(f"  {e}")
    print()
    print("| operation | count | driver CPU ms/op | median ms | p95 ms | driver adds, median ms | "
          "driver adds, p95 ms |")
    print("|---|---|---|---|---|---|---|")
    print(_row("SMS send (1 part)", tally.sms, args.send_delay, cpu["sms"]))
    print(_row("USSD stock query", tally.ussd, args.ussd_delay, cpu["ussd"]))
    print(_row("signal poll (AT+CSQ)", tally.poll, 0.0, cpu["poll"]))
    return 0 if not tally.errors else 1


# --- the window's event loop with 64 modems --------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


def window_scenario(modems: int) -> dict:
    sc = scenario(modems - 4, 0.3, 0.5, "mixed")
    sc["name"] = "bench-window"
    sc["operator_defaults"].update({"followup_delay": [1, 3], "too_soon_window": 0})
    for i, m in enumerate(sc["modems"]):
        m["id"] = f"chip{i + 1:02d}"
        m["msisdn"] = f"0812990{i + 1:05d}"
    sc["modems"] = [
        {"id": "center", "role": "center", "operator": "TSEL", "msisdn": "081200000001", "profile": "generic",
         "store_capacity": 255},
        {"id": "sender", "role": "sender", "operator": "TSEL", "msisdn": "081200000002", "profile": "simcom"},
        {"id": "sender2", "role": "sender", "operator": "TSEL", "msisdn": "081200000004", "profile": "wavecom"},
        {"id": "sender3", "role": "sender", "operator": "TSEL", "msisdn": "081200000005", "profile": "quectel_ec25"},
    ] + sc["modems"]
    return sc


async def _window_run(args, sc: dict, hello: dict) -> list[tuple[str, str]]:
    import asyncio
    import json
    import urllib.request

    from PySide6.QtCore import QTimer

    from app import keyfile
    from app.demo import configure_network, seed_demo
    from app.runtime import RuntimeOptions
    from storage.db import close_database, open_database
    from storage.models import Order
    from ui.app import WindowServer

    work = Path(tempfile.mkdtemp(prefix="pulsa-bench-window-"))
    keyfile.use_key_file(work / keyfile.KEY_FILE_NAME)
    open_database(work / "shop.db")
    seed_demo()
    configure_network(hello["api"], sc)
    from app import ledger
    from storage.models import Reseller

    ledger.deposit(Reseller.get(Reseller.code == "R001").id, 10**11, note="bench", actor="bench")
    close_database()
    server = WindowServer(RuntimeOptions(db=str(work / "shop.db")), lang="id")
    window = await server.start()
    engine = server.engine
    view = window.show_view("phones")
    t0 = time.perf_counter()
    while not all(link.online and getattr(link.handle, "info", None) and link.handle.info.imei
                  for link in engine.links.values()):
        if time.perf_counter() - t0 > 120:
            raise TimeoutError("modems not online")
        await asyncio.sleep(0.05)
    online_s = time.perf_counter() - t0
    url, token = hello["control"]

    def post_order(i: int) -> None:
        body = json.dumps({"from": "081211110001", "to": "081200000001",
                           "text": f"S10.0813{i:08d}.1234"}).encode()
        req = urllib.request.Request(url + "/api/sms", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "X-Pulsa-Token": token})
        urllib.request.urlopen(req, timeout=10).read()

    samples: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        samples.append(max(0.0, now - last[0] - 0.005))
        last[0] = now

    probe = QTimer()
    probe.setInterval(5)
    probe.timeout.connect(tick)
    loads: list[float] = []
    original_load = view._load

    def timed_load():
        t = time.perf_counter()
        try:
            return original_load()
        finally:
            loads.append(time.perf_counter() - t)

    view.refresher._load = timed_load
    stop = threading.Event()

    def traffic() -> None:
        i = 0
        while not stop.wait(1.0 / args.rate if args.rate > 0 else 3600):
            try:
                post_order(i)
            except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not crash
                print(f"  order {i} not posted: {exc}")
            i += 1

    where: dict[str, int] = {}
    gui = threading.get_ident()

    def sample() -> None:  # --profile: where the GUI thread is while it is late
        import traceback

        while not stop.wait(0.01):
            if time.perf_counter() - last[0] < 0.03:
                continue
            frame = sys._current_frames().get(gui)
            stack = [f for f in traceback.extract_stack(frame) if str(ROOT) in f.filename] if frame else []
            key = " < ".join(f"{Path(f.filename).stem}.{f.name}:{f.lineno}" for f in stack[-3:][::-1]) or "(Qt)"
            where[key] = where.get(key, 0) + 1

    if args.profile:
        threading.Thread(target=sample, daemon=True).start()
    orders0 = Order.select().count()
    feeder = threading.Thread(target=traffic, daemon=True)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    probe.start()
    feeder.start()
    polls = 0
    while time.perf_counter() - wall0 < args.seconds:
        view.poll_status()
        polls += 1
        await asyncio.sleep(1.0)
    probe.stop()
    stop.set()
    elapsed = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    done = Order.select().where(Order.status.in_(["success", "failed"])).count()
    rows = [
        ("modems online after start (s)", f"{online_s:.1f} ({len(engine.links)} modems)"),
        ("event-loop stall p50 / p99 / max (ms)",
         f"{pct(samples, 50) * 1000:.1f} / {pct(samples, 99) * 1000:.1f} / {max(samples) * 1000:.1f} "
         f"({len(samples)} ticks)"),
        ("phones view load (phone_rows) median / max (ms)",
         f"{statistics.median(loads) * 1000:.1f} / {max(loads) * 1000:.1f} ({len(loads)} refreshes)"),
        ("status polls of all modems", f"{polls} (every 1 s, 4 AT commands each per modem)"),
        ("orders placed / finished", f"{Order.select().count() - orders0} / {done}"),
        ("process CPU (engine + window + 64 workers)", f"{cpu / elapsed * 100:.0f} % of one core"),
    ]
    if args.profile:
        print("  where the GUI thread was while late (10 ms samples):")
        for key, count in sorted(where.items(), key=lambda kv: -kv[1])[:12]:
            print(f"    {count:5}  {key}")
    await server.stop()
    return rows


def bench_window(args) -> int:
    import asyncio

    import qasync
    from PySide6.QtWidgets import QApplication

    sc = window_scenario(args.modems)
    sim, parent, hello = start_simulator(sc)
    app = QApplication.instance() or QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            rows = loop.run_until_complete(_window_run(args, sc, hello))
    finally:
        sim_cpu = stop_simulator(sim, parent)
    print(f"# bench_modems --window  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(machine())
    print(f"{args.modems} virtual modems (mixed families) in a child process; engine, workers and the main "
          f"window (Telepon tab, offscreen) here; {args.seconds:.0f} s, {args.rate:g} orders/s")
    for label, value in rows:
        print(f"  {label:52} {value}")
    print(f"  {'simulator process CPU (s)':52} {sim_cpu:.1f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--modems", type=int, default=32)
    ap.add_argument("--sms", type=int, default=25, help="SMS per modem")
    ap.add_argument("--ussd", type=int, default=25, help="USSD requests per modem")
    ap.add_argument("--polls", type=int, default=50, help="signal polls (AT+CSQ) per modem")
    ap.add_argument("--idle", type=float, default=10.0, help="seconds of idle polling measured")
    ap.add_argument("--send-delay", type=float, default=0.1, help="simulated AT+CMGS network time (s)")
    ap.add_argument("--ussd-delay", type=float, default=0.1, help="simulated USSD network time (s)")
    ap.add_argument("--families", choices=("generic", "mixed"), default="generic")
    ap.add_argument("--pty", action="store_true", help="open every modem as a pty instead of socket://")
    ap.add_argument("--window", action="store_true", help="the window's event-loop stall instead")
    ap.add_argument("--seconds", type=float, default=60.0, help="--window: length of the measurement")
    ap.add_argument("--rate", type=float, default=2.0, help="--window: orders per second")
    ap.add_argument("--profile", action="store_true", help="--window: where the GUI thread was during stalls")
    args = ap.parse_args(argv)
    return bench_window(args) if args.window else bench_driver(args)


if __name__ == "__main__":
    sys.exit(main())
