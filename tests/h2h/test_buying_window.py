"""The window's H2H suppliers: added and edited from the suppliers view (secrets set-only, the mapping as
lines, the priority), saved through app/h2h/supplier_setup.py and in effect at once."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from app.supplier_config import SupplierConfig
from storage.models import AuditLog, Route, Supplier
from tests.ui.big_db import SHOP_NOW, FixedClock, make_context
from tests.ui.conftest import collect_on_the_gui_thread, gui_thread_cleanup, loop  # noqa: F401 (fixtures)

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def ctx(db):
    from app.demo import seed_demo

    seed_demo()
    return make_context(FixedClock(SHOP_NOW))


def test_add_and_edit_an_h2h_supplier_from_the_suppliers_view(qtbot, ctx):
    from ui.views.suppliers import SuppliersView

    view = SuppliersView(ctx)
    qtbot.addWidget(view)
    view.show()
    view.set_active(True)
    dialog = view.open_h2h_supplier(None)
    dialog.name.setText("Mitra Pulsa")
    dialog.url.setText("http://203.0.113.10:6969/trx")
    dialog.member.setText("ABC001")
    dialog.pin.setText("1234")
    dialog.mapping.setPlainText("S10 = TSEL10 @ 10.100\nS5 = TSEL5")
    dialog.accept()
    assert dialog.isVisible() and "'password' wajib" in dialog.error.text()
    dialog.password.setText("rahasia")
    dialog.priority.setValue(-1)
    dialog.accept()
    assert not dialog.isVisible()
    row = Supplier.get(Supplier.name == "Mitra Pulsa")
    cfg = SupplierConfig.parse(row.config)
    assert (row.kind, cfg.pin, cfg.password, cfg.member_id) == ("h2h_otomax", "1234", "rahasia", "ABC001")
    assert "rahasia" not in row.config
    assert sorted((r.product.code, r.supplier_code, r.priority, r.cost) for r in Route.select().where(
        Route.supplier == row)) == [("S10", "TSEL10", -1, 10_100), ("S5", "TSEL5", -1, 5_000)]
    qtbot.waitUntil(lambda: any(r.name == "Mitra Pulsa" for r in view.rows), timeout=5000)
    view.table.selectRow(next(i for i, r in enumerate(view.rows) if r.name == "Mitra Pulsa"))
    assert view.edit_h2h_button.isEnabled()
    edit = view.open_h2h_supplier(row.id)
    assert edit.pin.text() == "" and "tersimpan" in edit.pin.placeholderText()
    assert edit.mapping.toPlainText() == "S10 = TSEL10 @ 10100\nS5 = TSEL5"
    texts = " ".join(w.text() for w in edit.findChildren(QLabel))
    assert "rahasia" not in texts
    edit.resize(700, edit.sizeHint().height())
    SHOTS.mkdir(exist_ok=True)
    edit.grab().save(str(SHOTS / "12-h2h-supplier.png"))
    edit.kind.setCurrentIndex(edit.kind.findData("h2h_json"))
    edit.mapping.setPlainText("S10 = TSEL10")
    edit.accept()
    assert not edit.isVisible()
    cfg = SupplierConfig.parse(Supplier.get_by_id(row.id).config)
    assert (Supplier.get_by_id(row.id).kind, cfg.password, cfg.pin) == ("h2h_json", "rahasia", "1234")  # kept
    assert Route.select().where(Route.supplier == row).count() == 1
    assert AuditLog.select().where(AuditLog.action == "h2h_supplier_save").count() == 2
    assert json.loads(Supplier.get_by_id(row.id).config)["password"].startswith("enc:")
