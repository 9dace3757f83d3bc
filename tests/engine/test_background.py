"""The engine's background loops on the virtual network: a dead send loop comes back and the reply
still goes out; replies that cannot be sent are counted and raise an alarm the owner sees."""
from __future__ import annotations

from app import outbox as outbox_module
from app.events import Alert, RepliesBacklog
from storage.models import Order, OutboundMessage

from .conftest import R001, run


def test_a_crashed_send_loop_is_restarted_and_the_reply_still_arrives(env, monkeypatch):
    from app import supervisor

    monkeypatch.setattr(supervisor, "RESTART_DELAYS_S", (0.0,))

    async def body():
        await env.start()
        outbox = env.engine.outbox
        real_run = outbox.run
        lives = []

        async def first_life_dies():
            lives.append(1)
            if len(lives) == 1:
                raise RuntimeError("no running event loop")  # what killed it under the window
            await real_run()

        env.engine.supervisor.start("outbox", first_life_dies)
        env.sms("S10.081389092678.1234")
        await env.wait(lambda: [t for t in env.received(R001) if "SUKSES" in t], what="the reply")
        assert len(lives) == 2 and env.engine.supervisor.crashes("outbox") == 1
        assert any(isinstance(e, Alert) and "outbox" in e.text for e in env.events)
        await env.stop()
    run(body())


def test_replies_that_cannot_go_out_are_counted_and_raise_an_alarm(env, monkeypatch):
    monkeypatch.setattr(outbox_module, "BACKLOG_ALARM_COUNT", 1)

    async def body():
        await env.start()
        for sender in ("sender", "sender2"):
            env.api("POST", f"/api/modems/{sender}/unplug")
        await env.wait(lambda: not any(env.engine.links[s].online for s in ("sender", "sender2")),
                       what="both senders offline")
        env.sms("S10.081389092678.1234")
        await env.wait(lambda: Order.select().where(Order.status == "success").exists(), what="the top-up")
        backlog = await env.wait(lambda: env.engine.outbox.backlog.alarm and env.engine.outbox.backlog, what="alarm")
        assert backlog.queued == OutboundMessage.select().where(OutboundMessage.status == "queued").count() >= 1
        alerts = [e.text for e in env.events if isinstance(e, Alert) and e.text.startswith("Balasan tertunda")]
        assert alerts and "Tidak ada modem pengirim yang online" in alerts[0]
        assert any(isinstance(e, RepliesBacklog) and e.alarm for e in env.events)
        # a sender comes back: the reply goes and the count falls to zero
        env.api("POST", "/api/modems/sender/replug", {})
        await env.wait(lambda: [t for t in env.received(R001) if "SUKSES" in t], what="the late reply")
        await env.wait(lambda: env.engine.outbox.backlog.queued == 0 and not env.engine.outbox.backlog.alarm,
                       what="backlog cleared")
        assert [e for e in env.events if isinstance(e, RepliesBacklog)][-1].queued == 0
        await env.stop()
    run(body())
