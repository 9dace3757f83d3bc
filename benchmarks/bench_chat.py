#!/usr/bin/env python3
"""Benchmark: chat orders answered per second through a real XMPP server (Prosody), zero operator delay.

    .venv/bin/python benchmarks/bench_chat.py --orders 2000 --resellers 20 --chips 8   # docs/PERFORMANCE.md

Four processes, as in a shop: Prosody (a private config on a loopback port, tests/chat/prosody.py), the
virtual GSM network (chips answering with zero operator delay), the server (runtime: engine, modem worker
threads, the Jabber channel, a real SQLite file) and the resellers: `--resellers` Jabber accounts, each a
slixmpp client that sends its next order (a new destination each time) as soon as the answer to the last
one ("diproses") is in. Every order is then settled by a chip and answered again ("SUKSES", SN, balance).

Figures: orders answered per second (the first answer; the settlement answer), the latency the resellers
see (p50, p99, max) for each, and the engine's added latency: from the moment the Jabber transport hands a
message to the engine until the reply to it is handed back to the transport (p50, p99, max), measured in
the server. Afterwards: every order settled, one order per message, the ledger adds up.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import multiprocessing as mp
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PIN = "1234"
SHOP_PASSWORD = "bench-shop"
DEPOSIT = 10**10


def scenario(chips: int) -> dict:
    return {
        "name": "bench-chat", "seed": 1,
        "sms": {"send_delay": 0.002, "delivery_delay": 0.002, "report_delay": 0.01},
        "operator_defaults": {"ussd_delay": 0.0, "ussd_jitter": 0.0, "failure_rate": 0.0, "too_soon_window": 0,
                              "followup_delay": [0.0, 0.0]},
        "modems": [{"id": "chip", "count": chips, "role": "chip", "operator": "TSEL", "msisdn": "081299000001",
                    "profile": "generic", "pin": "1111", "stock": 10**12}],
    }


def _simulator(conn, sc: dict) -> None:
    from modems.sim import SimNetwork

    net = SimNetwork.from_scenario(sc)
    net.start()
    conn.send((net.control_url, net.control_token, net.api_modems()))
    conn.recv()
    net.stop()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


# --- the resellers (their own process) -------------------------------------------------------------

async def _resellers(port: int, users: list[str], orders: int) -> dict:
    from app.chat.jabber import connect, make_client

    per_user = [orders // len(users) + (1 if i < orders % len(users) else 0) for i in range(len(users))]
    first: list[float] = []
    settled: list[float] = []
    done = asyncio.Event()
    total_settled = 0
    clients = []
    begin = 0.0
    last_first = last_settled = 0.0

    async def one(index: int, user: str) -> None:
        nonlocal total_settled, last_first, last_settled
        client = make_client(f"{user}@localhost/bench", "pw", plain=True)
        started = asyncio.get_running_loop().create_future()
        answered: asyncio.Queue[None] = asyncio.Queue()
        sent_at: dict[str, float] = {}

        def on_message(msg) -> None:
            nonlocal total_settled, last_first, last_settled
            body = str(msg["body"])
            now = time.perf_counter()
            dest = next((w for w in body.split() if w.startswith("0813")), "")
            if "diproses" in body:
                first.append(now - sent_at.get(dest, now))
                last_first = now
                answered.put_nowait(None)
            elif "SUKSES" in body:
                settled.append(now - sent_at.get(dest, now))
                last_settled = now
                total_settled += 1
                if total_settled >= orders:
                    done.set()
            else:
                print("unexpected reply:", body, file=sys.stderr)
                answered.put_nowait(None)

        client.add_event_handler("session_start", lambda _e: (client.send_presence(), started.set_result(None)))
        client.add_event_handler("message", on_message)
        connect(client, "127.0.0.1", port, plain=True)
        await started
        clients.append(client)
        await go.wait()
        for k in range(per_user[index]):
            dest = f"0813{index:03d}{k:05d}"
            sent_at[dest] = time.perf_counter()
            client.send_message(mto="pulsa@localhost", mbody=f"S10.{dest}.{PIN}", mtype="chat")
            await answered.get()

    go = asyncio.Event()
    tasks = [asyncio.create_task(one(i, u)) for i, u in enumerate(users)]
    while len(clients) < len(users):
        await asyncio.sleep(0.05)
    begin = time.perf_counter()
    go.set()
    await asyncio.gather(*tasks)
    try:
        await asyncio.wait_for(done.wait(), 600)
    except TimeoutError:
        print(f"only {total_settled} of {orders} settlement answers arrived", file=sys.stderr)
    for client in clients:
        client.disconnect(wait=0.2)
    return {"first": first, "settled": settled, "first_elapsed": last_first - begin,
            "settled_elapsed": last_settled - begin}


def _reseller_process(conn, port: int, users: list[str], orders: int) -> None:
    conn.send(asyncio.run(_resellers(port, users, orders)))


# --- the server (this process) ---------------------------------------------------------------------

async def run(args) -> None:
    import datetime as dt

    from app import keyfile, ledger
    from app.chat import channels
    from app.chat.jabber import JabberTransport
    from app.chat.manager import ChannelManager
    from app.demo import configure_network, seed_demo
    from app.engine_settings import EngineSettings
    from app.runtime import Runtime, RuntimeOptions
    from storage.db import open_database
    from storage.models import Order, Reseller, ResellerAddress, Supplier
    from tests.chat.prosody import Prosody, available

    reason = available()
    if reason:
        sys.exit(reason)
    work = Path(tempfile.mkdtemp(prefix="bench-chat-"))
    server = Prosody(work / "prosody")
    server.register("pulsa", SHOP_PASSWORD)
    users = [f"r{i:03d}" for i in range(args.resellers)]
    for user in users:
        server.register(user, "pw")
    server.start()

    sc = scenario(args.chips)
    parent, child = mp.Pipe()
    sim = mp.get_context("spawn").Process(target=_simulator, args=(child, sc), daemon=True)
    sim.start()
    _control_url, _token, modems = parent.recv()

    keyfile.use_key_file(work / keyfile.KEY_FILE_NAME)
    open_database(work / "bench.db")
    seed_demo()
    configure_network(modems, sc)
    Supplier.update(stock=10**12, stock_checked_at=dt.datetime.now()).execute()
    r001 = Reseller.get(Reseller.code == "R001")
    ledger.deposit(r001.id, DEPOSIT, note="bench")
    for user in users:  # every account is one of R001's chat identities
        ResellerAddress.create(reseller=r001, channel="jabber", address=f"{user}@localhost")
    channels.save(channels.ChannelSpec("bench", "jabber", SHOP_PASSWORD, jid="pulsa@localhost", host="127.0.0.1",
                                       port=server.port))

    # the engine's added latency: from the transport's hand-over to the reply handed back to it
    arrived: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
    added: list[float] = []
    deliver, send = ChannelManager._deliver, JabberTransport.send

    async def timed_deliver(self, run_, msg):
        arrived[msg.sender.removeprefix("xmpp:")].append(time.perf_counter())
        await deliver(self, run_, msg)

    async def timed_send(self, to, text):
        if "diproses" in text:
            queue = arrived.get(to.removeprefix("xmpp:").partition("/")[0])
            if queue:
                added.append(time.perf_counter() - queue.popleft())
        await send(self, to, text)

    ChannelManager._deliver, JabberTransport.send = timed_deliver, timed_send

    runtime = Runtime(RuntimeOptions(
        engine_settings=EngineSettings(stock_check_interval_s=10**6, pending_timeout_s=120),
        modem_overrides={"sweep_interval": 3600, "health_interval": 3600, "liveness_idle": 3600, "ussd_timeout": 30}))
    await runtime.start()
    engine = runtime.engine
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while not (all(link.online for link in engine.links.values()) and runtime.chat.runs["bench"].state == "online"):
        if loop.time() > deadline:
            sys.exit("modems or the Jabber channel not online")
        await asyncio.sleep(0.1)

    rparent, rchild = mp.Pipe()
    clients = mp.get_context("spawn").Process(target=_reseller_process, args=(rchild, server.port, users, args.orders),
                                              daemon=True)
    clients.start()
    while not rparent.poll():
        await asyncio.sleep(0.1)
    result = rparent.recv()
    clients.join(10)
    await runtime.stop()
    parent.send("stop")
    sim.join(10)
    server.stop()

    statuses = collections.Counter(o.status for o in Order.select(Order.status))
    balance = Reseller.get_by_id(r001.id).balance
    ledger_sum = ledger.ledger_sum(r001.id)
    first, settled = result["first"], result["settled"]
    print(f"bench_chat {dt.date.today()} on {platform.system()} {platform.machine()}, "
          f"Python {platform.python_version()}: {args.orders} orders, {args.resellers} Jabber resellers, "
          f"{args.chips} chips, zero operator delay")
    print(f"first answers:      {len(first)} in {result['first_elapsed']:.1f} s = "
          f"{len(first) / max(result['first_elapsed'], 1e-9):.0f}/s; latency p50 {pct(first, .5) * 1000:.0f} ms, "
          f"p99 {pct(first, .99) * 1000:.0f} ms, max {max(first, default=0) * 1000:.0f} ms")
    print(f"settlement answers: {len(settled)} in {result['settled_elapsed']:.1f} s = "
          f"{len(settled) / max(result['settled_elapsed'], 1e-9):.0f}/s; latency p50 {pct(settled, .5) * 1000:.0f} ms,"
          f" p99 {pct(settled, .99) * 1000:.0f} ms, max {max(settled, default=0) * 1000:.0f} ms")
    print(f"engine's added latency (transport in -> reply out): p50 {pct(added, .5) * 1000:.1f} ms, "
          f"p99 {pct(added, .99) * 1000:.1f} ms, max {max(added, default=0) * 1000:.1f} ms ({len(added)} replies)")
    print(f"orders: {dict(statuses)}; R001 balance {balance} = ledger {ledger_sum}: "
          f"{'OK' if balance == ledger_sum else 'MISMATCH'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--resellers", type=int, default=20)
    parser.add_argument("--chips", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
