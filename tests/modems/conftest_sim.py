"""Helpers for the driver-against-simulator tests (tests/modems/test_driver_sim.py).

A fresh virtual GSM network per test (it starts in tens of milliseconds), a small JSON client for
its control API over real HTTP, an event recorder, and waits that end on a condition or a
deadline, never on a fixed sleep.
"""
from __future__ import annotations

import copy
import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Iterator, TypeVar

import pytest

from modems.driver import Modem, ModemConfig
from modems.sim import SimNetwork
from modems.types import ModemEvent

T = TypeVar("T")

CENTER = "081200000001"
CUSTOMER = "081234567890"  # a plain virtual subscriber (Telkomsel)
DEST = "081389092678"  # the number topped up
CHIP_PIN = "482916"  # distinctive, so a leak in a log line cannot be a coincidence

SCENARIO: dict[str, Any] = {
    "name": "driver-sim-test",
    "seed": 23,
    "sms": {"send_delay": 0, "delivery_delay": 0.01, "report_delay": 0.01},
    "reset_delay": 0.2,
    "operator_defaults": {"ussd_delay": 0.05, "followup_delay": [0.05, 0.1], "failure_rate": 0.0,
                          "too_soon_window": 0},
    "modems": [
        {"id": "center", "role": "center", "operator": "TSEL", "msisdn": CENTER, "profile": "generic"},
        {"id": "sender", "role": "sender", "operator": "TSEL", "msisdn": "081200000002", "profile": "simcom"},
        {"id": "hwc", "role": "center", "operator": "TSEL", "msisdn": "081200000004", "profile": "huawei"},
        {"id": "chip", "role": "chip", "operator": "TSEL", "msisdn": "081211110001", "profile": "generic",
         "pin": CHIP_PIN, "stock": 1000000},
        {"id": "hw", "role": "chip", "operator": "TSEL", "msisdn": "081211110002", "profile": "huawei",
         "pin": CHIP_PIN, "stock": 1000000},
        {"id": "sc", "role": "chip", "operator": "TSEL", "msisdn": "081211110003", "profile": "simcom",
         "pin": CHIP_PIN, "stock": 1000000},
        {"id": "e160", "role": "chip", "operator": "TSEL", "msisdn": "081211110004", "profile": "huawei_e160",
         "pin": CHIP_PIN, "stock": 1000000},
    ],
    "subscribers": [{"msisdn": CUSTOMER, "airtime": 0}, {"msisdn": DEST, "airtime": 5000}],
}


def fast_config(**overrides: Any) -> ModemConfig:
    """Short timeouts so a fault costs seconds, not minutes; no background polling by timer."""
    values: dict[str, Any] = dict(
        ussd_timeout=3.0, ussd_release_grace=0.3, init_timeout=2.0, probe_timeout=0.5,
        reset_wait=3.0, max_backoff=0.5, sweep_interval=3600, health_interval=3600,
        liveness_idle=3600, settle_time=0.15,  # the sim's stale bytes come 0.1 s after connect
    )
    values.update(overrides)
    return ModemConfig(**values)


class Ctl:
    """The simulator's JSON control API, spoken over real HTTP (urllib)."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "X-Pulsa-Token": self.token})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, payload = resp.status, json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, json.loads(exc.read().decode("utf-8"))
        assert status == expect, f"{method} {path} -> {status} {payload}"
        return payload

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def post(self, path: str, body: Any | None = None) -> Any:
        return self.call("POST", path, body if body is not None else {})

    # shortcuts
    def modem(self, modem_id: str) -> dict:
        return self.get(f"/api/modems/{modem_id}")

    def fault(self, modem_id: str, kind: str, **params: Any) -> dict:
        return self.post("/api/faults", {"modem": modem_id, "kind": kind, **params})

    def clear(self, modem_id: str, kind: str | None = None) -> dict:
        body: dict[str, Any] = {"modem": modem_id}
        if kind:
            body["kind"] = kind
        return self.post("/api/faults/clear", body)

    def sms(self, sender: str, to: str, text: str) -> dict:
        return self.post("/api/sms", {"from": sender, "to": to, "text": text})

    def inbox(self, msisdn: str) -> list[dict]:
        return self.get(f"/api/subscribers/{msisdn}/sms")

    def airtime(self, msisdn: str) -> int:
        return int(self.get(f"/api/subscribers/{msisdn}")["airtime"])

    def ussd_log(self, modem_id: str) -> list[dict]:
        return [e for e in self.get("/api/ussd-log") if e["modem"] == modem_id]

    def store_used(self, modem_id: str) -> int:
        return int(self.modem(modem_id)["store"]["used"])


class Events:
    """Collects modem events from whatever thread emits them; waits on a condition."""

    def __init__(self) -> None:
        self.items: list[ModemEvent] = []
        self.threads: set[int] = set()
        self.cond = threading.Condition()

    def __call__(self, ev: ModemEvent) -> None:
        with self.cond:
            self.items.append(ev)
            self.threads.add(threading.get_ident())
            self.cond.notify_all()

    def of(self, kind: type[T]) -> list[T]:
        with self.cond:
            return [e for e in self.items if isinstance(e, kind)]

    def mark(self) -> int:
        with self.cond:
            return len(self.items)

    def wait_for(self, pred: Callable[[ModemEvent], bool], timeout: float = 5.0, since: int = 0) -> ModemEvent:
        """The first event from index ``since`` on that satisfies ``pred``."""
        with self.cond:
            ok = self.cond.wait_for(lambda: any(pred(e) for e in self.items[since:]), timeout)
            assert ok, f"event not seen within {timeout}s; got {self.items[since:]}"
            return next(e for e in self.items[since:] if pred(e))


def pump_until(modem: Modem, cond: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
    """Drive a blocking Modem (read, dispatch URCs, background work) until ``cond()`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s (last value {value!r}, state {modem.state})")
        modem.poll(0.05)


def wait_until(cond: Callable[[], T], timeout: float = 5.0, what: str = "condition") -> T:
    """Poll a control-API condition with a deadline (the network runs on its own schedule)."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s (last value {value!r})")
        time.sleep(0.02)


@pytest.fixture
def scenario() -> dict:
    return copy.deepcopy(SCENARIO)


@pytest.fixture
def net(scenario: dict) -> Iterator[SimNetwork]:
    network = SimNetwork.from_scenario(scenario)
    network.start()
    try:
        yield network
    finally:
        network.stop()


@pytest.fixture
def ctl(net: SimNetwork) -> Ctl:
    assert net.control_url
    return Ctl(net.control_url, net.control_token)


@pytest.fixture
def open_modem(net: SimNetwork) -> Iterator[Callable[..., tuple[Modem, Events]]]:
    """Open the driver on a virtual modem by id: returns (Modem, Events); closed at teardown."""
    opened: list[Modem] = []

    def open_(modem_id: str, **config: Any) -> tuple[Modem, Events]:
        vm = next(x for x in net.modems if x.id == modem_id)
        events = Events()
        m = Modem(vm.port_url, fast_config(**config), modem_id=modem_id, on_event=events)
        opened.append(m)
        m.open()
        return m, events

    yield open_
    for m in opened:
        m.close()
