"""While the window is up, garbage is collected on the GUI thread only (ui/gc_guard.py)."""
from __future__ import annotations

import gc
import threading
import weakref

from ui.gc_guard import GuiThreadCollector


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_cycles_are_collected_by_the_timer_on_the_gui_thread(qapp, qtbot):
    was = gc.isenabled()
    gc.enable()
    collector = GuiThreadCollector()
    collector.start()
    try:
        assert not gc.isenabled()
        freed_on: list[str] = []
        node = Node()
        weakref.finalize(node, lambda: freed_on.append(threading.current_thread().name))
        del node
        qtbot.waitUntil(lambda: bool(freed_on), timeout=3000)
        assert freed_on == [threading.main_thread().name]
    finally:
        collector.stop()
        collector.deleteLater()
    assert gc.isenabled()
    if not was:
        gc.disable()
