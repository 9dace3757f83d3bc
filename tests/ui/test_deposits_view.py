"""The "Deposit" view offscreen on the demo shop: open tickets with the manual confirm, statement lines
(waiting ones first and highlighted) assigned, ignored and put back, a statement imported off the GUI
thread with its summary, and the column-mapping dialog for another bank with its live preview. Every change
is checked in the database: balances, ledger rows, the reseller's reply. Fixed clock (tests.ui.big_db)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app import bank_csv, deposits, ledger, settings
from app.demo import seed_demo
from storage.models import BankLine, DepositTicket, LedgerEntry, OutboundMessage, Reseller
from tests.ui.big_db import SHOP_NOW, make_context
from ui.i18n import set_language

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "bank"
MADE = SHOP_NOW - dt.timedelta(minutes=30)  # tickets asked for at 14:00, the view's clock says 14:30


class Pick:
    def __init__(self, value: int):
        self.value = value

    def choice(self, seq):
        assert self.value in seq
        return self.value


def rid(code: str) -> int:
    return Reseller.get(Reseller.code == code).id


def balance(code: str) -> int:
    return Reseller.get(Reseller.code == code).balance


def replies_to(phone: str) -> list[str]:
    return [m.text for m in OutboundMessage.select().where(OutboundMessage.to == phone).order_by(OutboundMessage.id)]


@pytest.fixture
def shop_db(db):
    seed_demo()
    return db


@pytest.fixture
def ctx():
    return make_context()


def _show(qtbot, view):
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.show()
    view.set_active(True)
    return view


def _view(qtbot, ctx, ready=lambda v: True):
    from ui.views.deposits import DepositsView

    view = _show(qtbot, DepositsView(ctx))
    qtbot.waitUntil(lambda: view.heading.text() != "" and ready(view), timeout=5000)
    return view


def _reloaded(qtbot, view, condition):
    with qtbot.waitSignal(view.refresher.shown, timeout=5000):
        view.refresher.request()
    qtbot.waitUntil(condition, timeout=5000)


def test_open_tickets_and_manual_confirm(qtbot, shop_db, ctx):
    t = deposits.create_ticket(rid("R002"), 250_000, "BRI", MADE, valid_hours=3, rng=Pick(250_417))
    stale = deposits.create_ticket(rid("R003"), 100_000, "BCA", MADE - dt.timedelta(hours=4), valid_hours=3,
                                   rng=Pick(100_555))
    view = _view(qtbot, ctx, lambda v: v.tickets.rowCount() == 1)
    assert [r.id for r in view.tickets.rows] == [t.id]  # the one expired at 13:00 is not shown
    assert view.tickets.index(0, 3).data() == "250.417" and view.tickets.index(0, 4).data() == "BRI"
    assert view.tickets.index(0, 6).data() == "15/06 17:00"
    assert view.heading.text() == "1 tiket terbuka · 0 mutasi menunggu"
    assert not view.confirm_button.isEnabled()
    view.select_ticket(t.id)
    assert view.confirm_button.isEnabled()

    dialog = view.ask_confirm()
    text = dialog.findChild(type(view.heading)).text()
    assert "tiket #%d dari R002" % t.id in text and "Rp 250.417" in text
    assert dialog.buttons.buttons()[0].text() == "Tambah saldo Rp 250.417"
    with qtbot.waitSignal(view.refresher.shown, timeout=5000):
        dialog.accept()
    assert not dialog.isVisible()
    assert balance("R002") == 255_417 == ledger.ledger_sum(rid("R002"))
    assert DepositTicket.get_by_id(t.id).status == "paid"
    assert replies_to("081211110002") == ["Deposit 250.417 via BRI diterima. Saldo 255.417."]
    qtbot.waitUntil(lambda: view.tickets.rowCount() == 0, timeout=5000)
    assert "saldo R002 sekarang Rp 255.417" in view.message.text() and view.tickets_empty.isVisible()
    assert DepositTicket.get_by_id(stale.id).status == "open"  # the view never writes: not even an expiry


def test_waiting_lines_first_assign_ignore_and_undo(qtbot, shop_db, ctx):
    from ui.views.deposits import WAITING_BG

    hint = deposits.create_ticket(rid("R003"), 499_500, "BCA", dt.datetime(2026, 6, 15, 8, 0), valid_hours=3,
                                  rng=Pick(500_000))  # expired at 11:00: a hint for the 500.000 lines
    paid = deposits.create_ticket(rid("R001"), 100_000, "BCA", MADE, valid_hours=3, rng=Pick(100_123))
    result = deposits.import_file(DATA / "bca.csv", "BCA", "owner", MADE + dt.timedelta(minutes=5))
    assert len(result.matched) == 1 and len(result.waiting) == 3
    view = _view(qtbot, ctx, lambda v: v.lines.rowCount() == 4)
    statuses = [view.lines.index(r, 4).data() for r in range(4)]
    assert statuses == ["Menunggu", "Menunggu", "Menunggu", "Cocok tiket"]  # waiting first
    assert view.lines.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) == WAITING_BG
    assert view.lines.index(3, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert view.lines.index(3, 5).data() == f"R001 · tiket #{paid.id}"
    assert view.lines.index(1, 5).data() == f"mungkin R003 (tiket #{hint.id}, kedaluwarsa)"
    assert "3 mutasi menunggu" in view.heading.text()

    # assign the 500.000 line: the hint's reseller is chosen already
    line = view.lines.rows[1]
    assert line.amount == 500_000 and view.select_line(line.id)
    assert view.assign_button.isEnabled() and view.ignore_button.text() == "Abaikan"
    dialog = view.ask_assign()
    assert dialog.value("reseller") == rid("R003")
    dialog.set_value("reseller", None)
    dialog.accept()
    assert dialog.isVisible() and "Pilih reseller" in dialog.error.text()  # nothing chosen: nothing credited
    assert balance("R003") == 250_000
    dialog.set_value("reseller", rid("R003"))
    with qtbot.waitSignal(view.refresher.shown, timeout=5000):
        dialog.accept()
    assert balance("R003") == 750_000 == ledger.ledger_sum(rid("R003"))
    assert replies_to("081211110003") == ["Deposit 500.000 via BCA diterima. Saldo 750.000."]
    assert BankLine.get_by_id(line.id).status == "assigned"
    qtbot.waitUntil(lambda: view.heading.text().endswith("2 mutasi menunggu"), timeout=5000)
    row = view.lines.row_of(line.id)
    assert view.lines.index(row, 4).data() == "Ditetapkan" and view.lines.index(row, 5).data() == "R003"

    # ignore the 250.000 line (asks first), then put it back
    other = next(b for b in view.lines.rows if b.amount == 250_000)
    view.select_line(other.id)
    dialog = view.ask_ignore()
    assert "Tidak ada saldo yang ditambah" in dialog.findChild(type(view.heading)).text()
    dialog.reject()
    assert BankLine.get_by_id(other.id).status == "unmatched"
    dialog = view.ask_ignore()
    with qtbot.waitSignal(view.refresher.shown, timeout=5000):
        dialog.accept()
    assert BankLine.get_by_id(other.id).status == "ignored"
    qtbot.waitUntil(lambda: view.lines.rows[view.lines.row_of(other.id)].status == "ignored", timeout=5000)
    view.select_line(other.id)
    assert view.ignore_button.text() == "Batalkan abaikan" and not view.assign_button.isEnabled()
    assert view.ask_assign() is None
    undo = view.ask_ignore()
    with qtbot.waitSignal(view.refresher.shown, timeout=5000):
        undo.accept()
    assert BankLine.get_by_id(other.id).status == "unmatched"
    assert balance("R002") == 5_000 and LedgerEntry.select().where(LedgerEntry.reseller == rid("R002")).count() == 1


def test_import_runs_off_the_gui_thread_and_ends_with_a_summary(qtbot, shop_db, ctx):
    t = deposits.create_ticket(rid("R001"), 100_000, "BCA", MADE, valid_hours=3, rng=Pick(100_123))
    view = _view(qtbot, ctx, lambda v: v.tickets.rowCount() == 1)
    dialog = view.choose_bank(str(DATA / "bca.csv"))
    banks = [dialog.bank.itemData(i) for i in range(dialog.bank.count())]
    assert banks == ["BCA", "MANDIRI", "BRI", "BNI", "__other__"]
    dialog.select("bca")
    with qtbot.waitSignal(view.importFinished, timeout=10000) as done:
        dialog.accept()
    result = done.args[0]
    assert isinstance(result, deposits.ImportResult)
    assert [(m.ticket_id, m.amount) for m in result.matched] == [(t.id, 100_123)] and len(result.waiting) == 3
    assert balance("R001") == 1_100_123 == ledger.ledger_sum(rid("R001"))
    assert replies_to("081211110001") == ["Deposit 100.123 via BCA diterima. Saldo 1.100.123."]
    box = view.summary_box
    assert box is not None and box.isVisible()
    assert box.text().startswith("Mutasi BCA: 1 cocok dengan tiket, 3 menunggu, 0 sudah pernah diimpor.")
    assert "R001 +100.123" in box.text() and "baris 13: transaksi PEND" in box.text()
    box.close()
    qtbot.waitUntil(lambda: view.lines.rowCount() == 4 and view.tickets.rowCount() == 0, timeout=5000)
    assert view.import_button.isEnabled()

    # the same statement again: nothing is credited twice
    with qtbot.waitSignal(view.importFinished, timeout=10000) as again:
        view.run_import(str(DATA / "bca.csv"), "BCA")
    assert len(again.args[0].already) == 4 and again.args[0].matched == []
    assert balance("R001") == 1_100_123 and len(replies_to("081211110001")) == 1
    assert "4 sudah pernah diimpor" in view.summary_box.text()
    view.summary_box.close()

    # a file of another bank: refused with the reason, nothing stored
    with qtbot.waitSignal(view.importFinished, timeout=10000) as wrong:
        view.run_import(str(DATA / "bri.csv"), "BCA")
    assert isinstance(wrong.args[0], bank_csv.BankCsvError)
    assert "tampaknya mutasi BRI, bukan BCA" in view.summary_box.text()
    assert view.summary_box.windowTitle() == "Impor gagal" and BankLine.select().count() == 4
    view.summary_box.close()


def test_mapping_dialog_previews_saves_and_imports(qtbot, shop_db, ctx):
    t = deposits.create_ticket(rid("R001"), 100_000, "bsi", MADE, valid_hours=3, rng=Pick(100_123))
    view = _view(qtbot, ctx)
    choice = view.choose_bank(str(DATA / "bsi.csv"))
    choice.select("__other__")
    assert choice.ok.text() == "Lanjut…"
    choice.accept()
    dialog = view.dialog
    from ui.dialogs.bank_import import BankFormatDialog

    assert isinstance(dialog, BankFormatDialog) and dialog.isVisible()
    assert dialog.mapping() == bank_csv.CsvMapping(delimiter=";", skip_lines=3, date_column=1,
                                                   date_format="YYYY-MM-DD", description_column=2, amount_column=0,
                                                   credit_column=4, debit_column=3, decimal=",")  # guessed
    assert dialog.preview.rowCount() == 3 and dialog.preview.item(1, 3).text() == "100.123"
    assert dialog.summary.text().startswith("3 kredit (total Rp 650.123), 1 debet")
    assert dialog.raw.item(2, 1).text() == "Tgl" and dialog.raw.horizontalHeaderItem(4).text() == "4 · Kredit"

    dialog.decimal.setCurrentIndex(dialog.decimal.findData("."))  # the wrong mark: nothing reads
    assert dialog.preview.rowCount() == 0 and "4 baris tidak terbaca, mis. baris 4" in dialog.summary.text()
    dialog.decimal.setCurrentIndex(dialog.decimal.findData(","))
    dialog.skip.setValue(2)  # the header read as a row: reported as unreadable, the credits stay
    assert dialog.preview.rowCount() == 3
    assert "1 baris tidak terbaca, mis. baris 3: tanggal 'Tgl'" in dialog.summary.text()
    dialog.skip.setValue(3)

    dialog.accept()  # no name yet
    assert dialog.isVisible() and "Nama bank wajib diisi" in dialog.error.text()
    dialog.name.setText("bsi")
    with qtbot.waitSignal(view.importFinished, timeout=10000) as done:
        dialog.accept()
    assert settings.saved_bank_format("BSI") == dialog.mapping().to_dict()
    result = done.args[0]
    assert [(m.ticket_id, m.amount) for m in result.matched] == [(t.id, 100_123)] and len(result.waiting) == 2
    assert balance("R001") == 1_100_123 and BankLine.get(BankLine.ticket == t.id).bank == "BSI"
    view.summary_box.close()
    # next time the saved format is among the banks
    qtbot.waitUntil(lambda: "BSI" in view.banks, timeout=5000)
    _reloaded(qtbot, view, lambda: "BSI" in view.banks)
    later = view.choose_bank(str(DATA / "bsi.csv"))
    assert later.bank.itemText(later.bank.findData("BSI")) == "BSI (format tersimpan)"
    assert later.edit_button.isHidden()  # BCA is chosen first: a built-in reader
    later.select("BSI")
    assert not later.edit_button.isHidden() and not later.forget_button.isHidden()
    later.edit_button.click()  # change the saved format: the mapping dialog opens with it
    assert not later.isVisible()
    editing = view.dialog
    assert isinstance(editing, BankFormatDialog) and editing.name.text() == "BSI"
    assert editing.mapping() == bank_csv.saved_mapping("BSI")
    editing.reject()
    # delete it (asks first)
    later = view.choose_bank(str(DATA / "bsi.csv"))
    later.select("BSI")
    later.forget_button.click()
    confirm = view.dialog
    assert "Hapus format tersimpan BSI?" in confirm.findChild(type(view.heading)).text()
    with qtbot.waitSignal(view.refresher.shown, timeout=5000):
        confirm.accept()
    assert settings.saved_bank_format("BSI") is None
    qtbot.waitUntil(lambda: "BSI" not in view.banks, timeout=5000)


def test_english(qtbot, shop_db, ctx):
    set_language("en")
    try:
        view = _view(qtbot, ctx)
        assert view.title() == "Deposits" and view.import_button.text() == "Import bank statement…"
        assert view.lines.headerData(4, Qt.Orientation.Horizontal) == "Status"
        assert view.heading.text() == "0 open tickets · 0 lines waiting"
    finally:
        set_language("id")
