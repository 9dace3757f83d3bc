"""Starting and stopping modem worker threads, for the layers above that must not import Qt.

`modems.worker` is the one module here that uses QtCore (a QThread per modem); it is imported only
when a modem is actually started, so importing this module costs nothing and pulls in no Qt.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable

from modems.driver import ModemConfig
from modems.types import EventCallback, ModemInfo

if TYPE_CHECKING:
    from modems.worker import ModemWorker


def start_worker(port_url: str, config: ModemConfig, *, modem_id: str, on_event: EventCallback,
                 resolver: Callable[[ModemInfo], str | None] | None = None) -> "ModemWorker":
    """A running worker thread that owns `port_url` (it opens the port and keeps it open).
    `resolver(info)` finds the port the modem is on after it was lost (modems.discovery.make_resolver)."""
    from modems.worker import ModemWorker

    worker = ModemWorker(port_url, config, modem_id=modem_id, on_event=on_event, resolver=resolver)
    worker.start()
    return worker


def stop_workers(workers: Iterable["ModemWorker"], timeout: float = 2.0) -> bool:
    """Stop every worker in parallel; True if all ended within `timeout` in total. Blocks: call it
    from a thread (e.g. `run_in_executor`) when an event loop must keep running."""
    from modems.worker import shutdown_all

    return shutdown_all(workers, timeout)
