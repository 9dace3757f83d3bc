"""The desktop program: QApplication and asyncio on one thread (qasync), the engine, the modem workers,
the main window; for --demo also the virtual GSM network and virtual resellers placing orders."""
from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox

from app.runtime import Runtime, RuntimeOptions
from ui.bridge import EngineBridge
from ui.context import UiContext
from ui.gc_guard import GuiThreadCollector
from ui.i18n import add_english, set_language, tr
from ui.main_window import MainWindow

log = logging.getLogger(__name__)
C = "Aplikasi"

DEMO_TRAFFIC_PER_MINUTE = 20.0  # the window's demo shows orders flowing unless told otherwise


class WindowServer:
    """The runtime (`app.runtime`) plus the window on top of it. Used by `run_gui`, the tests and the
    screenshot script."""

    def __init__(self, options: RuntimeOptions, *, lang: str | None = None, show: bool = True):
        self.runtime = Runtime(options)
        self.lang = lang
        self.show = show
        self.bridge: EngineBridge | None = None
        self.collector: GuiThreadCollector | None = None
        self.window: MainWindow | None = None
        self.ctx: UiContext | None = None
        self._stopped = False
        self.ready = False  # the window is shown (after the panel password, when one is set)
        self.restore_from: Path | None = None  # a backup to put in place once the server has stopped
        self.replaced: Path | None = None  # … the database it replaced, kept
        self.restore_error = ""

    @property
    def engine(self):
        return self.runtime.engine

    @property
    def demo(self):
        return self.runtime.demo

    @property
    def modems(self):
        return self.runtime.modems

    async def start(self) -> "MainWindow":
        from app import settings as app_settings

        self.collector = GuiThreadCollector()
        self.collector.start()
        await self.runtime.start()
        set_language(self.lang or app_settings.ui_language())
        self.bridge = EngineBridge(self.runtime.engine)
        self.bridge.set_running(True)
        self.ctx = UiContext(self.runtime.engine, self.bridge, demo=self.runtime.demo, modems=self.runtime.modems,
                             extras={"h2h": self.runtime.h2h, "restore": self.request_restore,
                                     "chat": self.runtime.chat})
        self.window = MainWindow(self.ctx)
        self.window.stopRequested.connect(self.runtime.request_stop)
        if self.show:
            from ui import guard

            if not await guard.ask_at_start():  # the panel password, when the owner set one
                log.info("panel password not given at start: stopping")
                self.runtime.request_stop()
                return self.window
            self.window.show()
        self.ready = True
        return self.window

    def bring_to_front(self) -> None:
        """Another start on this data folder asked for the window: shown only after the password."""
        from ui import guard

        if self.ready and self.window is not None:
            self.window.show_from_tray()
        elif guard.pending is not None and guard.pending.isVisible():
            guard.pending.raise_()
            guard.pending.activateWindow()

    def request_stop(self) -> None:
        self.runtime.request_stop()

    def request_restore(self, backup: Path) -> None:
        """The owner confirmed a restore (ui/views/backups.py): stop, restore (in `stop`), start again."""
        self.restore_from = Path(backup)
        self.runtime.request_stop()

    async def wait(self) -> None:
        await self.runtime.wait()

    async def stop(self) -> None:
        """The window first (it reads the database), then the runtime. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        if self.bridge is not None:
            self.bridge.set_running(False)
            self.bridge.close()
        if self.window is not None:
            self.window.close_for_real()
            self.window.deleteLater()
        await self.runtime.stop()
        if self.collector is not None:
            self.collector.stop()
        if self.restore_from is not None:
            await self._restore()

    async def _restore(self) -> None:
        """The database closed: the backup (checked again) in its place, the old one kept beside it."""
        import datetime as _dt

        from app import backups

        target = self.runtime.database
        try:
            if not target or "://" in target:
                raise backups.BackupError(backups.POSTGRES_NOTE)
            self.replaced = await asyncio.to_thread(backups.restore, self.restore_from, Path(target),
                                                    _dt.datetime.now())
        except Exception as exc:
            log.exception("restore from %s failed", self.restore_from)
            self.restore_error = str(exc)


def options_from_args(args: Any) -> RuntimeOptions:
    """What `main.py`'s command line asks of the runtime, for the window."""
    traffic = getattr(args, "traffic", None)
    return RuntimeOptions(db=args.db, demo=bool(args.demo), config=Path(args.config) if args.config else None,
                          control_port=args.control_port, pty_dir=getattr(args, "pty", None) if args.demo else None,
                          traffic_per_minute=((DEMO_TRAFFIC_PER_MINUTE if traffic is None else traffic)
                                              if args.demo else 0),
                          h2h_port=getattr(args, "h2h_port", None), h2h_host=getattr(args, "h2h_host", None))


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


async def serve_window(server: WindowServer) -> int:
    """Start, run until the owner (or a signal, or a fatal engine error) stops it, stop. Everything runs
    inside this one coroutine, so every task the server starts runs on the running qasync loop."""
    code = 0
    try:
        await server.start()
        if server.demo is not None:
            print(f"Database: {server.runtime.database}", flush=True)
            print(f"Virtual GSM network control API: {server.demo.control_url}", flush=True)
            print(f"Control API token: {server.demo.control_token}", flush=True)
        await server.wait()
        if server.runtime.failure:
            code = 1
            await show_error_and_wait(tr(C, "Server dihentikan karena galat yang terus berulang: {error}\n"
                                            "Rinciannya ada di file log.").format(error=server.runtime.failure))
    except Exception as exc:
        log.exception("the server failed")
        code = 1
        await show_error_and_wait(tr(C, "Server gagal dijalankan: {error}\nRinciannya ada di file log.")
                                  .format(error=exc))
    finally:
        await server.stop()
    if server.restore_error:
        await show_error_and_wait(tr(C, "Cadangan tidak dipulihkan: {error}\nDatabase tidak diubah; program "
                                        "dibuka lagi dengan database yang lama.").format(error=server.restore_error))
    return code


def restart_command(database: str) -> list[str]:
    """The command that starts this program again as it was started, on `database` (after a restore)."""
    import os

    argv = list(sys.argv[1:])
    if "--db" not in argv and database:
        argv += ["--db", database]
    if getattr(sys, "frozen", False):
        return [sys.executable, *argv]
    return [sys.executable, os.path.abspath(sys.argv[0]), *argv]


def run_gui(args: Any) -> int:
    """`python main.py [--demo]`: the window, until the owner stops the server."""
    import qasync

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Pulsa")
    app.setOrganizationName("Pulsa")
    app.setQuitOnLastWindowClosed(False)  # closing to the tray keeps the server running
    instance = None
    if getattr(args, "data_path", None) is not None:  # one running copy per data folder
        from ui.single_instance import SingleInstance

        instance = SingleInstance(args.data_path)
        if instance.hand_over():
            print("Pulsa sudah berjalan untuk folder data ini; jendelanya dimunculkan.", flush=True)
            return 0
        instance.listen()
    if getattr(args, "first_run", False) and not run_first_run(args, instance):
        print("Pengaturan awal dibatalkan; belum ada yang disimpan.", flush=True)
        return 0
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    from ui.error_dialog import install_error_reporter

    install_error_reporter(loop)  # slots, asyncio tasks, threads: logged, shown once, the server goes on
    server = WindowServer(options_from_args(args), lang=args.lang)
    if instance is not None:
        instance.showRequested.connect(server.bring_to_front)

    def on_signal(_signum, _frame) -> None:
        loop.call_soon_threadsafe(server.request_stop)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, on_signal)
        except (ValueError, OSError):
            pass

    with loop:
        code = loop.run_until_complete(serve_window(server))
    print("Server berhenti.", flush=True)
    if server.restore_from is not None:  # restored (or not, then said so): the program starts again
        import subprocess

        print(f"Database dipulihkan dari {server.restore_from}; program dibuka lagi." if not server.restore_error
              else "Program dibuka lagi.", flush=True)
        if instance is not None:
            instance.close()  # else the new start would find this one and hand over to it
        subprocess.Popen(restart_command(server.runtime.database))
        return 0
    return code


def run_first_run(args: Any, instance: Any = None, *, wizard: Any = None) -> bool:
    """The setup wizard (before the event loop runs, so `exec()` is allowed here), then its choices written
    through app.setup. False when the owner cancels: nothing is written, the next start asks again.
    Choosing the demo network makes this run a `--demo` run."""
    from app import setup
    from ui import guard
    from ui.wizard import FirstRunWizard

    default_dir = Path(getattr(args, "data_path", None) or Path(args.db).parent)
    if args.lang:
        set_language(args.lang)
    wizard = wizard or FirstRunWizard(default_dir)
    if instance is not None:
        instance.showRequested.connect(lambda: (wizard.showNormal(), wizard.raise_(), wizard.activateWindow()))
    while True:
        if wizard.exec() != FirstRunWizard.DialogCode.Accepted.value:
            return False
        choices = wizard.choices()
        args.lang = args.lang or choices.language
        if wizard.demo_chosen():
            args.demo, args.db = True, None
            return True
        try:
            args.db = setup.use_data_dir(default_dir, wizard.data_dir())
            setup.open_shop(args.db)
            try:
                setup.complete_first_run(choices)
            finally:
                setup.close_shop()
        except Exception as exc:
            log.exception("the first-run setup failed")
            show_error(tr(C, "Pengaturan awal gagal disimpan: {error}").format(error=exc), wait=True)
            continue
        if choices.password:
            guard.remember()  # just typed in the wizard: not asked again at once
        return True


add_english(C, {
    "Pengaturan awal gagal disimpan: {error}": "The first-time setup could not be saved: {error}",
    "Terjadi kesalahan: {error}\nRinciannya ada di file log.":
        "An error occurred: {error}\nDetails are in the log file.",
    "Cadangan tidak dipulihkan: {error}\nDatabase tidak diubah; program dibuka lagi dengan database yang lama.":
        "The backup was not restored: {error}\nThe database is unchanged; the program starts again on it.",
    "Server gagal dijalankan: {error}\nRinciannya ada di file log.":
        "The server could not start: {error}\nDetails are in the log file.",
    "Server dihentikan karena galat yang terus berulang: {error}\nRinciannya ada di file log.":
        "The server was stopped by an error that kept coming back: {error}\nDetails are in the log file.",
})
