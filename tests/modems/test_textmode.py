"""Text-mode SMS parsing and the TE character sets, on the shapes of public captures.

Header lines re-typed from Gammu (gammu/gammu, GPLv2), one line each, with their file:
tests/at-sms-txt-detail/{sample2,m2m,unsent}.dump, tests/at-sms-txt/{motorola-l7,timezone}.dump.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from modems import charsets, pdu, textmode
from modems.textmode import TextEntry


def cmgr(*lines: str) -> TextEntry:
    entry = textmode.entry_from_cmgr(list(lines))
    assert entry is not None
    return entry


def test_received_with_header_details():  # tests/at-sms-txt-detail/sample2.dump
    e = cmgr('+CMGR: "REC READ","+85291234567",,"07/02/18,00:05:10+32",145,4,0,0,"+85290000000",145,49',
             "It is easy to read text messages via AT commands.")
    msg = textmode.parse_message(e, "IRA")
    assert isinstance(msg, pdu.SmsDeliver) and e.stat == 1
    assert msg.sender == "+85291234567" and msg.dcs == 0 and msg.smsc == "+85290000000"
    assert msg.scts.year == 2007 and msg.scts.utcoffset() == timedelta(hours=8)
    assert msg.text == "It is easy to read text messages via AT commands."


def test_received_national_number_and_class_dcs():  # tests/at-sms-txt-detail/m2m.dump
    e = cmgr('+CMGR: "REC READ","3473065111",,"06/05/28,18:15:41+80",129,17,0,18,"+393492001157",145,6', "hello.")
    msg = textmode.parse_message(e, "GSM")
    assert msg.sender == "3473065111" and msg.dcs == 18 and msg.text == "hello."


def test_stored_unsent():  # tests/at-sms-txt-detail/unsent.dump
    e = cmgr('+CMGR: "STO UNSENT","+10011",,145,17,0,0,167,"+8613800100500",145,4', "Hello World")
    msg = textmode.parse_message(e, "GSM")
    assert e.stat == 2 and isinstance(msg, pdu.SmsSubmit) and msg.to == "+10011" and msg.text == "Hello World"


def test_motorola_without_alpha_field():  # tests/at-sms-txt/motorola-l7.dump
    e = cmgr('+CMGR: "REC READ", "+4123456789132", "2009/8/18,19:11:45"', "Hoewfliepl jookfotu")
    msg = textmode.parse_message(e, "IRA")
    assert msg.sender == "+4123456789132" and (msg.scts.year, msg.scts.month, msg.scts.day) == (2009, 8, 18)


def test_body_over_several_lines_and_plain_header():  # tests/at-sms-txt/timezone.dump shape
    e = cmgr('+CMGR: "REC READ","+31625044454",,"07/07/05,09:56:03+08"', "Test message 2", "second line")
    msg = textmode.parse_message(e, "IRA")
    assert msg.text == "Test message 2\nsecond line" and msg.scts.utcoffset() == timedelta(hours=2)


def test_ucs2_body_by_dcs_and_by_guess():
    hexed = "Sukses 😀".encode("utf-16-be").hex().upper()
    e = cmgr('+CMGR: "REC UNREAD","+6281234567890",,"24/05/01,10:00:00+28",145,4,0,8,"+6281100000",145,20', hexed)
    assert textmode.parse_message(e, "IRA").text == "Sukses 😀"
    e = cmgr('+CMGR: "REC UNREAD","+6281234567890",,"24/05/01,10:00:00+28"', hexed)  # no AT+CSDH
    assert textmode.parse_message(e, "IRA").text == "Sukses 😀"
    e = cmgr('+CMGR: "REC UNREAD","+6281234567890",,"24/05/01,10:00:00+28"', "BEEF")  # hex-looking text
    assert textmode.parse_message(e, "IRA").text == "BEEF"


def test_ucs2_charset_addresses_and_bodies():
    number, text = charsets.encode("+6281234567890", "UCS2"), charsets.encode("OK", "UCS2")
    e = cmgr(f'+CMGR: "REC UNREAD","{number}",,"24/05/01,10:00:00+28"', text)
    msg = textmode.parse_message(e, "UCS2")
    assert msg.sender == "+6281234567890" and msg.text == "OK"


def test_status_report_and_cmt_and_listing():
    rep = cmgr('+CMGR: "REC UNREAD",6,17,"+6281234567890",145,"24/05/01,10:00:00+28","24/05/01,10:00:05+28",0')
    report = textmode.parse_message(rep, "IRA")
    assert isinstance(report, pdu.StatusReport) and (report.mr, report.status) == (17, 0)
    cds = textmode.parse_message(textmode.entry_from_cds(
        '+CDS: 6,18,"+6281234567890",145,"24/05/01,10:00:00+28","24/05/01,10:00:05+28",70'), "IRA")
    assert isinstance(cds, pdu.StatusReport) and cds.mr == 18 and not cds.delivered
    cmt = textmode.entry_from_cmt('+CMT: "+6281234567890",,"24/05/01,10:00:00+28"', ("Halo",))
    assert textmode.parse_message(cmt, "IRA").text == "Halo"
    listing = textmode.entries_from_cmgl([
        '+CMGL: 1,"REC READ","+6281234567890",,"24/05/01,10:00:00+28"', "satu", "dua",
        '+CMGL: 3,"STO SENT","081234",,', "tiga",
    ])
    assert [(i, e.stat, e.body) for i, e in listing] == [(1, 1, "satu\ndua"), (3, 3, "tiga")]


def test_nonsense_is_a_pdu_error():
    with pytest.raises(pdu.PduError):
        textmode.parse_message(TextEntry(0, [], "", "+CMGR: "), "IRA")


def test_split_for_text_mode():
    assert [len(p.text) for p in textmode.split_for_text_mode("x" * 160)] == [160]
    parts = textmode.split_for_text_mode(("kata " * 70).strip())
    assert all(len(p.text) <= 160 for p in parts) and "".join(p.text for p in parts) == ("kata " * 70).strip()
    assert all(p.text.endswith(" ") for p in parts[:-1])  # cut at a space
    emoji = textmode.split_for_text_mode("😀" * 40)
    assert all(p.ucs2 for p in emoji) and [len(p.text) for p in emoji] == [35, 5]  # 70 units, pairs whole
    assert textmode.split_for_text_mode("{}" * 50, ucs2=True)[0].ucs2


@pytest.mark.parametrize("cs", ["GSM", "IRA", "UCS2", "HEX", "PCCP437", "8859-1"])
def test_charsets_round_trip(cs):
    text = "Halo 123 abc"
    assert charsets.decode(charsets.encode(text, cs), cs) == text


def test_charsets_details():
    assert charsets.encode("@", "GSM") == "\x00" and not charsets.can_carry("a@b", "GSM")
    assert not charsets.can_carry("{x}", "GSM")  # ESC at the prompt would cancel the message
    assert charsets.can_carry("{x}", "IRA") and not charsets.can_carry("é", "IRA")
    assert charsets.can_carry("😀", "UCS2") and charsets.encode("A", "UCS2") == "0041"
    assert charsets.encode("é", "IRA") == "?"
    with pytest.raises(ValueError):
        charsets.decode("004", "UCS2")
