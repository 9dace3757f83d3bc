"""The transaction engine: orders in, top-ups out through suppliers, results settled and answered.

Runs on one asyncio loop (qasync under the window, plain asyncio headless). Modem workers call
`modem_callback(name)` from their own threads; the callback hops onto the loop. Every database write
happens on the loop thread in a short transaction.

Life of an order here: `_enqueue` → the dispatcher picks a route → the supplier's own task runs it
(a chip does one top-up at a time) → `_settle` (success / next route / refund / pending / suspect) →
the reply goes to the outbox, which `Outbox` sends on a sender modem.
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import json
import logging
from dataclasses import dataclass, field
from typing import Callable

from app import ledger, orders
from app.events import Alert, EngineFailed, EventBus, MessageLogged, ModemChanged, OrderChanged, StockChanged
from app.money import group
from app.outbox import Outbox
from app.phone import normalize_msisdn
from app.rules import FailReason, Outcome, reply_text
from app.service import HandleResult, Inbound, MessageService
from app.supervisor import Supervisor
from app.suppliers import Job, ModemHandle, ModemLink, Supplier, SupplyResult, build_supplier
from modems.types import (ErrorEvent, ModemEvent, ModemState, SignalChanged, SmsReceived, StateChanged,
                          StorageWarning)
from storage import sql
from storage.models import Attempt, AuditLog, InboundMessage, Modem, OutboundMessage, Route, database_proxy as db
from storage.models import Supplier as SupplierRow

log = logging.getLogger(__name__)

WRONG_PIN_REASON = "PIN chip salah"


@dataclass
class EngineSettings:
    max_attempts: int = 3  # routes tried per order after definite failures
    pending_timeout_s: float = 600.0  # no follow-up SMS by then → suspect
    queue_timeout_s: float = 600.0  # no usable route by then → fail and refund
    stock_check_interval_s: float = 1800.0
    reconcile_interval_s: float = 300.0
    tick_s: float = 1.0
    reply_pending: bool = False  # "masih diproses operator" SMS for ack + SMS flows
    reply_suspect: bool = True


@dataclass
class Pending:
    order_id: int
    supplier_id: int
    dest: str
    nominal: int
    trxid: str
    deadline: float
    attempt_id: int


@dataclass
class _OrderState:
    tried: set[int] = field(default_factory=set)
    attempts: int = 0
    queued_since: float = 0.0


class Engine:
    def __init__(self, service: MessageService, *, settings: EngineSettings | None = None,
                 clock: Callable[[], _dt.datetime] = _dt.datetime.now):
        self.service = service
        self.settings = settings or EngineSettings()
        self.clock = clock
        self.events = EventBus()
        self.links: dict[str, ModemLink] = {}
        self.suppliers: dict[int, Supplier] = {}
        self.outbox = Outbox(self)
        self._queues: dict[int, asyncio.Queue[Job]] = {}
        self._tasks: list[asyncio.Task] = []
        self._waiting: dict[int, _OrderState] = {}  # orders with no usable route right now
        self._states: dict[int, _OrderState] = {}
        self._pending: dict[int, Pending] = {}
        self._early: list[tuple[float, int, str, str]] = []  # follow-ups that came before their ack
        self._loop: asyncio.AbstractEventLoop | None = None
        self.supervisor = Supervisor()
        self.failure = ""  # set when a background loop could not be kept alive
        self._running = False
        self._wake = asyncio.Event()

    # --- wiring ---------------------------------------------------------------------------

    def attach_modem(self, name: str, handle: ModemHandle, roles: set[str] | frozenset[str]) -> ModemLink:
        link = ModemLink(name, handle, frozenset(roles))
        self.links[name] = link
        return link

    def modem_callback(self, name: str) -> Callable[[ModemEvent], None]:
        """The callback to give a worker: safe to call from its thread."""
        def deliver(event: ModemEvent) -> None:
            loop = self._loop
            if loop is None or loop.is_closed():
                return
            loop.call_soon_threadsafe(self._on_modem_event, name, event)
        return deliver

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._running = True
        self.supervisor = Supervisor(on_crash=self._loop_crashed, on_fatal=self._loop_gave_up)
        for order_id in orders.recover_after_restart(self.clock()):
            self._publish_order(order_id, "suspect", "server restart: hasil tidak pasti")
        self.load_suppliers()
        for order_id in [i for (i,) in sql.all_rows('SELECT id FROM "order" WHERE status = ? ORDER BY id',
                                                   (orders.OrderStatus.QUEUED.value,))]:
            self._enqueue(order_id)
        self.supervisor.start("engine-ticker", self._ticker)
        self.supervisor.start("engine-stock", self._stock_loop)
        self.supervisor.start("engine-reconcile", self._reconcile_loop)
        self.outbox.start(self.supervisor)
        log.info("engine started with %d modems and %d suppliers", len(self.links), len(self.suppliers))

    async def stop(self) -> None:
        self._running = False
        await self.supervisor.stop()
        await self.outbox.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    def _loop_crashed(self, name: str, error: BaseException) -> None:
        self.events.publish(Alert(text=f"Proses latar {name} berhenti karena galat ({error}); dijalankan ulang"))

    def _loop_gave_up(self, name: str, error: BaseException) -> None:
        self.failure = f"{name}: {error}"
        self.events.publish(EngineFailed(loop=name, error=str(error) or type(error).__name__))

    def refresh_suppliers(self) -> None:
        """Apply edits made while running (templates, PIN, rule packs, on/off) to the live suppliers."""
        from app.shop_admin import load_rule_pack

        for row in SupplierRow.select():
            live = self.suppliers.get(row.id)
            if live is None:
                continue
            old_pin = live.pin
            wrong_pin = live.disabled_reason == WRONG_PIN_REASON
            live.config = json.loads(row.config or "{}")
            live.operator = live.config.get("operator", live.operator)
            live.region = tuple(live.config.get("region") or ())
            if not row.active:
                live.disabled_reason = "dinonaktifkan admin"
            elif wrong_pin and live.pin == old_pin:
                pass  # still the PIN the operator refused: another try could lock the chip
            else:
                live.disabled_reason = ""
            pack_name = live.config.get("rule_pack")
            if pack_name:
                try:
                    live.pack = load_rule_pack(pack_name)
                except (OSError, ValueError, KeyError):
                    live.disabled_reason = f"rule pack {pack_name} tidak bisa dimuat"
        if self._running:
            self.load_suppliers()  # and start the ones that are new or newly active
            self._wake.set()

    def load_suppliers(self) -> None:
        """(Re)build supplier objects from the database; start a task for each new one."""
        for row in SupplierRow.select().where(SupplierRow.active == True):  # noqa: E712
            if row.id in self.suppliers:
                continue
            supplier = build_supplier(row, self.links)
            if supplier is None:
                continue
            self.suppliers[row.id] = supplier
            self._queues[row.id] = asyncio.Queue()
            self.supervisor.start(f"supplier-{row.id}", lambda s=supplier: self._run_supplier(s))

    # --- inbound messages -----------------------------------------------------------------

    def handle_inbound(self, inbound: Inbound) -> HandleResult:
        """A reseller's message from any channel: store, parse, place orders, queue replies."""
        result = self.service.handle(inbound)
        if not result.duplicate:
            self.events.publish(MessageLogged(direction="in", channel=inbound.channel, peer=inbound.sender,
                                              modem=inbound.modem, text=self._stored_text(result.inbound_id)))
        for order_id in result.new_orders:
            row = sql.one('SELECT p.code, o.dest, r.code FROM "order" o JOIN product p ON p.id = o.product_id '
                          "JOIN reseller r ON r.id = o.reseller_id WHERE o.id = ?", (order_id,))
            self._publish_order(order_id, "queued", f"{row[0]} {row[1]} dari {row[2]}" if row else "")
            self._enqueue(order_id)
        if result.replies:
            self.outbox.wake()
        return result

    @staticmethod
    def _stored_text(inbound_id: int | None) -> str:
        row = sql.one("SELECT text FROM inbound_message WHERE id = ?", (inbound_id,)) if inbound_id else None
        return row[0] if row else ""

    def _on_modem_event(self, name: str, event: ModemEvent) -> None:
        link = self.links.get(name)
        if link is None:
            return
        try:
            if isinstance(event, SmsReceived):
                self._on_sms(link, event)
            elif isinstance(event, StateChanged):
                link.state = event.state
                link.detail = event.reason
                self.events.publish(ModemChanged(name=name, state=event.state.value, detail=event.reason))
                if link.online:
                    self._wake.set()
                    self.outbox.wake()
                    self._check_stock_soon(link)
            elif isinstance(event, SignalChanged):
                link.signal_bars = event.signal.bars
                self.events.publish(ModemChanged(name=name, state=link.state.value,
                                                 detail=f"sinyal {event.signal.bars}/5"))
            elif isinstance(event, StorageWarning) and event.full:
                self.events.publish(Alert(text=f"Memori SMS {name} penuh"))
            elif isinstance(event, ErrorEvent):
                self.events.publish(ModemChanged(name=name, state=link.state.value, detail=event.message))
        except Exception:
            log.exception("modem event %r from %s failed", event, name)

    def _on_sms(self, link: ModemLink, event: SmsReceived) -> None:
        sms = event.sms
        sender = sms.sender
        if self._followup(link, sender, sms.text):
            self._store_operator_sms(link, sms)
            event.confirm()
            return
        if "center" in link.roles:
            self.handle_inbound(Inbound("sms", normalize_msisdn(sender) or sender, sms.text, sent_at=sms.scts,
                                        dedupe_key=f"sms:{sms.dedupe_key}", modem=link.name))
        else:
            self._store_operator_sms(link, sms)
        event.confirm()  # stored (committed) above: now the SIM copy may go

    def _store_operator_sms(self, link: ModemLink, sms) -> None:
        InboundMessage.insert(channel="operator", sender=sms.sender[:200], text=sms.text[:2000],
                              sent_at=sms.scts, dedupe_key=f"sms:{sms.dedupe_key}", modem=link.name,
                              status="processed").on_conflict_ignore().execute()
        self.events.publish(MessageLogged(direction="in", channel="operator", peer=sms.sender, modem=link.name,
                                          text=sms.text))

    # --- dispatching ----------------------------------------------------------------------

    def _job_for(self, order_id: int) -> tuple[Job, list[tuple[int, int, int, str, int]]] | None:
        row = sql.one('SELECT o.id, o.dest, o.product_id, o.status, o.price, p.code, p.nominal FROM "order" o '
                      "JOIN product p ON p.id = o.product_id WHERE o.id = ?", (order_id,))
        if row is None or row[3] != orders.OrderStatus.QUEUED.value:
            return None
        routes = sql.all_rows("SELECT r.id, r.supplier_id, r.priority, r.supplier_code, r.cost FROM route r "
                              "JOIN supplier s ON s.id = r.supplier_id WHERE r.product_id = ? AND r.active = ? "
                              "AND s.active = ? ORDER BY r.priority, r.id", (row[2], True, True))
        return Job(row[0], row[1], row[6], row[5]), routes

    def _enqueue(self, order_id: int) -> None:
        state = self._states.setdefault(order_id, _OrderState(queued_since=self._now()))
        found = self._job_for(order_id)
        if found is None:
            self._states.pop(order_id, None)
            return
        job, routes = found
        untried = [r for r in routes if r[1] not in state.tried and r[1] in self.suppliers]
        if not untried or state.attempts >= self.settings.max_attempts:
            reason = FailReason.OUT_OF_STOCK if routes else FailReason.NO_ROUTE
            self._fail(order_id, reason, "Tidak ada chip/supplier yang bisa memproses")
            return
        best: tuple[int, int, int, str, int] | None = None
        for priority in sorted({r[2] for r in untried}):
            usable = [r for r in untried if r[2] == priority
                      and self.suppliers[r[1]].online and self.suppliers[r[1]].can_serve(job.dest)]
            if usable:
                best = min(usable, key=lambda r: (self._load(r[1]), r[0]))
                break
        if best is None:
            self._waiting[order_id] = state
            return
        self._waiting.pop(order_id, None)
        job.route_id, job.supplier_code, job.cost = best[0], best[3], best[4]
        state.tried.add(best[1])
        self._queues[best[1]].put_nowait(job)

    def _load(self, supplier_id: int) -> int:
        return self._queues[supplier_id].qsize() + (1 if self.suppliers[supplier_id].busy else 0)

    async def _run_supplier(self, supplier: Supplier) -> None:
        queue = self._queues[supplier.id]
        while True:
            job = await queue.get()
            if not supplier.online:  # went away while the job waited: another route, nothing sent
                self._states.setdefault(job.order_id, _OrderState()).tried.discard(supplier.id)
                self._waiting[job.order_id] = self._states[job.order_id]
                continue
            supplier.busy = True
            try:
                await self._execute(supplier, job)
            except Exception:
                log.exception("order %s on %s failed unexpectedly", job.order_id, supplier.name)
            finally:
                supplier.busy = False
                self._wake.set()

    async def _execute(self, supplier: Supplier, job: Job) -> None:
        now = self.clock()
        try:
            orders.mark_sending(job.order_id, supplier.id, now=now)
        except orders.TransitionError:  # cancelled or settled by hand meanwhile
            return
        state = self._states.setdefault(job.order_id, _OrderState())
        state.attempts += 1
        attempt = Attempt.create(order=job.order_id, supplier=supplier.id, started_at=now)
        self._publish_order(job.order_id, "sending", f"{job.product_code} {job.dest} via {supplier.name}")
        result = await supplier.topup(job)
        self._settle(supplier, job, attempt.id, result)

    # --- settling -------------------------------------------------------------------------

    def _record_attempt(self, attempt_id: int, result: SupplyResult) -> None:
        # A follow-up SMS adds to the first answer (the acknowledgement); the request stays as sent.
        sql.execute("UPDATE attempt SET finished_at = ?, request = CASE WHEN ? = '' THEN request ELSE ? END, "
                    "response = CASE WHEN response = '' THEN ? ELSE response || ' || ' || ? END, outcome = ?, "
                    "sn = ?, trxid = CASE WHEN ? = '' THEN trxid ELSE ? END, reason = ? WHERE id = ?",
                    (self.clock(), result.request, result.request[:200], result.raw[:4000], result.raw[:4000],
                     result.outcome.value, result.sn[:100], result.trxid, result.trxid[:50],
                     (result.reason_text or (result.reason.value if result.reason else ""))[:200], attempt_id))

    def _settle(self, supplier: Supplier, job: Job, attempt_id: int, result: SupplyResult) -> None:
        try:
            self._settle_result(supplier, job, attempt_id, result)
        except orders.TransitionError as exc:  # settled by hand while the request was out
            self._record_attempt(attempt_id, result)
            log.warning("order %s: answer %s arrived after it was settled (%s)", job.order_id,
                        result.outcome.value, exc)
            self.events.publish(Alert(text=f"TrxID {job.order_id}: jawaban operator datang setelah diselesaikan "
                                           f"manual ({result.outcome.value}). Periksa!"))

    def _settle_result(self, supplier: Supplier, job: Job, attempt_id: int, result: SupplyResult) -> None:
        with db.atomic():
            self._record_attempt(attempt_id, result)
            if result.stock is not None:
                self._set_stock(supplier, result.stock)
            if result.outcome == Outcome.SUCCESS:
                self._succeed(job.order_id, result.sn, job.cost, supplier)
            elif result.outcome == Outcome.FAILED:
                if result.retry_next and self._states[job.order_id].attempts < self.settings.max_attempts:
                    orders.requeue(job.order_id, now=self.clock())
                    self._publish_order(job.order_id, "queued", f"gagal di {supplier.name}, coba rute lain")
                    if result.reason == FailReason.WRONG_CHIP_PIN:
                        supplier.disabled_reason = WRONG_PIN_REASON
                        self.events.publish(Alert(text=f"PIN chip {supplier.name} salah: chip dinonaktifkan"))
                    self._loop.call_soon(self._enqueue, job.order_id)  # type: ignore[union-attr]
                else:
                    self._fail(job.order_id, result.reason or FailReason.UNKNOWN, result.reason_text)
            elif result.outcome == Outcome.PENDING:
                self._pending[job.order_id] = Pending(job.order_id, supplier.id, job.dest, job.nominal, result.trxid,
                                                      self._now() + self.settings.pending_timeout_s, attempt_id)
                self._publish_order(job.order_id, "sending", "menunggu SMS operator")
                if self.settings.reply_pending:
                    self._reply(job.order_id, "pending")
                self._replay_early(supplier)
            else:
                self._suspect(job.order_id, f"hasil tidak pasti: {result.raw[:150]}" if result.raw
                              else "tidak ada jawaban operator")

    def _succeed(self, order_id: int, sn: str, cost: int | None, supplier: Supplier | None) -> None:
        if not sn or self._sn_used(sn, order_id):
            self._suspect(order_id, "sukses tanpa SN atau SN ganda")
            return
        self._states.pop(order_id, None)
        self._pending.pop(order_id, None)
        orders.settle_success(order_id, sn, cost=cost, now=self.clock())
        self._reply(order_id, "success")
        self._publish_order(order_id, "success", f"SN {sn}")

    @staticmethod
    def _sn_used(sn: str, order_id: int) -> bool:
        return sql.one('SELECT 1 FROM "order" WHERE sn = ? AND id <> ? AND status = ?',
                       (sn, order_id, orders.OrderStatus.SUCCESS.value)) is not None

    def _fail(self, order_id: int, reason: FailReason, text: str = "", actor: str = "system") -> None:
        self._states.pop(order_id, None)
        self._waiting.pop(order_id, None)
        self._pending.pop(order_id, None)
        shown = reply_text(reason) if reason not in (None, FailReason.UNKNOWN) else (text or reply_text(reason))
        with db.atomic():
            try:
                orders.settle_failed(order_id, shown, actor=actor, now=self.clock())
            except (orders.TransitionError, ledger.AlreadyRefunded):
                log.warning("order %s already final; not failing it again", order_id)
                return
            self._reply(order_id, "failed", alasan=shown)
        self._publish_order(order_id, "failed", shown)

    def _suspect(self, order_id: int, why: str) -> None:
        self._states.pop(order_id, None)
        self._pending.pop(order_id, None)
        try:
            orders.mark_suspect(order_id, why, now=self.clock())
        except orders.TransitionError:
            return
        if self.settings.reply_suspect:
            self._reply(order_id, "suspect")
        self._publish_order(order_id, "suspect", why)
        self.events.publish(Alert(text=f"TrxID {order_id} suspect: {why}"))

    def _set_stock(self, supplier: Supplier, stock: int) -> None:
        supplier.stock = stock
        SupplierRow.update(stock=stock, stock_checked_at=self.clock()).where(SupplierRow.id == supplier.id).execute()
        self.events.publish(StockChanged(supplier_id=supplier.id, name=supplier.name, stock=stock,
                                         low=stock < supplier.low_stock))

    def _followup(self, link: ModemLink, sender: str, text: str) -> bool:
        """An operator's or upstream's SMS about a top-up: settle the pending or suspect order it
        names. True when the SMS was such a message (whether or not an order matched)."""
        for supplier in self.suppliers.values():
            if supplier.link is not link:
                continue
            found = self._apply_followup(supplier, sender, text)
            if found is None:
                continue
            if found is False:
                # The answer can overtake the USSD acknowledgement: keep it for a few minutes and
                # try again when that order turns pending.
                self._early.append((self._now(), supplier.id, sender, text))
                log.info("follow-up on %s matched no order yet: %s", link.name, text[:120])
            return True
        return False

    def _replay_early(self, supplier: Supplier) -> None:
        horizon = self._now() - 300
        self._early = [e for e in self._early if e[0] >= horizon]
        for entry in [e for e in self._early if e[1] == supplier.id]:
            if self._apply_followup(supplier, entry[2], entry[3]):
                self._early.remove(entry)

    def _apply_followup(self, supplier: Supplier, sender: str, text: str) -> bool | None:
        """None: not this supplier's kind of message. False: recognised, no order to settle. True: done."""
        match = supplier.match_followup(sender, text)
        if match is None:
            return None
        order_id = self._match_order(supplier.id, match.dest or "", match.amount or 0, match.trxid or "")
        if order_id is None:
            return True if match.outcome == Outcome.PENDING else False
        result = supplier.result_from_text(text, "")
        pending = self._pending.get(order_id)
        if result.outcome == Outcome.PENDING:
            if pending is not None and result.trxid:
                pending.trxid = result.trxid  # e.g. an upstream's "diproses" with its TrxID
            return True
        with db.atomic():
            if pending is not None:
                self._record_attempt(pending.attempt_id, result)
            if result.stock is not None:
                self._set_stock(supplier, result.stock)
            if result.outcome == Outcome.SUCCESS:
                self._succeed(order_id, result.sn, self._route_cost(order_id, supplier.id), supplier)
            elif result.outcome == Outcome.FAILED:
                # The operator's final word; another route after a definite failure is allowed.
                self._pending.pop(order_id, None)
                status = sql.one('SELECT status FROM "order" WHERE id = ?', (order_id,))
                state = self._states.get(order_id)
                if (status and status[0] == "sending" and result.retry_next and state is not None
                        and state.attempts < self.settings.max_attempts):
                    orders.requeue(order_id, now=self.clock())
                    self._loop.call_soon(self._enqueue, order_id)  # type: ignore[union-attr]
                else:
                    self._fail(order_id, result.reason or FailReason.UNKNOWN, result.reason_text)
        return True

    def _match_order(self, supplier_id: int, dest: str, nominal: int, trxid: str) -> int | None:
        candidates = [p for p in self._pending.values() if p.supplier_id == supplier_id and p.dest == dest
                      and (not nominal or p.nominal == nominal)]
        if trxid:
            exact = [p for p in candidates if p.trxid == trxid]
            candidates = exact or candidates
        if candidates:
            return min(candidates, key=lambda p: p.order_id).order_id
        # not pending any more (timed out): a suspect order on this supplier may still match
        row = sql.one('SELECT o.id FROM "order" o JOIN product p ON p.id = o.product_id WHERE o.supplier_id = ? '
                      "AND o.dest = ? AND o.status = ? AND (? = 0 OR p.nominal = ?) ORDER BY o.id LIMIT 1",
                      (supplier_id, dest, orders.OrderStatus.SUSPECT.value, nominal, nominal))
        return row[0] if row else None

    @staticmethod
    def _route_cost(order_id: int, supplier_id: int) -> int | None:
        row = sql.one('SELECT r.cost FROM route r JOIN "order" o ON o.product_id = r.product_id '
                      "WHERE o.id = ? AND r.supplier_id = ? LIMIT 1", (order_id, supplier_id))
        return int(row[0]) if row else None

    # --- replies --------------------------------------------------------------------------

    def _reply(self, order_id: int, template: str, **extra) -> None:
        """Queue the reseller's reply for an order event; at most one per (order, event)."""
        row = sql.one('SELECT o.id, o.dest, o.price, o.sn, o.channel, o.created_at, p.code, r.balance, r.language, '
                      "i.sender, i.channel FROM \"order\" o JOIN product p ON p.id = o.product_id "
                      "JOIN reseller r ON r.id = o.reseller_id LEFT JOIN inbound_message i ON i.id = o.inbound_id "
                      "WHERE o.id = ?", (order_id,))
        if row is None or row[9] is None:
            return  # no inbound message to answer (e.g. an H2H order answers by callback)
        if sql.one("SELECT 1 FROM outbound_message WHERE order_id = ? AND event = ?", (order_id, template)):
            return
        _, dest, price, sn, _, _, code, balance, lang, to, channel = row
        now = self.clock()
        values = dict(trxid=order_id, kode=code, tujuan=dest, sn=sn or "-", harga=group(price), saldo=group(balance),
                      saldo_awal=group(balance - price), jam=f"{now:%H:%M}")
        values.update(extra)
        text = self.service.templates.render(template, lang, **values)
        OutboundMessage.create(channel=channel, to=to, text=text, order=order_id, event=template, created_at=now)
        self.outbox.wake()

    # --- timers ---------------------------------------------------------------------------

    def _now(self) -> float:
        return self._loop.time() if self._loop else 0.0

    async def _ticker(self) -> None:
        while self._running:
            try:
                async with asyncio.timeout(self.settings.tick_s):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                self._tick()
            except Exception:
                log.exception("engine tick failed")

    def _tick(self) -> None:
        now = self._now()
        for pending in [p for p in self._pending.values() if p.deadline <= now]:
            self._suspect(pending.order_id, "tidak ada SMS hasil dari operator")
        for order_id, state in list(self._waiting.items()):
            if now - state.queued_since > self.settings.queue_timeout_s:
                self._fail(order_id, FailReason.NO_ROUTE, "Tidak ada chip yang aktif")
            else:
                self._enqueue(order_id)

    async def _stock_loop(self) -> None:
        while self._running:
            await asyncio.sleep(self.settings.stock_check_interval_s)
            for supplier in list(self.suppliers.values()):
                if supplier.online and not supplier.busy:
                    await self.check_stock(supplier.id)

    def _check_stock_soon(self, link: ModemLink) -> None:
        """A chip that (re)connects gets its stock read, unless it was read recently."""
        now = self.clock()
        for supplier in self.suppliers.values():
            if supplier.link is not link:
                continue
            checked = sql.one("SELECT stock_checked_at FROM supplier WHERE id = ?", (supplier.id,))
            last = SupplierRow.stock_checked_at.python_value(checked[0]) if checked and checked[0] else None
            if last is None or (now - last).total_seconds() > self.settings.stock_check_interval_s:
                self._tasks = [t for t in self._tasks if not t.done()]
                self._tasks.append(asyncio.create_task(self.check_stock(supplier.id), name=f"stock-{supplier.name}"))

    async def check_stock(self, supplier_id: int) -> int | None:
        supplier = self.suppliers[supplier_id]
        try:
            stock = await supplier.check_stock()
        except Exception as exc:
            log.info("stock check on %s failed: %s", supplier.name, exc)
            return None
        if stock is not None:
            self._set_stock(supplier, stock)
        return stock

    # --- reconciliation of suspect orders from the chips' own history ----------------------

    async def _reconcile_loop(self) -> None:
        while self._running:
            await asyncio.sleep(self.settings.reconcile_interval_s)
            try:
                await self.reconcile()
            except Exception:
                log.exception("reconciliation failed")

    async def reconcile(self) -> int:
        """Ask each chip holding suspect orders for its last transactions (M-Kios `*774*PIN#` style) and
        settle the suspects it clearly lists: OK → success, GAGAL → failed and refunded. An order the
        list does not show, or shows ambiguously, stays suspect for the shop owner. Returns how many
        orders were settled."""
        settled = 0
        for supplier in list(self.suppliers.values()):
            if not supplier.online or supplier.pack is None or supplier.pack.history is None:
                continue
            suspects = sql.all_rows('SELECT o.id, o.dest, p.nominal FROM "order" o JOIN product p ON p.id = o.product_id '
                                    "WHERE o.supplier_id = ? AND o.status = ?",
                                    (supplier.id, orders.OrderStatus.SUSPECT.value))
            if not suspects:
                continue
            text = await supplier.history()
            entries = supplier.pack.parse_history(text) if text else None
            if entries is None:
                continue
            for order_id, dest, nominal in suspects:
                same = [e for e in entries if e.dest == dest and e.amount == nominal]
                twins = [s for s in suspects if s[1] == dest and s[2] == nominal]
                if len(same) != 1 or len(twins) != 1:
                    continue
                entry = same[0]
                with db.atomic():
                    self._audit("system", "reconcile", order_id, f"{supplier.name}: {entry.status.value} {entry.time}")
                    if entry.status == Outcome.SUCCESS:
                        orders.settle_success(order_id, "", now=self.clock())
                        self._reply(order_id, "success")
                        self._publish_order(order_id, "success", f"menurut riwayat {supplier.name}")
                        settled += 1
                    elif entry.status == Outcome.FAILED:
                        self._fail(order_id, FailReason.UNKNOWN, f"Gagal menurut riwayat chip")
                        settled += 1
        return settled

    # --- manual actions (called by the UI; each is logged with who did it) ----------------

    def _audit(self, actor: str, action: str, order_id: int, detail: str = "") -> None:
        AuditLog.create(actor=actor, action=action, target=f"order:{order_id}", detail=detail[:500])

    def retry(self, order_id: int, supplier_id: int | None, actor: str) -> None:
        """Send a failed or suspect order again, on a chosen supplier. For a suspect order the owner
        confirms it did not go through; the earlier debit stays, so nothing is charged twice."""
        with db.atomic():
            row = sql.one('SELECT status, refunded, price, reseller_id FROM "order" WHERE id = ?', (order_id,))
            if row is None:
                raise LookupError(order_id)
            status, refunded = row[0], bool(row[1])
            if status not in ("failed", "suspect"):
                raise orders.TransitionError(f"order {order_id} is {status}")
            if refunded:  # charge again before sending again
                ledger.post(row[3], -int(row[2]), ledger.LedgerKind.ORDER_DEBIT, order_id=order_id,
                            note="ulang manual", actor=actor, now=self.clock())
                sql.execute('UPDATE "order" SET refunded = ? WHERE id = ?', (False, order_id))
            sql.execute('UPDATE "order" SET status = ?, fail_reason = ?, sn = ?, updated_at = ? WHERE id = ?',
                        (orders.OrderStatus.QUEUED.value, "", "", self.clock(), order_id))
            sql.execute("DELETE FROM outbound_message WHERE order_id = ? AND status = ? AND event IN (?, ?)",
                        (order_id, "queued", "failed", "suspect"))
            self._audit(actor, "retry", order_id, f"supplier={supplier_id}")
        state = _OrderState(queued_since=self._now())
        if supplier_id is not None:
            state.tried = {s for s in self.suppliers if s != supplier_id}
        self._states[order_id] = state
        self._pending.pop(order_id, None)
        self._publish_order(order_id, "queued", f"diulang oleh {actor}")
        self._enqueue(order_id)

    def force_success(self, order_id: int, sn: str, actor: str) -> None:
        if not sn.strip():
            raise ValueError("SN wajib diisi")
        with db.atomic():
            orders.settle_success(order_id, sn.strip(), now=self.clock())
            self._audit(actor, "force_success", order_id, f"sn={sn}")
            self._reply(order_id, "success")
        self._states.pop(order_id, None)
        self._pending.pop(order_id, None)
        self._publish_order(order_id, "success", f"SN {sn} (manual {actor})")

    def in_flight(self, order_id: int) -> bool:
        """Handed to a chip or supplier whose answer has not come back yet (not merely pending)."""
        row = sql.one('SELECT status FROM "order" WHERE id = ?', (order_id,))
        return bool(row) and row[0] == orders.OrderStatus.SENDING.value and order_id not in self._pending

    def fail_and_refund(self, order_id: int, reason: str, actor: str) -> None:
        """Refund an order by hand. Refused while its request is at the operator with no answer yet:
        the answer could still be a success, and the money would be gone twice."""
        if self.in_flight(order_id):
            raise orders.TransitionError(f"TrxID {order_id} sedang dikirim ke operator; tunggu jawabannya")
        with db.atomic():
            self._audit(actor, "fail_refund", order_id, reason)
            orders.settle_failed(order_id, reason or "Dibatalkan admin", actor=actor, now=self.clock())
            self._reply(order_id, "failed", alasan=reason or "Dibatalkan admin")
        self._states.pop(order_id, None)
        self._pending.pop(order_id, None)
        self._waiting.pop(order_id, None)
        self._publish_order(order_id, "failed", f"manual {actor}: {reason}")

    def mark_reviewed(self, order_ids: list[int], actor: str) -> int:
        """The owner has checked these failed (or suspect) orders: they leave "Perlu tindakan"."""
        with db.atomic():
            count = orders.mark_reviewed(order_ids, actor, self.clock())
            for order_id in order_ids:
                self._audit(actor, "reviewed", order_id)
        for order_id in order_ids:
            self._publish_order(order_id, "reviewed", f"dicek {actor}")
        return count

    def resend_reply(self, order_id: int, actor: str) -> int | None:
        """Queue the latest reply of an order again (a new outbox row; the old one stays as history)."""
        last = (OutboundMessage.select().where(OutboundMessage.order == order_id)
                .order_by(OutboundMessage.id.desc()).first())
        if last is None:
            return None
        with db.atomic():
            row = OutboundMessage.create(channel=last.channel, to=last.to, text=last.text, order=order_id,
                                         event=f"resend:{last.id}", created_at=self.clock())
            self._audit(actor, "resend_reply", order_id, f"outbound={last.id}")
        self.outbox.wake()
        return row.id

    # --- helpers --------------------------------------------------------------------------

    def _publish_order(self, order_id: int, status: str, detail: str = "") -> None:
        self.events.publish(OrderChanged(order_id=order_id, status=status, detail=detail))

    def configure_modems_from_db(self, make_handle: Callable[[Modem], ModemHandle]) -> None:
        """Attach every active configured modem, creating its handle (a worker) with `make_handle`."""
        for row in Modem.select().where(Modem.active == True):  # noqa: E712
            roles = {r.strip() for r in row.roles.split(",") if r.strip()}
            self.attach_modem(row.name, make_handle(row), roles)

    @staticmethod
    def modem_config(row: Modem) -> dict:
        return json.loads(row.config or "{}")

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def queue_length(self) -> int:
        return sum(q.qsize() for q in self._queues.values()) + len(self._waiting)

    def modem_states(self) -> dict[str, ModemState]:
        return {name: link.state for name, link in self.links.items()}
