#!/usr/bin/env python3
"""Soak: hundreds of orders while the server is killed (SIGKILL) again and again, then the books.

    .venv/bin/python benchmarks/soak.py [--orders 600 --kills 25 --rate 3 --seed N] [--kill-sim [N]]
                                        [--no-faults] [--quiet 300] [--workdir DIR] [--json FILE]

Two long-lived processes, as in a shop: the virtual GSM network (`python -m modems.sim --scenario …
--state …`, fixed ports, a token) and the server (`main.py --headless --config soak.json --db soak.db
--data-dir …`, its config pointing at the network's modems: a center, two senders, Telkomsel, Indosat,
XL and Tri chips, an upstream account). Resellers' order SMS go in through the control API, each to a
destination of its own, at `--rate` a second. Meanwhile the server is killed at random moments and
started again on the same database, the network's modems get faults at random (unplug, hang, garbage,
slow, duplicated SMS), and with `--kill-sim` the network is killed and restarted from its state file
too. After a final kill and restart, and a quiet period until nothing moves any more, it checks:

- every order SMS became exactly one order (lost, duplicated);
- no destination was credited twice, or credited while its order was refunded, or left without airtime
  while its order says success (the network's own top-up records against the database);
- each reseller's balance equals the sum of its ledger, the ledger chain is unbroken, every order has
  one debit and (only when failed) one refund, and the balance equals deposits minus orders kept;
- replies per order (0, 1, more; final results among them), orders sent to the upstream, suspects left
  and how many the server settled from the chips' history without the owner.

Exit status 1 when an invariant breaks (lost, duplicated, double credit, credit after refund, success
without credit, ledger mismatch), 2 when the soak itself could not run. The work folder keeps the
database, the network's state, both processes' logs and `soak-result.json`.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from modems.sim import ApiError, ControlClient  # noqa: E402 - after the path set-up above

CENTER = "081200000001"
UPSTREAM_NUMBER = "081299990000"
UPSTREAM_ACCOUNT = "081200000003"
# (code, phone, pin) of the demo shop's resellers (app/demo.py)
RESELLERS = (("R001", "081211110001", "1234"), ("R002", "081211110002", "4321"), ("R003", "081211110003", "5555"))
# (product, destination prefix, weight): Smartfren has no chip, so SM10 always goes to the upstream
PRODUCTS = (("S10", "0812", 25), ("S5", "0813", 10), ("I10", "0857", 20), ("X10", "0817", 20),
            ("T10", "0896", 15), ("SM10", "0881", 10))
FAULTS = ("unplug", "hang", "garbage", "slow", "duplicate_sms")
FAULT_PARAMS: dict[str, dict] = {"garbage": {"count": 32, "interval": 1.0}, "slow": {"delay": 2.0}}
# the engine's timers, shortened so a soak settles in minutes (a config file's "engine" section;
# reconcile_interval_s comes from --reconcile, and an upstream suspect is asked again after three of them)
ENGINE = {"pending_timeout_s": 120, "queue_timeout_s": 300}
RESEND_CHECK_INTERVALS = 3
TRX = re.compile(r"^TrxID (\d+): \S+ ke (\d+) (SUKSES|GAGAL|belum ada kepastian|masih diproses)")
FINAL_REPLY = {"SUKSES": "success", "GAGAL": "failed"}


@dataclass
class Options:
    orders: int = 600
    kills: int = 25
    rate: float = 3.0
    seed: int = 0
    sim_kills: int = 0
    faults: bool = True
    quiet: float = 300.0  # at most this long for everything to settle after the final restart
    stable: float = 10.0  # nothing may move for this long to call it settled
    kill_tail: float = 10.0  # kills go on this long after the last order was sent
    reconcile: float = 20.0  # the engine's reconcile_interval_s
    workdir: Path | None = None
    json_out: Path | None = None
    verbose: bool = False


@dataclass
class Order:
    index: int
    reseller: str
    phone: str
    pin: str
    product: str
    dest: str

    @property
    def text(self) -> str:
        return f"{self.product}.{self.dest}.{self.pin}"


# --- the two processes -------------------------------------------------------------------------------

class Child:
    """A child process whose output goes to a log file; `ready` is set once it prints `ready_text`."""

    def __init__(self, name: str, cmd: list[str], log_path: Path, ready_text: str, verbose: bool) -> None:
        self.name, self.cmd, self.log_path, self.ready_text, self.verbose = name, cmd, log_path, ready_text, verbose
        self.proc: subprocess.Popen | None = None
        self.ready = threading.Event()
        self.starts = 0
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        env = dict(os.environ, PULSA_NO_BOOTSTRAP="1", PYTHONUNBUFFERED="1")
        self.ready = threading.Event()
        self.starts += 1
        log = open(self.log_path, "a", encoding="utf-8")  # closed by the reader
        log.write(f"\n===== {self.name} start {self.starts} at {time.strftime('%H:%M:%S')} =====\n")
        log.flush()
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, encoding="utf-8", errors="replace")
        self._reader = threading.Thread(target=self._read, args=(self.proc, log, self.ready), daemon=True)
        self._reader.start()

    def _read(self, proc: subprocess.Popen, log: Any, ready: threading.Event) -> None:
        assert proc.stdout is not None
        with log:
            for line in proc.stdout:
                log.write(line)
                if self.verbose:
                    print(f"[{self.name}] {line}", end="", flush=True)
                if line.startswith(self.ready_text):
                    ready.set()
        proc.stdout.close()

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready.wait(0.1):
            if self.proc is None or self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start (see {self.log_path})")

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)
        if self._reader is not None:
            self._reader.join(10)

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM and wait (SIGKILL if it does not end); its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._reader is not None:
            self._reader.join(10)
        return self.proc.returncode


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


# --- the shop and its network ------------------------------------------------------------------------

MODEMS = (  # id, role, operator, msisdn, profile, pin, stock
    ("center", "center", "TSEL", CENTER, "generic", None, 0),
    ("sender-1", "sender", "TSEL", "081200000002", "simcom", None, 0),
    ("sender-2", "sender", "TSEL", "081200000004", "generic", None, 0),
    ("tsel-1", "chip", "TSEL", "081299000001", "huawei", "1234", 50_000_000),
    ("tsel-2", "chip", "TSEL", "081299000002", "generic", "4321", 50_000_000),
    ("isat-1", "chip", "ISAT", "085711110001", "generic", "1111", 50_000_000),
    ("xl-1", "chip", "XL", "081711110001", "simcom", "2222", 50_000_000),
    ("tri-1", "chip", "TRI", "089611110001", "generic", "3333", 50_000_000),
    ("allop", "spare", "TSEL", UPSTREAM_ACCOUNT, "generic", None, 0),
)


def scenario(ports: list[int], seed: int) -> dict:
    modems = []
    for (mid, role, op, msisdn, profile, pin, stock), port in zip(MODEMS, ports):
        m: dict[str, Any] = {"id": mid, "role": role, "operator": op, "msisdn": msisdn, "profile": profile,
                             "port": port}
        if pin:
            m.update(pin=pin, stock=stock)
        modems.append(m)
    return {
        "name": "soak", "seed": seed, "smsc": "+6281100000",
        "sms": {"send_delay": 0.15, "delivery_delay": 0.3, "report_delay": 0.5},
        "reset_delay": 1.0,
        # too_soon_window 0: a top-up sent twice by the server must show as a double credit, not be
        # refused by the operator's own repeat guard
        "operator_defaults": {"ussd_delay": 0.5, "ussd_jitter": 0.2, "followup_delay": [1, 4],
                              "failure_rate": 0.03, "too_soon_window": 0},
        "modems": modems,
        "upstreams": [{"id": "upline", "name": "Upline Pulsa", "msisdn": UPSTREAM_NUMBER, "delay": 1.0,
                       "markup": 150, "failure_rate": 0.03,
                       "accounts": [{"msisdn": UPSTREAM_ACCOUNT, "pin": "5566", "balance": 100_000_000,
                                     "code": "PLS001"}]}],
    }


def config(ports: list[int], reconcile: float) -> dict:
    modems = []
    for (mid, role, op, _msisdn, _profile, pin, _stock), port in zip(MODEMS, ports):
        m: dict[str, Any] = {"name": mid, "port": f"socket://127.0.0.1:{port}"}
        if role == "spare":
            m.update(roles=["upstream"], upstream={"to": UPSTREAM_NUMBER, "pin": "5566", "name": "Upline Pulsa",
                                                  "status_by_resend": True})
        else:
            m["roles"] = [role]
        if role == "chip":
            m.update(operator=op, pin=pin)
        modems.append(m)
    return {"modems": modems, "engine": {**ENGINE, "reconcile_interval_s": reconcile,
                                         "resend_check_after_s": RESEND_CHECK_INTERVALS * reconcile}}


def plan_orders(n: int, rng: random.Random) -> list[Order]:
    weights = [w for _, _, w in PRODUCTS]
    base = rng.randrange(10**6, 9 * 10**6)
    out = []
    for i in range(n):
        product, prefix, _ = rng.choices(PRODUCTS, weights)[0]
        code, phone, pin = RESELLERS[i % len(RESELLERS)]
        out.append(Order(i, code, phone, pin, product, f"{prefix}{base + i:08d}"))
    return out


def seed_shop(python: str, db: Path, data: Path, orders: list[Order]) -> dict[str, int]:
    """The demo shop (`main.py seed-demo`) and a deposit per reseller for its share of the orders."""
    subprocess.run([python, str(ROOT / "main.py"), "seed-demo", "--db", str(db), "--data-dir", str(data)],
                   cwd=ROOT, env=dict(os.environ, PULSA_NO_BOOTSTRAP="1"), check=True, capture_output=True)
    share = Counter(o.reseller for o in orders)
    deposits = {code: 15_000 * share[code] + 100_000 for code, _, _ in RESELLERS}
    script = ("import sys\nfrom pathlib import Path\nfrom app import keyfile, ledger\n"
              "from storage.db import open_database, close_database\nfrom storage.models import Reseller\n"
              "keyfile.use_key_file(Path(sys.argv[2]) / keyfile.KEY_FILE_NAME)\nopen_database(sys.argv[1])\n"
              "for pair in sys.argv[3:]:\n    code, amount = pair.split('=')\n"
              "    ledger.deposit(Reseller.get(Reseller.code == code).id, int(amount), note='soak', actor='soak')\n"
              "close_database()\n")
    subprocess.run([python, "-c", script, str(db), str(data), *(f"{c}={a}" for c, a in deposits.items())],
                   cwd=ROOT, check=True, capture_output=True)
    return deposits


# --- while the orders flow ---------------------------------------------------------------------------

def retry(fn: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    """fn() until it does not fail for want of a connection (the network being restarted)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: the network does not answer ({exc})") from None
            time.sleep(0.2)


def stratified(rng: random.Random, count: int, start: float, end: float) -> list[float]:
    """`count` random moments in [start, end), one in each of `count` equal slots (spread, yet random)."""
    if count <= 0:
        return []
    width = (end - start) / count
    return [start + width * (i + rng.random()) for i in range(count)]


class Faults:
    """Random faults on random modems, each held a few seconds, at most two at a time."""

    def __init__(self, api: ControlClient, rng: random.Random) -> None:
        self.api, self.rng = api, rng
        self.active: list[tuple[str, str, float]] = []
        self.applied: Counter[str] = Counter()
        self.started: dict[tuple[str, str], datetime] = {}
        # (modem, kind, from, to) in the server's clock (local time), to tell a fallback to the upstream
        # because a chip was unplugged or hung from one because of a restart
        self.log: list[tuple[str, str, datetime, datetime]] = []
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="soak-faults", daemon=True)

    def _run(self) -> None:
        modems = [m[0] for m in MODEMS]
        while not self.stop_event.wait(self.rng.uniform(1.0, 5.0)):
            now = time.monotonic()
            for item in [a for a in self.active if a[2] <= now]:
                self.active.remove(item)
                self._clear(item[0], item[1])
            if len(self.active) >= 2:
                continue
            modem, kind = self.rng.choice(modems), self.rng.choice(FAULTS)
            try:
                self.api.post("/api/faults", {"modem": modem, "kind": kind, **FAULT_PARAMS.get(kind, {})})
            except (ApiError, OSError):
                continue  # the network is being restarted (and forgets its faults)
            self.applied[kind] += 1
            self.started[(modem, kind)] = datetime.now()
            self.active.append((modem, kind, now + self.rng.uniform(2.0, 12.0)))

    def _clear(self, modem: str, kind: str) -> None:
        began = self.started.pop((modem, kind), None)
        if began is not None:
            self.log.append((modem, kind, began, datetime.now()))
        try:
            self.api("DELETE", f"/api/faults?modem={modem}&kind={kind}")
        except (ApiError, OSError):
            pass

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(30)
        retry(lambda: self.api.post("/api/faults/clear", {}), "clear faults")
        for modem, kind in list(self.started):
            self.log.append((modem, kind, self.started.pop((modem, kind)), datetime.now()))
        self.active.clear()


@dataclass
class Kill:
    at: float  # seconds since the first order
    ready: bool  # the server had finished starting
    down: float  # seconds before it was started again


class Killer:
    """SIGKILL the server at the given moments and start it again on the same database."""

    def __init__(self, server: Child, moments: list[float], t0: float, rng: random.Random) -> None:
        self.server, self.moments, self.t0, self.rng = server, moments, t0, rng
        self.kills: list[Kill] = []
        self.thread = threading.Thread(target=self._run, name="soak-killer", daemon=True)

    def _run(self) -> None:
        for moment in self.moments:
            pause = self.t0 + moment - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self.kills.append(kill_and_restart(self.server, self.rng, time.monotonic() - self.t0))

    def start(self) -> None:
        self.thread.start()

    def join(self) -> None:
        self.thread.join()


def kill_and_restart(server: Child, rng: random.Random, at: float) -> Kill:
    ready = server.ready.is_set()
    server.kill()
    down = rng.uniform(0.0, 1.5)
    time.sleep(down)
    server.start()
    return Kill(round(at, 2), ready, round(down, 2))


# --- settling and the books --------------------------------------------------------------------------

def db_rows(db: Path, query: str, args: tuple = ()) -> list[tuple]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute(query, args).fetchall()
    finally:
        con.close()


def movement(db: Path, api: ControlClient) -> tuple:
    """What still moves: orders not final, replies not sent, the network's pending work and stores."""
    open_orders = db_rows(db, 'SELECT COUNT(*) FROM "order" WHERE status IN (\'queued\', \'sending\')')[0][0]
    suspects = db_rows(db, 'SELECT COUNT(*) FROM "order" WHERE status = \'suspect\'')[0][0]
    orders = db_rows(db, 'SELECT COUNT(*) FROM "order"')[0][0]
    outbox = db_rows(db, "SELECT COUNT(*) FROM outbound_message WHERE status = 'queued'")[0][0]
    net = api.get("/api/network")["state"]["deferred"]
    stores = sum(m["store"]["used"] + m["store"]["backlog"] for m in
                 (api.get(f"/api/modems/{mid}") for mid, *_ in MODEMS))
    return orders, open_orders, suspects, outbox, net, stores


def settle(db: Path, api: ControlClient, opts: Options, log: Callable[[str], None]) -> tuple[bool, float]:
    """Wait until nothing moves for `stable` seconds (longer while suspects wait for reconciliation)."""
    quiet, stable = opts.quiet, opts.stable
    start = time.monotonic()
    last, since = None, time.monotonic()
    while time.monotonic() - start < quiet:
        state = retry(lambda: movement(db, api), "settle")
        if state != last:
            log(f"  settling: orders {state[0]}, open {state[1]}, suspect {state[2]}, outbox {state[3]}, "
                f"network pending {state[4]}, in modem stores {state[5]}")
            last, since = state, time.monotonic()
        _orders, open_orders, suspects, outbox, pending, stores = state
        need = stable + ((RESEND_CHECK_INTERVALS + 1) * opts.reconcile + 5 if suspects else 0)
        if not (open_orders or outbox or pending or stores) and time.monotonic() - since >= need:
            return True, time.monotonic() - start
        time.sleep(1.0)
    return False, time.monotonic() - start


@dataclass
class Books:
    """What the soak found; `broken` holds the invariants that failed, with their evidence."""

    figures: dict = field(default_factory=dict)
    broken: dict[str, list] = field(default_factory=dict)
    notes: dict[str, list] = field(default_factory=dict)

    def fail(self, invariant: str, evidence: Any) -> None:
        self.broken.setdefault(invariant, []).append(evidence)

    def note(self, what: str, evidence: Any) -> None:
        self.notes.setdefault(what, []).append(evidence)


def chips_down(fault_log: list[tuple[str, str, datetime, datetime]], operator: str, start: datetime,
               end: datetime) -> bool:
    """Every chip of `operator` was unplugged or hung at some moment between `start` and `end`."""
    chips = [m[0] for m in MODEMS if m[1] == "chip" and m[2] == operator]
    return bool(chips) and all(any(m == chip and kind in ("unplug", "hang") and a <= end and b >= start
                                   for m, kind, a, b in fault_log) for chip in chips)


def check(db: Path, api: ControlClient, orders: list[Order],
          fault_log: list[tuple[str, str, datetime, datetime]] | None = None) -> Books:
    books = Books()
    rows = db_rows(db, 'SELECT o.id, o.dest, o.status, o.price, o.refunded, o.sn, r.code, p.code, p.nominal, '
                       's.name FROM "order" o JOIN reseller r ON r.id = o.reseller_id '
                       'JOIN product p ON p.id = o.product_id LEFT JOIN supplier s ON s.id = o.supplier_id')
    by_dest: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        by_dest[row[1]].append(row)
    sent = {o.dest: o for o in orders}
    for dest, found in by_dest.items():
        if dest not in sent:
            books.fail("unexpected order", {"orders": [r[0] for r in found], "dest": dest})
    final: dict[int, tuple] = {}
    for o in orders:
        found = by_dest.get(o.dest, [])
        if not found:
            books.fail("lost", {"dest": o.dest, "sms": o.text.rsplit(".", 1)[0], "reseller": o.reseller})
        elif len(found) > 1:
            books.fail("duplicated", {"dest": o.dest, "orders": [r[0] for r in found]})
        for r in found:
            if (r[6], r[7]) != (o.reseller, o.product):
                books.fail("order differs from its SMS", {"order": r[0], "dest": o.dest, "got": [r[6], r[7]],
                                                          "sent": [o.reseller, o.product]})
            final[r[0]] = r
    status = Counter(r[2] for r in final.values())

    # the network's own records: airtime that really arrived
    credited: Counter[str] = Counter()
    suspect_credit: Counter[str] = Counter()
    for order_id, (_, dest, st, _price, refunded, sn, _r, _p, nominal, _k) in sorted(final.items()):
        topups = retry(lambda d=dest: api.get(f"/api/subscribers/{d}"), "subscriber")["topups"]
        credited[str(min(len(topups), 2))] += 1
        evidence = {"order": order_id, "dest": dest, "status": st, "refunded": bool(refunded),
                    "topups": [[t["amount"], t["source"], t["sn"]] for t in topups]}
        if len(topups) > 1:
            books.fail("credited twice", evidence)
        if topups and (refunded or st == "failed"):
            books.fail("credited while refunded", evidence)
        if st == "success" and not topups:
            books.fail("success without credit", evidence)
        if any(t["amount"] != nominal for t in topups):
            books.fail("credited a wrong amount", evidence)
        if st == "success" and topups and sn and sn not in {t["sn"] for t in topups}:
            books.note("success with an SN the network did not give", evidence)
        if st == "suspect":
            suspect_credit["credited" if topups else "not credited"] += 1
        if refunded and st != "failed":
            books.fail("refunded but not failed", evidence)
        if st == "failed" and not refunded:
            books.fail("failed without refund", evidence)

    # money: balance = ledger sum, an unbroken chain, one debit (and a refund only when failed) per order
    resellers = {code: (rid, balance) for rid, code, balance in db_rows(db, "SELECT id, code, balance FROM reseller")}
    ledger = db_rows(db, "SELECT id, reseller_id, delta, balance_after, kind, order_id FROM ledger_entry ORDER BY id")
    per_reseller: dict[int, list[tuple]] = defaultdict(list)
    per_order: dict[int, list[tuple]] = defaultdict(list)
    for entry in ledger:
        per_reseller[entry[1]].append(entry)
        if entry[5] is not None:
            per_order[entry[5]].append(entry)
    money = {}
    for code, _, _ in RESELLERS:
        rid, balance = resellers[code]
        entries = per_reseller[rid]
        running = 0
        for e in entries:
            running += e[2]
            if running != e[3]:
                books.fail("ledger chain broken", {"reseller": code, "entry": e[0], "expected_after": running,
                                                   "recorded_after": e[3]})
                running = e[3]
        total = sum(e[2] for e in entries)
        if total != balance:
            books.fail("balance differs from ledger", {"reseller": code, "balance": balance, "ledger": total})
        kept = sum(r[3] for r in final.values() if r[6] == code and not r[4])
        deposited = sum(e[2] for e in entries if e[4] == "deposit")
        # an upline's commissions on its downline's successful orders (R001 over R003), each credited once
        earned = sum(e[2] for e in entries if e[4] == "commission")
        owed = db_rows(db, "SELECT COALESCE(SUM(amount), 0) FROM commission WHERE upline_id = ? "
                           "AND credited_at IS NOT NULL AND reversed = ?", (rid, False))[0][0]
        if earned != int(owed):
            books.fail("commission credited wrongly", {"reseller": code, "ledger": earned, "commissions": owed})
        expected = deposited + earned - kept
        other = Counter(e[4] for e in entries if e[4] not in ("deposit", "order_debit", "refund", "commission"))
        if other:
            books.note("other ledger kinds", {"reseller": code, "kinds": dict(other)})
        if balance != expected and not other:
            books.fail("balance differs from orders", {"reseller": code, "balance": balance,
                                                       "deposits_minus_orders": expected})
        money[code] = {"balance": balance, "ledger": total, "deposits_minus_orders": expected,
                       "orders": sum(1 for r in final.values() if r[6] == code)}
    for order_id, r in final.items():
        entries = per_order.get(order_id, [])
        debits = [e for e in entries if e[4] == "order_debit"]
        refunds = [e for e in entries if e[4] == "refund"]
        if len(debits) != 1 or debits[0][2] != -r[3]:
            books.fail("order debit wrong", {"order": order_id, "dest": r[1], "debits": [e[2] for e in debits]})
        if len(refunds) != (1 if r[4] else 0) or any(e[2] != r[3] for e in refunds):
            books.fail("order refund wrong", {"order": order_id, "dest": r[1], "refunded": bool(r[4]),
                                              "refunds": [e[2] for e in refunds]})

    # replies: what each reseller's phone received
    replies: dict[int, list[str]] = defaultdict(list)
    other_replies = 0
    for code, phone, _ in RESELLERS:
        for sms in retry(lambda p=phone: api.get(f"/api/subscribers/{p}/sms"), "inbox"):
            m = TRX.match(sms["text"])
            if m and int(m.group(1)) in final:
                replies[int(m.group(1))].append(m.group(3))
            else:
                other_replies += 1
                books.note("replies without an order of this soak", sms["text"][:160])
    per_order_replies = Counter(str(min(len(replies.get(i, [])), 2)) for i in final)
    finals = Counter(str(min(sum(1 for k in replies.get(i, []) if k in FINAL_REPLY), 2)) for i in final)
    for order_id, r in final.items():
        got = replies.get(order_id, [])
        said = {FINAL_REPLY[k] for k in got if k in FINAL_REPLY}
        evidence = {"order": order_id, "dest": r[1], "status": r[2], "replies": got}
        if said - {r[2]}:
            books.note("final reply contradicts the order", evidence)
        if r[2] in ("success", "failed") and r[2] not in said:
            books.note("no final reply", evidence)
        if sum(k in FINAL_REPLY for k in got) > 1:
            books.note("final reply received more than once", evidence)
        if any(k in FINAL_REPLY for k in got) and got[-1] not in FINAL_REPLY:
            books.note("a notice arrived after the final reply", evidence)

    # the upstream: orders the server sent there, and what the upstream took
    upstream_attempts = db_rows(db, "SELECT COUNT(DISTINCT a.order_id), COUNT(*) FROM attempt a "
                                    "JOIN supplier s ON s.id = a.supplier_id WHERE s.kind = 'sms_upstream'")[0]
    upstream_orders = {order_id for (order_id,) in db_rows(
        db, "SELECT DISTINCT a.order_id FROM attempt a JOIN supplier s ON s.id = a.supplier_id "
            "WHERE s.kind = 'sms_upstream'")}
    # an order for an operator the shop has chips for, sent to the upstream without a chip tried first:
    # the dispatcher did not wait for chips still connecting after a restart
    upstream_first = db_rows(
        db, "SELECT o.id, p.code, o.created_at, a.started_at FROM \"order\" o JOIN product p ON p.id = o.product_id "
            "JOIN attempt a ON a.id = (SELECT MIN(id) FROM attempt WHERE order_id = o.id) "
            "JOIN supplier s ON s.id = a.supplier_id WHERE s.kind = 'sms_upstream' AND p.code != 'SM10'")
    operator_of = {"S": "TSEL", "I": "ISAT", "X": "XL", "T": "TRI"}
    for_restart = [r for r in upstream_first if not chips_down(
        fault_log or [], operator_of[r[1].rstrip("0123456789")], datetime.fromisoformat(r[2]),
        datetime.fromisoformat(r[3]))]
    for r in for_restart:
        books.note("sent to the upstream before any chip was tried, no chip of its operator down",
                   {"order": r[0], "product": r[1], "created": r[2], "sent": r[3]})
    taken = retry(lambda: api.get("/api/upstreams/upline/orders"), "upstream")
    taken_per_dest = Counter(t["dest"] for t in taken)
    for dest, n in taken_per_dest.items():
        if n > 1:
            books.note("upstream took a destination more than once", {"dest": dest, "times": n,
                                                                      "orders": [r[0] for r in by_dest[dest]]})
    for order_id in sorted(upstream_orders):
        if order_id in final and final[order_id][1] not in taken_per_dest:
            r = final[order_id]
            books.note("sent to the upstream, never taken there", {"order": order_id, "dest": r[1], "status": r[2]})

    # suspects left: does the network know anything of them?
    history: dict[str, list] = defaultdict(list)
    for mid, role, *_ in MODEMS:
        if role == "chip":
            for t in retry(lambda m=mid: api.get(f"/api/chips/{m}/history"), "history"):
                history[t["dest"]].append([mid, t["status"], t["time"]])
    for order_id, r in final.items():
        if r[2] == "suspect":
            trace = history.get(r[1]) or [["upstream", t["status"]] for t in taken if t["dest"] == r[1]]
            books.note("suspect left", {"order": order_id, "dest": r[1], "via": r[9],
                                        "at the network": trace or "no trace: never reached an operator"})
    audits = Counter(a for (a,) in db_rows(db, "SELECT action FROM audit_log"))
    reconciled = db_rows(db, "SELECT COUNT(DISTINCT target) FROM audit_log WHERE action = 'reconcile'")[0][0]
    books.figures = {
        "orders_sent": len(orders), "orders_in_database": len(final), "status": dict(status),
        "credited": dict(credited), "suspect_credit": dict(suspect_credit),
        "replies_per_order": dict(per_order_replies), "final_replies_per_order": dict(finals),
        "other_replies": other_replies,
        "upstream": {"orders_sent_by_server": upstream_attempts[0], "attempts": upstream_attempts[1],
                     "taken_by_upstream": len(taken), "succeeded_there": sum(t["status"] == "SUKSES" for t in taken),
                     "before_any_chip": len(upstream_first), "before_any_chip_while_chips_up": len(for_restart)},
        "suspects_left": status.get("suspect", 0),
        "suspects_left_on_chips": sum(r[2] == "suspect" and str(r[9]).startswith("chip") for r in final.values()),
        "settled_by_reconciliation": reconciled,
        "audit": dict(audits), "money": money,
    }
    return books


INVARIANTS = ("lost", "duplicated", "unexpected order", "order differs from its SMS", "credited twice",
              "credited while refunded", "success without credit", "credited a wrong amount",
              "refunded but not failed", "failed without refund", "ledger chain broken", "balance differs from ledger",
              "balance differs from orders", "order debit wrong", "order refund wrong", "commission credited wrongly")


# --- the run -----------------------------------------------------------------------------------------

def run(opts: Options) -> dict:
    rng = random.Random(opts.seed)
    work = opts.workdir or Path(tempfile.mkdtemp(prefix="pulsa-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    data, db, state = work / "data", work / "soak.db", work / "sim-state.json"
    python = sys.executable

    def say(text: str) -> None:
        print(text, flush=True)

    *ports, control_port = free_ports(len(MODEMS) + 1)
    token = f"soak-{rng.getrandbits(64):016x}"
    (work / "scenario.json").write_text(json.dumps(scenario(ports, opts.seed), indent=1))
    (work / "soak.json").write_text(json.dumps(config(ports, opts.reconcile), indent=1))
    orders = plan_orders(opts.orders, rng)
    say(f"soak: {opts.orders} orders at {opts.rate}/s, {opts.kills} server kills, {opts.sim_kills} simulator kills, "
        f"faults {'on' if opts.faults else 'off'}, seed {opts.seed}; work folder {work}")
    deposits = seed_shop(python, db, data, orders)

    sim = Child("sim", [python, "-m", "modems.sim", "--scenario", str(work / "scenario.json"), "--state", str(state),
                        "--control-port", str(control_port), "--token", token],
                work / "sim.log", "control token:", opts.verbose)
    server = Child("server", [python, str(ROOT / "main.py"), "--headless", "--config", str(work / "soak.json"),
                              "--db", str(db), "--data-dir", str(data)],
                   work / "server.log", "Server berjalan", opts.verbose)
    api = ControlClient(f"http://127.0.0.1:{control_port}", token, timeout=30)
    started = time.monotonic()
    result: dict[str, Any] = {"options": {"orders": opts.orders, "kills": opts.kills, "rate": opts.rate,
                                          "seed": opts.seed, "sim_kills": opts.sim_kills, "faults": opts.faults},
                              "workdir": str(work), "deposits": deposits}
    faults = Faults(api, random.Random(rng.random()))
    try:
        sim.start()
        sim.wait_ready(60)
        server.start()
        server.wait_ready(120)
        say(f"  network and server up after {time.monotonic() - started:.1f} s")
        sending = opts.orders / opts.rate
        killer = Killer(server, stratified(rng, opts.kills, 2.0, sending + opts.kill_tail), time.monotonic(), rng)
        sim_kills_at = set(int(x) for x in stratified(rng, opts.sim_kills, 1, opts.orders - 1))
        sim_kills = 0
        if opts.faults:
            faults.start()
        killer.start()
        t0 = killer.t0
        for o in orders:
            pause = t0 + o.index / opts.rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            if o.index in sim_kills_at:
                sim.kill()
                time.sleep(rng.uniform(0.0, 1.0))
                sim.start()
                sim.wait_ready(60)
                sim_kills += 1
            retry(lambda o=o: api.post("/api/sms", {"from": o.phone, "to": CENTER, "text": o.text}), "order SMS")
            if (o.index + 1) % 100 == 0:
                say(f"  {o.index + 1} orders sent, {len(killer.kills)} kills so far")
        sent_in = time.monotonic() - t0
        killer.join()
        if opts.faults:
            faults.stop()
        final = kill_and_restart(server, rng, time.monotonic() - t0)
        server.wait_ready(120)
        say(f"  all sent in {sent_in:.0f} s; {len(killer.kills)} kills; final kill and restart; settling "
            f"(at most {opts.quiet:.0f} s)")
        settled, settle_s = settle(db, api, opts, say)
        books = check(db, api, orders, faults.log)
        result.update({
            "settled": settled, "settle_s": round(settle_s, 1), "sending_s": round(sent_in, 1),
            "total_s": round(time.monotonic() - started, 1),
            "kills": [k.__dict__ for k in killer.kills], "final_kill": final.__dict__,
            "kills_while_starting": sum(not k.ready for k in killer.kills),
            "server_starts": server.starts, "sim_kills": sim_kills, "faults": dict(faults.applied),
            "figures": books.figures, "broken": books.broken, "notes": books.notes,
            "invariants_ok": not any(k in INVARIANTS for k in books.broken),
        })
    finally:
        server_exit = server.stop()
        sim.stop()
        result["server_exit_on_sigterm"] = server_exit
    if opts.json_out:
        opts.json_out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    (work / "soak-result.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    return result


def report(result: dict) -> str:
    f = result["figures"]
    up = f["upstream"]
    lines = [
        "",
        f"Soak {result['options']}",
        f"  time: sending {result['sending_s']} s, settling {result['settle_s']} s "
        f"({'settled' if result['settled'] else 'NOT settled within the quiet limit'}), total {result['total_s']} s",
        f"  server: {len(result['kills'])} SIGKILLs at random moments ({result['kills_while_starting']} while it was "
        f"still starting) + a final SIGKILL and restart; {result['server_starts']} starts; "
        f"exit on SIGTERM at the end: {result['server_exit_on_sigterm']}",
        f"  network: {result['sim_kills']} SIGKILLs and restarts from its state file; faults {result['faults']}",
        f"  orders: {f['orders_sent']} SMS sent, {f['orders_in_database']} orders; status {f['status']}",
        f"  credits at the network (per order: 0, 1, 2+ top-ups): {f['credited']}; suspects {f['suspect_credit']}",
        f"  replies per order (all / final results): {f['replies_per_order']} / {f['final_replies_per_order']}; "
        f"other replies {f['other_replies']}",
        f"  upstream: {up['orders_sent_by_server']} orders sent there by the server ({up['attempts']} attempts), "
        f"{up['taken_by_upstream']} taken by the upstream, {up['succeeded_there']} succeeded there; "
        f"{up['before_any_chip']} of them for an operator with chips before any chip was tried "
        f"({up['before_any_chip_while_chips_up']} while a chip of that operator was neither unplugged nor hung)",
        f"  suspects left {f['suspects_left']} ({f['suspects_left_on_chips']} on chips); "
        f"settled from the chips' history without the owner "
        f"{f['settled_by_reconciliation']}; audit {f['audit']}",
    ]
    for code, m in f["money"].items():
        lines.append(f"  {code}: balance {_rp(m['balance'])}, ledger {_rp(m['ledger'])}, "
                     f"deposits + commissions − orders kept {_rp(m['deposits_minus_orders'])} ({m['orders']} orders)")
    for name, items in result["broken"].items():
        mark = "BROKEN" if name in INVARIANTS else "found"
        lines.append(f"  {mark}: {name} × {len(items)}")
        lines += [f"    {json.dumps(item, ensure_ascii=False)}" for item in items[:20]]
    for name, items in result["notes"].items():
        lines.append(f"  note: {name} × {len(items)}")
        lines += [f"    {json.dumps(item, ensure_ascii=False)}" for item in items[:10]]
    lines.append("  invariants: " + ("all hold" if result["invariants_ok"] else "BROKEN (see above)"))
    return "\n".join(lines)


def _rp(amount: int) -> str:
    return f"Rp {amount:,}".replace(",", ".")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=int, default=600)
    p.add_argument("--kills", type=int, default=25, help="SIGKILLs of the server while orders flow")
    p.add_argument("--rate", type=float, default=3.0, help="orders a second")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--kill-sim", type=int, nargs="?", const=5, default=0, metavar="N",
                   help="also SIGKILL the virtual network N times (default 5) and restart it from its state")
    p.add_argument("--no-faults", action="store_true", help="no modem faults")
    p.add_argument("--quiet", type=float, default=300.0, help="at most this many seconds to settle at the end")
    p.add_argument("--stable", type=float, default=10.0, help="seconds without movement that count as settled")
    p.add_argument("--kill-tail", type=float, default=10.0,
                   help="server kills go on this many seconds after the last order was sent")
    p.add_argument("--reconcile", type=float, default=20.0,
                   help="the engine's reconcile_interval_s (suspects are checked against the chips' history)")
    p.add_argument("--workdir", type=Path, default=None)
    p.add_argument("--json", type=Path, default=None, help="also write the result here")
    p.add_argument("-v", "--verbose", action="store_true", help="echo both processes' output")
    a = p.parse_args(argv)
    seed = a.seed if a.seed is not None else random.SystemRandom().randrange(10**6)
    opts = Options(orders=a.orders, kills=a.kills, rate=a.rate, seed=seed, sim_kills=a.kill_sim,
                   faults=not a.no_faults, quiet=a.quiet, stable=a.stable, kill_tail=a.kill_tail, reconcile=a.reconcile,
                   workdir=a.workdir, json_out=a.json,
                   verbose=a.verbose)
    try:
        result = run(opts)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"soak could not run: {exc}", file=sys.stderr)
        return 2
    print(report(result))
    return 0 if result["invariants_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
