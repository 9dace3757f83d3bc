"""Random text and bytes as messages: never raise, never move money, always answered."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from app.service import Inbound
from storage.models import LedgerEntry, Order, Reseller

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
    assert result.replies, f"no reply to {text!r}"
    assert result.new_orders == []
    assert dict(Reseller.select(Reseller.code, Reseller.balance).tuples()) == balances
    assert LedgerEntry.select().count() == ledger_rows and Order.select().count() == 0


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sender=st.text(max_size=40), text=st.text(max_size=100))
def test_random_senders_never_break_anything(shop, sender, text):
    result = shop.handle(Inbound("sms", sender, text))
    assert result.inbound_id is not None and result.new_orders == []
