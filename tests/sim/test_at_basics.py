from __future__ import annotations

import serial

from tests.sim.helpers import At, wait_for


def test_at_ok_and_echo_on_by_default(net, modem):
    at = modem("center", init=False)
    lines, final = at.cmd("AT")
    assert final == "OK"
    assert at.raw.startswith(b"AT\r")  # echoed
    at.ok("ATE0")
    at.raw.clear()
    at._pos = 0
    at.ok("AT")
    assert not at.raw.startswith(b"AT")


def test_framing_is_crlf_info_crlf_ok(net, modem):
    at = modem("center")
    at.raw.clear()
    at._pos = 0
    at.ok("AT+CSQ")
    assert bytes(at.raw) == b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n"


def test_identity_commands(net, modem):
    m = next(x for x in net.modems if x.id == "center")
    at = modem("center")
    assert at.ok("AT+CGMI") == ["SIMULATED"]
    assert at.ok("AT+CGSN") == [m.imei]
    assert len(m.imei) == 15 and m.imei.isdigit()
    assert at.ok("AT+CIMI") == [m.imsi]
    assert m.imsi.startswith("51010")
    assert at.ok("AT+CCID") == [f"+CCID: {m.iccid}"]
    assert m.iccid.startswith("8962") and len(m.iccid) == 20
    crsm = at.ok("AT+CRSM=176,12258,0,0,10")[0]
    swapped = crsm.split('"')[1]
    assert "".join(swapped[i + 1] + swapped[i] for i in range(0, 20, 2)) == m.iccid
    assert at.ok("AT+CGMM") and at.ok("AT+CGMR")


def test_huawei_identity_and_unknown_command(net, modem):
    m = next(x for x in net.modems if x.id == "hw")
    at = modem("hw")
    assert at.cmd("AT+CCID")[1] == "COMMAND NOT SUPPORT"
    iccid = at.ok("AT^ICCID?")[0]
    assert iccid.startswith("^ICCID: 98")
    swapped = iccid.split(": ")[1]  # Huawei answers with the digits swapped pairwise, as stored on the SIM
    assert "".join(swapped[i + 1] + swapped[i] for i in range(0, 20, 2)) == m.iccid
    assert at.cmd("AT+BOGUS")[1] == "COMMAND NOT SUPPORT"


def test_simcom_ccid_bare_digits(net, modem):
    m = next(x for x in net.modems if x.id == "sender")
    at = modem("sender")
    assert at.ok("AT+CCID") == [m.iccid]


def test_unknown_command_generic_error_and_cme_formats(net, modem):
    at = modem("center", init=False)
    at.ok("ATE0")
    assert at.cmd("AT+NOSUCH")[1] == "ERROR"
    assert at.cmd("AT+CMGR=999")[1] == "ERROR"  # CMEE=0
    at.ok("AT+CMEE=1")
    assert at.cmd("AT+CMGR=999")[1] == "+CMS ERROR: 321"
    at.ok("AT+CMEE=2")
    assert at.cmd("AT+CMGR=999")[1] == "+CMS ERROR: invalid memory index"


def test_network_status_commands(net, modem):
    at = modem("isat")
    assert at.ok("AT+CREG?") == ["+CREG: 0,1"]
    assert at.ok("AT+COPS?") == ['+COPS: 0,0,"INDOSAT",2']
    at.ok("AT+COPS=3,2")
    assert at.ok("AT+COPS?") == ['+COPS: 0,2,"51001",2']
    assert at.ok("AT+CPIN?") == ["+CPIN: READY"]
    assert at.ok("AT+CFUN?") == ["+CFUN: 1"]
    at.ok("AT+CFUN=1")
    assert at.ok("AT+CSCA?")[0].startswith('+CSCA: "+62')


def test_sms_settings(net, modem):
    at = modem("center")
    at.ok("AT+CMGF=0")
    assert at.cmd("AT+CMGF=1")[1].startswith("+CMS ERROR")
    at.ok('AT+CSCS="GSM"')
    at.ok("AT+CNMI=2,1,0,2,0")
    assert at.ok("AT+CNMI?") == ["+CNMI: 2,1,0,2,0"]
    assert at.ok("AT+CPMS=?") == ['+CPMS: ("SM"),("SM"),("SM")']
    assert at.ok('AT+CPMS="SM","SM","SM"') == ["+CPMS: 0,30,0,30,0,30"]
    at.ok("AT+CMMS=2")
    assert at.ok("AT+CMMS?") == ["+CMMS: 2"]
    assert "AT+CUSD" in at.ok("AT+CLAC")


def test_several_commands_on_one_line(net, modem):
    at = modem("center")
    lines = at.ok("AT+CMEE=1;+CNMI=2,1,0,1,0;+CSQ")
    assert lines == ["+CSQ: 20,99"]
    assert at.ok("AT+CNMI?") == ["+CNMI: 2,1,0,1,0"]


def test_garbage_input_is_tolerated(net, modem):
    at = modem("center")
    at.write(b"\xff\xfe\x00\x80garbage\r\n\x1b\r")
    at.write(b"\x81\x82" * 3000 + b"\r")  # over-long line
    at.ok("AT")
    at.write(b'\xc3"unbalanced\r')
    at.ok("AT+CSQ")


def test_crlf_and_lf_terminators(net, modem):
    at = modem("center")
    at.write(b"AT\r\n")
    at.wait_line("^OK$")
    at.write(b"AT\n")
    at.wait_line("^OK$")


def test_new_connection_replaces_old_and_state_persists(net, modem):
    first = modem("center", init=False)
    first.ok("ATE0")
    m = next(x for x in net.modems if x.id == "center")
    second = At(m.port_url)
    try:
        second.raw.clear()
        second.ok("AT")
        assert not second.raw.startswith(b"AT")  # echo setting survived the reconnect
        wait_for(lambda: _closed(first))
    finally:
        second.close()


def _closed(at: At) -> bool:
    try:
        at.ser.write(b"AT\r")
        return at.ser.read(64) == b""
    except (serial.SerialException, OSError):
        return True


def test_huawei_noise_until_curc_0(net, modem, ctl):
    assert ctl("POST", "/api/modems/hw", {"noise_interval": 0.05})[0] == 200
    at = modem("hw", init=False, noise=True)
    at.ok("ATE0")
    at.wait_line(r"^\^(RSSI|BOOT|MODE|DSFLOWRPT)")
    at.ok("AT^CURC=0")
    at.lines.clear()
    at.ok("AT+CSQ")
    at.ok("AT")
    assert not [line for line in at.lines if line.startswith("^")]
    assert not any(b"^RSSI" in at.raw[i:] for i in [len(at.raw) - 40])


def test_huawei_noise_inside_responses(net, modem):
    hw = next(x for x in net.modems if x.id == "hw")
    import dataclasses
    net.call(lambda: setattr(hw, "profile", dataclasses.replace(hw.profile, noise_in_response_rate=1.0)))
    at = modem("hw", init=False, noise=True)
    lines = at.ok("AT+CSQ")
    assert any(line.startswith("^") for line in lines) and any(line.startswith("+CSQ") for line in lines)


def test_huawei_crcrlf_line_ends(net, modem):
    at = modem("hw")
    for _ in range(30):
        at.ok("AT+CSQ")
    assert b"\r\r\n" in at.raw


def test_a_modem_port_answers_without_nagle_delay(net, modem):
    """A real modem writes its answer at once; the virtual one's socket must not wait to batch small
    writes (with Nagle on, a +CMTI then an OK waited for the peer's delayed ACK: half the throughput)."""
    import socket as _socket

    at = modem("center")
    at.ok("AT")
    m = next(x for x in net.modems if x.id == "center")
    sock = m._conn.writer.get_extra_info("socket")
    assert sock.getsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY) != 0
