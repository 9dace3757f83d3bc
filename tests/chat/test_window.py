"""The Chat view on the demo window: a Jabber account added in its dialog (the password never shown
again) goes online at once, a reseller's chat ID is added in the reseller dialog, and an order by chat
gets its replies on the same chat; switching the channel off takes it offline."""
from __future__ import annotations

from pathlib import Path

from tests.chat.conftest import PASSWORDS, SHOP, SHOP_PASSWORD, Peer, prosody  # noqa: F401 (fixture)
from tests.ui.conftest import (collect_on_the_gui_thread, gui_thread_cleanup, loop, run, start_demo,  # noqa: F401
                               until)

ROOT = Path(__file__).resolve().parents[2]
DEST = "081389092678"


def test_a_jabber_order_in_the_window_is_answered_on_the_same_chat(start_demo, loop, qtbot, prosody):
    from PySide6.QtWidgets import QLabel

    from app.chat.transport import ChannelState
    from storage.models import Reseller
    from ui.dialogs.shop_reseller import ResellerDialog

    async def body():
        demo = await start_demo()
        view = demo.window.show_view("chat")
        assert view is not None and view.title() == "Chat"
        await until(lambda: view.empty.isVisible(), 10, "empty list")
        dialog = view.open_dialog(None)
        dialog.name.setText("jabber-toko")
        dialog.kind.setCurrentIndex(dialog.kind.findData("jabber"))
        dialog.accept()
        assert dialog.isVisible() and dialog.error.text()  # no password, no JID: refused, in Indonesian
        dialog.secret.setText(SHOP_PASSWORD)
        dialog.jid.setText(f"{SHOP}@localhost")
        dialog.host.setText("127.0.0.1")
        dialog.port.setValue(prosody.port)
        dialog.accept()
        assert not dialog.isVisible()
        manager = demo.server.runtime.chat
        await until(lambda: "jabber-toko" in manager.runs and manager.runs["jabber-toko"].state == ChannelState.ONLINE,
                    20, "channel online")
        await until(lambda: view.model.rows and view.model.rows[0].state == "online", 10, "shown online")
        # R001's chat ID through the reseller dialog (one more line in its addresses)
        r001 = Reseller.get(Reseller.code == "R001")
        rd = ResellerDialog("admin", r001.id)
        rd.addresses.setPlainText(rd.addresses.toPlainText() + "\nxmpp:toko@localhost")
        rd.accept()
        toko = await Peer("toko", prosody.port).connect()
        try:
            toko.send(f"S10.{DEST}.1234")
            await toko.wait_for(lambda t: "diproses" in t, 30)
            await toko.wait_for(lambda t: "SUKSES" in t, 30)
            await until(lambda: view.model.rows[0].received == 1 and view.model.rows[0].sent == 2, 10, "counts")
            edit = view.open_dialog(view.model.rows[0])
            assert edit.secret.text() == "" and "tersimpan" in edit.secret.placeholderText()
            labels = " ".join(w.text() for w in edit.findChildren(QLabel))
            assert SHOP_PASSWORD not in labels and PASSWORDS["toko"] not in labels
            edit.reject()
            view.table.clearSelection()
            view.grab().save(str(ROOT / "docs" / "screenshots" / "chat.png"))
            view.table.selectRow(0)
            view.toggle_selected()
            await until(lambda: manager.runs["jabber-toko"].state == ChannelState.STOPPED, 10, "switched off")
            await until(lambda: view.model.rows[0].state == "stopped" and not view.model.rows[0].active, 10,
                        "shown off")
        finally:
            await toko.close()
    run(loop, body(), 120)
