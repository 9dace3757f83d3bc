"""app.queries.resellers on the demo shop: the list and its search, state on a given clock, details for
the edit dialog, and the mutasi with its running balance (SQLite, and PostgreSQL when set)."""
from __future__ import annotations

import datetime as dt

from app import shop_admin
from app.demo import seed_demo
from app.queries import resellers as q
from app.queries.resellers import ResellerState
from app.shop_admin import Address
from storage.models import Reseller
from tests.app.query_dbs import any_db  # noqa: F401  (fixture)

NOW = dt.datetime(2026, 6, 15, 10, 0, 0)


def _id(code: str) -> int:
    return Reseller.get(Reseller.code == code).id


def test_list_search_and_state(any_db):
    seed_demo()
    rows = q.reseller_list()
    assert [r.code for r in rows] == ["R001", "R002", "R003"]
    r3 = rows[2]
    assert (r3.name, r3.group_code, r3.upline_code, r3.balance, r3.main_address) == (
        "Berkah Pulsa", "RETAIL", "R001", 250_000, "081211110003")
    assert rows[0].upline_code == "" and rows[0].group_code == "AGEN"
    assert [r.code for r in q.reseller_list("maju")] == ["R002"]  # any case
    assert [r.code for r in q.reseller_list("1110011")] == ["R001"]  # a parallel number
    assert q.reseller_list("tidak ada") == []

    rid = _id("R002")
    Reseller.update(locked_until=NOW + dt.timedelta(minutes=30)).where(Reseller.id == rid).execute()
    row = q.reseller_row(rid)
    assert row.state(NOW) is ResellerState.PIN_LOCKED
    assert row.state(NOW + dt.timedelta(hours=1)) is ResellerState.ACTIVE
    shop_admin.set_blocked(rid, True, actor="t")
    assert q.reseller_row(rid).state(NOW) is ResellerState.BLOCKED
    assert q.reseller_row(999_999) is None


def test_detail_addresses_and_uplines(any_db):
    seed_demo()
    rid = _id("R001")
    shop_admin.update_reseller(rid, actor="t", credit_limit=75_000, markup=25,
                               addresses=[Address("sms", "081211110001"), Address("telegram", "@democell")])
    d = q.reseller_detail(rid)
    assert (d.code, d.credit_limit, d.markup, d.parent_id) == ("R001", 75_000, 25, None)
    assert d.addresses == (Address("sms", "081211110001"), Address("telegram", "@democell"))
    assert q.reseller_detail(_id("R003")).parent_id == rid
    assert [c.code for c in q.upline_choices(rid)] == ["R002", "R003"]
    assert len(q.upline_choices()) == 3


def test_ledger_newest_first_with_running_balance(any_db):
    seed_demo()
    rid = _id("R002")
    shop_admin.add_deposit(rid, 100_000, note="transfer BCA", actor="kasir")
    shop_admin.add_correction(rid, -7_500, note="salah input", actor="owner")
    page = q.reseller_ledger(rid)
    assert page.total == 3
    assert [(r.kind, r.delta, r.balance_after, r.actor) for r in page.rows] == [
        ("correction", -7_500, 97_500, "owner"), ("deposit", 100_000, 105_000, "kasir"),
        ("deposit", 5_000, 5_000, "demo")]
    assert page.rows[0].note == "salah input" and page.rows[0].order_id is None
    assert isinstance(page.rows[0].at, dt.datetime)
    short = q.reseller_ledger(rid, limit=2)
    assert len(short.rows) == 2 and short.total == 3 and short.rows[0].id == page.rows[0].id
