"""Chat identities as resellers' addresses, and the outbox channel of each chat account.

A reseller's chat identity is a `reseller_address` row like its paralel numbers: channel `telegram`
with the user ID (`123456789`), or channel `jabber` with a JID, lowercased: a bare JID
(`toko@example.net`) matches every resource of that account, a full one (`toko@example.net/hp`) only
that resource. The owner writes them `tg:123456789` and `xmpp:toko@example.net` (the form of
`ChatMessage.sender`).

A message from the account named `bot-toko` of kind `telegram` comes in on channel
`telegram:bot-toko` (`channel_key`): its replies are queued for that channel and go back through the
same account; the reseller is looked up by the kind alone (`kind_of`).
"""
from __future__ import annotations

import re

from app.chat.transport import ChannelKind

PREFIXES = {"tg": ChannelKind.TELEGRAM.value, "telegram": ChannelKind.TELEGRAM.value,
            "xmpp": ChannelKind.JABBER.value, "jabber": ChannelKind.JABBER.value}
SHORT = {ChannelKind.TELEGRAM.value: "tg", ChannelKind.JABBER.value: "xmpp"}
CHAT_KINDS = frozenset(SHORT)
_TG_ID = re.compile(r"^[0-9]{1,20}$")
_JID = re.compile(r"^[^@/\s]{1,256}@[^@/\s]{1,256}(/\S{1,256})?$")


class AddressError(ValueError):
    pass


def channel_key(kind: str, name: str) -> str:
    """The channel of the messages and replies of one chat account: "jabber:toko"."""
    return f"{kind}:{name}"


def kind_of(channel: str) -> str:
    """"jabber:toko" → "jabber"; "sms" → "sms"."""
    return channel.partition(":")[0]


def account_of(channel: str) -> str:
    return channel.partition(":")[2]


def is_chat(channel: str) -> bool:
    return kind_of(channel) in CHAT_KINDS


def bare(jid: str) -> str:
    return jid.partition("/")[0]


def normalize(kind: str, address: str) -> str:
    """The stored form of a chat identity; raises AddressError (Indonesian) when it is not one."""
    value = address.strip()
    if kind == ChannelKind.TELEGRAM.value:
        if not _TG_ID.match(value):
            raise AddressError(f"ID Telegram harus angka (ID pengguna), bukan {value!r}")
        return value
    if kind == ChannelKind.JABBER.value:
        value = value.lower()
        if not _JID.match(value):
            raise AddressError(f"Jabber ID tidak valid: {value!r} (contoh: toko@example.net)")
        return value
    raise AddressError(f"Jenis chat tidak dikenal: {kind}")


def parse(text: str) -> tuple[str, str]:
    """"tg:123" → ("telegram", "123"); "xmpp:Toko@Example.net" → ("jabber", "toko@example.net")."""
    prefix, sep, rest = text.strip().partition(":")
    kind = PREFIXES.get(prefix.lower()) if sep else None
    if kind is None:
        raise AddressError(f"Alamat chat harus diawali tg: atau xmpp: (mis. tg:123456789), bukan {text!r}")
    return kind, normalize(kind, rest)


def show(kind: str, address: str) -> str:
    """("jabber", "toko@example.net") → "xmpp:toko@example.net"; an SMS number as it is."""
    short = SHORT.get(kind)
    return f"{short}:{address}" if short else address
