"""Selling over HTTP: what is accepted, what is refused (each refusal leaves every balance, order and
ledger row as it was), refID idempotency under concurrency, and the PIN lock for bad signatures.

The engine here has no modems: an order it takes fails at once ("no route") and is refunded, unless
the test keeps orders queued (`dispatch=False`)."""
from __future__ import annotations

import asyncio

import pytest

from app import ledger
from app.h2h import members
from storage.models import H2HRejection, LedgerEntry, Order, Reseller

from .conftest import MEMBER, books, ledger_exact, otomax_sign, run, selling

DEST = "081234567890"


def h001() -> Reseller:
    return Reseller.get(Reseller.code == MEMBER)


# --- accepted ------------------------------------------------------------------------------------

@pytest.mark.parametrize("form", ["urlsafe", "urlsafe_padded", "std", "std_unpadded", "hex", "hex_urlsafe"])
def test_every_sign_encoding_places_the_order(seeded, clock, form):
    async def body():
        async with selling(clock, dispatch=False) as shop:
            ref = f"INV-{form}"
            status, text = await shop.buyer.trx("S10", DEST, ref, sign=otomax_sign(MEMBER, "S10", DEST, ref, form=form))
            order = Order.get(Order.ref_id == ref)
            assert status == 200
            assert text == (f"TrxID={order.id} kode S10 ke {DEST} sedang diproses @10:00. "
                            "Saldo 1,000,000 - 10,550 = 989,450")
            assert (order.channel, order.status, order.price, order.inbound_id) == ("h2h", "queued", 10_550, None)
            assert shop.taken == [order.id]
            assert h001().balance == 989_450
            ledger_exact()
    run(body())


def test_the_same_refid_again_is_its_status_never_a_second_order(seeded, clock):
    async def body():
        async with selling(clock, dispatch=False) as shop:
            _s, first = await shop.buyer.trx("S10", DEST, "INV1")
            order = Order.get(Order.ref_id == "INV1")
            clock.advance(minutes=5)
            _s, again = await shop.buyer.trx("S10", DEST, "INV1")
            assert again == f"TrxID={order.id} kode S10 ke {DEST} sdh pernah jam 10:00, status Diproses. SN:-. " \
                            "Saldo 989,450"
            _s, check = await shop.buyer.trx("S10", DEST, "INV1", check=True)
            assert check == f"TrxID={order.id} kode S10 ke {DEST} sedang diproses @10:00. " \
                            "Saldo 1,000,000 - 10,550 = 989,450"
            # the same reference through the JSON API is the same order too
            status, data = await shop.buyer.order("INV1", "S10", DEST)
            assert status == 200 and data["trx_id"] == str(order.id) and data["status"] == "processing"
            assert Order.select().count() == 1 and shop.taken == [order.id]
            assert first.startswith(f"TrxID={order.id} ")
            ledger_exact()
    run(body())


def test_a_failed_order_reads_failed_with_its_refund(seeded, clock):
    async def body():
        async with selling(clock) as shop:  # no route: the engine fails and refunds it at once
            await shop.buyer.trx("S10", DEST, "INV1")
            order = Order.get(Order.ref_id == "INV1")
            assert order.status == "failed" and order.refunded
            _s, check = await shop.buyer.trx("S10", DEST, "INV1", check=True)
            assert check == (f"TrxID={order.id} kode S10 ke {DEST} GAGAL. {order.fail_reason}. "
                             "Saldo 989,450+10,550 = 1,000,000 @10:00")
            _s, again = await shop.buyer.trx("S10", DEST, "INV1")
            assert "sdh pernah jam 10:00, status Gagal." in again
            assert h001().balance == 1_000_000
            ledger_exact()
    run(body())


def test_counter_from_parameter_or_dest_prefix_passes_the_repeat_rule(seeded, clock):
    async def body():
        async with selling(clock, dispatch=False) as shop:
            await shop.buyer.trx("S10", DEST, "A1")
            before = books()
            _s, text = await shop.buyer.trx("S10", DEST, "A2")
            assert text.startswith(f"TrxID=- kode S10 ke {DEST} GAGAL. Sdh pernah jam 10:00 status Diproses, kirim "
                                   "dgn counter 2")
            assert books() == before
            _s, text = await shop.buyer.trx("S10", DEST, "A3", counter="2")
            assert "sedang diproses" in text
            _s, text = await shop.buyer.trx("S10", f"3.{DEST}", "A4")
            assert "sedang diproses" in text
            assert [o.counter for o in Order.select().order_by(Order.id)] == [1, 2, 3]
            # the refused A2 stays refused, whatever comes later
            _s, text = await shop.buyer.trx("S10", DEST, "A2")
            assert "Sdh pernah" in text and Order.select().count() == 3
    run(body())


def test_a_member_trusted_with_its_refids_needs_no_counter(seeded, clock):
    async def body():
        members.save(MEMBER, actor="test", trust_ref_id=True)
        async with selling(clock, dispatch=False) as shop:
            for ref in ("T1", "T2", "T3"):
                _s, text = await shop.buyer.trx("S10", DEST, ref)
                assert "sedang diproses" in text, text
            assert [o.counter for o in Order.select().order_by(Order.id)] == [1, 2, 3]
            _s, text = await shop.buyer.trx("S10", DEST, "T2")
            assert "sdh pernah" in text and Order.select().count() == 3
    run(body())


def test_st24_names_on_api_with_pin_and_password(seeded, clock):
    async def body():
        members.save(MEMBER, actor="test", plain_pin=True)
        async with selling(clock, dispatch=False) as shop:
            status, text = await shop.buyer.api("S10", DEST, "IRS1")
            order = Order.get(Order.ref_id == "IRS1")
            assert status == 200 and text.startswith(f"TrxID={order.id} kode S10 ke {DEST} sedang diproses")
            _s, again = await shop.buyer.api("S10", DEST, "IRS1")  # ST24: resending the idtrx is the status
            assert "sdh pernah" in again and Order.select().count() == 1
            # the OtomaX form without a sign, for a member allowed it
            _s, text = await shop.buyer.get("/trx", {"product": "S10", "qty": "1", "dest": "081234567891",
                                                     "refID": "P1", "memberID": MEMBER, "pin": "1234",
                                                     "password": "rahasia"})
            assert "sedang diproses" in text
    run(body())


def test_json_api_order_status_balance_products(seeded, clock):
    async def body():
        async with selling(clock, dispatch=False) as shop:
            status, data = await shop.buyer.order("J1", "S10", DEST)
            order = Order.get(Order.ref_id == "J1")
            assert status == 200
            assert data == {"ref_id": "J1", "trx_id": str(order.id), "status": "processing", "product": "S10",
                            "dest": DEST, "price": 10_550, "balance": 989_450, "sn": None, "reason_code": None,
                            "message": f"TrxID={order.id} kode S10 ke {DEST} sedang diproses @10:00. Saldo "
                                       "1,000,000 - 10,550 = 989,450",
                            "updated_at": clock.now.astimezone().isoformat(timespec="seconds")}
            status, got, _h = await shop.buyer.call("GET", "/api/v1/orders/J1")
            assert status == 200 and got["trx_id"] == str(order.id) and got["status"] == "processing"
            status, got, _h = await shop.buyer.call("GET", "/api/v1/orders/NOPE")
            assert status == 404 and got["error"] == "not_found"
            status, got, _h = await shop.buyer.call("GET", "/api/v1/balance")
            assert (status, got) == (200, {"balance": 989_450, "held": 10_550})
            status, got, _h = await shop.buyer.call("GET", "/api/v1/products")
            s10 = next(p for p in got["products"] if p["code"] == "S10")
            assert status == 200 and s10 == {"code": "S10", "name": "Telkomsel 10.000", "operator": "TSEL",
                                             "nominal": 10_000, "kind": "airtime", "price": 10_550,
                                             "available": False}  # no route in this shop
            # a query string is part of what is signed, exactly as sent
            status, _got, _h = await shop.buyer.call("GET", "/api/v1/balance?x=1", signed_path="/api/v1/balance?x=1")
            assert status == 200
            status, _got, _h = await shop.buyer.call("GET", "/api/v1/balance?x=1", signed_path="/api/v1/balance")
            assert status == 401
    run(body())


def test_a_separate_api_secret_signs_json_instead_of_the_password(seeded, clock):
    async def body():
        members.save(MEMBER, actor="test", api_secret="json-only-secret")
        async with selling(clock, dispatch=False) as shop:
            status, _data, _h = await shop.buyer.call("GET", "/api/v1/balance")
            assert status == 401
            status, data, _h = await shop.buyer.call("GET", "/api/v1/balance", secret="json-only-secret")
            assert status == 200 and data["balance"] == 1_000_000
    run(body())


# --- refused, changing nothing ---------------------------------------------------------------------

TEXT_REFUSALS = [
    # (what, request kwargs, member settings, the answer)
    ("unknown member", dict(member="H999"), {},
     "TrxID=- kode S10 ke 081234567890 GAGAL. Member ID H999 tidak dikenal."),
    ("foreign address", {}, dict(allowed_ips=["10.1.2.3"]),
     "TrxID=- kode S10 ke 081234567890 GAGAL. IP 127.0.0.1 tidak terdaftar untuk member ini."),
    ("no allowed address at all", {}, dict(allowed_ips=[]),
     "TrxID=- kode S10 ke 081234567890 GAGAL. IP 127.0.0.1 tidak terdaftar untuk member ini."),
    ("bad sign", dict(sign="wospZ-JImwgDary1lsPpJOGqxWw"), {}, "TrxID=- kode S10 ke 081234567890 GAGAL. Sign salah."),
    ("sign with the wrong password", dict(sign=otomax_sign(MEMBER, "S10", DEST, "R1", password="salah1")), {},
     "TrxID=- kode S10 ke 081234567890 GAGAL. Sign salah."),
    ("qty 2", dict(qty="2"), {}, "TrxID=- kode S10 ke 081234567890 GAGAL. qty harus 1. Saldo 1,000,000"),
    ("unknown product", dict(product="ZZ99"), {},
     "TrxID=- kode ZZ99 ke 081234567890 GAGAL. Kode produk ZZ99 tidak dikenal. Saldo 1,000,000"),
    ("wrong prefix", dict(dest="085712345678"), {},
     "TrxID=- kode S10 ke 085712345678 GAGAL. Nomor tujuan 085712345678 bukan operator Telkomsel. Saldo 1,000,000"),
    ("bad destination", dict(dest="12345"), {}, "TrxID=- kode S10 ke 12345 GAGAL. Nomor tujuan 12345 salah. "
                                                "Saldo 1,000,000"),
    ("price above hargamax", dict(hargamax="10000"), {},
     "TrxID=- kode S10 ke 081234567890 GAGAL. Harga 10,550 di atas harga maksimal 10,000. Saldo 1,000,000"),
    ("a counter of three digits", dict(counter="100"), {},
     "TrxID=- kode S10 ke 081234567890 GAGAL. Counter tidak valid. Saldo 1,000,000"),
    ("no refID", dict(ref=""), {}, "TrxID=- kode S10 ke 081234567890 GAGAL. Parameter refID kosong."),
    ("pin and password, not allowed", dict(sign=None, pin="1234", password="rahasia"), {},
     "TrxID=- kode S10 ke 081234567890 GAGAL. Permintaan tanpa sign tidak diizinkan untuk member ini."),
    ("pin and password, wrong PIN", dict(sign=None, pin="9999", password="rahasia"), dict(plain_pin=True),
     "TrxID=- kode S10 ke 081234567890 GAGAL. PIN atau password salah."),
    ("pin and password, wrong password", dict(sign=None, pin="1234", password="rahasiA"), dict(plain_pin=True),
     "TrxID=- kode S10 ke 081234567890 GAGAL. PIN atau password salah."),
    ("blocked reseller", {}, dict(block=True), "TrxID=- kode S10 ke 081234567890 GAGAL. Akun diblokir, hubungi admin. "
                                               "Saldo 1,000,000"),
]


@pytest.mark.parametrize("what, request_kw, settings, answer", TEXT_REFUSALS, ids=[t[0] for t in TEXT_REFUSALS])
def test_text_refusals_change_nothing(seeded, clock, what, request_kw, settings, answer):
    async def body():
        settings_ = dict(settings)
        if settings_.pop("block", False):
            Reseller.update(active=False).where(Reseller.code == MEMBER).execute()
        if settings_:
            members.save(MEMBER, actor="test", **settings_)
        async with selling(clock) as shop:
            before = books()
            kw = dict(request_kw)
            product, dest, ref = kw.pop("product", "S10"), kw.pop("dest", DEST), kw.pop("ref", "R1")
            member = kw.pop("member", MEMBER)
            if "sign" in kw and kw["sign"] is None:
                kw.pop("sign")
                params = {"product": product, "qty": "1", "dest": dest, "refID": ref, "memberID": member, **kw}
                status, text = await shop.buyer.get("/trx", params)
            else:
                sign = kw.pop("sign", otomax_sign(member, product, dest, ref))
                status, text = await shop.buyer.trx(product, dest, ref, member=member, sign=sign, **kw)
            assert (status, text) == (200, answer)
            assert books() == before
    run(body())


def test_a_refusal_is_bound_to_its_refid(seeded, clock):
    """Insufficient balance; after a deposit the same refID is still refused (a new attempt needs a new
    reference), and the same refID with another destination is "Ref ID tidak unik"."""
    async def body():
        r = h001()
        with ledger.db.atomic():
            ledger.post(r.id, -995_000, ledger.LedgerKind.CORRECTION, note="test", actor="test", enforce_limit=False)
        async with selling(clock) as shop:
            before = books()
            _s, text = await shop.buyer.trx("S10", DEST, "LOW1")
            assert text == f"TrxID=- kode S10 ke {DEST} GAGAL. Saldo tidak cukup, harga 10,550. Saldo 5,000"
            status, data = await shop.buyer.order("LOW1", "S10", DEST)
            assert status == 200 and (data["status"], data["trx_id"], data["reason_code"]) == \
                ("failed", None, "INSUFFICIENT_BALANCE")
            assert books() == before
            ledger.deposit(r.id, 100_000, note="transfer")
            before = books()
            _s, again = await shop.buyer.trx("S10", DEST, "LOW1")
            assert again == text
            _s, other = await shop.buyer.trx("S10", "081234567899", "LOW1")
            assert other == "TrxID=- kode S10 ke 081234567899 GAGAL. Ref ID tidak unik. Saldo 105,000"
            status, data, _h = await shop.buyer.call("POST", "/api/v1/orders", {"ref_id": "LOW1", "product": "S10",
                                                                               "dest": "081234567899"})
            assert status == 409 and data["error"] == "ref_id_conflict"
            assert books() == before
            _s, fresh = await shop.buyer.trx("S10", DEST, "LOW2")
            assert "sedang diproses" in fresh
            assert H2HRejection.select().count() == 1
    run(body())


def test_the_same_refid_with_other_fields_is_refused(seeded, clock):
    async def body():
        async with selling(clock, dispatch=False) as shop:
            await shop.buyer.trx("S10", DEST, "INV1")
            before = books()
            _s, text = await shop.buyer.trx("S20", DEST, "INV1")
            assert text == "TrxID=- kode S20 ke 081234567890 GAGAL. Ref ID tidak unik. Saldo 989,450"
            _s, text = await shop.buyer.trx("S10", "081234567891", "INV1")
            assert "Ref ID tidak unik" in text
            _s, text = await shop.buyer.trx("S10", DEST, "INV1", counter="2")
            assert "Ref ID tidak unik" in text
            status, data, _h = await shop.buyer.call("POST", "/api/v1/orders",
                                                     {"ref_id": "INV1", "product": "S20", "dest": DEST})
            assert status == 409 and data == {"error": "ref_id_conflict", "message": "Ref ID tidak unik",
                                              "ref_id": "INV1"}
            assert books() == before
            # spelled differently, the same order: lower case, +62
            _s, text = await shop.buyer.trx("s10", "+6281234567890", "INV1")
            assert "sdh pernah" in text
    run(body())


def test_check_never_places_an_order(seeded, clock):
    async def body():
        async with selling(clock) as shop:
            before = books()
            _s, text = await shop.buyer.trx("S10", DEST, "NEW1", check=True)
            assert text == f"TrxID=- kode S10 ke {DEST} Ref ID NEW1 tidak ditemukan. Saldo 1,000,000"
            assert books() == before
            _s, text = await shop.buyer.trx("S10", DEST, "NEW1")  # the order itself is still possible
            assert "sedang diproses" in text
    run(body())


def test_testing_mode_is_refused(seeded, clock):
    async def body():
        members.save(MEMBER, actor="test", plain_pin=True)
        async with selling(clock) as shop:
            before = books()
            _s, text = await shop.buyer.api("S10", DEST, "TEST1", testing="true")
            assert text == f"TrxID=- kode S10 ke {DEST} GAGAL. Mode testing tidak tersedia. Saldo 1,000,000"
            assert books() == before
    run(body())


JSON_REFUSALS = [
    ("unknown key", dict(key="H999"), 401, "unauthorized"),
    ("bad signature", dict(secret="salah-salah"), 401, "bad_signature"),
    ("stale timestamp", dict(stamp_offset=-301), 401, "stale_timestamp"),
    ("timestamp from the future", dict(stamp_offset=301), 401, "stale_timestamp"),
    ("no timestamp", dict(stamp="x"), 401, "stale_timestamp"),
    ("foreign address", dict(allowed_ips=["192.0.2.1", "2001:db8::/32"]), 403, "forbidden"),
    ("body not JSON", dict(raw=b"ref_id=INV1"), 422, "malformed"),
    ("body a list", dict(raw=b"[1,2]"), 422, "malformed"),
    ("no destination", dict(body={"ref_id": "INV1", "product": "S10"}), 422, "malformed"),
    ("counter as text", dict(body={"ref_id": "INV1", "product": "S10", "dest": DEST, "counter": "2"}), 422,
     "malformed"),
    ("ref_id too long", dict(body={"ref_id": "X" * 101, "product": "S10", "dest": DEST}), 422, "malformed"),
    ("ref_id with a space", dict(body={"ref_id": "INV 1", "product": "S10", "dest": DEST}), 422, "malformed"),
    ("negative max_price", dict(body={"ref_id": "INV1", "product": "S10", "dest": DEST, "max_price": -1}), 422,
     "malformed"),
]


@pytest.mark.parametrize("what, kw, http, error", JSON_REFUSALS, ids=[t[0] for t in JSON_REFUSALS])
def test_json_protocol_errors_change_nothing(seeded, clock, what, kw, http, error):
    async def body():
        kw_ = dict(kw)
        if "allowed_ips" in kw_:
            members.save(MEMBER, actor="test", allowed_ips=kw_.pop("allowed_ips"))
        async with selling(clock) as shop:
            before = books()
            stamp = kw_.pop("stamp", None)
            if "stamp_offset" in kw_:
                stamp = str(int(clock().timestamp()) + kw_.pop("stamp_offset"))
            order = kw_.pop("body", {"ref_id": "INV1", "product": "S10", "dest": DEST})
            status, data, _h = await shop.buyer.call("POST", "/api/v1/orders", order, stamp=stamp, **kw_)
            assert (status, data["error"]) == (http, error)
            assert books() == before
    run(body())


def test_a_timestamp_just_inside_the_window_is_accepted(seeded, clock):
    async def body():
        async with selling(clock, dispatch=False) as shop:
            for counter, offset in ((1, -300), (2, 300)):
                order = {"ref_id": f"EDGE{counter}", "product": "S10", "dest": DEST, "counter": counter}
                status, data, _h = await shop.buyer.call("POST", "/api/v1/orders", order,
                                                         stamp=str(int(clock().timestamp()) + offset))
                assert status == 200 and data["status"] == "processing", data
    run(body())


# --- bad signatures lock the member, as wrong PINs do -----------------------------------------------

def test_repeated_bad_signatures_lock_the_member_for_a_while(seeded, clock):
    async def body():
        async with selling(clock) as shop:
            alerts = []
            from app.events import Alert

            shop.engine.events.subscribe(lambda e: alerts.append(e.text), (Alert,))
            before = books()
            for i in range(2):
                status, data, _h = await shop.buyer.call("GET", "/api/v1/balance", secret="tebakan")
                assert status == 401
            _s, text = await shop.buyer.trx("S10", DEST, "G1", sign="tebakan")
            assert text == f"TrxID=- kode S10 ke {DEST} GAGAL. Akun dikunci sampai 10:30 karena sign/PIN salah " \
                           "berulang."
            assert h001().locked_until is not None
            assert any("H001" in a and "dikunci" in a for a in alerts)
            # locked: even the right signature waits, with Retry-After
            status, data, headers = await shop.buyer.call("GET", "/api/v1/balance")
            assert status == 429 and data["error"] == "locked" and headers["Retry-After"] == "1800"
            _s, text = await shop.buyer.trx("S10", DEST, "G2")
            assert "Akun dikunci sampai 10:30" in text
            assert books() == before
            clock.advance(minutes=31)
            status, data, _h = await shop.buyer.call("GET", "/api/v1/balance")
            assert status == 200 and h001().pin_failures == 0
            _s, text = await shop.buyer.trx("S10", DEST, "G3")
            assert "sedang diproses" in text
    run(body())


def test_the_lock_is_the_resellers_pin_lock(seeded, clock):
    """Wrong PINs by SMS and bad signatures over HTTP count in one row; the owner's unlock ends both."""
    async def body():
        from app import shop_admin
        from app.messages import Inbound

        async with selling(clock) as shop:
            sms = shop.engine.service
            sms.handle(Inbound("sms", "081211110090", "SAL.9999"))
            sms.handle(Inbound("sms", "081211110090", "SAL.9998"))
            _s, text = await shop.buyer.trx("S10", DEST, "L1", sign="tebakan")
            assert "Akun dikunci" in text
            result = sms.handle(Inbound("sms", "081211110090", "SAL.1234"))
            assert result.reason == "locked"
            shop_admin.unlock_reseller(MEMBER, actor="test")
            _s, text = await shop.buyer.trx("S10", DEST, "L2")
            assert "sedang diproses" in text
    run(body())


# --- concurrent duplicates ------------------------------------------------------------------------

def test_concurrent_copies_of_one_refid_make_one_order(seeded, clock):
    async def body():
        async with selling(clock, dispatch=False) as shop:
            texts = [shop.buyer.trx("S10", DEST, "DUP1") for _ in range(20)]
            jsons = [shop.buyer.order("DUP1", "S10", DEST) for _ in range(20)]
            answers = await asyncio.gather(*texts, *jsons)
            order = Order.get(Order.ref_id == "DUP1")
            assert Order.select().count() == 1 and shop.taken == [order.id]
            text_answers = [t for _s, t in answers[:20]]
            assert sum("sedang diproses" in t for t in text_answers) <= 1
            assert all(t.startswith(f"TrxID={order.id} kode S10 ke {DEST}") for t in text_answers)
            assert all(s == 200 and d["trx_id"] == str(order.id) for s, d in answers[20:])
            assert LedgerEntry.select().where(LedgerEntry.order == order.id).count() == 1
            assert h001().balance == 1_000_000 - 10_550
            ledger_exact()
    run(body())


def test_many_buyers_at_once_each_get_their_own_orders(seeded, clock):
    async def body():
        async with selling(clock, dispatch=False) as shop:
            calls = []
            for i in range(40):
                dest = f"08123400{i:04d}"
                calls.append(shop.buyer.trx("S10", dest, f"M{i}") if i % 2 else shop.buyer.order(f"M{i}", "S10", dest))
            answers = await asyncio.gather(*calls)
            assert len(answers) == 40 and Order.select().count() == 40
            assert h001().balance == 1_000_000 - 40 * 10_550
            ledger_exact()
    run(body())


def test_behind_a_trusted_reverse_proxy_the_forwarded_address_counts(seeded, clock):
    async def body():
        members.save(MEMBER, actor="test", allowed_ips=["203.0.113.7"])
        members.save_server_settings(members.ServerSettings(trusted_proxies=("127.0.0.1",)), actor="test")
        async with selling(clock, dispatch=False) as shop:
            params = {"product": "S10", "qty": "1", "dest": DEST, "refID": "PX1", "memberID": MEMBER,
                      "sign": otomax_sign(MEMBER, "S10", DEST, "PX1")}
            async with shop.session.get(shop.h2h.url + "/trx", params=params,
                                        headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}) as resp:
                assert "sedang diproses" in await resp.text()
            _s, text = await shop.buyer.trx("S10", "081234567891", "PX2")  # the proxy itself is no buyer
            assert "IP 127.0.0.1 tidak terdaftar" in text

    run(body())


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(seeded, clock):
    async def body():
        members.save(MEMBER, actor="test", allowed_ips=["203.0.113.7"])
        async with selling(clock) as shop:
            before = books()
            params = {"product": "S10", "qty": "1", "dest": DEST, "refID": "PX1", "memberID": MEMBER,
                      "sign": otomax_sign(MEMBER, "S10", DEST, "PX1")}
            async with shop.session.get(shop.h2h.url + "/trx", params=params,
                                        headers={"X-Forwarded-For": "203.0.113.7"}) as resp:
                assert "IP 127.0.0.1 tidak terdaftar" in await resp.text()
            assert books() == before

    run(body())


def test_a_bad_sign_binds_its_refid_counter_and_all(seeded, clock):
    async def body():
        async with selling(clock) as shop:
            before = books()
            _s, first = await shop.buyer.trx("S10", f"2.{DEST}", "BS1", sign="tebakan")
            assert first == f"TrxID=- kode S10 ke 2.{DEST} GAGAL. Sign salah."
            _s, again = await shop.buyer.trx("S10", f"2.{DEST}", "BS1")  # signed right now: still that refusal
            assert again == first
            _s, other = await shop.buyer.trx("S10", f"3.{DEST}", "BS1")
            assert "Ref ID tidak unik" in other
            assert books() == before and h001().pin_failures == 0  # the right sign ended the row
    run(body())
