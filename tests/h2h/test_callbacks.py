"""Reports (callbacks) to H2H buyers: queued with the change they report, retried on the schedule of
h2h.md 9.2 when the buyer does not answer 2xx, kept across a restart, sent again after the owner's
correction and by hand. The engine has no modems: an order fails at once and is refunded, and that
failure is what gets reported (until the owner corrects it)."""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json

from app.events import Alert
from app.h2h import callbacks, members
from storage.models import H2HCallback, Order

from .conftest import MEMBER, PASSWORD, Receiver, books, ledger_exact, run, selling

DEST = "081234567890"


async def until(condition, what: str, timeout: float = 10):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def row() -> H2HCallback:
    return H2HCallback.select().order_by(H2HCallback.id.desc()).get()


async def step(shop, clock, receiver: Receiver, seconds: float, expect: int) -> None:
    """Move the clock on, tell the sender, and wait for report number `expect` to arrive."""
    clock.advance(seconds=seconds)
    shop.h2h.callbacks.wake()
    await receiver.wait(expect)
    await until(lambda: row().attempts == expect, f"attempt {expect} recorded")


def test_a_report_is_retried_on_the_schedule_until_the_buyer_answers(seeded, clock):
    async def body():
        receiver = Receiver(fail_first=2)
        members.save(MEMBER, actor="test", callback_url=await receiver.start(), callback_form="otomax")
        async with selling(clock) as shop:
            _s, reply = await shop.buyer.trx("S10", DEST, "INV1")
            order = Order.get(Order.ref_id == "INV1")
            assert order.status == "failed"
            await receiver.wait(1)
            await until(lambda: row().attempts == 1, "the first try recorded")
            first = row()
            assert (first.state, first.status, first.last_result) == ("failed", "queued", "HTTP 500")
            assert first.next_at == clock.now + dt.timedelta(seconds=30)
            clock.advance(seconds=29)
            assert callbacks.Callbacks._due(clock.now) == []  # not before its time
            await step(shop, clock, receiver, 1, 2)
            assert row().next_at == clock.now + dt.timedelta(minutes=2)
            await step(shop, clock, receiver, 120, 3)
            done = row()
            assert (done.status, done.attempts, done.last_result) == ("delivered", 3, "HTTP 200")
            expected = (f"TrxID={order.id} kode S10 ke {DEST} GAGAL. {order.fail_reason}. "
                        "Saldo 989,450+10,550 = 1,000,000 @10:00")
            assert [r.query for r in receiver.received] == [{"token": "abc", "refid": "INV1", "message": expected}] * 3
            assert reply.startswith(f"TrxID={order.id} ")
        await receiver.stop()
    run(body())


def test_a_report_nobody_takes_is_given_up_after_24_hours_then_sent_by_hand(seeded, clock):
    async def body():
        receiver = Receiver(fail_first=10_000)
        members.save(MEMBER, actor="test", callback_url=await receiver.start())
        async with selling(clock) as shop:
            alerts: list[str] = []
            shop.engine.events.subscribe(lambda e: alerts.append(e.text), (Alert,))
            await shop.buyer.trx("S10", DEST, "INV1")
            await receiver.wait(1)
            await until(lambda: row().attempts == 1, "the first try")
            start = clock.now
            tries = [dt.timedelta(0)]
            while row().status == "queued":
                gap = row().next_at - clock.now
                await step(shop, clock, receiver, gap.total_seconds(), len(tries) + 1)
                tries.append(clock.now - start)
            assert [t.total_seconds() for t in tries[:7]] == [0, 30, 150, 750, 2550, 6150, 9750]
            assert len(tries) == 28 and tries[-1] <= dt.timedelta(hours=24) < tries[-1] + dt.timedelta(hours=1)
            assert row().status == "failed"
            assert any("gagal terkirim" in a and MEMBER in a for a in alerts)
            # the owner sends it again from the window: the same message, a new day of retries
            receiver.fail_first = 0
            assert callbacks.resend(row().id, actor="admin", now=clock.now)
            shop.h2h.callbacks.wake()
            await receiver.wait(29)
            await until(lambda: row().status == "delivered", "delivered after the resend")
            assert receiver.received[-1].query == receiver.received[0].query
            assert not callbacks.resend(row().id + 1, actor="admin", now=clock.now)
        await receiver.stop()
    run(body())


def test_a_restart_loses_no_report(seeded, clock):
    async def body():
        receiver = Receiver(fail_first=1)
        members.save(MEMBER, actor="test", callback_url=await receiver.start())
        async with selling(clock) as shop:
            await shop.buyer.trx("S10", DEST, "INV1")
            await receiver.wait(1)
            await until(lambda: row().attempts == 1, "the first try")
        assert row().status == "queued"  # the server stops with the report still owed
        async with selling(clock) as shop:
            await step(shop, clock, receiver, 30, 2)
            assert row().status == "delivered"
            assert receiver.received[0].query == receiver.received[1].query
        await receiver.stop()
    run(body())


def test_the_owners_correction_is_reported_in_json_signed(seeded, clock):
    async def body():
        receiver = Receiver()
        members.save(MEMBER, actor="test", callback_url=await receiver.start(), callback_form="json")
        async with selling(clock) as shop:
            await shop.buyer.trx("S10", DEST, "INV1")
            order = Order.get(Order.ref_id == "INV1")
            first = (await receiver.wait(1))[0]
            clock.advance(minutes=3)
            before = books()
            shop.engine.force_success(order.id, "SN0001", "admin")  # the operator did deliver after all
            assert books() != before  # charged again: the refund is taken back
            second = (await receiver.wait(2))[1]
            for report, state in ((first, "failed"), (second, "success")):
                assert report.method == "POST" and report.headers["X-Pulsa-Key"] == MEMBER
                stamp = report.headers["X-Pulsa-Timestamp"]
                assert stamp == str(int(clock.now.timestamp())) or state == "failed"
                digest = hashlib.sha256(report.body).hexdigest()
                assert report.headers["X-Pulsa-Signature"] == hmac.new(
                    PASSWORD.encode(), f"{stamp}\n{digest}".encode(), hashlib.sha256).hexdigest()
                data = json.loads(report.body)
                assert (data["status"], data["ref_id"], data["trx_id"]) == (state, "INV1", str(order.id))
            data = json.loads(second.body)
            assert data["sn"] == "SN0001" and data["event_id"] != json.loads(first.body)["event_id"]
            assert data["message"] == f"TrxID={order.id} kode S10 ke {DEST} Sukses. SN:SN0001. Saldo 989,450 @10:03"
            assert H2HCallback.select().count() == 2
            ledger_exact()
        await receiver.stop()
    run(body())


def test_st24_form_report(seeded, clock):
    async def body():
        receiver = Receiver()
        members.save(MEMBER, actor="test", callback_url=await receiver.start(), callback_form="st24")
        async with selling(clock) as shop:
            await shop.buyer.trx("S10", DEST, "INV1")
            order = Order.get(Order.ref_id == "INV1")
            got = (await receiver.wait(1))[0]
            assert got.method == "GET"
            assert {k: v for k, v in got.query.items() if k != "msg"} == {
                "token": "abc", "serverid": str(order.id), "clientid": "INV1", "statuscode": "2", "kp": "S10",
                "msisdn": DEST, "sn": ""}
            assert got.query["msg"].startswith(f"TrxID={order.id} kode S10 ke {DEST} GAGAL.")
        await receiver.stop()
    run(body())


def test_no_report_without_a_url_and_none_for_sms_orders(seeded, clock):
    async def body():
        from app.messages import Inbound

        async with selling(clock) as shop:
            await shop.buyer.trx("S10", DEST, "INV1")
            shop.engine.handle_inbound(Inbound("sms", "081211110001", "S10.081234567891.1234"))
            assert Order.select().where(Order.status == "failed").count() == 2
            assert H2HCallback.select().count() == 0
    run(body())
