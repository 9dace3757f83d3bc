"""First run and the owner's settings that are not the message service's (`app.settings.Settings`):

- the panel password: a slow salted hash (scrypt) in the `setting` table, asked at start and before
  money actions when set;
- the backup schedule and "start with Windows" as stored settings (the backup runner reads them);
- the first-run choices of the setup wizard: shop name, modems with their roles, first products from
  the operator presets with the owner's prices;
- where the data lives when the owner moved it away from the default folder (a pointer file).

No Qt here: the wizard and the settings dialog (ui/) write only through these functions.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from app import settings as app_settings
from storage.models import AuditLog, PriceGroup, Product, Setting, database_proxy as db

PANEL_PASSWORD = "panel_password"
BACKUP_INTERVAL = "backup_interval_hours"
BACKUP_KEEP = "backup_keep"
START_WITH_WINDOWS = "start_with_windows"
SETUP_DONE = "setup_done"
DEFAULT_BACKUP_INTERVAL_HOURS = 24
DEFAULT_BACKUP_KEEP = 14
MIN_PASSWORD_LENGTH = 6
# scrypt: 2^15 × 8 × 128 B = 32 MiB, about 0.1 s a try
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 15, 8, 1
POINTER_FILE = "lokasi-data.json"  # in the default data folder: where the owner put the data


class SetupError(ValueError):
    pass


def _put(key: str, value: Any) -> None:
    text = json.dumps(value)
    Setting.insert(key=key, value=text).on_conflict(conflict_target=[Setting.key],
                                                    update={Setting.value: text}).execute()


def _get(key: str, default: Any = None) -> Any:
    row = Setting.get_or_none(Setting.key == key)
    if row is None:
        return default
    try:
        return json.loads(row.value)
    except json.JSONDecodeError:
        return default


def _audit(actor: str, action: str, detail: str = "") -> None:
    AuditLog.create(actor=actor[:50], action=action, target="setting", detail=detail[:2000])


# --- panel password ---------------------------------------------------------------------------

def hash_password(password: str, *, salt: bytes | None = None, n: int = SCRYPT_N, r: int = SCRYPT_R,
                  p: int = SCRYPT_P) -> str:
    """`scrypt$n$r$p$salt$hash` (hex)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=128 * 1024 * 1024, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def _check_hash(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, expected = stored.split("$")
        if kind != "scrypt":
            return False
        got = hash_password(password, salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.rsplit("$", 1)[1], expected)


def has_panel_password() -> bool:
    return bool(_get(PANEL_PASSWORD))


def check_panel_password(password: str) -> bool:
    """True when no password is set, or when `password` is the one set."""
    stored = _get(PANEL_PASSWORD)
    if not stored:
        return True
    return _check_hash(password, str(stored))


def set_panel_password(password: str, *, actor: str, current: str | None = None) -> None:
    """Set or change the password; changing one needs the current one."""
    if has_panel_password() and not check_panel_password(current or ""):
        raise SetupError("Kata sandi sekarang salah")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise SetupError(f"Kata sandi paling sedikit {MIN_PASSWORD_LENGTH} karakter")
    with db.atomic():
        _put(PANEL_PASSWORD, hash_password(password))
        _audit(actor, "panel_password_set")


def remove_panel_password(*, actor: str, current: str) -> None:
    if not check_panel_password(current):
        raise SetupError("Kata sandi sekarang salah")
    with db.atomic():
        Setting.delete().where(Setting.key == PANEL_PASSWORD).execute()
        _audit(actor, "panel_password_removed")


# --- backups, start with Windows ---------------------------------------------------------------

@dataclass(frozen=True)
class BackupSchedule:
    interval_hours: int = DEFAULT_BACKUP_INTERVAL_HOURS  # 0: no scheduled backups
    keep: int = DEFAULT_BACKUP_KEEP


def backup_schedule() -> BackupSchedule:
    interval, keep = _get(BACKUP_INTERVAL), _get(BACKUP_KEEP)
    return BackupSchedule(interval if isinstance(interval, int) and interval >= 0 else DEFAULT_BACKUP_INTERVAL_HOURS,
                          keep if isinstance(keep, int) and keep >= 1 else DEFAULT_BACKUP_KEEP)


def set_backup_schedule(value: BackupSchedule, *, actor: str) -> None:
    if not 0 <= value.interval_hours <= 24 * 7:
        raise SetupError("Jarak cadangan antara 0 (mati) dan 168 jam")
    if not 1 <= value.keep <= 1000:
        raise SetupError("Jumlah cadangan yang disimpan antara 1 dan 1000")
    with db.atomic():
        _put(BACKUP_INTERVAL, int(value.interval_hours))
        _put(BACKUP_KEEP, int(value.keep))
        _audit(actor, "backup_schedule", f"interval={value.interval_hours}h keep={value.keep}")


def start_with_windows() -> bool:
    return _get(START_WITH_WINDOWS) is True


def set_start_with_windows(on: bool, *, actor: str) -> None:
    """The stored choice; the window writes the registry itself (ui/autostart.py)."""
    with db.atomic():
        _put(START_WITH_WINDOWS, bool(on))
        _audit(actor, "start_with_windows", str(bool(on)))


# --- the message service's settings (Settings) -------------------------------------------------

REPEAT_WINDOW_DAY = "day"


def check_settings(s: app_settings.Settings) -> None:
    """Refuse values the service could not work with (SetupError in the owner's words)."""
    if not s.site_name.strip():
        raise SetupError("Nama toko wajib diisi")
    if s.language not in ("id", "en"):
        raise SetupError("Bahasa harus id atau en")
    if s.repeat_window != REPEAT_WINDOW_DAY and not (str(s.repeat_window).isdigit() and 1 <= int(s.repeat_window)
                                                     <= 24 * 7):
        raise SetupError("Jendela pengulangan: 'day' atau jumlah jam 1–168")
    if not 1 <= s.repeat_max <= 99:
        raise SetupError("Batas pengulangan antara 1 dan 99")
    if not 1 <= s.max_order_age_min <= 24 * 60:
        raise SetupError("Umur pesanan paling lama antara 1 dan 1440 menit")
    if not 1 <= s.pin_max_failures <= 20:
        raise SetupError("Batas PIN salah antara 1 dan 20")
    if not 1 <= s.pin_lock_minutes <= 24 * 60:
        raise SetupError("Lama kunci PIN antara 1 dan 1440 menit")
    for bank, account in s.banks.items():
        if not bank.strip() or not str(account.get("account", "")).strip() or not str(account.get("name", "")).strip():
            raise SetupError("Setiap rekening bank butuh nama bank, nomor rekening dan atas nama")


def save_settings(s: app_settings.Settings, *, actor: str) -> None:
    check_settings(s)
    with db.atomic():
        s.save()
        _audit(actor, "settings", f"site_name={s.site_name} language={s.language} repeat={s.repeat_window}/"
                                  f"{s.repeat_max} age={s.max_order_age_min} pin={s.pin_max_failures}/"
                                  f"{s.pin_lock_minutes} banks={','.join(s.banks)}")


# --- first run -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PresetProduct:
    code: str
    name: str
    operator: str
    nominal: int
    suggested_price: int  # the demo shop's retail price, a starting point for the owner's own


def product_presets() -> list[PresetProduct]:
    """The operator presets the wizard offers (the demo shop's catalogue)."""
    from app.demo import DEMO_PRODUCTS

    return [PresetProduct(code, name, operator, nominal, nominal + retail)
            for code, name, operator, nominal, retail, _agen, _default in DEMO_PRODUCTS]


def create_first_products(prices: dict[str, int], *, actor: str) -> list[int]:
    """The chosen presets ({code: the owner's sell price}) as products priced in the price group RETAIL
    (made when missing). A code that is already a product is left as it is."""
    from app import shop_admin

    presets = {p.code: p for p in product_presets()}
    unknown = sorted(set(prices) - set(presets))
    if unknown:
        raise SetupError(f"Produk tidak dikenal: {', '.join(unknown)}")
    for code, sell in prices.items():
        if not isinstance(sell, int) or sell <= 0:
            raise SetupError(f"Harga {code} harus lebih dari 0")
    group = PriceGroup.get_or_none(PriceGroup.code == "RETAIL")
    group_id = group.id if group else shop_admin.create_price_group("RETAIL", "Reseller umum", actor=actor)
    made = []
    for code, sell in prices.items():
        if Product.select().where(Product.code == code).exists():
            continue
        p = presets[code]
        made.append(shop_admin.create_product(
            shop_admin.ProductSpec(p.code, p.name, "airtime", p.operator, p.nominal,
                                     default_for_nominal=True),
            actor=actor, prices={group_id: sell}))
    return made


def apply_modems(specs: Sequence[Any]) -> None:
    """The modems the wizard found, with their roles (app.config.ModemSpec list; ConfigError if wrong)."""
    from app.config import ConfigError, apply, parse

    if not specs:
        return
    data = {"modems": [{"name": s.name, "port": s.port, "roles": list(s.roles), "operator": s.operator,
                        "pin": s.pin} for s in specs]}
    try:
        checked = parse(data)
    except ConfigError as exc:
        raise SetupError(str(exc)) from None
    apply(checked)


def mark_setup_done(*, actor: str) -> None:
    with db.atomic():
        _put(SETUP_DONE, True)
        _audit(actor, "setup_done")


def setup_done() -> bool:
    return _get(SETUP_DONE) is True


# --- where the data lives ------------------------------------------------------------------------

def pointed_data_dir(default_dir: Path) -> Path | None:
    """The folder the owner chose in the wizard, when it is not the default one."""
    try:
        data = json.loads((default_dir / POINTER_FILE).read_text(encoding="utf-8"))
        return Path(data["data_dir"]) if isinstance(data, dict) and data.get("data_dir") else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def point_data_dir(default_dir: Path, chosen: Path) -> None:
    """Remember `chosen` as the data folder; the default folder itself forgets the pointer."""
    pointer = default_dir / POINTER_FILE
    if Path(chosen).resolve() == Path(default_dir).resolve():
        pointer.unlink(missing_ok=True)
        return
    default_dir.mkdir(parents=True, exist_ok=True)
    pointer.write_text(json.dumps({"data_dir": str(Path(chosen).resolve())}), encoding="utf-8")


# --- modem scan ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FoundPort:
    port: str
    description: str = ""
    identity: str = ""  # "Huawei E173, IMEI 8612…" when the modem answered
    answered: bool = False
    imei: str = ""
    iccid: str = ""


def scan_ports(extra_urls: Sequence[str] = (), *, include_all: bool = False,
               probe_timeout: float = 2.0) -> list[FoundPort]:
    """The serial ports of this PC (USB modems first) and `extra_urls`, each asked who it is. Slow
    (a couple of seconds a port): call it off the GUI thread."""
    from concurrent.futures import ThreadPoolExecutor

    from modems.discovery import list_candidates, probe

    candidates = list_candidates(extra_urls, include_all=include_all)
    if not candidates:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(candidates))) as pool:
        results = list(pool.map(lambda c: probe(c.url, timeout=probe_timeout), candidates))
    found = []
    for candidate, result in zip(candidates, results):
        info = result.info
        if result.ok and info is not None:
            identity = " ".join(x for x in (info.manufacturer, info.model) if x) or "modem"
            found.append(FoundPort(candidate.url, candidate.description, f"{identity}, IMEI {info.imei}", True,
                                   info.imei, info.iccid))
        else:
            found.append(FoundPort(candidate.url, candidate.description, result.error or "", False))
    return found


def chip_operators() -> list[str]:
    """The operators a chip can be (their USSD codes and rule packs are known)."""
    from app.resources import load_json

    return [k for k in load_json("operator_replies.json")["operators"] if not k.startswith("_")]


@dataclass(frozen=True)
class FirstRun:
    """What the setup wizard asked."""

    site_name: str
    language: str = "id"
    password: str = ""  # "" : none
    modems: tuple[Any, ...] = ()  # app.config.ModemSpec
    products: dict[str, int] | None = None  # preset code -> the owner's sell price
    admin_contact: str = ""


def complete_first_run(choices: FirstRun, *, actor: str = "setup") -> None:
    """Write the wizard's choices into the (open, new) database, all or nothing."""
    with db.atomic():
        _complete_first_run(choices, actor)


def _complete_first_run(choices: FirstRun, actor: str) -> None:
    s = app_settings.Settings.load()
    s.site_name = choices.site_name.strip()
    s.language = choices.language
    if choices.admin_contact.strip():
        s.admin_contact = choices.admin_contact.strip()
    save_settings(s, actor=actor)
    app_settings.set_ui_language(choices.language)
    if choices.password:
        set_panel_password(choices.password, actor=actor)
    if choices.products:
        create_first_products(dict(choices.products), actor=actor)
    apply_modems(list(choices.modems))  # after the products: each chip gets a route for its operator's
    mark_setup_done(actor=actor)


def open_shop(db_target: str) -> None:
    """Open (create) the shop's database for the wizard, checked against the key file in use."""
    from app.at_rest import protect_stored_secrets
    from storage.db import open_database

    open_database(db_target)
    protect_stored_secrets()


def close_shop() -> None:
    from storage.db import close_database

    close_database()


def use_data_dir(default_dir: Path, chosen: Path) -> str:
    """The wizard's data folder: the key file made at start in the default folder moves along (when the
    chosen one has none yet), the next start finds the folder through the pointer. Returns the database
    path in it."""
    import shutil

    from app import keyfile

    default_dir, chosen = Path(default_dir), Path(chosen).expanduser()
    chosen.mkdir(parents=True, exist_ok=True)
    if chosen.resolve() != default_dir.resolve():
        old_key, new_key = default_dir / keyfile.KEY_FILE_NAME, chosen / keyfile.KEY_FILE_NAME
        if old_key.exists() and not new_key.exists():
            shutil.move(str(old_key), str(new_key))
        keyfile.use_key_file(new_key)
    point_data_dir(default_dir, chosen)
    return str(chosen / "pulsa.db")
