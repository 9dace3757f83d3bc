"""GSM 03.38 tables and septet packing."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modems import gsm7

GSM7_CHARS = [c for i, c in enumerate(gsm7.GSM7_BASIC) if i != gsm7.ESC] + list(gsm7.GSM7_EXT)
gsm7_text = st.text(alphabet=GSM7_CHARS, max_size=400)


def test_basic_table_landmarks():
    # Positions a shifted or ASCII-based table would get wrong.
    table = gsm7.GSM7_BASIC
    assert table[0x00] == "@"
    assert table[0x02] == "$"
    assert table[0x11] == "_"
    assert table[0x24] == "¤"
    assert table[0x40] == "¡"
    assert table[0x5F] == "§"
    assert table[0x60] == "¿"
    assert table[0x7B] == "ä"
    assert table[0x7F] == "à"
    assert table[0x10] == "Δ"
    assert len(set(table)) == 128


def test_extension_table_codes():
    assert gsm7.GSM7_EXT == {
        "\x0c": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F,
        "[": 0x3C, "~": 0x3D, "]": 0x3E, "|": 0x40, "€": 0x65,
    }


def test_is_gsm7():
    assert gsm7.is_gsm7("Halo, isi pulsa 10.000 ke 0812? @£$ {€}")
    assert gsm7.is_gsm7("")
    assert not gsm7.is_gsm7("Terima kasih 🙏")
    assert not gsm7.is_gsm7("`")  # backtick is not in GSM 03.38
    assert not gsm7.is_gsm7("\x1b")  # the escape code is not a character


def test_encode_septets_extension_is_two_septets():
    assert gsm7.encode_septets("a{€") == [0x61, 0x1B, 0x28, 0x1B, 0x65]
    assert gsm7.encode_septets("@") == [0x00]


def test_encode_rejects_non_gsm():
    with pytest.raises(ValueError):
        gsm7.encode_septets("ok 😀")


def test_decode_escape_rules():
    # ESC + undefined code shows the basic character; ESC ESC a space; trailing ESC dropped.
    assert gsm7.decode_septets([0x1B, 0x41]) == "A"
    assert gsm7.decode_septets([0x1B, 0x1B]) == " "
    assert gsm7.decode_septets([0x41, 0x1B]) == "A"


# Public vectors: python-gsmmodem test/test_pdu.py (faucamp/python-gsmmodem @ 0423e91a), TestGsm7.
PACKED = [
    ("123", "31D90C"),
    ("12345678", "31D98C56B3DD70"),
    ("123456789", "31D98C56B3DD7039"),
    ("Hello World!", "C8329BFD065DDF72363904"),
    ("[{abc}]~", "1BDE0615168F37A98D6FD303"),
    ("a[]{}€", "E10D6FE3DBA036A94D19"),
    ("hellohello", "E8329BFD4697D9EC37"),  # dreamfabric/"SMS and the PDU format" example
]


@pytest.mark.parametrize("text,packed", PACKED)
def test_pack_known_vectors(text, packed):
    assert gsm7.pack_septets(gsm7.encode_septets(text)).hex().upper() == packed
    assert gsm7.decode_septets(gsm7.unpack_septets(bytes.fromhex(packed), len(gsm7.encode_septets(text)))) == text


def test_pack_cr_padding_rule():
    # 7 chars = 8n-1 septets: the 7 spare bits of the last octet carry CR, not zeros.
    septets = gsm7.encode_septets("1234567")
    assert gsm7.pack_septets(septets, pad_cr=True).hex().upper() == "31D98C56B3DD1A"
    assert gsm7.pack_septets(septets).hex().upper() == "31D98C56B3DD00"
    # Not 8n-1: pad_cr changes nothing.
    assert gsm7.pack_septets(gsm7.encode_septets("*100#"), pad_cr=True).hex().upper() == "AA180C3602"


def test_fifteen_septets_cr_pad():
    # '{åΦΓΛΩΠΨΣΘ€}' is 15 septets; python-gsmmodem's vector ends in 0x00 (zero fill).
    septets = gsm7.encode_septets("{åΦΓΛΩΠΨΣΘ€}")
    assert len(septets) == 15
    assert gsm7.pack_septets(septets).hex().upper() == "1BD44332A1542C174C6653DEA400"
    assert gsm7.pack_septets(septets, pad_cr=True)[-1] == 0x1A


def test_fill_bits_shift_the_payload():
    septets = gsm7.encode_septets("A")
    assert gsm7.pack_septets(septets, fill_bits=1) == bytes([0x41 << 1])
    assert gsm7.unpack_septets(bytes([0x41 << 1]), 1, fill_bits=1) == [0x41]
    with pytest.raises(ValueError):
        gsm7.pack_septets(septets, fill_bits=8)


def test_unpack_count_limits():
    data = gsm7.pack_septets(gsm7.encode_septets("hello"))
    assert gsm7.unpack_septets(data, 3) == gsm7.encode_septets("hel")
    with pytest.raises(ValueError):
        gsm7.unpack_septets(data, 6)
    assert gsm7.unpack_septets(b"") == []


def test_pack_rejects_out_of_range_septet():
    with pytest.raises(ValueError):
        gsm7.pack_septets([0x80])


@given(gsm7_text)
def test_text_roundtrip(text):
    assert gsm7.decode_septets(gsm7.encode_septets(text)) == text


@given(st.lists(st.integers(0, 127), max_size=300), st.integers(0, 7))
def test_pack_unpack_roundtrip(septets, fill):
    packed = gsm7.pack_septets(septets, fill_bits=fill)
    assert len(packed) == (len(septets) * 7 + fill + 7) // 8
    assert gsm7.unpack_septets(packed, len(septets), fill_bits=fill) == septets


@settings(max_examples=200)
@given(gsm7_text)
def test_septet_length_counts_extension_twice(text):
    ext = sum(1 for c in text if c in gsm7.GSM7_EXT)
    assert gsm7.septet_length(text) == len(text) + ext
