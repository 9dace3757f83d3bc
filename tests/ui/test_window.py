"""The main window on the demo: tabs, status bar, shortcuts, tray and close, language."""
from __future__ import annotations

from PySide6.QtCore import Qt

from ui.main_window import VIEWS, CloseChoice, load_view_class

from .conftest import expect, run, until


def test_window_opens_on_the_demo_with_every_modem_online(start_demo, loop, qtbot):
    async def body():
        demo = await start_demo()
        window = demo.window
        present = [spec.key for spec in VIEWS if load_view_class(spec) is not None]
        assert list(window.views) == present and {"phones", "queue"} <= set(present)
        assert [window.tabs.tabText(i) for i in range(window.tabs.count())][present.index("phones")] == "Telepon"
        window.show_view("phones")
        phones = window.views["phones"]
        names = {m["id"] for m in demo.server.demo.modems()}
        await until(lambda: {r.name for r in phones.model.rows} == names
                    and all(r.state in ("online", "busy") for r in phones.model.rows), 10, "phones all online")
        # the status bar follows on its next refresh tick
        await until(lambda: window.status_modems.text() == f"Modem online: {len(names)}/{len(names)}", 10,
                    "status bar counts every modem online")
        assert window.status_engine.text() == "Server: berjalan"
        # the chips show their operator and a stock figure in rupiah once checked
        chip = phones.model.row_named("tsel-1")
        assert chip.roles == ("chip",) and chip.supplier_id is not None
        phones.select("tsel-1")
        phones.check_balance()  # the "Cek saldo" button: a USSD stock check on the chip
        # (the engine also reads every chip's stock when it comes online; wait for this check's answer)
        await until(lambda: "Saldo tsel-1: Rp " in phones.message.text(), 10, "balance check answer")
        # the table follows on its next refresh (at most 4 a second), a moment after the message
        await until(lambda: phones.model.row_named("tsel-1").stock is not None, 10, "the stock in the table")
        stock_text = phones.model.data(phones.model.index(phones.model.rows.index(phones.model.row_named("tsel-1")), 6))
        assert stock_text.startswith("Rp ") and "." in stock_text
    run(loop, body())


def test_ctrl_number_switches_tabs_and_hidden_views_rest(start_demo, loop, qtbot):
    async def body():
        demo = await start_demo()
        window = demo.window
        window.activateWindow()
        queue_index = window.tabs.indexOf(window.views["queue"])
        qtbot.keyClick(window, Qt.Key.Key_1 + queue_index, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: window.tabs.currentIndex() == queue_index, 5, "Ctrl+N tab switch")
        assert window.views["queue"].active and not window.views["phones"].active
        phones_index = window.tabs.indexOf(window.views["phones"])
        qtbot.keyClick(window, Qt.Key.Key_1 + phones_index, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: window.tabs.currentIndex() == phones_index, 5, "back to phones")
        assert window.views["phones"].active and not window.views["queue"].active
    run(loop, body())


def test_close_asks_then_tray_keeps_the_server_running_and_stop_stops_it(start_demo, loop, qtbot):
    async def body():
        demo = await start_demo()
        window, server = demo.window, demo.server
        window.close()
        assert window.isVisible() and window.close_dialog is not None and window.close_dialog.isVisible()
        buttons = [b.text() for b in window.close_dialog.buttons()]
        assert "Hentikan server" in buttons and "Tetap jalan di tray" in buttons
        window.choose_close(CloseChoice.TRAY)
        assert not window.isVisible()
        assert server.bridge.running and not server.runtime.stop_requested
        assert not window.views["phones"].active  # hidden views do no refresh work
        # the server still works while in the tray
        demo.order("S10.081389092678.1234")
        from storage.models import Order
        await until(lambda: Order.select().where(Order.status == "success").exists(), 20, "order while in tray")
        window.show_from_tray()
        assert window.isVisible()
        window.close()
        window.choose_close(CloseChoice.CANCEL)
        assert window.isVisible() and not server.runtime.stop_requested
        window.close()
        stopping = expect(window.stopRequested, 2, what="stopRequested")
        window.choose_close(CloseChoice.STOP)
        await stopping
        await until(lambda: server.runtime.stop_requested, 2, "stop requested")
        workers = list(server.modems.workers.values())
        await server.stop()
        from shiboken6 import isValid

        assert not server.bridge.running and not (isValid(window) and window.isVisible())
        assert workers and all(not w.isRunning() for w in workers)
    run(loop, body())


def test_language_switch_to_english_and_back(start_demo, loop, qtbot):
    async def body():
        from app import settings as app_settings
        from ui.i18n import language

        demo = await start_demo()
        window = demo.window
        window.show_view("queue")
        window.language_actions["en"].trigger()
        assert language() == "en" and app_settings.ui_language() == "en"
        titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
        assert "Phones" in titles and "Queue" in titles
        assert window.tabs.currentWidget() is window.views["queue"] and window.views["queue"].active
        assert window.status_engine.text() == "Server: running"
        assert window.views["queue"].buttons["retry"].text() == "Retry…"
        assert window.views["queue"].live.model.headerData(1, Qt.Orientation.Horizontal) == "Age"
        window.set_ui_language("id")
        assert window.views["phones"].title() == "Telepon" and window.status_engine.text() == "Server: berjalan"
    run(loop, body())


def test_uncaught_error_is_shown_not_only_logged(qapp, qtbot):
    import sys

    from PySide6.QtWidgets import QApplication, QMessageBox

    from ui.app import install_excepthook

    previous = sys.excepthook
    logged = []
    try:
        sys.excepthook = lambda *exc: logged.append(exc)  # stands for main.py's logging hook
        install_excepthook()
        sys.excepthook(ValueError, ValueError("port COM3 hilang"), None)

        def shown():
            return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        qtbot.waitUntil(lambda: bool(shown()), timeout=3000)
        assert "port COM3 hilang" in shown()[-1].text() and len(logged) == 1
        for box in shown():
            box.close()
    finally:
        sys.excepthook = previous


def test_status_bar_shows_replies_waiting_and_turns_red_when_they_pile_up(start_demo, loop, qtbot, monkeypatch):
    from app import outbox as outbox_module

    monkeypatch.setattr(outbox_module, "BACKLOG_ALARM_COUNT", 1)

    async def body():
        demo = await start_demo()
        window = demo.window
        assert window.status_replies.text() == "Balasan tertunda: 0"
        demo.api("POST", "/api/modems/sender/unplug")
        await until(lambda: not demo.engine.links["sender"].online, 10, "sender offline")
        demo.order("S10.081389092678.1234")
        await until(lambda: window.status_replies.text() == "Balasan tertunda: 1", 20, "one reply waiting")
        assert "d93025" in window.status_replies.styleSheet()  # red: piling up
        assert any(a.startswith("Balasan tertunda: 1") for a in demo.server.bridge.alerts)
        demo.api("POST", "/api/modems/sender/replug", {})
        await until(lambda: window.status_replies.text() == "Balasan tertunda: 0", 30, "reply sent")
        assert window.status_replies.styleSheet() == ""
    run(loop, body())


def test_ctrl_q_asks_with_the_orders_in_flight_and_cancel_keeps_the_server_running(start_demo, loop, qtbot):
    from app.queries.status import queue_counts

    async def body():
        demo = await start_demo()
        window, server = demo.window, demo.server
        # the operator acknowledges and never sends its result: the order waits at the chip
        demo.api("POST", "/api/chips/tsel-1/outcomes", {"outcomes": ["followup_never"]})
        demo.order("S10.081389092678.1234")
        await until(lambda: queue_counts().sending == 1 and demo.engine.pending_count == 1, 15, "order in flight")
        window.activateWindow()
        qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
        box = await until(lambda: window.stop_dialog if window.stop_dialog and window.stop_dialog.isVisible()
                          else None, 5, "Ctrl+Q asks")
        text = box.text()
        assert "1 pesanan yang belum selesai" in text and "1 sedang dikirim" in text
        assert "1 di antaranya menunggu SMS operator" in text and "suspect" in text
        assert box.defaultButton().text() == "Batal, tetap jalan"
        qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter takes the default: keep running
        assert not box.isVisible() and window.stop_dialog is None
        assert server.bridge.running and not server.runtime.stop_requested and window.isVisible()
        qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
        box = await until(lambda: window.stop_dialog, 5, "asks again")
        qtbot.keyClick(box, Qt.Key.Key_Escape)
        assert not server.runtime.stop_requested
        # the tray menu's stop asks the same question; confirming stops
        stop = next(a for a in window.tray.contextMenu().actions() if a.text().startswith("Hentikan server"))
        stop.trigger()
        box = window.stop_dialog
        assert box is not None and box.isVisible() and "1 pesanan yang belum selesai" in box.text()
        stopping = expect(window.stopRequested, 2, what="stopRequested")
        next(b for b in box.buttons() if b.text() == "Hentikan server").click()
        await stopping
        await until(lambda: server.runtime.stop_requested, 2, "stop requested")
    run(loop, body())


def test_stop_question_with_nothing_in_flight(qtbot, db):
    from app.demo import seed_demo
    from tests.ui.big_db import make_context
    from ui.main_window import MainWindow

    seed_demo()
    ctx = make_context()
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    box = window.ask_stop()
    assert "Tidak ada pesanan yang sedang berjalan." in box.text()
    window.choose_stop(False)
    assert not box.isVisible() and not window._quitting
    window.close_for_real()
    ctx.bridge.close()
    ctx.bridge.deleteLater()


def test_status_says_running_only_with_a_modem_online(qtbot, db):
    from app.config import ModemSpec, apply
    from app.demo import seed_demo
    from app.events import ModemChanged
    from modems.types import ModemState
    from tests.ui.big_db import make_context
    from ui.main_window import MainWindow

    seed_demo()
    apply([ModemSpec(name="center-1", port="socket://127.0.0.1:9", roles=["center"]),
           ModemSpec(name="tsel-1", port="socket://127.0.0.1:9", roles=["chip"], operator="TSEL", pin="1234")])
    ctx = make_context()
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.status is not None, timeout=5000)
    assert window.status_engine.text() == "Server: berhenti" and "d93025" in window.status_engine.styleSheet()
    # configured modems count even before the engine attaches them
    assert window.status_modems.text() == "Modem online: 0/2"
    ctx.bridge.set_running(True)
    assert window.status_engine.text() == "Server: berjalan, tanpa modem online"
    assert "e8710a" in window.status_engine.styleSheet() and "Telepon" in window.status_engine.toolTip()
    link = ctx.engine.attach_modem("tsel-1", None, {"chip"})
    link.state = ModemState.ONLINE
    ctx.engine.events.publish(ModemChanged(name="tsel-1", state="online", detail=""))
    assert window.status_engine.text() == "Server: berjalan" and "1e8e3e" in window.status_engine.styleSheet()
    assert window.status_modems.text() == "Modem online: 1/2"
    link.state = ModemState.OFFLINE
    ctx.engine.events.publish(ModemChanged(name="tsel-1", state="offline", detail="dicabut"))
    assert window.status_engine.text() == "Server: berjalan, tanpa modem online"
    window.close_for_real()
    ctx.bridge.close()
    ctx.bridge.deleteLater()
