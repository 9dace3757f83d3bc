"""Regression tests for the pinned stack (reference/stack.md)."""
from __future__ import annotations

import sys


def test_python_version_is_supported():
    # qasync is known to break on 3.14
    assert (3, 11) <= sys.version_info[:2] <= (3, 13)


def test_signal_emit_does_not_leak_references_to_true(qapp):
    # PySide6 6.12.0 on Python 3.11 drops a reference to True on every emit and later aborts the
    # interpreter with "Fatal Python error: bool_dealloc".
    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        changed = Signal(bool)

    emitter = Emitter()
    received = []
    emitter.changed.connect(received.append)
    before = sys.getrefcount(True)
    for _ in range(10_000):
        emitter.changed.emit(True)
    assert len(received) == 10_000
    received.clear()
    assert sys.getrefcount(True) >= before
