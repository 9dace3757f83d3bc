"""Rupiah: integers only, formatted the Indonesian way."""
from __future__ import annotations

import re


def group(amount: int) -> str:
    """10250 -> '10.250', -5000 -> '-5.000'."""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(int(amount)):,}".replace(",", ".")


def rupiah(amount: int) -> str:
    """1250000 -> 'Rp 1.250.000'."""
    return f"Rp {group(amount)}"


# Anything above this is a typo or an attack, never a real amount; it keeps every sum far inside a
# 64-bit database integer.
MAX_AMOUNT = 1_000_000_000_000  # Rp 1 triliun
_AMOUNT = re.compile(r"^([0-9]{1,13})(RB|K|JT)?$")  # ASCII digits only


def parse_amount(token: str) -> int | None:
    """'300000' -> 300000, '300RB' / '300K' -> 300000, '2JT' -> 2000000; None if not an amount or above
    MAX_AMOUNT."""
    m = _AMOUNT.match(token.strip().upper().replace(".", ""))
    if not m:
        return None
    value = int(m.group(1))
    suffix = m.group(2)
    if suffix in ("RB", "K"):
        value *= 1000
    elif suffix == "JT":
        value *= 1_000_000
    return value if value <= MAX_AMOUNT else None
