"""The network's state file (`--state FILE`): what a restart of the simulator must not forget.

Kept: subscribers (airtime, state, top-ups, received SMS), chips (stock, PIN, lock, transaction
history, forced outcomes, last SN), the operators' and upstreams' counters and settings, upstream
accounts and orders, every modem's port, SIM store, backlog of undelivered SMS, message reference and
last 200 sent SMS, SMS parts waiting for the rest of their message, and everything the network has
promised to do later (SMS on their way, operator follow-ups, upstream results) with the wall-clock
time it is due. Not kept: faults, logs, open USSD sessions, the power-on settings of a modem (a restart is a
power cycle). Written atomically (a temporary file, then a rename), so a kill leaves the previous
complete file; see docs/simulator.md for when it is written.
"""
from __future__ import annotations

import json
import logging
import os
import time
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from .modem import SentSms, VirtualModem
from .operators import OperatorService, Trx
from .scenario import Scenario
from .store import StoredMessage, tpdu_length
from .subscribers import ReceivedSms, Subscriber, TopUp
from .upstream import UpstreamServer


class SavedNetwork(Protocol):
    """What is saved of a network and put back into it (modems/sim/network.py's SimNetwork)."""

    scenario: Scenario
    seed: int
    generation: int
    saved_control_port: int
    send_delay: float
    delivery_delay: float
    report_delay: float
    reset_delay: float
    operators: dict[str, OperatorService]
    subscribers: dict[str, Subscriber]
    upstreams: dict[str, UpstreamServer]
    partials: dict[tuple, dict[int, tuple[str, int]]]
    deferred: dict[int, Any]

    @property
    def modems(self) -> list[VirtualModem]: ...

    @property
    def control_port(self) -> int: ...

    def subscriber(self, msisdn: str) -> Subscriber: ...

    def restore_deferred(self, items: list[tuple[int, str, float, dict]]) -> None: ...

log = logging.getLogger(__name__)

VERSION = 1
KEEP_SENT = 200  # a modem's sent SMS kept (the control API's /sent); the network's records are elsewhere


class StateError(ValueError):
    """A state file that cannot be used (unreadable, another format, another scenario)."""


def read(path: Path) -> dict | None:
    """The saved state, or None when there is no file yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateError(f"cannot read state file {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateError(f"state file {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise StateError(f"state file {path} is not a version {VERSION} simulator state")
    return data


def write(path: Path, data: dict) -> None:
    """Replace the file in one step: a reader (or a restart after a kill) sees the old or the new state."""
    tmp = path.with_name(path.name + ".tmp")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))  # one write: json.dump writes in bits
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)


def _when(value: datetime) -> str:
    return value.isoformat()


def _trx(t: Trx) -> list:
    return [t.dest, t.amount, _when(t.when), t.status, t.trxid, t.sn, t.reason]


def snapshot(net: SavedNetwork) -> dict:
    modems: dict[str, dict] = {}
    for m in net.modems:
        entry: dict[str, Any] = {
            "port": m.port, "mr": m.mr,
            "settings": {k: getattr(m.settings, k) for k in m.settings.FIELDS},
            "store": [[s.index, s.stat, s.pdu, s.report] for s in m.store.slots.values()],
            "backlog": [[pdu, report] for pdu, report in m.backlog],
            "sent": [[s.to, s.text, s.mr, list(s.part) if s.part else None, s.request_report]
                     for s in m.sent[-KEEP_SENT:]],
        }
        chip = m.chip
        if chip is not None:
            entry["chip"] = {
                "pin": chip.pin, "stock": chip.stock, "stock_yesterday": chip.stock_yesterday,
                "locked": chip.locked, "wrong_pins": chip.wrong_pins, "region": list(chip.region),
                "forced": list(chip.forced), "last_sn": chip.last_sn, "history": [_trx(t) for t in chip.history],
            }
        modems[m.id] = entry
    return {
        "version": VERSION, "scenario": net.scenario.name, "seed": net.seed, "generation": net.generation,
        "saved_at": time.time(),
        "network": {"send_delay": net.send_delay, "delivery_delay": net.delivery_delay,
                    "report_delay": net.report_delay, "reset_delay": net.reset_delay,
                    "control_port": net.control_port},
        "operators": {op: {"settings": s.settings.as_dict(), "trx_counter": s.trx_counter}
                      for op, s in net.operators.items()},
        "modems": modems,
        "subscribers": {
            n: {"airtime": s.airtime, "state": s.state,
                "topups": [[t.amount, t.source, t.sn, _when(t.when)] for t in s.topups],
                "inbox": [[r.sender, r.text, _when(r.when), r.parts] for r in s.inbox]}
            for n, s in net.subscribers.items()},
        "upstreams": {
            u.id: {"settings": u.settings.as_dict(), "trx": u.trx_counter, "forced": list(u.forced),
                   "orders": u.orders,
                   "accounts": {a.msisdn: {"pin": a.pin, "balance": a.balance, "held": a.held, "locked": a.locked,
                                           "wrong_pins": a.wrong_pins} for a in u.accounts.values()}}
            for u in net.upstreams.values()},
        "partials": [[list(key), [[seq, pdu, mr] for seq, (pdu, mr) in parts.items()]]
                     for key, parts in net.partials.items()],
        "deferred": [[d.id, d.kind, d.due, d.data] for d in net.deferred.values()],
    }


def restore(net: SavedNetwork, data: dict) -> None:
    """Put a saved state into a network built from the same scenario (before it starts)."""
    if data.get("scenario") != net.scenario.name or data.get("seed") != net.seed:
        raise StateError(f"the state file belongs to scenario {data.get('scenario')!r} (seed {data.get('seed')}), "
                         f"not {net.scenario.name!r} (seed {net.seed})")
    try:
        _restore(net, data)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise StateError(f"state file does not fit: {exc!r}") from None


def _restore(net: SavedNetwork, data: dict) -> None:
    net.generation = int(data.get("generation", 0)) + 1
    network = data["network"]
    for key in ("send_delay", "delivery_delay", "report_delay", "reset_delay"):
        setattr(net, key, float(network[key]))
    net.saved_control_port = int(network.get("control_port") or 0)
    for op, saved in data["operators"].items():
        service = net.operators[op]
        service.settings.update(saved["settings"])
        service.trx_counter = int(saved["trx_counter"])
    known = {m.id: m for m in net.modems}
    for modem_id, saved in data["modems"].items():
        m = known.get(modem_id)
        if m is None:
            log.warning("state file: modem %s is not in the scenario any more; its state is dropped", modem_id)
            continue
        if saved["port"]:
            m.port = int(saved["port"])
        m.mr = int(saved["mr"])
        m.settings.update(saved["settings"])
        m.pin_ok = m.settings.sim_pin is None
        m.store.slots = {int(i): StoredMessage(int(i), int(stat), pdu, tpdu_length(pdu), bool(report))
                         for i, stat, pdu, report in saved["store"]}
        m.backlog = deque((pdu, bool(report)) for pdu, report in saved["backlog"])
        m.sent = [SentSms(to, text, int(mr), tuple(part) if part else None, bool(report))
                  for to, text, mr, part, report in saved["sent"]]
        chip_state = saved.get("chip")
        if chip_state is not None and m.chip is not None:
            chip = m.chip
            chip.pin, chip.stock = str(chip_state["pin"]), int(chip_state["stock"])
            chip.stock_yesterday = int(chip_state["stock_yesterday"])
            chip.locked, chip.wrong_pins = bool(chip_state["locked"]), int(chip_state["wrong_pins"])
            chip.region = tuple(chip_state["region"])
            chip.forced = deque(chip_state["forced"])
            chip.last_sn = chip_state["last_sn"]
            chip.history = [Trx(dest, int(amount), datetime.fromisoformat(when), status, trxid, sn, reason)
                            for dest, amount, when, status, trxid, sn, reason in chip_state["history"]]
    for msisdn, saved in data["subscribers"].items():
        sub = net.subscriber(msisdn)
        sub.airtime, sub.state = int(saved["airtime"]), saved["state"]
        sub.topups = [TopUp(int(a), source, sn, datetime.fromisoformat(when))
                      for a, source, sn, when in saved["topups"]]
        sub.inbox = [ReceivedSms(sender, text, datetime.fromisoformat(when), int(parts))
                     for sender, text, when, parts in saved["inbox"]]
    for up_id, saved in data["upstreams"].items():
        up = net.upstreams.get(up_id)
        if up is None:
            log.warning("state file: upstream %s is not in the scenario any more; its state is dropped", up_id)
            continue
        up.settings.update(saved["settings"])
        up.trx_counter = int(saved["trx"])
        up.forced = deque(saved["forced"])
        up.orders = list(saved["orders"])
        for msisdn, acct_state in saved["accounts"].items():
            acct = up.accounts.get(msisdn)
            if acct is None:
                continue
            acct.pin, acct.balance = str(acct_state["pin"]), int(acct_state["balance"])
            acct.held = int(acct_state["held"])
            acct.locked, acct.wrong_pins = bool(acct_state["locked"]), int(acct_state["wrong_pins"])
    net.partials = {tuple(key): {int(seq): (pdu, int(mr)) for seq, pdu, mr in parts}
                    for key, parts in data["partials"]}
    net.restore_deferred([(int(i), kind, float(due), dict(d)) for i, kind, due, d in data["deferred"]])
