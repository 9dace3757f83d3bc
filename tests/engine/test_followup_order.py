"""The operator's result SMS can reach the engine before the USSD acknowledgement that makes the
order pending (two events racing onto the loop). It must still settle that order."""
from __future__ import annotations

import datetime as dt

import asyncio

from app import orders
from app.engine import Engine, _OrderState
from app.rules import Outcome, load_pack
from app.service import Inbound
from app.supplier_config import SupplierConfig
from app.suppliers import Job, ModemLink, SupplyResult, UssdChip
from modems.types import ModemState
from storage.models import Attempt, Order

NOW = dt.datetime(2026, 6, 15, 10, 0)  # a fixed moment: no test depends on the date


def test_result_sms_before_the_ack_settles_the_order(shop):
    async def body():
        engine = Engine(shop)
        engine._loop = asyncio.get_running_loop()
        link = ModemLink("tsel-1", handle=None, roles=frozenset({"chip"}), state=ModemState.ONLINE)  # type: ignore[arg-type]
        chip = UssdChip(1, "chip tsel-1", SupplierConfig(pin="1234", operator="TSEL"), link, load_pack("tsel_mkios"))
        engine.suppliers[chip.id] = chip
        engine._queues[chip.id] = asyncio.Queue()
        order_id = shop.handle(Inbound("sms", "081211110001", "S10.081389092678.1234")).new_orders[0]
        orders.mark_sending(order_id, now=NOW)
        attempt = Attempt.create(order=order_id)
        result_sms = ("29/11/26 14:05 Isi ulang 10.000 ke 6281389092678 BERHASIL. SN:01447000007482589790. "
                      "Sisa stok 990.000. TrxID:1234567890")
        assert engine._followup(link, "TSEL-SIM", result_sms)  # recognised, kept for later
        assert Order.get_by_id(order_id).status == "sending"
        ack = SupplyResult(Outcome.PENDING, raw="Permintaan isi ulang 10.000 ke 081389092678 diterima.")
        engine._states[order_id] = _OrderState(attempts=1)
        engine._settle(chip, Job(order_id, "081389092678", 10_000, "S10"), attempt.id, ack)
        order = Order.get_by_id(order_id)
        assert (order.status, order.sn) == ("success", "01447000007482589790")
        assert engine._early == [] and order_id not in engine._pending
    asyncio.run(body())
