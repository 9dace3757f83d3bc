#!/usr/bin/env python3
"""Benchmark: H2H orders accepted per second, JSON API and OtomaX `/trx`, 50 concurrent buyers.

    .venv/bin/python benchmarks/bench_h2h.py --orders 3000 --chips 8   # docs/PERFORMANCE.md "H2H"
    .venv/bin/python benchmarks/bench_h2h.py --orders 3000 --chips 0   # acceptance alone, no chips working

Three processes, as in a shop: the virtual GSM network (chips answering with zero operator delay) in
one, the server (runtime: engine, modem worker threads, H2H server on its loop, a real SQLite file) in
another, and the buyers in a third: `--buyers` H2H members, one aiohttp client each, a new refID and
destination every order. Four runs of `--orders` each: the JSON API (HMAC-signed) and `/trx` (OtomaX
sign) with every buyer sending its next order as soon as the last is answered (the most the server
takes), then both again with the buyers together offering `--rate` orders a second on their own clocks.
Meanwhile the engine dispatches the accepted orders to the chips and settles them.

Figures: orders accepted per second (answers "processing") and the latency the buyers see (p50, p99,
max) per run; the time a request spends in the server's desk; how late the event loop ran a 5 ms timer;
afterwards, once every order is settled, the ledger: each member's balance equals the sum of its ledger
rows and its deposit minus its orders not refunded, and no refID made two orders. Targets: ≥ 500
orders/s accepted, p99 < 50 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import multiprocessing as mp
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "bench-secret"
PIN = "2468"
DEPOSIT = 10**10


def scenario(chips: int) -> dict:
    return {
        "name": "bench-h2h", "seed": 1,
        "sms": {"send_delay": 0.002, "delivery_delay": 0.002, "report_delay": 0.01},
        "operator_defaults": {"ussd_delay": 0.0, "ussd_jitter": 0.0, "failure_rate": 0.0, "too_soon_window": 0},
        "modems": ([{"id": "chip", "count": chips, "role": "chip", "operator": "TSEL", "msisdn": "081299000001",
                     "profile": "generic", "pin": "1111", "stock": 10**12}] if chips else []),
    }


def _simulator(conn, sc: dict) -> None:
    from modems.sim import SimNetwork

    net = SimNetwork.from_scenario(sc)
    net.start()
    conn.send((net.control_url, net.control_token, net.api_modems()))
    conn.recv()
    net.stop()


# --- the buyers (their own process) ---------------------------------------------------------------

def _otomax_sign(member: str, product: str, dest: str, ref: str) -> str:
    import base64

    raw = hashlib.sha1(f"OtomaX|{member}|{product}|{dest}|{ref}|{PIN}|{PASSWORD}".encode()).digest()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def _buyers(url: str, door: str, members: list[str], orders: int, start_no: int, rate: float) -> dict:
    """`rate` 0: each buyer sends its next order when the answer to the last one is in (the most the
    server takes). Else the buyers together offer `rate` orders a second, each on its own clock whether
    or not earlier answers are in (as a buyer server passing on its own customers' orders)."""
    import aiohttp

    latencies: list[float] = []
    accepted = refused = errors = 0
    per_buyer = [orders // len(members) + (1 if i < orders % len(members) else 0) for i in range(len(members))]
    connector = aiohttp.TCPConnector(limit=0 if rate else len(members) + 10, resolver=aiohttp.ThreadedResolver())
    async with aiohttp.ClientSession(connector=connector) as session:
        async def one(member: str, n: int) -> None:
            nonlocal accepted, refused, errors
            ref = f"{door[0].upper()}{n}"
            dest = f"0812{n:08d}"
            t0 = time.perf_counter()
            try:
                if door == "json":
                    body = json.dumps({"ref_id": ref, "product": "S10", "dest": dest}).encode()
                    stamp = str(int(time.time()))
                    canonical = "\n".join(("POST", "/api/v1/orders", stamp, hashlib.sha256(body).hexdigest()))
                    signature = hmac.new(PASSWORD.encode(), canonical.encode(), hashlib.sha256).hexdigest()
                    async with session.post(url + "/api/v1/orders", data=body, headers={
                            "X-Pulsa-Key": member, "X-Pulsa-Timestamp": stamp,
                            "X-Pulsa-Signature": signature, "Content-Type": "application/json"}) as resp:
                        data = await resp.json()
                        ok = resp.status == 200 and data.get("status") == "processing"
                else:
                    params = {"product": "S10", "qty": "1", "dest": dest, "refID": ref, "memberID": member,
                              "sign": _otomax_sign(member, "S10", dest, ref)}
                    async with session.get(url + "/trx", params=params) as resp:
                        text = await resp.text()
                        ok = resp.status == 200 and "sedang diproses" in text
            except Exception:
                errors += 1
                return
            latencies.append(time.perf_counter() - t0)
            if ok:
                accepted += 1
            else:
                refused += 1

        async def buyer(index: int, member: str) -> None:
            numbers = [start_no + index * 100_000 + k for k in range(per_buyer[index])]
            if not rate:
                for n in numbers:
                    await one(member, n)
                return
            interval = len(members) / rate
            begin = time.perf_counter() + index * interval / len(members)  # the buyers' clocks spread out
            tasks = []
            for k, n in enumerate(numbers):
                pause = begin + k * interval - time.perf_counter()
                if pause > 0:
                    await asyncio.sleep(pause)
                tasks.append(asyncio.create_task(one(member, n)))
            await asyncio.gather(*tasks)

        start = time.perf_counter()
        await asyncio.gather(*(buyer(i, m) for i, m in enumerate(members)))
        elapsed = time.perf_counter() - start
    return {"door": door, "accepted": accepted, "refused": refused, "errors": errors, "elapsed": elapsed,
            "latencies": latencies}


def _buyer_process(conn, url: str, members: list[str], orders: int, runs: list[tuple[str, float]]) -> None:
    results = []
    for no, (door, rate) in enumerate(runs):
        result = asyncio.run(_buyers(url, door, members, orders, (no + 1) * 10_000_000, rate))
        result["rate"] = rate
        results.append(result)
    conn.send(results)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


# --- the server (this process) --------------------------------------------------------------------

async def run(args) -> None:
    import datetime as dt

    from app import keyfile, ledger
    from app.demo import configure_network, seed_demo
    from app.engine_settings import EngineSettings
    from app.h2h import members
    from app.runtime import Runtime, RuntimeOptions
    from storage.db import open_database
    from storage.models import Order, Reseller, Supplier

    sc = scenario(args.chips)
    parent, child = mp.Pipe()
    sim = mp.get_context("spawn").Process(target=_simulator, args=(child, sc), daemon=True)
    sim.start()
    _control_url, _token, modems = parent.recv()

    work = Path(tempfile.mkdtemp())
    keyfile.use_key_file(work / keyfile.KEY_FILE_NAME)
    open_database(work / "bench.db")
    seed_demo(h2h=True)
    configure_network(modems, sc)
    Supplier.update(stock=10**12, stock_checked_at=dt.datetime.now()).execute()
    codes = [f"B{i:03d}" for i in range(1, args.buyers + 1)]
    from app.pins import hash_pin, new_salt
    from storage.models import PriceGroup, ResellerAddress

    group = PriceGroup.get(PriceGroup.code == "AGEN")
    for i, code in enumerate(codes):
        salt = new_salt()
        r = Reseller.create(code=code, name=f"Buyer {code}", price_group=group, pin_salt=salt,
                            pin_hash=hash_pin(PIN, salt))
        ResellerAddress.create(reseller=r, channel="sms", address=f"08121999{i:04d}", is_main=True)
        ledger.deposit(r.id, DEPOSIT, note="bench")
        members.save(r.id, actor="bench", password=PASSWORD, pin=PIN, allowed_ips=["127.0.0.1"])

    runtime = Runtime(RuntimeOptions(
        engine_settings=EngineSettings(stock_check_interval_s=10**6, pending_timeout_s=120),
        modem_overrides={"sweep_interval": 3600, "health_interval": 3600, "liveness_idle": 3600, "ussd_timeout": 30},
        h2h_port=0))
    await runtime.start()
    engine = runtime.engine
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while not all(link.online for link in engine.links.values()):
        if loop.time() > deadline:
            raise SystemExit("modems did not come online")
        await asyncio.sleep(0.1)
    url = runtime.h2h.url
    stalls: list[float] = []

    async def watch_loop() -> None:  # how late the loop runs a 5 ms timer: what every request waits for too
        while True:
            t = loop.time()
            await asyncio.sleep(0.005)
            stalls.append(loop.time() - t - 0.005)

    watcher = asyncio.create_task(watch_loop())
    desk_times: list[float] = []
    original_submit = runtime.h2h.desk._submit

    async def timed_submit(*a, **k):
        t = time.perf_counter()
        try:
            return await original_submit(*a, **k)
        finally:
            desk_times.append(time.perf_counter() - t)

    runtime.h2h.desk._submit = timed_submit

    doors = ["json", "trx"] if args.door == "both" else [args.door]
    runs = [(door, 0.0) for door in doors] + ([(door, args.rate) for door in doors] if args.rate else [])
    bparent, bchild = mp.Pipe()
    buyers = mp.get_context("spawn").Process(target=_buyer_process,
                                             args=(bchild, url, codes, args.orders, runs), daemon=True)
    cpu0 = time.process_time()
    buyers.start()
    while not bparent.poll():
        await asyncio.sleep(0.05)
    results = bparent.recv()
    accept_cpu = time.process_time() - cpu0
    watcher.cancel()
    buyers.join(5)

    # every accepted order settled (chips answer at once), then the books
    t_settle = time.perf_counter()
    open_statuses = ("queued", "sending")
    while Order.select().where(Order.status.in_(open_statuses)).count():
        if time.perf_counter() - t_settle > args.settle_timeout:
            print("timed out waiting for the orders to settle")
            break
        await asyncio.sleep(0.5)
    settle_s = time.perf_counter() - t_settle
    await runtime.stop()
    parent.send("stop")
    sim.join(5)

    statuses = {s: Order.select().where(Order.status == s).count()
                for s in ("success", "failed", "suspect", "queued", "sending")}
    bad = []
    refs = 0
    for code in codes:
        r = Reseller.get(Reseller.code == code)
        rows = list(Order.select(Order.price, Order.refunded, Order.ref_id).where(Order.reseller == r.id).tuples())
        refs += len(rows)
        spent = sum(price for price, refunded, _ref in rows if not refunded)
        if r.balance != ledger.ledger_sum(r.id) or r.balance != DEPOSIT - spent:
            bad.append(code)
        if len({ref for _p, _r, ref in rows}) != len(rows):
            bad.append(f"{code} refID twice")
    accepted_total = sum(r["accepted"] for r in results)

    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}; "
          f"{args.buyers} buyers, {args.orders} orders per run, {args.chips} chips with zero operator delay; "
          f"SQLite file")
    for r in results:
        lat = r["latencies"]
        how = f"offered {r['rate']:g}/s" if r["rate"] else "as fast as answered"
        print(f"{r['door']:>4}, {how}: {r['accepted']} accepted, {r['refused']} refused, {r['errors']} errors in "
              f"{r['elapsed']:.2f} s = {r['accepted'] / r['elapsed']:,.0f} orders/s accepted; latency p50 "
              f"{pct(lat, .5) * 1000:.1f} ms, p99 {pct(lat, .99) * 1000:.1f} ms, max {max(lat or [0]) * 1000:.0f} ms")
    print(f"server: request in the desk (waiting for its batch, decided, committed): p50 "
          f"{pct(desk_times, .5) * 1000:.1f} ms, p99 {pct(desk_times, .99) * 1000:.1f} ms")
    print(f"event loop lateness while accepting: p50 {pct(stalls, .5) * 1000:.1f} ms, "
          f"p99 {pct(stalls, .99) * 1000:.1f} ms, max {max(stalls or [0]) * 1000:.0f} ms")
    print(f"server CPU while accepting: {accept_cpu:.1f} s ({accept_cpu / max(1, accepted_total) * 1000:.2f} "
          f"ms/order, incl. dispatching to chips meanwhile)")
    print(f"orders: {statuses}; settled {settle_s:.1f} s after the last request")
    print(f"ledger: {'exact' if not bad and refs == accepted_total else 'WRONG ' + ', '.join(bad[:5])} "
          f"({refs} orders for {accepted_total} accepted answers)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=3000, help="orders per run")
    ap.add_argument("--buyers", type=int, default=50)
    ap.add_argument("--chips", type=int, default=8)
    ap.add_argument("--door", choices=("both", "json", "trx"), default="both")
    ap.add_argument("--rate", type=float, default=500,
                    help="after the as-fast-as-answered runs, the same again at this offered rate (0: skip)")
    ap.add_argument("--settle-timeout", type=float, default=600)
    ap.add_argument("--profile", help="write a cProfile of the server process to this file")
    args = ap.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING)
    if args.profile:
        import cProfile

        cProfile.runctx("asyncio.run(run(args))", globals(), {"args": args, "asyncio": asyncio, "run": run},
                        args.profile)
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
