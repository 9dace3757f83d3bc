"""Driver logic on a scripted port with a fake clock (timeouts pass instantly, no sleeps).

End-to-end runs over real sockets against the virtual network are in test_driver_sim.py.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

from modems import driver as driver_mod
from modems import pdu
from modems.driver import Modem, ModemConfig, default_ussd_secrets, normalise_iccid
from modems.types import (
    SmsReceived,
    StatusReportReceived,
    UssdNotification,
    UssdOutcome,
)
from tests.modems.conftest import FakeClock, ScriptedPort

OK = b"\r\nOK\r\n"


class ScriptedModem(ScriptedPort):
    """Answers OK to any AT command not in the script; identity of a generic modem."""

    def __init__(self, clock: FakeClock, manufacturer: str = "SIMULATED", model: str = "GENERIC") -> None:
        super().__init__(clock)
        self.sent: list[str] = []
        self.store: dict[int, str] = {}
        self.script.update({
            b"AT+CGMI": f"\r\n{manufacturer}\r\n".encode() + OK,
            b"AT+CGMM": f"\r\n{model}\r\n".encode() + OK,
            b"AT+CGSN": b"\r\n356938035643809\r\n" + OK,
            b"AT+CIMI": b"\r\n510101234567890\r\n" + OK,
            b"AT+CCID": b"\r\nERROR\r\n",
            b"AT+QCCID": b"\r\nERROR\r\n",
            b"AT^ICCID?": b"\r\nERROR\r\n",
            b"AT+ICCID": b"\r\nERROR\r\n",
            b"AT+CICCID": b"\r\nERROR\r\n",
            b"AT+CRSM=176,12258,0,0,10": b'\r\n+CRSM: 144,0,"98260110000000000071"\r\n' + OK,
            b"AT+CPIN?": b"\r\n+CPIN: READY\r\n" + OK,
            b"AT+CSQ": b"\r\n+CSQ: 14,99\r\n" + OK,
            b"AT+COPS?": b'\r\n+COPS: 0,0,"TELKOMSEL",2\r\n' + OK,
            b"AT+CREG?": b"\r\n+CREG: 0,1\r\n" + OK,
            b"AT+CPMS?": b'\r\n+CPMS: "SM",1,30,"SM",1,30,"SM",1,30\r\n' + OK,
            b"AT+CMGL=4": self._cmgl,
        })

    def _cmgl(self) -> bytes:
        body = b"".join(f"\r\n+CMGL: {i},0,,{len(p) // 2 - 1}\r\n{p}".encode() for i, p in sorted(self.store.items()))
        return body + b"\r\n" + OK

    def write(self, data: bytes) -> int:
        for line in data.replace(b"\x1a", b"\r").split(b"\r"):
            line = line.strip(b"\x1b\n ")
            if not line:
                continue
            text = line.decode("latin-1")
            self.sent.append(text)
            if line in self.script:
                answer = self.script[line]
                self.feed(answer() if callable(answer) else answer)
            elif text.startswith("AT+CMGR="):
                i = int(text.split("=")[1])
                p = self.store.get(i)
                self.feed(f"\r\n+CMGR: 0,,{len(p) // 2 - 1}\r\n{p}\r\n".encode() + OK if p
                          else b"\r\n+CMS ERROR: 321\r\n")
            elif text.startswith("AT+CMGD="):
                self.store.pop(int(text.split("=")[1]), None)
                self.feed(OK)
            elif text.startswith("AT"):
                self.feed(OK)
        return len(data)


@pytest.fixture
def sm(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> ScriptedModem:
    port = ScriptedModem(clock)
    monkeypatch.setattr(driver_mod, "open_port", lambda url, config: port)
    return port


def make_modem(clock: FakeClock, events: list | None = None, **cfg) -> Modem:
    config = ModemConfig(sweep_interval=3600, health_interval=3600, liveness_idle=3600, **cfg)
    m = Modem("socket://scripted", config, modem_id="t", on_event=(events.append if events is not None else None),
              clock=clock)
    m.open()
    return m


# -- identity and init -----------------------------------------------------------------------


def test_init_identity_with_crsm_iccid_fallback(sm: ScriptedModem, clock: FakeClock) -> None:
    m = make_modem(clock)
    assert m.info.imei == "356938035643809"
    assert m.info.imsi == "510101234567890"
    assert m.info.iccid == "89621001000000000017"
    assert m.profile.name == "generic"
    # section 4 order: ATZ before ATE0, CMGF=0 (PDU), CNMI for +CMTI/+CDSI, the sweep
    assert sm.sent.index("ATZ") < sm.sent.index("ATE0") < sm.sent.index("AT+CMGF=0")
    assert "AT+CNMI=2,1,0,2,0" in sm.sent and 'AT+CSCS="GSM"' in sm.sent
    assert m.operator == "TELKOMSEL" and m.registration.registered and m.signal.bars == 3


def test_optional_commands_may_fail(sm: ScriptedModem, clock: FakeClock) -> None:
    for cmd in (b"ATZ", b"AT+CMEE=1", b'AT+CSCS="GSM"', b"AT+CNMI=2,1,0,2,0", b"AT+CFUN?"):
        sm.script[cmd] = b"\r\nCOMMAND NOT SUPPORT\r\n"
    m = make_modem(clock)
    assert "AT+CMEE=2" in sm.sent and "AT+CNMI=2,1,0,1,0" in sm.sent
    assert m.info.imei


def test_huawei_profile_packs_ussd(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    port = ScriptedModem(clock, "huawei", "E173")
    port.script[b"AT^USSDMODE=0"] = b"\r\nCOMMAND NOT SUPPORT\r\n"
    port.script[b'AT+CUSD=1,"AA180C3602",15'] = OK + b'\r\n+CUSD: 0,"C8329BFD06",15\r\n'
    monkeypatch.setattr(driver_mod, "open_port", lambda url, config: port)
    m = make_modem(clock)
    assert m.profile.name == "huawei" and "AT^CURC=0" in port.sent
    r = m.ussd("*100#")
    assert r.outcome == UssdOutcome.DONE and r.text == "Hello" and r.mode == "gsm7-hex"


def test_sim_pin_entered_once_and_never_logged(sm: ScriptedModem, clock: FakeClock,
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    state = {"locked": True}
    sm.script[b"AT+CPIN?"] = lambda: b"\r\n+CPIN: SIM PIN\r\n" + OK if state["locked"] else b"\r\n+CPIN: READY\r\n" + OK
    sm.script[b'AT+CPIN="8642"'] = lambda: (state.update(locked=False), OK)[1]
    make_modem(clock, pin="8642")
    assert sm.sent.count('AT+CPIN="8642"') == 1
    assert "8642" not in caplog.text


@pytest.mark.parametrize("raw, expected", [
    ("+CCID: 8962100100000000017", "8962100100000000017"),
    ('^ICCID: "98260110000000000071"', "89621001000000000017"),
    ("89621001000000000170F", "89621001000000000170"),
    ("ERROR", ""),
])
def test_normalise_iccid(raw: str, expected: str) -> None:
    assert normalise_iccid(raw) == expected


def test_default_secret_guess() -> None:
    assert default_ussd_secrets("*777*081389092678*10*1234#") == ("1234",)
    assert default_ussd_secrets("*888#") == ()


# -- USSD -----------------------------------------------------------------------------------------

CODE = "*777*081389092678*10*1234#"
CMD = b'AT+CUSD=1,"*777*081389092678*10*1234#",15'


def test_ussd_cusd_after_ok_and_cancel_first(sm: ScriptedModem, clock: FakeClock) -> None:
    sm.script[CMD] = OK + b'\r\n+CUSD: 0,"Transaksi sedang diproses",15\r\n'
    m = make_modem(clock)
    r = m.ussd(CODE, secrets=("1234",))
    assert r.outcome == UssdOutcome.DONE and r.text == "Transaksi sedang diproses"
    assert r.request == "*777*081389092678*10*****#"
    assert r.raw == ('+CUSD: 0,"Transaksi sedang diproses",15',)
    i = sm.sent.index(CMD.decode())
    assert sm.sent[i - 1] == "AT+CUSD=2"


def test_ussd_cusd_before_ok(sm: ScriptedModem, clock: FakeClock) -> None:
    sm.script[CMD] = b'\r\n+CUSD: 0,"Sukses",15\r\n' + OK
    assert make_modem(clock).ussd(CODE).text == "Sukses"


def test_ussd_menu_with_replies_and_crlf_in_quotes(sm: ScriptedModem, clock: FakeClock) -> None:
    sm.script[CMD] = OK + b'\r\n+CUSD: 1,"Isi pulsa 10 ke 081389092678?\r\n1.Ya\r\n2.Tidak",15\r\n'
    sm.script[b'AT+CUSD=1,"1",15'] = OK + b'\r\n+CUSD: 0,"Transaksi Anda sedang diproses",15\r\n'
    m = make_modem(clock)
    menu = m.ussd(CODE, keep_open=True)
    assert menu.outcome == UssdOutcome.MENU and "1.Ya\r\n2.Tidak" in menu.text and menu.session_open
    done = m.ussd_reply("1")
    assert done.outcome == UssdOutcome.DONE
    r = m.ussd(CODE, replies=("1",))
    assert r.outcome == UssdOutcome.DONE and len(r.raw) == 1


def test_ussd_menu_left_open_is_cancelled(sm: ScriptedModem, clock: FakeClock) -> None:
    sm.script[CMD] = OK + b'\r\n+CUSD: 1,"Pilih 1.Ya",15\r\n'
    m = make_modem(clock)
    r = m.ussd(CODE)
    assert r.outcome == UssdOutcome.MENU and not r.session_open
    assert sm.sent[-1] == "AT+CUSD=2"


def test_ussd_extra_release_then_real_answer(sm: ScriptedModem, clock: FakeClock) -> None:
    sm.script[CMD] = OK + b'\r\n+CUSD: 2,"Initiating Release",15\r\n\r\n+CUSD: 0,"Saldo Rp 5000",15\r\n'
    r = make_modem(clock).ussd(CODE)
    assert r.outcome == UssdOutcome.DONE and r.text == "Saldo Rp 5000" and len(r.raw) == 2


def test_ussd_status2_with_text_after_grace(sm: ScriptedModem, clock: FakeClock) -> None:
    sm.script[CMD] = OK + b'\r\n+CUSD: 2,"Maaf, permintaan Anda tidak dapat kami proses",0\r\n'
    t0 = clock()
    r = make_modem(clock).ussd(CODE)
    assert r.outcome == UssdOutcome.DONE and r.text.startswith("Maaf")
    assert clock() - t0 >= 2.0


@pytest.mark.parametrize("status, outcome", [(4, UssdOutcome.FAILED), (5, UssdOutcome.UNKNOWN),
                                             (6, UssdOutcome.UNKNOWN), (3, UssdOutcome.UNKNOWN)])
def test_ussd_status_only(sm: ScriptedModem, clock: FakeClock, status: int, outcome: UssdOutcome) -> None:
    sm.script[CMD] = OK + f"\r\n+CUSD: {status}\r\n".encode()
    r = make_modem(clock).ussd(CODE)
    assert r.outcome == outcome and r.status == status


def test_ussd_late_cme_is_unknown_and_not_retried(sm: ScriptedModem, clock: FakeClock) -> None:
    sm.script[CMD] = OK + b"\r\n+CME ERROR: 258\r\n"
    m = make_modem(clock)
    r = m.ussd(CODE)
    assert r.outcome == UssdOutcome.UNKNOWN and r.error == "+CME ERROR: 258"
    assert sm.sent.count(CMD.decode()) == 1
    assert sm.sent[-1] == "AT+CUSD=2"


def test_ussd_no_answer_times_out_unknown(sm: ScriptedModem, clock: FakeClock) -> None:
    sm.script[CMD] = OK
    m = make_modem(clock)
    t0 = clock()
    r = m.ussd(CODE)
    assert r.outcome == UssdOutcome.UNKNOWN and r.error == "timeout"
    assert 30 <= clock() - t0 < 45
    assert sm.sent.count(CMD.decode()) == 1 and sm.sent[-1] == "AT+CUSD=2"


def test_ussd_refused_by_modem_was_not_sent(sm: ScriptedModem, clock: FakeClock) -> None:
    sm.script[CMD] = b"\r\n+CME ERROR: 14\r\n"
    r = make_modem(clock).ussd(CODE)
    assert r.outcome == UssdOutcome.FAILED and not r.sent and r.error == "+CME ERROR: 14"


def test_ussd_cmti_mid_session_goes_to_sms_path(sm: ScriptedModem, clock: FakeClock) -> None:
    sm.store[3] = pdu.encode_deliver("+628111", "SN 1234567890")[0]
    sm.script[CMD] = OK + b'\r\n+CMTI: "SM",3\r\n\r\n+CUSD: 0,"Diproses",15\r\n'
    events: list = []
    m = make_modem(clock, events)
    events.clear()
    assert m.ussd(CODE).text == "Diproses"
    m.service()
    sms = [e for e in events if isinstance(e, SmsReceived)]
    assert len(sms) == 1 and sms[0].sms.text == "SN 1234567890"


def test_ussd_auto_mode_learns_text(sm: ScriptedModem, clock: FakeClock) -> None:
    m = make_modem(clock)
    sm.script[CMD] = OK + b'\r\n+CUSD: 0,"Saldo anda Rp 1000",15\r\n'
    m.ussd(CODE)
    assert m.ussd_learned == "text"
    sm.script[CMD] = OK + b'\r\n+CUSD: 0,"081234567890",15\r\n'  # all digits: must stay text
    assert m.ussd(CODE).text == "081234567890"


def test_unsolicited_cusd_is_an_event(sm: ScriptedModem, clock: FakeClock) -> None:
    events: list = []
    m = make_modem(clock, events)
    sm.feed(b'\r\n+CUSD: 0,"Promo hari ini",15\r\n')
    m.poll(0.1)
    ev = [e for e in events if isinstance(e, UssdNotification)]
    assert ev and ev[0].result.text == "Promo hari ini"


def test_pin_never_logged_during_ussd(sm: ScriptedModem, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    cmd = b'AT+CUSD=1,"*777*081389092678*10*9753#",15'
    sm.script[cmd] = cmd + b"\r\r\n" + OK + b'\r\n+CUSD: 0,"ok",15\r\n'
    r = make_modem(clock).ussd("*777*081389092678*10*9753#", secrets=("9753",))
    assert r.outcome == UssdOutcome.DONE
    assert "9753" not in caplog.text


# -- SMS -----------------------------------------------------------------------------------------


def test_send_long_sms_records_each_mr_and_rotates_ref(sm: ScriptedModem, clock: FakeClock) -> None:
    mrs = iter(range(40, 60))
    m = make_modem(clock, concat_ref_start=200)

    def on_write(data: bytes) -> None:
        pass

    orig = sm.write

    def write(data: bytes) -> int:
        text = data.decode("latin-1")
        if text.startswith("AT+CMGS="):
            sm.sent.append(text.strip())
            sm.feed(b"\r\n> ")
            return len(data)
        if data.endswith(b"\x1a"):
            sm.sent.append("<pdu>")
            sm.feed(f"\r\n+CMGS: {next(mrs)}\r\n".encode() + OK)
            return len(data)
        return orig(data)

    sm.write = write  # type: ignore[method-assign]
    r = m.send_sms("+6281234567890", "x" * 200)
    assert r.ok and [p.mr for p in r.parts] == [40, 41] and r.concat_ref == 200
    assert "AT+CMMS=2" in sm.sent
    r2 = m.send_sms("+6281234567890", "y" * 200)
    assert r2.concat_ref == 201
    assert m.send_sms("+6281234567890", "short").concat_ref is None


def test_send_sms_error_is_reported_per_part(sm: ScriptedModem, clock: FakeClock) -> None:
    m = make_modem(clock)
    parts = pdu.encode_submit("+6281234567890", "z" * 200, ref=m.next_concat_ref)
    sm.script[f"AT+CMGS={parts[0].tpdu_length}".encode()] = b"\r\n+CMS ERROR: 331\r\n"
    r = m.send_sms("+6281234567890", "z" * 200)
    assert not r.ok and r.parts[0].error == "+CMS ERROR: 331" and r.parts[1].error.startswith("not sent")


def test_multipart_reassembly_out_of_order_with_duplicate(sm: ScriptedModem, clock: FakeClock) -> None:
    parts = pdu.encode_deliver("+628777", "A" * 160 + "B" * 100, concat_ref=77)
    events: list = []
    m = make_modem(clock, events)
    sm.store.update({5: parts[1], 6: parts[1], 7: parts[0]})
    for i in (5, 6, 7):
        sm.feed(f'\r\n+CMTI: "SM",{i}\r\n'.encode())
    m.poll(0.1)
    got = [e for e in events if isinstance(e, SmsReceived)]
    assert len(got) == 1
    sms = got[0].sms
    assert sms.text == "A" * 160 + "B" * 100 and sms.complete and sms.total_parts == 2 and sms.concat_ref == 77
    assert set(sm.store) == {5, 6, 7}
    got[0].confirm()
    m.service()
    assert sm.store == {}


def test_multipart_timeout_delivers_incomplete(sm: ScriptedModem, clock: FakeClock) -> None:
    parts = pdu.encode_deliver("+628777", "C" * 300, concat_ref=9)
    events: list = []
    m = make_modem(clock, events, multipart_timeout=5.0)
    sm.store[1] = parts[0]
    sm.feed(b'\r\n+CMTI: "SM",1\r\n')
    m.poll(0.1)
    assert not [e for e in events if isinstance(e, SmsReceived)]
    m.poll(6.0)
    got = [e for e in events if isinstance(e, SmsReceived)]
    assert len(got) == 1 and not got[0].sms.complete and got[0].sms.parts_present == (1,)


def test_dedupe_key_stable_and_duplicate_deleted_after_confirm(sm: ScriptedModem, clock: FakeClock) -> None:
    p = pdu.encode_deliver("+628555", "halo", datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=7))))[0]
    events: list = []
    m = make_modem(clock, events)
    sm.store[1] = p
    sm.feed(b'\r\n+CMTI: "SM",1\r\n')
    m.poll(0.1)
    first = [e for e in events if isinstance(e, SmsReceived)][0]
    first.confirm()
    m.service()
    sm.store[2] = p  # the network delivers the same message again
    sm.feed(b'\r\n+CMTI: "SM",2\r\n')
    m.poll(0.1)
    assert len([e for e in events if isinstance(e, SmsReceived)]) == 1
    assert sm.store == {}
    assert len(first.sms.dedupe_key) == 40


def test_sweep_finds_messages_missed_by_cmti(sm: ScriptedModem, clock: FakeClock) -> None:
    events: list = []
    sm.store[4] = pdu.encode_deliver("+628999", "sebelum online")[0]
    make_modem(clock, events).service()
    assert [e.sms.text for e in events if isinstance(e, SmsReceived)] == ["sebelum online"]


def test_unconfirmed_sms_is_offered_again(sm: ScriptedModem, clock: FakeClock) -> None:
    events: list = []
    sm.store[4] = pdu.encode_deliver("+628999", "x")[0]
    m = make_modem(clock, events, confirm_timeout=10.0)
    m.service()
    m.check_inbox()
    assert len([e for e in events if isinstance(e, SmsReceived)]) == 1
    clock.advance(11)
    m.check_inbox()
    assert len([e for e in events if isinstance(e, SmsReceived)]) == 2


def test_status_report_event_then_delete(sm: ScriptedModem, clock: FakeClock) -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=7)))
    sm.store[2] = pdu.encode_status_report(41, "+6281234567890", now, now, 0)
    events: list = []
    m = make_modem(clock, events)
    sm.feed(b'\r\n+CDSI: "SM",2\r\n')
    m.poll(0.1)
    rep = [e for e in events if isinstance(e, StatusReportReceived)]
    assert rep and rep[0].report.mr == 41 and rep[0].report.delivered
    assert 2 not in sm.store


def test_undecodable_pdu_is_handed_up_raw(sm: ScriptedModem, clock: FakeClock) -> None:
    events: list = []
    m = make_modem(clock, events)
    sm.store[1] = "0004FF"
    sm.feed(b'\r\n+CMTI: "SM",1\r\n')
    m.poll(0.1)
    got = [e for e in events if isinstance(e, SmsReceived)]
    assert got and got[0].sms.error and got[0].sms.raw_pdus == ("0004FF",)


def test_non_utf8_noise_does_not_break_commands(sm: ScriptedModem, clock: FakeClock) -> None:
    m = make_modem(clock)
    sm.feed(b"\r\n\xff\xfe\xe9garbage\"\r\n")
    assert m.get_signal().rssi == 14
