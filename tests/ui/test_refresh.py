"""The one way live views refresh (ui/refresh.py): only while shown, changes coalesced, costly views
spaced out, reads off the GUI thread."""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from ui.refresh import Refresher


class Bridge(QObject):
    tick = Signal()


def test_a_hidden_view_reads_nothing_and_catches_up_once_shown(qtbot):
    bridge = Bridge()
    calls: list[str] = []
    shown: list[int] = []
    owner = QObject()
    refresher = Refresher(owner, bridge, lambda: calls.append("load") or len(calls), shown.append, background=False)
    for _ in range(5):
        bridge.tick.emit()
    assert calls == [] and refresher.dirty
    refresher.set_active(True)
    assert calls == ["load"] and shown == [1]
    refresher.set_active(False)
    bridge.tick.emit()
    assert calls == ["load"]
    owner.deleteLater()


def test_background_reads_run_off_the_gui_thread_and_coalesce(qtbot):
    bridge = Bridge()
    threads: list[str] = []
    gate = threading.Event()

    def load() -> int:
        threads.append(threading.current_thread().name)
        gate.wait(5)
        return len(threads)

    got: list[int] = []
    owner = QObject()
    refresher = Refresher(owner, bridge, load, got.append, background=True)
    with qtbot.waitSignal(refresher.shown, timeout=5000):
        refresher.set_active(True)
        for _ in range(10):  # changes while the first read runs: exactly one more read after it
            bridge.tick.emit()
        gate.set()
    qtbot.waitUntil(lambda: len(got) == 2, timeout=5000)
    assert len(threads) == 2 and all(name.startswith("ui-sql") for name in threads)
    assert got == [1, 2]
    owner.deleteLater()


def test_a_costly_view_is_refreshed_at_most_once_per_interval(qtbot):
    bridge = Bridge()
    calls: list[int] = []
    owner = QObject()
    refresher = Refresher(owner, bridge, lambda: calls.append(1) or len(calls), lambda _n: None, background=False,
                          min_interval_s=0.3)
    refresher.set_active(True)
    assert len(calls) == 1
    with qtbot.waitSignal(refresher.shown, timeout=3000):
        for _ in range(20):  # a busy shop: many changes within the interval
            bridge.tick.emit()
        assert len(calls) == 1  # none at once: the last refresh was just now
    assert len(calls) == 2  # one refresh for all of them, once the interval had passed
    owner.deleteLater()
