"""GSM 03.38 (3GPP TS 23.038) default alphabet: character tables and septet packing.

Pure standard library. Septets are plain ints 0..127; an extension-table character is two
septets, ESC (0x1B) followed by its code.
"""
from __future__ import annotations

from typing import Iterable, Sequence

ESC = 0x1B
CR = 0x0D

# Index = septet value. Position 0x1B is the escape to the extension table, not a character;
# it is never produced by decode_septets and never accepted by encode_septets.
GSM7_BASIC: str = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
assert len(GSM7_BASIC) == 128

GSM7_EXT: dict[str, int] = {
    "\x0c": 0x0A,  # form feed
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}

_BASIC_INDEX: dict[str, int] = {ch: i for i, ch in enumerate(GSM7_BASIC) if i != ESC}
_EXT_DECODE: dict[int, str] = {code: ch for ch, code in GSM7_EXT.items()}


def is_gsm7(text: str) -> bool:
    """True if every character is in the basic or the extension table."""
    return all(ch in _BASIC_INDEX or ch in GSM7_EXT for ch in text)


def septet_length(text: str) -> int:
    """Septets needed for text (extension characters count 2). Raises ValueError if not GSM-7."""
    return len(encode_septets(text))


def char_septets(ch: str) -> int:
    """Septets one character costs: 1 basic, 2 extension. Raises ValueError if not GSM-7."""
    if ch in _BASIC_INDEX:
        return 1
    if ch in GSM7_EXT:
        return 2
    raise ValueError(f"character {ch!r} is not in the GSM 03.38 alphabet")


def encode_septets(text: str) -> list[int]:
    out: list[int] = []
    for ch in text:
        code = _BASIC_INDEX.get(ch)
        if code is not None:
            out.append(code)
            continue
        ext = GSM7_EXT.get(ch)
        if ext is None:
            raise ValueError(f"character {ch!r} is not in the GSM 03.38 alphabet")
        out.append(ESC)
        out.append(ext)
    return out


def decode_septets(septets: Iterable[int]) -> str:
    """Septets to text. ESC + unknown code shows the basic character (TS 23.038 §6.2.1.1);
    ESC ESC shows a space; a trailing lone ESC is dropped."""
    out: list[str] = []
    escaped = False
    for s in septets:
        s &= 0x7F
        if escaped:
            escaped = False
            if s == ESC:
                out.append(" ")
            else:
                out.append(_EXT_DECODE.get(s, GSM7_BASIC[s]))
        elif s == ESC:
            escaped = True
        else:
            out.append(GSM7_BASIC[s])
    return "".join(out)


def pack_septets(septets: Sequence[int], fill_bits: int = 0, pad_cr: bool = False) -> bytes:
    """Pack septets LSB first after `fill_bits` zero bits.

    pad_cr: when the last octet would carry 7 unused bits, fill them with CR instead of zeros so
    a receiver that counts octets (USSD, cell broadcast) does not read a spurious '@'
    (TS 23.038 §6.1.2.3.1).
    """
    if not 0 <= fill_bits <= 7:
        raise ValueError("fill_bits must be 0..7")
    acc = 0
    nbits = fill_bits
    out = bytearray()
    for s in septets:
        if not 0 <= s <= 0x7F:
            raise ValueError(f"septet out of range: {s}")
        acc |= s << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits:
        if pad_cr and nbits == 1:
            acc |= CR << 1
        out.append(acc & 0xFF)
    return bytes(out)


def unpack_septets(data: bytes, count: int | None = None, fill_bits: int = 0) -> list[int]:
    """Unpack septets (LSB first) after skipping `fill_bits` bits.

    count=None takes every whole septet the octets hold. Raises ValueError if `count` needs more
    bits than `data` has.
    """
    if not 0 <= fill_bits <= 7:
        raise ValueError("fill_bits must be 0..7")
    available = (len(data) * 8 - fill_bits) // 7 if data else 0
    if count is None:
        count = max(available, 0)
    elif count < 0 or count > available:
        raise ValueError(f"need {count} septets, data holds {available}")
    value = int.from_bytes(data, "little") >> fill_bits
    return [(value >> (7 * i)) & 0x7F for i in range(count)]


def pack_text(text: str, pad_cr: bool = False) -> bytes:
    """Convenience: GSM-7 encode and pack."""
    return pack_septets(encode_septets(text), pad_cr=pad_cr)


