"""The working server end to end: SMS in on the center modem → top-up on a chip → reply with SN.

Everything goes through the virtual GSM network's sockets and control API; the database is a real
SQLite file.
"""
from __future__ import annotations

from app import ledger
from storage.models import Attempt, LedgerEntry, Order, OutboundMessage, Reseller

from .conftest import R001, run


def books_balance() -> None:
    for r in Reseller.select():
        assert r.balance == ledger.ledger_sum(r.id), r.code


def test_sms_order_becomes_airtime_and_reply_with_sn_and_balance(env):
    async def body():
        await env.start()
        env.sms("S10.081389092678.1234")
        order = await env.wait(lambda: Order.select().where(Order.status == "success").first(), what="success")
        assert env.api("GET", "/api/subscribers/081389092678")["airtime"] == 10_000
        replies = await env.wait(lambda: [t for t in env.received(R001) if "SUKSES" in t], what="reply")
        assert replies == [f"TrxID {order.id}: S10 ke 081389092678 SUKSES. SN:{order.sn}. Harga 10.550. "
                           f"Saldo 989.450 @{order.finished_at:%H:%M}"]
        assert len(order.sn) == 20 and order.cost == 10_000  # the face value the operator takes from the chip
        assert env.statuses(order.id) == ["queued", "sending", "sending", "success"]
        attempt = Attempt.get(Attempt.order == order.id)
        assert attempt.outcome == "success" and "****" in attempt.request and "1234" not in attempt.request
        books_balance()
        await env.stop()
    run(body())


def test_failure_on_first_chip_then_success_on_second(env):
    async def body():
        env.api("POST", "/api/chips/tsel-a/outcomes", {"outcomes": ["fail:OUT_OF_STOCK"]})
        env.api("POST", "/api/chips/tsel-b/outcomes", {"outcomes": ["fail:OUT_OF_STOCK"]})
        await env.start()
        # whichever chip gets it first fails with "stock", the other one must then succeed
        env.api("POST", "/api/chips/tsel-b/outcomes", {"outcomes": [], "replace": True})
        env.sms("S10.081389092678.1234")
        order = await env.wait(lambda: Order.select().where(Order.status.in_(["success", "failed"])).first())
        attempts = list(Attempt.select().where(Attempt.order == order.id).order_by(Attempt.id))
        if len(attempts) == 1:  # tsel-b was picked first and succeeded: force the other order of events
            assert attempts[0].supplier.name == "chip tsel-b"
        else:
            assert [a.outcome for a in attempts] == ["failed", "success"]
            assert attempts[0].supplier.name == "chip tsel-a" and attempts[1].supplier.name == "chip tsel-b"
        assert order.status == "success"
        assert env.api("GET", "/api/subscribers/081389092678")["airtime"] == 10_000
        assert LedgerEntry.select().where(LedgerEntry.kind == "refund").count() == 0
        books_balance()
        await env.stop()
    run(body())


def test_all_routes_fail_refund_once_and_reply_says_so(env):
    async def body():
        from storage.models import Supplier

        Supplier.update(active=False).where(Supplier.kind == "sms_upstream").execute()  # chips only
        await env.start()
        env.sms("S10.081389092678.1234")  # warm-up that succeeds, so both chips are known good
        await env.wait(lambda: Order.select().where(Order.status == "success").count() == 1)
        env.api("POST", "/api/chips/tsel-a/outcomes", {"outcomes": ["fail:OUT_OF_STOCK"]})
        env.api("POST", "/api/chips/tsel-b/outcomes", {"outcomes": ["fail:OUT_OF_STOCK"]})
        env.sms("S10.081234567890.1234")
        order = await env.wait(lambda: Order.select().where(Order.dest == "081234567890",
                                                            Order.status == "failed").first())
        assert Attempt.select().where(Attempt.order == order.id).count() == 2
        assert LedgerEntry.select().where(LedgerEntry.order == order.id, LedgerEntry.kind == "refund").count() == 1
        reply = await env.wait(lambda: [t for t in env.received(R001) if "GAGAL" in t])
        assert reply[0].startswith(f"TrxID {order.id}: S10 ke 081234567890 GAGAL. ")
        assert reply[0].endswith(f"Saldo 978.900+10.550=989.450 @{order.finished_at:%H:%M}")
        assert Reseller.get(Reseller.code == "R001").balance == 1_000_000 - 10_550
        books_balance()
        await env.stop()
    run(body())


def test_definite_failure_that_must_not_try_another_route(env):
    async def body():
        await env.start()
        env.sms("I10.085612345678.1234")  # a number in its grace period: the operator refuses it
        order = await env.wait(lambda: Order.select().where(Order.status == "failed").first())
        assert order.fail_reason == "Nomor dalam masa tenggang"
        assert Attempt.select().where(Attempt.order == order.id).count() == 1
        assert Reseller.get(Reseller.code == "R001").balance == 1_000_000
        await env.stop()
    run(body())


def test_operator_silent_makes_suspect_then_late_follow_up_settles(env):
    async def body():
        from app.engine_settings import EngineSettings

        env.api("POST", "/api/operators/TSEL", {"followup_delay": [2.0, 2.0]})
        await env.start(settings=EngineSettings(pending_timeout_s=0.5, stock_check_interval_s=3600))
        env.sms("S10.081389092678.1234")
        order = await env.wait(lambda: Order.select().where(Order.status == "suspect").first(), what="suspect")
        assert Reseller.get(Reseller.code == "R001").balance == 1_000_000 - 10_550  # money held
        held = await env.wait(lambda: [t for t in env.received(R001) if "belum ada kepastian" in t])
        assert "Saldo 10.550 ditahan" in held[0]
        settled = await env.wait(lambda: Order.get_by_id(order.id).status == "success" and Order.get_by_id(order.id))
        assert settled.sn and env.api("GET", "/api/subscribers/081389092678")["airtime"] == 10_000
        await env.wait(lambda: [t for t in env.received(R001) if "SUKSES" in t])
        books_balance()
        await env.stop()
    run(body())


def test_unplugged_chip_mid_transaction_is_suspect_and_never_resent(env):
    async def body():
        env.api("POST", "/api/operators/TSEL", {"ussd_delay": 1.5})
        await env.start()
        env.sms("S10.081389092678.1234")
        # the request has reached the operator (the network logs it on arrival); its answer is 1.5 s away
        sent = await env.wait(lambda: [u for u in env.api("GET", "/api/ussd-log") if "081389092678" in u["request"]])
        chip = sent[0]["modem"]
        env.api("POST", f"/api/modems/{chip}/unplug")
        order = await env.wait(lambda: Order.select().where(Order.status == "suspect").first(), what="suspect")
        env.api("POST", f"/api/modems/{chip}/replug", {})
        await env.wait(lambda: env.engine.links[chip].online, what="replugged chip back online")
        assert len([u for u in env.api("GET", "/api/ussd-log") if "081389092678" in u["request"]]) == 1
        assert Attempt.select().where(Attempt.order == order.id).count() == 1
        assert Attempt.get(Attempt.order == order.id).outcome == "unknown"
        assert Reseller.get(Reseller.code == "R001").balance == 1_000_000 - 10_550  # held, not refunded
        books_balance()
        await env.stop()
    run(body())


def test_engine_killed_mid_transaction_restarts_without_loss_or_double(env):
    async def body():
        env.api("POST", "/api/operators/TSEL", {"followup_delay": [3.0, 3.0]})
        await env.start()
        env.sms("S10.081389092678.1234")
        order = await env.wait(lambda: Order.select().where(Order.status == "sending").first())
        await env.wait(lambda: any(getattr(e, "detail", "") == "menunggu SMS operator" for e in env.events))
        await env.stop()  # the engine dies with the order in flight
        assert Order.get_by_id(order.id).status == "sending"
        await env.start()  # start-up: the in-flight order becomes suspect, nothing is resent
        assert Order.get_by_id(order.id).status in ("suspect", "success")
        final = await env.wait(lambda: Order.get_by_id(order.id).status == "success" and Order.get_by_id(order.id))
        assert final.sn
        assert env.api("GET", "/api/subscribers/081389092678")["airtime"] == 10_000  # exactly one top-up
        assert Attempt.select().where(Attempt.order == order.id).count() == 1
        books_balance()
        await env.stop()
    run(body())


def test_same_sms_delivered_twice_is_one_order(env):
    async def body():
        env.api("POST", "/api/faults", {"modem": "center", "kind": "duplicate_sms"})
        await env.start()
        env.sms("S10.081389092678.1234")
        await env.wait(lambda: Order.select().where(Order.status == "success").count() == 1)
        await env.wait(lambda: [t for t in env.received(R001) if "SUKSES" in t])
        assert Order.select().count() == 1
        assert OutboundMessage.select().where(OutboundMessage.event == "success").count() == 1
        assert env.api("GET", "/api/subscribers/081389092678")["airtime"] == 10_000
        await env.stop()
    run(body())


def test_multi_order_sms_makes_one_order_each(env):
    async def body():
        await env.start()
        env.sms("S5.081389092678.I10.085712345678.S10.081234567890.1234")
        await env.wait(lambda: Order.select().where(Order.status == "success").count() == 3, what="3 successes")
        assert env.api("GET", "/api/subscribers/081389092678")["airtime"] == 5_000
        assert env.api("GET", "/api/subscribers/085712345678")["airtime"] == 10_000
        replies = await env.wait(lambda: len([t for t in env.received(R001) if "SUKSES" in t]) == 3)
        assert replies
        books_balance()
        await env.stop()
    run(body())


def test_bad_message_gets_clear_reply_and_moves_nothing(env):
    async def body():
        await env.start()
        env.sms("S10.081389092678.9999")
        reply = await env.wait(lambda: env.received(R001))
        assert reply == ["PIN salah. Sisa 2 kali percobaan."]
        assert Order.select().count() == 0 and Reseller.get(Reseller.code == "R001").balance == 1_000_000
        await env.stop()
    run(body())


def test_product_without_chip_goes_to_the_upstream_server_by_sms(env):
    async def body():
        await env.start()
        env.sms("X10.081712345678.1234")  # no XL chip here: the upstream account is the route
        order = await env.wait(lambda: Order.select().where(Order.status == "success").first(), what="success")
        assert env.api("GET", "/api/subscribers/081712345678")["airtime"] == 10_000
        attempt = Attempt.get(Attempt.order == order.id)
        assert attempt.supplier.name == "upstream Upline Pulsa" and "X10.081712345678.****" == attempt.request
        assert env.api("GET", "/api/upstreams")[0]["accounts"][0]["balance"] < 500_000  # it charged us
        reply = await env.wait(lambda: [t for t in env.received(R001) if "SUKSES" in t])
        assert f"SN:{order.sn}" in reply[0] and order.cost == 10_000 + 250
        books_balance()
        await env.stop()
    run(body())


def test_replies_move_to_the_other_sender_when_one_is_unplugged(env):
    async def body():
        await env.start()
        env.api("POST", "/api/modems/sender/unplug")
        await env.wait(lambda: not env.engine.links["sender"].online, what="sender offline")
        env.sms("SAL.1234")
        reply = await env.wait(lambda: env.received(R001))
        assert reply[0].startswith("Saldo R001: 1.000.000")
        assert OutboundMessage.get(OutboundMessage.status == "sent").modem == "sender2"
        await env.stop()
    run(body())


def test_suspect_order_is_reconciled_from_the_chips_own_history(env):
    async def body():
        from app.engine_settings import EngineSettings

        # no USSD answer at all, although the operator did top up: only the chip's history can tell
        for chip in ("tsel-a", "tsel-b"):
            env.api("POST", f"/api/chips/{chip}/outcomes", {"outcomes": ["timeout_done"]})
        env.api("POST", "/api/operators/TSEL", {"followup": "never"})
        await env.start(settings=EngineSettings(reconcile_interval_s=0.5, stock_check_interval_s=3600))
        env.sms("S10.081389092678.1234")
        order = await env.wait(lambda: Order.select().where(Order.status.in_(["suspect", "success"])).first())
        settled = await env.wait(lambda: Order.get_by_id(order.id).status == "success" and Order.get_by_id(order.id),
                                 what="reconciled")
        assert env.api("GET", "/api/subscribers/081389092678")["airtime"] == 10_000
        from storage.models import AuditLog
        assert AuditLog.select().where(AuditLog.action == "reconcile").count() == 1
        assert Reseller.get(Reseller.code == "R001").balance == 1_000_000 - 10_550 and not settled.refunded
        await env.wait(lambda: [t for t in env.received(R001) if "SUKSES" in t])
        await env.stop()
    run(body())


def test_menu_step_is_answered_from_the_chip_template(env):
    async def body():
        import json

        from storage.models import Supplier

        env.api("POST", "/api/operators/ISAT", {"confirm_menu": True})
        row = Supplier.get(Supplier.name == "chip isat-a")
        config = json.loads(row.config)
        config["menu"] = ["1"]
        row.config = json.dumps(config)
        row.save()
        await env.start()
        env.sms("I10.085712345678.1234")
        await env.wait(lambda: Order.select().where(Order.status == "success").first(), what="success")
        assert env.api("GET", "/api/subscribers/085712345678")["airtime"] == 10_000
        await env.stop()
    run(body())


def test_stock_is_tracked_from_answers_and_balance_checks(env):
    async def body():
        from storage.models import Supplier

        await env.start()
        isat = next(s for s in env.engine.suppliers.values() if s.name == "chip isat-a")
        assert await env.engine.check_stock(isat.id) == 1_000_000
        env.sms("I10.085712345678.1234")
        await env.wait(lambda: Order.select().where(Order.status == "success").first())
        assert Supplier.get_by_id(isat.id).stock == 990_000
        env.api("POST", "/api/chips/isat-a/stock", {"stock": 50_000})
        assert await env.engine.check_stock(isat.id) == 50_000
        from app.events import StockChanged
        assert [e for e in env.events if isinstance(e, StockChanged) and e.stock == 50_000][-1].low  # below 100.000
        await env.stop()
    run(body())


def test_manual_actions_are_logged_and_move_money_once(env):
    async def body():
        from storage.models import AuditLog

        for chip in ("tsel-a", "tsel-b"):
            env.api("POST", f"/api/chips/{chip}/outcomes", {"outcomes": ["timeout", "timeout"]})
        await env.start()
        env.sms("S10.081389092678.1234")
        env.sms("S10.081234567890.1234")
        await env.wait(lambda: Order.select().where(Order.status == "suspect").count() == 2, what="2 suspects")
        first, second = [o.id for o in Order.select().order_by(Order.id)]
        env.engine.force_success(first, "01447000007482589790", actor="budi")
        env.engine.fail_and_refund(second, "Dicek manual: tidak masuk", actor="budi")
        assert Order.get_by_id(first).sn == "01447000007482589790" and Order.get_by_id(second).refunded
        replies = await env.wait(lambda: len([t for t in env.received(R001) if "SUKSES" in t or "GAGAL" in t]) == 2)
        assert replies
        out_id = env.engine.resend_reply(first, actor="budi")
        await env.wait(lambda: OutboundMessage.get_by_id(out_id).status == "sent")
        env.api("POST", "/api/chips/tsel-a/outcomes", {"outcomes": [], "replace": True})
        env.api("POST", "/api/chips/tsel-b/outcomes", {"outcomes": [], "replace": True})
        env.engine.retry(second, None, actor="budi")  # charged again, sent again
        await env.wait(lambda: Order.get_by_id(second).status == "success", what="retried order succeeds")
        assert [a.action for a in AuditLog.select().order_by(AuditLog.id)] == [
            "force_success", "fail_refund", "resend_reply", "retry"]
        assert all(a.actor == "budi" for a in AuditLog.select())
        assert Reseller.get(Reseller.code == "R001").balance == 1_000_000 - 2 * 10_550
        books_balance()
        await env.stop()
    run(body())


def test_follow_up_sms_that_overtakes_the_ussd_answer_still_settles(env):
    async def body():
        for chip in ("tsel-a", "tsel-b"):
            env.api("POST", f"/api/chips/{chip}/outcomes", {"outcomes": ["followup_before_ack"]})
        await env.start()
        env.sms("S10.081389092678.1234")
        order = await env.wait(lambda: Order.select().where(Order.status == "success").first(), what="success")
        assert order.sn and env.api("GET", "/api/subscribers/081389092678")["airtime"] == 10_000
        assert not env.engine._early  # the early SMS was used, not left behind
        await env.stop()
    run(body())


def test_manual_refund_is_refused_while_the_request_is_at_the_operator(env):
    async def body():
        import pytest

        from app import orders

        env.api("POST", "/api/operators/ISAT", {"ussd_delay": 1.5})
        await env.start()
        env.sms("I10.085712345678.1234")
        await env.wait(lambda: [u for u in env.api("GET", "/api/ussd-log") if "085712345678" in u["request"]])
        order = Order.get(Order.dest == "085712345678")
        with pytest.raises(orders.TransitionError, match="sedang dikirim"):
            env.engine.fail_and_refund(order.id, "salah input", actor="budi")
        await env.wait(lambda: Order.get_by_id(order.id).status == "success", what="success")
        assert not Order.get_by_id(order.id).refunded
        books_balance()
        await env.stop()
    run(body())


def test_chip_with_refused_pin_stays_off_until_its_pin_is_changed(env):
    async def body():
        import json

        from storage.models import Supplier

        env.api("POST", "/api/chips/tsel-a", {"pin": "9999"})  # the operator now expects another PIN
        env.api("POST", "/api/chips/tsel-b", {"pin": "9999"})
        Supplier.update(active=False).where(Supplier.kind == "sms_upstream").execute()  # chips only
        await env.start()
        env.sms("S10.081389092678.1234")
        await env.wait(lambda: Order.select().where(Order.status == "failed").count() == 1, what="refused twice")
        chips = {s.name: s for s in env.engine.suppliers.values() if s.name.startswith("chip tsel")}
        assert all(s.disabled_reason == "PIN chip salah" for s in chips.values())
        env.engine.refresh_suppliers()  # an unrelated edit elsewhere must not switch them back on
        assert all(not s.online for s in chips.values())
        row = Supplier.get(Supplier.name == "chip tsel-a")
        config = json.loads(row.config)
        config["pin"] = "9999"
        row.config = json.dumps(config)
        row.save()
        env.engine.refresh_suppliers()
        assert chips["chip tsel-a"].online and not chips["chip tsel-b"].online
        env.sms("S10.081234567890.1234")
        order = await env.wait(lambda: Order.select().where(Order.status == "success").first(), what="success")
        assert Attempt.get(Attempt.order == order.id).supplier.name == "chip tsel-a"
        await env.stop()
    run(body())


def test_an_order_cancelled_by_sms_leaves_the_engine_at_once(env):
    async def body():
        await env.start()
        for modem in ("tsel-a", "tsel-b", "allop"):  # the chips and the upstream: no route is usable now
            env.api("POST", f"/api/modems/{modem}/unplug")
        await env.wait(lambda: not any(env.engine.links[m].online for m in ("tsel-a", "tsel-b", "allop")),
                       what="Telkomsel chips and upstream offline")
        env.sms("S10.081389092678.1234")
        order = await env.wait(lambda: Order.select().first(), what="the order")
        await env.wait(lambda: env.engine.queue_length() == 1, what="the order waiting for a chip")
        env.sms("BTL.081389092678.1234")
        await env.wait(lambda: Order.get_by_id(order.id).status == "failed", what="cancelled")
        # the engine heard of it through the state machine: no 600 s wait for a chip
        assert env.engine.queue_length() == 0
        assert LedgerEntry.select().where(LedgerEntry.kind == "refund").count() == 1
        books_balance()
        await env.stop()
    run(body())
