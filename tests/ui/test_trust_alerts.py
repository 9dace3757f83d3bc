"""Issue 9 in the window: a forged "result" SMS to a chip is shown to the owner and moves nothing; a
genuine success that arrives after an order was failed and refunded puts it back on "Perlu tindakan"."""
from __future__ import annotations

from storage.models import LedgerEntry, Order

from .conftest import run, until
from .test_phones_queue import DEST, _pinned, _row

CHIP = "081299000001"  # tsel-1 on the demo network


def _tsel(kind: str, dest: str) -> str:
    dest62 = "62" + dest[1:]
    if kind == "fail":
        return (f"02/12/26 10:00 Isi ulang 10.000 ke {dest62} GAGAL: Nomor tujuan salah. Sisa stok 990.000. "
                "TrxID:1234567890")
    return (f"02/12/26 10:00 Isi ulang 10.000 ke {dest62} BERHASIL. SN:01447000007482589790. Sisa stok 990.000. "
            "TrxID:1234567890")


def test_forged_and_late_results_reach_the_owner_in_the_window(start_demo, loop, qtbot):
    async def body():
        demo = await start_demo()
        queue = demo.window.show_view("queue")
        demo.api("POST", "/api/chips/tsel-1/outcomes", {"outcomes": ["fail:DEST_INVALID"]})
        demo.order(f"S10.{DEST}.1234")
        failed = await until(lambda: _pinned(queue, "failed"), 20, "failed order pinned")
        assert Order.get_by_id(failed.order_id).refunded
        queue.select(failed.order_id)
        queue.mark_selected_reviewed()  # the owner has seen the failure
        await until(lambda: _row(queue.pinned, failed.order_id) is None, 15, "it leaves Perlu tindakan")
        refunds = LedgerEntry.select().where(LedgerEntry.kind == "refund").count()

        # anybody can text the chip: a "failure" from a plain mobile number is shown and ignored
        demo.api("POST", "/api/sms", {"from": "081377778888", "to": CHIP, "text": _tsel("fail", DEST)})
        await until(lambda: "tak dikenal" in demo.window.statusBar().currentMessage(), 15, "the forged SMS shown")
        assert LedgerEntry.select().where(LedgerEntry.kind == "refund").count() == refunds

        # the operator's own success for the refunded order: back on the owner's list, with the alert
        demo.api("POST", "/api/sms", {"from": "TSEL-SIM", "to": CHIP, "text": _tsel("ok", DEST)})
        back = await until(lambda: (r := _row(queue.pinned, failed.order_id)) and r, 15, "back on Perlu tindakan")
        assert back.order.status == "failed" and back.order.reviewed_at is None
        assert f"TrxID {failed.order_id}" in demo.window.statusBar().currentMessage()
        assert "SUKSES" in demo.window.statusBar().currentMessage()
        assert Order.get_by_id(failed.order_id).status == "failed"  # nothing settled by itself
    run(loop, body())
