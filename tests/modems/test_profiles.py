"""The driver against every family of docs/devices.md as a virtual modem: it identifies each, adapts
(text mode when PDU mode is refused, USSD by dialling when there is no AT+CUSD, UCS2 strings), and no
family's quirk or noise breaks a command. Real sockets, the control API over HTTP, no fixed sleeps."""
from __future__ import annotations

import copy
from typing import Callable

import pytest

from modems import textmode
from modems.driver import Modem
from modems.types import (
    SignalChanged,
    SmsReceived,
    StateChanged,
    StatusReportReceived,
    StoredState,
    UssdOutcome,
)
from tests.modems.conftest_sim import (  # noqa: F401 - fixtures
    CUSTOMER,
    DEST,
    SCENARIO,
    Ctl,
    Events,
    ctl,
    fast_config,
    net,
    open_modem,
    pump_until,
    wait_until,
)

OpenModem = Callable[..., tuple[Modem, Events]]
PIN = "482916"
FAMILIES = {  # sim profile -> (driver profile, text mode, USSD by dialling)
    "phone": ("phone", True, True),
    "wavecom": ("wavecom", False, False),
    "fastrack": ("wavecom", False, False),
    "sim7600": ("simcom", False, False),
    "quectel_m35": ("quectel", False, False),
    "quectel_ec25": ("quectel", False, False),
    "mc35": ("cinterion", False, False),
    "tc35": ("cinterion", False, False),
    "zte": ("zte", False, False),
    "huawei": ("huawei", False, False),
    "simcom": ("simcom", False, False),
    "generic": ("generic", False, False),
}


@pytest.fixture
def scenario() -> dict:
    sc = copy.deepcopy(SCENARIO)
    sc["operator_defaults"]["flow"] = "immediate"
    sc["modems"] = [
        {"id": name, "role": "chip", "operator": "TSEL", "msisdn": f"0812111130{i:02d}", "profile": name,
         "pin": PIN, "stock": 1_000_000}
        for i, name in enumerate(FAMILIES)
    ]
    return sc


def msisdn(ctl: Ctl, modem_id: str) -> str:
    return ctl.modem(modem_id)["msisdn"]


def confirm_all(events: Events) -> None:
    for e in events.of(SmsReceived):
        e.confirm()


def receive(m: Modem, events: Events, text: str, timeout: float = 5.0) -> SmsReceived:
    def got() -> SmsReceived | None:
        confirm_all(events)
        return next((e for e in events.of(SmsReceived) if e.sms.text == text), None)
    return pump_until(m, got, timeout, what=f"SMS {text!r}")


@pytest.mark.parametrize("family", list(FAMILIES))
def test_each_family_is_identified_and_serves(open_modem: OpenModem, ctl: Ctl, family: str) -> None:
    profile, text, dial = FAMILIES[family]
    m, events = open_modem(family)
    truth = ctl.modem(family)
    assert (m.info.imei, m.info.iccid, m.info.imsi) == (truth["imei"], truth["iccid"], truth["imsi"])
    assert m.info.profile == profile
    assert m._text_mode is text and m._ussd_dial is dial
    assert truth["echo"] is False and truth["cmgf"] == (1 if text else 0)
    r = m.ussd(f"*776*{PIN}#", secrets=(PIN,))
    assert r.outcome == UssdOutcome.DONE and r.text.startswith("Stok "), r
    ok = m.send_sms(CUSTOMER, "Saldo Anda Rp 10.000")
    assert ok.ok
    wait_until(lambda: any(x["text"] == "Saldo Anda Rp 10.000" and x["from"] == truth["msisdn"]
                           for x in ctl.inbox(CUSTOMER)), what="delivered")
    ctl.sms(CUSTOMER, truth["msisdn"], "S10.081389092678.1234")
    sms = receive(m, events, "S10.081389092678.1234").sms
    assert sms.sender == "+6281234567890" and sms.iccid == truth["iccid"]
    pump_until(m, lambda: ctl.store_used(family) == 0, what="deleted after confirm")
    assert m.get_signal().rssi == ctl.modem(family)["settings"]["csq"]


# --------------------------------------------------------------------------------------- text mode


def test_phone_falls_back_to_text_mode_with_ucs2_strings(open_modem: OpenModem, ctl: Ctl) -> None:
    m, events = open_modem("phone")
    details = ctl.modem("phone")
    assert details["cscs"] == "UCS2"  # bodies as hex: never taken for OK or a notification
    ctl.sms(CUSTOMER, details["msisdn"], "OK")  # a body that, in plain text, would end the command
    ctl.sms(CUSTOMER, details["msisdn"], "Terima kasih 🙏\nbaris dua")
    receive(m, events, "OK")
    receive(m, events, "Terima kasih 🙏\nbaris dua")
    assert m.send_sms(CUSTOMER, "Pesanan Anda: ✓ berhasil 😀").ok
    wait_until(lambda: any(x["text"] == "Pesanan Anda: ✓ berhasil 😀" for x in ctl.inbox(CUSTOMER)))


def test_text_mode_long_reply_is_several_sms(open_modem: OpenModem, ctl: Ctl) -> None:
    m, _events = open_modem("phone")
    text = " ".join(f"Produk{i}=Rp{i}.000" for i in range(30))  # about 400 characters
    result = m.send_sms(CUSTOMER, text)
    assert result.ok and len(result.parts) == len(textmode.split_for_text_mode(text)) >= 3
    got = wait_until(lambda: [x["text"] for x in ctl.inbox(CUSTOMER)] if len(ctl.inbox(CUSTOMER)) >= 3 else None)
    assert "".join(got) == text


@pytest.mark.parametrize("charset", ["IRA", "GSM", "UCS2"])
def test_text_mode_with_header_details_in_each_charset(open_modem: OpenModem, ctl: Ctl, charset: str) -> None:
    m, events = open_modem("sim7600", sms_mode="text", charset=charset)
    assert m._text_mode and m._csdh and ctl.modem("sim7600")["cscs"] == charset
    number = msisdn(ctl, "sim7600")
    for text in ("Harga Rp 5.500 (promo)", "Sukses 😀 é", "Ünïcödé ñ"):
        ctl.sms(CUSTOMER, number, text)
        receive(m, events, text)
    for text in ("Balasan {kurung} €", "Balasan ✓"):
        assert m.send_sms(CUSTOMER, text).ok
        wait_until(lambda t=text: any(x["text"] == t for x in ctl.inbox(CUSTOMER)), what=text)


def test_text_mode_without_header_details_guesses_ucs2_bodies(open_modem: OpenModem, ctl: Ctl) -> None:
    m, events = open_modem("phone", charset="IRA")
    assert not m._csdh and ctl.modem("phone")["cscs"] == "IRA"
    ctl.sms(CUSTOMER, msisdn(ctl, "phone"), "Ini 😀 emoji")
    ctl.sms(CUSTOMER, msisdn(ctl, "phone"), "Biasa saja 123")
    receive(m, events, "Ini 😀 emoji")
    receive(m, events, "Biasa saja 123")


def test_text_mode_direct_delivery_and_status_reports(open_modem: OpenModem, ctl: Ctl) -> None:
    m, events = open_modem("quectel_ec25", sms_mode="text", cnmi=("2,2,0,1,0",))
    assert ctl.modem("quectel_ec25")["cnmi"][:2] == [2, 2]
    ctl.sms(CUSTOMER, msisdn(ctl, "quectel_ec25"), "Langsung ke komputer")
    receive(m, events, "Langsung ke komputer")
    assert ctl.store_used("quectel_ec25") == 0  # +CMT: never stored
    result = m.send_sms(CUSTOMER, "Dengan laporan", request_report=True)
    assert result.ok
    report = pump_until(m, lambda: next(iter(events.of(StatusReportReceived)), None), what="+CDS")
    assert report.report.mr == result.parts[0].mr and report.report.status == 0


def test_text_mode_stored_status_report(open_modem: OpenModem, ctl: Ctl) -> None:
    m, events = open_modem("sim7600", sms_mode="text")
    result = m.send_sms(CUSTOMER, "Laporan disimpan", request_report=True)
    report = pump_until(m, lambda: next(iter(events.of(StatusReportReceived)), None), what="+CDSI")
    assert report.report.mr == result.parts[0].mr and report.report.delivered


def test_text_mode_store_and_send(open_modem: OpenModem, ctl: Ctl) -> None:
    m, _ = open_modem("phone")
    stored = m.store_sms(CUSTOMER, "Disimpan lalu dikirim 😀")
    assert m.check_stored(stored.indexes) == (StoredState.UNSENT,)
    assert m.list_stored() == stored.indexes
    assert m.send_stored(CUSTOMER, stored.indexes).ok
    wait_until(lambda: any(x["text"] == "Disimpan lalu dikirim 😀" for x in ctl.inbox(CUSTOMER)))
    assert m.check_stored(stored.indexes) == (StoredState.GONE,)


def test_small_store_full_then_drained(open_modem: OpenModem, ctl: Ctl) -> None:
    m, events = open_modem("phone")
    added = ctl.post("/api/modems/phone/fill-store")
    assert ctl.modem("phone")["store"] == {"used": 10, "total": 10, "backlog": 0} or added
    ctl.sms(CUSTOMER, msisdn(ctl, "phone"), "Masuk saat penuh")
    wait_until(lambda: ctl.modem("phone")["store"]["backlog"] == 1, what="held by the network")
    m.check_inbox()  # the sweep hands up the fillers; confirming them frees the store
    receive(m, events, "Masuk saat penuh", timeout=10)
    pump_until(m, lambda: ctl.store_used("phone") == 0, what="store drained")


# --------------------------------------------------------------------------------------- USSD


def test_phone_ussd_menu_by_dialling(open_modem: OpenModem, ctl: Ctl) -> None:
    ctl.post("/api/operators/TSEL", {"confirm_menu": True})
    m, _ = open_modem("phone")
    r = m.ussd(f"*777*{DEST}*10*{PIN}#", replies=["1"], secrets=(PIN,))
    assert r.outcome == UssdOutcome.DONE and "SN:" in r.text
    log = ctl.ussd_log("phone")
    assert PIN not in str(log)


def test_refused_cusd_switches_to_dialling(open_modem: OpenModem, ctl: Ctl) -> None:
    m, _ = open_modem("phone")
    m._ussd_dial = False  # as if AT+CUSD=? had looked fine at init
    r = m.ussd(f"*776*{PIN}#", secrets=(PIN,))
    assert r.outcome == UssdOutcome.DONE and m._ussd_dial


def test_ucs2_ussd_answer_decoded(open_modem: OpenModem, ctl: Ctl) -> None:
    m, _ = open_modem("quectel_m35", sms_mode="text")
    assert ctl.modem("quectel_m35")["cscs"] == "UCS2"
    r = m.ussd(f"*776*{PIN}#", secrets=(PIN,))
    assert r.outcome == UssdOutcome.DONE and r.text.startswith("Stok ") and r.mode == "ucs2-hex"
    assert r.raw and r.raw[0].startswith("+CUSD: 0,")  # the raw answer is kept verbatim


def test_wavecom_answer_without_dcs_and_cpin_without_ok(open_modem: OpenModem, ctl: Ctl) -> None:
    m, _ = open_modem("wavecom")
    r = m.ussd(f"*776*{PIN}#", secrets=(PIN,))
    assert r.outcome == UssdOutcome.DONE and r.dcs is None and r.text.startswith("Stok ")


# --------------------------------------------------------------------------------------- noise, boot


@pytest.mark.parametrize("family", ["zte", "wavecom", "huawei"])
def test_noise_never_breaks_a_command(open_modem: OpenModem, ctl: Ctl, family: str) -> None:
    ctl.post(f"/api/modems/{family}", {"noise_interval": 0.02})
    m, events = open_modem(family)
    number = msisdn(ctl, family)
    for i in range(5):
        ctl.sms(CUSTOMER, number, f"pesan {i}")
    for i in range(5):
        receive(m, events, f"pesan {i}")
    for _ in range(20):
        assert 0 <= m.get_signal().rssi <= 31
    assert m.get_info(refresh=True).imei == ctl.modem(family)["imei"]


@pytest.mark.parametrize("family", ["mc35", "sim7600", "quectel_ec25", "quectel_m35"])
def test_boot_banner_after_reset_reinitialises(open_modem: OpenModem, ctl: Ctl, family: str) -> None:
    m, events = open_modem(family)
    mark = events.mark()
    ctl.post(f"/api/modems/{family}/reset")
    pump_until(m, lambda: any(isinstance(e, StateChanged) and e.state.value == "online"
                              for e in events.items[mark:]), timeout=10, what="back online")
    pump_until(m, lambda: ctl.modem(family)["echo"] is False and ctl.modem(family)["cmee"] == 1,
               timeout=10, what="init re-run after the banner")
    ctl.sms(CUSTOMER, msisdn(ctl, family), "setelah reset")
    receive(m, events, "setelah reset", timeout=10)


def test_cinterion_delete_is_single_index(open_modem: OpenModem, ctl: Ctl) -> None:
    m, events = open_modem("mc35")
    for i in range(3):
        ctl.sms(CUSTOMER, msisdn(ctl, "mc35"), f"hapus {i}")
    for i in range(3):
        receive(m, events, f"hapus {i}")
    pump_until(m, lambda: ctl.store_used("mc35") == 0, what="all deleted one by one")


def test_signal_event_from_every_family(open_modem: OpenModem, ctl: Ctl) -> None:
    for family in ("phone", "zte", "wavecom"):
        ctl.post(f"/api/modems/{family}", {"csq": 9})
        m, events = open_modem(family)
        m.get_status()
        assert events.of(SignalChanged)[-1].signal.rssi == 9
