"""Buat aturan dari contoh, offscreen on the demo shop: an unrecognised operator reply becomes a rule in
a few clicks (pre-marked, outcome guessed, tested, saved, gone from the list); marking by selection;
a failure needs its reason; a rule that would take other replies cannot be saved."""
from __future__ import annotations

import datetime as dt

import pytest

from app import shop_admin
from app.rule_builder import Part
from app.rules import FailReason, Outcome
from storage.models import Attempt, AuditLog, Order, Supplier
from tests.ui.big_db import SHOP_NOW, make_context, seed_shop
from ui.i18n import set_language

NEW_SHAPE = "Trx S10.081234567890 BERHASIL. SN: 1234567890123. Sisa saldo Rp 1.234.500"
FAILED = "Trx S10.081234567890 GAGAL. Kuota chip habis"


@pytest.fixture
def view(qtbot, db):
    from ui.views.suppliers import SuppliersView

    seed_shop(20)
    chip = Supplier.get(Supplier.name == "chip tsel-1").id
    order = Order.select().order_by(Order.id.desc()).first().id
    for minutes, text in ((3, NEW_SHAPE), (2, NEW_SHAPE.replace("1234567890123", "555")), (1, FAILED)):
        at = SHOP_NOW - dt.timedelta(minutes=minutes)
        Attempt.create(order=order, supplier=chip, request="*777*…#", response=text, outcome="unknown",
                       started_at=at, finished_at=at)
    refreshed = []
    ctx = make_context()
    ctx.engine.refresh_suppliers = lambda: refreshed.append(True)  # the engine is not started: just count
    v = SuppliersView(ctx)
    v.refreshed = refreshed
    qtbot.addWidget(v)
    v.resize(1280, 760)
    v.show()
    v.set_active(True)
    qtbot.waitUntil(lambda: len(v.unrecognised.replies) == 2, timeout=5000)
    return v


def _row_of(view, text: str) -> int:
    return next(i for i, r in enumerate(view.unrecognised.replies) if r.text == text)


def test_an_unrecognised_reply_becomes_a_rule_in_a_few_clicks(qtbot, view):
    assert view.tabs.tabText(1) == "Balasan belum dikenali (2)"
    replies = view.unrecognised
    assert not replies.make_button.isEnabled() and not replies.empty.isVisible()
    row = _row_of(view, NEW_SHAPE.replace("1234567890123", "555"))
    assert replies.table.item(row, 1).text() == "chip tsel-1"
    assert replies.table.item(row, 2).text() == "Jawaban transaksi"
    assert replies.table.item(row, 3).text() == "2×"  # the same shape twice: one row, the newest text
    replies.table.selectRow(row)
    assert replies.make_button.isEnabled()
    replies.make_button.click()
    dialog = view.dialog
    assert dialog.isVisible() and dialog.windowTitle() == "Buat aturan dari contoh"
    assert dialog.pack.currentData() == "tsel_mkios" and dialog.text.toPlainText() == replies.replies[row].text
    # pre-marked and guessed; the owner only checks
    text = dialog.text.toPlainText()
    assert {m.part: text[m.start:m.end] for m in dialog.marks()} == {
        Part.DEST: "081234567890", Part.SN: "555", Part.STOCK: "1.234.500"}
    assert len(dialog.text.extraSelections()) == 3
    assert dialog.outcome() is Outcome.SUCCESS and not dialog.reason.isEnabled()
    assert dialog.proposal is not None and dialog.proposal.ok and dialog.save_button.isEnabled()
    assert dialog.tested.text().startswith("Diuji dengan") and "semua terbaca benar" in dialog.tested.text()
    assert "[SN]" in dialog.shape.text() and "Sukses" in dialog.shape.text()
    assert dialog.reads.text() == "Dari contoh ini terbaca: Tujuan: 081234567890 · SN: 555 · Saldo: Rp 1.234.500"
    assert not dialog.pattern.isVisible()
    dialog.pattern_toggle.click()  # the technical pattern, for whoever wants it
    assert dialog.pattern.isVisible() and dialog.pattern.toPlainText().startswith("^Trx")

    with qtbot.waitSignal(view.refresher.shown, timeout=5000):
        dialog.save_button.click()
    assert not dialog.isVisible() and view.refreshed == [True]  # the running engine loads the pack again
    pack = shop_admin.load_rule_pack("tsel_mkios")
    assert pack.match(NEW_SHAPE).sn == "1234567890123"  # the other reply of that shape is read too
    assert AuditLog.get(AuditLog.action == "rule_pack_save").actor == "tester"
    qtbot.waitUntil(lambda: [r.text for r in view.unrecognised.replies] == [FAILED], timeout=5000)
    assert view.tabs.tabText(1) == "Balasan belum dikenali (1)"
    assert view.tester.pack.currentData() == "tsel_mkios" and "contoh.sukses.1" in view.tester.editor.toPlainText()
    assert view.tester.custom.text() == "diubah pemilik"


def test_marking_by_selection_and_a_failure_with_its_reason(qtbot, view):
    replies = view.unrecognised
    replies.table.selectRow(_row_of(view, FAILED))
    dialog = view.learn_selected()
    assert replies.table.item(_row_of(view, FAILED), 4).text() == FAILED
    assert dialog.outcome() is Outcome.FAILED and dialog.reason.isEnabled()
    assert dialog.error.text() == "Balasan gagal butuh alasan: pilih alasannya." and not dialog.save_button.isEnabled()
    dialog.clear_marks()
    assert dialog.marks() == () and dialog.marks_label.text().endswith("Belum ada yang ditandai.</span>")
    dialog.mark_buttons[Part.SN].click()  # nothing selected
    assert dialog.status.text() == "Pilih dulu bagian teks yang mau ditandai SN."
    start = FAILED.index("0812")
    dialog.select(start, start + 12)
    dialog.mark_buttons[Part.DEST].click()
    assert [(m.part, m.start, m.end) for m in dialog.marks()] == [(Part.DEST, start, start + 12)]
    assert dialog.status.text() == ""
    dialog.reason.setCurrentIndex(dialog.reason.findData(FailReason.OUT_OF_STOCK.value))
    assert dialog.reason_hint.text() == "Order dicoba lewat chip atau supplier lain."
    dialog.reason.setCurrentIndex(dialog.reason.findData(FailReason.DEST_INVALID.value))
    assert dialog.reason_hint.text() == "Order digagalkan dan saldo reseller dikembalikan."
    assert dialog.proposal.ok and dialog.save_button.isEnabled()
    assert "Nomor tujuan salah" in dialog.shape.text()
    # an edit inside a mark keeps the mark on the edited text
    cursor = dialog.text.textCursor()
    cursor.setPosition(0)
    cursor.insertText("Info: ")
    qtbot.waitUntil(lambda: dialog.proposal is not None and dialog.proposal.built.fields.get("dest") == "081234567890",
                    timeout=3000)
    assert dialog.marks()[0].start == start + len("Info: ")
    dialog.accept()
    rule = shop_admin.load_rule_pack("tsel_mkios").match("Info: " + FAILED.replace("081234567890", "085712345678"))
    assert rule.outcome is Outcome.FAILED and rule.reason is FailReason.DEST_INVALID


def test_a_rule_that_would_take_other_replies_cannot_be_saved(qtbot, view):
    dialog = view.open_builder("tsel_mkios", "")
    assert dialog.error.text() == "Tempel dulu teks balasan operator."
    dialog.set_text("Mohon tunggu sebentar")
    dialog.set_outcome(Outcome.PENDING)
    height = dialog.sizeHint().height()
    dialog.select(0, len("Mohon tunggu sebentar"))
    dialog.mark_buttons[Part.ANY].click()  # "any text": it would read every reply nobody else reads
    assert dialog.proposal is not None and not dialog.proposal.ok and not dialog.save_button.isEnabled()
    lines = dialog.tested.text().splitlines()
    assert lines[0].startswith("Bentrok dengan") and any("Stok M-Kios" in line for line in lines)
    assert dialog.sizeHint().height() > height  # the dialog grows with what it has to say
    dialog.accept()
    assert dialog.isVisible() and dialog.status.text() == "Aturan belum bisa disimpan: lihat pesan di atas."
    assert not shop_admin.is_customized("tsel_mkios")
    dialog.reject()


def test_the_dialog_in_english(qtbot, view):
    set_language("en")
    try:
        dialog = view.open_builder("tsel_mkios", FAILED)
        assert dialog.windowTitle() == "Rule from an example"
        assert [b.text() for b in dialog.mark_buttons.values()] == ["SN", "Amount", "Destination", "Balance", "TrxID",
                                                                   "Any text"]
        assert dialog.outcome_buttons[Outcome.PENDING].text() == "Waiting for SMS"
        assert dialog.reason.itemText(0) == "Choose why it failed…"
        # every button shows its whole text in the longer language
        for button in [*dialog.mark_buttons.values(), dialog.auto_button, dialog.clear_button]:
            assert button.width() >= button.fontMetrics().horizontalAdvance(button.text()), button.text()
        dialog.reject()
    finally:
        set_language("id")
