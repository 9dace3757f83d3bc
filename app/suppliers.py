"""Suppliers: who fulfils a top-up. A USSD chip, an SMS chip, or an upstream server reached by SMS.

Each supplier renders its request from a template, executes it through a modem link, and turns the
answer into a `SupplyResult` with its rule pack. H2H suppliers over HTTP (`app/h2h/buying.py`) have the
same interface (`topup`, `check_stock`, `history`, `match_followup`) and register their kinds in `KINDS`.
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import enum
import logging
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.money import group
from app.phone import normalize_msisdn
from app.rules import FailReason, Outcome, RulePack, may_try_next_route
from app.supplier_config import SupplierConfig
from modems.driver import ModemUnavailable
from modems.types import ModemState, Op, SendSms, Ussd, UssdOutcome
from storage import sql

log = logging.getLogger(__name__)


class SupplierKind(str, enum.Enum):
    USSD_CHIP = "ussd_chip"
    SMS_CHIP = "sms_chip"
    SMS_UPSTREAM = "sms_upstream"
    HTTP = "http"
    # H2H suppliers over HTTP (app/h2h/buying.py registers their classes in KINDS)
    H2H_OTOMAX = "h2h_otomax"
    H2H_ST24 = "h2h_st24"
    H2H_JSON = "h2h_json"


class ModemHandle(Protocol):
    """What the engine needs of a modem worker (modems.worker.ModemWorker fits)."""

    def submit(self, op: Op) -> Future: ...


@dataclass
class ModemLink:
    """The engine's view of one modem: its handle, roles and last known state."""

    name: str
    handle: ModemHandle
    roles: frozenset[str]
    state: ModemState = ModemState.CONNECTING
    signal_bars: int = 0
    detail: str = ""
    ussd_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def online(self) -> bool:
        return self.state in (ModemState.ONLINE, ModemState.BUSY)

    async def run(self, op: Op) -> Any:
        return await asyncio.wrap_future(self.handle.submit(op))


@dataclass
class Job:
    """One order on one route."""

    order_id: int
    dest: str
    nominal: int  # rupiah
    product_code: str
    supplier_code: str = ""
    cost: int = 0
    route_id: int | None = None
    attempt_id: int | None = None  # its row in `attempt`, made before the request leaves


@dataclass(frozen=True)
class FollowupMatch:
    """What an operator's or upstream's later SMS says about a top-up (plain values, read once).
    `trusted` is False when it came from a sender the operator (or upstream) does not use: such an SMS
    never moves an order or money, whatever it says."""

    outcome: Outcome
    dest: str
    amount: int
    trxid: str
    trusted: bool


@dataclass
class SupplyResult:
    outcome: Outcome
    raw: str = ""
    request: str = ""  # masked
    sn: str = ""
    trxid: str = ""
    stock: int | None = None
    reason: FailReason | None = None
    reason_text: str = ""
    retry_next: bool = False
    sent: bool = True  # False: it never left the modem, so trying another route is safe


def _render(template: str, job: Job | None, pin: str) -> str:
    values = {"pin": pin}
    if job is not None:
        values.update(dest=job.dest, nominal=job.nominal // 1000, amount_plain=job.nominal,
                      amount=group(job.nominal), code=job.supplier_code or job.product_code)
    return template.format(**values)


WRONG_PIN_REASON = "PIN chip salah"


class Supplier:
    kind: SupplierKind
    parallel = 1  # top-ups it runs at once (the engine starts this many tasks for it)

    def __init__(self, supplier_id: int, name: str, config: SupplierConfig, link: ModemLink | None,
                 pack: RulePack | None, stock: int | None = None, low_stock: int = 0):
        self.id = supplier_id
        self.name = name
        self.config = config
        self.link = link
        self.pack = pack
        self.stock = stock
        self.low_stock = low_stock
        self.busy = False
        self.disabled_reason = ""

    @property
    def pin(self) -> str:
        return self.config.pin

    @property
    def operator(self) -> str:
        return self.config.operator

    @property
    def region(self) -> tuple[str, ...]:
        return self.config.region

    def mask(self, text: str) -> str:
        return text.replace(self.pin, "*" * len(self.pin)) if self.pin else text

    @property
    def online(self) -> bool:
        return self.link is not None and self.link.online and not self.disabled_reason

    def can_serve(self, dest: str, price_hint: int = 0) -> bool:
        if self.region and not dest.startswith(self.region):
            return False
        if self.stock is not None and price_hint and self.stock < price_hint:
            return False
        return True

    async def topup(self, job: Job) -> SupplyResult:
        raise NotImplementedError

    async def check_stock(self) -> int | None:
        return None

    async def history(self) -> str | None:
        return None

    def match_followup(self, sender: str, text: str) -> FollowupMatch | None:
        """What an SMS that arrived on this supplier's modem says about a top-up, or None."""
        if self.pack is None:
            return None
        match = self.pack.match(text)
        if match.outcome == Outcome.UNKNOWN:
            return None
        return FollowupMatch(match.outcome, match.dest or "", match.amount or 0, match.trxid or "",
                             trusted=self.sends_results(sender))

    def sends_results(self, sender: str) -> bool:
        """Whether `sender` is one the operator uses for result SMS (the rule pack's `senders`: a name or
        a short code). A plain mobile number never is: anybody can send from one."""
        if self.pack is None or not self.pack.senders or _is_mobile_number(sender):
            return False
        return sender.strip().upper() in {s.strip().upper() for s in self.pack.senders}

    def result_from_text(self, text: str, request: str) -> SupplyResult:
        if self.pack is None:
            return SupplyResult(Outcome.UNKNOWN, raw=text, request=request)
        match = self.pack.match(text)
        # an upstream server reports our balance there; a chip reports its stock
        stock = match.stock if match.stock is not None else match.balance
        result = SupplyResult(match.outcome, raw=text, request=request, sn=match.sn or "", trxid=match.trxid or "",
                              stock=stock, reason=match.reason, reason_text=match.reason_text or "")
        if match.outcome == Outcome.FAILED:
            result.retry_next = may_try_next_route(match.reason)
        return result


class UssdChip(Supplier):
    kind = SupplierKind.USSD_CHIP

    async def _ussd(self, code: str, replies: tuple[str, ...] = ()) -> Any:
        assert self.link is not None
        timeout = self.config.ussd_timeout
        async with self.link.ussd_lock:
            return await self.link.run(Ussd(code, replies=replies, secrets=(self.pin,) if self.pin else (),
                                            timeout=timeout))

    async def topup(self, job: Job) -> SupplyResult:
        code = _render(self.config.topup or "*777*{dest}*{nominal}*{pin}#", job, self.pin)
        replies = tuple(_render(step, job, self.pin) for step in self.config.menu)
        masked = self.mask(code)
        try:
            res = await self._ussd(code, replies)
        except ModemUnavailable as exc:
            return SupplyResult(Outcome.FAILED, raw=str(exc), request=masked, retry_next=True, sent=False,
                                reason=FailReason.NETWORK_BUSY)
        except Exception as exc:  # the port died with the request possibly out: unknown
            log.warning("USSD on %s ended abnormally: %s", self.name, exc)
            return SupplyResult(Outcome.UNKNOWN, raw=str(exc), request=masked)
        raw = " | ".join(res.raw) if res.raw else res.text
        if not res.sent:
            return SupplyResult(Outcome.FAILED, raw=res.error or raw, request=masked, retry_next=True, sent=False,
                                reason=FailReason.USSD_REJECTED)
        if res.outcome == UssdOutcome.FAILED:
            return SupplyResult(Outcome.FAILED, raw=raw, request=masked, retry_next=True,
                                reason=FailReason.USSD_REJECTED)
        if res.outcome == UssdOutcome.UNKNOWN or not res.text:
            return SupplyResult(Outcome.UNKNOWN, raw=raw or (res.error or ""), request=masked)
        result = self.result_from_text(res.text, masked)
        result.raw = res.text
        return result

    async def check_stock(self) -> int | None:
        template = self.config.balance
        if not template or self.pack is None:
            return None
        res = await self._ussd(_render(template, None, self.pin))
        if res.outcome not in (UssdOutcome.DONE, UssdOutcome.MENU):
            return None
        return self.pack.parse_stock(res.text)

    async def history(self) -> str | None:
        template = self.config.history
        if not template:
            return None
        res = await self._ussd(_render(template, None, self.pin))
        return res.text if res.outcome in (UssdOutcome.DONE, UssdOutcome.MENU) else None


class SmsSupplier(Supplier):
    """An SMS chip (order SMS to an operator number) or an upstream server (our reseller account
    there). The answer always comes later, by SMS from `to`."""

    async def topup(self, job: Job) -> SupplyResult:
        assert self.link is not None
        to = self.config.to
        text = _render(self.config.topup or "{code}.{dest}.{pin}", job, self.pin)
        masked = self.mask(text)
        try:
            result = await self.link.run(SendSms(to, text))
        except ModemUnavailable as exc:
            return SupplyResult(Outcome.FAILED, raw=str(exc), request=masked, retry_next=True, sent=False,
                                reason=FailReason.NETWORK_BUSY)
        except Exception as exc:
            return SupplyResult(Outcome.UNKNOWN, raw=str(exc), request=masked)
        if not result.ok:
            errors = "; ".join(p.error or "" for p in result.parts)
            if any(p.mr is not None for p in result.parts) or "unknown" in errors:
                # a part left, or the modem could not tell: the order may be at the upstream already
                return SupplyResult(Outcome.UNKNOWN, raw=errors, request=masked)
            return SupplyResult(Outcome.FAILED, raw=errors or "SMS gagal terkirim", request=masked, retry_next=True,
                                sent=False, reason=FailReason.NETWORK_BUSY)
        return SupplyResult(Outcome.PENDING, raw="", request=masked)

    def sends_results(self, sender: str) -> bool:
        """An SMS supplier's results come from the number (or name) we send the orders to, or from a
        sender its pack names; nobody else."""
        to = self.config.to.strip()
        if to and (_same_number(sender, to) or sender.strip().upper() == to.upper()):
            return True
        return super().sends_results(sender)


class SmsChip(SmsSupplier):
    kind = SupplierKind.SMS_CHIP


class SmsUpstream(SmsSupplier):
    kind = SupplierKind.SMS_UPSTREAM


def _same_number(a: str, b: str) -> bool:
    """Two phone numbers, however written (0812…, +62812…, 62812…), are the same number."""
    na, nb = normalize_msisdn(a), normalize_msisdn(b)
    return na is not None and na == nb


def _is_mobile_number(sender: str) -> bool:
    return normalize_msisdn(sender) is not None


KINDS: dict[str, type[Supplier]] = {
    SupplierKind.USSD_CHIP.value: UssdChip,
    SupplierKind.SMS_CHIP.value: SmsChip,
    SupplierKind.SMS_UPSTREAM.value: SmsUpstream,
}


def build_supplier(row, links: dict[str, ModemLink]) -> Supplier | None:
    """A Supplier object from a `storage.models.Supplier` row (None for kinds not built yet)."""
    cls = KINDS.get(row.kind)
    if cls is None:
        return None
    from app.shop_admin import load_rule_pack  # the owner's saved version of a pack wins

    config = SupplierConfig.parse(row.config)
    pack_name = config.rule_pack
    pack, problem = None, ""
    if pack_name:
        try:
            pack = load_rule_pack(pack_name)
        except (OSError, ValueError, KeyError) as exc:
            problem = f"aturan balasan {pack_name} tidak bisa dimuat"
            log.error("supplier %s: %s (%s)", row.name, problem, exc)
    supplier = cls(row.id, row.name, config, links.get(config.modem), pack, row.stock, row.low_stock)
    supplier.disabled_reason = problem  # never guess an operator's answers without rules
    return supplier


def apply_row(live: Supplier, row) -> None:
    """Bring a running supplier in line with its edited row (templates, PIN, rule pack, on/off). A chip
    whose PIN the operator refused stays off until its PIN changes: another try could lock the chip."""
    from app.shop_admin import load_rule_pack

    old_secrets = (live.pin, live.config.password)  # an H2H supplier's account: PIN and password
    wrong_pin = live.disabled_reason == WRONG_PIN_REASON
    live.config = SupplierConfig.parse(row.config)
    if not row.active:
        live.disabled_reason = "dinonaktifkan admin"
    elif wrong_pin and (live.pin, live.config.password) == old_secrets:
        pass
    else:
        live.disabled_reason = ""
    pack_name = live.config.rule_pack
    if pack_name:
        try:
            live.pack = load_rule_pack(pack_name)
        except (OSError, ValueError, KeyError):
            live.disabled_reason = f"aturan balasan {pack_name} tidak bisa dimuat"


def supplier_rows(active_only: bool = True) -> list:
    from storage.models import Supplier as SupplierRow

    query = SupplierRow.select().order_by(SupplierRow.id)
    return list(query.where(SupplierRow.active == True) if active_only else query)  # noqa: E712


def record_stock(supplier_id: int, stock: int, now: _dt.datetime) -> None:
    """The stock the operator reported (a balance check, or the balance in a top-up answer): the
    supplier's current stock, and a `reading` in its stock history (app.stock_books reconciles it)."""
    from contextlib import nullcontext

    from storage.models import database_proxy

    db = database_proxy.obj
    # inside the engine's settlement transaction already: no savepoint on the hot path
    with nullcontext() if db.in_transaction() else db.atomic():
        sql.execute("UPDATE supplier SET stock = ?, stock_checked_at = ? WHERE id = ?", (stock, now, supplier_id))
        # a supplier removed meanwhile (or one only held in memory) keeps no history
        sql.execute("INSERT INTO stock_entry (supplier_id, at, kind, amount, note, actor) "
                    "SELECT ?, ?, 'reading', ?, '', 'system' WHERE EXISTS (SELECT 1 FROM supplier WHERE id = ?)",
                    (supplier_id, now, stock, supplier_id))


def stock_checked_at(supplier_id: int) -> _dt.datetime | None:
    from storage.models import Supplier as SupplierRow

    row = sql.one("SELECT stock_checked_at FROM supplier WHERE id = ?", (supplier_id,))
    return SupplierRow.stock_checked_at.python_value(row[0]) if row and row[0] else None
