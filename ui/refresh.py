"""How live views refresh: one `Refresher` per view, and the background threads for their reads.

The bridge's `tick` (at most 4 a second, only after an engine event) marks a view dirty. While the view
is shown, its Refresher then runs the view's `load()` — a read model from `app.queries`, on a
background thread with its own database connection unless the load is cheap and in memory — and hands
the result to `show(result)` on the GUI thread. One load runs at a time per view; changes that arrive
meanwhile make exactly one more. A hidden view does no work and catches up when it is shown again.
"""
from __future__ import annotations

import itertools
import logging
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable, Generic, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.queries import reading

if TYPE_CHECKING:
    from ui.bridge import EngineBridge

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Gone(Exception):
    """The view whose read this was no longer exists."""


class QueryRunner(QObject):
    """Background threads for the views' reads. `submit(fn)` runs `fn()` on one of them and emits
    `done(token, result)` on the GUI thread; an exception is delivered as the result. Two threads,
    so one slow read (a sort over a million orders) need not hold up the others."""

    done = Signal(int, object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ui-sql")
        self._tokens = itertools.count(1)

    def submit(self, fn: Callable[[], Any]) -> int:
        token = next(self._tokens)
        self._pool.submit(self._run, token, fn)
        return token

    def _run(self, token: int, fn: Callable[[], Any]) -> None:
        try:
            with reading():  # the database is not closed under a read (a crash in sqlite3)
                result = fn()
        except _Gone:
            return
        except Exception as exc:  # shown by the view; the thread must live on
            log.exception("background query failed")
            result = exc
        self.done.emit(token, result)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


_runner: QueryRunner | None = None


def runner() -> QueryRunner:
    global _runner
    if _runner is None:
        _runner = QueryRunner()
    return _runner


def _job(load: Callable[[], T]) -> Callable[[], T]:
    """What a query thread runs for `load`. A view's own method is held weakly and released before the
    thread reports back: a Qt object must never lose its last reference on another thread (it would be
    destroyed there, with its timers, and Qt crashes later). The Refresher keeps the strong reference
    on the GUI thread until the answer is in."""
    if not hasattr(load, "__self__") or not isinstance(getattr(load, "__self__", None), QObject):
        return load
    ref = weakref.WeakMethod(load)  # type: ignore[arg-type]
    del load

    def run() -> T:
        method = ref()
        if method is None:
            raise _Gone()
        try:
            return method()
        finally:
            del method

    return run


class Refresher(QObject, Generic[T]):
    """Keeps one view up to date: `load()` then `show(result)`, when something changed and the view is
    shown (`set_active(True)`), at most once per tick, plus every `every_s` seconds if given (for what
    changes with the clock: ages, today's totals). `background=False` runs `load` on the GUI thread
    (for cheap reads of the engine's memory). `min_interval_s` spaces the refreshes of a costly view."""

    shown = Signal()  # after each show(), for tests and for follow-up work (e.g. restoring a selection)

    def __init__(self, parent: QObject, bridge: "EngineBridge | None", load: Callable[[], T],
                 show: Callable[[T], None], *, background: bool = True, every_s: float | None = None,
                 min_interval_s: float = 0.0, failed: Callable[[Exception], None] | None = None):
        super().__init__(parent)
        self._load = load
        self._show = show
        self._failed = failed
        self._background = background
        self.active = False
        self.dirty = True
        self.busy = False
        self._token = 0
        self._last = 0.0
        self._every_s = every_s
        self._min_interval_s = min_interval_s  # a costly view (charts) redraws at most this often
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self._due)
        if background:
            runner().done.connect(self._on_done)
        self._clock = QTimer(self)
        self._clock.setInterval(int((every_s or 1.0) * 1000))
        self._clock.timeout.connect(self._on_clock)
        if bridge is not None:
            bridge.tick.connect(self.request)

    def set_active(self, active: bool) -> None:
        self.active = active
        if active:
            if self._every_s:
                self._clock.start()
            if self.dirty or (self._every_s and time.monotonic() - self._last >= self._every_s):
                self.refresh()
        else:
            self._clock.stop()

    @Slot()
    def request(self) -> None:
        """Something changed: refresh now if shown and idle, else as soon as it is."""
        self.dirty = True
        if self.active and not self.busy:
            self._refresh_when_due()

    def _refresh_when_due(self) -> None:
        wait = self._last + self._min_interval_s - time.monotonic()
        if wait <= 0:
            self.refresh()
        elif not self._later.isActive():
            self._later.start(int(wait * 1000) + 1)

    @Slot()
    def _due(self) -> None:
        if self.active and self.dirty and not self.busy:
            self.refresh()

    @Slot()
    def _on_clock(self) -> None:
        if self.active and not self.busy:
            self.refresh()

    def refresh(self) -> None:
        """Load now (or, with a load running, once more after it)."""
        if self.busy:
            self.dirty = True
            return
        self.dirty = False
        self._last = time.monotonic()
        if not self._background:
            try:
                result = self._load()
            except Exception as exc:
                log.exception("view refresh failed")
                self._deliver_error(exc)
                return
            self._deliver(result)
            return
        self.busy = True
        self._token = runner().submit(_job(self._load))

    @Slot(int, object)
    def _on_done(self, token: int, result: object) -> None:
        if token != self._token:
            return
        self.busy = False
        if isinstance(result, Exception):
            self._deliver_error(result)
        else:
            self._deliver(result)  # type: ignore[arg-type]
        if self.dirty and self.active:
            self._refresh_when_due()

    def _deliver(self, result: T) -> None:
        self._show(result)
        self.shown.emit()

    def _deliver_error(self, exc: Exception) -> None:
        if self._failed is not None:
            self._failed(exc)
