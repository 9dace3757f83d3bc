"""After a crash, the orders that were at a chip are suspect; the chip checks its own history before it
takes new work (while the history still lists them), the reseller hears the result is not known yet,
and the owner is told. Orders do not fall back to the dearer upstream while chips are reconnecting."""
from __future__ import annotations

from app.events import Alert
from storage.models import AuditLog, Attempt, Order

from .conftest import R001, run

R001_CODE = "R001"


def test_a_crash_suspect_is_settled_from_the_chip_history_before_new_work(env):
    async def body():
        env.api("POST", "/api/operators/ISAT", {"ussd_delay": 1.0})
        await env.start()
        first_dest = "085712345678"
        env.sms(f"I10.{first_dest}.1234")
        first = await env.wait(lambda: Order.select().where(Order.status == "sending").first(), what="at the chip")
        await env.wait(lambda: any(first_dest in e["request"] for e in env.api("GET", "/api/ussd-log")),
                       what="the reload code at the operator")
        await env.stop()  # the server dies with the USSD at the operator, its answer not yet back
        assert Order.get_by_id(first.id).status == "sending"
        # the operator did it all the same
        assert env.api("GET", f"/api/subscribers/{first_dest}")["airtime"] == 10_000
        second_dest = "085712345679"
        env.sms(f"I10.{second_dest}.1234")  # arrives while the server is down: read at the restart
        await env.start()
        await env.wait(lambda: Order.get_by_id(first.id).status == "success", 30, "the suspect settled")
        second = await env.wait(lambda: (o := Order.select().where(Order.dest == second_dest).first())
                                and o.status == "success" and o, 30, "the new order")
        assert AuditLog.select().where((AuditLog.target == f"order:{first.id}")
                                       & (AuditLog.action == "reconcile")).exists()
        # the chip's history was read before it took the new order
        log = [e for e in env.api("GET", "/api/ussd-log") if e["modem"] == "isat-a"]
        history = next(i for i, e in enumerate(log) if e["request"].startswith("*901*2*"))
        reload_second = next(i for i, e in enumerate(log) if second_dest in e["request"])
        assert history < reload_second
        assert Attempt.select().where(Attempt.order == first.id).count() == 1  # never sent twice
        assert env.api("GET", f"/api/subscribers/{first_dest}")["airtime"] == 10_000
        # the reseller heard "not known yet", then the result; the owner heard of the crash
        texts = env.received(R001)
        assert any(f"TrxID {first.id}" in t and "belum ada kepastian" in t for t in texts)
        assert any(f"TrxID {first.id}" in t and "SUKSES" in t for t in texts)
        assert any(isinstance(e, Alert) and "server berhenti saat mengirim" in e.text for e in env.events)
        assert second.supplier.name == "chip isat-a"
        await env.stop()
    run(body())


def test_orders_wait_for_chips_reconnecting_after_a_start_instead_of_the_upstream(env):
    async def body():
        env.api("POST", "/api/modems/tsel-a/unplug")
        env.api("POST", "/api/modems/tsel-b/unplug")
        await env.start(wait_online=False)
        env.sms("S10.081389092678.1234")
        order = await env.wait(lambda: Order.select().first(), what="the order")
        await env.wait(lambda: env.engine.queue_length() == 1, what="waiting for a Telkomsel chip")
        env.api("POST", "/api/modems/tsel-a/replug", {})
        done = await env.wait(lambda: (o := Order.get_by_id(order.id)).status == "success" and o, 30, "success")
        assert done.supplier.name == "chip tsel-a"  # not the upstream, which costs more
        await env.stop()
    run(body())


def test_a_suspect_missing_from_the_chip_history_never_reached_the_operator_and_is_refunded(env):
    async def body():
        from app.engine_settings import EngineSettings
        from storage.models import Reseller

        env.api("POST", "/api/modems/tsel-b/unplug")
        await env.start(EngineSettings(pending_timeout_s=5, stock_check_interval_s=3600, absent_after_s=0),
                        wait_online=False)
        await env.wait(lambda: env.engine.links["tsel-a"].online, what="tsel-a online")
        dest = "081387654321"
        env.sms(f"S10.{dest}.1234")
        first = await env.wait(lambda: (o := Order.select().where(Order.dest == dest).first())
                               and o.status == "success" and o, what="the first top-up")
        balance = Reseller.get(Reseller.code == "R001").balance
        # the same number again; the USSD times out and the operator never did it
        env.api("POST", "/api/chips/tsel-a/outcomes", {"outcomes": ["timeout"]})
        env.sms(f"S10.2.{dest}.1234")  # "again", as the repeat rule asks
        second = await env.wait(lambda: Order.select().where((Order.dest == dest) & (Order.id != first.id)).first(),
                                what="the second order")
        # suspect, then the chip reads its history before its next top-up: the list shows the first
        # top-up of that number only (the old reading took it for the suspect's and called it a success)
        await env.wait(lambda: Order.get_by_id(second.id).status == "failed", what="the second settled")
        assert "suspect" in env.statuses(second.id)
        assert Order.get_by_id(second.id).refunded
        assert AuditLog.get((AuditLog.target == f"order:{second.id}") & (AuditLog.action == "reconcile")).detail \
            == "chip tsel-a: not_sent"
        assert Reseller.get(Reseller.code == "R001").balance == balance
        assert env.api("GET", f"/api/subscribers/{dest}")["airtime"] == 10_000  # one top-up, one charge
        await env.wait(lambda: any(f"TrxID {second.id}" in t and "GAGAL" in t for t in env.received(R001)),
                       what="the failure reply")
        # a suspect the operator did take is in the list (still "PROSES" there): never called unsent,
        # and its result SMS settles it
        env.api("POST", "/api/chips/tsel-a/outcomes", {"outcomes": ["timeout_done"]})
        env.sms("S10.081387654322.1234")
        third = await env.wait(lambda: Order.select().where(Order.dest == "081387654322").first(), what="the third")
        await env.wait(lambda: Order.get_by_id(third.id).status == "success", what="the third settled")
        assert "suspect" in env.statuses(third.id) and "failed" not in env.statuses(third.id)
        await env.stop()
    run(body())


def test_a_crash_suspect_at_an_upstream_is_asked_again_with_the_same_order(env):
    async def body():
        import datetime as dt

        from app import orders
        from app.engine_settings import EngineSettings
        from app.service import Inbound, MessageService
        from storage.models import Reseller, Supplier

        # the server died while the order SMS to the upstream was at the modem: it never left
        dest = "088112345678"
        now = dt.datetime.now()
        MessageService().handle(Inbound("sms", R001, f"SM10.{dest}.1234", sent_at=now))
        order = Order.get(Order.dest == dest)
        upstream = Supplier.get(Supplier.name == "upstream Upline Pulsa")
        orders.mark_sending(order.id, upstream.id, now=now)
        orders.start_attempt(order.id, upstream.id, now)
        charged = Reseller.get(Reseller.code == R001_CODE).balance
        await env.start(EngineSettings(pending_timeout_s=5, stock_check_interval_s=3600, absent_after_s=0,
                                       resend_check_after_s=0, reconcile_interval_s=1))
        done = await env.wait(lambda: (o := Order.get_by_id(order.id)).status == "success" and o, 30, "settled")
        assert done.sn  # the upstream's answer to the order sent again
        assert orders.audit_count(order.id, "status_check") == 1
        taken = env.api("GET", "/api/upstreams/upline/orders")
        assert [o["dest"] for o in taken].count(dest) == 1 and env.api("GET", f"/api/subscribers/{dest}")["airtime"] \
            == 10_000
        assert Reseller.get(Reseller.code == R001_CODE).balance == charged  # charged once, kept
        await env.stop()
    run(body())


def test_a_history_that_cannot_be_read_is_asked_again_before_new_work(env):
    async def body():
        from app.engine_settings import EngineSettings
        from app.supplier_config import SupplierConfig
        from storage.models import Supplier

        env.api("POST", "/api/operators/ISAT", {"ussd_delay": 1.0})
        await env.start()
        dest = "085712345670"
        env.sms(f"I10.{dest}.1234")
        first = await env.wait(lambda: Order.select().where(Order.dest == dest).first(), what="the order")
        await env.wait(lambda: any(dest in e["request"] for e in env.api("GET", "/api/ussd-log")),
                       what="the reload code at the operator")
        await env.stop()  # dies with the answer on its way
        env.api("POST", "/api/operators/ISAT", {"ussd_delay": 0.05})
        env.api("POST", "/api/faults", {"modem": "isat-a", "kind": "ussd_silent"})  # the first read gets nothing
        chip = Supplier.get(Supplier.name == "chip isat-a")
        config = SupplierConfig.parse(chip.config)
        config.ussd_timeout = 4.0  # the chip's answer is given up on sooner than a shop's 30 s
        chip.config = config.dumps()
        chip.save()
        await env.start(EngineSettings(pending_timeout_s=5, stock_check_interval_s=3600, absent_after_s=0))
        await env.wait(lambda: any(e["request"].startswith("*901*2*") for e in env.api("GET", "/api/ussd-log")
                                   if e["modem"] == "isat-a"), what="the first read of the history")
        env.api("DELETE", "/api/faults?modem=isat-a&kind=ussd_silent")
        await env.wait(lambda: Order.get_by_id(first.id).status == "success", 30, "settled by the second read")
        reads = [e for e in env.api("GET", "/api/ussd-log") if e["modem"] == "isat-a"
                 and e["request"].startswith("*901*2*")]
        assert len(reads) >= 2
        await env.stop()
    run(body())
