"""Sending queued replies: SMS through sender modems (round robin, rate-limited), other channels
through registered senders.

A reply is a committed `outbound_message` row before anything is sent, so none is lost. While it is
in flight it is held in memory, so it is never sent twice in one run; a send that fails is tried
again on another sender.

Store and send, so that a crash does not send a reply twice either: the reply is first written to the
sender modem's memory (AT+CMGW) and the slot recorded with the row (`stored`), then sent from there
(AT+CMSS) and the slot freed in the same modem operation. After a crash, a row still `stored` asks its
modem (AT+CMGR): a slot still "unsent" is sent now; "sent", empty, or holding another message means it
left. Whatever the slot holds is what goes out, so even a slot taken by a newer reply after a crash is
sent once. A modem that cannot store SMS sends directly (then a crash during the send may repeat that
one reply after restart: better twice than never).
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Awaitable, Callable

from app.events import Alert, EngineEvent, MessageLogged, RepliesBacklog
from modems.at import CmsError, CommandError
from modems.types import CheckStored, DeleteStored, ListStored, SendSms, SendStored, StoredState, StoreSms
from storage import sql

if TYPE_CHECKING:
    from app.supervisor import Supervisor
    from app.suppliers import ModemLink

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKLOG_ALARM_COUNT = 30  # replies waiting at once
BACKLOG_ALARM_AGE_S = 120.0  # or the oldest waiting this long
BACKLOG_ALARM_REPEAT_S = 600.0
STOP_WAIT_S = 5.0  # how long a stop waits for the reply sends it cancelled
IN_FLIGHT_PER_SENDER = 4  # the worker sends them one by one; queuing a few keeps the modem busy
ChannelSender = Callable[[str, str], Awaitable[bool]]  # (to, text) -> delivered


def queue_reply(*, channel: str, to: str, text: str, now: _dt.datetime, event: str = "",
                order_id: int | None = None) -> int:
    """Queue a message as an `outbound_message` row, from outside the engine (the owner's actions: a
    deposit credited from the window or the command line). Committed with the caller's transaction; a
    running outbox finds it on its next round (within a second), else it goes out at the next start."""
    (out_id,) = sql.one('INSERT INTO outbound_message (channel, "to", text, status, order_id, event, modem, attempts, '
                        "created_at) VALUES (?, ?, ?, ?, ?, ?, '', 0, ?) RETURNING id",
                        (channel, to, text, "queued", order_id, event, now))
    return int(out_id)


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
        self._inflight_orders: dict[int, int] = {}  # reply in flight -> its order
        self._busy: dict[str, int] = {}
        self._avoid: dict[int, set[str]] = {}
        self._not_before: dict[int, float] = {}
        self._rates: dict[str, _Rate] = {}
        self._turn = 0
        self._running = False
        self._first_seen: dict[int, float] = {}  # queued reply -> when this run first saw it (monotonic)
        self._cannot_store: set[str] = set()  # senders without AT+CMGW/CMSS: direct sends
        self._checked_memory: set[str] = set()  # senders whose memory was cleared of strays this run
        self._checking_memory: set[str] = set()
        self._resuming: set[int] = set()  # replies from before a crash being settled by their modem
        self._side_tasks: set[asyncio.Task] = set()  # memory checks, cancelled with the sends at stop
        self.backlog = RepliesBacklog()
        self._alarm_said_at: float | None = None

    def start(self, supervisor: "Supervisor") -> None:
        self._wake = asyncio.Event()
        self._running = True
        supervisor.start("outbox", self.run)

    async def stop(self) -> None:
        self._running = False
        tasks = [*self._inflight.values(), *self._side_tasks]
        for task in tasks:
            task.cancel()
        if not tasks:
            return
        # bounded: a send whose cancellation never runs (a stuck modem call, a wake-up lost by the event
        # loop) must not hold the server's stop forever; a row not finished stays queued or stored and is
        # settled at the next start, as after a crash
        _done, stuck = await asyncio.wait(tasks, timeout=STOP_WAIT_S)
        if stuck:
            log.warning("outbox stop: %d reply send(s) did not end within %.0f s", len(stuck), STOP_WAIT_S)

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
            queue_reply(channel=channel, to=to, text=text, now=now, event=event, order_id=order_id)
        self._wake.set()
        return True

    def forget_unsent(self, order_id: int, events: tuple[str, ...]) -> None:
        """Drop an order's replies about these events that have not gone out yet (the order is being
        retried, so "gagal" or "suspect" would be wrong by the time they arrived)."""
        marks = ", ".join("?" for _ in events)
        flying = [i for i, o in self._inflight_orders.items() if o == order_id]  # already at a modem: it stays
        skip = f" AND id NOT IN ({', '.join('?' for _ in flying)})" if flying else ""
        sql.execute(f"DELETE FROM outbound_message WHERE order_id = ? AND status = ? AND event IN ({marks}){skip}",
                    (order_id, "queued", *events, *flying))

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
            if not self._running:  # stopped while it waited: nothing new may start now
                return
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
        self._clear_strays()
        rows = sql.all_rows("SELECT id, channel, \"to\", text, attempts, order_id, stored FROM outbound_message "
                            "WHERE status = ? ORDER BY id LIMIT 500", ("queued",))
        now = time.monotonic()
        seen = {row[0] for row in rows}
        for out_id in [i for i in self._first_seen if i not in seen]:
            del self._first_seen[out_id]
        # an order's replies leave one after another, in the order they were queued: a notice still on
        # its way must not arrive after the result
        held = set(self._inflight_orders.values())
        recovering = self._recovering()
        for out_id, channel, to, text, attempts, order_id, stored in rows:
            self._first_seen.setdefault(out_id, now)
            if out_id in self._inflight or order_id in held:
                continue
            if order_id is not None:
                held.add(order_id)
            if self._not_before.get(out_id, 0) > now:
                continue
            if stored:  # in a modem's memory from before: that modem says whether it left
                modem, indexes = _slots(stored)
                link = self.links.get(modem)
                if link is None:  # that modem is no longer configured: send it anew
                    self._set_stored(out_id, "")
                elif link.online:
                    self._busy[link.name] = self._busy.get(link.name, 0) + 1
                    self._resuming.add(out_id)
                    self._start(out_id, self._resume(out_id, link, to, text, attempts, indexes), order_id)
                continue
            if channel != "sms":
                sender = self.channels.get(channel)
                if sender is not None:
                    self._start(out_id, self._send_channel(out_id, channel, sender, to, text, attempts), order_id)
                continue
            link = self._pick(out_id, now, recovering)
            if link is None:
                continue
            self._busy[link.name] = self._busy.get(link.name, 0) + 1
            self._rates.setdefault(link.name, _Rate(0)).note(now)
            self._start(out_id, self._send_sms(out_id, link, to, text, attempts), order_id)

    def _pick(self, out_id: int, now: float, recovering: set[str] = frozenset()) -> "ModemLink | None":
        senders = self._senders()
        if not senders:
            return None
        avoid = self._avoid.get(out_id, set())
        if avoid >= {s.name for s in senders}:
            avoid = set()  # every sender failed once: try them again
        for i in range(len(senders)):
            link = senders[(self._turn + i) % len(senders)]
            if (self._busy.get(link.name, 0) >= IN_FLIGHT_PER_SENDER or link.name in avoid
                    or link.name in self._checking_memory or link.name in recovering):
                continue
            if not self._rates.setdefault(link.name, _Rate(0)).ready(now):
                continue
            self._turn = (self._turn + i + 1) % len(senders)
            return link
        return None

    def _start(self, out_id: int, coro, order_id: int | None) -> None:
        if not self._running:
            coro.close()
            return
        task = asyncio.create_task(coro, name=f"outbox-{out_id}")
        self._inflight[out_id] = task
        if order_id is not None:
            self._inflight_orders[out_id] = order_id
        task.add_done_callback(lambda _t, i=out_id: (self._inflight.pop(i, None), self._inflight_orders.pop(i, None),
                                                     self._wake.set()))

    async def _send_sms(self, out_id: int, link: "ModemLink", to: str, text: str, attempts: int) -> None:
        try:
            indexes = await self._store(out_id, link, to, text)
            if indexes is None:
                result = await link.run(SendSms(to, text))
                ok, error = result.ok, "" if result.ok else "modem menolak SMS"
            else:
                ok, error = await self._send_stored(out_id, link, to, indexes, indexes)
        except Exception as exc:
            ok, error = False, str(exc) or type(exc).__name__
        finally:
            self._busy[link.name] -= 1
        self._finish(out_id, ok, attempts, link.name, error, to, text)

    async def _store(self, out_id: int, link: "ModemLink", to: str, text: str) -> tuple[int, ...] | None:
        """Write the reply to the modem's memory and note where (committed before it is sent). None when
        this modem cannot store it: send it directly."""
        if link.name in self._cannot_store:
            return None
        try:
            stored = await link.run(StoreSms(to, text))
        except CommandError as exc:
            if not (isinstance(exc, CmsError) and exc.code == 322):  # memory full: only this time
                self._cannot_store.add(link.name)
                log.info("%s cannot store SMS before sending (%s): sending directly", link.name, exc)
            return None
        self._set_stored(out_id, f"{link.name}:{','.join(str(i) for i in stored.indexes)}")
        return stored.indexes

    async def _send_stored(self, out_id: int, link: "ModemLink", to: str, send: tuple[int, ...],
                           slots: tuple[int, ...]) -> tuple[bool, str]:
        """Send the stored parts `send` (of the reply's `slots`); the modem frees each slot as its part
        leaves. A send that reports failure is checked against the memory: what the modem marked sent
        (or no longer holds) did leave."""
        result = await link.run(SendStored(to, send))
        if result.ok:
            if send != slots:
                await link.run(DeleteStored(slots))  # parts sent before a crash, still kept
            return True, ""
        states = await link.run(CheckStored(slots))
        if StoredState.UNSENT not in states:
            await link.run(DeleteStored(slots))
            return True, ""
        if send != slots or out_id in self._resuming:
            # from before a crash: the slot may hold another row's message too; tried again later
            raise RuntimeError("SMS di memori modem belum terkirim")
        await link.run(DeleteStored(slots, unsent_too=True))  # written in this run: ours alone
        self._set_stored(out_id, "")  # sent again from scratch, on whichever sender is free
        return False, "modem menolak SMS"

    async def _resume(self, out_id: int, link: "ModemLink", to: str, text: str, attempts: int,
                      slots: tuple[int, ...]) -> None:
        """A reply stored before a crash: sent only if its modem says it did not leave."""
        try:
            states = await link.run(CheckStored(slots))
            unsent = tuple(i for i, state in zip(slots, states) if state == StoredState.UNSENT)
            if unsent:
                ok, error = await self._send_stored(out_id, link, to, unsent, slots)
            else:
                await link.run(DeleteStored(slots))  # it left: free what the modem still keeps of it
                ok, error = True, ""
            log.info("reply %s was in %s's memory: %s", out_id, link.name,
                     "sent now" if unsent else "it had left before the restart")
        except Exception as exc:
            log.warning("reply %s in %s's memory could not be checked yet: %s", out_id, link.name, exc)
            self._not_before[out_id] = time.monotonic() + 5.0
            return
        finally:
            self._busy[link.name] -= 1
            self._resuming.discard(out_id)
        self._finish(out_id, ok, attempts, link.name, error, to, text)

    def _recovering(self) -> set[str]:
        """Senders holding replies from before a crash that are not settled yet: nothing new is written
        to their memory meanwhile, so no slot of those replies can be taken by a new one."""
        return {_slots(stored)[0] for out_id, stored in sql.all_rows(
                    "SELECT id, stored FROM outbound_message WHERE stored != ''")
                if out_id not in self._inflight or out_id in self._resuming}

    def _clear_strays(self) -> None:
        """Once a run, each sender's memory is cleared of SMS no reply row knows: written just before a
        crash, before the row could record the slot (that reply is sent anew). Nothing else is sent
        through the sender meanwhile, so no slot is written while its list is read."""
        if not self._running:
            return
        for link in self._senders():
            name = link.name
            if (name in self._checked_memory or name in self._checking_memory or name in self._cannot_store
                    or self._busy.get(name, 0)):
                continue
            self._checking_memory.add(name)
            task = asyncio.create_task(self._drop_strays(link), name=f"outbox-strays-{name}")
            self._side_tasks.add(task)
            task.add_done_callback(lambda t, n=name: (self._side_tasks.discard(t), self._checking_memory.discard(n),
                                                      self._wake.set()))

    async def _drop_strays(self, link: "ModemLink") -> None:
        try:
            slots = await link.run(ListStored())
            known = {i for (stored,) in sql.all_rows("SELECT stored FROM outbound_message WHERE stored != '' "
                                                    "AND stored LIKE ?", (f"{link.name}:%",))
                     for i in _slots(stored)[1] if _slots(stored)[0] == link.name}
            strays = tuple(i for i in slots if i not in known)
            if strays:
                await link.run(DeleteStored(strays, unsent_too=True))
                log.info("%s: %d SMS in memory that no reply knows deleted (slots %s)", link.name, len(strays),
                         list(strays))
        except CommandError as exc:
            log.info("%s: memory not checked (%s)", link.name, exc)
        except Exception as exc:
            log.info("%s: memory not checked yet: %s", link.name, exc)
            return
        self._checked_memory.add(link.name)

    def _set_stored(self, out_id: int, stored: str) -> None:
        sql.execute("UPDATE outbound_message SET stored = ? WHERE id = ?", (stored, out_id))

    async def _send_channel(self, out_id: int, channel: str, sender: ChannelSender, to: str, text: str,
                            attempts: int) -> None:
        try:
            ok, error = await sender(to, text), ""
        except Exception as exc:
            ok, error = False, str(exc)
        # the channel ("jabber:toko", a chat account) stands where a modem's name does for SMS
        self._finish(out_id, ok, attempts, channel, error, to, text)

    def _finish(self, out_id: int, ok: bool, attempts: int, modem: str, error: str, to: str, text: str) -> None:
        if ok:
            sql.execute("UPDATE outbound_message SET status = ?, modem = ?, sent_at = ?, attempts = ?, stored = '' "
                        "WHERE id = ?", ("sent", modem, self.clock(), attempts + 1, out_id))
            self._avoid.pop(out_id, None)
            self.publish(MessageLogged(direction="out", peer=to, modem=modem, text=text))
            return
        attempts += 1
        in_memory = sql.one("SELECT stored FROM outbound_message WHERE id = ?", (out_id,))
        # still in a modem's memory with its fate unknown: that modem settles it when it answers again
        status = "failed" if attempts >= MAX_ATTEMPTS and not (in_memory and in_memory[0]) else "queued"
        sql.execute("UPDATE outbound_message SET status = ?, modem = ?, attempts = ? WHERE id = ?",
                    (status, modem, attempts, out_id))
        if modem:
            self._avoid.setdefault(out_id, set()).add(modem)
        self._not_before[out_id] = time.monotonic() + 2.0 * attempts
        log.warning("reply %s to %s failed on %s (%s), attempt %d", out_id, to, modem or "-", error, attempts)
        if status == "failed":
            self._avoid.pop(out_id, None)
            self.publish(Alert(text=f"Balasan ke {to} gagal dikirim {attempts}x"))


def _slots(stored: str) -> tuple[str, tuple[int, ...]]:
    """ "<modem>:<slot>,<slot>" → (modem, slots)."""
    modem, _, slots = stored.rpartition(":")
    return modem, tuple(int(i) for i in slots.split(",") if i.strip().isdigit())
