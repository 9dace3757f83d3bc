from __future__ import annotations

import re

from modems import pdu
from tests.sim.helpers import wait_for


def _read(at, index):
    lines = at.ok(f"AT+CMGR={index}")
    assert re.match(r"^\+CMGR: \d,,\d+$", lines[0]), lines
    return pdu.decode_pdu(lines[1])


def test_subscriber_sms_to_modem_cmti_cmgr_cmgd(net, modem, ctl):
    at = modem("center")
    at.ok("AT+CNMI=2,1,0,2,0")
    status, body = ctl("POST", "/api/sms", {"from": "+6281389092678", "to": "081200000001",
                                            "text": "S10.081389092678.1234"})
    assert status == 200 and body["parts"] == 1
    urc = at.wait_line(r'^\+CMTI: "SM",\d+$')
    index = int(urc.split(",")[1])
    msg = _read(at, index)
    assert isinstance(msg, pdu.SmsDeliver)
    assert msg.text == "S10.081389092678.1234"
    assert msg.sender in ("+6281389092678", "6281389092678")
    lines = at.ok("AT+CMGL=4")
    assert lines[0].startswith(f"+CMGL: {index},1,,")
    at.ok(f"AT+CMGD={index}")
    assert at.ok("AT+CMGL=4") == []
    assert at.cmd(f"AT+CMGR={index}")[1] == "+CMS ERROR: 321"


def test_msisdn_forms_are_normalised(net, modem, ctl):
    at = modem("center")
    for sender, to in (("081389092678", "6281200000001"), ("6281389092678", "+6281200000001")):
        assert ctl("POST", "/api/sms", {"from": sender, "to": to, "text": "hi"})[0] == 200
        at.wait_line(r"^\+CMTI:")


def test_multipart_sms_to_modem(net, modem, ctl):
    at = modem("center")
    text = "Pesan panjang " * 30
    status, body = ctl("POST", "/api/sms", {"from": "081389092678", "to": "081200000001", "text": text})
    assert body["parts"] >= 3
    indexes = [int(at.wait_line(r"^\+CMTI:").split(",")[1]) for _ in range(body["parts"])]
    parts = [_read(at, i) for i in indexes]
    assert all(p.concat and p.concat.total == body["parts"] for p in parts)
    assert pdu.join_parts(parts) == text


def test_store_and_send_marks_the_slot_sent_as_it_leaves(net, modem, ctl):
    at = modem("sender")
    part = pdu.encode_submit("+6281389092679", "TrxID 2: S10 ke 081389092679 SUKSES")[0]
    lines, final = at.send_pdu(part.hex, part.tpdu_length, verb="CMGW")
    assert final == "OK" and re.match(r"^\+CMGW: \d+$", lines[-1])
    index = int(lines[-1].split(":")[1])
    assert at.ok(f"AT+CMGR={index}")[0].startswith("+CMGR: 2,")  # stored unsent
    assert ctl("GET", "/api/subscribers/081389092679/sms")[1] == []  # nothing left yet
    assert re.match(r"^\+CMSS: \d+$", at.ok(f"AT+CMSS={index}")[-1])
    inbox = wait_for(lambda: ctl("GET", "/api/subscribers/081389092679/sms")[1])
    assert [m["text"] for m in inbox] == ["TrxID 2: S10 ke 081389092679 SUKSES"]
    assert at.ok(f"AT+CMGR={index}")[0].startswith("+CMGR: 3,")  # stored sent
    listed = at.ok("AT+CMGL=4")
    assert any(line.startswith(f"+CMGL: {index},3,") for line in listed)
    at.ok(f"AT+CMGD={index}")
    assert at.cmd(f"AT+CMSS={index}")[1] == "+CMS ERROR: 321"  # an empty slot sends nothing
    assert len(ctl("GET", "/api/subscribers/081389092679/sms")[1]) == 1


def test_a_full_memory_refuses_to_store(net, modem, ctl):
    at = modem("sender")
    ctl("POST", "/api/modems/sender/fill-store")
    part = pdu.encode_submit("+6281389092679", "x")[0]
    assert at.send_pdu(part.hex, part.tpdu_length, verb="CMGW")[1] == "+CMS ERROR: 322"


def test_unicode_sms_to_modem(net, modem, ctl):
    at = modem("center")
    ctl("POST", "/api/sms", {"from": "081389092678", "to": "081200000001", "text": "Terima kasih 😀"})
    msg = _read(at, int(at.wait_line(r"^\+CMTI:").split(",")[1]))
    assert msg.text == "Terima kasih 😀"


def test_modem_sends_sms_to_subscriber(net, modem, ctl):
    at = modem("sender")
    part = pdu.encode_submit("+6281389092678", "TrxID 1: S10 ke 081389092678 SUKSES")[0]
    lines, final = at.send_pdu(part.hex, part.tpdu_length)
    assert final == "OK" and re.match(r"^\+CMGS: \d+$", lines[-1])
    inbox = wait_for(lambda: ctl("GET", "/api/subscribers/081389092678/sms")[1])
    assert inbox[-1]["text"] == "TrxID 1: S10 ke 081389092678 SUKSES"
    assert inbox[-1]["from"] == "081200000002"
    sent = ctl("GET", "/api/modems/sender/sent")[1]
    assert sent[-1]["to"].endswith("81389092678")


def test_multipart_from_modem_is_reassembled(net, modem, ctl):
    at = modem("sender")
    text = "Balasan yang panjang sekali. " * 12
    parts = pdu.encode_submit("081389092678", text, ref=77)
    assert len(parts) > 1
    at.ok("AT+CMMS=2")
    mrs = []
    for p in parts:
        lines, final = at.send_pdu(p.hex, p.tpdu_length)
        assert final == "OK"
        mrs.append(int(lines[-1].split()[1]))
    assert len(set(mrs)) == len(mrs)
    inbox = wait_for(lambda: ctl("GET", "/api/subscribers/6281389092678/sms")[1])
    assert inbox[-1]["text"] == text


def test_modem_to_modem_and_status_report(net, modem, ctl):
    sender = modem("sender")
    center = modem("center")
    sender.ok("AT+CNMI=2,1,0,2,0")
    part = pdu.encode_submit("+6281200000001", "halo center", request_report=True)[0]
    lines, final = sender.send_pdu(part.hex, part.tpdu_length)
    mr = int(lines[-1].split()[1])
    msg = _read(center, int(center.wait_line(r"^\+CMTI:").split(",")[1]))
    assert msg.text == "halo center" and msg.sender.endswith("81200000002")
    idx = int(sender.wait_line(r'^\+CDSI: "SM",\d+$').split(",")[1])
    report = _read(sender, idx)
    assert isinstance(report, pdu.StatusReport)
    assert report.mr == mr and report.delivered


def test_status_report_direct_with_ds_1(net, modem):
    at = modem("sender")
    at.ok("AT+CNMI=2,1,0,1,0")
    part = pdu.encode_submit("081389092678", "x", request_report=True)[0]
    at.send_pdu(part.hex, part.tpdu_length)
    at.wait_line(r"^\+CDS: \d+$")
    report = pdu.decode_pdu(at.wait_line(r"^[0-9A-F]+$"))
    assert isinstance(report, pdu.StatusReport)


def test_undeliverable_gives_failed_report(net, modem):
    at = modem("sender")
    at.ok("AT+CNMI=2,1,0,2,0")
    part = pdu.encode_submit("0211234", "x", request_report=True)[0]
    at.send_pdu(part.hex, part.tpdu_length)
    report = _read(at, int(at.wait_line(r"^\+CDSI:").split(",")[1]))
    assert not report.delivered


def test_esc_cancels_prompt(net, modem):
    at = modem("sender")
    at.write("AT+CMGS=20\r")
    at.wait_prompt()
    at.write(b"0011\x1b")
    at.wait_line("^OK$")
    at.ok("AT")
    assert ctl_sent_count(net, "sender") == 0


def ctl_sent_count(net, modem_id):
    return len(next(m for m in net.modems if m.id == modem_id).sent)


def test_bad_pdu_and_wrong_length(net, modem):
    at = modem("sender")
    assert at.send_pdu("00ZZ", 10)[1] == "+CMS ERROR: 304"
    part = pdu.encode_submit("081389092678", "halo")[0]
    assert at.send_pdu(part.hex, part.tpdu_length + 1)[1] == "+CMS ERROR: 304"
    at.ok("AT")


def test_cnmi_mt0_stores_silently_and_mt2_delivers_directly(net, modem, ctl):
    at = modem("center")
    at.ok("AT+CNMI=2,0,0,0,0")
    ctl("POST", "/api/modems/center/sms", {"from": "081389092678", "text": "diam"})
    wait_for(lambda: ctl("GET", "/api/modems/center")[1]["store"]["used"] == 1)
    assert not [line for line in at.lines if line.startswith("+CMTI")]
    at.ok("AT+CNMI=2,2,0,0,0")
    ctl("POST", "/api/modems/center/sms", {"from": "081389092678", "text": "langsung"})
    at.wait_line(r"^\+CMT: ,\d+$")
    msg = pdu.decode_pdu(at.wait_line(r"^[0-9A-F]+$"))
    assert msg.text == "langsung"


def test_store_full_backlog_then_burst(net, modem, ctl):
    at = modem("hw")  # Huawei: 20 slots, 0-based, ^SMMEMFULL
    at.ok("AT+CNMI=2,1,0,2,0")
    assert ctl("POST", "/api/modems/hw/fill-store")[1]["used"] == 20
    at.wait_line(r'^\^SMMEMFULL: "SM"$')
    assert at.ok("AT+CPMS?")[0].startswith('+CPMS: "SM",20,20')
    ctl("POST", "/api/modems/hw/sms", {"from": "081389092678", "text": "tertunda"})
    wait_for(lambda: ctl("GET", "/api/modems/hw")[1]["store"]["backlog"] == 1)
    at.ok("AT+CMGD=0")
    assert at.wait_line(r"^\+CMTI:") == '+CMTI: "SM",0'
    assert _read(at, 0).text == "tertunda"
