"""An order's replies reach the reseller in the order they were written, and a "not known yet" notice
that has not left by the time the result is known is not sent at all."""
from __future__ import annotations

from storage.models import OutboundMessage, Order

from .conftest import R001, run

NOTICE = "belum ada kepastian"


async def suspect_order(env, dest: str) -> Order:
    env.api("POST", "/api/chips/tsel-a/outcomes", {"outcomes": ["timeout"]})
    env.api("POST", "/api/chips/tsel-b/outcomes", {"outcomes": ["timeout"]})
    env.sms(f"S10.{dest}.1234")
    return await env.wait(lambda: (o := Order.select().where(Order.dest == dest).first()) and o.status == "suspect"
                          and o, what="a suspect order")


def test_a_notice_not_sent_before_the_result_is_dropped(env):
    async def body():
        await env.start()
        env.api("POST", "/api/modems/sender/unplug")
        env.api("POST", "/api/modems/sender2/unplug")
        await env.wait(lambda: not env.engine.links["sender"].online and not env.engine.links["sender2"].online,
                       what="no sender online")
        order = await suspect_order(env, "081311112222")
        assert OutboundMessage.select().where((OutboundMessage.order == order.id)
                                              & (OutboundMessage.event == "suspect")).exists()
        env.engine.fail_and_refund(order.id, "dicek manual", "admin")
        env.api("POST", "/api/modems/sender/replug", {})
        await env.wait(lambda: any(f"TrxID {order.id}" in t and "GAGAL" in t for t in env.received(R001)),
                       30, "the result")
        assert not any(NOTICE in t for t in env.received(R001))
        await env.stop()
    run(body())


def test_a_notice_on_its_way_arrives_before_the_result(env):
    async def body():
        await env.start()
        env.api("POST", "/api/modems/sender2/unplug")
        await env.wait(lambda: not env.engine.links["sender2"].online, what="sender2 offline")
        env.api("POST", "/api/modems/sender", {"send_delay": 3.0})
        order = await suspect_order(env, "081311113333")
        await env.wait(lambda: order.id in env.engine.outbox._inflight_orders.values(), what="the notice at sender")
        env.api("POST", "/api/modems/sender2/replug", {})
        await env.wait(lambda: env.engine.links["sender2"].online, what="sender2 back")
        env.engine.fail_and_refund(order.id, "dicek manual", "admin")  # sender2 is free for the result at once
        texts = await env.wait(lambda: (t := [x for x in env.received(R001) if f"TrxID {order.id}" in x])
                               and len(t) == 2 and t, 30, "both replies")
        assert NOTICE in texts[0] and "GAGAL" in texts[1]
        await env.stop()
    run(body())
