"""Adding, editing and retiring modems from the control panel (no Qt here: the UI calls these).

A modem row says where the device is plugged in and what it does (roles). A modem with the `chip`
role also has a USSD-chip supplier whose JSON config holds the operator, the chip PIN and the USSD
templates; `upstream` modems have an SMS-upstream supplier. The chip PIN is written here and never
read back out to a screen: `ModemSettings.has_pin` only says whether one is set.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.config import ConfigError, ModemSpec, apply, chip_config
from app.supplier_config import SupplierConfig
from app.modem_records import ROLES, ModemRecord, format_roles, ordered_roles, parse_roles
from storage.models import AuditLog, Modem, Supplier, database_proxy as db

if TYPE_CHECKING:
    from app.engine import Engine

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,50}$")
CHIP_TEMPLATE_FIELDS = ("topup", "balance", "history")


@dataclass
class ModemSettings:
    """What the edit dialog shows and sends back. `pin` is only ever written (None = keep)."""

    name: str
    port: str
    roles: list[str]
    operator: str = ""
    pin: str | None = None
    has_pin: bool = False
    templates: dict[str, str] = field(default_factory=dict)
    sms_per_minute: float = 0
    active: bool = True


def _clean_roles(roles: list[str]) -> list[str]:
    cleaned = parse_roles(roles)
    bad = cleaned - ROLES
    if bad:
        raise ConfigError(f"peran tidak dikenal: {', '.join(sorted(bad))}")
    return ordered_roles(cleaned)


def supplier_for(modem_name: str, kind: str | None = None) -> Supplier | None:
    """The supplier row that runs on this modem (chip or upstream), if any."""
    for row in Supplier.select().order_by(Supplier.id):
        if SupplierConfig.parse(row.config).modem == modem_name and (kind is None or row.kind == kind):
            return row
    return None


def load(name: str) -> ModemSettings:
    row = Modem.get_or_none(Modem.name == name)
    if row is None:
        raise LookupError(name)
    record = ModemRecord.from_row(row)
    settings = ModemSettings(name=record.name, port=record.port_url, roles=ordered_roles(record.roles),
                             active=record.active, sms_per_minute=record.sms_per_minute)
    chip = supplier_for(name, "ussd_chip")
    if chip is not None:
        chip_conf = SupplierConfig.parse(chip.config)
        settings.operator = chip_conf.operator
        settings.has_pin = bool(chip_conf.pin)
        settings.templates = {k: getattr(chip_conf, k) for k in CHIP_TEMPLATE_FIELDS}
    return settings


def _audit(actor: str, action: str, name: str, detail: str = "") -> None:
    AuditLog.create(actor=actor, action=action, target=f"modem:{name}", detail=detail[:500])


def add_modem(settings: ModemSettings, *, actor: str = "admin", imei: str = "", iccid: str = "") -> Modem:
    """A new modem row (plus its chip supplier and routes when it is a chip)."""
    name = settings.name.strip()
    if not _NAME.match(name):
        raise ConfigError("nama modem hanya huruf, angka, titik, strip (maks. 50)")
    if not settings.port.strip():
        raise ConfigError("port wajib diisi")
    if Modem.select().where(Modem.name == name).exists():
        raise ConfigError(f"modem {name} sudah ada")
    if Modem.select().where((Modem.port_url == settings.port.strip()) & (Modem.active == True)).exists():  # noqa: E712
        raise ConfigError(f"port {settings.port} sudah dipakai modem lain")
    roles = _clean_roles(settings.roles)
    if "chip" in roles and (not settings.operator or not settings.pin):
        raise ConfigError("chip butuh operator dan PIN chip")
    spec = ModemSpec(name=name, port=settings.port.strip(), roles=roles, operator=settings.operator.upper(),
                     pin=settings.pin or "", sms_per_minute=settings.sms_per_minute, imei=imei, iccid=iccid)
    with db.atomic():
        apply([spec])
        if "chip" in roles and settings.templates:
            _write_templates(name, settings.templates, actor)
        _audit(actor, "add_modem", name, f"port={spec.port} roles={format_roles(roles)}")
    log.info("modem %s added on %s by %s", name, spec.port, actor)
    return Modem.get(Modem.name == name)


def update_modem(settings: ModemSettings, *, actor: str = "admin") -> Modem:
    """Change port, roles, rate, and for a chip its operator, PIN (when given) and templates."""
    row = Modem.get_or_none(Modem.name == settings.name)
    if row is None:
        raise LookupError(settings.name)
    roles = _clean_roles(settings.roles)
    with db.atomic():
        config = ModemRecord.from_row(row).settings_json(sms_per_minute=settings.sms_per_minute)
        row.port_url = settings.port.strip() or row.port_url
        row.roles = format_roles(roles)
        row.config = config
        row.save()
        chip = supplier_for(row.name, "ussd_chip")
        if "chip" in roles:
            if chip is None:
                if not settings.operator or not settings.pin:
                    raise ConfigError("chip butuh operator dan PIN chip")
                apply([ModemSpec(name=row.name, port=row.port_url, roles=roles, operator=settings.operator.upper(),
                                 pin=settings.pin, sms_per_minute=settings.sms_per_minute,
                                 imei=row.imei, iccid=row.iccid)])
                row = Modem.get_by_id(row.id)
            else:
                chip_conf = SupplierConfig.parse(chip.config)
                if settings.operator and settings.operator.upper() != chip_conf.operator:
                    fresh = chip_config(row.name, settings.operator.upper(), chip_conf.pin)
                    for key in ("operator", "rule_pack", *CHIP_TEMPLATE_FIELDS):
                        setattr(chip_conf, key, getattr(fresh, key))
                if settings.pin:
                    chip_conf.pin = settings.pin
                chip.config = chip_conf.dumps()
                chip.active = True
                chip.save()
            if settings.templates:
                _write_templates(row.name, settings.templates, actor)
        elif chip is not None:
            chip.active = False
            chip.save()
        _audit(actor, "edit_modem", row.name,
               f"port={row.port_url} roles={row.roles}" + (" pin=diganti" if settings.pin else ""))
    return row


def _write_templates(name: str, templates: dict[str, str], actor: str) -> None:
    """The chip templates edited with the modem: the same checks and audit as the suppliers view."""
    from app.shop_admin import update_supplier_templates

    chip = supplier_for(name, "ussd_chip")
    if chip is None:
        return
    values = {k: (templates.get(k) or "").strip() for k in CHIP_TEMPLATE_FIELDS if (templates.get(k) or "").strip()}
    if values:
        update_supplier_templates(chip.id, values, actor=actor)


def set_active(name: str, active: bool, *, actor: str = "admin") -> None:
    """Retire (or bring back) a modem; its suppliers follow."""
    with db.atomic():
        if Modem.update(active=active).where(Modem.name == name).execute() == 0:
            raise LookupError(name)
        for kind in ("ussd_chip", "sms_upstream"):
            supplier = supplier_for(name, kind)
            if supplier is not None:
                supplier.active = active
                supplier.save()
        _audit(actor, "activate_modem" if active else "deactivate_modem", name)


def sync_engine(engine: "Engine", name: str) -> None:
    """Bring a running engine in line with the database after an edit: roles on the link, the chip's
    config (PIN, templates) on its live supplier, new suppliers started."""
    row = Modem.get_or_none(Modem.name == name)
    if row is None:
        return
    link = engine.links.get(name)
    if link is not None:
        link.roles = parse_roles(row.roles)
    engine.refresh_suppliers()
