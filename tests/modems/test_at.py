"""Byte-level tests of the framer, the line classifier and the command runner."""
from __future__ import annotations

import pytest

from modems.at import (
    PROMPT,
    AtEngine,
    AtTimeout,
    CmeError,
    CmsError,
    Command,
    Framer,
    Line,
    NotSupportedError,
    PlainError,
    PortError,
    Urc,
    error_from_final,
    match_urc,
    parse_final,
)
from tests.modems.conftest import FakeClock, ScriptedPort


def lines(events: list) -> list:
    return [e.raw if isinstance(e, Line) else e for e in events]


# -- framer ------------------------------------------------------------------------------------


def test_split_reads_keep_state() -> None:
    f = Framer()
    out = []
    for chunk in (b"\r\n+CS", b"Q: 20,99\r", b"\n\r", b"\nOK", b"\r\n"):
        out += f.feed(chunk)
    assert lines(out) == [b"+CSQ: 20,99", b"OK"]


def test_doubled_cr_and_leading_escape_dropped() -> None:
    f = Framer()
    assert lines(f.feed(b"\x1b\r\r\nOK\r\r\n\r\n\x00ERROR\r\n")) == [b"OK", b"ERROR"]


def test_crlf_inside_quotes_stays_in_line() -> None:
    f = Framer()
    out = f.feed(b'\r\n+CUSD: 1,"Menu\r\n1.Ya\r\n2.Tidak",15\r\nOK\r\n')
    assert lines(out) == [b'+CUSD: 1,"Menu\r\n1.Ya\r\n2.Tidak",15', b"OK"]


def test_stray_quote_closed_by_size_cap() -> None:
    f = Framer()
    out = f.feed(b'\r\nnoise " here\r\nOK\r\n' + b"x" * 5000 + b"\r\nOK\r\n")
    assert b"OK" in lines(out)
    assert lines(out)[-1] == b"OK"


def test_stray_quote_closed_after_idle() -> None:
    clock = FakeClock()
    f = Framer(clock)
    assert f.feed(b'\r\nbad"byte\r\nOK\r\n') == []
    clock.advance(2.5)
    assert lines(f.tick()) == [b'bad"byte', b"OK"]


def test_prompt_without_line_end_with_and_without_space() -> None:
    for data in (b"\r\n> ", b"\r\n>"):
        f = Framer()
        f.prompt_armed = True
        assert f.feed(data) == [PROMPT]
    f = Framer()
    assert f.feed(b"\r\n> ") == []  # not armed: just a pending fragment


def test_prompt_space_split_from_gt() -> None:
    f = Framer()
    f.prompt_armed = True
    assert f.feed(b"\r\n>") == [PROMPT]
    assert lines(f.feed(b" \r\n+CMGS: 5\r\n")) == [b"+CMGS: 5"]


def test_non_utf8_bytes_survive() -> None:
    f = Framer()
    out = f.feed(b"\r\ncaf\xe9 \xff\xfe\r\nOK\r\n")
    assert out[0].text == "caf\xe9 \xff\xfe"
    assert out[1].text == "OK"


# -- classification ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, kind",
    [("OK", "ok"), ("ERROR", "error"), ("+CME ERROR: 10", "error"), ("+CMS ERROR: 322", "error"),
     ("+EXT ERROR: 1", "error"), ("COMMAND NOT SUPPORT", "error"), ("MODEM ERROR: 3", "error"),
     ("OKAY", None), ("ERRORS here", None), ("OK then", None), ("NO CARRIER", None)],
)
def test_final_codes_are_whole_line(line: str, kind: str | None) -> None:
    assert parse_final(line) == kind


def test_dial_finals() -> None:
    assert parse_final("NO CARRIER", dial=True) == "error"


def test_typed_errors() -> None:
    e = error_from_final("AT+CPIN?", "+CME ERROR: 14")
    assert isinstance(e, CmeError) and e.code == 14
    e = error_from_final("AT+CMGS=1", "+CMS ERROR: 322")
    assert isinstance(e, CmsError) and e.code == 322
    e = error_from_final("AT+X", "+CME ERROR: SIM busy")
    assert isinstance(e, CmeError) and e.code == 14
    assert isinstance(error_from_final("AT^X", "COMMAND NOT SUPPORT"), NotSupportedError)
    assert isinstance(error_from_final("AT", "ERROR"), PlainError)


def test_urc_table() -> None:
    assert match_urc('+CMTI: "SM",3').kind == "cmti"
    assert match_urc('+CDSI: "SR",1').kind == "cdsi"
    assert match_urc("+CMT: ,24").extra_lines == 1
    assert match_urc("+CDS: 25").extra_lines == 1
    assert match_urc("RING").kind == "ring"
    assert match_urc("^RSSI:14").kind == "rssi"
    assert match_urc("RINGO") is None


# -- the engine ----------------------------------------------------------------------------------


def make(port: ScriptedPort) -> tuple[AtEngine, list[Urc]]:
    urcs: list[Urc] = []
    return AtEngine(port, urcs.append, clock=port.clock), urcs


def test_simple_command_with_echo(port: ScriptedPort) -> None:
    port.script[b"AT+CSQ"] = b"AT+CSQ\r\r\n+CSQ: 17,99\r\n\r\nOK\r\n"
    at, _ = make(port)
    r = at.run(Command("AT+CSQ", expect=("+CSQ:",)))
    assert r.lines == ["+CSQ: 17,99"] and r.final == "OK"


def test_residual_ok_does_not_complete_next_command(port: ScriptedPort) -> None:
    port.feed(b"\r\nOK\r\n\r\nERROR\r\n")
    port.script[b"AT+CGSN"] = b"\r\n356938035643809\r\n\r\nOK\r\n"
    at, urcs = make(port)
    r = at.run(Command("AT+CGSN", bare=True))
    assert r.lines == ["356938035643809"]
    assert [u.kind for u in urcs] == ["final", "final"]


def test_urc_cut_out_of_response(port: ScriptedPort) -> None:
    port.script[b"AT+CGSN"] = (
        b"\r\n^RSSI:14\r\n\r\n35693803\r\n\r\n+CMTI: \"SM\",2\r\n\r\n5643809\r\n\r\nOK\r\n"
    )
    at, urcs = make(port)
    r = at.run(Command("AT+CGSN", bare=True))
    assert r.lines == ["35693803", "5643809"]
    assert [u.kind for u in urcs] == ["rssi", "cmti"]


def test_two_line_urc_takes_next_line_whatever_it_looks_like(port: ScriptedPort) -> None:
    port.script[b"AT+CSQ"] = b"\r\n+CMT: ,24\r\nOK\r\n+CSQ: 5,99\r\nOK\r\n"
    at, urcs = make(port)
    r = at.run(Command("AT+CSQ", expect=("+CSQ:",)))
    assert r.lines == ["+CSQ: 5,99"]
    assert urcs[0].kind == "cmt" and urcs[0].extra == ("OK",)


def test_pdu_after_prefix(port: ScriptedPort) -> None:
    port.script[b"AT+CMGL=4"] = b"\r\n+CMGL: 1,0,,5\r\n0011AA\r\n+CMGL: 2,0,,5\r\n0022BB\r\n\r\nOK\r\n"
    at, _ = make(port)
    r = at.run(Command("AT+CMGL=4", expect=("+CMGL:",), pdu_after=True))
    assert r.pairs("+CMGL:") == [("1,0,,5", "0011AA"), ("2,0,,5", "0022BB")]


def test_expected_prefix_beats_urc(port: ScriptedPort) -> None:
    port.script[b"AT+CREG?"] = b"\r\n+CREG: 0,1\r\n\r\nOK\r\n"
    at, urcs = make(port)
    assert at.run(Command("AT+CREG?", expect=("+CREG:",))).lines == ["+CREG: 0,1"]
    assert urcs == []


def test_errors_raise_typed(port: ScriptedPort) -> None:
    port.script[b"AT+CMGR=9"] = b"\r\n+CMS ERROR: 321\r\n"
    at, _ = make(port)
    with pytest.raises(CmsError) as err:
        at.run(Command("AT+CMGR=9"))
    assert err.value.code == 321


def test_prompt_then_pdu(port: ScriptedPort) -> None:
    port.script[b"AT+CMGS=19"] = b"\r\n> "
    port.script[b"0011000D91261832547698F00000A704C830FB0D"] = b"\r\n+CMGS: 17\r\n\r\nOK\r\n"
    at, _ = make(port)
    r = at.run(Command("AT+CMGS=19", expect=("+CMGS:",), data=b"0011000D91261832547698F00000A704C830FB0D"))
    assert r.first("+CMGS:") == "17"
    assert port.written.endswith(b"C830FB0D\x1a")


def test_prompt_missing_times_out_and_escapes(port: ScriptedPort) -> None:
    port.script[b"AT"] = b"\r\nOK\r\n"
    at, _ = make(port)
    with pytest.raises(AtTimeout) as err:
        at.run(Command("AT+CMGS=19", data=b"00", prompt_timeout=1.0))
    assert err.value.resynced
    assert b"\x1b\r" in port.written


def test_timeout_classifies_buffered_bytes_first(port: ScriptedPort, clock: FakeClock) -> None:
    at, _ = make(port)

    def late() -> bytes:
        clock.advance(10)  # the answer lands right at the deadline
        return b"\r\n+CSQ: 9,99\r\nOK\r\n"

    port.script[b"AT+CSQ"] = late
    assert at.run(Command("AT+CSQ", expect=("+CSQ:",), timeout=1.0)).lines == ["+CSQ: 9,99"]


def test_timeout_without_resync(port: ScriptedPort) -> None:
    at, _ = make(port)
    with pytest.raises(AtTimeout) as err:
        at.run(Command("AT+CSQ", timeout=1.0))
    assert not err.value.resynced
    assert port.written.count(b"AT\r") == 3


def test_complete_without_final(port: ScriptedPort) -> None:
    port.script[b"AT+CPIN?"] = b"\r\n+CPIN: READY\r\n"
    at, _ = make(port)
    r = at.run(Command("AT+CPIN?", expect=("+CPIN:",), timeout=5,
                       complete_when=lambda ls: any(x.startswith("+CPIN:") for x in ls)))
    assert r.lines == ["+CPIN: READY"] and r.final == ""


def test_port_error_wrapped() -> None:
    class Broken(ScriptedPort):
        def read(self, size: int = 1) -> bytes:
            raise OSError("gone")

    at, _ = make(Broken())
    with pytest.raises(PortError):
        at.run(Command("AT"))


def test_secrets_never_logged(port: ScriptedPort, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="modems.at")
    port.script[b'AT+CUSD=1,"*777*0812*10*4321#",15'] = b'AT+CUSD=1,"*777*0812*10*4321#",15\r\r\nOK\r\n'
    at, _ = make(port)
    at.run(Command('AT+CUSD=1,"*777*0812*10*4321#",15', secrets=("4321",)))
    assert "4321" not in caplog.text
    assert "*777*0812*10*****#" in caplog.text


def test_late_final_with_nothing_pending_goes_to_urc(port: ScriptedPort) -> None:
    at, urcs = make(port)
    port.feed(b"\r\n+CME ERROR: 258\r\n")
    at.poll(0.1)
    assert urcs[0].kind == "final" and urcs[0].line == "+CME ERROR: 258"


def test_notification_between_header_and_pdu_is_routed(port: ScriptedPort) -> None:
    # Huawei ^RSSI and ZTE +ZEND can fall between a +CMGR/+CMGL header and its PDU (docs/devices.md)
    port.script[b"AT+CMGL=4"] = (b"\r\n+CMGL: 1,0,,5\r\n\r\n+ZEND\r\n0011AA\r\n+CMGL: 2,0,,5\r\n^RSSI: 9\r\n"
                                 b"0022BB\r\n\r\nOK\r\n")
    at, urcs = make(port)
    r = at.run(Command("AT+CMGL=4", expect=("+CMGL:",), pdu_after=True))
    assert r.pairs("+CMGL:") == [("1,0,,5", "0011AA"), ("2,0,,5", "0022BB")]
    assert [u.kind for u in urcs] == ["noise", "rssi"]


def test_family_boot_and_noise_lines() -> None:
    for line, kind in (("RDY", "boot"), ("^SYSSTART", "boot"), ("SMS DONE", "boot"), ("+QIND: SMS DONE", "boot"),
                       ("+QIND: PB DONE", "noise"), ("PB DONE", "noise"), ("+WIND: 4", "noise"),
                       ("+QUSIM: 1", "noise"), ("+ZUSIMR:2", "noise"), ("+ZEND", "noise")):
        spec = match_urc(line)
        assert spec is not None and spec.kind == kind, line


def test_text_mode_cds_is_one_line(port: ScriptedPort) -> None:
    port.script[b"AT+CSQ"] = (b'\r\n+CDS: 6,17,"+6281234567890",145,"24/05/01,10:00:00+28","24/05/01,10:00:05+28",0\r\n'
                              b"+CSQ: 5,99\r\nOK\r\n")
    at, urcs = make(port)
    at.text_mode = True
    assert at.run(Command("AT+CSQ", expect=("+CSQ:",))).lines == ["+CSQ: 5,99"]
    assert urcs[0].kind == "cds" and urcs[0].extra == ()
