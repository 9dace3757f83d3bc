"""Reports ("callbacks") of H2H orders to their buyers, queued in the database and retried.

When an H2H order's result changes — success or failure, also a later correction by the owner
(suspect → success, failed → success) — a row is written into `h2h_callback` in the same transaction
as the change (a watcher on the order state machine, `orders.watch`), so a crash loses none and a
rolled-back change sends none. One row per change of the buyer-visible state: a failure retried by the
owner that fails again is not reported twice.

The sender loop (run under the engine's supervisor) sends due rows to the member's callback URL in its
form (reference h2h.md 9.2):

- `otomax`: GET `?refid=…&message=…`;
- `st24`: GET `?serverid=…&clientid=…&statuscode=1|2&kp=…&msisdn=…&sn=…&msg=…`;
- `json`: POST the order object of the JSON API plus `event_id`, signed with `X-Pulsa-Timestamp` and
  `X-Pulsa-Signature` = hex HMAC-SHA256(secret, timestamp + "\\n" + hex SHA-256 of the body).

Delivered when the buyer answers any 2xx within 10 s. Otherwise again after 30 s, 2 min, 10 min,
30 min, 1 h, then hourly until 24 h after the first try; then the row is marked failed, the owner is
alerted, and the window can send it again ("Kirim ulang", `resend`). Delivery is at least once: the
message (and JSON body, with its `event_id`) is fixed at the first try and identical on every retry,
so buyers de-duplicate by refID + status or by event_id. Rows of one order leave in order.
"""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as _dt
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import aiohttp
from yarl import URL

from app.http_client import client_session
from app import orders
from app.events import Alert
from app.h2h import desk as desk_
from app.h2h import members as members_
from app.h2h import sign as signing
from app.h2h import texts
from app.h2h.texts import State
from app.orders import OrderStatus
from storage import sql
from storage.models import database_proxy as db

if TYPE_CHECKING:
    from app.engine import Engine
    from app.supervisor import Supervisor

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0
RETRY_AFTER_S = (30, 120, 600, 1800, 3600)  # then hourly
GIVE_UP_AFTER = _dt.timedelta(hours=24)
POLL_S = 1.0  # a row queued from outside (the window's resend) is seen within this
MAX_IN_FLIGHT = 32
QUEUED, DELIVERED, FAILED = "queued", "delivered", "failed"
STATUS_WORDS = {QUEUED: "menunggu", DELIVERED: "terkirim", FAILED: "gagal"}


def retry_delay(attempts: int) -> _dt.timedelta:
    """How long after the `attempts`-th failed try the next one is due."""
    return _dt.timedelta(seconds=RETRY_AFTER_S[min(attempts, len(RETRY_AFTER_S)) - 1])


# --- queueing (in the transaction of the change) --------------------------------------------------

def queue_for(order_id: int, state: str, now: _dt.datetime) -> int | None:
    """Queue a report of `state` for an H2H order whose member has a callback URL, unless the last one
    queued already says it. Returns the new row's id. Runs in the caller's transaction. An order placed by
    a message (a chat order with an R# tag) is answered on its chat, not by callback."""
    row = sql.one('SELECT o.reseller_id, m.callback_url FROM "order" o JOIN h2h_member m ON m.reseller_id = '
                  "o.reseller_id WHERE o.id = ? AND o.ref_id IS NOT NULL AND o.inbound_id IS NULL", (order_id,))
    if row is None or not row[1]:
        return None
    last = sql.one("SELECT state FROM h2h_callback WHERE order_id = ? ORDER BY id DESC LIMIT 1", (order_id,))
    if last is not None and last[0] == state:
        return None
    (callback_id,) = sql.one(
        "INSERT INTO h2h_callback (order_id, reseller_id, state, status, attempts, payload, created_at, next_at, "
        "last_result) VALUES (?, ?, ?, ?, 0, '', ?, ?, '') RETURNING id",
        (order_id, row[0], state, QUEUED, now, now))
    return int(callback_id)


def resend(callback_id: int, *, actor: str, now: _dt.datetime) -> bool:
    """The owner sends a report again (delivered or given up): the same message, a new 24 h of retries.
    A running sender picks it up within a second."""
    with db.atomic():
        cursor = sql.execute("UPDATE h2h_callback SET status = ?, attempts = 0, first_at = NULL, next_at = ? "
                             "WHERE id = ? AND status IN (?, ?)", (QUEUED, now, callback_id, DELIVERED, FAILED))
        if cursor.rowcount != 1:
            return False
        row = sql.one("SELECT order_id FROM h2h_callback WHERE id = ?", (callback_id,))
        orders.audit(actor, "h2h_callback_resend", int(row[0]), f"callback={callback_id}", now=now)
    return True


# --- what the window shows ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CallbackRow:
    id: int
    created_at: _dt.datetime | None
    order_id: int
    member: str
    ref_id: str
    product: str
    dest: str
    state: str  # success, failed
    status: str  # queued, delivered, failed
    attempts: int
    next_at: _dt.datetime | None
    last_at: _dt.datetime | None
    last_result: str
    delivered_at: _dt.datetime | None


def recent(limit: int = 500, status: str | None = None) -> list[CallbackRow]:
    """The newest reports (of one status), newest first."""
    where, params = ("WHERE c.status = ?", [status]) if status else ("", [])
    rows = sql.all_rows(
        "SELECT c.id, c.created_at, c.order_id, r.code, o.ref_id, p.code, o.dest, c.state, c.status, c.attempts, "
        'c.next_at, c.last_at, c.last_result, c.delivered_at FROM h2h_callback c JOIN "order" o ON o.id = c.order_id '
        f"JOIN reseller r ON r.id = c.reseller_id JOIN product p ON p.id = o.product_id {where} "
        "ORDER BY c.id DESC LIMIT ?", (*params, int(limit)))
    td = sql.to_datetime
    return [CallbackRow(int(i), td(ca), int(oid), code, ref or "", prod, dest, state, status, int(att), td(na), td(la),
                        result or "", td(da))
            for i, ca, oid, code, ref, prod, dest, state, status, att, na, la, result, da in rows]


def counts() -> dict[str, int]:
    return {status: int(n) for status, n in sql.all_rows("SELECT status, COUNT(*) FROM h2h_callback GROUP BY status")}


# --- sending -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Due:
    id: int
    order_id: int
    state: str
    attempts: int
    payload: str
    first_at: _dt.datetime | None


class Callbacks:
    """Queues reports as orders change (`start`) and sends them (`run`, under the engine's supervisor)."""

    def __init__(self, engine: "Engine", clock: Callable[[], _dt.datetime] | None = None):
        self.engine = engine
        self.clock = clock or engine.clock
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unwatch: Callable[[], None] | None = None
        self._inflight: dict[int, asyncio.Task] = {}
        self._session: aiohttp.ClientSession | None = None
        self._running = False

    def start(self, supervisor: "Supervisor") -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._running = True
        self._unwatch = orders.watch(self._on_transition)
        supervisor.start("h2h-callbacks", self.run)

    async def stop(self) -> None:
        self._running = False
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._inflight.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def wake(self) -> None:
        self._wake.set()

    def _on_transition(self, change: orders.Transition) -> None:
        """Inside the transaction of the change: queue its report (success and failure only; the
        buyer already heard "processing")."""
        if change.status not in (OrderStatus.SUCCESS, OrderStatus.FAILED):
            return
        try:
            if queue_for(change.order_id, change.status.value, self.clock()) is not None:
                loop = self._loop
                if loop is not None and not loop.is_closed():
                    loop.call_soon(self._wake.set)  # after the change is committed
        except Exception:  # a report must never stop the order's settlement
            log.exception("queueing the H2H report of order %s failed", change.order_id)

    # --- the loop ---------------------------------------------------------------------------------

    async def run(self) -> None:
        """Until cancelled (by the supervisor as the engine stops; ending by itself would count as a crash)."""
        if self._session is None or self._session.closed:
            self._session = client_session(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S))
        while True:
            self._wake.clear()
            now = self.clock()
            for due in self._due(now) if self._running else ():
                if due.id in self._inflight or len(self._inflight) >= MAX_IN_FLIGHT:
                    continue
                task = asyncio.create_task(self._deliver(due), name=f"h2h-callback-{due.id}")
                self._inflight[due.id] = task
                task.add_done_callback(lambda _t, cid=due.id: self._done(cid))
            wait = POLL_S
            upcoming = sql.one(
                "SELECT MIN(c.next_at) FROM h2h_callback c WHERE c.status = ? AND NOT EXISTS (SELECT 1 FROM "
                "h2h_callback e WHERE e.order_id = c.order_id AND e.status = ? AND e.id < c.id)", (QUEUED, QUEUED))
            if upcoming is not None and upcoming[0] is not None:
                wait = min(POLL_S, max(0.0, (sql.to_datetime(upcoming[0]) - now).total_seconds()))
            try:  # the wait runs in this task (no inner task left half-made if the loop closes)
                async with asyncio.timeout(max(wait, 0.05)):
                    await self._wake.wait()
            except TimeoutError:
                pass

    def _done(self, callback_id: int) -> None:
        self._inflight.pop(callback_id, None)
        if self._running:
            self._wake.set()

    @staticmethod
    def _due(now: _dt.datetime) -> list[_Due]:
        rows = sql.all_rows(
            "SELECT c.id, c.order_id, c.state, c.attempts, c.payload, c.first_at FROM h2h_callback c "
            "WHERE c.status = ? AND c.next_at <= ? AND NOT EXISTS (SELECT 1 FROM h2h_callback e "
            "WHERE e.order_id = c.order_id AND e.status = ? AND e.id < c.id) ORDER BY c.id LIMIT ?",
            (QUEUED, now, QUEUED, MAX_IN_FLIGHT * 2))
        return [_Due(int(i), int(o), s, int(a), p or "", sql.to_datetime(f)) for i, o, s, a, p, f in rows]

    def _payload(self, due: _Due, member: members_.Member) -> dict[str, Any]:
        """The message and JSON body of a report, fixed at its first try."""
        if due.payload:
            try:
                stored = json.loads(due.payload)
                if isinstance(stored, dict) and "message" in stored and "body" in stored:
                    return stored
            except json.JSONDecodeError:
                pass
        order = desk_.order_by_id(due.order_id)
        ref = sql.one('SELECT o.ref_id, r.balance FROM "order" o JOIN reseller r ON r.id = o.reseller_id '
                      "WHERE o.id = ?", (due.order_id,))
        assert order is not None and ref is not None
        facts = dataclasses.replace(desk_.facts_of(order, int(ref[1])), state=State(due.state))
        message = texts.state_text(facts)
        answer = desk_.Answer("existing", message, facts=facts, ref_id=ref[0] or "", product=order.product,
                              dest=order.dest, price=order.price, balance=int(ref[1]),
                              updated_at=order.finished_at or order.updated_at)
        body = {**desk_.order_json(answer), "event_id": str(due.id)}
        payload = {"message": message, "body": body}
        sql.execute("UPDATE h2h_callback SET payload = ? WHERE id = ?", (json.dumps(payload), due.id))
        return payload

    def _request(self, member: members_.Member, payload: dict[str, Any]) -> tuple[str, URL, bytes | None, dict]:
        body = payload["body"]
        url = URL(member.callback_url)
        if member.callback_form == "st24":
            status = {"success": "1", "failed": "2"}.get(body["status"], "0")
            return "GET", url.extend_query({
                "serverid": body["trx_id"] or "", "clientid": body["ref_id"], "statuscode": status,
                "kp": body["product"], "msisdn": body["dest"], "sn": body["sn"] or "", "msg": payload["message"]}), \
                None, {}
        if member.callback_form == "json":
            data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            stamp = str(int(self.clock().timestamp()))
            return "POST", url, data, {
                "Content-Type": "application/json", "X-Pulsa-Key": member.code, "X-Pulsa-Timestamp": stamp,
                "X-Pulsa-Signature": signing.report_signature(member.json_secret, stamp, data)}
        return "GET", url.extend_query({"refid": body["ref_id"], "message": payload["message"]}), None, {}

    async def _deliver(self, due: _Due) -> None:
        member = None
        try:
            with db.atomic():
                owner = sql.one("SELECT reseller_id FROM h2h_callback WHERE id = ?", (due.id,))
                member = members_.get(int(owner[0])) if owner else None
                if member is None or not member.callback_url:
                    self._finish(due, False, "tanpa URL callback", final=True)
                    return
                payload = self._payload(due, member)
                first_at = due.first_at or self.clock()
                if due.first_at is None:
                    sql.execute("UPDATE h2h_callback SET first_at = ? WHERE id = ?", (first_at, due.id))
            method, url, data, headers = self._request(member, payload)
        except Exception:
            log.exception("H2H report %s could not be prepared", due.id)
            self._finish(due, False, "galat saat menyiapkan laporan", final=True)
            return
        assert self._session is not None
        try:
            async with self._session.request(method, url, data=data, headers=headers, allow_redirects=False) as resp:
                await resp.read()
                ok, result = 200 <= resp.status < 300, f"HTTP {resp.status}"
        except asyncio.CancelledError:
            raise
        except (TimeoutError, asyncio.TimeoutError):
            ok, result = False, "tidak ada jawaban dalam 10 detik"
        except aiohttp.ClientError as exc:
            ok, result = False, f"{type(exc).__name__}"
        except Exception as exc:  # a bad URL and the like: retried like any failure, and logged
            log.warning("H2H report %s to %s failed: %s", due.id, members_.mask_url(member.callback_url),
                        type(exc).__name__)
            ok, result = False, type(exc).__name__
        self._finish(due, ok, result, first_at=first_at, member=member)

    def _finish(self, due: _Due, ok: bool, result: str, *, final: bool = False,
                first_at: _dt.datetime | None = None, member: members_.Member | None = None) -> None:
        now = self.clock()
        attempts = due.attempts + 1
        with db.atomic():
            if ok:
                sql.execute("UPDATE h2h_callback SET status = ?, attempts = ?, last_at = ?, last_result = ?, "
                            "delivered_at = ? WHERE id = ?", (DELIVERED, attempts, now, result, now, due.id))
                return
            next_at = now + retry_delay(attempts)
            give_up = final or next_at > (first_at or now) + GIVE_UP_AFTER
            sql.execute("UPDATE h2h_callback SET status = ?, attempts = ?, last_at = ?, last_result = ?, next_at = ? "
                        "WHERE id = ?", (FAILED if give_up else QUEUED, attempts, now, result[:200], next_at, due.id))
        where = members_.mask_url(member.callback_url) if member else "-"
        log.info("H2H report %s (TrxID %s) to %s: %s%s", due.id, due.order_id, where, result,
                 ", given up" if give_up else f", again at {next_at:%H:%M:%S}")
        if give_up:
            code = member.code if member else "-"
            self.engine.events.publish(Alert(text=f"Laporan (callback) TrxID {due.order_id} ke {code} gagal terkirim "
                                                  f"({result}). Kirim ulang dari menu H2H bila perlu."))
