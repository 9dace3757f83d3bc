"""ModemWorker: futures, events from the worker thread, confirm→delete, shutdown within 2 s.

No Qt event loop runs here (the engine is tested on plain asyncio the same way)."""
from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import CancelledError

import pytest

from modems import pdu
from modems.driver import ModemConfig
from modems.types import (
    GetInfo,
    GetSignal,
    ModemState,
    RawAt,
    SmsReceived,
    StateChanged,
    Ussd,
    UssdOutcome,
)
from modems.worker import ModemWorker, WorkerStopped, shutdown_all
from tests.modems.conftest import TinyModem


class Events:
    def __init__(self) -> None:
        self.items: list = []
        self.threads: set[int] = set()
        self.cond = threading.Condition()

    def __call__(self, ev) -> None:
        with self.cond:
            self.items.append(ev)
            self.threads.add(threading.get_ident())
            self.cond.notify_all()

    def wait_for(self, pred, timeout: float = 5.0):
        with self.cond:
            ok = self.cond.wait_for(lambda: any(pred(e) for e in self.items), timeout)
            assert ok, f"event not seen; got {self.items}"
            return next(e for e in self.items if pred(e))


def fast_config() -> ModemConfig:
    return ModemConfig(sweep_interval=3600, health_interval=3600, liveness_idle=3600, init_timeout=3)


@pytest.fixture
def worker(tiny_modem: TinyModem):
    events = Events()
    w = ModemWorker(tiny_modem.url, fast_config(), modem_id="m1", on_event=events)
    w.events = events  # type: ignore[attr-defined]
    w.start()
    yield w
    w.stop(2.0)


def test_submit_returns_future_with_result(worker: ModemWorker) -> None:
    info = worker.submit(GetInfo()).result(timeout=10)
    assert info.imei == TinyModem.IMEI and info.iccid == TinyModem.ICCID
    sig = worker.submit(GetSignal()).result(timeout=5)
    assert sig.rssi == 21 and sig.dbm == -71 and sig.bars == 5
    raw = worker.submit(RawAt("AT+CSQ")).result(timeout=5)
    assert raw.lines == ("+CSQ: 21,99",) and raw.final == "OK"


def test_events_come_from_the_worker_thread(worker: ModemWorker) -> None:
    ev = worker.events.wait_for(lambda e: isinstance(e, StateChanged) and e.state == ModemState.ONLINE)
    assert ev.modem_id == "m1"
    assert threading.get_ident() not in worker.events.threads


def test_works_from_plain_asyncio(worker: ModemWorker) -> None:
    async def main() -> str:
        info = await asyncio.wait_for(asyncio.wrap_future(worker.submit(GetInfo())), 10)
        return info.imei

    assert asyncio.run(main()) == TinyModem.IMEI


def test_sms_deleted_only_after_confirm(worker: ModemWorker, tiny_modem: TinyModem) -> None:
    worker.submit(GetInfo()).result(timeout=10)
    hex_pdu = pdu.encode_deliver("+6281234567890", "TOPUP 10 081389092678 1234")[0]
    idx = tiny_modem.inject_sms(hex_pdu)
    ev: SmsReceived = worker.events.wait_for(lambda e: isinstance(e, SmsReceived))
    assert ev.sms.text == "TOPUP 10 081389092678 1234" and ev.sms.sender == "+6281234567890"
    assert ev.sms.iccid == TinyModem.ICCID and ev.sms.complete
    # not deleted yet: a round trip through the worker proves it had the chance
    worker.submit(RawAt("AT")).result(timeout=5)
    assert idx in tiny_modem.store and not tiny_modem.deleted
    ev.confirm()
    assert tiny_modem.deleted_event.wait(5)
    assert tiny_modem.deleted == [idx]


def test_shutdown_within_two_seconds_interrupts_ussd(worker: ModemWorker) -> None:
    worker.submit(GetInfo()).result(timeout=10)
    pending = worker.submit(Ussd("*999#", timeout=30))
    queued = worker.submit(GetSignal())
    t0 = time.monotonic()
    assert worker.stop(2.0)
    assert time.monotonic() - t0 < 2.0
    for fut in (pending, queued):
        try:
            res = fut.result(timeout=0.1)
            assert res.outcome in (UssdOutcome.UNKNOWN,)
        except (WorkerStopped, CancelledError):
            pass
    late = worker.submit(GetInfo())
    with pytest.raises(WorkerStopped):
        late.result(timeout=1)


def test_shutdown_all(tiny_modem: TinyModem) -> None:
    workers = [ModemWorker(tiny_modem.url, fast_config(), modem_id="a"),
               ModemWorker("socket://127.0.0.1:9", fast_config(), modem_id="dead")]
    for w in workers:
        w.start()
    workers[0].submit(GetInfo()).result(timeout=10)
    t0 = time.monotonic()
    assert shutdown_all(workers, timeout=2.0)
    assert time.monotonic() - t0 < 2.0
    assert all(w.isFinished() for w in workers)


def test_offline_modem_fails_ops_fast() -> None:
    events = Events()
    w = ModemWorker("socket://127.0.0.1:9", fast_config(), modem_id="dead", on_event=events)
    w.start()
    try:
        assert w.opened.wait(5)
        with pytest.raises(Exception) as err:
            w.submit(GetSignal()).result(timeout=5)
        assert "offline" in str(err.value) or "needs_attention" in str(err.value) or "not open" in str(err.value)
    finally:
        assert w.stop(2.0)
