"""The main window: one tab per view, the status bar, the tray icon and the language setting."""
from __future__ import annotations

import enum
import importlib
import logging
import weakref
from dataclasses import dataclass

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (QLabel, QMainWindow, QMenu, QMessageBox, QPushButton, QSystemTrayIcon, QTabWidget,
                               QWidget)

from app.queries.status import StatusBar, modem_count, queue_counts, status_bar
from ui.context import UiContext
from ui.i18n import add_english, language, set_language, tr
from ui.refresh import Refresher
from ui.style import app_icon

log = logging.getLogger(__name__)

C = "Jendela"
GREEN, ORANGE, RED = "#1e8e3e", "#e8710a", "#d93025"
STATUS_EVERY_S = 5.0  # today's count and the queue also change with the clock (midnight, ageing)


@dataclass(frozen=True)
class ViewSpec:
    key: str
    module: str
    cls: str


# The tab order of the issue; a colleague's view that is not there yet is simply left out.
VIEWS = (
    ViewSpec("dashboard", "ui.views.dashboard", "DashboardView"),
    ViewSpec("phones", "ui.views.phones", "PhonesView"),
    ViewSpec("queue", "ui.views.queue", "QueueView"),
    ViewSpec("log", "ui.views.log", "LogView"),
    ViewSpec("reports", "ui.views.reports", "ReportsView"),
    ViewSpec("messages", "ui.views.messages", "MessagesView"),
    ViewSpec("resellers", "ui.views.resellers", "ResellersView"),
    ViewSpec("deposits", "ui.views.deposits", "DepositsView"),
    ViewSpec("products", "ui.views.products", "ProductsView"),
    ViewSpec("suppliers", "ui.views.suppliers", "SuppliersView"),
    ViewSpec("h2h", "ui.views.h2h", "H2HView"),
    ViewSpec("chat", "ui.views.channels", "ChannelsView"),
)


def load_view_class(spec: ViewSpec) -> type | None:
    try:
        module = importlib.import_module(spec.module)
    except ModuleNotFoundError as exc:
        if exc.name == spec.module:
            return None
        log.exception("view %s cannot be imported", spec.module)
        return None
    except Exception:
        log.exception("view %s cannot be imported", spec.module)
        return None
    return getattr(module, spec.cls, None)


class CloseChoice(enum.Enum):
    STOP = "stop"
    TRAY = "tray"
    CANCEL = "cancel"


class MainWindow(QMainWindow):
    stopRequested = Signal()  # the owner stops the engine, the workers and the loop
    languageChanged = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._quitting = False
        self.close_dialog: QMessageBox | None = None
        self.stop_dialog: QMessageBox | None = None
        self.status: StatusBar | None = None  # what the status bar showed last
        self.views: dict[str, QWidget] = {}
        self._active: QWidget | None = None
        self.setWindowIcon(app_icon())
        self.resize(1280, 760)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.setCentralWidget(self.tabs)

        self.status_engine = QLabel()
        self.status_modems = QLabel()
        self.status_queue = QLabel()
        self.status_action = QLabel()
        self.status_today = QLabel()
        self.status_replies = QLabel()
        for label in (self.status_engine, self.status_modems, self.status_queue, self.status_action,
                      self.status_replies, self.status_today):
            label.setContentsMargins(8, 0, 8, 0)
            self.statusBar().addPermanentWidget(label)

        self.tray = QSystemTrayIcon(app_icon(), self)
        self.tray.activated.connect(self._on_tray_activated)

        for i in range(1, 10):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{i}"), self)
            shortcut.activated.connect(lambda index=i - 1: self.show_tab(index))

        self._build()
        self.tray.show()
        # No bound method of the window goes to the query thread: if that thread held the last reference,
        # the window would be destroyed there, its timers left behind on this thread.
        window = weakref.ref(self)
        clock = ctx.engine.clock
        self.status_refresher = Refresher(
            self, ctx.bridge, lambda: status_bar(clock()),
            lambda bar: window() is not None and window()._show_status(bar), background=True,
            every_s=STATUS_EVERY_S, failed=self._status_failed)
        ctx.bridge.engineStateChanged.connect(self._on_engine_state)
        ctx.bridge.modemChanged.connect(self._on_modem_changed)
        ctx.bridge.alert.connect(self._on_alert)
        ctx.bridge.repliesBacklog.connect(self._on_replies_backlog)
        self._show_server()
        self._show_replies_backlog()
        self.status_refresher.set_active(True)

    # --- building (again on a language switch) ----------------------------------------------

    def _build(self) -> None:
        self.setWindowTitle(tr(C, "Pulsa — server pulsa elektronik") + (" [demo]" if self.ctx.demo else ""))
        current = self.tabs.currentIndex()
        self._build_menus()
        self._build_tray_menu()
        self._build_tabs()
        if 0 <= current < self.tabs.count():
            self.tabs.setCurrentIndex(current)
        self._show_server()  # the tray's tooltip too, in the language now in use

    def _build_tabs(self) -> None:
        for view in self.views.values():
            self._set_view_active(view, False)
        self.tabs.blockSignals(True)
        self.tabs.clear()
        for view in self.views.values():
            view.deleteLater()
        self.views.clear()
        self._active = None
        for spec in VIEWS:
            cls = load_view_class(spec)
            if cls is None:
                continue
            try:
                view = cls(self.ctx, self)
            except Exception:
                log.exception("view %s failed to open", spec.cls)
                continue
            self.views[spec.key] = view
            self.tabs.addTab(view, view.title())
        for index in range(self.tabs.count()):
            if index < 9:
                self.tabs.setTabToolTip(index, f"Ctrl+{index + 1}")
        self.tabs.blockSignals(False)
        self._on_tab_changed(self.tabs.currentIndex())

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.clear()
        server = bar.addMenu(tr(C, "&Server"))
        hide = QAction(tr(C, "Sembunyikan ke tray"), self)
        hide.setShortcut(QKeySequence("Ctrl+H"))
        hide.triggered.connect(self.hide_to_tray)
        server.addAction(hide)
        backups_action = QAction(tr(C, "Cadangan database…"), self)
        backups_action.triggered.connect(self.open_backups)
        server.addAction(backups_action)
        stop = QAction(tr(C, "Hentikan server dan keluar…"), self)
        stop.setShortcut(QKeySequence("Ctrl+Q"))
        stop.triggered.connect(self.ask_stop)
        server.addAction(stop)

        view_menu = bar.addMenu(tr(C, "&Tampilan"))
        self._view_menu = view_menu  # filled once the tabs exist (_fill_view_menu)

        settings = bar.addMenu(tr(C, "&Pengaturan"))
        open_settings = QAction(tr(C, "Pengaturan…"), self)
        open_settings.setShortcut(QKeySequence("Ctrl+,"))
        open_settings.triggered.connect(self.open_settings)
        settings.addAction(open_settings)
        lang_menu = settings.addMenu(tr(C, "Bahasa"))
        group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code, label in (("id", "Bahasa Indonesia"), ("en", "English")):
            action = QAction(label, self, checkable=True)
            action.setChecked(language() == code)
            action.triggered.connect(lambda _checked=False, c=code: self.set_ui_language(c))
            group.addAction(action)
            lang_menu.addAction(action)
            self.language_actions[code] = action

        help_menu = bar.addMenu(tr(C, "&Bantuan"))
        keys = QAction(tr(C, "Pintasan keyboard"), self)
        keys.setShortcut(QKeySequence("F1"))
        keys.triggered.connect(self._show_shortcuts)
        help_menu.addAction(keys)

    def _fill_view_menu(self) -> None:
        self._view_menu.clear()
        for index in range(self.tabs.count()):
            # the key itself belongs to the window-wide QShortcut; the menu only shows it
            label = self.tabs.tabText(index) + (f"\tCtrl+{index + 1}" if index < 9 else "")
            action = QAction(label, self)
            action.triggered.connect(lambda _c=False, i=index: self.show_tab(i))
            self._view_menu.addAction(action)

    def _build_tray_menu(self) -> None:
        menu = QMenu(self)
        menu.addAction(tr(C, "Tampilkan jendela"), self.show_from_tray)
        menu.addSeparator()
        menu.addAction(tr(C, "Hentikan server dan keluar…"), self.ask_stop)
        old = self.tray.contextMenu()
        self.tray.setContextMenu(menu)
        self._tray_menu = menu  # the tray does not take ownership
        if old is not None:
            old.deleteLater()

    # --- tabs ---------------------------------------------------------------------------------

    def show_tab(self, index: int) -> None:
        if 0 <= index < self.tabs.count():
            self.tabs.setCurrentIndex(index)

    def show_view(self, key: str) -> QWidget | None:
        view = self.views.get(key)
        if view is not None:
            self.tabs.setCurrentWidget(view)
        return view

    @staticmethod
    def _set_view_active(view: QWidget, active: bool) -> None:
        try:
            view.set_active(active)  # type: ignore[attr-defined]
        except Exception:
            log.exception("%s.set_active(%s) failed", type(view).__name__, active)

    @Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        view = self.tabs.widget(index) if index >= 0 else None
        if self._active is not None and self._active is not view:
            self._set_view_active(self._active, False)
        self._active = view
        if view is not None and self.isVisible():
            self._set_view_active(view, True)
        if hasattr(self, "_view_menu"):
            self._fill_view_menu()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._active is not None:
            self._set_view_active(self._active, True)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        if self._active is not None:
            self._set_view_active(self._active, False)

    # --- status bar ---------------------------------------------------------------------------

    def refresh_status(self) -> None:
        """Show what is known now (again, e.g. in another language) and read the counts again."""
        if self.status is not None:
            self._show_status(self.status)
        else:
            self._show_server()
        self.status_refresher.request()

    @staticmethod
    def _status_failed(exc: Exception) -> None:
        log.debug("status query failed: %s", exc)  # the database closes before the window on shutdown

    def _show_status(self, bar: StatusBar) -> None:
        self.status = bar
        counts = bar.counts
        self.status_queue.setText(tr(C, "Antrian: {n}").format(n=counts.queue.in_queue))
        self.status_queue.setToolTip(tr(C, "{queued} antri, {sending} sedang dikirim").format(
            queued=counts.queue.queued, sending=counts.queue.sending))
        needs = counts.queue.needs_action
        self.status_action.setText(tr(C, "Perlu tindakan: {n}").format(n=needs))
        self.status_action.setStyleSheet(f"color: {ORANGE}; font-weight: bold;" if needs else "")
        self.status_action.setToolTip(tr(C, "Pesanan suspect dan gagal yang belum dicek (tab Antrian)."))
        self.status_today.setText(tr(C, "Hari ini: {n} trx, {ok} sukses").format(n=counts.orders_today,
                                                                                ok=counts.success_today))
        self._show_server()
        self._show_replies_backlog()

    @Slot(str)
    def _on_engine_state(self, _state: str) -> None:
        self._show_server()

    @Slot(str, str, str)
    def _on_modem_changed(self, _name: str, _state: str, _detail: str) -> None:
        self._show_server()

    @Slot(int, bool)
    def _on_replies_backlog(self, _queued: int, _alarm: bool) -> None:
        self._show_replies_backlog()

    def _show_server(self) -> None:
        """Running, and with a modem to work with? Green only when both."""
        configured = self.status.configured_modems if self.status else ()
        modems = modem_count(configured, self.ctx.engine.links)
        self.status_modems.setText(tr(C, "Modem online: {n}/{total}").format(n=modems.online, total=modems.total))
        if not self.ctx.bridge.running:
            text, colour, tip = tr(C, "Server: berhenti"), RED, tr(C, "Pesanan reseller tidak diproses.")
        elif modems.online:
            text, colour, tip = tr(C, "Server: berjalan"), GREEN, ""
        else:
            text, colour = tr(C, "Server: berjalan, tanpa modem online"), ORANGE
            tip = tr(C, "Server jalan, tetapi tanpa modem online pesanan SMS tidak masuk dan tidak ada chip "
                        "untuk mengirim. Periksa tab Telepon.")
        self.status_engine.setText(text)
        self.status_engine.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.status_engine.setToolTip(tip)
        self.tray.setToolTip(f"Pulsa — {text}")

    def _show_replies_backlog(self) -> None:
        backlog = self.ctx.engine.outbox.backlog
        self.status_replies.setText(tr(C, "Balasan tertunda: {n}").format(n=backlog.queued))
        self.status_replies.setStyleSheet("color: #d93025; font-weight: bold;" if backlog.alarm else "")
        self.status_replies.setToolTip(tr(C, "Balasan ke reseller yang belum terkirim. Merah: menumpuk — periksa "
                                             "modem pengirim.") if backlog.queued else "")

    @Slot(str)
    def _on_alert(self, text: str) -> None:
        self.statusBar().showMessage(text, 10_000)
        if not self.isVisible() and self.tray.isVisible():
            self.tray.showMessage("Pulsa", text, QSystemTrayIcon.MessageIcon.Warning, 5000)

    # --- language -----------------------------------------------------------------------------

    def open_backups(self):
        """Backups of the database (ui/views/backups.py), in a window of their own: rarely visited, and the
        tab bar is full."""
        from ui.views.backups import BackupsDialog

        dialog = getattr(self, "backups_dialog", None)
        if dialog is None or not dialog.isVisible():  # a new one: in the language now in use
            if dialog is not None:
                dialog.deleteLater()
            dialog = self.backups_dialog = BackupsDialog(self.ctx, self)
        dialog.show()
        dialog.raise_()
        return dialog

    def set_ui_language(self, lang: str) -> None:
        if lang == language():
            return
        set_language(lang)
        try:
            from app import settings as app_settings

            app_settings.set_ui_language(lang)
        except Exception:
            log.exception("could not store the language setting")
        self._build()
        self.refresh_status()
        self.languageChanged.emit(lang)

    def open_settings(self):
        """Pengaturan → Pengaturan…: the settings dialog (ui/dialogs/settings.py), applied at once."""
        from ui.dialogs.settings import SettingsDialog

        dialog = getattr(self, "settings_dialog", None)
        if dialog is not None and dialog.isVisible():
            dialog.raise_()
            return dialog
        self.settings_dialog = SettingsDialog(self.ctx, self, actor=self.ctx.actor,
                                              set_window_language=self.set_ui_language)
        self.settings_dialog.open()
        return self.settings_dialog

    def _show_shortcuts(self) -> None:
        lines = [f"Ctrl+{i + 1}: {self.tabs.tabText(i)}" for i in range(min(9, self.tabs.count()))]
        lines += ["Ctrl+H: " + tr(C, "Sembunyikan ke tray"), "Ctrl+Q: " + tr(C, "Hentikan server dan keluar…")]
        for view in self.views.values():
            for key, what in getattr(view, "shortcuts", list)():
                lines.append(f"{key}: {what}")
        box = QMessageBox(QMessageBox.Icon.Information, tr(C, "Pintasan keyboard"), "\n".join(lines),
                          QMessageBox.StandardButton.Ok, self)
        box.open()

    # --- tray and closing -------------------------------------------------------------------

    def _on_tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_from_tray()

    def show_from_tray(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def hide_to_tray(self) -> None:
        self.hide()
        if self.tray.isVisible():
            self.tray.showMessage("Pulsa", tr(C, "Server tetap berjalan di tray."),
                                  QSystemTrayIcon.MessageIcon.Information, 3000)

    def request_stop(self) -> None:
        """Stop the server now (already confirmed): the owner (ui.app) shuts the engine down, then closes
        this window."""
        if self._quitting:
            return
        self._quitting = True
        self.stopRequested.emit()

    def in_flight_text(self) -> str:
        """What stopping now would interrupt, from the status bar's read model and the engine."""
        counts = queue_counts()
        waiting = min(self.ctx.engine.pending_count, counts.sending)
        if not counts.in_queue:
            return tr(C, "Tidak ada pesanan yang sedang berjalan.")
        text = tr(C, "Masih ada {n} pesanan yang belum selesai: {queued} antri, {sending} sedang dikirim").format(
            n=counts.in_queue, queued=counts.queued, sending=counts.sending)
        if waiting:
            text += " " + tr(C, "({n} di antaranya menunggu SMS operator)").format(n=waiting)
        text += ".\n" + tr(C, "Yang sedang dikirim menjadi suspect dan harus dicek; yang antri dikirim lagi saat "
                              "server jalan kembali.")
        return text

    def ask_stop(self) -> QMessageBox | None:
        """Ctrl+Q and the tray's stop: ask first, saying what is in flight; the default keeps it running."""
        if self._quitting:
            return None
        if self.stop_dialog is not None and self.stop_dialog.isVisible():
            return self.stop_dialog
        box = QMessageBox(QMessageBox.Icon.Warning, tr(C, "Hentikan server"),
                          tr(C, "Hentikan server dan keluar dari Pulsa?") + "\n\n" + self.in_flight_text(),
                          QMessageBox.StandardButton.NoButton, self)
        stop = box.addButton(tr(C, "Hentikan server"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(tr(C, "Batal, tetap jalan"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.buttonClicked.connect(lambda button: self.choose_stop(button is stop))
        self.stop_dialog = box
        box.open()
        return box

    def choose_stop(self, stop: bool) -> None:
        box, self.stop_dialog = self.stop_dialog, None
        if box is not None and box.isVisible():
            box.done(0)
        if stop:
            self.request_stop()

    def close_for_real(self) -> None:
        self._quitting = True
        self.status_refresher.set_active(False)
        for box in (self.close_dialog, self.stop_dialog):
            if box is not None and box.isVisible():
                box.done(0)
        self.tray.hide()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._quitting:
            for view in self.views.values():
                self._set_view_active(view, False)
            event.accept()
            return
        event.ignore()
        self.ask_close()

    def ask_close(self) -> QMessageBox:
        """Stop the server, or keep it running in the tray? (non-modal: answered through `finished`)"""
        if self.close_dialog is not None and self.close_dialog.isVisible():
            return self.close_dialog
        box = QMessageBox(QMessageBox.Icon.Question, tr(C, "Tutup Pulsa"),
                          tr(C, "Hentikan server, atau biarkan tetap jalan di tray?\n"
                                "Selama server berhenti, pesanan reseller tidak diproses.") + "\n\n"
                          + self.in_flight_text(),
                          QMessageBox.StandardButton.NoButton, self)
        stop = box.addButton(tr(C, "Hentikan server"), QMessageBox.ButtonRole.DestructiveRole)
        tray = box.addButton(tr(C, "Tetap jalan di tray"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(tr(C, "Batal"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(tray)
        self._close_buttons: dict[QPushButton, CloseChoice] = {stop: CloseChoice.STOP, tray: CloseChoice.TRAY}
        box.buttonClicked.connect(lambda button: self.choose_close(self._close_buttons.get(button,
                                                                                            CloseChoice.CANCEL)))
        self.close_dialog = box
        box.open()
        return box

    def choose_close(self, choice: CloseChoice) -> None:
        box, self.close_dialog = self.close_dialog, None
        if box is not None and box.isVisible():
            box.done(0)
        if choice is CloseChoice.STOP:
            self.request_stop()
        elif choice is CloseChoice.TRAY:
            self.hide_to_tray()


add_english(C, {
    "Pulsa — server pulsa elektronik": "Pulsa — electronic airtime server",
    "&Server": "&Server",
    "Sembunyikan ke tray": "Hide to tray",
    "Cadangan database…": "Database backups…",
    "Hentikan server dan keluar…": "Stop server and quit…",
    "&Tampilan": "&View",
    "&Pengaturan": "S&ettings",
    "Bahasa": "Language",
    "Pengaturan…": "Settings…",
    "&Bantuan": "&Help",
    "Pintasan keyboard": "Keyboard shortcuts",
    "Tampilkan jendela": "Show window",
    "Server: berjalan": "Server: running",
    "Server: berhenti": "Server: stopped",
    "Server: berjalan, tanpa modem online": "Server: running, no modem online",
    "Pesanan reseller tidak diproses.": "Resellers' orders are not processed.",
    "Server jalan, tetapi tanpa modem online pesanan SMS tidak masuk dan tidak ada chip untuk mengirim. "
    "Periksa tab Telepon.":
        "The server runs, but with no modem online no SMS order comes in and no chip can send. Check the Phones tab.",
    "Modem online: {n}/{total}": "Modems online: {n}/{total}",
    "Antrian: {n}": "Queue: {n}",
    "{queued} antri, {sending} sedang dikirim": "{queued} queued, {sending} being sent",
    "Perlu tindakan: {n}": "Needs action: {n}",
    "Pesanan suspect dan gagal yang belum dicek (tab Antrian).":
        "Suspect orders and failed ones not checked yet (Queue tab).",
    "Hari ini: {n} trx, {ok} sukses": "Today: {n} orders, {ok} successful",
    "Balasan tertunda: {n}": "Replies waiting: {n}",
    "Balasan ke reseller yang belum terkirim. Merah: menumpuk — periksa modem pengirim.":
        "Replies to resellers not sent yet. Red: piling up — check the sender modems.",
    "Server tetap berjalan di tray.": "The server keeps running in the tray.",
    "Tutup Pulsa": "Close Pulsa",
    "Hentikan server, atau biarkan tetap jalan di tray?\n"
    "Selama server berhenti, pesanan reseller tidak diproses.":
        "Stop the server, or keep it running in the tray?\n"
        "While the server is stopped, resellers' orders are not processed.",
    "Hentikan server": "Stop server",
    "Tetap jalan di tray": "Keep running in tray",
    "Batal": "Cancel",
    "Tidak ada pesanan yang sedang berjalan.": "No order is in progress.",
    "Masih ada {n} pesanan yang belum selesai: {queued} antri, {sending} sedang dikirim":
        "{n} orders are not finished yet: {queued} queued, {sending} being sent",
    "({n} di antaranya menunggu SMS operator)": "({n} of them waiting for the operator's SMS)",
    "Yang sedang dikirim menjadi suspect dan harus dicek; yang antri dikirim lagi saat server jalan kembali.":
        "Those being sent become suspect and must be checked; queued ones are sent when the server runs again.",
    "Hentikan server dan keluar dari Pulsa?": "Stop the server and quit Pulsa?",
    "Batal, tetap jalan": "Cancel, keep running",
})
