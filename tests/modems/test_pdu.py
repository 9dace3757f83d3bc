"""SMS PDU codec: public vectors, round trips, oracle cross-check, fuzz."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from modems import gsm7, pdu
from modems.pdu import Concat, PduError, SmsDeliver, SmsSubmit, StatusReport

WIB = timezone(timedelta(hours=7))
GSM7_CHARS = [c for i, c in enumerate(gsm7.GSM7_BASIC) if i != gsm7.ESC] + list(gsm7.GSM7_EXT)
EMOJI = "😀🙏👍🎉🔥❤️‍🩹🇮🇩"

gsm7_text = st.text(alphabet=GSM7_CHARS, max_size=1000)
ext_heavy_text = st.text(alphabet=list(gsm7.GSM7_EXT) + ["a", " "], max_size=600)
bmp_text = st.text(alphabet=st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), max_size=600)
emoji_text = st.text(alphabet=list(EMOJI) + list("ab é"), max_size=400)
any_text = st.one_of(gsm7_text, ext_heavy_text, bmp_text, emoji_text)
intl_number = st.from_regex(r"\+628[1-9][0-9]{7,10}", fullmatch=True)
national_number = st.from_regex(r"0[1-9][0-9]{3,11}", fullmatch=True)
alnum_sender = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkmnop", min_size=2, max_size=11).filter(
    lambda s: not s.isdigit()
)
timestamps = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2089, 12, 31), timezones=st.sampled_from(
        [timezone(timedelta(minutes=15 * q)) for q in (-48, -20, 0, 4, 28, 32, 36, 56)]
    )
).map(lambda d: d.replace(microsecond=0))


# --------------------------------------------------------------------------- SUBMIT vectors


def test_halo_vector_from_reference():
    # modems.md 13.5: "Halo" to +6281234567890, 19 octets after the SCA.
    [part] = pdu.encode_submit("+6281234567890", "Halo")
    assert part.hex == "0011000D91261832547698F00000A704C830FB0D"
    assert part.tpdu_length == 19
    assert part.text == "Halo"
    assert part.concat is None


def test_submit_flags_smsc_and_validity():
    [part] = pdu.encode_submit(
        "081234567890", "x", request_report=True, smsc="+6281100000", validity_minutes=30
    )
    # SCA 06 91 2618010000; first octet 0x31 (VPF relative + SRR); national DA type 81; VP 5.
    assert part.hex.startswith("069126180100003100")
    assert part.tpdu_length == len(part.hex) // 2 - 7
    decoded = pdu.decode_pdu(part.hex)
    assert isinstance(decoded, SmsSubmit)
    assert decoded.to == "081234567890"
    assert decoded.request_report is True
    assert decoded.smsc == "+6281100000"
    assert decoded.validity_minutes == 30


@pytest.mark.parametrize(
    "minutes,vp",
    # Relative validity vectors from python-gsmmodem test/test_pdu.py (TestRelativeValidityPeriod).
    [(30, 5), (16 * 60, 151), (3 * 1440, 169), (5 * 10080, 197), (1440, 0xA7)],
)
def test_relative_validity_encoding(minutes, vp):
    [part] = pdu.encode_submit("+628111", "v", validity_minutes=minutes)
    tpdu = bytes.fromhex(part.hex)[1:]
    da_octets = 2 + (tpdu[2] + 1) // 2
    assert tpdu[2 + da_octets + 2] == vp
    assert pdu.decode_relative_vp(vp) == minutes


def test_ucs2_and_emoji_submit():
    [part] = pdu.encode_submit("+6281234567890", "Mantap 👍")
    raw = bytes.fromhex(part.hex)
    assert raw[-21] == 0x08  # DCS UCS-2, then VP, UDL and 18 octets of UD
    assert raw[-19] == 18  # 7 BMP units + 1 surrogate pair = 9 units = 18 octets
    assert raw[-4:] == "👍".encode("utf-16-be")
    assert pdu.decode_pdu(part.hex).text == "Mantap 👍"


def test_split_gsm7_sizes_and_udh():
    text = "A" * 161
    parts = pdu.encode_submit("+6281234567890", text, ref=0x42)
    assert [len(p.text) for p in parts] == [153, 8]
    assert [p.concat for p in parts] == [Concat(0x42, 2, 1), Concat(0x42, 2, 2)]
    raw = bytes.fromhex(parts[0].hex)
    assert raw[1] & 0x40  # UDHI
    udl_index = raw.index(bytes.fromhex("0500034202")) - 1
    assert raw[udl_index] == 160  # 7 header septets + 153
    # The first text septet starts after one fill bit: 'A' << 1.
    assert raw[udl_index + 7] == (0x41 << 1) & 0xFF


def test_exactly_160_and_70_fit_one_part():
    assert len(pdu.encode_submit("+628123", "x" * 160)) == 1
    assert len(pdu.encode_submit("+628123", "é€" * 53 + "é")) == 1  # 53*3 + 1 = 160 septets
    assert len(pdu.encode_submit("+628123", "é€" * 53 + "€")) == 2  # 161 septets
    assert len(pdu.encode_submit("+628123", "ж" * 70)) == 1
    assert len(pdu.encode_submit("+628123", "ж" * 71)) == 2


def test_euro_counts_double_in_split():
    assert pdu.split_text("€" * 80) == ("gsm7", ["€" * 80])  # exactly 160 septets
    alphabet, parts = pdu.split_text("€" * 81)
    assert alphabet == "gsm7"
    assert [len(p) for p in parts] == [76, 5]  # 76 pairs = 152 septets; a 77th would straddle


def test_extension_pair_never_split():
    text = "a" * 152 + "{" + "b" * 10
    _, parts = pdu.split_text(text)
    assert parts[0] == "a" * 152
    assert parts[1].startswith("{")


def test_surrogate_pair_never_split():
    text = "ж" * 66 + "😀" + "ж" * 10
    alphabet, parts = pdu.split_text(text)
    assert alphabet == "ucs2"
    assert parts[0] == "ж" * 66
    assert parts[1].startswith("😀")
    for p in pdu.encode_submit("+628123", text, ref=1):
        assert p.text.encode("utf-16-be").decode("utf-16-be") == p.text


def test_count_parts():
    assert pdu.count_parts("") == 1
    assert pdu.count_parts("x" * 306) == 2
    assert pdu.count_parts("x" * 307) == 3
    assert pdu.count_parts("🙏" * 35) == 1
    assert pdu.count_parts("🙏" * 36) == 2


def test_too_many_parts_is_an_error():
    with pytest.raises(ValueError):
        pdu.encode_submit("+628123", "x" * (153 * 255 + 1), ref=1)


def test_concat_reference_rotates_when_not_given():
    a = pdu.encode_submit("+628123", "x" * 200)[0].concat
    b = pdu.encode_submit("+628123", "x" * 200)[0].concat
    assert a is not None and b is not None
    assert a.ref != b.ref


def test_alphanumeric_address_vectors():
    # python-gsmmodem TestSmsPduAddressFields vectors (type D0, length in semi-octets).
    assert pdu.encode_address("abc").hex().upper() == "06D061F118"
    assert pdu.encode_address("FRANCOIS").hex().upper() == "0ED04669D0397C26A7"
    assert pdu.encode_address("+27829135934").hex().upper() == "0B917228195339F4"


def test_number_punctuation_is_ignored():
    assert pdu.encode_address("+62 (812) 3456-7890") == pdu.encode_address("+6281234567890")
    assert pdu.encode_address("0812.3456.7890")[1] == 0x81


def test_sca_vectors():
    assert pdu.encode_sca("+9876543210").hex().upper() == "06918967452301"
    assert pdu.encode_sca(None) == b"\x00"


# --------------------------------------------------------------------------- DELIVER vectors
# Public captures; sources next to each.


def test_deliver_hellohello():
    # "SMS and the PDU format" (dreamfabric), reprinted on subnets.ru and luteus.biz.
    d = pdu.decode_pdu("07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37")
    assert isinstance(d, SmsDeliver)
    assert d.smsc == "+27381000015"
    assert d.sender == "27838890001"  # type C8 is not international: no plus
    assert d.text == "hellohello"
    assert d.scts == datetime(1999, 3, 29, 15, 16, 59, tzinfo=timezone(timedelta(hours=2)))
    assert d.dcs == 0 and d.pid == 0 and d.concat is None


def test_deliver_python_gsmmodem_vectors():
    # python-gsmmodem test/test_pdu.py TestSmsPdu.test_decode (faucamp/python-gsmmodem @ 0423e91a).
    d = pdu.decode_pdu("06917228195339040B917228214365F700003130805120618005D4F29C2E03")
    assert (d.smsc, d.sender, d.text) == ("+2782913593", "+27821234567", "Test2")
    assert d.scts == datetime(2013, 3, 8, 15, 2, 16, tzinfo=timezone(timedelta(hours=2)))

    d = pdu.decode_pdu(
        "07915892000000F0040B915892214365F700007040213252242331493A283D0795C3F33C88FE06C9CB6132885EC6"
        "D341EDF27C1E3E97E7207B3A0C0A5241E377BB1D7693E72E"
    )
    assert d.text == "It is easy to read text messages via AT commands."
    assert d.scts == datetime(2007, 4, 12, 23, 25, 42, tzinfo=timezone(timedelta(hours=8)))

    d = pdu.decode_pdu("06917228195339040B917228214365F70000313062315352800A800D8A5E98D337A910")
    assert d.text == "@{tést}!"


def test_deliver_with_concat_udh_and_short_code():
    d = pdu.decode_pdu(
        "0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB2074D85E064941B1"
        "9CAB060319A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19CAB0603DDD36C36A88C87A7E565D0DB0D"
        "82C55EB0DB4B068BCD5C20"
    )
    assert d.smsc == "+2781191"
    assert d.sender == "2781188"
    assert d.concat == Concat(ref=0xC3, total=1, seq=1)
    assert d.udh == bytes.fromhex("050003C30101")
    assert d.text == "Hello!You have R 19.50 FREE airtime available. R 19.50 will expire on 01/07/2013. "


def test_negative_timezone():
    # TZ octet 0x2B: sign bit set, 32 quarters = -8 h (python-gsmmodem TestTimestamp).
    assert pdu.decode_scts(bytes.fromhex("7040213252242B")) == datetime(
        2007, 4, 12, 23, 25, 42, tzinfo=timezone(timedelta(hours=-8))
    )
    assert pdu.encode_scts(datetime(2015, 11, 27, tzinfo=timezone(timedelta(hours=2)))).hex() == "51117200000080"


def test_wib_timezone_octet():
    assert pdu.encode_scts(datetime(2024, 1, 2, 3, 4, 5, tzinfo=WIB))[-1] == 0x82
    assert pdu.decode_scts(bytes.fromhex("42102030405082")).utcoffset() == timedelta(hours=7)


def test_submit_decode_vectors():
    d = pdu.decode_pdu("0011000B916407281553F80000AA0AE8329BFD4697D9EC37")  # dreamfabric SUBMIT
    assert isinstance(d, SmsSubmit)
    assert (d.to, d.text, d.validity_minutes) == ("+46708251358", "hellohello", 4 * 1440)
    d = pdu.decode_pdu("07914346466554F601000B914316565811F9000806304253F68449")
    assert (d.to, d.text, d.dcs) == ("+34616585119", "あ叶葉", 8)
    d = pdu.decode_pdu("0591721891F101000B917228214365F700040C48656C6C6F20776F726C6421")
    assert (d.text, d.dcs) == ("Hello world!", 4)  # 8-bit data
    # Absolute validity period: 7 octets skipped, text still right.
    d = pdu.decode_pdu("0019000B917228001011F100003170013193008017D474BB3CA787DB70903DCC4E93D3F43C885E9ED301")
    assert d.text == "Timestamp validity test" and d.validity_minutes is None


def test_lorem_concat_submit_reassembles():
    # python-gsmmodem test_encodeSmsSubmit_concatenated: three parts, ref 0, no VP.
    hexes = [
        "0045000B915121551532F40000A0050003000301986F79B90D4AC3E7F53688FC66BFE5A0799A0E0AB7CB741668FC76"
        "CFCB637A995E9783C2E4343C3D4F8FD3EE33A8CC4ED359A079990C22BF41E5747DDE7E9341F4721BFE9683D2EE719A9C"
        "26D7DD74509D0E6287C56F791954A683C86FF65B5E06B5C36777181466A7E3F5B0AB4A0795DDE936284C06B5D3EE741B"
        "642FBBD3E1360B14AFA7DD",
        "0045000B915121551532F40000A0050003000302DE73BABC4E0695F165F9384D0FD3D36F37A8CE6687DBE337881D16BF"
        "E5E939C89D9EA741753A28CC4EC7EB6938A88C0795C3A0F1BBDD7E93DFA0F1DB3D2FC7EB61BA8B584FCF41E13ABD0C4A"
        "CBEBF23288FC66BFE5A0B41B242FC3E56574D94D2ECBD37450DA0DB2BFD975383D4C2F83EC65769A0E2ACFE765D038CD"
        "66D7DB20F29BFD2E83CA",
        "0045000B915121551532F400008C050003000303EA2073FD9C0ED341EE3A9B1D06C1C3F274985E97BB8AF871194E2FD7"
        "E5A079DA4D07BDC7E370791CA683C675789A1CA687E920F7DB0D82CBDF6972D94D6781E675371D947683C675363C0C8A"
        "D7D3A0B7D99C1EA7C32072795E96D7DD7450FBCD66A7E9A0B03BDD06A5C9A0F29C0E6287C56F79BD0D",
    ]
    parts = [pdu.decode_pdu(h) for h in reversed(hexes)]
    assert [p.concat.seq for p in parts] == [3, 2, 1]
    text = pdu.join_parts(parts)
    assert text.startswith("Lorem ipsum dolor sit amet, consectetur adipisicing elit")
    assert text.endswith("sunt in culpa qui officia deserunt mollit anim id est laborum")
    assert len(text) == 153 * 2 + 0x8C - 7


def test_status_report_vectors():
    r = pdu.decode_pdu("0006D60B911326880736F4111011719551401110117195714000")
    assert isinstance(r, StatusReport)
    assert (r.mr, r.recipient, r.status) == (214, "+31628870634", 0)
    assert r.scts == datetime(2011, 1, 11, 17, 59, 15, tzinfo=timezone(timedelta(hours=1)))
    assert r.discharge == datetime(2011, 1, 11, 17, 59, 17, tzinfo=timezone(timedelta(hours=1)))
    assert r.delivered and r.final
    # Semi-invalid report captured from a ZTE modem (python-gsmmodem): odd digits, still decodes.
    r = pdu.decode_pdu("0297F1061C0F910B487228297020F5317062419272803170624192138000")
    assert r.mr == 28
    assert r.discharge == datetime(2013, 7, 26, 14, 29, 31, tzinfo=timezone(timedelta(hours=2)))


@pytest.mark.parametrize(
    "status,delivered,final",
    [(0x00, True, True), (0x01, True, True), (0x20, False, False), (0x3F, False, False),
     (0x40, False, True), (0x60, False, True)],
)
def test_status_classes(status, delivered, final):
    r = StatusReport(1, "+628", datetime.now(WIB), datetime.now(WIB), status)
    assert (r.delivered, r.final) == (delivered, final)


def test_ucs2_udl_too_long_is_rejected():
    # python-gsmmodem accepts this one (UDL 160 on UCS-2 data of 10 octets); guessing would
    # hand a truncated order to the engine, so we refuse.
    with pytest.raises(PduError):
        pdu.decode_pdu("0041010C910661345542F60008A0050003000301306F3044")


@pytest.mark.parametrize(
    "bad",
    [
        "", "0", "zz", "00", "0004", "07917283010010F5",  # truncated
        "0011000D91261832547698F00000A70AC830FB0D",  # UDL 10 but 4 octets of data
        "000300",  # MTI 3 reserved
        "0004" "0B917228214365F7" "0000" "31308051206180" "05D4F29C2E",  # truncated UD
        "0004" "0B917228214365F7" "0024" "31308051206180" "05D4F29C2E03",  # compressed DCS
        "0004" "0B917228214365F7" "0000" "313080512061F0" "05D4F29C2E03",  # bad TZ octet
        "0004" "0B917228214365F7" "0000" "31318051206180" "05D4F29C2E03",  # month 13
        "0044" "0B917228214365F7" "0000" "31308051206180" "0507",  # UDH longer than UD
        "0004" "0B917228214365F7" "0008" "31308051206180" "03414243",  # odd UCS-2
        "FF",  # SCA length past the end
    ],
)
def test_malformed_raises_pdu_error(bad):
    with pytest.raises(PduError):
        pdu.decode_pdu(bad)
    assert issubclass(PduError, ValueError)


# --------------------------------------------------------------------------- network side


def test_encode_deliver_single_and_alnum_sender():
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=WIB)
    [h] = pdu.encode_deliver("TELKOMSEL", "SN: 1234567890", when)
    assert h.startswith("0691261801000004")  # default SMSC +6281100000, fo 0x04
    d = pdu.decode_pdu(h)
    assert (d.sender, d.text, d.scts, d.smsc) == ("TELKOMSEL", "SN: 1234567890", when, "+6281100000")
    [h] = pdu.encode_deliver("777", "ok", when)
    assert pdu.decode_pdu(h).sender == "777"


def test_encode_deliver_dcs_override():
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=WIB)
    [h] = pdu.encode_deliver("+628123456789", "Café", when, dcs_override=0x04)
    d = pdu.decode_pdu(h)
    assert (d.dcs, d.text, d.user_data) == (0x04, "Café", "Café".encode("latin-1"))
    [h] = pdu.encode_deliver("+628123456789", "Halo", when, dcs_override=0x08)
    assert pdu.decode_pdu(h).user_data == "Halo".encode("utf-16-be")
    [h] = pdu.encode_deliver("+628123456789", "Flash", when, dcs_override=0x10)
    assert pdu.decode_pdu(h).text == "Flash"
    with pytest.raises(ValueError):
        pdu.encode_deliver("+628123456789", "😀", when, dcs_override=0x00)


def test_encode_status_report_roundtrip():
    scts = datetime(2024, 1, 1, 10, 0, 0, tzinfo=WIB)
    dt = scts + timedelta(seconds=6)
    h = pdu.encode_status_report(17, "+6281234567890", scts, dt, 0x00)
    r = pdu.decode_pdu(h)
    assert r == StatusReport(17, "+6281234567890", scts, dt, 0)
    r = pdu.decode_pdu(pdu.encode_status_report(3, "081234", scts, dt, 0x46))
    assert not r.delivered and r.final and r.recipient == "081234"


def test_decode_submit_uses_tpdu_length():
    [part] = pdu.encode_submit("+6281234567890", "Halo")
    s = pdu.decode_submit(part.hex, tpdu_length=part.tpdu_length)
    assert (s.to, s.text) == ("+6281234567890", "Halo")
    # Without SCA at all (modem given the TPDU only).
    s = pdu.decode_submit(part.hex[2:], tpdu_length=part.tpdu_length)
    assert s.text == "Halo"
    with pytest.raises(PduError):
        pdu.decode_submit(part.hex, tpdu_length=part.tpdu_length - 1)
    with pytest.raises(PduError):
        pdu.decode_submit(pdu.encode_deliver("+628123", "x")[0])


def test_join_parts_ignores_duplicates_and_order():
    hexes = pdu.encode_deliver("+628123456789", "x" * 150 + "y" * 150 + "z" * 10, concat_ref=9)
    parts = [pdu.decode_pdu(h) for h in hexes]
    shuffled = [parts[2], parts[0], parts[2], parts[1]]
    assert pdu.join_parts(shuffled) == "x" * 150 + "y" * 150 + "z" * 10


def test_join_parts_rejoins_surrogate_split_by_foreign_phone():
    when = datetime(2024, 1, 1, tzinfo=WIB)
    emoji = "😀".encode("utf-16-be")
    udh = lambda seq: bytes([5, 0, 3, 1, 2, seq])  # noqa: E731
    hexes = []
    for seq, body in ((1, b"\x00a" + emoji[:2]), (2, emoji[2:] + b"\x00b")):
        ud = udh(seq) + body
        tpdu = bytes([0x44]) + pdu.encode_address("+628123") + bytes([0, 8]) + pdu.encode_scts(when)
        hexes.append("00" + (tpdu + bytes([len(ud)]) + ud).hex())
    parts = [pdu.decode_pdu(h) for h in hexes]
    assert "\ufffd" in parts[0].text  # each part alone is broken
    assert pdu.join_parts(parts) == "a😀b"


# --------------------------------------------------------------------------- properties


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, st.one_of(intl_number, national_number), st.integers(0, 255), st.booleans())
def test_submit_roundtrip(text, to, ref, report):
    parts = pdu.encode_submit(to, text, ref=ref, request_report=report)
    decoded = [pdu.decode_submit(p.hex, tpdu_length=p.tpdu_length) for p in parts]
    for part, d in zip(parts, decoded):
        assert d.to == to
        assert d.text == part.text
        assert d.request_report is report
        assert d.concat == part.concat
        assert len(part.hex) // 2 == part.tpdu_length + 1
        assert len(d.user_data) <= 140  # TP-UD never exceeds 140 octets
    assert pdu.join_parts(decoded) == text
    if len(parts) > 1:
        assert {p.concat.ref for p in parts} == {ref}
        assert [p.concat.seq for p in parts] == list(range(1, len(parts) + 1))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, st.one_of(intl_number, national_number, alnum_sender), timestamps)
def test_deliver_roundtrip(text, sender, when):
    hexes = pdu.encode_deliver(sender, text, when, concat_ref=200)
    assert len(hexes) == pdu.count_parts(text)
    decoded = [pdu.decode_pdu(h) for h in hexes]
    for d in decoded:
        assert isinstance(d, SmsDeliver)
        assert d.sender == sender
        assert d.scts == when and d.scts.utcoffset() == when.utcoffset()
        assert d.smsc == "+6281100000"
    assert pdu.join_parts(list(reversed(decoded))) == text
    assert "".join(d.text for d in decoded) == text


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=GSM7_CHARS, min_size=154, max_size=1200))
def test_gsm7_parts_respect_153_septets(text):
    _, parts = pdu.split_text(text)
    assume(gsm7.septet_length(text) > 160)
    for p in parts:
        assert gsm7.septet_length(p) <= 153
    for p in parts[:-1]:
        # A part only ends short when the next character is a 2-septet extension char.
        assert gsm7.septet_length(p) == 153 or (
            gsm7.septet_length(p) == 152 and parts[parts.index(p) + 1][0] in gsm7.GSM7_EXT
        )


# --------------------------------------------------------------------------- oracle


def _oracle():
    return pytest.importorskip("smspdudecoder.easy")


@settings(max_examples=100, deadline=None)
@given(st.one_of(gsm7_text, bmp_text, emoji_text), intl_number, timestamps)
def test_deliver_matches_smspdudecoder(text, sender, when):
    easy = _oracle()
    hexes = pdu.encode_deliver(sender, text, when, concat_ref=77)
    texts = []
    for h in hexes:
        got = easy.read_incoming_sms(h)
        assert got["sender"] == sender
        assert got["date"] == when
        content = got["content"]
        d = pdu.decode_pdu(h)
        # The oracle decodes GSM-7 by octets, so 8n-1 septets show one extra '@'.
        if d.dcs == 0 and content == d.text + "@":
            content = d.text
        assert content == d.text
        if len(hexes) > 1:
            assert got["partial"]["parts_count"] == len(hexes)
            assert got["partial"]["part_number"] == d.concat.seq
        texts.append(content)
    assert "".join(texts) == text


@settings(max_examples=100, deadline=None)
@given(st.one_of(gsm7_text, bmp_text, emoji_text).filter(lambda t: pdu.count_parts(t) == 1), intl_number)
def test_submit_matches_smspdudecoder(text, to):
    easy = _oracle()
    [part] = pdu.encode_submit(to, text)
    got = easy.read_outgoing_sms(part.hex)
    assert got["recipient"] == to
    content = got["content"]
    if content == text + "@" and gsm7.is_gsm7(text):
        content = text
    assert content == text


# --------------------------------------------------------------------------- fuzz


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=200), st.booleans())
def test_fuzz_random_bytes(data, has_smsc):
    try:
        result = pdu.decode_pdu(data.hex(), has_smsc=has_smsc)
    except PduError:
        return
    assert isinstance(result, (SmsDeliver, SmsSubmit, StatusReport))


@settings(max_examples=800, deadline=None)
@given(
    st.sampled_from(
        pdu.encode_deliver("+6281234567890", "Halo 👍 " * 30, datetime(2024, 1, 1, tzinfo=WIB), concat_ref=5)
        + pdu.encode_deliver("INFO", "x" * 170, datetime(2024, 1, 1, tzinfo=WIB), concat_ref=5)
        + [pdu.encode_status_report(1, "+628123", datetime(2024, 1, 1, tzinfo=WIB),
                                    datetime(2024, 1, 1, tzinfo=WIB), 0)]
        + [p.hex for p in pdu.encode_submit("+628123", "{[]}" * 50, ref=3)]
    ),
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=4),
    st.integers(0, 400),
)
def test_fuzz_mutated_valid_pdus(hex_pdu, flips, cut):
    data = bytearray(bytes.fromhex(hex_pdu))
    for pos, value in flips:
        if data:
            data[pos % len(data)] = value
    data = data[: max(cut, 0)] if cut < len(data) else data
    try:
        pdu.decode_pdu(bytes(data).hex())
    except PduError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_non_hex_text(text):
    try:
        pdu.decode_pdu(text)
    except PduError:
        pass
