"""H2H members: resellers that buyer servers may order for over HTTP, and the server's own settings.

A member is a reseller (its member ID is the reseller's code, its balance and prices are the
reseller's) with an `h2h_member` row: the H2H password, an optional separate secret for the JSON API
(else the password signs), the addresses it may order from, where its reports go and in which form,
whether the `pin` + `password` form without a sign is allowed, and whether a new refID is always a new
order (`trust_ref_id`: no repeat rule).

Secrets are sealed with the shop's key file (app/keyfile.py) like chip PINs, never stored, logged or
shown in clear; the window and `reseller show` only say whether each is set. The OtomaX sign is made
from the reseller's PIN in clear, which a hash cannot give back: a member keeps a sealed copy of its
PIN, renewed whenever the PIN changes (`pin_changed`, called by every path that sets a PIN).
"""
from __future__ import annotations

import datetime as _dt
import functools
import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import urlsplit

from app import keyfile
from app.pins import hash_pin, new_salt
from storage import sql
from storage.models import AuditLog, H2HMember, Reseller, Setting, database_proxy as db

FORMS = ("otomax", "st24", "json")
FORM_NAMES = {"otomax": "OtomaX (refid, message)", "st24": "ST24/IRS (serverid, clientid, statuscode…)",
              "json": "JSON bertanda tangan (HMAC)"}
MIN_PASSWORD = 6
PIN_RE = re.compile(r"^[0-9]{4,6}$")
MAX_IPS = 50


class MemberError(ValueError):
    """What the owner typed cannot be used (Indonesian, shown as it is)."""


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Member:
    """A member's settings, secrets in clear (in memory only)."""

    reseller_id: int
    code: str
    password: str
    api_secret: str
    pin: str
    allowed: tuple[Network, ...]
    callback_url: str
    callback_form: str
    plain_pin: bool
    trust_ref_id: bool

    @property
    def json_secret(self) -> str:
        """What signs this member's JSON requests and reports: its API secret, else its password."""
        return self.api_secret or self.password

    def ip_allowed(self, ip: str) -> bool:
        address = parse_ip(ip)
        return address is not None and any(address in net for net in self.allowed)


# --- reading ---------------------------------------------------------------------------------------

MEMBER_COLUMNS = ("m.password, m.api_secret, m.pin, m.allowed_ips, m.callback_url, m.callback_form, m.plain_pin, "
                  "m.trust_ref_id")
_unsealed: dict[str, str] = {}  # sealed text -> secret: Fernet costs more than the rest of a request


def _unseal(value: str) -> str:
    if not value:
        return ""
    secret = _unsealed.get(value)
    if secret is None:
        if len(_unsealed) > 10_000:
            _unsealed.clear()
        secret = _unsealed[value] = keyfile.unseal(value)
    return secret


_networks: dict[str, tuple[Network, ...]] = {}


def _allowed(text: str) -> tuple[Network, ...]:
    nets = _networks.get(text)
    if nets is None:
        nets = tuple(n for n in (parse_network(line) for line in text.splitlines()) if n is not None)
        if len(_networks) > 10_000:
            _networks.clear()
        _networks[text] = nets
    return nets


def from_row(reseller_id: int, code: str, row: tuple) -> Member:
    """A member from the `MEMBER_COLUMNS` of a query."""
    password, api_secret, pin, ips, url, form, plain, trust = row
    return Member(int(reseller_id), code, _unseal(password or ""), _unseal(api_secret or ""), _unseal(pin or ""),
                  _allowed(ips or ""), url or "", form or "otomax", bool(plain), bool(trust))


def get(code_or_id: str | int) -> Member | None:
    where = "r.id = ?" if isinstance(code_or_id, int) else "r.code = ?"
    key = code_or_id if isinstance(code_or_id, int) else str(code_or_id).strip().upper()
    row = sql.one(f"SELECT r.id, r.code, {MEMBER_COLUMNS} FROM h2h_member m JOIN reseller r ON r.id = m.reseller_id "
                  f"WHERE {where}", (key,))
    return from_row(row[0], row[1], row[2:]) if row else None


@functools.lru_cache(maxsize=4096)
def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address


def parse_network(text: str) -> Network | None:
    text = text.strip()
    if not text:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


# --- what the owner sees (secrets masked) ---------------------------------------------------------

@dataclass(frozen=True)
class MemberInfo:
    """A member as the window and `reseller show` present it: whether each secret is set, never what."""

    reseller_id: int
    code: str
    name: str
    balance: int
    active: bool
    locked_until: _dt.datetime | None
    member: bool  # has H2H settings
    password_set: bool
    api_secret_set: bool
    pin_set: bool
    allowed_ips: tuple[str, ...]
    callback_url: str
    callback_form: str
    plain_pin: bool
    trust_ref_id: bool


def info(code_or_id: str | int) -> MemberInfo | None:
    where = "r.id = ?" if isinstance(code_or_id, int) else "r.code = ?"
    key = code_or_id if isinstance(code_or_id, int) else str(code_or_id).strip().upper()
    row = sql.one(f"SELECT r.id, r.code, r.name, r.balance, r.active, r.locked_until, m.id, {MEMBER_COLUMNS} "
                  f"FROM reseller r LEFT JOIN h2h_member m ON m.reseller_id = r.id WHERE {where}", (key,))
    if row is None:
        return None
    rid, code, name, balance, active, locked, member_id, password, api_secret, pin, ips, url, form, plain, trust = row
    return MemberInfo(int(rid), code, name, int(balance), bool(active), sql.to_datetime(locked),
                      member_id is not None, bool(password), bool(api_secret), bool(pin),
                      tuple(line.strip() for line in (ips or "").splitlines() if line.strip()),
                      url or "", form or "otomax", bool(plain), bool(trust))


def members() -> list[MemberInfo]:
    """Every member, by code (for the H2H view)."""
    codes = [c for (c,) in sql.all_rows("SELECT r.code FROM h2h_member m JOIN reseller r ON r.id = m.reseller_id "
                                        "ORDER BY r.code")]
    return [m for m in map(info, codes) if m is not None]


def mask_url(url: str) -> str:
    """A callback URL as logs and screens may show it: a token in its query string or user part is hidden."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}" + ("?…" if parts.query else "")


# --- changes by the owner -------------------------------------------------------------------------

def _check_url(url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MemberError(f"URL callback harus diawali http:// atau https:// dan berisi nama host: {mask_url(url)}")
    if len(url) > 500:
        raise MemberError("URL callback terlalu panjang (maksimal 500 karakter)")
    return url


def _check_ips(ips: Iterable[str]) -> str:
    lines = []
    for raw in ips:
        for part in re.split(r"[\s,;]+", raw.strip()):
            if not part:
                continue
            net = parse_network(part)
            if net is None:
                raise MemberError(f"Alamat IP tidak valid: {part}")
            text = str(net.network_address) if net.num_addresses == 1 else str(net)
            if text not in lines:
                lines.append(text)
    if len(lines) > MAX_IPS:
        raise MemberError(f"Terlalu banyak alamat IP (maksimal {MAX_IPS})")
    return "\n".join(lines)


def save(code_or_id: str | int, *, actor: str, password: str | None = None, api_secret: str | None = None,
         pin: str | None = None, allowed_ips: Iterable[str] | None = None, callback_url: str | None = None,
         callback_form: str | None = None, plain_pin: bool | None = None, trust_ref_id: bool | None = None,
         now: _dt.datetime | None = None) -> MemberInfo:
    """Make the reseller an H2H member or change its settings; what is None stays as it is. A secret
    given as "" is removed (the API secret then falls back to the password). Setting `pin` changes the
    reseller's PIN (for SMS too) and ends a PIN lock. Every change is audited, never a secret."""
    now = now or _dt.datetime.now()
    where = Reseller.id == code_or_id if isinstance(code_or_id, int) else \
        Reseller.code == str(code_or_id).strip().upper()
    changes: dict = {}
    said: list[str] = []
    if password is not None:
        if password and len(password) < MIN_PASSWORD:
            raise MemberError(f"Password H2H minimal {MIN_PASSWORD} karakter")
        if password != password.strip() or "|" in password:
            raise MemberError("Password H2H tidak boleh diawali/diakhiri spasi atau berisi tanda |")
        changes["password"] = keyfile.seal(password)
        said.append("password diubah" if password else "password dihapus")
    if api_secret is not None:
        if api_secret and len(api_secret) < MIN_PASSWORD:
            raise MemberError(f"Secret API minimal {MIN_PASSWORD} karakter")
        changes["api_secret"] = keyfile.seal(api_secret)
        said.append("secret API diubah" if api_secret else "secret API dihapus")
    if pin is not None and not PIN_RE.match(pin):
        raise MemberError("PIN harus 4 sampai 6 angka")
    if allowed_ips is not None:
        changes["allowed_ips"] = _check_ips(allowed_ips)
        said.append(f"ip={changes['allowed_ips'].replace(chr(10), ',') or '-'}")
    if callback_url is not None:
        changes["callback_url"] = _check_url(callback_url)
        said.append(f"callback={mask_url(changes['callback_url']) or '-'}")
    if callback_form is not None:
        form = callback_form.strip().lower()
        if form not in FORMS:
            raise MemberError(f"Bentuk callback tidak dikenal: {callback_form} (pilih {', '.join(FORMS)})")
        changes["callback_form"] = form
        said.append(f"bentuk={form}")
    if plain_pin is not None:
        changes["plain_pin"] = bool(plain_pin)
        said.append(f"tanpa_sign={'ya' if plain_pin else 'tidak'}")
    if trust_ref_id is not None:
        changes["trust_ref_id"] = bool(trust_ref_id)
        said.append(f"percaya_refid={'ya' if trust_ref_id else 'tidak'}")
    with db.atomic():
        reseller = Reseller.get_or_none(where)
        if reseller is None:
            raise MemberError(f"Reseller {code_or_id} tidak ditemukan")
        if pin is not None:
            salt = new_salt()
            Reseller.update(pin_salt=salt, pin_hash=hash_pin(pin, salt), pin_failures=0, locked_until=None) \
                .where(Reseller.id == reseller.id).execute()
            changes["pin"] = keyfile.seal(pin)
            said.append("PIN diubah")
        existing = H2HMember.get_or_none(H2HMember.reseller == reseller.id)
        if existing is None:
            H2HMember.create(reseller=reseller.id, updated_at=now, **changes)
            said.insert(0, "anggota H2H baru")
        elif changes:
            H2HMember.update(updated_at=now, **changes).where(H2HMember.id == existing.id).execute()
        AuditLog.create(at=now, actor=actor[:50], action="h2h_member", target=f"reseller:{reseller.id}",
                        detail="; ".join(said)[:2000])
    result = info(reseller.id)
    assert result is not None
    return result


def remove(code_or_id: str | int, *, actor: str, now: _dt.datetime | None = None) -> bool:
    """The reseller stops being an H2H member (its orders and their reports stay)."""
    member = info(code_or_id)
    if member is None or not member.member:
        return False
    with db.atomic():
        H2HMember.delete().where(H2HMember.reseller == member.reseller_id).execute()
        AuditLog.create(at=now or _dt.datetime.now(), actor=actor[:50], action="h2h_member",
                        target=f"reseller:{member.reseller_id}", detail="bukan anggota H2H lagi")
    return True


def pin_changed(reseller_id: int, pin: str) -> None:
    """The reseller's PIN was set (by SMS, by the owner): a member's sealed copy follows, so its OtomaX
    sign keeps working. Runs in the caller's transaction."""
    H2HMember.update(pin=keyfile.seal(pin)).where(H2HMember.reseller == reseller_id).execute()


# --- the server's own settings ----------------------------------------------------------------------

SERVER_KEY = "h2h_server"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 6969


@dataclass(frozen=True)
class ServerSettings:
    enabled: bool = False  # start with the server, without --h2h-port
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    # a reverse proxy (HTTPS) in front: requests from these addresses are judged by X-Forwarded-For
    trusted_proxies: tuple[str, ...] = ()


def server_settings() -> ServerSettings:
    row = Setting.get_or_none(Setting.key == SERVER_KEY)
    try:
        data = json.loads(row.value) if row else {}
    except json.JSONDecodeError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    port = data.get("port", DEFAULT_PORT)
    return ServerSettings(enabled=data.get("enabled") is True, host=str(data.get("host") or DEFAULT_HOST),
                          port=int(port) if isinstance(port, int) and 0 < port < 65536 else DEFAULT_PORT,
                          trusted_proxies=tuple(str(p) for p in data.get("trusted_proxies") or ()))


def save_server_settings(value: ServerSettings, *, actor: str) -> None:
    if not 0 < int(value.port) < 65536:
        raise MemberError("Port harus antara 1 dan 65535")
    if parse_ip(value.host) is None and value.host not in ("localhost", "0.0.0.0", "::"):
        raise MemberError(f"Alamat server tidak valid: {value.host}")
    _check_ips(value.trusted_proxies)
    text = json.dumps({"enabled": bool(value.enabled), "host": value.host.strip(), "port": int(value.port),
                       "trusted_proxies": list(value.trusted_proxies)})
    with db.atomic():
        Setting.insert(key=SERVER_KEY, value=text).on_conflict(
            conflict_target=[Setting.key], update={Setting.value: text}).execute()
        AuditLog.create(actor=actor[:50], action="h2h_server", target="setting:h2h_server", detail=text[:2000])
