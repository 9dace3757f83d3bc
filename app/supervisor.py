"""Background loops that must not die quietly.

The engine's loops (the ticker, the outbox, stock checks, reconciliation, one per supplier) run for the
whole life of the server. A loop that ends with an error is logged, reported as an alert, and started
again after a short pause; one that keeps dying (`MAX_CRASHES` within `CRASH_WINDOW_S`) is given up
on, and `on_fatal` stops the server loudly: a server that silently stops answering resellers is worse
than one that stops with a clear message.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Coroutine

log = logging.getLogger(__name__)

MAX_CRASHES = 5
CRASH_WINDOW_S = 60.0
RESTART_DELAYS_S = (0.5, 1.0, 2.0, 4.0, 8.0)

LoopFactory = Callable[[], Coroutine[Any, Any, None]]


@dataclass
class _Loop:
    name: str
    factory: LoopFactory
    task: asyncio.Task | None = None
    crashes: list[float] = field(default_factory=list)


class Supervisor:
    """Owns named long-running tasks: restarts the ones that crash, gives up loudly on the hopeless.

    The loop's own coroutine is the task (no wrapper around it); its end is handled in a done-callback."""

    def __init__(self, *, on_crash: Callable[[str, BaseException], None] | None = None,
                 on_fatal: Callable[[str, BaseException], None] | None = None,
                 monotonic: Callable[[], float] = time.monotonic):
        self.on_crash = on_crash
        self.on_fatal = on_fatal
        self._monotonic = monotonic
        self._loops: dict[str, _Loop] = {}
        self._restarts: set[asyncio.TimerHandle] = set()
        self._stopping = False

    def start(self, name: str, factory: LoopFactory) -> None:
        """Run `factory()` now and again whenever it ends with an error, until `stop`."""
        self._stopping = False
        old = self._loops.get(name)
        if old is not None and old.task is not None and not old.task.done():
            old.task.cancel()
        entry = _Loop(name, factory)
        self._loops[name] = entry
        self._launch(entry)

    def _launch(self, entry: _Loop) -> None:
        if self._stopping or self._loops.get(entry.name) is not entry:
            return
        entry.task = asyncio.get_running_loop().create_task(entry.factory(), name=entry.name)
        entry.task.add_done_callback(lambda task, e=entry: self._ended(e, task))

    def cancel(self, name: str) -> asyncio.Task | None:
        """Stop one loop for good (not restarted); returns its task to await, if it was running."""
        entry = self._loops.pop(name, None)
        if entry is None or entry.task is None or entry.task.done():
            return None
        entry.task.cancel()
        return entry.task

    def running(self, name: str) -> bool:
        entry = self._loops.get(name)
        return entry is not None and entry.task is not None and not entry.task.done()

    def names(self) -> list[str]:
        return [name for name in self._loops if self.running(name)]

    def crashes(self, name: str) -> int:
        entry = self._loops.get(name)
        return len(entry.crashes) if entry else 0

    async def stop(self) -> None:
        self._stopping = True
        for handle in self._restarts:
            handle.cancel()
        self._restarts.clear()
        tasks = [e.task for e in self._loops.values() if e.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loops.clear()

    def _ended(self, entry: _Loop, task: asyncio.Task) -> None:
        if task.cancelled() or self._stopping or self._loops.get(entry.name) is not entry:
            return
        error = task.exception() or RuntimeError(f"{entry.name} ended by itself")
        now = self._monotonic()
        entry.crashes = [t for t in entry.crashes if now - t < CRASH_WINDOW_S] + [now]
        log.critical("background loop %s died (%d in %.0f s)", entry.name, len(entry.crashes), CRASH_WINDOW_S,
                     exc_info=error)
        if len(entry.crashes) >= MAX_CRASHES:
            log.critical("background loop %s keeps dying: giving up", entry.name)
            if self.on_fatal is not None:
                self.on_fatal(entry.name, error)
            return
        if self.on_crash is not None:
            try:
                self.on_crash(entry.name, error)
            except Exception:
                log.exception("crash report for %s failed", entry.name)
        delay = RESTART_DELAYS_S[min(len(entry.crashes), len(RESTART_DELAYS_S)) - 1]
        handle: asyncio.TimerHandle | None = None

        def restart() -> None:
            self._restarts.discard(handle)  # type: ignore[arg-type]
            self._launch(entry)

        handle = asyncio.get_running_loop().call_later(delay, restart)
        self._restarts.add(handle)
