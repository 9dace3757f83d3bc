"""One QThread per modem. It owns the port: nothing else reads or writes it.

The engine talks to it through ``submit(op) -> concurrent.futures.Future`` and receives events
through the callback it passed in, called from this worker thread (the engine hops to its loop
with ``call_soon_threadsafe``). No Qt event loop is needed anywhere: the thread runs its own
plain loop, so the engine works on qasync and on plain asyncio alike.

This is the only module in ``modems/`` that imports Qt, and only QtCore.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from typing import Any, Callable, Iterable

from PySide6.QtCore import QThread

from modems.at import Aborted
from modems.driver import Modem, ModemConfig, ModemUnavailable
from modems.types import (
    ErrorEvent,
    EventCallback,
    ModemEvent,
    ModemInfo,
    ModemState,
    Op,
    StateChanged,
)

log = logging.getLogger(__name__)


class WorkerStopped(ModemUnavailable):
    """The worker stopped before (or while) running the operation."""


_WAKE = object()


class ModemWorker(QThread):
    def __init__(
        self,
        port_url: str,
        config: ModemConfig | None = None,
        *,
        modem_id: str | None = None,
        on_event: EventCallback | None = None,
        resolver: Callable[[ModemInfo], str | None] | None = None,
        poll_interval: float = 0.05,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.port_url = port_url
        self.config = config or ModemConfig()
        self.modem_id = modem_id or port_url
        self._on_event = on_event
        self._resolver = resolver
        self._poll_interval = poll_interval
        self._queue: queue.Queue[Any] = queue.Queue()
        self._abort = threading.Event()
        self._lock = threading.Lock()
        self._closed = False
        self._current: Future[Any] | None = None
        self._info = ModemInfo(port_url=port_url)
        self._state = ModemState.OFFLINE
        self.opened = threading.Event()  # set once the first open attempt finished (either way)
        self.setObjectName(f"modem-{self.modem_id}")

    # -- API for other threads -----------------------------------------------------------

    @property
    def info(self) -> ModemInfo:
        return self._info

    @property
    def state(self) -> ModemState:
        return self._state

    def submit(self, op: Op) -> Future[Any]:
        fut: Future[Any] = Future()
        with self._lock:
            if self._closed:
                fut.set_exception(WorkerStopped(f"{self.modem_id}: worker stopped"))
                return fut
            self._queue.put((op, fut))
        return fut

    def request_stop(self) -> None:
        """Ask the thread to stop; returns at once. An in-flight command is interrupted."""
        with self._lock:
            self._closed = True
        self._abort.set()
        self._queue.put(_WAKE)

    def stop(self, timeout: float = 2.0) -> bool:
        """Stop and wait up to ``timeout``; True if the thread ended and closed its port."""
        self.request_stop()
        return self.join(timeout)

    def join(self, timeout: float) -> bool:
        finished = True
        if self.isRunning():
            finished = bool(self.wait(max(0, int(timeout * 1000))))
        self._fail_pending()
        return finished

    # -- the thread ----------------------------------------------------------------------

    def _emit(self, event: ModemEvent) -> None:
        if isinstance(event, StateChanged):
            self._state = event.state
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:
                log.exception("%s: event callback failed", self.modem_id)

    def run(self) -> None:  # noqa: D401 - QThread entry point
        modem = Modem(
            self.port_url, self.config, modem_id=self.modem_id, on_event=self._emit,
            resolver=self._resolver, abort=self._abort,
        )
        try:
            try:
                self._info = modem.open()
            except Aborted:
                return
            except Exception as exc:
                log.warning("%s: open failed: %s", self.modem_id, exc)
                self._emit(ErrorEvent(self.modem_id, f"open failed: {exc}", exc))
            finally:
                self.opened.set()
            self._loop(modem)
        except Aborted:
            pass
        except Exception as exc:  # a bug: log it, tell the engine, stop cleanly
            log.exception("%s: worker crashed", self.modem_id)
            self._emit(ErrorEvent(self.modem_id, f"worker crashed: {exc}", exc))
        finally:
            with self._lock:
                self._closed = True
            try:
                modem.close()
            except Exception:
                log.debug("%s: close failed", self.modem_id, exc_info=True)
            self._fail_pending()

    def _loop(self, modem: Modem) -> None:
        while not self._abort.is_set():
            try:
                item = self._queue.get_nowait() if modem.is_open else self._queue.get(timeout=self._poll_interval)
            except queue.Empty:
                if modem.is_open:
                    modem.poll(self._poll_interval)
                else:
                    modem.recover()
                if modem.info.imei:
                    self._info = modem.info
                continue
            if item is _WAKE:
                continue
            op, fut = item
            if not fut.set_running_or_notify_cancel():
                continue
            self._current = fut
            try:
                fut.set_result(modem.run_op(op))
            except Aborted:
                fut.set_exception(WorkerStopped(f"{self.modem_id}: stopped during {type(op).__name__}"))
                return
            except BaseException as exc:
                fut.set_exception(exc)
            finally:
                self._current = None
            self._info = modem.info
            if modem.is_open:
                modem.service()

    def _fail_pending(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _WAKE:
                continue
            _op, fut = item
            if not fut.cancel() and not fut.done():
                fut.set_exception(WorkerStopped(f"{self.modem_id}: worker stopped"))
        cur = self._current
        if cur is not None and not cur.done() and not self.isRunning():
            cur.set_exception(WorkerStopped(f"{self.modem_id}: worker stopped"))


def shutdown_all(workers: Iterable[ModemWorker], timeout: float = 2.0) -> bool:
    """Stop every worker in parallel; True if all ended within ``timeout`` in total."""
    workers = list(workers)
    for w in workers:
        w.request_stop()
    deadline = time.monotonic() + timeout
    ok = True
    for w in workers:
        ok = w.join(max(0.0, deadline - time.monotonic())) and ok
    return ok
