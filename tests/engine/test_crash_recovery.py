"""After a crash, the orders that were at a chip are suspect; the chip checks its own history before it
takes new work (while the history still lists them), the reseller hears the result is not known yet,
and the owner is told. Orders do not fall back to the dearer upstream while chips are reconnecting."""
from __future__ import annotations

from app.events import Alert
from storage.models import AuditLog, Attempt, Order

from .conftest import R001, run


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
