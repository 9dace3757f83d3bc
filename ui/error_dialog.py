"""One handler for every uncaught error: in a Qt slot (sys.excepthook), in an asyncio task or callback
(the loop's exception handler) and in a thread (threading.excepthook). Each is logged with where it
happened; the owner sees a dialog with the log file's path, once per distinct error (the same type at
the same place is logged again but not shown again). Nothing is stopped: the server keeps running.

    reporter = install_error_reporter(loop)   # run_gui, before the server starts
"""
from __future__ import annotations

import asyncio
import logging
import logging.handlers
import os
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ui.i18n import add_english, tr

log = logging.getLogger("pulsa.uncaught")
C = "Galat"


def log_file_path() -> Path | None:
    """The file the log goes to (main.py's rotating handler), if any."""
    files = [Path(h.baseFilename) for h in logging.getLogger().handlers
             if isinstance(h, logging.FileHandler) and h.baseFilename != os.devnull]
    rotating = [Path(h.baseFilename) for h in logging.getLogger().handlers
                if isinstance(h, logging.handlers.RotatingFileHandler)]
    return (rotating or files or [None])[-1]


def error_key(exc_type: type[BaseException], tb: TracebackType | None) -> str:
    """Type and the innermost place it was raised: the same bug raised again has the same key."""
    frames = traceback.extract_tb(tb) if tb is not None else []
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    return f"{exc_type.__module__}.{exc_type.__qualname__}@{where}"


class ErrorDialog(QMessageBox):
    """What the owner reads: the error in a line, that the server goes on, where the log is; the
    traceback under "Show details"."""

    def __init__(self, summary: str, details: str, log_path: Path | None, parent: QWidget | None = None):
        super().__init__(QMessageBox.Icon.Critical, "Pulsa", tr(C, "Terjadi kesalahan tak terduga. "
                                                                "Server tetap berjalan."), parent=parent)
        self.log_path = log_path
        where = (tr(C, "Rinciannya tercatat di file log:\n{path}").format(path=log_path) if log_path
                 else tr(C, "Rinciannya tercatat di log."))
        self.setInformativeText(f"{summary}\n\n{where}\n\n"
                                + tr(C, "Kesalahan yang sama tidak akan ditampilkan lagi sampai program "
                                        "dibuka ulang."))
        self.setDetailedText(details)
        # wide enough that a log path and the sentence read on one line each
        self.setStyleSheet("QLabel#qt_msgbox_label, QLabel#qt_msgbox_informativelabel { min-width: 460px; }")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStandardButtons(QMessageBox.StandardButton.Ok)
        self.open_folder = None
        if log_path is not None:
            self.open_folder = self.addButton(tr(C, "Buka folder log"), QMessageBox.ButtonRole.ActionRole)
            self.open_folder.clicked.connect(self._open_folder)

    def _open_folder(self) -> None:
        if self.log_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_path.parent)))


class ErrorReporter(QObject):
    """Logs every uncaught error and shows each distinct one once. Safe to call from any thread."""

    shown = Signal(str)  # an error's key, once its dialog is open
    _arrived = Signal(str, str, str)  # key, summary, details: to the GUI thread (queued)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.seen: set[str] = set()
        self.dialogs: list[ErrorDialog] = []
        self._previous: tuple = ()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._arrived.connect(self._show, Qt.ConnectionType.QueuedConnection)

    # --- the three doors -----------------------------------------------------------------------

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> "ErrorReporter":
        self._previous = (sys.excepthook, threading.excepthook,
                          loop.get_exception_handler() if loop is not None else None)
        self._loop = loop
        sys.excepthook = self._excepthook
        threading.excepthook = self._threading_hook
        if loop is not None:
            loop.set_exception_handler(self._asyncio_handler)
        return self

    def uninstall(self) -> None:
        if not self._previous:
            return
        sys.excepthook, threading.excepthook, handler = self._previous
        if self._loop is not None and not self._loop.is_closed():
            self._loop.set_exception_handler(handler)
        self._previous = ()

    def _excepthook(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        self.report(exc_type, exc, tb, "Qt slot or callback on the GUI thread")

    def _threading_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        self.report(args.exc_type, args.exc_value, args.exc_traceback, f"thread {name}")

    def _asyncio_handler(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        exc = context.get("exception")
        message = context.get("message", "")
        task = context.get("task") or context.get("future")
        where = f"asyncio: {message}" + (f" ({task.get_name()})" if isinstance(task, asyncio.Task) else "")
        if exc is None:
            log.error("%s %s", where, {k: v for k, v in context.items() if k != "message"})
            return
        self.report(type(exc), exc, exc.__traceback__, where)

    # --- reporting ------------------------------------------------------------------------------

    def report(self, exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None,
               where: str) -> None:
        key = error_key(exc_type, tb)
        try:
            log.critical("uncaught exception in %s [%s]", where, key, exc_info=(exc_type, exc, tb))
        except Exception:  # logging itself failing must not hide the error
            traceback.print_exception(exc_type, exc, tb)
        summary = f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__
        details = f"{where}\n\n" + "".join(traceback.format_exception(exc_type, exc, tb))
        try:
            self._arrived.emit(key, summary, details)
        except RuntimeError:  # the reporter is gone (shutting down): logged is enough
            pass

    @Slot(str, str, str)
    def _show(self, key: str, summary: str, details: str) -> None:
        if key in self.seen:
            return
        self.seen.add(key)
        if QApplication.instance() is None:
            return
        parent = QApplication.activeWindow()
        dialog = ErrorDialog(summary, details, log_file_path(), parent)
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r, d=dialog: self._closed(d))
        dialog.open()
        self.shown.emit(key)

    def _closed(self, dialog: ErrorDialog) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)
        dialog.deleteLater()


_reporter: ErrorReporter | None = None


def install_error_reporter(loop: asyncio.AbstractEventLoop | None = None) -> ErrorReporter:
    """The program's one reporter (replaces an earlier one)."""
    global _reporter
    if _reporter is not None:
        _reporter.uninstall()
    _reporter = ErrorReporter().install(loop)
    return _reporter


add_english(C, {
    "Terjadi kesalahan tak terduga. Server tetap berjalan.": "An unexpected error occurred. The server keeps running.",
    "Rinciannya tercatat di file log:\n{path}": "The details are in the log file:\n{path}",
    "Rinciannya tercatat di log.": "The details are in the log.",
    "Kesalahan yang sama tidak akan ditampilkan lagi sampai program dibuka ulang.":
        "The same error will not be shown again until the program is restarted.",
    "Buka folder log": "Open log folder",
})
