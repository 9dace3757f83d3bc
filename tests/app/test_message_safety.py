"""What a reseller's message may leave behind and what it may cost the shop (issue 9): no PIN kept or
logged wherever it was typed, wrong PINs that all count and locks that grow and alert the owner, ASCII
digits only, one-line log records, daily limits on replies nobody's PIN paid for, the shop's own numbers
refused as reseller numbers, amounts bounded. End to end on the demo shop (tests/conftest.py `shop`)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re

import pytest

from app import keyfile, shop_admin
from app.service import Inbound, one_line
from app.supplier_config import SupplierConfig
from storage.models import (AuditLog, Complaint, DepositTicket, InboundMessage, LedgerEntry, Modem, Order,
                            OutboundMessage, Reseller, ResellerAddress, Supplier)

R001, R002 = "081211110001", "081211110002"
NOT_REGISTERED = "Nomor Anda belum terdaftar. Hubungi admin."


def send(shop, text, sender=R001, **kw):
    return shop.handle(Inbound("sms", sender, text, **kw))


def texts(result):
    return [r.text for r in result.replies]


def pin_shaped(pin: str) -> re.Pattern:
    """The PIN as a run of its own, also typed in groups ("12 34", "12-34", "12\\x0034")."""
    return re.compile(r"(?<![0-9])" + r"[\s\-\x00-\x1f\x7f]*".join(pin) + r"(?![0-9])")


def reseller(code: str) -> Reseller:
    return Reseller.get(Reseller.code == code)


def money_state():
    return (dict(Reseller.select(Reseller.code, Reseller.balance).tuples()), LedgerEntry.select().count(),
            Order.select().count(), DepositTicket.select().count())


# --- 1. PINs in stored text and logs ---------------------------------------------------------------

PIN_ELSEWHERE = [
    ("SAL 1234 ya", R001, "1234"),
    ("1234.SAL", R001, "1234"),
    ("TB10.1234.081332123456", R001, "1234"),
    ("S10.081389092678.1234.terima kasih", R001, "1234"),
    ("S10.081389092678.12 34", R001, "1234"),  # accepted as the PIN
    ("S10.081389092678.12-34", R001, "1234"),
    ("tolong cek saldo pin 4321 ya", R002, "4321"),
    ("KOMPLAIN.pin 1234 kok ditolak.1234", R001, "1234"),
    ("INFO.S10 ke 081389092678 belum masuk, PIN saya 1 2 3 4.1234", R001, "1234"),
    ("S10.1234.1234", R001, "1234"),  # the PIN as the destination: the reply names the destination
]


@pytest.mark.parametrize("text,sender,pin", PIN_ELSEWHERE)
def test_the_resellers_pin_is_masked_wherever_it_stands(shop, caplog, text, sender, pin):
    caplog.set_level(logging.DEBUG)
    result = send(shop, text, sender)
    assert "****" in result.stored_text
    shaped = pin_shaped(pin)
    kept = ([m.text for m in InboundMessage.select()] + [c.text for c in Complaint.select()]
            + [o.text for o in OutboundMessage.select()] + [result.stored_text] + texts(result))
    assert not [k for k in kept if shaped.search(k)]
    logged = [r.getMessage() for r in caplog.records if r.name != "peewee"]  # (its SQL echo is never on)
    assert any(f"msg {result.inbound_id} from" in line for line in logged)
    assert not [line for line in logged if shaped.search(line)]


def test_a_complaint_is_kept_without_the_pin_and_still_finds_the_order(shop):
    send(shop, "S10.081389092678.1234")
    reply = texts(send(shop, "KOMPLAIN.S10 ke 081389092678 belum masuk, pin 1234.1234"))[0]
    assert reply.startswith("Komplain #1 diterima. S10 ke 081389092678")
    assert Complaint.get().text == "S10 ke 081389092678 belum masuk,pin ****"  # as normalised


def test_a_number_that_merely_looks_like_a_pin_is_kept(shop):
    """Only the reseller's PIN and what the parser read as one are hidden: amounts and dates stay."""
    result = send(shop, "TIKET.BCA.500000.1234")
    assert result.stored_text == "TIKET.BCA.500000.****"
    assert send(shop, "SAL 5678 ya").stored_text == "SAL 5678 ya"  # not R001's PIN, not read as a PIN


def test_replies_without_a_passed_pin_do_not_tell_whether_a_number_was_the_pin(shop):
    """A field echoed in a reply is masked the same whether or not it is the PIN, unless the PIN passed."""
    right = texts(send(shop, "TIKET.X1234.500000"))  # 1234 is R001's PIN
    other = texts(send(shop, "TIKET.X5678.500000"))
    assert right == other == ["Bank X**** tidak tersedia. Pilihan: BCA, BRI."]
    assert [m.text for m in InboundMessage.select()] == ["TIKET.X****.500000", "TIKET.X5678.500000"]
    assert texts(send(shop, "TIKET.X5678.500000.1234")) == ["Bank X5678 tidak tersedia. Pilihan: BCA, BRI."]


def test_norm_text_is_a_keyed_digest_of_the_masked_text_and_no_pin_can_be_tried_against_it(shop):
    sent = dt.datetime(2026, 6, 15, 9, 59, 30)
    send(shop, "S10.081389092678.1234.RO", sent_at=sent)
    row = InboundMessage.get()
    assert row.norm_text == keyfile.digest("S10.081389092678.****.RO", "inbound.norm_text")
    # a stolen database holds nothing to try PINs against: no unkeyed hash of the text or the delivery
    for n in range(10_000):
        guess = f"S10.081389092678.{n:04d}.RO"
        assert hashlib.sha1(guess.encode()).hexdigest() != row.norm_text
        assert hashlib.sha1(f"sms|{R001}|{sent.isoformat()}|{guess}".encode()).hexdigest() != row.dedupe_key
    # and it still does its job: the same text again is the same order
    again = send(shop, "S10.081389092678.1234.RO")
    assert again.new_orders == [] and Order.select().count() == 1


# --- 2. wrong PINs and locks -----------------------------------------------------------------------

def wrong_pins(shop, n, sender=R001):
    return [send(shop, "SAL.9999", sender) for _ in range(n)]


def test_locks_in_a_row_double_up_to_a_day_and_each_one_alerts_the_owner(shop, clock):
    for lock_no, minutes in enumerate((30, 60, 120, 240, 480, 960, 1440, 1440), start=1):
        results = wrong_pins(shop, 3)
        assert [texts(r)[0] for r in results[:2]] == ["PIN salah. Sisa 2 kali percobaan.",
                                                      "PIN salah. Sisa 1 kali percobaan."]
        assert [r.alerts for r in results[:2]] == [[], []]
        until = clock.now + dt.timedelta(minutes=minutes)
        assert reseller("R001").locked_until == until
        assert texts(results[2])[0].startswith("PIN salah 3x. Akun dikunci sampai ")
        assert texts(results[2])[0].endswith(f"{until:%H:%M}." if until.date() == clock.now.date()
                                             else f"{until:%d/%m %H:%M}.")
        (alert,) = results[2].alerts
        assert alert.startswith(f"PIN R001 (Demo Cell) salah {3 * lock_no}x berturut-turut, terakhir dari {R001}")
        assert f"(kunci ke-{lock_no})" in alert
        clock.advance(minutes=minutes + 1)
    # the right PIN ends the row: the next lock is a short one again
    assert texts(send(shop, "SAL.1234"))[0].startswith("Saldo R001")
    wrong_pins(shop, 3)
    assert reseller("R001").locked_until == clock.now + dt.timedelta(minutes=30)


def test_while_locked_no_pin_is_tried_and_nothing_counts(shop, clock):
    wrong_pins(shop, 3)
    for text in ("SAL.1234", "SAL.9999", "GP.5678.1234", "GP.1234.5678", "S10.081389092678.1234"):
        result = send(shop, text)
        assert texts(result) == ["Akun dikunci sampai 10:30 karena PIN salah berulang."] and result.alerts == []
    assert reseller("R001").pin_failures == 3 and Order.select().count() == 0


def test_change_pin_counts_every_wrong_pin_it_tries(shop):
    assert texts(send(shop, "GP.1111.2222")) == ["PIN salah. Sisa 1 kali percobaan."]  # two guesses
    locked = send(shop, "GP.3333.4444")
    assert texts(locked)[0].startswith("PIN salah 3x. Akun dikunci sampai 10:30") and locked.alerts
    assert reseller("R001").pin_failures == 4


def test_change_pin_with_the_same_pin_twice_is_one_guess_and_either_order_still_works(shop):
    assert texts(send(shop, "GP.7777.7777")) == ["PIN salah. Sisa 2 kali percobaan."]
    assert texts(send(shop, "GP.5678.1234"))[0].startswith("PIN berhasil")  # new, current
    assert reseller("R001").pin_failures == 0  # the right PIN ended the row
    assert texts(send(shop, "GP.5678.2468"))[0].startswith("PIN berhasil")  # current, new


def test_owner_unlock_lets_the_reseller_in_at_once_and_starts_the_row_over(shop, clock):
    wrong_pins(shop, 3)
    rid = reseller("R001").id
    done = shop_admin.unlock_reseller(rid, actor="owner")
    assert (done.code, done.failures, done.locked_until) == ("R001", 3, clock.now + dt.timedelta(minutes=30))
    audit = AuditLog.get(AuditLog.action == "reseller_unlock")
    assert (audit.actor, audit.target) == ("owner", f"reseller:{rid}")
    assert texts(send(shop, "SAL.1234"))[0].startswith("Saldo R001")
    wrong_pins(shop, 3)
    assert reseller("R001").locked_until == clock.now + dt.timedelta(minutes=30)  # not 60: a new row
    assert shop_admin.unlock_reseller(" r001 ", actor="cli").code == "R001"  # by code, as typed
    with pytest.raises(shop_admin.AdminError, match="R999 tidak ditemukan"):
        shop_admin.unlock_reseller("R999", actor="cli")


# --- 3. ASCII digits only --------------------------------------------------------------------------

@pytest.mark.parametrize("text,example", [
    ("S10.081389092678.١٢٣٤", "isi pulsa: S10.08123456789.PIN"),
    ("S10.٠٨١٣٨٩٠٩٢٦٧٨.1234", "isi pulsa: S10.08123456789.PIN"),
    ("S10.081389092678.１２３４", "isi pulsa: S10.08123456789.PIN"),
    ("S10.0813890926７8.1234", "isi pulsa: S10.08123456789.PIN"),
    ("１0.081389092678.1234", "isi pulsa: S10.08123456789.PIN"),
    ("S10.081389092678.1234.２", "isi pulsa: S10.08123456789.PIN"),
    ("KIRIM.R002.５0000.1234", "kirim saldo: KIRIM.KODE.JUMLAH.PIN"),
    ("TIKET.BCA.５00000.1234", "tiket deposit: TIKET.BCA.500000.PIN"),
    ("SAL.１２３４", "cek saldo: SAL.PIN"),
])
def test_digits_other_than_0_to_9_are_a_clear_format_error_that_touches_nothing(shop, text, example):
    before = money_state()
    result = send(shop, text)
    assert (result.status, result.reason) == ("rejected", "bad_digits")
    assert texts(result) == [f"Format salah: tulis angka dengan 0-9 biasa. Contoh {example}."]
    assert money_state() == before and reseller("R001").pin_failures == 0
    assert not pin_shaped("1234").search(result.stored_text.translate(str.maketrans("١٢٣٤１２３４", "12341234")))


def test_digits_reply_in_english(shop):
    Reseller.update(language="en").where(Reseller.code == "R001").execute()
    assert texts(send(shop, "S10.081389092678.１２３４")) == [
        "Wrong format: write numbers with the plain digits 0-9. Example top-up: S10.08123456789.PIN."]


# --- 4. one-line logs ----------------------------------------------------------------------------

def test_a_forged_log_line_stays_inside_one_escaped_line(shop, caplog):
    caplog.set_level(logging.INFO, logger="app.service")
    forged = ("SAL.1234\n2026-06-15 10:00:01 INFO app.service: msg 99 from 081211110002 [sms]: KIRIM.R001.900000."
              "**** -> processed\r\x1b[2K\u2028")
    result = send(shop, forged)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "app.service"]
    assert not any(ch in line for ch in "\n\r\x1b\u2028")
    assert line.startswith(f"msg {result.inbound_id} from {R001} [sms]: SAL.****\\n2026-06-15 10:00:01 INFO")
    assert line.endswith("-> processed\\r\\x{1b}[2K\\u{2028} -> bad_format")
    # the stored text is the message as it came, minus the PIN
    assert InboundMessage.get_by_id(result.inbound_id).text == forged.replace("SAL.1234", "SAL.****")


def test_one_line_escapes_and_cuts():
    assert one_line("a\\b\tc\x00" + "1") == "a\\\\b\\tc\\x{00}1"  # braces: \x{00} never runs into the 1
    assert one_line("x" * 400) == "x" * 300 + "..."


def test_a_sender_with_a_line_break_is_escaped_too(shop, caplog):
    caplog.set_level(logging.INFO, logger="app.service")
    shop.handle(Inbound("telegram", "budi\nINFO forged", "SAL.1234"))
    assert [r.getMessage() for r in caplog.records if "\n" in r.getMessage()] == []


# --- 5. replies nobody's PIN paid for ------------------------------------------------------------

def test_the_unknown_sender_limit_counts_one_number_in_any_spelling(shop):
    replies = [texts(send(shop, "SAL.1234", sender=s))
               for s in ("+62215550123", "62215550123", "021-555-0123", "(021) 5550123")]
    assert replies == [[NOT_REGISTERED], [], [], []]


def test_unknown_numbers_get_one_reply_a_day_whatever_they_send(shop, clock):
    answered = [texts(send(shop, t, sender="089912345678"))
                for t in ("FORMAT", "INFO", "CENTER", "BANK", "TIKET.BCA.500000", "HARGA", "SAL.1234")]
    assert len(answered[0]) == 1 and answered[1:] == [[]] * 6
    assert OutboundMessage.select().count() == 1 and DepositTicket.select().count() == 0
    clock.advance(days=1)
    assert len(texts(send(shop, "CENTER", sender="+6289912345678"))) == 1


def test_commands_without_pin_are_limited_per_reseller_number_and_day_counting_every_sms(shop, clock):
    shop.settings.free_replies_per_day = 3
    assert len(texts(send(shop, "H.S10,I10", sender=R002))) == 2
    assert texts(send(shop, "H.S10,I10", sender=R002)) == ["Harga Indosat: I10=10.900"]  # the 3rd SMS today
    over = send(shop, "TIKET.BCA.500000", sender=R002)
    assert (over.replies, over.reason) == ([], "reply_limit") and DepositTicket.select().count() == 0
    assert texts(send(shop, "FORMAT", sender=R002)) == []
    # with the PIN these are ordinary commands: never limited
    assert len(texts(send(shop, "H.S10,I10.4321", sender=R002))) == 2
    assert texts(send(shop, "TIKET.BCA.500000.4321", sender=R002))[0].startswith("Tiket")
    assert len(texts(send(shop, "FORMAT"))) == 1  # another number has its own allowance
    clock.advance(days=1)
    assert len(texts(send(shop, "H.S10,I10", sender=R002))) == 2


# --- 6. the shop's own numbers -------------------------------------------------------------------

@pytest.fixture
def own_numbers(shop):
    shop.settings.center_numbers = ["0812-9999-0001"]
    Supplier.create(name="Upline Pulsa", kind="sms_upstream", config=SupplierConfig(to="+6281299990002").dumps())
    Modem.create(name="chip-1", port_url="socket://127.0.0.1:1", roles="chip",
                 config=json.dumps({"msisdn": "6281299990003"}))
    return ["081299990001", "081299990002", "081299990003"]


@pytest.mark.parametrize("command", ["REG.{n}.TOKO BARU.JEMBER.1234", "P.{n}.1234"])
def test_the_shops_own_numbers_cannot_become_reseller_numbers(shop, own_numbers, command):
    before = (ResellerAddress.select().count(), Reseller.select().count())
    for number in own_numbers:
        result = send(shop, command.format(n=number))
        assert texts(result) == [f"Nomor {number} adalah nomor server, tidak bisa dipakai reseller."]
        assert result.reason == "own_number"
    assert (ResellerAddress.select().count(), Reseller.select().count()) == before
    assert texts(send(shop, command.format(n="085736384304")))[0].startswith(("TOKO BARU", "Nomor 085736384304"))


# --- 7. amounts bounded --------------------------------------------------------------------------

HUGE = "1" + "0" * 29


@pytest.mark.parametrize("text,reason,reply", [
    (f"{HUGE}.081389092678.1234", "bad_format", "Format salah. Contoh isi pulsa"),
    (f"081389092678.{HUGE}.1234", "bad_format", "Format salah. Contoh isi pulsa"),
    (f"I.{HUGE}.081389092678.1234", "bad_format", "Format salah. Contoh isi pulsa"),
    (f"S10.081389092678.{HUGE}", "bad_format", "Format salah. Contoh isi pulsa"),
    (f"KIRIM.R002.{HUGE}.1234", "bad_format", "Format salah. Contoh kirim saldo"),
    ("KIRIM.R002.999999999999JT.1234", "bad_format", "Format salah. Contoh kirim saldo"),
    (f"TIKET.BCA.{HUGE}.1234", "bad_format", "Format salah. Contoh tiket deposit"),
    ("TIKET.BCA.999999999999JT.1234", "bad_format", "Format salah. Contoh tiket deposit"),
    ("TIKET.BCA.200000000.1234", "ticket_max", "Maksimal deposit 100.000.000 per tiket."),
    ("KIRIM.R002.200000000.1234", "transfer_max", "Maksimal kirim saldo 100.000.000 per transaksi."),
    (f"MARKUP.S10.{HUGE}.1234", "bad_format", "Format salah. Contoh markup"),
    (f"RKP.{HUGE}.1234", "bad_format", "Format salah. Contoh rekap"),
])
def test_huge_amounts_get_a_clear_reply_and_change_nothing(shop, text, reason, reply):
    before = money_state()
    result = send(shop, text)
    assert (result.status, result.reason) == ("rejected", reason)
    (answer,) = texts(result)
    assert answer.startswith(reply)
    assert money_state() == before
