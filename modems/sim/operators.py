"""Operators of the virtual network: reload services behind USSD codes (operators.md 3 and 6).

Everything here runs on the simulator's event loop thread. Replies use the SYNTHETIC templates of
``templates.py``; only Telkomsel's codes are real.
"""
from __future__ import annotations

import random
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from . import numbers
from .templates import (
    CANCELLED_TEXT,
    CONFIRM_MENU_TEXT,
    NETWORK_BUSY_TEXT,
    REASON_TEXTS,
    FailReason,
    dotted,
    now_wib,
    render,
)


class Flow(str, Enum):
    IMMEDIATE = "immediate"  # final result in the USSD reply
    ACK_SMS = "ack_sms"  # USSD acknowledges, result follows by SMS


@dataclass(frozen=True)
class OperatorSpec:
    id: str
    name: str
    key: str  # template prefix: tsel, isat, xl, axis, tri, sf
    cops_name: str
    mcc_mnc: str
    flow: Flow
    ack_status: int = 0
    sms_sender: str | None = None
    sn_alphabet: str = "0123456789"
    sn_length: int = 12
    trxid_prefix: str = ""
    trxid_digits: int = 0
    reload_codes: tuple[str, ...] = ()
    stock_codes: tuple[str, ...] = ()
    last5_codes: tuple[str, ...] = ()
    pin_codes: tuple[str, ...] = ()
    nominal_in_thousands: bool = False
    has_reject: bool = False


_DIGITS = "0123456789"
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

SPECS: dict[str, OperatorSpec] = {
    "TSEL": OperatorSpec(
        "TSEL", "Telkomsel", "tsel", "TELKOMSEL", "51010", Flow.ACK_SMS, 0, "TSEL-SIM",
        _DIGITS, 20, "", 10, ("777", "677"), ("776", "676"), ("774", "674"), ("771",),
        nominal_in_thousands=True, has_reject=True,
    ),
    "ISAT": OperatorSpec(
        "ISAT", "Indosat", "isat", "INDOSAT", "51001", Flow.IMMEDIATE, 0, None,
        _DIGITS, 16, "", 12, ("901",), ("901",), ("901",), ("901",),
    ),
    "XL": OperatorSpec(
        "XL", "XL", "xl", "XL", "51011", Flow.ACK_SMS, 1, "XL-SIM",
        _ALNUM, 12, "X", 9, ("902",), ("902",), ("902",), ("902",), has_reject=True,
    ),
    "AXIS": OperatorSpec(
        "AXIS", "Axis", "axis", "AXIS", "51008", Flow.IMMEDIATE, 0, None,
        _DIGITS, 14, "", 8, ("903",), ("903",), ("903",), ("903",),
    ),
    "TRI": OperatorSpec(
        "TRI", "Tri", "tri", "3", "51089", Flow.IMMEDIATE, 0, None,
        _DIGITS, 10, "", 7, ("904",), ("904",), ("904",), ("904",),
    ),
    "SMART": OperatorSpec(
        "SMART", "Smartfren", "sf", "SMARTFREN", "51009", Flow.ACK_SMS, 0, "SF-SIM",
        _DIGITS, 18, "", 0, ("905",), ("905",), ("905",), ("905",),
    ),
}

ALIASES = {"TELKOMSEL": "TSEL", "INDOSAT": "ISAT", "SMARTFREN": "SMART", "SF": "SMART", "3": "TRI"}

NOMINALS = (1, 2, 3, 5, 10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 250, 300, 500, 1000)  # thousands

PRE_REASONS = {
    FailReason.WRONG_CHIP_PIN, FailReason.NOMINAL_INVALID, FailReason.DEST_INVALID,
    FailReason.TOO_SOON, FailReason.OUT_OF_STOCK,
}

FORCED_OUTCOMES = (
    "ok", "busy", "rejected", "timeout", "timeout_done", "silent", "silent_done", "no_sn",
    "reuse_sn", "followup_never", "followup_twice", "followup_before_ack", "followup_late",
) + tuple(f"fail:{r.value}" for r in FailReason)


def operator_id(name: str) -> str:
    key = str(name).strip().upper()
    key = ALIASES.get(key, key)
    if key not in SPECS:
        raise ValueError(f"unknown operator {name!r}; known: {', '.join(SPECS)}")
    return key


@dataclass
class OperatorSettings:
    ussd_delay: float = 2.0
    ussd_jitter: float = 0.0
    followup_delay: tuple[float, float] = (5.0, 60.0)
    late_delay: float = 300.0
    failure_rate: float = 0.0
    failure_reasons: tuple[str, ...] = ("PRODUCT_DISRUPTED",)
    pending_rate: float = 0.0  # ack flows: share of follow-up SMS sent after late_delay
    busy_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_executed_rate: float = 0.5
    followup: str = "normal"  # normal | never | twice | before_ack | late
    confirm_menu: bool = False
    session_timeout: float = 60.0
    too_soon_window: float = 300.0
    pin_attempts: int = 3
    disrupted: bool = False
    flow: str | None = None  # override of the operator's flow

    FIELDS = (
        "ussd_delay", "ussd_jitter", "followup_delay", "late_delay", "failure_rate",
        "failure_reasons", "pending_rate", "busy_rate", "timeout_rate", "timeout_executed_rate",
        "followup", "confirm_menu", "session_timeout", "too_soon_window", "pin_attempts",
        "disrupted", "flow",
    )

    def update(self, values: dict) -> None:
        for key, value in values.items():
            if key not in self.FIELDS:
                raise ValueError(f"unknown operator setting {key!r}")
            if key == "followup_delay":
                lo, hi = (value, value) if isinstance(value, (int, float)) else tuple(value)
                if not 0 <= float(lo) <= float(hi):
                    raise ValueError("followup_delay must be [min, max] with 0 <= min <= max")
                value = (float(lo), float(hi))
            elif key == "failure_reasons":
                value = tuple(FailReason(str(v).upper()).value for v in value)
            elif key == "followup":
                if value not in ("normal", "never", "twice", "before_ack", "late"):
                    raise ValueError("followup must be normal|never|twice|before_ack|late")
            elif key == "flow":
                value = None if value is None else Flow(value).value
            elif key in ("confirm_menu", "disrupted"):
                if not isinstance(value, bool):
                    raise ValueError(f"{key} must be true or false")
            elif key == "pin_attempts":
                value = int(value)
            else:
                value = float(value)
                if value < 0 or (key.endswith("_rate") and value > 1):
                    raise ValueError(f"{key} out of range")
            setattr(self, key, value)

    def as_dict(self) -> dict:
        out = {k: getattr(self, k) for k in self.FIELDS}
        out["followup_delay"] = list(self.followup_delay)
        out["failure_reasons"] = list(self.failure_reasons)
        return out


@dataclass
class Trx:
    dest: str
    amount: int
    when: datetime
    status: str  # OK | GAGAL | PROSES
    trxid: str = ""
    sn: str = ""
    reason: str = ""
    result_text: str = ""  # the result SMS as first sent: a repeat of it is the same text, time included

    def as_dict(self) -> dict:
        return {
            "dest": self.dest, "amount": self.amount, "nominal": self.amount // 1000,
            "time": self.when.isoformat(timespec="seconds"), "status": self.status,
            "trxid": self.trxid, "sn": self.sn, "reason": self.reason,
        }


@dataclass
class Chip:
    modem_id: str
    operator: str
    msisdn: str
    pin: str
    stock: int
    region: tuple[str, ...] = ()
    locked: bool = False
    wrong_pins: int = 0
    no_stock: bool = False  # fault: report out of stock whatever the counter says
    stock_yesterday: int = 0
    history: list[Trx] = field(default_factory=list)
    forced: deque = field(default_factory=deque)
    last_sn: str = ""

    def as_dict(self) -> dict:
        return {
            "id": self.modem_id, "operator": self.operator, "msisdn": self.msisdn,
            "stock": self.stock, "region": list(self.region), "locked": self.locked,
            "wrong_pins": self.wrong_pins, "no_stock": self.no_stock,
            "forced_outcomes": list(self.forced), "transactions": len(self.history),
        }


@dataclass
class CusdEvent:
    status: int
    text: str | None = None
    dcs: int = 15


@dataclass
class UssdAnswer:
    events: list[CusdEvent]
    delay: float = 0.0
    session: "MenuSession | None" = None


class MenuSession(Protocol):
    def input(self, text: str) -> UssdAnswer: ...


class NetworkHooks(Protocol):
    def subscriber(self, national: str): ...
    def defer(self, delay: float, kind: str, **data: object) -> None: ...
    def operator_sms(self, sender: str, to: str, text: str) -> None: ...


@dataclass
class _Reshow:
    """An open session that re-shows its text for any input (modems.md 6.1)."""

    answer_text: str
    delay: float

    def input(self, text: str) -> UssdAnswer:
        return UssdAnswer([CusdEvent(1, self.answer_text)], self.delay, self)


@dataclass
class _Confirm:
    service: "OperatorService"
    chip: Chip
    dest_raw: str
    nominal_raw: str
    pin: str
    prompt: str

    def input(self, text: str) -> UssdAnswer:
        reply = text.strip()
        if reply == "1":
            return self.service._reload(self.chip, self.dest_raw, self.nominal_raw, self.pin)
        if reply == "2":
            return UssdAnswer([CusdEvent(0, CANCELLED_TEXT)], self.service.delay())
        return UssdAnswer([CusdEvent(1, self.prompt)], self.service.delay(), self)


_CODE = re.compile(r"^\*[0-9*]+#$")


class OperatorService:
    def __init__(self, spec: OperatorSpec, settings: OperatorSettings, rng: random.Random,
                 hooks: NetworkHooks) -> None:
        self.spec = spec
        self.settings = settings
        self.rng = rng
        self.hooks = hooks
        self.trx_counter = rng.randrange(10**6)

    # ------------------------------------------------------------------ helpers

    @property
    def flow(self) -> Flow:
        return Flow(self.settings.flow) if self.settings.flow else self.spec.flow

    def delay(self) -> float:
        s = self.settings
        return max(0.0, s.ussd_delay + (self.rng.uniform(-s.ussd_jitter, s.ussd_jitter) if s.ussd_jitter else 0))

    def _sn(self) -> str:
        return "".join(self.rng.choice(self.spec.sn_alphabet) for _ in range(self.spec.sn_length))

    def _trxid(self) -> str:
        if not self.spec.trxid_digits:
            return ""
        self.trx_counter += 1
        num = (self.trx_counter * 7919 + self.rng.randrange(1000)) % 10**self.spec.trxid_digits
        return self.spec.trxid_prefix + str(num).zfill(self.spec.trxid_digits)

    def _t(self, name: str) -> str:
        return f"{self.spec.key}.{name}"

    def _values(self, chip: Chip, dest: str, amount: int, **extra: object) -> dict:
        values: dict[str, object] = {
            "dest": dest, "dest62": numbers.to62(dest), "amount": dotted(amount),
            "amount_plain": amount, "nominal": amount // 1000, "stock": dotted(chip.stock),
            "stock_plain": chip.stock,
        }
        values.update(extra)
        return values

    # ------------------------------------------------------------------ entry point

    def handle(self, chip: Chip | None, code: str) -> UssdAnswer:
        """A USSD request dialled from a SIM of this operator."""
        code = code.strip()
        if not _CODE.match(code):
            return UssdAnswer([CusdEvent(4)], self.delay())
        fields = code[1:-1].split("*")
        service, args = fields[0], fields[1:]
        spec = self.spec
        if chip is None or chip.operator != spec.id:
            return UssdAnswer([CusdEvent(4)], self.delay())
        if spec.nominal_in_thousands:  # Telkomsel codes
            if service in spec.reload_codes and len(args) == 3:
                return self._start_reload(chip, *args)
            if service in spec.stock_codes and len(args) == 1:
                return self._stock(chip, args[0], previous_day=False)
            if service in spec.stock_codes and len(args) == 2 and args[0] == "1":
                return self._stock(chip, args[1], previous_day=True)
            if service in spec.last5_codes and len(args) == 1:
                return self._last5(chip, args[0])
            if service in spec.pin_codes and len(args) == 2:
                return self._change_pin(chip, args[0], args[1])
        elif service == spec.reload_codes[0]:
            if len(args) == 2 and args[0] == "1":
                return self._stock(chip, args[1], previous_day=False)
            if len(args) == 2 and args[0] == "2":
                return self._last5(chip, args[1])
            if len(args) == 3 and args[0] == "3":
                return self._change_pin(chip, args[1], args[2])
            if len(args) == 3:
                return self._start_reload(chip, *args)
        return UssdAnswer([CusdEvent(4)], self.delay())

    # ------------------------------------------------------------------ PIN

    def _pin_ok(self, chip: Chip, pin: str) -> bool:
        if chip.locked:
            return False
        if pin == chip.pin:
            chip.wrong_pins = 0
            return True
        chip.wrong_pins += 1
        if chip.wrong_pins >= self.settings.pin_attempts:
            chip.locked = True
        return False

    def _plain_reject(self, reason: FailReason) -> UssdAnswer:
        text = REASON_TEXTS[reason]
        if self.spec.has_reject:
            text = render(self._t("reject"), reason=text)
        else:  # synthetic extension: operators without a reject template answer the bare reason
            text = text + "."
        return UssdAnswer([CusdEvent(0, text)], self.delay())

    # ------------------------------------------------------------------ queries

    def _stock(self, chip: Chip, pin: str, previous_day: bool) -> UssdAnswer:
        if not self._pin_ok(chip, pin):
            return self._plain_reject(FailReason.WRONG_CHIP_PIN)
        stock = chip.stock_yesterday if previous_day else chip.stock
        extra = {}
        if previous_day:
            y = now_wib() - timedelta(days=1)
            extra = {"date": y.strftime("%d/%m/%y"), "time": "23:59"}
        text = render(self._t("stock"), stock=dotted(stock), stock_plain=stock, **extra)
        return UssdAnswer([CusdEvent(0, text)], self.delay())

    def _last5(self, chip: Chip, pin: str) -> UssdAnswer:
        if not self._pin_ok(chip, pin):
            return self._plain_reject(FailReason.WRONG_CHIP_PIN)
        items = [
            f"{i}.{t.dest}/{t.amount // 1000}/{t.when.strftime('%H%M')}/{t.status}"
            for i, t in enumerate(reversed(chip.history[-5:]), start=1)
        ]
        text = render(self._t("last5"), list=" ".join(items) or "-")
        return UssdAnswer([CusdEvent(0, text)], self.delay())

    def _change_pin(self, chip: Chip, new_pin: str, old_pin: str) -> UssdAnswer:
        if not self._pin_ok(chip, old_pin):
            return self._plain_reject(FailReason.WRONG_CHIP_PIN)
        if not (new_pin.isdigit() and 4 <= len(new_pin) <= 6):
            return UssdAnswer([CusdEvent(4)], self.delay())
        chip.pin = new_pin
        return UssdAnswer([CusdEvent(0, render(self._t("pin_ok")))], self.delay())

    # ------------------------------------------------------------------ reload

    def _start_reload(self, chip: Chip, dest_raw: str, nominal_raw: str, pin: str) -> UssdAnswer:
        if self.settings.confirm_menu:
            nominal = nominal_raw if self.spec.nominal_in_thousands else str(_int(nominal_raw) // 1000)
            prompt = CONFIRM_MENU_TEXT.format(nominal=nominal, dest=dest_raw)
            return UssdAnswer([CusdEvent(1, prompt)], self.delay(),
                              _Confirm(self, chip, dest_raw, nominal_raw, pin, prompt))
        return self._reload(chip, dest_raw, nominal_raw, pin)

    def _pre_check(self, chip: Chip, dest: str | None, amount: int) -> FailReason | None:
        if amount <= 0 or amount % 1000 or amount // 1000 not in NOMINALS:
            return FailReason.NOMINAL_INVALID
        if dest is None or not numbers.is_mobile(dest) or numbers.operator_of(dest) != self.spec.id:
            return FailReason.DEST_INVALID
        window = self.settings.too_soon_window
        if window > 0:
            cutoff = now_wib() - timedelta(seconds=window)
            for t in reversed(chip.history):
                if t.when < cutoff:
                    break
                if t.dest == dest and t.amount == amount and t.status in ("OK", "PROSES"):
                    return FailReason.TOO_SOON
        if chip.no_stock or chip.stock < amount:
            return FailReason.OUT_OF_STOCK
        return None

    def _post_check(self, chip: Chip, dest: str) -> FailReason | None:
        sub = self.hooks.subscriber(dest)
        if sub.state == "blocked":
            return FailReason.DEST_BLOCKED
        if sub.state == "grace":
            return FailReason.DEST_GRACE_PERIOD
        if chip.region and not any(dest.startswith(p) for p in chip.region):
            return FailReason.OUT_OF_CLUSTER
        s = self.settings
        if s.disrupted or (s.failure_rate and self.rng.random() < s.failure_rate):
            return FailReason(self.rng.choice(s.failure_reasons))
        return None

    def _reload(self, chip: Chip, dest_raw: str, nominal_raw: str, pin: str) -> UssdAnswer:
        s = self.settings
        forced: str | None = chip.forced.popleft() if chip.forced else None
        amount = _int(nominal_raw) * (1000 if self.spec.nominal_in_thousands else 1)
        dest = numbers.try_normalize(dest_raw)
        shown_dest = dest if dest and dest.isdigit() else dest_raw
        reason: FailReason | None = None
        if not self._pin_ok(chip, pin):
            reason = FailReason.WRONG_CHIP_PIN
        elif forced and forced.startswith("fail:"):
            reason = FailReason(forced[5:])
        else:
            reason = self._pre_check(chip, dest, amount)
        if reason in PRE_REASONS:
            return self._fail_now(chip, shown_dest, amount, reason, pre=True)

        assert dest is not None
        if forced is None:
            roll = self.rng.random()
            if roll < s.busy_rate:
                forced = "busy"
            elif roll < s.busy_rate + s.timeout_rate:
                forced = "timeout_done" if self.rng.random() < s.timeout_executed_rate else "timeout"
        if forced == "busy":
            return UssdAnswer([CusdEvent(2, NETWORK_BUSY_TEXT, 0)], self.delay())
        if forced == "rejected":
            return UssdAnswer([CusdEvent(4)], self.delay())
        if reason is None:
            reason = self._post_check(chip, dest)

        if self.flow is Flow.IMMEDIATE:
            if forced in ("timeout", "silent"):
                return UssdAnswer([CusdEvent(5)] if forced == "timeout" else [], self.delay())
            if reason is not None:
                answer = self._fail_now(chip, dest, amount, reason, pre=False)
            else:
                trx = self._execute(chip, dest, amount, forced)
                text = render(self._t("ok"), **self._values(chip, dest, amount, sn=trx.sn, trxid=trx.trxid))
                answer = UssdAnswer([CusdEvent(0, text)], self.delay())
            if forced in ("timeout_done", "silent_done"):
                answer.events = [CusdEvent(5)] if forced == "timeout_done" else []
            return answer

        # ack + SMS
        if forced in ("timeout", "silent"):
            return UssdAnswer([CusdEvent(5)] if forced == "timeout" else [], self.delay())
        trx = Trx(dest, amount, now_wib(), "PROSES", self._trxid())
        chip.history.append(trx)
        mode = s.followup
        if forced and forced.startswith("followup_"):
            mode = forced[len("followup_"):]
        elif mode == "normal" and s.pending_rate and self.rng.random() < s.pending_rate:
            mode = "late"
        lo, hi = s.followup_delay
        delay = {"late": s.late_delay, "before_ack": 0.0}.get(mode, self.rng.uniform(lo, hi))
        sn_mode = forced if forced in ("no_sn", "reuse_sn") else None
        self.hooks.defer(delay, "chip_result", modem=chip.modem_id, trx=len(chip.history) - 1,
                         reason=reason.value if reason else None, sn_mode=sn_mode, send=mode != "never",
                         twice=mode == "twice")
        ack = render(self._t("ack"), **self._values(chip, dest, amount))
        ans_delay = self.delay()
        if mode == "before_ack":
            ans_delay += 0.5  # let the SMS overtake the acknowledgement
        events = [CusdEvent(self.spec.ack_status, ack)]
        if forced in ("timeout_done", "silent_done"):
            events = [CusdEvent(5)] if forced == "timeout_done" else []
        session = _Reshow(ack, self.delay()) if events and events[0].status == 1 else None
        return UssdAnswer(events, ans_delay, session)

    def _fail_now(self, chip: Chip, dest: str, amount: int, reason: FailReason, pre: bool) -> UssdAnswer:
        text_reason = REASON_TEXTS[reason]
        if self.flow is Flow.ACK_SMS:
            if self.spec.has_reject:
                return UssdAnswer([CusdEvent(0, render(self._t("reject"), reason=text_reason))], self.delay())
            # no reject template (Smartfren): acknowledge, then the failure SMS
            trx = Trx(dest, amount, now_wib(), "PROSES", self._trxid())
            chip.history.append(trx)
            lo, hi = self.settings.followup_delay
            self.hooks.defer(self.rng.uniform(lo, hi), "chip_result", modem=chip.modem_id, trx=len(chip.history) - 1,
                             reason=reason.value, sn_mode=None, send=True)
            return UssdAnswer([CusdEvent(self.spec.ack_status, render(self._t("ack")))], self.delay())
        trx = Trx(dest, amount, now_wib(), "GAGAL", self._trxid(), reason=reason.value)
        chip.history.append(trx)
        text = render(self._t("fail"), **self._values(chip, dest, amount, reason=text_reason, trxid=trx.trxid))
        return UssdAnswer([CusdEvent(0, text)], self.delay())

    def _execute(self, chip: Chip, dest: str, amount: int, forced: str | None, trx: Trx | None = None) -> Trx:
        if trx is None:
            trx = Trx(dest, amount, now_wib(), "OK", self._trxid())
            chip.history.append(trx)
        trx.status = "OK"
        if forced == "no_sn":
            trx.sn = ""
        elif forced == "reuse_sn" and chip.last_sn:
            trx.sn = chip.last_sn
        else:
            trx.sn = self._sn()
        if trx.sn:
            chip.last_sn = trx.sn
        chip.stock -= amount
        self.hooks.subscriber(dest).credit(amount, source=chip.modem_id, sn=trx.sn)
        return trx

    def finish(self, chip: Chip, index: int, reason_code: str | None, sn_mode: str | None, send: bool,
               twice: bool = False) -> None:
        """The network side of an acknowledged reload (`chip.history[index]`), when its time comes:
        execute or fail it, and send the result SMS (none, once, or once more a second later)."""
        trx = chip.history[index]
        reason = FailReason(reason_code) if reason_code else None
        if reason is None and chip.stock < trx.amount:
            reason = FailReason.OUT_OF_STOCK  # stock spent by a parallel order meanwhile
        if reason is None:
            self._execute(chip, trx.dest, trx.amount, sn_mode, trx)
        else:
            trx.status = "GAGAL"
            trx.reason = reason.value
        if send:
            self.send_result(chip, trx)
            if twice:
                self.hooks.defer(1.0, "chip_resend", modem=chip.modem_id, trx=index)

    def send_result(self, chip: Chip, trx: Trx) -> None:
        if not trx.result_text:
            trx.result_text = self._result_text(chip, trx)
        self.hooks.operator_sms(self.spec.sms_sender or self.spec.name, chip.msisdn, trx.result_text)

    def _result_text(self, chip: Chip, trx: Trx) -> str:
        if trx.status == "OK":
            return render(self._t("ok"), **self._values(chip, trx.dest, trx.amount, sn=trx.sn, trxid=trx.trxid))
        reason = REASON_TEXTS[FailReason(trx.reason)]
        return render(self._t("fail"), **self._values(chip, trx.dest, trx.amount, reason=reason, trxid=trx.trxid))


def _int(text: str) -> int:
    return int(text) if text.isdigit() else -1
