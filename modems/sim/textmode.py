"""Text-mode SMS of a virtual modem (``AT+CMGF=1``, 3GPP TS 27.005 3.1, 4.x): what it prints for
``+CMGR``/``+CMGL``/``+CMT``/``+CDS`` and how it reads an ``AT+CMGS="<da>"`` text.

The store keeps PDUs whatever the mode (a real SIM holds TPDUs too); this module renders them the
way the command set prescribes, in the TE character set chosen by ``AT+CSCS``:

- addresses (``<oa>``/``<da>``) are converted to the TE character set (UCS2 hex under ``"UCS2"``);
- a GSM-7 body is converted to the TE character set; an 8-bit or UCS2 body is shown as hex octets
  whatever the character set (27.005 3.1 ``<data>``), which is why a reader needs ``<dcs>``
  (``AT+CSDH=1``) or must guess;
- ``AT+CSDH=1`` adds ``<tooa>,<fo>,<pid>,<dcs>,<sca>,<tosca>,<length>`` to ``+CMGR``/``+CMT`` and
  ``<tooa>,<length>`` to ``+CMGL`` (shapes as in Gammu ``tests/at-sms-txt-detail/*.dump``).

A text-mode message cannot carry a user data header: each part of a long message is shown as its own
text, as real modems do.
"""
from __future__ import annotations

from datetime import datetime

from modems import charsets, gsm7
from modems import pdu as pdu_codec

from .store import REC_READ, REC_UNREAD, STO_SENT, STO_UNSENT, StoredMessage

STAT_TEXT = {REC_UNREAD: "REC UNREAD", REC_READ: "REC READ", STO_UNSENT: "STO UNSENT", STO_SENT: "STO SENT"}
TEXT_STAT = {v: k for k, v in STAT_TEXT.items()} | {"ALL": 4}

GSM7_TEXT_MAX = 160  # septets in one text-mode SMS (no UDH, so no concatenation)
UCS2_TEXT_MAX = 70  # UTF-16 code units


def scts_text(when: datetime) -> str:
    """``yy/MM/dd,hh:mm:ss±zz`` with the zone in quarter hours (27.005 3.3.1 ``<scts>``)."""
    offset = when.utcoffset()
    quarters = int(offset.total_seconds() // 900) if offset is not None else 28
    sign = "+" if quarters >= 0 else "-"
    return when.strftime("%y/%m/%d,%H:%M:%S") + f"{sign}{abs(quarters):02d}"


def _toa(number: str) -> int:
    if number.startswith("+"):
        return 145
    return 129 if number.replace("+", "").isdigit() else 208


def _addr(number: str, cscs: str) -> str:
    return '"' + charsets.encode(number, cscs) + '"'


def body(msg: pdu_codec.SmsDeliver | pdu_codec.SmsSubmit, cscs: str) -> tuple[str, int]:
    """(the body as printed, its <length>): TE characters for GSM-7, hex octets otherwise."""
    try:
        alphabet = pdu_codec.dcs_alphabet(msg.dcs)
    except pdu_codec.PduError:
        alphabet = "8bit"
    if alphabet == "gsm7":
        return charsets.encode(msg.text, cscs), len(msg.text)
    payload = msg.user_data[len(msg.udh):]
    return payload.hex().upper(), len(payload)


def _fo_deliver(msg: pdu_codec.SmsDeliver) -> int:
    return 0x04 | (0x40 if msg.udh else 0) | (0x20 if msg.status_report_indicated else 0)


def _fo_submit(msg: pdu_codec.SmsSubmit) -> int:
    return 0x11 | (0x20 if msg.request_report else 0) | (0x40 if msg.udh else 0)


def _sca(msg: pdu_codec.SmsDeliver | pdu_codec.SmsSubmit, cscs: str, smsc: str) -> str:
    number = msg.smsc or smsc
    if number and not number.startswith("+") and number.isdigit():
        number = "+" + number
    return f"{_addr(number, cscs)},{_toa(number)}"


def _report_fields(rep: pdu_codec.StatusReport, cscs: str) -> str:
    ra = rep.recipient
    return (f"6,{rep.mr},{_addr(ra, cscs)},{_toa(ra)},\"{scts_text(rep.scts)}\","
            f"\"{scts_text(rep.discharge)}\",{rep.status}")


def render_stored(stored: StoredMessage, *, csdh: bool, cscs: str, smsc: str, index: int | None = None) -> list[str]:
    """``+CMGR: …`` (index None) or ``+CMGL: <index>,…`` and the body line of a stored message."""
    msg = pdu_codec.decode_pdu(stored.pdu, has_smsc=True)
    stat = STAT_TEXT.get(stored.stat, "REC READ")
    head = "+CMGR: " if index is None else f"+CMGL: {index},"
    if isinstance(msg, pdu_codec.StatusReport):
        return [f'{head}"{stat}",{_report_fields(msg, cscs)}']
    text, length = body(msg, cscs)
    if isinstance(msg, pdu_codec.SmsDeliver):
        oa = msg.sender
        fields = f'"{stat}",{_addr(oa, cscs)},,"{scts_text(msg.scts)}"'
        if csdh:
            if index is None:
                fields += f",{_toa(oa)},{_fo_deliver(msg)},{msg.pid},{msg.dcs},{_sca(msg, cscs, smsc)},{length}"
            else:
                fields += f",{_toa(oa)},{length}"
        return [head + fields, text]
    da = msg.to
    fields = f'"{stat}",{_addr(da, cscs)},'
    if index is not None:
        fields += ","
    if csdh:
        if index is None:
            vp = 167 if msg.validity_minutes is None else ""
            fields += f",{_toa(da)},{_fo_submit(msg)},0,{msg.dcs},{vp},{_sca(msg, cscs, smsc)},{length}"
        else:
            fields += f",{_toa(da)},{length}"
    return [head + fields, text]


def render_cmt(pdu_hex: str, *, csdh: bool, cscs: str, smsc: str) -> list[str]:
    """The ``+CMT:`` header and body of a message routed straight to the computer (CNMI mt=2)."""
    msg = pdu_codec.decode_pdu(pdu_hex, has_smsc=True)
    assert isinstance(msg, pdu_codec.SmsDeliver)
    text, length = body(msg, cscs)
    head = f'+CMT: {_addr(msg.sender, cscs)},,"{scts_text(msg.scts)}"'
    if csdh:
        head += f",{_toa(msg.sender)},{_fo_deliver(msg)},{msg.pid},{msg.dcs},{_sca(msg, cscs, smsc)},{length}"
    return [head, text]


def render_cds(pdu_hex: str, *, cscs: str) -> str:
    """``+CDS: <fo>,<mr>,<ra>,<tora>,<scts>,<dt>,<st>`` (one line in text mode)."""
    rep = pdu_codec.decode_pdu(pdu_hex, has_smsc=True)
    assert isinstance(rep, pdu_codec.StatusReport)
    return "+CDS: " + _report_fields(rep, cscs)


def read_submission(da_arg: str, text: str, *, cscs: str, csmp_dcs: int) -> tuple[str, str, bool]:
    """(number, message text, ucs2) from ``AT+CMGS="<da>"`` and what was typed before Ctrl-Z.

    A GSM-7 ``<dcs>`` (``AT+CSMP``) means the text is in the TE character set; an 8-bit or UCS2
    ``<dcs>`` means hex octets whatever the character set (27.005 3.1). Raises ValueError on text
    that cannot be what was announced, or that does not fit one SMS."""
    number = charsets.decode(da_arg, cscs).strip()
    if not number:
        raise ValueError("empty destination")
    try:
        alphabet = pdu_codec.dcs_alphabet(csmp_dcs)
    except pdu_codec.PduError as exc:
        raise ValueError(str(exc)) from None
    typed = text.replace("\r\n", "\n").replace("\r", "\n")
    if alphabet == "gsm7":
        message = charsets.decode(typed, cscs)
        message = "".join(ch if gsm7.is_gsm7(ch) else "?" for ch in message)
        if gsm7.septet_length(message) > GSM7_TEXT_MAX:
            raise ValueError("text longer than one SMS")
        return number, message, False
    raw = bytes.fromhex(typed.replace("\n", "").strip())
    if alphabet == "ucs2":
        if len(raw) % 2 or len(raw) > 2 * UCS2_TEXT_MAX:
            raise ValueError("UCS2 text longer than one SMS")
        return number, raw.decode("utf-16-be", errors="replace"), True
    if len(raw) > 140:
        raise ValueError("8-bit data longer than one SMS")
    return number, raw.decode("latin-1"), False
