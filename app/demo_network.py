"""The built-in virtual GSM network for `--demo`: started in this process (a device on loopback
sockets), the demo shop's modems, chips and routes pointed at it, and virtual resellers placing orders."""
from __future__ import annotations

import asyncio
import json
import random

from app import ledger
from app.demo import DEMO_RESELLERS, configure_network, seed_demo
from app.resources import resource_path
from modems.sim import SimNetwork
from storage.models import Modem, Reseller, Route, Supplier, database_proxy as db

DEMO_PRODUCTS_SOLD = (("S5", "0813"), ("S10", "0812"), ("S20", "0852"), ("I10", "0857"), ("X10", "0817"),
                      ("T10", "0896"), ("A10", "0838"))  # A10: no Axis chip, bought from the H2H seller
LOW_DEPOSIT = 200_000


class DemoNetwork:
    def __init__(self, control_port: int | None = 0, scenario: dict | None = None, token: str | None = None,
                 pty_dir: str | None = None):
        self.scenario = scenario or json.loads(resource_path("scenarios", "demo.json").read_text(encoding="utf-8"))
        # pty_dir: every modem also as a device DIR/ttyV0 … (POSIX), and the shop uses those paths
        self.net = SimNetwork.from_scenario(self.scenario, token=token, pty_dir=pty_dir)
        self.net.start(control_port=control_port)

    @property
    def control_url(self) -> str:
        return self.net.control_url

    @property
    def control_token(self) -> str:
        """What every request to the control API must carry (`X-Pulsa-Token`); random per start."""
        return self.net.control_token

    def modems(self) -> list[dict]:
        return self.net.call(self.net.api_modems)

    def center_msisdn(self) -> str:
        return next(m["msisdn"] for m in self.modems() if m.get("role") == "center")

    def send_sms(self, sender: str, to: str, text: str) -> None:
        # on the network's own thread, as everything that changes it
        self.net.call(self.net.api_sms, {"from": sender, "to": to, "text": text})

    def configure_shop(self) -> None:
        """The demo shop on this network: seeded when empty; modems, chips and routes made anew (the
        ports change on every start of the virtual network)."""
        if not Reseller.select().exists():
            seed_demo(h2h=True)  # with the H2H buyer H001
        with db.atomic():
            Modem.delete().execute()
            Route.delete().execute()
            Supplier.delete().execute()
        configure_network(self.modems(), self.scenario, sms_per_minute=0)
        self.configure_h2h_suppliers()

    def h2h_sellers(self) -> list[dict]:
        return self.net.call(self.net.api_h2h_sellers)

    def configure_h2h_suppliers(self) -> None:
        """The network's internet suppliers as the demo shop's H2H suppliers, with the routes the scenario
        names (`shop_routes`), priority 5: after the shop's own chips, before the SMS upstream."""
        from app.h2h.supplier_setup import H2HSupplierSpec, save

        entries = {e["id"]: e for e in self.scenario.get("h2h_sellers", [])}
        for seller in self.h2h_sellers():
            entry = entries.get(seller["id"], {})
            routes = entry.get("shop_routes") or {}
            if not routes:
                continue
            save(H2HSupplierSpec(name=seller["name"], kind="h2h_otomax", url=seller["url"],
                                 member_id=seller["member_id"], pin=str(entry.get("pin", "")),
                                 password=str(entry.get("password", "")), products=dict(routes), priority=5,
                                 callback_ips=["127.0.0.1"]), actor="demo")

    def point_callbacks(self, base_url: str) -> None:
        """The sellers report to the shop's H2H server (`base_url`), once it listens."""
        from urllib.parse import quote

        for seller in self.h2h_sellers():
            url = f"{base_url}/h2h/callback/{quote(seller['name'], safe='')}"
            self.net.call(self.net.api_h2h_seller_update, seller["id"], {"callback_url": url})

    def stop(self) -> None:
        self.net.stop()


async def demo_traffic(demo: DemoNetwork, per_minute: float, rng: random.Random | None = None) -> None:
    """Virtual resellers send orders at about `per_minute` (Poisson arrivals) until cancelled."""
    rng = rng or random.Random()
    center = demo.center_msisdn()
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(rng.expovariate(per_minute / 60.0))
        reseller = rng.choice(DEMO_RESELLERS[:1] + DEMO_RESELLERS[2:])  # R002 has almost no deposit
        row = Reseller.get_or_none(Reseller.code == reseller.code)
        if row is not None and row.balance < LOW_DEPOSIT:
            # the demo shop owner tops the deposit up, as a real one would after a transfer
            ledger.deposit(row.id, 1_000_000, note="deposit demo otomatis", actor="demo")
        code, prefix = rng.choice(DEMO_PRODUCTS_SOLD)
        dest = f"{prefix}{rng.randrange(10**7, 10**8)}"
        await loop.run_in_executor(None, demo.send_sms, reseller.phone, center, f"{code}.{dest}.{reseller.pin}")
