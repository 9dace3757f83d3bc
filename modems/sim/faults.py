"""Faults a virtual modem can be told to show (modems.md 14, "Robustness faults")."""
from __future__ import annotations

from enum import Enum

from .ussd_shapes import UssdShape


class FaultKind(str, Enum):
    UNPLUG = "unplug"  # drop the connection, refuse new ones until replugged
    HANG = "hang"  # stop answering, keep the connection (Huawei noise continues)
    SLOW = "slow"  # extra delay before every answer, SMS send and USSD reply {delay}
    GARBAGE = "garbage"  # random non-UTF-8 bytes into the stream {count, interval, quote}
    FRAGMENT = "fragment"  # dribble output in small chunks with jitter {max_chunk, gap}
    STALE_BYTES = "stale_bytes"  # residual OK/ERROR/junk at the next connect
    SIM_FULL = "sim_full"  # SMS store refuses new messages (+CMS ERROR: 322, ^SMMEMFULL)
    NO_NETWORK = "no_network"  # not registered: CREG 0, CSQ 99, CMS 331 on send
    CME_BUSY = "cme_busy"  # next {count} commands answer +CME ERROR: {code} (14 or 515)
    DUPLICATE_SMS = "duplicate_sms"  # every incoming SMS part is delivered twice
    MULTIPART_DISORDER = "multipart_disorder"  # parts shuffled, {drop}: one part lost
    NO_STOCK = "no_stock"  # the chip answers "stock not enough"
    CUSD_BEFORE_OK = "cusd_before_ok"  # hold OK until the network answer, print +CUSD first
    LATE_CME = "late_cme"  # OK, then +CME ERROR: {code=258} instead of +CUSD
    USSD_SHAPE = "ussd_shape"  # print +CUSD in {shape} (ussd_shapes.UssdShape)
    USSD_STATUS = "ussd_status"  # answer only "+CUSD: {status}" (4, 5 or 6) {executed}
    USSD_STATUS2 = "ussd_status2"  # the real answer comes as +CUSD: 2,"text"
    USSD_EXTRA_RELEASE = "ussd_extra_release"  # +CUSD: 2,"Initiating Release",15 first
    USSD_SILENT = "ussd_silent"  # OK and never a +CUSD
    USSD_MODE_REQUIRED = "ussd_mode_required"  # AT+CUSD answers ERROR until AT^USSDMODE=0


def validate(kind: FaultKind, params: dict) -> dict:
    """Check and complete the parameters of a fault; raises ValueError with a clear message."""
    p = dict(params)
    if kind is FaultKind.SLOW:
        p["delay"] = _num(p.get("delay", 2.0), "delay", 0, 600)
    elif kind is FaultKind.GARBAGE:
        p["count"] = int(_num(p.get("count", 16), "count", 1, 65536))
        p["interval"] = _num(p.get("interval", 0), "interval", 0, 3600)
        p["quote"] = bool(p.get("quote", False))
    elif kind is FaultKind.FRAGMENT:
        p["max_chunk"] = int(_num(p.get("max_chunk", 3), "max_chunk", 1, 4096))
        p["gap"] = _num(p.get("gap", 0.005), "gap", 0, 1)
    elif kind is FaultKind.CME_BUSY:
        p["count"] = int(_num(p.get("count", 3), "count", 1, 10000))
        p["code"] = int(_num(p.get("code", 14), "code", 0, 1000))
    elif kind is FaultKind.LATE_CME:
        p["code"] = int(_num(p.get("code", 258), "code", 0, 1000))
        p["executed"] = bool(p.get("executed", True))
    elif kind is FaultKind.USSD_SHAPE:
        try:
            p["shape"] = UssdShape(p.get("shape")).value
        except ValueError:
            raise ValueError(f"shape must be one of {[s.value for s in UssdShape]}") from None
    elif kind is FaultKind.USSD_STATUS:
        p["status"] = int(_num(p.get("status", 5), "status", 3, 9))
        p["executed"] = bool(p.get("executed", False))
    elif kind is FaultKind.MULTIPART_DISORDER:
        p["drop"] = bool(p.get("drop", False))
    elif kind is FaultKind.HANG:
        p["clear_on_reconnect"] = bool(p.get("clear_on_reconnect", False))
    return p


def _num(value: object, name: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}")
    return float(value)
