"""The window's H2H parts: a reseller's H2H settings from the resellers view (secrets set-only), the H2H
view with the server setting, the members and the reports, and "Kirim ulang"."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from app.http_client import client_session
from app.h2h import callbacks, members
from app.h2h.desk import Credentials, Desk, Request
from storage.models import AuditLog, H2HCallback, Reseller
from tests.ui.big_db import SHOP_NOW, FixedClock, make_context
from tests.ui.conftest import collect_on_the_gui_thread, gui_thread_cleanup, loop  # noqa: F401 (fixtures)

from .conftest import otomax_sign


@pytest.fixture
def ctx(db):
    from app.demo import seed_demo

    seed_demo(h2h=True)
    return make_context(FixedClock(SHOP_NOW))


def _report(ctx) -> H2HCallback:
    """An H2H order of H001 placed through the desk, and the report of its failure queued."""
    members.save("H001", actor="test", callback_url="https://buyer.example/report?key=TOKEN")
    ctx.engine.take_orders = lambda ids, headlines: None  # the engine is not running here
    desk = Desk(ctx.engine)
    dest = "081234567890"
    answer = desk.handle(Request("H001", "INV9", "S10", dest, qty="1"), "127.0.0.1",
                         Credentials(sign=otomax_sign("H001", "S10", dest, "INV9")))
    assert answer.kind == "new", answer.text
    callbacks.queue_for(answer.new_order, "failed", SHOP_NOW)
    return H2HCallback.get()


def test_h2h_settings_from_the_resellers_view_are_set_only(qtbot, ctx):
    from ui.views.resellers import ResellersView

    view = ResellersView(ctx)
    qtbot.addWidget(view)
    view.show()
    view.set_active(True)
    rid = Reseller.get(Reseller.code == "H001").id
    view.select(rid)
    qtbot.waitUntil(lambda: view.selected_id() == rid and "H001" in view.heading.text(), timeout=5000)
    dialog = view.open_h2h()
    assert dialog.password.text() == "" and "tersimpan" in dialog.password.placeholderText()
    assert dialog.pin.text() == "" and dialog.ips.toPlainText() == "127.0.0.1"
    texts = " ".join(w.text() for w in dialog.findChildren(QLabel))
    assert "rahasia" not in texts and "1234" not in texts
    dialog.ips.setPlainText("127.0.0.1\n999.0.0.1")
    dialog.accept()
    assert dialog.isVisible() and "Alamat IP tidak valid: 999.0.0.1" in dialog.error.text()
    dialog.ips.setPlainText("127.0.0.1\n203.0.113.0/24")
    dialog.password.setText("sandi-baru-sekali")
    dialog.url.setText("https://buyer.example/report")
    dialog.form.setCurrentIndex(dialog.form.findData("json"))
    dialog.plain.setChecked(True)
    dialog.accept()
    assert not dialog.isVisible()
    info = members.info("H001")
    assert (info.allowed_ips, info.callback_url, info.callback_form, info.plain_pin) == \
        (("127.0.0.1", "203.0.113.0/24"), "https://buyer.example/report", "json", True)
    assert members.get("H001").password == "sandi-baru-sekali" and members.get("H001").pin == "1234"  # kept
    assert AuditLog.select().where(AuditLog.action == "h2h_member", AuditLog.actor == "tester").count() == 1


def test_the_h2h_view_lists_members_and_reports_and_sends_one_again(qtbot, ctx):
    from ui.views.h2h import H2HView

    report = _report(ctx)
    view = H2HView(ctx)
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.show()
    view.set_active(True)
    qtbot.waitUntil(lambda: view.member_model.rowCount() == 1 and view.callback_model.rowCount() == 1, timeout=5000)
    member = view.member_model
    assert [member.data(member.index(0, c)) for c in (0, 3, 4, 5)] == [
        "H001", "127.0.0.1", "https://buyer.example/report?…", "otomax"]
    assert "Mati" in view.server_state.text()  # no server in this window
    cb = view.callback_model
    assert [cb.data(cb.index(0, c)) for c in (1, 2, 3, 6, 7)] == [str(report.order_id), "H001", "INV9", "Gagal",
                                                                  "Menunggu"]
    view.callback_table.selectRow(0)
    assert not view.resend_button.isEnabled()  # still being tried
    H2HCallback.update(status="failed", attempts=28, last_result="HTTP 500").execute()
    view.reload()
    qtbot.waitUntil(lambda: view.callback_model.rows[0].status == "failed", timeout=5000)
    view.callback_table.selectRow(0)
    assert view.resend_button.isEnabled()
    confirm = view.ask_resend()
    assert "Kirim lagi laporan TrxID" in " ".join(w.text() for w in confirm.findChildren(QLabel))
    confirm.accept()
    again = H2HCallback.get_by_id(report.id)
    assert (again.status, again.attempts, again.next_at) == ("queued", 0, SHOP_NOW)
    assert AuditLog.select().where(AuditLog.action == "h2h_callback_resend").count() == 1
    # the server switched on for every start
    view.enabled.setChecked(True)
    view.port.setText("7070")
    view.save_server_settings()
    assert members.server_settings() == members.ServerSettings(True, "127.0.0.1", 7070)
    view.port.setText("tujuh")
    view.save_server_settings()
    assert view.error.isVisibleTo(view) and members.server_settings().port == 7070


def test_the_h2h_view_is_a_tab_of_the_window():
    from ui.main_window import VIEWS

    assert ("h2h", "ui.views.h2h", "H2HView") in [(v.key, v.module, v.cls) for v in VIEWS]



def test_the_window_runs_the_h2h_server_on_its_qasync_loop(qtbot, tmp_path, loop):
    """`python3 main.py --demo --h2h-port N`: the window's loop (qasync) serves H2H; the demo has H001."""

    from app.runtime import RuntimeOptions
    from storage.db import close_database
    from tests.ui.conftest import run
    from ui.app import WindowServer

    from .conftest import Buyer, Clock

    clock = Clock(SHOP_NOW)
    server = WindowServer(RuntimeOptions(db=str(tmp_path / "demo.db"), demo=True, traffic_per_minute=0, h2h_port=0,
                                         clock=clock), lang="id", show=False)

    async def body():
        await server.start()
        try:
            url = server.runtime.h2h.url
            assert url.startswith("http://127.0.0.1:")
            view = server.window.views["h2h"]
            view._show_server(members.server_settings())
            assert url in view.server_state.text()
            async with client_session() as session:
                buyer = Buyer(session, url, clock)
                status, data, _h = await buyer.call("GET", "/api/v1/balance")
                assert (status, data) == (200, {"balance": 1_000_000, "held": 0})
                status, text = await buyer.trx("ZZ9", "081234567890", "W1")
                assert status == 200 and "Kode produk ZZ9 tidak dikenal" in text
        finally:
            await server.stop()

    try:
        run(loop, body(), 60)
    finally:
        close_database()
