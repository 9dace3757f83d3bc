"""What the `modem` table says about a modem, typed: its roles and its settings.

The row stores roles as a comma list and settings as JSON; nothing else parses them.
"""
from __future__ import annotations

import dataclasses
import enum
import json
from dataclasses import dataclass, field
from typing import Any, Iterable

from modems.driver import ModemConfig
from storage.models import Modem


class Role(str, enum.Enum):
    CENTER = "center"  # receives resellers' orders
    SENDER = "sender"  # sends replies
    CHIP = "chip"  # a reload SIM: top-ups by USSD
    UPSTREAM = "upstream"  # buys from an upstream server by SMS


ROLES = frozenset(r.value for r in Role)
_ORDER = [r.value for r in Role]
_DRIVER_FIELDS = frozenset(f.name for f in dataclasses.fields(ModemConfig))


def parse_roles(value: str | Iterable[str]) -> frozenset[str]:
    """Roles from the stored comma list (or any list of names), lower case, blanks dropped."""
    items = value.split(",") if isinstance(value, str) else value
    return frozenset(r.strip().lower() for r in items if r and r.strip())


def ordered_roles(roles: Iterable[str]) -> list[str]:
    """Known roles in their usual order, then any others."""
    roles = set(roles)
    return [r for r in _ORDER if r in roles] + sorted(roles - ROLES)


def format_roles(roles: Iterable[str]) -> str:
    """The stored form: a comma list in the usual order."""
    return ",".join(ordered_roles(roles))


@dataclass(frozen=True)
class ModemRecord:
    name: str
    port_url: str
    roles: frozenset[str]
    active: bool = True
    imei: str = ""
    iccid: str = ""
    sms_per_minute: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)  # everything in the row's JSON

    @classmethod
    def from_row(cls, row: Modem) -> "ModemRecord":
        try:
            settings = json.loads(row.config or "{}")
        except json.JSONDecodeError:
            settings = {}
        if not isinstance(settings, dict):
            settings = {}
        return cls(name=row.name, port_url=row.port_url, roles=parse_roles(row.roles or ""), active=bool(row.active),
                   imei=row.imei or "", iccid=row.iccid or "",
                   sms_per_minute=float(settings.get("sms_per_minute") or 0), settings=settings)

    def settings_json(self, **changes: Any) -> str:
        """The row's JSON with `changes` applied (e.g. sms_per_minute=20)."""
        return json.dumps({**self.settings, **changes}, ensure_ascii=False)

    def driver_config(self, overrides: dict[str, Any] | None = None) -> ModemConfig:
        """The driver's settings: stored ones that the driver knows, then `overrides` (tests, benchmarks)."""
        values = {k: v for k, v in {**self.settings, **(overrides or {})}.items() if k in _DRIVER_FIELDS}
        return ModemConfig(**values)


def active_modems() -> list[ModemRecord]:
    return [ModemRecord.from_row(row) for row in Modem.select().where(Modem.active == True).order_by(Modem.id)]  # noqa: E712


def modem_record(name: str) -> ModemRecord | None:
    row = Modem.get_or_none(Modem.name == name)
    return ModemRecord.from_row(row) if row is not None else None
