"""The `"channels"` list of a `--config` file (docs/config.md, docs/chat.md):

    {"channels": [
      {"kind": "telegram", "name": "bot-toko", "token": "123456:ABC…", "api_url": "http://127.0.0.1:8081"},
      {"kind": "jabber", "name": "jabber-toko", "jid": "pulsa@example.net", "password": "…",
       "host": "xmpp.example.net", "port": 5222}
    ]}

Each entry is saved as a chat channel (switched on); applying the same file twice changes nothing, and
the token or password is stored sealed (app/chat/channels.py)."""
from __future__ import annotations

from typing import Any

from app.chat import channels

_KEYS = {"telegram": {"kind", "name", "token", "api_url", "active"},
         "jabber": {"kind", "name", "jid", "password", "host", "port", "active"}}


class ChannelConfigError(ValueError):
    pass


def parse(data: dict[str, Any]) -> list[channels.ChannelSpec]:
    entries = data.get("channels") or []
    if not isinstance(entries, list):
        raise ChannelConfigError("'channels' harus daftar")
    specs: list[channels.ChannelSpec] = []
    for i, entry in enumerate(entries):
        where = f"channel #{i + 1}"
        if not isinstance(entry, dict):
            raise ChannelConfigError(f"{where}: harus objek JSON")
        kind = str(entry.get("kind", "")).strip().lower()
        if kind not in _KEYS:
            raise ChannelConfigError(f"{where}: 'kind' harus \"telegram\" atau \"jabber\"")
        name = str(entry.get("name") or "").strip()
        where = f"channel {name or '#' + str(i + 1)}"
        unknown = set(entry) - _KEYS[kind]
        if unknown:
            raise ChannelConfigError(f"{where}: kunci tidak dikenal {sorted(unknown)}")
        secret_key = channels.SECRET_OF[kind]
        secret = entry.get(secret_key)
        if not isinstance(secret, str) or not secret.strip():
            raise ChannelConfigError(f"{where}: '{secret_key}' wajib diisi")
        port = entry.get("port", 0)
        if not isinstance(port, int) or isinstance(port, bool):
            raise ChannelConfigError(f"{where}: 'port' harus angka")
        if not isinstance(entry.get("active", True), bool):
            raise ChannelConfigError(f"{where}: 'active' harus true atau false")
        spec = channels.ChannelSpec(name, kind, secret, jid=str(entry.get("jid") or ""),
                                    host=str(entry.get("host") or ""), port=port,
                                    api_url=str(entry.get("api_url") or ""), active=entry.get("active", True))
        try:
            channels._validate(spec)
        except channels.ChannelError as exc:
            raise ChannelConfigError(str(exc)) from None
        specs.append(spec)
    names = [s.name.casefold() for s in specs]
    if len(names) != len(set(names)):
        raise ChannelConfigError("dua channel memakai nama yang sama")
    return specs


def apply(specs: list[channels.ChannelSpec]) -> int:
    """Save the channels; returns how many changed."""
    changed = 0
    for spec in specs:
        try:
            changed += channels.save(spec)[1]
        except channels.ChannelError as exc:
            raise ChannelConfigError(str(exc)) from None
    return changed
