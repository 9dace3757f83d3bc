"""Buying over HTTP: H2H suppliers (another server pulsa, an aggregator) in the routes beside the chips.

- `HttpSupplier` (kinds `h2h_otomax`, `h2h_st24`, `h2h_json`, registered in `app.suppliers.KINDS` when this
  module is imported): one order → one HTTP request (app/h2h/dialects.py), its answer read by the
  supplier's rule pack. A connection refused before anything was sent is a failure that may take the next
  route; a timeout or a connection dropped after the request left is *unknown* (the order turns suspect,
  never failed).
- Our reference there is made from the order (`<prefix><order id>`, `-2`, `-3` … after a definite failure
  there), so a request sent again for an order whose earlier attempt there is still open carries the same
  reference: at the supplier it is the same order (its status), never a second one.
- `Buying`: the callbacks (`/h2h/callback/{supplier}` of the H2H server, source address checked, a callback
  that overtakes the synchronous answer kept for it) and the status checks by our reference for orders
  pending or suspect there (1, 2, 5, 10, 30 min after the request, then every 30 min; never a new order).

docs/h2h.md "Buying" describes it for the shop owner.
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping
from urllib.parse import urlsplit

import aiohttp

from app.http_client import client_session
from app import orders
from app.events import Alert
from app.h2h import dialects
from app.h2h import members as members_
from app.h2h.dialects import Outgoing, Reading
from app.orders import OrderStatus
from app.phone import normalize_msisdn
from app.rules import FailReason, Outcome, may_try_next_route
from app.suppliers import KINDS, Job, Supplier, SupplierKind, SupplyResult
from storage import sql

if TYPE_CHECKING:
    from app.engine import Engine
    from app.supervisor import Supervisor

log = logging.getLogger(__name__)

MAX_ANSWER = 16_000  # characters of an answer kept
CONNECT_TIMEOUT_S = 10.0
DOWN_AFTER = 3  # connections refused in a row before the supplier counts as offline for a while
DOWN_MAX_S = 60.0
CHECK_AFTER_S = (60, 120, 300, 600, 1800)  # status checks after the request (h2h.md 9.3), then every 30 min
CHECK_EVERY_S = 1800
CHECK_HORIZON = _dt.timedelta(days=80)  # a reference this old is never sent again (h2h.md 7)
NOT_FOUND_AFTER_S = 600  # "never received" settles a suspect only once its request is this old
POLL_S = 1.0


class NotSent(Exception):
    """Nothing reached the supplier (refused, unreachable, no connection in time)."""


class Unknown(Exception):
    """The request may have reached the supplier, but no answer came (timeout, dropped connection)."""


# --- references ---------------------------------------------------------------------------------------

def _attempts_there(order_id: int, supplier_id: int) -> list[tuple[int, str]]:
    return [(int(i), o or "") for i, o in sql.all_rows(
        "SELECT id, outcome FROM attempt WHERE order_id = ? AND supplier_id = ? ORDER BY id", (order_id, supplier_id))]


def _generation(attempts: list[tuple[int, str]], attempt_id: int) -> int:
    """1 + the definite failures there before this attempt: a new reference only after a failure."""
    return 1 + sum(1 for i, outcome in attempts if i < attempt_id and outcome == Outcome.FAILED.value)


def make_ref(prefix: str, order_id: int, generation: int) -> str:
    return f"{prefix}{order_id}" + (f"-{generation}" if generation > 1 else "")


# --- the supplier ---------------------------------------------------------------------------------------

class HttpSupplier(Supplier):
    """An H2H supplier over HTTP; `kind` says its dialect."""

    kind = SupplierKind.H2H_OTOMAX
    parallel = 4  # requests at once: a slow answer must not hold every other order

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.early: dict[str, Reading] = {}  # callbacks that came before their request's own answer
        self._refused = 0
        self._down_until = 0.0

    # --- state -----------------------------------------------------------------------------------

    @property
    def online(self) -> bool:
        return not self.disabled_reason and bool(self.config.url) and time.monotonic() >= self._down_until

    def mask(self, text: str) -> str:
        for secret in (self.config.pin, self.config.password):
            if secret:
                text = text.replace(secret, "*" * len(secret))
        return text

    def reference(self, order_id: int, attempt_id: int) -> str:
        return make_ref(self.config.ref_prefix, order_id, _generation(_attempts_there(order_id, self.id), attempt_id))

    def attempt_of(self, ref: str) -> tuple[int, int] | None:
        """(order id, attempt id) of one of our references here: the latest attempt that carried it."""
        prefix = re.escape(self.config.ref_prefix)
        m = re.fullmatch(prefix + r"(\d{1,18})(?:-(\d{1,4}))?", ref.strip())
        if m is None:
            return None
        order_id, generation = int(m.group(1)), int(m.group(2) or 1)
        attempts = _attempts_there(order_id, self.id)
        carrying = [i for i, _o in attempts if _generation(attempts, i) == generation]
        return (order_id, carrying[-1]) if carrying else None

    # --- HTTP ------------------------------------------------------------------------------------

    async def exchange(self, request: Outgoing) -> tuple[int, str]:
        """Send one request; (HTTP status, body). NotSent or Unknown when no answer came."""
        total = max(float(self.config.http_timeout or 30), 0.1)
        timeout = aiohttp.ClientTimeout(total=total, sock_connect=min(CONNECT_TIMEOUT_S, total))
        try:
            async with client_session(timeout=timeout) as session:
                # aiohttp sends an idempotent request again by itself when the connection drops before the
                # answer; here that is the order's status at best and must be our decision, never its
                session._retry_connection = False  # type: ignore[attr-defined]  # no public switch (3.10+)
                async with session.request(request.method, request.url, params=request.params or None,
                                           data=request.body or None, headers=request.headers or None,
                                           allow_redirects=False) as resp:
                    body = await resp.content.read(MAX_ANSWER * 4)  # a runaway answer is cut, not kept whole
                    status = resp.status
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            self._refused += 1
            if self._refused >= DOWN_AFTER:
                self._down_until = time.monotonic() + min(DOWN_MAX_S, 5.0 * 2 ** (self._refused - DOWN_AFTER))
            raise NotSent(str(exc) or type(exc).__name__) from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            self._refused = 0
            raise Unknown(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None
        self._refused = 0
        self._down_until = 0.0
        return status, body.decode("utf-8", "replace")[:MAX_ANSWER]

    # --- reading ---------------------------------------------------------------------------------

    def read(self, reading: Reading, request: str, dest: str) -> SupplyResult:
        """An answer or a callback → a result. A structured status wins over the text; a sentence about
        another number than the order's is not believed (suspect)."""
        text = reading.text
        match = self.pack.match(text) if self.pack is not None else None
        outcome = match.outcome if match is not None else Outcome.UNKNOWN
        if match is not None and match.rule_name.endswith("not_found"):
            outcome = Outcome.UNKNOWN
        if reading.status is not None:
            outcome = reading.status
        result = SupplyResult(outcome, raw=text, request=request, trxid=reading.trxid)
        if match is not None and match.matched:
            result.sn = match.sn or ""
            result.trxid = match.trxid or result.trxid
            result.stock = match.balance  # our deposit there, as the supplier reports it
            result.reason_text = match.reason_text or ""
            theirs = match.dest.split(".")[-1] if match.dest else ""
            if theirs and normalize_msisdn(theirs) != normalize_msisdn(dest):
                log.warning("%s answered about %s for an order to %s", self.name, theirs, dest)
                return SupplyResult(Outcome.UNKNOWN, raw=text, request=request)
        if reading.sn:
            result.sn = reading.sn
        if outcome == Outcome.FAILED:
            reason = match.reason if match is not None and match.outcome == Outcome.FAILED else None
            if reason is None and self.pack is not None:
                reason = self.pack.reason_for(result.reason_text or text)
            # a supplier's failure with no reason we know: it gave the money back; another route may serve
            result.reason = FailReason.SUPPLIER_REFUND if reason in (None, FailReason.UNKNOWN) else reason
            result.retry_next = may_try_next_route(result.reason)
        return result

    def is_not_found(self, reading: Reading) -> bool:
        if reading.not_found:
            return True
        match = self.pack.match(reading.text) if self.pack is not None else None
        return match is not None and match.rule_name.endswith("not_found")

    def _answer(self, status: int, text: str, ref: str, shown: str, dest: str) -> SupplyResult:
        kind = self.kind.value
        if 200 <= status < 300 or (kind == "h2h_json" and status == 404):
            return self.read(dialects.read_answer(kind, ref, status, text), shown, dest)
        raw = f"HTTP {status}: {text}"[:MAX_ANSWER]
        if status in (401, 403):  # our account or address refused: trying again would lock it
            return SupplyResult(Outcome.FAILED, raw=raw, request=shown, retry_next=True,
                                reason=FailReason.WRONG_CHIP_PIN, reason_text=f"ditolak supplier (HTTP {status})")
        if 400 <= status < 500 and status != 409:  # refused as a request: no order was made there
            return SupplyResult(Outcome.FAILED, raw=raw, request=shown, retry_next=True,
                                reason=FailReason.PRODUCT_DISRUPTED, reason_text=f"ditolak supplier (HTTP {status})")
        return SupplyResult(Outcome.UNKNOWN, raw=raw, request=shown)  # 5xx, 3xx, 409: may have been made

    # --- the supplier interface -------------------------------------------------------------------

    async def topup(self, job: Job) -> SupplyResult:
        assert job.attempt_id is not None, "the engine makes the attempt row before the request"
        ref = self.reference(job.order_id, job.attempt_id)
        code = job.supplier_code or job.product_code
        request = dialects.order_request(self.kind.value, self.config, ref, code, job.dest)
        shown = self.mask(request.shown)
        try:
            status, text = await self.exchange(request)
        except NotSent as exc:
            result = SupplyResult(Outcome.FAILED, raw=str(exc), request=shown, retry_next=True, sent=False,
                                  reason=FailReason.NETWORK_BUSY, reason_text="supplier tidak bisa dihubungi")
            self.early.pop(ref, None)
            return result
        except Unknown as exc:
            log.warning("%s: no answer for %s (%s): the order is suspect", self.name, ref, exc)
            result = SupplyResult(Outcome.UNKNOWN, raw=str(exc), request=shown)
        else:
            result = self._answer(status, text, ref, shown, job.dest)
        early = self.early.pop(ref, None)
        if early is not None and result.outcome in (Outcome.PENDING, Outcome.UNKNOWN):
            settled = self.read(early, shown, job.dest)
            if settled.outcome in (Outcome.SUCCESS, Outcome.FAILED):  # the callback overtook the answer
                settled.raw = f"{result.raw} || {settled.raw}" if result.raw else settled.raw
                return settled
        return result

    async def status(self, order_id: int, attempt_id: int, code: str, dest: str) -> tuple[SupplyResult, bool]:
        """Ask by our reference (never a new order): the result, and whether the supplier does not know it."""
        ref = self.reference(order_id, attempt_id)
        request = dialects.order_request(self.kind.value, self.config, ref, code, dest, check=True)
        shown = self.mask(request.shown)
        try:
            status, text = await self.exchange(request)
        except (NotSent, Unknown) as exc:
            return SupplyResult(Outcome.UNKNOWN, raw=str(exc), request=shown), False
        if 200 <= status < 300 or (self.kind.value == "h2h_json" and status == 404):
            reading = dialects.read_answer(self.kind.value, ref, status, text)
            return self.read(reading, shown, dest), self.is_not_found(reading)
        return SupplyResult(Outcome.UNKNOWN, raw=f"HTTP {status}: {text}"[:MAX_ANSWER], request=shown), False


class OtomaxSupplier(HttpSupplier):
    kind = SupplierKind.H2H_OTOMAX


class St24Supplier(HttpSupplier):
    kind = SupplierKind.H2H_ST24


class JsonSupplier(HttpSupplier):
    kind = SupplierKind.H2H_JSON


HTTP_KINDS: dict[str, type[Supplier]] = {c.kind.value: c for c in (OtomaxSupplier, St24Supplier, JsonSupplier)}
KINDS.update(HTTP_KINDS)


# --- callbacks and status checks ----------------------------------------------------------------------

@dataclass(frozen=True)
class CallbackAnswer:
    status: int
    text: str


def _order_facts(order_id: int, supplier_id: int) -> tuple[str, int | None, str, str] | None:
    """(status, supplier now, destination, the supplier's product code) of an order."""
    row = sql.one('SELECT o.status, o.supplier_id, o.dest, COALESCE(r.supplier_code, \'\'), p.code FROM "order" o '
                  "JOIN product p ON p.id = o.product_id LEFT JOIN route r ON r.product_id = o.product_id "
                  "AND r.supplier_id = ? WHERE o.id = ?", (supplier_id, order_id))
    if row is None:
        return None
    status, on, dest, code, product = row
    return status, on, dest, code or product


class Buying:
    """The buying half of H2H for one run: callbacks from suppliers and status checks by reference."""

    def __init__(self, engine: "Engine", clock: Callable[[], _dt.datetime] | None = None):
        self.engine = engine
        self.clock = clock or engine.clock
        self._checked: dict[int, int] = {}  # attempt id → status checks it is past

    def start(self, supervisor: "Supervisor") -> None:
        supervisor.start("h2h-status-checks", self._run)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            try:
                await self.check_due()
            except Exception:  # a database hiccup must not take the engine down: next pass
                log.exception("status checks at H2H suppliers failed")

    def suppliers(self) -> list[HttpSupplier]:
        return [s for s in self.engine.suppliers.values() if isinstance(s, HttpSupplier)]

    def find(self, name: str) -> HttpSupplier | None:
        wanted = name.strip().casefold()
        for supplier in self.suppliers():
            if supplier.name.casefold() == wanted or str(supplier.id) == wanted:
                return supplier
        return None

    # --- callbacks -------------------------------------------------------------------------------

    async def allowed(self, supplier: HttpSupplier, ip: str) -> bool:
        """The callback's source is one the supplier's settings name, else its URL's host."""
        address = members_.parse_ip(ip)
        if address is None:
            return False
        nets = [n for n in map(members_.parse_network, supplier.config.callback_ips) if n is not None]
        if nets:
            return any(address in net for net in nets)
        host = urlsplit(supplier.config.url).hostname or ""
        literal = members_.parse_ip(host)
        if literal is not None:
            return address == literal
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, None)
        except OSError:
            return False
        return any(members_.parse_ip(str(info[4][0])) == address for info in infos)

    async def callback(self, name: str, ip: str, params: Mapping[str, str], body: bytes,
                       headers: Mapping[str, str]) -> CallbackAnswer:
        supplier = self.find(name)
        if supplier is None:
            return CallbackAnswer(404, "supplier tidak dikenal")
        if not await self.allowed(supplier, ip):
            log.warning("callback for %s from %s refused: address not allowed", supplier.name, ip)
            self.engine.events.publish(Alert(text=f"Callback {supplier.name} dari IP {ip} ditolak (bukan IP supplier)"))
            return CallbackAnswer(403, "IP tidak diizinkan")
        try:
            reading = dialects.read_callback(supplier.kind.value, supplier.config, params, body, headers)
        except dialects.BadCallback as exc:
            log.warning("callback for %s from %s unreadable: %s", supplier.name, ip, exc)
            return CallbackAnswer(exc.status, str(exc))
        return self.apply(supplier, reading)

    def apply(self, supplier: HttpSupplier, reading: Reading) -> CallbackAnswer:
        """What a callback says, applied to the attempt it names (or kept for it while it is out)."""
        found = supplier.attempt_of(reading.ref)
        facts = _order_facts(found[0], supplier.id) if found else None
        if found is None or facts is None:
            log.warning("callback for %s names an unknown reference %s", supplier.name, reading.ref[:60])
            return CallbackAnswer(404, "Ref ID tidak dikenal")
        order_id, attempt_id = found
        status, on, dest, _code = facts
        latest = _attempts_there(order_id, supplier.id)[-1][0]
        pending = self.engine.pending_on(supplier.id).get(order_id)
        if status == OrderStatus.SENDING.value and on == supplier.id and attempt_id == latest and pending is None:
            supplier.early[reading.ref] = reading  # its request's own answer has not come back yet
            return CallbackAnswer(200, "OK")
        result = supplier.read(reading, "", dest)
        if ((status == OrderStatus.SENDING.value and pending == attempt_id)
                or (status == OrderStatus.SUSPECT.value and on == supplier.id and attempt_id == latest)):
            self._settle(supplier, order_id, attempt_id, result)
        elif result.outcome == Outcome.SUCCESS and status == OrderStatus.FAILED.value:
            self._late_success(supplier, order_id, reading.text)
        else:
            log.info("callback for %s about order %s (%s) changes nothing: %s", supplier.name, order_id, status,
                     result.outcome.value)
        return CallbackAnswer(200, "OK")

    def _settle(self, supplier: HttpSupplier, order_id: int, attempt_id: int, result: SupplyResult) -> None:
        try:
            self.engine.settle_later(supplier, order_id, result, attempt_id)
        except orders.TransitionError as exc:  # settled by hand meanwhile
            log.warning("order %s: %s's result %s came after it was settled (%s)", order_id, supplier.name,
                        result.outcome.value, exc)

    def _late_success(self, supplier: HttpSupplier, order_id: int, text: str) -> None:
        now = self.clock()
        orders.audit(orders.SYSTEM, "late_success", order_id, f"{supplier.name}: {text[:300]}", now=now)
        orders.needs_review(order_id)
        self.engine.events.publish(Alert(text=f"TrxID {order_id}: {supplier.name} melaporkan SUKSES setelah transaksi "
                                              "digagalkan dan dana dikembalikan. Periksa dan paksa sukses bila benar."))

    # --- status checks ---------------------------------------------------------------------------

    def open_attempts(self, supplier: HttpSupplier) -> dict[int, int]:
        """Orders whose result there is still open: pending (acknowledged) and suspect → attempt id."""
        found = dict(self.engine.pending_on(supplier.id))
        for order_id, attempt_id in sql.all_rows(
                'SELECT o.id, MAX(a.id) FROM "order" o JOIN attempt a ON a.order_id = o.id AND a.supplier_id = ? '
                "WHERE o.supplier_id = ? AND o.status = ? GROUP BY o.id",
                (supplier.id, supplier.id, OrderStatus.SUSPECT.value)):
            found.setdefault(int(order_id), int(attempt_id))
        return found

    @staticmethod
    def _offset(k: int) -> float:
        """Seconds after the request at which the k-th status check (from 0) is due."""
        n = len(CHECK_AFTER_S)
        return CHECK_AFTER_S[k] if k < n else CHECK_AFTER_S[-1] + CHECK_EVERY_S * (k - n + 1)

    async def check_due(self) -> int:
        """One pass: ask each supplier about its open orders whose next check is due. Returns how many
        orders were settled."""
        settled = 0
        for supplier in self.suppliers():
            if not supplier.online or not supplier.config.status_check:
                continue
            for order_id, attempt_id in self.open_attempts(supplier).items():
                started = orders.attempt_started(attempt_id)
                if started is None:
                    continue
                age = (self.clock() - started).total_seconds()
                if age > CHECK_HORIZON.total_seconds() or age < self._offset(self._checked.get(attempt_id, 0)):
                    continue
                k = 0
                while self._offset(k) <= age:
                    k += 1
                self._checked[attempt_id] = k
                try:
                    settled += await self.check(supplier, order_id, attempt_id)
                except Exception:
                    log.exception("status check of order %s at %s failed", order_id, supplier.name)
        return settled

    async def check(self, supplier: HttpSupplier, order_id: int, attempt_id: int) -> bool:
        """Ask the supplier about one order by our reference; settle it when the answer is final."""
        facts = _order_facts(order_id, supplier.id)
        if facts is None:
            return False
        _status, _on, dest, code = facts
        result, not_found = await supplier.status(order_id, attempt_id, code, dest)
        status = orders.status_of(order_id)  # again: the check took a while
        if status not in (OrderStatus.SENDING, OrderStatus.SUSPECT):
            return False
        if status == OrderStatus.SENDING and self.engine.pending_on(supplier.id).get(order_id) != attempt_id:
            return False
        if not_found:
            started = orders.attempt_started(attempt_id)
            old = started is not None and (self.clock() - started).total_seconds() >= NOT_FOUND_AFTER_S
            if status != OrderStatus.SUSPECT or not old:
                return False
            result = SupplyResult(Outcome.FAILED, raw=result.raw, request=result.request,
                                  reason=FailReason.SUPPLIER_REFUND,
                                  reason_text="Transaksi tidak sampai ke supplier")
        if result.outcome not in (Outcome.SUCCESS, Outcome.FAILED):
            return False
        now = self.clock()
        orders.audit(orders.SYSTEM, "status_check", order_id, f"{supplier.name}: {result.outcome.value}", now=now)
        self._settle(supplier, order_id, attempt_id, result)
        return True
