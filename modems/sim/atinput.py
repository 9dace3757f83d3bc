"""Input framing of a virtual modem: bytes from the serial line → commands, PDUs, ESC.

Like a real modem it never chokes on noise: bytes outside an ``AT`` line are dropped, an over-long
line is discarded, and every byte is decoded as Latin-1 (lossless).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

CTRL_Z = 0x1A
ESC = 0x1B
MAX_LINE = 4096

_AT = re.compile(r"[Aa][Tt]")
_CMGS = re.compile(r"^\s*[Aa][Tt]\+CMG[SW]=", re.IGNORECASE)  # the SMS prompt: send, or write to memory


class Mode(Enum):
    COMMAND = 1
    PROMPT = 2  # after AT+CMGS=<n> / AT+CMGW=<n>: collecting the PDU until Ctrl-Z (send) or ESC (cancel)


@dataclass
class Command:
    line: str  # from "AT" on, without terminator


@dataclass
class Pdu:
    text: str


@dataclass
class Escape:
    pass


Event = Command | Pdu | Escape


class InputFramer:
    def __init__(self) -> None:
        self.mode = Mode.COMMAND
        self._buf = bytearray()
        self._last_cr = False

    def reset(self) -> None:
        self.mode = Mode.COMMAND
        self._buf.clear()
        self._last_cr = False

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        for byte in data:
            if self.mode is Mode.PROMPT:
                if byte == CTRL_Z:
                    events.append(Pdu(self._buf.decode("latin-1")))
                    self._buf.clear()
                    self.mode = Mode.COMMAND
                elif byte == ESC:
                    events.append(Escape())
                    self._buf.clear()
                    self.mode = Mode.COMMAND
                elif len(self._buf) < MAX_LINE * 2:
                    self._buf.append(byte)
                continue
            if byte == 0x0D or (byte == 0x0A and not self._last_cr):
                self._end_line(events)
            elif byte == 0x0A:
                pass
            elif byte == 0x08:  # backspace, as typed in a terminal
                if self._buf:
                    self._buf.pop()
            elif byte == ESC:
                self._buf.clear()
            elif len(self._buf) < MAX_LINE:
                self._buf.append(byte)
            else:
                self._buf.clear()  # over-long garbage line: drop it
            self._last_cr = byte == 0x0D
        return events

    def _end_line(self, events: list[Event]) -> None:
        text = self._buf.decode("latin-1")
        self._buf.clear()
        m = _AT.search(text)
        if not m:
            return
        line = text[m.start():].strip()
        events.append(Command(line))
        if _CMGS.match(line) and "=?" not in line:
            self.mode = Mode.PROMPT


def split_commands(body: str) -> list[str]:
    """The commands after ``AT``: ``E0V1+CMEE=1;+CNMI=2,1`` → ``["E0", "V1", "+CMEE=1", "+CNMI=2,1"]``.

    Raises ValueError on characters that cannot start a command.
    """
    out: list[str] = []
    s = body.strip()
    i = 0
    while i < len(s):
        ch = s[i]
        if ch in " ;":
            i += 1
        elif ch in "+^$%*#":
            j, quoted = i, False
            while j < len(s) and (quoted or s[j] != ";"):
                if s[j] == '"':
                    quoted = not quoted
                j += 1
            out.append(s[i:j].strip())
            i = j
        elif ch == "&":
            j = i + 2
            while j < len(s) and s[j].isdigit():
                j += 1
            out.append(s[i:j])
            i = j
        elif ch.isalpha():
            if ch in "Dd":
                out.append(s[i:])
                break
            j = i + 1
            if j < len(s) and s[j] in "?":
                j += 1
            while j < len(s) and s[j].isdigit():
                j += 1
            out.append(s[i:j])
            i = j
        else:
            raise ValueError(f"bad command character {ch!r}")
    return out


def split_args(text: str) -> list[str]:
    """Comma-separated arguments, quote-aware; surrounding whitespace removed."""
    args: list[str] = []
    cur: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
            cur.append(ch)
        elif ch == "," and not quoted:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if cur or args:
        args.append("".join(cur).strip())
    return args


def unquote(arg: str) -> str:
    if len(arg) >= 2 and arg[0] == '"' and arg[-1] == '"':
        return arg[1:-1]
    return arg
