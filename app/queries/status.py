"""The window's status bar: the queue, what needs the owner, today's count."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from storage import sql


@dataclass(frozen=True)
class StatusCounts:
    queued: int  # queued or being sent
    suspect: int
    orders_today: int
    success_today: int


def status_counts(now: _dt.datetime) -> StatusCounts:
    queued, suspect = sql.one(
        'SELECT COALESCE(SUM(CASE WHEN status IN (?, ?) THEN 1 ELSE 0 END), 0), '
        'COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) FROM "order" WHERE status IN (?, ?, ?)',
        ("queued", "sending", "suspect", "queued", "sending", "suspect")) or (0, 0)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    total, success = sql.one('SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) '
                             'FROM "order" WHERE created_at >= ?', ("success", midnight)) or (0, 0)
    return StatusCounts(int(queued), int(suspect), int(total), int(success))
