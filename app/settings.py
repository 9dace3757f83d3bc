"""Site settings: defaults here, overrides stored as JSON in the `setting` table."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from storage.models import Setting


@dataclass
class Settings:
    site_name: str = "Pulsa"
    admin_contact: str = "admin"
    language: str = "id"
    pin_max_failures: int = 3
    pin_lock_minutes: int = 30
    repeat_window: str = "day"  # "day" (since 00:00) or a number of hours, e.g. "24"
    repeat_max: int = 9
    retry_cooldown_s: int = 60
    max_order_age_min: int = 60
    multi_max_items: int = 5
    unknown_sender_replies_per_day: int = 1
    reply_accepted: bool = False  # "diproses" reply on SMS (costs an SMS per order)
    transfer_min: int = 10_000
    transfer_repeat_hours: int = 24
    pull_enabled: bool = False
    ticket_min: int = 50_000
    ticket_valid_hours: int = 3
    center_numbers: list[str] = field(default_factory=list)
    banks: dict[str, dict[str, str]] = field(default_factory=lambda: {
        "BCA": {"account": "1234567890", "name": "Pulsa Demo"},
        "BRI": {"account": "0123456789012", "name": "Pulsa Demo"},
    })

    @classmethod
    def load(cls) -> "Settings":
        values: dict[str, Any] = {}
        names = {f.name for f in fields(cls)}
        for row in Setting.select().where(Setting.key.in_(list(names))):
            values[row.key] = json.loads(row.value)
        return cls(**values)

    def save(self) -> None:
        for name, value in asdict(self).items():
            Setting.insert(key=name, value=json.dumps(value)).on_conflict(
                conflict_target=[Setting.key], update={Setting.value: json.dumps(value)}
            ).execute()


def put(key: str, value: Any) -> None:
    Setting.insert(key=key, value=json.dumps(value)).on_conflict(
        conflict_target=[Setting.key], update={Setting.value: json.dumps(value)}
    ).execute()


def get(key: str, default: Any = None) -> Any:
    row = Setting.get_or_none(Setting.key == key)
    return json.loads(row.value) if row else default
