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
    pin_lock_minutes: int = 30  # the first lock; each further lock in a row (no right PIN between) doubles it
    pin_lock_max_minutes: int = 24 * 60  # … up to this
    repeat_window: str = "day"  # "day" (since 00:00) or a number of hours, e.g. "24"
    repeat_max: int = 9
    retry_cooldown_s: int = 60
    max_order_age_min: int = 60
    multi_max_items: int = 5
    unknown_sender_replies_per_day: int = 1  # every reply to a number that is no reseller's counts
    free_replies_per_day: int = 10  # replies to commands without a PIN (FORMAT, CENTER, HARGA, TIKET…) per number
    reply_accepted: bool = False  # "diproses" reply on SMS (costs an SMS per order)
    transfer_min: int = 10_000
    transfer_max: int = 100_000_000
    transfer_repeat_hours: int = 24
    pull_enabled: bool = False
    ticket_min: int = 50_000
    ticket_max: int = 100_000_000
    ticket_valid_hours: int = 3
    # uplines' commission on their downlines' sales (app/commission.py): "per_order" credits it with each
    # successful order, "daily" accrues it and credits each day's in one ledger entry the next day (or TUKAR)
    commission_mode: str = "per_order"
    markup_max: int = 5_000  # the most an upline may add on a downline's price by SMS (MARKUP), per product
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


# --- the other things kept in the `setting` table, each with its own accessors ---------------------

_UI_LANGUAGE = "ui_language"
_TEMPLATES = "templates."  # + language: the owner's edits of the reply templates
_RULE_PACK = "rule_pack:"  # + pack name: the owner's version of a rule pack (JSON text)
_BANK_FORMAT = "bank_format:"  # + bank name (upper case): the owner's column mapping of that bank's CSV


def _put(key: str, value: Any) -> None:
    Setting.insert(key=key, value=json.dumps(value)).on_conflict(
        conflict_target=[Setting.key], update={Setting.value: json.dumps(value)}
    ).execute()


def _get(key: str, default: Any = None) -> Any:
    row = Setting.get_or_none(Setting.key == key)
    return json.loads(row.value) if row else default


def key_check() -> str | None:
    """The keyed digest that tells whether the key file in use is the one this database was made with."""
    value = _get("key_check")
    return str(value) if value else None


def set_key_check(value: str) -> None:
    _put("key_check", value)


BACKUP_INTERVAL_HOURS = 24  # scheduled backups of the database (app/backups.py); 0: none
BACKUP_KEEP = 14  # … the newest this many are kept


def backup_interval_hours() -> float:
    """Hours between two scheduled backups (0: no scheduled backups)."""
    try:
        return max(0.0, float(_get("backup_interval_hours", BACKUP_INTERVAL_HOURS)))
    except (TypeError, ValueError):
        return float(BACKUP_INTERVAL_HOURS)


def set_backup_interval_hours(hours: float) -> None:
    _put("backup_interval_hours", hours)


def backup_keep() -> int:
    """How many backups are kept (the oldest beyond it are deleted); at least 1."""
    try:
        return max(1, int(_get("backup_keep", BACKUP_KEEP)))
    except (TypeError, ValueError):
        return BACKUP_KEEP


def set_backup_keep(keep: int) -> None:
    _put("backup_keep", int(keep))


def ui_language() -> str:
    """The window's language ("id" or "en")."""
    lang = _get(_UI_LANGUAGE, "id")
    return lang if lang in ("id", "en") else "id"


def set_ui_language(lang: str) -> None:
    if lang not in ("id", "en"):
        raise ValueError(f"unknown language {lang!r}")
    _put(_UI_LANGUAGE, lang)


def template_overrides(lang: str) -> dict[str, str]:
    stored = _get(_TEMPLATES + lang, {}) or {}
    return {str(k): str(v) for k, v in stored.items()} if isinstance(stored, dict) else {}


def save_template_overrides(lang: str, overrides: dict[str, str]) -> None:
    _put(_TEMPLATES + lang, dict(overrides))


def saved_rule_pack_names() -> list[str]:
    return [row.key[len(_RULE_PACK):] for row in
            Setting.select(Setting.key).where(Setting.key.startswith(_RULE_PACK)).order_by(Setting.key)]


def saved_rule_pack(name: str) -> str | None:
    """The owner's version of a rule pack, as the JSON text he saved; None when he kept the default."""
    saved = _get(_RULE_PACK + name)
    return None if saved is None else str(saved)


def save_rule_pack(name: str, text: str) -> None:
    _put(_RULE_PACK + name, text)


def forget_rule_pack(name: str) -> None:
    Setting.delete().where(Setting.key == _RULE_PACK + name).execute()


def saved_bank_format_names() -> list[str]:
    return [row.key[len(_BANK_FORMAT):] for row in
            Setting.select(Setting.key).where(Setting.key.startswith(_BANK_FORMAT)).order_by(Setting.key)]


def saved_bank_format(name: str) -> dict[str, Any] | None:
    """The column mapping the owner saved for a bank's statement CSV (app.bank_csv.CsvMapping as a dict)."""
    saved = _get(_BANK_FORMAT + name.strip().upper())
    return dict(saved) if isinstance(saved, dict) else None


def save_bank_format(name: str, mapping: dict[str, Any]) -> None:
    _put(_BANK_FORMAT + name.strip().upper(), dict(mapping))


def forget_bank_format(name: str) -> None:
    Setting.delete().where(Setting.key == _BANK_FORMAT + name.strip().upper()).execute()
