"""Random text and bytes as messages: never raise, never move money, always answered (within the daily
reply limit for commands without a PIN). Random command shapes with the PIN anywhere: never kept, never
logged."""
from __future__ import annotations

import logging
import re
import unicodedata

from hypothesis import HealthCheck, given, settings, strategies as st

from app import keyfile
from app.commands.parser import parse
from app.service import Inbound
from storage.models import Complaint, InboundMessage, LedgerEntry, Order, OutboundMessage, Reseller

PIECES = st.sampled_from(["S10", "SAL", "KIRIM", "R002", "TIKET", "GP", "REG", "081389092678", "+62", "9999",
                          "12", ".", "#", "*", ",", " ", "RO", "ULANG", "M-", "\x00", "é", "💰", "\r\n", "-"])
TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(PIECES, max_size=12).map("".join),
    st.binary(max_size=120).map(lambda b: b.decode("latin-1")),
    st.binary(max_size=120).map(lambda b: b.decode("utf-8", "replace")),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS)
def test_random_messages_from_a_reseller(shop, text):
    balances = dict(Reseller.select(Reseller.code, Reseller.balance).tuples())
    ledger_rows = LedgerEntry.select().count()
    Reseller.update(pin_failures=0, locked_until=None).execute()
    result = shop.handle(Inbound("sms", "081211110001", text))
    assert result.replies or result.reason == "reply_limit", f"no reply to {text!r}"
    assert result.new_orders == []
    assert dict(Reseller.select(Reseller.code, Reseller.balance).tuples()) == balances
    assert LedgerEntry.select().count() == ledger_rows and Order.select().count() == 0


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sender=st.text(max_size=40), text=st.text(max_size=100))
def test_random_senders_never_break_anything(shop, sender, text):
    result = shop.handle(Inbound("sms", sender, text))
    assert result.inbound_id is not None and result.new_orders == []


# --- the PIN anywhere in a command: never kept, never logged ----------------------------------------

PIN = "1234"  # R001's
PIN_SPELLINGS = st.sampled_from(["1234", "1234", "12 34", "12-34", "1 2 3 4", "12  34", "12\x0034", "١٢٣٤",
                                 "１２３４", "1234#2", "PIN1234", "1234RO"])
HEADS = st.sampled_from(["S10", "I.S10", "SAL", "TB10", "KOMPLAIN", "INFO", "REG", "CEK", "TIKET", "HARGA", "GP",
                         "KIRIM", "P", "BTL", "RKP", "MUTASI", "halo", "M", "10", "081389092678", ""])
FIELDS = st.sampled_from(["081389092678", "0813 8909 2678", "BCA", "500000", "R002", "2", "RO", "terima kasih",
                          "pin", "10", "S5", "ya", "085736384304", "SITY CELL", "5678", "31/12", "0", "08123"])
SEPARATORS = st.sampled_from([".", ".", " ", "#", "*", ";", ",", "-", " . "])
JUNK = st.sampled_from(["", "", " ", "\n", "\r\n", "\x00", "\x1b[2K", "\u2028", ".", " ya"])
SHAPED = re.compile(r"(?<![0-9])1[\s\-\x00-\x1f\x7f]*2[\s\-\x00-\x1f\x7f]*3[\s\-\x00-\x1f\x7f]*4(?![0-9])")


@st.composite
def commands_with_the_pin(draw):
    fields = [draw(HEADS), *draw(st.lists(FIELDS, max_size=4))]
    fields.insert(draw(st.integers(0, len(fields))), draw(PIN_SPELLINGS))
    text = draw(SEPARATORS).join(f for f in fields if f)
    return draw(JUNK) + text + draw(JUNK)


def shows_the_pin(text: str) -> bool:
    ascii_text = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in text)
    return bool(SHAPED.search(ascii_text))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=commands_with_the_pin())
def test_the_pin_is_never_kept_or_logged_wherever_it_is_typed(shop, caplog, text):
    r001 = Reseller.get(Reseller.code == "R001")
    if not hasattr(shop, "_fuzz_pin"):
        shop._fuzz_pin = (r001.pin_hash, r001.pin_salt)  # a GP in the text may change it: put it back
    Reseller.update(pin_failures=0, locked_until=None, pin_hash=shop._fuzz_pin[0],
                    pin_salt=shop._fuzz_pin[1]).execute()
    OutboundMessage.delete().execute()  # a fresh reply allowance for each example
    last = {"complaint": Complaint.select().count(), "reseller": Reseller.select().count()}
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    result = shop.handle(Inbound("sms", "081211110001", text))
    assert shows_the_pin(text)
    row = InboundMessage.get_by_id(result.inbound_id)
    kept = [row.text, result.stored_text, *(r.text for r in result.replies),
            *(c.text for c in Complaint.select().offset(last["complaint"])),
            *(f"{r.name} {r.city}" for r in Reseller.select().offset(last["reseller"]))]
    assert not [k for k in kept if shows_the_pin(k)], text
    # every record the program writes, at any level; peewee's DEBUG echo of each SQL statement with its
    # parameters is a library tool that is never switched on (it would echo every value of every query)
    records = [r.getMessage() for r in caplog.records if r.name != "peewee"]
    assert not [line for line in records if shows_the_pin(line)], text
    assert not [line for line in records if "\n" in line], text
    # norm_text: a keyed digest of the text with the PINs masked, never of the text as typed
    assert re.fullmatch(r"[0-9a-f]{64}", row.norm_text)
    assert row.norm_text != keyfile.digest(parse(text).normalized.upper(), "inbound.norm_text")
