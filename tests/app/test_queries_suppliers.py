"""Read models of the "Supplier dan aturan" view, without Qt, on SQLite and PostgreSQL: the suppliers,
and the operator replies no rule recognises (newest first, once per text, gone once a rule reads them)."""
from __future__ import annotations

import datetime as dt

import pytest

from app import rule_builder as rb
from app import shop_admin
from app.queries import suppliers as q
from app.rules import Outcome
from storage.models import Attempt, InboundMessage, Supplier

from .query_dbs import any_db  # noqa: F401  (fixture)
from .shop_orders import Shop

T0 = dt.datetime(2026, 6, 15, 10, 0)
NEW_SHAPE = "Trx S10.081234567890 BERHASIL. SN: 1234567890123. Sisa saldo Rp 1.234.500"
KNOWN_OK = ("29/11/26 14:05 Isi ulang 10.000 ke 6281234567890 BERHASIL. SN:41029384754102938475. Sisa stok "
            "1.234.500. TrxID:4102938475")
ACK = "Permintaan isi ulang 10.000 ke 081234567890 diterima. Hasil dikirim via SMS."
PROMO = "Nikmati bonus kuota 2GB, ketik *363#"


@pytest.fixture
def shop(any_db):  # noqa: F811
    return Shop()


def _attempt(shop: Shop, at: dt.datetime, outcome: str, response: str) -> int:
    order_id = shop.place(at, "sending")
    Attempt.create(order=order_id, supplier=shop.chip, request="*777*…#", response=response, outcome=outcome,
                   started_at=at, finished_at=at)
    return order_id


def _sms(at: dt.datetime, modem: str, text: str, key: str) -> None:
    InboundMessage.create(channel="operator", sender="TSEL-SIM", text=text, received_at=at, dedupe_key=key,
                          modem=modem, status="processed")


def test_suppliers_are_listed_with_their_modem_pack_and_stock(shop):
    Supplier.update(stock=50_000).where(Supplier.id == shop.chip).execute()
    rows = {r.name: r for r in q.suppliers()}
    tsel = rows["chip tsel-1"]
    assert (tsel.supplier_id, tsel.kind, tsel.modem, tsel.operator, tsel.rule_pack) == (
        shop.chip, "ussd_chip", "tsel-1", "TSEL", "tsel_mkios")
    assert tsel.stock == 50_000 and isinstance(tsel.stock, int) and tsel.active and tsel.stock_low  # below 100.000
    assert rows["chip isat-1"].stock is None and not rows["chip isat-1"].stock_low
    assert list(rows) == sorted(rows)


def test_unrecognised_replies_newest_first_once_per_text(shop):
    first = _attempt(shop, T0, "unknown", NEW_SHAPE)
    _attempt(shop, T0 + dt.timedelta(minutes=1), "unknown", "")  # no answer at all: nothing to learn from
    _attempt(shop, T0 + dt.timedelta(minutes=2), "success", KNOWN_OK)
    _attempt(shop, T0 + dt.timedelta(minutes=3), "unknown", KNOWN_OK)  # a rule reads it now
    followup = _attempt(shop, T0 + dt.timedelta(minutes=4), "unknown", f"{ACK} || Isi ulang diproses ulang, tunggu")
    again = _attempt(shop, T0 + dt.timedelta(minutes=5), "unknown",
                     NEW_SHAPE.replace(" SN", "  SN").replace("1234567890123", "987"))
    _sms(T0 + dt.timedelta(minutes=6), "tsel-1", PROMO, "k1")
    _sms(T0 + dt.timedelta(minutes=7), "tsel-1", KNOWN_OK, "k2")  # a follow-up the pack reads
    _sms(T0 + dt.timedelta(minutes=8), "center-1", "Pesan lain", "k3")  # no supplier on that modem

    replies = q.unrecognised_replies()
    assert [(r.text, r.source, r.count) for r in replies] == [
        (PROMO, "sms", 1),
        (NEW_SHAPE.replace(" SN", "  SN").replace("1234567890123", "987"), "attempt", 2),  # one shape: newest
        ("Isi ulang diproses ulang, tunggu", "attempt", 1),  # the follow-up part, not the acknowledgement
    ]
    promo, shape, part = replies
    assert (promo.supplier, promo.modem, promo.rule_pack, promo.order_id) == ("chip tsel-1", "tsel-1", "tsel_mkios",
                                                                              None)
    assert promo.at == T0 + dt.timedelta(minutes=6)
    assert shape.order_id == again and shape.order_id != first and shape.at == T0 + dt.timedelta(minutes=5)
    assert part.order_id == followup and part.supplier == "chip tsel-1"
    assert len(q.unrecognised_replies(limit=1)) == 1

    # the owner makes a rule from the reply: it leaves the list
    marks = tuple(rb.Mark(NEW_SHAPE.index(v), NEW_SHAPE.index(v) + len(v), p) for v, p in (
        ("1234567890123", rb.Part.SN), ("081234567890", rb.Part.DEST), ("1.234.500", rb.Part.STOCK)))
    proposal = rb.propose(shop_admin.rule_pack_source("tsel_mkios"), rb.Example(NEW_SHAPE, marks, Outcome.SUCCESS),
                          pack_name="tsel_mkios")
    shop_admin.save_rule_pack("tsel_mkios", proposal.pack_text, actor="tester")
    assert [r.text for r in q.unrecognised_replies()] == [PROMO, "Isi ulang diproses ulang, tunggu"]
