"""TE character sets of ``AT+CSCS`` (3GPP TS 27.007 5.5, TS 27.005 Annex A): how a text travels
between the computer and the modem in text-mode SMS and in ``+CUSD`` strings.

Pure standard library, used by both the driver and the virtual modems (it is a codec, not a model
of either side). A "line string" is what goes on the serial line, one character per byte (Latin-1).

- ``GSM``: one byte per GSM 03.38 code point (``@`` is 0x00, an extension character is ESC + code);
- ``IRA``: 7-bit ASCII (ITU T.50), characters outside it become ``?``;
- ``UCS2``: four hex digits per UTF-16 code unit, big-endian (``A`` is ``0041``);
- ``HEX``: two hex digits per GSM 03.38 code point (Wavecom, Huawei manuals);
- ``PCCP437`` and ``8859-1``: those code pages (Wavecom offers ``PCCP437``).
"""
from __future__ import annotations

import re

from modems import gsm7

SUPPORTED = ("GSM", "IRA", "UCS2", "HEX", "PCCP437", "8859-1")
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})*$")
# bytes a modem at the SMS prompt (or any line parser) would take for something else
_PROMPT_UNSAFE = {"\x00", "\x1a", "\x1b", "\r"}


def _gsm_code_points(text: str) -> list[int]:
    out: list[int] = []
    for ch in text:
        try:
            out += gsm7.encode_septets(ch)
        except ValueError:
            out.append(0x3F)  # '?'
    return out


def encode(text: str, cscs: str) -> str:
    """``text`` as the line string the modem expects under ``AT+CSCS=<cscs>`` (lossy: ``?`` for what
    the character set lacks)."""
    cs = cscs.upper()
    if cs == "UCS2":
        return text.encode("utf-16-be").hex().upper()
    if cs == "GSM":
        return "".join(chr(s) for s in _gsm_code_points(text))
    if cs == "HEX":
        return bytes(_gsm_code_points(text)).hex().upper()
    if cs == "IRA":
        return "".join(ch if ord(ch) < 0x80 else "?" for ch in text)
    if cs == "PCCP437":
        return text.encode("cp437", "replace").decode("latin-1")
    if cs == "8859-1":
        return text.encode("latin-1", "replace").decode("latin-1")
    raise ValueError(f"unknown TE character set {cscs!r}")


def decode(line: str, cscs: str) -> str:
    """A line string received under ``AT+CSCS=<cscs>`` as text. Raises ValueError when it cannot be in
    that character set (odd or non-hex UCS2/HEX)."""
    cs = cscs.upper()
    if cs in ("UCS2", "HEX"):
        if not _HEX.match(line) or (cs == "UCS2" and len(line) % 4):
            raise ValueError(f"not {cs} hex: {line[:40]!r}")
        data = bytes.fromhex(line)
        if cs == "UCS2":
            return data.decode("utf-16-be", errors="replace")
        return gsm7.decode_septets(b & 0x7F for b in data)
    if cs == "GSM":
        out: list[str] = []
        run: list[int] = []
        for ch in line:
            if ord(ch) < 0x80:
                run.append(ord(ch))
                continue
            if run:
                out.append(gsm7.decode_septets(run))
                run = []
            out.append(ch)
        if run:
            out.append(gsm7.decode_septets(run))
        return "".join(out)
    if cs == "PCCP437":
        return line.encode("latin-1", "replace").decode("cp437", "replace")
    if cs in ("IRA", "8859-1"):
        return line
    raise ValueError(f"unknown TE character set {cscs!r}")


def can_carry(text: str, cscs: str) -> bool:
    """True if ``text`` survives ``encode`` → ``decode`` under ``cscs`` and its line string holds no
    byte that a modem at the SMS prompt reads as a control (NUL, ESC, Ctrl-Z, CR)."""
    cs = cscs.upper()
    if cs in ("UCS2",):
        return True
    if cs == "HEX":
        return gsm7.is_gsm7(text)
    try:
        line = encode(text, cs)
        back = decode(line, cs)
    except ValueError:
        return False
    return back == text and not (_PROMPT_UNSAFE & set(line))
