"""Sending queued replies: SMS through sender modems (round robin, rate-limited), other channels
through registered senders.

A reply is a committed `outbound_message` row before anything is sent, so none is lost. While it is
in flight it is held in memory, so it is never sent twice in one run; a send that fails is tried
again on another sender. A crash during a send may repeat that one reply after restart (better a
reply twice than none).
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Awaitable, Callable

from app.events import Alert, EngineEvent, MessageLogged, RepliesBacklog
from modems.types import SendSms
from storage import sql

if TYPE_CHECKING:
    from app.supervisor import Supervisor
    from app.suppliers import ModemLink

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKLOG_ALARM_COUNT = 30  # replies waiting at once
BACKLOG_ALARM_AGE_S = 120.0  # or the oldest waiting this long
BACKLOG_ALARM_REPEAT_S = 600.0
IN_FLIGHT_PER_SENDER = 4  # the worker sends them one by one; queuing a few keeps the modem busy
ChannelSender = Callable[[str, str], Awaitable[bool]]  # (to, text) -> delivered


class _Rate:
    """At most `per_minute` sends in any 60 s (0 = unlimited)."""

    def __init__(self, per_minute: float):
        self.per_minute = per_minute
        self.sent: deque[float] = deque()

    def ready(self, now: float) -> bool:
        if self.per_minute <= 0:
            return True
        while self.sent and now - self.sent[0] >= 60:
            self.sent.popleft()
        return len(self.sent) < self.per_minute

    def note(self, now: float) -> None:
        if self.per_minute > 0:
            self.sent.append(now)


class Outbox:
    """Sends the queued replies. `links` is the engine's modems by name (the outbox picks the online
    ones with the sender role), `publish` the engine's event bus, `clock` its clock."""

    def __init__(self, links: dict[str, "ModemLink"], publish: Callable[[EngineEvent], None],
                 clock: Callable[[], _dt.datetime]):
        self.links = links
        self.publish = publish
        self.clock = clock
        self.channels: dict[str, ChannelSender] = {}
        self._wake = asyncio.Event()
        self._inflight: dict[int, asyncio.Task] = {}
        self._busy: dict[str, int] = {}
        self._avoid: dict[int, set[str]] = {}
        self._not_before: dict[int, float] = {}
        self._rates: dict[str, _Rate] = {}
        self._turn = 0
        self._running = False
        self._first_seen: dict[int, float] = {}  # queued reply -> when this run first saw it (monotonic)
        self.backlog = RepliesBacklog()
        self._alarm_said_at: float | None = None

    def start(self, supervisor: "Supervisor") -> None:
        self._wake = asyncio.Event()
        self._running = True
        supervisor.start("outbox", self.run)

    async def stop(self) -> None:
        self._running = False
        for task in list(self._inflight.values()):
            task.cancel()
        await asyncio.gather(*self._inflight.values(), return_exceptions=True)

    def wake(self) -> None:
        self._wake.set()

    def queue(self, *, channel: str, to: str, text: str, now: _dt.datetime, order_id: int | None = None,
              event: str = "") -> bool:
        """Queue a reply (committed with the caller's transaction). For an order, at most one per
        (order, event): False when that reply was queued before."""
        if order_id is not None and event:
            inserted = sql.one('INSERT INTO outbound_message (channel, "to", text, status, order_id, event, modem, '
                               "attempts, created_at) SELECT ?, ?, ?, ?, ?, ?, '', 0, ? WHERE NOT EXISTS "
                               "(SELECT 1 FROM outbound_message WHERE order_id = ? AND event = ?) RETURNING id",
                               (channel, to, text, "queued", order_id, event, now, order_id, event))
            if inserted is None:
                return False
        else:
            sql.execute('INSERT INTO outbound_message (channel, "to", text, status, order_id, event, modem, attempts, '
                        "created_at) VALUES (?, ?, ?, ?, ?, ?, '', 0, ?)",
                        (channel, to, text, "queued", order_id, event, now))
        self._wake.set()
        return True

    def forget_unsent(self, order_id: int, events: tuple[str, ...]) -> None:
        """Drop an order's replies about these events that have not gone out yet (the order is being
        retried, so "gagal" or "suspect" would be wrong by the time they arrived)."""
        marks = ", ".join("?" for _ in events)
        sql.execute(f"DELETE FROM outbound_message WHERE order_id = ? AND status = ? AND event IN ({marks})",
                    (order_id, "queued", *events))

    def resend_latest(self, order_id: int, now: _dt.datetime) -> int | None:
        """Queue the latest reply of an order again, as a new row (the old one stays as history)."""
        last = sql.one('SELECT id, channel, "to", text FROM outbound_message WHERE order_id = ? '
                       "ORDER BY id DESC LIMIT 1", (order_id,))
        if last is None:
            return None
        last_id, channel, to, text = last
        (out_id,) = sql.one('INSERT INTO outbound_message (channel, "to", text, status, order_id, event, modem, '
                            "attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, '', 0, ?) RETURNING id",
                            (channel, to, text, "queued", order_id, f"resend:{last_id}", now))
        self._wake.set()
        return out_id

    def set_rate(self, modem: str, per_minute: float) -> None:
        self._rates[modem] = _Rate(per_minute)

    async def run(self) -> None:
        """The send loop (kept alive by the engine's supervisor)."""
        while self._running:
            try:
                async with asyncio.timeout(1.0):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                self._dispatch()
            except Exception:
                log.exception("outbox dispatch failed")
            try:
                self._watch_backlog()
            except Exception:
                log.exception("outbox backlog check failed")

    def _watch_backlog(self) -> None:
        """Tell the owner how many replies wait, and raise an alert when they pile up."""
        (queued,) = sql.one("SELECT COUNT(*) FROM outbound_message WHERE status = ?", ("queued",)) or (0,)
        now = time.monotonic()
        oldest = max((now - t for t in self._first_seen.values()), default=0.0)
        alarm = queued >= BACKLOG_ALARM_COUNT or oldest >= BACKLOG_ALARM_AGE_S
        state = RepliesBacklog(queued=int(queued), oldest_s=round(oldest), alarm=alarm)
        changed = (state.queued, state.alarm) != (self.backlog.queued, self.backlog.alarm)
        self.backlog = state
        if changed:
            self.publish(state)
        if not alarm:
            self._alarm_said_at = None
        elif self._alarm_said_at is None or now - self._alarm_said_at >= BACKLOG_ALARM_REPEAT_S:
            self._alarm_said_at = now
            senders = len(self._senders())
            self.publish(Alert(text=(
                f"Balasan tertunda: {queued}, tertua {int(oldest // 60)} menit {int(oldest % 60)} detik. "
                + ("Tidak ada modem pengirim yang online." if not senders else "Periksa modem pengirim."))))

    def _senders(self) -> list["ModemLink"]:
        return [link for link in self.links.values() if "sender" in link.roles and link.online]

    def _dispatch(self) -> None:
        rows = sql.all_rows("SELECT id, channel, \"to\", text, attempts FROM outbound_message WHERE status = ? "
                            "ORDER BY id LIMIT 500", ("queued",))
        now = time.monotonic()
        seen = {row[0] for row in rows}
        for out_id in [i for i in self._first_seen if i not in seen]:
            del self._first_seen[out_id]
        for out_id, channel, to, text, attempts in rows:
            self._first_seen.setdefault(out_id, now)
            if out_id in self._inflight or self._not_before.get(out_id, 0) > now:
                continue
            if channel != "sms":
                sender = self.channels.get(channel)
                if sender is not None:
                    self._start(out_id, self._send_channel(out_id, sender, to, text, attempts))
                continue
            link = self._pick(out_id, now)
            if link is None:
                continue
            self._busy[link.name] = self._busy.get(link.name, 0) + 1
            self._rates.setdefault(link.name, _Rate(0)).note(now)
            self._start(out_id, self._send_sms(out_id, link, to, text, attempts))

    def _pick(self, out_id: int, now: float) -> "ModemLink | None":
        senders = self._senders()
        if not senders:
            return None
        avoid = self._avoid.get(out_id, set())
        if avoid >= {s.name for s in senders}:
            avoid = set()  # every sender failed once: try them again
        for i in range(len(senders)):
            link = senders[(self._turn + i) % len(senders)]
            if self._busy.get(link.name, 0) >= IN_FLIGHT_PER_SENDER or link.name in avoid:
                continue
            if not self._rates.setdefault(link.name, _Rate(0)).ready(now):
                continue
            self._turn = (self._turn + i + 1) % len(senders)
            return link
        return None

    def _start(self, out_id: int, coro) -> None:
        task = asyncio.create_task(coro, name=f"outbox-{out_id}")
        self._inflight[out_id] = task
        task.add_done_callback(lambda _t, i=out_id: (self._inflight.pop(i, None), self._wake.set()))

    async def _send_sms(self, out_id: int, link: "ModemLink", to: str, text: str, attempts: int) -> None:
        try:
            result = await link.run(SendSms(to, text))
            ok = result.ok
            error = "" if ok else "modem menolak SMS"
        except Exception as exc:
            ok, error = False, str(exc) or type(exc).__name__
        finally:
            self._busy[link.name] -= 1
        self._finish(out_id, ok, attempts, link.name, error, to, text)

    async def _send_channel(self, out_id: int, sender: ChannelSender, to: str, text: str, attempts: int) -> None:
        try:
            ok, error = await sender(to, text), ""
        except Exception as exc:
            ok, error = False, str(exc)
        self._finish(out_id, ok, attempts, "", error, to, text)

    def _finish(self, out_id: int, ok: bool, attempts: int, modem: str, error: str, to: str, text: str) -> None:
        if ok:
            sql.execute("UPDATE outbound_message SET status = ?, modem = ?, sent_at = ?, attempts = ? WHERE id = ?",
                        ("sent", modem, self.clock(), attempts + 1, out_id))
            self._avoid.pop(out_id, None)
            self.publish(MessageLogged(direction="out", peer=to, modem=modem, text=text))
            return
        attempts += 1
        status = "failed" if attempts >= MAX_ATTEMPTS else "queued"
        sql.execute("UPDATE outbound_message SET status = ?, modem = ?, attempts = ? WHERE id = ?",
                    (status, modem, attempts, out_id))
        if modem:
            self._avoid.setdefault(out_id, set()).add(modem)
        self._not_before[out_id] = time.monotonic() + 2.0 * attempts
        log.warning("reply %s to %s failed on %s (%s), attempt %d", out_id, to, modem or "-", error, attempts)
        if status == "failed":
            self._avoid.pop(out_id, None)
            self.publish(Alert(text=f"Balasan ke {to} gagal dikirim {attempts}x"))
