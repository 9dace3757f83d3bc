"""Table-driven tests of the reseller command language with real-world message strings."""
from __future__ import annotations

import datetime as dt

import pytest

from app.commands import types as t
from app.commands.dates import is_date_token, resolve
from app.commands.parser import MAX_NOMINAL, mask, parse, parse_nominal, pin_runs
from app.money import MAX_AMOUNT, parse_amount
from app.phone import normalize_msisdn, sender_key

PRODUCTS = {"S5", "S10", "S20", "S50", "SIM5", "SIM10", "SIM20", "M5", "M10", "M50", "IM10", "I5", "I10", "X5",
            "X10", "T5", "T10", "GS10", "TB10", "S20R", "XL10", "SJ10"}


def is_product(code: str) -> bool:
    return code.upper() in PRODUCTS


def describe(cmd) -> str:
    """A compact, readable rendering of a parse result for the table below."""
    if isinstance(cmd, t.TopUp):
        items = []
        for it in cmd.items:
            s = f"{it.product}>{it.dest}"
            if it.counter is not None:
                s += f"#{it.counter}"
            if it.repeat_next:
                s += "+RO"
            items.append(s)
        return f"TopUp {' '.join(items)} pin={cmd.pin}"
    if isinstance(cmd, t.BadFormat):
        return f"Bad:{cmd.hint}"
    fields = {k: v for k, v in vars(cmd).items() if v not in (None, "", (), 0, False)}
    return f"{type(cmd).__name__} " + " ".join(f"{k}={v}" for k, v in fields.items())


CASES = [
    # --- top-up, the basic shape and the seed's example
    ("S10.081389092678.1234", "TopUp S10>081389092678 pin=1234"),
    ("I.SIM10.081389092678.2233", "TopUp SIM10>081389092678 pin=2233"),
    ("i.sim10.081389092678.2233", "TopUp SIM10>081389092678 pin=2233"),
    ("ISI.S10.081389092678.1234", "TopUp S10>081389092678 pin=1234"),
    ("BELI.S10.081389092678.1234", "TopUp S10>081389092678 pin=1234"),
    ("s10.081389092678.1234", "TopUp S10>081389092678 pin=1234"),
    ("S10 . 081389092678 . 1234", "TopUp S10>081389092678 pin=1234"),
    ("  S10.081389092678.1234  ", "TopUp S10>081389092678 pin=1234"),
    ("S10.081389092678.1234.", "TopUp S10>081389092678 pin=1234"),
    ("S10.081389092678.123456", "TopUp S10>081389092678 pin=123456"),
    ("S10;081389092678;1234", "TopUp S10>081389092678 pin=1234"),
    ("S20R.081234567890;1234", "TopUp S20R>081234567890 pin=1234"),
    ("S20.081333666909.1234", "TopUp S20>081333666909 pin=1234"),
    ("I.S50.081931001584.1234", "TopUp S50>081931001584 pin=1234"),
    ("I.S5.081323337789.1234", "TopUp S5>081323337789 pin=1234"),
    ("S10.+6281389092678.1234", "TopUp S10>+6281389092678 pin=1234"),
    ("s10 . 0813 8909 2678 . 1234", "TopUp S10>081389092678 pin=1234"),
    ("S10.0813-8909-2678.1234", "TopUp S10>081389092678 pin=1234"),
    ("S10.+62 813 8909 2678.1234", "TopUp S10>+6281389092678 pin=1234"),
    ("S10.6281389092678.1234", "TopUp S10>6281389092678 pin=1234"),
    ("S10.0812.1234", "TopUp S10>0812 pin=1234"),  # malformed number: answered "nomor salah" later
    ("ZZ10.081234567890.1234", "TopUp ZZ10>081234567890 pin=1234"),  # unknown code: answered later
    ("IM10.0856998800.1234", "TopUp IM10>0856998800 pin=1234"),
    # plain nominal and number first
    ("10.08123456789.1234", "TopUp 10>08123456789 pin=1234"),
    ("10.081389092678.1234", "TopUp 10>081389092678 pin=1234"),
    ("10000.081389092678.1234", "TopUp 10000>081389092678 pin=1234"),
    ("081333666909.20.1234", "TopUp 20>081333666909 pin=1234"),
    ("081389092678.S10.1234", "TopUp S10>081389092678 pin=1234"),
    ("I.10.081389092678.1234", "TopUp 10>081389092678 pin=1234"),
    # repeat counters, all the spellings
    ("S5.2.082122291111.1234", "TopUp S5>082122291111#2 pin=1234"),
    ("10.2.08123456789.1234", "TopUp 10>08123456789#2 pin=1234"),
    ("IM10.0856998800.2.1234", "TopUp IM10>0856998800#2 pin=1234"),
    ("10.081250007000.2.1234", "TopUp 10>081250007000#2 pin=1234"),
    ("20.0813000000.1234.2", "TopUp 20>0813000000#2 pin=1234"),
    ("I.S20.081323456789.8888.2", "TopUp S20>081323456789#2 pin=8888"),
    ("10.085212345678.1234#2", "TopUp 10>085212345678#2 pin=1234"),
    ("I10.085645874500.1234.RO", "TopUp I10>085645874500+RO pin=1234"),
    ("S10.081389092678.1234.ro", "TopUp S10>081389092678+RO pin=1234"),
    ("#2.S10.081389092678.1234", "TopUp S10>081389092678#2 pin=1234"),
    ("2#S10.081389092678.1234", "TopUp S10>081389092678#2 pin=1234"),
    ("2#TB10.081332123456.1234", "TopUp TB10>081332123456#2 pin=1234"),
    ("Ulang.S20.081333666909.1234.1", "TopUp S20>081333666909#2 pin=1234"),
    ("ULANG.S10.081389092678.1234", "TopUp S10>081389092678+RO pin=1234"),
    ("ulang.s10.081389092678.1234", "TopUp S10>081389092678+RO pin=1234"),
    ("S10.081389092678.12.1234", "TopUp S10>081389092678#12 pin=1234"),
    ("S10.081389092678.99.1234", "TopUp S10>081389092678#99 pin=1234"),
    # multi
    ("S5.08123456789.M5.081677777777.1234", "TopUp S5>08123456789 M5>081677777777 pin=1234"),
    ("M.S50.081912345678.S50.081912345679.1234", "TopUp S50>081912345678 S50>081912345679 pin=1234"),
    ("MULTI.T5.085212345678.I5.085712345678.3333", "TopUp T5>085212345678 I5>085712345678 pin=3333"),
    ("M-S5.08123456789-GS10.085244556677-T5.089611223344-9999",
     "TopUp S5>08123456789 GS10>085244556677 T5>089611223344 pin=9999"),
    ("MULTI-S5.08123456789-T5.089611223344-9999", "TopUp S5>08123456789 T5>089611223344 pin=9999"),
    ("i.sim5.08521234567,m5.08561234567,sim10.081234567890.1234",
     "TopUp SIM5>08521234567 M5>08561234567 SIM10>081234567890 pin=1234"),
    ("S5.081234567890.2.M5.081677777777.1234", "TopUp S5>081234567890#2 M5>081677777777 pin=1234"),
    ("S5.081234567890.S5.081234567891.S5.081234567892.S5.081234567893.S5.081234567894.S5.081234567895.1234",
     "TopUp S5>081234567890 S5>081234567891 S5>081234567892 S5>081234567893 S5>081234567894 S5>081234567895 pin=1234"),
    # balance
    ("SAL.1234", "Balance pin=1234"),
    ("sal.1234", "Balance pin=1234"),
    ("SALDO.1234", "Balance pin=1234"),
    ("S.1234", "Balance pin=1234"),
    ("CS.1234", "Balance pin=1234"),
    ("CEKSALDO.1234", "Balance pin=1234"),
    ("DEPOSIT.1234", "Balance pin=1234"),
    ("SAL.Z2501.1234", "Balance pin=1234 downline=Z2501"),
    ("SAL . 1234", "Balance pin=1234"),
    # price list
    ("HARGA.1234", "PriceList pin=1234"),
    ("HARGA.TSEL.1234", "PriceList filters=('TSEL',) pin=1234"),
    ("HARGA.SIMPATI.1234", "PriceList filters=('SIMPATI',) pin=1234"),
    ("H.S10,I10.1234", "PriceList filters=('S10', 'I10') pin=1234"),
    ("H.sj10.IM10.xl10.1234", "PriceList filters=('SJ10', 'IM10', 'XL10') pin=1234"),
    ("CH.X5,X10,S20,S100.1234", "PriceList filters=('X5', 'X10', 'S20', 'S100') pin=1234"),
    ("HRG.S10", "PriceList filters=('S10',)"),
    ("HARGA", "PriceList "),
    # change PIN
    ("GP.3312.1234", "ChangePin pins=('3312', '1234')"),
    ("GPIN.1234.4444.4444", "ChangePin pins=('1234', '4444', '4444')"),
    ("GANTIPIN.1234.5678", "ChangePin pins=('1234', '5678')"),
    ("GP.12.1234", "Bad:pin"),
    # register
    ("REG.085736384304.SITYCELL.50.1234", "Register phone=085736384304 name=SITYCELL pin=1234 markup=50"),
    ("REG.085736384304.SITY CELL.JEMBER.50.1234",
     "Register phone=085736384304 name=SITY CELL pin=1234 city=JEMBER markup=50"),
    ("Join.Titian Cell.Jember.081333666909.100.1234",
     "Register phone=081333666909 name=Titian Cell pin=1234 city=Jember markup=100"),
    ("DAFTAR#SIGIT#JAKARTA#081765432123#1234", "Register phone=081765432123 name=SIGIT pin=1234 city=JAKARTA"),
    ("REG.BUDI.1234", "Bad:register"),
    # transfer and pull
    ("Kirim.Z0230.300000.1234", "Transfer target=Z0230 amount=300000 pin=1234"),
    ("TRANSFER.SBY00366887.50000.1234", "Transfer target=SBY00366887 amount=50000 pin=1234"),
    ("TRF.081234567890.50RB.1234", "Transfer target=081234567890 amount=50000 pin=1234"),
    ("KIRIM.Z0230.300000.2.1234", "Transfer target=Z0230 amount=300000 pin=1234 counter=2"),
    ("TF.R002.1JT.1234", "Transfer target=R002 amount=1000000 pin=1234"),
    ("KIRIM.Z0230.abc.1234", "Bad:transfer"),
    ("TARIK.RS8999.-100000.1234", "Pull target=RS8999 amount=100000 pin=1234"),
    # deposit ticket
    ("TIKET.100000.1234", "DepositTicket amount=100000 pin=1234"),
    ("Tiket.BCA.500000.1234", "DepositTicket amount=500000 bank=BCA pin=1234"),
    ("TIKET.500000.BCA.1234", "DepositTicket amount=500000 bank=BCA pin=1234"),
    ("DEP.BCA.200000", "DepositTicket amount=200000 bank=BCA"),
    ("D.BCA.500000.1234", "DepositTicket amount=500000 bank=BCA pin=1234"),
    ("DEPOSIT.BCA.500000.1234", "DepositTicket amount=500000 bank=BCA pin=1234"),
    ("Tiket BCA 100000 9999", "DepositTicket amount=100000 bank=BCA pin=9999"),
    ("TIKET.500RB.1234", "DepositTicket amount=500000 pin=1234"),
    # recap and ledger
    ("RKP.1234", "Recap pin=1234"),
    ("RKP.2.1234", "Recap pin=1234 date=2"),
    ("RKP.25/07/09.1234", "Recap pin=1234 date=25/07/09"),
    ("R.10/12.1234", "Recap pin=1234 date=10/12"),
    ("LAP.0.1234", "Recap pin=1234 date=0"),
    ("L.15-03-07.1234", "Recap pin=1234 date=15-03-07"),
    ("REKAP.1234", "Recap pin=1234"),
    ("MUTASI.1234", "Ledger pin=1234"),
    ("MUTASI.12.1234", "Ledger pin=1234 date=12"),
    ("REK.31.1234", "Ledger pin=1234 date=31"),
    ("REK.3112.1234", "Ledger pin=1234 date=3112"),
    ("REK.311208.1234", "Ledger pin=1234 date=311208"),
    ("REK.31122008.1234", "Ledger pin=1234 date=31122008"),
    ("RKP.kemarin.1234", "Bad:recap"),
    # status and last transactions
    ("STA.M10.08151234567.1234", "Status pin=1234 dest=08151234567 product=M10"),
    ("CEK.081250007000.1234", "Status pin=1234 dest=081250007000"),
    ("CEK.0.S20.08123456789.1234", "Status pin=1234 dest=08123456789 product=S20 date=0"),
    ("CEK.31.081250007000.1234", "Status pin=1234 dest=081250007000 date=31"),
    ("TRX.081555796060.M50.21/11/09.1234", "Status pin=1234 dest=081555796060 product=M50 date=21/11/09"),
    ("CTRX.1234", "LastTransactions pin=1234"),
    ("LAST5.1234", "LastTransactions pin=1234"),
    # complaint and help
    ("INFO.S5 ke 085242242345 jam 10:05 pulsa belum masuk mohon cek.1234",
     "Complaint text=S5 ke 085242242345 jam 10:05 pulsa belum masuk mohon cek pin=1234"),
    ("KOMPLAIN.TRX S5 KE 08123456789 LOM MASUK.1234", "Complaint text=TRX S5 KE 08123456789 LOM MASUK pin=1234"),
    ("K.TRX S5 KE 08123456789 LOM MASUK", "Bad:complaint"),
    ("FORMAT", "Help "),
    ("format", "Help "),
    ("HELP", "Help "),
    ("?", "Help "),
    ("INFO", "Help "),
    ("FORMAT.TIKET", "Help topic=TIKET"),
    # parallel numbers, cancel, info
    ("P.085212345678.1234", "AddParallel channel=sms address=085212345678 pin=1234"),
    ("HP*08123456789*1234", "AddParallel channel=sms address=08123456789 pin=1234"),
    ("TAMBAH.JABBER.budi_88@jabbim.com.1234", "AddParallel channel=jabber address=budi_88@jabbim.com pin=1234"),
    ("DELHP.085212345678.1234", "RemoveParallel channel=sms address=085212345678 pin=1234"),
    ("BTL.085212345678.1234", "CancelPending dest=085212345678 pin=1234"),
    ("BATAL.085212345678.S10.1234", "CancelPending dest=085212345678 pin=1234 product=S10"),
    ("PRODUK.TSEL", "ProductInfo operator=TSEL"),
    ("KOSONG.1234", "ProductInfo pin=1234 empty_only=True"),
    ("CENTER", "CenterInfo "),
    ("BANK", "BankInfo "),
    ("SELISIH.IRS001.100.1234", "Markup amount=100 pin=1234 downline=IRS001"),
    ("MARKUP.S10.100.1234", "Markup amount=100 pin=1234 product=S10"),
    ("LDL.1234", "DownlineList pin=1234"),
    ("SD.OM2162.1234", "DownlineBalance downline=OM2162 pin=1234"),
    ("BLOK.IRS001.1234", "DownlineBlock downline=IRS001 pin=1234 block=True"),
    ("TUKAR.1234", "Commission pin=1234 redeem=True"),
    ("KOMISI.1234", "Commission pin=1234"),
    ("MU.100.1234", "Markup amount=100 pin=1234"),
    ("MARKUP.R004.S10.150.1234", "Markup amount=150 pin=1234 downline=R004 product=S10"),
    ("SELISIH.085736384304.100.1234", "Markup amount=100 pin=1234 downline=085736384304"),
    ("DOWNLINE.1234", "DownlineList pin=1234"),
    ("NA.OM00065.1234", "DownlineBlock downline=OM00065 pin=1234 block=True"),
    ("UNBLOK.irs001.1234", "DownlineBlock downline=IRS001 pin=1234"),
    ("AKTIF.IRS001.1234", "DownlineBlock downline=IRS001 pin=1234"),
    ("SD.085736384304.1234", "DownlineBalance downline=085736384304 pin=1234"),
    ("LDL", "Bad:downline"),
    ("SD.1234", "Bad:downline_balance"),
    ("BLOK.R004.R005.1234", "Bad:block"),
    ("KOMISI", "Bad:commission"),
    ("TUKAR.R004.1234", "Bad:commission"),
    ("MARKUP.S10.-100.1234", "Bad:markup"),
    # invalid: each must be BadFormat, never a top-up
    ("", "Bad:topup"),
    ("   ", "Bad:topup"),
    ("halo", "Bad:topup"),
    ("Selamat pagi, mau tanya harga pulsa", "Bad:topup"),
    ("S10.081389092678", "Bad:topup"),
    ("S10.081389092678.12", "Bad:topup"),
    ("S10.081389092678.1234567", "Bad:topup"),
    ("S10..081389092678.1234", "Bad:topup"),
    ("S10.081389092678.1234.2.3", "Bad:topup"),
    ("2#S10.081389092678.1234.3", "Bad:topup"),
    ("S5.08123456789.M5.081677777777.1234.2", "Bad:topup"),
    ("S5.08123456789.M5.081677777777.1234.RO", "Bad:topup"),
    ("S10.081389092678.1234.0", "Bad:topup"),
    ("1234.S10.081389092678", "Bad:topup"),
    ("TB10.1234.081332123456", "Bad:topup"),
    ("SAL", "Bad:balance"),
    ("SAL.12", "Bad:balance"),
    ("KIRIM.Z0230.1234", "Bad:transfer"),
    ("\x00\x01\x02", "Bad:topup"),
    ("💰💰💰", "Bad:topup"),
    # the PIN typed in groups is still the PIN
    ("S10.081389092678.12-34", "TopUp S10>081389092678 pin=1234"),
    # digits other than ASCII 0-9 are never read as numbers, PINs or amounts
    ("S10.081389092678.١٢٣٤", "Bad:topup"),
    ("S10.٠٨١٣٨٩٠٩٢٦٧٨.1234", "Bad:topup"),
    ("S10.081389092678.１２３４", "Bad:topup"),
    ("KIRIM.R002.５0000.1234", "Bad:transfer"),
    ("RKP.３１.1234", "Bad:recap"),
    # amounts and nominals are bounded
    ("1" + "0" * 29 + ".081389092678.1234", "Bad:topup"),
    ("081389092678." + "1" + "0" * 29 + ".1234", "Bad:topup"),
    ("KIRIM.R002.999999999999JT.1234", "Bad:transfer"),
    ("TIKET.BCA." + "9" * 30 + ".1234", "Bad:ticket"),
    ("MARKUP.S10." + "1" * 30 + ".1234", "Bad:markup"),
]


def test_table_has_at_least_100_real_world_strings():
    assert len(CASES) >= 100


@pytest.mark.parametrize("text,expected", CASES)
def test_parse(text, expected):
    assert describe(parse(text, is_product).command) == expected


@pytest.mark.parametrize("text", [c[0] for c in CASES])
def test_pin_never_survives_masking(text):
    parsed = parse(text, is_product)
    pin = getattr(parsed.command, "pin", None)
    masked = mask(text, parsed.secrets)
    if pin:
        assert pin not in masked.split(".")
        assert "****" in masked


def test_change_pin_masks_every_pin():
    parsed = parse("GPIN.1234.5678.5678", is_product)
    assert mask("GPIN.1234.5678.5678", parsed.secrets) == "GPIN.****.****.****"


def test_bad_format_still_masks_pin_like_tail():
    text = "S10.0813xx.1234"
    parsed = parse(text, is_product)
    assert isinstance(parsed.command, t.BadFormat)
    assert mask(text, parsed.secrets) == "S10.0813xx.****"


def test_chat_ref_tag_is_removed_and_kept():
    parsed = parse("S10.081389092678.1234 R#abc123", is_product)
    assert parsed.chat_ref == "abc123"
    assert describe(parsed.command) == "TopUp S10>081389092678 pin=1234"


def test_product_code_wins_over_keyword():
    # "S" is the balance keyword, but a product named like a keyword is still a top-up
    parsed = parse("SAL.081389092678.1234", lambda c: c.upper() == "SAL")
    assert isinstance(parsed.command, t.TopUp)


def test_non_ascii_digits_are_named_in_the_bad_format_and_their_pin_is_still_hidden():
    text = "KIRIM.R002.５0000.١٢٣٤"
    parsed = parse(text, is_product)
    assert parsed.command == t.BadFormat("transfer", t.NON_ASCII_DIGITS)
    assert parsed.secrets == ("1234",)
    assert mask(text, parsed.secrets) == "KIRIM.R002.５0000.****"


def test_digits_below_the_parser_are_ascii_only_too():
    assert normalize_msisdn("０８１３８９０９２６７８") is None and normalize_msisdn("08١٣٨٩٠٩٢٦٧٨") is None
    assert parse_amount("５0000") is None and parse_nominal("１0") is None
    assert resolve("３１", dt.date(2026, 6, 15)) is None and not is_date_token("３１")


def test_amounts_and_nominals_are_bounded():
    assert parse_amount(str(MAX_AMOUNT)) == MAX_AMOUNT and parse_amount(str(MAX_AMOUNT + 1)) is None
    assert parse_amount("999999999999JT") is None and parse_amount("9" * 30) is None
    assert parse_nominal(str(MAX_NOMINAL)) == MAX_NOMINAL and parse_nominal(str(MAX_NOMINAL + 1000)) is None
    assert parse_nominal("1" + "0" * 29) is None


def test_pin_runs_find_the_pin_however_it_is_typed():
    runs = {text: [d for _a, _b, d in pin_runs(text)] for text in
            ("SAL1234", "12 34", "1-2-3-4", "12\x0034", "١٢٣٤", "081389092678", "0813 8909 2678", "12.34", "1234567")}
    assert runs["SAL1234"] == ["1234"] and runs["1-2-3-4"][-1] == "1234" and "1234" in runs["12 34"]
    assert "1234" in runs["12\x0034"] and runs["١٢٣٤"] == ["1234"]
    assert runs["081389092678"] == [] and runs["1234567"] == []  # inside a longer number: not a run
    assert runs["0813 8909 2678"] == ["0813", "8909", "2678"] and runs["12.34"] == []


@pytest.mark.parametrize("text,masked", [
    ("S10.081389092678.12 34", "S10.081389092678.****"),
    ("S10.081389092678.1 2-3 4.", "S10.081389092678.****."),
    ("pin saya ١٢٣٤ ya", "pin saya **** ya"),
    ("0812 1234 5678", "0812 **** 5678"),
    ("S10.081212345678.1234", "S10.081212345678.****"),  # the same digits inside the number stay
])
def test_mask_hides_every_spelling_of_a_secret(text, masked):
    assert mask(text, ("1234",)) == masked


def test_sender_key_makes_one_sender_of_every_spelling():
    spellings = ("+62215550123", "62215550123", "021-555-0123", "(021) 555 0123", "0215550123")
    assert {sender_key(s) for s in spellings} == {"0215550123"}
    assert sender_key("+62 812-1111-0001") == "081211110001"
    assert sender_key("+6591234567") == "+6591234567" and sender_key(" TELKOMSEL ") == "TELKOMSEL"
