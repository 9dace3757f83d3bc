"""The families of docs/devices.md as virtual modems, spoken to with raw AT over real sockets: each
documented quirk shows on the line the way the family's manual or the public capture shows it."""
from __future__ import annotations

import copy

import pytest

from modems import charsets
from tests.sim.conftest import FAST
from tests.sim.helpers import FINAL, URC, At, wait_for

PIN = "1234"
FAMILIES = ("phone", "wavecom", "fastrack", "sim7600", "quectel_m35", "quectel_ec25", "mc35", "tc35", "zte")


@pytest.fixture
def scenario() -> dict:
    sc = copy.deepcopy(FAST)
    sc["operator_defaults"]["flow"] = "immediate"
    sc["modems"] = [
        {"id": name, "role": "chip", "operator": "TSEL", "msisdn": f"0812111120{i:02d}", "profile": name,
         "pin": PIN, "stock": 1_000_000}
        for i, name in enumerate(FAMILIES)
    ] + [{"id": "center", "role": "center", "operator": "TSEL", "msisdn": "081200000001", "profile": "generic"}]
    return sc


def raw(net, modem_id: str, noise: bool = False) -> At:
    m = next(x for x in net.modems if x.id == modem_id)
    a = At(m.port_url, noise=noise)
    if m.profile.stale_on_connect:  # the ZTE's residue at every open: let it pass first
        a.wait(lambda: "ERROR" in a.lines)
        a.lines.clear()
    return a


def send_text(a: At, command: str, text: str) -> tuple[list[str], str]:
    """Text mode: the command, the prompt, the text and Ctrl-Z; (answer lines, final result)."""
    a.lines = [line for line in a.lines if URC.match(line)]
    a.write(command + "\r")
    a.wait_prompt()
    a.write(text + "\x1a")
    out: list[str] = []

    def check() -> bool:
        for i, line in enumerate(a.lines):
            if FINAL.match(line):
                out.extend(x for x in a.lines[:i] if not URC.match(x))
                out.append(line)
                del a.lines[: i + 1]
                return True
        return False

    a.wait(check)
    return out[:-1], out[-1]


def vm(net, modem_id: str):
    return next(x for x in net.modems if x.id == modem_id)


@pytest.fixture
def at(net):
    opened: list[At] = []

    def open_(modem_id: str, noise: bool = False) -> At:
        a = raw(net, modem_id, noise)
        opened.append(a)
        a.ok("ATE0")
        return a

    yield open_
    for a in opened:
        a.close()


# --------------------------------------------------------------------------------------- identity


@pytest.mark.parametrize("modem_id,cgmi,cgmm,cgmr", [
    ("wavecom", "WAVECOM MODEM", " MULTIBAND  900E  1800 ", "641b09gg.Q2406B 1266500 012605 17:20"),
    ("sim7600", "SIMCOM INCORPORATED", "SIMCOM_SIM7600E-H", "+CGMR: LE20B04SIM7600M22"),
    ("quectel_ec25", "Quectel", "EC25", "Revision: EC25EFAR06A10M4G"),
    ("quectel_m35", "Quectel_Ltd", "Quectel_M35", "Revision: M35FAR02A05"),
    ("mc35", "SIEMENS", "MC35i", "REVISION 02.00"),
    ("zte", "+CGMI: ZTE CORPORATION", "MF710M", "BD_VOCMF710MV1.0.0B03"),
    ("phone", "Nokia", "Nokia 5210", "V 5.25"),
])
def test_identity_answers_have_each_familys_shape(net, modem_id, cgmi, cgmm, cgmr) -> None:
    a = raw(net, modem_id)
    try:
        a.ok("ATE0")
        assert a.ok("AT+CGMI") == [cgmi]
        # the helper strips line ends only, so Wavecom's padding spaces survive
        lines, _ = a.cmd("AT+CGMM")
        assert lines == [cgmm.strip()] or lines == [cgmm]
        assert a.ok("AT+CGMR") == [cgmr]
        assert a.ok("AT+CGSN") == [vm(net, modem_id).imei]
    finally:
        a.close()


def test_cinterion_ati_is_three_bare_lines(at, net) -> None:
    assert at("mc35").ok("ATI") == ["SIEMENS", "MC35i", "REVISION 02.00"]


@pytest.mark.parametrize("modem_id,command,answer", [
    ("mc35", "AT^SCID", "^SCID: {iccid}"),
    ("zte", "AT+ZGETICCID", "+ZGETICCID: {iccid}"),
    ("quectel_m35", "AT+QCCID", "{iccid}"),
    ("quectel_ec25", "AT+QCCID", "+QCCID: {iccid}"),
    ("wavecom", "AT+CCID", '+CCID: "{iccid}"'),
    ("sim7600", "AT+CICCID", "+ICCID: {iccid}"),
])
def test_iccid_command_of_each_family(at, net, modem_id, command, answer) -> None:
    assert at(modem_id).ok(command) == [answer.format(iccid=vm(net, modem_id).iccid)]


def test_phone_has_no_iccid_command_but_answers_crsm(at, net) -> None:
    a = at("phone")
    assert a.cmd("AT+CCID")[1] == "ERROR"
    assert a.ok("AT+CRSM=176,12258,0,0,10")[0].startswith("+CRSM: 144,0,")


# --------------------------------------------------------------------------------------- SMS modes


def test_phone_refuses_pdu_mode_with_a_bare_error_and_starts_in_text_mode(at) -> None:
    a = at("phone")
    a.ok("AT+CMEE=1")
    assert a.ok("AT+CMGF?") == ["+CMGF: 1"]
    assert a.cmd("AT+CMGF=0")[1] == "ERROR"  # not +CMS ERROR: the phone just says no
    assert a.ok("AT+CMGF=?") == ["+CMGF: (1)"]
    assert a.cmd("AT+CSDH=1")[1] == "ERROR"  # no text-mode header details either


@pytest.mark.parametrize("modem_id", ["wavecom", "sim7600", "mc35", "zte", "quectel_ec25"])
def test_modules_offer_both_sms_modes(at, modem_id) -> None:
    a = at(modem_id)
    assert a.ok("AT+CMGF=?") == ["+CMGF: (0,1)"]
    a.ok("AT+CMGF=1")
    a.ok("AT+CMGF=0")


def test_generic_modem_still_refuses_text_mode(at) -> None:
    a = at("center")
    a.ok("AT+CMEE=1")
    assert a.cmd("AT+CMGF=1")[1] == "+CMS ERROR: 303"


def test_text_mode_read_with_header_details(at, net, ctl) -> None:
    a = at("sim7600")
    a.ok("AT+CMGF=1")
    a.ok("AT+CSDH=1")
    a.ok('AT+CSCS="IRA"')
    ctl("POST", "/api/sms", {"from": "081234567890", "to": vm(net, "sim7600").msisdn, "text": "Halo 123"})
    idx = int(a.wait_line(r'^\+CMTI: "SM",\d+').split(",")[1])
    lines = a.ok(f"AT+CMGR={idx}")
    head, body = lines
    # "REC UNREAD","+62…",,"yy/MM/dd,hh:mm:ss+28",145,4,0,0,"+6281100000",145,8 (Gammu at-sms-txt-detail)
    assert head.startswith('+CMGR: "REC UNREAD","+6281234567890",,"')
    assert head.endswith('+28",145,4,0,0,"+6281100000",145,8')
    assert body == "Halo 123"
    assert a.ok(f"AT+CMGR={idx}")[0].startswith('+CMGR: "REC READ"')
    listing = a.ok('AT+CMGL="ALL"')
    assert listing[0].startswith(f'+CMGL: {idx},"REC READ","+6281234567890",,"') and listing[0].endswith(",145,8")
    assert listing[1] == "Halo 123"


def test_text_mode_ucs2_body_is_hex_whatever_the_charset(at, net, ctl) -> None:
    a = at("sim7600")
    a.ok("AT+CMGF=1")
    a.ok("AT+CSDH=1")
    a.ok('AT+CSCS="IRA"')
    ctl("POST", "/api/sms", {"from": "081234567890", "to": vm(net, "sim7600").msisdn, "text": "Sukses 😀"})
    idx = int(a.wait_line(r'^\+CMTI: "SM",\d+').split(",")[1])
    head, body = a.ok(f"AT+CMGR={idx}")
    assert ",0,8," in head  # <pid>,<dcs>: UCS2
    assert body == "Sukses 😀".encode("utf-16-be").hex().upper()
    a.ok('AT+CSCS="UCS2"')  # under UCS2 the address is UCS2 hex too
    head, body = a.ok(f"AT+CMGR={idx}")
    assert charsets.encode("+6281234567890", "UCS2") in head


def test_text_mode_send_in_ira_and_in_ucs2(at, net, ctl) -> None:
    a = at("quectel_ec25")
    a.ok("AT+CMGF=1")
    a.ok('AT+CSCS="IRA"')
    a.ok("AT+CSMP=17,167,0,0")
    lines, final = send_text(a, 'AT+CMGS="081234567890"', "Saldo Anda 10.000")
    assert final == "OK" and lines[0].startswith("+CMGS: ")
    a.ok("AT+CSMP=17,167,0,8")  # <dcs> 8: the text is typed as UCS2 hex, whatever AT+CSCS says
    lines, final = send_text(a, 'AT+CMGS="081234567890"', "Terima kasih 🙏".encode("utf-16-be").hex().upper())
    assert final == "OK"
    a.ok('AT+CSCS="UCS2"')
    a.ok("AT+CSMP=17,167,0,0")
    lines, final = send_text(a, f'AT+CMGS="{charsets.encode("081234567890", "UCS2")}"',
                               charsets.encode("Lewat UCS2", "UCS2"))
    assert final == "OK"
    texts = wait_for(lambda: [m["text"] for m in ctl("GET", "/api/subscribers/081234567890/sms")[1]]
                     if len(ctl("GET", "/api/subscribers/081234567890/sms")[1]) >= 3 else None)
    assert texts[-3:] == ["Saldo Anda 10.000", "Terima kasih 🙏", "Lewat UCS2"]


def test_text_mode_refuses_a_text_longer_than_one_sms(at) -> None:
    a = at("zte")
    a.ok("AT+CMEE=1")
    a.ok("AT+CMGF=1")
    a.ok('AT+CSCS="IRA"')
    _lines, final = send_text(a, 'AT+CMGS="081234567890"', "x" * 161)
    assert final == "+CMS ERROR: 305"


def test_text_mode_direct_delivery_is_a_cmt_header_and_the_text(at, net, ctl) -> None:
    a = at("mc35")
    a.ok("AT+CMGF=1")
    a.ok("AT+CNMI=2,2,0,0,0")
    ctl("POST", "/api/sms", {"from": "081234567890", "to": vm(net, "mc35").msisdn, "text": "Langsung"})
    head = a.wait_line(r'^\+CMT: ')
    assert head.startswith('+CMT: "+6281234567890",,"')
    a.wait(lambda: "Langsung" in a.lines)


def test_text_mode_write_and_send_from_memory(at, net, ctl) -> None:
    a = at("phone")
    lines, final = send_text(a, 'AT+CMGW="081234567890"', "Disimpan dulu")
    assert final == "OK"
    idx = int(lines[0].split(":")[1])
    assert a.ok(f"AT+CMGR={idx}") == ['+CMGR: "STO UNSENT","081234567890",', "Disimpan dulu"]
    assert a.ok(f"AT+CMSS={idx}")[0].startswith("+CMSS: ")
    assert a.ok(f"AT+CMGR={idx}")[0].startswith('+CMGR: "STO SENT"')


def test_phone_store_is_small(at) -> None:
    a = at("phone")
    assert a.ok("AT+CPMS?") == ['+CPMS: "SM",0,10,"SM",0,10,"SM",0,10']


# --------------------------------------------------------------------------------------- USSD


def test_phone_has_no_cusd_and_dials_ussd_codes(at) -> None:
    a = at("phone")
    assert a.cmd('AT+CUSD=1,"*776*1234#",15')[1] == "ERROR"
    assert a.cmd("AT+CUSD=?")[1] == "ERROR"
    a.ok("ATD*776*1234#;")
    line = a.wait_line(r"^\+CUSD: ")
    assert line.startswith('+CUSD: 0,"Stok ') and line.endswith(",15")
    assert a.cmd("ATD081234567890;")[1] == "ERROR"  # a voice call: no virtual modem makes one


def test_phone_answers_a_menu_by_dialling_the_choice(at, ctl) -> None:
    ctl("POST", "/api/operators/TSEL", {"confirm_menu": True})
    a = at("phone")
    a.ok("ATD*777*081389092678*10*1234#;")
    assert a.wait_line(r"^\+CUSD: 1,").startswith('+CUSD: 1,"Isi pulsa 10 ke 081389092678?')
    a.ok("ATD1;")
    assert a.wait_line(r"^\+CUSD: 0,").startswith('+CUSD: 0,"')


def test_ussd_answer_in_ucs2_under_cscs_ucs2(at) -> None:
    a = at("quectel_m35")
    a.ok('AT+CSCS="UCS2"')
    a.ok(f'AT+CUSD=1,"{charsets.encode("*776*1234#", "UCS2")}",15')
    line = a.wait_line(r"^\+CUSD: ")
    payload = line.split('"')[1]
    assert line.endswith(",15") and charsets.decode(payload, "UCS2").startswith("Stok ")


def test_wavecom_cusd_without_dcs_and_no_ucs2(at) -> None:
    a = at("wavecom")
    a.ok('AT+CUSD=1,"*776*1234#",15')
    line = a.wait_line(r"^\+CUSD: ")
    assert line.startswith('+CUSD: 0,"Stok ') and line.endswith('"')
    assert a.ok("AT+CSCS=?") == ['+CSCS: ("GSM","PCCP437","HEX")']
    assert a.cmd('AT+CSCS="UCS2"')[1] == "ERROR"


# --------------------------------------------------------------------------------------- quirks


def test_wavecom_cpin_answer_has_no_final_ok(at) -> None:
    a = at("wavecom")
    a.write("AT+CPIN?\r")
    a.wait(lambda: "+CPIN: READY" in a.lines)
    # the next command's OK is the first OK on the line: AT+CPIN? never sent one
    assert a.ok("ATI")[0] == "Manufacturer: WAVECOM MODEM"
    assert "OK" not in a.lines


def test_cinterion_deletes_one_index_at_a_time(at, net, ctl) -> None:
    a = at("mc35")
    a.ok("AT+CMEE=1")
    ctl("POST", "/api/sms", {"from": "081234567890", "to": vm(net, "mc35").msisdn, "text": "hapus"})
    idx = int(a.wait_line(r'^\+CMTI: "SM",\d+').split(",")[1])
    assert a.cmd("AT+CMGD=1,4")[1] == "ERROR"
    a.ok(f"AT+CMGD={idx}")
    assert a.ok("AT+CPMS?")[0].startswith('+CPMS: "SM",0,25')


@pytest.mark.parametrize("modem_id,banner", [
    ("mc35", ["^SYSSTART"]),
    ("sim7600", ["RDY", "+CPIN: READY", "SMS DONE", "PB DONE"]),
    ("quectel_ec25", ["RDY", "+CFUN: 1", "+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"]),
    ("quectel_m35", ["RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready"]),
])
def test_boot_banner_after_a_reset(net, ctl, modem_id, banner) -> None:
    ctl("POST", f"/api/modems/{modem_id}/reset", {})
    wait_for(lambda: ctl("GET", f"/api/modems/{modem_id}")[1]["online"])
    a = raw(net, modem_id, noise=True)
    try:
        a.wait(lambda: banner[-1] in a.lines)
        assert [line for line in a.lines if line in banner] == banner
    finally:
        a.close()


def test_zte_stale_bytes_at_every_connect_and_noise_that_stays(net, ctl) -> None:
    ctl("POST", "/api/modems/zte", {"noise_interval": 0.05})
    for _ in range(2):  # each time the port is opened
        a = At(vm(net, "zte").port_url, noise=True)
        try:
            a.wait(lambda: "OK" in a.lines and "ERROR" in a.lines)  # residue nobody asked for
            a.lines.clear()
            a.ok("ATE0")
            assert a.cmd("AT^CURC=0")[1] == "ERROR"  # Huawei's switch does not exist here
            a.wait(lambda: "+ZEND" in a.lines or "+ZUSIMR:2" in a.lines)
        finally:
            a.close()


def test_zte_accepts_its_init_commands_others_do_not(at) -> None:
    a = at("zte")
    a.ok("AT+ZOPRT=5")
    a.ok("AT+ZCDRUN=8")
    assert at("sim7600").cmd("AT+ZOPRT=5")[1] == "ERROR"


def test_echo_is_on_at_power_up_in_every_family(net) -> None:
    for name in FAMILIES:
        a = raw(net, name, noise=True)
        try:
            a.write("AT\r")
            a.wait(lambda: "AT" in a.lines and "OK" in a.lines)
        finally:
            a.close()
