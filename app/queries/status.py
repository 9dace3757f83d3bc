"""The window's status bar, the dashboard's queue figure and the quit question: how many orders are in
the queue, in flight, waiting for the owner; today's count; how many modems are online.

One source for each figure, so the status bar, the dashboard and the quit question agree.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from storage import sql

# "Perlu tindakan" holds every suspect order, and the failed orders the owner has not marked checked:
# those the partial index order_needs_review holds (its WHERE, word for word, with the alias o).
FAILED_UNREVIEWED = "o.status = 'failed' AND o.reviewed_at IS NULL"
NEEDS_REVIEW_INDEX = "order_needs_review"


@dataclass(frozen=True)
class QueueCounts:
    queued: int  # waiting for a chip or supplier
    sending: int  # handed to a chip or supplier, no final answer yet
    suspect: int  # no clear answer: money held until the owner (or reconciliation) decides
    failed_unreviewed: int  # failed, not yet marked checked by the owner

    @property
    def in_queue(self) -> int:
        """Orders the server is still working on."""
        return self.queued + self.sending

    @property
    def needs_action(self) -> int:
        """Orders in the "Perlu tindakan" list."""
        return self.suspect + self.failed_unreviewed


@dataclass(frozen=True)
class StatusCounts:
    queue: QueueCounts
    orders_today: int
    success_today: int


@dataclass(frozen=True)
class StatusBar:
    counts: StatusCounts
    configured_modems: tuple[str, ...]


@dataclass(frozen=True)
class ModemCount:
    online: int
    total: int  # configured (active in the database) and attached to the engine, counted once


class _Link(Protocol):
    @property
    def online(self) -> bool: ...


def queue_counts() -> QueueCounts:
    counts = dict(sql.all_rows('SELECT status, COUNT(*) FROM "order" WHERE status IN (?, ?, ?) GROUP BY status',
                               ("queued", "sending", "suspect")))
    failed = sql.one(f'SELECT COUNT(*) FROM "order" AS o {sql.indexed_by(NEEDS_REVIEW_INDEX)} '
                     f"WHERE {FAILED_UNREVIEWED}")
    return QueueCounts(queued=int(counts.get("queued", 0)), sending=int(counts.get("sending", 0)),
                       suspect=int(counts.get("suspect", 0)), failed_unreviewed=int(failed[0]) if failed else 0)


def status_counts(now: _dt.datetime) -> StatusCounts:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    total, success = sql.one('SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) '
                             'FROM "order" WHERE created_at >= ?', ("success", midnight)) or (0, 0)
    return StatusCounts(queue_counts(), int(total), int(success))


def status_bar(now: _dt.datetime) -> StatusBar:
    return StatusBar(status_counts(now), configured_modems())


def configured_modems() -> tuple[str, ...]:
    """Names of the modems the shop has set up and not switched off."""
    return tuple(name for (name,) in sql.all_rows("SELECT name FROM modem WHERE active = ? ORDER BY name", (True,)))


def modem_count(configured: Iterable[str], links: Mapping[str, _Link]) -> ModemCount:
    """Configured modems merged with the engine's live links (a modem attached but no longer in the
    database still counts; a configured one the engine has not attached is offline)."""
    names = set(configured) | set(links)
    return ModemCount(online=sum(1 for link in list(links.values()) if link.online), total=len(names))
