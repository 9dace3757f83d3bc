"""Reading the operator's answer: rule packs that turn a reply text into an outcome.

A rule pack is an ordered list of regular expressions. The first rule that matches decides the
outcome (success, failed, pending); its named groups give the fields (``sn``, ``trxid``, ``dest``,
``amount``, ``stock``, ``balance``, ``reason`` …). No rule matching means ``Outcome.UNKNOWN``: the
engine must treat that as "result not known" (suspect), never as a failure.

Default packs live in ``resources/rulepacks/<name>.json`` and are generated from the SYNTHETIC
templates of ``resources/operator_replies.json`` (operators.md section 6) by
``resources/rulepacks/generate.py``. Stdlib only; no Qt, no database.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from app.resources import load_json, resource_path

FLAGS = re.IGNORECASE | re.DOTALL

PACK_NAMES: tuple[str, ...] = (
    "tsel_mkios", "isat_mtronik", "xl_dompul", "axis", "tri", "smartfren", "upstream_default",
)
# packs for H2H suppliers over HTTP (app/h2h/buying.py), written by hand from reference h2h.md 3.3 and 4.1
H2H_PACK_NAMES: tuple[str, ...] = ("h2h_otomax", "h2h_st24")


class Outcome(str, Enum):
    SUCCESS = "success"
    FAILED = "failed"
    PENDING = "pending"
    UNKNOWN = "unknown"  # no rule matched: the result is not known


class FailReason(str, Enum):
    """Normalised failure reasons (operators.md 5.3 and 6.3)."""

    DEST_INVALID = "DEST_INVALID"
    DEST_LENGTH = "DEST_LENGTH"
    PREFIX_MISMATCH = "PREFIX_MISMATCH"
    DEST_BLOCKED = "DEST_BLOCKED"
    DEST_GRACE_PERIOD = "DEST_GRACE_PERIOD"
    PACKAGE_CONFLICT = "PACKAGE_CONFLICT"
    OUT_OF_CLUSTER = "OUT_OF_CLUSTER"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    SUPPLIER_BALANCE = "SUPPLIER_BALANCE"
    PRODUCT_DISRUPTED = "PRODUCT_DISRUPTED"
    CUT_OFF = "CUT_OFF"
    SUPPLIER_TIMEOUT = "SUPPLIER_TIMEOUT"
    TOO_SOON = "TOO_SOON"
    WRONG_CHIP_PIN = "WRONG_CHIP_PIN"
    NETWORK_BUSY = "NETWORK_BUSY"
    REF_NOT_UNIQUE = "REF_NOT_UNIQUE"
    SUPPLIER_REFUND = "SUPPLIER_REFUND"
    USSD_REJECTED = "USSD_REJECTED"
    NOMINAL_INVALID = "NOMINAL_INVALID"
    CANCELLED = "CANCELLED"
    NO_ROUTE = "NO_ROUTE"
    UNKNOWN = "UNKNOWN"  # a definite failure whose reason text no rule knows


# ---------------------------------------------------------------------------- what a reason means


class NextRoute(str, Enum):
    YES = "yes"  # try the next chip/supplier now (money stays held)
    NO = "no"  # fail and refund
    LATER = "later"  # do not try now; the same order may be retried after a wait (TOO_SOON)


@dataclass(frozen=True)
class ReasonPolicy:
    """What the dispatcher does after a failure, and what the reseller reads.

    ``disable_route``: take the chip/supplier out of routing (its config is wrong).
    ``alert``: our own bug; tell the admin. ``record_prefix``: the prefix table may be wrong for
    this destination (operators.md 2.2).
    """

    next_route: NextRoute
    reply: str
    disable_route: bool = False
    alert: bool = False
    record_prefix: bool = False


_Y, _N = NextRoute.YES, NextRoute.NO

REASON_POLICIES: dict[FailReason, ReasonPolicy] = {
    FailReason.DEST_INVALID: ReasonPolicy(_N, "Nomor tujuan salah"),
    FailReason.DEST_LENGTH: ReasonPolicy(_N, "Jumlah digit nomor tujuan salah"),
    FailReason.PREFIX_MISMATCH: ReasonPolicy(_N, "Nomor tidak sesuai operator", record_prefix=True),
    FailReason.DEST_BLOCKED: ReasonPolicy(_N, "Nomor tujuan diblokir"),
    FailReason.DEST_GRACE_PERIOD: ReasonPolicy(_N, "Nomor dalam masa tenggang"),
    FailReason.PACKAGE_CONFLICT: ReasonPolicy(_N, "Unreg paket dahulu"),
    FailReason.OUT_OF_CLUSTER: ReasonPolicy(_Y, "Tujuan di luar wilayah", record_prefix=True),
    FailReason.OUT_OF_STOCK: ReasonPolicy(_Y, "Stok kosong"),
    FailReason.SUPPLIER_BALANCE: ReasonPolicy(_Y, "Stok kosong"),
    FailReason.PRODUCT_DISRUPTED: ReasonPolicy(_Y, "Produk sedang gangguan"),
    FailReason.CUT_OFF: ReasonPolicy(_Y, "Sedang cut off, coba lagi nanti"),
    FailReason.SUPPLIER_TIMEOUT: ReasonPolicy(_Y, "Produk sedang gangguan"),
    FailReason.TOO_SOON: ReasonPolicy(NextRoute.LATER, "Transaksi sama terlalu cepat, ulangi nanti"),
    # The reseller is not told that our chip PIN is wrong.
    FailReason.WRONG_CHIP_PIN: ReasonPolicy(_Y, "Produk sedang gangguan", disable_route=True),
    FailReason.NETWORK_BUSY: ReasonPolicy(_Y, "Jaringan operator sibuk"),
    FailReason.REF_NOT_UNIQUE: ReasonPolicy(_N, "Gangguan sistem, hubungi CS", alert=True),
    FailReason.SUPPLIER_REFUND: ReasonPolicy(_Y, "Transaksi dibatalkan supplier"),
    FailReason.USSD_REJECTED: ReasonPolicy(_Y, "Operator menolak transaksi"),
    # Not in operators.md 5.3: a nominal one route lacks may exist on another.
    FailReason.NOMINAL_INVALID: ReasonPolicy(_Y, "Nominal tidak tersedia"),
    FailReason.CANCELLED: ReasonPolicy(_N, "Transaksi dibatalkan"),
    FailReason.NO_ROUTE: ReasonPolicy(_N, "Produk sedang kosong"),
    FailReason.UNKNOWN: ReasonPolicy(_N, "Transaksi gagal"),
}


def may_try_next_route(reason: FailReason | str | None) -> bool:
    """True when the dispatcher may try another route *now* after this failure."""
    return REASON_POLICIES[_as_reason(reason)].next_route is NextRoute.YES


def reply_text(reason: FailReason | str | None) -> str:
    """Short Indonesian reason for the reseller's reply (the ``{alasan}`` of commands.md 4)."""
    return REASON_POLICIES[_as_reason(reason)].reply


def _as_reason(reason: FailReason | str | None) -> FailReason:
    if reason is None:
        return FailReason.UNKNOWN
    return reason if isinstance(reason, FailReason) else FailReason(str(reason).upper())


# ---------------------------------------------------------------------------- value helpers

_RUPIAH = re.compile(r"(?:rp\.?\s*)?(\d{1,3}(?:[.,]\d{3})+|\d+)(?:,00?)?", re.IGNORECASE)


def parse_rupiah(text: str) -> int:
    """``"1.250.000"``, ``"1250000"``, ``"Rp10.000"``, ``"10,000"`` → integer rupiah.

    Raises ValueError for anything else (a float-looking ``"10.5"`` included).
    """
    m = _RUPIAH.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"not a rupiah amount: {text!r}")
    return int(re.sub(r"[.,]", "", m.group(1)))


def national(msisdn: str) -> str:
    """``6281…`` / ``+6281…`` → ``081…``; anything else is returned stripped."""
    s = msisdn.strip().lstrip("+")
    return "0" + s[2:] if s.startswith("62") else s


# ---------------------------------------------------------------------------- rules and matches


@dataclass
class Rule:
    """One regex. ``reason`` fixes the FailReason; left None, a ``reason`` group is looked up."""

    pattern: str
    outcome: Outcome
    reason: FailReason | None = None
    name: str = ""
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.outcome = Outcome(self.outcome)
        if self.reason is not None:
            self.reason = FailReason(self.reason)
        try:
            self.regex = re.compile(self.pattern, FLAGS)
        except re.error as exc:
            raise ValueError(f"rule {self.name or self.pattern!r}: bad pattern: {exc}") from None


@dataclass
class RuleMatch:
    """Result of ``RulePack.match``. ``fields`` holds the raw text of each named group that matched;
    the typed values (amounts as int rupiah, ``dest`` in national form) are read from them once, when
    the match is made. ``rule_index`` is -1 and ``outcome`` UNKNOWN when no rule matched."""

    outcome: Outcome
    fields: dict[str, str] = field(default_factory=dict)
    rule_index: int = -1
    rule_name: str = ""
    reason: FailReason | None = None
    sn: str | None = field(init=False, compare=False)
    trxid: str | None = field(init=False, compare=False)
    dest: str | None = field(init=False, compare=False)
    amount: int | None = field(init=False, compare=False)  # rupiah: an ``amount`` group, else ``nominal`` × 1000
    stock: int | None = field(init=False, compare=False)
    balance: int | None = field(init=False, compare=False)
    price: int | None = field(init=False, compare=False)
    reason_text: str | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        f = self.fields
        self.sn = (f.get("sn") or "").strip() or None
        self.trxid = f.get("trxid") or None
        self.dest = national(f["dest"]) if f.get("dest") else None
        if "amount" in f:
            self.amount = _rupiah_or_none(f["amount"])
        else:
            nominal = _rupiah_or_none(f.get("nominal"))
            self.amount = None if nominal is None else nominal * 1000
        self.stock = _rupiah_or_none(f.get("stock"))
        self.balance = _rupiah_or_none(f.get("balance"))
        self.price = _rupiah_or_none(f.get("price"))
        self.reason_text = f.get("reason")

    @property
    def matched(self) -> bool:
        return self.rule_index >= 0


def _rupiah_or_none(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return parse_rupiah(text)
    except ValueError:
        return None


# ---------------------------------------------------------------------------- chip history


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a chip's last-five list. ``nominal`` is as printed (thousands)."""

    index: int
    dest: str
    nominal: int
    time: dt.time
    status: Outcome

    @property
    def amount(self) -> int:
        return self.nominal * 1000


@dataclass
class HistorySpec:
    """How to read a last-five reply: ``pattern`` finds the list (group ``list``, else the whole
    match), ``entry`` one item (groups ``dest``, ``nominal``, ``hhmm`` or ``time``, ``status``,
    optional ``index``), ``status`` maps status words to outcomes, ``empty`` is the empty list."""

    pattern: str
    entry: str
    status: dict[str, Outcome]
    empty: str = "-"

    def __post_init__(self) -> None:
        self.status = {k.upper(): Outcome(v) for k, v in self.status.items()}
        self._list = re.compile(self.pattern, FLAGS)
        self._entry = re.compile(self.entry, FLAGS)

    def parse(self, text: str) -> list[HistoryEntry] | None:
        m = self._list.search(text.strip())
        if m is None:
            return None
        body = (m.groupdict().get("list") or m.group(0)).strip()
        if body == self.empty:
            return []
        # Reconciliation settles money from this list, so a list with a part we cannot read is
        # rejected as a whole rather than returned short.
        if self._entry.sub("", body).strip():
            return None
        entries = []
        for pos, e in enumerate(self._entry.finditer(body), start=1):
            g = e.groupdict()
            digits = re.sub(r"\D", "", g.get("hhmm") or g.get("time") or "")
            status = self.status.get((g.get("status") or "").upper())
            if len(digits) != 4 or status is None:
                return None
            try:
                when = dt.time(int(digits[:2]), int(digits[2:]))
            except ValueError:
                return None
            entries.append(HistoryEntry(
                int(g.get("index") or pos), national(g["dest"]), int(g["nominal"]), when, status,
            ))
        return entries or None

    def to_dict(self) -> dict[str, Any]:
        return {"pattern": self.pattern, "entry": self.entry, "empty": self.empty,
                "status": {k: v.value for k, v in self.status.items()}}


# ---------------------------------------------------------------------------- packs


def _norm_text(text: str) -> str:
    return " ".join(text.split()).strip(" .").casefold()


class RulePack:
    """An ordered rule list for one supplier kind, plus how to read stock and history replies.

    ``reasons`` maps reason texts to FailReasons for rules that capture a ``reason`` group.
    """

    def __init__(
        self,
        name: str,
        rules: list[Rule],
        history: HistorySpec | None = None,
        description: str = "",
        *,
        reasons: Mapping[str, FailReason | str] | None = None,
        stock_pattern: str | None = None,
        synthetic: bool = False,
        senders: tuple[str, ...] | None = None,
    ) -> None:
        self.name = name
        # Who may send this operator's result SMS (an alphanumeric name or a short code). None: the pack
        # does not say (an owner's pack saved before this existed: the default pack's list applies).
        self.senders = None if senders is None else tuple(senders)
        self.rules = list(rules)
        self.history = history
        self.description = description
        self.reasons = {text: FailReason(r) for text, r in (reasons or {}).items()}
        self.stock_pattern = stock_pattern
        self.synthetic = synthetic
        self._reason_index = {}
        for text, r in self.reasons.items():
            self._reason_index.setdefault(_norm_text(text), r)
        self._stock = re.compile(stock_pattern, FLAGS) if stock_pattern else None

    def match(self, text: str) -> RuleMatch:
        """First rule (in order) whose pattern is found in the stripped text; case-insensitive."""
        text = text.strip()
        for index, rule in enumerate(self.rules):
            m = rule.regex.search(text)
            if m is None:
                continue
            fields = {k: v for k, v in m.groupdict().items() if v is not None}
            reason = None
            if rule.outcome is Outcome.FAILED:
                reason = rule.reason or self.reason_for(fields.get("reason", ""))
            return RuleMatch(rule.outcome, fields, index, rule.name, reason)
        return RuleMatch(Outcome.UNKNOWN)

    def reason_for(self, text: str) -> FailReason:
        """Reason text → FailReason: exact (ignoring case, spaces, end dots), then the longest
        known text contained in it, then a FailReason name itself; UNKNOWN otherwise."""
        key = _norm_text(text)
        if not key:
            return FailReason.UNKNOWN
        if key in self._reason_index:
            return self._reason_index[key]
        contained = [k for k in self._reason_index if k in key]
        if contained:
            return self._reason_index[max(contained, key=len)]
        try:
            return FailReason(key.upper())
        except ValueError:
            return FailReason.UNKNOWN

    def parse_history(self, text: str) -> list[HistoryEntry] | None:
        """A last-five reply → entries (newest first as the chip lists them); None if unreadable."""
        return self.history.parse(text) if self.history else None

    def parse_stock(self, text: str) -> int | None:
        """A stock-query reply → chip stock in rupiah; None if the text is not one."""
        m = self._stock.search(text.strip()) if self._stock else None
        return _rupiah_or_none(m.groupdict().get("stock")) if m else None

    # -- JSON --------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "synthetic": self.synthetic,
            "rules": [
                {"name": r.name, "pattern": r.pattern, "outcome": r.outcome.value,
                 "reason": r.reason.value if r.reason else None}
                for r in self.rules
            ],
            "reasons": {text: r.value for text, r in self.reasons.items()},
            "history": self.history.to_dict() if self.history else None,
            "stock": {"pattern": self.stock_pattern} if self.stock_pattern else None,
            "senders": list(self.senders) if self.senders is not None else None,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RulePack:
        """Build a pack from its JSON shape; ValueError (naming the rule) for anything invalid."""
        try:
            rules = [
                Rule(r["pattern"], Outcome(str(r["outcome"]).lower()),
                     FailReason(r["reason"]) if r.get("reason") else None, r.get("name", ""))
                for r in data["rules"]
            ]
            hist = data.get("history")
            history = HistorySpec(hist["pattern"], hist["entry"], dict(hist["status"]),
                                  hist.get("empty", "-")) if hist else None
            stock = (data.get("stock") or {}).get("pattern")
            senders = data.get("senders")
            return cls(str(data["name"]), rules, history, str(data.get("description", "")),
                       reasons=data.get("reasons") or {}, stock_pattern=stock,
                       synthetic=bool(data.get("synthetic", False)),
                       senders=None if senders is None else tuple(str(x) for x in senders))
        except (KeyError, TypeError, re.error) as exc:
            raise ValueError(f"invalid rule pack: {exc!r}") from None

    @classmethod
    def from_json(cls, text: str) -> RulePack:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"invalid rule pack JSON: {exc}") from None
        return cls.from_dict(data)


def load_pack(name: str) -> RulePack:
    """A default pack from ``resources/rulepacks/<name>.json`` (see PACK_NAMES and H2H_PACK_NAMES)."""
    if name not in PACK_NAMES + H2H_PACK_NAMES:
        raise ValueError(f"unknown rule pack {name!r}; known: {', '.join(PACK_NAMES + H2H_PACK_NAMES)}")
    return RulePack.from_json(resource_path("rulepacks", f"{name}.json").read_text(encoding="utf-8"))


def default_pack_name(operator_id: str) -> str:
    """Default pack of an operator id of prefixes.json (``TSEL`` → ``tsel_mkios``)."""
    ops = load_json("operator_replies.json")["operators"]
    if operator_id.startswith("_") or operator_id not in ops:
        raise ValueError(f"no default rule pack for operator {operator_id!r}")
    return str(ops[operator_id]["pack"])


def test_pack(pack_or_json: RulePack | Mapping[str, Any] | str, text: str) -> RuleMatch:
    """For the UI's live tester: a pack (object, dict or JSON text) and a reply text → the match.

    Raises ValueError with a readable message when the pack itself is invalid.
    """
    if isinstance(pack_or_json, RulePack):
        pack = pack_or_json
    elif isinstance(pack_or_json, str):
        pack = RulePack.from_json(pack_or_json)
    else:
        pack = RulePack.from_dict(pack_or_json)
    return pack.match(text)


test_pack.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite its name


# ---------------------------------------------------------------------------- success sanity


class Suspicion(str, Enum):
    """Why a text that reads as success must not be trusted (operators.md 5.2)."""

    NO_SN = "no_sn"
    REUSED_SN = "reused_sn"
    DEST_MISMATCH = "dest_mismatch"
    AMOUNT_MISMATCH = "amount_mismatch"


def check_success(
    match: RuleMatch, dest: str, amount: int, known_sns: Container[str] = (),
) -> Suspicion | None:
    """None when a SUCCESS match may settle the order; else why the order must become suspect.

    ``dest`` and ``amount`` (rupiah) are the order's; ``known_sns`` holds the SNs of earlier
    orders (any container). Destination and amount are compared only when the text carries them.
    """
    if match.outcome is not Outcome.SUCCESS:
        raise ValueError(f"check_success needs a SUCCESS match, got {match.outcome.value}")
    sn = match.sn
    if sn is None:
        return Suspicion.NO_SN
    if sn in known_sns:
        return Suspicion.REUSED_SN
    if match.dest is not None and match.dest != national(dest):
        return Suspicion.DEST_MISMATCH
    if match.amount is not None and match.amount != amount:
        return Suspicion.AMOUNT_MISMATCH
    return None
