"""The server end to end on the devices shops own (docs/devices.md): a chip phone on a data cable that
has no PDU mode and no AT+CUSD takes the reseller's SMS, tops up by dialling the USSD code, and sends
the reply in text mode; and a rack of 64 modems of mixed families, all identified and online."""
from __future__ import annotations

import asyncio
import copy

import pytest

from modems.types import GetStatus

from storage.models import Order

from .conftest import R001, SCENARIO, run


@pytest.fixture
def scenario():
    sc = copy.deepcopy(SCENARIO)
    for m in sc["modems"]:
        if m["id"] in ("center", "sender", "sender2", "tsel-a", "tsel-b"):
            m["profile"] = "phone"  # text mode only, ATD USSD, 10-message SIM store
    return sc


def test_text_only_chip_phone_sells_airtime_end_to_end(env):
    async def body():
        await env.start()
        links = [env.engine.links[name] for name in ("center", "sender", "tsel-a")]
        # the worker publishes what it identified right after the modem went online
        await env.wait(lambda: all(link.handle.info.imei for link in links), 10, "identified")
        assert all(link.handle.info.profile == "phone" and link.online for link in links)
        env.sms("S10.081389092678.1234")
        order = await env.wait(lambda: Order.select().where(Order.status == "success").first(), 30, "success")
        assert env.api("GET", "/api/subscribers/081389092678")["airtime"] == 10_000
        replies = await env.wait(lambda: [t for t in env.received(R001) if "SUKSES" in t], 30, "reply")
        assert replies[0].startswith(f"TrxID {order.id}: S10 ke 081389092678 SUKSES. SN:{order.sn}.")
        chip = order.supplier.name.removeprefix("chip ")
        # the phone has no AT+CUSD: the reload went out as ATD*777*…#; (the log masks the chip PIN)
        dialled = [e["request"] for e in env.api("GET", "/api/ussd-log") if e["modem"] == chip]
        assert any(r.startswith("*777*081389092678*10*") for r in dialled), dialled
        await env.stop()
    run(body())


PROFILES_64 = ("generic", "simcom", "huawei", "wavecom", "sim7600", "quectel_m35", "quectel_ec25", "mc35", "zte",
               "phone", "fastrack", "tc35", "huawei_e160")


@pytest.fixture
def pool64():
    sc = copy.deepcopy(SCENARIO)
    keep = [m for m in sc["modems"] if m["id"] in ("center", "sender", "sender2", "allop")]
    chips = []
    for i in range(60):
        chips.append({"id": f"chip{i:02d}", "role": "chip", "operator": "TSEL", "msisdn": f"0812990{i:05d}",
                      "profile": PROFILES_64[i % len(PROFILES_64)], "pin": "1234", "stock": 1_000_000,
                      "settings": {"noise_interval": 10.0}})
    sc["modems"] = keep + chips
    return sc


def test_64_modems_open_identified_and_online(shop_db, pool64):
    from app.demo import configure_network, seed_demo
    from modems.sim import SimNetwork
    from storage.db import close_database, open_database

    from .conftest import Env

    net = SimNetwork.from_scenario(pool64)
    net.start()
    open_database(shop_db)
    seed_demo()
    env = Env(net, db_path=shop_db)
    truth = {m["id"]: m for m in env.api("GET", "/api/modems")}
    assert len(truth) == 64
    configure_network(list(truth.values()), pool64)

    async def body():
        # health polls and sweeps as in production (jittered), not the test default of every second
        await env.start(overrides={"sweep_interval": 30, "health_interval": 60}, wait_online=False)
        links = env.engine.links
        assert len(links) == 64
        await env.wait(lambda: all(link.online and link.handle.info.imei for link in links.values()), 90,
                       "64 modems online and identified")
        for name, link in links.items():
            info = link.handle.info
            assert (info.imei, info.iccid) == (truth[name]["imei"], truth[name]["iccid"]), name
        assert {link.handle.info.profile for link in links.values()} >= {
            "generic", "simcom", "huawei", "wavecom", "quectel", "cinterion", "zte", "phone"}
        # still healthy a few polls later: every worker answers a status request
        statuses = await asyncio.gather(*(link.run(GetStatus()) for link in links.values()))
        assert all(s.registration.registered for s in statuses)
        assert all(link.online for link in links.values())
        await env.stop()

    try:
        run(body(), timeout=240)
    finally:
        net.stop()
        close_database()
