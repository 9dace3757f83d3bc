"""The reseller command language (reference/commands.md, part 3).

`parse(text, is_product)` never raises: anything it cannot read becomes `BadFormat`. It knows the
product table only through `is_product(code)`, so it runs without a database. Digits are ASCII 0-9 only:
a message written with other digits ("٠٨١٢…", "０８１２…") is `BadFormat` with detail NON_ASCII_DIGITS.

`mask(text, secrets)` hides PINs in any text kept or logged; `pin_runs(text)` lists what may be a PIN.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Callable

from app.commands import types as t
from app.commands.dates import is_date_token
from app.money import parse_amount
from app.phone import normalize_msisdn

PIN_RE = re.compile(r"^[0-9]{4,6}$")
COUNTER_RE = re.compile(r"^[0-9]{1,2}$")
DIGITS_RE = re.compile(r"^\+?[0-9]{3,16}$")  # something meant as a phone number, maybe malformed
CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,19}$")
RESELLER_CODE_RE = re.compile(r"^[A-Z]{1,4}[0-9]{2,8}$")
CHAT_REF_RE = re.compile(r"\s*\bR#(\S+)\s*")
GROUPED_DIGITS_RE = re.compile(r"^\+?[0-9]+(?:[\s\-][0-9]+)+$")
MARKUP_RE = re.compile(r"^[0-9]{1,7}$")
ASCII_DIGITS = frozenset("0123456789")
MAX_NOMINAL = 10_000_000  # a plain-nominal top-up above Rp 10 juta is a typo, never a product

TOPUP_VERBS = {"I", "ISI", "BELI", "ULANG", "MULTI", "M"}

KEYWORDS: dict[str, str] = {}
for _kind, _words in {
    "balance": "SAL SALDO S CS CEKSALDO",
    "price": "HARGA HRG H CH CEKHARGA",
    "pin": "GP GPIN GANTIPIN",
    "register": "REG DAFTAR JOIN",
    "transfer": "KIRIM TRANSFER TRF TF",
    "pull": "TARIK",
    "ticket": "TIKET TKT DEP D",
    "deposit": "DEPOSIT",
    "recap": "RKP REKAP LAP LAPORAN R L",
    "ledger": "MUTASI MUT REK",
    "status": "CEK STA STATUS TRX",
    "last": "LAST5 LAST CTRX",
    "complaint": "KOMPLAIN KOMPLEN K C",
    "info": "INFO",
    "addpar": "PARALEL P HP TAMBAH TAMBAHHP",
    "delpar": "DELHP HAPUSHP HAPUS",
    "cancel": "BATAL BTL",
    "help": "FORMAT HELP BANTUAN ?",
    "product": "PRODUK",
    "empty": "KOSONG",
    "center": "CENTER NOCENTER",
    "bank": "BANK",
    "markup": "MARKUP MU SELISIH",
    "ldl": "LDL DOWNLINE",
    "sd": "SD",
    "block": "BLOK NA",
    "unblock": "UNBLOK AKTIF",
    "commission": "KOMISI",
    "redeem": "TUKAR",
    "link": "LINK TAUTKAN",
}.items():
    for _w in _words.split():
        KEYWORDS[_w] = _kind

CHAT_CHANNELS = {"JABBER": "jabber", "TELEGRAM": "telegram", "TG": "telegram", "WA": "wa",
                 "WHATSAPP": "wa"}


def normalize(text: str) -> str:
    """Trim, collapse spaces, drop spaces around separators and trailing dots; `;` becomes `.`."""
    s = "".join(ch if ch.isprintable() else " " for ch in text)
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"\s*([.;,#*])\s*", r"\1", s)
    s = s.replace(";", ".")
    return s.strip(".").strip()


def _ascii_number(token: str) -> bool:
    return token.isascii() and token.isdigit()


def parse_nominal(token: str) -> int | None:
    """'10' -> 10000, '1000' -> 1000000, '10000' -> 10000; None if not a nominal (or above MAX_NOMINAL)."""
    if not _ascii_number(token) or len(token) > len(str(MAX_NOMINAL)):
        return None
    value = int(token)
    if len(token) <= 4 and 0 < value <= 1000:
        return value * 1000
    if 5000 <= value <= MAX_NOMINAL and value % 1000 == 0:
        return value
    return None


def _digit(ch: str) -> str | None:
    """The ASCII digit a character stands for ('7', '٧', '７' -> '7'); None for anything else."""
    if ch in ASCII_DIGITS:
        return ch
    if ch.isdigit():
        try:
            return str(unicodedata.digit(ch))
        except ValueError:
            return None
    return None


def _has_foreign_digits(text: str) -> bool:
    return not text.isascii() and any(ch.isdigit() and ch not in ASCII_DIGITS for ch in text)


def _ascii_digits(text: str) -> str:
    return "".join(_digit(ch) or ch if ch.isdigit() else ch for ch in text)


def parse(text: str, is_product: Callable[[str], bool] = lambda _c: False) -> t.Parsed:
    raw = text if isinstance(text, str) else ""
    chat_ref = None
    m = CHAT_REF_RE.search(raw)
    if m:
        chat_ref = m.group(1)
        raw = CHAT_REF_RE.sub(" ", raw, count=1)
    norm = normalize(raw)
    foreign = _has_foreign_digits(norm)
    readable = _ascii_digits(norm) if foreign else norm
    try:
        command, secrets = _parse(readable, is_product)
    except (ValueError, IndexError):
        command, secrets = t.BadFormat(), ()
    if isinstance(command, t.BadFormat):
        secrets = _guess_secrets(readable)
    if foreign:
        # what it would have meant picks the example in the reply, and its PIN is hidden all the same
        command = t.BadFormat(_hint_of(command), t.NON_ASCII_DIGITS)
    return t.Parsed(command, norm, tuple(s for s in secrets if s), chat_ref)


_HINTS: dict[type, str] = {
    t.TopUp: "topup", t.Balance: "balance", t.PriceList: "price", t.ChangePin: "pin", t.Register: "register",
    t.Transfer: "transfer", t.Pull: "pull", t.DepositTicket: "ticket", t.Recap: "recap", t.Ledger: "ledger",
    t.Status: "status", t.LastTransactions: "last", t.Complaint: "complaint", t.AddParallel: "parallel",
    t.RemoveParallel: "parallel", t.CancelPending: "cancel", t.ProductInfo: "product", t.Markup: "markup",
    t.DownlineList: "downline", t.DownlineBalance: "downline_balance", t.DownlineBlock: "block",
    t.Commission: "commission", t.LinkChat: "link",
}


def _hint_of(command: t.Command) -> str:
    if isinstance(command, t.BadFormat):
        return command.hint
    return _HINTS.get(type(command), "topup")


def _split(norm: str) -> tuple[list[str], str]:
    upper = norm.upper()
    if upper.startswith(("M-", "MULTI-")):
        norm = norm.replace("-", ".")
    if "." in norm:
        return norm.split("."), "."
    for sep in ("#", "*", " "):
        if sep in norm:
            return norm.split(sep), sep
    return [norm], "."


def _parse(norm: str, is_product: Callable[[str], bool]) -> tuple[t.Command, tuple[str, ...]]:
    if not norm:
        return t.BadFormat(), ()
    tokens, sep = _split(norm)
    first = tokens[0].upper()

    if _starts_topup(tokens, is_product):
        return _parse_topup(tokens, is_product)

    kind = KEYWORDS.get(first)
    if kind is None:
        # Not a keyword: still try the top-up shape, so an unknown code gets "code not known".
        if len(tokens) >= 3 and any(DIGITS_RE.match(x) for x in tokens[1:-1]):
            return _parse_topup(tokens, is_product)
        return t.BadFormat("topup", "unknown keyword"), ()
    fields = tokens[1:]
    return _KEYWORD_PARSERS[kind](fields, norm, sep, is_product)


def _starts_topup(tokens: list[str], is_product: Callable[[str], bool]) -> bool:
    first = tokens[0].upper()
    if re.match(r"^[0-9]{1,2}#.", first) or re.match(r"^#[0-9]{1,2}$", first):
        return True
    if is_product(first):
        return True
    if first in TOPUP_VERBS and len(tokens) > 2:
        return True
    return _ascii_number(first.lstrip("+"))


def _parse_topup(tokens: list[str], is_product: Callable[[str], bool]) -> tuple[t.Command, tuple[str, ...]]:
    toks = [x for tok in tokens for x in tok.split(",")]
    # numbers typed in groups: "0813 8909 2678", "0813-8909-2678"
    toks = [re.sub(r"[\s\-]", "", x) if GROUPED_DIGITS_RE.match(x) else x for x in toks]
    if any(x == "" for x in toks):
        return t.BadFormat("topup", "empty field"), ()
    counter_pre: int | None = None
    m = re.match(r"^([0-9]{1,2})#(.+)$", toks[0])
    if m:
        counter_pre, toks[0] = int(m.group(1)), m.group(2)
    elif re.match(r"^#[0-9]{1,2}$", toks[0]):
        counter_pre = int(toks[0][1:])
        toks = toks[1:]
    ulang = False
    if toks and toks[0].upper() in TOPUP_VERBS and not is_product(toks[0].upper()):
        ulang = toks[0].upper() == "ULANG"
        toks = toks[1:]

    repeat_next = False
    counter_post: int | None = None
    if not toks:
        return t.BadFormat(), ()
    last = toks[-1].upper()
    m = re.match(r"^([0-9]{4,6})#([0-9]{1,2})$", last)
    if last == "RO":
        repeat_next = True
        toks = toks[:-1]
    elif m:
        toks[-1], counter_post = m.group(1), int(m.group(2))
    elif COUNTER_RE.match(last) and len(toks) >= 2 and PIN_RE.match(toks[-2]):
        counter_post = int(last)
        toks = toks[:-1]
    if not toks or not PIN_RE.match(toks[-1]):
        return t.BadFormat("topup", "missing PIN"), ()
    pin = toks[-1]
    toks = toks[:-1]

    items = _parse_items(toks)
    if items is None:
        return t.BadFormat("topup", "items"), (pin,)
    single = len(items) == 1
    extra = [c for c in (counter_pre, counter_post) if c is not None]
    if extra and not single:
        return t.BadFormat("topup", "counter on multi"), (pin,)
    if len(extra) + (items[0].counter is not None) > 1 and single:
        return t.BadFormat("topup", "two counters"), (pin,)
    if ulang:
        if not single:
            return t.BadFormat("topup", "ULANG with several items"), (pin,)
        if counter_post is not None:
            counter_post += 1
        else:
            repeat_next = True
    if single:
        it = items[0]
        counter = it.counter if it.counter is not None else (extra[0] if extra else None)
        if counter_post is not None and ulang:
            counter = counter_post
        if counter is not None and counter < 1:
            return t.BadFormat("topup", "counter 0"), (pin,)
        items = [t.TopUpItem(it.product, it.dest, counter, repeat_next and counter is None)]
    elif repeat_next:
        return t.BadFormat("topup", "RO on multi"), (pin,)
    return t.TopUp(tuple(items), pin), (pin,)


def _is_product_token(token: str) -> bool:
    up = token.upper()
    return bool(CODE_RE.match(up)) or parse_nominal(token) is not None


def _parse_items(toks: list[str]) -> list[t.TopUpItem] | None:
    items: list[t.TopUpItem] = []
    i, n = 0, len(toks)

    def counter_here(j: int) -> bool:
        # a 1-2 digit token after a destination is a counter, unless it starts the next item
        return j < n and bool(COUNTER_RE.match(toks[j])) and not (j + 1 < n and normalize_msisdn(toks[j + 1]))

    while i < n:
        tok = toks[i]
        counter: int | None = None
        if normalize_msisdn(tok):  # number first: 0813….20.PIN
            dest = tok
            i += 1
            if i >= n or not _is_product_token(toks[i]):
                return None
            product = toks[i].upper()
            i += 1
        else:
            if not _is_product_token(tok):
                return None
            product = tok.upper()
            i += 1
            if i + 1 < n and COUNTER_RE.match(toks[i]) and DIGITS_RE.match(toks[i + 1]):
                counter = int(toks[i])
                i += 1
            if i >= n or not DIGITS_RE.match(toks[i]):
                return None
            dest = toks[i]
            i += 1
        if counter is None and counter_here(i):
            counter = int(toks[i])
            i += 1
        items.append(t.TopUpItem(product, dest, counter))
    return items or None


# --- keyword commands -------------------------------------------------------------------------

def _pin_last(fields: list[str]) -> tuple[list[str], str] | None:
    if fields and PIN_RE.match(fields[-1]):
        return fields[:-1], fields[-1]
    return None


def _p_balance(fields, norm, sep, is_product=None):
    split = _pin_last(fields)
    if not split or len(split[0]) > 1:
        return t.BadFormat("balance"), ()
    rest, pin = split
    return t.Balance(pin, rest[0].upper() if rest else None), (pin,)


def _p_deposit(fields, norm, sep, is_product=None):
    if len(fields) == 1:
        return _p_balance(fields, norm, sep, is_product)
    return _p_ticket(fields, norm, sep, is_product)


def _p_price(fields, norm, sep, is_product=None):
    entries = [x for f in fields for x in f.split(",") if x]
    pin = None
    if entries and PIN_RE.match(entries[-1]):
        pin = entries.pop()
    if any(not CODE_RE.match(e.upper()) for e in entries):
        return t.BadFormat("price"), ((pin,) if pin else ())
    return t.PriceList(tuple(e.upper() for e in entries), pin), ((pin,) if pin else ())


def _p_pin(fields, norm, sep, is_product=None):
    if len(fields) not in (2, 3) or not all(PIN_RE.match(f) for f in fields):
        return t.BadFormat("pin"), tuple(f for f in fields if PIN_RE.match(f))
    return t.ChangePin(tuple(fields)), tuple(fields)


def _p_register(fields, norm, sep, is_product=None):
    split = _pin_last(fields)
    if not split:
        return t.BadFormat("register"), ()
    rest, pin = split
    phones = [f for f in rest if normalize_msisdn(f)]
    if len(phones) != 1:
        return t.BadFormat("register"), (pin,)
    phone = phones[0]
    rest = [f for f in rest if f != phone]
    markup = 0
    if rest and re.match(r"^[0-9]{1,4}$", rest[-1]):
        markup = int(rest.pop())
    if not rest or not rest[0].strip():
        return t.BadFormat("register"), (pin,)
    name = rest[0].strip()
    city = " ".join(rest[1:]).strip()
    return t.Register(normalize_msisdn(phone) or phone, name, pin, city, markup), (pin,)


def _p_transfer(fields, norm, sep, is_product=None):
    split = _pin_last(fields)
    if not split or len(split[0]) not in (2, 3):
        return t.BadFormat("transfer"), (split[1],) if split else ()
    rest, pin = split
    amount = parse_amount(rest[1])
    counter = None
    if len(rest) == 3:
        if not COUNTER_RE.match(rest[2]):
            return t.BadFormat("transfer"), (pin,)
        counter = int(rest[2])
    if amount is None or amount <= 0:
        return t.BadFormat("transfer"), (pin,)
    return t.Transfer(rest[0].upper(), amount, pin, counter), (pin,)


def _p_pull(fields, norm, sep, is_product=None):
    split = _pin_last(fields)
    if not split or len(split[0]) != 2:
        return t.BadFormat("pull"), ()
    rest, pin = split
    amount = parse_amount(rest[1].lstrip("-"))
    if amount is None or amount <= 0:
        return t.BadFormat("pull"), (pin,)
    return t.Pull(rest[0].upper(), amount, pin), (pin,)


def _p_ticket(fields, norm, sep, is_product=None):
    if not fields:
        return t.BadFormat("ticket"), ()
    pin = None
    rest = list(fields)
    if len(rest) >= 2 and PIN_RE.match(rest[-1]) and any(parse_amount(f) for f in rest[:-1]):
        pin = rest.pop()
    amounts = [(i, parse_amount(f)) for i, f in enumerate(rest) if parse_amount(f)]
    banks = [f.upper() for f in rest if parse_amount(f) is None]
    secrets = (pin,) if pin else ()
    if len(amounts) != 1 or len(banks) > 1 or (banks and not CODE_RE.match(banks[0])):
        return t.BadFormat("ticket"), secrets
    return t.DepositTicket(amounts[0][1] or 0, banks[0] if banks else None, pin), secrets


def _dated(cls, hint):
    def parse_dated(fields, norm, sep, is_product=None):
        split = _pin_last(fields)
        if not split or len(split[0]) > 1:
            return t.BadFormat(hint), ()
        rest, pin = split
        date = rest[0] if rest else ""
        if date and not is_date_token(date):
            return t.BadFormat(hint), (pin,)
        return cls(pin, date), (pin,)
    return parse_dated


def _p_status(fields, norm, sep, is_product=None):
    split = _pin_last(fields)
    if not split or len(split[0]) > 3:
        return t.BadFormat("status"), ()
    rest, pin = split
    dest = product = None
    date = ""
    for f in rest:
        if normalize_msisdn(f) and dest is None:
            dest = f
        elif is_date_token(f) and not date and not (CODE_RE.match(f.upper())):
            date = f
        elif CODE_RE.match(f.upper()) and product is None:
            product = f.upper()
        else:
            return t.BadFormat("status"), (pin,)
    return t.Status(pin, dest, product, date), (pin,)


def _p_last(fields, norm, sep, is_product=None):
    split = _pin_last(fields)
    if not split or split[0]:
        return t.BadFormat("last"), ()
    return t.LastTransactions(split[1]), (split[1],)


def _p_complaint(fields, norm, sep, is_product=None):
    split = _pin_last(fields)
    if not split or not "".join(split[0]).strip():
        return t.BadFormat("complaint"), ()
    rest, pin = split
    return t.Complaint(sep.join(rest).strip(), pin), (pin,)


def _p_info(fields, norm, sep, is_product=None):
    if not fields:
        return t.Help(), ()
    return _p_complaint(fields, norm, sep, is_product)


def _p_parallel(remove: bool):
    def parse_parallel(fields, norm, sep, is_product=None):
        split = _pin_last(fields)
        if not split or not split[0]:
            return t.BadFormat("parallel"), ()
        rest, pin = split
        cls = t.RemoveParallel if remove else t.AddParallel
        if len(rest) == 1 and normalize_msisdn(rest[0]):
            return cls("sms", normalize_msisdn(rest[0]) or "", pin), (pin,)
        channel = CHAT_CHANNELS.get(rest[0].upper())
        if channel and len(rest) >= 2:
            return cls(channel, sep.join(rest[1:]), pin), (pin,)
        return t.BadFormat("parallel"), (pin,)
    return parse_parallel


def _p_link(fields, norm, sep, is_product=None):
    """`LINK.<kode>.<PIN>`: link the chat it comes from to the reseller (app/chat/link.py)."""
    split = _pin_last(fields)
    if not split or len(split[0]) != 1 or not CODE_RE.match(split[0][0].upper()):
        return t.BadFormat("link"), (split[1],) if split else ()
    return t.LinkChat(split[0][0].upper(), split[1]), (split[1],)


def _p_cancel(fields, norm, sep, is_product=None):
    split = _pin_last(fields)
    if not split or not 1 <= len(split[0]) <= 2:
        return t.BadFormat("cancel"), ()
    rest, pin = split
    dests = [f for f in rest if normalize_msisdn(f)]
    others = [f.upper() for f in rest if not normalize_msisdn(f)]
    if len(dests) != 1 or (others and not CODE_RE.match(others[0])):
        return t.BadFormat("cancel"), (pin,)
    return t.CancelPending(dests[0], pin, others[0] if others else None), (pin,)


def _p_help(fields, norm, sep, is_product=None):
    return t.Help(fields[0].upper() if fields else ""), ()


def _p_product(empty: bool):
    def parse_product(fields, norm, sep, is_product=None):
        rest = list(fields)
        pin = rest.pop() if rest and PIN_RE.match(rest[-1]) else None
        if len(rest) > 1:
            return t.BadFormat("product"), ((pin,) if pin else ())
        return t.ProductInfo(rest[0].upper() if rest else None, pin, empty), ((pin,) if pin else ())
    return parse_product


def _p_simple(cls):
    def parse_simple(fields, norm, sep, is_product=None):
        return cls(), ()
    return parse_simple


def _p_markup(fields, norm, sep, is_product=None):
    split = _pin_last(fields)
    if not split or not 1 <= len(split[0]) <= 3:
        return t.BadFormat("markup"), ()
    rest, pin = split
    if not MARKUP_RE.match(rest[-1]):
        return t.BadFormat("markup"), (pin,)
    amount = int(rest[-1])
    downline = product = None
    for f in rest[:-1]:
        up = f.upper()
        if downline is None and ((RESELLER_CODE_RE.match(up) and not (is_product and is_product(up)))
                                 or normalize_msisdn(f)):  # a downline by its code or its phone number
            downline = up
        elif CODE_RE.match(up) and product is None:
            product = up
        else:
            return t.BadFormat("markup"), (pin,)
    return t.Markup(amount, pin, downline, product), (pin,)


def _pin_only(cls, hint: str = "topup"):
    def parse_pin_only(fields, norm, sep, is_product=None):
        split = _pin_last(fields)
        if not split or split[0]:
            return t.BadFormat(hint), ()
        return cls(split[1]), (split[1],)
    return parse_pin_only


def _downline_cmd(builder, hint: str = "topup"):
    def parse_downline(fields, norm, sep, is_product=None):
        split = _pin_last(fields)
        if not split or len(split[0]) != 1:
            return t.BadFormat(hint), ()
        return builder(split[0][0].upper(), split[1]), (split[1],)
    return parse_downline


_KEYWORD_PARSERS = {
    "balance": _p_balance,
    "deposit": _p_deposit,
    "price": _p_price,
    "pin": _p_pin,
    "register": _p_register,
    "transfer": _p_transfer,
    "pull": _p_pull,
    "ticket": _p_ticket,
    "recap": _dated(t.Recap, "recap"),
    "ledger": _dated(t.Ledger, "ledger"),
    "status": _p_status,
    "last": _p_last,
    "complaint": _p_complaint,
    "info": _p_info,
    "addpar": _p_parallel(False),
    "delpar": _p_parallel(True),
    "cancel": _p_cancel,
    "help": _p_help,
    "product": _p_product(False),
    "empty": _p_product(True),
    "center": _p_simple(t.CenterInfo),
    "bank": _p_simple(t.BankInfo),
    "markup": _p_markup,
    "ldl": _pin_only(t.DownlineList, "downline"),
    "sd": _downline_cmd(lambda d, p: t.DownlineBalance(d, p), "downline_balance"),
    "block": _downline_cmd(lambda d, p: t.DownlineBlock(d, p, True), "block"),
    "unblock": _downline_cmd(lambda d, p: t.DownlineBlock(d, p, False), "block"),
    "commission": _pin_only(t.Commission, "commission"),
    "redeem": _pin_only(lambda pin: t.Commission(pin, redeem=True), "commission"),
    "link": _p_link,
}


def _guess_secrets(norm: str) -> tuple[str, ...]:
    """For text we could not parse: hide every 4-6 digit token that sits where a PIN would."""
    tokens = re.split(r"[.#*, ]", norm)
    found = []
    for i, tok in enumerate(tokens):
        tail = tokens[i + 1:]
        at_end = not tail or (len(tail) == 1 and (COUNTER_RE.match(tail[0]) or tail[0].upper() == "RO"))
        if PIN_RE.match(tok) and at_end:
            found.append(tok)
    return tuple(found)


# --- hiding PINs ------------------------------------------------------------------------------

_ASCII_DIGIT_RUN = re.compile(r"[0-9]+")


def _joins(ch: str) -> bool:
    """Between two groups of digits, what still reads as one number ("12 34", "12-34", "12\x0034")."""
    return ch.isspace() or ch == "-" or not ch.isprintable()


def pin_runs(text: str) -> list[tuple[int, int, str]]:
    """Every run of 4-6 digits in `text` that may be a PIN, as (start, end, its digits in ASCII): digits
    standing alone ("1234", "SAL1234"), typed in groups ("12 34", "1-2-3-4"), in any script ("١٢٣٤").
    Digits inside a longer number are not a run; a group inside a spaced-out number is ("0812 1234 5678")."""
    pieces: list[tuple[int, int, str]] = []
    if text.isascii():  # the usual case, quicker
        pieces = [(m.start(), m.end(), m.group()) for m in _ASCII_DIGIT_RUN.finditer(text)]
    else:
        i, n = 0, len(text)
        while i < n:
            if _digit(text[i]) is None:
                i += 1
                continue
            j, digits = i, []
            while j < n and (d := _digit(text[j])) is not None:
                digits.append(d)
                j += 1
            pieces.append((i, j, "".join(digits)))
            i = j
    groups: list[list[tuple[int, int, str]]] = []
    for piece in pieces:
        if groups and all(_joins(ch) for ch in text[groups[-1][-1][1]:piece[0]]):
            groups[-1].append(piece)
        else:
            groups.append([piece])
    runs = []
    for group in groups:
        for a, first in enumerate(group):
            digits = ""
            for last in group[a:]:
                digits += last[2]
                if len(digits) > 6:
                    break
                if len(digits) >= 4:
                    runs.append((first[0], last[1], digits))
    return runs


def mask(text: str, secrets: tuple[str, ...] | set[str] | frozenset[str]) -> str:
    """Replace every run of `text` (see pin_runs) whose digits are one of `secrets` with ****."""
    wanted = {s for s in secrets if s}
    if not wanted or not text:
        return text
    if text.isascii():
        digits = "".join(_ASCII_DIGIT_RUN.findall(text))  # a run's digits are a part of these
        if not any(s in digits for s in wanted):
            return text
    spans = sorted((a, b) for a, b, digits in pin_runs(text) if digits in wanted)
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    for a, b in reversed(merged):
        text = text[:a] + "****" + text[b:]
    return text
