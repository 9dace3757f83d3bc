"""SMS PDUs (3GPP TS 23.040): SUBMIT encode/decode, DELIVER encode/decode, STATUS-REPORT.

Phone side: encode_submit, decode_pdu. Network side (used by the simulator): encode_deliver,
decode_submit, encode_status_report. Pure standard library. Every decoding error is a PduError.
"""
from __future__ import annotations

import itertools
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Sequence

from modems import gsm7

WIB = timezone(timedelta(hours=7))

GSM7_SINGLE = 160
GSM7_PART = 153  # with the 6-octet 8-bit-ref concat UDH
UCS2_SINGLE = 70  # UTF-16 code units
UCS2_PART = 67
OCTET_SINGLE = 140
OCTET_PART = 134
MAX_PARTS = 255

_BCD_DIGITS = "0123456789*#abc"  # nibbles 0x0..0xE; 0xF is filler
_TON_INTERNATIONAL = 1
_TON_ALPHANUMERIC = 5


class PduError(ValueError):
    """A PDU is malformed or uses something we cannot decode."""


@dataclass
class Concat:
    ref: int
    total: int
    seq: int


@dataclass
class SubmitPart:
    hex: str
    tpdu_length: int
    text: str
    concat: Concat | None


@dataclass
class SmsDeliver:
    """user_data is the whole TP-UD as received (UDH included when present)."""

    sender: str
    text: str
    scts: datetime
    dcs: int
    concat: Concat | None
    user_data: bytes
    smsc: str | None
    pid: int
    status_report_indicated: bool
    udh: bytes = b""  # the user data header (UDHL included), b"" when there is none


@dataclass
class SmsSubmit:
    to: str
    text: str
    dcs: int
    concat: Concat | None
    mr: int
    request_report: bool
    user_data: bytes
    smsc: str | None = None
    validity_minutes: int | None = None  # relative VP only; None when absent or not relative
    udh: bytes = b""


@dataclass
class StatusReport:
    mr: int
    recipient: str
    scts: datetime
    discharge: datetime
    status: int

    @property
    def delivered(self) -> bool:
        return 0x00 <= self.status <= 0x1F

    @property
    def final(self) -> bool:
        """False only while the SMSC is still trying (0x20-0x3F)."""
        return not 0x20 <= self.status <= 0x3F


# --------------------------------------------------------------------------- alphabets


def dcs_alphabet(dcs: int) -> str:
    """SMS data coding scheme (TS 23.038 §4) → 'gsm7' | '8bit' | 'ucs2'. Compressed → PduError."""
    if not 0 <= dcs <= 0xFF:
        raise PduError(f"DCS out of range: {dcs}")
    group = dcs >> 4
    if group <= 0x7:  # general data coding (0x00-0x3F) and automatic deletion (0x40-0x7F)
        if dcs & 0x20:
            raise PduError(f"compressed user data (DCS 0x{dcs:02X}) is not supported")
        return ("gsm7", "8bit", "ucs2", "gsm7")[(dcs >> 2) & 0x03]
    if group in (0xC, 0xD):
        return "gsm7"
    if group == 0xE:
        return "ucs2"
    if group == 0xF:
        return "8bit" if dcs & 0x04 else "gsm7"
    return "gsm7"  # reserved groups 0x80-0xBF: treat as default alphabet


def split_text(text: str) -> tuple[str, list[str]]:
    """Alphabet and the per-part texts exactly as encode_submit will send them.

    GSM-7 parts never end on the ESC of an extension pair; UCS-2 parts never split a surrogate
    pair. The UI's "costs N SMS" counter uses this too.
    """
    if gsm7.is_gsm7(text):
        sizes = [gsm7.char_septets(ch) for ch in text]
        if sum(sizes) <= GSM7_SINGLE:
            return "gsm7", [text]
        return "gsm7", _chunk(text, sizes, GSM7_PART)
    sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    if sum(sizes) <= UCS2_SINGLE:
        return "ucs2", [text]
    return "ucs2", _chunk(text, sizes, UCS2_PART)


def count_parts(text: str) -> int:
    return len(split_text(text)[1])


def _chunk(text: str, sizes: list[int], limit: int) -> list[str]:
    parts: list[str] = []
    start = used = 0
    for i, size in enumerate(sizes):
        if used + size > limit:
            parts.append(text[start:i])
            start, used = i, 0
        used += size
    parts.append(text[start:])
    return parts


# --------------------------------------------------------------------------- numbers


def _classify_number(number: str) -> tuple[int, str]:
    """(type-of-address octet, digits or text) for an address we encode."""
    n = number.strip()
    for ch in " -().":
        n = n.replace(ch, "")
    if n.startswith("+"):
        digits = n[1:]
        if not digits.isdigit():
            raise ValueError(f"invalid international number: {number!r}")
        return 0x91, digits
    if n.startswith("62") and n.isdigit() and len(n) >= 9:
        return 0x91, n
    if n and all(c in "0123456789*#" for c in n):
        return 0x81, n
    if not number:
        return 0x81, ""
    return 0xD0, number


def _bcd(digits: str) -> bytes:
    nibbles = [_BCD_DIGITS.index(c.lower()) for c in digits]
    if len(nibbles) % 2:
        nibbles.append(0xF)
    return bytes(nibbles[i] | (nibbles[i + 1] << 4) for i in range(0, len(nibbles), 2))


def encode_address(number: str) -> bytes:
    """TP-OA / TP-DA / TP-RA: length in useful semi-octets, type, value."""
    toa, value = _classify_number(number)
    if toa == 0xD0:
        septets = gsm7.encode_septets(value)  # ValueError if not GSM-7
        if len(septets) > 11:
            raise ValueError(f"alphanumeric address longer than 11 septets: {number!r}")
        packed = gsm7.pack_septets(septets)
        return bytes([(len(septets) * 7 + 3) // 4, toa]) + packed
    if len(value) > 20:
        raise ValueError(f"number too long: {number!r}")
    return bytes([len(value), toa]) + _bcd(value)


def encode_sca(number: str | None) -> bytes:
    """Service centre address: length in octets (type included); b'\\x00' for none."""
    if not number:
        return b"\x00"
    toa, value = _classify_number(number)
    if toa == 0xD0 or len(value) > 20:
        raise ValueError(f"invalid SMSC number: {number!r}")
    body = bytes([toa]) + _bcd(value)
    return bytes([len(body)]) + body


def _decode_bcd(data: bytes, ndigits: int | None = None) -> str:
    out: list[str] = []
    for b in data:
        for nib in (b & 0x0F, b >> 4):
            if nib == 0xF:
                continue
            out.append(_BCD_DIGITS[nib])
    text = "".join(out)
    return text if ndigits is None else text[:ndigits]


def _format_number(toa: int, value: str) -> str:
    ton = (toa >> 4) & 0x07
    if ton == _TON_INTERNATIONAL and value:
        return "+" + value
    return value


# --------------------------------------------------------------------------- time


def _swap_bcd_octet(value: int) -> int:
    if not 0 <= value <= 99:
        raise ValueError(f"value {value} does not fit one BCD octet")
    return (value % 10) << 4 | value // 10


def encode_scts(when: datetime) -> bytes:
    """7-octet timestamp. A naive datetime is taken as WIB (UTC+7)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=WIB)
    offset = when.utcoffset() or timedelta(0)
    quarters = int(offset.total_seconds() // 900)
    if abs(quarters) > 79:
        raise ValueError("time zone offset out of range")
    tz = _swap_bcd_octet(abs(quarters))
    if quarters < 0:
        tz |= 0x08
    fields = (when.year % 100, when.month, when.day, when.hour, when.minute, when.second)
    return bytes(_swap_bcd_octet(v) for v in fields) + bytes([tz])


def _bcd_octet(b: int, what: str) -> int:
    lo, hi = b & 0x0F, b >> 4
    if lo > 9 or hi > 9:
        raise PduError(f"{what}: invalid BCD octet 0x{b:02X}")
    return lo * 10 + hi


def decode_scts(data: bytes) -> datetime:
    if len(data) != 7:
        raise PduError("timestamp needs 7 octets")
    yy, mo, dd, hh, mi, ss = (_bcd_octet(b, "timestamp") for b in data[:6])
    tzb = data[6]
    tz_lo = tzb & 0x07
    tz_hi = tzb >> 4
    if tz_hi > 9:
        raise PduError(f"timestamp: invalid time zone octet 0x{tzb:02X}")
    quarters = tz_lo * 10 + tz_hi
    if tzb & 0x08:
        quarters = -quarters
    year = 1900 + yy if yy >= 90 else 2000 + yy
    try:
        return datetime(year, mo, dd, hh, mi, ss, tzinfo=timezone(timedelta(minutes=15 * quarters)))
    except ValueError as exc:
        raise PduError(f"timestamp: {exc}") from None


def _encode_relative_vp(minutes: int) -> int:
    if minutes <= 0:
        raise ValueError("validity must be positive")
    if minutes <= 720:
        return max(0, -(-minutes // 5) - 1)
    if minutes <= 1440:
        return 143 + -(-(minutes - 720) // 30)
    if minutes <= 30 * 1440:
        return 166 + -(-minutes // 1440)
    return min(255, 192 + -(-minutes // 10080))


def decode_relative_vp(vp: int) -> int:
    """TP-VP relative octet → minutes."""
    if vp <= 143:
        return (vp + 1) * 5
    if vp <= 167:
        return 720 + (vp - 143) * 30
    if vp <= 196:
        return (vp - 166) * 1440
    return (vp - 192) * 10080


# --------------------------------------------------------------------------- user data


def _concat_udh(concat: Concat) -> bytes:
    return bytes([0x05, 0x00, 0x03, concat.ref & 0xFF, concat.total, concat.seq])


def _encode_user_data(alphabet: str, text: str, udh: bytes) -> tuple[int, bytes]:
    """(TP-UDL, TP-UD)."""
    if alphabet == "gsm7":
        septets = gsm7.encode_septets(text)
        if not udh:
            return len(septets), gsm7.pack_septets(septets)
        header_septets = (len(udh) * 8 + 6) // 7
        fill = header_septets * 7 - len(udh) * 8
        return header_septets + len(septets), udh + gsm7.pack_septets(septets, fill_bits=fill)
    if alphabet == "ucs2":
        payload = text.encode("utf-16-be")
    else:
        try:
            payload = text.encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError("8-bit user data must be Latin-1 text") from None
    return len(udh) + len(payload), udh + payload


def _parse_udh(udh: bytes) -> Concat | None:
    """udh includes the UDHL octet. Invalid concat IEs are ignored (TS 23.040 §9.2.3.24.1)."""
    concat: Concat | None = None
    i = 1
    while i < len(udh):
        if i + 1 >= len(udh):
            raise PduError("truncated information element in UDH")
        iei, iel = udh[i], udh[i + 1]
        data = udh[i + 2 : i + 2 + iel]
        if len(data) != iel:
            raise PduError("information element runs past the UDH")
        if iei == 0x00 and iel == 3:
            ref, total, seq = data[0], data[1], data[2]
        elif iei == 0x08 and iel == 4:
            ref, total, seq = (data[0] << 8) | data[1], data[2], data[3]
        else:
            ref = total = seq = 0
        if total and 1 <= seq <= total:
            concat = Concat(ref=ref, total=total, seq=seq)
        i += 2 + iel
    return concat


def _decode_user_data(
    reader: "_Reader", udhi: bool, dcs: int
) -> tuple[str, Concat | None, bytes, bytes]:
    """Reads TP-UDL and TP-UD. Returns (text, concat, whole TP-UD, payload without UDH)."""
    alphabet = dcs_alphabet(dcs)
    udl = reader.octet("TP-UDL")
    if alphabet == "gsm7":
        if udl > GSM7_SINGLE:
            raise PduError(f"TP-UDL {udl} exceeds 160 septets")
        ud = reader.take((udl * 7 + 7) // 8, "TP-UD")
    else:
        if udl > OCTET_SINGLE:
            raise PduError(f"TP-UDL {udl} exceeds 140 octets")
        ud = reader.take(udl, "TP-UD")
    udh = b""
    concat = None
    if udhi:
        if not ud:
            raise PduError("UDHI set but user data is empty")
        udh_len = ud[0] + 1
        if udh_len > len(ud):
            raise PduError("UDH longer than the user data")
        udh = ud[:udh_len]
        concat = _parse_udh(udh)
    if alphabet == "gsm7":
        header_septets = (len(udh) * 8 + 6) // 7
        if header_septets > udl:
            raise PduError("UDH longer than TP-UDL")
        fill = header_septets * 7 - len(udh) * 8
        body = ud[len(udh) :]
        septets = gsm7.unpack_septets(body, udl - header_septets, fill) if udl > header_septets else []
        return gsm7.decode_septets(septets), concat, ud, body
    body = ud[len(udh) :]
    if alphabet == "ucs2":
        if len(body) % 2:
            raise PduError("UCS-2 user data has an odd number of octets")
        return body.decode("utf-16-be", errors="replace"), concat, ud, body
    return body.decode("latin-1"), concat, ud, body


# --------------------------------------------------------------------------- reader


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def octet(self, what: str) -> int:
        if self.pos >= len(self.data):
            raise PduError(f"PDU ends before {what}")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def take(self, n: int, what: str) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise PduError(f"PDU ends inside {what}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def address(self, what: str) -> str:
        ndigits = self.octet(what)
        toa = self.octet(what)
        value = self.take((ndigits + 1) // 2, what)
        if (toa >> 4) & 0x07 == _TON_ALPHANUMERIC:
            try:
                return gsm7.decode_septets(gsm7.unpack_septets(value, ndigits * 4 // 7))
            except ValueError as exc:
                raise PduError(f"{what}: {exc}") from None
        if ndigits > 20:
            raise PduError(f"{what}: {ndigits} digits is too long")
        return _format_number(toa, _decode_bcd(value, ndigits))

    def sca(self) -> str | None:
        n = self.octet("SCA")
        if n == 0:
            return None
        if n > 12:
            raise PduError(f"SCA length {n} is too long")
        body = self.take(n, "SCA")
        return _format_number(body[0], _decode_bcd(body[1:])) or None


def _hex_to_bytes(hex_text: str) -> bytes:
    if not isinstance(hex_text, str):
        raise PduError("PDU must be a hex string")
    cleaned = "".join(hex_text.split())
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise PduError("PDU is not valid hex") from None


# --------------------------------------------------------------------------- decode


def decode_pdu(hex: str, *, has_smsc: bool = True) -> SmsDeliver | StatusReport | SmsSubmit:
    r = _Reader(_hex_to_bytes(hex))
    smsc = r.sca() if has_smsc else None
    fo = r.octet("first octet")
    mti = fo & 0x03
    if mti == 0:
        return _decode_deliver(r, fo, smsc)
    if mti == 1:
        return _decode_submit_body(r, fo, smsc)
    if mti == 2:
        return _decode_status_report(r, fo)
    raise PduError("reserved message type indicator 3")


def _decode_deliver(r: _Reader, fo: int, smsc: str | None) -> SmsDeliver:
    sender = r.address("TP-OA")
    pid = r.octet("TP-PID")
    dcs = r.octet("TP-DCS")
    scts = decode_scts(r.take(7, "TP-SCTS"))
    text, concat, ud, body = _decode_user_data(r, bool(fo & 0x40), dcs)
    return SmsDeliver(
        sender=sender,
        text=text,
        scts=scts,
        dcs=dcs,
        concat=concat,
        user_data=ud,
        smsc=smsc,
        pid=pid,
        status_report_indicated=bool(fo & 0x20),
        udh=ud[: len(ud) - len(body)],
    )


def _decode_submit_body(r: _Reader, fo: int, smsc: str | None) -> SmsSubmit:
    mr = r.octet("TP-MR")
    to = r.address("TP-DA")
    r.octet("TP-PID")
    dcs = r.octet("TP-DCS")
    vpf = (fo >> 3) & 0x03
    validity: int | None = None
    if vpf == 0b10:
        validity = decode_relative_vp(r.octet("TP-VP"))
    elif vpf in (0b01, 0b11):
        r.take(7, "TP-VP")
    text, concat, ud, body = _decode_user_data(r, bool(fo & 0x40), dcs)
    return SmsSubmit(
        to=to,
        text=text,
        dcs=dcs,
        concat=concat,
        mr=mr,
        request_report=bool(fo & 0x20),
        user_data=ud,
        smsc=smsc,
        validity_minutes=validity,
        udh=ud[: len(ud) - len(body)],
    )


def _decode_status_report(r: _Reader, fo: int) -> StatusReport:
    mr = r.octet("TP-MR")
    recipient = r.address("TP-RA")
    scts = decode_scts(r.take(7, "TP-SCTS"))
    discharge = decode_scts(r.take(7, "TP-DT"))
    status = r.octet("TP-ST")
    # Optional TP-PI, PID, DCS and UD follow; we do not need them and tolerate their absence.
    return StatusReport(mr=mr, recipient=recipient, scts=scts, discharge=discharge, status=status)


def decode_submit(hex: str, *, has_smsc: bool = True, tpdu_length: int | None = None) -> SmsSubmit:
    """Network side: decode what a phone sent with AT+CMGS.

    With tpdu_length (the number given to AT+CMGS=), the SCA presence is derived from it and a
    mismatch is a PduError, as a real modem would answer +CMS ERROR 304.
    """
    data = _hex_to_bytes(hex)
    if tpdu_length is not None:
        sca_len = len(data) - tpdu_length
        if sca_len < 0:
            raise PduError(f"PDU shorter than the announced TPDU length {tpdu_length}")
        has_smsc = sca_len > 0
        if has_smsc and data[0] + 1 != sca_len:
            raise PduError("announced TPDU length does not match the SCA length")
    result = decode_pdu(data.hex(), has_smsc=has_smsc)
    if not isinstance(result, SmsSubmit):
        raise PduError("not an SMS-SUBMIT")
    return result


# --------------------------------------------------------------------------- encode

_ref_lock = threading.Lock()
_ref_counter = itertools.count(random.randrange(256))


def next_concat_ref() -> int:
    """Process-wide rotating 8-bit reference, started at a random value. Drivers that keep a
    persisted per-modem counter pass their own `ref` instead."""
    with _ref_lock:
        return next(_ref_counter) & 0xFF


def _parts_for(text: str, alphabet_override: str | None = None) -> tuple[str, list[str]]:
    if alphabet_override is None:
        return split_text(text)
    if alphabet_override == "gsm7":
        if not gsm7.is_gsm7(text):
            raise ValueError("text is not GSM-7 but a GSM-7 DCS was requested")
        return split_text(text)
    if alphabet_override == "ucs2":
        sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
        if sum(sizes) <= UCS2_SINGLE:
            return "ucs2", [text]
        return "ucs2", _chunk(text, sizes, UCS2_PART)
    if len(text) <= OCTET_SINGLE:
        return "8bit", [text]
    return "8bit", _chunk(text, [1] * len(text), OCTET_PART)


def _check_parts(parts: list[str]) -> None:
    if len(parts) > MAX_PARTS:
        raise ValueError(f"text needs {len(parts)} parts; at most {MAX_PARTS} are possible")


def encode_submit(
    to: str,
    text: str,
    *,
    ref: int | None = None,
    request_report: bool = False,
    smsc: str | None = None,
    validity_minutes: int | None = None,
) -> list[SubmitPart]:
    """SMS-SUBMIT PDUs, one per part. validity_minutes None = 24 hours (TP-VP 0xA7)."""
    alphabet, texts = split_text(text)
    _check_parts(texts)
    dcs = 0x00 if alphabet == "gsm7" else 0x08
    vp = 0xA7 if validity_minutes is None else _encode_relative_vp(validity_minutes)
    sca = encode_sca(smsc)
    da = encode_address(to)
    total = len(texts)
    concat_ref = (next_concat_ref() if ref is None else ref) if total > 1 else None
    parts: list[SubmitPart] = []
    for seq, part_text in enumerate(texts, start=1):
        concat = Concat(ref=concat_ref & 0xFF, total=total, seq=seq) if concat_ref is not None else None
        udh = _concat_udh(concat) if concat else b""
        fo = 0x01 | 0x10 | (0x20 if request_report else 0) | (0x40 if udh else 0)
        udl, ud = _encode_user_data(alphabet, part_text, udh)
        tpdu = bytes([fo, 0x00]) + da + bytes([0x00, dcs, vp, udl]) + ud
        parts.append(
            SubmitPart(hex=(sca + tpdu).hex().upper(), tpdu_length=len(tpdu), text=part_text, concat=concat)
        )
    return parts


def encode_deliver(
    sender: str,
    text: str,
    scts: datetime | None = None,
    *,
    concat_ref: int | None = None,
    smsc: str = "6281100000",
    dcs_override: int | None = None,
) -> list[str]:
    """Network side: SMS-DELIVER PDUs (hex with SCA), one per part.

    dcs_override forces the TP-DCS octet (e.g. 0x04 for 8-bit Latin-1, 0x08 for UCS-2, 0x10 for
    a class-0 flash message); the alphabet follows from it.
    """
    if scts is None:
        scts = datetime.now(WIB).replace(microsecond=0)
    if dcs_override is None:
        alphabet, texts = split_text(text)
        dcs = 0x00 if alphabet == "gsm7" else 0x08
    else:
        dcs = dcs_override
        try:
            alphabet = dcs_alphabet(dcs)
        except PduError as exc:
            raise ValueError(str(exc)) from None
        alphabet, texts = _parts_for(text, alphabet)
    _check_parts(texts)
    sca = encode_sca(smsc)
    oa = encode_address(sender)
    ts = encode_scts(scts)
    total = len(texts)
    ref = (next_concat_ref() if concat_ref is None else concat_ref) if total > 1 else None
    out: list[str] = []
    for seq, part_text in enumerate(texts, start=1):
        udh = _concat_udh(Concat(ref & 0xFF, total, seq)) if ref is not None else b""
        fo = 0x04 | (0x40 if udh else 0)  # 0x04: TP-MMS, no more messages waiting
        udl, ud = _encode_user_data(alphabet, part_text, udh)
        tpdu = bytes([fo]) + oa + bytes([0x00, dcs]) + ts + bytes([udl]) + ud
        out.append((sca + tpdu).hex().upper())
    return out


def encode_status_report(
    mr: int,
    recipient: str,
    scts: datetime,
    discharge: datetime,
    status: int,
    smsc: str = "6281100000",
) -> str:
    """Network side: SMS-STATUS-REPORT (hex with SCA) about the part that got TP-MR `mr`."""
    if not 0 <= mr <= 0xFF or not 0 <= status <= 0xFF:
        raise ValueError("mr and status are octets")
    tpdu = (
        bytes([0x06, mr])  # MTI 10, TP-MMS set
        + encode_address(recipient)
        + encode_scts(scts)
        + encode_scts(discharge)
        + bytes([status])
    )
    return (encode_sca(smsc) + tpdu).hex().upper()


# --------------------------------------------------------------------------- reassembly


def join_parts(parts: Sequence[SmsDeliver | SmsSubmit]) -> str:
    """Text of a concatenated message from its parts (any order, duplicates ignored).

    UCS-2 parts are joined at the byte level, so a surrogate pair that another phone split
    across two parts still comes out whole.
    """
    unique: dict[int, SmsDeliver | SmsSubmit] = {}
    for p in parts:
        seq = p.concat.seq if p.concat else 1
        unique.setdefault(seq, p)
    ordered = [unique[k] for k in sorted(unique)]
    if ordered and all(_alphabet_or_none(p.dcs) == "ucs2" for p in ordered):
        payload = b"".join(_payload(p) for p in ordered)
        return payload.decode("utf-16-be", errors="replace")
    return "".join(p.text for p in ordered)


def _alphabet_or_none(dcs: int) -> str | None:
    try:
        return dcs_alphabet(dcs)
    except PduError:
        return None


def _payload(p: SmsDeliver | SmsSubmit) -> bytes:
    return p.user_data[len(p.udh) :]
