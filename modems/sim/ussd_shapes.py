"""How a virtual modem prints a network USSD answer: the +CUSD shapes of modems.md 6.3."""
from __future__ import annotations

import re
from enum import Enum

from modems import gsm7


class UssdShape(str, Enum):
    TEXT = "text"  # +CUSD: 0,"text",15
    TEXT_NO_DCS = "text_nodcs"  # +CUSD: 0,"text"
    TEXT_CRLF = "text_crlf"  # menu lines split by CRLF inside the quotes
    GSM7_HEX = "gsm7_hex"  # +CUSD: 0,"49B41C…",15 (Huawei E160 02)
    GSM7_HEX_UNQUOTED = "gsm7_hex_unquoted"  # +CUSD: 0, 49B41C… (E160 01, no quotes, no DCS)
    HEX_8BIT = "hex8bit"  # +CUSD: 1,"5369…",0 (Indonesian H-issue-hex-8bit)
    UCS2_72 = "ucs2_72"  # +CUSD: 0,"0414…",72 (E3276)
    UCS2_15 = "ucs2_15"  # +CUSD: 2,"0048…",15 (Quectel M35 with CSCS="UCS2")
    DCS17 = "dcs17"  # +CUSD: 2,"<lang><ucs2>0000FFFF…",17 (Telit HE910-D)


def _gsm7_hex(text: str) -> str:
    try:
        septets = gsm7.encode_septets(text)
    except ValueError:
        septets = gsm7.encode_septets(text.encode("ascii", "replace").decode("ascii"))
    return gsm7.pack_septets(septets, pad_cr=True).hex().upper()


def _ucs2_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def format_cusd(status: int, text: str | None, dcs: int, shape: UssdShape) -> str:
    """One ``+CUSD:`` line (without line end). ``text`` None means a status-only answer."""
    if text is None:
        return f"+CUSD: {status}"
    if shape is UssdShape.TEXT:
        return f'+CUSD: {status},"{text}",{dcs}'
    if shape is UssdShape.TEXT_NO_DCS:
        return f'+CUSD: {status},"{text}"'
    if shape is UssdShape.TEXT_CRLF:
        split = re.sub(r" (?=\d\.)", "\r\n", text)
        return f'+CUSD: {status},"{split}",{dcs}'
    if shape is UssdShape.GSM7_HEX:
        return f'+CUSD: {status},"{_gsm7_hex(text)}",{dcs if dcs != 0 else 15}'
    if shape is UssdShape.GSM7_HEX_UNQUOTED:
        return f"+CUSD: {status}, {_gsm7_hex(text)}"
    if shape is UssdShape.HEX_8BIT:
        return f'+CUSD: {status},"{text.encode("latin-1", "replace").hex().upper()}",0'
    if shape is UssdShape.UCS2_72:
        return f'+CUSD: {status},"{_ucs2_hex(text)}",72'
    if shape is UssdShape.UCS2_15:
        return f'+CUSD: {status},"{_ucs2_hex(text)}",15'
    if shape is UssdShape.DCS17:
        lang = gsm7.pack_septets(gsm7.encode_septets("id")).hex().upper()
        return f'+CUSD: {status},"{lang}{_ucs2_hex(text)}0000FFFF60B1",17'
    raise ValueError(shape)


def decode_packed_request(arg: str) -> str | None:
    """A Huawei-style request: GSM-7 packed hex → text, or None if it is not packed hex."""
    if not arg or len(arg) % 2 or not re.fullmatch(r"[0-9A-Fa-f]+", arg):
        return None
    data = bytes.fromhex(arg)
    septets = gsm7.unpack_septets(data)
    if septets and (len(data) * 8) % 7 == 0 and septets[-1] in (0, 0x0D):
        septets = septets[:-1]
    try:
        text = gsm7.decode_septets(septets)
    except ValueError:
        return None
    return text.rstrip("\r")


def decode_ucs2_request(arg: str) -> str | None:
    if not arg or len(arg) % 4 or not re.fullmatch(r"[0-9A-Fa-f]+", arg):
        return None
    try:
        return bytes.fromhex(arg).decode("utf-16-be")
    except UnicodeDecodeError:
        return None
