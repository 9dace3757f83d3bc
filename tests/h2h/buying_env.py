"""The shop buying from internet suppliers for real: the virtual network's OtomaX sellers on loopback ports
(modems/sim/h2h_seller.py), the engine with its H2H server (callbacks) on a free port, a real database.

Waiting is on the engine's events (an asyncio.Event per change), never on fixed sleeps; status checks are
made due by moving the test's clock, never by waiting for them."""
from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Callable

from tests.conftest import Clock

START = dt.datetime(2026, 6, 15, 10, 0, 0)
R001, R001_PIN = "081211110001", "1234"
DEST = "081234567890"
_MESSAGE_KEYS = itertools.count(1)  # one per order message, across the restarts of one test

SELLERS = [
    {"id": "mitra", "name": "Mitra", "member_id": "PLS01", "pin": "4455", "password": "rahasia-mitra",
     "balance": 1_000_000, "markup": 100, "delay": 0.3, "products": {"TSEL5": 5000, "TSEL10": 10000}},
    {"id": "cadangan", "name": "Cadangan", "member_id": "PLS02", "pin": "9988", "password": "rahasia-cadangan",
     "balance": 1_000_000, "markup": 150, "delay": 0.3, "products": {"TSEL10": 10000}},
]
BUY_SCENARIO: dict = {"name": "buying-tests", "seed": 11, "modems": [], "h2h_sellers": SELLERS}


def supplier_spec(seller: dict, url: str, priority: int, products: dict[str, str], **more: Any):
    from app.h2h.supplier_setup import H2HSupplierSpec

    return H2HSupplierSpec(name=seller["name"], kind="h2h_otomax", url=url, member_id=seller["member_id"],
                           pin=seller["pin"], password=seller["password"], products=products, priority=priority,
                           callback_ips=more.pop("callback_ips", ["127.0.0.1"]), timeout=more.pop("timeout", 3.0),
                           **more)


@dataclass
class BuyingShop:
    engine: Any
    selling: Any
    net: Any
    clock: Clock
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def buying(self):
        return self.selling.buying

    def seller(self, seller_id: str, **settings: Any) -> dict:
        if settings:
            return self.net.call(self.net.api_h2h_seller_update, seller_id, settings)
        return next(s for s in self.net.call(self.net.api_h2h_sellers) if s["id"] == seller_id)

    def books(self, seller_id: str) -> dict:
        return self.net.call(self.net.api_h2h_seller_orders, seller_id)

    def order(self, text: str = f"S10.{DEST}.{R001_PIN}") -> int:
        from app.messages import Inbound

        result = self.engine.handle_inbound(Inbound("sms", R001, text, sent_at=self.clock(),
                                                    dedupe_key=f"buy-{next(_MESSAGE_KEYS)}"))
        assert result.new_orders, result
        return result.new_orders[0]

    async def until(self, condition: Callable[[], Any], what: str, timeout: float = 15) -> Any:
        """Until `condition()` holds, re-checked on every engine event (and every 100 ms, for changes the
        engine does not announce, such as a callback kept for a request still out)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = condition()
            if value:
                return value
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), min(left, 0.1))
            except TimeoutError:
                pass

    async def status(self, order_id: int, *wanted: str) -> str:
        from storage.models import Order

        return await self.until(lambda: (s := Order.get_by_id(order_id).status) in wanted and s,
                                f"order {order_id} {wanted}")


def order_row(order_id: int):
    from storage.models import Order

    return Order.get_by_id(order_id)


def ledger_exact() -> None:
    from app import ledger
    from storage.models import Reseller

    for r in Reseller.select():
        assert r.balance == ledger.ledger_sum(r.id), r.code


@asynccontextmanager
async def buying_shop(clock: Clock, net: Any, suppliers: list, *, settings: Any = None):
    """The engine and its H2H server with `suppliers` (specs, saved first); the sellers report to it."""
    from urllib.parse import quote

    from app.engine import Engine
    from app.engine_settings import EngineSettings
    from app.events import OrderChanged
    from app.h2h.server import Selling
    from app.h2h.supplier_setup import save
    from app.service import MessageService

    for spec in suppliers:
        save(spec, actor="test")
    engine = Engine(MessageService(clock=clock), clock=clock,
                    settings=settings or EngineSettings(stock_check_interval_s=3600, reconcile_interval_s=3600))
    shop = BuyingShop(engine, None, net, clock)
    engine.events.subscribe(lambda e: shop.changed.set(), kinds=(OrderChanged,))
    await engine.start()
    selling = Selling(engine, clock)
    await selling.start(port=0)
    shop.selling = selling
    for seller in net.call(net.api_h2h_sellers) if net is not None else ():
        net.call(net.api_h2h_seller_update, seller["id"],
                 {"callback_url": f"{selling.url}/h2h/callback/{quote(seller['name'])}"})
    try:
        yield shop
    finally:
        await selling.stop()
        await engine.stop()
