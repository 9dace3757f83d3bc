"""The owner's chat accounts (`chat_channel` rows): Telegram bots and Jabber accounts.

Each row has a unique name, a kind, a JSON config and an on/off flag. The config's secret (a bot's
token, a Jabber password) is sealed with the key file before it is stored (app/keyfile.py) and only
unsealed to connect; nothing here returns it to a screen (`ChannelInfo.secret_saved` says whether one
is stored). Saving a channel with an empty secret keeps the stored one.

    telegram: {"token": sealed, "api_url": "" | "http://…"}
    jabber:   {"jid": "toko@example.net", "password": sealed, "host": "", "port": 0}
"""
from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from app import keyfile
from app.chat.transport import ChannelKind
from storage.models import ChatChannel, database_proxy as db

SECRET_OF = {ChannelKind.TELEGRAM.value: "token", ChannelKind.JABBER.value: "password"}
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")
_JID_RE = re.compile(r"^[^@/\s]+@[^@/\s]+$")


class ChannelError(ValueError):
    """A channel the owner described that cannot be saved (the message is Indonesian)."""


@dataclass(frozen=True)
class ChannelSpec:
    """What the owner gives for one channel (the window's dialog, `--config`)."""
    name: str
    kind: str
    secret: str = ""  # token or password; "" keeps the stored one
    jid: str = ""
    host: str = ""
    port: int = 0
    api_url: str = ""
    active: bool = True


@dataclass(frozen=True)
class ChannelInfo:
    """A stored channel as screens may show it: no secret."""
    id: int
    name: str
    kind: str
    active: bool
    account: str  # the JID, or "bot" for Telegram
    host: str = ""
    port: int = 0
    api_url: str = ""
    secret_saved: bool = False


@dataclass(frozen=True)
class ChannelConfig:
    """What a transport needs to connect, secret included (never shown or logged)."""
    name: str
    kind: str
    secret: str = field(repr=False)
    jid: str = ""
    host: str = ""
    port: int = 0
    api_url: str = ""


def _validate(spec: ChannelSpec) -> ChannelSpec:
    name = spec.name.strip()
    if not _NAME_RE.match(name):
        raise ChannelError("Nama channel wajib diisi: huruf, angka, titik, - atau _, paling panjang 50")
    kind = spec.kind.strip().lower()
    if kind not in SECRET_OF:
        raise ChannelError(f"Jenis channel {spec.kind!r} tidak dikenal: pilih telegram atau jabber")
    jid = spec.jid.strip().lower()
    if kind == ChannelKind.JABBER.value and not _JID_RE.match(jid):
        raise ChannelError(f"Channel {name}: Jabber ID tidak valid (contoh: pulsa@example.net)")
    if not 0 <= spec.port <= 65535:
        raise ChannelError(f"Channel {name}: port harus 1-65535")
    api_url = spec.api_url.strip()
    if api_url and not re.match(r"^https?://\S+$", api_url):
        raise ChannelError(f"Channel {name}: alamat server Bot API harus diawali http:// atau https://")
    return ChannelSpec(name, kind, spec.secret.strip(), jid, spec.host.strip(), int(spec.port), api_url,
                       bool(spec.active))


def _config_of(spec: ChannelSpec, sealed_secret: str) -> dict[str, Any]:
    if spec.kind == ChannelKind.TELEGRAM.value:
        return {"token": sealed_secret, "api_url": spec.api_url}
    return {"jid": spec.jid, "password": sealed_secret, "host": spec.host, "port": spec.port}


def _load(row: ChatChannel) -> dict[str, Any]:
    try:
        data = json.loads(row.config or "{}")
    except json.JSONDecodeError:
        data = {}
    return data if isinstance(data, dict) else {}


def save(spec: ChannelSpec, *, now: _dt.datetime | None = None) -> tuple[int, bool]:
    """Create or update the channel called `spec.name`. Returns (id, changed): saving the same
    description twice changes nothing."""
    spec = _validate(spec)
    secret_key = SECRET_OF[spec.kind]
    with db.atomic():
        row = ChatChannel.get_or_none(ChatChannel.name == spec.name)
        if row is not None and row.kind != spec.kind:
            raise ChannelError(f"Channel {spec.name} sudah ada sebagai {row.kind}; pakai nama lain")
        old = _load(row) if row is not None else {}
        stored = str(old.get(secret_key) or "")
        if spec.secret:
            same = bool(stored) and keyfile.unseal(stored) == spec.secret
            sealed = stored if same else keyfile.seal(spec.secret)
        else:
            sealed = stored
        if not sealed:
            what = "token bot" if spec.kind == ChannelKind.TELEGRAM.value else "password"
            raise ChannelError(f"Channel {spec.name}: {what} wajib diisi")
        config = _config_of(spec, sealed)
        if row is None:
            row = ChatChannel.create(name=spec.name, kind=spec.kind, config=json.dumps(config), active=spec.active,
                                     updated_at=now or _dt.datetime.now())
            return row.id, True
        if old == config and row.active == spec.active:
            return row.id, False
        ChatChannel.update(config=json.dumps(config), active=spec.active, updated_at=now or _dt.datetime.now()) \
            .where(ChatChannel.id == row.id).execute()
        return row.id, True


def set_active(name: str, active: bool) -> None:
    if not ChatChannel.update(active=active).where(ChatChannel.name == name).execute():
        raise ChannelError(f"Channel {name} tidak ada")


def delete(name: str) -> None:
    ChatChannel.delete().where(ChatChannel.name == name).execute()


def _info(row: ChatChannel) -> ChannelInfo:
    data = _load(row)
    account = str(data.get("jid") or "") if row.kind == ChannelKind.JABBER.value else "bot"
    return ChannelInfo(row.id, row.name, row.kind, bool(row.active), account, str(data.get("host") or ""),
                       int(data.get("port") or 0), str(data.get("api_url") or ""),
                       bool(data.get(SECRET_OF.get(row.kind, ""))))


def list_channels() -> list[ChannelInfo]:
    return [_info(row) for row in ChatChannel.select().order_by(ChatChannel.name)]


def info(name: str) -> ChannelInfo | None:
    row = ChatChannel.get_or_none(ChatChannel.name == name)
    return _info(row) if row is not None else None


def connect_config(name: str) -> ChannelConfig | None:
    """The channel's config with its secret unsealed, for its transport only."""
    row = ChatChannel.get_or_none(ChatChannel.name == name)
    if row is None:
        return None
    data = _load(row)
    secret = keyfile.unseal(str(data.get(SECRET_OF.get(row.kind, "")) or ""))
    return ChannelConfig(row.name, row.kind, secret, str(data.get("jid") or ""), str(data.get("host") or ""),
                         int(data.get("port") or 0), str(data.get("api_url") or ""))


def active_names() -> list[str]:
    return [n for (n,) in ChatChannel.select(ChatChannel.name).where(ChatChannel.active == True)  # noqa: E712
            .order_by(ChatChannel.name).tuples()]
