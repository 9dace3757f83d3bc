"""Modems, chips and routes from a description: a JSON file for real ports (`--config`), or the
virtual network for the demo. Applying the same description twice changes nothing.

    {"modems": [
      {"name": "center", "port": "COM3", "roles": ["center"]},
      {"name": "sender", "port": "COM4", "roles": ["sender"], "sms_per_minute": 20},
      {"name": "mkios-1", "port": "COM5", "roles": ["chip"], "operator": "TSEL", "pin": "1234"},
      {"name": "allop", "port": "COM6", "roles": ["upstream"],
       "upstream": {"to": "081299990000", "pin": "5566", "name": "Upline Pulsa"}}
    ],
     "suppliers": [
      {"name": "Mitra", "kind": "h2h_otomax", "url": "http://203.0.113.10:6969/trx", "member_id": "ABC001",
       "pin": "1234", "password": "rahasia", "products": {"S10": "TSEL10"}, "priority": 5}
    ]}

"suppliers" are H2H suppliers over HTTP (app/h2h/supplier_setup.py); a file may hold only them (with
`--demo`, for instance).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from app.engine_settings import EngineSettings
from app.h2h import supplier_setup
from app.h2h.supplier_setup import H2HSupplierSpec
from app.modem_records import ROLES, format_roles, ordered_roles, parse_roles
from app.resources import load_json
from app.supplier_config import SupplierConfig
from storage.models import Modem, Product, Route, Supplier, database_proxy as db



class ConfigError(ValueError):
    pass


@dataclass
class ModemSpec:
    name: str
    port: str
    roles: list[str]
    operator: str = ""
    pin: str = ""
    region: list[str] = field(default_factory=list)
    sms_per_minute: float = 0
    upstream: dict | None = None  # {"to", "pin", "name", "format", "status_by_resend"}
    imei: str = ""
    iccid: str = ""
    baudrate: int = 0  # 0: the driver's default (115200); an old phone on a data cable may want 9600 or 19200


def chip_config(modem: str, operator: str, pin: str) -> SupplierConfig:
    """A USSD chip supplier for `operator`, with the codes and rule pack of operator_replies.json."""
    ops = load_json("operator_replies.json")["operators"]
    if operator not in ops or operator.startswith("_"):
        raise ConfigError(f"operator {operator!r} tidak dikenal; "
                          f"pilih salah satu: {', '.join(k for k in ops if not k.startswith('_'))}")
    op = ops[operator]
    requests = op["requests"]
    return SupplierConfig(modem=modem, operator=operator, pin=pin, rule_pack=op["pack"],
                          topup=requests["reload"][0], balance=requests["stock"][0], history=requests["last5"][0])


def parse(data: dict) -> list[ModemSpec]:
    specs = []
    for i, m in enumerate(data.get("modems") or []):
        try:
            roles = parse_roles(m["roles"] if isinstance(m["roles"], list) else str(m["roles"]))
            spec = ModemSpec(name=str(m["name"]), port=str(m["port"]), roles=ordered_roles(roles),
                             operator=str(m.get("operator", "")).upper(), pin=str(m.get("pin", "")),
                             region=list(m.get("region") or []), sms_per_minute=float(m.get("sms_per_minute", 0)),
                             upstream=m.get("upstream"), baudrate=int(m.get("baudrate", 0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"modem #{i + 1}: {exc}") from None
        if spec.baudrate < 0:
            raise ConfigError(f"modem {spec.name}: 'baudrate' harus angka positif, mis. 115200 atau 9600")
        bad = set(spec.roles) - ROLES
        if bad:
            raise ConfigError(f"modem {spec.name}: peran tidak dikenal {sorted(bad)}")
        if "chip" in spec.roles and (not spec.operator or not spec.pin):
            raise ConfigError(f"modem {spec.name}: chip butuh 'operator' dan 'pin'")
        if "upstream" in spec.roles and not (spec.upstream and spec.upstream.get("to") and spec.upstream.get("pin")):
            raise ConfigError(f"modem {spec.name}: upstream butuh 'upstream': {{'to', 'pin'}}")
        if spec.upstream and not isinstance(spec.upstream.get("status_by_resend", False), bool):
            raise ConfigError(f"modem {spec.name}: 'status_by_resend' harus true atau false")
        specs.append(spec)
    if not specs and not data.get("suppliers") and not data.get("channels"):
        raise ConfigError("tidak ada modem atau supplier atau channel chat di konfigurasi")
    return specs


def parse_suppliers(data: dict) -> list[H2HSupplierSpec]:
    """The file's "suppliers" list: H2H suppliers over HTTP (docs/config.md); ConfigError if wrong."""
    entries = data.get("suppliers") or []
    if not isinstance(entries, list):
        raise ConfigError("'suppliers' harus daftar")
    try:
        specs = [supplier_setup.parse(entry, i) for i, entry in enumerate(entries)]
    except supplier_setup.SetupError as exc:
        raise ConfigError(str(exc)) from None
    names = [s.name.casefold() for s in specs]
    if len(names) != len(set(names)):
        raise ConfigError("dua supplier memakai nama yang sama")
    return specs


def read_config(path: Path) -> list[ModemSpec]:
    """Read and check a config file without touching the database (ConfigError if unusable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: harus berisi objek JSON dengan daftar 'modems'")
    specs = parse(data)
    parse_suppliers(data)
    parse_channels(data)
    read_engine_settings(path)  # refused now, before anything starts, if wrong
    return specs


def read_engine_settings(path: Path) -> EngineSettings | None:
    """The file's optional "engine" section (timers and policies, docs/config.md); ConfigError if wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    section = data.get("engine") if isinstance(data, dict) else None
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: 'engine' harus objek JSON")
    try:
        return EngineSettings.from_dict(section)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def load_config(path: Path) -> list[ModemSpec]:
    specs = read_config(path)
    if specs:
        apply(specs)
    apply_suppliers(parse_suppliers(json.loads(path.read_text(encoding="utf-8"))))
    apply_channels(parse_channels(json.loads(path.read_text(encoding="utf-8"))))
    return specs


def parse_channels(data: dict) -> list:
    """The file's "channels" list: chat centers (app/chat/config.py); ConfigError if wrong."""
    from app.chat import config as chat_config

    try:
        return chat_config.parse(data)
    except chat_config.ChannelConfigError as exc:
        raise ConfigError(str(exc)) from None


def apply_channels(specs: list) -> None:
    from app.chat import config as chat_config

    with db.atomic():
        try:
            chat_config.apply(specs)
        except chat_config.ChannelConfigError as exc:
            raise ConfigError(str(exc)) from None


def apply_suppliers(specs: list[H2HSupplierSpec]) -> None:
    """Create or update the H2H suppliers and their routes (with the priority each names)."""
    with db.atomic():
        for spec in specs:
            try:
                supplier_setup.save(spec, actor="config")
            except supplier_setup.SetupError as exc:
                raise ConfigError(str(exc)) from None


def apply(specs: list[ModemSpec], *, chip_cost_discount: int = 0, upstream_markup: int = 250) -> None:
    """Create or update modems, chip/upstream suppliers and the routes of every product they serve:
    own chips first (priority 0), upstream servers as fallback (priority 10). A chip's route costs what
    the operator takes from its stock — the face value, as on the virtual network — so the chip's stock
    books (app/stock_books.py) add up; the owner sets his own costs in the products view."""
    with db.atomic():
        chips: dict[str, list[Supplier]] = {}
        upstreams: list[Supplier] = []
        for spec in specs:
            values = dict(port_url=spec.port, roles=format_roles(spec.roles), imei=spec.imei, iccid=spec.iccid,
                          config=json.dumps({"sms_per_minute": spec.sms_per_minute,
                                             **({"baudrate": spec.baudrate} if spec.baudrate else {})}))
            if Modem.update(**values).where(Modem.name == spec.name).execute() == 0:
                Modem.create(name=spec.name, **values)
            if "chip" in spec.roles:
                config = chip_config(spec.name, spec.operator, spec.pin)
                if spec.region:
                    config.region = tuple(spec.region)
                chips.setdefault(spec.operator, []).append(_upsert_supplier(f"chip {spec.name}", "ussd_chip", config))
            if "upstream" in spec.roles and spec.upstream:
                config = SupplierConfig(modem=spec.name, to=spec.upstream["to"], pin=str(spec.upstream["pin"]),
                                        topup=spec.upstream.get("format", "{code}.{dest}.{pin}"),
                                        rule_pack="upstream_default",
                                        status_by_resend=spec.upstream.get("status_by_resend") is True)
                upstreams.append(_upsert_supplier(f"upstream {spec.upstream.get('name', spec.name)}", "sms_upstream",
                                                  config))
        for product in Product.select():
            for chip in chips.get(product.operator, []):
                _ensure_route(product, chip, 0, "", product.nominal - chip_cost_discount)
            for upstream in upstreams:
                _ensure_route(product, upstream, 10, product.code, product.nominal + upstream_markup)


def _upsert_supplier(name: str, kind: str, config: SupplierConfig) -> Supplier:
    row = Supplier.get_or_none(Supplier.name == name)
    if row is None:
        return Supplier.create(name=name, kind=kind, config=config.dumps(), low_stock=100_000)
    row.kind, row.config = kind, config.dumps()
    row.save()
    return row


def _ensure_route(product: Product, supplier: Supplier, priority: int, code: str, cost: int) -> None:
    if not Route.select().where((Route.product == product) & (Route.supplier == supplier)).exists():
        Route.create(product=product, supplier=supplier, priority=priority, supplier_code=code, cost=cost)
