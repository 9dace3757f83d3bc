"""AT command engine: bytes → lines → (echo | final | answer | URC | noise), one command at a time.

The engine is synchronous and owned by exactly one thread (the modem's worker). It never decodes
the raw stream as a whole: the framer cuts bytes into lines (quote aware, prompt aware) and each
line is decoded on its own, so a stray non-UTF-8 byte can never stop it.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Protocol

log = logging.getLogger(__name__)

CR, LF, ESC, CTRL_Z, QUOTE = 0x0D, 0x0A, 0x1B, 0x1A, 0x22
LINE_CAP = 4096  # a pending line longer than this cannot still be inside a real quoted string
QUOTE_IDLE_S = 2.0  # an open quote with no byte for this long was a stray quote


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class AtError(Exception):
    """Base of every error raised by the AT layer."""


class CommandError(AtError):
    """The modem answered with an error final result code."""

    def __init__(self, command: str, final: str, code: int | None = None, text: str = "") -> None:
        self.command = command
        self.final = final
        self.code = code
        self.text = text
        super().__init__(f"{command}: {final}")


class PlainError(CommandError):
    """Bare ``ERROR``."""


class CmeError(CommandError):
    """``+CME ERROR: <n>`` (equipment / SIM / network)."""


class CmsError(CommandError):
    """``+CMS ERROR: <n>`` (SMS service)."""


class ExtError(CommandError):
    """``+EXT ERROR: <n>``."""


class NotSupportedError(CommandError):
    """Huawei ``COMMAND NOT SUPPORT`` or Motorola ``MODEM ERROR``."""


class CallResult(CommandError):
    """``NO CARRIER`` / ``BUSY`` / ``NO ANSWER`` / ``NO DIALTONE`` ending an ``ATD``."""


class AtTimeout(AtError):
    def __init__(self, command: str, resynced: bool) -> None:
        self.command = command
        self.resynced = resynced
        super().__init__(f"{command}: timeout ({'resynced' if resynced else 'modem not answering'})")


class PortError(AtError):
    """The port failed (unplug, closed socket). The modem is gone until reopened."""


class Aborted(AtError):
    """The owner asked the engine to stop (shutdown)."""


# CMEE=2 verbose texts we map back to numbers, lower-case (3GPP TS 27.007 9.2).
_CME_TEXT = {
    "phone failure": 0,
    "operation not allowed": 3,
    "operation not supported": 4,
    "sim not inserted": 10,
    "sim pin required": 11,
    "sim puk required": 12,
    "sim failure": 13,
    "sim busy": 14,
    "sim wrong": 15,
    "incorrect password": 16,
    "memory full": 20,
    "invalid index": 21,
    "not found": 22,
    "no network service": 30,
    "network timeout": 31,
    "unknown": 100,
    "unknown error": 100,
}
_CMS_TEXT = {
    "sim busy": 314,
    "sim not inserted": 310,
    "invalid memory index": 321,
    "memory full": 322,
    "smsc address unknown": 330,
    "no network service": 331,
    "network timeout": 332,
    "unknown error": 500,
}

_HEX_LINE = re.compile(r"^[0-9A-Fa-f]+$")
_RE_FINAL_ERR = re.compile(r"^(\+CME ERROR|\+CMS ERROR|\+EXT ERROR|MODEM ERROR):\s*(.*)$")
CALL_FINALS = frozenset({"NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE"})


def parse_final(line: str, *, dial: bool = False) -> str | None:
    """Return "ok" / "error" if ``line`` is a final result code, else None. Whole-line match."""
    if line == "OK" or line == "CONNECT":
        return "ok"
    if line == "ERROR" or line == "COMMAND NOT SUPPORT":
        return "error"
    if _RE_FINAL_ERR.match(line):
        return "error"
    if dial and line in CALL_FINALS:
        return "error"
    return None


def error_from_final(command: str, line: str) -> CommandError:
    if line == "ERROR":
        return PlainError(command, line)
    if line == "COMMAND NOT SUPPORT":
        return NotSupportedError(command, line)
    if line in CALL_FINALS:
        return CallResult(command, line)
    m = _RE_FINAL_ERR.match(line)
    if not m:
        return PlainError(command, line)
    kind, arg = m.group(1), m.group(2).strip().strip('"')
    code: int | None
    try:
        code = int(arg)
    except ValueError:
        table = _CMS_TEXT if kind == "+CMS ERROR" else _CME_TEXT
        code = table.get(arg.lower())
    cls = {"+CME ERROR": CmeError, "+CMS ERROR": CmsError, "+EXT ERROR": ExtError}.get(kind, NotSupportedError)
    return cls(command, line, code, arg)


# ---------------------------------------------------------------------------------------------
# Framing
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    raw: bytes

    @property
    def text(self) -> str:
        try:
            return self.raw.decode("utf-8")
        except UnicodeDecodeError:
            return self.raw.decode("latin-1")


class Prompt:
    """The ``> `` SMS prompt (no line end)."""

    def __repr__(self) -> str:
        return "Prompt"


PROMPT = Prompt()
FrameEvent = Line | Prompt


class Framer:
    """Cuts a byte stream into lines. State survives across reads (a CR and its LF may be split).

    - CR and LF end a line, except inside double quotes;
    - an unbalanced quote is closed when the line passes ``LINE_CAP`` bytes or after
      ``QUOTE_IDLE_S`` without input (call ``tick``), and what it swallowed is re-split;
    - leading ESC / NUL bytes and empty lines are dropped;
    - with ``prompt_armed``, a lone ``>`` (optionally followed by a space) yields ``PROMPT``.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buf = bytearray()
        self._in_quote = False
        self._last_input = clock()
        self._skip_space = False
        self.prompt_armed = False

    @property
    def pending(self) -> bytes:
        return bytes(self._buf)

    def feed(self, data: bytes) -> list[FrameEvent]:
        out: list[FrameEvent] = []
        if data:
            self._last_input = self._clock()
        self._feed(data, out, quotes=True)
        return out

    def tick(self) -> list[FrameEvent]:
        """Apply the idle guard; call when a read returned nothing."""
        out: list[FrameEvent] = []
        if self._in_quote and self._clock() - self._last_input >= QUOTE_IDLE_S:
            self._break_quote(out)
        return out

    def reset(self) -> None:
        self._buf.clear()
        self._in_quote = False
        self._skip_space = False

    def _feed(self, data: bytes, out: list[FrameEvent], *, quotes: bool) -> None:
        for b in data:
            if self._skip_space:
                self._skip_space = False
                if b == 0x20:
                    continue
            if b in (CR, LF) and not self._in_quote:
                self._emit(out)
                continue
            if not self._buf and b in (ESC, 0x00):
                continue
            self._buf.append(b)
            if b == QUOTE and quotes:
                self._in_quote = not self._in_quote
            if self.prompt_armed and not self._in_quote and self._buf == b">":
                self._buf.clear()
                self._skip_space = True
                self.prompt_armed = False
                out.append(PROMPT)
            elif self._in_quote and len(self._buf) > LINE_CAP:
                self._break_quote(out)

    def _break_quote(self, out: list[FrameEvent]) -> None:
        log.debug("framer: closing a stray quote after %d bytes", len(self._buf))
        swallowed = bytes(self._buf)
        self._buf.clear()
        self._in_quote = False
        self._feed(swallowed, out, quotes=False)

    def _emit(self, out: list[FrameEvent]) -> None:
        raw = bytes(self._buf).rstrip(b" \t\x00")
        self._buf.clear()
        if raw.strip():
            out.append(Line(raw))


# ---------------------------------------------------------------------------------------------
# Unsolicited result codes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UrcSpec:
    prefix: str
    kind: str
    extra_lines: int = 0  # lines that follow and belong to it (the PDU of +CMT/+CDS/+CBM)


URC_TABLE: tuple[UrcSpec, ...] = (
    UrcSpec("+CMTI:", "cmti"),
    UrcSpec("+CDSI:", "cdsi"),
    UrcSpec("+CMT:", "cmt", 1),
    UrcSpec("+CDS:", "cds", 1),
    UrcSpec("+CBM:", "cbm", 1),
    UrcSpec("+CUSD:", "cusd"),
    UrcSpec("RING", "ring"),
    UrcSpec("+CRING:", "ring"),
    UrcSpec("+CLIP:", "call"),
    UrcSpec("+CCWA:", "call"),
    UrcSpec("NO CARRIER", "call"),
    UrcSpec("+CREG:", "creg"),
    UrcSpec("+CGREG:", "creg"),
    UrcSpec("^RSSI:", "rssi"),
    UrcSpec("^SIMST:", "simst"),
    UrcSpec("^SRVST:", "srvst"),
    UrcSpec("^SMMEMFULL", "memfull"),
    UrcSpec("+SMS FULL", "memfull"),
    UrcSpec("+CPIN:", "boot"),
    UrcSpec("Call Ready", "boot"),
    UrcSpec("SMS Ready", "boot"),
    # boot banners and status noise of the families in docs/devices.md
    UrcSpec("RDY", "boot"),  # SIMCom, Quectel: first line after power-up
    UrcSpec("^SYSSTART", "boot"),  # Siemens/Cinterion
    UrcSpec("SMS DONE", "boot"),  # SIMCom SIM7600: SMS usable from here
    UrcSpec("+QIND: SMS DONE", "boot"),  # Quectel EC2x
    UrcSpec("+QIND:", "noise"),
    UrcSpec("+QUSIM:", "noise"),
    UrcSpec("PB DONE", "noise"),
    UrcSpec("+CFUN:", "noise"),
    UrcSpec("+WIND:", "noise"),  # Wavecom indications
    UrcSpec("^BOOT:", "noise"),
    UrcSpec("^HCSQ:", "noise"),
    UrcSpec("^DSFLOWRPT:", "noise"),
    UrcSpec("^MODE:", "noise"),
    UrcSpec("^CSNR:", "noise"),
    UrcSpec("^STIN:", "noise"),
    UrcSpec("^NWTIME:", "noise"),
    UrcSpec("^CEND:", "noise"),
    UrcSpec("^ORIG:", "noise"),
    UrcSpec("^CONF:", "noise"),
    UrcSpec("^CONN:", "noise"),
    UrcSpec("+ZUSIMR:", "noise"),
    UrcSpec("+ZEND", "noise"),
    UrcSpec("#STN:", "noise"),
    UrcSpec("+SPNWNAME:", "noise"),
    UrcSpec("+CIEV:", "noise"),
    UrcSpec("+PACSP", "noise"),
)


def match_urc(text: str) -> UrcSpec | None:
    for spec in URC_TABLE:
        if text.startswith(spec.prefix):
            # "RING" must not match "RINGBACK…"-style words; prefixes ending in ":" are safe
            if spec.prefix[-1] != ":" and len(text) > len(spec.prefix) and text[len(spec.prefix)] not in " :":
                continue
            return spec
    return None


@dataclass(frozen=True)
class Urc:
    kind: str  # see URC_TABLE; also "final" for a final code with no command pending
    line: str
    raw: bytes
    extra: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


@dataclass
class Command:
    text: str  # without the terminator, e.g. "AT+CSQ"
    expect: tuple[str, ...] = ()  # prefixes of answer lines, e.g. ("+CSQ:",)
    bare: bool = False  # lines without a known prefix are part of the answer (AT+CGSN)
    pdu_after: bool = False  # each expected line is followed by one PDU line (AT+CMGR/CMGL)
    timeout: float = 5.0
    data: bytes | None = None  # written after the "> " prompt, then Ctrl-Z (AT+CMGS)
    prompt_timeout: float = 5.0
    extend_on_activity: bool = False  # deadline moves while bytes arrive (AT+CMGL)
    hard_cap: float = 180.0
    dial: bool = False  # ATD: NO CARRIER / BUSY … are final
    secrets: tuple[str, ...] = ()  # masked in every log line of this command
    complete_when: Callable[[list[str]], bool] | None = None  # answer complete without a final
    resync_on_timeout: bool = True


@dataclass
class Response:
    command: str
    lines: list[str] = field(default_factory=list)
    final: str = ""

    def with_prefix(self, prefix: str) -> list[str]:
        return [ln[len(prefix):].strip() for ln in self.lines if ln.startswith(prefix)]

    def first(self, prefix: str) -> str | None:
        found = self.with_prefix(prefix)
        return found[0] if found else None

    def pairs(self, prefix: str) -> list[tuple[str, str]]:
        """(header after prefix, following line) for pdu_after commands."""
        out: list[tuple[str, str]] = []
        for i, ln in enumerate(self.lines):
            if ln.startswith(prefix) and i + 1 < len(self.lines):
                out.append((ln[len(prefix):].strip(), self.lines[i + 1].strip()))
        return out


class SerialLike(Protocol):
    def read(self, size: int = 1) -> bytes: ...
    def write(self, data: bytes) -> int | None: ...
    @property
    def in_waiting(self) -> int: ...


def mask(text: str, secrets: Iterable[str]) -> str:
    for s in secrets:
        if s:
            text = text.replace(s, "*" * len(s))
    return text


@dataclass
class _Pending:
    cmd: Command
    response: Response
    echo: str
    prompt_seen: bool = False
    data_written: bool = False
    want_pdu: bool = False
    done: bool = False
    error: CommandError | None = None


class AtEngine:
    """Runs one command at a time on a pyserial-like port; routes every other line as a URC.

    ``on_urc`` is called synchronously from inside ``run``/``wait``; it must only record work
    (never issue commands). ``abort`` is polled on every read so a shutdown interrupts even a
    30 s USSD wait.
    """

    def __init__(
        self,
        port: SerialLike,
        on_urc: Callable[[Urc], None] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        abort: threading.Event | None = None,
        name: str = "",
        command_gap: float = 0.0,
    ) -> None:
        self.port = port
        self.on_urc = on_urc or (lambda urc: None)
        self.clock = clock
        self.abort = abort or threading.Event()
        self.name = name
        self.command_gap = command_gap
        self.framer = Framer(clock)
        self.last_rx = clock()
        self.last_tx = 0.0
        self._pending: _Pending | None = None
        self._urc_kind: UrcSpec | None = None  # a multi-line URC collecting its extra lines
        self._urc_head: Line | None = None
        self._urc_extra: list[str] = []
        self._urc_need = 0
        self._secrets: tuple[str, ...] = ()
        self.text_mode = False  # AT+CMGF=1: a +CDS is one line (no PDU follows); +CMT's line is its text

    # -- reading ---------------------------------------------------------------------------

    def _read_some(self) -> bytes:
        """One blocking read (port timeout, ~50 ms) plus whatever follows right behind it."""
        if self.abort.is_set():
            raise Aborted(self.name)
        try:
            data = self.port.read(max(1, self.port.in_waiting))
            if data:
                chunks = [data]
                total = len(data)
                # only pyserial's socket:// port: rfc2217:// has a `_socket` too, but its bytes are
                # telnet (IAC) and belong to its own reader thread
                raw = type(self.port).__module__ == "serial.urlhandler.protocol_socket"
                sock = getattr(self.port, "_socket", None) if raw else None
                if sock is not None:
                    # socket:// reports only 0/1 in in_waiting; its socket is non-blocking, so
                    # take everything already there in one call instead of byte by byte.
                    try:
                        while total < 65536:
                            more = sock.recv(65536 - total)
                            if not more:
                                raise PortError(f"{self.name}: read failed: socket disconnected")
                            chunks.append(more)
                            total += len(more)
                    except (BlockingIOError, InterruptedError):
                        pass
                else:
                    while total < 65536:
                        n = self.port.in_waiting
                        if not n:
                            break
                        more = self.port.read(n)
                        if not more:
                            break
                        chunks.append(more)
                        total += len(more)
                data = b"".join(chunks)
        except AtError:
            raise
        except Exception as exc:  # SerialException, OSError, closed socket
            raise PortError(f"{self.name}: read failed: {exc}") from exc
        if data:
            self.last_rx = self.clock()
        return data

    def _pump(self) -> bool:
        """Read once, classify everything. Returns True if bytes arrived."""
        data = self._read_some()
        events = self.framer.feed(data) if data else self.framer.tick()
        for ev in events:
            self._classify(ev)
        return bool(data)

    def drain(self, quiet: float = 0.0) -> None:
        """Classify everything already buffered (and, with ``quiet``, until that long a gap)."""
        until = self.clock() + quiet
        while True:
            got = self._pump_nowait()
            if not got and self.clock() >= until:
                return
            if not got:
                self._pump()

    def _pump_nowait(self) -> bool:
        try:
            waiting = self.port.in_waiting
        except Exception as exc:
            raise PortError(f"{self.name}: {exc}") from exc
        if not waiting:
            return False
        return self._pump()

    # -- writing ---------------------------------------------------------------------------

    def write_raw(self, data: bytes) -> None:
        try:
            self.port.write(data)
        except Exception as exc:
            raise PortError(f"{self.name}: write failed: {exc}") from exc
        self.last_tx = self.clock()

    def escape(self) -> None:
        """ESC + CR leaves a stuck ``> `` prompt; a short guard time follows (warthog618: 20 ms)."""
        self.write_raw(bytes([ESC]) + b"\r")
        self.drain(quiet=0.02)

    # -- commands --------------------------------------------------------------------------

    def run(self, cmd: Command) -> Response:
        """Send ``cmd`` and return its answer, or raise CommandError / AtTimeout / PortError."""
        if self._pending is not None:
            raise RuntimeError("AtEngine.run is not re-entrant")
        self.drain()  # a residual OK/ERROR already here must not complete this command
        if self.command_gap:
            wait = self.last_tx + self.command_gap - self.clock()
            if wait > 0:
                self.drain(quiet=wait)
        pending = _Pending(cmd, Response(cmd.text), echo=cmd.text.strip())
        self._secrets = cmd.secrets
        log.debug("%s >> %s", self.name, mask(cmd.text, cmd.secrets))
        self.framer.prompt_armed = cmd.data is not None
        self._pending = pending
        try:
            self.write_raw(cmd.text.encode("latin-1") + b"\r")
            start = self.clock()
            deadline = start + (cmd.prompt_timeout if cmd.data is not None else cmd.timeout)
            grace_deadline: float | None = None
            while not pending.done:
                if pending.prompt_seen and not pending.data_written:
                    assert cmd.data is not None
                    log.debug("%s >> <pdu %d bytes>^Z", self.name, len(cmd.data))
                    self.write_raw(cmd.data + bytes([CTRL_Z]))
                    pending.data_written = True
                    deadline = self.clock() + cmd.timeout
                now = self.clock()
                if cmd.complete_when and grace_deadline is None and cmd.complete_when(pending.response.lines):
                    grace_deadline = now + 0.5
                if grace_deadline is not None and now >= grace_deadline:
                    pending.done = True
                    break
                if now >= deadline:
                    # classify what has already arrived before calling it a timeout
                    while not pending.done and self._pump_nowait():
                        pass
                    if pending.done:
                        break
                    self.framer.prompt_armed = False
                    return self._timed_out(cmd, pending)
                got = self._pump()
                if got and cmd.extend_on_activity:
                    deadline = min(max(deadline, self.clock() + cmd.timeout), start + cmd.hard_cap)
        finally:
            self._pending = None
            self.framer.prompt_armed = False
            self._secrets = ()
        if pending.error is not None:
            log.debug("%s << %s", self.name, pending.error.final)
            raise pending.error
        return pending.response

    def _timed_out(self, cmd: Command, pending: _Pending) -> Response:
        log.warning("%s: timeout on %s", self.name, mask(cmd.text, cmd.secrets))
        self._pending = None
        resynced = self.resync() if cmd.resync_on_timeout else False
        raise AtTimeout(mask(cmd.text, cmd.secrets), resynced)

    def resync(self, tries: int = 3) -> bool:
        """ESC, drain, then ``AT`` with a 2 s timeout up to ``tries`` times."""
        self.escape()
        for _ in range(tries):
            try:
                self.run(Command("AT", timeout=2.0, resync_on_timeout=False))
                return True
            except CommandError:
                return True  # it answered, so it is in sync
            except AtTimeout:
                self.escape()
        return False

    def wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Read and dispatch URCs until ``predicate()`` holds or ``timeout`` passes."""
        deadline = self.clock() + timeout
        while not predicate():
            if self.clock() >= deadline:
                while self._pump_nowait():
                    if predicate():
                        return True
                return predicate()
            self._pump()
        return True

    def poll(self, timeout: float = 0.05) -> None:
        """Idle read: dispatch whatever arrives within about ``timeout``."""
        until = self.clock() + timeout
        self._pump()
        while self.clock() < until:
            self._pump()

    # -- classification --------------------------------------------------------------------

    def _classify(self, ev: FrameEvent) -> None:
        pending = self._pending
        if pending is not None and pending.done:
            pending = None  # lines after the final code in the same read belong to nobody
        if isinstance(ev, Prompt):
            if pending is not None and pending.cmd.data is not None and not pending.prompt_seen:
                pending.prompt_seen = True
            return
        text = ev.text.strip()
        if self._urc_need:
            self._urc_extra.append(text)
            self._urc_need -= 1
            if not self._urc_need:
                self._finish_urc()
            return
        if pending is not None and pending.want_pdu:
            # the line after a +CMGR/+CMGL header is its PDU (hex), unless it is a notification that
            # arrived in between (Huawei ^RSSI, ZTE +ZEND): that one is routed, and the PDU still awaited
            if parse_final(text) is not None or _HEX_LINE.match(text) or match_urc(text) is None:
                pending.want_pdu = False
                if parse_final(text) is None:
                    pending.response.lines.append(text)
                    return
        log.debug("%s << %s", self.name, mask(text, self._secrets))
        if pending is not None:
            cmd = pending.cmd
            if text == pending.echo or (pending.data_written and cmd.data and text == cmd.data.decode("latin-1")):
                return
            kind = parse_final(text, dial=cmd.dial)
            if kind is not None:
                if kind == "error":
                    pending.error = error_from_final(mask(cmd.text, cmd.secrets), text)
                pending.response.final = text
                pending.done = True
                return
            if cmd.expect and text.startswith(cmd.expect):
                pending.response.lines.append(text)
                pending.want_pdu = cmd.pdu_after
                return
        spec = match_urc(text)
        if spec is not None:
            extra = 0 if self.text_mode and spec.kind == "cds" else spec.extra_lines
            if extra:
                self._urc_kind, self._urc_head, self._urc_need = spec, ev, extra
                self._urc_extra = []
            else:
                self._dispatch(Urc(spec.kind, text, ev.raw))
            return
        if pending is not None and pending.cmd.bare:
            pending.response.lines.append(text)
            return
        if pending is None and parse_final(text) is not None:
            # a final code with no command pending: a late +CME ERROR after OK (USSD), or residue
            self._dispatch(Urc("final", text, ev.raw))
            return
        log.debug("%s: dropped noise %r", self.name, ev.raw[:80])

    def _finish_urc(self) -> None:
        assert self._urc_kind is not None and self._urc_head is not None
        urc = Urc(self._urc_kind.kind, self._urc_head.text.strip(), self._urc_head.raw, tuple(self._urc_extra))
        self._urc_kind = self._urc_head = None
        self._urc_extra = []
        self._dispatch(urc)

    def _dispatch(self, urc: Urc) -> None:
        try:
            self.on_urc(urc)
        except Exception:  # a handler bug must not kill the reader
            log.exception("%s: URC handler failed on %r", self.name, urc.line)
