"""The desktop program: QApplication and asyncio on one thread (qasync), the engine, the modem workers,
the main window; for --demo also the virtual GSM network and virtual resellers placing orders."""
from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox

from ui.i18n import add_english, tr

log = logging.getLogger(__name__)
C = "Aplikasi"

DEMO_TRAFFIC_PER_MINUTE = 20.0


class GuiServer:
    """Start and stop everything the window needs, in order. Used by `run_gui`, the tests and the
    screenshot script."""

    def __init__(self, args: Any, db_target: str, *, traffic: float | None = None,
                 modem_overrides: dict | None = None, show: bool = True):
        self.args = args
        self.db_target = db_target
        self.traffic_per_minute = traffic
        self.modem_overrides = modem_overrides
        self.show = show
        self.demo = None
        self.engine = None
        self.bridge = None
        self.pool = None
        self.window = None
        self.ctx = None
        self._traffic_task: asyncio.Task | None = None
        self._stop_requested: asyncio.Event | None = None
        self._stopped = False

    async def start(self):
        import main
        from app import settings as app_settings
        from app.engine import Engine
        from app.service import MessageService
        from ui.bridge import EngineBridge
        from ui.context import UiContext
        from ui.i18n import set_language
        from ui.main_window import MainWindow
        from ui.workers import WorkerPool

        self._stop_requested = asyncio.Event()
        self.demo = main.prepare_database(self.args, self.db_target)
        set_language(getattr(self.args, "lang", None) or app_settings.get("ui_language", "id"))
        self.engine = Engine(MessageService())
        self.bridge = EngineBridge(self.engine)
        self.pool = WorkerPool(self.engine, self.modem_overrides)
        self.pool.adopt(main.start_modems(self.engine, self.modem_overrides))
        await self.engine.start()
        self.bridge.set_running(True)
        self.ctx = UiContext(self.engine, self.bridge, demo=self.demo, workers=self.pool)
        self.window = MainWindow(self.ctx)
        self.window.stopRequested.connect(self.request_stop)
        self.bridge.engineFailed.connect(lambda _text: self.request_stop())
        if self.show:
            self.window.show()
        per_minute = self.traffic_per_minute
        if per_minute is None:
            chosen = getattr(self.args, "traffic", None)
            per_minute = (DEMO_TRAFFIC_PER_MINUTE if chosen is None else chosen) if self.demo else 0
        if self.demo is not None and per_minute > 0:
            self._traffic_task = asyncio.ensure_future(main._traffic(self.demo, per_minute))
        log.info("window open with %d modems%s", len(self.engine.links), " (demo)" if self.demo else "")
        return self.window

    def request_stop(self) -> None:
        if self._stop_requested is not None:
            self._stop_requested.set()

    async def wait_stop_requested(self) -> None:
        assert self._stop_requested is not None
        await self._stop_requested.wait()

    async def stop(self) -> None:
        """Traffic, engine, workers, window, virtual network — in that order. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        if self._traffic_task is not None:
            self._traffic_task.cancel()
            await asyncio.gather(self._traffic_task, return_exceptions=True)
        if self.engine is not None:
            await self.engine.stop()
        if self.bridge is not None:
            self.bridge.set_running(False)
        if self.pool is not None:
            # the workers finish their current command within the timeout; blocking here is fine at exit
            await asyncio.get_running_loop().run_in_executor(None, self.pool.shutdown, 3.0)
        if self.window is not None:
            self.window.close_for_real()
            self.window.deleteLater()
        if self.bridge is not None:
            self.bridge.close()
        if self.demo is not None:
            self.demo.stop()
        log.info("server stopped")


_open_boxes: set[QMessageBox] = set()  # a parentless box lives only while Python holds it


def show_error(text: str, *, wait: bool = False) -> None:
    """An error the owner must see, not only the log. `wait` blocks (only outside the event loop)."""
    box = QMessageBox(QMessageBox.Icon.Critical, "Pulsa", text)
    if wait:
        box.exec()
        return
    _open_boxes.add(box)
    box.finished.connect(lambda _result, b=box: _open_boxes.discard(b))
    box.open()


def install_excepthook() -> None:
    """Uncaught errors (e.g. in a slot) are logged as before and also shown."""
    previous = sys.excepthook

    def hook(exc_type, exc, tb) -> None:
        previous(exc_type, exc, tb)
        if issubclass(exc_type, KeyboardInterrupt):
            return
        try:
            show_error(tr(C, "Terjadi kesalahan: {error}\nRinciannya ada di file log.").format(error=exc))
        except Exception:  # never let the hook itself fail
            pass

    sys.excepthook = hook


async def show_error_and_wait(text: str) -> None:
    """An error box the owner must close; awaited without a nested event loop."""
    done = asyncio.get_running_loop().create_future()
    box = QMessageBox(QMessageBox.Icon.Critical, "Pulsa", text)
    _open_boxes.add(box)

    def closed(_result: int) -> None:
        _open_boxes.discard(box)
        if not done.done():
            done.set_result(None)

    box.finished.connect(closed)
    box.open()
    await done


async def serve_window(server: GuiServer) -> int:
    """Start, run until the owner (or a signal, or a fatal engine error) stops it, stop. Everything runs
    inside this one coroutine, so every task the server starts runs on the running qasync loop."""
    code = 0
    try:
        await server.start()
        if server.demo is not None:
            print(f"Virtual GSM network control API: {server.demo.control_url}", flush=True)
        await server.wait_stop_requested()
        if server.engine is not None and server.engine.failure:
            code = 1
            await show_error_and_wait(tr(C, "Server dihentikan karena galat yang terus berulang: {error}\n"
                                            "Rinciannya ada di file log.").format(error=server.engine.failure))
    except Exception as exc:
        log.exception("the server failed")
        code = 1
        await show_error_and_wait(tr(C, "Server gagal dijalankan: {error}\nRinciannya ada di file log.")
                                  .format(error=exc))
    finally:
        await server.stop()
    return code


def run_gui(args: Any, db_target: str) -> int:
    """`python main.py [--demo]`: the window, until the owner stops the server."""
    import qasync

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Pulsa")
    app.setOrganizationName("Pulsa")
    app.setQuitOnLastWindowClosed(False)  # closing to the tray keeps the server running
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    install_excepthook()
    server = GuiServer(args, db_target)

    def on_signal(_signum, _frame) -> None:
        loop.call_soon_threadsafe(server.request_stop)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, on_signal)
        except (ValueError, OSError):
            pass

    try:
        with loop:
            code = loop.run_until_complete(serve_window(server))
    finally:
        from storage.db import close_database

        close_database()
    print("Server berhenti.", flush=True)
    return code


add_english(C, {
    "Terjadi kesalahan: {error}\nRinciannya ada di file log.": "An error occurred: {error}\nDetails are in the log file.",
    "Server gagal dijalankan: {error}\nRinciannya ada di file log.": "The server could not start: {error}\nDetails are in the log file.",
    "Server dihentikan karena galat yang terus berulang: {error}\nRinciannya ada di file log.":
        "The server was stopped by an error that kept coming back: {error}\nDetails are in the log file.",
})
