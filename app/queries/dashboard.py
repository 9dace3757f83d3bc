"""The "Dasbor" view: orders per minute over the last minutes by how they ended, today's orders, sales and
profit hour by hour, each chip's stock, the queue figures and the configured modems.

Orders are counted by the minute (or hour) they came in, an index range on created_at; the minute
still running is marked, so a chart can tell "not over yet" from "nothing happened".
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from app.queries.status import QueueCounts, configured_modems, queue_counts
from storage import sql

WINDOW_MINUTES = 10
MINUTE = _dt.timedelta(minutes=1)


@dataclass(frozen=True)
class MinuteCount:
    start: _dt.datetime
    success: int
    failed: int
    suspect: int
    in_progress: int  # still queued or being sent
    complete: bool  # False for the minute that is still running

    @property
    def total(self) -> int:
        return self.success + self.failed + self.suspect + self.in_progress

    @property
    def finished(self) -> int:
        return self.success + self.failed + self.suspect


@dataclass(frozen=True)
class HourTotal:
    hour: int  # 0-23
    orders: int
    success: int
    sales: int  # rupiah, successful orders
    profit: int  # rupiah, successful orders: price minus cost


@dataclass(frozen=True)
class ChipStock:
    supplier_id: int
    name: str
    stock: int | None  # None: never read
    low_stock: int


@dataclass(frozen=True)
class DashboardData:
    now: _dt.datetime
    minutes: tuple[MinuteCount, ...]  # WINDOW_MINUTES of them, oldest first; the last is the running one
    hours: tuple[HourTotal, ...]  # midnight up to the current hour
    queue: QueueCounts
    configured_modems: tuple[str, ...]
    stock: tuple[ChipStock, ...]

    @property
    def orders_today(self) -> int:
        return sum(h.orders for h in self.hours)

    @property
    def success_today(self) -> int:
        return sum(h.success for h in self.hours)

    @property
    def sales_today(self) -> int:
        return sum(h.sales for h in self.hours)

    @property
    def profit_today(self) -> int:
        return sum(h.profit for h in self.hours)

    @property
    def window_start(self) -> _dt.datetime:
        return self.minutes[0].start

    @property
    def window_end(self) -> _dt.datetime:
        return self.minutes[-1].start + MINUTE


def minute_counts(now: _dt.datetime, minutes: int = WINDOW_MINUTES) -> tuple[MinuteCount, ...]:
    """Orders that came in during each of the last `minutes` minutes, the running one last."""
    current = now.replace(second=0, microsecond=0)
    start = current - (minutes - 1) * MINUTE
    end = current + MINUTE
    bucket = sql.time_bucket("created_at", "minute")
    counts: dict[tuple[str, str], int] = {}
    for key, status, n in sql.all_rows(f'SELECT {bucket}, status, COUNT(*) FROM "order" '
                                       "WHERE created_at >= ? AND created_at < ? GROUP BY 1, 2", (start, end)):
        counts[(str(key), status)] = int(n)
    out = []
    for i in range(minutes):
        moment = start + i * MINUTE
        key = moment.strftime("%Y-%m-%d %H:%M")
        out.append(MinuteCount(moment, counts.get((key, "success"), 0), counts.get((key, "failed"), 0),
                               counts.get((key, "suspect"), 0),
                               counts.get((key, "queued"), 0) + counts.get((key, "sending"), 0),
                               complete=moment < current))
    return tuple(out)


def hour_totals(now: _dt.datetime) -> tuple[HourTotal, ...]:
    """Today's orders, sales and profit for each hour from midnight up to the current one."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    bucket = sql.time_bucket("created_at", "hour")
    rows = sql.all_rows(
        f"SELECT {bucket}, COUNT(*), COALESCE(SUM(CASE WHEN status = 'success' THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN status = 'success' THEN price ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN status = 'success' THEN price - COALESCE(cost, price) ELSE 0 END), 0) "
        'FROM "order" WHERE created_at >= ? AND created_at < ? GROUP BY 1',
        (midnight, midnight + _dt.timedelta(days=1)))
    by_hour = {int(str(key)[11:13]): (int(n), int(ok), int(sales), int(profit)) for key, n, ok, sales, profit in rows}
    return tuple(HourTotal(hour, *by_hour.get(hour, (0, 0, 0, 0))) for hour in range(now.hour + 1))


def chip_stocks() -> tuple[ChipStock, ...]:
    return tuple(ChipStock(int(sid), name, None if stock is None else int(stock), int(low or 0))
                 for sid, name, stock, low in sql.all_rows(
                     "SELECT id, name, stock, low_stock FROM supplier WHERE active = ? ORDER BY name", (True,)))


def load_dashboard(now: _dt.datetime) -> DashboardData:
    return DashboardData(now=now, minutes=minute_counts(now), hours=hour_totals(now), queue=queue_counts(),
                         configured_modems=configured_modems(), stock=chip_stocks())
