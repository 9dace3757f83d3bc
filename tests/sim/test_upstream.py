from __future__ import annotations

import re

from tests.sim.helpers import wait_for


def _order(ctl, text, frm="081377770000"):
    before = len(ctl("GET", f"/api/subscribers/{frm}/sms")[1])
    ctl("POST", "/api/sms", {"from": frm, "to": "081299990000", "text": text})
    inbox = wait_for(lambda: (lambda x: x if len(x) > before else None)(ctl("GET", f"/api/subscribers/{frm}/sms")[1]))
    assert inbox[-1]["from"] == "081299990000"
    return inbox[-1]["text"]


def test_upstream_success_tops_up(net, ctl):
    reply = _order(ctl, "S10.081389092678.5566")
    assert re.fullmatch(r"TrxID \d+: S10 ke 081389092678 SUKSES\. SN:\d{20}\. Harga 10\.150\. Saldo 89\.850 @\d\d:\d\d",
                        reply), reply
    assert ctl("GET", "/api/subscribers/081389092678")[1]["airtime"] == 10000


def test_upstream_failure_refunds(net, ctl):
    ctl("POST", "/api/upstreams/upline", {"outcomes": ["fail:DEST_BLOCKED"]})
    reply = _order(ctl, "I.X5.081812345678.5566")
    assert re.fullmatch(r"TrxID \d+: X5 ke 081812345678 GAGAL\. Nomor tujuan diblokir\. "
                        r"Saldo 94\.850\+5\.150=100\.000 @\d\d:\d\d", reply), reply
    assert ctl("GET", "/api/subscribers/081812345678")[1]["airtime"] == 0


def test_upstream_pending_then_result(net, ctl):
    ctl("POST", "/api/upstreams/upline", {"outcomes": ["pending"], "pending_delay": 0.05})
    assert "masih diproses operator" in _order(ctl, "T5.089912345678.5566")
    wait_for(lambda: ctl("GET", "/api/subscribers/089912345678")[1]["airtime"] == 5000)


def test_upstream_rejections(net, ctl):
    assert _order(ctl, "S10.081389092678.5566", frm="081234567890").startswith("Nomor Anda belum terdaftar")
    assert _order(ctl, "halo").startswith("Format salah.")
    assert _order(ctl, "S10.081389092678.0000") == "PIN salah. Sisa 2 kali percobaan."
    assert _order(ctl, "ZZ10.081389092678.5566").startswith("Kode ZZ10 tidak dikenal")
    assert _order(ctl, "S10.085712345678.5566").startswith("Nomor 085712345678 adalah nomor ISAT")
    assert _order(ctl, "S1000.081389092678.5566").startswith("Saldo tidak cukup.")
    assert _order(ctl, "SAL.5566").startswith("Saldo PLS002: 100.000.")


def test_modem_orders_from_upstream_by_sms(net, modem, ctl):
    from modems import pdu
    at = modem("allop")
    at.ok("AT+CNMI=2,1,0,0,0")
    part = pdu.encode_submit("081299990000", "S5.081234567890.5566")[0]
    assert at.send_pdu(part.hex, part.tpdu_length)[1] == "OK"
    idx = at.wait_line(r"^\+CMTI:").split(",")[1]
    reply = pdu.decode_pdu(at.ok(f"AT+CMGR={idx}")[1])
    assert "SUKSES. SN:" in reply.text and reply.sender.endswith("81299990000")


def test_the_same_order_text_again_answers_its_status_and_never_tops_up_twice(net, ctl):
    dest = "081388887777"
    ctl("POST", "/api/upstreams/upline", {"outcomes": ["pending"], "pending_delay": 1.0})
    assert "masih diproses" in _order(ctl, f"S10.{dest}.5566")
    # the same text, however it is spaced or cased: the status of that order
    assert re.fullmatch(rf"S10 ke {dest} jam \d\d:\d\d: Proses\. SN:-", _order(ctl, f" s10.{dest}.5566 "))
    wait_for(lambda: ctl("GET", f"/api/subscribers/{dest}")[1]["airtime"] == 10000)
    wait_for(lambda: "SUKSES" in ctl("GET", "/api/subscribers/081377770000/sms")[1][-1]["text"])
    assert re.fullmatch(rf"S10 ke {dest} jam \d\d:\d\d: Sukses\. SN:\d{{20}}", _order(ctl, f"S10.{dest}.5566"))
    assert ctl("GET", f"/api/subscribers/{dest}")[1]["airtime"] == 10000  # once
    assert ctl("GET", "/api/upstreams/upline/orders")[1][-1]["dest"] == dest
    assert len([o for o in ctl("GET", "/api/upstreams/upline/orders")[1] if o["dest"] == dest]) == 1
    # a failed order frees its text: the same text again is a new order
    ctl("POST", "/api/upstreams/upline", {"outcomes": ["fail:DEST_BLOCKED", "ok"]})
    assert "GAGAL" in _order(ctl, "S10.081388886666.5566")
    assert "SUKSES" in _order(ctl, "S10.081388886666.5566")
