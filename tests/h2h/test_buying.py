"""Buying from internet suppliers (issue 12, buying half) through real HTTP: the virtual network's OtomaX
sellers, our engine with its H2H server for their callbacks, a real database.

Success with SN; a failure takes the next route; a timeout or a dropped connection makes the order suspect
(never failed), settled by the supplier's callback or by a status check by our reference — which never
places a second order there; a callback may overtake the synchronous answer; a callback from a foreign
address changes nothing. The reseller's balance always equals its ledger, and the sellers' own books show
each order carried out once."""
from __future__ import annotations

import copy
import datetime as dt

import pytest

from storage.models import Attempt, Reseller

from .buying_env import BUY_SCENARIO, DEST, SELLERS, START, buying_shop, ledger_exact, order_row, supplier_spec
from .conftest import run
from app.http_client import client_session

MITRA, CADANGAN = SELLERS


@pytest.fixture
def net():
    from modems.sim import SimNetwork

    network = SimNetwork.from_scenario(copy.deepcopy(BUY_SCENARIO))
    network.start(control_port=None)
    yield network
    network.stop()


@pytest.fixture
def shop_setup(seeded, net):
    """The two sellers' URLs; Mitra first (priority 5), Cadangan after it (6)."""
    sellers = {s["id"]: s for s in net.call(net.api_h2h_sellers)}
    return {"mitra": sellers["mitra"]["url"], "cadangan": sellers["cadangan"]["url"]}


def specs(urls: dict, **mitra_more):
    return [supplier_spec(MITRA, urls["mitra"], 5, {"S10": "TSEL10", "S5": "TSEL5"}, **mitra_more),
            supplier_spec(CADANGAN, urls["cadangan"], 6, {"S10": "TSEL10"})]


def r001() -> Reseller:
    return Reseller.get(Reseller.code == "R001")


def attempts(order_id: int) -> list[Attempt]:
    return list(Attempt.select().where(Attempt.order == order_id).order_by(Attempt.id))


# --- success, failure, next route --------------------------------------------------------------------

def test_success_with_the_sellers_sn_and_secrets_never_stored(shop_setup, net, clock):
    async def body():
        async with buying_shop(clock, net, specs(shop_setup)) as shop:
            before = r001().balance
            order_id = shop.order()
            assert await shop.status(order_id, "success", "failed", "suspect") == "success"
            books = shop.books("mitra")
            assert len(books["topups"]) == 1 and books["topups"][0]["dest"] == DEST
            order = order_row(order_id)
            assert order.sn == books["topups"][0]["sn"] and order.cost == 10_000
            assert books["balance"] == 1_000_000 - 10_100
            (attempt,) = attempts(order_id)
            assert attempt.outcome == "success" and "refID=P" in attempt.request and "sign=%2A%2A%2A" in attempt.request
            for secret in (MITRA["pin"], MITRA["password"]):
                assert secret not in attempt.request and secret not in attempt.response
            assert r001().balance == before - order.price
            assert shop.books("cadangan")["orders"] == []
            # the supplier's balance there, as its answer reported it, is the supplier's stock
            from storage.models import Supplier
            assert Supplier.get(Supplier.name == "Mitra").stock == books["balance"]
            ledger_exact()
    run(body())


def test_a_failure_there_takes_the_next_route(shop_setup, net, clock):
    async def body():
        async with buying_shop(clock, net, specs(shop_setup)) as shop:
            shop.seller("mitra", behaviours={"TSEL10": "failure"})
            before = r001().balance
            order_id = shop.order()
            assert await shop.status(order_id, "success", "failed", "suspect") == "success"
            first, second = attempts(order_id)
            assert (first.outcome, second.outcome) == ("failed", "success")
            mitra, cadangan = shop.books("mitra"), shop.books("cadangan")
            assert mitra["topups"] == [] and mitra["balance"] == 1_000_000  # refunded there
            assert len(cadangan["topups"]) == 1 and order_row(order_id).sn == cadangan["topups"][0]["sn"]
            assert r001().balance == before - order_row(order_id).price
            ledger_exact()
    run(body())


def test_a_supplier_that_refuses_the_connection_is_skipped(shop_setup, net, clock):
    async def body():
        import socket

        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            dead = f"http://127.0.0.1:{s.getsockname()[1]}/trx"
        urls = {**shop_setup, "mitra": dead}
        async with buying_shop(clock, net, specs(urls)) as shop:
            order_id = shop.order()
            assert await shop.status(order_id, "success", "failed", "suspect") == "success"
            first, second = attempts(order_id)
            assert first.outcome == "failed" and second.outcome == "success"
            assert len(shop.books("cadangan")["topups"]) == 1
            ledger_exact()
    run(body())


def test_a_failure_everywhere_is_refunded_once(shop_setup, net, clock):
    async def body():
        async with buying_shop(clock, net, specs(shop_setup)) as shop:
            shop.seller("mitra", behaviours={"TSEL10": "failure"})
            shop.seller("cadangan", behaviours={"TSEL10": "failure"})
            before = r001().balance
            order_id = shop.order()
            assert await shop.status(order_id, "success", "failed", "suspect") == "failed"
            assert order_row(order_id).refunded and r001().balance == before
            assert shop.books("mitra")["balance"] == 1_000_000 and shop.books("cadangan")["balance"] == 1_000_000
            ledger_exact()
    run(body())


# --- no answer: suspect, never failed ----------------------------------------------------------------

def test_timeout_makes_it_suspect_and_the_callback_settles_it(shop_setup, net, clock):
    async def body():
        async with buying_shop(clock, net, specs(shop_setup, timeout=1.0)) as shop:
            # the seller holds the request past our timeout and reports the result later
            shop.seller("mitra", behaviours={"TSEL10": "slow"}, delay=1.5, fault="hang", fault_count=1)
            before = r001().balance
            order_id = shop.order()
            assert await shop.status(order_id, "suspect", "success", "failed") == "suspect"
            assert r001().balance == before - order_row(order_id).price  # held, not refunded
            assert await shop.status(order_id, "success", "failed") == "success"
            books = shop.books("mitra")
            assert len(books["topups"]) == 1 and order_row(order_id).sn == books["topups"][0]["sn"]
            assert shop.books("cadangan")["orders"] == []  # never sent elsewhere while unknown
            (attempt,) = attempts(order_id)
            assert attempt.outcome == "success"
            ledger_exact()
    run(body())


def test_dropped_connection_is_suspect_and_a_status_check_settles_it_without_a_second_order(shop_setup, net, clock):
    async def body():
        async with buying_shop(clock, net, specs(shop_setup)) as shop:
            shop.seller("mitra", callback_url="", fault="drop", fault_count=1)
            order_id = shop.order()
            assert await shop.status(order_id, "suspect", "success", "failed") == "suspect"
            assert shop.books("cadangan")["orders"] == []
            assert await shop.buying.check_due() == 0  # not due yet (1 min after the request)
            clock.advance(minutes=1, seconds=1)
            assert await shop.buying.check_due() == 1
            assert order_row(order_id).status == "success"
            books = shop.books("mitra")
            assert len(books["orders"]) == 1 and len(books["topups"]) == 1
            assert order_row(order_id).sn == books["topups"][0]["sn"]
            clock.advance(hours=2)
            assert await shop.buying.check_due() == 0  # settled: never asked again
            assert len(shop.books("mitra")["topups"]) == 1
            ledger_exact()
    run(body())


def test_status_checks_follow_their_schedule_and_never_order_again(shop_setup, net, clock):
    async def body():
        async with buying_shop(clock, net, specs(shop_setup)) as shop:
            shop.seller("mitra", behaviours={"TSEL10": "slow"}, delay=3600, callback_url="")
            order_id = shop.order()
            await shop.until(lambda: order_id in shop.engine.pending_on(shop.buying.find("Mitra").id), "pending")
            requests = shop.seller("mitra")["requests"]
            for minutes in (1, 2, 5, 10, 30, 60):
                clock.now = START + dt.timedelta(minutes=minutes, seconds=1)
                assert await shop.buying.check_due() == 0
                assert await shop.buying.check_due() == 0  # once per step
            assert shop.seller("mitra")["requests"] == requests + 6
            books = shop.books("mitra")
            assert len(books["orders"]) == 1 and books["topups"] == []
            assert order_row(order_id).status == "sending"
    run(body())


def test_a_reference_the_supplier_never_got_is_refunded_only_when_old(shop_setup, net, clock):
    async def body():
        async with buying_shop(clock, net, specs(shop_setup)) as shop:
            shop.seller("mitra", fault="500", fault_count=1)  # an error page, no order made there
            before = r001().balance
            order_id = shop.order()
            assert await shop.status(order_id, "suspect", "success", "failed") == "suspect"
            clock.advance(minutes=2)
            assert await shop.buying.check_due() == 0 and order_row(order_id).status == "suspect"
            clock.advance(minutes=9)
            assert await shop.buying.check_due() == 1
            assert order_row(order_id).status == "failed" and r001().balance == before
            assert shop.books("mitra")["orders"] == []
            ledger_exact()
    run(body())


def test_callback_before_the_synchronous_answer(shop_setup, net, clock):
    async def body():
        async with buying_shop(clock, net, specs(shop_setup)) as shop:
            shop.seller("mitra", behaviours={"TSEL10": "silent"})
            order_id = shop.order()
            assert await shop.status(order_id, "success", "failed", "suspect") == "success"
            (attempt,) = attempts(order_id)
            assert "sedang diproses" in attempt.response and "Sukses" in attempt.response
            assert [c["status"] for c in net.call(net.api_h2h_seller_callbacks, "mitra")] == [200]
            assert len(shop.books("mitra")["topups"]) == 1
            ledger_exact()
    run(body())


def test_a_callback_from_a_foreign_address_changes_nothing(shop_setup, net, clock):
    async def body():
        from app.h2h.supplier_setup import save

        async with buying_shop(clock, net, specs(shop_setup)) as shop:
            shop.seller("mitra", callback_url="", fault="drop", fault_count=1)
            order_id = shop.order()
            assert await shop.status(order_id, "suspect", "success", "failed") == "suspect"
            save(supplier_spec(MITRA, shop_setup["mitra"], 5, {"S10": "TSEL10", "S5": "TSEL5"},
                               callback_ips=["192.0.2.7"]), actor="test")
            shop.engine.refresh_suppliers()
            ref = shop.buying.find("Mitra").reference(order_id, attempts(order_id)[0].id)
            balance = r001().balance
            message = f"TrxID=1 kode TSEL10 ke {DEST} Sukses. SN:99999999999999999999. Saldo 1"
            async with client_session() as session:
                async with session.get(f"{shop.selling.url}/h2h/callback/Mitra",
                                       params={"refid": ref, "message": message}) as resp:
                    assert resp.status == 403
                async with session.get(f"{shop.selling.url}/h2h/callback/Nobody",
                                       params={"refid": ref, "message": message}) as resp:
                    assert resp.status == 404
            assert order_row(order_id).status == "suspect" and order_row(order_id).sn == ""
            assert r001().balance == balance
            ledger_exact()
    run(body())


def test_a_callback_from_the_supplier_settles_a_suspect(shop_setup, net, clock):
    async def body():
        async with buying_shop(clock, net, specs(shop_setup)) as shop:
            shop.seller("mitra", callback_url="", fault="drop", fault_count=1)
            order_id = shop.order()
            assert await shop.status(order_id, "suspect", "success", "failed") == "suspect"
            ref = shop.buying.find("Mitra").reference(order_id, attempts(order_id)[0].id)
            sn = shop.books("mitra")["topups"][0]["sn"]
            message = f"TrxID=7 kode TSEL10 ke {DEST} Sukses. SN:{sn}. Saldo 989,900"
            async with client_session() as session:
                for _ in range(2):  # reports are at least once: the second changes nothing
                    async with session.get(f"{shop.selling.url}/h2h/callback/Mitra",
                                           params={"refid": ref, "message": message}) as resp:
                        assert resp.status == 200
            assert order_row(order_id).status == "success" and order_row(order_id).sn == sn
            ledger_exact()
    run(body())


def test_retrying_a_suspect_at_the_same_supplier_asks_by_the_same_reference(shop_setup, net, clock):
    async def body():
        async with buying_shop(clock, net, specs(shop_setup)) as shop:
            shop.seller("mitra", callback_url="", fault="drop", fault_count=1)
            order_id = shop.order()
            assert await shop.status(order_id, "suspect", "success", "failed") == "suspect"
            mitra_id = shop.buying.find("Mitra").id
            shop.engine.retry(order_id, mitra_id, actor="admin")  # the owner sends it again there
            assert await shop.status(order_id, "success", "failed") == "success"
            first, second = attempts(order_id)
            ref = shop.buying.find("Mitra").reference(order_id, first.id)
            assert ref == shop.buying.find("Mitra").reference(order_id, second.id)
            books = shop.books("mitra")
            assert len(books["orders"]) == 1 and len(books["topups"]) == 1  # "sdh pernah": its status
            assert order_row(order_id).sn == books["topups"][0]["sn"]
            ledger_exact()
    run(body())


def test_a_request_out_when_the_server_stopped_is_asked_about_after_the_restart(shop_setup, net, clock):
    async def body():
        async with buying_shop(clock, net, specs(shop_setup, timeout=30.0)) as shop:
            shop.seller("mitra", callback_url="", fault="hang", fault_count=1)
            order_id = shop.order()
            await shop.until(lambda: shop.books("mitra")["orders"], "the seller has the order")
        # stopped with the request out: "sending" → suspect at the next start, never sent again
        async with buying_shop(clock, net, []) as shop:
            assert order_row(order_id).status == "suspect"
            other = shop.order(f"S5.{DEST}.1234")  # the supplier still takes new work
            assert await shop.status(other, "success", "failed", "suspect") == "success"
            clock.advance(minutes=1, seconds=1)
            assert await shop.buying.check_due() == 1
            assert order_row(order_id).status == "success"
            books = shop.books("mitra")
            assert len(books["orders"]) == 2 and len(books["topups"]) == 2
            ledger_exact()
    run(body())


def test_a_json_supplier_pending_then_checked_and_reported(seeded, clock):
    """The JSON dialect against a small seller speaking our own JSON API (h2h.md 9.1 B): every request's
    HMAC is checked there; the status by GET, the report signed as 9.2 says."""
    async def body():
        import json

        from aiohttp import web

        from app.h2h import sign as signing
        from app.h2h.supplier_setup import H2HSupplierSpec

        seen: list[tuple[str, str]] = []
        state: dict[str, str] = {}

        async def handle(request: web.Request) -> web.Response:
            raw = await request.read()
            h = request.headers
            if not signing.request_verify(h["X-Pulsa-Signature"], "json-secret", request.method, request.raw_path,
                                          h["X-Pulsa-Timestamp"], raw) or h["X-Pulsa-Key"] == "":
                return web.json_response({"error": "bad_signature"}, status=401)
            if request.method == "POST":
                ref = json.loads(raw)["ref_id"]
                state.setdefault(ref, "processing")
            else:
                ref = request.match_info["ref"]
                if ref not in state:
                    return web.json_response({"error": "not_found"}, status=404)
                state[ref] = "success"
            seen.append((request.method, ref))
            return web.json_response({"ref_id": ref, "trx_id": "77", "status": state[ref],
                                      "sn": "5550001" if state[ref] == "success" else None, "message": "ok"})

        app = web.Application()
        app.router.add_post("/api/v1/orders", handle)
        app.router.add_get("/api/v1/orders/{ref}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        spec = H2HSupplierSpec(name="Json", kind="h2h_json", url=url, member_id="TOKO1", password="json-secret",
                               products={"S10": "S10"}, priority=1, callback_ips=["127.0.0.1"])
        try:
            async with buying_shop(clock, None, [spec]) as shop:
                first = shop.order()
                supplier = shop.buying.find("Json")
                await shop.until(lambda: first in shop.engine.pending_on(supplier.id), "pending")
                clock.advance(minutes=1, seconds=1)
                assert await shop.buying.check_due() == 1
                assert order_row(first).status == "success" and order_row(first).sn == "5550001"
                second = shop.order(f"S10.{DEST}.1234.2")  # the same number again: counter 2
                await shop.until(lambda: second in shop.engine.pending_on(supplier.id), "pending")
                ref = supplier.reference(second, attempts(second)[0].id)
                report = json.dumps({"ref_id": ref, "status": "failed", "message": "Stok kosong"}).encode()
                stamp = "1781503200"
                async with client_session() as session:
                    for signature, expected in (("00", 401), (signing.report_signature("json-secret", stamp, report),
                                                              200)):
                        async with session.post(f"{shop.selling.url}/h2h/callback/Json", data=report,
                                                headers={"X-Pulsa-Timestamp": stamp,
                                                         "X-Pulsa-Signature": signature}) as resp:
                            assert resp.status == expected
                assert await shop.status(second, "failed", "success") == "failed"
                assert order_row(second).refunded
                assert [m for m, _r in seen] == ["POST", "GET", "POST"]  # a check never places an order
                ledger_exact()
        finally:
            await runner.cleanup()
    run(body())
