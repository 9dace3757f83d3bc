"""One H2H request → an answer, through the same checks and the same placement as an SMS order.

No HTTP here (app/h2h/server.py turns requests into these calls). Each request is one transaction on
the engine's loop thread: the member, where the request came from, its signature or PIN (wrong ones
count toward the reseller's PIN lock, app/service.py), then the buyer's reference:

- a refID this member used before is never a second order: an earlier order answers with its state,
  an earlier refusal with the same refusal (reference h2h.md 7); the same refID with another product,
  destination or counter is refused ("Ref ID tidak unik", HTTP 409 on the JSON API);
- a new refID is placed by `orders.place_topup` — price, the repeat rule (counter from `counter` or a
  `N.08…` destination; none for a `trust_ref_id` member), the debit through the ledger — exactly as an
  SMS order; the engine then dispatches it like any order (`Engine.take_orders`).

Requests are handled one after another on the loop (no await inside a transaction), so two copies of
one refID arriving together make one order; the unique index on (reseller, ref_id) is the backstop.
A refusal writes no order and moves no money: it is only remembered against its refID (`h2h_rejection`).
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import hmac
import json
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from app import commission, handlers, ledger, orders
from app.commands.parser import parse
from app.events import Alert
from app.h2h import members as members_
from app.h2h import sign as signing
from app.h2h import texts
from app.h2h.members import Member
from app.h2h.texts import OrderFacts, Reason, State
from app.messages import Inbound
from app.phone import normalize_msisdn
from app.rows import InboundRow, ResellerRow
from app.service import one_line
from storage import sql
from storage.models import Reseller, database_proxy as db

if TYPE_CHECKING:
    from app.engine import Engine

log = logging.getLogger(__name__)

CHANNEL = "h2h"
REF_RE = re.compile(r"^[A-Za-z0-9_.:/+@#-]{1,100}$")
COUNTER_DEST = re.compile(r"^([0-9]{1,2})\.(.+)$")
MAX_COUNTER = 99

_REJECTIONS = {
    orders.Rejection.UNKNOWN_PRODUCT: Reason.UNKNOWN_PRODUCT,
    orders.Rejection.PRODUCT_CLOSED: Reason.PRODUCT_CLOSED,
    orders.Rejection.NO_PRICE: Reason.NO_PRICE,
    orders.Rejection.BAD_DEST: Reason.BAD_DEST,
    orders.Rejection.WRONG_PREFIX: Reason.PREFIX_MISMATCH,
    orders.Rejection.REPEAT: Reason.REPEAT,
    orders.Rejection.COUNTER_USED: Reason.COUNTER_USED,
    orders.Rejection.COUNTER_MAX: Reason.COUNTER_MAX,
    orders.Rejection.COOLDOWN: Reason.COOLDOWN,
    orders.Rejection.INSUFFICIENT: Reason.INSUFFICIENT_BALANCE,
}
# refusals that come before the member is known to be who it says: no balance in the answer
UNAUTHENTICATED = frozenset({Reason.UNKNOWN_MEMBER, Reason.IP_NOT_ALLOWED, Reason.BAD_SIGN, Reason.WRONG_PIN,
                             Reason.LOCKED, Reason.PLAIN_NOT_ALLOWED, Reason.SIGN_NOT_READY, Reason.MISSING})


@dataclass(frozen=True)
class Request:
    """An order or status request, with the buyer's values as sent."""

    member: str
    ref_id: str
    product: str = ""
    dest: str = ""
    counter: str | None = None  # a `counter` parameter, as sent
    qty: str | None = None
    max_price: int | None = None
    testing: bool = False
    check: bool = False  # status only: never an order


@dataclass(frozen=True)
class Credentials:
    """How a text request proves it is the member: an OtomaX `sign`, or `pin` + `password` in clear."""

    sign: str | None = None
    pin: str | None = None
    password: str | None = None


@dataclass
class Answer:
    """What the desk decided. `kind`: new, existing, refused, not_found, conflict."""

    kind: str
    text: str
    reason: Reason | None = None
    message: str = ""  # the reason in words
    facts: OrderFacts | None = None
    ref_id: str = ""
    product: str = ""
    dest: str = ""
    price: int | None = None
    balance: int | None = None  # the member's balance now (None before it was authenticated)
    updated_at: _dt.datetime | None = None
    locked_until: _dt.datetime | None = None
    authenticated: bool = False
    new_order: int | None = None
    alerts: list[str] = field(default_factory=list)


# --- reading orders -------------------------------------------------------------------------------

_ORDER_COLUMNS = ('o.id, o.status, o.dest, o.counter, o.price, o.sn, o.fail_reason, o.created_at, o.updated_at, '
                  "o.finished_at, p.code")


@dataclass(frozen=True)
class StoredOrder:
    id: int
    status: str
    dest: str
    counter: int
    price: int
    sn: str
    fail_reason: str
    created_at: _dt.datetime
    updated_at: _dt.datetime
    finished_at: _dt.datetime | None
    product: str


def _stored(row: tuple) -> StoredOrder:
    i, status, dest, counter, price, sn, reason, created, updated, finished, code = row
    return StoredOrder(int(i), status, dest, int(counter), int(price), sn or "", reason or "",
                       sql.to_datetime(created), sql.to_datetime(updated), sql.to_datetime(finished), code)


def order_by_ref(reseller_id: int, ref_id: str) -> StoredOrder | None:
    row = sql.one(f'SELECT {_ORDER_COLUMNS} FROM "order" o JOIN product p ON p.id = o.product_id '
                  "WHERE o.reseller_id = ? AND o.ref_id = ?", (reseller_id, ref_id))
    return _stored(row) if row else None


def order_by_id(order_id: int) -> StoredOrder | None:
    row = sql.one(f'SELECT {_ORDER_COLUMNS} FROM "order" o JOIN product p ON p.id = o.product_id WHERE o.id = ?',
                  (order_id,))
    return _stored(row) if row else None


def _ledger_after(order_id: int, kind: ledger.LedgerKind) -> int | None:
    row = sql.one("SELECT balance_after FROM ledger_entry WHERE order_id = ? AND kind = ? ORDER BY id DESC LIMIT 1",
                  (order_id, kind.value))
    return int(row[0]) if row else None


def facts_of(order: StoredOrder, balance_now: int) -> OrderFacts:
    """The order as its sentences tell it. The balance: now for a success; right after the refund for a
    failure, right after the debit while processing (so "Saldo A - H = B" adds up)."""
    state = texts.external_state(order.status)
    balance = balance_now
    at = order.finished_at or order.updated_at
    if state is State.FAILED:
        balance = _ledger_after(order.id, ledger.LedgerKind.REFUND) or balance_now
    elif state is State.PROCESSING:
        after = _ledger_after(order.id, ledger.LedgerKind.ORDER_DEBIT)
        balance = after if after is not None else balance_now
        at = order.created_at
    return OrderFacts(order.id, order.product, order.dest, state, order.price, balance, order.sn,
                      order.fail_reason, at, order.created_at)


def iso(at: _dt.datetime | None) -> str | None:
    """A naive local time as ISO 8601 with the shop's offset: 2026-01-01T07:00:05+07:00."""
    return at.astimezone().isoformat(timespec="seconds") if at is not None else None


def order_json(answer: Answer) -> dict[str, Any]:
    """The JSON API's order object (reference h2h.md 9.1 B)."""
    f = answer.facts
    if f is not None:
        status = f.state.value
        reason = Reason.ORDER_FAILED.value if f.state is State.FAILED else None
        return {"ref_id": answer.ref_id, "trx_id": str(f.trx_id), "status": status, "product": f.product,
                "dest": f.dest, "price": f.price, "balance": answer.balance, "sn": f.sn or None,
                "reason_code": reason, "message": answer.text, "updated_at": iso(answer.updated_at)}
    return {"ref_id": answer.ref_id, "trx_id": None, "status": "failed", "product": answer.product,
            "dest": answer.dest, "price": answer.price, "balance": answer.balance, "sn": None,
            "reason_code": answer.reason.value if answer.reason else None, "message": answer.text,
            "updated_at": iso(answer.updated_at)}


# --- the desk --------------------------------------------------------------------------------------

_PARSED = parse("", lambda _code: False)


class Desk:
    def __init__(self, engine: "Engine", clock: Callable[[], _dt.datetime] | None = None):
        self.engine = engine
        self.service = engine.service
        self.clock = clock or engine.clock
        self._pending: list[_Job] = []
        self._scheduled = False

    # --- who is asking ---------------------------------------------------------------------------

    def identify(self, member_id: str) -> tuple[ResellerRow, Member] | None:
        code = member_id.strip().upper()
        if not code or len(code) > 20:
            return None
        cols = ", ".join(f"r.{c}" for c in ResellerRow.COLUMNS)
        row = sql.one(f"SELECT {cols}, {members_.MEMBER_COLUMNS} FROM reseller r "
                      "JOIN h2h_member m ON m.reseller_id = r.id WHERE r.code = ?", (code,))
        if row is None:
            return None
        n = len(ResellerRow.COLUMNS)
        reseller = ResellerRow(*row[:n])
        if reseller.locked_until is not None:
            reseller.locked_until = Reseller.locked_until.python_value(reseller.locked_until)
        return reseller, members_.from_row(reseller.id, reseller.code, row[n:])

    def _context(self, reseller: ResellerRow, ip: str, now: _dt.datetime) -> handlers.Context:
        """What the service's PIN machinery (lock after repeated wrong PINs) works on."""
        return handlers.Context(self.service, InboundRow(0, ""), Inbound(CHANNEL, f"H2H {ip}", ""), _PARSED, now,
                                reseller=reseller)

    def _locked(self, reseller: ResellerRow, now: _dt.datetime) -> bool:
        return reseller.locked_until is not None and reseller.locked_until > now

    def _passed(self, reseller: ResellerRow) -> None:
        if reseller.pin_failures:
            sql.execute("UPDATE reseller SET pin_failures = 0 WHERE id = ?", (reseller.id,))
            reseller.pin_failures = 0

    def _wrong(self, reseller: ResellerRow, ip: str, now: _dt.datetime, answer_alerts: list[str]) -> Reason:
        ctx = self._context(reseller, ip, now)
        self.service.wrong_secret(ctx)
        answer_alerts.extend(ctx.alerts)
        return Reason.LOCKED if ctx.reason == "locked" else Reason.BAD_SIGN

    def _authenticate(self, reseller: ResellerRow, member: Member, req: Request, cred: Credentials, ip: str,
                      now: _dt.datetime, alerts: list[str]) -> Reason | None:
        """None when the request is the member's; else why not (wrong ones counted toward the lock)."""
        if self._locked(reseller, now):
            return Reason.LOCKED
        if cred.sign is not None:
            if not member.password or not member.pin:
                return Reason.SIGN_NOT_READY
            if not self.service.pin_matches(reseller.id, member.pin, reseller.pin_salt, reseller.pin_hash):
                log.warning("h2h %s: the sealed PIN is not the reseller's PIN any more; set it again",
                            reseller.code)
                return Reason.SIGN_NOT_READY
            if not signing.otomax_verify(cred.sign, req.member, req.product, req.dest, req.ref_id, member.pin,
                                         member.password):
                return self._wrong(reseller, ip, now, alerts)
            self._passed(reseller)
            return None
        if cred.pin is None or cred.password is None:
            return Reason.MISSING
        if not member.plain_pin:
            return Reason.PLAIN_NOT_ALLOWED
        if not member.password or not hmac.compare_digest(cred.password.encode(), member.password.encode()):
            reason = self._wrong(reseller, ip, now, alerts)
            return Reason.LOCKED if reason is Reason.LOCKED else Reason.WRONG_PIN
        ctx = self._context(reseller, ip, now)
        if self.service.check_pins(ctx, (cred.pin,)) is None:
            alerts.extend(ctx.alerts)
            return Reason.LOCKED if ctx.reason == "locked" else Reason.WRONG_PIN
        return None

    # --- the buyer's reference --------------------------------------------------------------------

    @staticmethod
    def _split_dest(dest: str, counter: str | None) -> tuple[str, int | None, bool]:
        """(destination, counter, valid): `N.08…` and a `counter` parameter both give a counter."""
        n: int | None = None
        m = COUNTER_DEST.match(dest.strip())
        if m:
            n, dest = int(m.group(1)), m.group(2)
        if counter is not None and counter.strip():
            text = counter.strip()
            if not text.isascii() or not text.isdigit() or len(text) > 2:
                return dest, None, False
            if n is not None and n != int(text):
                return dest, None, False
            n = int(text)
        if n is not None and not 1 <= n <= MAX_COUNTER:
            return dest, None, False
        return dest.strip(), n, True

    def _same_fields(self, product: str, dest: str, counter: int | None, stored_product: str, stored_dest: str,
                     stored_counter: int | None, trust_ref_id: bool) -> bool:
        norm = normalize_msisdn(dest) or dest.strip()
        if norm != stored_dest:
            return False
        if product.strip().upper() != stored_product.upper():
            resolved = orders.resolve_product(product.strip(), normalize_msisdn(dest), self.service.prefixes)
            if resolved is None or resolved.code != stored_product.upper():
                return False
        if counter is not None and stored_counter is not None and counter != stored_counter and not trust_ref_id:
            return False
        return True

    @staticmethod
    def _bind(reseller_id: int, req: Request, dest: str, counter: int | None, reason: Reason, message: str,
              balance: int | None, now: _dt.datetime) -> None:
        """Remember a refusal against its refID: the same refID again gets it again (never an order)."""
        sql.execute("INSERT INTO h2h_rejection (reseller_id, ref_id, product, dest, counter, reason, message, "
                    "balance, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (reseller_id, ref_id) "
                    "DO NOTHING",
                    (reseller_id, req.ref_id, req.product.strip().upper()[:40],
                     (normalize_msisdn(dest) or dest.strip())[:40], counter, reason.value, message[:300], balance,
                     now))

    @staticmethod
    def _rejection(reseller_id: int, ref_id: str) -> tuple | None:
        return sql.one("SELECT product, dest, counter, reason, message, balance, created_at FROM h2h_rejection "
                       "WHERE reseller_id = ? AND ref_id = ?", (reseller_id, ref_id))

    # --- answers --------------------------------------------------------------------------------

    @staticmethod
    def _refused(reason: Reason, req: Request, balance: int | None, now: _dt.datetime, *, price: int | None = None,
                 **values) -> Answer:
        message = texts.reason_text(reason, **values)
        shown = None if reason in UNAUTHENTICATED else balance
        return Answer("refused", texts.refused(req.product, req.dest, message, shown), reason, message,
                      ref_id=req.ref_id, product=req.product.strip().upper()[:20], dest=req.dest.strip()[:40],
                      price=price, balance=shown, updated_at=now)

    def _existing(self, order: StoredOrder, req: Request, balance: int, *, as_status: bool) -> Answer:
        facts = facts_of(order, balance)
        text = texts.state_text(facts) if as_status else texts.repeat(facts)
        return Answer("existing", text, facts=facts, ref_id=req.ref_id, product=order.product, dest=order.dest,
                      price=order.price, balance=balance, updated_at=order.updated_at, authenticated=True)

    def _earlier_refusal(self, row: tuple, req: Request, balance: int) -> Answer:
        product, dest, _counter, reason, message, then, created = row
        try:
            code = Reason(reason)
        except ValueError:
            code = Reason.INTERNAL
        # the words as the buyer sent them this time (the same product and number: checked before)
        return Answer("refused", texts.refused(req.product or product, req.dest or dest, message,
                                               None if then is None else int(then)),
                      code, message, ref_id=req.ref_id, product=product, dest=dest, balance=balance,
                      updated_at=sql.to_datetime(created), authenticated=True)

    # --- the doors' entries ---------------------------------------------------------------------

    async def text(self, req: Request, ip: str, cred: Credentials) -> Answer:
        """A `/trx` or `/api` request (its answer is sent only after its transaction is committed)."""
        return await self._submit(lambda now, alerts: self._handle(req, ip, cred, None, now, alerts),
                                  lambda answer: self._after(answer, req, ip),
                                  lambda now: self._refused(Reason.INTERNAL, req, None, now))

    async def json(self, action: str, *, key: str, ip: str, timestamp: str, signature: str, method: str,
                   path: str, body: bytes, ref_id: str = "") -> "JsonReply":
        """A JSON API request: its headers checked (401, 403, 429), then `action` ("order", "status",
        "balance", "products")."""
        def run(now: _dt.datetime, alerts: list[str]) -> JsonReply:
            error, member = self._check_json(key, ip, timestamp, signature, method, path, body, now, alerts)
            if error is not None:
                return error
            assert member is not None
            reseller, _m = member
            if action == "balance":
                return JsonReply(200, self.balance(reseller))
            if action == "products":
                return JsonReply(200, {"products": self.products(reseller)})
            if action == "status":
                answer = self._status(member, ref_id, now)
                if answer is None:
                    return JsonReply(404, {"error": "not_found", "message": f"Ref ID {ref_id[:100]} tidak ditemukan",
                                           "ref_id": ref_id[:100]})
                return JsonReply(200, order_json(answer), answer)
            fields, problem = parse_order_body(body)
            if fields is None:
                return JsonReply(422, {"error": "malformed", "message": problem})
            answer = self._handle(json_request(reseller.code, fields), ip, None, member, now, alerts)
            if answer.kind == "conflict":
                return JsonReply(409, {"error": "ref_id_conflict", "message": answer.message,
                                       "ref_id": answer.ref_id}, answer)
            return JsonReply(200, order_json(answer), answer)

        def after(reply: JsonReply) -> None:
            if reply.answer is not None and action == "order":
                self._after(reply.answer, json_request(key or "-", {"ref_id": reply.answer.ref_id,
                                                                     "product": reply.answer.product,
                                                                     "dest": reply.answer.dest}), ip)
            elif reply.status != 200:
                log.info("h2h JSON %s %s from %s refused: HTTP %s %s", one_line(key, 20), action, one_line(ip, 60),
                         reply.status, reply.body.get("error"))

        return await self._submit(run, after, lambda _now: JsonReply(500, {"error": "internal",
                                                                           "message": "Gangguan server"}))

    def handle(self, req: Request, ip: str, cred: Credentials | None = None) -> Answer:
        """A text request answered at once in its own transaction (what `text` does, without batching)."""
        now = self.clock()
        alerts: list[str] = []
        try:
            with db.atomic():
                answer = self._handle(req, ip, cred, None, now, alerts)
        except Exception:
            log.exception("h2h request %s from %s failed", one_line(req.ref_id, 100), ip)
            answer = self._refused(Reason.INTERNAL, req, None, now)
        answer.alerts = alerts
        self._publish(alerts)
        self._after(answer, req, ip)
        return answer

    # --- group commit -----------------------------------------------------------------------------
    #
    # Requests that arrive together are decided one after another in ONE transaction (a commit costs
    # more than the rest of an order), then every answer leaves after that commit. Should one of them
    # raise, the whole batch is undone and each is decided again in its own transaction, so the others
    # keep their answers. Money is as safe as with a transaction each: a debit, its order and its ledger
    # row still commit together, and no answer is sent for anything not committed.

    async def _submit(self, run: Callable[[_dt.datetime, list[str]], Any], after: Callable[[Any], None],
                      failed: Callable[[_dt.datetime], Any]) -> Any:
        loop = asyncio.get_running_loop()
        job = _Job(run, after, failed, loop.create_future())
        self._pending.append(job)
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await job.future

    def _flush(self) -> None:
        self._scheduled = False
        jobs, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        if self._pending:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)
        if not jobs:
            return
        now = self.clock()
        try:
            with db.atomic():
                for job in jobs:
                    job.alerts = []
                    job.result = job.run(now, job.alerts)
        except Exception:
            log.exception("h2h batch of %d failed; each again on its own", len(jobs))
            for job in jobs:
                job.alerts = []
                try:
                    with db.atomic():
                        job.result = job.run(now, job.alerts)
                except Exception:
                    log.exception("h2h request failed")
                    job.alerts = []
                    job.result = job.failed(now)
        for job in jobs:
            try:
                self._publish(job.alerts)
                job.after(job.result)
            except Exception:
                log.exception("h2h request: after the commit")
            if not job.future.done():
                job.future.set_result(job.result)

    def _publish(self, alerts: list[str]) -> None:
        for text in alerts:
            self.engine.events.publish(Alert(text=text))

    def _after(self, answer: Answer, req: Request, ip: str) -> None:
        """After the commit: the engine takes a new order; a line in the log (no secrets in it)."""
        if answer.new_order is not None:
            self.engine.take_orders([answer.new_order], {answer.new_order: f"{answer.product} {answer.dest} dari "
                                                         f"{req.member.strip().upper()} (H2H)"})
        outcome = answer.kind if answer.reason is None else f"{answer.kind} {answer.reason.value}"
        log.info("h2h %s ref %s %s %s from %s%s -> %s", one_line(req.member, 20), one_line(req.ref_id, 100),
                 one_line(req.product, 20), one_line(req.dest, 40), one_line(ip, 60), " (cek)" if req.check else "",
                 outcome + (f" #{answer.new_order}" if answer.new_order else ""))

    def _handle(self, req: Request, ip: str, cred: Credentials | None, authenticated: tuple | None,
                now: _dt.datetime, alerts: list[str]) -> Answer:
        if authenticated is None:
            if not req.member.strip():
                return self._refused(Reason.MISSING, req, None, now, param="memberID")
            found = self.identify(req.member)
            if found is None:
                return self._refused(Reason.UNKNOWN_MEMBER, req, None, now, member=texts.clean(req.member, 20))
            reseller, member = found
            if not member.ip_allowed(ip):
                log.warning("h2h %s: request from %s, which is not on its list", reseller.code, one_line(ip, 60))
                return self._refused(Reason.IP_NOT_ALLOWED, req, None, now, ip=texts.clean(ip, 60))
            if not req.ref_id.strip():
                return self._refused(Reason.MISSING, req, None, now, param="refID")
            if not REF_RE.match(req.ref_id):
                return self._refused(Reason.MISSING, req, None, now, param="refID (huruf, angka, - _ . saja)")
            refusal = self._authenticate(reseller, member, req, cred or Credentials(), ip, now, alerts)
            if refusal is not None:
                answer = self._refused(refusal, req, None, now, jam=f"{reseller.locked_until:%H:%M}"
                                       if reseller.locked_until else "-")
                answer.locked_until = reseller.locked_until if refusal is Reason.LOCKED else None
                if not req.check and refusal not in (Reason.MISSING, Reason.SIGN_NOT_READY) \
                        and order_by_ref(reseller.id, req.ref_id) is None:
                    dest, counter, _ok = self._split_dest(req.dest, req.counter)
                    self._bind(reseller.id, req, dest, counter, refusal, answer.message, None, now)
                return answer
        else:
            reseller, member = authenticated
            row = sql.one("SELECT balance, active FROM reseller WHERE id = ?", (reseller.id,))
            if row is not None:
                reseller.balance, reseller.active = int(row[0]), bool(row[1])
        balance = int(reseller.balance)
        dest, counter, counter_ok = self._split_dest(req.dest, req.counter)
        answer = self._by_ref(reseller, member, req, dest, counter, balance, now)
        if answer is None:
            if req.check:
                answer = self._refused(Reason.NOT_FOUND, req, balance, now, ref=texts.clean(req.ref_id, 100))
                answer.kind = "not_found"
                answer.text = (f"TrxID=- kode {texts.clean(req.product, 20)} ke {texts.clean(req.dest, 40)} "
                               f"{answer.message}. Saldo {texts.money(balance)}")
            else:
                answer = self._place(reseller, member, req, dest, counter, counter_ok, balance, now)
        answer.authenticated = True
        return answer

    def _by_ref(self, reseller: ResellerRow, member: Member, req: Request, dest: str, counter: int | None,
                balance: int, now: _dt.datetime) -> Answer | None:
        """The answer for a refID used before (an order, or a refusal), None for a new one."""
        order = order_by_ref(reseller.id, req.ref_id)
        if order is not None:
            if (req.product or req.dest) and not self._same_fields(
                    req.product, dest, counter, order.product, order.dest, order.counter, member.trust_ref_id):
                answer = self._refused(Reason.REF_NOT_UNIQUE, req, balance, now)
                answer.kind = "conflict"
                return answer
            return self._existing(order, req, balance, as_status=req.check)
        earlier = self._rejection(reseller.id, req.ref_id)
        if earlier is None:
            return None
        if (req.product or req.dest) and not self._same_fields(
                req.product, dest, counter, earlier[0], earlier[1], earlier[2], member.trust_ref_id):
            answer = self._refused(Reason.REF_NOT_UNIQUE, req, balance, now)
            answer.kind = "conflict"
            return answer
        return self._earlier_refusal(earlier, req, balance)

    def _place(self, reseller: ResellerRow, member: Member, req: Request, dest: str, counter: int | None,
               counter_ok: bool, balance: int, now: _dt.datetime) -> Answer:
        def refuse(reason: Reason, *, price: int | None = None, **values) -> Answer:
            answer = self._refused(reason, req, balance, now, price=price, **values)
            self._bind(reseller.id, req, dest, counter, reason, answer.message, balance, now)
            return answer

        if not reseller.active:
            return refuse(Reason.INACTIVE)
        if not req.product.strip():
            return refuse(Reason.MISSING, param="product")
        if not dest:
            return refuse(Reason.MISSING, param="dest")
        if req.qty is not None and req.qty.strip() not in ("", "1"):
            return refuse(Reason.BAD_QTY)
        if not counter_ok:
            return refuse(Reason.BAD_COUNTER)
        if req.testing:
            return refuse(Reason.TESTING)
        token = req.product.strip()
        if req.max_price is not None:
            product = orders.resolve_product(token, normalize_msisdn(dest), self.service.prefixes)
            price = commission.price(reseller.id, product.id) if product is not None else None
            if price is not None and price > req.max_price:
                return refuse(Reason.PRICE_ABOVE_MAX, price=price, harga=texts.money(price),
                              harga_max=texts.money(req.max_price))
        # requests are decided one at a time on this thread, so no other order of this refID can appear
        # between the look-up above and this insert; the unique index on (reseller, ref_id) would refuse it
        placement = orders.place_topup(
            reseller, token, dest, counter=counter, repeat_next=member.trust_ref_id and counter is None,
            inbound_id=None, item_no=0, channel=CHANNEL, settings=self.service.settings,
            prefixes=self.service.prefixes, now=now, ref_id=req.ref_id)
        values = dict(placement.values or {})
        if placement.rejection is not None or placement.order_id is None:
            reason = _REJECTIONS.get(placement.rejection, Reason.INTERNAL)
            if "status_code" in values:
                values["status"] = texts.STATUS_WORDS[texts.external_state(values["status_code"])]
            for key in ("harga", "saldo"):
                if isinstance(values.get(key), int):
                    values[key] = texts.money(values[key])
            if placement.product is not None:
                values.setdefault("operator_produk", placement.product.operator)
            price = placement.values.get("harga") if placement.values else None
            return refuse(reason, price=price if isinstance(price, int) else None, **values)
        product = placement.product
        assert product is not None
        price = int(values["harga"])
        facts = OrderFacts(placement.order_id, product.code, placement.dest, State.PROCESSING, price,
                           placement.balance_after, at=now, placed_at=now)
        return Answer("new", texts.processing(facts, placement.balance_before), facts=facts, ref_id=req.ref_id,
                      product=product.code, dest=placement.dest, price=price, balance=placement.balance_after,
                      updated_at=now, authenticated=True, new_order=placement.order_id)

    # --- the JSON API's reads ---------------------------------------------------------------------

    def balance(self, reseller: ResellerRow) -> dict[str, int]:
        row = sql.one("SELECT balance FROM reseller WHERE id = ?", (reseller.id,))
        return {"balance": int(row[0]) if row else 0, "held": ledger.held_amount(reseller.id)}

    def products(self, reseller: ResellerRow) -> list[dict[str, Any]]:
        """Products this member may buy: its price (its group's, plus an upline's markup) and whether the
        shop can serve it now (active, with an active route)."""
        markups = commission.markups(reseller.id)
        rows = sql.all_rows(
            "SELECT p.id, p.code, p.name, p.operator, p.nominal, p.kind, p.active, pr.sell, "
            "(SELECT COUNT(*) FROM route r JOIN supplier s ON s.id = r.supplier_id "
            " WHERE r.product_id = p.id AND r.active = ? AND s.active = ?) "
            "FROM product p JOIN price pr ON pr.product_id = p.id AND pr.price_group_id = ? "
            "ORDER BY p.operator, p.nominal, p.code", (True, True, reseller.price_group_id))
        out = []
        for pid, code, name, operator, nominal, kind, active, sell, routes in rows:
            price = int(sell) + (markups.of(int(pid)) if markups else 0)
            out.append({"code": code, "name": name, "operator": operator, "nominal": int(nominal), "kind": kind,
                        "price": price, "available": bool(active) and int(routes) > 0})
        return out

    def _status(self, member: tuple[ResellerRow, Member], ref_id: str, now: _dt.datetime) -> Answer | None:
        """GET /api/v1/orders/{ref_id}: the order or the refusal for this refID, None when unknown."""
        reseller, m = member
        req = Request(reseller.code, ref_id, check=True)
        row = sql.one("SELECT balance FROM reseller WHERE id = ?", (reseller.id,))
        balance = int(row[0]) if row else int(reseller.balance)
        return self._by_ref(reseller, m, req, "", None, balance, now)

    # --- the JSON door's checks -----------------------------------------------------------------

    def _check_json(self, key: str, ip: str, timestamp: str, signature: str, method: str, path: str, body: bytes,
                    now: _dt.datetime, alerts: list[str]) -> tuple[JsonReply | None, tuple[ResellerRow, Member] | None]:
        """A JSON request's headers: 401 unknown key, bad signature or stale timestamp; 403 an address not
        on the member's list; 429 locked by repeated bad signatures (or wrong PINs). (None, member) when
        it passes."""
        found = self.identify(key) if key else None
        if found is None:
            return JsonReply(401, {"error": "unauthorized", "message": "X-Pulsa-Key tidak dikenal"}), None
        reseller, member = found
        if not member.ip_allowed(ip):
            log.warning("h2h %s: JSON request from %s, which is not on its list", reseller.code, one_line(ip, 60))
            return JsonReply(403, {"error": "forbidden", "message": f"IP {texts.clean(ip, 60)} tidak terdaftar"}), None
        if self._locked(reseller, now):
            return self._locked_reply(reseller, now), None
        if not signing.fresh(timestamp, now.timestamp()):
            return JsonReply(401, {"error": "stale_timestamp", "message": "X-Pulsa-Timestamp kosong atau lebih dari "
                                   f"{signing.MAX_SKEW_S} detik dari jam server"}), None
        secret = member.json_secret
        if not secret:
            return JsonReply(401, {"error": "bad_signature", "message": "Secret API member ini belum diatur admin"}), \
                None
        if not signing.request_verify(signature, secret, method, path, timestamp, body):
            if self._wrong(reseller, ip, now, alerts) is Reason.LOCKED:
                return self._locked_reply(reseller, now), None
            return JsonReply(401, {"error": "bad_signature", "message": "X-Pulsa-Signature salah"}), None
        self._passed(reseller)
        return None, (reseller, member)

    @staticmethod
    def _locked_reply(reseller: ResellerRow, now: _dt.datetime) -> "JsonReply":
        until = reseller.locked_until or now
        return JsonReply(429, {"error": "locked", "message": texts.reason_text(Reason.LOCKED, jam=f"{until:%H:%M}"),
                               "locked_until": iso(until)},
                         headers={"Retry-After": str(max(1, int((until - now).total_seconds())))})


MAX_BATCH = 16


@dataclass
class _Job:
    run: Callable[[_dt.datetime, list[str]], Any]
    after: Callable[[Any], None]
    failed: Callable[[_dt.datetime], Any]
    future: "asyncio.Future[Any]"
    alerts: list[str] = field(default_factory=list)
    result: Any = None


@dataclass
class JsonReply:
    """A JSON API answer: HTTP status, body, extra headers; `answer` for order and status requests."""

    status: int
    body: dict[str, Any]
    answer: Answer | None = None
    headers: dict[str, str] = field(default_factory=dict)


def parse_order_body(body: bytes) -> tuple[dict[str, Any] | None, str]:
    """A JSON order body: ({ref_id, product, dest, counter, max_price}, "") or (None, what is wrong)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, "badan permintaan bukan JSON"
    if not isinstance(data, dict):
        return None, "badan permintaan harus objek JSON"
    out: dict[str, Any] = {}
    for key, limit in (("ref_id", 100), ("product", 20), ("dest", 40)):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            return None, f"{key} wajib berupa teks 1-{limit} karakter"
        out[key] = value
    if not REF_RE.match(out["ref_id"]):
        return None, "ref_id hanya boleh huruf, angka dan - _ . : / + @ #"
    for key, low, high in (("counter", 1, MAX_COUNTER), ("max_price", 0, 10**12)):
        value = data.get(key)
        if value is None:
            out[key] = None
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            return None, f"{key} harus bilangan bulat {low}-{high}"
        out[key] = value
    return out, ""


def json_request(member_code: str, fields: dict[str, Any]) -> Request:
    counter = fields.get("counter")
    return Request(member_code, fields["ref_id"], fields["product"], fields["dest"],
                   counter=None if counter is None else str(counter), max_price=fields.get("max_price"))

