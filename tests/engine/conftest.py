"""An engine on a real SQLite file, driving modem workers against the virtual GSM network."""
from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

CENTER = "081200000001"
SENDER = "081200000002"
R001 = "081211110001"

SCENARIO: dict = {
    "name": "engine-tests", "seed": 7, "smsc": "+6281100000",
    "sms": {"send_delay": 0.02, "delivery_delay": 0.02, "report_delay": 0.02},
    "reset_delay": 0.5,
    "operator_defaults": {"ussd_delay": 0.05, "ussd_jitter": 0, "followup_delay": [0.1, 0.2], "failure_rate": 0,
                          "too_soon_window": 0},
    "modems": [
        {"id": "center", "role": "center", "operator": "TSEL", "msisdn": CENTER, "profile": "generic"},
        {"id": "sender", "role": "sender", "operator": "TSEL", "msisdn": SENDER, "profile": "simcom"},
        {"id": "sender2", "role": "sender", "operator": "TSEL", "msisdn": "081200000004", "profile": "generic"},
        {"id": "allop", "role": "spare", "operator": "TSEL", "msisdn": "081200000003", "profile": "generic"},
        {"id": "tsel-a", "role": "chip", "operator": "TSEL", "msisdn": "081299000001", "profile": "generic",
         "pin": "1234", "stock": 1_000_000},
        {"id": "tsel-b", "role": "chip", "operator": "TSEL", "msisdn": "081299000002", "profile": "generic",
         "pin": "4321", "stock": 1_000_000},
        {"id": "isat-a", "role": "chip", "operator": "ISAT", "msisdn": "085799000001", "profile": "generic",
         "pin": "1111", "stock": 1_000_000},
    ],
    "subscribers": [{"msisdn": "085612345678", "airtime": 0, "state": "grace"}],
    "upstreams": [{"id": "upline", "name": "Upline Pulsa", "msisdn": "081299990000", "delay": 0.1, "markup": 150,
                   "accounts": [{"msisdn": "081200000003", "pin": "5566", "balance": 500000, "code": "PLS001"}]}],
}


@dataclass
class Env:
    net: Any
    engine: Any = None
    runtime: Any = None
    db_path: str = ""  # a file path or a database URL
    events: list = field(default_factory=list)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        from modems.sim import ControlClient

        return ControlClient.of(self.net)(method, path, body)

    def sms(self, text: str, sender: str = R001, to: str = CENTER) -> None:
        self.api("POST", "/api/sms", {"from": sender, "to": to, "text": text})

    async def start(self, settings=None, overrides: dict | None = None, wait_online: bool = True) -> None:
        from app.engine_settings import EngineSettings
        from app.runtime import Runtime, RuntimeOptions

        self.runtime = Runtime(RuntimeOptions(
            engine_settings=settings or EngineSettings(pending_timeout_s=5, stock_check_interval_s=3600),
            modem_overrides={"ussd_timeout": 3, "sweep_interval": 1, "init_timeout": 5, **(overrides or {})},
            listeners=[self.events.append]))
        await self.runtime.start()
        self.engine = self.runtime.engine
        if wait_online:
            await self.wait(lambda: all(link.online for link in self.engine.links.values()), 20, "modems online")

    async def stop(self) -> None:
        if self.runtime is not None:
            await self.runtime.stop()
            assert not self.runtime.modems.workers

    async def wait(self, condition: Callable[[], Any], timeout: float = 20, what: str = "condition") -> Any:
        """Wait until `condition()` is truthy (checked on each engine event and every 50 ms)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = condition()
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.05)

    def order_status(self, order_id: int) -> str:
        from storage.models import Order
        return Order.get_by_id(order_id).status

    def statuses(self, order_id: int) -> list[str]:
        from app.events import OrderChanged
        return [e.status for e in self.events if isinstance(e, OrderChanged) and e.order_id == order_id]

    def received(self, msisdn: str) -> list[str]:
        return [m["text"] for m in self.api("GET", f"/api/subscribers/{msisdn}/sms")]


@pytest.fixture
def scenario():
    return copy.deepcopy(SCENARIO)


@pytest.fixture(params=["sqlite", "postgresql"])
def shop_db(request, tmp_path):
    """The shop's database for an engine test: a real SQLite file, and — when PULSA_TEST_PG_URL points at
    a reachable server (.ci/run starts one) — PostgreSQL in a schema of its own, dropped afterwards."""
    from tests.app.query_dbs import pg_url

    if request.param == "sqlite":
        yield str(tmp_path / "engine.db")
        return
    url = pg_url()
    if url is None:
        pytest.skip("no PostgreSQL server (set PULSA_TEST_PG_URL)")
    import uuid

    import psycopg2

    schema = f"e_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(url)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        from storage.db import close_database

        close_database()
        admin.cursor().execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.fixture
def env(shop_db, scenario):
    from app.demo import configure_network, seed_demo
    from modems.sim import SimNetwork
    from storage.db import close_database, open_database

    net = SimNetwork.from_scenario(scenario)
    net.start()
    open_database(shop_db)
    seed_demo()
    environment = Env(net, db_path=shop_db)
    configure_network(environment.api("GET", "/api/modems"), scenario)
    yield environment
    net.stop()
    close_database()


def run(coro, timeout: float = 90):
    """Run an async test body on a fresh loop; a stuck test fails instead of hanging."""
    async def guarded():
        return await asyncio.wait_for(coro, timeout)
    return asyncio.run(guarded())
