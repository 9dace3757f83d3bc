"""A virtual modem: one SIM, one AT command interpreter, one loopback TCP port.

All methods run on the simulator's event loop thread. State that lives on the SIM or in the device
(SMS store, echo, CNMI, …) survives reconnects; a reset or replug is a power cycle and restores the
power-on settings, as a real dongle does.
"""
from __future__ import annotations

import asyncio
import logging
import random
import re
import socket
from collections import deque
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Protocol

from modems import pdu as pdu_codec

from .atinput import Command, Escape, InputFramer, Mode, Pdu, split_args, split_commands, unquote
from .faults import FaultKind, validate
from .operators import Chip, CusdEvent, MenuSession, UssdAnswer
from .profiles import ModemProfile, clac_list
from . import textmode
from .store import REC_READ, REC_UNREAD, STO_SENT, STO_UNSENT, SmsStore, StoredMessage, tpdu_length
from .ussd_shapes import UssdShape, decode_packed_request, decode_ucs2_request, format_cusd

class Network(Protocol):
    """What a virtual modem asks of the network it is plugged into (modems/sim/network.py)."""

    send_delay: float
    reset_delay: float

    def submit_from_modem(self, modem: "VirtualModem", msg: pdu_codec.SmsSubmit, mr: int, pdu_hex: str) -> None: ...

    def changed(self) -> None: ...

    def flush_state(self) -> None: ...

    def ussd_request(self, modem: "VirtualModem", text: str, session: MenuSession | None) -> UssdAnswer: ...

    def ussd_delay_for(self, modem: "VirtualModem") -> float: ...

    def session_timeout_for(self, modem: "VirtualModem") -> float: ...

    def log_ussd(self, modem: "VirtualModem", text: str, events: list, note: str = "") -> None: ...

log = logging.getLogger(__name__)

CME_TEXT = {
    3: "operation not allowed", 4: "operation not supported", 10: "SIM not inserted",
    11: "SIM PIN required", 14: "SIM busy", 16: "incorrect password", 30: "no network service",
    100: "unknown", 258: "retry operation", 515: "device busy",
}
CMS_TEXT = {
    302: "operation not allowed", 303: "operation not supported", 304: "invalid PDU mode parameter",
    305: "invalid text mode parameter",
    321: "invalid memory index", 322: "memory full", 331: "no network service", 500: "unknown error",
}
REGISTRATION_DELAY = 0.5  # seconds from power-up until the network delivers held SMS


class AtError(Exception):
    """Final error result. kind: cme, cms, plain (bare ERROR), unsupported (unknown command)."""

    def __init__(self, kind: str, code: int = 0) -> None:
        super().__init__(kind, code)
        self.kind = kind
        self.code = code


@dataclass
class ModemSettings:
    csq: int = 20
    registered: bool = True
    ussd_shape: str | None = None
    send_delay: float | None = None  # None: the network's default
    reset_delay: float | None = None
    reset_new_port: bool = False  # come back from AT+CFUN=1,1 on another port
    sim_pin: str | None = None  # SIM asks for this PIN at power-up
    noise_interval: float | None = None  # Huawei ^RSSI/^BOOT period; None: the profile's

    FIELDS = ("csq", "registered", "ussd_shape", "send_delay", "reset_delay", "reset_new_port", "sim_pin",
              "noise_interval")

    def update(self, values: dict) -> None:
        for key, value in values.items():
            if key not in self.FIELDS:
                raise ValueError(f"unknown modem setting {key!r}")
            if key == "csq":
                if not isinstance(value, int) or not (0 <= value <= 31 or value == 99):
                    raise ValueError("csq must be 0..31 or 99")
            elif key in ("registered", "reset_new_port"):
                if not isinstance(value, bool):
                    raise ValueError(f"{key} must be true or false")
            elif key == "ussd_shape":
                value = None if value is None else UssdShape(value).value
            elif key in ("send_delay", "reset_delay", "noise_interval"):
                if value is not None and (not isinstance(value, (int, float)) or value < 0):
                    raise ValueError(f"{key} must be a number >= 0")
            elif key == "sim_pin" and value is not None and not str(value).isdigit():
                raise ValueError("sim_pin must be digits")
            setattr(self, key, value)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.FIELDS if k != "sim_pin"}


@dataclass
class SentSms:
    to: str
    text: str
    mr: int
    part: tuple[int, int] | None  # (seq, total)
    request_report: bool

    def as_dict(self) -> dict:
        return {"to": self.to, "text": self.text, "mr": self.mr,
                "part": list(self.part) if self.part else None, "report": self.request_report}


@dataclass
class _Conn:
    writer: asyncio.StreamWriter
    peer: str
    closed: bool = False
    frag: deque = field(default_factory=deque)
    flushing: bool = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self.writer.close()
            except Exception:  # noqa: BLE001 - the socket may already be gone
                pass


class VirtualModem:
    def __init__(self, net: Network, *, id: str, role: str, operator: str, msisdn: str,
                 profile: ModemProfile, imei: str, iccid: str, imsi: str, rng: random.Random,
                 port: int = 0, store_capacity: int | None = None, chip: Chip | None = None) -> None:
        self.net = net
        self.id = id
        self.role = role
        self.operator = operator
        self.msisdn = msisdn
        self.profile = profile
        self.imei = imei
        self.iccid = iccid
        self.imsi = imsi
        self.rng = rng
        self.chip = chip
        self.port = port
        self.settings = ModemSettings()
        self.store = SmsStore(store_capacity or profile.store_capacity, profile.first_index)
        self.faults: dict[FaultKind, dict] = {}
        self.sent: list[SentSms] = []
        self.backlog: deque[tuple[str, bool]] = deque()
        self.connections = 0
        self.mr = rng.randrange(256)  # the last message reference given
        self._framer = InputFramer()
        self._server: socket.socket | None = None  # the listening socket while plugged in
        self._handlers: set[asyncio.Task] = set()
        self._conn: _Conn | None = None
        self._queue: asyncio.Queue | None = None
        self._worker_task: asyncio.Task | None = None
        self._timers: list[asyncio.TimerHandle] = []
        self._garbage_timer: asyncio.TimerHandle | None = None
        self._noise_timer: asyncio.TimerHandle | None = None
        self._booting = False
        self._banner_pending = False
        self._memfull_announced = False
        self._ussd_pending: asyncio.Task | None = None
        self._ussd_session: MenuSession | None = None
        self._ussd_timer: asyncio.TimerHandle | None = None
        self._cme_busy_left = 0
        self.pty: str | None = None  # the device path while published as a pty (modems/sim/pty.py)
        self.on_listen: list[Callable[[], None]] = []  # called each time the port listens (plug, boot)
        self._power_on()

    # ------------------------------------------------------------------ identity

    @property
    def port_url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    @property
    def online(self) -> bool:
        return self._server is not None

    @property
    def connected(self) -> bool:
        return self._conn is not None

    @property
    def iccid_swapped(self) -> str:
        digits = self.iccid + ("F" if len(self.iccid) % 2 else "")
        return "".join(digits[i + 1] + digits[i] for i in range(0, len(digits), 2))

    def info(self) -> dict:
        return {"id": self.id, "msisdn": self.msisdn, "port_url": self.port_url, "port": self.port,
                "operator": self.operator, "imei": self.imei, "iccid": self.iccid, "imsi": self.imsi,
                "role": self.role, "profile": self.profile.name, "online": self.online,
                "connected": self.connected, "pty": self.pty}

    def details(self) -> dict:
        d = self.info()
        d.update({
            "settings": self.settings.as_dict(),
            "faults": {k.value: v for k, v in self.faults.items()},
            "store": {"used": self.store.used, "total": self.store.capacity, "backlog": len(self.backlog)},
            "echo": self.echo, "cmee": self.cmee, "cnmi": list(self.cnmi), "cscs": self.cscs,
            "cmgf": self.cmgf, "csdh": self.csdh,
            "curc": self.curc, "ussdmode": self.ussdmode, "cfun": self.cfun,
            "ussd_session_open": self._ussd_session is not None, "sms_sent": len(self.sent),
            "connections": self.connections,
        })
        if self.chip:
            d["chip"] = self.chip.as_dict()
        return d

    # ------------------------------------------------------------------ power

    def _power_on(self) -> None:
        self.echo = True
        self.cmee = 0
        self.cnmi = tuple(self.profile.default_cnmi)
        self.cmgf = self.profile.sms_modes[0]
        self.cscs = self.profile.charsets[0]
        self.csdh = 0
        self.csmp = (17, 167, 0, 0)  # text mode: <fo>,<vp>,<pid>,<dcs> of what AT+CMGS sends
        self.curc = 1
        self.ussdmode = 1
        self.cusd_n = 0
        self.cfun = 1
        self.cmms = 0
        self.creg_n = 0
        self.cops_format = 0
        self.pin_ok = self.settings.sim_pin is None
        self.sms_ready = True
        self._framer.reset()
        self._cancel_ussd()

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._worker_task = asyncio.get_running_loop().create_task(self._worker())
        await self._listen(self.port)
        self.restart_noise()
        if self.backlog:  # kept in the state file from before a restart
            self._after_registration()

    async def stop(self) -> None:
        for t in self._timers:
            t.cancel()
        if self._garbage_timer:
            self._garbage_timer.cancel()
        if self._noise_timer:
            self._noise_timer.cancel()
        self._drop_connection()
        self._close_server()
        self._cancel_ussd()
        if self._worker_task:
            self._worker_task.cancel()

    async def _listen(self, port: int) -> None:
        # Our own accept loop rather than asyncio.start_server: closing a Server while a connection is
        # being accepted leaks that connection's socket (Python 3.11), and an unplug does exactly that.
        # IPPROTO_TCP named, as getaddrinfo would: asyncio turns Nagle off only on sockets that say so
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", port))
            listener.listen(8)
            listener.setblocking(False)
        except OSError:
            listener.close()
            raise
        self._server = listener
        if listener.getsockname()[1] != self.port:
            self.port = listener.getsockname()[1]
            self.net.changed()
        asyncio.get_running_loop().add_reader(listener.fileno(), self._accept, listener)
        for hook in list(self.on_listen):
            hook()

    def _accept(self, listener: socket.socket) -> None:
        # accepting and taking ownership in one callback: no accepted socket can be lost in between
        try:
            conn, _addr = listener.accept()
        except OSError:  # nothing waiting after all, or the listener closed
            return
        if self._server is not listener:
            conn.close()
            return
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # a modem answers at once, byte by byte
        task = asyncio.get_running_loop().create_task(self._serve(conn))
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def _serve(self, conn: socket.socket) -> None:
        try:
            reader, writer = await asyncio.open_connection(sock=conn)
        except BaseException:
            conn.close()
            raise
        await self._on_connect(reader, writer)

    def _close_server(self) -> None:
        listener, self._server = self._server, None
        if listener is not None:
            asyncio.get_running_loop().remove_reader(listener.fileno())
            listener.close()

    def _drop_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _schedule(self, delay: float, fn: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        self._timers = [t for t in self._timers if not t.cancelled() and t.when() > loop.time()]
        self._timers.append(loop.call_later(delay, fn))

    def reset(self, new_port: bool | None = None) -> None:
        """Power cycle (AT+CFUN=1,1 or the control API): drop the line, come back after a delay."""
        self._drop_connection()
        self._close_server()
        self._booting = True
        self._power_on()
        self.faults.pop(FaultKind.HANG, None)
        delay = self.settings.reset_delay if self.settings.reset_delay is not None else self.net.reset_delay
        new = self.settings.reset_new_port if new_port is None else new_port
        loop = asyncio.get_running_loop()
        self._schedule(delay, lambda: loop.create_task(self._boot(new)))

    async def _boot(self, new_port: bool) -> None:
        if FaultKind.UNPLUG in self.faults or self._server is not None:
            self._booting = False
            return
        await self._listen(0 if new_port else self.port)
        self._booting = False
        if self.profile.boot_banner:
            self._banner_pending = True
            self.sms_ready = False
        self._after_registration()

    def _after_registration(self) -> None:
        # the SMSC retries held messages once the phone is back on the network
        self._schedule(REGISTRATION_DELAY, self._flush_backlog)

    def unplug(self) -> None:
        self.faults[FaultKind.UNPLUG] = {}
        self._drop_connection()
        self._close_server()
        self._cancel_ussd()

    async def replug(self, new_port: bool = False) -> None:
        self.faults.pop(FaultKind.UNPLUG, None)
        self.faults.pop(FaultKind.HANG, None)
        if self._server is not None:
            return
        self._power_on()
        await self._listen(0 if new_port else self.port)
        self._booting = False
        if self.profile.boot_banner:
            self._banner_pending = True
            self.sms_ready = False
        self._after_registration()

    # ------------------------------------------------------------------ connection

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if FaultKind.UNPLUG in self.faults or self._booting or self._server is None:
            writer.close()
            return
        self._drop_connection()  # one client at a time: the newest wins
        conn = _Conn(writer, str(writer.get_extra_info("peername")))
        self._conn = conn
        self.connections += 1
        self._framer.reset()
        hang = self.faults.get(FaultKind.HANG)
        if hang and hang.get("clear_on_reconnect"):
            self.faults.pop(FaultKind.HANG)
        # pyserial's socket:// open() flushes what arrives during the connect, so wait a moment
        if self.faults.pop(FaultKind.STALE_BYTES, None) is not None or self.profile.stale_on_connect:
            self._schedule(0.1, lambda: self._send(b"\r\nOK\r\n\r\nERROR\r\n\xff\xfeAT\r\n"))
        if self._banner_pending:
            self._banner_pending = False
            self._schedule(0.1, self._emit_banner)
        try:
            while True:
                data = await reader.read(4096)
                if not data:
                    break
                if self._conn is not conn:
                    break
                self._feed(data)
        except (ConnectionError, OSError):
            pass
        finally:
            if self._conn is conn:
                self._conn = None
            conn.close()

    def _emit_banner(self) -> None:
        for line in self.profile.boot_banner:
            self.urc(line)
        self.sms_ready = True

    def _feed(self, data: bytes) -> None:
        if FaultKind.HANG in self.faults:
            return
        if self.echo:
            self._send(bytes(b for b in data if b not in (0x1A, 0x1B)))
        for event in self._framer.feed(data):
            assert self._queue is not None
            self._queue.put_nowait(event)

    # ------------------------------------------------------------------ output

    def _eol(self) -> bytes:
        if self.profile.crcrlf_rate and self.rng.random() < self.profile.crcrlf_rate:
            return b"\r\r\n"
        return b"\r\n"

    def _line(self, text: str) -> bytes:
        return b"\r\n" + text.encode("latin-1", "replace") + self._eol()

    def _send(self, data: bytes) -> None:
        conn = self._conn
        if conn is None or conn.closed or not data:
            return
        frag = self.faults.get(FaultKind.FRAGMENT)
        if frag is None and not conn.frag:
            conn.writer.write(data)
            return
        size = int(frag["max_chunk"]) if frag else 4096
        for i in range(0, len(data), size):
            conn.frag.append(data[i:i + size])
        if not conn.flushing:
            conn.flushing = True
            self._flush_fragments(conn, float(frag["gap"]) if frag else 0.0)

    def _flush_fragments(self, conn: _Conn, gap: float) -> None:
        if conn.closed or not conn.frag:
            conn.flushing = False
            return
        conn.writer.write(conn.frag.popleft())
        asyncio.get_running_loop().call_later(gap * (0.5 + self.rng.random()), self._flush_fragments, conn, gap)

    def urc(self, *lines: str) -> None:
        """Unsolicited lines; lost when nobody is connected, as on a real serial line."""
        self._send(b"".join(self._line(line) for line in lines))

    def _respond(self, info: list[str], final: str) -> None:
        # what a command changed is on disk before its result code leaves: a kill of the simulator
        # cannot forget an SMS the modem said it sent, or bring back one it said it deleted
        self.net.flush_state()
        lines = list(info)
        if (self.profile.noise_in_response_rate and self.curc and lines
                and self.rng.random() < self.profile.noise_in_response_rate):
            lines.insert(self.rng.randrange(len(lines) + 1), self._noise_line())
        self._send(b"".join(self._line(line) for line in lines) + self._line(final))

    def _error_text(self, err: AtError) -> str:
        if err.kind == "unsupported":
            return self.profile.unknown_reply
        if err.kind == "plain" or self.cmee == 0:
            return "ERROR"
        table, prefix = (CME_TEXT, "+CME ERROR") if err.kind == "cme" else (CMS_TEXT, "+CMS ERROR")
        if self.cmee == 2:
            return f"{prefix}: {table.get(err.code, 'unknown')}"
        return f"{prefix}: {err.code}"

    def _noise_line(self) -> str:
        if self.profile.noise_lines:
            return self.rng.choice(self.profile.noise_lines).format(csq=self.settings.csq)
        return self.rng.choice((
            f"^RSSI: {self.settings.csq}", "^BOOT: 20291257,0,0,0,75", "^MODE: 5,4",
            "^DSFLOWRPT: 00000014,00000000,00000000,0000000000000000,0000000000000000,0000BB80,0001F400",
        ))

    def restart_noise(self) -> None:
        if self._noise_timer is not None:
            self._noise_timer.cancel()
            self._noise_timer = None
        if self.profile.urc_noise or self.profile.noise_lines:
            self._noise_timer = asyncio.get_running_loop().call_later(
                self._noise_interval() * (0.5 + self.rng.random()), self._noise_tick)

    def _noise_tick(self) -> None:
        if self.curc and self._conn is not None:
            self.urc(self._noise_line())
        self._noise_timer = asyncio.get_running_loop().call_later(self._noise_interval(), self._noise_tick)

    def _noise_interval(self) -> float:
        value = self.settings.noise_interval
        return max(0.01, value if value is not None else self.profile.noise_interval)

    def inject_garbage(self, count: int, quote: bool = False) -> None:
        data = bytearray(self.rng.randrange(0x80, 0x100) for _ in range(count))
        if quote:
            data[len(data) // 2] = 0x22
        self._send(bytes(data))

    def _garbage_tick(self) -> None:
        g = self.faults.get(FaultKind.GARBAGE)
        if not g or not g["interval"]:
            self._garbage_timer = None
            return
        self.inject_garbage(int(g["count"]), bool(g["quote"]))
        self._garbage_timer = asyncio.get_running_loop().call_later(g["interval"], self._garbage_tick)

    # ------------------------------------------------------------------ faults

    def set_fault(self, kind: FaultKind, params: dict) -> dict:
        p = validate(kind, params)
        if kind is FaultKind.UNPLUG:
            self.unplug()
            return {}
        self.faults[kind] = p
        if kind is FaultKind.GARBAGE:
            self.inject_garbage(int(p["count"]), bool(p["quote"]))
            if p["interval"] and self._garbage_timer is None:
                self._garbage_timer = asyncio.get_running_loop().call_later(p["interval"], self._garbage_tick)
        elif kind is FaultKind.CME_BUSY:
            self._cme_busy_left = int(p["count"])
        elif kind is FaultKind.NO_STOCK and self.chip:
            self.chip.no_stock = True
        elif kind is FaultKind.SIM_FULL:
            self._announce_memfull()
        return p

    async def clear_fault(self, kind: FaultKind | None = None) -> None:
        kinds = [kind] if kind else list(self.faults)
        for k in kinds:
            if k is FaultKind.UNPLUG:
                await self.replug(False)
                continue
            self.faults.pop(k, None)
            if k is FaultKind.NO_STOCK and self.chip:
                self.chip.no_stock = False
            if k is FaultKind.GARBAGE and self._garbage_timer:
                self._garbage_timer.cancel()
                self._garbage_timer = None
        self._flush_backlog()

    @property
    def registered(self) -> bool:
        return self.cfun == 1 and self.settings.registered and FaultKind.NO_NETWORK not in self.faults

    # ------------------------------------------------------------------ command loop

    async def _worker(self) -> None:
        assert self._queue is not None
        while True:
            event = await self._queue.get()
            try:
                await self._process(event)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug in one handler must not kill the modem
                log.exception("virtual modem %s: error while handling %r", self.id, event)
                self._framer.mode = Mode.COMMAND
                self._respond([], "ERROR")

    async def _process(self, event: Command | Pdu | Escape) -> None:
        if FaultKind.HANG in self.faults:
            return
        slow = self.faults.get(FaultKind.SLOW)
        if slow:
            await asyncio.sleep(slow["delay"])
        if isinstance(event, Command):
            await self._run_line(event.line)
        elif isinstance(event, Pdu):
            await self._submit(event.text)
        elif isinstance(event, Escape):
            if self._cmgs_len is not None:
                self._cmgs_len = None
                self._text_da = None
                self._writing = False
                self._respond([], "OK")

    _cmgs_len: int | None = None
    _writing = False  # the prompt is for AT+CMGW (write to memory), not AT+CMGS
    _text_da: str | None = None  # text mode: the "<da>" of AT+CMGS/AT+CMGW, as typed (TE charset)

    async def _run_line(self, line: str) -> None:
        body = line[2:]
        if self._cme_busy_left > 0:
            self._cme_busy_left -= 1
            busy = self.faults.get(FaultKind.CME_BUSY, {"code": 14})
            if self._cme_busy_left == 0:
                self.faults.pop(FaultKind.CME_BUSY, None)
            self._framer.mode = Mode.COMMAND
            self._respond([], self._error_text(AtError("cme", int(busy["code"]))))
            return
        try:
            commands = split_commands(body)
        except ValueError:
            self._framer.mode = Mode.COMMAND
            self._respond([], self.profile.unknown_reply)
            return
        info: list[str] = []
        for cmd in commands:
            try:
                out = await self._dispatch(cmd)
            except AtError as err:
                self._framer.mode = Mode.COMMAND
                self._respond(info, self._error_text(err))
                return
            if out is None:  # the command has answered by itself (the SMS prompt)
                return
            info.extend(out)
        self._respond(info, "OK")

    async def _dispatch(self, cmd: str) -> list[str] | None:
        if cmd[0] in "+^$%*#":
            m = re.match(r"([+^$%*#][A-Za-z0-9]+)(=\?|\?|=)?(.*)$", cmd, re.DOTALL)
            if not m:
                raise AtError("unsupported")
            name, op, rest = m.group(1).upper(), m.group(2) or "", m.group(3)
            if op != "=" and rest.strip():
                raise AtError("unsupported")
            handler = _EXTENDED.get(name)
            if handler is None:
                fmt = self.profile.iccid_commands.get(name + ("?" if op == "?" else ""))
                if fmt is not None and op in ("", "?"):
                    return [fmt.format(iccid=self.iccid, iccid_swapped=self.iccid_swapped)]
                raise AtError("unsupported")
            return await handler(self, op, split_args(rest) if op == "=" else [])
        if cmd[0] in "Dd":
            return await self._dial(cmd[1:].strip())
        return self._basic(cmd)

    def _basic(self, cmd: str) -> list[str]:
        letter, arg = cmd[0].upper(), cmd[1:]
        if cmd[:2] == "&F" or cmd[:2] == "&f" or (letter == "Z" and arg in ("", "0")):
            self.echo, self.cmee, self.cnmi = True, 0, tuple(self.profile.default_cnmi)
            self.cmgf, self.cscs, self.csdh = self.profile.sms_modes[0], self.profile.charsets[0], 0
            return []
        if letter == "E" and arg in ("", "0", "1"):
            self.echo = arg == "1"
            return []
        if letter == "V" and arg in ("", "1"):
            return []
        if letter in "QX" and arg.isdigit() or letter == "H" and arg in ("", "0"):
            return []
        if letter == "I" and arg in ("", "0"):
            p = self.profile
            if p.ati_lines:
                return [line.format(manufacturer=p.manufacturer, model=p.model, revision=p.revision,
                                    imei=self.imei) for line in p.ati_lines]
            return [f"Manufacturer: {p.manufacturer}", f"Model: {p.model}", f"Revision: {p.revision}",
                    f"IMEI: {self.imei}", "+GCAP: +CGSM,+DS,+ES"]
        if letter == "&" and cmd[1:2].upper() in ("C", "D", "K", "W") or letter == "S":
            return []
        raise AtError("unsupported")

    # ------------------------------------------------------------------ SMS: sending

    def _next_mr(self) -> int:
        self.mr = (self.mr + 1) % 256
        return self.mr

    def _need_sms(self) -> None:
        if not self.sms_ready or not self.pin_ok:
            raise AtError("cms", 302)

    async def _submit(self, text: str) -> None:
        length, self._cmgs_len = self._cmgs_len, None
        if length is None:
            return
        if self._text_da is not None:
            await self._submit_text(self._text_da, text)
            return
        hexpdu = re.sub(r"\s", "", text)
        try:
            msg = pdu_codec.decode_pdu(hexpdu, has_smsc=True)
            if not isinstance(msg, pdu_codec.SmsSubmit) or tpdu_length(hexpdu) != length:
                raise ValueError("not an SMS-SUBMIT of the announced length")
        except ValueError:
            self._respond([], self._error_text(AtError("cms", 304)))
            return
        if self._writing:  # AT+CMGW: into the memory as "stored unsent", sent later by AT+CMSS
            self._writing = False
            index = self.store.add(hexpdu, stat=STO_UNSENT)
            if index is None:
                self._respond([], self._error_text(AtError("cms", 322)))
                return
            self.net.changed()
            self._respond([f"+CMGW: {index}"], "OK")
            return
        await self._send_submit(msg, hexpdu, "+CMGS")

    async def _submit_text(self, da_arg: str, typed: str) -> None:
        """Text mode: what was typed at the prompt becomes one SMS-SUBMIT (sent, or stored by AT+CMGW)."""
        self._text_da = None
        fo, _vp, _pid, dcs = self.csmp
        try:
            to, text, _ucs2 = textmode.read_submission(da_arg, typed, cscs=self.cscs, csmp_dcs=dcs)
            part = pdu_codec.encode_submit(to, text, request_report=bool(fo & 0x20))
            if len(part) != 1:
                raise ValueError("text longer than one SMS")
            hexpdu = part[0].hex
            msg = pdu_codec.decode_pdu(hexpdu, has_smsc=True)
            assert isinstance(msg, pdu_codec.SmsSubmit)
        except (ValueError, pdu_codec.PduError):
            self._writing = False
            self._respond([], self._error_text(AtError("cms", 305)))  # invalid text mode parameter
            return
        if self._writing:
            self._writing = False
            index = self.store.add(hexpdu, stat=STO_UNSENT)
            if index is None:
                self._respond([], self._error_text(AtError("cms", 322)))
                return
            self.net.changed()
            self._respond([f"+CMGW: {index}"], "OK")
            return
        await self._send_submit(msg, hexpdu, "+CMGS")

    async def send_stored(self, index: int) -> None:
        """AT+CMSS=<index>: send a stored SMS-SUBMIT; it stays in memory as "stored sent"."""
        msg_slot = self.store.get(index)
        if msg_slot is None:
            self._respond([], self._error_text(AtError("cms", 321)))
            return
        try:
            msg = pdu_codec.decode_pdu(msg_slot.pdu, has_smsc=True)
            if not isinstance(msg, pdu_codec.SmsSubmit):
                raise ValueError("not a stored SMS-SUBMIT")
        except ValueError:
            self._respond([], self._error_text(AtError("cms", 302)))
            return
        await self._send_submit(msg, msg_slot.pdu, "+CMSS", msg_slot)

    async def _send_submit(self, msg: pdu_codec.SmsSubmit, hexpdu: str, answer: str,
                           slot: StoredMessage | None = None) -> None:
        if not self.registered:
            self._respond([], self._error_text(AtError("cms", 331)))
            return
        mr = self._next_mr()
        delay = self.settings.send_delay if self.settings.send_delay is not None else self.net.send_delay
        if delay:
            await asyncio.sleep(delay)
        concat = msg.concat
        self.sent.append(SentSms(msg.to, msg.text, mr, (concat.seq, concat.total) if concat else None,
                                 msg.request_report))
        self.net.submit_from_modem(self, msg, mr, hexpdu)
        if slot is not None:
            slot.stat = STO_SENT  # only now: a save of the state may come at any moment before
        self._respond([f"{answer}: {mr}"], "OK")  # the network has it (and its state file, see _respond)

    # ------------------------------------------------------------------ SMS: receiving

    def _can_store(self) -> bool:
        return (not self.store.full and FaultKind.SIM_FULL not in self.faults and self.registered
                and FaultKind.UNPLUG not in self.faults and not self._booting)

    def _announce_memfull(self) -> None:
        if not self._memfull_announced and self.profile.memfull_urc:
            self._memfull_announced = True
            self.urc(self.profile.memfull_urc)

    def receive_pdus(self, pdus: list[str], report: bool = False) -> None:
        """The network delivers SMS-DELIVER (or STATUS-REPORT) PDUs to this SIM."""
        pdus = list(pdus)
        disorder = self.faults.get(FaultKind.MULTIPART_DISORDER)
        if disorder and len(pdus) > 1:
            self.rng.shuffle(pdus)
            if disorder["drop"]:
                pdus.pop()
        if FaultKind.DUPLICATE_SMS in self.faults and not report:
            pdus = [p for p in pdus for _ in (0, 1)]
        for p in pdus:
            if self.backlog or not self._can_store():
                self.backlog.append((p, report))
                if self.store.full or FaultKind.SIM_FULL in self.faults:
                    self._announce_memfull()
            else:
                self._incoming(p, report)
        self.net.changed()

    def _incoming(self, pdu: str, report: bool) -> None:
        mode, mt, _bm, ds, _bfr = self.cnmi
        quiet = FaultKind.HANG in self.faults or mode == 0
        if report:
            if ds == 1:
                if not quiet and self.cmgf == 1:
                    self.urc(textmode.render_cds(pdu, cscs=self.cscs))
                elif not quiet:
                    self._send(self._line(f"+CDS: {tpdu_length(pdu)}") + pdu.encode() + self._eol())
                return
            if ds == 0:
                return
        elif mt in (2, 3) and not quiet:
            if self.cmgf == 1:
                head, text = textmode.render_cmt(pdu, csdh=bool(self.csdh), cscs=self.cscs, smsc=self.net.smsc)
                self._send(self._line(head) + text.encode("latin-1", "replace") + self._eol())
                return
            self._send(self._line(f"+CMT: ,{tpdu_length(pdu)}") + pdu.encode() + self._eol())
            return
        index = self.store.add(pdu, report)
        if index is None:
            self.backlog.appendleft((pdu, report))
            return
        if quiet:
            return
        if report and ds == 2:
            self.urc(f'+CDSI: "SM",{index}')
        elif not report and mt == 1:
            self.urc(f'+CMTI: "SM",{index}')

    def _flush_backlog(self) -> None:
        if not self.store.full:
            self._memfull_announced = False
        while self.backlog and self._can_store():
            pdu, report = self.backlog.popleft()
            self._incoming(pdu, report)
            self.net.changed()

    def fill_store(self, sender: str = "+6281100000") -> int:
        """Fill every free slot with a filler SMS (control API); returns how many were added."""
        added = 0
        while not self.store.full:
            for p in pdu_codec.encode_deliver(sender, f"Filler {self.store.used + 1}"):
                if self.store.add(p) is None:
                    break
                added += 1
        self._announce_memfull()
        return added

    # ------------------------------------------------------------------ USSD

    def _cancel_ussd(self) -> None:
        if self._ussd_pending is not None:
            self._ussd_pending.cancel()
            self._ussd_pending = None
        self._close_session()

    def _close_session(self) -> None:
        self._ussd_session = None
        if self._ussd_timer is not None:
            self._ussd_timer.cancel()
            self._ussd_timer = None

    def _shape(self) -> UssdShape:
        forced = self.faults.get(FaultKind.USSD_SHAPE)
        if forced:
            return UssdShape(forced["shape"])
        if self.settings.ussd_shape:
            return UssdShape(self.settings.ussd_shape)
        if self.cscs == "UCS2":
            return UssdShape.UCS2_15
        if self.profile.ussd_packed and self.ussdmode == 1:
            return UssdShape.GSM7_HEX
        return UssdShape.TEXT

    def _decode_request(self, raw: str) -> str | None:
        if self.cscs == "UCS2":
            return decode_ucs2_request(raw)
        if self.profile.ussd_packed and self.ussdmode == 1:
            return decode_packed_request(raw)
        return raw

    async def _dial(self, dial: str) -> list[str]:
        """ATD<string>: a USSD request on a phone that sends `*…#` codes by dialling (the answer comes
        as a +CUSD URC after OK); with a menu open, the dialled digits are the answer to it, as typed
        on the keypad. Anything else is a voice call, which no virtual modem makes."""
        code = dial[:-1] if dial.endswith(";") else dial
        is_code = bool(re.fullmatch(r"[*#][0-9*#]*#", code))
        is_reply = self._ussd_session is not None and bool(re.fullmatch(r"[0-9*#]{1,20}", code))
        if not self.profile.atd_ussd or not dial.endswith(";") or not (is_code or is_reply):
            raise AtError("unsupported")
        await self._ussd(1, code, dial=True)
        return []

    async def _ussd(self, n: int, raw: str, dial: bool = False) -> None:
        """AT+CUSD=1,"<code>": ask the network, print the answer before or after OK."""
        if FaultKind.USSD_MODE_REQUIRED in self.faults and self.ussdmode != 0:
            raise AtError("plain")
        if not self.registered:
            raise AtError("cme", 30)
        if self._ussd_pending is not None and not self._ussd_pending.done():
            raise AtError("cme", 3)
        text = raw if dial else self._decode_request(raw)
        if text is None and self.cscs != "UCS2":
            raise AtError("cme", 100)
        status_fault = self.faults.get(FaultKind.USSD_STATUS)
        silent = FaultKind.USSD_SILENT in self.faults
        late = self.faults.get(FaultKind.LATE_CME)
        executed = True
        if status_fault is not None:
            executed = status_fault["executed"]
        elif silent:
            executed = False
        elif late is not None:
            executed = late["executed"]
        if text is None:  # UCS2 charset but a plain request: the network gets garbage (gammu #150)
            answer = UssdAnswer([CusdEvent(4)], 0.5)
        elif executed:
            answer = self.net.ussd_request(self, text, self._ussd_session)
        else:
            answer = UssdAnswer([], self.net.ussd_delay_for(self))
            self.net.log_ussd(self, text, [], note="not executed (fault)")
        events = list(answer.events)
        if status_fault is not None:
            events = [CusdEvent(int(status_fault["status"]))]
        elif silent:
            events = []
        if FaultKind.USSD_STATUS2 in self.faults:
            events = [CusdEvent(2, e.text, e.dcs) if e.text is not None else e for e in events]
        if FaultKind.USSD_EXTRA_RELEASE in self.faults and events:
            events.insert(0, CusdEvent(2, "Initiating Release", 15))
        delay = answer.delay + (self.faults.get(FaultKind.SLOW) or {}).get("delay", 0.0)
        session = answer.session if events and events[-1].status == 1 else None
        before_ok = FaultKind.CUSD_BEFORE_OK in self.faults or (
            self.profile.cusd_before_ok_rate and self.rng.random() < self.profile.cusd_before_ok_rate)
        show = n == 1
        if late is not None:
            self._ussd_pending = asyncio.get_running_loop().create_task(
                self._later(delay, lambda: self.urc(f"+CME ERROR: {late['code']}")))
            self._close_session()
            return
        if before_ok and not late:
            if delay:
                await asyncio.sleep(delay)
            self.net.flush_state()
            self._show(events, session, show)
            return
        self._ussd_pending = asyncio.get_running_loop().create_task(
            self._later(delay, lambda: self._show(events, session, show)))

    async def _later(self, delay: float, fn: Callable[[], None]) -> None:
        await asyncio.sleep(delay)
        self.net.flush_state()  # a USSD answer tells of a reload done: on disk before it leaves
        fn()
        self._ussd_pending = None

    def _show(self, events: list[CusdEvent], session: MenuSession | None, show: bool) -> None:
        shape = self._shape()
        if shape is UssdShape.TEXT and not self.profile.cusd_dcs:
            shape = UssdShape.TEXT_NO_DCS
        if show and events and FaultKind.HANG not in self.faults:
            self.urc(*(format_cusd(e.status, e.text, e.dcs, shape) for e in events))
        self._close_session()
        if session is not None:
            self._ussd_session = session
            timeout = self.net.session_timeout_for(self)
            self._ussd_timer = asyncio.get_running_loop().call_later(timeout, self._session_expired)

    def _session_expired(self) -> None:
        self._ussd_timer = None
        if self._ussd_session is not None:
            self._ussd_session = None
            self.urc("+CUSD: 2")


# ---------------------------------------------------------------------- extended commands

Handler = Callable[[VirtualModem, str, list[str]], Awaitable[list[str] | None]]
_EXTENDED: dict[str, Handler] = {}


def _cmd(*names: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for n in names:
            _EXTENDED[n] = fn
        return fn
    return register


def _int_arg(args: list[str], i: int, default: int | None = None) -> int:
    try:
        value = unquote(args[i]).strip()
        if value == "" and default is not None:
            return default
        return int(value)
    except (IndexError, ValueError):
        if default is not None and i >= len(args):
            return default
        raise AtError("cme", 4) from None


def _int_setting(m: VirtualModem, op: str, args: list[str], name: str, attr: str, top: int,
                 error: tuple, *, default: int | None = 0) -> list[str]:
    """A setting that is a small integer 0..top: read with `?`, range with `=?`, set with `=n`."""
    if op == "?":
        return [f"{name}: {getattr(m, attr)}"]
    if op == "=?":
        return [f"{name}: (0-{top})"]
    n = _int_arg(args, 0, default)
    if not 0 <= n <= top:
        raise AtError(*error)
    setattr(m, attr, n)
    return []


@_cmd("+CMEE")
async def _cmee(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    return _int_setting(m, op, args, "+CMEE", "cmee", 2, ("cme", 4))


@_cmd("+CPIN")
async def _cpin(m: VirtualModem, op: str, args: list[str]) -> list[str] | None:
    if op == "?":
        if m.profile.cpin_no_ok:  # Wavecom: the answer line, and no final result code after it
            m.net.flush_state()
            m._send(m._line("+CPIN: READY" if m.pin_ok else "+CPIN: SIM PIN"))
            return None
        return ["+CPIN: READY" if m.pin_ok else "+CPIN: SIM PIN"]
    if op == "=?":
        return []
    if op == "=" and args:
        if m.pin_ok:
            raise AtError("cme", 3)
        if unquote(args[0]) != m.settings.sim_pin:
            raise AtError("cme", 16)
        m.pin_ok = True
        return []
    raise AtError("cme", 4)


@_cmd("+CFUN")
async def _cfun(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if op == "?":
        return [f"+CFUN: {m.cfun}"]
    if op == "=?":
        return ["+CFUN: (0,1,4),(0-1)"]
    fun = _int_arg(args, 0)
    rst = _int_arg(args, 1, 0) if len(args) > 1 else 0
    if fun not in (0, 1, 4) or rst not in (0, 1):
        raise AtError("cme", 4)
    if rst == 1:
        m._respond([], "OK")
        # the OK must reach the line before the device goes away
        asyncio.get_running_loop().call_later(0.05, m.reset)
        return None
    m.cfun = fun
    if fun == 1:
        m._flush_backlog()
    return []


def _ident(value: Callable[[VirtualModem], str], name: str = "") -> Handler:
    async def handler(m: VirtualModem, op: str, args: list[str]) -> list[str]:
        if op == "=?":
            return []
        if op:
            raise AtError("cme", 4)
        fmt = m.profile.ident_format.get(name)
        return [fmt.format(value=value(m)) if fmt else value(m)]
    return handler


_EXTENDED["+CGMI"] = _EXTENDED["+GMI"] = _ident(lambda m: m.profile.manufacturer, "+CGMI")
_EXTENDED["+CGMM"] = _EXTENDED["+GMM"] = _ident(lambda m: m.profile.model, "+CGMM")
_EXTENDED["+CGMR"] = _EXTENDED["+GMR"] = _ident(lambda m: m.profile.revision, "+CGMR")
_EXTENDED["+CGSN"] = _EXTENDED["+GSN"] = _ident(lambda m: m.imei)
_EXTENDED["+GCAP"] = _ident(lambda m: "+GCAP: +CGSM,+DS,+ES")


@_cmd("+CIMI")
async def _cimi(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if not m.pin_ok:
        raise AtError("cme", 11)
    return [] if op == "=?" else [m.imsi]


@_cmd("+CRSM")
async def _crsm(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if op == "=?":
        return []
    if op != "=" or not args:
        raise AtError("cme", 4)
    if _int_arg(args, 0) == 176 and len(args) > 1 and _int_arg(args, 1) == 12258:
        return [f'+CRSM: 144,0,"{m.iccid_swapped}"']
    return ["+CRSM: 106,130"]


@_cmd("+CSQ")
async def _csq(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if op == "=?":
        return ["+CSQ: (0-31,99),(0-7,99)"]
    return [f"+CSQ: {m.settings.csq if m.registered else 99},99"]


@_cmd("+CREG", "+CGREG")
async def _creg(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if op == "?":
        return [f"+CREG: {m.creg_n},{1 if m.registered else 0}"]
    if op == "=?":
        return ["+CREG: (0-2)"]
    n = _int_arg(args, 0, 0)
    if n not in (0, 1, 2):
        raise AtError("cme", 4)
    m.creg_n = n
    return []


@_cmd("+COPS")
async def _cops(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    from .operators import SPECS

    spec = SPECS[m.operator]
    if op == "?":
        if not m.registered:
            return ["+COPS: 0"]
        name = spec.mcc_mnc if m.cops_format == 2 else (spec.id if m.cops_format == 1 else spec.cops_name)
        return [f'+COPS: 0,{m.cops_format},"{name}",2']
    if op == "=?":
        return [f'+COPS: (2,"{spec.cops_name}","{spec.id}","{spec.mcc_mnc}",2),,(0-4),(0-2)']
    if op == "=":
        mode = _int_arg(args, 0, 0)
        if mode == 3:
            fmt = _int_arg(args, 1, 0)
            if fmt not in (0, 1, 2):
                raise AtError("cme", 4)
            m.cops_format = fmt
        return []
    raise AtError("cme", 4)


@_cmd("+CMGF")
async def _cmgf(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if op == "?":
        return [f"+CMGF: {m.cmgf}"]
    if op == "=?":
        return ["+CMGF: (" + ",".join(str(v) for v in m.profile.sms_modes) + ")"]
    mode = _int_arg(args, 0, 0)
    if mode not in m.profile.sms_modes:
        raise AtError(*m.profile.cmgf_error)  # generic: PDU mode only; a phone: text mode only
    m.cmgf = mode
    return []


@_cmd("+CSDH")
async def _csdh(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if not m.profile.csdh:
        raise AtError("unsupported")
    return _int_setting(m, op, args, "+CSDH", "csdh", 1, ("cms", 303))


@_cmd("+CSMP")
async def _csmp(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    """Text-mode parameters <fo>,<vp>,<pid>,<dcs>: <dcs> decides how a typed text is read."""
    if op == "?":
        return ["+CSMP: " + ",".join(str(v) for v in m.csmp)]
    if op == "=?":
        return []
    values = list(m.csmp)
    for i, arg in enumerate(args[:4]):
        if arg.strip() == "":
            continue
        v = _int_arg(args, i)
        if not 0 <= v <= 255:
            raise AtError("cms", 305)
        values[i] = v
    m.csmp = tuple(values)
    return []


@_cmd("+CSCS")
async def _cscs(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if op == "?":
        return [f'+CSCS: "{m.cscs}"']
    if op == "=?":
        return ["+CSCS: (" + ",".join(f'"{c}"' for c in m.profile.charsets) + ")"]
    cs = unquote(args[0]).upper() if args else ""
    if cs not in m.profile.charsets:
        raise AtError("cme", 4)
    m.cscs = cs
    return []


@_cmd("+CNMI")
async def _cnmi(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if op == "?":
        return ["+CNMI: " + ",".join(str(v) for v in m.cnmi)]
    if op == "=?":
        return ["+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)"]
    values = list(m.cnmi)
    limits = (2, 3, 2, 2, 1)
    for i, arg in enumerate(args[:5]):
        if arg == "":
            continue
        v = _int_arg(args, i)
        if not 0 <= v <= limits[i] or (i == 1 and v not in m.profile.cnmi_mt):
            raise AtError("cms", 303)
        values[i] = v
    m.cnmi = tuple(values)
    return []


@_cmd("+CPMS")
async def _cpms(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    m._need_sms()
    s = m.store
    if op == "=?":
        return ['+CPMS: ("SM"),("SM"),("SM")']
    if op == "?":
        return [f'+CPMS: "SM",{s.used},{s.capacity},"SM",{s.used},{s.capacity},"SM",{s.used},{s.capacity}']
    if op == "=" and args and all(unquote(a).upper() == "SM" for a in args[:3]):
        return [f"+CPMS: {s.used},{s.capacity},{s.used},{s.capacity},{s.used},{s.capacity}"]
    raise AtError("cms", 302)


def _pdu_length(m: VirtualModem, op: str, args: list[str]) -> int:
    """The TPDU length of AT+CMGS=<n> / AT+CMGW=<n>, checked."""
    m._need_sms()
    if op != "=" or not args:
        raise AtError("cms", 304)
    length = _int_arg(args, 0)
    if not 7 <= length <= 176:
        raise AtError("cms", 304)
    return length


def _prompt(m: VirtualModem, length: int, writing: bool) -> None:
    m._cmgs_len = length
    m._writing = writing
    m._send(b"\r\n> ")


@_cmd("+CMGS")
async def _cmgs(m: VirtualModem, op: str, args: list[str]) -> list[str] | None:
    if op == "=?":
        return []
    if m.cmgf == 1:
        return _text_prompt(m, op, args, writing=False)
    length = _pdu_length(m, op, args)
    if not m.registered:
        raise AtError("cms", 331)
    _prompt(m, length, writing=False)
    return None


def _text_prompt(m: VirtualModem, op: str, args: list[str], writing: bool) -> None:
    """Text mode: AT+CMGS="<da>"[,<toda>] / AT+CMGW="<da>"[,<toda>[,<stat>]]: the prompt for the text."""
    m._need_sms()
    if op != "=" or not args or not args[0].startswith('"'):
        raise AtError("cms", 305)
    if not writing and not m.registered:
        raise AtError("cms", 331)
    m._text_da = unquote(args[0])
    _prompt(m, 0, writing)
    return None


@_cmd("+CMGW")
async def _cmgw(m: VirtualModem, op: str, args: list[str]) -> list[str] | None:
    if op == "=?":
        return []
    if m.cmgf == 1:
        return _text_prompt(m, op, args, writing=True)
    length = _pdu_length(m, op, args)
    if len(args) > 1 and _int_arg(args, 1) not in (STO_UNSENT, STO_SENT):
        raise AtError("cms", 302)
    _prompt(m, length, writing=True)
    return None


@_cmd("+CMSS")
async def _cmss(m: VirtualModem, op: str, args: list[str]) -> list[str] | None:
    if op == "=?":
        return []
    m._need_sms()
    if op != "=" or not args:
        raise AtError("cms", 304)
    index = _int_arg(args, 0)
    if not m.store.valid_index(index):
        raise AtError("cms", 321)
    await m.send_stored(index)
    return None


@_cmd("+CMGR")
async def _cmgr(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if op == "=?":
        return []
    m._need_sms()
    index = _int_arg(args, 0)
    msg = m.store.get(index)
    if msg is None:
        raise AtError("cms", 321)
    stat = msg.stat
    if msg.stat == REC_UNREAD:
        msg.stat = REC_READ
        m.net.changed()
    if m.cmgf == 1:
        shown = StoredMessage(msg.index, stat, msg.pdu, msg.length, msg.report)
        return textmode.render_stored(shown, csdh=bool(m.csdh), cscs=m.cscs, smsc=m.net.smsc)
    return [f"+CMGR: {stat},,{msg.length}", msg.pdu]


@_cmd("+CMGL")
async def _cmgl(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    text = m.cmgf == 1
    if op == "=?":
        return ['+CMGL: ("REC UNREAD","REC READ","STO UNSENT","STO SENT","ALL")'] if text else ["+CMGL: (0-4)"]
    m._need_sms()
    if text:
        wanted = unquote(args[0]).upper() if op == "=" and args else "REC UNREAD"
        if wanted not in textmode.TEXT_STAT:
            raise AtError("cms", 305)
        stat = textmode.TEXT_STAT[wanted]
    else:
        stat = _int_arg(args, 0, 0) if op == "=" else 0
    if not 0 <= stat <= 4:
        raise AtError("cms", 302)
    out: list[str] = []
    for msg in m.store.listing(stat):
        if text:
            out += textmode.render_stored(msg, csdh=bool(m.csdh), cscs=m.cscs, smsc=m.net.smsc, index=msg.index)
        else:
            out += [f"+CMGL: {msg.index},{msg.stat},,{msg.length}", msg.pdu]
        if msg.stat == REC_UNREAD:
            msg.stat = REC_READ
            m.net.changed()
    return out


@_cmd("+CMGD")
async def _cmgd(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if op == "=?":
        return [f"+CMGD: ({m.store.first_index}-{m.store.first_index + m.store.capacity - 1}),(0-4)"]
    m._need_sms()
    index = _int_arg(args, 0)
    if len(args) > 1 and m.profile.cmgd_single:
        raise AtError("plain")  # Siemens MC35/TC35: one index, no <delflag>
    flag = _int_arg(args, 1, 0) if len(args) > 1 else 0
    if not 0 <= flag <= 4:
        raise AtError("cms", 302)
    m.net.changed()
    if flag:
        m.store.delete_by_flag(flag)
    elif not m.store.valid_index(index):
        raise AtError("cms", 321)
    else:
        m.store.delete(index)
    asyncio.get_running_loop().call_soon(m._flush_backlog)  # URCs after the OK
    return []


@_cmd("+CMMS")
async def _cmms(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    return _int_setting(m, op, args, "+CMMS", "cmms", 2, ("cms", 302))


@_cmd("+CSCA")
async def _csca(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if op == "?":
        return [f'+CSCA: "{m.net.smsc}",145']
    return []


@_cmd("+CSMS")
async def _csms(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if op == "?":
        return ["+CSMS: 0,1,1,1"]
    if op == "=?":
        return ["+CSMS: (0,1)"]
    return ["+CSMS: 1,1,1"]


@_cmd("+CNMA")
async def _ok(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    return []


@_cmd("+CLAC")
async def _clac(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    return clac_list(m.profile)


@_cmd("+CUSD")
async def _cusd(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if not m.profile.cusd:
        raise AtError("unsupported")  # a phone without +CUSD: USSD by ATD*…#;
    if op == "?":
        return [f"+CUSD: {m.cusd_n}"]
    if op == "=?":
        return ["+CUSD: (0-2)"]
    if op == "":
        return []
    n = _int_arg(args, 0, 0)
    if n not in (0, 1, 2):
        raise AtError("cme", 4)
    if n == 2:
        m._cancel_ussd()
        return []
    m.cusd_n = n
    if len(args) >= 2:
        await m._ussd(n, unquote(args[1]))
    return []


@_cmd("^CURC")
async def _curc(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if not m.profile.urc_noise:
        raise AtError("unsupported")
    return _int_setting(m, op, args, "^CURC", "curc", 1, ("cme", 4), default=None)


@_cmd("^USSDMODE")
async def _ussdmode(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if not m.profile.supports_ussdmode:
        raise AtError("unsupported")
    return _int_setting(m, op, args, "^USSDMODE", "ussdmode", 1, ("cme", 4), default=None)


@_cmd("^SYSINFO")
async def _sysinfo(m: VirtualModem, op: str, args: list[str]) -> list[str]:
    if not m.profile.urc_noise:
        raise AtError("unsupported")
    return [f"^SYSINFO: {2 if m.registered else 0},3,0,5,1,,4"]


def _vendor_setting(name: str) -> Handler:
    """ZTE AT+ZOPRT/AT+ZCDRUN (Gammu F_ZTE_INIT) and Wavecom AT+WIND: accepted by their families only."""
    async def handler(m: VirtualModem, op: str, args: list[str]) -> list[str]:
        if "AT" + name not in m.profile.extra_commands:
            raise AtError("unsupported")
        return []
    return handler


for _name in ("+ZOPRT", "+ZCDRUN", "+WIND"):
    _EXTENDED[_name] = _vendor_setting(_name)
