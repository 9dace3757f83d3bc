"""Bank statements ("mutasi rekening") as CSV files: the exports of BCA, Mandiri, BRI and BNI internet
banking, and any other bank through a column mapping the owner saves per bank name. No Qt.

A statement becomes `StatementLine`s, credits (money into the shop's account: candidates for a reseller's
deposit) and debits (only counted). Whatever cannot be read is a `RowNote` with its line number, never an
exception: a file as a whole that is no statement at all raises `BankCsvError` with an Indonesian message.

What the bank presets know of each export (public layouts, read by their header row, so a column more or
less, another order or `;` instead of `,` does not matter):

- BCA (KlikBCA): a preamble (`No. rekening :`, `Periode : 01/06/2026 - 30/06/2026`), then
  `Tanggal Transaksi,Keterangan,Cabang,Jumlah,,Saldo`; dates `'15/06` without a year (taken from the period)
  and `PEND` for a transfer not yet booked (skipped: it comes back with its date in a later statement);
  amounts `100,123.00` with `CR` or `DB` in the amount or in the column after it; a trailer of totals.
- Mandiri: `Account No,Date,Val. Date,Transaction Code,Description,Description,Reference No.,Debit,Credit`,
  dates `15/06/26`, two description columns (joined), amounts `100,123.00`.
- BRI: `Tanggal,Uraian Transaksi,Teller,Debet,Kredit,Saldo`, dates `15/06/26` or `15/06/2026`, amounts
  the Indonesian way `100.123,00`.
- BNI: `Tanggal Transaksi,Uraian Transaksi,Tipe,Nominal,Saldo`, dates `15/06/2026` or `15-Jun-2026`, type
  `Cr`/`Db` (or `K`/`D`), amounts `100.123,00`.

Amounts are read whichever separator a file uses: `1,000,000.00`, `1.000.000,00`, `1000000`, with `Rp`,
`CR`/`DB`/`K`/`D` marks, a minus sign or parentheses. A credit with sen (interest, `1.234,56`) is no
deposit and is skipped with a note.

The fingerprint of a credit is a digest of its bank, date, description, amount and how many identical lines
came before it in the same file: importing the same statement again, or one that overlaps it, finds the
lines it already has.
"""
from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from app import settings

PRESETS = ("BCA", "MANDIRI", "BRI", "BNI")
PRESET_TITLES = {"BCA": "BCA", "MANDIRI": "Mandiri", "BRI": "BRI", "BNI": "BNI"}
DATE_FORMATS = ("DD/MM/YYYY", "DD-MM-YYYY", "DD.MM.YYYY", "DD/MM/YY", "DD-MM-YY", "YYYY-MM-DD", "DD MMM YYYY",
                "DD-MMM-YYYY", "DD-MMM-YY", "MM/DD/YYYY", "DD/MM")
AUTO_DATE = "auto"
DELIMITERS = (",", ";", "\t", "|")
MAX_FILE_BYTES = 20_000_000
HEADER_SEARCH_ROWS = 40
MAX_NAME = 40  # BankLine.bank


class BankCsvError(ValueError):
    """The file cannot be read as a statement of that bank (the message says why, in Indonesian)."""


def bank_key(name: str) -> str:
    """How a bank is named in the books: `mandiri` and `Mandiri` are one bank."""
    return " ".join(name.split()).upper()[:MAX_NAME]


def bank_title(name: str) -> str:
    key = bank_key(name)
    return PRESET_TITLES.get(key, key)


# --- what a statement holds ------------------------------------------------------------------------

@dataclass(frozen=True)
class StatementLine:
    line_no: int  # in the file, from 1
    booked_on: _dt.date
    description: str
    amount: int  # rupiah, positive
    credit: bool  # money in; a debit is only counted


@dataclass(frozen=True)
class RowNote:
    """A row left out: why, with its line number (`problem` rows could not be read at all)."""

    line_no: int
    text: str  # Indonesian

    def __str__(self) -> str:
        return f"baris {self.line_no}: {self.text}"


@dataclass
class Statement:
    bank: str  # bank_key
    lines: list[StatementLine] = field(default_factory=list)
    skipped: list[RowNote] = field(default_factory=list)  # read, but no deposit: pending, sen
    problems: list[RowNote] = field(default_factory=list)  # could not be read

    @property
    def credits(self) -> list[StatementLine]:
        return [line for line in self.lines if line.credit]

    @property
    def debits(self) -> list[StatementLine]:
        return [line for line in self.lines if not line.credit]


def _norm_description(text: str) -> str:
    return " ".join(text.split()).upper()


def fingerprints(bank: str, lines: Sequence[StatementLine]) -> list[str]:
    """One digest per line: bank, date, description, amount, direction, and the how-many-th identical line
    of the file it is (two equal transfers on one day are two lines; the same statement read twice is not)."""
    seen: Counter[tuple[str, ...]] = Counter()
    out = []
    for line in lines:
        key = (bank_key(bank), line.booked_on.isoformat(), _norm_description(line.description), str(line.amount),
               "CR" if line.credit else "DB")
        seen[key] += 1
        out.append(hashlib.sha256("\x1f".join((*key, str(seen[key]))).encode("utf-8")).hexdigest())
    return out


# --- the owner's column mapping --------------------------------------------------------------------

@dataclass(frozen=True)
class CsvMapping:
    """How to read another bank's CSV. Columns are counted from 1, as the owner sees them; 0 = none."""

    delimiter: str = ","
    skip_lines: int = 1  # lines before the first transaction (the header included)
    date_column: int = 1
    date_format: str = "DD/MM/YYYY"  # one of DATE_FORMATS, or "auto"
    description_column: int = 2
    amount_column: int = 3  # one column, signed or marked CR/DB; 0 when credit/debit columns are used
    credit_column: int = 0
    debit_column: int = 0
    type_column: int = 0  # optional: a column saying CR/DB (K/D) for an unsigned amount
    decimal: str = ","  # "," → 1.000.000,00 (Indonesian); "." → 1,000,000.00

    def check(self) -> None:
        if self.delimiter not in DELIMITERS:
            raise BankCsvError("Pemisah kolom harus koma, titik koma, tab atau |")
        if not 0 <= self.skip_lines <= 1000:
            raise BankCsvError("Baris yang dilewati harus 0 sampai 1000")
        if self.date_column < 1:
            raise BankCsvError("Pilih kolom tanggal")
        if self.date_format != AUTO_DATE and not _TOKEN_RE.search(self.date_format.upper()):
            raise BankCsvError(f"Format tanggal {self.date_format!r} tidak dikenal")
        if self.amount_column < 1 and self.credit_column < 1:
            raise BankCsvError("Pilih kolom jumlah, atau kolom kredit (dan debet)")
        if self.decimal not in (",", "."):
            raise BankCsvError("Tanda desimal harus koma atau titik")
        for name in ("date_column", "description_column", "amount_column", "credit_column", "debit_column",
                     "type_column"):
            if not 0 <= getattr(self, name) <= 200:
                raise BankCsvError("Nomor kolom harus 1 sampai 200")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CsvMapping":
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue
            values[key] = int(value) if known[key].type in ("int", int) else str(value)
        mapping = cls(**values)
        mapping.check()
        return mapping


def saved_mapping(name: str) -> CsvMapping | None:
    data = settings.saved_bank_format(name)
    if data is None:
        return None
    try:
        return CsvMapping.from_dict(data)
    except (BankCsvError, ValueError, TypeError):
        return None


def known_banks() -> list[str]:
    """The presets, then the banks the owner saved a format for (bank_key names). A preset with a saved
    format is read with the saved one (see `parse_text`)."""
    saved = [bank_key(n) for n in settings.saved_bank_format_names()]
    return list(PRESETS) + [n for n in saved if n not in PRESETS]


def saved_banks() -> list[str]:
    return [bank_key(n) for n in settings.saved_bank_format_names()]


# --- reading the file ------------------------------------------------------------------------------

def read_text(path: str | Path) -> str:
    """The file as text (UTF-8 with or without BOM, else Windows-1252), or BankCsvError."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BankCsvError(f"File {p.name} terlalu besar ({size // 1_000_000} MB); mutasi bank biasanya kecil")
        data = p.read_bytes()
    except FileNotFoundError:
        raise BankCsvError(f"File {p} tidak ditemukan") from None
    except IsADirectoryError:
        raise BankCsvError(f"{p} adalah folder, bukan file") from None
    except OSError as exc:
        raise BankCsvError(f"File {p} tidak bisa dibaca: {exc.strerror or exc}") from None
    return decode(data, p.name)


def decode(data: bytes, name: str = "file") -> str:
    if data[:2] == b"PK" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise BankCsvError(f"{name} adalah file Excel, bukan CSV. Buka di Excel lalu simpan sebagai CSV, atau "
                           "unduh mutasi dalam format CSV")
    if b"\x00" in data[:4096]:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return data.decode("utf-16")
        raise BankCsvError(f"{name} bukan file teks (CSV)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _rows(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) for every row; a quoted cell may span lines (numbered by its first line)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    out = []
    start = 1
    try:
        for cells in reader:
            out.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise BankCsvError(f"baris {reader.line_num}: CSV rusak ({exc})") from None
    return out


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index < 0 or index >= len(cells):
        return ""
    # BCA writes text cells as '02/06 so that Excel keeps them as text
    return cells[index].strip().lstrip("'").strip()


# --- amounts ---------------------------------------------------------------------------------------

CREDIT_MARKS = frozenset({"CR", "C", "K", "KR", "KREDIT", "CREDIT"})
DEBIT_MARKS = frozenset({"DB", "D", "DR", "DEBET", "DEBIT"})
_NUMBER = re.compile(r"^[0-9][0-9.,]*$")


@dataclass(frozen=True)
class Money:
    sen: int  # the absolute value, in sen (1/100 rupiah)
    sign: int | None  # +1 credit, -1 debit, None when the text does not say


def parse_money(text: str, decimal: str | None = None) -> Money | None:
    """'1,000,000.00 CR', '1.000.000,00', 'Rp 50.000', '-25.000', '(25.000)', 'DB 1.000' → Money; None when
    it is no amount. Without `decimal` the separators are told apart by the amount itself (the last of two
    kinds is the decimal mark; one kind followed by three digits groups thousands). With `decimal` ("," or
    ".", the owner's choice for his bank) an amount written the other way is no amount, so a wrong choice
    shows at once in the preview instead of reading 100.123 as 100 rupiah."""
    t = text.strip().strip("'\"").upper().replace("\u00a0", " ")
    if not t:
        return None
    sign: int | None = None
    if t.startswith("(") and t.endswith(")"):
        t, sign = t[1:-1].strip(), -1
    t = re.sub(r"\b(RP|IDR)\.?", " ", t).strip()
    t = re.sub(r"[.,]-$", "", t)  # "50.000,-": Indonesian for "no sen", not a minus
    m = re.match(r"^([A-Z]+)\s*(.*)$", t)
    if m and (m.group(1) in CREDIT_MARKS or m.group(1) in DEBIT_MARKS):
        sign, t = (1 if m.group(1) in CREDIT_MARKS else -1), m.group(2).strip()
    m = re.match(r"^(.*?)\s*([A-Z]+)$", t)
    if m and m.group(1):
        if m.group(2) not in CREDIT_MARKS and m.group(2) not in DEBIT_MARKS:
            return None
        sign, t = (1 if m.group(2) in CREDIT_MARKS else -1), m.group(1).strip()
    if t.startswith(("-", "+")):
        sign, t = (-1 if t[0] == "-" else 1), t[1:].strip()
    elif t.endswith("-"):
        sign, t = -1, t[:-1].strip()
    t = t.replace(" ", "")
    if t[:1] in (".", ","):
        t = "0" + t  # Mandiri writes nothing as .00
    if not _NUMBER.match(t):
        return None
    split = _split_number(t, decimal)
    if split is None:
        return None
    whole, frac = split
    if len(whole) > 15:
        return None
    return Money(int(whole or "0") * 100 + int((frac + "00")[:2]), sign)


def _split_number(t: str, decimal: str | None) -> tuple[str, str] | None:
    """'1.234.567,89' → ('1234567', '89')."""
    dots, commas = t.count("."), t.count(",")
    if dots and commas:
        dec = "." if t.rfind(".") > t.rfind(",") else ","
        thousands = "," if dec == "." else "."
        if t.count(dec) > 1 or (decimal is not None and dec != decimal):
            return None
    elif dots or commas:
        sep = "." if dots else ","
        tail = len(t) - t.rfind(sep) - 1
        if (dots or commas) > 1 or tail == 3:
            if decimal is not None and sep == decimal:
                return None  # 100.123 with "." as decimal mark: three decimals is no rupiah amount
            dec, thousands = "", sep  # 1.000.000 / 1,000
        elif tail in (1, 2):
            if decimal is not None and sep != decimal:
                return None
            dec, thousands = sep, ""
        else:
            return None
    else:
        return t, ""
    whole, _, frac = t.partition(dec) if dec else (t, "", "")
    if thousands:
        groups = whole.split(thousands)
        if not groups[0] or any(len(g) != 3 for g in groups[1:]):
            return None
        whole = "".join(groups)
    if len(frac) > 2 or not whole.isdigit() or (frac and not frac.isdigit()):
        return None
    return whole, frac


# --- dates -----------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"YYYY|YY|MMM|MM|DD")
_TOKEN_PATTERN = {"YYYY": r"(?P<y4>\d{4})", "YY": r"(?P<y2>\d{2})", "MMM": r"(?P<mon>[A-Za-z]{3,9})",
                  "MM": r"(?P<m>\d{1,2})", "DD": r"(?P<d>\d{1,2})"}
# Indonesian and English month names, by their first three letters
MONTHS = {"JAN": 1, "FEB": 2, "PEB": 2, "MAR": 3, "APR": 4, "MEI": 5, "MAY": 5, "JUN": 6, "JUL": 7, "AGU": 8,
          "AGT": 8, "AUG": 8, "SEP": 9, "OKT": 10, "OCT": 10, "NOV": 11, "NOP": 11, "DES": 12, "DEC": 12}
_compiled: dict[str, re.Pattern[str]] = {}


def _date_pattern(fmt: str) -> re.Pattern[str]:
    pattern = _compiled.get(fmt)
    if pattern is None:
        parts, pos, upper = [], 0, fmt.upper()
        for m in _TOKEN_RE.finditer(upper):
            parts.append(re.escape(fmt[pos:m.start()]))
            parts.append(_TOKEN_PATTERN[m.group()])
            pos = m.end()
        parts.append(re.escape(fmt[pos:]))
        pattern = re.compile("^" + "".join(parts) + r"(?:[ T].*)?$")  # a time after the date is ignored
        _compiled[fmt] = pattern
    return pattern


YearFor = Callable[[int, int], "int | None"]  # (month, day) → the year of a date written without one


def parse_date(text: str, fmt: str, year_for: YearFor | None = None) -> _dt.date | None:
    t = " ".join(text.strip().strip("'\"").split())
    if not t:
        return None
    for candidate in (DATE_FORMATS if fmt == AUTO_DATE else (fmt,)):
        m = _date_pattern(candidate).match(t)
        if not m:
            continue
        parts = m.groupdict()
        if parts.get("mon"):
            month = MONTHS.get(parts["mon"][:3].upper())
            if month is None:
                continue
        else:
            month = int(parts["m"])
        day = int(parts["d"])
        if parts.get("y4"):
            year: int | None = int(parts["y4"])
        elif parts.get("y2"):
            year = 2000 + int(parts["y2"])
        else:
            year = year_for(month, day) if year_for else None
            if year is None:
                continue
        try:
            return _dt.date(year, month, day)
        except ValueError:
            if fmt != AUTO_DATE:
                return None
    return None


_DMY = r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})"
_PERIOD = re.compile(_DMY + r"\s*(?:-|s\.?d\.?|sampai|to)\s*" + _DMY, re.IGNORECASE)


def _year_guess(preamble: str, today: _dt.date | None) -> YearFor:
    """The year of a `DD/MM` date: inside the statement's period (`Periode : 01/12/2025 - 15/01/2026`) when
    the file has one, else the latest that is not after `today`."""
    m = _PERIOD.search(preamble)
    period: tuple[_dt.date, _dt.date] | None = None
    if m:
        try:
            period = (_dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))),
                      _dt.date(int(m.group(6)), int(m.group(5)), int(m.group(4))))
        except ValueError:
            period = None

    def year_for(month: int, day: int) -> int | None:
        if period is not None:
            for year in range(period[0].year, period[1].year + 1):
                try:
                    if period[0] <= _dt.date(year, month, day) <= period[1]:
                        return year
                except ValueError:
                    continue
            return period[1].year
        if today is None:
            return None
        try:
            return today.year if _dt.date(today.year, month, day) <= today else today.year - 1
        except ValueError:
            return today.year - 1 if month == 2 and day == 29 else None

    return year_for


# --- turning rows into lines ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Columns:
    date: int
    descriptions: tuple[int, ...]
    amount: int | None = None
    credit: int | None = None
    debit: int | None = None
    kind: int | None = None
    date_format: str = AUTO_DATE
    decimal: str | None = None  # None: whichever the amount shows
    unsigned_credit: bool = False  # an amount without CR/DB or a sign is a credit (the owner's mappings)


# rows after the transactions (and the totals some banks put in the middle): skipped without a word
_TRAILERS = ("saldo", "mutasi", "kredit", "debet", "debit", "credit", "total", "jumlah", "opening", "closing",
             "ending", "beginning", "starting", "balance", "end of", "akhir", "awal")
PENDING = frozenset({"PEND", "PENDING"})


def _mark(text: str) -> int | None:
    t = text.strip().strip("'\"").upper().rstrip(".")
    if t in CREDIT_MARKS:
        return 1
    if t in DEBIT_MARKS:
        return -1
    return None


def _read_rows(rows: Iterable[tuple[int, list[str]]], cols: _Columns, bank: str, year_for: YearFor | None,
               ) -> Statement:
    out = Statement(bank_key(bank))
    for line_no, cells in rows:
        if not any(c.strip().strip("'\"") for c in cells):
            continue
        first = next((c.strip().strip("'\"").lower() for c in cells if c.strip().strip("'\"")), "")
        date_text = _cell(cells, cols.date)
        if date_text.upper() in PENDING:
            out.skipped.append(RowNote(line_no, "transaksi PEND (belum dibukukan bank); ikut di mutasi berikutnya"))
            continue
        booked = parse_date(date_text, cols.date_format, year_for)
        if booked is None:
            if not date_text:
                money, problem = _row_amount(cells, cols)
                if not problem and money is not None and money.sen and not first.startswith(_TRAILERS):
                    out.problems.append(RowNote(line_no, "tanggal kosong"))  # an amount without a date
                continue  # a continued description, a note line, a total
            if first.startswith(_TRAILERS) or len([c for c in cells if c.strip()]) <= 1:
                continue  # totals, a note line
            out.problems.append(RowNote(line_no, f"tanggal {date_text[:30]!r} tidak terbaca"))
            continue
        description = " ".join(_cell(cells, i) for i in cols.descriptions if _cell(cells, i))
        money, problem = _row_amount(cells, cols)
        if problem:
            out.problems.append(RowNote(line_no, problem))
            continue
        assert money is not None
        if money.sen == 0:
            continue
        credit = money.sign != -1
        if money.sen % 100:
            if credit:
                rp = f"{money.sen // 100:,}".replace(",", ".") + f",{money.sen % 100:02d}"
                out.skipped.append(RowNote(line_no, f"kredit {rp} ada sennya (bunga?), bukan deposit"))
            continue
        out.lines.append(StatementLine(line_no, booked, " ".join(description.split())[:300], money.sen // 100,
                                       credit))
    return out


def _row_amount(cells: list[str], cols: _Columns) -> tuple[Money | None, str]:
    """The row's amount and direction, or ("", a problem)."""
    if cols.credit is not None or cols.debit is not None:
        credit_text, debit_text = _cell(cells, cols.credit), _cell(cells, cols.debit)
        credit = parse_money(credit_text, cols.decimal) if credit_text not in ("", "-") else Money(0, None)
        debit = parse_money(debit_text, cols.decimal) if debit_text not in ("", "-") else Money(0, None)
        if credit is None:
            return None, f"kredit {credit_text[:30]!r} tidak terbaca"
        if debit is None:
            return None, f"debet {debit_text[:30]!r} tidak terbaca"
        if credit.sen and debit.sen:
            return None, "kredit dan debet terisi dua-duanya"
        if credit.sen:
            return Money(credit.sen, -1 if credit.sign == -1 else 1), ""
        return Money(debit.sen, -1), ""
    text = _cell(cells, cols.amount)
    money = parse_money(text, cols.decimal)
    if money is None:
        return None, f"jumlah {text[:30]!r} tidak terbaca" if text else "jumlah kosong"
    sign = money.sign
    if cols.kind is not None:
        kind_text = _cell(cells, cols.kind)
        kind = _mark(kind_text)
        if kind is None and kind_text:
            return None, f"jenis {kind_text[:10]!r} bukan CR/DB"
        sign = kind if kind is not None else sign
    elif sign is None and cols.amount is not None:
        sign = _mark(_cell(cells, cols.amount + 1))  # BCA: "100,000.00","CR" in the column after the amount
    if sign is None:
        if not cols.unsigned_credit:
            return None, f"jumlah {text[:30]!r} tanpa tanda kredit/debet (CR/DB)"
        sign = 1  # the owner's mapping: an amount without a minus or DB is money in
    return Money(money.sen, sign), ""


# --- the bank presets: found by their header row -----------------------------------------------------

DATE_HEADERS = ("tanggal transaksi", "tgl transaksi", "tanggal", "tgl", "date", "transaction date", "posting date",
                "post date", "tanggal posting", "tgl posting", "trans date", "tanggal mutasi", "tran date")
DESCRIPTION_HEADERS = ("keterangan", "deskripsi", "description", "uraian", "uraian transaksi", "transaksi", "remark",
                       "remarks", "keterangan transaksi", "berita", "transaction description", "detail", "rincian")
AMOUNT_HEADERS = ("jumlah", "nominal", "amount", "mutasi", "jumlah mutasi", "nilai", "transaction amount")
CREDIT_HEADERS = ("kredit", "credit", "mutasi kredit", "cr", "credit amount", "masuk", "kredit idr", "credit idr")
DEBIT_HEADERS = ("debet", "debit", "mutasi debet", "mutasi debit", "db", "dr", "debit amount", "keluar", "debet idr",
                 "debit idr")
KIND_HEADERS = ("tipe", "jenis", "db/cr", "d/k", "dk", "cr/db", "type", "k/d", "dbcr", "tipe transaksi")


# header words only one bank's export has: a file showing another bank's is refused (the bank chosen
# names the lines, and a ticket matches only transfers to its own bank)
SIGNATURES = {"BCA": ("cabang",), "MANDIRI": ("account no", "val date", "transaction code", "reference no"),
              "BRI": ("teller",), "BNI": ("tipe", "journal no")}


def _looks_like(headers: list[str], preamble: str) -> set[str]:
    found = {bank for bank, words in SIGNATURES.items() if any(w in headers for w in words)}
    if "kode mata uang" in preamble.lower():
        found.add("BCA")
    return found


def _norm_header(text: str) -> str:
    t = text.strip().strip("'\"").lower().replace(".", " ").replace("(", " ").replace(")", " ")
    t = t.replace("rp", " ") if t.endswith(" rp") else t
    return " ".join(t.split())


def _find(headers: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:  # the first name that matches: "Tanggal Transaksi" before a plain "Tanggal"
        if name in headers:
            return headers.index(name)
    return None


def _columns_from_header(cells: list[str]) -> _Columns | None:
    headers = [_norm_header(c) for c in cells]
    date = _find(headers, DATE_HEADERS)
    if date is None:
        return None
    descriptions = tuple(i for i, h in enumerate(headers) if h in DESCRIPTION_HEADERS)
    credit, debit = _find(headers, CREDIT_HEADERS), _find(headers, DEBIT_HEADERS)
    amount = _find(headers, AMOUNT_HEADERS)
    kind = _find(headers, KIND_HEADERS)
    if credit is not None:
        return _Columns(date, descriptions, credit=credit, debit=debit)
    if amount is not None:
        return _Columns(date, descriptions, amount=amount, kind=kind)
    return None


def parse_preset(text: str, bank: str, today: _dt.date | None = None) -> Statement:
    """A statement of one of PRESETS, found by its header row (any delimiter)."""
    key = bank_key(bank)
    for delimiter in DELIMITERS:
        if delimiter not in text:
            continue
        rows = _rows(text, delimiter)
        for index, (_line_no, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
            cols = _columns_from_header(cells)
            if cols is None:
                continue
            preamble = "\n".join(",".join(c) for _n, c in rows[:index])
            looks = _looks_like([_norm_header(c) for c in cells], preamble)
            if looks and key not in looks:
                other = " atau ".join(bank_title(b) for b in sorted(looks))
                raise BankCsvError(f"File ini tampaknya mutasi {other}, bukan {bank_title(key)}. Pilih bank yang "
                                   "sesuai dengan rekening mutasinya")
            return _read_rows(rows[index + 1:], cols, key, _year_guess(preamble + "\n" + text[-2000:], today))
    raise BankCsvError(f"Judul kolom mutasi {bank_title(key)} tidak ditemukan (kolom Tanggal dan Jumlah, atau "
                       "Debet/Kredit). Apakah ini file CSV mutasi rekening dari internet banking "
                       f"{bank_title(key)}? Untuk format lain pakai 'Format lain…'")


def parse_mapped(text: str, bank: str, mapping: CsvMapping, today: _dt.date | None = None) -> Statement:
    """A statement read with the owner's column mapping."""
    mapping.check()
    rows = _rows(text, mapping.delimiter)
    skipped = rows[:mapping.skip_lines]
    preamble = "\n".join(",".join(c) for _n, c in skipped)

    def col(number: int) -> int | None:
        return number - 1 if number > 0 else None

    if mapping.amount_column > 0:
        cols = _Columns(mapping.date_column - 1, tuple(i for i in (col(mapping.description_column),) if i is not None),
                        amount=mapping.amount_column - 1, kind=col(mapping.type_column),
                        date_format=mapping.date_format, decimal=mapping.decimal, unsigned_credit=True)
    else:
        cols = _Columns(mapping.date_column - 1, tuple(i for i in (col(mapping.description_column),) if i is not None),
                        credit=col(mapping.credit_column), debit=col(mapping.debit_column),
                        date_format=mapping.date_format, decimal=mapping.decimal, unsigned_credit=True)
    return _read_rows(rows[mapping.skip_lines:], cols, bank, _year_guess(preamble, today))


def parse_text(text: str, bank: str, mapping: CsvMapping | None = None, today: _dt.date | None = None) -> Statement:
    """`mapping` if given; else the owner's saved format of `bank`; else the bank's preset."""
    if not text.strip():
        raise BankCsvError("File kosong")
    key = bank_key(bank)
    if not key:
        raise BankCsvError("Nama bank kosong")
    if mapping is None:
        mapping = saved_mapping(key)
    if mapping is not None:
        return parse_mapped(text, key, mapping, today)
    if key in PRESETS:
        return parse_preset(text, key, today)
    raise BankCsvError(f"Bank {bank.strip()} tidak dikenal. Pilih BCA, Mandiri, BRI, BNI, atau simpan dulu format "
                       "kolomnya lewat 'Format lain…' di menu Deposit" + _saved_hint())


def _saved_hint() -> str:
    saved = [n for n in known_banks() if n not in PRESETS]
    return f" (format tersimpan: {', '.join(saved)})" if saved else ""


def parse_file(path: str | Path, bank: str, mapping: CsvMapping | None = None,
               today: _dt.date | None = None) -> Statement:
    return parse_text(read_text(path), bank, mapping, today)


def sniff_delimiter(text: str) -> str:
    """The delimiter most lines of the first part of a file agree on (for the mapping dialog's first guess)."""
    sample = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    best, best_score = ",", -1
    for delimiter in DELIMITERS:
        counts = Counter(line.count(delimiter) for line in sample)
        common, lines = counts.most_common(1)[0] if counts else (0, 0)
        score = lines if common > 0 else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best


def preview_rows(text: str, delimiter: str, limit: int = 30) -> list[tuple[int, list[str]]]:
    """The first rows as cells, for the mapping dialog (a broken CSV gives what could be read)."""
    try:
        return _rows("\n".join(text.splitlines()[:limit]), delimiter)[:limit]
    except BankCsvError:
        return []


def guess_mapping(text: str) -> CsvMapping:
    """A first guess of the column mapping for an unknown bank's CSV, for the owner to check in the preview:
    the header row found by its words (as for the presets), the date format the first dates fit, the
    decimal mark the amounts show."""
    delimiter = sniff_delimiter(text)
    rows = preview_rows(text, delimiter, HEADER_SEARCH_ROWS)
    for index, (_n, cells) in enumerate(rows):
        cols = _columns_from_header(cells)
        if cols is None:
            continue
        data = [c for _n, c in rows[index + 1:]]
        dates = [_cell(c, cols.date) for c in data if _cell(c, cols.date)][:10]
        date_format = next((f for f in DATE_FORMATS if dates and "MM/DD" not in f
                            and all(parse_date(d, f, lambda _m, _d: 2000) for d in dates)), AUTO_DATE)
        amount_cols = [i for i in (cols.amount, cols.credit, cols.debit) if i is not None]
        amounts = [_cell(c, i) for c in data for i in amount_cols]
        comma = sum(1 for a in amounts if re.search(r",\d{1,2}(\D*)$", a))
        dot = sum(1 for a in amounts if re.search(r"\.\d{1,2}(\D*)$", a))
        return CsvMapping(delimiter=delimiter, skip_lines=index + 1, date_column=cols.date + 1,
                          date_format=date_format,
                          description_column=cols.descriptions[0] + 1 if cols.descriptions else 0,
                          amount_column=cols.amount + 1 if cols.amount is not None else 0,
                          credit_column=cols.credit + 1 if cols.credit is not None else 0,
                          debit_column=cols.debit + 1 if cols.debit is not None else 0,
                          type_column=cols.kind + 1 if cols.kind is not None else 0,
                          decimal="." if dot > comma else ",")
    return CsvMapping(delimiter=delimiter)
