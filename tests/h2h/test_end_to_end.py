"""A buyer server against the demo shop end to end: its order over HTTP becomes airtime on a chip of the
virtual GSM network, and the result comes back in its report with the SN. OtomaX `/trx`, ST24 `/api`
and the JSON API, each with its own report form."""
from __future__ import annotations

import hashlib
import hmac
import json


from app.http_client import client_session
from app.h2h import members
from storage.models import Order

from .conftest import MEMBER, PASSWORD, Buyer, Receiver, ledger_exact, run


def member(**settings):
    """The demo's H2H buyer H001 (the engine tests' shop has the SMS resellers only) with these settings."""
    from app.demo import seed_demo_h2h

    seed_demo_h2h()
    members.save(MEMBER, actor="test", **settings)


async def start(env, clock):
    from app.engine_settings import EngineSettings
    from app.runtime import Runtime, RuntimeOptions

    env.runtime = Runtime(RuntimeOptions(
        engine_settings=EngineSettings(pending_timeout_s=5, stock_check_interval_s=3600),
        modem_overrides={"ussd_timeout": 3, "sweep_interval": 1, "init_timeout": 5},
        listeners=[env.events.append], clock=clock, h2h_port=0))
    await env.runtime.start()
    env.engine = env.runtime.engine
    await env.wait(lambda: all(link.online for link in env.engine.links.values()), 20, "modems online")
    return env.runtime.h2h.url


def test_otomax_buyer_end_to_end(env, clock):
    async def body():
        receiver = Receiver()
        member(callback_url=await receiver.start(), callback_form="otomax")
        url = await start(env, clock)
        async with client_session() as session:
            buyer = Buyer(session, url, clock)
            status, text = await buyer.trx("S10", "081389092678", "INV0001")
            order = Order.get(Order.ref_id == "INV0001")
            assert status == 200
            assert text == (f"TrxID={order.id} kode S10 ke 081389092678 sedang diproses @10:00. "
                            "Saldo 1,000,000 - 10,550 = 989,450")
            report = (await receiver.wait(1))[0]
            order = Order.get_by_id(order.id)
            assert order.status == "success" and len(order.sn) == 20
            assert report.query == {"token": "abc", "refid": "INV0001", "message": (
                f"TrxID={order.id} kode S10 ke 081389092678 Sukses. SN:{order.sn}. Saldo 989,450 @10:00")}
            assert env.api("GET", "/api/subscribers/081389092678")["airtime"] == 10_000
            _s, again = await buyer.trx("S10", "081389092678", "INV0001")
            assert again == (f"TrxID={order.id} kode S10 ke 081389092678 sdh pernah jam 10:00, status Sukses. "
                             f"SN:{order.sn}. Saldo 989,450")
            _s, check = await buyer.trx("S10", "081389092678", "INV0001", check=True)
            assert check == report.query["message"]
            assert Order.select().count() == 1 and len(receiver.received) == 1
            assert env.api("GET", "/api/subscribers/081389092678")["airtime"] == 10_000  # once
            ledger_exact()
        await env.stop()
        await receiver.stop()
    run(body())


def test_st24_buyer_end_to_end(env, clock):
    async def body():
        receiver = Receiver()
        member(callback_url=await receiver.start(), callback_form="st24", plain_pin=True)
        url = await start(env, clock)
        async with client_session() as session:
            buyer = Buyer(session, url, clock)
            _s, text = await buyer.api("S10", "081389092678", "IRS-77")
            order = Order.get(Order.ref_id == "IRS-77")
            assert text.startswith(f"TrxID={order.id} kode S10 ke 081389092678 sedang diproses")
            report = (await receiver.wait(1))[0]
            order = Order.get_by_id(order.id)
            assert report.query == {
                "token": "abc", "serverid": str(order.id), "clientid": "IRS-77", "statuscode": "1", "kp": "S10",
                "msisdn": "081389092678", "sn": order.sn,
                "msg": f"TrxID={order.id} kode S10 ke 081389092678 Sukses. SN:{order.sn}. Saldo 989,450 @10:00"}
            _s, again = await buyer.api("S10", "081389092678", "IRS-77")  # the same idtrx: its status
            assert f"status Sukses. SN:{order.sn}" in again and Order.select().count() == 1
            ledger_exact()
        await env.stop()
        await receiver.stop()
    run(body())


def test_json_buyer_end_to_end(env, clock):
    async def body():
        receiver = Receiver()
        member(callback_url=await receiver.start(), callback_form="json")
        url = await start(env, clock)
        async with client_session() as session:
            buyer = Buyer(session, url, clock)
            status, data = await buyer.order("INV0001", "S10", "081389092678")
            assert status == 200 and data["status"] == "processing" and data["price"] == 10_550
            report = (await receiver.wait(1))[0]
            order = Order.get(Order.ref_id == "INV0001")
            stamp = report.headers["X-Pulsa-Timestamp"]
            assert stamp == str(int(clock.now.timestamp()))
            assert report.headers["X-Pulsa-Signature"] == hmac.new(
                PASSWORD.encode(), f"{stamp}\n{hashlib.sha256(report.body).hexdigest()}".encode(),
                hashlib.sha256).hexdigest()
            sent = json.loads(report.body)
            assert (sent["status"], sent["sn"], sent["trx_id"], sent["ref_id"], sent["balance"]) == \
                ("success", order.sn, str(order.id), "INV0001", 989_450)
            status, got, _h = await buyer.call("GET", "/api/v1/orders/INV0001")
            assert status == 200 and (got["status"], got["sn"]) == ("success", order.sn)
            status, again = await buyer.order("INV0001", "S10", "081389092678")
            assert status == 200 and again["status"] == "success" and Order.select().count() == 1
            status, got, _h = await buyer.call("GET", "/api/v1/balance")
            assert got == {"balance": 989_450, "held": 0}
            status, got, _h = await buyer.call("GET", "/api/v1/products")
            assert next(p for p in got["products"] if p["code"] == "S10")["available"] is True
            ledger_exact()
        await env.stop()
        await receiver.stop()
    run(body())
