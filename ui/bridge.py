"""The one adapter between the engine and Qt: engine events become Qt signals on the GUI thread,
and `tick` tells views to refresh, at most a few times a second and only after something changed.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.engine import Engine
from app.events import (Alert, EngineEvent, EngineFailed, MessageLogged, ModemChanged, OrderChanged, RepliesBacklog,
                        StockChanged)

log = logging.getLogger(__name__)

TICK_MS = 250  # 4 refreshes a second at most


class EngineBridge(QObject):
    orderChanged = Signal(int, str, str)
    modemChanged = Signal(str, str, str)
    messageLogged = Signal(object)
    stockChanged = Signal(int, str, object, bool)
    alert = Signal(str)
    tick = Signal()
    engineStateChanged = Signal(str)  # running | stopped
    repliesBacklog = Signal(int, bool)  # replies waiting, piling up
    engineFailed = Signal(str)  # a background loop could not be kept alive: the server stops

    _relay = Signal(object)  # an event published off the GUI thread
    _futureDone = Signal(object, object)  # (callback, future) from a worker thread

    def __init__(self, engine: Engine, parent: QObject | None = None):
        super().__init__(parent)
        self.engine = engine
        self.running = False
        self.last_error: dict[str, str] = {}  # modem name -> last error text
        self.alerts: list[str] = []
        self._dirty = False
        self._gui_thread = threading.get_ident()
        self._relay.connect(self._dispatch)
        self._futureDone.connect(self._deliver_future)
        self._unsubscribe: Callable[[], None] | None = engine.events.subscribe(self._on_event)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_timer)
        self._timer.start()

    def set_running(self, running: bool) -> None:
        self.running = running
        self.engineStateChanged.emit("running" if running else "stopped")
        self.mark_dirty()

    def mark_dirty(self) -> None:
        self._dirty = True

    def close(self) -> None:
        self._timer.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # --- events ------------------------------------------------------------------------------

    def _on_event(self, event: EngineEvent) -> None:
        if threading.get_ident() == self._gui_thread:
            self._dispatch(event)
        else:
            self._relay.emit(event)

    @Slot(object)
    def _dispatch(self, event: Any) -> None:
        self._dirty = True
        if isinstance(event, OrderChanged):
            self.orderChanged.emit(event.order_id, event.status, event.detail)
        elif isinstance(event, ModemChanged):
            if event.state in ("error", "sim_error", "needs_attention") or (
                    event.detail and not event.detail.startswith("sinyal") and event.state != "online"):
                self.last_error[event.name] = event.detail or event.state
            self.modemChanged.emit(event.name, event.state, event.detail)
        elif isinstance(event, MessageLogged):
            self.messageLogged.emit(event)
        elif isinstance(event, StockChanged):
            self.stockChanged.emit(event.supplier_id, event.name, event.stock, event.low)
        elif isinstance(event, RepliesBacklog):
            self.repliesBacklog.emit(event.queued, event.alarm)
        elif isinstance(event, EngineFailed):
            self.alerts.append(f"{event.loop}: {event.error}")
            self.engineFailed.emit(f"{event.loop}: {event.error}")
        elif isinstance(event, Alert):
            self.alerts.append(event.text)
            del self.alerts[:-50]
            self.alert.emit(event.text)

    @Slot()
    def _on_timer(self) -> None:
        if self._dirty:
            self._dirty = False
            self.tick.emit()

    # --- modem futures -----------------------------------------------------------------------

    def when_done(self, fut: Future, callback: Callable[[Future], None]) -> None:
        """Call `callback(fut)` on the GUI thread once a worker's future is done."""
        fut.add_done_callback(lambda f: self._futureDone.emit(callback, f))

    @Slot(object, object)
    def _deliver_future(self, callback: Callable[[Future], None], fut: Future) -> None:
        try:
            callback(fut)
        except Exception:
            log.exception("callback for a modem operation failed")
