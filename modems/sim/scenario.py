"""Scenario files: the JSON description of a virtual network (see docs/simulator.md)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import numbers
from .h2h_seller import SellerConfig
from .operators import OperatorSettings, operator_id
from .profiles import get_profile
from .upstream import UpstreamAccount, UpstreamSettings

ROLES = ("center", "sender", "chip", "spare")


class ScenarioError(ValueError):
    pass


@dataclass
class ModemConfig:
    id: str
    role: str
    operator: str
    msisdn: str | None
    profile: str = "generic"
    pin: str | None = None
    stock: int = 0
    region: tuple[str, ...] = ()
    imei: str | None = None
    iccid: str | None = None
    port: int = 0
    store_capacity: int | None = None
    settings: dict = field(default_factory=dict)
    pty: str | bool | None = None  # publish as a pty: true (DIR/ttyV<n>), a name in DIR, an absolute path


@dataclass
class UpstreamConfig:
    id: str
    msisdn: str
    name: str
    settings: UpstreamSettings
    accounts: list[UpstreamAccount]


@dataclass
class Scenario:
    name: str = "unnamed"
    seed: int = 0
    smsc: str = "+6281100000"
    send_delay: float = 0.5
    delivery_delay: float = 0.2
    report_delay: float = 0.5
    reset_delay: float = 1.0
    operators: dict[str, OperatorSettings] = field(default_factory=dict)
    operator_defaults: dict = field(default_factory=dict)
    modems: list[ModemConfig] = field(default_factory=list)
    subscribers: list[dict] = field(default_factory=list)
    upstreams: list[UpstreamConfig] = field(default_factory=list)
    h2h_sellers: list[SellerConfig] = field(default_factory=list)  # internet suppliers (modems/sim/h2h_seller.py)
    pty_dir: str | None = None  # publish every modem as DIR/ttyV<n> (modems/sim/pty.py)


def load(source: str | Path | dict) -> Scenario:
    if isinstance(source, dict):
        data = source
    else:
        try:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ScenarioError(f"cannot read scenario {source}: {exc}") from None
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"scenario {source} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError("a scenario is a JSON object")
    try:
        return _parse(data)
    except ScenarioError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise ScenarioError(str(exc)) from None


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ScenarioError(f"{what} must be a number >= 0")
    return float(value)


def _parse(data: dict) -> Scenario:
    sc = Scenario(name=str(data.get("name", "unnamed")), seed=int(data.get("seed", 0)))
    sms = data.get("sms", {})
    sc.smsc = str(data.get("smsc", sc.smsc))
    sc.send_delay = _number(sms.get("send_delay", sc.send_delay), "sms.send_delay")
    sc.delivery_delay = _number(sms.get("delivery_delay", sc.delivery_delay), "sms.delivery_delay")
    sc.report_delay = _number(sms.get("report_delay", sc.report_delay), "sms.report_delay")
    sc.reset_delay = _number(data.get("reset_delay", sc.reset_delay), "reset_delay")
    if data.get("pty_dir") is not None:
        if not isinstance(data["pty_dir"], str) or not data["pty_dir"]:
            raise ScenarioError("pty_dir must be a folder path")
        sc.pty_dir = data["pty_dir"]

    defaults = data.get("operator_defaults", {})
    for op_name, values in data.get("operators", {}).items():
        op = operator_id(op_name)
        settings = OperatorSettings()
        settings.update({**defaults, **values})
        sc.operators[op] = settings
    sc.operator_defaults = dict(defaults)

    seen: set[str] = set()
    for entry in data.get("modems", []):
        for cfg in _expand(entry):
            if cfg.id in seen:
                raise ScenarioError(f"duplicate modem id {cfg.id!r}")
            seen.add(cfg.id)
            sc.modems.append(cfg)
    msisdns = [m.msisdn for m in sc.modems if m.msisdn]
    if len(msisdns) != len(set(msisdns)):
        raise ScenarioError("two modems share an MSISDN")

    for sub in data.get("subscribers", []):
        msisdn = numbers.normalize(str(sub["msisdn"]))
        state = sub.get("state", "active")
        if state not in ("active", "grace", "blocked"):
            raise ScenarioError(f"subscriber {msisdn}: state must be active, grace or blocked")
        sc.subscribers.append({"msisdn": msisdn, "airtime": int(sub.get("airtime", 0)), "state": state})

    for up in data.get("upstreams", []):
        settings = UpstreamSettings()
        settings.update({k: v for k, v in up.items() if k in UpstreamSettings.FIELDS})
        accounts = [
            UpstreamAccount(numbers.normalize(str(a["msisdn"])), str(a.get("pin", "1234")),
                            int(a.get("balance", 0)), str(a.get("code", f"R{i + 1:04d}")))
            for i, a in enumerate(up.get("accounts", []))
        ]
        sc.upstreams.append(UpstreamConfig(str(up.get("id", f"upstream{len(sc.upstreams) + 1}")),
                                           numbers.normalize(str(up["msisdn"])), str(up.get("name", "")),
                                           settings, accounts))
    for i, seller in enumerate(data.get("h2h_sellers", [])):
        sc.h2h_sellers.append(SellerConfig.from_dict(seller, i))
    if len({s.id for s in sc.h2h_sellers}) != len(sc.h2h_sellers):
        raise ScenarioError("two h2h sellers share an id")
    return sc


def _expand(entry: dict) -> list[ModemConfig]:
    if "id" not in entry:
        raise ScenarioError("every modem needs an id")
    role = str(entry.get("role", "chip")).lower()
    if role not in ROLES:
        raise ScenarioError(f"modem {entry['id']}: role must be one of {', '.join(ROLES)}")
    get_profile(str(entry.get("profile", "generic")))
    operator = operator_id(entry.get("operator", "TSEL"))
    count = int(entry.get("count", 1))
    if not 1 <= count <= 1000:
        raise ScenarioError(f"modem {entry['id']}: count must be 1..1000")
    pty = entry.get("pty")
    if pty is not None and not isinstance(pty, bool) and not (isinstance(pty, str) and pty):
        raise ScenarioError(f"modem {entry['id']}: pty must be true, false or a path")
    base = numbers.normalize(str(entry["msisdn"])) if entry.get("msisdn") else None
    if base is not None and (not numbers.is_mobile(base)):
        raise ScenarioError(f"modem {entry['id']}: msisdn {entry['msisdn']!r} is not a mobile number")
    out = []
    for i in range(count):
        msisdn = base
        if base is not None and count > 1:
            msisdn = str(int(base) + i).zfill(len(base))
        settings = dict(entry.get("settings", {}))
        out.append(ModemConfig(
            id=entry["id"] if count == 1 else f"{entry['id']}-{i + 1}",
            role=role, operator=operator, msisdn=msisdn,
            profile=str(entry.get("profile", "generic")).lower(),
            pin=str(entry["pin"]) if entry.get("pin") is not None else None,
            stock=int(entry.get("stock", 0)),
            region=tuple(str(p) for p in entry.get("region", ())),
            imei=entry.get("imei") if count == 1 else None,
            iccid=entry.get("iccid") if count == 1 else None,
            port=int(entry.get("port", 0)) + (i if entry.get("port") else 0),
            store_capacity=int(entry["store_capacity"]) if entry.get("store_capacity") else None,
            settings=settings,
            pty=f"{pty}{i + 1}" if isinstance(pty, str) and count > 1 else pty,
        ))
    return out
