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


def test_order_appears_in_the_queue_then_leaves_it_as_success(start_demo, loop, qtbot):
    async def body():
        demo = await start_demo()
        queue = demo.window.show_view("queue")
        demo.order(f"S10.{DEST}.1234")
        row = await until(lambda: next((r for r in queue.model.rows if r.dest == DEST), None), 15, "order in queue")
        assert row.reseller.startswith("R001") and row.product == "S10" and row.price == 10_550
        assert queue.model.data(queue.model.index(0, 7)) == "Rp 10.550"
        await until(lambda: not any(r.dest == DEST for r in queue.model.rows), 20, "order leaves the queue")
        assert Order.get(Order.id == row.order_id).status == "success"
        assert "Hari ini: 1 trx, 1 sukses" in demo.window.status_today.text()
    run(loop, body())


def test_suspect_order_retried_on_a_chosen_route_succeeds(start_demo, loop, qtbot):
    async def body():
        demo = await start_demo()
        queue = demo.window.show_view("queue")
        demo.api("POST", "/api/chips/tsel-1/outcomes", {"outcomes": ["timeout_done"]})
        demo.order(f"S10.{DEST}.1234")
        row = await until(lambda: next((r for r in queue.model.rows if r.status == "suspect"), None), 20, "suspect")
        assert row.chip == "tsel-1" and queue.model.data(queue.model.index(queue.model.rows.index(row), 2)) == "suspect"
        assert queue.select(row.order_id)
        assert queue.buttons["retry"].isEnabled()
        dialog = queue.ask_retry()
        assert dialog is queue.dialog and dialog.isVisible()
        assert "BELUM masuk" in dialog.findChild(type(dialog.error)).text()  # warns about sending twice
        dialog.set_value("route", _chip_id("tsel-1"))
        dialog.accept()
        assert not dialog.isVisible()
        await until(lambda: Order.get_by_id(row.order_id).status == "success", 20, "retried order succeeds")
        await until(lambda: not any(r.order_id == row.order_id for r in queue.model.rows), 5, "leaves queue")
        audit = AuditLog.get(AuditLog.action == "retry")
        assert audit.actor == "admin" and audit.target == f"order:{row.order_id}"
        assert Reseller.get(Reseller.code == "R001").balance == 1_000_000 - 10_550  # charged once
    run(loop, body())


def test_failed_order_retried_and_suspect_failed_and_refunded(start_demo, loop, qtbot):
    async def body():
        demo = await start_demo()
        queue = demo.window.show_view("queue")
        demo.api("POST", "/api/chips/tsel-1/outcomes", {"outcomes": ["timeout_done"]})
        demo.order(f"S10.{DEST}.1234")
        row = await until(lambda: next((r for r in queue.model.rows if r.status == "suspect"), None), 20, "suspect")
        queue.select(row.order_id)
        dialog = queue.ask_fail()
        dialog.reject()  # cancelled: nothing happens
        assert Order.get_by_id(row.order_id).status == "suspect"
        dialog = queue.ask_fail()
        dialog.set_value("reason", "chip tidak menjawab")
        dialog.accept()
        assert Order.get_by_id(row.order_id).status == "failed"
        assert Reseller.get(Reseller.code == "R001").balance == 1_000_000
        await until(lambda: not any(r.order_id == row.order_id for r in queue.model.rows), 5, "failed leaves")
        queue.show_failed.setChecked(True)  # today's failures can be retried too
        await until(lambda: queue.select(row.order_id), 5, "failed order shown")
        retry = queue.ask_retry()
        assert "dipotong lagi" in retry.findChild(type(retry.error)).text()
        retry.accept()  # automatic route
        await until(lambda: Order.get_by_id(row.order_id).status == "success", 20, "retried failed order")
        assert Reseller.get(Reseller.code == "R001").balance == 1_000_000 - 10_550
        # force success needs an SN: the dialog refuses an empty one and stays open
        demo.api("POST", "/api/chips/tsel-1/outcomes", {"outcomes": ["timeout_done"]})
        demo.order("S5.081389092679.1234")
        other = await until(lambda: next((r for r in queue.model.rows if r.status == "suspect"), None), 20, "2nd")
        queue.select(other.order_id)
        force = queue.ask_force_success()
        force.accept()
        assert force.isVisible() and force.error.isVisible()
        force.set_value("sn", "SN123456789")
        force.accept()
        assert Order.get_by_id(other.order_id).status == "success" and Order.get_by_id(other.order_id).sn == "SN123456789"
        resend = queue.ask_resend() if queue.select(other.order_id) else None
        assert resend is None or resend.isVisible()
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
        phones.toggle_connection()
        phones.dialog.accept()
        await until(lambda: phones.model.row_named("xl-1").state == "stopped", 5, "disconnected")
        assert phones.buttons["connect"].text() == "Sambungkan"
        phones.toggle_connection()
        await until(lambda: phones.model.row_named("xl-1").state == "online", 15, "connected again")

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
        assert live.config["topup"] == "*677*{dest}*{nominal}*{pin}#" and live.pin == "9999"
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
        assert add.isVisible() and add.error.isVisible()
    run(loop, body())
