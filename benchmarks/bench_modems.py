#!/usr/bin/env python3
"""Benchmark: many virtual modems driven in parallel through the blocking driver.

    .venv/bin/python benchmarks/bench_modems.py [--modems 32] [--sms 25] [--ussd 25]
                                                [--send-delay 0.1] [--ussd-delay 0.1]

The virtual GSM network runs in a child process, so the CPU time measured here is the driver's
alone (the simulator's own CPU time is printed separately). One thread per modem, as in the app
(one QThread per modem), each opening its port, running the init sequence, then alternating
SMS sends (AT+CMGS to a subscriber) and USSD stock queries (AT+CUSD=2, AT+CUSD=1 and the +CUSD
answer). The simulated network answers AT+CMGS after --send-delay and USSD after --ussd-delay;
"driver latency" is the measured latency of one operation minus that delay.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHIP_PIN = "1234"


def scenario(modems: int, send_delay: float, ussd_delay: float) -> dict:
    return {
        "name": "bench",
        "seed": 1,
        "sms": {"send_delay": send_delay, "delivery_delay": 0.01, "report_delay": 0.01},
        "operator_defaults": {"ussd_delay": ussd_delay, "ussd_jitter": 0.0, "failure_rate": 0.0},
        "modems": [
            {"id": "m", "count": modems, "role": "chip", "operator": "TSEL", "msisdn": "081211110001",
             "profile": "generic", "pin": CHIP_PIN, "stock": 10**9},
        ],
    }


def _simulator(conn, modems: int, send_delay: float, ussd_delay: float) -> None:
    """Child process: run the network until told to stop, then report its own CPU time."""
    from modems.sim import SimNetwork

    net = SimNetwork.from_scenario(scenario(modems, send_delay, ussd_delay))
    net.start()
    conn.send([(m.id, m.port_url, m.msisdn) for m in net.modems])
    cpu0 = time.process_time()
    conn.recv()  # "stop"
    cpu = time.process_time() - cpu0
    net.stop()
    conn.send(cpu)


@dataclass
class Tally:
    init: list[float] = field(default_factory=list)
    sms: list[float] = field(default_factory=list)
    ussd: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _worker(port_url: str, index: int, n_sms: int, n_ussd: int, start: threading.Barrier, tally: Tally) -> None:
    from modems.driver import Modem, ModemConfig
    from modems.types import UssdOutcome

    modem = Modem(port_url, ModemConfig(sweep_interval=3600, health_interval=3600, liveness_idle=3600),
                  modem_id=f"bench{index}")
    t0 = time.perf_counter()
    try:
        modem.open()
    except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not crash
        with tally.lock:
            tally.errors.append(f"open {port_url}: {exc}")
        start.wait()
        return
    init = time.perf_counter() - t0
    start.wait()
    sms_t: list[float] = []
    ussd_t: list[float] = []
    errors: list[str] = []
    dest = f"0813{index:04d}{0:04d}"
    try:
        for i in range(max(n_sms, n_ussd)):
            if i < n_sms:
                t = time.perf_counter()
                result = modem.send_sms(dest, f"Bench {index}/{i}: pesanan diproses, SN 1234567890")
                sms_t.append(time.perf_counter() - t)
                if not result.ok:
                    errors.append(f"sms {index}/{i}: {[p.error for p in result.parts]}")
            if i < n_ussd:
                t = time.perf_counter()
                res = modem.ussd(f"*776*{CHIP_PIN}#", secrets=(CHIP_PIN,))
                ussd_t.append(time.perf_counter() - t)
                if res.outcome != UssdOutcome.DONE:
                    errors.append(f"ussd {index}/{i}: {res.outcome.value} {res.error}")
    finally:
        modem.close()
    with tally.lock:
        tally.init.append(init)
        tally.sms += sms_t
        tally.ussd += ussd_t
        tally.errors += errors


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _row(name: str, values: list[float], delay: float) -> str:
    if not values:
        return f"| {name} | 0 | - | - | - | - |"
    med = statistics.median(values)
    p95 = _pct(values, 0.95)
    return (f"| {name} | {len(values)} | {med * 1000:.1f} | {p95 * 1000:.1f} | "
            f"{(med - delay) * 1000:.1f} | {(p95 - delay) * 1000:.1f} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--modems", type=int, default=32)
    ap.add_argument("--sms", type=int, default=25, help="SMS per modem")
    ap.add_argument("--ussd", type=int, default=25, help="USSD requests per modem")
    ap.add_argument("--send-delay", type=float, default=0.1, help="simulated AT+CMGS network time (s)")
    ap.add_argument("--ussd-delay", type=float, default=0.1, help="simulated USSD network time (s)")
    args = ap.parse_args(argv)

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    sim = ctx.Process(target=_simulator, args=(child, args.modems, args.send_delay, args.ussd_delay), daemon=True)
    sim.start()
    modems = parent.recv()

    tally = Tally()
    start = threading.Barrier(len(modems) + 1)
    threads = [
        threading.Thread(target=_worker, args=(url, i, args.sms, args.ussd, start, tally), daemon=True)
        for i, (_id, url, _msisdn) in enumerate(modems)
    ]
    t_init = time.perf_counter()
    for t in threads:
        t.start()
    start.wait()  # every modem is open and initialised
    init_wall = time.perf_counter() - t_init
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    parent.send("stop")
    sim_cpu = parent.recv()
    sim.join(10)

    ops = len(tally.sms) + len(tally.ussd)
    print(f"# bench_modems  {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(f"python {platform.python_version()} on {platform.machine()}, {mp.cpu_count()} CPU(s), {platform.platform()}")
    print(f"{len(modems)} virtual modems, one driver thread each; simulator in a child process")
    print(f"network delays: AT+CMGS {args.send_delay * 1000:.0f} ms, USSD {args.ussd_delay * 1000:.0f} ms")
    print()
    print(f"init (open + init sequence, all modems in parallel): {init_wall:.2f} s wall, "
          f"median {statistics.median(tally.init) * 1000 if tally.init else float('nan'):.0f} ms per modem")
    print(f"operations: {ops} ({len(tally.sms)} SMS, {len(tally.ussd)} USSD) in {wall:.2f} s "
          f"= {ops / wall:.1f} ops/s")
    print(f"driver CPU: {cpu:.2f} s = {cpu / ops * 1000:.2f} ms per operation "
          f"(simulator process: {sim_cpu:.2f} s = {sim_cpu / ops * 1000:.2f} ms per operation)")
    print(f"errors: {len(tally.errors)}")
    for e in tally.errors[:10]:
        print(f"  {e}")
    print()
    print("| operation | count | median ms | p95 ms | driver adds, median ms | driver adds, p95 ms |")
    print("|---|---|---|---|---|---|")
    print(_row("SMS (1 part)", tally.sms, args.send_delay))
    print(_row("USSD stock query", tally.ussd, args.ussd_delay))
    return 0 if not tally.errors else 1


if __name__ == "__main__":
    sys.exit(main())
