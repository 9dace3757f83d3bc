"""Phones and queue views on the demo: orders flow through the queue, manual actions settle them,
modems are driven by hand (AT console, disconnect/connect, edit)."""
from __future__ import annotations

import json

from storage.models import AuditLog, Order, Reseller
from storage.models import Supplier as SupplierRow

from .conftest import run, until

DEST = "081389092678"  # Telkomsel: only chip tsel-1 (tsel-2 has a region) or the upstream serve it


def _chip_id(name: str) -> int:
    return next(s.id for s in SupplierRow.select() if json.loads(s.config).get("modem") == name
                and s.kind == "ussd_chip")


def _row(section, order_id: int):
    i = section.model.row_of(order_id)
    return section.model.rows[i] if i is not None else None


def _pinned(queue, status: str):
    return next((r.order for r in queue.pinned.model.rows if r.order.status == status and not r.done), None)


def test_order_appears_in_the_queue_then_leaves_it_as_success(start_demo, loop, qtbot, monkeypatch):
    from ui.views import queue as queue_module

    monkeypatch.setattr(queue_module, "LINGER_S", 1.0)

    async def body():
        demo = await start_demo()
        queue = demo.window.show_view("queue")
        demo.order(f"S10.{DEST}.1234")
        order = await until(lambda: next((r.order for r in queue.live.model.rows if r.order.dest == DEST), None), 15,
                            "order in queue")
        assert order.reseller.startswith("R001") and order.product_code == "S10" and order.price == 10_550
        model = queue.live.model
        assert model.data(model.index(model.row_of(order.order_id), queue_module.COL_PRICE)) == "Rp 10.550"
        # finished: it stays a moment, greyed, with its result, then goes
        done = await until(lambda: (r := _row(queue.live, order.order_id)) is not None and r.done and r, 20,
                           "order finished in the queue")
        assert done.order.status == "success" and done.order.sn in model.note(done)
        await until(lambda: _row(queue.live, order.order_id) is None, 10, "finished row leaves the queue")
        assert Order.get(Order.id == order.order_id).status == "success"
        await until(lambda: "Hari ini: 1 trx, 1 sukses" in demo.window.status_today.text(), 10, "status bar today")
    run(loop, body())


def test_suspect_order_retried_on_a_chosen_route_succeeds(start_demo, loop, qtbot):
    async def body():
        demo = await start_demo()
        queue = demo.window.show_view("queue")
        demo.api("POST", "/api/chips/tsel-1/outcomes", {"outcomes": ["timeout_done"]})
        demo.order(f"S10.{DEST}.1234")
        order = await until(lambda: _pinned(queue, "suspect"), 20, "suspect pinned in Perlu tindakan")
        assert order.supplier_name == "chip tsel-1"
        await until(lambda: queue.pinned.heading.text() == "Perlu tindakan (1)", 5, "count in the heading")
        assert queue.select(order.order_id)
        assert queue.buttons["retry"].isEnabled()
        dialog = queue.ask_retry()
        assert dialog is queue.actions.dialog and dialog.isVisible()
        assert f"TrxID {order.order_id}:" in dialog.findChild(type(dialog.error)).text()
        assert "BELUM masuk" in dialog.findChild(type(dialog.error)).text()  # warns about sending twice
        dialog.set_value("route", _chip_id("tsel-1"))
        dialog.accept()
        assert not dialog.isVisible()
        await until(lambda: Order.get_by_id(order.order_id).status == "success", 20, "retried order succeeds")
        await until(lambda: _row(queue.pinned, order.order_id) is None, 15, "leaves Perlu tindakan")
        assert queue.pinned.heading.text() == "Perlu tindakan (0)"
        audit = AuditLog.get(AuditLog.action == "retry")
        assert audit.actor == "admin" and audit.target == f"order:{order.order_id}"
        assert Reseller.get(Reseller.code == "R001").balance == 1_000_000 - 10_550  # charged once
    run(loop, body())


def test_failed_order_retried_and_suspect_failed_and_refunded(start_demo, loop, qtbot):
    async def body():
        demo = await start_demo()
        queue = demo.window.show_view("queue")
        # the USSD times out and the operator did not do it (had it, its late success would put the
        # order back on the list with an alert: tests/engine/test_forged_sms.py)
        demo.api("POST", "/api/chips/tsel-1/outcomes", {"outcomes": ["timeout"]})
        demo.order(f"S10.{DEST}.1234")
        order = await until(lambda: _pinned(queue, "suspect"), 20, "suspect")
        queue.select(order.order_id)
        dialog = queue.ask_fail()
        dialog.reject()  # cancelled: nothing happens
        assert Order.get_by_id(order.order_id).status == "suspect"
        dialog = queue.ask_fail()
        dialog.set_value("reason", "chip tidak menjawab")
        dialog.accept()
        assert Order.get_by_id(order.order_id).status == "failed"
        assert Reseller.get(Reseller.code == "R001").balance == 1_000_000
        # the owner acted: it leaves Perlu tindakan (once the pointer is away and the row has shown its end)
        await until(lambda: _row(queue.pinned, order.order_id) is None, 15, "acted-on order leaves the list")

        # a failure the owner has not seen yet is pinned; retried, it is charged again and succeeds
        demo.api("POST", "/api/chips/tsel-1/outcomes", {"outcomes": ["fail:DEST_INVALID"]})
        demo.order("S10.081389092677.1234")
        failed = await until(lambda: _pinned(queue, "failed"), 20, "failed order pinned")
        assert queue.select(failed.order_id)
        retry = queue.ask_retry()
        assert "dipotong lagi" in retry.findChild(type(retry.error)).text()
        retry.accept()  # automatic route
        await until(lambda: Order.get_by_id(failed.order_id).status == "success", 20, "retried failed order")
        assert Reseller.get(Reseller.code == "R001").balance == 1_000_000 - 10_550

        # force success needs an SN: the dialog refuses an empty one and stays open
        demo.api("POST", "/api/chips/tsel-1/outcomes", {"outcomes": ["timeout_done"]})
        demo.order("S5.081389092679.1234")
        other = await until(lambda: _pinned(queue, "suspect"), 20, "2nd suspect")
        queue.select(other.order_id)
        force = queue.ask_force_success()
        force.accept()
        assert force.isVisible() and force.error.isVisible()
        force.set_value("sn", "SN123456789")
        force.accept()
        assert Order.get_by_id(other.order_id).status == "success"
        assert Order.get_by_id(other.order_id).sn == "SN123456789"
        resend = queue.ask_resend(other)
        assert resend.isVisible() and f"TrxID {other.order_id}:" in resend.findChild(type(resend.error)).text()
        resend.accept()
        assert AuditLog.get(AuditLog.action == "resend_reply").target == f"order:{other.order_id}"
    run(loop, body())


def test_phone_actions_console_disconnect_connect_and_edit(start_demo, loop, qtbot):
    async def body():
        from app import modem_admin

        demo = await start_demo()
        phones = demo.window.show_view("phones")
        phones.select("tsel-1")
        phones.open_console()
        console = phones.dialog
        console.send("AT+CSQ")
        await until(lambda: "OK" in console.output.toPlainText(), 10, "AT answer")
        assert "+CSQ:" in console.output.toPlainText()
        console.close()

        phones.select("xl-1")
        connect = phones.buttons["connect"]
        assert connect.text() == "Putuskan" and connect.isEnabled()
        phones.toggle_connection()
        phones.dialog.accept()
        # the pool stops the worker off the GUI thread; meanwhile the button says so and cannot be pressed
        assert connect.text() == "Memutus…" and not connect.isEnabled()
        assert phones.model.data(phones.model.index(phones.model.rows.index(phones.model.row_named("xl-1")), 7)) \
            == "memutus"
        await until(lambda: phones.model.row_named("xl-1").state == "stopped" and connect.isEnabled(), 5,
                    "disconnected")
        assert connect.text() == "Sambungkan" and phones.message.text() == "xl-1 diputus."
        assert phones.model.data(phones.model.index(phones.model.rows.index(phones.model.row_named("xl-1")), 7)) \
            == "diputus"
        assert not phones.buttons["ussd"].isEnabled()  # nothing to talk to
        phones.toggle_connection()
        assert connect.text() == "Menyambung…" and not connect.isEnabled()
        phones.toggle_connection()  # a second press while it connects does nothing
        await until(lambda: phones.model.row_named("xl-1").state == "online", 15, "connected again")
        assert connect.text() == "Putuskan" and connect.isEnabled() and phones.buttons["ussd"].isEnabled()

        phones.select("tsel-1")
        phones.edit_modem()
        edit = phones.dialog
        assert edit.pin.text() == "" and "1234" not in edit.pin.placeholderText()
        edit.templates["topup"].setText("*677*{dest}*{nominal}*{pin}#")
        edit.pin.setText("9999")
        edit.accept()
        assert not edit.isVisible()
        stored = modem_admin.load("tsel-1")
        assert stored.templates["topup"] == "*677*{dest}*{nominal}*{pin}#" and stored.has_pin
        live = demo.engine.suppliers[_chip_id("tsel-1")]
        assert live.config.topup == "*677*{dest}*{nominal}*{pin}#" and live.pin == "9999"
        assert AuditLog.get(AuditLog.action == "edit_modem").detail.endswith("pin=diganti")
        assert "9999" not in AuditLog.get(AuditLog.action == "edit_modem").detail
    run(loop, body())


def test_add_modem_scan_skips_ports_in_use_and_adds_a_row(start_demo, loop, qtbot):
    async def body():
        demo = await start_demo()
        phones = demo.window.show_view("phones")
        phones.add_modem()
        add = phones.dialog
        add.scan()
        await until(lambda: add.scan_finished_count == 1, 20, "scan finished")
        texts = [add.found.item(i).text() for i in range(add.found.count())]
        assert texts and all("sudah dipakai" in t for t in texts)  # every demo port is owned by a worker
        add.name.setText("bad name!")
        add.port.setCurrentText("socket://127.0.0.1:1")
        add.accept()
        assert add.isVisible() and add.error.isVisible() and add.error.wordWrap()
        assert [add.roles[r].text() for r in ("center", "chip")] == ["Center (terima order)", "Chip isi ulang"]
        add.name.setText("isat-2")
        add.operator.setCurrentIndex(add.operator.findData("ISAT"))
        assert add.operator.currentText() == "Indosat (ISAT)"
        add.pin.setText("4321")
        add.accept()
        assert not add.isVisible()
        # nothing answers on that port: the row is there, with its role and operator, and not online
        row = await until(lambda: phones.model.row_named("isat-2"), 10, "new modem row")
        assert row.roles == ("chip",) and row.operator == "ISAT" and row.supplier == "chip isat-2"
        await until(lambda: phones.model.row_named("isat-2").state not in ("connecting", "online"), 20, "port fails")
        assert phones.model.data(phones.model.index(phones.model.rows.index(phones.model.row_named("isat-2")), 7)) \
            == "offline"
    run(loop, body())
