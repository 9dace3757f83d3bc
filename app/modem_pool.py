"""The running modems: one worker thread per configured modem, attached to the engine.

A worker owns its port. The engine's `ModemLink` for a modem stays the same object for the whole run
(suppliers hold it), so reconnecting swaps the handle on the link instead of replacing the link.
Stopping a worker waits for its thread (up to 2 s); `connect` and `disconnect` do that waiting on a
thread of the executor, so the event loop, the engine and the window go on meanwhile.
"""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Callable

from app.events import ModemChanged
from app.modem_records import ModemRecord, active_modems, modem_record
from modems.discovery import ModemRegistry, make_resolver, sibling_ports
from modems.driver import ModemUnavailable
from modems.launch import start_worker, stop_workers
from modems.ports import is_device
from modems.types import ModemInfo, ModemState

if TYPE_CHECKING:
    from app.engine import Engine
    from modems.worker import ModemWorker

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 2.0


class ModemPool:
    def __init__(self, engine: "Engine", overrides: dict[str, Any] | None = None):
        self.engine = engine
        self.overrides = dict(overrides or {})
        self.workers: dict[str, "ModemWorker"] = {}
        self._changing: set[str] = set()
        self.registry = ModemRegistry()  # IMEI → last port, ICCID → SIM: finds a re-plugged modem again

    def _launch(self, record: ModemRecord) -> "ModemWorker":
        config = record.driver_config(self.overrides)
        worker = start_worker(record.port_url, config, modem_id=record.name,
                              on_event=self.engine.modem_callback(record.name), resolver=self._resolver(record, config))
        if record.sms_per_minute:
            self.engine.outbox.set_rate(record.name, record.sms_per_minute)
        self.workers[record.name] = worker
        return worker

    def attach_all(self) -> list[ModemRecord]:
        """Every active configured modem becomes a link of the engine (before the engine starts, so its
        suppliers find their modems); the workers start with `launch_all`."""
        records = active_modems()
        for record in records:
            self.engine.attach_modem(record.name, _NotStarted(record.name), record.roles)
        return records

    def launch_all(self, records: list[ModemRecord]) -> int:
        """A worker for each attached modem (after the engine started, so no early event is lost)."""
        for record in records:
            self.engine.links[record.name].handle = self._launch(record)
        return len(records)

    async def connect(self, name: str) -> None:
        """Start (or restart) the worker of a configured modem and attach it to the engine."""
        record = modem_record(name)
        if record is None:
            raise LookupError(name)
        self._changing.add(name)
        try:
            old = self.workers.pop(name, None)
            if old is not None:
                await asyncio.get_running_loop().run_in_executor(None, stop_workers, [old], STOP_TIMEOUT_S)
            link = self.engine.links.get(name)
            if link is None:
                link = self.engine.attach_modem(name, _NotStarted(name), record.roles)
            link.roles = record.roles
            link.state = ModemState.CONNECTING
            link.handle = self._launch(record)
        finally:
            self._changing.discard(name)
        self.engine.refresh_suppliers()  # a new chip or upstream on this modem starts serving
        log.info("modem %s connected on %s", name, record.port_url)

    async def disconnect(self, name: str) -> None:
        """Stop the worker; the modem stays configured and shows as stopped."""
        self._changing.add(name)
        try:
            worker = self.workers.pop(name, None)
            if worker is not None:
                await asyncio.get_running_loop().run_in_executor(None, stop_workers, [worker], STOP_TIMEOUT_S)
        finally:
            self._changing.discard(name)
        link = self.engine.links.get(name)
        if link is not None:
            link.state = ModemState.STOPPED
            link.detail = "diputus admin"
            self.engine.events.publish(ModemChanged(name=name, state=ModemState.STOPPED.value, detail="diputus admin"))
        log.info("modem %s disconnected", name)

    def is_changing(self, name: str) -> bool:
        """Being connected or disconnected right now."""
        return name in self._changing

    def is_connected(self, name: str) -> bool:
        worker = self.workers.get(name)
        return worker is not None and worker.isRunning()

    def ports_in_use(self) -> set[str]:
        """Configured and current ports of running workers (a modem found again elsewhere is on another)."""
        return {p for w in self.workers.values() if w.isRunning() for p in (w.port_url, w.info.port_url) if p}

    def _resolver(self, record: ModemRecord, config: Any) -> Callable[[ModemInfo], str | None] | None:
        """Where a lost modem is now, for a device path (a USB dongle re-plugged comes back as
        /dev/ttyUSB1 instead of /dev/ttyUSB0, or on another COM port): the known port, its siblings and
        the USB serial ports, each probed for the same IMEI, never a port another worker owns. A network
        port (socket://, rfc2217://) does not move: its worker just opens the same URL again."""
        if not is_device(record.port_url):
            return None
        name = record.name

        def others() -> set[str]:
            return {p for n, w in self.workers.items() if n != name and w.isRunning()
                    for p in (w.port_url, w.info.port_url) if p}

        return make_resolver(self.registry, lambda: [record.port_url, *sibling_ports(record.port_url)],
                             config=config, timeout=config.probe_timeout, exclude=others)

    async def shutdown(self, timeout: float = STOP_TIMEOUT_S) -> bool:
        workers, self.workers = list(self.workers.values()), {}
        if not workers:
            return True
        return await asyncio.get_running_loop().run_in_executor(None, stop_workers, workers, timeout)


class _NotStarted:
    """The handle of a link whose worker is not running: every operation fails at once."""

    def __init__(self, name: str):
        self.name = name

    def submit(self, op: Any) -> Future:
        fut: Future = Future()
        fut.set_exception(ModemUnavailable(f"{self.name}: modem belum tersambung"))
        return fut
