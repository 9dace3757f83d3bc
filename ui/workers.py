"""The running modem workers, by modem name: start all, connect or disconnect one, add a new one.

A worker owns its port; the engine's `ModemLink` for a modem stays the same object for the whole run
(suppliers hold it), so reconnecting swaps the handle on the link instead of replacing the link.
"""
from __future__ import annotations

import dataclasses
import json
import logging

from app.engine import Engine
from app.events import ModemChanged
from modems.driver import ModemConfig
from modems.types import ModemState
from modems.worker import ModemWorker, shutdown_all
from storage.models import Modem

log = logging.getLogger(__name__)


class WorkerPool:
    def __init__(self, engine: Engine, overrides: dict | None = None):
        self.engine = engine
        self.overrides = dict(overrides or {})
        self.workers: dict[str, ModemWorker] = {}

    def adopt(self, workers: list[ModemWorker]) -> None:
        """Workers started elsewhere (main.start_modems)."""
        for worker in workers:
            self.workers[worker.modem_id] = worker

    def _make(self, row: Modem) -> ModemWorker:
        known = {f.name for f in dataclasses.fields(ModemConfig)}
        settings = json.loads(row.config or "{}")
        values = {k: v for k, v in {**settings, **self.overrides}.items() if k in known}
        return ModemWorker(row.port_url, ModemConfig(**values), modem_id=row.name,
                           on_event=self.engine.modem_callback(row.name))

    def connect(self, name: str) -> ModemWorker:
        """Start (or restart) the worker of a configured modem and attach it to the engine."""
        row = Modem.get(Modem.name == name)
        old = self.workers.pop(name, None)
        if old is not None:
            old.stop(2.0)
        worker = self._make(row)
        roles = frozenset(r for r in row.roles.split(",") if r)
        link = self.engine.links.get(name)
        if link is None:
            self.engine.attach_modem(name, worker, roles)
        else:
            link.handle, link.roles = worker, roles
            link.state = ModemState.CONNECTING
        settings = json.loads(row.config or "{}")
        if settings.get("sms_per_minute"):
            self.engine.outbox.set_rate(name, float(settings["sms_per_minute"]))
        self.workers[name] = worker
        worker.start()
        log.info("modem %s connected on %s", name, row.port_url)
        return worker

    def disconnect(self, name: str) -> None:
        """Stop the worker; the modem stays configured and shows as stopped."""
        worker = self.workers.pop(name, None)
        if worker is not None:
            worker.request_stop()
            worker.join(2.0)
        link = self.engine.links.get(name)
        if link is not None:
            link.state = ModemState.STOPPED
            link.detail = "diputus admin"
            self.engine.events.publish(ModemChanged(name=name, state=ModemState.STOPPED.value, detail="diputus admin"))
        log.info("modem %s disconnected", name)

    def is_connected(self, name: str) -> bool:
        worker = self.workers.get(name)
        return worker is not None and worker.isRunning()

    def ports_in_use(self) -> set[str]:
        return {w.port_url for w in self.workers.values() if w.isRunning()}

    def shutdown(self, timeout: float = 2.0) -> bool:
        ok = shutdown_all(list(self.workers.values()), timeout=timeout)
        self.workers.clear()
        return ok
