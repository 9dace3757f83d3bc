"""USSD: parse `+CUSD:` lines, decode their payload (modems.md 6.3/6.4), encode requests.

Pure standard library, no I/O. Remembering the per-modem `auto` result (6.4 step 5) is the
driver's job: it passes the settled mode back in as `mode`.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Iterable

from modems import gsm7

MODES = ("auto", "text", "gsm7-hex", "ucs2-hex", "8bit-hex")
_HEX = frozenset(string.hexdigits)


@dataclass
class CusdLine:
    status: int
    payload: str | None
    dcs: int | None
    raw: str


def parse_cusd(line: str) -> CusdLine:
    """Parse `+CUSD: <m>[,<str>[,<dcs>]]`. `<str>` may be quoted (and then may hold CRLF and
    commas) or bare. Raises ValueError if the line is not a +CUSD line."""
    raw = line
    s = line.strip()
    if s[:6].upper() != "+CUSD:":
        raise ValueError(f"not a +CUSD line: {line!r}")
    rest = s[6:].lstrip()
    head, sep, tail = rest.partition(",")
    head = head.strip()
    if not head.lstrip("-").isdigit():
        raise ValueError(f"+CUSD line without a numeric status: {line!r}")
    status = int(head)
    if not sep:
        return CusdLine(status, None, None, raw)
    tail = tail.lstrip()
    payload: str
    dcs_text = ""
    if tail.startswith('"'):
        # The last quote closes the string: operators put bare quotes inside menu texts.
        close = tail.rfind('"')
        if close == 0:
            payload = tail[1:]  # unterminated quote: keep everything
        else:
            payload = tail[1:close]
            after = tail[close + 1 :].strip()
            if after.startswith(","):
                dcs_text = after[1:].strip()
    else:
        # Bare payloads are normally hex (Huawei E160). A trailing ",<n>" is taken as the DCS
        # only if it can be one, so "Rp 1,500" stays text; "Rp 1,100" is inherently ambiguous.
        body, comma, last = tail.rpartition(",")
        last = last.strip()
        if comma and _looks_like_dcs(last):
            payload, dcs_text = body.strip(), last
        else:
            payload = tail.strip()
    dcs = int(dcs_text) if dcs_text.isdigit() else None
    return CusdLine(status, payload, dcs, raw)


def _looks_like_dcs(text: str) -> bool:
    return text.isdigit() and int(text) <= 255 and (text == "0" or not text.startswith("0"))


def dcs_alphabet(dcs: int | None) -> str | None:
    """Cell-broadcast DCS (TS 23.038 §5) → 'gsm7' | '8bit' | 'ucs2' | 'ucs2-lang' | None."""
    if dcs is None or not 0 <= dcs <= 0xFF:
        return None
    if dcs == 0x11:
        return "ucs2-lang"
    if dcs <= 0x3F:
        return "gsm7"
    if 0x40 <= dcs <= 0x7F or 0x90 <= dcs <= 0x9F:
        return ("gsm7", "8bit", "ucs2", None)[(dcs >> 2) & 0x03]
    if dcs >= 0xF0:
        return "8bit" if dcs & 0x04 else "gsm7"
    return None


def _gsm_charset_text(payload: str) -> str:
    """Text received with AT+CSCS="GSM": each character below 0x80 is a GSM-7 code point."""
    out: list[str] = []
    pending: list[int] = []
    for ch in payload:
        if ord(ch) < 0x80:
            pending.append(ord(ch))
            continue
        if pending:
            out.append(gsm7.decode_septets(pending))
            pending = []
        out.append(ch)
    if pending:
        out.append(gsm7.decode_septets(pending))
    return "".join(out)


def _ucs2(data: bytes) -> str:
    units = []
    for i in range(0, len(data) - 1, 2):
        unit = data[i : i + 2]
        if unit in (b"\x00\x00", b"\xff\xff"):
            break
        units.append(unit)
    return b"".join(units).decode("utf-16-be", errors="replace")


def _gsm7_packed(data: bytes) -> str:
    septets = gsm7.unpack_septets(data)
    # 8n-1 characters leave 7 spare bits, which a correct sender fills with CR.
    if len(data) % 7 == 0 and septets and septets[-1] == gsm7.CR:
        septets.pop()
    return gsm7.decode_septets(septets)


def _mostly_printable(text: str) -> bool:
    if not text:
        return True
    good = sum(1 for ch in text if ch.isprintable() or ch.isspace())
    return good * 2 >= len(text)


def decode_ussd(
    payload: str, dcs: int | None, *, mode: str = "auto", charset: str = "GSM"
) -> tuple[str, str]:
    """Decode a +CUSD payload. Returns (text, detected_mode); detected_mode is one of
    'text', 'gsm7-hex', 'ucs2-hex', '8bit-hex'. A hex payload that decodes to mostly
    unprintable text comes back raw with mode 'text'."""
    if mode not in MODES:
        raise ValueError(f"unknown USSD mode {mode!r}")
    charset = charset.upper()
    is_hex = bool(payload) and len(payload) % 2 == 0 and all(c in _HEX for c in payload)
    if mode == "text" or not is_hex:
        return (_gsm_charset_text(payload) if charset == "GSM" else payload), "text"

    data = bytes.fromhex(payload)
    alphabet = dcs_alphabet(dcs)
    if alphabet == "ucs2-lang":
        text, detected = _ucs2(data[2:]), "ucs2-hex"
    elif mode == "ucs2-hex" or alphabet == "ucs2" or charset == "UCS2":
        text, detected = _ucs2(data), "ucs2-hex"
    elif mode == "gsm7-hex":
        text, detected = _gsm7_packed(data), "gsm7-hex"
    elif mode == "8bit-hex":
        text, detected = data.decode("latin-1"), "8bit-hex"
    elif all(0x20 <= b < 0x7F or b in (0x0A, 0x0D) for b in data):
        text, detected = data.decode("ascii"), "8bit-hex"
    elif len(data) % 2 == 0 and sum(1 for i in range(0, len(data), 2) if data[i] == 0) * 4 >= len(data) // 2:
        text, detected = _ucs2(data), "ucs2-hex"
    elif alphabet == "8bit":
        text, detected = data.decode("latin-1"), "8bit-hex"
    else:
        text, detected = _gsm7_packed(data), "gsm7-hex"
    if not _mostly_printable(text):
        return payload, "text"
    return text, detected


def decode_cusd(line: str, *, mode: str = "auto", charset: str = "GSM") -> tuple[CusdLine, str | None, str | None]:
    """Convenience: parse a line and decode its payload. Returns (parsed, text, detected_mode);
    text and mode are None for status-only lines such as `+CUSD: 4`."""
    parsed = parse_cusd(line)
    if parsed.payload is None:
        return parsed, None, None
    text, detected = decode_ussd(parsed.payload, parsed.dcs, mode=mode, charset=charset)
    return parsed, text, detected


def encode_ussd_request(code: str, packed: bool) -> str:
    """The `<str>` for AT+CUSD=1,"<str>",15: the code itself, or GSM-7 packed hex (Huawei
    F_ENCODED_USSD models). Raises ValueError if the code is not GSM-7."""
    septets = gsm7.encode_septets(code)
    if not packed:
        return code
    return gsm7.pack_septets(septets, pad_cr=True).hex().upper()


def encode_ucs2_hex(text: str) -> str:
    """Text as UCS-2 hex, for modems left in AT+CSCS="UCS2" (every quoted string must be hex)."""
    return text.encode("utf-16-be").hex().upper()


_PIN = re.compile(r"\d{4,8}")
_PHONE = re.compile(r"\+?\d{9,15}")


def guess_pins(code: str) -> tuple[str, ...]:
    """The fields of a USSD code that may be a PIN, for masking what is shown or logged. A code's fields
    are what the `*`s separate; the first is the service code (`*776`) and stays. After it, every field
    of 4–8 digits is taken for a PIN (the PIN sits there in every operator's codes, `*776*PIN#`,
    `*771*NEW*OLD#`), except one that directly follows a phone number and is not the last field: that is
    the amount of a reload code (`*901*0857…*10000*PIN#`). A text that is only 4–8 digits (a menu
    answer) counts as one field. Masking an amount by mistake costs nothing; showing a PIN does."""
    tokens = re.split(r"[*#]", code.strip())
    if len(tokens) == 1:  # not a code: a menu answer
        return (tokens[0],) if _PIN.fullmatch(tokens[0]) else ()
    fields = [t for t in tokens if t][1:]  # without the service code
    pins = []
    for i, field in enumerate(fields):
        amount = 0 < i < len(fields) - 1 and _PHONE.fullmatch(fields[i - 1])
        if _PIN.fullmatch(field) and not amount:
            pins.append(field)
    return tuple(pins)


def mask_digits(text: str, secrets: Iterable[str]) -> str:
    """Mask each secret where it stands as a whole run of digits (`Sisa 1234` but not `Rp 12.345`)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = re.sub(rf"(?<!\d){re.escape(secret)}(?!\d)", "*" * len(secret), text)
    return text


def mask_pin(code: str, pin: str | None = None) -> str:
    """Mask the chip PIN for logs: the given pin wherever it appears, else every field `guess_pins`
    takes for one (`*777*081389092678*10*****#`)."""
    return mask_digits(code, (pin,) if pin else guess_pins(code))
