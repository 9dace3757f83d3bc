"""Rules from examples: the owner pastes an operator's reply, marks what its parts are (SN, amount,
destination, stock …), says what the reply means (success, failed with a reason, pending), and gets
a rule — a regular expression nobody has to type — tested against every sample the pack knows.

How a rule is made from an example (docs/rule-packs.md, "Rules from examples"):

- The pattern is anchored to the whole (stripped) reply, like the generated default rules: a reply
  with other words reads as UNKNOWN (suspect, money held), never as a guess.
- Literal words are escaped; runs of whitespace become ``\\s+``; around a marked part spaces are
  optional. Numbers the owner did not mark (dates, times, reference numbers) match any number, and
  words with digits in them (product codes such as S10) match any such code: they change from one
  reply to the next.
- Marked parts become named groups: money for amount and stock (``Rp``, dots or commas), a phone
  number (``08…``, ``62…``, ``+62…``) for the destination, a code built from the characters of the
  example for SN and TrxID. An amount under 1.000 is a nominal in thousands (group ``nominal``).
  In a success rule the SN is optional, as in the default packs: "SN:." still reads as success and
  ``check_success`` turns the order suspect instead of leaving it unexplained.
- The rule goes in just before the first rule that read the example (so it wins for this reply and
  takes nothing from the rules after it), else at the end. The example is kept in the pack's
  ``samples`` (a key RulePack ignores); every stored sample and, for a default pack, every reply of
  the operator's synthetic templates is read again, and a sample the new rule reads differently
  from before is a conflict.

No Qt, no database: the caller loads the pack's JSON (``app.shop_admin.rule_pack_source``) and saves
``Proposal.pack_text`` (``app.shop_admin.save_rule_pack``). Messages are Indonesian, for the owner.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping

from app.resources import load_json
from app.rules import PACK_NAMES, FailReason, Outcome, Rule, RuleMatch, RulePack, load_pack, parse_rupiah


class Part(str, Enum):
    """What a marked span of the example is."""

    SN = "sn"
    AMOUNT = "amount"
    DEST = "dest"
    STOCK = "stock"  # the chip's (or our upstream account's) remaining balance
    TRXID = "trxid"
    REASON = "reason"  # the operator's words for a failure (kept as the reason text)
    ANY = "any"  # text that changes from reply to reply and means nothing to us


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    part: Part


@dataclass(frozen=True)
class Example:
    text: str
    marks: tuple[Mark, ...]
    outcome: Outcome
    reason: FailReason | None = None  # required for a failure


class BuildError(ValueError):
    """The example cannot become a rule; the message (Indonesian) says what to change."""


OUTCOME_WORDS = {Outcome.SUCCESS: "sukses", Outcome.FAILED: "gagal", Outcome.PENDING: "menunggu SMS",
                 Outcome.UNKNOWN: "tidak dikenal"}
PART_WORDS = {Part.SN: "SN", Part.AMOUNT: "Nominal", Part.DEST: "Tujuan", Part.STOCK: "Saldo",
              Part.TRXID: "TrxID", Part.REASON: "Alasan", Part.ANY: "Teks bebas"}
RULE_PREFIX = {Outcome.SUCCESS: "contoh.sukses", Outcome.FAILED: "contoh.gagal", Outcome.PENDING: "contoh.menunggu"}

# ---------------------------------------------------------------------------- patterns of the parts

MONEY = r"(?:Rp\.?\s*)?(?:\d{1,3}(?:[.,]\d{3})+|\d+)(?:,00?)?"
NOMINAL = r"\d{1,4}"
PHONE = r"(?:\+?62|0)\d{8,13}"
NUMBER = r"\d+(?:[.,:/]\d+)*"  # an unmarked number: amounts, dates, times
CODE = r"[0-9A-Za-z]+"  # an unmarked long code of letters and digits
ANY_TEXT = r".+?"
_TRIM = " \t\r\n.,;:!?()[]"  # a sloppy selection loses these at its ends (not for free text)
_TOKEN = re.compile(r"(?P<space>\s+)|(?P<rp>(?i:rp)\.?\s*(?=\d))|(?P<number>\d+(?:[.,:/]\d+)*)(?![0-9A-Za-z])"
                    r"|(?P<code>[0-9A-Za-z]*\d[0-9A-Za-z]*)"
                    r"|(?P<word>[^\W\d_]+)|(?P<other>.)", re.DOTALL)


def _code_pattern(value: str) -> str:
    """A pattern for an SN or TrxID like ``value``: its kinds of characters, starting and ending with
    a letter or digit (so a full stop after it is not taken)."""
    digits_only = all(c.isdigit() for c in value if c.isalnum())
    alnum = r"\d" if digits_only else "[0-9A-Za-z]"
    extra = "".join(sorted({re.escape(c) for c in value if not c.isalnum()}))
    if not extra:
        return alnum + "+"
    inner = f"[{'0-9' if digits_only else '0-9A-Za-z'}{extra}]"
    return f"{alnum}(?:{inner}*{alnum})?"


def _part_pattern(part: Part, value: str) -> tuple[str, str]:
    """(group name, pattern) for a marked value; BuildError when the value is not what the part says."""
    word = PART_WORDS[part]
    if part in (Part.AMOUNT, Part.STOCK):
        try:
            rupiah = parse_rupiah(value)
        except ValueError:
            raise BuildError(f"«{value}» yang ditandai {word} bukan jumlah rupiah.") from None
        if part is Part.AMOUNT and rupiah < 1000 and value.isdigit():
            return "nominal", NOMINAL  # "Isi 10 ke …": thousands
        return part.value, MONEY
    if part is Part.DEST:
        digits = value.lstrip("+")
        if (not digits.isdigit() or not (digits.startswith("0") or digits.startswith("62"))
                or not 9 <= len(digits) <= 15):
            raise BuildError(f"«{value}» yang ditandai {word} bukan nomor HP (08… atau 62…).")
        return "dest", PHONE
    if part in (Part.SN, Part.TRXID):
        if any(c.isspace() for c in value):
            raise BuildError(f"{word} «{value}» berisi spasi; tandai kodenya saja.")
        if not any(c.isalnum() for c in value):
            raise BuildError(f"«{value}» yang ditandai {word} tidak berisi huruf atau angka.")
        return part.value, _code_pattern(value)
    if part is Part.REASON:
        return "reason", ANY_TEXT
    return "", ANY_TEXT


def _literal(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Regex pieces and shape pieces for a literal stretch of the example."""
    pieces: list[str] = []
    shape: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(text):
        kind, value = m.lastgroup or "other", m.group()
        if kind == "space":
            pieces.append(r"\s+")
            shape.append(("text", " "))
        elif kind == "rp":  # "Rp5.000" next time may be "Rp 5.000"
            pieces.append(r"Rp\.?\s*")
            shape.append(("text", value.strip() + " "))
        elif kind == "number":
            pieces.append(NUMBER)
            shape.append(("number", value))
        elif kind == "code":  # product codes, references: S10 in one reply, X25 in the next
            pieces.append(CODE)
            shape.append(("number", value))
        else:
            pieces.append(re.escape(value))
            shape.append(("text", value))
    return pieces, shape


# ---------------------------------------------------------------------------- building one rule


@dataclass(frozen=True)
class BuiltRule:
    rule: Rule
    fields: dict[str, str]  # what the example's marked parts read as, by group name
    shape: tuple[tuple[str, str], ...]  # ("text"|"number"|"part", text or Part value), for showing the rule


def _clean_marks(text: str, marks: tuple[Mark, ...]) -> list[tuple[int, int, Part]]:
    """Marks inside the stripped text, trimmed, sorted; overlaps and empty marks refused."""
    offset = len(text) - len(text.lstrip())
    body = text.strip()
    out: list[tuple[int, int, Part]] = []
    for mark in marks:
        start, end = max(mark.start - offset, 0), min(mark.end - offset, len(body))
        trim = " \t\r\n" if mark.part in (Part.ANY, Part.REASON) else _TRIM
        while start < end and body[start] in trim:
            start += 1
        while end > start and body[end - 1] in trim:
            end -= 1
        if start >= end:
            raise BuildError(f"Bagian yang ditandai {PART_WORDS[Part(mark.part)]} kosong; pilih teksnya lagi.")
        out.append((start, end, Part(mark.part)))
    out.sort()
    for (s1, e1, p1), (s2, e2, p2) in zip(out, out[1:]):
        if s2 < e1:
            raise BuildError(f"Tanda {PART_WORDS[p1]} dan {PART_WORDS[p2]} bertumpuk: «{body[s2:e1]}».")
    return out


def build_rule(example: Example, name: str = "") -> BuiltRule:
    """The rule for one example. BuildError (Indonesian) when the example cannot become one."""
    body = example.text.strip()
    if not body:
        raise BuildError("Tempel dulu teks balasan operator.")
    outcome = Outcome(example.outcome)
    if outcome is Outcome.UNKNOWN:
        raise BuildError("Pilih hasilnya: sukses, gagal atau menunggu SMS.")
    if outcome is Outcome.FAILED and example.reason is None:
        raise BuildError("Balasan gagal butuh alasan: pilih alasannya.")
    marks = _clean_marks(example.text, example.marks)
    parts = [p for _s, _e, p in marks]
    if outcome is Outcome.SUCCESS and Part.SN not in parts:
        raise BuildError("Tandai SN-nya: tanpa SN transaksi sukses tetap dianggap suspect.")
    pattern: list[str] = ["^"]
    shape: list[tuple[str, str]] = []
    expected: dict[str, str] = {}
    seen: set[str] = set()
    position = 0
    for start, end, part in marks:
        between = body[position:start]
        literal, literal_shape = _literal(between.strip())
        if position:
            pattern.append(r"\s*")
            if between[:1].isspace():
                shape.append(("text", " "))
        pattern += literal
        shape += literal_shape
        if literal:
            pattern.append(r"\s*")
            if between[-1:].isspace():
                shape.append(("text", " "))
        value = body[start:end]
        group, part_pattern = _part_pattern(part, value)
        if group and group not in seen:
            seen.add(group)
            expected[group] = value
            optional = "?" if part is Part.SN and outcome is Outcome.SUCCESS else ""
            pattern.append(f"(?P<{group}>{part_pattern}){optional}")
        else:
            pattern.append(f"(?:{part_pattern})")
        shape.append(("part", part.value))
        position = end
    literal, literal_shape = _literal(body[position:].strip())
    if position and literal:
        pattern.append(r"\s*")
        if body[position:position + 1].isspace():
            shape.append(("text", " "))
    pattern += literal + ["$"]
    shape += literal_shape
    reason = example.reason if outcome is Outcome.FAILED else None
    rule = Rule("".join(pattern), outcome, reason, name or f"{RULE_PREFIX[outcome]}.1")
    m = rule.regex.search(body)
    read = {k: v for k, v in m.groupdict().items() if v is not None} if m else {}
    if m is None or any(read.get(k, "").strip() != v.strip() for k, v in expected.items()):
        # The parts are matched left to right with the tolerant patterns above; a neighbour can take
        # a character meant for a part (two numbers with nothing between them, say).
        raise BuildError("Aturan dari contoh ini tidak membaca bagian yang ditandai dengan benar; "
                         "tandai bagian yang lebih jelas batasnya.")
    return BuiltRule(rule, expected, tuple(shape))


# ---------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class Sample:
    """A reply and how the pack must read it. ``fields`` are the raw texts the rule must capture.
    ``origin`` is "pack" (stored in the pack's ``samples``) or "template" (an operator reply from
    the synthetic templates, for a default pack)."""

    text: str
    outcome: Outcome
    reason: FailReason | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    origin: str = "pack"

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "outcome": self.outcome.value,
                "reason": self.reason.value if self.reason else None, "fields": dict(self.fields)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Sample":
        try:
            return cls(str(data["text"]), Outcome(str(data["outcome"]).lower()),
                       FailReason(data["reason"]) if data.get("reason") else None,
                       {str(k): str(v) for k, v in (data.get("fields") or {}).items()})
        except (KeyError, TypeError, ValueError) as exc:
            raise BuildError(f"Contoh di rule pack tidak valid: {exc!r}") from None


def stored_samples(pack_data: Mapping[str, Any]) -> list[Sample]:
    return [Sample.from_dict(s) for s in pack_data.get("samples") or ()]


SAMPLE_VALUES = {"date": "29/11/26", "time": "14:05", "jam": "14:05", "amount": "10.000", "amount_plain": "10000",
                 "nominal": "10", "dest": "081234567890", "tujuan": "081234567890", "dest62": "6281234567890",
                 "stock": "1.234.500", "stock_plain": "1234500", "saldo": "1.234.500", "saldo_awal": "1.245.150",
                 "harga": "10.650", "kode": "S10", "n": "2", "max": "3", "operator_tujuan": "Indosat",
                 "operator_produk": "Telkomsel", "trxid": "7301928374", "sn": "4102938475610293",
                 "list": "1.081234567890/10/1405/OK 2.085712345678/5/1351/GAGAL"}


def _value_like(pattern: str | None, fallback: str) -> str:
    """A value that fully matches a simple placeholder pattern such as ``\\d{20}``, ``X\\d{9}`` or
    ``[0-9A-Z]{12}`` (the operators' SN and TrxID shapes)."""
    if not pattern:
        return fallback
    out = []
    for m in re.finditer(r"\\d\{(\d+)\}|\[([^\]]+)\]\{(\d+)\}|\\(.)|(.)", pattern):
        if m.group(1):
            out.append(("4102938475" * 4)[:int(m.group(1))])
        elif m.group(2):
            chars = "A7B3C9D1E5F2G8H4" if "A" in m.group(2) else "4102938475"
            out.append((chars * 4)[:int(m.group(3))])
        else:
            out.append(m.group(4) or m.group(5))
    value = "".join(out)
    return value if re.fullmatch(pattern, value) else fallback


def _operator_templates(pack_name: str) -> tuple[dict[str, str], dict[str, str], list[str]] | None:
    """(templates by id, values, reason texts) of the synthetic replies behind a default pack."""
    data = load_json("operator_replies.json")
    if pack_name == data["upstream"]["pack"]:
        reasons = [texts[0] for texts in data["upstream"]["reason_texts"].values()]
        return dict(data["upstream"]["templates"]), dict(SAMPLE_VALUES), reasons
    operator = next((o for k, o in data["operators"].items() if not k.startswith("_") and o["pack"] == pack_name), None)
    if operator is None:
        return None
    key = operator["template_key"]
    templates = {k: v for k, v in data["templates"].items() if k.split(".")[0] == key}
    templates.update({f"session.{k}": v for k, v in data["session"].items() if not k.startswith("_")})
    values = dict(SAMPLE_VALUES)
    values["sn"] = _value_like(operator.get("sn"), values["sn"])
    values["trxid"] = _value_like(operator.get("trxid"), values["trxid"])
    return templates, values, list(data["reasons"].values())


def _render(template: str, values: Mapping[str, str]) -> str:
    return template.format_map(defaultdict(str, values))


def template_replies(pack_name: str) -> dict[str, str]:
    """The operator's synthetic replies behind a default pack, by template id (a failure template once
    per reason text: ``tsel.fail#2``). Empty for a pack that is not a default one."""
    found = _operator_templates(pack_name) if pack_name in PACK_NAMES else None
    if found is None:
        return {}
    templates, values, reasons = found
    out: dict[str, str] = {}
    for template_id, template in templates.items():
        if "{reason}" in template or "{alasan}" in template:
            for i, reason in enumerate(reasons):
                out[f"{template_id}#{i + 1}"] = _render(template, {**values, "reason": reason, "alasan": reason})
        else:
            out[template_id] = _render(template, values)
    return out


def sample_reply(pack_name: str) -> str:
    """A success reply of the operator behind a default pack (for the tester); "" for other packs."""
    replies = template_replies(pack_name)
    return next((text for tid, text in replies.items() if tid.split("#")[0].endswith(".ok")), "")


def template_samples(pack_name: str) -> list[Sample]:
    """The operator's synthetic replies as samples, each expected to read as the default pack reads it
    (stock and history replies included: no top-up rule may take them)."""
    replies = template_replies(pack_name)
    if not replies:
        return []
    default = load_pack(pack_name)
    samples = []
    for text in replies.values():
        m = default.match(text)
        samples.append(Sample(text, m.outcome, m.reason, {"sn": m.sn} if m.sn else {}, origin="template"))
    return samples


# ---------------------------------------------------------------------------- checking a pack


@dataclass(frozen=True)
class SampleCheck:
    """How the pack reads one sample. ``problem`` (Indonesian) is empty when it reads as expected."""

    sample: Sample
    outcome: Outcome
    reason: FailReason | None
    rule_name: str
    fields: Mapping[str, str]
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def short(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


def _reading(outcome: Outcome, reason: FailReason | None) -> str:
    word = OUTCOME_WORDS[outcome]
    return f"{word} ({reason.value})" if outcome is Outcome.FAILED and reason else word


def check_sample(pack: RulePack, sample: Sample) -> SampleCheck:
    m: RuleMatch = pack.match(sample.text)
    rule = m.rule_name or (f"#{m.rule_index + 1}" if m.matched else "")
    problem = ""
    expected, got = _reading(sample.outcome, sample.reason), _reading(m.outcome, m.reason)
    if m.outcome is not sample.outcome or (sample.outcome is Outcome.FAILED and sample.reason is not None
                                           and m.reason is not sample.reason):
        by = f" oleh aturan «{rule}»" if rule else ""
        problem = f"«{short(sample.text)}» terbaca {got}{by}, seharusnya {expected}."
    else:
        for key, value in sample.fields.items():
            read = (m.fields.get(key) or "").strip()
            if read != value.strip():
                problem = (f"«{short(sample.text)}»: {key} terbaca «{read or '-'}», seharusnya «{value}» "
                           f"(aturan «{rule}»).")
                break
    return SampleCheck(sample, m.outcome, m.reason, rule, dict(m.fields), problem)


def pack_samples(pack_data: Mapping[str, Any], pack_name: str = "") -> list[Sample]:
    """Every sample of a pack: the stored ones, then the template replies of its default pack (a
    stored sample wins over a template with the same text)."""
    stored = stored_samples(pack_data)
    texts = {s.text.strip() for s in stored}
    name = str(pack_data.get("name") or pack_name)
    return stored + [s for s in template_samples(name) if s.text.strip() not in texts]


def check_pack(pack_data: Mapping[str, Any], pack_name: str = "") -> list[SampleCheck]:
    pack = RulePack.from_dict(pack_data)
    return [check_sample(pack, s) for s in pack_samples(pack_data, pack_name)]


# ---------------------------------------------------------------------------- proposing a rule


@dataclass(frozen=True)
class Proposal:
    """A rule made from an example, placed in the pack, and the pack read against all its samples.

    ``conflicts``: samples the pack read correctly before and reads differently now (saving is
    refused while there are any). ``broken_before``: samples it misread already, shown, not blocking.
    """

    built: BuiltRule
    position: int  # index of the new rule in the pack's list
    pack_text: str  # the pack JSON with the rule and the sample, for shop_admin.save_rule_pack
    checks: tuple[SampleCheck, ...]
    conflicts: tuple[SampleCheck, ...]
    broken_before: tuple[SampleCheck, ...]
    notes: tuple[str, ...]

    @property
    def rule(self) -> Rule:
        return self.built.rule

    @property
    def ok(self) -> bool:
        return not self.conflicts


def _load(pack_source: str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(pack_source, str):
        try:
            data = json.loads(pack_source)
        except json.JSONDecodeError as exc:
            raise BuildError(f"Aturan balasan tidak valid: {exc}") from None
    else:
        data = json.loads(json.dumps(pack_source))  # a deep copy that is plain JSON
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise BuildError("Aturan balasan tidak valid: daftar aturan tidak ada.")
    return data


def _unique_name(base: str, rules: list[Mapping[str, Any]]) -> str:
    names = {str(r.get("name", "")) for r in rules}
    n = 1
    while f"{base}.{n}" in names:
        n += 1
    return f"{base}.{n}"


def propose(pack_source: str | Mapping[str, Any], example: Example, *, pack_name: str = "") -> Proposal:
    """The example's rule in the pack (JSON text or its dict), with the example as a sample, and the
    result of reading every sample again. BuildError when no rule can be made."""
    data = _load(pack_source)
    try:
        old_pack = RulePack.from_dict(data)
    except ValueError as exc:
        raise BuildError(f"Aturan balasan tidak valid: {exc}") from None
    built = build_rule(example, _unique_name(RULE_PREFIX.get(Outcome(example.outcome), "contoh"), data["rules"]))
    rule = built.rule
    body = example.text.strip()
    before = old_pack.match(body)
    position = before.rule_index if before.matched else len(old_pack.rules)
    notes: list[str] = []
    new_sample = Sample(body, rule.outcome, rule.reason, dict(built.fields))
    if before.matched:
        old_name = before.rule_name or f"#{before.rule_index + 1}"
        same = check_sample(old_pack, new_sample).ok
        if same:
            notes.append(f"Balasan ini sudah dikenali aturan «{old_name}» dengan hasil yang sama; "
                         "aturan baru tidak mengubah apa-apa untuk balasan ini.")
        else:
            notes.append(f"Balasan ini tadinya terbaca {_reading(before.outcome, before.reason)} oleh aturan "
                         f"«{old_name}»; aturan baru dipasang tepat sebelum aturan itu.")
    has_amount = bool({"amount", "nominal"} & set(built.fields))
    if rule.outcome is not Outcome.PENDING and "trxid" not in built.fields and not ("dest" in built.fields
                                                                                  and has_amount):
        notes.append("Tanpa Tujuan dan Nominal (atau TrxID), SMS susulan dengan isi seperti ini tidak bisa "
                     "dicocokkan ke transaksinya; untuk jawaban USSD langsung tidak masalah.")

    samples_before = pack_samples(data, pack_name)
    checks_before = {s.text.strip(): check_sample(old_pack, s) for s in samples_before}

    rules = list(data["rules"])
    rules.insert(position, {"name": rule.name, "pattern": rule.pattern, "outcome": rule.outcome.value,
                            "reason": rule.reason.value if rule.reason else None})
    data["rules"] = rules
    stored = [s for s in data.get("samples") or () if str(s.get("text", "")).strip() != body]
    data["samples"] = stored + [new_sample.to_dict()]
    new_pack = RulePack.from_dict(data)
    checks = tuple(check_sample(new_pack, s) for s in pack_samples(data, pack_name))
    conflicts, broken = [], []
    for check in checks:
        if check.ok:
            continue
        earlier = checks_before.get(check.sample.text.strip())
        if earlier is not None and not earlier.ok and check.rule_name != rule.name:
            broken.append(check)  # misread before, and not because of the new rule
        else:
            conflicts.append(check)
    return Proposal(built, position, json.dumps(data, ensure_ascii=False, indent=2) + "\n", checks,
                    tuple(conflicts), tuple(broken), tuple(notes))


# ---------------------------------------------------------------------------- first guesses for the dialog

_MONEY_VALUE = r"\d{1,3}(?:[.,]\d{3})+|\d+"
_SUGGEST: tuple[tuple[Part, re.Pattern[str]], ...] = (
    (Part.SN, re.compile(r"\b(?:SN|S/N|No\.?\s*Ref|Serial)\s*[:=.]?\s*(?P<v>[0-9A-Za-z]*\d[0-9A-Za-z]*)", re.I)),
    (Part.TRXID, re.compile(r"\b(?:TrxID|Trx|Ref|ID)\s*[:=]?\s*(?P<v>(?=[0-9A-Za-z]{5})[0-9A-Za-z]*\d[0-9A-Za-z]*)",
                            re.I)),
    (Part.STOCK, re.compile(r"\b(?:sisa\s+saldo|sisa\s+stok|saldo|stok|bal)(?:\s+[A-Za-z-]+)?\s*[:=]?\s*"
                            rf"(?:Rp\.?\s*)?(?P<v>{_MONEY_VALUE})", re.I)),
    (Part.DEST, re.compile(r"(?<!\d)(?P<v>(?:\+?62|0)8\d{7,12})(?!\d)")),
    (Part.AMOUNT, re.compile(r"\b(?:isi(?:\s+ulang|\s+pulsa)?|reload|topup|nominal)\s+(?:Rp\.?\s*)?"
                             rf"(?P<v>{_MONEY_VALUE})(?![\d/:])", re.I)),
)


def suggest_marks(text: str) -> tuple[Mark, ...]:
    """Likely marks for a reply: the value after "SN", "TrxID", "Saldo"/"Sisa stok", the first phone
    number, the amount after "isi"/"reload". A first guess the owner checks; overlaps are left out."""
    found: list[Mark] = []
    for part, pattern in _SUGGEST:
        for m in pattern.finditer(text):
            start, end = m.span("v")
            if any(start < other.end and other.start < end for other in found):
                continue
            found.append(Mark(start, end, part))
            break
    return tuple(sorted(found, key=lambda mark: mark.start))


_FAILED_WORDS = re.compile(r"\b(?:gagal|tidak\s+berhasil|ditolak|dibatalkan|batal|failed|tidak\s+dapat|maaf|salah"
                           r"|tidak\s+cukup|tidak\s+dikenal|dikunci|habis)\b", re.I)
_SUCCESS_WORDS = re.compile(r"\b(?:sukses|berhasil|success|ok)\b", re.I)
_PENDING_WORDS = re.compile(r"\b(?:diproses|proses|tunggu|diterima|menyusul|pending)\b", re.I)


def guess_outcome(text: str) -> Outcome | None:
    """What the words of a reply suggest (failure words first: "tidak berhasil" is not a success)."""
    for words, outcome in ((_FAILED_WORDS, Outcome.FAILED), (_SUCCESS_WORDS, Outcome.SUCCESS),
                           (_PENDING_WORDS, Outcome.PENDING)):
        if words.search(text):
            return outcome
    return None


def guess_reason(pack_source: str | Mapping[str, Any], text: str) -> FailReason | None:
    """The failure reason the pack's reason table finds in the reply, if any."""
    try:
        pack = RulePack.from_dict(_load(pack_source))
    except (BuildError, ValueError):
        return None
    reason = pack.reason_for(text)
    return None if reason is FailReason.UNKNOWN else reason
