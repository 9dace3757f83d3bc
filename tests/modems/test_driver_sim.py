"""The driver (``modems.driver.Modem``, ``modems.worker.ModemWorker``) against the virtual GSM
network, over real loopback sockets (``socket://127.0.0.1:PORT``) and the network's JSON control
API over real HTTP. Faults are switched on through that API, as the demo and the shop owner would.

Every wait ends on a condition (an event, a future, a control-API state) or a deadline.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from typing import Any, Callable

import pytest

from modems import ussd as ussd_codec
from modems.at import AtError, AtTimeout
from modems.discovery import ModemRegistry, discover, make_resolver
from modems.driver import Modem
from modems.sim import SimNetwork
from modems.sim.ussd_shapes import UssdShape
from modems.types import (
    ErrorEvent,
    GetInfo,
    GetSignal,
    ModemState,
    RawAt,
    Registration,
    Reset,
    SendSms,
    SignalChanged,
    SmsReceived,
    StateChanged,
    StatusReportReceived,
    StorageWarning,
    StoredState,
    Ussd,
    UssdOutcome,
)
from modems.worker import ModemWorker, WorkerStopped, shutdown_all
from tests.modems.conftest_sim import (  # noqa: F401 - fixtures
    CENTER,
    CHIP_PIN,
    CUSTOMER,
    DEST,
    Ctl,
    Events,
    ctl,
    fast_config,
    net,
    open_modem,
    pump_until,
    scenario,
    wait_until,
)

OpenModem = Callable[..., tuple[Modem, Events]]

TOPUP = f"*777*{DEST}*10*{CHIP_PIN}#"
STOCK = f"*776*{CHIP_PIN}#"
SN_RE = re.compile(r"SN:(\d{20})")
MENU_TEXT = f"Isi pulsa 10 ke {DEST}? 1.Ya 2.Tidak"


def vm(net: SimNetwork, modem_id: str) -> Any:
    return next(m for m in net.modems if m.id == modem_id)


def received(events: Events) -> list[SmsReceived]:
    return events.of(SmsReceived)


def sms_with(events: Events, text: str) -> list[SmsReceived]:
    return [e for e in received(events) if e.sms.text == text]


def immediate_flow(ctl: Ctl, **extra: Any) -> None:
    """Telkomsel answers the reload in the USSD reply itself (SN in the text)."""
    ctl.post("/api/operators/TSEL", {"flow": "immediate", **extra})


# ---------------------------------------------------------------------------------------------
# Init, identity, signal
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("modem_id,profile", [
    ("center", "generic"), ("hwc", "huawei"), ("e160", "huawei"), ("sender", "simcom"),
])
def test_init_identity_matches_the_network(open_modem: OpenModem, ctl: Ctl, modem_id: str, profile: str) -> None:
    m, events = open_modem(modem_id)
    truth = next(x for x in ctl.get("/api/modems") if x["id"] == modem_id)
    assert m.state == ModemState.ONLINE
    assert m.info.imei == truth["imei"] and len(m.info.imei) == 15
    assert m.info.iccid == truth["iccid"] and m.info.iccid.startswith("8962")
    assert m.info.imsi == truth["imsi"] and m.info.imsi.startswith("510")
    assert m.info.profile == profile
    assert m.info.port_url == truth["port_url"]
    # what init left on the device: PDU mode, numeric errors, echo off, index URCs for SMS
    details = ctl.modem(modem_id)
    assert details["echo"] is False and details["cmee"] == 1 and details["cscs"] == "GSM"
    assert details["cnmi"][:2] == [2, 1]
    if profile == "huawei":
        assert details["curc"] == 0  # the ^RSSI/^BOOT noise was switched off

    status = m.get_status()
    assert status.operator == "TELKOMSEL" and status.registration == Registration.HOME
    assert status.storage is not None and status.storage.total == details["store"]["total"]


@pytest.mark.parametrize("modem_id", ["center", "hwc"])
def test_signal_in_dbm_and_bars_follows_the_network(open_modem: OpenModem, ctl: Ctl, modem_id: str) -> None:
    m, events = open_modem(modem_id)
    for csq, dbm, bars in ((25, -63, 5), (12, -89, 3), (7, -99, 2), (1, -111, 1)):
        ctl.post(f"/api/modems/{modem_id}", {"csq": csq})
        sig = m.get_signal()
        assert (sig.rssi, sig.dbm, sig.bars) == (csq, dbm, bars)
    assert [e.signal.rssi for e in events.of(SignalChanged)][-4:] == [25, 12, 7, 1]
    ctl.post(f"/api/modems/{modem_id}", {"registered": False})
    sig = m.get_signal()
    assert sig.rssi == 99 and sig.dbm is None and sig.bars == 0
    assert m.get_status().registration == Registration.NOT_REGISTERED


# ---------------------------------------------------------------------------------------------
# SMS out
# ---------------------------------------------------------------------------------------------

LONG_GSM7 = ("Harga pulsa hari ini: T5=5.450 T10=10.350 T20=20.200 {promo} [akhir bulan] ~ 100€ | "
             "Balas HARGA untuk daftar lengkap. ") * 4
LONG_EMOJI = "Terima kasih 🙏 transaksi sukses 😊✅ saldo aman 👍 — " * 6


@pytest.mark.parametrize("modem_id", ["center", "sender", "hwc"])
def test_send_sms_arrives_at_the_subscriber(open_modem: OpenModem, ctl: Ctl, net: SimNetwork, modem_id: str) -> None:
    m, _ = open_modem(modem_id)
    result = m.send_sms(CUSTOMER, "Halo, deposit Anda Rp50.000 sudah masuk.")
    assert result.ok and len(result.parts) == 1 and result.concat_ref is None
    got = wait_until(lambda: [s for s in ctl.inbox(CUSTOMER) if s["text"].startswith("Halo")], what="SMS arrives")
    assert got[0]["text"] == "Halo, deposit Anda Rp50.000 sudah masuk."
    assert got[0]["from"] == vm(net, modem_id).msisdn
    sent = ctl.get(f"/api/modems/{modem_id}/sent")
    assert [s["mr"] for s in sent] == [result.parts[0].mr]


@pytest.mark.parametrize("text", [LONG_GSM7, LONG_EMOJI], ids=["gsm7-extension", "ucs2-emoji"])
def test_long_sms_arrives_intact(open_modem: OpenModem, ctl: Ctl, text: str) -> None:
    m, _ = open_modem("center")
    result = m.send_sms(CUSTOMER, text)
    assert result.ok and len(result.parts) >= 3 and result.concat_ref is not None
    got = wait_until(lambda: ctl.inbox(CUSTOMER), what="long SMS arrives")
    assert len(got) == 1 and got[0]["text"] == text and got[0]["from"] == CENTER
    sent = ctl.get("/api/modems/center/sent")
    assert [s["part"] for s in sent] == [[i, len(result.parts)] for i in range(1, len(result.parts) + 1)]
    assert [s["mr"] for s in sent] == [p.mr for p in result.parts]
    # the next long message uses another concatenation reference
    second = m.send_sms(CUSTOMER, text)
    assert second.ok and second.concat_ref != result.concat_ref


@pytest.mark.parametrize("modem_id", ["sender", "hwc"])
def test_store_and_send_tells_after_the_fact_whether_an_sms_left(open_modem: OpenModem, ctl: Ctl,
                                                                 modem_id: str) -> None:
    m, _ = open_modem(modem_id)
    stored = m.store_sms(CUSTOMER, LONG_EMOJI)  # a long one: one slot per part
    assert len(stored.indexes) >= 3 and len(set(stored.indexes)) == len(stored.indexes)
    assert set(m.check_stored(stored.indexes)) == {StoredState.UNSENT}
    assert ctl.inbox(CUSTOMER) == []  # stored is not sent
    # the first part only, as if the server died after it: the memory says which left (a sent part's
    # slot is freed as it goes)
    first = m.send_stored(CUSTOMER, stored.indexes[:1])
    assert first.ok
    assert m.check_stored(stored.indexes) == (StoredState.GONE,) + (StoredState.UNSENT,) * (len(stored.indexes) - 1)
    rest = m.send_stored(CUSTOMER, stored.indexes[1:])
    assert rest.ok
    got = wait_until(lambda: ctl.inbox(CUSTOMER), what="the long SMS arrives")
    assert len(got) == 1 and got[0]["text"] == LONG_EMOJI
    assert set(m.check_stored(stored.indexes)) == {StoredState.GONE}
    m.delete_stored(stored.indexes)  # deleting what is gone is harmless


def test_freeing_slots_leaves_an_incoming_sms_that_took_one(open_modem: OpenModem, ctl: Ctl,
                                                           net: SimNetwork) -> None:
    m, _ = open_modem("sender")
    stored = m.store_sms(CUSTOMER, "Halo")
    assert m.send_stored(CUSTOMER, stored.indexes).ok  # sent and freed
    ctl.post("/api/sms", {"from": CUSTOMER, "to": vm(net, "sender").msisdn, "text": "masuk"})
    wait_until(lambda: ctl.get("/api/modems/sender")["store"]["used"] == 1, what="an SMS arrives in memory")
    m.delete_stored(stored.indexes)  # a recovery freeing what it thinks is its slot
    assert ctl.get("/api/modems/sender")["store"]["used"] == 1


def test_store_refused_when_the_memory_is_full(open_modem: OpenModem, ctl: Ctl) -> None:
    m, _ = open_modem("sender")
    ctl.post("/api/modems/sender/fill-store")
    with pytest.raises(AtError) as refused:
        m.store_sms(CUSTOMER, "Halo")
    assert "322" in str(refused.value)


# ---------------------------------------------------------------------------------------------
# SMS in
# ---------------------------------------------------------------------------------------------


def test_receive_sms_stays_on_sim_until_confirmed(open_modem: OpenModem, ctl: Ctl, net: SimNetwork) -> None:
    m, events = open_modem("center")
    ctl.sms(CUSTOMER, CENTER, "T10.081389092678.1234")
    ev = pump_until(m, lambda: received(events), what="SmsReceived")[0]
    assert ev.sms.sender == "+6281234567890" and ev.sms.text == "T10.081389092678.1234"
    assert ev.sms.iccid == vm(net, "center").iccid and ev.sms.imei == vm(net, "center").imei
    assert ev.sms.complete and ev.sms.dedupe_key

    # not confirmed: the message stays in SIM storage, even through background work and a sweep
    m.poll(0.2)
    assert m.check_inbox() == 0  # already in hand: not offered twice
    listing = m.raw_at("AT+CMGL=4")
    assert listing.final == "OK" and sum(ln.startswith("+CMGL:") for ln in listing.lines) == 1
    assert ctl.store_used("center") == 1
    assert len(received(events)) == 1

    ev.confirm()
    pump_until(m, lambda: ctl.store_used("center") == 0, what="deleted after confirm")
    assert sum(ln.startswith("+CMGL:") for ln in m.raw_at("AT+CMGL=4").lines) == 0


def test_receive_long_emoji_sms_reassembled_then_all_parts_deleted(open_modem: OpenModem, ctl: Ctl) -> None:
    m, events = open_modem("center")
    parts = ctl.sms(CUSTOMER, CENTER, LONG_EMOJI)["parts"]
    assert parts >= 3
    ev = pump_until(m, lambda: received(events), what="reassembled SMS")[0]
    assert ev.sms.text == LONG_EMOJI and ev.sms.total_parts == parts
    assert ev.sms.complete and list(ev.sms.parts_present) == list(range(1, parts + 1))
    assert ctl.store_used("center") == parts
    ev.confirm()
    pump_until(m, lambda: ctl.store_used("center") == 0, what="all parts deleted")


def test_duplicated_sms_has_one_dedupe_key(open_modem: OpenModem, ctl: Ctl) -> None:
    m, events = open_modem("center")
    ctl.fault("center", "duplicate_sms")
    # an engine that does not confirm at once: every copy it sees carries the same dedupe key
    ctl.sms(CUSTOMER, CENTER, "SALDO.1234")
    pump_until(m, lambda: ctl.store_used("center") == 2 and received(events), what="two copies stored")
    m.check_inbox()
    copies = sms_with(events, "SALDO.1234")
    assert len({e.sms.dedupe_key for e in copies}) == 1
    for e in copies:
        e.confirm()
    pump_until(m, lambda: ctl.store_used("center") == 0, what="both copies deleted")

    # an engine that confirms while handling the event: the second copy is not handed up at all
    def confirm_now(ev: Any) -> None:
        events(ev)
        if isinstance(ev, SmsReceived):
            ev.confirm()

    m.on_event = confirm_now
    ctl.sms(CUSTOMER, CENTER, "HARGA")
    pump_until(m, lambda: sms_with(events, "HARGA") and ctl.store_used("center") == 0
               and not ctl.modem("center")["store"]["backlog"], what="duplicate swallowed")
    m.check_inbox()
    assert len(sms_with(events, "HARGA")) == 1


def test_sim_store_full_warns_then_backlog_arrives(open_modem: OpenModem, ctl: Ctl) -> None:
    """SIMCom: the store fills (+SMS FULL); the driver warns, sweeps, and once the engine confirms
    the old messages the network's backlog comes in."""
    m, events = open_modem("sender")
    sender_msisdn = ctl.modem("sender")["msisdn"]
    added = ctl.post("/api/modems/sender/fill-store")["added"]
    warn = pump_until(m, lambda: [e for e in events.of(StorageWarning) if e.full], what="StorageWarning(full)")
    assert warn[0].full
    ctl.sms(CUSTOMER, sender_msisdn, "pesan setelah penuh")
    fillers = pump_until(m, lambda: len(received(events)) >= added and received(events), what="sweep of a full store")
    assert all(e.sms.text.startswith("Filler") for e in fillers)
    # waiting in the network, not lost
    wait_until(lambda: ctl.modem("sender")["store"]["backlog"] == 1, what="held back by the network")
    for e in fillers:
        e.confirm()
    late = pump_until(m, lambda: sms_with(events, "pesan setelah penuh"), timeout=10, what="backlog delivered")
    assert late[0].sms.sender == "+6281234567890"
    assert m.state == ModemState.ONLINE and not events.of(ErrorEvent)


def test_sim_full_fault_is_reported_and_clears(open_modem: OpenModem, ctl: Ctl) -> None:
    """Huawei: the SIM refuses new messages (^SMMEMFULL); no crash, and after the fault clears
    the message held back by the network arrives."""
    m, events = open_modem("hwc")
    msisdn = ctl.modem("hwc")["msisdn"]
    ctl.fault("hwc", "sim_full")
    pump_until(m, lambda: [e for e in events.of(StorageWarning) if e.full], what="^SMMEMFULL warning")
    ctl.sms(CUSTOMER, msisdn, "tertahan")
    wait_until(lambda: ctl.modem("hwc")["store"]["backlog"] == 1, what="held back by the network")
    assert m.get_signal().rssi == 20  # still answering commands
    ctl.clear("hwc", "sim_full")
    ev = pump_until(m, lambda: sms_with(events, "tertahan"), what="delivered after the fault")[0]
    ev.confirm()
    pump_until(m, lambda: ctl.store_used("hwc") == 0, what="deleted")
    assert m.state == ModemState.ONLINE and not events.of(ErrorEvent)


# ---------------------------------------------------------------------------------------------
# USSD
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("modem_id", ["chip", "hw", "e160", "sc"])
def test_ussd_topup_done_with_sn_and_airtime_credited(open_modem: OpenModem, ctl: Ctl, modem_id: str) -> None:
    immediate_flow(ctl)
    m, _ = open_modem(modem_id)
    before = ctl.airtime(DEST)
    result = m.ussd(TOPUP, secrets=(CHIP_PIN,))
    assert result.outcome == UssdOutcome.DONE and result.sent and not result.session_open, result
    assert "BERHASIL" in result.text
    sn = SN_RE.search(result.text)
    assert sn, result.text
    assert ctl.airtime(DEST) == before + 10000
    topups = ctl.get(f"/api/subscribers/{DEST}")["topups"]
    assert topups[-1]["sn"] == sn.group(1) and topups[-1]["source"] == modem_id
    assert CHIP_PIN not in result.request and result.request.startswith(f"*777*{DEST}*10*")
    log = ctl.ussd_log(modem_id)
    assert len(log) == 1 and CHIP_PIN not in log[0]["request"]


@pytest.mark.parametrize("shape", [s.value for s in UssdShape])
def test_every_ussd_shape_decodes_to_readable_text(open_modem: OpenModem, ctl: Ctl, shape: str) -> None:
    ctl.post("/api/operators/TSEL", {"confirm_menu": True})
    m, _ = open_modem("chip")
    ctl.fault("chip", "ussd_shape", shape=shape)
    before = ctl.airtime(DEST)
    result = m.ussd(TOPUP)  # no reply given: the menu is shown, then closed
    assert result.outcome == UssdOutcome.MENU, result
    assert " ".join(result.text.split()) == MENU_TEXT, (shape, result)
    assert result.raw and result.raw[0].startswith("+CUSD: 1")
    assert not ctl.modem("chip")["ussd_session_open"]  # closed with AT+CUSD=2
    assert ctl.airtime(DEST) == before


@pytest.mark.parametrize("modem_id", ["sc"])
def test_cusd_before_ok(open_modem: OpenModem, ctl: Ctl, modem_id: str) -> None:
    immediate_flow(ctl)
    m, _ = open_modem(modem_id)
    ctl.fault(modem_id, "cusd_before_ok")
    stock = m.ussd(STOCK)
    assert stock.outcome == UssdOutcome.DONE and stock.text.startswith("Stok M-Kios 1.000.000"), stock
    result = m.ussd(TOPUP)
    assert result.outcome == UssdOutcome.DONE and SN_RE.search(result.text), result


def test_late_cme_error_is_unknown_and_never_retried(open_modem: OpenModem, ctl: Ctl) -> None:
    immediate_flow(ctl)
    m, _ = open_modem("chip")
    ctl.fault("chip", "late_cme", code=258, executed=True)
    before = ctl.airtime(DEST)
    result = m.ussd(TOPUP)
    assert result.outcome == UssdOutcome.UNKNOWN and result.sent, result
    assert result.error and "258" in result.error
    # the network did execute it: exactly why the driver must not try again by itself
    assert ctl.airtime(DEST) == before + 10000
    m.poll(0.3)
    log = ctl.ussd_log("chip")
    assert len(log) == 1, log
    assert m.state == ModemState.ONLINE and m.get_signal().rssi == 20


@pytest.mark.parametrize("fault,params,outcome", [
    ("ussd_status", {"status": 4}, UssdOutcome.FAILED),
    ("ussd_status", {"status": 5}, UssdOutcome.UNKNOWN),
    ("ussd_status", {"status": 6}, UssdOutcome.UNKNOWN),
    ("ussd_status2", {}, UssdOutcome.DONE),
    ("ussd_extra_release", {}, UssdOutcome.DONE),
    ("ussd_silent", {}, UssdOutcome.UNKNOWN),
], ids=["status4", "status5", "status6", "status2-text", "extra-release", "silent"])
def test_ussd_status_variants(open_modem: OpenModem, ctl: Ctl, fault: str, params: dict, outcome: UssdOutcome) -> None:
    m, _ = open_modem("chip")
    ctl.fault("chip", fault, **params)
    result = m.ussd(STOCK, timeout=0.6)
    assert result.outcome == outcome, result
    if outcome == UssdOutcome.DONE:
        assert result.text.startswith("Stok M-Kios"), result  # not "Initiating Release"
    assert len(ctl.ussd_log("chip")) == 1
    assert m.state == ModemState.ONLINE


def test_operator_pending_then_followup_sms(open_modem: OpenModem, ctl: Ctl, net: SimNetwork) -> None:
    """Telkomsel acknowledges by USSD; the result with the SN follows by SMS from TSEL-SIM."""
    m, events = open_modem("chip")
    before = ctl.airtime(DEST)
    result = m.ussd(TOPUP)
    assert result.outcome == UssdOutcome.DONE and "diterima" in result.text and not SN_RE.search(result.text)
    ev = pump_until(m, lambda: received(events), what="follow-up SMS")[0]
    assert ev.sms.sender == "TSEL-SIM"
    assert "BERHASIL" in ev.sms.text and SN_RE.search(ev.sms.text) and DEST[1:] in ev.sms.text
    assert ctl.airtime(DEST) == before + 10000
    ev.confirm()
    pump_until(m, lambda: ctl.store_used("chip") == 0, what="follow-up deleted after confirm")


def test_menu_session_with_replies(open_modem: OpenModem, ctl: Ctl) -> None:
    immediate_flow(ctl, confirm_menu=True)
    m, _ = open_modem("chip")
    before = ctl.airtime(DEST)
    done = m.ussd(TOPUP, replies=("1",))
    assert done.outcome == UssdOutcome.DONE and SN_RE.search(done.text), done
    assert len(done.raw) == 1 and ctl.airtime(DEST) == before + 10000

    # the engine decides step by step: keep the menu open, then answer "2" (cancel)
    menu = m.ussd(TOPUP, keep_open=True)
    assert menu.outcome == UssdOutcome.MENU and menu.session_open and menu.text == MENU_TEXT
    assert ctl.modem("chip")["ussd_session_open"]
    cancelled = m.ussd_reply("2")
    assert cancelled.outcome == UssdOutcome.DONE and cancelled.text == "Transaksi dibatalkan."
    assert ctl.airtime(DEST) == before + 10000
    none_open = m.ussd_reply("1")
    assert none_open.outcome == UssdOutcome.FAILED and not none_open.sent
    assert [e["note"] for e in ctl.ussd_log("chip")] == ["", "menu input", "", "menu input"]


def test_chip_pin_never_logged(open_modem: OpenModem, ctl: Ctl, caplog: pytest.LogCaptureFixture) -> None:
    immediate_flow(ctl)
    caplog.set_level(logging.DEBUG)
    packed_code = ussd_codec.encode_ussd_request(TOPUP, True)
    for modem_id in ("chip", "e160"):  # plain text request, and Huawei GSM-7 packed request
        m, _ = open_modem(modem_id)
        result = m.ussd(TOPUP)  # no explicit secrets: the driver guesses the PIN field
        assert result.outcome == UssdOutcome.DONE, result
        m.close()
    driver_records = [r for r in caplog.records if not r.name.startswith("modems.sim")]
    assert any("*777*" in r.getMessage() for r in driver_records)  # the request is logged, masked
    assert any("AT+CUSD=1" in r.getMessage() for r in driver_records)  # the command itself is logged
    for r in driver_records:
        msg = r.getMessage()
        assert CHIP_PIN not in msg, msg
        assert packed_code not in msg, msg


# ---------------------------------------------------------------------------------------------
# Faults and recovery
# ---------------------------------------------------------------------------------------------


def _worker(net: SimNetwork, modem_id: str, events: Events, **kw: Any) -> ModemWorker:
    w = ModemWorker(vm(net, modem_id).port_url, fast_config(**kw.pop("config", {})), modem_id=modem_id,
                    on_event=events, **kw)
    w.start()
    assert w.opened.wait(5)
    if w.state == ModemState.ONLINE:
        # the start-up sweep runs as background work after the first operation: two round trips
        # guarantee it is over before a test injects a fault
        for _ in range(2):
            w.submit(GetSignal()).result(timeout=5)
    return w


def test_unplug_mid_ussd_then_replug_recovers(net: SimNetwork, ctl: Ctl) -> None:
    ctl.post("/api/operators/TSEL", {"ussd_delay": 2.0})
    events = Events()
    w = _worker(net, "chip", events)
    try:
        assert w.state == ModemState.ONLINE
        fut = w.submit(Ussd(STOCK, timeout=5.0))
        wait_until(lambda: ctl.ussd_log("chip"), what="request reached the network")
        mark = events.mark()
        ctl.post("/api/modems/chip/unplug")
        result = fut.result(timeout=5)
        assert result.outcome == UssdOutcome.UNKNOWN and "port lost" in (result.error or ""), result
        events.wait_for(lambda e: isinstance(e, StateChanged) and e.state == ModemState.OFFLINE, since=mark)
        assert w.state in (ModemState.OFFLINE, ModemState.NEEDS_ATTENTION)
        mark = events.mark()
        ctl.post("/api/modems/chip/replug")
        events.wait_for(lambda e: isinstance(e, StateChanged) and e.state == ModemState.ONLINE, timeout=10, since=mark)
        assert w.submit(GetSignal()).result(timeout=5).rssi == 20
        assert len(ctl.ussd_log("chip")) == 1  # the unknown USSD was not sent again
    finally:
        assert w.stop(2.0)


def test_hang_times_out_and_recovery_ladder_brings_it_back(net: SimNetwork, ctl: Ctl) -> None:
    events = Events()
    w = _worker(net, "center", events)
    try:
        connections = ctl.modem("center")["connections"]
        ctl.fault("center", "hang", clear_on_reconnect=True)
        mark = events.mark()
        fut = w.submit(RawAt("AT+CSQ", timeout=0.5))
        with pytest.raises(AtTimeout):
            fut.result(timeout=15)
        events.wait_for(lambda e: isinstance(e, StateChanged) and e.state == ModemState.OFFLINE, since=mark)
        events.wait_for(lambda e: isinstance(e, StateChanged) and e.state == ModemState.ONLINE, timeout=10, since=mark)
        assert ctl.modem("center")["connections"] > connections  # the port was reopened
        assert w.submit(GetSignal()).result(timeout=5).rssi == 20
    finally:
        assert w.stop(2.0)


def test_slow_network_still_succeeds(open_modem: OpenModem, ctl: Ctl) -> None:
    immediate_flow(ctl, ussd_delay=0.9)
    m, events = open_modem("chip")
    ctl.fault("chip", "slow", delay=0.15)
    t0 = time.monotonic()
    assert m.get_signal().rssi == 20
    result = m.ussd(TOPUP)  # ussd_timeout is 3 s: slow, but inside it
    assert result.outcome == UssdOutcome.DONE and SN_RE.search(result.text), result
    sent = m.send_sms(CUSTOMER, "lambat tapi sampai")
    assert sent.ok
    wait_until(lambda: [s for s in ctl.inbox(CUSTOMER) if s["text"] == "lambat tapi sampai"], what="slow SMS")
    assert time.monotonic() - t0 < 8
    assert m.state == ModemState.ONLINE and m.consecutive_failures == 0


def test_garbage_bytes_do_not_break_the_driver(open_modem: OpenModem, ctl: Ctl) -> None:
    m, events = open_modem("center")
    ctl.fault("center", "garbage", count=48, interval=0.05)
    for _ in range(5):
        assert m.get_signal().rssi == 20
    ctl.sms(CUSTOMER, CENTER, "tetap masuk")
    ev = pump_until(m, lambda: sms_with(events, "tetap masuk"), what="SMS through the noise")[0]
    ev.confirm()
    assert m.send_sms(CUSTOMER, "tetap terkirim").ok
    ctl.clear("center", "garbage")
    # one burst with a stray double quote: the framer closes it and carries on
    ctl.fault("center", "garbage", count=32, quote=True)
    assert m.get_signal().rssi == 20
    assert m.state == ModemState.ONLINE
    wait_until(lambda: [s for s in ctl.inbox(CUSTOMER) if s["text"] == "tetap terkirim"], what="SMS out")


def test_discovery_recognises_the_same_imei_on_a_new_port(open_modem: OpenModem, ctl: Ctl, net: SimNetwork) -> None:
    registry = ModemRegistry()
    m, _ = open_modem("center")
    first = registry.bind(m.info)
    assert first.new_device and first.new_sim
    old_url = m.info.port_url
    m.close()
    ctl.post("/api/modems/center/unplug")
    new = ctl.post("/api/modems/center/replug", {"new_port": True})
    assert new["port_url"] != old_url
    urls = [x["port_url"] for x in ctl.get("/api/modems")]
    bindings = {b.info.imei: b for b in discover(urls, registry, config=fast_config(), timeout=0.5)}
    b = bindings[vm(net, "center").imei]
    assert b.info.port_url == new["port_url"] and b.moved_from == old_url
    assert not b.new_device and not b.new_sim and b.sim_moved_from is None
    assert registry.port_for(b.info.imei) == new["port_url"]
    assert len(bindings) == len(net.modems)  # every virtual modem found once


def test_worker_follows_its_modem_to_a_new_port(net: SimNetwork, ctl: Ctl) -> None:
    registry = ModemRegistry()
    urls = lambda: [x["port_url"] for x in ctl.get("/api/modems") if x["online"]]  # noqa: E731
    events = Events()
    w = _worker(net, "center", events, resolver=make_resolver(registry, urls, config=fast_config(), timeout=0.5))
    try:
        registry.bind(w.info)
        imei, old_url = w.info.imei, w.info.port_url
        mark = events.mark()
        ctl.post("/api/modems/center/unplug")
        new_url = ctl.post("/api/modems/center/replug", {"new_port": True})["port_url"]
        events.wait_for(lambda e: isinstance(e, StateChanged) and e.state == ModemState.ONLINE, timeout=15, since=mark)
        assert new_url != old_url
        info = w.submit(GetInfo()).result(timeout=5)
        assert info.imei == imei and info.port_url == new_url
        assert registry.port_for(imei) == new_url
    finally:
        assert w.stop(2.0)


# ---------------------------------------------------------------------------------------------
# Workers
# ---------------------------------------------------------------------------------------------


def test_several_workers_shut_down_within_two_seconds(net: SimNetwork, ctl: Ctl) -> None:
    ids = ["center", "sender", "hwc", "chip"]
    events = {i: Events() for i in ids}
    workers = [_worker(net, i, events[i], config={"ussd_timeout": 30.0}) for i in ids]
    try:
        infos = [w.submit(GetInfo()).result(timeout=5) for w in workers]
        assert [i.imei for i in infos] == [vm(net, i).imei for i in ids]
        ctl.fault("chip", "ussd_silent")
        in_flight = workers[-1].submit(Ussd(STOCK))
        queued = workers[-1].submit(GetSignal())
        wait_until(lambda: ctl.ussd_log("chip"), what="USSD in flight")
        t0 = time.monotonic()
        assert shutdown_all(workers, timeout=2.0)
        assert time.monotonic() - t0 < 2.5
        with pytest.raises((WorkerStopped, Exception)) as exc:
            in_flight.result(timeout=1)
        assert isinstance(exc.value, WorkerStopped)
        assert queued.cancelled() or isinstance(queued.exception(timeout=1), WorkerStopped)
        assert not any(w.isRunning() for w in workers)
        wait_until(lambda: not any(x["connected"] for x in ctl.get("/api/modems")), what="ports closed")
        late = workers[0].submit(GetSignal())
        assert isinstance(late.exception(timeout=1), WorkerStopped)
    finally:
        shutdown_all(workers, timeout=2.0)


def test_worker_events_come_from_its_thread_and_confirm_deletes(net: SimNetwork, ctl: Ctl) -> None:
    events = Events()
    w = _worker(net, "center", events)
    try:
        ctl.sms(CUSTOMER, CENTER, "REG.Budi.Jakarta")
        ev = events.wait_for(lambda e: isinstance(e, SmsReceived))
        assert isinstance(ev, SmsReceived) and ev.sms.text == "REG.Budi.Jakarta"
        assert threading.get_ident() not in events.threads and len(events.threads) == 1
        assert ctl.store_used("center") == 1
        ev.confirm()  # from the test (engine) thread
        wait_until(lambda: ctl.store_used("center") == 0, what="deleted after confirm from another thread")
        sent = w.submit(SendSms(CUSTOMER, "Registrasi berhasil")).result(timeout=5)
        assert sent.ok
        wait_until(lambda: ctl.inbox(CUSTOMER), what="reply arrives")
    finally:
        assert w.stop(2.0)


# ---------------------------------------------------------------------------------------------
# More of the network's behaviour: fragments, stale bytes, busy SIM, reboot banner, no service,
# delivery reports, a lost multipart part
# ---------------------------------------------------------------------------------------------


def test_fragmented_output_and_stale_bytes_at_connect(net: SimNetwork, ctl: Ctl, open_modem: OpenModem) -> None:
    ctl.fault("chip", "stale_bytes")  # residual OK / ERROR / junk when the port opens
    ctl.fault("chip", "fragment", max_chunk=3, gap=0.0005)
    immediate_flow(ctl)
    m, events = open_modem("chip")
    assert m.info.imei == vm(net, "chip").imei and m.info.iccid == vm(net, "chip").iccid
    result = m.ussd(TOPUP)
    assert result.outcome == UssdOutcome.DONE and SN_RE.search(result.text), result
    ctl.sms(CUSTOMER, ctl.modem("chip")["msisdn"], LONG_EMOJI)
    ev = pump_until(m, lambda: received(events), timeout=10, what="fragmented SMS")[0]
    assert ev.sms.text == LONG_EMOJI


def test_busy_sim_refusing_the_ussd_means_it_was_not_sent(open_modem: OpenModem, ctl: Ctl) -> None:
    m, _ = open_modem("chip")
    ctl.fault("chip", "cme_busy", count=2, code=14)  # the AT+CUSD=2 clear, then the request itself
    result = m.ussd(TOPUP)
    assert result.outcome == UssdOutcome.FAILED and not result.sent, result
    assert ctl.ussd_log("chip") == []  # never reached the network: the engine may retry
    assert m.get_signal().rssi == 20  # busy is over; queries retried on CME 14 anyway


def test_simcom_reset_reboots_with_banner_and_comes_back(net: SimNetwork, ctl: Ctl) -> None:
    events = Events()
    w = _worker(net, "sender", events)
    try:
        imei = w.info.imei
        info = w.submit(Reset()).result(timeout=10)
        assert info.imei == imei
        details = ctl.modem("sender")
        assert details["echo"] is False and details["cnmi"][:2] == [2, 1]  # init ran after the reboot
        ctl.sms(CUSTOMER, details["msisdn"], "setelah reboot")
        ev = events.wait_for(lambda e: isinstance(e, SmsReceived) and e.sms.text == "setelah reboot")
        assert isinstance(ev, SmsReceived)
        ev.confirm()
        wait_until(lambda: ctl.store_used("sender") == 0, what="deleted")
        assert w.state == ModemState.ONLINE
    finally:
        assert w.stop(2.0)


def test_no_network_send_fails_clearly_and_modem_stays_usable(open_modem: OpenModem, ctl: Ctl) -> None:
    m, _ = open_modem("center")
    ctl.fault("center", "no_network")
    result = m.send_sms(CUSTOMER, "tidak ada sinyal")
    assert not result.ok and result.parts[0].error and "331" in result.parts[0].error
    assert m.get_status().registration == Registration.NOT_REGISTERED
    ctl.clear("center", "no_network")
    assert m.send_sms(CUSTOMER, "sinyal kembali").ok
    got = wait_until(lambda: ctl.inbox(CUSTOMER), what="SMS after the network came back")
    assert [s["text"] for s in got] == ["sinyal kembali"]
    assert m.state == ModemState.ONLINE


def test_delivery_report_matches_the_sent_part(open_modem: OpenModem, ctl: Ctl) -> None:
    m, events = open_modem("center")
    result = m.send_sms(CUSTOMER, "dengan laporan", request_report=True)
    assert result.ok
    report = pump_until(m, lambda: events.of(StatusReportReceived), what="status report")[0].report
    assert report.mr == result.parts[0].mr and report.delivered and report.final
    assert report.recipient.endswith(CUSTOMER[1:])
    pump_until(m, lambda: ctl.store_used("center") == 0, what="report deleted from the SIM")


def test_multipart_with_a_lost_part_is_delivered_incomplete(open_modem: OpenModem, ctl: Ctl) -> None:
    m, events = open_modem("center", multipart_timeout=1.0)
    ctl.fault("center", "multipart_disorder", drop=True)
    parts = ctl.sms(CUSTOMER, CENTER, LONG_GSM7)["parts"]
    ev = pump_until(m, lambda: received(events), timeout=5, what="incomplete multipart")[0]
    assert not ev.sms.complete and ev.sms.total_parts == parts
    assert len(ev.sms.parts_present) == parts - 1
    assert 0 < len(ev.sms.text) < len(LONG_GSM7)
    assert ev.sms.text[:12] in LONG_GSM7 and ev.sms.text[-12:] in LONG_GSM7  # what exists, decoded
    ev.confirm()
    pump_until(m, lambda: ctl.store_used("center") == 0, what="parts deleted")


def test_followup_sms_overtaking_the_ussd_answer(open_modem: OpenModem, ctl: Ctl) -> None:
    """+CMTI between OK and +CUSD: the SMS goes to the SMS path, the session keeps waiting."""
    ctl.post("/api/operators/TSEL", {"followup": "before_ack"})
    m, events = open_modem("chip")
    result = m.ussd(TOPUP)
    assert result.outcome == UssdOutcome.DONE and "diterima" in result.text, result
    ev = pump_until(m, lambda: received(events), what="follow-up SMS")[0]
    assert ev.sms.sender == "TSEL-SIM" and SN_RE.search(ev.sms.text)


def test_sms_sent_while_unplugged_arrives_after_replug(net: SimNetwork, ctl: Ctl) -> None:
    events = Events()
    w = _worker(net, "center", events)
    try:
        mark = events.mark()
        ctl.post("/api/modems/center/unplug")
        events.wait_for(lambda e: isinstance(e, StateChanged) and e.state == ModemState.OFFLINE, since=mark)
        ctl.sms(CUSTOMER, CENTER, "dikirim saat modem dicabut")
        wait_until(lambda: ctl.modem("center")["store"]["backlog"] == 1, what="held by the network")
        mark = events.mark()
        ctl.post("/api/modems/center/replug")
        events.wait_for(lambda e: isinstance(e, StateChanged) and e.state == ModemState.ONLINE, timeout=10, since=mark)
        ev = events.wait_for(lambda e: isinstance(e, SmsReceived), timeout=5, since=mark)
        assert isinstance(ev, SmsReceived) and ev.sms.text == "dikirim saat modem dicabut"
    finally:
        assert w.stop(2.0)


class _Seen(logging.Handler):
    """Sets an event when the driver logs a line containing ``needle`` (a condition, not a sleep)."""

    def __init__(self, needle: str) -> None:
        super().__init__(logging.DEBUG)
        self.needle = needle
        self.event = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.needle in record.getMessage():
            self.event.set()


def test_unplug_mid_sms_send_reports_an_error_then_recovers(net: SimNetwork, ctl: Ctl) -> None:
    ctl.post("/api/modems/center", {"send_delay": 1.0})  # the network takes its time to accept
    events = Events()
    w = _worker(net, "center", events)
    seen = _Seen("<pdu")
    at_log = logging.getLogger("modems.at")
    old_level = at_log.level
    at_log.setLevel(logging.DEBUG)
    at_log.addHandler(seen)
    try:
        fut = w.submit(SendSms(CUSTOMER, "terputus di tengah jalan"))
        assert seen.event.wait(5), "the PDU was never written"
        mark = events.mark()
        ctl.post("/api/modems/center/unplug")
        # the part was in the modem when the line went: its fate is unknown. The driver must say so
        # (an exception, which the engine treats as "unknown"), never "ok" and never a clean
        # "not sent" that would invite a resend on another route
        try:
            result = fut.result(timeout=5)
        except AtError as exc:
            assert "center" in str(exc), exc
        else:
            assert not result.ok and result.parts[0].error and "unknown" in result.parts[0].error, result
        events.wait_for(lambda e: isinstance(e, StateChanged) and e.state == ModemState.OFFLINE, since=mark)
        ctl.post("/api/modems/center/replug")
        events.wait_for(lambda e: isinstance(e, StateChanged) and e.state == ModemState.ONLINE, timeout=10, since=mark)
        # here the virtual network did accept it before the line went: from the driver's side the
        # outcome of that part is not knowable, which is why it must be an error, never an "ok"
        assert len(ctl.get("/api/modems/center/sent")) <= 1
    finally:
        at_log.removeHandler(seen)
        at_log.setLevel(old_level)
        assert w.stop(2.0)
