"""Deposit tickets and bank statements: a reseller asks for a ticket (`TIKET.100000.PIN`) and transfers
the ticket's unique amount (100.123); the owner imports the bank statement and each credit that matches an
open ticket credits that reseller. No Qt.

Tickets. The unique amount is the amount plus 1…999 rupiah, never shared by two open tickets (a partial
unique index keeps it so, whatever happens); a ticket is open until paid or past its expiry, and an expired
ticket frees its unique amount. When all 999 are taken for an amount, `TicketsExhausted`.

Statement lines. Each credit line of an imported statement is stored once (by its fingerprint,
app/bank_csv.py): importing the same statement again, or an overlapping one, adds nothing and credits
nothing. A stored line is matched to the open ticket of the same bank with the same unique amount, booked
between the day the ticket was made and the day it expires; it then credits the ticket's reseller. A line
that matches nothing waits (`unmatched`) until the owner assigns it to a reseller (which credits) or ignores
it (which can be undone).

Exactly once. Every credit is decided by a guarded UPDATE (`… WHERE status = 'open'` or
`'unmatched'`) whose row count says whether this call won; the ledger posting, the audit row and the
reseller's reply ("Deposit 100.123 via BCA diterima. Saldo …", template `deposit_credited`, queued as an
`outbound_message` row for the running outbox) are written in the same transaction.

The amount credited is what was transferred: the unique amount (the reseller paid those extra rupiah).
"""
from __future__ import annotations

import datetime as _dt
import enum
import logging
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generator, Iterable, Protocol, Sequence

import peewee as pw

from app import bank_csv, ledger, settings
from app.bank_csv import BankCsvError, CsvMapping, RowNote, StatementLine, bank_key
from app.money import group
from app.outbox import queue_reply
from app.replies import Templates
from storage import sql
from storage.models import AuditLog, DepositTicket, database_proxy as db

log = logging.getLogger(__name__)

UNIQUE_SPAN = 999  # the unique amount is amount + 1 … amount + 999
REPLY_EVENT = "deposit_credited"


class TicketStatus(str, enum.Enum):
    OPEN = "open"
    PAID = "paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class LineStatus(str, enum.Enum):
    UNMATCHED = "unmatched"  # waits for the owner
    MATCHED = "matched"  # paid a ticket
    ASSIGNED = "assigned"  # the owner credited it to a reseller
    IGNORED = "ignored"  # the owner decided it is no deposit (can be undone)


class DepositError(ValueError):
    """Something the owner (or the reseller's reply) is told in Indonesian."""


class TicketsExhausted(DepositError):
    def __init__(self, amount: int):
        super().__init__(f"Semua {UNIQUE_SPAN} kode unik untuk deposit {group(amount)} sedang dipakai tiket lain")
        self.amount = amount


class Picker(Protocol):
    def choice(self, seq: Sequence[int]) -> int: ...


_rng = random.Random()


# --- results -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ticket:
    id: int
    reseller_id: int
    bank: str
    amount: int
    unique_amount: int
    created_at: _dt.datetime
    expires_at: _dt.datetime


@dataclass(frozen=True)
class Credit:
    """A deposit credited through the ledger."""

    reseller_id: int
    reseller_code: str
    amount: int
    balance_after: int
    ledger_entry_id: int
    bank: str
    ticket_id: int | None = None
    line_id: int | None = None
    reply_id: int | None = None  # the queued reply; None when the reseller has no address


@dataclass(frozen=True)
class ImportedLine:
    line_no: int
    booked_on: _dt.date
    description: str
    amount: int
    line_id: int | None  # the stored bank line (the one stored before, for `already`)
    status: str  # LineStatus value, as stored now
    ticket_id: int | None = None
    reseller_code: str = ""
    balance_after: int | None = None  # after this credit (matched lines)


@dataclass
class ImportResult:
    bank: str
    matched: list[ImportedLine] = field(default_factory=list)  # credited now, through their ticket
    waiting: list[ImportedLine] = field(default_factory=list)  # stored, no ticket: for the owner to decide
    already: list[ImportedLine] = field(default_factory=list)  # imported before: nothing done
    confirmed_before: list[ImportedLine] = field(default_factory=list)  # their ticket was confirmed by hand
    debits: list[ImportedLine] = field(default_factory=list)  # money out: not deposits, not stored
    skipped: list[RowNote] = field(default_factory=list)  # pending (PEND), amounts with sen
    problems: list[RowNote] = field(default_factory=list)  # rows that could not be read
    credits: list[Credit] = field(default_factory=list)

    @property
    def credited_total(self) -> int:
        return sum(c.amount for c in self.credits)


# --- tickets -------------------------------------------------------------------------------------

def expire_tickets(now: _dt.datetime) -> int:
    """Open tickets past their expiry become expired (their unique amounts are free again). How many."""
    cursor = sql.execute("UPDATE deposit_ticket SET status = ? WHERE status = ? AND expires_at <= ?",
                         (TicketStatus.EXPIRED.value, TicketStatus.OPEN.value, now))
    return max(int(cursor.rowcount or 0), 0)


def create_ticket(reseller_id: int, amount: int, bank: str, now: _dt.datetime, *, valid_hours: int | None = None,
                  rng: Picker | None = None) -> Ticket:
    """A new open ticket whose unique amount (amount + 1…999) no other open ticket has. Stale tickets are
    expired first, in the same transaction. TicketsExhausted when all 999 are taken."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise DepositError("Jumlah deposit harus lebih dari 0")
    bank = bank.strip()
    if not bank:
        raise DepositError("Bank tiket kosong")
    hours = settings.Settings.load().ticket_valid_hours if valid_hours is None else valid_hours
    expires = now + _dt.timedelta(hours=max(1, int(hours)))
    pick = rng or _rng
    with db.atomic():
        if sql.one("SELECT 1 FROM reseller WHERE id = ?", (reseller_id,)) is None:
            raise DepositError(f"Reseller {reseller_id} tidak ditemukan")
        expire_tickets(now)
        for _attempt in range(5):
            taken = {int(a) for (a,) in sql.all_rows(
                "SELECT unique_amount FROM deposit_ticket WHERE status = ? AND unique_amount BETWEEN ? AND ?",
                (TicketStatus.OPEN.value, amount + 1, amount + UNIQUE_SPAN))}
            free = [amount + k for k in range(1, UNIQUE_SPAN + 1) if amount + k not in taken]
            if not free:
                raise TicketsExhausted(amount)
            unique = int(pick.choice(free))
            if unique not in free:
                raise ValueError("the picker chose outside the free amounts")
            try:
                with db.atomic():  # a savepoint: a unique amount taken meanwhile costs only this try
                    ticket = DepositTicket.create(reseller=reseller_id, bank=bank[:20], amount=amount,
                                                  unique_amount=unique, status=TicketStatus.OPEN.value,
                                                  created_at=now, expires_at=expires)
            except pw.IntegrityError:
                log.info("unique amount %s taken meanwhile; choosing again", unique)
                continue
            return Ticket(ticket.id, reseller_id, bank[:20], amount, unique, now, expires)
    raise TicketsExhausted(amount)


def confirm_ticket(ticket_id: int, actor: str, now: _dt.datetime) -> Credit:
    """The owner saw the transfer himself: credit the ticket's unique amount, exactly once. Only an open
    ticket that has not expired; a later statement line of the same transfer finds the ticket paid and is
    linked to it without a second credit."""
    templates = Templates()
    with db.atomic():
        row = sql.one("UPDATE deposit_ticket SET status = ?, paid_at = ? WHERE id = ? AND status = ? "
                      "AND expires_at > ? RETURNING reseller_id, bank, unique_amount",
                      (TicketStatus.PAID.value, now, ticket_id, TicketStatus.OPEN.value, now))
        if row is None:
            raise DepositError(_why_not_open(ticket_id, now))
        reseller_id, bank, amount = int(row[0]), str(row[1]), int(row[2])
        posting = ledger.post(reseller_id, amount, ledger.LedgerKind.DEPOSIT, note=_manual_note(ticket_id, bank),
                              actor=actor, now=now)
        code = _code(reseller_id)
        _audit(actor, "deposit_ticket_confirm", f"reseller:{reseller_id}",
               f"ticket={ticket_id} bank={bank} amount={amount}", now)
        reply = _notify(templates, reseller_id, amount, bank, posting.balance_after, now)
    return Credit(reseller_id, code, amount, posting.balance_after, posting.entry_id, bank, ticket_id=ticket_id,
                  reply_id=reply)


def _manual_note(ticket_id: int, bank: str) -> str:
    return f"Tiket #{ticket_id} {bank} dikonfirmasi manual"


def _why_not_open(ticket_id: int, now: _dt.datetime) -> str:
    row = sql.one("SELECT status, expires_at FROM deposit_ticket WHERE id = ?", (ticket_id,))
    if row is None:
        return f"Tiket #{ticket_id} tidak ditemukan"
    status = row[0]
    if status == TicketStatus.PAID.value:
        return f"Tiket #{ticket_id} sudah dibayar; saldo tidak ditambah lagi"
    if status == TicketStatus.OPEN.value:  # open but past its expiry
        return (f"Tiket #{ticket_id} sudah kedaluwarsa. Bila transfernya memang masuk, tambahkan lewat mutasi "
                "bank (Tetapkan ke reseller) atau tombol Deposit di menu Reseller")
    return f"Tiket #{ticket_id} sudah {'kedaluwarsa' if status == TicketStatus.EXPIRED.value else 'dibatalkan'}"


# --- statement lines -----------------------------------------------------------------------------

def import_statement(lines: Iterable[StatementLine], bank: str, actor: str, now: _dt.datetime) -> ImportResult:
    """Store the statement's credit lines not stored before and match each to an open ticket (one short
    transaction per line). Debits are only counted."""
    steps = import_steps(lines, bank, actor, now)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def import_steps(lines: Iterable[StatementLine], bank: str, actor: str,
                 now: _dt.datetime) -> Generator[None, None, ImportResult]:
    """`import_statement` one credit line at a time: each `next()` stores and matches one line (one short
    transaction), so the window can do it on its own thread between paints; the result comes with
    StopIteration."""
    key = bank_key(bank)
    if not key:
        raise DepositError("Nama bank kosong")
    all_lines = list(lines)
    credits = [line for line in all_lines if line.credit]
    result = ImportResult(key, debits=[ImportedLine(line.line_no, line.booked_on, line.description, line.amount,
                                                    None, "") for line in all_lines if not line.credit])
    templates = Templates()
    with db.atomic():
        expire_tickets(now)
    for line, fingerprint in zip(credits, bank_csv.fingerprints(key, credits)):
        if line.amount <= 0:
            continue
        yield
        with db.atomic():
            inserted = sql.one(
                "INSERT INTO bank_line (bank, booked_on, description, amount, fingerprint, status, imported_at, "
                "decided_by) VALUES (?, ?, ?, ?, ?, ?, ?, '') ON CONFLICT (fingerprint) DO NOTHING RETURNING id",
                (key, line.booked_on, line.description[:300], line.amount, fingerprint, LineStatus.UNMATCHED.value,
                 now))
            if inserted is None:
                result.already.append(_stored_line(line, fingerprint))
                continue
            line_id = int(inserted[0])
            credit = _match(line_id, key, line.booked_on, line.amount, actor, now, templates)
            if credit is not None:
                result.credits.append(credit)
                result.matched.append(ImportedLine(line.line_no, line.booked_on, line.description, line.amount,
                                                   line_id, LineStatus.MATCHED.value, credit.ticket_id,
                                                   credit.reseller_code, credit.balance_after))
                continue
            linked = _link_confirmed(line_id, key, line.booked_on, line.amount, actor, now)
            if linked is not None:
                result.confirmed_before.append(ImportedLine(line.line_no, line.booked_on, line.description,
                                                            line.amount, line_id, LineStatus.MATCHED.value,
                                                            linked[0], linked[1]))
                continue
            result.waiting.append(ImportedLine(line.line_no, line.booked_on, line.description, line.amount, line_id,
                                               LineStatus.UNMATCHED.value))
    with db.atomic():
        _audit(actor, "bank_import", f"bank:{key}",
               f"matched={len(result.matched)} waiting={len(result.waiting)} already={len(result.already)} "
               f"confirmed_before={len(result.confirmed_before)} debits={len(result.debits)} "
               f"credited={result.credited_total}", now)
    log.info("bank statement %s imported by %s: %d matched, %d waiting, %d already imported", key, actor,
             len(result.matched), len(result.waiting), len(result.already))
    return result


def import_file(path: str | Path, bank: str, actor: str, now: _dt.datetime,
                mapping: CsvMapping | None = None) -> ImportResult:
    """Read a statement file (the bank's preset, the owner's saved format, or `mapping`) and import it.
    BankCsvError when the file as a whole is no statement of that bank; bad rows are in `problems`."""
    statement = bank_csv.parse_file(path, bank, mapping, today=now.date())
    result = import_statement(statement.lines, statement.bank, actor, now)
    result.skipped.extend(statement.skipped)
    result.problems.extend(statement.problems)
    return result


def match_line(line_id: int, actor: str, now: _dt.datetime) -> Credit | None:
    """Match one stored, still unmatched line to an open ticket (what the import does for each new line):
    the credit, or None when nothing matches or the line was decided already."""
    templates = Templates()
    with db.atomic():
        expire_tickets(now)
        row = sql.one("SELECT bank, booked_on, amount FROM bank_line WHERE id = ? AND status = ?",
                      (line_id, LineStatus.UNMATCHED.value))
        if row is None:
            return None
        return _match(line_id, str(row[0]), _date(row[1]), int(row[2]), actor, now, templates)


class _Lost(Exception):
    """The line was decided by someone else meanwhile: undo the ticket's claim."""


def _window(booked_on: _dt.date) -> tuple[_dt.datetime, _dt.datetime]:
    start = _dt.datetime.combine(booked_on, _dt.time())
    return start, start + _dt.timedelta(days=1)


def _match(line_id: int, bank: str, booked_on: _dt.date, amount: int, actor: str, now: _dt.datetime,
           templates: Templates) -> Credit | None:
    """Inside a transaction: pay the open ticket this line matches, if any."""
    day, next_day = _window(booked_on)
    candidate = sql.one("SELECT id FROM deposit_ticket WHERE status = ? AND unique_amount = ? AND UPPER(bank) = ? "
                        "AND created_at < ? AND expires_at >= ? AND expires_at > ? ORDER BY id LIMIT 1",
                        (TicketStatus.OPEN.value, amount, bank_key(bank), next_day, day, now))
    if candidate is None:
        return None
    ticket_id = int(candidate[0])
    try:
        with db.atomic():
            claimed = sql.one("UPDATE deposit_ticket SET status = ?, paid_at = ? WHERE id = ? AND status = ? "
                              "RETURNING reseller_id", (TicketStatus.PAID.value, now, ticket_id,
                                                        TicketStatus.OPEN.value))
            if claimed is None:
                return None
            reseller_id = int(claimed[0])
            won = sql.execute("UPDATE bank_line SET status = ?, ticket_id = ?, reseller_id = ?, decided_at = ?, "
                              "decided_by = ? WHERE id = ? AND status = ?",
                              (LineStatus.MATCHED.value, ticket_id, reseller_id, now, actor[:50], line_id,
                               LineStatus.UNMATCHED.value))
            if won.rowcount != 1:
                raise _Lost()
            posting = ledger.post(reseller_id, amount, ledger.LedgerKind.DEPOSIT,
                                  note=f"Tiket #{ticket_id} {bank} {group(amount)} (mutasi #{line_id})",
                                  actor=actor, now=now)
            sql.execute("UPDATE bank_line SET ledger_entry_id = ? WHERE id = ?", (posting.entry_id, line_id))
            _audit(actor, "deposit_ticket_match", f"reseller:{reseller_id}",
                   f"ticket={ticket_id} line={line_id} bank={bank} amount={amount} booked={booked_on}", now)
            reply = _notify(templates, reseller_id, amount, bank, posting.balance_after, now)
    except _Lost:
        return None
    return Credit(reseller_id, _code(reseller_id), amount, posting.balance_after, posting.entry_id, bank,
                  ticket_id=ticket_id, line_id=line_id, reply_id=reply)


def _link_confirmed(line_id: int, bank: str, booked_on: _dt.date, amount: int, actor: str,
                    now: _dt.datetime) -> tuple[int, str] | None:
    """Inside a transaction: the line is the transfer of a ticket the owner confirmed by hand (same bank,
    unique amount and days, and no line linked to it yet): link it, credit nothing. (ticket, reseller code)."""
    day, next_day = _window(booked_on)
    row = sql.one("SELECT t.id, t.reseller_id, t.bank FROM deposit_ticket t WHERE t.status = ? AND t.unique_amount = ? "
                  "AND UPPER(t.bank) = ? AND t.created_at < ? AND t.expires_at >= ? "
                  "AND NOT EXISTS (SELECT 1 FROM bank_line b WHERE b.ticket_id = t.id) ORDER BY t.id LIMIT 1",
                  (TicketStatus.PAID.value, amount, bank_key(bank), next_day, day))
    if row is None:
        return None
    ticket_id, reseller_id = int(row[0]), int(row[1])
    entry = sql.one("SELECT id FROM ledger_entry WHERE reseller_id = ? AND kind = ? AND note = ? ORDER BY id LIMIT 1",
                    (reseller_id, ledger.LedgerKind.DEPOSIT.value, _manual_note(ticket_id, str(row[2]))[:200]))
    won = sql.execute("UPDATE bank_line SET status = ?, ticket_id = ?, reseller_id = ?, ledger_entry_id = ?, "
                      "decided_at = ?, decided_by = ? WHERE id = ? AND status = ?",
                      (LineStatus.MATCHED.value, ticket_id, reseller_id, entry[0] if entry else None, now,
                       actor[:50], line_id, LineStatus.UNMATCHED.value))
    if won.rowcount != 1:
        return None
    _audit(actor, "bank_line_link", f"bank_line:{line_id}",
           f"ticket={ticket_id} confirmed by hand before; not credited again", now)
    return ticket_id, _code(reseller_id)


def assign_line(line_id: int, reseller_id: int, actor: str, now: _dt.datetime) -> Credit:
    """The owner knows whose transfer a waiting line is: credit its amount to that reseller, exactly once."""
    templates = Templates()
    with db.atomic():
        if sql.one("SELECT 1 FROM reseller WHERE id = ?", (reseller_id,)) is None:
            raise DepositError("Reseller tidak ditemukan")
        row = sql.one("UPDATE bank_line SET status = ?, reseller_id = ?, decided_at = ?, decided_by = ? "
                      "WHERE id = ? AND status = ? RETURNING bank, booked_on, amount",
                      (LineStatus.ASSIGNED.value, reseller_id, now, actor[:50], line_id, LineStatus.UNMATCHED.value))
        if row is None:
            raise DepositError(_why_not_waiting(line_id))
        bank, booked_on, amount = str(row[0]), _date(row[1]), int(row[2])
        posting = ledger.post(reseller_id, amount, ledger.LedgerKind.DEPOSIT,
                              note=f"Mutasi {bank} #{line_id} tgl {booked_on:%d/%m/%y} {group(amount)}",
                              actor=actor, now=now)
        sql.execute("UPDATE bank_line SET ledger_entry_id = ? WHERE id = ?", (posting.entry_id, line_id))
        _audit(actor, "bank_line_assign", f"reseller:{reseller_id}",
               f"line={line_id} bank={bank} amount={amount} booked={booked_on}", now)
        reply = _notify(templates, reseller_id, amount, bank, posting.balance_after, now)
    return Credit(reseller_id, _code(reseller_id), amount, posting.balance_after, posting.entry_id, bank,
                  line_id=line_id, reply_id=reply)


def ignore_line(line_id: int, actor: str, now: _dt.datetime) -> None:
    """A waiting line that is no reseller's deposit (the owner's own transfer, a refund…)."""
    with db.atomic():
        done = sql.execute("UPDATE bank_line SET status = ?, decided_at = ?, decided_by = ? "
                           "WHERE id = ? AND status = ?",
                           (LineStatus.IGNORED.value, now, actor[:50], line_id, LineStatus.UNMATCHED.value))
        if done.rowcount != 1:
            raise DepositError(_why_not_waiting(line_id))
        _audit(actor, "bank_line_ignore", f"bank_line:{line_id}", "", now)


def unignore_line(line_id: int, actor: str, now: _dt.datetime) -> None:
    """Undo `ignore_line`: the line waits again."""
    with db.atomic():
        done = sql.execute("UPDATE bank_line SET status = ?, decided_at = NULL, decided_by = '' WHERE id = ? "
                           "AND status = ?", (LineStatus.UNMATCHED.value, line_id, LineStatus.IGNORED.value))
        if done.rowcount != 1:
            raise DepositError(f"Mutasi #{line_id} tidak sedang diabaikan")
        _audit(actor, "bank_line_unignore", f"bank_line:{line_id}", "", now)


def _why_not_waiting(line_id: int) -> str:
    row = sql.one("SELECT status FROM bank_line WHERE id = ?", (line_id,))
    if row is None:
        return f"Mutasi #{line_id} tidak ditemukan"
    word = {LineStatus.MATCHED.value: "sudah cocok dengan tiket", LineStatus.ASSIGNED.value: "sudah ditetapkan",
            LineStatus.IGNORED.value: "sedang diabaikan"}.get(row[0], row[0])
    return f"Mutasi #{line_id} {word}; saldo tidak ditambah"


def save_bank_format(name: str, mapping: CsvMapping, *, actor: str) -> str:
    """The owner's column mapping for another bank's CSV, kept under the bank's name (as tickets name it);
    under a built-in bank's name it replaces the built-in reader (its export changed) until forgotten.
    Returns the name as stored."""
    key = bank_key(name)
    if not key:
        raise DepositError("Nama bank wajib diisi")
    try:
        mapping.check()
    except BankCsvError as exc:
        raise DepositError(str(exc)) from None
    with db.atomic():
        settings.save_bank_format(key, mapping.to_dict())
        AuditLog.create(actor=actor[:50], action="bank_format_save", target=f"bank:{key}"[:100],
                        detail=str(mapping.to_dict())[:2000])
    return key


def forget_bank_format(name: str, *, actor: str) -> None:
    """Drop a saved mapping (a built-in bank is read by its built-in reader again)."""
    key = bank_key(name)
    if settings.saved_bank_format(key) is None:
        raise DepositError(f"Tidak ada format tersimpan untuk {key}")
    with db.atomic():
        settings.forget_bank_format(key)
        AuditLog.create(actor=actor[:50], action="bank_format_forget", target=f"bank:{key}"[:100])


# --- shared pieces -------------------------------------------------------------------------------

def _audit(actor: str, action: str, target: str, detail: str, now: _dt.datetime) -> None:
    sql.execute("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                (now, actor[:50], action[:50], target[:100], detail[:2000]))


def _code(reseller_id: int) -> str:
    row = sql.one("SELECT code FROM reseller WHERE id = ?", (reseller_id,))
    return str(row[0]) if row else str(reseller_id)


def _date(value: Any) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value)[:10])


def _stored_line(line: StatementLine, fingerprint: str) -> ImportedLine:
    row = sql.one("SELECT b.id, b.status, b.ticket_id, r.code FROM bank_line b LEFT JOIN reseller r "
                  "ON r.id = b.reseller_id WHERE b.fingerprint = ?", (fingerprint,))
    if row is None:
        return ImportedLine(line.line_no, line.booked_on, line.description, line.amount, None, "")
    return ImportedLine(line.line_no, line.booked_on, line.description, line.amount, int(row[0]), str(row[1]),
                        row[2], row[3] or "")


def reply_address(reseller_id: int) -> tuple[str, str, str] | None:
    """(channel, address, language) a reseller's notices go to: its main number if that is an SMS
    number, else its first SMS number, else its main chat ID."""
    row = sql.one("SELECT a.channel, a.address, r.language FROM reseller_address a JOIN reseller r "
                  "ON r.id = a.reseller_id WHERE a.reseller_id = ? ORDER BY CASE "
                  "WHEN a.channel = 'sms' AND a.is_main = ? THEN 0 WHEN a.channel = 'sms' THEN 1 "
                  "WHEN a.is_main = ? THEN 2 ELSE 3 END, a.id LIMIT 1", (reseller_id, True, True))
    return (str(row[0]), str(row[1]), str(row[2] or "id")) if row else None


def _notify(templates: Templates, reseller_id: int, amount: int, bank: str, balance: int,
            now: _dt.datetime) -> int | None:
    target = reply_address(reseller_id)
    if target is None:
        log.warning("reseller %s has no address; deposit notice not sent", reseller_id)
        return None
    channel, address, lang = target
    text = templates.render("deposit_credited", lang, jumlah=amount, bank=bank_csv.bank_title(bank), saldo=balance)
    return queue_reply(channel=channel, to=address, text=text, now=now, event=REPLY_EVENT)


def report_lines(result: ImportResult) -> list[str]:
    """What an import did, in Indonesian, for the command line."""
    def one(item: ImportedLine) -> str:
        return (f"  baris {item.line_no:>4}  {item.booked_on:%d/%m/%Y}  Rp {group(item.amount):>12}  "
                f"{item.description[:50]}")

    out = [f"Mutasi {bank_csv.bank_title(result.bank)}: {len(result.matched)} cocok dengan tiket, "
           f"{len(result.waiting)} menunggu, {len(result.already)} sudah pernah diimpor, "
           f"{len(result.debits)} debet dilewati."]
    if result.matched:
        out.append(f"Cocok dengan tiket, saldo ditambah (total Rp {group(result.credited_total)}):")
        out += [one(i) + f"  -> tiket #{i.ticket_id} {i.reseller_code}, saldo Rp {group(i.balance_after or 0)}"
                for i in result.matched]
    if result.confirmed_before:
        out.append("Tiketnya sudah dikonfirmasi manual (saldo tidak ditambah lagi):")
        out += [one(i) + f"  -> tiket #{i.ticket_id} {i.reseller_code}" for i in result.confirmed_before]
    if result.waiting:
        out.append("Menunggu ditetapkan ke reseller atau diabaikan (menu Deposit di jendela):")
        out += [one(i) + f"  (mutasi #{i.line_id})" for i in result.waiting]
    if result.already:
        out.append("Sudah pernah diimpor (tidak diproses lagi):")
        out += [one(i) + f"  ({_status_word(i.status)})" for i in result.already]
    if result.skipped:
        out.append("Dilewati:")
        out += [f"  {note}" for note in result.skipped]
    if result.problems:
        out.append("Baris tidak terbaca:")
        out += [f"  {note}" for note in result.problems]
    return out


def _status_word(status: str) -> str:
    return {LineStatus.UNMATCHED.value: "menunggu", LineStatus.MATCHED.value: "cocok dengan tiket",
            LineStatus.ASSIGNED.value: "ditetapkan", LineStatus.IGNORED.value: "diabaikan"}.get(status, status)
