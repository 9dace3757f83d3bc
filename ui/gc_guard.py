"""Python's cyclic garbage collector runs only on the GUI thread while the window is up.

Left to itself, the collector runs on whichever thread happens to allocate when a threshold is
crossed: a modem worker, a query thread, the simulator. If the garbage it finds includes a Qt object
that Python owns (a closed dialog, a view rebuilt after a language switch), that object is destroyed
on that thread, with its timers, and Qt crashes later ("Timers cannot be stopped from another
thread"). So automatic collection is switched off and a timer on the GUI thread collects instead,
young objects often and the oldest rarely, as the collector would (qutebrowser does the same).
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000
EVERY_GEN1 = 10  # ticks
EVERY_GEN2 = 60


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._ticks = 0
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.collect(full=True)
        if self._was_enabled:
            gc.enable()

    def collect(self, full: bool = False) -> None:
        self._ticks += 1
        if full or self._ticks % EVERY_GEN2 == 0:
            gc.collect(2)
        elif self._ticks % EVERY_GEN1 == 0:
            gc.collect(1)
        else:
            gc.collect(0)
