from __future__ import annotations

import re

import pytest

from modems import pdu
from modems.ussd import decode_ussd, encode_ussd_request, parse_cusd
from tests.sim.helpers import wait_for

SN20 = r"\d{20}"


def ussd(at, code: str, packed: bool = False, timeout: float = 5.0) -> tuple[int, str | None]:
    arg = encode_ussd_request(code, packed) if packed else code
    early = [line for line in at.ok(f'AT+CUSD=1,"{arg}",15') if line.startswith("+CUSD:")]  # before OK (SIMCom)
    return _decode(early[0]) if early else read_cusd(at, timeout)


def read_cusd(at, timeout: float = 5.0) -> tuple[int, str | None]:
    return _decode(at.wait_line(r"^\+CUSD:", timeout))


def _decode(line: str) -> tuple[int, str | None]:
    c = parse_cusd(line)
    if c.payload is None:
        return c.status, None
    return c.status, decode_ussd(c.payload, c.dcs)[0]


def sms_texts(at, count: int = 1, timeout: float = 5.0) -> list[pdu.SmsDeliver]:
    out = []
    for _ in range(count):
        idx = int(at.wait_line(r"^\+CMTI:", timeout).split(",")[1])
        lines = at.ok(f"AT+CMGR={idx}")
        out.append(pdu.decode_pdu(lines[1]))
    return out


def airtime(ctl, number: str) -> int:
    return ctl("GET", f"/api/subscribers/{number}")[1]["airtime"]


def test_tsel_reload_ack_then_sms_with_sn_and_airtime(net, modem, ctl):
    at = modem("tsel")
    status, text = ussd(at, "*777*081389092678*10*1234#")
    assert status == 0
    assert text == "Permintaan isi ulang 10.000 ke 081389092678 diterima. Hasil dikirim via SMS."
    msg = sms_texts(at)[0]
    assert msg.sender == "TSEL-SIM"
    assert re.fullmatch(
        r"\d\d/\d\d/\d\d \d\d:\d\d Isi ulang 10\.000 ke 6281389092678 BERHASIL\. SN:\d{20}\. "
        r"Sisa stok 990\.000\. TrxID:\d{10}", msg.text), msg.text
    assert airtime(ctl, "081389092678") == 10000
    assert ctl("GET", "/api/chips/tsel/stock")[1]["stock"] == 990000


def test_tsel_kartu_as_code_and_stock_and_last5(net, modem, ctl):
    at = modem("tsel")
    ussd(at, "*677*085212345678*5*1234#")
    sms_texts(at)
    status, text = ussd(at, "*776*1234#")
    assert re.fullmatch(r"Stok M-Kios 995\.000 per \d\d/\d\d/\d\d \d\d:\d\d\.", text)
    _, text = ussd(at, "*776*1*1234#")
    assert text.startswith("Stok M-Kios 1.000.000 per ") and text.endswith(" 23:59.")
    _, text = ussd(at, "*774*1234#")
    assert re.fullmatch(r"5 trx terakhir: 1\.085212345678/5/\d{4}/OK", text), text


def test_tsel_change_pin(net, modem):
    at = modem("tsel")
    assert ussd(at, "*771*9876*1234#")[1] == "PIN berhasil diubah."
    assert ussd(at, "*776*1234#")[1] == "Transaksi ditolak: PIN salah."
    assert ussd(at, "*776*9876#")[1].startswith("Stok M-Kios")


def test_wrong_chip_pin_and_lockout(net, modem, ctl):
    at = modem("tsel")
    for _ in range(3):
        assert ussd(at, "*777*081389092678*10*0000#")[1] == "Transaksi ditolak: PIN salah."
    assert ctl("GET", "/api/chips/tsel")[1]["locked"] is True
    assert ussd(at, "*777*081389092678*10*1234#")[1] == "Transaksi ditolak: PIN salah."
    ctl("POST", "/api/chips/tsel", {"locked": False})
    assert ussd(at, "*777*081389092678*10*1234#")[1].startswith("Permintaan isi ulang")


@pytest.mark.parametrize("code,reason", [
    ("*777*081389092678*7*1234#", "Nominal tidak tersedia"),
    ("*777*0857123*10*1234#", "Nomor tujuan salah"),
    ("*777*085712345678*10*1234#", "Nomor tujuan salah"),  # Indosat number on a Telkomsel chip
])
def test_tsel_rejects_immediately(net, modem, code, reason):
    at = modem("tsel")
    assert ussd(at, code) == (0, f"Transaksi ditolak: {reason}.")


def test_tsel_too_soon_and_out_of_stock(net, modem, ctl):
    at = modem("tsel")
    ussd(at, "*777*081389092678*10*1234#")
    assert ussd(at, "*777*081389092678*10*1234#")[1] == \
        "Transaksi ditolak: Transaksi sama dalam 5 menit, ulangi nanti."
    ctl("POST", "/api/chips/tsel/stock", {"stock": 5000})
    assert ussd(at, "*777*081234567890*10*1234#")[1] == "Transaksi ditolak: Stok tidak cukup."


@pytest.mark.parametrize("state,reason", [("blocked", "Nomor tujuan diblokir"),
                                          ("grace", "Nomor dalam masa tenggang")])
def test_tsel_failure_by_sms(net, modem, ctl, state, reason):
    ctl("POST", "/api/subscribers/081389092678", {"state": state})
    at = modem("tsel")
    assert ussd(at, "*777*081389092678*10*1234#")[0] == 0
    text = sms_texts(at)[0].text
    assert f"Isi ulang 10.000 ke 6281389092678 GAGAL: {reason}. Sisa stok 1.000.000. TrxID:" in text
    assert airtime(ctl, "081389092678") == 0


def test_out_of_cluster(net, modem, ctl):
    ctl("POST", "/api/chips/tsel", {"region": ["08121"]})
    at = modem("tsel")
    ussd(at, "*777*081389092678*10*1234#")
    assert "GAGAL: Nomor di luar wilayah." in sms_texts(at)[0].text
    ussd(at, "*777*081212345678*10*1234#")
    assert "BERHASIL" in sms_texts(at)[0].text


def test_product_disrupted_by_failure_rate(net, modem, ctl):
    ctl("POST", "/api/operators/ISAT", {"failure_rate": 1.0})
    at = modem("isat")
    assert ussd(at, "*901*085712345678*10000*1111#")[1] == \
        "Gagal isi 10.000 ke 085712345678: Layanan sedang gangguan. Saldo Rp1.000.000."


def test_indosat_immediate_success(net, modem, ctl):
    at = modem("isat")
    status, text = ussd(at, "*901*085712345678*25000*1111#")
    assert status == 0
    assert re.fullmatch(r"Sukses isi 25\.000 ke 085712345678\. SN \d{16}\. Saldo Rp975\.000\. Ref \d{12}", text)
    assert airtime(ctl, "6285712345678") == 25000
    assert ussd(at, "*901*1*1111#")[1] == "Saldo chip Rp975.000."
    assert re.fullmatch(r"1\.085712345678/25/\d{4}/OK", ussd(at, "*901*2*1111#")[1])
    assert ussd(at, "*901*3*2468*1111#")[1] == "PIN telah diganti."


def test_indosat_wrong_pin(net, modem):
    at = modem("isat")
    assert ussd(at, "*901*085712345678*10000*0000#")[1] == \
        "Gagal isi 10.000 ke 085712345678: PIN salah. Saldo Rp1.000.000."


def test_axis_and_tri_texts(net, modem, ctl):
    at = modem("axis")
    assert re.fullmatch(r"Isi ulang Rp10\.000 ke 083812345678 berhasil\. No\.Ref \d{14}\. Sisa saldo Rp990\.000",
                        ussd(at, "*903*083812345678*10000*4444#")[1])
    ctl("POST", "/api/chips/axis/outcomes", {"outcomes": ["fail:DEST_BLOCKED"]})
    assert ussd(at, "*903*083812345679*10000*4444#")[1] == \
        "Isi ulang Rp10.000 ke 083812345679 tidak berhasil. Nomor tujuan diblokir. Sisa saldo Rp990.000"
    tri = modem("tri")
    assert re.fullmatch(r"TOPUP 5000 089912345678 OK SN=\d{10} BAL=495000 ID=\d{7}",
                        ussd(tri, "*904*089912345678*5000*3333#")[1])
    assert ussd(tri, "*904*1*3333#")[1] == "BAL=495000"


def test_xl_ack_with_open_session_then_sms(net, modem, ctl):
    at = modem("xl")
    status, text = ussd(at, "*902*081812340000*10000*2222#")
    assert (status, text) == (1, "Permintaan Anda sedang diproses. Status akan dikirim lewat SMS.")
    assert ussd(at, "*902*1*2222#")[0] == 1  # inside the open session: the menu is shown again
    at.ok("AT+CUSD=2")
    msg = sms_texts(at)[0]
    assert msg.sender == "XL-SIM"
    assert re.fullmatch(r"TRX X\d{9} Reload 10\.000 ke 081812340000 SUKSES\. SN [0-9A-Z]{12}\. "
                        r"Saldo Dompul Rp990\.000", msg.text)
    assert ussd(at, "*902*1*2222#")[1] == "Saldo Dompul Rp990.000"


def test_smartfren_ack_and_fail_sms(net, modem, ctl):
    at = modem("sf")
    assert ussd(at, "*905*088812345678*10000*5555#")[1] == "Transaksi diterima, mohon tunggu SMS konfirmasi."
    assert re.fullmatch(r"Isi pulsa 10\.000 utk 088812345678 sukses pd \d\d/\d\d/\d\d \d\d:\d\d\. SN:\d{18}\. "
                        r"Saldo:490\.000", sms_texts(at)[0].text)
    ussd(at, "*905*088812345678*7000*5555#")
    assert "Ket:Nominal tidak tersedia" in sms_texts(at)[0].text


def test_confirm_menu_step(net, modem, ctl):
    ctl("POST", "/api/operators/TSEL", {"confirm_menu": True})
    at = modem("tsel")
    assert ussd(at, "*777*081389092678*10*1234#") == (1, "Isi pulsa 10 ke 081389092678? 1.Ya 2.Tidak")
    assert ussd(at, "9")[0] == 1
    status, text = ussd(at, "1")
    assert status == 0 and text.startswith("Permintaan isi ulang 10.000")
    sms_texts(at)
    assert airtime(ctl, "081389092678") == 10000
    ussd(at, "*777*081234567890*10*1234#")
    assert ussd(at, "2") == (0, "Transaksi dibatalkan.")


def test_session_expires_with_cusd_2(net, modem, ctl):
    ctl("POST", "/api/operators/XL", {"session_timeout": 0.2})
    at = modem("xl")
    assert ussd(at, "*902*081812340000*10000*2222#")[0] == 1
    assert read_cusd(at) == (2, None)


def test_network_busy_reply(net, modem, ctl):
    ctl("POST", "/api/chips/tsel/outcomes", {"outcomes": ["busy"]})
    at = modem("tsel")
    at.ok('AT+CUSD=1,"*777*081389092678*10*1234#",15')
    line = at.wait_line(r"^\+CUSD:")
    assert line == '+CUSD: 2,"Maaf, permintaan Anda tidak dapat kami proses. Silakan coba beberapa saat lagi.",0'


@pytest.mark.parametrize("outcome,status,executed", [
    ("timeout", 5, False), ("timeout_done", 5, True), ("rejected", 4, False)])
def test_timeouts_and_rejection(net, modem, ctl, outcome, status, executed):
    ctl("POST", "/api/chips/isat/outcomes", {"outcomes": [outcome]})
    at = modem("isat")
    assert ussd(at, "*901*085712345678*10000*1111#") == (status, None)
    wait_for(lambda: True)
    assert airtime(ctl, "085712345678") == (10000 if executed else 0)


def test_followup_twice_and_never(net, modem, ctl):
    ctl("POST", "/api/chips/tsel/outcomes", {"outcomes": ["followup_twice", "followup_never"]})
    at = modem("tsel")
    ussd(at, "*777*081389092678*10*1234#")
    a, b = sms_texts(at, 2)
    assert a.text == b.text and "BERHASIL" in a.text
    ussd(at, "*777*081234567890*10*1234#")
    wait_for(lambda: airtime(ctl, "081234567890") == 10000)
    history = ctl("GET", "/api/chips/tsel/history")[1]
    assert [h["status"] for h in history] == ["OK", "OK"]


def test_reused_and_missing_sn(net, modem, ctl):
    ctl("POST", "/api/chips/isat/outcomes", {"outcomes": ["ok", "reuse_sn", "no_sn"]})
    at = modem("isat")
    first = re.search(r"SN (\d+)", ussd(at, "*901*085712345678*10000*1111#")[1]).group(1)
    second = re.search(r"SN (\d+)", ussd(at, "*901*085712345679*10000*1111#")[1]).group(1)
    assert first == second
    assert "SN . Saldo" in ussd(at, "*901*085712345670*10000*1111#")[1]


def test_unknown_code_and_non_chip(net, modem):
    at = modem("tsel")
    assert ussd(at, "*999#") == (4, None)
    center = modem("center")
    assert ussd(center, "*776*1234#") == (4, None)


def test_huawei_packed_request_and_reply(net, modem, ctl):
    at = modem("e160")
    assert at.cmd('AT+CUSD=1,"*776*1234#",15')[1] == "+CME ERROR: 100"  # plain text refused
    at.ok(f'AT+CUSD=1,"{encode_ussd_request("*776*1234#", True)}",15')
    line = at.wait_line(r"^\+CUSD:")
    c = parse_cusd(line)
    assert re.fullmatch(r"[0-9A-F]+", c.payload) and c.dcs == 15
    assert decode_ussd(c.payload, c.dcs, mode="gsm7-hex")[0].startswith("Stok M-Kios 1.000.000")


def test_huawei_ussdmode_0_switches_to_text(net, modem):
    at = modem("hw")
    at.ok("AT^USSDMODE=0")
    at.ok('AT+CUSD=1,"*776*1234#",15')
    assert at.wait_line(r"^\+CUSD:").startswith('+CUSD: 0,"Stok M-Kios 1.000.000 per ')
    assert modem("e160").cmd("AT^USSDMODE=0")[1] == "COMMAND NOT SUPPORT"


def test_simcom_cusd_may_come_before_ok(net, modem):
    at = modem("xl")  # simcom profile
    seen_before = seen_after = False
    for i in range(12):
        at.lines.clear()
        at.write('AT+CUSD=1,"*902*1*2222#",15\r')
        at.wait(lambda: any(line.startswith("+CUSD") for line in at.lines) and "OK" in at.lines)
        first = next(line for line in at.lines if line.startswith("+CUSD") or line == "OK")
        seen_before |= first.startswith("+CUSD")
        seen_after |= first == "OK"
        at.lines.clear()
        at.ok("AT+CUSD=2")
    assert seen_before and seen_after


def test_ucs2_charset(net, modem):
    at = modem("tsel")
    at.ok('AT+CSCS="UCS2"')
    code = "*776*1234#".encode("utf-16-be").hex().upper()
    at.ok(f'AT+CUSD=1,"{code}",15')
    c = parse_cusd(at.wait_line(r"^\+CUSD:"))
    assert decode_ussd(c.payload, c.dcs, charset="UCS2")[0].startswith("Stok M-Kios")
    at.ok('AT+CUSD=1,"*776*1234#",15')  # plain code under UCS2: the network cannot read it
    assert parse_cusd(at.wait_line(r"^\+CUSD:")).status == 4


def test_cusd_0_shows_nothing_and_ussd_log_masks_pin(net, modem, ctl):
    at = modem("isat")
    at.ok('AT+CUSD=0,"*901*1*1111#",15')
    wait_for(lambda: ctl("GET", "/api/ussd-log")[1])
    at.ok("AT")
    assert not [line for line in at.lines if line.startswith("+CUSD")]
    log = ctl("GET", "/api/ussd-log")[1]
    assert log[-1]["request"] == "*901*1*****#"
