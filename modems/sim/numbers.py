"""Phone numbers and operator prefixes of the virtual network.

Canonical form inside the simulator is the national form ``08…`` (operators.md 2.2). Short codes
and alphanumeric sender names (``TSEL-SIM``) are kept as they are.
"""
from __future__ import annotations

import re

# operators.md 2.1 (high and medium confidence rows); ids match resources/prefixes.json.
PREFIXES: dict[str, str] = {
    **{p: "TSEL" for p in ("0811", "0812", "0813", "0821", "0822", "0823", "0851", "0852", "0853")},
    **{p: "ISAT" for p in ("0814", "0815", "0816", "0855", "0856", "0857", "0858")},
    **{p: "XL" for p in ("0817", "0818", "0819", "0859", "0877", "0878", "0879")},
    **{p: "AXIS" for p in ("0831", "0832", "0833", "0838")},
    **{p: "TRI" for p in ("0895", "0896", "0897", "0898", "0899")},
    **{p: "SMART" for p in ("0881", "0882", "0883", "0884", "0885", "0886", "0887", "0888", "0889")},
}

_SEPARATORS = re.compile(r"[\s\-().]")


class NumberError(ValueError):
    """Not a phone number we can route."""


def normalize(number: str) -> str:
    """``+62812…``, ``62812…``, ``0812…`` and ``812…`` all become ``0812…``.

    Short numeric codes (up to 6 digits) and alphanumeric names are returned unchanged
    (alphanumeric upper-cased). Raises NumberError for empty or malformed input.
    """
    if not isinstance(number, str):
        raise NumberError("number must be a string")
    raw = _SEPARATORS.sub("", number.strip())
    if not raw:
        raise NumberError("empty number")
    if not raw.lstrip("+").isdigit():
        if re.fullmatch(r"[A-Za-z0-9\-_ ]{1,11}", number.strip()) and any(c.isalpha() for c in raw):
            return number.strip().upper()
        raise NumberError(f"not a phone number: {number!r}")
    digits = raw.lstrip("+")
    if len(digits) <= 6 and not raw.startswith("+"):
        return digits
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    elif digits.startswith("8"):
        digits = "0" + digits
    elif not digits.startswith("0"):
        raise NumberError(f"not an Indonesian number: {number!r}")
    if not 9 <= len(digits) <= 14:
        raise NumberError(f"wrong length: {number!r}")
    return digits


def is_mobile(national: str) -> bool:
    """A plausible mobile number: ``08`` and 10–13 digits (operators.md 2.2)."""
    return national.isdigit() and national.startswith("08") and 10 <= len(national) <= 13


def operator_of(national: str) -> str | None:
    """Operator id by longest prefix, or None."""
    for length in range(min(len(national), 6), 3, -1):
        op = PREFIXES.get(national[:length])
        if op:
            return op
    return None


def international(national: str) -> str:
    """``0812…`` → ``+62812…``; anything else unchanged (short codes, names)."""
    if national.isdigit() and national.startswith("0") and len(national) > 6:
        return "+62" + national[1:]
    return national


def to62(national: str) -> str:
    """``0812…`` → ``62812…`` (the ``{dest62}`` placeholder)."""
    return "62" + national[1:] if national.startswith("0") else national


def try_normalize(number: str) -> str | None:
    try:
        return normalize(number)
    except NumberError:
        return None
