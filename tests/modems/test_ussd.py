"""USSD: +CUSD parsing, payload decoding (modems.md 6.3/6.4), request encoding."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modems import gsm7, ussd
from modems.ussd import CusdLine, decode_ussd, encode_ussd_request, parse_cusd

# Real +CUSD lines from Gammu's tests/at-ussd/*.dump (gammu/gammu, GPLv2), re-typed as single
# fixture lines with their source file and commit.
E160_BARE = (  # 01-E160.dump @ 2b4352dca2fee977aef6c2849c96ec5b3612df94
    "+CUSD: 0, 49B41C74ACD3D16171D90D66666666666666666666B45CAC76C3CD6CB41B2D060389CB74F9FE4C07DD5CB91A"
    "A85897BF1B"
)
E160_QUOTED = (  # 02-E160.dump @ 47ed87a97ead2ea5a378f199db3f8714e6109d5b
    '+CUSD: 0,"49B41C74ACD3D16171D90D32FBE52072BA0C72CA5DB45CAC76C3CD6CB41B2D060389CB74F9FE4C07D55C371C'
    'A85897BF1B",15'
)
UNKNOWN_03 = (  # 03-unknown.dump @ adfa3f56bc108bb279da825a38612c6e5475b3bb
    '+CUSD: 1,"Kontostand: 3.00 EUR Bitte w{hlen Sie: 1 Konto aufladen 2 CallNow Transfer"'
)
UNKNOWN_04 = (  # 04-unknown.dump @ 025499ff336655d44524a182cf2491a4bb634764
    '+CUSD: 2,"Maaf, permintaan Anda tidak dapat kami proses. Silakan coba beberapa saat lagi.",0'
)
HEX_8BIT = (  # H-issue-hex-8bit.dump @ 70077d24d4e229d2df4a64ba17d8fef8e96a484e
    '+CUSD: 1,"536973612070756C73612052702E333030302E416B7469662073642032362F30322F323032302E0A4B6F6E74'
    "656E20526961204D6972616E64612026205261696820556D726F682E5270323230302F534D532F32487220736C6D2031"
    "383048720A312E59410A322E43656B204B756F74610A333E4E656C706F6E0A342E496E7465726E65740A352E4C61696E"
    '6E79610A",0'
)
QUECTEL_M35 = (  # Uissue358-Quectel_M35.dump @ 50766a58f57a6d17252b1b4262585355a99d4f59
    '+CUSD: 2,"00480061007600690020006B0065007200650074003A0020003000460074002E002000460065006C007400F600'
    "6C007400F60074007400200065006700790065006E006C00650067003A0020003700370037003700460074002C002800"
    "650062006200F6006C0020007600E0007300E00072006C00E000730072006100200069007300200066006F0072006400"
    "EC007400680061007400F2003A00200037003700370037004600740029002E0020004400EC006A00630073006F006D00"
    "610067003A002000420065006E0063007300F200200041002E00200055006A002000540065006C0065006B006F006D00"
    '2000F6006E006B00690073007A006F006C006700E0006C00F2003A0020002A0031003100310023",15'
)
E3276 = (  # issue109-E3276.dump @ bb08b72ac078b2b1cf41b243d71a9f8f79a146c8
    '+CUSD: 0,"0414043B044F00200441043F044004300432043A04380020043E002004310430043B0430043D044104350020043D'
    "04300431043504400438044204350020002A0031003000350023002E002004230441043B0443043304300020043104350441"
    '043F043B04300442043D0430002E",72'
)
DELL = (  # issue178-dell.dump @ 025499ff336655d44524a182cf2491a4bb634764
    '+CUSD: 0,"On DATA Pack u have 3Gb 817Mb 169kb valid until 21/05/2016   upto time of data recharge '
    'done by u.",15'
)
HE910 = (  # issue377-HE910-D.dump @ 162b6714688a7d6da750cd1b88c0e1de464ed49d
    '+CUSD: 2,"613906310635064A062F06430020003100300037002E003900330020062F002E0644060C06270644063506440627'
    "062D064A0629002000200032003000310038002D00310031002D003000390000FFFF60B16260EEEEFFFFFFFFFFFFFFFFFF"
    "FF60B16260EEEEFFFFFFFFFFFFFFFFFFFF60B16260EEEEFFFF00A962600000000000000000EE00000000000000000000006"
    '8B5626058655F60",17'
)


@pytest.mark.parametrize(
    "line,status,dcs,mode,text",
    [
        (E160_QUOTED, 0, 15, "gsm7-hex", "Ihr Guthaben für die Nr.4915783647410 beträgt 5.78 Euro"),
        (UNKNOWN_03, 1, None, "text",
         "Kontostand: 3.00 EUR Bitte wählen Sie: 1 Konto aufladen 2 CallNow Transfer"),
        (UNKNOWN_04, 2, 0, "text",
         "Maaf, permintaan Anda tidak dapat kami proses. Silakan coba beberapa saat lagi."),
        (QUECTEL_M35, 2, 15, "ucs2-hex",
         "Havi keret: 0Ft. Feltöltött egyenleg: 7777Ft,(ebböl vàsàrlàsra is fordìthatò: 7777Ft). "
         "Dìjcsomag: Bencsò A. Uj Telekom önkiszolgàlò: *111#"),
        (E3276, 0, 72, "ucs2-hex", "Для справки о балансе наберите *105#. Услуга бесплатна."),
        (DELL, 0, 15, "text",
         "On DATA Pack u have 3Gb 817Mb 169kb valid until 21/05/2016   upto time of data recharge done by u."),
        (HE910, 2, 17, "ucs2-hex", "رصيدك 107.93 د.ل،الصلاحية  2018-11-09"),
    ],
)
def test_gammu_fixtures(line, status, dcs, mode, text):
    parsed = parse_cusd(line)
    assert (parsed.status, parsed.dcs) == (status, dcs)
    assert parsed.raw == line
    assert decode_ussd(parsed.payload, parsed.dcs) == (text, mode)


def test_e160_bare_packed_hex_without_quotes_or_dcs():
    parsed = parse_cusd(E160_BARE)
    assert (parsed.status, parsed.dcs) == (0, None)
    assert parsed.payload.startswith("49B41C74") and parsed.payload.endswith("BF1B")
    text, mode = decode_ussd(parsed.payload, parsed.dcs)
    assert mode == "gsm7-hex"
    assert text.startswith("Ihr Guthaben")
    assert text.endswith("beträgt 7.95 Euro")


def test_indonesian_8bit_hex_menu():
    parsed = parse_cusd(HEX_8BIT)
    text, mode = decode_ussd(parsed.payload, parsed.dcs)
    assert mode == "8bit-hex"
    assert text.startswith("Sisa pulsa Rp.3000.Aktif sd 26/02/2020.\n")
    assert "\n1.YA\n2.Cek Kuota\n" in text


@pytest.mark.parametrize("line,status", [("+CUSD: 4", 4), ("+CUSD: 5", 5), ("+CUSD:2", 2)])
def test_status_only(line, status):
    assert parse_cusd(line) == CusdLine(status, None, None, line)


def test_status_6_and_unknown_codes():
    parsed = parse_cusd('+CUSD: 6,"Unknown application"')
    assert (parsed.status, parsed.payload, parsed.dcs) == (6, "Unknown application", None)


def test_quoted_text_with_crlf_commas_and_quotes():
    line = '+CUSD: 1,"Isi pulsa 10000 ke 081389092678?\r\n1.Ya\r\n2.Tidak, batal "OK"",15'
    parsed = parse_cusd(line)
    assert parsed.status == 1 and parsed.dcs == 15
    assert parsed.payload == 'Isi pulsa 10000 ke 081389092678?\r\n1.Ya\r\n2.Tidak, batal "OK"'


def test_unquoted_text_payload_keeps_commas():
    parsed = parse_cusd("+CUSD: 0,Saldo Anda Rp 1,500")
    assert (parsed.payload, parsed.dcs) == ("Saldo Anda Rp 1,500", None)
    parsed = parse_cusd("+CUSD: 0,Saldo Anda Rp 1,000")
    assert (parsed.payload, parsed.dcs) == ("Saldo Anda Rp 1,000", None)
    parsed = parse_cusd("+CUSD: 0,Saldo Anda,15")
    assert (parsed.payload, parsed.dcs) == ("Saldo Anda", 15)


def test_empty_quoted_payload():
    parsed = parse_cusd('+CUSD: 2,"",15')
    assert (parsed.payload, parsed.dcs) == ("", 15)
    assert decode_ussd("", 15) == ("", "text")


@pytest.mark.parametrize("line", ["", "OK", "+CUSD:", "+CUSD: x", "+CMTI: \"SM\",1", "CUSD: 0"])
def test_parse_rejects_non_cusd(line):
    with pytest.raises(ValueError):
        parse_cusd(line)


def test_gsm_charset_maps_code_points():
    # With AT+CSCS="GSM" bytes are GSM-7 code points: '{' is 'ä', '@' stays '@', '$' stays '$'.
    assert decode_ussd("w{hlen", None) == ("wählen", "text")
    assert decode_ussd("w{hlen", None, charset="IRA") == ("w{hlen", "text")
    assert decode_ussd("Saldo\x1be5", None) == ("Saldo€5", "text")


def test_text_mode_never_decodes_hex_looking_answers():
    # An all-digit answer (a bare number) must not be "decoded" once the modem is known to be text.
    assert decode_ussd("081234567890", 15, mode="text") == ("081234567890", "text")


def test_forced_modes():
    packed = encode_ussd_request("Saldo 5000", packed=True)
    assert decode_ussd(packed, None, mode="gsm7-hex") == ("Saldo 5000", "gsm7-hex")
    assert decode_ussd("00480069", None, mode="ucs2-hex") == ("Hi", "ucs2-hex")
    assert decode_ussd("48C3A9", 0x44, mode="8bit-hex") == ("H\xc3\xa9", "8bit-hex")
    assert decode_ussd("00480069", 15, charset="UCS2") == ("Hi", "ucs2-hex")
    with pytest.raises(ValueError):
        decode_ussd("00", 15, mode="bogus")


def test_dcs_8bit_is_latin1():
    assert decode_ussd("43616EE7E36F", 0x44) == ("Canção", "8bit-hex")


def test_packed_cr_padding_dropped():
    hex_ = gsm7.pack_septets(gsm7.encode_septets("1234567"), pad_cr=True).hex()
    assert decode_ussd(hex_, 15, mode="gsm7-hex") == ("1234567", "gsm7-hex")


def test_unusual_spaces_count_as_printable():
    assert decode_ussd("00A0", 72) == ("\xa0", "ucs2-hex")


def test_unprintable_result_falls_back_to_raw():
    # 0x00.. as UCS-2 would be control characters: give the raw payload back as text.
    assert decode_ussd("00010002000300040005", 72) == ("00010002000300040005", "text")


def test_decode_cusd_helper():
    parsed, text, mode = ussd.decode_cusd(E3276)
    assert parsed.dcs == 72 and mode == "ucs2-hex" and text.startswith("Для")
    assert ussd.decode_cusd("+CUSD: 4")[1:] == (None, None)


def test_encode_request_vectors():
    # modems.md section 7 (Huawei F_ENCODED_USSD).
    assert encode_ussd_request("*100#", packed=True) == "AA180C3602"
    assert (
        encode_ussd_request("*777*081389092678*10*1234#", packed=True)
        == "AADBEDA682E162335C0E9693D96E38550CA68AC966B411"
    )
    assert encode_ussd_request("*100#", packed=False) == "*100#"
    assert encode_ussd_request("1234567", packed=True) == "31D98C56B3DD1A"  # CR pad, not 00
    with pytest.raises(ValueError):
        encode_ussd_request("*100#😀", packed=True)


def test_ucs2_hex_request():
    assert ussd.encode_ucs2_hex("*100#") == "002A0031003000300023"


def test_mask_pin():
    assert ussd.mask_pin("*777*081389092678*10*1234#") == "*777*081389092678*10*****#"
    assert ussd.mask_pin("*100#") == "*100#"
    assert ussd.mask_pin("*123*4321*1#", pin="4321") == "*123*****" + "*1#"


@given(st.text(alphabet=[c for i, c in enumerate(gsm7.GSM7_BASIC) if i != 0x1B and c.isprintable()], max_size=180))
def test_packed_request_roundtrip(text):
    hex_ = encode_ussd_request(text, packed=True)
    if not text:
        assert hex_ == ""
        return
    assert decode_ussd(hex_, 15, mode="gsm7-hex") == (text, "gsm7-hex")


@settings(max_examples=200)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFFFF,
                                      exclude_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp")),
               min_size=1, max_size=80))
def test_ucs2_hex_roundtrip(text):
    assert decode_ussd(ussd.encode_ucs2_hex(text), 72) == (text, "ucs2-hex")


@settings(max_examples=600)
@given(st.text(max_size=120), st.one_of(st.none(), st.integers(-5, 300)),
       st.sampled_from(ussd.MODES), st.sampled_from(["GSM", "IRA", "UCS2"]))
def test_fuzz_decode_never_crashes(payload, dcs, mode, charset):
    text, detected = decode_ussd(payload, dcs, mode=mode, charset=charset)
    assert isinstance(text, str)
    assert detected in {"text", "gsm7-hex", "ucs2-hex", "8bit-hex"}


@settings(max_examples=300)
@given(st.binary(max_size=100), st.one_of(st.none(), st.integers(0, 255)))
def test_fuzz_hex_payloads(data, dcs):
    text, detected = decode_ussd(data.hex().upper(), dcs)
    assert isinstance(text, str) and detected


@settings(max_examples=600)
@given(st.text(max_size=120))
def test_fuzz_parse_only_value_error(tail):
    try:
        parsed = parse_cusd("+CUSD:" + tail)
    except ValueError:
        return
    assert isinstance(parsed.status, int)
    assert parsed.payload is None or isinstance(parsed.payload, str)
