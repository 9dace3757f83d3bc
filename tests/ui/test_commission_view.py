"""The Reseller view's commission parts, offscreen on the demo shop with history: each upline's commission
this month in the list, the owner's choice of how commissions are credited, and crediting them now."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app import commission
from storage.models import AuditLog, LedgerEntry, Reseller
from tests.ui.big_db import make_context, seed_shop


@pytest.fixture
def shop_db(db):
    seed_shop(40)
    return db


def _view(qtbot):
    from ui.views.resellers import ResellersView

    view = ResellersView(make_context())
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.show()
    view.set_active(True)
    qtbot.waitUntil(lambda: view.list_model.rowCount() == 3, timeout=5000)
    return view


def _earned_cell(view, code: str) -> str:
    rid = Reseller.get(Reseller.code == code).id
    return view.list_model.index(view.list_model.row_of(rid), 8).data()


def test_commission_this_month_and_the_owners_choice(qtbot, shop_db):
    view = _view(qtbot)
    r001 = Reseller.get(Reseller.code == "R001").id
    earned = commission.earned_since(commission.month_start(view.list_model.clock()))
    assert set(earned) == {r001} and earned[r001] > 0  # R003's successes earn its upline R001
    qtbot.waitUntil(lambda: _earned_cell(view, "R001") != "", timeout=5000)
    assert _earned_cell(view, "R001").replace(".", "").endswith(str(earned[r001]))
    assert _earned_cell(view, "R002") == ""
    assert view.list_model.headerData(8, Qt.Orientation.Horizontal) == "Komisi"
    view.select(r001)
    qtbot.waitUntil(lambda: "komisi bulan ini Rp" in view.heading.text(), timeout=5000)
    view.select(Reseller.get(Reseller.code == "R003").id)
    qtbot.waitUntil(lambda: "upline R001" in view.heading.text(), timeout=5000)
    assert view.commission_mode.currentData() == "per_order" and not view.pay_button.isVisible()

    view.commission_mode.setCurrentIndex(view.commission_mode.findData("daily"))
    view.commission_mode.activated.emit(view.commission_mode.currentIndex())
    assert commission.mode() == "daily"
    assert AuditLog.get(AuditLog.action == "commission_mode").actor == "tester"
    qtbot.waitUntil(lambda: view.pay_button.isVisible(), timeout=5000)
    assert not view.pay_button.isEnabled()  # nothing waiting yet


def test_pay_commission_now_credits_what_accrued_once(qtbot, shop_db):
    from app import orders
    from app.service import Inbound

    commission.set_mode("daily", actor="owner")
    view = _view(qtbot)
    service = view.ctx.engine.service
    result = service.handle(Inbound("sms", "081211110003", "S10.081377777777.5555"))
    now = view.ctx.engine.clock()
    orders.mark_sending(result.new_orders[0], now=now)
    orders.settle_success(result.new_orders[0], "SN-NEW", now=now)
    assert commission.pending_total() == 100
    view.reload()
    qtbot.waitUntil(lambda: view.pay_button.isEnabled(), timeout=5000)
    assert "100" in view.commission_pending.text()
    r001 = Reseller.get(Reseller.code == "R001")
    dialog = view.ask_pay_commission()
    dialog.accept()
    assert Reseller.get_by_id(r001.id).balance == r001.balance + 100
    assert commission.pending_total() == 0
    qtbot.waitUntil(lambda: not view.pay_button.isEnabled(), timeout=5000)
    view.ask_pay_commission().accept()  # again: nothing twice
    entries = LedgerEntry.select().where((LedgerEntry.reseller == r001.id) & (LedgerEntry.order.is_null())
                                         & (LedgerEntry.kind == "commission"))
    assert [e.delta for e in entries] == [100]
