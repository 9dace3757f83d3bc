"""From a reseller's message to stored orders and replies.

`MessageService.handle(inbound)` stores the message (deduplicated), parses it, checks the sender and
PIN, runs the command and queues the replies in the outbox — all in one transaction, so a crash
either keeps all of it or none of it. It never raises for bad input: every message gets an answer.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Callable

from app import handlers
from app.commands import types as t
from app.commands.parser import mask, parse
from app.messages import Inbound
from app.phone import PrefixTable, normalize_msisdn
from app.pins import check_pin
from app.replies import Templates
from app.rows import AddressRow, InboundRow, ResellerRow
from app.settings import Settings
from storage import sql
from storage.models import InboundMessage, Product, Reseller, database_proxy as db

log = logging.getLogger(__name__)

_RESELLER_SELECT = ", ".join(f"r.{k}" for k in ResellerRow.COLUMNS)


@dataclass(frozen=True)
class Reply:
    to: str
    channel: str
    text: str
    outbound_id: int
    order_id: int | None = None


@dataclass
class HandleResult:
    inbound_id: int | None
    duplicate: bool = False
    replies: list[Reply] = field(default_factory=list)
    new_orders: list[int] = field(default_factory=list)
    status: str = "processed"  # processed | rejected
    reason: str = ""
    stored_text: str = ""  # the text as stored (PINs masked)
    headlines: dict[int, str] = field(default_factory=dict)  # new order -> "S10 0812… dari R001"


class MessageService:
    def __init__(self, *, prefixes: PrefixTable | None = None, templates: Templates | None = None,
                 settings: Settings | None = None, clock: Callable[[], _dt.datetime] = _dt.datetime.now):
        self.prefixes = prefixes or PrefixTable.default()
        self.templates = templates or Templates()
        self.settings = settings or Settings.load()
        self.clock = clock
        self._codes: set[str] = set()
        # The last PIN that passed for each account, as a keyed digest (the key never leaves this
        # process), bound to the stored hash so a PIN change forgets it. Resellers send the same PIN all
        # day; deriving it every time would cost more than the rest of an order.
        self._pin_key = secrets.token_bytes(32)
        self._pin_passed: dict[int, tuple[str, bytes]] = {}
        self.reload_catalog()

    def reload_catalog(self) -> None:
        self._codes = {code.upper() for (code,) in Product.select(Product.code).tuples()}

    def is_product(self, code: str) -> bool:
        return code.upper() in self._codes

    def _catalog_changed(self) -> bool:
        """Reload the product codes; True if they changed (the owner edits products while running)."""
        before = self._codes
        self.reload_catalog()
        return self._codes != before

    def _parse(self, text: str) -> t.Parsed:
        try:
            return parse(text, self._codes.__contains__)
        except Exception:  # the parser promises not to raise; this keeps a promise broken by a bug
            log.exception("parser failed")
            return parse("", self._codes.__contains__)

    # --- entry point --------------------------------------------------------------------------

    def handle(self, inbound: Inbound) -> HandleResult:
        parsed = self._parse(inbound.text)
        if isinstance(parsed.command, t.BadFormat) and self._catalog_changed():
            parsed = self._parse(inbound.text)  # a product added since the start may make it an order
        stored_text = mask(inbound.text if isinstance(inbound.text, str) else "", parsed.secrets)
        now = self.clock()
        if inbound.channel == "sms":
            inbound = dataclasses.replace(inbound, sender=normalize_msisdn(inbound.sender) or inbound.sender)
        if inbound.sent_at is not None and inbound.sent_at.tzinfo is not None:
            # SMSC timestamps carry their zone; the books use the shop's local time
            inbound = dataclasses.replace(inbound, sent_at=inbound.sent_at.astimezone().replace(tzinfo=None))
        key = inbound.dedupe_key or self._dedupe_key(inbound)
        with db.atomic():
            norm_hash = hashlib.sha1(parsed.normalized.upper().encode()).hexdigest()
            inserted = sql.one(
                "INSERT INTO inbound_message (channel, sender, text, received_at, sent_at, dedupe_key, modem, status, "
                "reason, norm_text) VALUES (?, ?, ?, ?, ?, ?, ?, 'received', '', ?) "
                "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
                (inbound.channel, inbound.sender[:200], stored_text, now, inbound.sent_at, key, inbound.modem,
                 norm_hash))
            if inserted is None:
                existing = InboundMessage.get(InboundMessage.dedupe_key == key)
                log.info("duplicate message from %s ignored: %s", inbound.sender, stored_text)
                return HandleResult(existing.id, duplicate=True, status=existing.status, reason=existing.reason,
                                    stored_text=existing.text)
            row = InboundRow(inserted[0], norm_hash)
            ctx = handlers.Context(self, row, inbound, parsed, now)
            try:
                with db.atomic():
                    self._dispatch(ctx)
            except Exception:
                # A bug must not cost the message: it is stored as rejected and answered.
                log.exception("handling message %s failed", row.id)
                ctx.replies.clear()
                ctx.new_orders.clear()
                ctx.reject("internal_error")
                ctx.reply("internal_error")
            sql.execute("UPDATE inbound_message SET status = ?, reason = ?, reseller_id = ? WHERE id = ?",
                        (ctx.status, ctx.reason[:100], ctx.reseller.id if ctx.reseller else None, row.id))
            replies = [self._queue(r, row.id, now) for r in ctx.replies]
        log.info("msg %s from %s [%s]: %s -> %s", row.id, inbound.sender, inbound.channel, stored_text,
                 ctx.reason or ctx.status)
        return HandleResult(row.id, replies=replies, new_orders=list(ctx.new_orders), status=ctx.status,
                            reason=ctx.reason, stored_text=stored_text, headlines=dict(ctx.headlines))

    @staticmethod
    def _dedupe_key(inbound: Inbound) -> str:
        if inbound.sent_at is None:
            return uuid.uuid4().hex  # nothing identifies a resend: every delivery is new
        material = f"{inbound.channel}|{inbound.sender}|{inbound.sent_at.isoformat()}|{inbound.text}"
        return hashlib.sha1(material.encode("utf-8", "replace")).hexdigest()

    def _queue(self, pending: handlers.PendingReply, inbound_id: int, now: _dt.datetime) -> Reply:
        (out_id,) = sql.one('INSERT INTO outbound_message (channel, "to", text, status, order_id, inbound_id, event, '
                            "modem, attempts, created_at) VALUES (?, ?, ?, 'queued', ?, ?, ?, '', 0, ?) RETURNING id",
                            (pending.channel, pending.to, pending.text, pending.order_id, inbound_id, pending.event,
                             now))
        return Reply(pending.to, pending.channel, pending.text, out_id, pending.order_id)

    def store_operator_sms(self, sender: str, text: str, *, sent_at: _dt.datetime | None, dedupe_key: str,
                           modem: str) -> None:
        """An SMS from an operator or upstream (a result, a promotion): kept for the record and for
        disputes, never parsed as an order."""
        if sent_at is not None and sent_at.tzinfo is not None:
            sent_at = sent_at.astimezone().replace(tzinfo=None)
        sql.execute("INSERT INTO inbound_message (channel, sender, text, received_at, sent_at, dedupe_key, modem, "
                    "status, reason, norm_text) VALUES ('operator', ?, ?, ?, ?, ?, ?, 'processed', '', '') "
                    "ON CONFLICT (dedupe_key) DO NOTHING", (sender[:200], text[:2000], self.clock(), sent_at,
                                                           dedupe_key, modem))

    # --- sender and PIN -----------------------------------------------------------------------

    def find_reseller(self, channel: str, sender: str) -> tuple[ResellerRow | None, AddressRow | None]:
        address = normalize_msisdn(sender) if channel == "sms" else sender.strip().lower()
        if not address:
            return None, None
        row = sql.one(f"SELECT a.id, a.is_main, {_RESELLER_SELECT} FROM reseller_address a "
                      "JOIN reseller r ON r.id = a.reseller_id WHERE a.channel = ? AND a.address = ?",
                      (channel, address))
        if row is None:
            return None, None
        reseller = ResellerRow(*row[2:])
        if reseller.locked_until is not None:
            reseller.locked_until = Reseller.locked_until.python_value(reseller.locked_until)
        return reseller, AddressRow(row[0], bool(row[1]), channel, address)

    def pin_matches(self, account_id: int, pin: str, salt: str, expected: str) -> bool:
        """Whether `pin` is the account's PIN (no lockout bookkeeping: see verify_pin)."""
        digest = hashlib.blake2b(pin.encode(), key=self._pin_key, digest_size=32).digest()
        remembered = self._pin_passed.get(account_id)
        if remembered is not None and remembered[0] == expected:
            return hmac.compare_digest(remembered[1], digest)
        if check_pin(pin, salt, expected):
            self._pin_passed[account_id] = (expected, digest)
            return True
        return False

    def verify_pin(self, ctx: "handlers.Context", pin: str) -> bool:
        """Check the PIN with lockout; on failure queue the reply and return False."""
        r = ctx.reseller
        assert r is not None
        now = ctx.now
        if r.locked_until and r.locked_until > now:
            ctx.reject("locked")
            ctx.reply("still_locked", jam=f"{r.locked_until:%H:%M}")
            return False
        if not r.pin_hash:
            ctx.reject("pin_not_set")
            ctx.reply("pin_not_set")
            return False
        if self.pin_matches(r.id, pin, r.pin_salt, r.pin_hash):
            if r.pin_failures:
                Reseller.update(pin_failures=0).where(Reseller.id == r.id).execute()
                r.pin_failures = 0
            return True
        failures = r.pin_failures + 1
        limit = self.settings.pin_max_failures
        if failures >= limit:
            until = now + _dt.timedelta(minutes=self.settings.pin_lock_minutes)
            Reseller.update(pin_failures=0, locked_until=until).where(Reseller.id == r.id).execute()
            ctx.reject("locked")
            ctx.reply("locked", max=limit, jam=f"{until:%H:%M}")
        else:
            Reseller.update(pin_failures=failures).where(Reseller.id == r.id).execute()
            ctx.reject("wrong_pin")
            ctx.reply("wrong_pin", n=limit - failures)
        return False

    # --- dispatch -----------------------------------------------------------------------------

    def _dispatch(self, ctx: "handlers.Context") -> None:
        cmd = ctx.parsed.command
        if isinstance(cmd, t.Help):
            return handlers.help_(ctx, cmd)
        if isinstance(cmd, (t.CenterInfo, t.BankInfo)):
            return handlers.info(ctx, cmd)
        reseller, address = self.find_reseller(ctx.inbound.channel, ctx.inbound.sender)
        ctx.reseller, ctx.address = reseller, address
        if reseller is None:
            return handlers.unknown_sender(ctx)
        if isinstance(cmd, t.BadFormat):
            return handlers.bad_format(ctx, cmd)
        if not reseller.active:
            ctx.reject("inactive")
            return ctx.reply("inactive", kode_reseller=reseller.code, kontak_admin=self.settings.admin_contact)
        if isinstance(cmd, t.ChangePin):
            return handlers.change_pin(ctx, cmd)
        pin = getattr(cmd, "pin", None)
        if pin is None and isinstance(cmd, (t.PriceList, t.DepositTicket, t.ProductInfo)):
            pass  # PIN optional: the sender's number identifies the price group
        elif not self.verify_pin(ctx, pin or ""):
            return None
        handler = handlers.HANDLERS.get(type(cmd), handlers.not_available)
        return handler(ctx, cmd)
