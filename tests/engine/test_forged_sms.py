"""Anybody can text a chip's number. An SMS that reads like the operator's result but does not come
from the operator's sender moves no order and no money; the owner is told. A real success that comes
after an order was failed and refunded is never settled by itself either: the owner is told."""
from __future__ import annotations

from app.events import Alert
from storage.models import Attempt, LedgerEntry, Order

from .conftest import run

CHIP_NUMBERS = {"chip tsel-a": "081299000001", "chip tsel-b": "081299000002"}
FORGER = "081377778888"  # an ordinary mobile number


def _tsel(kind: str, dest: str, reason: str = "Nomor tujuan salah") -> str:
    dest62 = "62" + dest[1:]
    if kind == "fail":
        return f"02/12/26 10:00 Isi ulang 10.000 ke {dest62} GAGAL: {reason}. Sisa stok 990.000. TrxID:1234567890"
    return (f"02/12/26 10:00 Isi ulang 10.000 ke {dest62} BERHASIL. SN:01447000007482589790. Sisa stok 990.000. "
            "TrxID:1234567890")


def test_a_forged_failure_or_out_of_stock_sms_moves_nothing(env):
    async def body():
        env.api("POST", "/api/operators/TSEL", {"followup_delay": [3.0, 3.0]})  # the real result comes later
        await env.start()
        dest = "081389092678"
        env.sms(f"S10.{dest}.1234")
        order = await env.wait(lambda: (o := Order.select().first()) and o.supplier_id and o, what="order at a chip")
        await env.wait(lambda: order.id in env.engine._pending, what="the chip's acknowledgement")
        chip = CHIP_NUMBERS[order.supplier.name]
        # forged: a failure (would refund) and "stock empty" (would send it to the other chip: a double top-up)
        env.api("POST", "/api/sms", {"from": FORGER, "to": chip, "text": _tsel("fail", dest)})
        env.api("POST", "/api/sms", {"from": FORGER, "to": chip, "text": _tsel("fail", dest, "Stok tidak cukup")})
        await env.wait(lambda: sum(1 for e in env.events if isinstance(e, Alert) and "tak dikenal" in e.text) >= 2,
                       what="the owner told of both forged SMS")
        assert Order.get_by_id(order.id).status == "sending"
        assert LedgerEntry.select().where(LedgerEntry.kind == "refund").count() == 0
        # the operator's own result settles it, once, on the one chip it went to
        done = await env.wait(lambda: (o := Order.get_by_id(order.id)).status != "sending" and o, 20, "the result")
        assert done.status == "success" and Attempt.select().where(Attempt.order == order.id).count() == 1
        assert [t["amount"] for t in env.api("GET", f"/api/subscribers/{dest}")["topups"]] == [10_000]
        await env.stop()
    run(body())


def test_a_success_after_the_order_was_refunded_goes_back_to_the_owner(env):
    async def body():
        await env.start()
        dest = "081389092679"
        env.api("POST", "/api/chips/tsel-a/outcomes", {"outcomes": ["fail:DEST_INVALID"]})
        env.api("POST", "/api/chips/tsel-b/outcomes", {"outcomes": ["fail:DEST_INVALID"]})
        env.sms(f"S10.{dest}.1234")
        order = await env.wait(lambda: (o := Order.select().first()) and o.status == "failed" and o, 20, "failure")
        assert order.refunded
        env.engine.mark_reviewed([order.id], "owner")  # the owner has seen the failure
        # the operator changes its mind: a genuine success SMS from TSEL-SIM for the refunded order
        chip = CHIP_NUMBERS[order.supplier.name]
        env.api("POST", "/api/sms", {"from": "TSEL-SIM", "to": chip, "text": _tsel("ok", dest)})
        await env.wait(lambda: any(isinstance(e, Alert) and f"TrxID {order.id}" in e.text and "SUKSES" in e.text
                                   for e in env.events), what="the owner told")
        again = Order.get_by_id(order.id)
        assert again.status == "failed" and again.refunded and again.reviewed_at is None  # on the owner's list
        await env.stop()
    run(body())
