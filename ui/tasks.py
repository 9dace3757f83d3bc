"""Running a coroutine from a Qt slot (the qasync loop is the running loop) and hearing back on the
GUI thread. Tasks are kept referenced until done, so none is collected mid-flight."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Coroutine

log = logging.getLogger(__name__)
_running: set[asyncio.Task] = set()


def spawn(coro: Coroutine[Any, Any, Any], on_done: Callable[[asyncio.Task], None] | None = None) -> asyncio.Task:
    task = asyncio.ensure_future(coro)
    _running.add(task)

    def finished(t: asyncio.Task) -> None:
        _running.discard(t)
        if on_done is not None:
            try:
                on_done(t)
            except Exception:
                log.exception("task callback failed")
        elif not t.cancelled() and t.exception() is not None:
            log.error("background task failed", exc_info=t.exception())

    task.add_done_callback(finished)
    return task


def outcome(task: asyncio.Task) -> tuple[Any, BaseException | None]:
    """(result, None) or (None, error) of a finished task."""
    if task.cancelled():
        return None, asyncio.CancelledError()
    error = task.exception()
    return (None, error) if error is not None else (task.result(), None)
