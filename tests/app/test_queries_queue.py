"""Read models of the "Antrian" view and the status bar, without Qt, on SQLite and PostgreSQL: the live
queue, "Perlu tindakan", the finished state of orders the view still shows, the counts, the modems."""
from __future__ import annotations

import datetime as dt

import pytest

from app import orders
from app.queries import queue, status
from storage import sql

from .query_dbs import any_db  # noqa: F401  (fixture)
from .shop_orders import Shop

T0 = dt.datetime(2026, 6, 15, 10, 0)


@pytest.fixture
def shop(any_db):  # noqa: F811
    return Shop()


def test_live_queue_and_needs_action_lists(shop):
    queued = shop.place(T0)
    sending = shop.place(T0 + dt.timedelta(seconds=5), "sending")
    suspect = shop.place(T0 + dt.timedelta(seconds=10), "suspect")
    failed = shop.place(T0 + dt.timedelta(seconds=15), "failed")
    checked = shop.place(T0 + dt.timedelta(seconds=20), "failed")
    shop.place(T0 + dt.timedelta(seconds=25), "success")
    assert orders.mark_reviewed([checked], "admin", now=T0 + dt.timedelta(minutes=1)) == 1

    snap = queue.queue_snapshot()
    assert [o.order_id for o in snap.live] == [queued, sending] and snap.live_total == 2
    assert [o.order_id for o in snap.needs_action] == [suspect, failed] and snap.needs_action_total == 2
    first, second = snap.live
    assert first.status == "queued" and first.supplier_name == "" and first.supplier_id is None
    assert second.status == "sending" and second.supplier_name == "chip tsel-1"
    assert first.reseller == "R001 Demo Cell" and first.product_code == "S10" and first.price == 10_550
    assert first.created_at == T0 and isinstance(first.price, int)
    pinned = snap.needs_action[1]
    assert pinned.fail_reason == "Nomor tujuan salah" and pinned.reviewed_at is None and pinned.needs_action

    counts = status.queue_counts()
    assert (counts.queued, counts.sending, counts.suspect, counts.failed_unreviewed) == (1, 1, 1, 1)
    assert counts.in_queue == 2 and counts.needs_action == 2


def test_snapshot_reports_how_shown_orders_ended(shop):
    done = shop.place(T0)
    still = shop.place(T0)
    orders.mark_sending(done, shop.chip, now=T0)
    orders.settle_success(done, "SN-OK-1", cost=9_800, now=T0)
    snap = queue.queue_snapshot(shown=[done, still])
    assert [o.order_id for o in snap.live] == [still]
    assert [(o.order_id, o.status, o.sn) for o in snap.others] == [(done, "success", "SN-OK-1")]
    # an order that moved from the queue to "Perlu tindakan" is listed there, not among the others
    orders.mark_sending(still, shop.chip, now=T0)
    orders.mark_suspect(still, "tidak ada jawaban", now=T0)
    snap = queue.queue_snapshot(shown=[done, still])
    assert [o.order_id for o in snap.needs_action] == [still] and [o.order_id for o in snap.others] == [done]


def test_marked_checked_leaves_needs_action_and_suspect_stays(shop):
    failed = [shop.place(T0, "failed") for _ in range(3)]
    suspect = shop.place(T0, "suspect")
    assert queue.unreviewed_failed_ids() == tuple(failed)
    orders.mark_reviewed(failed[:2], "admin", now=T0)
    snap = queue.queue_snapshot(shown=failed)
    assert [o.order_id for o in snap.needs_action] == [failed[2], suspect]
    checked = {o.order_id: o for o in snap.others}
    assert set(checked) == set(failed[:2]) and checked[failed[0]].reviewed_by == "admin"
    assert checked[failed[0]].reviewed_at == T0
    assert queue.unreviewed_failed_ids() == (failed[2],)
    # marking a suspect order checked does not resolve it: it keeps needing the owner
    orders.mark_reviewed([suspect], "admin", now=T0)
    assert status.queue_counts().needs_action == 2


def test_lists_are_capped_but_the_totals_are_not(shop):
    ids = [shop.place(T0 + dt.timedelta(seconds=i)) for i in range(7)]
    snap = queue.queue_snapshot(limit=5)
    assert [o.order_id for o in snap.live] == ids[:5] and snap.live_total == 7


def test_status_counts_today_and_modems(shop):
    shop.place(T0 - dt.timedelta(days=1), "success")  # yesterday's
    shop.place(T0, "success")
    shop.place(T0, "failed")
    counts = status.status_counts(T0 + dt.timedelta(hours=2))
    assert (counts.orders_today, counts.success_today) == (2, 1)
    assert status.configured_modems() == ("center-1", "isat-1", "tsel-1")

    class Link:
        def __init__(self, online: bool):
            self.online = online
    # configured modems the engine has not attached count as offline; an attached one not configured counts too
    assert status.modem_count(status.configured_modems(), {}) == status.ModemCount(0, 3)
    merged = status.modem_count(status.configured_modems(), {"tsel-1": Link(True), "usb-9": Link(False)})
    assert merged == status.ModemCount(online=1, total=4)


def test_unchecked_failures_are_read_through_the_partial_index(shop):
    from storage.models import database_proxy

    if database_proxy.obj.param != "?":
        pytest.skip("SQLite's plan")
    plan = " ".join(str(r[-1]) for r in sql.all_rows(
        f'EXPLAIN QUERY PLAN SELECT COUNT(*) FROM "order" AS o {sql.indexed_by(status.NEEDS_REVIEW_INDEX)} '
        f"WHERE {status.FAILED_UNREVIEWED}"))
    assert "order_needs_review" in plan
