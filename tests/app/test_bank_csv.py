"""Bank statement CSVs (app.bank_csv): the BCA, Mandiri, BRI and BNI exports read to the rupiah, the
owner's column mapping for another bank (saved per bank name), amounts in every style, bad rows reported by
line number, whole files refused with a reason, and fingerprints that recognise a line seen before."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app import bank_csv, deposits, settings
from app.bank_csv import BankCsvError, CsvMapping, Money, parse_money

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "bank"
TODAY = dt.date(2026, 6, 15)
JUNE_14, JUNE_15 = dt.date(2026, 6, 14), dt.date(2026, 6, 15)
BSI = CsvMapping(delimiter=";", skip_lines=3, date_column=1, date_format="YYYY-MM-DD", description_column=2,
                 amount_column=0, credit_column=4, debit_column=3, decimal=",")


def preset(name: str, today: dt.date = TODAY) -> bank_csv.Statement:
    return bank_csv.parse_preset(bank_csv.read_text(DATA / f"{name}.csv"), name, today)


def summary(st: bank_csv.Statement) -> list[tuple]:
    return [(line.line_no, line.booked_on, line.amount, line.credit) for line in st.lines]


def test_bca_export():
    st = preset("bca")
    assert st.bank == "BCA"
    assert summary(st) == [(7, JUNE_14, 250_000, True), (8, JUNE_15, 100_123, True), (9, JUNE_15, 10_000, False),
                           (10, JUNE_15, 500_000, True), (11, JUNE_15, 500_000, True)]
    assert st.lines[1].description == "TRSF E-BANKING CR 1506/FTSCY/WS95051 100123.00 DEMO CELL"
    assert [(n.line_no, n.text.split(" ")[0]) for n in st.skipped] == [(12, "kredit"), (13, "transaksi")]
    assert "PEND" in st.skipped[1].text and "1.234,56" in st.skipped[0].text
    assert st.problems == []  # the preamble, the blank line and the totals are no rows


def test_bca_variants_amount_with_its_mark_and_the_year_from_today():
    text = ("Tanggal Transaksi;Keterangan;Cabang;Jumlah;Saldo\n"
            "'30/12;'TRSF E-BANKING CR 3012 DEMO;'0000;100,500.00 CR;1.00\n"
            "'02/01;'TARIKAN ATM;'0000;50,000.00 DB;1.00\n"
            "'02/01;'KOREKSI;'0000;75,000.00;1.00\n")
    st = bank_csv.parse_preset(text, "bca", dt.date(2027, 1, 3))
    assert summary(st) == [(2, dt.date(2026, 12, 30), 100_500, True), (3, dt.date(2027, 1, 2), 50_000, False)]
    assert [(p.line_no, "tanpa tanda kredit/debet" in p.text) for p in st.problems] == [(4, True)]


def test_mandiri_export_joins_its_two_descriptions():
    st = preset("mandiri")
    assert summary(st) == [(2, JUNE_14, 250_000, True), (3, JUNE_15, 100_123, True), (4, JUNE_15, 12_500, False),
                           (5, JUNE_15, 300_000, True)]
    assert st.lines[1].description == "TRANSFER DARI DEMO CELL 081211110001"
    assert [str(p) for p in st.problems] == ["baris 6: tanggal '32/06/26' tidak terbaca"]


def test_bri_export_with_indonesian_amounts():
    st = preset("bri")
    assert summary(st) == [(2, JUNE_14, 250_000, True), (3, JUNE_15, 100_123, True), (4, JUNE_15, 5_500, False),
                           (5, JUNE_15, 300_000, True)]
    assert [str(p) for p in st.problems] == ["baris 6: kredit 'seratus ribu' tidak terbaca"]


def test_bni_export_with_type_column_and_times():
    st = preset("bni")
    assert summary(st) == [(2, JUNE_14, 250_000, True), (3, JUNE_15, 100_123, True), (4, JUNE_15, 7_500, False),
                           (5, JUNE_15, 300_000, True)]
    assert st.lines[3].description == "SETOR TUNAI"


@pytest.mark.parametrize("file,bank,looks", [("bri", "bca", "BRI"), ("bca", "bni", "BCA"),
                                            ("mandiri", "bri", "Mandiri"), ("bni", "mandiri", "BNI")])
def test_a_file_of_another_bank_is_refused(file, bank, looks):
    with pytest.raises(BankCsvError, match=f"tampaknya mutasi {looks}, bukan"):
        bank_csv.parse_preset(bank_csv.read_text(DATA / f"{file}.csv"), bank, TODAY)


def test_whole_files_that_are_no_statement(tmp_path):
    with pytest.raises(BankCsvError, match="Judul kolom mutasi BCA tidak ditemukan"):
        bank_csv.parse_preset("nama,alamat\nBudi,Jakarta\n", "BCA", TODAY)
    (tmp_path / "x.xlsx").write_bytes(b"PK\x03\x04rest")
    with pytest.raises(BankCsvError, match="file Excel"):
        bank_csv.read_text(tmp_path / "x.xlsx")
    (tmp_path / "bin.csv").write_bytes(b"\x00\x01\x02abc")
    with pytest.raises(BankCsvError, match="bukan file teks"):
        bank_csv.read_text(tmp_path / "bin.csv")
    with pytest.raises(BankCsvError, match="tidak ditemukan"):
        bank_csv.read_text(tmp_path / "none.csv")
    with pytest.raises(BankCsvError, match="folder"):
        bank_csv.read_text(tmp_path)
    with pytest.raises(BankCsvError, match="kosong"):
        bank_csv.parse_text("  \n", "BCA", today=TODAY)


def test_windows_encoded_files_are_read():
    text = "Tanggal,Keterangan,Debet,Kredit\n15/06/2026,TRANSFER DARI JOSÉ,0,\"100.123,00\"\n"
    st = bank_csv.parse_preset(bank_csv.decode(text.encode("cp1252")), "BRI", TODAY)
    assert [(line.description, line.amount) for line in st.lines] == [("TRANSFER DARI JOSÉ", 100_123)]
    assert bank_csv.decode("\ufeffa,b".encode("utf-8")) == "a,b"


@pytest.mark.parametrize("text,money", [
    ("1,000,000.00 CR", Money(100_000_000, 1)), ("1.000.000,00", Money(100_000_000, None)),
    ("Rp 50.000", Money(5_000_000, None)), ("Rp. 50.000,-", Money(5_000_000, None)),
    ("50.000-", Money(5_000_000, -1)), ("-25.000", Money(2_500_000, -1)),
    ("(25.000)", Money(2_500_000, -1)), ("DB 1.000", Money(100_000, -1)), ("'100123.00", Money(10_012_300, None)),
    (".00", Money(0, None)), ("1234,5", Money(123_450, None)), ("100.123", Money(10_012_300, None)),
    ("100,123", Money(10_012_300, None)), ("12 K", Money(1_200, 1)), ("7.500,00 D", Money(750_000, -1)),
    ("1 000 000", Money(100_000_000, None)), ("IDR 2,500.00 Cr", Money(250_000, 1)),
])
def test_amounts_in_every_style(text, money):
    assert parse_money(text) == money


@pytest.mark.parametrize("text", ["", "abc", "1.2345", "1,00,000", "12 XX", "1.000,00,00", "--5", "Rp"])
def test_what_is_no_amount(text):
    assert parse_money(text) is None


def test_the_chosen_decimal_mark_is_kept():
    assert parse_money("100.123,00", ",") == Money(10_012_300, None)
    assert parse_money("100.123,00", ".") is None  # the owner said 1,000.00: this file is written otherwise
    assert parse_money("100.123", ".") is None  # with a decimal point, three decimals are no rupiah
    assert parse_money("100,123", ".") == Money(10_012_300, None)
    assert parse_money("100.12", ",") is None


def test_dates():
    assert bank_csv.parse_date("15/06/2026", "DD/MM/YYYY") == JUNE_15
    assert bank_csv.parse_date("15-Jun-2026", bank_csv.AUTO_DATE) == JUNE_15
    assert bank_csv.parse_date("15 Agu 2026", "DD MMM YYYY") == dt.date(2026, 8, 15)
    assert bank_csv.parse_date("15 Desember 2026", "DD MMM YYYY") == dt.date(2026, 12, 15)
    assert bank_csv.parse_date("2026-06-15 10:11:12", bank_csv.AUTO_DATE) == JUNE_15
    assert bank_csv.parse_date("06/15/2026", "MM/DD/YYYY") == JUNE_15
    assert bank_csv.parse_date("31/02/2026", "DD/MM/YYYY") is None
    assert bank_csv.parse_date("15/06", "DD/MM") is None  # no year known
    assert bank_csv.parse_date("15/06", "DD/MM", lambda _m, _d: 2026) == JUNE_15


def test_fingerprints_recognise_a_line_and_count_equal_ones():
    first, again = preset("bca").credits, preset("bca").credits
    fps = bank_csv.fingerprints("BCA", first)
    assert fps == bank_csv.fingerprints("bca", again) and len(set(fps)) == 4  # the two equal deposits differ
    assert all(len(f) == 64 for f in fps)
    assert bank_csv.fingerprints("BRI", first) != fps  # the bank is part of it
    # an overlapping statement that starts at the second equal deposit: it is the "first" one of its file
    assert bank_csv.fingerprints("BCA", first[3:])[0] == fps[2]


def test_owner_mapping_for_another_bank(db):
    st = bank_csv.parse_mapped(bank_csv.read_text(DATA / "bsi.csv"), "bsi", BSI)
    assert st.bank == "BSI"
    assert summary(st) == [(4, JUNE_14, 250_000, True), (5, JUNE_15, 100_123, True), (6, JUNE_15, 6_000, False),
                           (7, JUNE_15, 300_000, True)]
    assert bank_csv.guess_mapping(bank_csv.read_text(DATA / "bsi.csv")) == BSI
    # saved per bank name: `parse_text` and the import find it by the name (any case)
    assert deposits.save_bank_format("bsi", BSI, actor="owner") == "BSI"
    assert settings.saved_bank_format_names() == ["BSI"] and bank_csv.known_banks()[-1] == "BSI"
    assert bank_csv.saved_mapping("Bsi") == BSI
    assert summary(bank_csv.parse_text(bank_csv.read_text(DATA / "bsi.csv"), "BSI")) == summary(st)
    with pytest.raises(deposits.DepositError, match="Nama bank"):
        deposits.save_bank_format("  ", BSI, actor="owner")
    # the wrong decimal mark shows as unreadable rows, by line number, not as wrong amounts
    wrong = bank_csv.parse_mapped(bank_csv.read_text(DATA / "bsi.csv"), "BSI",
                                  CsvMapping(**{**BSI.to_dict(), "decimal": "."}))
    assert wrong.lines == [] and [p.line_no for p in wrong.problems] == [4, 5, 6, 7]


def test_owner_mapping_with_one_signed_amount_column():
    text = "x\nTanggal|Uraian|Nilai\n15.06.2026|MASUK DEMO|100.123,00\n15.06.2026|KELUAR|-20.000,00\n" \
           "15.06.2026|RUSAK|abc\n"
    mapping = CsvMapping(delimiter="|", skip_lines=2, date_column=1, date_format="DD.MM.YYYY", description_column=2,
                         amount_column=3, decimal=",")
    st = bank_csv.parse_mapped(text, "Lain", mapping)
    assert summary(st) == [(3, JUNE_15, 100_123, True), (4, JUNE_15, 20_000, False)]
    assert [str(p) for p in st.problems] == ["baris 5: jumlah 'abc' tidak terbaca"]


@pytest.mark.parametrize("change,message", [
    ({"delimiter": ":"}, "Pemisah"), ({"date_column": 0}, "kolom tanggal"), ({"date_format": "xyz"}, "Format tanggal"),
    ({"amount_column": 0, "credit_column": 0}, "kolom jumlah"), ({"decimal": "x"}, "desimal"),
    ({"skip_lines": -1}, "dilewati"),
])
def test_a_mapping_is_checked(change, message):
    with pytest.raises(BankCsvError, match=message):
        CsvMapping(**{**BSI.to_dict(), **change}).check()


def test_a_saved_format_replaces_a_built_in_reader_until_forgotten(db):
    bca_text = bank_csv.read_text(DATA / "bca.csv")
    changed = "Tgl Trx|Uraian|Nilai\n15/06/2026|TRSF DEMO CELL|100.123,00\n15/06/2026|BIAYA|-5.000,00\n"
    with pytest.raises(BankCsvError, match="Judul kolom mutasi BCA tidak ditemukan"):
        bank_csv.parse_text(changed, "BCA", today=TODAY)  # the bank's export changed: the built-in reader fails
    mapping = CsvMapping(delimiter="|", skip_lines=1, date_column=1, date_format="DD/MM/YYYY", description_column=2,
                         amount_column=3, decimal=",")
    deposits.save_bank_format("Bca", mapping, actor="owner")
    assert bank_csv.known_banks() == ["BCA", "MANDIRI", "BRI", "BNI"] and bank_csv.saved_banks() == ["BCA"]
    st = bank_csv.parse_text(changed, "bca", today=TODAY)
    assert st.bank == "BCA" and summary(st) == [(2, JUNE_15, 100_123, True), (3, JUNE_15, 5_000, False)]
    deposits.forget_bank_format("BCA", actor="owner")
    assert bank_csv.saved_banks() == [] and len(bank_csv.parse_text(bca_text, "BCA", today=TODAY).credits) == 4
    with pytest.raises(deposits.DepositError, match="Tidak ada format tersimpan"):
        deposits.forget_bank_format("BCA", actor="owner")
    from storage.models import AuditLog
    assert [a.action for a in AuditLog.select().order_by(AuditLog.id)] == ["bank_format_save", "bank_format_forget"]


def test_a_row_with_an_amount_but_no_date_is_reported_not_dropped():
    text = ("Tanggal,Keterangan,Debet,Kredit\n15/06/2026,TRANSFER,0,\"100.000,00\"\n,LANJUTAN KETERANGAN,,\n"
            ",TANPA TANGGAL,0,\"50.000,00\"\nTotal,,,\"150.000,00\"\n")
    st = bank_csv.parse_preset(text, "BRI", TODAY)
    assert summary(st) == [(2, JUNE_15, 100_000, True)]
    assert [str(p) for p in st.problems] == ["baris 4: tanggal kosong"]  # the continuation and the total: quiet
