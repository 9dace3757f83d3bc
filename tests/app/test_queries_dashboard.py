"""The dashboard's read model without Qt, on SQLite and PostgreSQL (the minute and hour buckets are
written differently for each): the last ten minutes with the running one marked, today's hours,
the queue figures, the stock per chip."""
from __future__ import annotations

import datetime as dt

import pytest

from app.queries.dashboard import WINDOW_MINUTES, load_dashboard, minute_counts

from .query_dbs import any_db  # noqa: F401  (fixture)
from .shop_orders import Shop

NOW = dt.datetime(2026, 6, 15, 14, 30, 40)


@pytest.fixture
def shop(any_db):  # noqa: F811
    return Shop()


def test_minutes_span_exactly_the_window_and_the_running_one_is_marked(shop):
    shop.place(dt.datetime(2026, 6, 15, 14, 20, 59), "success")  # one second before the window
    shop.place(dt.datetime(2026, 6, 15, 14, 21, 0), "success")  # first second of the window
    shop.place(dt.datetime(2026, 6, 15, 14, 21, 30), "failed")
    shop.place(dt.datetime(2026, 6, 15, 14, 25, 10), "suspect")
    shop.place(dt.datetime(2026, 6, 15, 14, 30, 5), "success")
    shop.place(dt.datetime(2026, 6, 15, 14, 30, 20))  # still queued, in the running minute
    shop.place(dt.datetime(2026, 6, 15, 14, 31, 0), "success")  # after "now" (a clock step): not shown

    minutes = minute_counts(NOW)
    assert len(minutes) == WINDOW_MINUTES
    assert minutes[0].start == dt.datetime(2026, 6, 15, 14, 21)
    assert minutes[-1].start == dt.datetime(2026, 6, 15, 14, 30)
    assert [m.complete for m in minutes] == [True] * (WINDOW_MINUTES - 1) + [False]
    first = minutes[0]
    assert (first.success, first.failed, first.suspect, first.in_progress) == (1, 1, 0, 0)
    assert minutes[4].suspect == 1 and minutes[4].finished == 1
    last = minutes[-1]
    assert (last.success, last.in_progress, last.total, last.finished) == (1, 1, 2, 1)
    assert sum(m.total for m in minutes) == 5


def test_today_by_hour_queue_and_stock(shop):
    from storage.models import Supplier

    shop.place(dt.datetime(2026, 6, 14, 23, 59, 59), "success")  # yesterday
    shop.place(dt.datetime(2026, 6, 15, 0, 0, 0), "success", cost=10_000)
    shop.place(dt.datetime(2026, 6, 15, 9, 15), "success", cost=9_800)
    shop.place(dt.datetime(2026, 6, 15, 9, 45), "failed")
    shop.place(dt.datetime(2026, 6, 15, 14, 29), "suspect")
    shop.place(dt.datetime(2026, 6, 15, 14, 30))
    Supplier.update(stock=1_250_000).where(Supplier.name == "chip tsel-1").execute()

    data = load_dashboard(NOW)
    assert [h.hour for h in data.hours] == list(range(15))
    assert (data.hours[0].orders, data.hours[0].success, data.hours[0].sales, data.hours[0].profit) == \
        (1, 1, 10_550, 550)
    assert (data.hours[9].orders, data.hours[9].success, data.hours[9].sales, data.hours[9].profit) == \
        (2, 1, 10_550, 750)
    assert data.hours[14].orders == 2 and data.hours[14].sales == 0
    assert all(isinstance(v, int) for h in data.hours for v in (h.orders, h.sales, h.profit))
    assert (data.orders_today, data.success_today, data.sales_today, data.profit_today) == (5, 2, 21_100, 1_300)
    assert (data.queue.queued, data.queue.suspect, data.queue.failed_unreviewed) == (1, 1, 1)
    assert data.configured_modems == ("center-1", "isat-1", "tsel-1")
    stock = {c.name: c.stock for c in data.stock}
    assert stock == {"chip isat-1": None, "chip tsel-1": 1_250_000}
    assert data.window_end - data.window_start == dt.timedelta(minutes=WINDOW_MINUTES)


def test_empty_shop(shop):
    data = load_dashboard(NOW)
    assert all(m.total == 0 for m in data.minutes) and data.orders_today == 0 and data.profit_today == 0
    assert data.queue.in_queue == 0 and data.queue.needs_action == 0
