"""One function per reseller command. Each runs inside MessageService.handle's transaction."""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from app import commission, deposits, downlines, ledger, orders, reports
from app.chat import addresses as chat_addresses, refs as chat_refs
from app.commands import types as t
from app.commands.dates import resolve as resolve_date
from app.commands.parser import mask
from app.h2h import members as h2h_members
from app.ledger import LedgerKind
from app.modem_records import ModemRecord
from app.money import group
from app.phone import normalize_msisdn
from app.pins import hash_pin, new_salt
from app.rows import AddressRow, InboundRow, ResellerRow
from app.supplier_config import SupplierConfig
from storage.models import (Complaint, InboundMessage, LedgerEntry, Modem, Order, OutboundMessage,
                            Price, Product, Reseller, ResellerAddress, Supplier)

if TYPE_CHECKING:
    from app.messages import Inbound
    from app.phone import PrefixTable
    from app.replies import Templates
    from app.settings import Settings


class Service(Protocol):
    """What a command handler may use of the message service (app/service.py)."""

    settings: "Settings"
    templates: "Templates"
    prefixes: "PrefixTable"

    def verify_pin(self, ctx: "Context", pin: str) -> bool: ...

    def check_pins(self, ctx: "Context", pins: tuple[str, ...]) -> str | None: ...


SMS_LEN = 160
FREE_EVENT = "free:"  # event prefix of the replies no PIN paid for: counted against the daily limits
# reply fields that may repeat what the sender typed
ECHO_FIELDS = frozenset({"tujuan", "kode", "kode_tujuan", "bank", "tgl", "hp", "nama"})
EXAMPLES = {
    "topup": ("isi pulsa", "S10.08123456789.PIN"),
    "link": ("tautkan chat", "LINK.KODE.PIN"),
    "balance": ("cek saldo", "SAL.PIN"),
    "price": ("cek harga", "HARGA.PIN atau HARGA.TSEL.PIN"),
    "pin": ("ganti PIN", "GP.PINBARU.PINLAMA"),
    "register": ("daftar downline", "REG.08123456789.NAMA.KOTA.PIN"),
    "transfer": ("kirim saldo", "KIRIM.KODE.JUMLAH.PIN"),
    "pull": ("tarik saldo", "TARIK.KODE.JUMLAH.PIN"),
    "ticket": ("tiket deposit", "TIKET.BCA.500000.PIN"),
    "recap": ("rekap", "RKP.PIN atau RKP.TGL.PIN"),
    "ledger": ("mutasi", "MUTASI.PIN"),
    "status": ("cek status", "CEK.08123456789.PIN"),
    "last": ("5 transaksi terakhir", "LAST5.PIN"),
    "complaint": ("komplain", "KOMPLAIN.ISI KELUHAN.PIN"),
    "parallel": ("tambah paralel", "P.08123456789.PIN"),
    "cancel": ("batal", "BTL.08123456789.PIN"),
    "product": ("info produk", "PRODUK.TSEL"),
    "markup": ("markup", "MARKUP.S10.100.PIN"),
    "downline": ("daftar downline", "LDL.PIN"),
    "downline_balance": ("saldo downline", "SD.KODE.PIN"),
    "block": ("blokir downline", "BLOK.KODE.PIN atau UNBLOK.KODE.PIN"),
    "commission": ("komisi", "KOMISI.PIN atau TUKAR.PIN"),
}
EXAMPLE_NAMES_EN = {"topup": "top-up", "balance": "balance", "price": "prices", "pin": "change PIN",
                    "register": "register a downline", "transfer": "send balance", "pull": "pull balance",
                    "ticket": "deposit ticket", "recap": "recap", "ledger": "ledger", "status": "order status",
                    "last": "last 5 orders", "complaint": "complaint", "parallel": "add a number",
                    "cancel": "cancel", "product": "products", "markup": "markup", "downline": "downlines",
                    "downline_balance": "a downline's balance", "block": "block a downline",
                    "commission": "commission", "link": "link a chat"}


@dataclass
class PendingReply:
    to: str
    channel: str
    text: str
    order_id: int | None = None
    event: str = ""


@dataclass
class Context:
    service: Service
    row: InboundRow
    inbound: "Inbound"
    parsed: t.Parsed
    now: _dt.datetime
    reseller: ResellerRow | None = None
    address: AddressRow | None = None
    replies: list[PendingReply] = field(default_factory=list)
    new_orders: list[int] = field(default_factory=list)
    headlines: dict[int, str] = field(default_factory=dict)  # new order -> one line for logs and screens
    status: str = "processed"
    reason: str = ""
    secrets: frozenset[str] = frozenset()  # the PINs in this message: masked in whatever is kept of it
    probed: frozenset[str] = frozenset()  # the runs of the text tested against the reseller's PIN
    pin_checks: dict[str, bool] = field(default_factory=dict)  # PIN -> is the reseller's (asked once)
    pin_verified: bool = False  # the reseller's PIN passed in this message
    alerts: list[str] = field(default_factory=list)  # for the owner
    reply_budget: int | None = None  # replies left today when no PIN pays for them; None: no limit

    @property
    def lang(self) -> str:
        return self.reseller.language if self.reseller else self.service.settings.language

    def render(self, name: str, **values: Any) -> str:
        return self.service.templates.render(name, self.lang, **values)

    def mask(self, text: str) -> str:
        return mask(text, self.secrets)

    def reply(self, name: str, *, order_id: int | None = None, to: str | None = None,
              channel: str | None = None, **values: Any) -> None:
        # A field echoed back ("Bank X4321 tidak tersedia") may be the PIN. Until the PIN passed, every run
        # that was tested is hidden, the PIN or not, so that the reply tells a guesser nothing.
        echo = self.secrets if self.pin_verified else self.secrets | self.probed
        values = {k: mask(v, echo) if k in ECHO_FIELDS and isinstance(v, str) else v for k, v in values.items()}
        self._add(PendingReply(to or self.inbound.sender, channel or self.inbound.channel,
                               self.render(name, **values), order_id, name))

    def reply_text(self, text: str, name: str = "") -> None:
        self._add(PendingReply(self.inbound.sender, self.inbound.channel, text, None, name))

    def _add(self, pending: PendingReply) -> None:
        if self.reply_budget is not None:
            if self.reply_budget <= 0:
                return
            self.reply_budget -= 1
            pending.event = FREE_EVENT + pending.event
        self.replies.append(pending)

    def reject(self, reason: str) -> None:
        self.status, self.reason = "rejected", reason

    def status_text(self, code: str) -> str:
        return self.render(f"status_{code}")


# --- no reseller needed ------------------------------------------------------------------------

def _example(ctx: Context, hint: str) -> tuple[str, str]:
    name, example = EXAMPLES.get(hint, EXAMPLES["topup"])
    if ctx.lang == "en":
        name = EXAMPLE_NAMES_EN.get(hint if hint in EXAMPLES else "topup", name)
    return name, example


def help_(ctx: Context, cmd: t.Help) -> None:
    topic = cmd.topic.lower()
    names = {"TIKET": "ticket", "DEPOSIT": "ticket", "SALDO": "balance", "HARGA": "price", "PIN": "pin",
             "REG": "register", "KIRIM": "transfer", "RKP": "recap", "CEK": "status"}
    if topic and topic.upper() in names:
        name, example = _example(ctx, names[topic.upper()])
        ctx.reply_text(f"Format {name}: {example}", "help")
    else:
        ctx.reply("help")


def info(ctx: Context, cmd: t.CenterInfo | t.BankInfo) -> None:
    s = ctx.service.settings
    if isinstance(cmd, t.CenterInfo):
        ctx.reply("center", center=", ".join(s.center_numbers) or "-")
    else:
        ctx.reply("bank_info", banks=", ".join(f"{b} {v['account']} a.n. {v['name']}" for b, v in s.banks.items()))


def _within_allowance(ctx: Context, per_day: int) -> bool:
    """Replies no PIN pays for (every SMS costs the shop) are counted per sender and day, all of them:
    False when this sender has had `per_day` today; else the rest of the allowance limits this message's
    replies too."""
    since = ctx.now.replace(hour=0, minute=0, second=0, microsecond=0)
    sent = (OutboundMessage.select().where((OutboundMessage.to == ctx.inbound.sender)
                                           & (OutboundMessage.channel == ctx.inbound.channel)
                                           & (OutboundMessage.event.startswith(FREE_EVENT))
                                           & (OutboundMessage.created_at >= since)).count())
    ctx.reply_budget = max(0, per_day - sent)
    return ctx.reply_budget > 0


def unknown_sender(ctx: Context) -> None:
    """A number that is no reseller's: FORMAT, CENTER and BANK are answered, anything else is "not
    registered"; at most unknown_sender_replies_per_day replies a day, then silence."""
    cmd = ctx.parsed.command
    ctx.reject("not_registered")
    if not _within_allowance(ctx, ctx.service.settings.unknown_sender_replies_per_day):
        return None
    if isinstance(cmd, (t.Help, t.CenterInfo, t.BankInfo)):
        ctx.status, ctx.reason = "processed", ""
        return _FREE[type(cmd)](ctx, cmd)
    template = "chat_not_registered" if chat_addresses.is_chat(ctx.inbound.channel) else "not_registered"
    ctx.reply(template, kontak_admin=ctx.service.settings.admin_contact)


def free_reply(ctx: Context, cmd: t.Help | t.CenterInfo | t.BankInfo | t.PriceList | t.DepositTicket
               | t.ProductInfo) -> None:
    """A reseller's command without a PIN, answered within free_replies_per_day replies a day: nothing is
    done for it (not even a deposit ticket made) once they are used up."""
    if not _within_allowance(ctx, ctx.service.settings.free_replies_per_day):
        ctx.reject("reply_limit")
        return None
    _FREE[type(cmd)](ctx, cmd)


def bad_format(ctx: Context, cmd: t.BadFormat) -> None:
    name, example = _example(ctx, cmd.hint)
    if cmd.detail == t.NON_ASCII_DIGITS:
        ctx.reject("bad_digits")
        return ctx.reply("bad_digits", contoh_nama=name, contoh=example)
    ctx.reject("bad_format")
    ctx.reply("bad_format", contoh_nama=name, contoh=example)


def not_available(ctx: Context, cmd: Any) -> None:
    ctx.reject("not_available")
    ctx.reply("not_available")


# --- top-up ----------------------------------------------------------------------------------

def topup(ctx: Context, cmd: t.TopUp) -> None:
    svc = ctx.service
    limit = svc.settings.multi_max_items
    if len(cmd.items) > limit:
        ctx.reject("too_many")
        return ctx.reply("too_many", max=limit)
    reseller = ctx.reseller
    assert reseller is not None
    ref = chat_refs.ref_of(ctx.inbound.channel, ctx.parsed.chat_ref) if ctx.parsed.chat_ref else None
    if ref is not None and not _chat_ref_ok(ctx, cmd, ref):
        return None
    rejected = 0
    for item_no, item in enumerate(cmd.items):
        def same_text_order(item_no: int = item_no) -> Order | None:
            since = orders.window_start(ctx.now, svc.settings.repeat_window)
            earlier = (InboundMessage.select(InboundMessage.id)
                       .where((InboundMessage.reseller == reseller.id) & (InboundMessage.norm_text == ctx.row.norm_text)
                              & (InboundMessage.id != ctx.row.id) & (InboundMessage.received_at >= since)))
            return (Order.select().where((Order.inbound.in_(earlier)) & (Order.item_no == item_no))
                    .order_by(Order.id.desc()).first())

        placement = orders.place_topup(
            reseller, item.product, item.dest, counter=item.counter,
            # a new R# is a new order (the tag, not the text, tells a repeat from a resend)
            repeat_next=item.repeat_next or (ref is not None and item.counter is None),
            inbound_id=ctx.row.id, item_no=item_no, channel=ctx.inbound.channel, settings=svc.settings,
            prefixes=svc.prefixes, now=ctx.now, sent_at=ctx.inbound.sent_at,
            same_text_order=same_text_order if ref is None else (lambda: None), ref_id=ref)
        values = dict(placement.values or {})
        if "status_code" in values:
            values["status"] = ctx.status_text(values["status_code"])
        if placement.rejection is None and placement.order_id is not None:
            ctx.new_orders.append(placement.order_id)
            ctx.headlines[placement.order_id] = f"{placement.product.code} {placement.dest} dari {reseller.code}"
            reseller.balance = placement.balance_after
            if svc.settings.reply_accepted or ctx.inbound.channel != "sms":
                ctx.reply("accepted", order_id=placement.order_id, **values)
            continue
        rejected += 1
        rej = placement.rejection
        if rej == orders.Rejection.SAME_ORDER and placement.same_order is not None:
            o = placement.same_order
            ctx.reply("status", kode=values["kode"], tujuan=o.dest, jam=f"{o.created_at:%H:%M}",
                      status=ctx.status_text(o.status), sn=o.sn or "-", order_id=o.id)
            continue
        if rej == orders.Rejection.NO_PRICE:
            values["kontak_admin"] = svc.settings.admin_contact
        if rej == orders.Rejection.INSUFFICIENT:
            values["saldo"] = values.get("saldo", reseller.balance)
        ctx.reply(rej.value, **values)
    if rejected == len(cmd.items):
        ctx.reject(ctx.replies[-1].event if ctx.replies else "rejected")


def _chat_ref_ok(ctx: Context, cmd: t.TopUp, ref: str) -> bool:
    """A chat order tagged R#ref (app/chat/refs.py): False after answering when it must not be placed
    (a bad tag, several items under one tag, or a tag already used: then the status of its order)."""
    if not chat_refs.valid(ref):
        ctx.reject("ref_bad")
        ctx.reply("ref_bad")
        return False
    if len(cmd.items) > 1:
        ctx.reject("ref_multi")
        ctx.reply("ref_multi")
        return False
    earlier = chat_refs.order_by_ref(ctx.reseller.id, ref)
    if earlier is None:
        return True
    ctx.reject("same_ref")
    product = Product.get_by_id(earlier.product_id)
    ctx.reply("status", kode=product.code, tujuan=earlier.dest, jam=f"{earlier.created_at:%H:%M}",
              status=ctx.status_text(earlier.status), sn=earlier.sn or "-", order_id=earlier.id)
    return False


# --- account ---------------------------------------------------------------------------------

def balance(ctx: Context, cmd: t.Balance) -> None:
    r = ctx.reseller
    assert r is not None
    target = r
    if cmd.downline:
        target = _own_downline(ctx, cmd.downline)
        if target is None:
            return None
    ctx.reply("balance", kode_reseller=target.code, saldo=group(target.balance),
              saldo_proses=group(ledger.held_amount(target.id)), jam=f"{ctx.now:%H:%M}")


def _own_downline(ctx: Context, code: str) -> Reseller | None:
    """The sender's direct downline by code or phone number; anyone else's is "not found"."""
    target = downlines.own_downline(ctx.reseller.id, code)
    if target is None:
        ctx.reject("downline_unknown")
        ctx.reply("downline_unknown", kode=code.upper())
    return target


def price_list(ctx: Context, cmd: t.PriceList) -> None:
    r = ctx.reseller
    assert r is not None
    query = (Product.select(Product.code, Product.operator, Price.sell, Product.id)
             .join(Price).where((Price.price_group == r.price_group_id) & (Product.active == True))  # noqa: E712
             .order_by(Product.operator, Product.nominal, Product.code))
    conditions = []
    for f in cmd.filters:
        operator = ctx.service.prefixes.find_operator(f) or _operator_alias(f)
        conditions.append((Product.operator == operator) if operator else (Product.code == f))
    if conditions:
        cond = conditions[0]
        for c in conditions[1:]:
            cond = cond | c
        query = query.where(cond)
    rows = list(query.tuples())
    if not rows:
        ctx.reject("price_none")
        return ctx.reply("price_none")
    by_operator: dict[str, list[str]] = {}
    markups = commission.markups(r.id)  # a downline sees what it pays: its group's price plus its markup
    for code, operator, sell, product_id in rows:
        sell += markups.of(product_id) if markups else 0
        by_operator.setdefault(operator, []).append(f"{code}={group(sell)}")
    for operator, entries in by_operator.items():
        title = ctx.service.prefixes.name(operator)
        chunk: list[str] = []
        for entry in entries:
            candidate = ctx.render("price_list", judul=title, daftar=" ".join([*chunk, entry]))
            if chunk and len(candidate) > SMS_LEN:
                ctx.reply("price_list", judul=title, daftar=" ".join(chunk))
                chunk = []
            chunk.append(entry)
        if chunk:
            ctx.reply("price_list", judul=title, daftar=" ".join(chunk))


_ALIASES = {"SIMPATI": "TSEL", "AS": "TSEL", "IM3": "ISAT", "MENTARI": "ISAT", "INDOSAT": "ISAT",
            "THREE": "TRI", "3": "TRI", "SMARTFREN": "SMART"}


def _operator_alias(word: str) -> str | None:
    return _ALIASES.get(word.upper())


def change_pin(ctx: Context, cmd: t.ChangePin) -> None:
    r = ctx.reseller
    assert r is not None
    pins = list(cmd.pins)
    if not r.pin_hash:
        # First PIN, set from the registered number: GP.NEW.NEW
        if len(set(pins)) != 1:
            ctx.reject("bad_format")
            return ctx.reply("pin_not_set")
        return _set_pin(ctx, r, pins[0])
    if len(pins) == 3:
        if pins.count(pins[0]) == 3:
            new, current = pins[0], pins[0]
        else:
            new = next((p for p in pins if pins.count(p) == 2), None)
            current = next((p for p in pins if pins.count(p) == 1), None)
            if new is None or current is None:
                return bad_format(ctx, t.BadFormat("pin"))
        if not ctx.service.verify_pin(ctx, current):
            return None
    else:
        # either order: whichever is the current PIN; both wrong is two wrong PINs
        a, b = pins
        current = ctx.service.check_pins(ctx, (a, b))
        if current is None:
            return None
        new = b if current == a else a
    if new == current:
        ctx.reject("pin_same")
        return ctx.reply("pin_same")
    _set_pin(ctx, r, new)


def _set_pin(ctx: Context, r: ResellerRow, new: str) -> None:
    salt = new_salt()
    Reseller.update(pin_salt=salt, pin_hash=hash_pin(new, salt), pin_failures=0).where(Reseller.id == r.id).execute()
    h2h_members.pin_changed(r.id, new)  # an H2H member's OtomaX sign is made with it
    ctx.reply("pin_changed")


def shop_numbers(settings: "Settings") -> frozenset[str]:
    """The shop's own numbers, which no reseller may use: the center numbers in the settings, the SMS
    suppliers' numbers, and a modem's own number where the owner wrote it down (`msisdn` in its settings)."""
    raw = [str(n) for n in settings.center_numbers]
    raw += [SupplierConfig.parse(config).to for (config,) in Supplier.select(Supplier.config).tuples()]
    raw += [str(ModemRecord.from_row(m).settings.get("msisdn") or "") for m in Modem.select()]
    return frozenset(n for n in map(normalize_msisdn, raw) if n)


def _shop_number(ctx: Context, phone: str) -> bool:
    if phone not in shop_numbers(ctx.service.settings):
        return False
    ctx.reject("own_number")
    ctx.reply("own_number", hp=phone)
    return True


def register(ctx: Context, cmd: t.Register) -> None:
    upline = ctx.reseller
    assert upline is not None
    phone = normalize_msisdn(cmd.phone)
    if phone is None:
        ctx.reject("bad_dest")
        return ctx.reply("bad_dest", tujuan=cmd.phone)
    if _shop_number(ctx, phone):
        return None
    if cmd.markup > ctx.service.settings.markup_max:
        ctx.reject("markup_max")
        return ctx.reply("markup_max", jumlah=group(cmd.markup), max=group(ctx.service.settings.markup_max))
    if ResellerAddress.get_or_none((ResellerAddress.channel == "sms") & (ResellerAddress.address == phone)):
        ctx.reject("phone_taken")
        return ctx.reply("phone_taken", hp=phone)
    code = next_reseller_code()
    child = Reseller.create(code=code, name=ctx.mask(cmd.name)[:100], city=ctx.mask(cmd.city)[:100],
                            price_group=upline.price_group_id, parent=upline.id, markup=cmd.markup, pin_hash="",
                            pin_salt="", created_at=ctx.now)
    ResellerAddress.create(reseller=child.id, channel="sms", address=phone, is_main=True)
    ctx.reply("registered", nama=cmd.name, hp=phone, kode=code)
    ctx.reply("welcome", to=phone, channel="sms", situs=ctx.service.settings.site_name, kode=code)


def next_reseller_code(prefix: str = "R") -> str:
    codes = [c for (c,) in Reseller.select(Reseller.code).where(Reseller.code.startswith(prefix)).tuples()]
    numbers = [int(c[len(prefix):]) for c in codes if c[len(prefix):].isdigit()]
    return f"{prefix}{(max(numbers, default=0) + 1):03d}"


def transfer(ctx: Context, cmd: t.Transfer) -> None:
    r = ctx.reseller
    assert r is not None
    s = ctx.service.settings
    target = _find_reseller_by_code_or_phone(cmd.target)
    if target is None:
        ctx.reject("transfer_unknown")
        return ctx.reply("transfer_unknown", kode_tujuan=cmd.target)
    if target.id == r.id:
        ctx.reject("transfer_self")
        return ctx.reply("transfer_self")
    if cmd.amount < s.transfer_min:
        ctx.reject("transfer_min")
        return ctx.reply("transfer_min", min=group(s.transfer_min))
    if cmd.amount > s.transfer_max:
        ctx.reject("transfer_max")
        return ctx.reply("transfer_max", max=group(s.transfer_max))
    since = ctx.now - _dt.timedelta(hours=s.transfer_repeat_hours)
    earlier = list(LedgerEntry.select().where((LedgerEntry.reseller == r.id)
                                              & (LedgerEntry.kind == LedgerKind.TRANSFER_OUT.value)
                                              & (LedgerEntry.counterpart == target.id)
                                              & (LedgerEntry.delta == -cmd.amount)
                                              & (LedgerEntry.created_at >= since)).order_by(LedgerEntry.id))
    if earlier and (cmd.counter is None or cmd.counter <= len(earlier)):
        ctx.reject("transfer_repeat")
        return ctx.reply("transfer_repeat", jumlah=group(cmd.amount), jumlah_polos=cmd.amount, kode_tujuan=target.code,
                         jam=f"{earlier[-1].created_at:%H:%M}", n=len(earlier) + 1)
    try:
        out, inn = ledger.transfer(r.id, target.id, cmd.amount, note=f"KIRIM {target.code}", actor=r.code,
                                   now=ctx.now)
    except ledger.InsufficientBalance as exc:
        ctx.reject("insufficient")
        return ctx.reply("insufficient", kode="KIRIM", harga=group(cmd.amount), saldo=group(exc.balance))
    ctx.reply("transfer_sent", jumlah=group(cmd.amount), kode_tujuan=target.code, nama=target.name,
              saldo=group(out.balance_after))
    main = _main_phone(target)
    if main:
        ctx.reply("transfer_received", to=main, channel="sms", jumlah=group(cmd.amount), kode_pengirim=r.code,
                  saldo=group(inn.balance_after))


def _find_reseller_by_code_or_phone(target: str) -> Reseller | None:
    phone = normalize_msisdn(target)
    if phone:
        addr = ResellerAddress.get_or_none((ResellerAddress.channel == "sms") & (ResellerAddress.address == phone))
        return Reseller.get_by_id(addr.reseller_id) if addr else None
    return Reseller.get_or_none(Reseller.code == target.upper())


def _main_phone(r: Reseller) -> str | None:
    addr = (ResellerAddress.select().where((ResellerAddress.reseller == r.id) & (ResellerAddress.channel == "sms"))
            .order_by(ResellerAddress.is_main.desc(), ResellerAddress.id).first())
    return addr.address if addr else None


def deposit_ticket(ctx: Context, cmd: t.DepositTicket) -> None:
    r = ctx.reseller
    assert r is not None
    s = ctx.service.settings
    bank = cmd.bank or next(iter(s.banks), None)
    if bank not in s.banks:
        ctx.reject("ticket_bank")
        return ctx.reply("ticket_bank", bank=bank or "-", banks=", ".join(s.banks))
    if cmd.amount < s.ticket_min:
        ctx.reject("ticket_min")
        return ctx.reply("ticket_min", min=group(s.ticket_min))
    if cmd.amount > s.ticket_max:
        ctx.reject("ticket_max")
        return ctx.reply("ticket_max", max=group(s.ticket_max))
    try:  # a unique amount no other open ticket has (app/deposits.py)
        ticket = deposits.create_ticket(r.id, cmd.amount, bank, ctx.now, valid_hours=s.ticket_valid_hours)
    except deposits.TicketsExhausted:
        ctx.reject("ticket_full")
        return ctx.reply("ticket_full", jumlah=cmd.amount)
    info_ = s.banks[bank]
    expires = ticket.expires_at
    ctx.reply("ticket", no=ticket.id, jumlah_unik=group(ticket.unique_amount), bank=bank, norek=info_["account"],
              nama=info_["name"],
              jam_batas=f"{expires:%H:%M}" if expires.date() == ctx.now.date() else f"{expires:%d/%m %H:%M}")


def _day_bounds(ctx: Context, token: str) -> tuple[_dt.datetime, _dt.datetime] | None:
    day = resolve_date(token, ctx.now.date())
    if day is None:
        ctx.reject("bad_date")
        ctx.reply("bad_date", tgl=token)
        return None
    start = _dt.datetime.combine(day, _dt.time())
    return start, start + _dt.timedelta(days=1)


def recap(ctx: Context, cmd: t.Recap) -> None:
    bounds = _day_bounds(ctx, cmd.date)
    if bounds is None:
        return None
    day = bounds[0].date()
    total = reports.recap(day, day, reseller_id=ctx.reseller.id).total
    ctx.reply("recap", tgl=f"{day:%d/%m/%y}", n_sukses=total.success, total=group(total.sales),
              n_gagal=total.failed, n_proses=total.open + total.suspect)


def ledger_list(ctx: Context, cmd: t.Ledger) -> None:
    bounds = _day_bounds(ctx, cmd.date)
    if bounds is None:
        return None
    day = bounds[0].date()
    statement = reports.mutasi(ctx.reseller.id, day, day)
    tgl = f"{day:%d/%m/%y}"
    if not statement.lines:
        return ctx.reply("ledger_empty", tgl=tgl, saldo=group(ctx.reseller.balance))
    last = statement.lines[-5:]
    items = [f"{e.at:%H:%M} {reports.KIND_SHORT.get(e.kind, e.kind)} {'+' if e.delta > 0 else ''}{group(e.delta)}"
             for e in last]
    ctx.reply("ledger", tgl=tgl, daftar=", ".join(items), saldo=group(last[-1].balance_after))


def status(ctx: Context, cmd: t.Status) -> None:
    dest = normalize_msisdn(cmd.dest) if cmd.dest else None
    if cmd.dest and dest is None:
        ctx.reject("bad_dest")
        return ctx.reply("bad_dest", tujuan=cmd.dest)
    bounds = _day_bounds(ctx, cmd.date) if cmd.date else (None, None)
    if bounds is None:
        return None
    query = Order.select(Order, Product).join(Product).where(Order.reseller == ctx.reseller.id)
    if dest:
        query = query.where(Order.dest == dest)
    if cmd.product:
        query = query.where(Product.code == cmd.product)
    if bounds[0] is not None:
        query = query.where((Order.created_at >= bounds[0]) & (Order.created_at < bounds[1]))
    order = query.order_by(Order.id.desc()).first()
    if order is None:
        return ctx.reply("status_none", tujuan=dest or "-", tgl=f"{bounds[0]:%d/%m/%y}" if bounds[0] else "hari ini")
    ctx.reply("status", kode=order.product.code, tujuan=order.dest, jam=f"{order.created_at:%H:%M}",
              status=ctx.status_text(order.status), sn=order.sn or "-", order_id=order.id)


def last_transactions(ctx: Context, cmd: t.LastTransactions) -> None:
    rows = list(Order.select(Order, Product).join(Product).where(Order.reseller == ctx.reseller.id)
                .order_by(Order.id.desc()).limit(5))
    if not rows:
        return ctx.reply("last_none")
    items = [f"#{o.id} {o.product.code} {o.dest} {ctx.status_text(o.status)}" for o in rows]
    ctx.reply("last", daftar="; ".join(items))


def complaint(ctx: Context, cmd: t.Complaint) -> None:
    related = ""
    order = None
    m = re.search(r"(?:\+?62|0)8[0-9]{8,11}", cmd.text)
    if m:
        dest = normalize_msisdn(m.group(0))
        order = (Order.select(Order, Product).join(Product)
                 .where((Order.reseller == ctx.reseller.id) & (Order.dest == dest)).order_by(Order.id.desc()).first())
        if order is not None:
            related = ctx.render("status", kode=order.product.code, tujuan=order.dest, jam=f"{order.created_at:%H:%M}",
                                 status=ctx.status_text(order.status), sn=order.sn or "-")
    row = Complaint.create(reseller=ctx.reseller.id, text=ctx.mask(cmd.text)[:1000],
                           order=order.id if order else None, created_at=ctx.now)
    ctx.reply("complaint", id=row.id, status_terkait=related)


def _require_main(ctx: Context) -> bool:
    if ctx.address is None or not ctx.address.is_main:
        ctx.reject("main_only")
        ctx.reply("main_only")
        return False
    return True


def add_parallel(ctx: Context, cmd: t.AddParallel) -> None:
    if not _require_main(ctx):
        return None
    address = cmd.address if cmd.channel == "sms" else cmd.address.lower()
    if cmd.channel == "sms" and _shop_number(ctx, address):
        return None
    existing = ResellerAddress.get_or_none((ResellerAddress.channel == cmd.channel)
                                           & (ResellerAddress.address == address))
    if existing is not None:
        if existing.reseller_id == ctx.reseller.id:
            return ctx.reply("parallel_added", hp=address, kode_reseller=ctx.reseller.code)
        ctx.reject("parallel_taken")
        return ctx.reply("parallel_taken", hp=address)
    ResellerAddress.create(reseller=ctx.reseller.id, channel=cmd.channel, address=address, is_main=False)
    ctx.reply("parallel_added", hp=address, kode_reseller=ctx.reseller.code)


def remove_parallel(ctx: Context, cmd: t.RemoveParallel) -> None:
    if not _require_main(ctx):
        return None
    address = cmd.address if cmd.channel == "sms" else cmd.address.lower()
    deleted = (ResellerAddress.delete().where((ResellerAddress.reseller == ctx.reseller.id)
                                              & (ResellerAddress.channel == cmd.channel)
                                              & (ResellerAddress.address == address)
                                              & (ResellerAddress.is_main == False)).execute())  # noqa: E712
    if not deleted:
        ctx.reject("parallel_missing")
        return ctx.reply("parallel_missing", hp=address, kode_reseller=ctx.reseller.code)
    ctx.reply("parallel_removed", hp=address, kode_reseller=ctx.reseller.code)


def cancel_pending(ctx: Context, cmd: t.CancelPending) -> None:
    dest = normalize_msisdn(cmd.dest)
    query = (Order.select(Order, Product).join(Product)
             .where((Order.reseller == ctx.reseller.id) & (Order.dest == dest)
                    & (Order.status.in_(orders.OPEN_STATUSES))))
    if cmd.product:
        query = query.where(Product.code == cmd.product)
    found = list(query.order_by(Order.id))
    if not found:
        ctx.reject("nothing_to_cancel")
        return ctx.reply("nothing_to_cancel", tujuan=dest)
    for order in found:
        if order.status != orders.OrderStatus.QUEUED.value:
            ctx.reply("cannot_cancel", kode=order.product.code, tujuan=order.dest, jam=f"{order.updated_at:%H:%M}",
                      order_id=order.id)
            continue
        posting = orders.cancel(order.id, ctx.reseller.code, now=ctx.now)
        ctx.reply("cancelled", trxid=order.id, kode=order.product.code, tujuan=order.dest,
                  saldo_awal=group(posting.balance_before), harga=group(order.price),
                  saldo=group(posting.balance_after), order_id=order.id)


def product_info(ctx: Context, cmd: t.ProductInfo) -> None:
    query = Product.select().order_by(Product.operator, Product.nominal)
    if cmd.operator:
        operator = ctx.service.prefixes.find_operator(cmd.operator) or _operator_alias(cmd.operator)
        query = query.where(Product.operator == (operator or cmd.operator))
    if cmd.empty_only:
        query = query.where(Product.active == False)  # noqa: E712
    else:
        query = query.where(Product.active == True)  # noqa: E712
    codes = [p.code for p in query]
    label = "Kosong" if cmd.empty_only else "Produk"
    ctx.reply_text(f"{label}: {' '.join(codes) if codes else '-'}"[:SMS_LEN * 2], "product_info")


# --- downlines, markup and commission (app/downlines.py, app/commission.py) --------------------

DOWNLINE_LIST_SMS = 3  # LDL answers in at most this many SMS; the rest is counted ("+12 lagi")


def _short(name: str, width: int = 12) -> str:
    return name[:width].rstrip()


def markup(ctx: Context, cmd: t.Markup) -> None:
    """MARKUP.[downline.][product.]amount.PIN: what one's downlines pay over their price group."""
    r = ctx.reseller
    s = ctx.service.settings
    if cmd.amount > s.markup_max:
        ctx.reject("markup_max")
        return ctx.reply("markup_max", jumlah=group(cmd.amount), max=group(s.markup_max))
    product = None
    if cmd.product:
        product = Product.get_or_none(Product.code == cmd.product)
        if product is None:
            ctx.reject("unknown_product")
            return ctx.reply("unknown_product", kode=cmd.product)
    target = None
    if cmd.downline:
        target = _own_downline(ctx, cmd.downline)
        if target is None:
            return None
    changed = downlines.set_markup(r.id, cmd.amount, actor=r.code, now=ctx.now,
                                   downline_id=target.id if target else None,
                                   product_id=product.id if product else None)
    if not changed:
        ctx.reject("downline_none")
        return ctx.reply("downline_none")
    who = target.code if target else ctx.render("markup_downlines", n=changed)
    what = ctx.render("markup_product", kode=product.code) if product else ctx.render("markup_all_products")
    ctx.reply("markup_set", jumlah=group(cmd.amount), downline=who, produk=what)


def downline_list(ctx: Context, cmd: t.DownlineList) -> None:
    rows = downlines.downlines(ctx.reseller.id)
    if not rows:
        return ctx.reply("downline_none")
    entries = [ctx.render("downline_entry" if d.active else "downline_entry_blocked", kode=d.code,
                          nama=_short(d.name), saldo=group(d.balance)) for d in rows]

    def text(chunk: list[str]) -> str:
        return ctx.render("downline_list", n=len(rows), daftar="; ".join(chunk))

    chunks: list[list[str]] = [[]]
    for entry in entries:
        if chunks[-1] and len(text([*chunks[-1], entry])) > SMS_LEN:
            if len(chunks) == DOWNLINE_LIST_SMS:
                break
            chunks.append([])
        chunks[-1].append(entry)
    shown = sum(map(len, chunks))
    if shown < len(entries):
        last = chunks[-1]
        while len(last) > 1 and len(text([*last, ctx.render("downline_more", n=len(entries) - shown)])) > SMS_LEN:
            last.pop()
            shown -= 1
        last.append(ctx.render("downline_more", n=len(entries) - shown))
    for chunk in chunks:
        ctx.reply_text(text(chunk), "downline_list")


def downline_balance(ctx: Context, cmd: t.DownlineBalance) -> None:
    return balance(ctx, t.Balance(cmd.pin, cmd.downline))


def downline_block(ctx: Context, cmd: t.DownlineBlock) -> None:
    target = _own_downline(ctx, cmd.downline)
    if target is None:
        return None
    result = downlines.set_blocked(ctx.reseller.id, target.id, cmd.block, actor=ctx.reseller.code, now=ctx.now)
    if result is downlines.BlockResult.BY_OWNER:
        ctx.reject("downline_owner_blocked")
        return ctx.reply("downline_owner_blocked", kode=target.code, kontak_admin=ctx.service.settings.admin_contact)
    if result is downlines.BlockResult.ALREADY:
        return ctx.reply("downline_already_blocked" if cmd.block else "downline_already_active", kode=target.code)
    ctx.reply("downline_blocked" if cmd.block else "downline_unblocked", kode=target.code, nama=_short(target.name, 20))


def commission_(ctx: Context, cmd: t.Commission) -> None:
    """KOMISI: what one earned on one's downlines' sales; TUKAR: credit what accrued now (daily mode)."""
    r = ctx.reseller
    daily = commission.mode() == commission.DAILY
    if cmd.redeem:
        credit = commission.redeem(r.id, now=ctx.now)  # in per-order mode only a leftover can be there
        if credit is not None:
            r.balance = credit.posting.balance_after
            return ctx.reply("commission_redeemed", jumlah=group(credit.amount), saldo=group(r.balance))
        if daily:
            return ctx.reply("commission_nothing")
    summary = commission.summary(r.id, now=ctx.now)
    if cmd.redeem:
        return ctx.reply("commission_per_order", bulan_ini=group(summary.credited_month))
    ctx.reply("commission_info_daily" if daily else "commission_info", kode_reseller=r.code,
              hari_ini=group(summary.today), tertunda=group(summary.pending), bulan_ini=group(summary.credited_month),
              jam=f"{ctx.now:%H:%M}")


_FREE: dict[type, Any] = {t.Help: help_, t.CenterInfo: info, t.BankInfo: info, t.PriceList: price_list,
                          t.DepositTicket: deposit_ticket, t.ProductInfo: product_info}

HANDLERS = {
    t.TopUp: topup,
    t.Balance: balance,
    t.PriceList: price_list,
    t.Register: register,
    t.Transfer: transfer,
    t.DepositTicket: deposit_ticket,
    t.Recap: recap,
    t.Ledger: ledger_list,
    t.Status: status,
    t.LastTransactions: last_transactions,
    t.Complaint: complaint,
    t.AddParallel: add_parallel,
    t.RemoveParallel: remove_parallel,
    t.CancelPending: cancel_pending,
    t.ProductInfo: product_info,
    t.Markup: markup,
    t.DownlineList: downline_list,
    t.DownlineBalance: downline_balance,
    t.DownlineBlock: downline_block,
    t.Commission: commission_,
}
