"""The virtual GSM network: operators, subscribers, SMS routing and the virtual modems.

One asyncio loop in one background thread owns all state. Other threads (the HTTP control API,
tests, the demo) reach it through ``call``, which runs a function on the loop and waits for it.

What the network will do later (an SMS on its way, an operator's follow-up, an upstream's result) is
a `Deferred`: plain data with the wall-clock time it is due, so that a state file (modems/sim/state.py)
can keep it across a restart of the simulator.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import random
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

from modems import pdu as pdu_codec

from . import numbers, state
from .control import ApiError, ControlServer
from .faults import FaultKind
from . import pty
from .modem import VirtualModem
from .operators import (
    FORCED_OUTCOMES,
    SPECS,
    Chip,
    MenuSession,
    OperatorService,
    OperatorSettings,
    UssdAnswer,
)
from .profiles import get_profile
from .pty import PtyPort
from .scenario import ModemConfig, Scenario, load
from .subscribers import Subscriber
from .templates import now_wib
from .h2h_seller import H2HSeller
from .upstream import UpstreamServer

log = logging.getLogger(__name__)

# ICCID issuer digits per operator (89 62 xx …), used only for generated identities
_ICCID_ISSUER = {"TSEL": "10", "ISAT": "01", "XL": "11", "AXIS": "08", "TRI": "89", "SMART": "09"}
# TP-ST for a message the network could not deliver: permanent error, SME incompatible
_ST_UNDELIVERABLE = 0x41
# a change nobody has been told of yet is written this long after it, at the latest (a burst of changes
# is one write); whatever is answered is written before its answer
SAVE_DELAY = 0.1


def _luhn(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return str((10 - total % 10) % 10)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _mask_pin(code: str, pins: set[str]) -> str:
    if not code.endswith("#"):
        return code
    fields = code[:-1].split("*")
    return "*".join("*" * len(f) if f in pins and i > 1 else f for i, f in enumerate(fields)) + "#"


@dataclass
class Deferred:
    """Something the network does at `due` (time.time()): `kind` names the handler, `data` is JSON."""

    id: int
    kind: str
    due: float
    data: dict


class SimNetwork:
    def __init__(self, scenario: Scenario, *, token: str | None = None,
                 state_path: str | Path | None = None, pty_dir: str | Path | None = None) -> None:
        self.scenario = scenario
        self.pty_dir = pty_dir if pty_dir is not None else scenario.pty_dir  # every modem as DIR/ttyV<n>
        self.ptys: dict[str, PtyPort] = {}  # modem id → its pty, for modems published as one
        self.seed = scenario.seed
        self.control_token = token or secrets.token_urlsafe(24)
        self.state_path = Path(state_path) if state_path is not None else None
        self.generation = 0  # starts from a state file so far
        self.saved_control_port = 0
        self.saves = 0
        self.deferred: dict[int, Deferred] = {}
        self._next_deferred = 1
        self._dirty = False
        self._save_armed = False
        self.rng = random.Random(scenario.seed)
        self.smsc = scenario.smsc
        self.send_delay = scenario.send_delay
        self.delivery_delay = scenario.delivery_delay
        self.report_delay = scenario.report_delay
        self.reset_delay = scenario.reset_delay
        self.subscribers: dict[str, Subscriber] = {}
        self.operators: dict[str, OperatorService] = {}
        for op_id, spec in SPECS.items():
            settings = scenario.operators.get(op_id)
            if settings is None:
                settings = OperatorSettings()
                settings.update(scenario.operator_defaults)
            self.operators[op_id] = OperatorService(spec, settings, random.Random(f"{self.seed}:{op_id}"), self)
        self._modems: dict[str, VirtualModem] = {}
        self._by_msisdn: dict[str, VirtualModem] = {}
        for index, cfg in enumerate(scenario.modems):
            self._add_modem(cfg, index)
        self.upstreams: dict[str, UpstreamServer] = {}
        for up in scenario.upstreams:
            server = UpstreamServer(up.id, up.msisdn, up.settings, up.accounts,
                                    random.Random(f"{self.seed}:upstream:{up.id}"), self, up.name)
            self.upstreams[up.id] = server
        self._upstream_by_msisdn = {u.msisdn: u for u in self.upstreams.values()}
        self.h2h_sellers = {c.id: H2HSeller(c, self, random.Random(f"{self.seed}:h2h:{c.id}"))
                            for c in scenario.h2h_sellers}
        for sub in scenario.subscribers:
            s = self.subscriber(sub["msisdn"])
            s.airtime, s.state = sub["airtime"], sub["state"]
        self.ussd_log: deque[dict] = deque(maxlen=5000)
        self.sms_log: deque[dict] = deque(maxlen=10000)
        # parts of a long SMS from a modem, waiting for the rest: key → {seq: (PDU hex, message reference)}
        self.partials: dict[tuple, dict[int, tuple[str, int]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._loop_thread_id: int | None = None
        self._control: Any = None
        self._started = False
        self._subscriber_sms: asyncio.Event | None = None  # set (and replaced) when an SMS reaches a subscriber
        self._kinds: dict[str, Callable[..., None]] = {
            "to_modem": lambda modem, pdus, report: self._modems[modem].receive_pdus(pdus, report),
            "to_upstream": lambda upstream, sender, text: self.upstreams[upstream].receive(sender, text),
            "to_subscriber": lambda msisdn, sender, text, parts: self._deliver_to_subscriber(
                self.subscriber(msisdn), sender, text, parts),
            "chip_result": self._chip_result,
            "chip_resend": self._chip_resend,
            "upstream_order": lambda upstream, sender, text: self.upstreams[upstream].handle(sender, text),
            "upstream_release": lambda upstream, trxid: self.upstreams[upstream].release(trxid),
        }
        if self.state_path is not None:
            saved = state.read(self.state_path)
            if saved is not None:
                state.restore(self, saved)
                self._reseed()

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_scenario(cls, source: str | Path | dict, *, token: str | None = None,
                      state_path: str | Path | None = None, pty_dir: str | Path | None = None) -> "SimNetwork":
        return cls(load(source), token=token, state_path=state_path, pty_dir=pty_dir)

    def _reseed(self) -> None:
        """After a restart: new random streams (same seed, next generation), so serial numbers and
        transaction ids do not start over from the first start's values."""
        g = self.generation
        self.rng = random.Random(f"{self.seed}:gen{g}")
        for op_id, service in self.operators.items():
            service.rng = random.Random(f"{self.seed}:{op_id}:gen{g}")
        for m in self._modems.values():
            m.rng = random.Random(f"{self.seed}:modem:{m.id}:gen{g}")
        for up in self.upstreams.values():
            up.rng = random.Random(f"{self.seed}:upstream:{up.id}:gen{g}")

    def _add_modem(self, cfg: ModemConfig, index: int) -> None:
        rng = random.Random(f"{self.seed}:modem:{cfg.id}")
        spec = SPECS[cfg.operator]
        msisdn = cfg.msisdn
        if msisdn is None:
            prefix = next(p for p, op in numbers.PREFIXES.items() if op == cfg.operator)
            while msisdn is None or msisdn in self._by_msisdn:
                msisdn = prefix + _digits(rng, 8)
        if msisdn in self._by_msisdn:
            raise ValueError(f"two modems share MSISDN {msisdn}")
        imei = cfg.imei or ("35" + _digits(rng, 12))
        if len(imei) == 14:
            imei += _luhn(imei)
        iccid = cfg.iccid or ("8962" + _ICCID_ISSUER[cfg.operator] + _digits(rng, 13))
        if len(iccid) == 19:
            iccid += _luhn(iccid)
        imsi = spec.mcc_mnc + _digits(rng, 10)
        chip = None
        if cfg.role == "chip":
            chip = Chip(cfg.id, cfg.operator, msisdn, cfg.pin or "1234", cfg.stock, cfg.region,
                        stock_yesterday=cfg.stock)
        modem = VirtualModem(self, id=cfg.id, role=cfg.role, operator=cfg.operator, msisdn=msisdn,
                             profile=get_profile(cfg.profile), imei=imei, iccid=iccid, imsi=imsi, rng=rng,
                             port=cfg.port, store_capacity=cfg.store_capacity, chip=chip)
        modem.settings.update(cfg.settings)
        modem.pin_ok = modem.settings.sim_pin is None
        self._modems[cfg.id] = modem
        self._by_msisdn[msisdn] = modem
        self.subscriber(msisdn)

    # ------------------------------------------------------------------ lifecycle (any thread)

    def start(self, control_port: int | None = 0) -> "SimNetwork":
        """Start the loop thread, open every modem port and (unless None) the control API.

        After a restart from a state file, modems listen on their saved ports, and `control_port=0`
        takes the saved control port again when it is free."""
        if self._started:
            return self
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, name="sim-network", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start_modems(), self._loop).result(60)
        if control_port is not None:
            self._control = self._open_control(control_port)
            self._control.start()
        self._started = True
        if self.state_path is not None:
            self.call(self.save_state)
        return self

    def _open_control(self, port: int) -> ControlServer:
        if port == 0 and self.saved_control_port:
            try:
                return ControlServer(self, self.saved_control_port, self.control_token)
            except OSError:
                log.warning("control port %d of the state file is taken; using another", self.saved_control_port)
        return ControlServer(self, port, self.control_token)

    def _run_loop(self) -> None:
        assert self._loop is not None
        self._loop_thread_id = threading.get_ident()
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    async def _start_modems(self) -> None:
        for index, cfg in enumerate(self.scenario.modems):
            spec = cfg.pty if cfg.pty is not None else (True if self.pty_dir else None)
            if spec:
                self._add_pty(cfg.id, pty.link_path(spec, index, self.pty_dir))
        for modem in self._modems.values():
            await modem.start()
        for port in self.ptys.values():
            await port.plug()
        for seller in self.h2h_sellers.values():
            await seller.start()
        for d in sorted(self.deferred.values(), key=lambda d: d.due):
            self._arm(d)

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        if self._control is not None:
            self._control.stop()
            self._control = None
        loop = self._loop
        assert loop is not None and self._thread is not None

        async def shutdown() -> None:
            for port in self.ptys.values():
                port.close()
            for modem in self._modems.values():
                await modem.stop()
            for seller in self.h2h_sellers.values():
                await seller.stop()
            if self.state_path is not None:
                self.save_state()
            # connection handlers still reading, and transports still closing, end before the loop does
            current = asyncio.current_task()
            rest = [t for t in asyncio.all_tasks() if t is not current]
            for task in rest:
                task.cancel()
            await asyncio.gather(*rest, return_exceptions=True)
            for _ in range(3):
                await asyncio.sleep(0)

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(10)
            loop.close()

    def __enter__(self) -> "SimNetwork":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def control_url(self) -> str | None:
        return self._control.url if self._control else None

    @property
    def control_port(self) -> int:
        return self._control.port if self._control else self.saved_control_port

    def _add_pty(self, modem_id: str, link: Path) -> "PtyPort":
        def taken(path: Path) -> bool:
            return any(p.link == path for p in self.ptys.values())

        old = self.ptys.pop(modem_id, None)
        if old is not None:
            old.close()
        port = self.ptys[modem_id] = PtyPort(self.modem(modem_id), link, taken)
        return port

    def publish_pty(self, modem_id: str, link: str | Path | None = None) -> str | None:
        """Publish a modem as a pty (any thread, network started): at ``link``, or DIR/ttyV<n> by its place
        in the scenario. Returns the device path, or None while the modem is unplugged (the pty appears
        when it is plugged in again)."""
        index = [m.id for m in self.scenario.modems].index(modem_id) if link is None else 0
        path = Path(link) if link is not None else pty.link_path(True, index, self.pty_dir)

        async def run() -> str | None:
            port = self._add_pty(modem_id, path)
            await port.plug()
            return self.modem(modem_id).pty

        return self.call(run)

    @property
    def modems(self) -> list[VirtualModem]:
        return list(self._modems.values())

    def modem(self, modem_id: str) -> VirtualModem:
        try:
            return self._modems[modem_id]
        except KeyError:
            raise ApiError(f"no modem {modem_id!r}", 404) from None

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float = 30, persist: bool = False) -> Any:
        """Run ``fn(*args)`` (sync or async) on the network's loop and return its result. With `persist`
        the change it made is in the state file (if there is one) before this returns."""
        if self._loop is None:
            raise RuntimeError("network not started")

        async def run() -> Any:
            try:
                result = fn(*args)
                if inspect.isawaitable(result):
                    result = await result
            finally:
                if persist:
                    self.changed()
                    self.flush_state()
            return result

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout)

    # ------------------------------------------------------------------ the state file (loop thread)

    def changed(self) -> None:
        """Something worth keeping changed: the state file is written before the next answer leaves a
        modem or the control API (`flush_state`), and at the latest SAVE_DELAY later."""
        if self.state_path is None or self._loop is None:
            return
        if threading.get_ident() != self._loop_thread_id:
            self._loop.call_soon_threadsafe(self.changed)
            return
        self._dirty = True
        if not self._save_armed:
            self._save_armed = True
            self._loop.call_later(SAVE_DELAY, self._timed_save)

    def _timed_save(self) -> None:
        self._save_armed = False
        self.flush_state()

    def flush_state(self) -> None:
        """Write the state file now if something changed since it was last written."""
        if self._dirty:
            self.save_state()

    def save_state(self) -> None:
        if self.state_path is None:
            return
        self._dirty = False
        try:
            state.write(self.state_path, state.snapshot(self))
            self.saves += 1
        except OSError:
            log.exception("cannot write the state file %s", self.state_path)
            self._dirty = True

    # ------------------------------------------------------------------ deferred work (loop thread)

    def defer(self, delay: float, kind: str, **data: Any) -> None:
        """Do `kind` with `data` after `delay` seconds; kept in the state file until it is done."""
        d = Deferred(self._next_deferred, kind, time.time() + max(0.0, delay), data)
        self._next_deferred += 1
        self.deferred[d.id] = d
        self._arm(d)
        self.changed()

    def restore_deferred(self, items: list[tuple[int, str, float, dict]]) -> None:
        for id_, kind, due, data in items:
            if kind not in self._kinds:
                raise ValueError(f"unknown deferred kind {kind!r}")
            self.deferred[id_] = Deferred(id_, kind, due, data)
        self._next_deferred = max(self.deferred, default=0) + 1

    def _arm(self, d: Deferred) -> None:
        assert self._loop is not None
        self._loop.call_later(max(0.0, d.due - time.time()), self._fire, d.id)

    def _fire(self, deferred_id: int) -> None:
        d = self.deferred.pop(deferred_id, None)
        if d is None:
            return
        try:
            self._kinds[d.kind](**d.data)
        except Exception:  # noqa: BLE001 - one bad event must not stop the network
            log.exception("simulator event %s %r failed", d.kind, d.data)
        self.changed()

    def _chip_result(self, modem: str, trx: int, reason: str | None, sn_mode: str | None, send: bool,
                     twice: bool = False) -> None:
        chip = self._modems[modem].chip
        assert chip is not None
        self.operators[chip.operator].finish(chip, trx, reason, sn_mode, send, twice)

    def _chip_resend(self, modem: str, trx: int) -> None:
        chip = self._modems[modem].chip
        assert chip is not None
        self.operators[chip.operator].send_result(chip, chip.history[trx])

    # ------------------------------------------------------------------ hooks used by parts (loop thread)

    def subscriber(self, national: str) -> Subscriber:
        sub = self.subscribers.get(national)
        if sub is None:
            sub = Subscriber(national, numbers.operator_of(national))
            self.subscribers[national] = sub
        return sub

    def operator_sms(self, sender: str, to: str, text: str) -> None:
        self.route_sms(sender, to, text)

    def ussd_delay_for(self, modem: VirtualModem) -> float:
        return self.operators[modem.operator].delay()

    def session_timeout_for(self, modem: VirtualModem) -> float:
        return self.operators[modem.operator].settings.session_timeout

    def ussd_request(self, modem: VirtualModem, text: str, session: MenuSession | None) -> UssdAnswer:
        service = self.operators[modem.operator]
        answer = session.input(text) if session is not None else service.handle(modem.chip, text)
        self.log_ussd(modem, text, answer.events, note="menu input" if session else "")
        self.changed()
        return answer

    def log_ussd(self, modem: VirtualModem, text: str, events: list, note: str = "") -> None:
        pins = {modem.chip.pin} if modem.chip else set()
        self.ussd_log.append({
            "time": now_wib().isoformat(timespec="seconds"), "modem": modem.id,
            "request": _mask_pin(text, pins) if not note.startswith("menu") else text,
            "answers": [{"status": e.status, "text": e.text} for e in events], "note": note,
        })

    # ------------------------------------------------------------------ SMS routing (loop thread)

    def route_sms(self, sender: str, to: str, text: str) -> bool:
        """Deliver a whole message after the network's delivery delay. False if undeliverable."""
        dest = numbers.try_normalize(to)
        entry = {"time": now_wib().isoformat(timespec="seconds"), "from": sender, "to": dest or to,
                 "text": text, "delivered": True}
        self.sms_log.append(entry)
        if dest is None:
            entry["delivered"] = False
            return False
        modem = self._by_msisdn.get(dest)
        if modem is not None:
            pdus = pdu_codec.encode_deliver(numbers.international(sender), text,
                                            smsc=self.smsc.lstrip("+"))
            self.defer(self.delivery_delay, "to_modem", modem=modem.id, pdus=pdus, report=False)
            return True
        upstream = self._upstream_by_msisdn.get(dest)
        if upstream is not None:
            self.defer(self.delivery_delay, "to_upstream", upstream=upstream.id, sender=sender, text=text)
            return True
        if numbers.is_mobile(dest) and numbers.operator_of(dest):
            parts = pdu_codec.count_parts(text) if hasattr(pdu_codec, "count_parts") else 1
            self.subscriber(dest)
            self.defer(self.delivery_delay, "to_subscriber", msisdn=dest, sender=sender, text=text, parts=parts)
            return True
        entry["delivered"] = False
        return False

    def submit_from_modem(self, modem: VirtualModem, msg: pdu_codec.SmsSubmit, mr: int, pdu_hex: str) -> None:
        """One SMS-SUBMIT part accepted from a modem (after its +CMGS); `pdu_hex` is `msg` as sent."""
        to = numbers.try_normalize(msg.to) or msg.to
        if msg.concat is None or msg.concat.total <= 1:
            delivered = self.route_sms(modem.msisdn, to, msg.text)
            self._report(modem, [(msg, mr)], to, delivered)
            return
        key = (modem.id, to, msg.concat.ref, msg.concat.total)
        parts = self.partials.setdefault(key, {})
        parts[msg.concat.seq] = (pdu_hex, mr)
        self.changed()
        if len(parts) == msg.concat.total:
            del self.partials[key]
            decoded = [(pdu_codec.decode_pdu(p, has_smsc=True), m) for p, m in parts.values()]
            text = pdu_codec.join_parts([p for p, _ in decoded])
            delivered = self.route_sms(modem.msisdn, to, text)
            self._report(modem, decoded, to, delivered)

    def _report(self, modem: VirtualModem, parts: list, to: str, delivered: bool) -> None:
        wanted = [(m, mr) for m, mr in parts if m.request_report]
        if not wanted:
            return
        status = 0x00 if delivered else _ST_UNDELIVERABLE
        scts = now_wib().replace(microsecond=0)
        discharge = scts + timedelta(seconds=round(self.delivery_delay))
        reports = [pdu_codec.encode_status_report(mr, numbers.international(to), scts, discharge, status,
                                                  smsc=self.smsc.lstrip("+"))
                   for _, mr in wanted]
        self.defer(self.delivery_delay + self.report_delay, "to_modem", modem=modem.id, pdus=reports, report=True)

    # ------------------------------------------------------------------ control API operations (loop thread)

    def api_modems(self) -> list[dict]:
        return [m.info() for m in self._modems.values()]

    def api_modem(self, modem_id: str) -> dict:
        return self.modem(modem_id).details()

    def api_modem_settings(self, modem_id: str, values: dict) -> dict:
        m = self.modem(modem_id)
        m.settings.update(values)
        if "noise_interval" in values:
            m.restart_noise()
        m._flush_backlog()
        return m.details()

    def api_sms(self, body: dict) -> dict:
        sender = _require_str(body, "from")
        to = _require_str(body, "to")
        text = body.get("text")
        if not isinstance(text, str):
            raise ApiError("'text' must be a string")
        src = numbers.try_normalize(sender)
        if src is None:
            raise ApiError(f"'from' is not a phone number or sender name: {sender!r}")
        dest = numbers.try_normalize(to)
        if dest is None:
            raise ApiError(f"'to' is not a phone number: {to!r}")
        try:
            parts = pdu_codec.encode_deliver(numbers.international(src), text)
        except ValueError as exc:
            raise ApiError(f"cannot encode text: {exc}") from None
        if not self.route_sms(src, dest, text):
            raise ApiError(f"no route to {dest}", 422)
        return {"ok": True, "from": src, "to": dest, "parts": len(parts)}

    def api_subscriber(self, msisdn: str) -> dict:
        return self._subscriber(msisdn).as_dict()

    def api_subscriber_update(self, msisdn: str, body: dict) -> dict:
        sub = self._subscriber(msisdn)
        for key, value in body.items():
            if key == "airtime":
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ApiError("'airtime' must be an integer >= 0")
                sub.airtime = value
            elif key == "state":
                if value not in ("active", "grace", "blocked"):
                    raise ApiError("'state' must be active, grace or blocked")
                sub.state = value
            else:
                raise ApiError(f"unknown subscriber field {key!r}")
        return sub.as_dict()

    async def api_subscriber_sms(self, msisdn: str, query: dict[str, list[str]] | None = None) -> list[dict]:
        """A subscriber's received SMS. `?count=N&wait=S` holds the answer until it has at least N
        messages or S seconds (at most 60) have passed, so a caller waits for a reply without polling."""
        sub = self._subscriber(msisdn)
        query = query or {}
        try:
            count = int(query.get("count", ["0"])[0])
            wait = min(60.0, max(0.0, float(query.get("wait", ["0"])[0])))
        except ValueError:
            raise ApiError("'count' must be an integer and 'wait' a number of seconds") from None
        deadline = asyncio.get_running_loop().time() + wait
        while count and len(sub.inbox) < count:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            if self._subscriber_sms is None:
                self._subscriber_sms = asyncio.Event()
            try:
                await asyncio.wait_for(self._subscriber_sms.wait(), remaining)
            except TimeoutError:
                break
        return [s.as_dict() for s in list(sub.inbox)]

    def _deliver_to_subscriber(self, sub: Subscriber, sender: str, text: str, parts: int) -> None:
        sub.receive(sender, text, parts)
        arrived, self._subscriber_sms = self._subscriber_sms, None
        if arrived is not None:
            arrived.set()  # wakes every long poll; each checks its own subscriber and waits again

    def _subscriber(self, msisdn: str) -> Subscriber:
        national = numbers.try_normalize(msisdn)
        if national is None or not numbers.is_mobile(national):
            raise ApiError(f"not a mobile number: {msisdn!r}")
        if numbers.operator_of(national) is None and national not in self.subscribers:
            raise ApiError(f"no operator serves {national}", 404)
        return self.subscriber(national)

    def _chip(self, chip_id: str) -> Chip:
        m = self.modem(chip_id)
        if m.chip is None:
            raise ApiError(f"modem {chip_id!r} is not a chip", 404)
        return m.chip

    def api_chips(self) -> list[dict]:
        return [m.chip.as_dict() for m in self._modems.values() if m.chip]

    def api_chip(self, chip_id: str) -> dict:
        return self._chip(chip_id).as_dict()

    def api_chip_stock(self, chip_id: str, body: dict | None = None) -> dict:
        chip = self._chip(chip_id)
        if body is not None:
            stock = body.get("stock")
            if isinstance(stock, bool) or not isinstance(stock, int) or stock < 0:
                raise ApiError("'stock' must be an integer >= 0")
            chip.stock = stock
        return {"id": chip.modem_id, "stock": chip.stock}

    def api_chip_update(self, chip_id: str, body: dict) -> dict:
        chip = self._chip(chip_id)
        for key, value in body.items():
            if key == "pin":
                if not str(value).isdigit():
                    raise ApiError("'pin' must be digits")
                chip.pin = str(value)
            elif key == "locked":
                if not isinstance(value, bool):
                    raise ApiError("'locked' must be true or false")
                chip.locked = value
                if not value:
                    chip.wrong_pins = 0
            elif key == "region":
                if not isinstance(value, list):
                    raise ApiError("'region' must be a list of prefixes")
                chip.region = tuple(str(v) for v in value)
            elif key == "stock":
                self.api_chip_stock(chip_id, {"stock": value})
            else:
                raise ApiError(f"unknown chip field {key!r}")
        return chip.as_dict()

    def api_chip_outcomes(self, chip_id: str, body: dict) -> dict:
        chip = self._chip(chip_id)
        outcomes = body.get("outcomes")
        if not isinstance(outcomes, list) or not all(isinstance(o, str) for o in outcomes):
            raise ApiError("'outcomes' must be a list of strings")
        bad = [o for o in outcomes if o not in FORCED_OUTCOMES]
        if bad:
            raise ApiError(f"unknown outcomes {bad}; known: {list(FORCED_OUTCOMES)}")
        if body.get("replace", False):
            chip.forced.clear()
        chip.forced.extend(outcomes)
        return chip.as_dict()

    def api_chip_history(self, chip_id: str) -> list[dict]:
        return [t.as_dict() for t in self._chip(chip_id).history]

    def api_operators(self) -> list[dict]:
        return [{"id": s.spec.id, "name": s.spec.name, "flow": s.flow.value, "sms_sender": s.spec.sms_sender,
                 "settings": s.settings.as_dict()} for s in self.operators.values()]

    def api_operator_update(self, op_id: str, body: dict) -> dict:
        service = self.operators.get(op_id.upper())
        if service is None:
            raise ApiError(f"no operator {op_id!r}", 404)
        service.settings.update(body)
        return {"id": service.spec.id, "settings": service.settings.as_dict()}

    def api_fault(self, body: dict) -> dict:
        m = self.modem(_require_str(body, "modem"))
        try:
            kind = FaultKind(_require_str(body, "kind"))
        except ValueError:
            raise ApiError(f"unknown fault kind; known: {[k.value for k in FaultKind]}") from None
        params = {k: v for k, v in body.items() if k not in ("modem", "kind")}
        applied = m.set_fault(kind, params)
        return {"modem": m.id, "kind": kind.value, "params": applied}

    async def api_clear_faults(self, body: dict) -> dict:
        modem_id = body.get("modem")
        kind_name = body.get("kind")
        try:
            kind = FaultKind(kind_name) if kind_name is not None else None
        except ValueError:
            raise ApiError(f"unknown fault kind {kind_name!r}") from None
        targets = [self.modem(modem_id)] if modem_id is not None else list(self._modems.values())
        for m in targets:
            await m.clear_fault(kind)
        return {"cleared": [m.id for m in targets], "kind": kind_name}

    def api_faults(self) -> list[dict]:
        return [{"modem": m.id, "kind": k.value, "params": p}
                for m in self._modems.values() for k, p in m.faults.items()]

    def api_reset(self, modem_id: str, body: dict) -> dict:
        m = self.modem(modem_id)
        new_port = body.get("new_port")
        if new_port is not None and not isinstance(new_port, bool):
            raise ApiError("'new_port' must be true or false")
        m.reset(new_port)
        return {"id": m.id, "resetting": True}

    def api_unplug(self, modem_id: str) -> dict:
        m = self.modem(modem_id)
        m.unplug()
        return m.info()

    async def api_replug(self, modem_id: str, body: dict) -> dict:
        m = self.modem(modem_id)
        new_port = body.get("new_port", False)
        if not isinstance(new_port, bool):
            raise ApiError("'new_port' must be true or false")
        await m.replug(new_port)
        if modem_id in self.ptys:
            await self.ptys[modem_id].plug()  # the answer names the (maybe new) device path
        return m.info()

    def api_inject(self, modem_id: str, body: dict) -> dict:
        """An SMS to this modem from any number or sender name."""
        m = self.modem(modem_id)
        return self.api_sms({"from": body.get("from"), "to": m.msisdn, "text": body.get("text")})

    def api_fill_store(self, modem_id: str) -> dict:
        m = self.modem(modem_id)
        added = m.fill_store()
        return {"id": m.id, "added": added, "used": m.store.used, "total": m.store.capacity}

    def api_sent(self, modem_id: str) -> list[dict]:
        return [s.as_dict() for s in self.modem(modem_id).sent]

    def api_upstreams(self) -> list[dict]:
        return [u.as_dict() for u in self.upstreams.values()]

    def api_upstream_orders(self, up_id: str) -> list[dict]:
        up = self.upstreams.get(up_id)
        if up is None:
            raise ApiError(f"no upstream {up_id!r}", 404)
        return up.public_orders()

    def api_upstream_update(self, up_id: str, body: dict) -> dict:
        up = self.upstreams.get(up_id)
        if up is None:
            raise ApiError(f"no upstream {up_id!r}", 404)
        body = dict(body)
        forced = body.pop("outcomes", None)
        if forced is not None:
            if not isinstance(forced, list) or any(
                    o not in ("ok", "pending", "fail") and not str(o).startswith("fail:") for o in forced):
                raise ApiError("'outcomes' must be a list of ok, pending, fail or fail:<REASON>")
            up.forced.extend(forced)
        balances = body.pop("balances", None)
        if balances is not None:
            for number, amount in dict(balances).items():
                acct = up.accounts.get(numbers.try_normalize(number) or "")
                if acct is None:
                    raise ApiError(f"no account {number!r} at {up_id}", 404)
                acct.balance = int(amount)
                acct.locked, acct.wrong_pins = False, 0
        up.settings.update(body)
        return up.as_dict()

    def _seller(self, seller_id: str) -> H2HSeller:
        seller = self.h2h_sellers.get(seller_id)
        if seller is None:
            raise ApiError(f"no h2h seller {seller_id!r}", 404)
        return seller

    def api_h2h_sellers(self) -> list[dict]:
        return [s.as_dict() for s in self.h2h_sellers.values()]

    def api_h2h_seller_update(self, seller_id: str, body: dict) -> dict:
        return self._seller(seller_id).update(body)

    def api_h2h_seller_orders(self, seller_id: str) -> dict:
        seller = self._seller(seller_id)
        return {"orders": [o.as_dict() for o in seller.orders.values()], "topups": list(seller.topups),
                "ledger": list(seller.ledger), "balance": seller.balance}

    def api_h2h_seller_callbacks(self, seller_id: str) -> list[dict]:
        return list(self._seller(seller_id).callbacks)

    def api_network(self) -> dict:
        return {"seed": self.seed, "smsc": self.smsc, "send_delay": self.send_delay,
                "delivery_delay": self.delivery_delay, "report_delay": self.report_delay,
                "reset_delay": self.reset_delay, "modems": len(self._modems),
                "subscribers": len(self.subscribers),
                "state": {"file": str(self.state_path) if self.state_path else None,
                          "generation": self.generation, "saves": self.saves, "deferred": len(self.deferred)}}

    def api_network_update(self, body: dict) -> dict:
        for key in body:
            if key not in ("send_delay", "delivery_delay", "report_delay", "reset_delay"):
                raise ApiError(f"unknown network setting {key!r}")
            value = body[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ApiError(f"{key!r} must be a number >= 0")
            setattr(self, key, float(value))
        return self.api_network()


def _require_str(body: dict, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ApiError(f"{key!r} is required and must be a string")
    return value
