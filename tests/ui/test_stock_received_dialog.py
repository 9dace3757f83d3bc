""""Catat stok masuk…" in the suppliers view, offscreen: the dialog asks to confirm, then records the
stock through app.stock_books (history row and audit line at the engine's fixed clock); unreadable or
negative amounts are refused in the dialog and record nothing."""
from __future__ import annotations

import pytest

from storage.models import AuditLog, StockEntry
from tests.ui.big_db import SHOP_NOW, make_context, seed_shop
from ui.i18n import set_language


@pytest.fixture
def view(qtbot, db):
    from ui.views.suppliers import SuppliersView

    seed_shop(10)
    view = SuppliersView(make_context())
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.show()
    view.set_active(True)
    qtbot.waitUntil(lambda: view.selected_id() is not None, timeout=5000)
    return view


def _received() -> list[tuple]:
    return [(e.supplier_id, e.kind, e.amount, e.note, e.actor, e.at)
            for e in StockEntry.select().where(StockEntry.kind != "reading").order_by(StockEntry.id)]


def test_stock_received_asks_then_records(view):
    chip = view.selected()
    dialog = view.open_stock_received()
    assert dialog.isVisible() and dialog.windowTitle() == "Catat stok masuk"
    assert chip.name in dialog.intro.text()
    dialog.amount.setText("500rb")
    dialog.note.setText("beli dari MD")
    if chip.stock is not None:
        assert dialog.preview.text().endswith(f"{chip.stock + 500_000:,}".replace(",", "."))
    dialog.accept()  # first: the question, nothing recorded
    assert dialog.isVisible() and dialog.confirming and dialog.ok_button.text() == "Ya, catat"
    assert dialog.question.text() == f"Catat stok masuk Rp 500.000 untuk {chip.name}?"
    assert _received() == []
    dialog.note.setText("beli dari MD pagi")  # an edit asks again
    assert not dialog.confirming and dialog.question.isHidden()
    dialog.accept()
    dialog.accept()
    assert not dialog.isVisible()
    assert _received() == [(chip.supplier_id, "received", 500_000, "beli dari MD pagi", "tester", SHOP_NOW)]
    audit = AuditLog.get(AuditLog.action == "stock_received")
    assert (audit.actor, audit.target, audit.at) == ("tester", f"supplier:{chip.supplier_id}", SHOP_NOW)
    assert view.message.text() == f"Stok masuk {chip.name} dicatat."


def test_bad_amounts_are_refused_in_the_dialog(view):
    dialog = view.open_stock_received()
    for text, error in (("lima ratus", "Jumlah tidak terbaca"), ("-50.000", "harus lebih dari 0"),
                        ("0", "harus lebih dari 0")):
        dialog.amount.setText(text)
        dialog.accept()
        assert dialog.isVisible() and not dialog.confirming and error in dialog.error.text()
    dialog.reject()
    assert _received() == []


def test_dialog_in_english(view):
    set_language("en")
    try:
        dialog = view.open_stock_received()
        assert dialog.windowTitle() == "Record stock received" and dialog.ok_button.text() == "Record…"
        assert view.stock_button.text() == "Catat stok masuk…"  # built before the switch
        dialog.reject()
    finally:
        set_language("id")
