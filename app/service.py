"""From a reseller's message to stored orders and replies.

`MessageService.handle(inbound)` stores the message (deduplicated), parses it, checks the sender and
PIN, runs the command and queues the replies in the outbox — all in one transaction, so a crash
either keeps all of it or none of it. It never raises for bad input: every message gets an answer, except
past the daily reply limits for senders that gave no PIN (`unknown_sender_replies_per_day`,
`free_replies_per_day`: every SMS costs the shop).

Nothing kept holds a PIN: the stored text, its keyed digest (`norm_text`), the dedupe key, complaint
texts, replies and log lines have every PIN the parser read, and the reseller's own PIN wherever and
however it was typed, replaced with ****. Log lines are single lines: control characters are escaped.

Wrong PINs: every wrong PIN counts once, also both of a `GP.a.b` that matches neither. Each
`pin_max_failures` in a row lock the account: the first lock lasts `pin_lock_minutes`, each further one in
the same row twice as long as the one before, up to `pin_lock_max_minutes`. A right PIN, or the owner's
unlock (`shop_admin.unlock_reseller`), ends the row. Each lock is an alert for the owner in
`HandleResult.alerts`.
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
from typing import Callable, Iterable

from app import handlers, keyfile
from app.chat import refs as chat_refs
from app.chat.link import link_chat
from app.commands import types as t
from app.commands.parser import mask, parse, pin_runs
from app.messages import Inbound
from app.phone import PrefixTable, normalize_msisdn, sender_key
from app.pins import check_pin
from app.replies import Templates
from app.rows import AddressRow, InboundRow, ResellerRow
from app.settings import Settings
from storage import sql
from storage.models import InboundMessage, Product, Reseller, database_proxy as db

log = logging.getLogger(__name__)

_RESELLER_SELECT = ", ".join(f"r.{k}" for k in ResellerRow.COLUMNS)
MAX_PIN_PROBES = 16  # runs of a text tested against the reseller's PIN; with more, all of them are masked
MAX_LOCK_DOUBLINGS = 20  # 2**20 locks: far past any pin_lock_max_minutes
LOG_TEXT_LIMIT = 300
_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str, limit: int = LOG_TEXT_LIMIT) -> str:
    """`text` as it may go into a log line: backslashes, line breaks and every other control or invisible
    character escaped (`\\n`, `\\x{1b}`, `\\u{2028}`; the braces keep an escape from running into the
    digits after it), cut after `limit` characters."""
    if len(text) <= limit and text.isprintable() and "\\" not in text:
        return text
    out = []
    for ch in text[:limit]:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif not ch.isprintable():
            code = ord(ch)
            out.append(f"\\x{{{code:02x}}}" if code < 0x100 else f"\\u{{{code:04x}}}")
        else:
            out.append(ch)
    return "".join(out) + ("..." if len(text) > limit else "")


def _until_text(until: _dt.datetime, now: _dt.datetime) -> str:
    return f"{until:%H:%M}" if until.date() == now.date() else f"{until:%d/%m %H:%M}"


def _duration_text(minutes: int) -> str:
    if minutes % 60:
        return f"{minutes} menit"
    return f"{minutes // 60} jam"


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
    alerts: list[str] = field(default_factory=list)  # for the owner (a PIN lock): the engine publishes them


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
        # keyed digests of what identifies a message (its text holds the PIN): the key file's hashers
        self._dedupe_hasher = keyfile.hasher_for("inbound.dedupe_key")
        self._norm_hasher = keyfile.hasher_for("inbound.norm_text")
        self.reload_catalog()

    @staticmethod
    def _keyed(base: "hmac.HMAC", text: str) -> str:
        hasher = base.copy()
        hasher.update(text.encode("utf-8", "replace"))
        return hasher.hexdigest()

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
        text = inbound.text if isinstance(inbound.text, str) else ""
        parsed = self._parse(text)
        if isinstance(parsed.command, t.BadFormat) and self._catalog_changed():
            parsed = self._parse(text)  # a product added since the start may make it an order
        now = self.clock()
        if inbound.channel == "sms":
            inbound = dataclasses.replace(inbound, sender=sender_key(inbound.sender))
        if inbound.sent_at is not None and inbound.sent_at.tzinfo is not None:
            # SMSC timestamps carry their zone; the books use the shop's local time
            inbound = dataclasses.replace(inbound, sent_at=inbound.sent_at.astimezone().replace(tzinfo=None))
        # keyed: the channel's key (or ours) is made from the text, PIN included
        key = self._keyed(self._dedupe_hasher, inbound.dedupe_key or self._dedupe_key(inbound))
        with db.atomic():
            reseller, address = self.find_reseller(inbound.channel, inbound.sender)
            pin_checks: dict[str, bool] = {}
            hidden, probed = self._secrets(text, parsed, reseller, pin_checks)
            stored_text = mask(text, hidden)
            norm_masked = stored_text if parsed.normalized == text else mask(parsed.normalized, hidden)
            norm_hash = self._keyed(self._norm_hasher, norm_masked.upper())
            inserted = sql.one(
                "INSERT INTO inbound_message (channel, sender, text, received_at, sent_at, dedupe_key, modem, status, "
                "reason, norm_text) VALUES (?, ?, ?, ?, ?, ?, ?, 'received', '', ?) "
                "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
                (inbound.channel, inbound.sender[:200], stored_text, now, inbound.sent_at, key, inbound.modem,
                 norm_hash))
            if inserted is None:
                existing = InboundMessage.get(InboundMessage.dedupe_key == key)
                log.info("duplicate message from %s ignored: %s", one_line(inbound.sender), one_line(stored_text))
                return HandleResult(existing.id, duplicate=True, status=existing.status, reason=existing.reason,
                                    stored_text=existing.text)
            row = InboundRow(inserted[0], norm_hash)
            ctx = handlers.Context(self, row, inbound, parsed, now, reseller=reseller, address=address,
                                   secrets=hidden, probed=probed, pin_checks=pin_checks)
            try:
                with db.atomic():
                    self._dispatch(ctx)
            except Exception:
                # A bug must not cost the message: it is stored as rejected and answered.
                log.exception("handling message %s failed", row.id)
                ctx.replies.clear()
                ctx.new_orders.clear()
                ctx.alerts.clear()
                ctx.reject("internal_error")
                ctx.reply("internal_error")
            sql.execute("UPDATE inbound_message SET status = ?, reason = ?, reseller_id = ? WHERE id = ?",
                        (ctx.status, ctx.reason[:100], ctx.reseller.id if ctx.reseller else None, row.id))
            # (Context.reply masked the fields it echoes; until the PIN passed, only what is hidden whatever
            # the PIN may be, so that no reply tells a guesser whether a number was the PIN.)
            in_replies = hidden if ctx.pin_verified else frozenset(parsed.secrets)
            ref = chat_refs.ref_of(inbound.channel, parsed.chat_ref) if parsed.chat_ref else None
            for pending in ctx.replies if ref else ():  # chat H2H: every reply starts with the R# tag
                pending.text = chat_refs.tagged(ref, pending.text)
            replies = [self._queue(r, row.id, now, in_replies) for r in ctx.replies]
        log.info("msg %s from %s [%s]: %s -> %s", row.id, one_line(inbound.sender), one_line(inbound.channel),
                 one_line(stored_text), ctx.reason or ctx.status)
        return HandleResult(row.id, replies=replies, new_orders=list(ctx.new_orders), status=ctx.status,
                            reason=ctx.reason, stored_text=stored_text, headlines=dict(ctx.headlines),
                            alerts=list(ctx.alerts))

    def _secrets(self, text: str, parsed: t.Parsed, reseller: ResellerRow | None,
                 pin_checks: dict[str, bool]) -> tuple[frozenset[str], frozenset[str]]:
        """What to mask: the PINs the parser read, and the reseller's PIN wherever it stands in the text
        (`SAL 4321 ya`, `4321.SAL`, `TB10.4321.0813…`) — each run that may be a PIN is tested against it.
        Returns (to mask, the runs tested)."""
        hidden = set(parsed.secrets)
        if reseller is None or not reseller.pin_hash:
            return frozenset(hidden), frozenset()
        candidates = sorted({digits for _a, _b, digits in pin_runs(text)} - hidden)
        if len(candidates) > MAX_PIN_PROBES:
            hidden.update(candidates)  # a wall of numbers: hide them all, test none
            return frozenset(hidden), frozenset()
        for digits in candidates:
            if self._pin_is(reseller, digits, pin_checks):
                hidden.add(digits)
                break
        return frozenset(hidden), frozenset(candidates)

    @staticmethod
    def _dedupe_key(inbound: Inbound) -> str:
        if inbound.sent_at is None:
            return uuid.uuid4().hex  # nothing identifies a resend: every delivery is new
        return f"{inbound.channel}|{inbound.sender}|{inbound.sent_at.isoformat()}|{inbound.text}"

    def _queue(self, pending: handlers.PendingReply, inbound_id: int, now: _dt.datetime,
               hidden: frozenset[str]) -> Reply:
        text = mask(pending.text, hidden)
        (out_id,) = sql.one('INSERT INTO outbound_message (channel, "to", text, status, order_id, inbound_id, event, '
                            "modem, attempts, created_at) VALUES (?, ?, ?, 'queued', ?, ?, ?, '', 0, ?) RETURNING id",
                            (pending.channel, pending.to, text, pending.order_id, inbound_id, pending.event, now))
        return Reply(pending.to, pending.channel, text, out_id, pending.order_id)

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
        # a chat account's channel "jabber:toko" (app/chat/addresses.py): its users' addresses are "jabber"
        channel = channel.partition(":")[0]
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
        """Whether `pin` is the account's PIN (no lockout bookkeeping: see check_pins)."""
        digest = hashlib.blake2b(pin.encode(), key=self._pin_key, digest_size=32).digest()
        remembered = self._pin_passed.get(account_id)
        if remembered is not None and remembered[0] == expected:
            return hmac.compare_digest(remembered[1], digest)
        if check_pin(pin, salt, expected):
            self._pin_passed[account_id] = (expected, digest)
            return True
        return False

    def _pin_is(self, r: ResellerRow, pin: str, checks: dict[str, bool]) -> bool:
        """pin_matches, once per PIN and message (masking and the PIN check ask about the same runs)."""
        if pin not in checks:
            checks[pin] = self.pin_matches(r.id, pin, r.pin_salt, r.pin_hash)
        return checks[pin]

    def verify_pin(self, ctx: "handlers.Context", pin: str) -> bool:
        """Check the PIN with lockout; on failure queue the reply and return False."""
        return self.check_pins(ctx, (pin,)) is not None

    def check_pins(self, ctx: "handlers.Context", pins: Iterable[str]) -> str | None:
        """The one of `pins` that is the reseller's PIN (tried in order), or None after queuing the reply.
        When none is, each different one counts as a wrong PIN: a message that tries two PINs pays for
        two guesses."""
        r = ctx.reseller
        assert r is not None
        if r.locked_until and r.locked_until > ctx.now:
            ctx.reject("locked")
            ctx.reply("still_locked", jam=_until_text(r.locked_until, ctx.now))
            return None
        if not r.pin_hash:
            ctx.reject("pin_not_set")
            ctx.reply("pin_not_set")
            return None
        tried = list(dict.fromkeys(pins))
        for pin in tried:
            if self._pin_is(r, pin, ctx.pin_checks):
                ctx.pin_verified = True
                if r.pin_failures:
                    Reseller.update(pin_failures=0).where(Reseller.id == r.id).execute()
                    r.pin_failures = 0
                return pin
        self._wrong_pins(ctx, len(tried))
        return None

    def wrong_secret(self, ctx: "handlers.Context") -> None:
        """A wrong H2H signature or password (app/h2h): one more wrong PIN, with the same lock."""
        self._wrong_pins(ctx, 1)

    def _wrong_pins(self, ctx: "handlers.Context", count: int) -> None:
        """`count` more wrong PINs in a row. Every `pin_max_failures` of them lock the account, each lock
        in the row twice as long as the one before (up to pin_lock_max_minutes), with an alert."""
        r = ctx.reseller
        assert r is not None
        s = self.settings
        limit = max(1, s.pin_max_failures)
        before, after = r.pin_failures, r.pin_failures + max(1, count)
        if after // limit == before // limit:
            Reseller.update(pin_failures=after).where(Reseller.id == r.id).execute()
            r.pin_failures = after
            ctx.reject("wrong_pin")
            ctx.reply("wrong_pin", n=limit - after % limit)
            return
        lock_no = after // limit  # 1 for the first lock in this row
        minutes = max(1, min(s.pin_lock_minutes * 2 ** min(lock_no - 1, MAX_LOCK_DOUBLINGS),
                             max(s.pin_lock_max_minutes, s.pin_lock_minutes)))
        until = ctx.now + _dt.timedelta(minutes=minutes)
        Reseller.update(pin_failures=after, locked_until=until).where(Reseller.id == r.id).execute()
        r.pin_failures, r.locked_until = after, until
        ctx.reject("locked")
        ctx.reply("locked", max=limit, jam=_until_text(until, ctx.now))
        ctx.alerts.append(
            f"PIN {r.code} ({one_line(r.name, 60)}) salah {after}x berturut-turut, terakhir dari "
            f"{one_line(ctx.inbound.sender, 60)}: akun dikunci {_duration_text(minutes)} sampai "
            f"{_until_text(until, ctx.now)} (kunci ke-{lock_no}). Buka kunci di menu Reseller bila perlu.")

    # --- dispatch -----------------------------------------------------------------------------

    def _dispatch(self, ctx: "handlers.Context") -> None:
        cmd = ctx.parsed.command
        reseller = ctx.reseller
        if isinstance(cmd, t.LinkChat):
            return link_chat(ctx, cmd)
        if reseller is None:
            return handlers.unknown_sender(ctx)
        if isinstance(cmd, (t.Help, t.CenterInfo, t.BankInfo)):
            return handlers.free_reply(ctx, cmd)
        if isinstance(cmd, t.BadFormat):
            return handlers.bad_format(ctx, cmd)
        if not reseller.active:
            ctx.reject("inactive")
            return ctx.reply("inactive", kode_reseller=reseller.code, kontak_admin=self.settings.admin_contact)
        if isinstance(cmd, t.ChangePin):
            return handlers.change_pin(ctx, cmd)
        pin = getattr(cmd, "pin", None)
        if pin is None and isinstance(cmd, (t.PriceList, t.DepositTicket, t.ProductInfo)):
            return handlers.free_reply(ctx, cmd)  # PIN optional: the sender's number identifies the price group
        if not self.verify_pin(ctx, pin or ""):
            return None
        handler = handlers.HANDLERS.get(type(cmd), handlers.not_available)
        return handler(ctx, cmd)
