"""Domain values shared by the modem driver, the worker, the engine and the UI.

Pure stdlib: the engine (``app/``) imports this module, so it must never pull in Qt.
Operations (what the engine asks a modem to do) and events (what a modem reports on its own)
both live here for the same reason.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

# ---------------------------------------------------------------------------------------------
# Modem state and status
# ---------------------------------------------------------------------------------------------


class ModemState(str, enum.Enum):
    CONNECTING = "connecting"
    ONLINE = "online"
    BUSY = "busy"
    OFFLINE = "offline"
    ERROR = "error"
    SIM_ERROR = "sim_error"
    NEEDS_ATTENTION = "needs_attention"
    STOPPED = "stopped"


class Registration(enum.IntEnum):
    """``+CREG`` <stat> values (3GPP TS 27.007 7.2)."""

    NOT_REGISTERED = 0
    HOME = 1
    SEARCHING = 2
    DENIED = 3
    UNKNOWN = 4
    ROAMING = 5

    @property
    def registered(self) -> bool:
        return self in (Registration.HOME, Registration.ROAMING)


@dataclass(frozen=True)
class ModemInfo:
    port_url: str
    manufacturer: str = ""
    model: str = ""
    revision: str = ""
    imei: str = ""
    imsi: str = ""
    iccid: str = ""
    profile: str = "generic"


@dataclass(frozen=True)
class SignalInfo:
    rssi: int  # 0..31, 99 = unknown
    ber: int = 99

    @property
    def dbm(self) -> int | None:
        if not 0 <= self.rssi <= 31:
            return None
        return -113 + 2 * self.rssi

    @property
    def bars(self) -> int:
        """0..5 bars, the way handsets roughly draw them."""
        dbm = self.dbm
        if dbm is None:
            return 0
        for bars, floor in ((5, -73), (4, -83), (3, -93), (2, -103), (1, -111)):
            if dbm >= floor:
                return bars
        return 0


@dataclass(frozen=True)
class StorageInfo:
    memory: str
    used: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.used / self.total if self.total else 0.0


@dataclass(frozen=True)
class ModemStatus:
    state: ModemState
    signal: SignalInfo | None
    operator: str
    registration: Registration
    storage: StorageInfo | None


# ---------------------------------------------------------------------------------------------
# SMS
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentPart:
    seq: int  # 1-based
    mr: int | None  # TP-MR from +CMGS, None when the part failed
    error: str | None = None


@dataclass(frozen=True)
class SmsSendResult:
    to: str
    parts: tuple[SentPart, ...]
    concat_ref: int | None

    @property
    def ok(self) -> bool:
        return all(p.mr is not None for p in self.parts)


@dataclass(frozen=True)
class InboundSms:
    """One received message (all parts of a multipart message once reassembled).

    ``dedupe_key`` is stable for the same message delivered twice (modems.md section 5):
    built from the chip ICCID, sender, SCTS, concat reference/part/total and a SHA-1 of each
    part's user data. ``complete`` is False when the reassembly timeout delivered what existed.
    """

    sender: str
    text: str
    scts: datetime | None
    iccid: str
    imei: str
    dedupe_key: str
    part_keys: tuple[str, ...]
    concat_ref: int | None = None
    total_parts: int = 1
    parts_present: tuple[int, ...] = (1,)
    complete: bool = True
    smsc: str | None = None
    dcs: int = 0
    raw_pdus: tuple[str, ...] = ()
    error: str | None = None  # set when the PDU could not be decoded; raw_pdus holds it


@dataclass(frozen=True)
class DeliveryReport:
    mr: int
    recipient: str
    scts: datetime | None
    discharge: datetime | None
    status: int  # TP-ST

    @property
    def delivered(self) -> bool:
        return 0x00 <= self.status <= 0x1F

    @property
    def final(self) -> bool:
        # 0x20-0x3F: SMSC still trying; everything else is a final answer
        return not 0x20 <= self.status <= 0x3F


# ---------------------------------------------------------------------------------------------
# USSD
# ---------------------------------------------------------------------------------------------


class UssdOutcome(str, enum.Enum):
    DONE = "done"  # network closed the session with a text (m=0, or m=2 with text)
    MENU = "menu"  # network waits for a reply (m=1) and the session is still open
    FAILED = "failed"  # definitely not executed (m=4, or the modem refused the command)
    UNKNOWN = "unknown"  # may or may not have executed: never retry automatically


@dataclass(frozen=True)
class UssdResult:
    outcome: UssdOutcome
    text: str
    request: str  # masked: never holds a chip PIN
    status: int | None = None  # last +CUSD <m>
    dcs: int | None = None
    mode: str = ""  # decoding used: text | gsm7-hex | ucs2-hex | 8bit-hex
    raw: tuple[str, ...] = ()  # every +CUSD line verbatim, in order
    error: str | None = None
    sent: bool = True  # False when the modem refused the command, so it never left the modem
    session_open: bool = False


# ---------------------------------------------------------------------------------------------
# AT passthrough
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawAtResult:
    command: str
    lines: tuple[str, ...]
    final: str  # "OK", "ERROR", "+CME ERROR: 10", "TIMEOUT"


# ---------------------------------------------------------------------------------------------
# Operations: what the engine submits to a ModemWorker (and what Modem.run_op executes)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    pass


@dataclass(frozen=True)
class GetInfo(Op):
    """-> ModemInfo (cached identity; ``refresh`` re-reads it from the modem)."""

    refresh: bool = False


@dataclass(frozen=True)
class GetSignal(Op):
    """-> SignalInfo"""


@dataclass(frozen=True)
class GetStatus(Op):
    """-> ModemStatus"""


@dataclass(frozen=True)
class SendSms(Op):
    """-> SmsSendResult"""

    to: str
    text: str
    request_report: bool = False


@dataclass(frozen=True)
class StoreSms(Op):
    """-> StoredSms. Store and send (modems.md): the SMS is written to the modem's memory (AT+CMGW) and
    sent later by SendStored (AT+CMSS). The memory then tells, even after a crash of the server, whether
    it left: the modem marks it "stored sent" when it goes. A CommandError means the modem cannot store
    it (no AT+CMGW, memory full): send it with SendSms."""

    to: str
    text: str
    request_report: bool = False


@dataclass(frozen=True)
class StoredSms:
    to: str
    indexes: tuple[int, ...]  # one memory slot per part, in order
    concat_ref: int | None


@dataclass(frozen=True)
class SendStored(Op):
    """-> SmsSendResult. Sends the stored parts at `indexes` (AT+CMSS), in order, and frees each slot as
    its part leaves (in the same operation, so no other message takes it in between)."""

    to: str
    indexes: tuple[int, ...]


class StoredState(str, enum.Enum):
    UNSENT = "unsent"  # still in memory, not sent
    SENT = "sent"  # still in memory, marked sent by the modem
    GONE = "gone"  # no longer ours: deleted after it was sent (only sent ones are ever deleted)


@dataclass(frozen=True)
class CheckStored(Op):
    """-> tuple[StoredState, ...], one per index (AT+CMGR)."""

    indexes: tuple[int, ...]


@dataclass(frozen=True)
class ListStored(Op):
    """-> tuple[int, ...]: the memory slots holding SMS to send or sent (stat 2 or 3 in AT+CMGL=4)."""


@dataclass(frozen=True)
class DeleteStored(Op):
    """-> None. Frees the slots that still hold a stored SMS marked sent (AT+CMGR, AT+CMGD), and with
    `unsent_too` one not sent yet as well; an empty slot, or one an incoming SMS has taken, stays."""

    indexes: tuple[int, ...]
    unsent_too: bool = False


@dataclass(frozen=True)
class Ussd(Op):
    """-> UssdResult. ``replies`` are sent one by one while the network shows a menu.

    ``secrets`` are substrings (the chip PIN) masked in every log line and in ``request``.
    With ``keep_open`` a session that still shows a menu after the last reply stays open for
    ``UssdReply``; otherwise it is closed with ``AT+CUSD=2``.
    """

    code: str
    replies: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    timeout: float | None = None
    keep_open: bool = False


@dataclass(frozen=True)
class UssdReply(Op):
    """-> UssdResult: answer an open menu."""

    text: str
    secrets: tuple[str, ...] = ()
    timeout: float | None = None
    keep_open: bool = False


@dataclass(frozen=True)
class UssdCancel(Op):
    """-> None"""


@dataclass(frozen=True)
class CheckInbox(Op):
    """-> int: messages found by an ``AT+CMGL=4`` sweep and handed over."""


@dataclass(frozen=True)
class RawAt(Op):
    """-> RawAtResult. For diagnostics; never raises on an error final code."""

    command: str
    timeout: float = 5.0


@dataclass(frozen=True)
class Reset(Op):
    """-> ModemInfo: ``AT+CFUN=1,1`` soft reset, reopen, init."""


@dataclass(frozen=True)
class Reconnect(Op):
    """-> ModemInfo: close and reopen the port, init."""


# ---------------------------------------------------------------------------------------------
# Events: what a modem reports on its own (callback, from the worker thread)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModemEvent:
    modem_id: str


@dataclass(frozen=True)
class SmsReceived(ModemEvent):
    """Call ``confirm()`` (from any thread) once the message is stored; only then is it
    deleted from the SIM. An unconfirmed message is offered again after a while."""

    sms: InboundSms
    confirm: Callable[[], None] = field(compare=False, repr=False)


@dataclass(frozen=True)
class StatusReportReceived(ModemEvent):
    report: DeliveryReport


@dataclass(frozen=True)
class UssdNotification(ModemEvent):
    """A +CUSD outside any request: network-initiated, or arrived after its session ended."""

    result: UssdResult


@dataclass(frozen=True)
class SignalChanged(ModemEvent):
    signal: SignalInfo


@dataclass(frozen=True)
class StateChanged(ModemEvent):
    state: ModemState
    reason: str = ""


@dataclass(frozen=True)
class StorageWarning(ModemEvent):
    storage: StorageInfo | None
    full: bool


@dataclass(frozen=True)
class ErrorEvent(ModemEvent):
    message: str
    exception: BaseException | None = field(default=None, compare=False)


EventCallback = Callable[[ModemEvent], None]
