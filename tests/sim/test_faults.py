from __future__ import annotations

import time

import pytest
import serial

from modems import pdu
from modems.ussd import decode_ussd, parse_cusd
from tests.sim.helpers import At, reopen, wait_for
from tests.sim.test_ussd import ussd

STOCK_TEXT = "Saldo chip Rp1.000.000."


def fault(ctl, modem_id, kind, **params):
    status, body = ctl("POST", "/api/faults", {"modem": modem_id, "kind": kind, **params})
    assert status == 200, body
    return body


def _url(net, modem_id):
    return next(m for m in net.modems if m.id == modem_id).port_url


def test_unplug_and_replug_on_new_port(net, modem, ctl):
    at = modem("center")
    old_url = _url(net, "center")
    fault(ctl, "center", "unplug")
    with pytest.raises(serial.SerialException):
        at.ser.write(b"AT\r")
        wait_for(lambda: at.ser.read(10) and False, timeout=2)
    with pytest.raises((serial.SerialException, OSError)):
        At(old_url).ok("AT", timeout=1)
    status, info = ctl("POST", "/api/modems/center/replug", {"new_port": True})
    assert info["port_url"] != old_url and info["online"]
    assert info["imei"] == ctl("GET", "/api/modems")[1][0]["imei"]
    fresh = At(info["port_url"])
    fresh.cmd("AT")
    fresh.close()


def test_clear_unplug_replugs_same_port(net, modem, ctl):
    url = _url(net, "center")
    fault(ctl, "center", "unplug")
    assert ctl("GET", "/api/modems/center")[1]["online"] is False
    ctl("POST", "/api/faults/clear", {"modem": "center", "kind": "unplug"})
    at = At(url)
    at.cmd("AT")
    at.close()


def test_hang_keeps_connection_silent(net, modem, ctl):
    at = modem("center")
    fault(ctl, "center", "hang")
    at.write("AT\r")
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        at._pump()
    assert at.lines == []
    ctl("POST", "/api/faults/clear", {"modem": "center"})
    at.ok("AT")


def test_slow_network(net, modem, ctl):
    at = modem("center")
    fault(ctl, "center", "slow", delay=0.3)
    t0 = time.monotonic()
    at.ok("AT")
    assert time.monotonic() - t0 >= 0.3


def test_garbage_bytes_injected(net, modem, ctl):
    at = modem("center")
    fault(ctl, "center", "garbage", count=64, quote=True)
    at.wait(lambda: any(b >= 0x80 for b in at.raw))
    at.ok("AT")


def test_fragmented_output(net, modem, ctl):
    at = modem("center")
    fault(ctl, "center", "fragment", max_chunk=1, gap=0.002)
    assert at.ok("AT+CSQ") == ["+CSQ: 20,99"]


def test_stale_bytes_at_connect(net, modem, ctl):
    fault(ctl, "center", "stale_bytes")
    at = modem("center", init=False)
    at.wait(lambda: b"ERROR" in at.raw)
    at.ok("AT")


def test_sim_full_cms_322_semantics(net, modem, ctl):
    at = modem("hw")
    at.ok("AT+CNMI=2,1,0,2,0")
    fault(ctl, "hw", "sim_full")
    at.wait_line(r"^\^SMMEMFULL")
    ctl("POST", "/api/modems/hw/sms", {"from": "081389092678", "text": "tunggu"})
    wait_for(lambda: ctl("GET", "/api/modems/hw")[1]["store"]["backlog"] == 1)
    ctl("POST", "/api/faults/clear", {"modem": "hw", "kind": "sim_full"})
    at.wait_line(r"^\+CMTI:")


def test_no_network(net, modem, ctl):
    at = modem("sender")
    fault(ctl, "sender", "no_network")
    assert at.ok("AT+CREG?") == ["+CREG: 0,0"]
    assert at.ok("AT+CSQ") == ["+CSQ: 99,99"]
    part = pdu.encode_submit("081389092678", "x")[0]
    assert at.cmd(f"AT+CMGS={part.tpdu_length}")[1] == "+CMS ERROR: 331"


@pytest.mark.parametrize("code", [14, 515])
def test_cme_busy(net, modem, ctl, code):
    at = modem("center")
    fault(ctl, "center", "cme_busy", count=2, code=code)
    assert at.cmd("AT+CPMS?")[1] == f"+CME ERROR: {code}"
    assert at.cmd("AT+CPMS?")[1] == f"+CME ERROR: {code}"
    at.ok("AT+CPMS?")


def test_duplicate_sms(net, modem, ctl):
    at = modem("center")
    fault(ctl, "center", "duplicate_sms")
    ctl("POST", "/api/modems/center/sms", {"from": "081389092678", "text": "dua kali"})
    a = at.wait_line(r"^\+CMTI:")
    b = at.wait_line(r"^\+CMTI:")
    pa = at.ok(f"AT+CMGR={a.split(',')[1]}")[1]
    pb = at.ok(f"AT+CMGR={b.split(',')[1]}")[1]
    assert pa == pb


def test_multipart_disorder_with_lost_part(net, modem, ctl):
    modem("center")
    fault(ctl, "center", "multipart_disorder", drop=True)
    _, body = ctl("POST", "/api/modems/center/sms", {"from": "081389092678", "text": "x" * 400})
    wait_for(lambda: ctl("GET", "/api/modems/center")[1]["store"]["used"] == body["parts"] - 1)


def test_no_stock(net, modem, ctl):
    at = modem("isat")
    fault(ctl, "isat", "no_stock")
    assert "Stok tidak cukup" in ussd(at, "*901*085712345678*10000*1111#")[1]
    ctl("POST", "/api/faults/clear", {"modem": "isat", "kind": "no_stock"})
    assert ussd(at, "*901*085712345678*10000*1111#")[1].startswith("Sukses")


def test_cusd_before_ok(net, modem, ctl):
    at = modem("isat")
    fault(ctl, "isat", "cusd_before_ok")
    lines = at.ok('AT+CUSD=1,"*901*1*1111#",15')
    assert lines == [f'+CUSD: 0,"{STOCK_TEXT}",15']


def test_late_cme_after_ok(net, modem, ctl):
    at = modem("isat")
    fault(ctl, "isat", "late_cme")
    at.ok('AT+CUSD=1,"*901*085712345678*10000*1111#",15')
    assert at.wait_line(r"^\+CME ERROR") == "+CME ERROR: 258"
    wait_for(lambda: ctl("GET", "/api/subscribers/085712345678")[1]["airtime"] == 10000)


SHAPES = ["text", "text_nodcs", "text_crlf", "gsm7_hex", "gsm7_hex_unquoted", "hex8bit", "ucs2_72",
          "ucs2_15", "dcs17"]


@pytest.mark.parametrize("shape", SHAPES)
def test_each_ussd_shape_decodes_to_the_same_text(net, modem, ctl, shape):
    at = modem("isat")
    fault(ctl, "isat", "ussd_shape", shape=shape)
    at.ok('AT+CUSD=1,"*901*1*1111#",15')
    if shape == "text_crlf":
        at.wait(lambda: b"+CUSD" in at.raw)
        assert b'+CUSD: 0,"Saldo chip Rp1.000.000.",15' in at.raw
        return
    line = at.wait_line(r"^\+CUSD:")
    c = parse_cusd(line)
    mode = "gsm7-hex" if shape.startswith("gsm7") else "auto"
    assert decode_ussd(c.payload, c.dcs, mode=mode)[0] == STOCK_TEXT, line
    assert {"text": '"Saldo', "text_nodcs": '"Saldo', "gsm7_hex": ",15", "gsm7_hex_unquoted": "0, ",
            "hex8bit": '",0', "ucs2_72": ",72", "ucs2_15": '"0053', "dcs17": ",17"}[shape] in line


def test_text_crlf_menu_inside_quotes(net, modem, ctl):
    ctl("POST", "/api/operators/TSEL", {"confirm_menu": True})
    at = modem("tsel")
    fault(ctl, "tsel", "ussd_shape", shape="text_crlf")
    at.ok('AT+CUSD=1,"*777*081389092678*10*1234#",15')
    at.wait(lambda: b'2.Tidak",15' in at.raw)
    assert b'? \r\n1.Ya\r\n2.Tidak",15' in at.raw or b'?\r\n1.Ya\r\n2.Tidak",15' in at.raw


@pytest.mark.parametrize("status", [4, 5])
def test_status_only(net, modem, ctl, status):
    at = modem("isat")
    fault(ctl, "isat", "ussd_status", status=status)
    at.ok('AT+CUSD=1,"*901*085712345678*10000*1111#",15')
    assert at.wait_line(r"^\+CUSD:") == f"+CUSD: {status}"
    assert ctl("GET", "/api/subscribers/085712345678")[1]["airtime"] == 0


def test_extra_initiating_release(net, modem, ctl):
    at = modem("isat")
    fault(ctl, "isat", "ussd_extra_release")
    at.ok('AT+CUSD=1,"*901*1*1111#",15')
    assert at.wait_line(r"^\+CUSD:") == '+CUSD: 2,"Initiating Release",15'
    assert at.wait_line(r"^\+CUSD:") == f'+CUSD: 0,"{STOCK_TEXT}",15'


def test_status_2_with_text(net, modem, ctl):
    at = modem("isat")
    fault(ctl, "isat", "ussd_status2")
    assert ussd(at, "*901*1*1111#") == (2, STOCK_TEXT)


def test_ussd_silent(net, modem, ctl):
    ctl("POST", "/api/operators/ISAT", {"ussd_delay": 0.01})
    at = modem("isat")
    fault(ctl, "isat", "ussd_silent")
    at.ok('AT+CUSD=1,"*901*1*1111#",15')
    wait_for(lambda: ctl("GET", "/api/ussd-log")[1])
    at.ok("AT")
    assert not [line for line in at.lines if line.startswith("+CUSD")]


def test_ussd_mode_required(net, modem, ctl):
    at = modem("hw")
    fault(ctl, "hw", "ussd_mode_required")
    assert at.cmd('AT+CUSD=1,"AA180C3602",15')[1] == "ERROR"
    at.ok("AT^USSDMODE=0")
    assert ussd(at, "*776*1234#")[1].startswith("Stok M-Kios")


def test_list_and_clear_all_faults(net, ctl):
    fault(ctl, "center", "slow", delay=0.1)
    fault(ctl, "tsel", "duplicate_sms")
    assert {f["kind"] for f in ctl("GET", "/api/faults")[1]} == {"slow", "duplicate_sms"}
    assert ctl("DELETE", "/api/faults")[0] == 200
    assert ctl("GET", "/api/faults")[1] == []


@pytest.mark.parametrize("how", ["replug", "reset"])
def test_sms_held_while_away_arrives_after_comeback(net, ctl, how):
    url = _url(net, "center")
    if how == "replug":
        fault(ctl, "center", "unplug")
    else:
        ctl("POST", "/api/modems/center/reset", {})
    ctl("POST", "/api/modems/center/sms", {"from": "081389092678", "text": "saat dicabut"})
    wait_for(lambda: ctl("GET", "/api/modems/center")[1]["store"]["backlog"] == 1)
    if how == "replug":
        ctl("POST", "/api/modems/center/replug", {})
    at = reopen(url, lambda at: at.cmd("AT", timeout=1))
    at.ok("ATE0")
    at.wait_line(r'^\+CMTI: "SM",1$')
    at.close()
