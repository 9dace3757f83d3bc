"""Phone numbers: normalising to the national form and finding the operator by prefix."""
from __future__ import annotations

import re
from dataclasses import dataclass

from app.resources import load_json

# ASCII digits only: "٠٨١٢…" or "０８１２…" is not a number we can dial or top up
_MOBILE = re.compile(r"^08[0-9]{8,11}$")
_PHONE_LIKE = re.compile(r"^\+?[0-9]{5,16}$")
_GROUPING = re.compile(r"[\s\-().]")


def normalize_msisdn(raw: str) -> str | None:
    """'+6281234567890', '6281234567890', '081234567890' -> '081234567890'; None if not a mobile."""
    s = re.sub(r"[\s\-()]", "", raw or "")
    if s.startswith("+62"):
        s = "0" + s[3:]
    elif s.startswith("62"):
        s = "0" + s[2:]
    return s if _MOBILE.match(s) else None


def sender_key(raw: str) -> str:
    """One form per SMS sender, so '+62 21 555-0123', '62215550123' and '0215550123' are one sender (counted
    and answered as one): a mobile as `normalize_msisdn` gives it, another Indonesian number in national
    form, a foreign number with its '+', a name ('TELKOMSEL') as it came."""
    mobile = normalize_msisdn(raw)
    if mobile:
        return mobile
    s = _GROUPING.sub("", raw or "")
    if not _PHONE_LIKE.match(s):
        return (raw or "").strip()
    if s.startswith("+62"):
        return "0" + s[3:]
    if s.startswith("62") and len(s) >= 9:
        return "0" + s[2:]
    return s


@dataclass(frozen=True)
class PrefixRule:
    prefix: str
    operator: str
    region: str | None = None


class PrefixTable:
    def __init__(self, rules: list[PrefixRule], names: dict[str, str]):
        self._rules = {r.prefix: r for r in rules}
        self._lengths = sorted({len(p) for p in self._rules}, reverse=True)
        self.names = names

    @classmethod
    def default(cls) -> "PrefixTable":
        data = load_json("prefixes.json")
        rules = [PrefixRule(r["prefix"], r["operator"], r.get("region")) for r in data["prefixes"]]
        return cls(rules, dict(data["operators"]))

    def lookup(self, msisdn: str) -> PrefixRule | None:
        for n in self._lengths:
            rule = self._rules.get(msisdn[:n])
            if rule:
                return rule
        return None

    def operator_of(self, msisdn: str) -> str | None:
        rule = self.lookup(msisdn)
        return rule.operator if rule else None

    def name(self, operator: str) -> str:
        return self.names.get(operator, operator)

    def find_operator(self, word: str) -> str | None:
        """'TSEL', 'telkomsel' -> 'TSEL'."""
        w = word.upper()
        for code, name in self.names.items():
            if w in (code, name.upper()):
                return code
        return None
