"""An uncaught error in a slot, an asyncio task or a thread: logged with where it happened, shown once
in a dialog with the log's path, and the program goes on."""
from __future__ import annotations

import asyncio
import gc
import logging
import threading

import pytest
from PySide6.QtCore import QObject, QTimer, Signal

from tests.ui.conftest import run
from ui.error_dialog import ErrorDialog, ErrorReporter


class Boom(QObject):
    fired = Signal()


def _explode() -> None:
    raise ValueError("boom in a slot")


@pytest.fixture
def log_file(tmp_path):
    handler = logging.FileHandler(tmp_path / "pulsa.log", encoding="utf-8")
    root = logging.getLogger()
    root.addHandler(handler)
    yield tmp_path / "pulsa.log"
    root.removeHandler(handler)
    handler.close()


@pytest.fixture
def reporter(qapp):
    rep = ErrorReporter().install()
    yield rep
    rep.uninstall()
    for dialog in list(rep.dialogs):
        dialog.done(0)


def test_an_error_in_a_slot_is_logged_and_shown_once(qtbot, reporter, log_file):
    source = Boom()
    source.fired.connect(_explode)
    with qtbot.waitSignal(reporter.shown, timeout=5000) as shown:
        QTimer.singleShot(0, source.fired.emit)
    key = shown.args[0]
    assert key.startswith("builtins.ValueError@test_error_dialog.py:")
    assert len(reporter.dialogs) == 1
    dialog = reporter.dialogs[0]
    assert isinstance(dialog, ErrorDialog) and dialog.isVisible()
    assert str(log_file) in dialog.informativeText() and "boom in a slot" in dialog.informativeText()
    assert "_explode" in dialog.detailedText()

    with qtbot.waitSignal(reporter._arrived, timeout=5000):  # the same error again: logged, not shown again
        QTimer.singleShot(0, source.fired.emit)
    qtbot.wait_until(lambda: log_file.read_text().count("boom in a slot") >= 2, timeout=5000)
    assert len(reporter.dialogs) == 1
    text = log_file.read_text()
    assert "uncaught exception in Qt slot" in text and "Traceback" in text


def test_an_error_in_an_asyncio_task_and_a_thread(qtbot, loop, log_file):
    reporter = ErrorReporter().install(loop)
    try:
        async def fails() -> None:
            raise KeyError("lost order")

        async def body() -> str:
            shown: asyncio.Future = loop.create_future()
            reporter.shown.connect(lambda key: shown.done() or shown.set_result(key))
            task = asyncio.ensure_future(fails())
            await asyncio.wait([task])
            del task
            gc.collect()  # "Task exception was never retrieved" goes to the loop's handler
            key = await asyncio.wait_for(shown, 10)
            # the loop keeps running: a later coroutine still runs
            assert await asyncio.sleep(0, result="alive") == "alive"
            return key

        key = run(loop, body())
        assert key.startswith("builtins.KeyError@") and len(reporter.dialogs) == 1
        assert "asyncio: Task exception was never retrieved" in log_file.read_text()

        def worker() -> None:
            raise RuntimeError("modem thread broke")

        with qtbot.waitSignal(reporter.shown, timeout=5000):
            thread = threading.Thread(target=worker, name="modem-x")
            thread.start()
            thread.join()
        assert len(reporter.dialogs) == 2
        assert "uncaught exception in thread modem-x" in log_file.read_text()
    finally:
        reporter.uninstall()
        for dialog in list(reporter.dialogs):
            dialog.done(0)
