"""Text-mode SMS for the driver (``AT+CMGF=1``, 3GPP TS 27.005): reading ``+CMGR``/``+CMGL``/``+CMT``
text answers into the same message objects the PDU codec gives, and cutting an outgoing text into
messages that text mode can carry.

Used only for modems that refuse PDU mode (phones on a data cable) or are configured for text mode.
PDU mode stays the default: text mode cannot carry a user data header (a long reply becomes several
separate SMS), its bodies depend on ``AT+CSCS``, and an 8-bit or UCS2 body arrives as hex that only
``<dcs>`` (``AT+CSDH=1``) tells apart from text. Shapes handled, as captured in Gammu
``tests/at-sms-txt*/*.dump``:

    +CMGR: "REC READ","+31625044454",,"07/07/05,09:56:03+08"
    +CMGR: "REC READ","+85291234567",,"07/02/18,00:05:10+32",145,4,0,0,"+85290000000",145,49
    +CMGR: "STO UNSENT","+10011",,145,17,0,0,167,"+8613800100500",145,4
    +CMGR: "REC READ", "+4123456789132", "2009/8/18,19:11:45"            (Motorola: no <alpha>)
    +CMGL: 3,"REC UNREAD","+628123",,"24/05/01,10:00:00+28"[,145,12]
    +CMT: "+628123",,"24/05/01,10:00:00+28"[,145,4,0,0,"+62811",145,12]
    +CMGR: "REC UNREAD",6,17,"+628123",145,"24/05/01,10:00:00+28","24/05/01,10:00:05+28",0   (report)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from modems import charsets, gsm7, pdu

STATS = {"REC UNREAD": 0, "REC READ": 1, "STO UNSENT": 2, "STO SENT": 3, "ALL": 4}
GSM7_TEXT_MAX = 160
UCS2_TEXT_MAX = 70
WIB = timezone(timedelta(hours=7))

_SCTS = re.compile(r"^(\d{2,4})/(\d{1,2})/(\d{1,2}),(\d{1,2}):(\d{2}):(\d{2})(?:([+-])(\d{1,2}))?$")
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{4})+$")


def csv_fields(text: str) -> list[str]:
    """AT parameters split on commas outside quotes; each unquoted and stripped."""
    out, cur, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            out.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur).strip())
    return [f.strip().strip('"') for f in out]


def parse_scts(text: str) -> datetime | None:
    """``yy/MM/dd,hh:mm:ss±zz`` (zone in quarter hours) or Motorola's ``yyyy/M/d,hh:mm:ss``."""
    m = _SCTS.match(text.strip())
    if not m:
        return None
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    if year < 100:
        year += 2000
    tz = WIB
    if m.group(7):
        quarters = int(m.group(8)) * (-1 if m.group(7) == "-" else 1)
        tz = timezone(timedelta(minutes=15 * quarters))
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None


def decode_address(value: str, cscs: str) -> str:
    """An ``<oa>``/``<da>``/``<ra>`` field: converted from the TE character set (UCS2 hex under UCS2)."""
    if cscs.upper() in ("UCS2", "HEX"):
        try:
            return charsets.decode(value, cscs)
        except ValueError:
            return value  # some firmware leaves numbers plain even under UCS2
    return value


def _looks_ucs2(body: str) -> bool:
    if not _HEX.match(body):
        return False
    data = bytes.fromhex(body)
    zero_high = sum(1 for i in range(0, len(data), 2) if data[i] == 0)
    if zero_high * 4 < len(data) // 2:
        return False
    text = data.decode("utf-16-be", errors="replace")
    return all(ch.isprintable() or ch.isspace() for ch in text)


def decode_body(body: str, dcs: int | None, cscs: str) -> tuple[str, bytes]:
    """(text, the bytes that stand for the user data) of a text-mode body.

    With ``<dcs>`` known: GSM-7 → TE character set; 8-bit / UCS2 → hex octets (27.005 3.1). Without it
    (no ``AT+CSDH``): under ``"UCS2"`` everything is UCS2 hex; otherwise a body of UCS2-looking hex is
    taken for UCS2, anything else for text in the TE character set."""
    alphabet: str | None = None
    if dcs is not None:
        try:
            alphabet = pdu.dcs_alphabet(dcs)
        except pdu.PduError:
            alphabet = "8bit"
    if alphabet in ("ucs2", "8bit"):
        clean = re.sub(r"\s", "", body)
        try:
            data = bytes.fromhex(clean)
        except ValueError:
            return body, body.encode("utf-8")
        text = data.decode("utf-16-be", errors="replace") if alphabet == "ucs2" else data.decode("latin-1")
        return text, data
    if alphabet is None and cscs.upper() != "UCS2" and _looks_ucs2(re.sub(r"\s", "", body)):
        data = bytes.fromhex(re.sub(r"\s", "", body))
        return data.decode("utf-16-be", errors="replace"), data
    try:
        text = charsets.decode(body if cscs.upper() != "UCS2" else re.sub(r"\s", "", body), cscs)
    except ValueError:
        text = body
    return text, text.encode("utf-16-be")


@dataclass
class TextEntry:
    """One message of a text-mode listing or read: the raw header fields and the body lines."""

    stat: int | None
    fields: list[str]  # after <stat> (and after <index> for +CMGL)
    body: str
    raw: str  # header and body as received, for the raw record


def _is_int(value: str) -> bool:
    return value.strip().lstrip("-").isdigit()


def parse_message(entry: TextEntry, cscs: str, *, smsc: str | None = None
                  ) -> pdu.SmsDeliver | pdu.SmsSubmit | pdu.StatusReport:
    """A text-mode message as the PDU codec's objects. Raises pdu.PduError when it makes no sense."""
    f = entry.fields
    # status report: <fo>,<mr>,<ra>,<tora>,<scts>,<dt>,<st> (an all-digit national <oa> is no <fo>)
    if len(f) >= 7 and _is_int(f[0]) and int(f[0]) < 256 and _is_int(f[1]) and parse_scts(f[4]) is not None:
        try:
            scts = parse_scts(f[4]) or datetime.now(WIB)
            discharge = parse_scts(f[5]) or scts
            return pdu.StatusReport(mr=int(f[1]), recipient=decode_address(f[2], cscs), scts=scts,
                                    discharge=discharge, status=int(f[6]))
        except (ValueError, IndexError) as exc:
            raise pdu.PduError(f"bad text-mode status report: {entry.raw[:80]!r}") from exc
    if not f or not f[0]:
        raise pdu.PduError(f"text-mode message without an address: {entry.raw[:80]!r}")
    number = decode_address(f[0], cscs)
    stored_submit = entry.stat in (2, 3)
    if stored_submit:
        # "<da>",[<alpha>],[<toda>,<fo>,<pid>,<dcs>,[<vp>],<sca>,<tosca>,<length>]
        dcs = int(f[5]) if len(f) > 5 and _is_int(f[5]) else None
        text, data = decode_body(entry.body, dcs, cscs)
        return pdu.SmsSubmit(to=number, text=text, dcs=dcs or 0, concat=None, mr=0, request_report=False,
                             user_data=data)
    scts_at = next((i for i, v in enumerate(f[1:4], start=1) if parse_scts(v) is not None), None)
    scts = parse_scts(f[scts_at]) if scts_at is not None else None
    dcs = None
    sca = smsc
    if scts_at is not None and len(f) >= scts_at + 7:  # +CSDH=1: <tooa>,<fo>,<pid>,<dcs>,<sca>,<tosca>,<length>
        if _is_int(f[scts_at + 4]):
            dcs = int(f[scts_at + 4])
        sca = decode_address(f[scts_at + 5], cscs) or smsc
    text, data = decode_body(entry.body, dcs, cscs)
    if dcs is None:
        dcs = 0x00 if gsm7.is_gsm7(text) else 0x08
    return pdu.SmsDeliver(sender=number, text=text, scts=scts or datetime.now(WIB).replace(microsecond=0), dcs=dcs,
                          concat=None, user_data=data, smsc=sca, pid=0, status_report_indicated=False)


def entry_from_cmgr(lines: list[str]) -> TextEntry | None:
    """The +CMGR answer lines (header first) as an entry; None for an empty slot."""
    start = next((i for i, line in enumerate(lines) if line.startswith("+CMGR:")), None)
    if start is None:
        return None
    lines = lines[start:]
    fields = csv_fields(lines[0][6:])
    stat = STATS.get(fields[0].upper()) if fields else None
    return TextEntry(stat, fields[1:], "\n".join(lines[1:]), "\r\n".join(lines))


def entries_from_cmgl(lines: list[str]) -> list[tuple[int, TextEntry]]:
    """(index, entry) for each +CMGL header and the body lines that follow it."""
    out: list[tuple[int, TextEntry]] = []
    head: str | None = None
    body: list[str] = []

    def close() -> None:
        if head is None:
            return
        fields = csv_fields(head[6:])
        if fields and fields[0].isdigit():
            stat = STATS.get(fields[1].upper()) if len(fields) > 1 else None
            out.append((int(fields[0]), TextEntry(stat, fields[2:], "\n".join(body), "\r\n".join([head, *body]))))

    for line in lines:
        if line.startswith("+CMGL:"):
            close()
            head, body = line, []
        elif head is not None:
            body.append(line)
    close()
    return out


def entry_from_cmt(header: str, body: tuple[str, ...]) -> TextEntry:
    fields = csv_fields(header.split(":", 1)[1])
    # +CMT: <oa>,[<alpha>],<scts>[,…]: the same layout as a +CMGR of a received message after <stat>
    return TextEntry(None, fields, "\n".join(body), "\r\n".join([header, *body]))


def entry_from_cds(header: str) -> TextEntry:
    return TextEntry(None, csv_fields(header.split(":", 1)[1]), "", header)


# --------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class TextPart:
    text: str
    ucs2: bool  # sent with <dcs> 8 (hex UCS2), else GSM-7 (<dcs> 0)


def split_for_text_mode(text: str, *, ucs2: bool = False) -> list[TextPart]:
    """The messages a text-mode modem sends for ``text``: each fits one SMS (160 GSM-7 septets or 70
    UCS2 units), cut at a space where one is near the limit. A UCS2 part never splits a surrogate pair.
    ``ucs2``: send as UCS2 even GSM-7 text (the TE character set cannot carry it)."""
    if gsm7.is_gsm7(text) and not ucs2:
        sizes = [gsm7.char_septets(ch) for ch in text]
        limit, ucs2 = GSM7_TEXT_MAX, False
    else:
        sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
        limit, ucs2 = UCS2_TEXT_MAX, True
    parts: list[TextPart] = []
    start = 0
    while start < len(text):
        used, end = 0, start
        while end < len(text) and used + sizes[end] <= limit:
            used += sizes[end]
            end += 1
        if end < len(text):
            space = text.rfind(" ", start, end)
            if space > start + (end - start) // 2:
                end = space + 1
        parts.append(TextPart(text[start:end], ucs2))
        start = end
    return parts or [TextPart("", False)]
