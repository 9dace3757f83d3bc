"""Deposit tickets and bank statements (app.deposits) on SQLite and PostgreSQL: unique amounts that never
collide, statements imported twice that credit once, matching exactly once, waiting lines assigned or
ignored, manual confirms, expired tickets; the TIKET reply; and `main.py deposit import`. Every test
passes `now` explicitly: none depends on the wall clock."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import peewee as pw
import pytest

from app import bank_csv, deposits, ledger
from app.demo import seed_demo
from app.deposits import DepositError, LineStatus, TicketsExhausted
from storage import sql
from storage.models import AuditLog, BankLine, DepositTicket, LedgerEntry, OutboundMessage, Reseller

from .query_dbs import any_db  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "bank"
NOW = dt.datetime(2026, 6, 15, 10, 0, 0)  # tickets are asked for at 10:00, valid 3 hours
LATER = NOW + dt.timedelta(hours=1)  # the owner imports the statement at 11:00
R001_PHONE, R002_PHONE = "081211110001", "081211110002"


class Pick:
    """A picker that chooses the given unique amount (it must be free)."""

    def __init__(self, value: int):
        self.value = value

    def choice(self, seq):
        assert self.value in seq, f"{self.value} is not free"
        return self.value


@pytest.fixture
def shop(any_db):
    seed_demo()
    return any_db


def rid(code: str) -> int:
    return Reseller.get(Reseller.code == code).id


def balance(code: str) -> int:
    return Reseller.get(Reseller.code == code).balance


def deposits_of(code: str) -> list[LedgerEntry]:
    return list(LedgerEntry.select().where((LedgerEntry.reseller == rid(code)) & (LedgerEntry.kind == "deposit")
                                           & (LedgerEntry.actor != "demo")).order_by(LedgerEntry.id))


def replies_to(phone: str) -> list[str]:
    return [m.text for m in OutboundMessage.select().where(OutboundMessage.to == phone).order_by(OutboundMessage.id)]


def books_balance(code: str) -> None:
    """The rule that protects money: the ledger sums to the balance."""
    assert ledger.ledger_sum(rid(code)) == balance(code)


def bca_lines(today: dt.date = NOW.date()) -> list[bank_csv.StatementLine]:
    return bank_csv.parse_preset(bank_csv.read_text(DATA / "bca.csv"), "BCA", today).lines


def ticket(code: str = "R001", amount: int = 100_000, unique: int = 100_123, bank: str = "BCA",
           now: dt.datetime = NOW, hours: int = 3) -> deposits.Ticket:
    return deposits.create_ticket(rid(code), amount, bank, now, valid_hours=hours, rng=Pick(unique))


# --- unique amounts ------------------------------------------------------------------------------

def test_unique_amounts_never_collide_and_running_out_is_refused(shop):
    made = [deposits.create_ticket(rid("R001"), 100_000, "BCA", NOW, valid_hours=3) for _ in range(300)]
    uniques = [t.unique_amount for t in made]
    assert len(set(uniques)) == 300 and all(100_001 <= u <= 100_999 for u in uniques)
    # fill the rest of the 1…999 space but one value, then take that one
    last = max(set(range(100_001, 101_000)) - set(uniques))
    DepositTicket.insert_many([dict(reseller=rid("R002"), bank="BRI", amount=100_000, unique_amount=u,
                                    created_at=NOW, expires_at=NOW + dt.timedelta(hours=3))
                               for u in range(100_001, 101_000) if u not in uniques and u != last]).execute()
    assert deposits.create_ticket(rid("R003"), 100_000, "BCA", NOW).unique_amount == last
    with pytest.raises(TicketsExhausted) as refused:
        deposits.create_ticket(rid("R003"), 100_000, "BCA", NOW)
    assert "999 kode unik untuk deposit 100.000" in str(refused.value)
    open_amounts = [a for (a,) in sql.all_rows("SELECT unique_amount FROM deposit_ticket WHERE status = 'open'")]
    assert len(open_amounts) == 999 == len(set(open_amounts))
    # another amount has its own space, and unique amounts of different amounts never meet
    other = deposits.create_ticket(rid("R003"), 200_000, "BCA", NOW)
    assert 200_001 <= other.unique_amount <= 200_999
    # three hours later they have all expired, and every unique amount is free again
    after = NOW + dt.timedelta(hours=3)
    assert deposits.create_ticket(rid("R003"), 100_000, "BCA", after, rng=Pick(uniques[0])).unique_amount == uniques[0]
    assert DepositTicket.select().where(DepositTicket.status == "expired").count() == 1000
    assert balance("R001") == 1_000_000  # a ticket moves no money


def test_the_database_refuses_two_open_tickets_with_one_unique_amount(shop):
    first = ticket(unique=100_500)
    with pytest.raises(pw.IntegrityError):
        with shop.atomic():
            DepositTicket.create(reseller=rid("R002"), bank="BRI", amount=100_000, unique_amount=100_500,
                                 created_at=NOW, expires_at=NOW + dt.timedelta(hours=3))
    DepositTicket.update(status="paid").where(DepositTicket.id == first.id).execute()
    again = ticket("R002", unique=100_500)  # a paid ticket's amount is free
    assert again.unique_amount == 100_500 and again.id != first.id


# --- importing statements ------------------------------------------------------------------------

def test_a_statement_imported_twice_credits_once(shop):
    t = ticket()
    result = deposits.import_statement(bca_lines(), "bca", "owner", LATER)
    assert [(m.amount, m.ticket_id, m.reseller_code) for m in result.matched] == [(100_123, t.id, "R001")]
    assert sorted(w.amount for w in result.waiting) == [250_000, 500_000, 500_000]  # two equal transfers: two lines
    assert (result.already, result.credited_total) == ([], 100_123)
    assert [(d.line_no, d.amount, d.description) for d in result.debits] == [(9, 10_000, "BIAYA ADM")]
    assert balance("R001") == 1_100_123
    [entry] = deposits_of("R001")
    assert (entry.delta, entry.balance_after, entry.actor) == (100_123, 1_100_123, "owner")
    assert f"Tiket #{t.id}" in entry.note
    assert replies_to(R001_PHONE) == ["Deposit 100.123 via BCA diterima. Saldo 1.100.123."]
    paid = DepositTicket.get_by_id(t.id)
    assert (paid.status, paid.paid_at) == ("paid", LATER)
    line = BankLine.get(BankLine.ticket == t.id)
    assert (line.status, line.reseller_id, line.ledger_entry_id, line.bank) == ("matched", rid("R001"), entry.id, "BCA")

    again = deposits.import_statement(bca_lines(), "BCA", "owner", LATER + dt.timedelta(minutes=5))
    assert (again.matched, again.waiting, len(again.already)) == ([], [], 4)
    assert sorted(a.status for a in again.already) == ["matched", "unmatched", "unmatched", "unmatched"]
    assert balance("R001") == 1_100_123 and len(deposits_of("R001")) == 1
    assert len(replies_to(R001_PHONE)) == 1 and BankLine.select().count() == 4
    books_balance("R001")


def test_an_overlapping_statement_adds_only_its_new_lines(shop):
    deposits.import_statement(bca_lines(), "BCA", "owner", LATER)
    text = ("Periode : 15/06/2026 - 16/06/2026\n"
            "Tanggal Transaksi,Keterangan,Cabang,Jumlah,,Saldo\n"
            "'15/06,'TRSF E-BANKING CR 1506/FTSCY/WS95051 100123.00 DEMO CELL,'0000,\"100,123.00\",CR,\"0\"\n"
            "'15/06,'SETORAN TUNAI,'0998,\"500,000.00\",CR,\"0\"\n"
            "'15/06,'SETORAN TUNAI,'0998,\"500,000.00\",CR,\"0\"\n"
            "'15/06,'SETORAN TUNAI,'0998,\"500,000.00\",CR,\"0\"\n"  # a third equal transfer: new
            "'16/06,'TRSF E-BANKING CR 1606/FTSCY/WS95051 75321.00 BERKAH PULSA,'0000,\"75,321.00\",CR,\"0\"\n")
    lines = bank_csv.parse_preset(text, "BCA", NOW.date()).lines
    result = deposits.import_statement(lines, "BCA", "owner", LATER + dt.timedelta(days=1))
    assert len(result.already) == 3
    assert sorted(w.amount for w in result.waiting) == [75_321, 500_000]
    assert BankLine.select().count() == 6


def test_matching_credits_exactly_once_even_if_a_line_is_processed_twice(shop):
    # the transfer is imported before its ticket exists (same day): it waits
    result = deposits.import_statement(bca_lines(), "BCA", "owner", NOW - dt.timedelta(hours=2))
    line_id = next(w.line_id for w in result.waiting if w.amount == 100_123)
    t = ticket()
    credit = deposits.match_line(line_id, "owner", LATER)
    assert credit is not None and (credit.ticket_id, credit.amount, credit.balance_after) == (t.id, 100_123, 1_100_123)
    assert deposits.match_line(line_id, "owner", LATER) is None
    assert deposits.import_statement(bca_lines(), "BCA", "owner", LATER).matched == []
    with pytest.raises(DepositError, match="sudah cocok dengan tiket"):
        deposits.assign_line(line_id, rid("R002"), "owner", LATER)
    assert balance("R001") == 1_100_123 and len(deposits_of("R001")) == 1 and balance("R002") == 5_000
    assert len(replies_to(R001_PHONE)) == 1
    books_balance("R001")


def test_the_guarded_updates_decide_when_another_hand_is_quicker(shop, monkeypatch):
    """Between the look-up and the claim, the ticket is paid by another line: the guarded UPDATE of the ticket
    loses and nothing is credited. Between the ticket's claim and the line's, the line is decided by the
    owner: the ticket's claim is undone. Either way the money is untouched."""
    t = ticket()
    real_one = sql.one
    plan = {"pay_ticket_first": True}

    def meddling_one(query, params=()):
        row = real_one(query, params)
        if query.startswith("SELECT id FROM deposit_ticket") and plan.pop("pay_ticket_first", False):
            real_one("INSERT INTO bank_line (bank, booked_on, description, amount, fingerprint, status, ticket_id, "
                     "imported_at, decided_by) VALUES ('BCA', ?, 'other', 100123, 'other', 'matched', ?, ?, '') "
                     "RETURNING id", (NOW.date(), t.id, NOW))
            sql.execute("UPDATE deposit_ticket SET status = 'paid' WHERE id = ?", (t.id,))
        if query.startswith("UPDATE deposit_ticket SET status") and plan.pop("decide_line_first", False):
            sql.execute("UPDATE bank_line SET status = 'ignored' WHERE amount = 100123 AND status = 'unmatched'")
        return row

    monkeypatch.setattr(sql, "one", meddling_one)
    result = deposits.import_statement(bca_lines(), "BCA", "owner", LATER)
    assert result.matched == [] and result.confirmed_before == [] and 100_123 in [w.amount for w in result.waiting]
    assert balance("R001") == 1_000_000 and deposits_of("R001") == []

    sql.execute("DELETE FROM bank_line")
    sql.execute("UPDATE deposit_ticket SET status = 'open' WHERE id = ?", (t.id,))
    plan["decide_line_first"] = True
    result = deposits.import_statement(bca_lines(), "BCA", "owner", LATER)
    assert result.matched == [] and result.credits == []
    assert DepositTicket.get_by_id(t.id).status == "open"  # its claim rolled back with the lost line
    assert balance("R001") == 1_000_000 and deposits_of("R001") == [] and replies_to(R001_PHONE) == []
    line = BankLine.get(BankLine.amount == 100_123)  # (the meddling ran inside the undone savepoint too)
    assert (line.ticket_id, line.ledger_entry_id) == (None, None)


def test_match_needs_the_same_bank_and_a_booking_inside_the_tickets_days(shop):
    ticket(unique=100_123, bank="bri")  # a BRI ticket: the BCA transfer of the same amount is not it
    ticket("R002", amount=249_500, unique=250_000, bank="Bca")  # booked 14/06, the ticket is of 15/06
    result = deposits.import_statement(bca_lines(), "BCA", "owner", LATER)
    assert result.matched == [] and len(result.waiting) == 4
    assert balance("R001") == 1_000_000 and balance("R002") == 5_000
    # a ticket of the bank written in another case matches (banks compare case-insensitively)
    t = ticket("R003", amount=499_500, unique=500_000, bank="bca")
    again = deposits.import_statement(bank_csv.parse_preset(
        "Periode : 15/06/2026 - 15/06/2026\nTanggal Transaksi,Keterangan,Cabang,Jumlah,,Saldo\n"
        "'15/06,'SETOR ULANG,'0998,\"500,000.00\",CR,\"0\"\n", "BCA", NOW.date()).lines, "BCA", "owner", LATER)
    assert [(m.ticket_id, m.reseller_code) for m in again.matched] == [(t.id, "R003")]
    assert balance("R003") == 750_000


def test_expired_tickets_do_not_match_and_free_their_amount(shop):
    t = ticket()  # valid 10:00-13:00
    late = NOW + dt.timedelta(hours=4)
    result = deposits.import_statement(bca_lines(), "BCA", "owner", late)
    assert result.matched == [] and 100_123 in [w.amount for w in result.waiting]
    assert DepositTicket.get_by_id(t.id).status == "expired"
    assert balance("R001") == 1_000_000 and replies_to(R001_PHONE) == []
    with pytest.raises(DepositError, match="kedaluwarsa"):
        deposits.confirm_ticket(t.id, "owner", late)
    assert ticket("R002", unique=100_123, now=late).unique_amount == 100_123  # freed
    assert balance("R001") == 1_000_000


def test_a_waiting_line_assigned_to_a_reseller_credits_once(shop):
    result = deposits.import_statement(bca_lines(), "BCA", "owner", LATER)
    line_id = next(w.line_id for w in result.waiting if w.amount == 250_000)
    credit = deposits.assign_line(line_id, rid("R002"), "owner", LATER)
    assert (credit.amount, credit.balance_after, credit.reseller_code) == (250_000, 255_000, "R002")
    assert balance("R002") == 255_000
    [entry] = deposits_of("R002")
    assert entry.delta == 250_000 and f"#{line_id}" in entry.note and entry.actor == "owner"
    assert replies_to(R002_PHONE) == ["Deposit 250.000 via BCA diterima. Saldo 255.000."]
    line = BankLine.get_by_id(line_id)
    assert (line.status, line.reseller_id, line.ledger_entry_id, line.decided_by) == (
        "assigned", rid("R002"), entry.id, "owner")
    with pytest.raises(DepositError, match="sudah ditetapkan"):
        deposits.assign_line(line_id, rid("R003"), "owner", LATER)
    with pytest.raises(DepositError):
        deposits.ignore_line(line_id, "owner", LATER)
    assert balance("R002") == 255_000 and balance("R003") == 250_000 and len(replies_to(R002_PHONE)) == 1
    assert AuditLog.select().where(AuditLog.action == "bank_line_assign").count() == 1
    books_balance("R002")


def test_ignore_and_undo(shop):
    result = deposits.import_statement(bca_lines(), "BCA", "owner", LATER)
    line_id = result.waiting[0].line_id
    deposits.ignore_line(line_id, "owner", LATER)
    assert BankLine.get_by_id(line_id).status == LineStatus.IGNORED.value
    with pytest.raises(DepositError, match="sedang diabaikan"):
        deposits.assign_line(line_id, rid("R002"), "owner", LATER)
    with pytest.raises(DepositError):
        deposits.ignore_line(line_id, "owner", LATER)
    assert balance("R002") == 5_000 and OutboundMessage.select().count() == 0
    deposits.unignore_line(line_id, "owner", LATER)
    line = BankLine.get_by_id(line_id)
    assert (line.status, line.decided_at, line.decided_by) == ("unmatched", None, "")
    with pytest.raises(DepositError):
        deposits.unignore_line(line_id, "owner", LATER)
    deposits.assign_line(line_id, rid("R002"), "owner", LATER)
    assert balance("R002") == 5_000 + result.waiting[0].amount
    actions = [a.action for a in AuditLog.select().where(AuditLog.target == f"bank_line:{line_id}")
               .order_by(AuditLog.id)]
    assert actions == ["bank_line_ignore", "bank_line_unignore"]


def test_manual_confirm_credits_once_and_the_statement_line_is_linked_not_credited(shop):
    t = ticket()
    credit = deposits.confirm_ticket(t.id, "owner", LATER)
    assert (credit.amount, credit.balance_after, credit.ticket_id) == (100_123, 1_100_123, t.id)
    assert replies_to(R001_PHONE) == ["Deposit 100.123 via BCA diterima. Saldo 1.100.123."]
    with pytest.raises(DepositError, match="sudah dibayar"):
        deposits.confirm_ticket(t.id, "owner", LATER)
    result = deposits.import_statement(bca_lines(), "BCA", "owner", LATER + dt.timedelta(hours=1))
    assert result.matched == []
    assert [(c.ticket_id, c.reseller_code) for c in result.confirmed_before] == [(t.id, "R001")]
    line = BankLine.get(BankLine.ticket == t.id)
    assert (line.status, line.ledger_entry_id) == ("matched", credit.ledger_entry_id)
    assert balance("R001") == 1_100_123 and len(deposits_of("R001")) == 1 and len(replies_to(R001_PHONE)) == 1
    assert AuditLog.get(AuditLog.action == "deposit_ticket_confirm").target == f"reseller:{rid('R001')}"
    books_balance("R001")


def test_the_reply_goes_to_the_main_sms_number_in_the_resellers_language(shop):
    Reseller.update(language="en").where(Reseller.code == "R001").execute()
    t = ticket()
    deposits.confirm_ticket(t.id, "owner", LATER)
    [reply] = OutboundMessage.select()
    assert (reply.to, reply.channel, reply.status, reply.event) == (R001_PHONE, "sms", "queued", "deposit_credited")
    assert reply.text == "Deposit 100.123 via BCA received. Balance 1.100.123."


def test_import_file_reports_skipped_and_unreadable_rows(shop):
    result = deposits.import_file(DATA / "mandiri.csv", "mandiri", "owner", LATER)
    assert sorted(w.amount for w in result.waiting) == [100_123, 250_000, 300_000]
    assert [d.amount for d in result.debits] == [12_500]
    assert [(p.line_no, "32/06/26" in p.text) for p in result.problems] == [(6, True)]
    text = "\n".join(deposits.report_lines(result))
    assert "3 menunggu" in text and "baris 6: tanggal '32/06/26' tidak terbaca" in text
    with pytest.raises(bank_csv.BankCsvError, match="tampaknya mutasi Mandiri, bukan BCA"):
        deposits.import_file(DATA / "mandiri.csv", "bca", "owner", LATER)
    with pytest.raises(bank_csv.BankCsvError, match="tidak dikenal"):
        deposits.import_file(DATA / "mandiri.csv", "bank antah", "owner", LATER)
    assert BankLine.select().count() == 3


# --- the reseller's TIKET command ----------------------------------------------------------------

def test_ticket_reply_carries_unique_amount_account_and_expiry(db, clock):
    from app.service import Inbound, MessageService

    seed_demo()
    service = MessageService(clock=clock)  # 2026-06-15 10:00

    def send(text: str) -> list[str]:
        result = service.handle(Inbound("sms", R001_PHONE, text, sent_at=clock.now))
        clock.advance(seconds=1)
        return [r.text for r in result.replies]

    [reply] = send("TIKET.100000.1234")
    t = DepositTicket.get()
    assert reply == (f"Tiket {t.id}: transfer TEPAT Rp{t.unique_amount // 1000}.{t.unique_amount % 1000:03d} ke BCA "
                     "1234567890 a.n. Pulsa Demo sebelum 13:00. Saldo masuk otomatis.")
    assert 100_001 <= t.unique_amount <= 100_999 and t.bank == "BCA" and t.status == "open"
    clock.now = dt.datetime(2026, 6, 15, 22, 30)
    [late] = send("TIKET.BRI.100000.1234")
    assert "ke BRI 0123456789012" in late and "sebelum 16/06 01:30" in late
    assert DepositTicket.get_by_id(t.id).status == "expired"  # (its unique amount is free again)
    taken = {a for (a,) in DepositTicket.select(DepositTicket.unique_amount)
             .where(DepositTicket.status == "open").tuples()}
    DepositTicket.insert_many([dict(reseller=rid("R002"), bank="BCA", amount=100_000, unique_amount=u,
                                    created_at=clock.now, expires_at=clock.now + dt.timedelta(hours=3))
                               for u in range(100_001, 101_000) if u not in taken]).execute()
    before = DepositTicket.select().count()
    assert send("TIKET.BCA.100000.1234") == [
        "Semua kode unik untuk deposit 100.000 sedang dipakai tiket lain. Coba lagi nanti atau pakai jumlah lain."]
    assert DepositTicket.select().count() == before
    from storage.models import InboundMessage
    assert InboundMessage.select().order_by(InboundMessage.id.desc()).get().reason == "ticket_full"
    assert send("TIKET.BCA.200000.1234")[0].startswith("Tiket ")  # another amount still works


# --- the command line ----------------------------------------------------------------------------

def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PULSA_NO_BOOTSTRAP="1")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=60)


def test_deposit_import_command(tmp_path):
    from storage.db import close_database, open_database

    db_file = str(tmp_path / "shop.db")
    base = ("--data-dir", str(tmp_path), "--db", db_file)
    assert run(*base, "seed-demo").returncode == 0
    open_database(db_file)
    try:
        # the command runs on the wall clock: a ticket valid for years is open whenever the test runs
        t = deposits.create_ticket(rid("R001"), 100_000, "BCA", NOW, valid_hours=24 * 365 * 40, rng=Pick(100_123))
    finally:
        close_database()

    first = run(*base, "deposit", "import", str(DATA / "bca.csv"), "--bank", "bca")
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Mutasi BCA: 1 cocok dengan tiket, 3 menunggu, 0 sudah pernah diimpor, 1 debet dilewati." in out
    assert f"tiket #{t.id} R001, saldo Rp 1.100.123" in out
    assert "baris 13: transaksi PEND" in out and "baris 12: kredit 1.234,56 ada sennya" in out

    second = run(*base, "deposit", "import", str(DATA / "bca.csv"), "--bank", "BCA")
    assert second.returncode == 0
    assert "0 cocok dengan tiket, 0 menunggu, 4 sudah pernah diimpor" in second.stdout

    unknown = run(*base, "deposit", "import", str(DATA / "bca.csv"), "--bank", "permata")
    assert unknown.returncode == 2 and "Bank permata tidak dikenal" in unknown.stderr
    missing = run(*base, "deposit", "import", str(tmp_path / "tidak-ada.csv"), "--bank", "bca")
    assert missing.returncode == 2 and "tidak ditemukan" in missing.stderr
    wrong = run(*base, "deposit", "import", str(DATA / "bri.csv"), "--bank", "bca")
    assert wrong.returncode == 2 and "tampaknya mutasi BRI, bukan BCA" in wrong.stderr
    (tmp_path / "excel.csv").write_bytes(b"PK\x03\x04 not a csv")
    excel = run(*base, "deposit", "import", str(tmp_path / "excel.csv"), "--bank", "bni")
    assert excel.returncode == 2 and "file Excel" in excel.stderr

    open_database(db_file)
    try:
        assert balance("R001") == 1_100_123 and len(deposits_of("R001")) == 1
        assert replies_to(R001_PHONE) == ["Deposit 100.123 via BCA diterima. Saldo 1.100.123."]
        assert BankLine.select().count() == 4
        books_balance("R001")
    finally:
        close_database()
