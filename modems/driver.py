"""Blocking modem driver: one ``Modem`` per port, used by the worker thread, the CLI and benchmarks.

Everything here runs in the thread that owns the port. Unsolicited work (``+CMTI``, ``+CDSI``,
``+CUSD`` outside a request, boot banners) is recorded by the URC handler and carried out by
``service()``, which the owner calls between operations (``poll()`` does both).
"""
from __future__ import annotations

import hashlib
import logging
import queue
import random
import re
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

import serial

from modems import charsets, pdu, ports, textmode, ussd
from modems.at import (
    Aborted,
    AtEngine,
    AtError,
    AtTimeout,
    CmeError,
    CmsError,
    Command,
    CommandError,
    NotSupportedError,
    PlainError,
    PortError,
    Response,
    Urc,
    mask,
)
from modems.types import (
    CheckInbox,
    CheckStored,
    DeleteStored,
    DeliveryReport,
    EventCallback,
    GetInfo,
    GetSignal,
    GetStatus,
    InboundSms,
    ListStored,
    ModemEvent,
    ModemInfo,
    ModemState,
    ModemStatus,
    Op,
    RawAt,
    RawAtResult,
    Reconnect,
    Registration,
    Reset,
    SendSms,
    SendStored,
    SentPart,
    SignalChanged,
    SignalInfo,
    SmsReceived,
    SmsSendResult,
    StateChanged,
    StatusReportReceived,
    StorageInfo,
    StorageWarning,
    StoredSms,
    StoredState,
    StoreSms,
    Ussd,
    UssdCancel,
    UssdNotification,
    UssdOutcome,
    UssdReply,
    UssdResult,
)

log = logging.getLogger(__name__)


class ModemUnavailable(AtError):
    """The modem is offline (port lost, recovering); the operation was not attempted."""


class SimError(AtError):
    """SIM missing, failed, or locked without a usable PIN."""


# ---------------------------------------------------------------------------------------------
# Configuration and model profiles
# ---------------------------------------------------------------------------------------------


@dataclass
class ModemConfig:
    baudrate: int = 115200
    rtscts: bool = False
    dsrdtr: bool = False
    xonxoff: bool = False
    read_timeout: float = 0.05
    write_timeout: float = 5.0
    exclusive: bool | None = None  # None: on for device paths on POSIX, off for URLs
    pin: str | None = None  # chip PIN; never logged
    run_atz: bool = True
    cpms: str | None = None  # memory for mem1..3, None: "SM" if offered
    cnmi: tuple[str, ...] = ("2,1,0,2,0", "2,1,0,1,0")
    smsc: str | None = None
    ussd_mode: str = "auto"  # auto | text | gsm7-hex | ucs2-hex | 8bit-hex
    ussd_packed: bool | None = None  # None: per profile (Huawei packs)
    ussd_timeout: float = 30.0
    ussd_release_grace: float = 2.0
    command_gap: float = 0.0
    init_timeout: float = 10.0
    settle_time: float = 0.3  # after the first answer at connect, swallow late residue this long
    probe_timeout: float = 2.0
    multipart_timeout: float = 600.0
    sweep_interval: float = 30.0
    liveness_idle: float = 10.0
    health_interval: float = 60.0
    confirm_timeout: float = 300.0  # an unconfirmed SMS is offered again after this
    storage_warn_percent: float = 80.0
    concat_ref_start: int | None = None  # persisted by the owner; random when None
    reset_wait: float = 60.0
    max_backoff: float = 30.0
    hangup_calls: bool = False
    sms_mode: str = "auto"  # auto (PDU, text when the modem refuses PDU) | pdu | text
    charset: str | None = None  # text mode: AT+CSCS to keep; None: UCS2, else IRA, else GSM (what it offers)
    ussd_dial: bool | None = None  # USSD by ATD<code>; instead of AT+CUSD; None: when AT+CUSD is missing
    jitter: bool = True  # spread sweeps and health polls of many modems over their interval


@dataclass(frozen=True)
class Profile:
    name: str
    ussd_packed: bool = False
    iccid_commands: tuple[str, ...] = ("AT+CCID", "AT+QCCID", "AT^ICCID?", "AT+ICCID", "AT+CICCID")
    vendor_init: tuple[str, ...] = ()
    cpms_no_ok: bool = False
    text_mode: bool = False  # go straight to text mode (Gammu F_USE_SMSTEXTMODE phones)


PROFILES: dict[str, Profile] = {
    "generic": Profile("generic"),
    "huawei": Profile(
        "huawei",
        ussd_packed=True,
        iccid_commands=("AT^ICCID?", "AT+CCID", "AT+ICCID"),
        vendor_init=("AT^CURC=0", "AT^USSDMODE=0"),
    ),
    "simcom": Profile("simcom", iccid_commands=("AT+CCID", "AT+CICCID", "AT+ICCID")),
    "quectel": Profile("quectel", iccid_commands=("AT+QCCID", "AT+CCID")),
    # docs/devices.md: the families, their quirks and where each is documented
    "wavecom": Profile("wavecom", iccid_commands=("AT+CCID",)),
    "cinterion": Profile("cinterion", iccid_commands=("AT^SCID", "AT+CCID")),
    "zte": Profile("zte", iccid_commands=("AT+ZGETICCID", "AT+CCID"), vendor_init=("AT+ZCDRUN=8", "AT+ZOPRT=5")),
    "phone": Profile("phone", iccid_commands=()),  # handsets: no ICCID command, AT+CRSM only
}


def choose_profile(manufacturer: str, model: str) -> Profile:
    m = f"{manufacturer} {model}".lower()
    if "huawei" in m:
        return PROFILES["huawei"]
    if "simcom" in m or model.upper().startswith("SIM"):
        return PROFILES["simcom"]
    if "quectel" in m:
        return PROFILES["quectel"]
    if "wavecom" in m or "multiband" in m or "sierra" in m:
        return PROFILES["wavecom"]
    if "siemens" in m or "cinterion" in m:
        return PROFILES["cinterion"]
    if "zte" in m:
        return PROFILES["zte"]
    if any(w in m for w in ("nokia", "ericsson", "motorola", "samsung")):
        return PROFILES["phone"]
    return PROFILES["generic"]


# ---------------------------------------------------------------------------------------------
# Small parsers
# ---------------------------------------------------------------------------------------------


def _strip_prefix(line: str) -> str:
    line = line.strip()
    m = re.match(r"^[+^]?[A-Za-z]+:\s*", line)
    if m and not line[: m.end()].strip(": ").isdigit():
        line = line[m.end():]
    return line.strip().strip('"').strip()


def parse_digits(line: str, low: int, high: int) -> str:
    m = re.search(r"\d{%d,%d}" % (low, high), _strip_prefix(line))
    return m.group(0) if m else ""


def normalise_iccid(value: str) -> str:
    """Strip prefix/quotes, swap nibbles of a raw EF_ICCID (``98…``), drop trailing F."""
    s = re.sub(r"[^0-9A-Fa-f]", "", _strip_prefix(value)).upper()
    if s.startswith("98"):
        s = "".join(s[i + 1] + s[i] for i in range(0, len(s) - 1, 2))
    s = s.rstrip("F")
    if not s.isdigit() or not 18 <= len(s) <= 22:
        return ""
    if not s.startswith("89"):
        log.info("ICCID %s does not start with 89", s)
    return s


def parse_csv(text: str) -> list[str]:
    """Split an AT parameter list on commas outside quotes; unquote each field."""
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
    return [f.strip('"') for f in out]


def default_ussd_secrets(code: str) -> tuple[str, ...]:
    """Guess the PIN in a reload code (``*777*dest*nom*PIN#``): the last field of a code with
    four or more fields, when it is 4–8 digits. Only a safety net for logs."""
    fields = code.strip().rstrip("#").split("*")[1:]
    if len(fields) >= 4 and re.fullmatch(r"\d{4,8}", fields[-1]):
        return (fields[-1],)
    return ()


def open_port(port_url: str, config: ModemConfig) -> serial.SerialBase:
    """Open a port of any kind with the settings it accepts (modems/ports.py); `PortOpenError` if not."""
    return ports.open_port(port_url, config)


close_port = ports.close_port


# ---------------------------------------------------------------------------------------------
# Internal records
# ---------------------------------------------------------------------------------------------

Loc = tuple[str, int]  # (memory, index) of a stored message


@dataclass
class _Partial:
    first_seen: float
    total: int
    ref: int
    sender: str
    parts: dict[int, tuple[pdu.SmsDeliver, str, str]] = field(default_factory=dict)  # seq -> (sms, hex, key)
    locs: list[Loc] = field(default_factory=list)


@dataclass(frozen=True)
class _TextSms:
    """One text-mode message to send (text mode has no concatenation: a long text is several SMS)."""

    text: str
    ucs2: bool
    report: bool


@dataclass
class _UssdSession:
    started: float
    lines: list[ussd.CusdLine] = field(default_factory=list)
    late_error: str | None = None
    grace_until: float | None = None

    def settled(self, now: float) -> bool:
        if self.late_error is not None:
            return True
        if not self.lines:
            return False
        if self.lines[-1].status in (2, 3):
            return self.grace_until is not None and now >= self.grace_until
        return True


# ---------------------------------------------------------------------------------------------
# The modem
# ---------------------------------------------------------------------------------------------


class Modem:
    """One GSM modem on one port. Blocking; every method must be called from one thread.

    ``on_event`` receives ``ModemEvent``s (``SmsReceived``, ``StatusReportReceived``,
    ``UssdNotification``, ``SignalChanged``, ``StateChanged``, ``StorageWarning``, ``ErrorEvent``)
    in the calling thread. ``resolver(info)`` may return a new port URL for a modem that came
    back elsewhere after an unplug or reset (discovery by IMEI).
    """

    def __init__(
        self,
        port_url: str,
        config: ModemConfig | None = None,
        *,
        modem_id: str | None = None,
        on_event: EventCallback | None = None,
        resolver: Callable[[ModemInfo], str | None] | None = None,
        abort: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.port_url = port_url
        self.config = config or ModemConfig()
        self.modem_id = modem_id or port_url
        self.on_event = on_event
        self.resolver = resolver
        self.abort = abort or threading.Event()
        self.clock = clock
        self.profile: Profile = PROFILES["generic"]
        self.info = ModemInfo(port_url=port_url)
        self.state = ModemState.OFFLINE
        self.signal: SignalInfo | None = None
        self.operator = ""
        self.registration = Registration.UNKNOWN
        self.storage: StorageInfo | None = None
        self.ussd_learned: str | None = None  # "text" | "hex" once auto mode has settled
        self.consecutive_failures = 0
        self._port: serial.SerialBase | None = None
        self._at: AtEngine | None = None
        self._concat_ref = (
            self.config.concat_ref_start if self.config.concat_ref_start is not None else random.randrange(256)
        ) & 0xFF
        self._read_mem = "SM"
        self._primary_mem = "SM"
        self._mems_ok: set[str] = set()
        self._to_read: deque[tuple[str, str, int]] = deque()  # (kind, mem, idx)
        self._in_hand: dict[Loc, float] = {}  # handed up / in reassembly: skip in sweeps until
        self._confirmed: queue.SimpleQueue[tuple[tuple[Loc, ...], tuple[str, ...]]] = queue.SimpleQueue()
        self._recent_keys: OrderedDict[str, None] = OrderedDict()
        self._partials: dict[tuple[str, str, int, int], _Partial] = {}
        self._session: _UssdSession | None = None
        self._session_open = False
        self._ussd_text_mode = False
        self._text_mode = False  # AT+CMGF=1 (the modem refused PDU mode, or was told to)
        self._cscs = "GSM"  # the TE character set left set on the modem
        self._csdh = False  # text-mode headers carry <dcs> (AT+CSDH=1 accepted)
        self._csmp: tuple[int, int] | None = None  # (<fo>, <dcs>) last set by AT+CSMP
        self._ussd_dial = False  # USSD by ATD<code>; (no AT+CUSD)
        self._direct: list[tuple[str, str | textmode.TextEntry]] = []  # (kind, pdu or text) from +CMT / +CDS
        self._cusd_idle: list[str] = []
        self._need_init = False
        self._sweep_due = False
        self._next_sweep = 0.0
        self._next_health = 0.0
        self._recovery_step = 0
        self._next_recovery = 0.0
        self._silent = False  # the last reopen found the port but no answer (a soft reset may help)
        self._reset_deadline: float | None = None

    # -- events --------------------------------------------------------------------------

    def _emit(self, event: ModemEvent) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(event)
        except Exception:
            log.exception("%s: event callback failed on %s", self.modem_id, type(event).__name__)

    def _set_state(self, state: ModemState, reason: str = "") -> None:
        if state != self.state:
            log.info("%s: %s -> %s %s", self.modem_id, self.state.value, state.value, reason)
            self.state = state
            self._emit(StateChanged(self.modem_id, state, reason))

    # -- open / close --------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._at is not None

    def open(self) -> ModemInfo:
        """Open the port and run the init sequence. Raises AtError/SimError on failure."""
        self._set_state(ModemState.CONNECTING)
        try:
            self._open_port()
            info = self._init()
        except SimError as exc:
            self._set_state(ModemState.SIM_ERROR, str(exc))
            self._close_port()
            raise
        except Exception as exc:
            self._close_port()
            self._set_state(ModemState.OFFLINE, str(exc))
            raise
        self.consecutive_failures = 0
        self._recovery_step = 0
        self._set_state(ModemState.ONLINE)
        return info

    def close(self) -> None:
        self._close_port()
        self._set_state(ModemState.STOPPED)

    def __enter__(self) -> "Modem":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open_port(self) -> None:
        self._close_port()
        try:
            self._port = open_port(self.port_url, self.config)
        except (serial.SerialException, OSError, ValueError, NotImplementedError) as exc:
            raise ports.open_error(self.port_url, exc) from exc
        self._at = AtEngine(
            self._port, self._on_urc, clock=self.clock, abort=self.abort, name=self.modem_id,
            command_gap=self.config.command_gap,
        )

    def _close_port(self) -> None:
        port, self._port, self._at = self._port, None, None
        if port is not None:
            try:
                close_port(port)
            except Exception:
                log.debug("%s: close failed", self.modem_id, exc_info=True)

    @property
    def at(self) -> AtEngine:
        if self._at is None:
            raise ModemUnavailable(f"{self.modem_id}: port not open")
        return self._at

    # -- command helpers -----------------------------------------------------------------

    def _cmd(self, text: str, **kw: Any) -> Response:
        return self.at.run(Command(text, **kw))

    def _opt(self, text: str, **kw: Any) -> Response | None:
        """Optional command: ERROR / COMMAND NOT SUPPORT / timeout just mean 'not here'."""
        try:
            return self._cmd(text, **kw)
        except CommandError as exc:
            log.debug("%s: optional %s -> %s", self.modem_id, text, exc.final)
        except AtTimeout as exc:
            if not exc.resynced:
                raise
        return None

    def _busy_retry(self, cmd: Command, tries: int = 5) -> Response:
        """SIM busy (CME 14, CMS 314) and device busy (CME 515): back off and retry."""
        for attempt in range(tries):
            try:
                return self.at.run(replace(cmd))
            except (CmeError, CmsError) as exc:
                busy = (isinstance(exc, CmeError) and exc.code in (14, 515)) or (
                    isinstance(exc, CmsError) and exc.code in (314, 515)
                )
                if not busy or attempt == tries - 1:
                    raise
                log.info("%s: busy (%s), retrying", self.modem_id, exc.final)
                self.at.wait(lambda: False, 1.0 + 0.5 * attempt)
        raise AssertionError("unreachable")

    # -- init (modems.md section 4) ------------------------------------------------------

    def _init(self) -> ModemInfo:
        at = self.at
        at.escape()
        deadline = self.clock() + self.config.init_timeout
        while True:
            try:
                self._cmd("AT", timeout=1.0, resync_on_timeout=False)
                break
            except CommandError:
                break  # it answers; ERROR to a bare AT is odd but alive
            except AtTimeout:
                if self.clock() >= deadline:
                    raise
                at.escape()
        self._settle()
        if self.config.run_atz:
            self._opt("ATZ")
        self._opt("ATE0")
        if self._opt("AT+CMEE=1") is None:
            self._opt("AT+CMEE=2")
        self._check_pin()
        cfun = self._opt("AT+CFUN?", expect=("+CFUN:",))
        if cfun is not None and (cfun.first("+CFUN:") or "1").split(",")[0].strip() != "1":
            self._opt("AT+CFUN=1", timeout=15.0)
        self.info = self._read_identity(self.config.probe_timeout * 2.5)
        self._ussd_text_mode = False
        for step in self.profile.vendor_init:
            ok = self._opt(step) is not None
            if step == "AT^USSDMODE=0" and ok:
                self._ussd_text_mode = True  # the modem now packs/unpacks USSD itself
        self._setup_sms_mode()
        self._setup_ussd()
        self._setup_storage()
        for cnmi in self.config.cnmi:
            if self._opt(f"AT+CNMI={cnmi}") is not None:
                break
        self._check_smsc()
        self._opt("AT+COPS=3,0")
        self._refresh_health(emit=False)
        self._need_init = False
        self._sweep_due = True
        self._next_health = self.clock() + self.config.health_interval * self._spread(0.5, 1.0)
        return self.info

    def _spread(self, low: float, high: float) -> float:
        """A random factor for the next periodic poll, so that a pool of modems opened together does not
        sweep and poll in step (64 AT+CMGL at the same instant every 30 s)."""
        return random.uniform(low, high) if self.config.jitter else 1.0

    def _setup_sms_mode(self) -> None:
        """PDU mode; text mode when the modem refuses it or is configured so. Gammu's order: PDU first,
        then text with AT+CSDH=1 (libgammu/phone/at/at-sms.c ATGEN_GetSMSMode). In text mode the modem
        keeps AT+CSCS="UCS2" when it offers it (every body then arrives as hex: lossless, and never
        mistaken for a result code or a notification), else "IRA", else "GSM"."""
        mode = self.config.sms_mode
        text = mode == "text" or (mode == "auto" and self.profile.text_mode)
        if not text:
            try:
                self._busy_retry(Command("AT+CMGF=0"))
            except CommandError as exc:
                if mode == "pdu":
                    raise
                log.info("%s: PDU mode refused (%s): text mode", self.modem_id, exc.final)
                text = True
        csdh = False
        if text:
            self._busy_retry(Command("AT+CMGF=1"))
            csdh = self._opt("AT+CSDH=1") is not None
        self._text_mode, self._csdh, self._csmp = text, csdh, None
        self.at.text_mode = text
        if not text:
            self._opt('AT+CSCS="GSM"')
            self._cscs = "GSM"
            return
        r = self._opt("AT+CSCS=?", expect=("+CSCS:",))
        offered = [c.upper() for c in re.findall(r'"([^"]+)"', r.first("+CSCS:") or "")] if r else []
        wanted = [self.config.charset.upper()] if self.config.charset else []
        wanted += [c for c in ("UCS2", "IRA", "GSM") if c not in wanted]
        for cs in [c for c in wanted if not offered or c in offered] + ["GSM"]:
            if self._opt(f'AT+CSCS="{cs}"') is not None:
                self._cscs = cs
                return
        self._cscs = offered[0] if offered else "GSM"

    def _setup_ussd(self) -> None:
        """USSD by AT+CUSD, or by dialling (ATD<code>;) when the modem has no AT+CUSD (old phones; the
        RAB Linux handler's `ussd_use_atd`)."""
        dial = self.config.ussd_dial
        if dial is None:
            dial = self._opt("AT+CUSD=?", expect=("+CUSD:",)) is None
        self._ussd_dial = dial

    def _settle(self) -> None:
        """Residual OK/ERROR from an earlier session may still trickle in just after the port
        opens (modems.md 4, step 2); read and drop it before the first command whose answer
        matters, or a stale ERROR would fail that command."""
        if self.config.settle_time > 0:
            self.at.drain(quiet=self.config.settle_time)

    def _check_pin(self) -> None:
        tried_pin = False
        for _ in range(6):
            try:
                resp = self._busy_retry(
                    Command("AT+CPIN?", expect=("+CPIN:",), timeout=10.0,
                            complete_when=lambda lines: any(ln.startswith("+CPIN:") for ln in lines))
                )
            except CmeError as exc:
                if exc.code in (10, 13, 15):
                    raise SimError(f"SIM problem: {exc.final}") from exc
                if exc.code in (11, 12) or exc.code is None:
                    return self._enter_pin(tried_pin) if exc.code == 11 else self._sim_fail(exc.final)
                raise
            state = (resp.first("+CPIN:") or "").upper()
            if state.startswith("READY") or not state:
                return
            if state.startswith("SIM PIN"):
                if tried_pin:
                    raise SimError("SIM PIN rejected")
                self._enter_pin(tried_pin)
                tried_pin = True
                continue
            raise SimError(f"SIM needs {state}")
        raise SimError("SIM never became ready")

    def _sim_fail(self, why: str) -> None:
        raise SimError(why)

    def _enter_pin(self, tried: bool) -> None:
        pin = self.config.pin
        if not pin or tried:
            raise SimError("SIM PIN required and no usable PIN configured")
        self._cmd(f'AT+CPIN="{pin}"', timeout=10.0, secrets=(pin,))
        self.at.wait(lambda: False, 1.0)  # SIMs answer CME 14 right after PIN entry otherwise

    def identify(self, timeout: float | None = None) -> ModemInfo:
        """Probe only: open, wake, read identity, close. For discovery (2 s per command)."""
        per = timeout or self.config.probe_timeout
        self._open_port()
        try:
            self.at.escape()
            for attempt in range(2):
                try:
                    self._cmd("AT", timeout=per, resync_on_timeout=False)
                    break
                except CommandError:
                    break
                except AtTimeout:
                    if attempt:
                        raise
            self._settle()
            self._opt("ATE0", timeout=per)
            self.info = self._read_identity(per)
            return self.info
        finally:
            self._close_port()

    def _read_identity(self, per_command: float) -> ModemInfo:
        def bare(cmd: str) -> str:
            r = self._opt(cmd, bare=True, timeout=per_command)
            return _strip_prefix(r.lines[0]) if r and r.lines else ""

        manufacturer, model, revision = bare("AT+CGMI"), bare("AT+CGMM"), bare("AT+CGMR")
        self.profile = choose_profile(manufacturer, model)
        r = self._opt("AT+CGSN", bare=True, timeout=per_command)
        imei = next((d for d in (parse_digits(ln, 14, 17) for ln in (r.lines if r else [])) if d), "")
        r = self._opt("AT+CIMI", bare=True, timeout=per_command)
        imsi = next((d for d in (parse_digits(ln, 6, 15) for ln in (r.lines if r else [])) if d), "")
        return ModemInfo(
            port_url=self.port_url, manufacturer=manufacturer, model=model, revision=revision,
            imei=imei, imsi=imsi, iccid=self._read_iccid(per_command), profile=self.profile.name,
        )

    def _read_iccid(self, timeout: float) -> str:
        for cmd in self.profile.iccid_commands:
            r = self._opt(cmd, bare=True, timeout=timeout)
            for ln in r.lines if r else []:
                iccid = normalise_iccid(ln)
                if iccid:
                    return iccid
        r = self._opt("AT+CRSM=176,12258,0,0,10", expect=("+CRSM:",), timeout=timeout)
        if r is not None and r.first("+CRSM:"):
            fields = parse_csv(r.first("+CRSM:") or "")
            if len(fields) >= 3 and fields[0] == "144":
                raw = fields[2].upper()
                swapped = "".join(raw[i + 1] + raw[i] for i in range(0, len(raw) - 1, 2))
                return normalise_iccid(swapped)
        return ""

    def _setup_storage(self) -> None:
        r = self._opt("AT+CPMS=?", expect=("+CPMS:",))
        offered: list[str] = []
        if r is not None and r.first("+CPMS:"):
            m = re.match(r"\s*\(([^)]*)\)", r.first("+CPMS:") or "")
            if m:
                offered = [f.strip().strip('"') for f in m.group(1).split(",") if f.strip()]
        mem = self.config.cpms or ("SM" if not offered or "SM" in offered else offered[0])
        self._mems_ok = set(offered) | {mem}
        self._primary_mem = mem
        if self._opt(f'AT+CPMS="{mem}","{mem}","{mem}"', expect=("+CPMS:",), **self._cpms_kw()) is not None:
            self._read_mem = mem

    def _cpms_kw(self) -> dict[str, Any]:
        if self.profile.cpms_no_ok:
            return {"complete_when": lambda lines: any(ln.startswith("+CPMS:") for ln in lines)}
        return {}

    def _check_smsc(self) -> None:
        r = self._opt("AT+CSCA?", expect=("+CSCA:",))
        current = parse_csv(r.first("+CSCA:") or "")[0] if r and r.first("+CSCA:") else ""
        if not current.strip() and self.config.smsc:
            self._opt(f'AT+CSCA="{self.config.smsc}"')

    # -- identity and health -------------------------------------------------------------

    def get_info(self, refresh: bool = False) -> ModemInfo:
        self._require_online()
        if refresh:
            self.info = self._guard(lambda: self._read_identity(self.config.probe_timeout * 2.5))
        return self.info

    def get_signal(self) -> SignalInfo:
        self._require_online()
        return self._guard(self._read_signal)

    def _read_signal(self) -> SignalInfo:
        r = self._busy_retry(Command("AT+CSQ", expect=("+CSQ:",)))
        fields = parse_csv(r.first("+CSQ:") or "99,99")
        try:
            sig = SignalInfo(int(fields[0]), int(fields[1]) if len(fields) > 1 else 99)
        except ValueError:
            sig = SignalInfo(99, 99)
        if sig != self.signal:
            self.signal = sig
            self._emit(SignalChanged(self.modem_id, sig))
        return sig

    def get_status(self) -> ModemStatus:
        self._require_online()
        self._guard(lambda: self._refresh_health(emit=True))
        return ModemStatus(self.state, self.signal, self.operator, self.registration, self.storage)

    def _refresh_health(self, emit: bool) -> None:
        r = self._opt("AT+COPS?", expect=("+COPS:",))
        if r is not None and r.first("+COPS:"):
            f = parse_csv(r.first("+COPS:") or "")
            self.operator = textmode.decode_address(f[2], self._cscs) if len(f) >= 3 else ""
        r = self._opt("AT+CREG?", expect=("+CREG:",))
        if r is not None and r.first("+CREG:"):
            f = parse_csv(r.first("+CREG:") or "")
            stat = f[1] if len(f) >= 2 else f[0]
            try:
                self.registration = Registration(int(stat))
            except ValueError:
                self.registration = Registration.UNKNOWN
        try:
            self._read_signal()
        except CommandError:
            pass
        self._read_storage()

    def _read_storage(self) -> None:
        r = self._opt("AT+CPMS?", expect=("+CPMS:",), **self._cpms_kw())
        if r is None or not r.first("+CPMS:"):
            return
        f = parse_csv(r.first("+CPMS:") or "")
        try:
            storage = StorageInfo(f[0], int(f[1]), int(f[2]))
        except (IndexError, ValueError):
            return
        self.storage = storage
        if storage.percent >= self.config.storage_warn_percent:
            self._emit(StorageWarning(self.modem_id, storage, storage.used >= storage.total))

    # -- failures and the recovery ladder (modems.md section 9) --------------------------

    def _require_online(self) -> None:
        if self._at is None or self.state in (ModemState.OFFLINE, ModemState.NEEDS_ATTENTION, ModemState.STOPPED):
            raise ModemUnavailable(f"{self.modem_id} is {self.state.value}")

    def _guard(self, fn: Callable[[], Any]) -> Any:
        try:
            result = fn()
        except PortError as exc:
            self._port_lost(str(exc))
            raise
        except AtTimeout as exc:
            self._count_failure(exc)
            raise
        self.consecutive_failures = 0
        return result

    def _count_failure(self, exc: AtTimeout) -> None:
        self.consecutive_failures += 1
        log.warning("%s: %s (failure %d)", self.modem_id, exc, self.consecutive_failures)
        if not exc.resynced or self.consecutive_failures >= 3:
            self._port_lost(f"not answering: {exc}")

    def _port_lost(self, why: str) -> None:
        self._close_port()
        self._fail_session("port lost")
        self._recovery_step = 0
        self._next_recovery = self.clock()
        self._set_state(ModemState.OFFLINE, why)

    def recover(self) -> bool:
        """One rung of the ladder, when due. Returns True once the modem is back online.

        Rung 0: reopen the port and re-run init. Rung 1: soft reset (AT+CFUN=1,1), then reopen.
        Later rungs: NEEDS_ATTENTION, keep retrying with back-off. Every rung first tries the
        known port, then asks ``resolver`` where this IMEI is now (it may have moved). The soft
        reset is skipped when the port itself was gone (an unplugged dongle, a stopped ser2net):
        a device that vanished has been power-cycled already, and one that just came back is healthy.
        """
        if self._at is not None and self.state not in (ModemState.OFFLINE, ModemState.NEEDS_ATTENTION):
            return True
        now = self.clock()
        if now < self._next_recovery:
            return False
        step = self._recovery_step
        self._recovery_step += 1
        if step == 1 and self._silent:
            self._soft_reset()
        if self._try_open():
            return True
        backoff = min(self.config.max_backoff, 2.0 ** max(0, step - 1))
        self._next_recovery = self.clock() + backoff
        if step >= 2:
            self._set_state(ModemState.NEEDS_ATTENTION, "recovery failed; retrying with back-off")
        else:
            self._set_state(ModemState.OFFLINE, "recovering")
        return False

    def _try_open(self) -> bool:
        known = self.info
        urls = [self.port_url]
        self._silent = False
        for attempt in range(2):
            for url in urls:
                self.port_url = url
                try:
                    info = self.open()
                except Aborted:
                    raise
                except SimError:
                    return False
                except Exception as exc:
                    log.info("%s: reopen %s failed: %s", self.modem_id, url, exc)
                    self._silent = self._silent or not isinstance(exc, ports.PortOpenError)
                    continue
                same_sim = bool(known.iccid) and info.iccid == known.iccid  # the SIM moved to another device
                if known.imei and info.imei and info.imei != known.imei and not same_sim:
                    log.warning("%s: %s now holds IMEI %s, not %s", self.modem_id, url, info.imei, known.imei)
                    self._close_port()
                    self.info = known
                    self._set_state(ModemState.OFFLINE, "another modem on this port")
                    continue
                return True
            if attempt or self.resolver is None or not known.imei:
                break
            found = self.resolver(known)
            if not found:
                break
            log.info("%s: modem %s found on %s", self.modem_id, known.imei, found)
            urls = [found]
        return False

    def _soft_reset(self) -> None:
        """AT+CFUN=1,1 on a port that still opens; the device then re-enumerates."""
        try:
            self._open_port()
            self.at.write_raw(b"AT+CFUN=1,1\r")
            self.at.drain(quiet=0.2)
        except Aborted:
            raise
        except AtError as exc:
            log.info("%s: soft reset not possible: %s", self.modem_id, exc)
        finally:
            self._close_port()

    # -- servicing: URCs, inbox, health --------------------------------------------------

    def _on_urc(self, urc: Urc) -> None:
        kind = urc.kind
        if kind in ("cmti", "cdsi"):
            f = parse_csv(urc.line.split(":", 1)[1])
            try:
                self._to_read.append((kind, f[0] or self._read_mem, int(f[1])))
            except (IndexError, ValueError):
                log.warning("%s: bad %s", self.modem_id, urc.line)
        elif kind in ("cmt", "cds"):
            if self._text_mode:
                self._direct.append((kind, textmode.entry_from_cmt(urc.line, urc.extra) if kind == "cmt"
                                     else textmode.entry_from_cds(urc.line)))
            elif urc.extra:
                self._direct.append((kind, urc.extra[0]))
        elif kind == "cusd":
            self._on_cusd(urc.line)
        elif kind == "final":
            if self._session is not None and urc.line != "OK":
                self._session.late_error = urc.line
            else:
                log.debug("%s: stray final %s", self.modem_id, urc.line)
        elif kind == "memfull":
            self._sweep_due = True
            self._emit(StorageWarning(self.modem_id, self.storage, True))
        elif kind == "boot":
            if not urc.line.upper().startswith("+CPIN: READY") or self._session is None:
                log.info("%s: boot banner %r, re-running init", self.modem_id, urc.line)
                self._need_init = True
        elif kind == "ring":
            log.info("%s: incoming call", self.modem_id)
        elif kind == "rssi":
            log.debug("%s: %s", self.modem_id, urc.line)

    def poll(self, timeout: float = 0.05) -> None:
        """Read for about ``timeout`` (dispatching URCs), then do due background work."""
        if self._at is None:
            self.recover()
            return
        try:
            self._guard(lambda: self.at.poll(timeout))
        except (PortError, AtTimeout):
            return
        self.service()

    def service(self) -> None:
        """Background work that needs the port: reads, deletes, sweeps, health, liveness."""
        if self._at is None:
            self.recover()
            return
        try:
            self._guard(self._service)
        except (PortError, AtTimeout):
            pass
        except CommandError as exc:
            log.warning("%s: background work failed: %s", self.modem_id, exc)

    def _service(self) -> None:
        now = self.clock()
        if self._need_init:
            self._need_init = False
            self._init()
        self._process_confirmed()
        self._process_direct()
        while self._to_read:
            kind, mem, idx = self._to_read.popleft()
            if (mem, idx) in self._in_hand:
                continue
            self._read_stored(mem, idx)
            self._process_confirmed()
        self._expire_partials()
        self._flush_idle_cusd()
        if self._sweep_due or now >= self._next_sweep:
            self._sweep()
        if now >= self._next_health:
            self._next_health = now + self.config.health_interval
            self._refresh_health(emit=True)
        elif now - max(self.at.last_rx, self.at.last_tx) >= self.config.liveness_idle:
            self._cmd("AT", timeout=2.0)

    def _use_mem(self, mem: str) -> None:
        if mem != self._read_mem:
            self._cmd(f'AT+CPMS="{mem}"', expect=("+CPMS:",), **self._cpms_kw())
            self._read_mem = mem

    def _read_stored(self, mem: str, idx: int) -> None:
        self._use_mem(mem)
        try:
            r = self._busy_retry(self._cmgr_command(idx))
        except CmsError as exc:
            if exc.code == 321:
                return  # already gone
            raise
        found = self._cmgr_payload(r)
        if found is None:
            return  # empty slot answered with a bare OK
        self._accept_raw(found[1], (mem, idx))

    def _cmgr_command(self, idx: int) -> Command:
        if self._text_mode:  # the body may span lines; every line up to the final code is the answer
            return Command(f"AT+CMGR={idx}", expect=("+CMGR:",), bare=True)
        return Command(f"AT+CMGR={idx}", expect=("+CMGR:",), pdu_after=True)

    def _cmgr_payload(self, r: Response) -> tuple[str, str | textmode.TextEntry] | None:
        """(<stat> as a digit, the hex PDU or the text-mode entry) of an AT+CMGR answer; None if empty."""
        if self._text_mode:
            entry = textmode.entry_from_cmgr(r.lines)
            return None if entry is None else ("" if entry.stat is None else str(entry.stat), entry)
        pairs = r.pairs("+CMGR:")
        return (parse_csv(pairs[0][0])[0], pairs[0][1]) if pairs else None

    def _list_all(self) -> list[tuple[int, str, str | textmode.TextEntry]]:
        """(index, <stat> as a digit, hex PDU or text-mode entry) of everything in the store."""
        if self._text_mode:
            kw: dict[str, Any] = dict(expect=("+CMGL:",), bare=True, timeout=60.0, extend_on_activity=True)
            try:
                r = self._cmd('AT+CMGL="ALL"', **kw)
            except CommandError:
                if self._cscs not in ("UCS2", "HEX"):
                    raise
                # some firmware wants even <stat> in the TE character set (SIM800 under "UCS2")
                r = self._cmd(f'AT+CMGL="{charsets.encode("ALL", self._cscs)}"', **kw)
            return [(i, "" if e.stat is None else str(e.stat), e) for i, e in textmode.entries_from_cmgl(r.lines)]
        r = self._cmd("AT+CMGL=4", expect=("+CMGL:",), pdu_after=True, timeout=60.0, extend_on_activity=True)
        out: list[tuple[int, str, str | textmode.TextEntry]] = []
        for header, hex_pdu in r.pairs("+CMGL:"):
            fields = parse_csv(header)
            if fields and fields[0].isdigit():
                out.append((int(fields[0]), fields[1] if len(fields) > 1 else "", hex_pdu))
        return out

    def _delete(self, loc: Loc) -> None:
        mem, idx = loc
        self._use_mem(mem)
        try:
            self._busy_retry(Command(f"AT+CMGD={idx}"))
        except CmsError as exc:
            if exc.code != 321:
                raise
        self._in_hand.pop(loc, None)

    def _sweep(self) -> int:
        """AT+CMGL=4: read everything in the store we are not already holding."""
        self._sweep_due = False
        self._next_sweep = self.clock() + self.config.sweep_interval * self._spread(0.8, 1.2)
        now = self.clock()
        for loc, until in list(self._in_hand.items()):
            if until <= now and not any(loc in p.locs for p in self._partials.values()):
                del self._in_hand[loc]  # never confirmed: offer it again
        self._use_mem(self._primary_mem)
        count = 0
        for idx, _stat, payload in self._list_all():
            loc = (self._read_mem, idx)
            if loc in self._in_hand:
                continue
            if self._accept_raw(payload, loc):
                count += 1
        self._read_storage()
        return count

    def _process_confirmed(self) -> None:
        while True:
            try:
                locs, keys = self._confirmed.get_nowait()
            except queue.Empty:
                return
            for key in keys:
                self._recent_keys[key] = None
                while len(self._recent_keys) > 2000:
                    self._recent_keys.popitem(last=False)
            for loc in locs:
                self._delete(loc)

    def _process_direct(self) -> None:
        while self._direct:
            _kind, payload = self._direct.pop(0)
            self._accept_raw(payload, None)

    def _part_key(self, sms: pdu.SmsDeliver) -> str:
        c = sms.concat
        head = "|".join(
            [self.info.iccid, sms.sender, sms.scts.isoformat() if sms.scts else "",
             str(c.ref if c else ""), str(c.seq if c else 1), str(c.total if c else 1)]
        )
        return hashlib.sha1(head.encode() + b"|" + sms.user_data).hexdigest()

    def _accept_pdu(self, hex_pdu: str, loc: Loc | None) -> bool:
        """Decode one stored/direct PDU and route it. Returns True if something was handed up."""
        try:
            decoded = pdu.decode_pdu(hex_pdu)
        except pdu.PduError as exc:
            return self._undecodable(hex_pdu, loc, exc)
        return self._accept_message(decoded, hex_pdu, loc)

    def _undecodable(self, raw: str, loc: Loc | None, exc: Exception) -> bool:
        log.warning("%s: undecodable message at %s: %s", self.modem_id, loc, exc)
        key = hashlib.sha1(f"{self.info.iccid}|{raw}".encode()).hexdigest()
        sms = InboundSms(sender="", text="", scts=None, iccid=self.info.iccid, imei=self.info.imei,
                         dedupe_key=key, part_keys=(key,), raw_pdus=(raw,), error=str(exc))
        return self._hand_over(sms, [loc] if loc else [])

    def _accept_raw(self, payload: str | textmode.TextEntry, loc: Loc | None) -> bool:
        """A stored or direct message as read: a hex PDU, or a text-mode entry."""
        if isinstance(payload, textmode.TextEntry):
            try:
                decoded = textmode.parse_message(payload, self._cscs)
            except pdu.PduError as exc:
                return self._undecodable(payload.raw, loc, exc)
            return self._accept_message(decoded, payload.raw, loc)
        return self._accept_pdu(payload, loc)

    def _accept_message(self, decoded: pdu.SmsDeliver | pdu.SmsSubmit | pdu.StatusReport, hex_pdu: str,
                        loc: Loc | None) -> bool:
        """Route one decoded message; `hex_pdu` is its raw record (the PDU, or the text-mode lines)."""
        if isinstance(decoded, pdu.StatusReport):
            self._emit(StatusReportReceived(self.modem_id, DeliveryReport(
                decoded.mr, decoded.recipient, decoded.scts, decoded.discharge, decoded.status)))
            if loc:
                self._delete(loc)
            return True
        if not isinstance(decoded, pdu.SmsDeliver):
            return False  # a stored SUBMIT (sent/unsent draft): not ours to read
        key = self._part_key(decoded)
        if key in self._recent_keys:
            log.info("%s: duplicate of a stored message at %s, deleting", self.modem_id, loc)
            if loc:
                self._delete(loc)
            return False
        c = decoded.concat
        if c is None or c.total <= 1:
            sms = InboundSms(
                sender=decoded.sender, text=decoded.text, scts=decoded.scts, iccid=self.info.iccid,
                imei=self.info.imei, dedupe_key=key, part_keys=(key,), smsc=decoded.smsc,
                dcs=decoded.dcs, raw_pdus=(hex_pdu,),
            )
            return self._hand_over(sms, [loc] if loc else [])
        pkey = (self.info.iccid, decoded.sender, c.ref, c.total)
        partial = self._partials.get(pkey)
        if partial is None:
            partial = self._partials[pkey] = _Partial(self.clock(), c.total, c.ref, decoded.sender)
        if loc:
            partial.locs.append(loc)
            self._in_hand[loc] = float("inf")
        partial.parts.setdefault(c.seq, (decoded, hex_pdu, key))
        if len(partial.parts) >= c.total:
            del self._partials[pkey]
            return self._deliver_partial(partial, complete=True)
        return False

    def _deliver_partial(self, partial: _Partial, complete: bool) -> bool:
        seqs = sorted(partial.parts)
        items = [partial.parts[s] for s in seqs]
        keys = tuple(k for _, _, k in items)
        first = items[0][0]
        sms = InboundSms(
            sender=partial.sender, text=pdu.join_parts([p for p, _, _ in items]), scts=first.scts,
            iccid=self.info.iccid, imei=self.info.imei,
            dedupe_key=hashlib.sha1("|".join(keys).encode()).hexdigest(), part_keys=keys,
            concat_ref=partial.ref, total_parts=partial.total, parts_present=tuple(seqs),
            complete=complete, smsc=first.smsc, dcs=first.dcs, raw_pdus=tuple(h for _, h, _ in items),
        )
        return self._hand_over(sms, partial.locs)

    def _expire_partials(self) -> None:
        now = self.clock()
        for pkey, partial in list(self._partials.items()):
            if now - partial.first_seen >= self.config.multipart_timeout:
                del self._partials[pkey]
                log.info("%s: multipart %s incomplete after %.0f s (%d/%d parts)", self.modem_id,
                         partial.ref, self.config.multipart_timeout, len(partial.parts), partial.total)
                self._deliver_partial(partial, complete=False)

    def _hand_over(self, sms: InboundSms, locs: list[Loc]) -> bool:
        until = self.clock() + self.config.confirm_timeout
        for loc in locs:
            self._in_hand[loc] = until
        token = (tuple(locs), sms.part_keys)
        done = threading.Event()

        def confirm() -> None:
            if not done.is_set():
                done.set()
                self._confirmed.put(token)

        self._emit(SmsReceived(self.modem_id, sms, confirm))
        return True

    def check_inbox(self) -> int:
        self._require_online()

        def run() -> int:
            self._process_confirmed()
            n = self._sweep()
            self._process_confirmed()
            return n

        return self._guard(run)

    # -- SMS sending ---------------------------------------------------------------------

    @property
    def next_concat_ref(self) -> int:
        return self._concat_ref

    def send_sms(self, to: str, text: str, *, request_report: bool = False) -> SmsSendResult:
        self._require_online()
        parts, ref = self._encode(to, text, request_report)
        return self._guard(lambda: self._send_parts(to, parts, ref))

    def _encode(self, to: str, text: str, request_report: bool) -> tuple[list[Any], int | None]:
        """The SUBMIT parts and, for a long SMS, the concatenation reference it takes. In text mode: the
        separate messages the text is cut into (no concatenation header exists there)."""
        if self._text_mode:
            parts = textmode.split_for_text_mode(text, ucs2=not charsets.can_carry(text, self._cscs))
            return [_TextSms(p.text, p.ucs2, request_report) for p in parts], None
        parts = pdu.encode_submit(to, text, ref=self._concat_ref, request_report=request_report)
        ref = None
        if len(parts) > 1:
            ref = self._concat_ref
            self._concat_ref = (self._concat_ref + 1) & 0xFF
        return parts, ref

    def _submit_command(self, verb: str, answer: str, to: str, part: Any, timeout: float) -> Command:
        """AT+CMGS / AT+CMGW for one part: `<length>` and the PDU, or in text mode `"<da>"` and the text.

        Text mode (27.005 3.5.1, 3.1): with a GSM-7 <dcs> the text goes in the TE character set; with
        <dcs> 8 as UCS2 hex whatever the character set. <dcs> is set by AT+CSMP (as Gammu does,
        at-sms.c), only when it changes."""
        if not isinstance(part, _TextSms):
            return Command(f"{verb}={part.tpdu_length}", expect=(answer,), data=part.hex.encode("ascii"),
                           timeout=timeout, prompt_timeout=5.0)
        cs = self._cscs
        if part.ucs2 or not charsets.can_carry(part.text, cs):
            dcs, body = 8, part.text.encode("utf-16-be").hex().upper()
        else:
            dcs, body = 0, charsets.encode(part.text, cs)
        fo = 0x31 if part.report else 0x11
        if self._csmp != (fo, dcs):
            if self._opt(f"AT+CSMP={fo},167,0,{dcs}") is not None:
                self._csmp = (fo, dcs)
            elif dcs == 8:  # cannot ask for UCS2: send what the character set carries
                dcs, body = 0, charsets.encode(part.text, cs)
        number = charsets.encode(to, cs) if cs in ("UCS2", "HEX") else to
        return Command(f'{verb}="{number}"', expect=(answer,), data=body.encode("latin-1", "replace"),
                       timeout=timeout, prompt_timeout=5.0)

    def _send_parts(self, to: str, parts: list[Any], ref: int | None) -> SmsSendResult:
        if len(parts) > 1:
            self._opt("AT+CMMS=2")
        sent: list[SentPart] = []
        for seq, part in enumerate(parts, start=1):
            if sent and sent[-1].mr is None:
                sent.append(SentPart(seq, None, "not sent: an earlier part failed"))
                continue
            try:
                r = self._busy_retry(self._submit_command("AT+CMGS", "+CMGS:", to, part, 40.0))
                mr_field = parse_csv(r.first("+CMGS:") or "")[0]
                sent.append(SentPart(seq, int(mr_field) if mr_field.isdigit() else None,
                                     None if mr_field.isdigit() else "no +CMGS reference"))
            except CommandError as exc:
                if isinstance(exc, CmsError) and exc.code == 322:
                    self._sweep_due = True
                sent.append(SentPart(seq, None, exc.final))
            except AtTimeout as exc:
                sent.append(SentPart(seq, None, "timeout: outcome unknown"))
                self._count_failure(exc)
                if self._at is None:
                    break
        while len(sent) < len(parts):
            sent.append(SentPart(len(sent) + 1, None, "not sent: modem lost"))
        log.info("%s: SMS to %s, %d part(s), MR %s", self.modem_id, to, len(parts), [p.mr for p in sent])
        return SmsSendResult(to, tuple(sent), ref)

    # -- store and send: the modem's memory says whether an SMS left --------------------------

    def store_sms(self, to: str, text: str, *, request_report: bool = False) -> StoredSms:
        self._require_online()
        parts, ref = self._encode(to, text, request_report)
        return self._guard(lambda: self._store_parts(to, parts, ref))

    def _store_parts(self, to: str, parts: list[Any], ref: int | None) -> StoredSms:
        indexes: list[int] = []
        try:
            for part in parts:
                r = self._busy_retry(self._submit_command("AT+CMGW", "+CMGW:", to, part, 10.0))
                field = parse_csv(r.first("+CMGW:") or "")[0]
                if not field.isdigit():
                    raise CommandError("AT+CMGW", "no +CMGW index")
                indexes.append(int(field))
        except AtError:
            try:
                self._delete_indexes(indexes)  # a half-written message is never sent
            except AtError:
                log.warning("%s: could not delete half-written SMS at %s", self.modem_id, indexes)
            raise
        return StoredSms(to, tuple(indexes), ref)

    def send_stored(self, to: str, indexes: tuple[int, ...]) -> SmsSendResult:
        self._require_online()
        return self._guard(lambda: self._send_stored(to, indexes))

    def _send_stored(self, to: str, indexes: tuple[int, ...]) -> SmsSendResult:
        sent: list[SentPart] = []
        if len(indexes) > 1:
            self._opt("AT+CMMS=2")
        for seq, idx in enumerate(indexes, start=1):
            if sent and sent[-1].mr is None:
                sent.append(SentPart(seq, None, "not sent: an earlier part failed"))
                continue
            try:
                r = self._busy_retry(Command(f"AT+CMSS={idx}", expect=("+CMSS:",), timeout=40.0))
                mr_field = parse_csv(r.first("+CMSS:") or "")[0]
                sent.append(SentPart(seq, int(mr_field) if mr_field.isdigit() else None,
                                     None if mr_field.isdigit() else "no +CMSS reference"))
                # freed at once, in the same operation, so no other message can take the slot in between:
                # an empty slot (or somebody else's message in it) then means "sent"
                self._delete((self._primary_mem, idx))
            except CommandError as exc:
                sent.append(SentPart(seq, None, exc.final))
            except AtTimeout as exc:
                sent.append(SentPart(seq, None, "timeout: outcome unknown"))
                self._count_failure(exc)
                if self._at is None:
                    break
        while len(sent) < len(indexes):
            sent.append(SentPart(len(sent) + 1, None, "not sent: modem lost"))
        log.info("%s: stored SMS to %s sent, slots %s, MR %s", self.modem_id, to, list(indexes), [p.mr for p in sent])
        return SmsSendResult(to, tuple(sent), None)

    def check_stored(self, indexes: tuple[int, ...]) -> tuple[StoredState, ...]:
        self._require_online()
        return self._guard(lambda: tuple(self._stored_state(i) for i in indexes))

    def _stored_state(self, idx: int) -> StoredState:
        self._use_mem(self._primary_mem)
        try:
            r = self._busy_retry(self._cmgr_command(idx))
        except CmsError as exc:
            if exc.code == 321:
                return StoredState.GONE
            raise
        found = self._cmgr_payload(r)
        stat = found[0] if found else ""
        # an incoming message in the slot means ours was deleted, which happens only after it was sent
        return {"2": StoredState.UNSENT, "3": StoredState.SENT}.get(stat, StoredState.GONE)

    def list_stored(self) -> tuple[int, ...]:
        self._require_online()
        return self._guard(self._list_stored)

    def _list_stored(self) -> tuple[int, ...]:
        self._use_mem(self._primary_mem)
        return tuple(idx for idx, stat, _payload in self._list_all() if stat in ("2", "3"))

    def delete_stored(self, indexes: tuple[int, ...], unsent_too: bool = False) -> None:
        """Free these slots if they still hold a stored SMS marked sent (or, with `unsent_too`, not sent
        yet); an incoming SMS that took a freed slot stays."""
        self._require_online()
        wanted = {StoredState.SENT, StoredState.UNSENT} if unsent_too else {StoredState.SENT}
        self._guard(lambda: self._delete_indexes([i for i in indexes if self._stored_state(i) in wanted]))

    def _delete_indexes(self, indexes: list[int] | tuple[int, ...]) -> None:
        for idx in indexes:
            self._delete((self._primary_mem, idx))

    # -- USSD (modems.md section 6) ------------------------------------------------------

    @property
    def ussd_packed(self) -> bool:
        if self.config.ussd_packed is not None:
            return self.config.ussd_packed
        return self.profile.ussd_packed and not self._ussd_text_mode

    def _ussd_mode(self) -> str:
        if self.config.ussd_mode != "auto":
            return self.config.ussd_mode
        return "text" if self.ussd_learned == "text" else "auto"

    def _on_cusd(self, line: str) -> None:
        try:
            parsed = ussd.parse_cusd(line)
        except ValueError:
            log.warning("%s: unparsable +CUSD line", self.modem_id)
            return
        session = self._session
        if session is None:
            self._cusd_idle.append(line)
            return
        session.lines.append(parsed)
        if parsed.status in (2, 3):
            session.grace_until = self.clock() + self.config.ussd_release_grace

    def _flush_idle_cusd(self) -> None:
        while self._cusd_idle:
            line = self._cusd_idle.pop(0)
            parsed = ussd.parse_cusd(line)
            result = self._result_from(_UssdSession(self.clock(), [parsed]), "")
            self._emit(UssdNotification(self.modem_id, result))

    def _decode(self, line: ussd.CusdLine) -> tuple[str, str]:
        if line.payload is None:
            return "", ""
        mode = self._ussd_mode()
        charset = {"UCS2": "UCS2", "GSM": "GSM", "HEX": "GSM"}.get(self._cscs, "IRA")
        text, detected = ussd.decode_ussd(line.payload, line.dcs, mode=mode, charset=charset)
        if self.config.ussd_mode == "auto" and self.ussd_learned is None and line.payload:
            if detected == "text" and any(c not in "0123456789abcdefABCDEF" for c in line.payload):
                self.ussd_learned = "text"
            elif detected != "text":
                self.ussd_learned = "hex"
        return text, detected

    def _result_from(self, session: _UssdSession, request: str, sent: bool = True) -> UssdResult:
        raw = tuple(ln.raw for ln in session.lines)
        if session.late_error is not None:
            last = session.lines[-1] if session.lines else None
            text, mode = self._decode(last) if last else ("", "")
            return UssdResult(UssdOutcome.UNKNOWN, text, request, last.status if last else None,
                              last.dcs if last else None, mode, raw, error=session.late_error)
        if not session.lines:
            return UssdResult(UssdOutcome.UNKNOWN, "", request, error="no answer from the network", sent=sent)
        last = session.lines[-1]
        text, mode = self._decode(last)
        outcome = {0: UssdOutcome.DONE, 1: UssdOutcome.MENU, 4: UssdOutcome.FAILED}.get(last.status)
        if last.status == 2:
            outcome = UssdOutcome.DONE if last.payload else UssdOutcome.UNKNOWN
        if outcome is None:
            outcome = UssdOutcome.UNKNOWN
            log.warning("%s: USSD status %d -> unknown: %s", self.modem_id, last.status, last.raw)
        error = {4: "operation not supported", 5: "network time out", 3: "answered by another client"}.get(last.status)
        return UssdResult(outcome, text, request, last.status, last.dcs, mode, raw, error=error,
                          session_open=outcome == UssdOutcome.MENU)

    def _fail_session(self, why: str) -> None:
        if self._session is not None and self._session.late_error is None:
            self._session.late_error = why

    def ussd(
        self,
        code: str,
        replies: Iterable[str] = (),
        *,
        secrets: Iterable[str] = (),
        timeout: float | None = None,
        keep_open: bool = False,
    ) -> UssdResult:
        """Dial a USSD code, answer menus with ``replies``; never retried on an unknown result."""
        self._require_online()
        secrets = tuple(s for s in secrets if s) + default_ussd_secrets(code)
        request = mask(code, secrets)
        self._cancel_session()
        result = self._ussd_step(code, secrets, timeout, request)
        for reply in replies:
            if result.outcome != UssdOutcome.MENU:
                break
            result = self._ussd_step(reply, secrets, timeout, request + " > " + mask(reply, secrets))
        return self._finish_ussd(result, keep_open)

    def ussd_reply(self, text: str, *, secrets: Iterable[str] = (), timeout: float | None = None,
                   keep_open: bool = False) -> UssdResult:
        self._require_online()
        secrets = tuple(s for s in secrets if s)
        request = mask(text, secrets)
        if not self._session_open:
            return UssdResult(UssdOutcome.FAILED, "", request, error="no open USSD session", sent=False)
        return self._finish_ussd(self._ussd_step(text, secrets, timeout, request), keep_open)

    def ussd_cancel(self) -> None:
        self._require_online()
        self._guard(self._cancel_session)

    def _finish_ussd(self, result: UssdResult, keep_open: bool) -> UssdResult:
        if result.outcome == UssdOutcome.MENU and keep_open:
            self._session_open = True
            return result
        if self._at is not None and result.outcome in (UssdOutcome.MENU, UssdOutcome.UNKNOWN):
            try:
                self._cancel_session()
            except AtError as exc:
                log.info("%s: AT+CUSD=2 after USSD failed: %s", self.modem_id, exc)
        self._session_open = False
        log.info("%s: USSD %s -> %s %r", self.modem_id, result.request, result.outcome.value, result.text)
        return replace(result, session_open=False) if result.session_open else result

    def _no_cusd(self, exc: CommandError) -> bool:
        """A refused AT+CUSD=1 from a modem that has no AT+CUSD at all (not one that refused this request)."""
        if self.config.ussd_dial is not None or not isinstance(exc, (PlainError, NotSupportedError)):
            return False
        return self._opt("AT+CUSD=?", expect=("+CUSD:",)) is None

    def _cancel_session(self) -> None:
        self._session_open = False
        if self._ussd_dial:
            return  # no AT+CUSD=2 on a phone: the network ends the session
        try:
            self._cmd("AT+CUSD=2", timeout=5.0)
        except CommandError:
            pass  # no session was open
        except AtTimeout as exc:
            self._count_failure(exc)
            if self._at is None:
                raise

    def _ussd_step(self, text: str, secrets: tuple[str, ...], timeout: float | None, request: str) -> UssdResult:
        total = timeout or self.config.ussd_timeout
        dial = self._ussd_dial
        packed = self.ussd_packed and not dial
        if packed:
            payload = ussd.encode_ussd_request(text, packed)
        elif self._cscs == "UCS2" and not dial:  # every string in UCS2 hex (gammu/gammu issue 150)
            payload = ussd.encode_ucs2_hex(text)
        else:
            payload = text
        log_secrets = secrets + ((payload,) if payload != text and secrets else ())
        if self._cscs == "UCS2":
            log_secrets += tuple(ussd.encode_ucs2_hex(s) for s in secrets)
        command = f"ATD{payload};" if dial else f'AT+CUSD=1,"{payload}",15'
        session = self._session = _UssdSession(self.clock())
        deadline = self.clock() + total
        try:
            try:
                self.at.run(Command(command, timeout=total, secrets=log_secrets, resync_on_timeout=False,
                                    dial=dial))
            except CommandError as exc:
                if not session.lines:
                    # the modem refused it: the request never reached the network
                    if not dial and self._no_cusd(exc):
                        log.info("%s: AT+CUSD refused (%s): USSD by dialling from now on", self.modem_id, exc.final)
                        self._ussd_dial = True
                        self._session = None
                        return self._ussd_step(text, secrets, timeout, request)
                    return UssdResult(UssdOutcome.FAILED, "", request, error=exc.final, sent=False)
                session.late_error = session.late_error or exc.final
            except AtTimeout:
                pass  # the OK never came; maybe the +CUSD did
            except PortError as exc:
                self._port_lost(str(exc))
                return UssdResult(UssdOutcome.UNKNOWN, "", request, error=f"port lost: {exc}")
            try:
                self.at.wait(lambda: session.settled(self.clock()), max(0.0, deadline - self.clock()))
            except PortError as exc:
                self._port_lost(str(exc))
                return replace(self._result_from(session, request), outcome=UssdOutcome.UNKNOWN,
                               error=f"port lost: {exc}", session_open=False)
            if not session.settled(self.clock()) and session.lines and session.lines[-1].status in (2, 3):
                pass  # grace ran into the deadline: use what we have
            elif not session.settled(self.clock()):
                log.warning("%s: USSD %s timed out", self.modem_id, request)
                result = replace(self._result_from(session, request), outcome=UssdOutcome.UNKNOWN,
                                 error="timeout", session_open=False)
                if self._at is not None and not self.at.resync():
                    self._port_lost("not answering after USSD timeout")
                return result
            return self._result_from(session, request)
        finally:
            self._session = None

    # -- passthrough and control ---------------------------------------------------------

    def raw_at(self, command: str, timeout: float = 5.0) -> RawAtResult:
        self._require_online()

        def run() -> RawAtResult:
            try:
                r = self._cmd(command, bare=True, timeout=timeout)
                return RawAtResult(command, tuple(r.lines), r.final)
            except CommandError as exc:
                return RawAtResult(command, (), exc.final)

        return self._guard(run)

    def reconnect(self) -> ModemInfo:
        self._close_port()
        return self.open()

    def reset(self) -> ModemInfo:
        """AT+CFUN=1,1, then reopen (the port may come back elsewhere: ``resolver``)."""
        if self._at is not None:
            try:
                self.at.write_raw(b"AT+CFUN=1,1\r")
                self.at.drain(quiet=0.2)
            except AtError:
                pass
        self._close_port()
        self._set_state(ModemState.OFFLINE, "reset")
        deadline = self.clock() + self.config.reset_wait
        last: Exception | None = None
        while self.clock() < deadline and not self.abort.is_set():
            if self.resolver and self.info.imei:
                self.port_url = self.resolver(self.info) or self.port_url
            try:
                return self.open()
            except SimError:
                raise
            except Exception as exc:
                last = exc
                self.abort.wait(1.0)
        raise ModemUnavailable(f"{self.modem_id}: did not come back after reset: {last}")

    def run_op(self, op: Op) -> Any:
        """Execute one operation dataclass (used by ModemWorker)."""
        if isinstance(op, GetInfo):
            return self.get_info(op.refresh)
        if isinstance(op, GetSignal):
            return self.get_signal()
        if isinstance(op, GetStatus):
            return self.get_status()
        if isinstance(op, SendSms):
            return self.send_sms(op.to, op.text, request_report=op.request_report)
        if isinstance(op, StoreSms):
            return self.store_sms(op.to, op.text, request_report=op.request_report)
        if isinstance(op, SendStored):
            return self.send_stored(op.to, op.indexes)
        if isinstance(op, CheckStored):
            return self.check_stored(op.indexes)
        if isinstance(op, DeleteStored):
            return self.delete_stored(op.indexes, op.unsent_too)
        if isinstance(op, ListStored):
            return self.list_stored()
        if isinstance(op, Ussd):
            return self.ussd(op.code, op.replies, secrets=op.secrets, timeout=op.timeout, keep_open=op.keep_open)
        if isinstance(op, UssdReply):
            return self.ussd_reply(op.text, secrets=op.secrets, timeout=op.timeout, keep_open=op.keep_open)
        if isinstance(op, UssdCancel):
            return self.ussd_cancel()
        if isinstance(op, CheckInbox):
            return self.check_inbox()
        if isinstance(op, RawAt):
            return self.raw_at(op.command, op.timeout)
        if isinstance(op, Reset):
            return self.reset()
        if isinstance(op, Reconnect):
            return self.reconnect()
        raise TypeError(f"unknown operation {op!r}")

