"""The owner ends a reseller's PIN lock from the resellers view: the button shows only while the PIN is
locked (on the engine's clock), asks first, and leaves an audit row."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QLabel

from storage.models import AuditLog, Reseller
from tests.ui.big_db import SHOP_NOW, make_context, seed_shop


@pytest.fixture
def shop_db(db):
    seed_shop(10)
    return db


def _view(qtbot, ctx):
    from ui.views.resellers import ResellersView

    view = ResellersView(ctx)
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.show()
    view.set_active(True)
    return view


def _select(qtbot, view, code: str) -> int:
    rid = Reseller.get(Reseller.code == code).id
    view.select(rid)
    qtbot.waitUntil(lambda: view.selected_id() == rid and code in view.heading.text(), timeout=5000)
    return rid


def test_unlock_button_only_for_a_locked_pin_asks_then_unlocks_with_an_audit_row(qtbot, shop_db):
    until = SHOP_NOW + dt.timedelta(minutes=25)
    Reseller.update(locked_until=until, pin_failures=3).where(Reseller.code == "R002").execute()
    Reseller.update(locked_until=SHOP_NOW - dt.timedelta(minutes=5)).where(Reseller.code == "R001").execute()
    view = _view(qtbot, make_context())

    _select(qtbot, view, "R001")  # its lock ended five minutes ago on the engine's clock
    assert not view.unlock_button.isVisible()

    rid = _select(qtbot, view, "R002")
    assert "PIN terkunci" in view.heading.text() and view.unlock_button.isVisible()
    confirm = view.ask_unlock()
    question = " ".join(label.text() for label in confirm.findChildren(QLabel))
    assert "Buka kunci PIN R002 sekarang" in question and f"terkunci sampai {until:%d/%m %H:%M}" in question
    confirm.reject()  # asked, not done
    assert Reseller.get_by_id(rid).locked_until == until

    confirm = view.ask_unlock()
    confirm.accept()
    assert not confirm.isVisible()
    r = Reseller.get_by_id(rid)
    assert (r.locked_until, r.pin_failures) == (None, 0)
    audit = AuditLog.get(AuditLog.action == "reseller_unlock")
    assert (audit.actor, audit.target) == ("tester", f"reseller:{rid}")
    qtbot.waitUntil(lambda: "Aktif" in view.heading.text(), timeout=5000)
    assert not view.unlock_button.isVisible()
    row = view.list_model.row_of(rid)
    assert view.list_model.index(row, 7).data() == "Aktif"
