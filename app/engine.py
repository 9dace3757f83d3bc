"""The transaction engine: orders in, top-ups out through suppliers, results settled and answered.

Runs on one asyncio loop (qasync under the window, plain asyncio headless). Modem workers call
`modem_callback(name)` from their own threads; the callback hops onto the loop. Every database write
happens on the loop thread in a short transaction.

Life of an order here (docs/engine.md describes the whole walk): `handle_inbound` (the message service
stores, parses and places it) → `_enqueue` picks a route → the supplier's own task runs it (a chip does
one top-up at a time) → `_settle` (success / next route / refund / pending / suspect), every status
change through the state machine in `app.orders` → `_reply` queues the answer on the outbox.
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import logging
from dataclasses import dataclass, field
from typing import Callable

from app import backups, commission, orders
from app.chat import refs as chat_refs
from app.engine_settings import EngineSettings
from app.events import (Alert, EngineEvent, EngineFailed, MessageLogged, ModemChanged, OrderChanged,
                        StockChanged)
from app.orders import OrderStatus
from app.outbox import Outbox
from app.reconcile import ChipAttempt, Verdict, judge
from app.rules import FailReason, Outcome, reply_text
from app.service import HandleResult, Inbound, MessageService, one_line
from app.supervisor import Supervisor
from app.suppliers import (WRONG_PIN_REASON, Job, ModemHandle, ModemLink, SmsSupplier, Supplier, SupplyResult,
                           apply_row, build_supplier, record_stock, stock_checked_at, supplier_rows)
from modems.types import (ErrorEvent, ModemEvent, ModemState, SignalChanged, SmsReceived, StateChanged,
                          StorageWarning)
from storage.models import database_proxy as db

log = logging.getLogger(__name__)

FINAL_REPLIES = ("success", "failed")
INTERIM_REPLIES = ("pending", "suspect")
MAX_STATUS_CHECKS = 3  # resends of one suspect order to an upstream (each costs an SMS)
HISTORY_TRIES = 3  # a chip back after a crash: reads of its history before it works without one
HISTORY_RETRY_S = 5.0



Listener = Callable[[EngineEvent], None]


class EventBus:
    """What the engine tells the outside world (the headless log, the window's bridge, the runtime).
    A listener may ask for some kinds of event only."""

    def __init__(self) -> None:
        self._listeners: list[tuple[Listener, tuple[type, ...]]] = []

    def subscribe(self, listener: Listener, kinds: tuple[type[EngineEvent], ...] = ()) -> Callable[[], None]:
        entry = (listener, kinds)
        self._listeners.append(entry)
        return lambda: self._listeners.remove(entry) if entry in self._listeners else None

    def publish(self, event: EngineEvent) -> None:
        for listener, kinds in list(self._listeners):
            if kinds and not isinstance(event, kinds):
                continue
            try:
                listener(event)
            except Exception:  # a broken listener must not stop the engine
                log.exception("event listener failed on %s", type(event).__name__)  # its text may hold a PIN


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


@dataclass(frozen=True)
class _Early:
    """A follow-up SMS that came before the acknowledgement that makes its order pending."""
    at: float
    supplier_id: int
    sender: str
    text: str


class Engine:
    def __init__(self, service: MessageService, *, settings: EngineSettings | None = None,
                 clock: Callable[[], _dt.datetime] = _dt.datetime.now):
        self.service = service
        self.settings = settings or EngineSettings()
        self.clock = clock
        self.events = EventBus()
        self.links: dict[str, ModemLink] = {}
        self.suppliers: dict[int, Supplier] = {}
        self.outbox = Outbox(self.links, self.events.publish, clock)
        self._queues: dict[int, asyncio.Queue[Job]] = {}
        self._tasks: list[asyncio.Task] = []
        self._waiting: dict[int, _OrderState] = {}  # orders with no usable route right now
        self._states: dict[int, _OrderState] = {}
        self._pending: dict[int, Pending] = {}
        self._early: list[_Early] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.supervisor = Supervisor()
        # scheduled backups of the SQLite file (app/backups.py); the window's "Cadangkan sekarang" too
        self.backups = backups.Scheduler(clock, lambda text: self.events.publish(Alert(text=text)))
        self.failure = ""  # set when a background loop could not be kept alive
        self._running = False
        self._wake = asyncio.Event()
        self._unwatch: Callable[[], None] | None = None
        self._started_at = 0.0
        self._reconcile_first: set[int] = set()  # suppliers that must reconcile before new work
        self._reconciling: set[int] = set()  # … and are reading their history now

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
        self._unwatch = orders.watch(self._on_transition)
        self.supervisor = Supervisor(on_crash=self._loop_crashed, on_fatal=self._loop_gave_up)
        self._started_at = self._now()
        crashed = orders.recover_after_restart(now=self.clock())
        for order_id in crashed:
            if self.settings.reply_suspect:
                self._reply(order_id, "suspect")  # the reseller hears the result is not known yet
            self._publish_order(order_id, "suspect", "server restart: hasil tidak pasti")
        if crashed:
            self.events.publish(Alert(text=f"{len(crashed)} transaksi suspect: server berhenti saat mengirimnya. "
                                           "Dicocokkan dengan riwayat chip begitu chip tersambung."))
        self.load_suppliers()
        # a chip holding suspects checks its own history before it takes new work, while the history
        # still shows them (the operator keeps only the last few transactions)
        # (an H2H supplier has no modem to come back: its suspects are asked about by reference instead)
        self._reconcile_first = {sid for sid, s in self.suppliers.items() if s.link is not None
                                 and orders.suspects_of(sid)}
        for order_id in orders.queued_ids():
            self._enqueue(order_id)
        self.supervisor.start("engine-ticker", self._ticker)
        self.supervisor.start("engine-stock", self._stock_loop)
        self.supervisor.start("engine-reconcile", self._reconcile_loop)
        self.supervisor.start("engine-commission", self._commission_loop)
        if backups.database_file() is not None:  # PostgreSQL: the DBA's backups (pg_dump)
            self.supervisor.start("engine-backup", self.backups.run)
        self.outbox.start(self.supervisor)
        log.info("engine started with %d modems and %d suppliers", len(self.links), len(self.suppliers))

    async def stop(self) -> None:
        self._running = False
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
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
        for row in supplier_rows(active_only=False):
            live = self.suppliers.get(row.id)
            if live is not None:
                apply_row(live, row)
        if self._running:
            self.load_suppliers()  # and start the ones that are new or newly active
            self._wake.set()

    def load_suppliers(self) -> None:
        """Build supplier objects for active rows not running yet; start a task for each."""
        for row in supplier_rows():
            if row.id in self.suppliers:
                continue
            supplier = build_supplier(row, self.links)
            if supplier is None:
                continue
            self.suppliers[row.id] = supplier
            self._queues[row.id] = asyncio.Queue()
            for lane in range(supplier.parallel):  # a chip: one top-up at a time; an HTTP supplier: several
                self.supervisor.start(f"supplier-{row.id}" + (f"-{lane}" if lane else ""),
                                      lambda s=supplier: self._run_supplier(s))

    def _on_transition(self, change: orders.Transition) -> None:
        """A status change made anywhere (the reseller's BTL, the owner's hand): a settled order
        leaves the engine's waiting list and its timers."""
        if change.status in (OrderStatus.SUCCESS, OrderStatus.FAILED):
            self._forget(change.order_id)

    def _forget(self, order_id: int) -> None:
        """The order is settled: no more routes, timers or waiting for it."""
        self._waiting.pop(order_id, None)
        self._states.pop(order_id, None)
        self._pending.pop(order_id, None)

    # --- inbound messages -----------------------------------------------------------------

    def handle_inbound(self, inbound: Inbound) -> HandleResult:
        """A reseller's message from any channel: store, parse, place orders, queue replies."""
        result = self.service.handle(inbound)
        if not result.duplicate:
            self.events.publish(MessageLogged(direction="in", channel=inbound.channel, peer=inbound.sender,
                                              modem=inbound.modem, text=result.stored_text))
        self.take_orders(result.new_orders, result.headlines)
        for text in result.alerts:  # e.g. a reseller's PIN locked after wrong guesses
            self.events.publish(Alert(text=text))
        if result.replies:
            self.outbox.wake()
        return result

    def take_orders(self, order_ids: list[int], headlines: dict[int, str]) -> None:
        """Orders just placed (committed), from a message or an H2H request: announced and dispatched."""
        for order_id in order_ids:
            self._publish_order(order_id, "queued", headlines.get(order_id, ""))
            self._enqueue(order_id)

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
                    self._reconcile_soon(link)
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
            log.exception("modem event %s from %s failed", type(event).__name__, name)  # an SMS may hold a PIN

    def _on_sms(self, link: ModemLink, event: SmsReceived) -> None:
        sms = event.sms
        if self._followup(link, sms.sender, sms.text) or "center" not in link.roles:
            self.service.store_operator_sms(sms.sender, sms.text, sent_at=sms.scts,
                                            dedupe_key=f"sms:{sms.dedupe_key}", modem=link.name)
            self.events.publish(MessageLogged(direction="in", channel="operator", peer=sms.sender, modem=link.name,
                                              text=sms.text))
        else:
            self.handle_inbound(Inbound("sms", sms.sender, sms.text, sent_at=sms.scts,
                                        dedupe_key=f"sms:{sms.dedupe_key}", modem=link.name))
        event.confirm()  # stored (committed) above: now the SIM copy may go

    # --- dispatching ----------------------------------------------------------------------

    def _enqueue(self, order_id: int) -> None:
        state = self._states.setdefault(order_id, _OrderState(queued_since=self._now()))
        order = orders.queued_order(order_id)
        if order is None:
            self._states.pop(order_id, None)
            self._waiting.pop(order_id, None)
            return
        untried = [r for r in order.routes if r.supplier_id not in state.tried and r.supplier_id in self.suppliers]
        if not untried or state.attempts >= self.settings.max_attempts:
            reason = FailReason.OUT_OF_STOCK if order.routes else FailReason.NO_ROUTE
            self._fail(order_id, reason, "Tidak ada chip/supplier yang bisa memproses")
            return
        best = None
        for priority in sorted({r.priority for r in untried}):
            group = [r for r in untried if r.priority == priority]
            usable = [r for r in group if self._usable(self.suppliers[r.supplier_id])
                      and self.suppliers[r.supplier_id].can_serve(order.dest)]
            if usable:
                best = min(usable, key=lambda r: (self._load(r.supplier_id), r.route_id))
                break
            if any(self._coming(self.suppliers[r.supplier_id]) for r in group):
                break  # wait for these rather than fall back to a route of lower priority
        if best is None:
            self._waiting[order_id] = state
            return
        self._waiting.pop(order_id, None)
        state.tried.add(best.supplier_id)
        self._queues[best.supplier_id].put_nowait(Job(order_id, order.dest, order.nominal, order.product_code,
                                                      supplier_code=best.supplier_code, cost=best.cost,
                                                      route_id=best.route_id))

    def _usable(self, supplier: Supplier) -> bool:
        return supplier.online and supplier.id not in self._reconcile_first

    def _coming(self, supplier: Supplier) -> bool:
        """Not usable yet, but soon: checking its history after a crash, or (for a while after a start)
        still connecting."""
        if supplier.disabled_reason or supplier.link is None or supplier.link.state == ModemState.STOPPED:
            return False
        if supplier.id in self._reconcile_first:
            return supplier.online or self._now() - self._started_at < self.settings.startup_grace_s
        return (not supplier.online and supplier.link.state in (ModemState.CONNECTING, ModemState.OFFLINE)
                and self._now() - self._started_at < self.settings.startup_grace_s)

    def _load(self, supplier_id: int) -> int:
        return self._queues[supplier_id].qsize() + (1 if self.suppliers[supplier_id].busy else 0)

    async def _run_supplier(self, supplier: Supplier) -> None:
        queue = self._queues[supplier.id]
        while True:
            job = await queue.get()
            if not supplier.online or supplier.id in self._reconcile_first:
                # went away, or must read its history first, while the job waited: another route
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
        with db.atomic():
            try:
                orders.mark_sending(job.order_id, supplier.id, now=now)
            except orders.TransitionError:  # cancelled or settled by hand meanwhile
                return
            attempt_id = orders.start_attempt(job.order_id, supplier.id, now)
        job.attempt_id = attempt_id  # an H2H supplier's reference is made from it (app/h2h/buying.py)
        state = self._states.setdefault(job.order_id, _OrderState())
        state.attempts += 1
        self._publish_order(job.order_id, "sending", f"{job.product_code} {job.dest} via {supplier.name}")
        result = await supplier.topup(job)
        self._settle(supplier, job, attempt_id, result)

    # --- settling -------------------------------------------------------------------------

    def _record_attempt(self, attempt_id: int, result: SupplyResult) -> None:
        orders.finish_attempt(attempt_id, self.clock(), request=result.request, raw=result.raw,
                              outcome=result.outcome.value, sn=result.sn, trxid=result.trxid,
                              reason=result.reason_text or (result.reason.value if result.reason else ""))

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
                    self._call_soon(self._enqueue, job.order_id)
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
                              else "tidak ada jawaban operator", supplier.id)

    def _succeed(self, order_id: int, sn: str, cost: int | None, supplier: Supplier | None) -> None:
        if not sn or orders.sn_used_elsewhere(sn, order_id):
            self._suspect(order_id, "sukses tanpa SN atau SN ganda", supplier.id if supplier else None)
            return
        self._forget(order_id)
        orders.settle_success(order_id, sn, cost=cost, now=self.clock())
        self._reply(order_id, "success")
        self._publish_order(order_id, "success", f"SN {sn}")

    def _fail(self, order_id: int, reason: FailReason, text: str = "") -> None:
        self._forget(order_id)
        shown = reply_text(reason) if reason not in (None, FailReason.UNKNOWN) else (text or reply_text(reason))
        with db.atomic():
            try:
                orders.settle_failed(order_id, shown, now=self.clock())
            except (orders.TransitionError, orders.ledger.AlreadyRefunded):
                log.warning("order %s already final; not failing it again", order_id)
                return
            self._reply(order_id, "failed", alasan=shown)
        self._publish_order(order_id, "failed", shown)

    def _suspect(self, order_id: int, why: str, supplier_id: int | None = None) -> None:
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
        if supplier_id is not None:
            self._reconcile_before_work(supplier_id)

    def _reconcile_before_work(self, supplier_id: int) -> None:
        """A chip with a suspect reads its history before its next top-up: every new one pushes the
        suspect's line further down a list of five."""
        supplier = self.suppliers.get(supplier_id)
        if (supplier is None or isinstance(supplier, SmsSupplier) or supplier.pack is None
                or supplier.pack.history is None):
            return
        self._reconcile_first.add(supplier_id)
        if supplier.online:
            self._start_reconcile(supplier)

    def _set_stock(self, supplier: Supplier, stock: int) -> None:
        supplier.stock = stock
        record_stock(supplier.id, stock, self.clock())
        self.events.publish(StockChanged(supplier_id=supplier.id, name=supplier.name, stock=stock,
                                         low=stock < supplier.low_stock))

    # --- follow-up SMS --------------------------------------------------------------------

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
                self._early.append(_Early(self._now(), supplier.id, sender, text))
                log.info("follow-up on %s matched no order yet: %s", link.name, one_line(text, 120))
            return True
        return False

    def _replay_early(self, supplier: Supplier) -> None:
        horizon = self._now() - self.settings.early_followup_s
        self._early = [e for e in self._early if e.at >= horizon]
        for entry in [e for e in self._early if e.supplier_id == supplier.id]:
            if self._apply_followup(supplier, entry.sender, entry.text):
                self._early.remove(entry)

    def _apply_followup(self, supplier: Supplier, sender: str, text: str) -> bool | None:
        """None: not this supplier's kind of message. False: recognised, no order to settle. True: done."""
        match = supplier.match_followup(sender, text)
        if match is None:
            return None
        if not match.trusted:
            # Reads like a result, but not from a sender the operator uses: anybody can text a chip's
            # number. It moves nothing; the owner hears of it.
            log.warning("result-like SMS from %s to %s ignored: %s", one_line(sender, 40), supplier.name,
                        one_line(text, 120))
            self.events.publish(Alert(text=f"SMS hasil dari pengirim tak dikenal ({one_line(sender, 40)}) ke "
                                           f"{supplier.name} diabaikan: {one_line(text, 80)}"))
            return True
        order_id = self._match_order(supplier.id, match.dest, match.amount, match.trxid)
        if order_id is None:
            if match.outcome == Outcome.SUCCESS:
                self._late_success(supplier, match.dest, match.amount, text)
            return match.outcome == Outcome.PENDING
        self.settle_later(supplier, order_id, supplier.result_from_text(text, ""))
        return True

    def settle_later(self, supplier: Supplier, order_id: int, result: SupplyResult,
                     attempt_id: int | None = None) -> None:
        """A result that came after the request's own answer — an operator's follow-up SMS, an H2H
        supplier's callback or status check — for an order pending or suspect on `supplier`. Recorded on
        `attempt_id` (else on the pending attempt). Still processing, or not known: nothing changes."""
        pending = self._pending.get(order_id)
        if result.outcome in (Outcome.PENDING, Outcome.UNKNOWN):
            if pending is not None and result.trxid:
                pending.trxid = result.trxid  # e.g. an upstream's "diproses" with its TrxID
            return
        if attempt_id is None and pending is not None:
            attempt_id = pending.attempt_id
        with db.atomic():
            if attempt_id is not None:
                self._record_attempt(attempt_id, result)
            if result.stock is not None:
                self._set_stock(supplier, result.stock)
            if result.outcome == Outcome.SUCCESS:
                self._succeed(order_id, result.sn, orders.route_cost(order_id, supplier.id), supplier)
            elif result.outcome == Outcome.FAILED:
                # The operator's final word; another route after a definite failure is allowed.
                self._pending.pop(order_id, None)
                state = self._states.get(order_id)
                if (orders.status_of(order_id) == OrderStatus.SENDING and result.retry_next and state is not None
                        and state.attempts < self.settings.max_attempts):
                    orders.requeue(order_id, now=self.clock())
                    self._call_soon(self._enqueue, order_id)
                else:
                    self._fail(order_id, result.reason or FailReason.UNKNOWN, result.reason_text)

    def pending_on(self, supplier_id: int) -> dict[int, int]:
        """Orders acknowledged by this supplier and waiting for their result: order id → attempt id."""
        return {p.order_id: p.attempt_id for p in self._pending.values() if p.supplier_id == supplier_id}

    def _late_success(self, supplier: Supplier, dest: str, nominal: int, text: str) -> None:
        """The operator says a top-up succeeded for an order we already failed and refunded: the airtime
        went out, the money came back. Never settled automatically (the refund may have been spent);
        the order goes back on the owner's list with the operator's words, and the owner is told."""
        order_id = orders.refunded_on(supplier.id, dest, nominal)
        if order_id is None:
            return
        now = self.clock()
        with db.atomic():
            orders.audit(orders.SYSTEM, "late_success", order_id, f"{supplier.name}: {text[:300]}", now=now)
            orders.needs_review(order_id)
        self._publish_order(order_id, "failed", "operator melaporkan SUKSES setelah dana dikembalikan")
        self.events.publish(Alert(text=f"TrxID {order_id}: {supplier.name} melaporkan SUKSES untuk {dest} setelah "
                                       "transaksi digagalkan dan dana dikembalikan. Periksa dan paksa sukses "
                                       "(saldo dipotong lagi) bila benar."))

    def _match_order(self, supplier_id: int, dest: str, nominal: int, trxid: str) -> int | None:
        candidates = [p for p in self._pending.values() if p.supplier_id == supplier_id and p.dest == dest
                      and (not nominal or p.nominal == nominal)]
        if trxid:
            exact = [p for p in candidates if p.trxid == trxid]
            candidates = exact or candidates
        if candidates:
            return min(candidates, key=lambda p: p.order_id).order_id
        # not pending any more (timed out): a suspect order on this supplier may still match
        return orders.suspect_on(supplier_id, dest, nominal)

    # --- replies --------------------------------------------------------------------------

    def _reply(self, order_id: int, template: str, **extra) -> None:
        """Queue the reseller's reply for an order event; at most one per (order, event)."""
        facts = orders.reply_facts(order_id)
        if facts is None:
            return  # no inbound message to answer (e.g. an H2H order answers by callback)
        now = self.clock()
        values = dict(trxid=order_id, kode=facts.product_code, tujuan=facts.dest, sn=facts.sn or "-",
                      harga=facts.price, saldo=facts.balance, saldo_awal=facts.balance - facts.price,
                      jam=f"{now:%H:%M}")
        values.update(extra)
        text = self.service.templates.render(template, facts.language, **values)
        if facts.ref_id:  # a chat order's R# tag starts every reply (an H2H order has no message to answer)
            text = chat_refs.tagged(chat_refs.ref_of(facts.channel, facts.ref_id), text)
        if template in FINAL_REPLIES:  # "still processing" / "not known yet" not sent by now would mislead
            self.outbox.forget_unsent(order_id, INTERIM_REPLIES)
        self.outbox.queue(channel=facts.channel, to=facts.to, text=text, now=now, order_id=order_id, event=template)

    # --- timers ---------------------------------------------------------------------------

    def _now(self) -> float:
        return self._loop.time() if self._loop else 0.0

    def _call_soon(self, fn: Callable[..., object], *args: object) -> None:
        assert self._loop is not None
        self._loop.call_soon(fn, *args)

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
            self._suspect(pending.order_id, "tidak ada SMS hasil dari operator", pending.supplier_id)
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

    async def _commission_loop(self) -> None:
        """Daily-mode commissions of earlier days (and per-order leftovers) credited: at the start, then
        every commission_interval_s. Each is credited once however often this runs."""
        while self._running:
            try:
                commission.credit_due(self.clock())
            except Exception:
                log.exception("crediting commissions failed")
            await asyncio.sleep(self.settings.commission_interval_s)

    def _check_stock_soon(self, link: ModemLink) -> None:
        """A chip that (re)connects gets its stock read, unless it was read recently."""
        now = self.clock()
        for supplier in self.suppliers.values():
            if supplier.link is not link:
                continue
            last = stock_checked_at(supplier.id)
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
            if supplier.online:
                settled += await self.reconcile_supplier(supplier) or 0
        return settled

    def _reconcile_soon(self, link: ModemLink) -> None:
        """A chip with suspects (from a crash, a lost port) that is back online: its history first, then
        new work."""
        for supplier in self.suppliers.values():
            if supplier.link is link and supplier.id in self._reconcile_first:
                self._start_reconcile(supplier)

    def _start_reconcile(self, supplier: Supplier) -> None:
        if supplier.id in self._reconciling:
            return
        self._reconciling.add(supplier.id)
        self._tasks = [t for t in self._tasks if not t.done()]
        task = asyncio.create_task(self._reconcile_then_work(supplier), name=f"reconcile-{supplier.name}")
        task.add_done_callback(lambda _t, sid=supplier.id: self._reconciling.discard(sid))
        self._tasks.append(task)

    async def _reconcile_then_work(self, supplier: Supplier) -> None:
        try:
            # a request sent just before the crash may still be on its way to the operator: the list
            # is read once it would show it
            _, suspects = orders.supplier_attempts(supplier.id)
            started = [orders.attempt_started(a.attempt_id) for a in suspects.values()]
            youngest = max((t for t in started if t is not None), default=None)
            if youngest is not None:
                wait = self.settings.absent_after_s - (self.clock() - youngest).total_seconds()
                if wait > 0:
                    await asyncio.sleep(min(wait, self.settings.absent_after_s))
            for attempt in range(HISTORY_TRIES):
                settled = await self.reconcile_supplier(supplier)
                if settled is not None:
                    log.info("%s: %d suspect orders settled from its history before new work", supplier.name,
                             settled)
                    break
                if not supplier.online:
                    return  # read when it is back (_reconcile_soon), still before new work
                await asyncio.sleep(HISTORY_RETRY_S * (attempt + 1))
            else:
                self.events.publish(Alert(text=f"Riwayat {supplier.name} tidak bisa dibaca setelah server berhenti "
                                               "mendadak: transaksi 'dicek' di chip ini perlu diperiksa manual."))
        except Exception:
            log.exception("reconciliation on %s failed", supplier.name)
        self._reconcile_first.discard(supplier.id)
        self._wake.set()

    async def reconcile_supplier(self, supplier: Supplier) -> int | None:
        """Settle this supplier's suspect orders that its own history shows clearly (app/reconcile.py):
        listed OK → success, listed GAGAL → failed and refunded, missing from a stretch of the list that
        holds everything since before it → it never reached the operator: failed and refunded. Returns
        how many were settled; None when the history could not be read."""
        if isinstance(supplier, SmsSupplier):
            return await self._check_by_resend(supplier)
        if supplier.pack is None or supplier.pack.history is None:
            return 0
        _, suspects = orders.supplier_attempts(supplier.id)
        if not suspects:
            return 0
        text = await supplier.history()
        entries = supplier.pack.parse_history(text) if text else None
        if entries is None:
            return None
        attempts, suspects = orders.supplier_attempts(supplier.id)  # again: the history took a while
        settled = 0
        for order_id, attempt in suspects.items():
            verdict = judge(attempt, attempts, entries)
            if verdict == Verdict.NOT_SENT and not self._old_enough(attempt):
                continue  # could still be on its way to the operator
            if verdict == Verdict.UNKNOWN:
                continue
            with db.atomic():
                orders.audit(orders.SYSTEM, "reconcile", order_id, f"{supplier.name}: {verdict.value}",
                             now=self.clock())
                if verdict == Verdict.SUCCESS:
                    orders.settle_success(order_id, "", now=self.clock())
                    self._reply(order_id, "success")
                    self._publish_order(order_id, "success", f"menurut riwayat {supplier.name}")
                elif verdict == Verdict.FAILED:
                    self._fail(order_id, FailReason.UNKNOWN, "Gagal menurut riwayat chip")
                else:
                    self._fail(order_id, FailReason.UNKNOWN, "Tidak sampai ke operator (riwayat chip)")
            settled += 1
        return settled

    def _old_enough(self, attempt: ChipAttempt, seconds: float | None = None) -> bool:
        started = orders.attempt_started(attempt.attempt_id)
        limit = self.settings.absent_after_s if seconds is None else seconds
        return started is not None and (self.clock() - started).total_seconds() >= limit

    async def _check_by_resend(self, supplier: Supplier) -> int:
        """An upstream that answers the same order text with that order's status (and never tops up
        twice) is sent a suspect's order again: if the first never reached it, it is carried out now;
        if it did, the answer is its status. The answer settles the order as any result SMS does, so
        nothing is settled here (returns 0)."""
        if not supplier.config.status_by_resend:
            return 0
        _, suspects = orders.supplier_attempts(supplier.id)
        for order_id, attempt in suspects.items():
            if (not self._old_enough(attempt, self.settings.resend_check_after_s)
                    or orders.audit_count(order_id, "status_check") >= MAX_STATUS_CHECKS):
                continue
            order = orders.queued_order(order_id, OrderStatus.SUSPECT)
            route = next((r for r in order.routes if r.supplier_id == supplier.id), None) if order else None
            if order is None or route is None:
                continue
            job = Job(order_id, order.dest, order.nominal, order.product_code, supplier_code=route.supplier_code,
                      cost=route.cost, route_id=route.route_id)
            now = self.clock()
            with db.atomic():
                attempt_id = orders.start_attempt(order_id, supplier.id, now)
                orders.audit(orders.SYSTEM, "status_check", order_id, f"{supplier.name}: pesanan dikirim ulang "
                             "untuk menanyakan statusnya", now=now)
            self._record_attempt(attempt_id, await supplier.topup(job))
        return 0

    # --- manual actions (called by the UI; each is logged with who did it) ----------------

    def retry(self, order_id: int, supplier_id: int | None, actor: str) -> None:
        """Send a failed or suspect order again, on a chosen supplier. For a suspect order the owner
        confirms it did not go through; the earlier debit stays, so nothing is charged twice."""
        now = self.clock()
        with db.atomic():
            orders.retry(order_id, actor, now=now)
            self.outbox.forget_unsent(order_id, ("failed", "suspect"))
            orders.audit(actor, "retry", order_id, f"supplier={supplier_id}", now=now)
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
        now = self.clock()
        with db.atomic():
            orders.force_success(order_id, sn.strip(), actor, now=now)
            orders.audit(actor, "force_success", order_id, f"sn={sn}", now=now)
            self._reply(order_id, "success")
        self._publish_order(order_id, "success", f"SN {sn} (manual {actor})")

    def in_flight(self, order_id: int) -> bool:
        """Handed to a chip or supplier whose answer has not come back yet (not merely pending)."""
        return orders.status_of(order_id) == OrderStatus.SENDING and order_id not in self._pending

    def fail_and_refund(self, order_id: int, reason: str, actor: str) -> None:
        """Refund an order by hand. Refused while its request is at the operator with no answer yet:
        the answer could still be a success, and the money would be gone twice."""
        if self.in_flight(order_id):
            raise orders.TransitionError(f"TrxID {order_id} sedang dikirim ke operator; tunggu jawabannya")
        now = self.clock()
        with db.atomic():
            orders.audit(actor, "fail_refund", order_id, reason, now=now)
            orders.settle_failed(order_id, reason or "Dibatalkan admin", actor=actor, now=now)
            self._reply(order_id, "failed", alasan=reason or "Dibatalkan admin")
        self._publish_order(order_id, "failed", f"manual {actor}: {reason}")

    def mark_reviewed(self, order_ids: list[int], actor: str) -> int:
        """The owner has checked these failed orders: they leave "Perlu tindakan" (a suspect one leaves it
        only when it is settled)."""
        now = self.clock()
        with db.atomic():
            count = orders.mark_reviewed(order_ids, actor, now=now)
            for order_id in order_ids:
                orders.audit(actor, "reviewed", order_id, now=now)
        for order_id in order_ids:
            self._publish_order(order_id, "reviewed", f"dicek {actor}")
        return count

    def resend_reply(self, order_id: int, actor: str) -> int | None:
        """Queue the latest reply of an order again (a new outbox row; the old one stays as history)."""
        now = self.clock()
        with db.atomic():
            out_id = self.outbox.resend_latest(order_id, now)
            if out_id is None:
                return None
            orders.audit(actor, "resend_reply", order_id, f"outbound={out_id}", now=now)
            orders.mark_reviewed([order_id], actor, now=now)
        self._publish_order(order_id, "resent", f"balasan dikirim ulang oleh {actor}")
        return out_id

    # --- helpers --------------------------------------------------------------------------

    def _publish_order(self, order_id: int, status: str, detail: str = "") -> None:
        self.events.publish(OrderChanged(order_id=order_id, status=status, detail=detail))

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def queue_length(self) -> int:
        return sum(q.qsize() for q in self._queues.values()) + len(self._waiting)

