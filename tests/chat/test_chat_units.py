"""The small parts of the chat path without a server: chat identities, the LINK command, R# tags, the
channel of a chat account and the reseller looked up by its kind."""
from __future__ import annotations

import pytest

from app.chat import addresses, refs
from app.commands import types as t
from app.commands.parser import parse


@pytest.mark.parametrize("text, expected", [
    ("tg:123456789", ("telegram", "123456789")),
    ("TG: 42", ("telegram", "42")),
    ("xmpp:Toko@Example.NET", ("jabber", "toko@example.net")),
    ("jabber:toko@example.net/Kasir", ("jabber", "toko@example.net/kasir")),
])
def test_chat_identities_are_parsed_and_normalized(text, expected):
    assert addresses.parse(text) == expected
    assert addresses.parse(addresses.show(*expected)) == expected


@pytest.mark.parametrize("text", ["tg:@toko", "xmpp:toko", "sms:0812", "123", "xmpp:a@b@c", "tg:"])
def test_what_is_no_chat_identity_is_refused_in_indonesian(text):
    with pytest.raises(addresses.AddressError):
        addresses.parse(text)


def test_channels_of_chat_accounts():
    key = addresses.channel_key("jabber", "toko")
    assert key == "jabber:toko" and addresses.kind_of(key) == "jabber" and addresses.account_of(key) == "toko"
    assert addresses.is_chat(key) and addresses.is_chat("telegram") and not addresses.is_chat("sms")


@pytest.mark.parametrize("text, code, pin", [("LINK.R001.1234", "R001", "1234"), ("tautkan r002 4321", "R002", "4321"),
                                             ("LINK#H001#123456", "H001", "123456")])
def test_link_command(text, code, pin):
    parsed = parse(text)
    assert parsed.command == t.LinkChat(code, pin) and pin in parsed.secrets


@pytest.mark.parametrize("text", ["LINK.R001", "LINK.1234", "LINK.R001.X.1234"])
def test_link_command_malformed(text):
    parsed = parse(text)
    assert isinstance(parsed.command, t.BadFormat) and parsed.command.hint == "link"


def test_r_tags():
    parsed = parse("S10.081234567890.1234 R#inv-9")
    assert parsed.chat_ref == "inv-9" and isinstance(parsed.command, t.TopUp)
    assert refs.ref_of("jabber:toko", parsed.chat_ref) == "inv-9"
    assert refs.ref_of("sms", parsed.chat_ref) is None  # SMS: the tag is ignored
    assert refs.tagged("inv-9", "Saldo 5.000") == "R#inv-9 Saldo 5.000"
    assert refs.tagged("inv-9", "R#inv-9 Saldo") == "R#inv-9 Saldo"
    assert refs.tagged("bad!", "x") == "x" and not refs.valid("x" * 41) and refs.valid("A_b-9")
