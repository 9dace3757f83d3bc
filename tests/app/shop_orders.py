"""For the read-model tests (with query_dbs.any_db): the demo shop with two chips, and orders placed at
chosen moments and brought to a chosen state through the real order functions."""
from __future__ import annotations

import datetime as dt

from app import orders
from app.config import ModemSpec, apply
from app.demo import seed_demo
from app.service import Inbound, MessageService
from storage.models import Supplier


class Shop:
    """The demo shop with chips tsel-1 and isat-1; `place(at, fate)` makes one order."""

    def __init__(self):
        seed_demo()
        apply([ModemSpec(name="center-1", port="socket://127.0.0.1:9", roles=["center"]),
               ModemSpec(name="tsel-1", port="socket://127.0.0.1:9", roles=["chip"], operator="TSEL", pin="1234"),
               ModemSpec(name="isat-1", port="socket://127.0.0.1:9", roles=["chip"], operator="ISAT", pin="1234")])
        self.chip = Supplier.get(Supplier.name == "chip tsel-1").id
        self.moment = dt.datetime(2026, 6, 15, 10, 0)
        self.service = MessageService(clock=lambda: self.moment)
        self._dest = 10_000_000

    def place(self, at: dt.datetime, fate: str = "queued", code: str = "S10", cost: int = 9_800) -> int:
        self.moment = at
        self._dest += 1
        result = self.service.handle(Inbound("sms", "081211110001", f"{code}.0812{self._dest}.1234"))
        assert result.new_orders, result
        order_id = result.new_orders[0]
        if fate != "queued":
            orders.mark_sending(order_id, self.chip, now=at)
        if fate == "success":
            orders.settle_success(order_id, f"SN{order_id:08d}", cost=cost, now=at)
        elif fate == "failed":
            orders.settle_failed(order_id, "Nomor tujuan salah", now=at)
        elif fate == "suspect":
            orders.mark_suspect(order_id, "tidak ada jawaban operator", now=at)
        return order_id
