"""The phones and messages views offscreen on the demo shop with the real (not started) engine: the owner's
words for roles, states and statuses, columns wide enough for stock and errors, live updates after an
engine event, and what an empty list says."""
from __future__ import annotations

from concurrent.futures import Future

import pytest

from app.service import Inbound, MessageService
from modems.types import ModemState
from storage import sql
from tests.ui.big_db import SHOP_NOW, make_context, seed_shop
from ui.i18n import set_language

LONG_ERROR = "SIM tidak terbaca setelah reset: periksa kartu dan slot modem (AT+CPIN? menjawab ERROR 10)"


class Handle:
    def submit(self, op) -> Future:
        fut: Future = Future()
        fut.set_exception(RuntimeError("no modem in this test"))
        return fut


@pytest.fixture
def ctx(db):
    seed_shop(20)
    ctx = make_context()
    for name in ("center-1", "sender-1", "tsel-1", "tsel-2", "isat-1", "xl-1"):
        link = ctx.engine.attach_modem(name, Handle(), {"chip"})
        link.state, link.signal_bars = ModemState.ONLINE, 4
    ctx.engine.links["xl-1"].state = ModemState.STOPPED
    ctx.engine.links["xl-1"].detail = "diputus admin"
    ctx.engine.links["isat-1"].state = ModemState.SIM_ERROR
    ctx.bridge.last_error["isat-1"] = LONG_ERROR
    return ctx


def _show(qtbot, view, width=1280):
    qtbot.addWidget(view)
    view.resize(width, 500)
    view.show()
    view.set_active(True)
    return view


def _cell(view, name: str, col: int, role=None):
    from PySide6.QtCore import Qt

    model = view.model
    index = model.index(model.rows.index(model.row_named(name)), col)
    return model.data(index, role if role is not None else Qt.ItemDataRole.DisplayRole)


def test_phones_speak_the_owners_words_and_never_cut_stock_or_errors(qtbot, ctx):
    from PySide6.QtCore import Qt

    from ui.views.phones import COL_ERROR, COL_ROLES, COL_STATE, COL_STOCK, PhonesView

    view = _show(qtbot, PhonesView(ctx))
    assert [r.name for r in view.model.rows] == ["center-1", "sender-1", "tsel-1", "tsel-2", "isat-1", "xl-1"]
    assert _cell(view, "sender-1", COL_ROLES) == "pengirim"
    assert _cell(view, "xl-1", COL_STATE) == "diputus"
    assert _cell(view, "xl-1", COL_STATE, Qt.ItemDataRole.ToolTipRole) == "diputus admin"
    assert _cell(view, "isat-1", COL_STATE) == "SIM bermasalah"
    assert _cell(view, "isat-1", COL_ERROR) == LONG_ERROR
    assert _cell(view, "isat-1", COL_ERROR, Qt.ItemDataRole.ToolTipRole) == LONG_ERROR
    stock = _cell(view, "tsel-1", COL_STOCK)
    assert stock.startswith("Rp ") and "chip tsel-1" in _cell(view, "tsel-1", COL_STOCK, Qt.ItemDataRole.ToolTipRole)
    header = view.table.horizontalHeader()
    metrics = view.table.fontMetrics()
    widest_stock = max(metrics.horizontalAdvance(_cell(view, r.name, COL_STOCK)) for r in view.model.rows)
    assert header.sectionSize(COL_STOCK) >= widest_stock + 6
    assert header.sectionSize(COL_STATE) >= metrics.horizontalAdvance("SIM bermasalah") + 16  # the badge fits
    # the error column takes the room that is left, up to the table's edge
    assert header.sectionPosition(COL_ERROR) + header.sectionSize(COL_ERROR) >= view.table.viewport().width() - 2
    assert not view.empty.isVisible()

    # live: an engine event (here the bridge's own dirty mark) brings the new state in on the next tick
    ctx.engine.links["xl-1"].state = ModemState.ONLINE
    ctx.engine.links["xl-1"].detail = ""
    with qtbot.waitSignal(view.refresher.shown, timeout=3000):
        ctx.bridge.mark_dirty()
    assert _cell(view, "xl-1", COL_STATE) == "online"
    view.select("xl-1")
    assert not view.buttons["connect"].isEnabled()  # no modem pool in this window: nothing to connect with
    assert view.buttons["ussd"].isEnabled() and view.buttons["edit"].isEnabled()


def test_phones_in_english(qtbot, ctx):
    from PySide6.QtCore import Qt

    from ui.views.phones import COL_ROLES, COL_STATE, COL_STOCK, PhonesView

    set_language("en")
    try:
        view = _show(qtbot, PhonesView(ctx))
        assert view.title() == "Phones"
        assert _cell(view, "xl-1", COL_STATE) == "stopped" and _cell(view, "sender-1", COL_ROLES) == "sender"
        assert view.model.headerData(COL_STOCK, Qt.Orientation.Horizontal) == "Stock / balance"
    finally:
        set_language("id")


def test_no_modems_says_how_to_add_one(qtbot, db):
    from ui.views.phones import PhonesView

    view = _show(qtbot, PhonesView(make_context()))
    assert view.model.rowCount() == 0 and view.empty.isVisible()
    assert "Tambah modem" in view.empty.text()


def test_messages_arrive_live_at_the_top(qtbot, ctx):
    from ui.views.messages import MessagesView

    view = _show(qtbot, MessagesView(ctx))
    n = sql.one("SELECT COUNT(*) FROM inbound_message")[0]
    qtbot.waitUntil(lambda: view.inbox.model.rowCount() == n, timeout=5000)
    MessageService(clock=lambda: SHOP_NOW).handle(Inbound("sms", "081211110001", "SAL.1234", modem="center-1"))
    ctx.bridge.mark_dirty()  # as the engine's MessageLogged event does
    qtbot.waitUntil(lambda: view.inbox.model.rowCount() == n + 1, timeout=5000)
    model = view.inbox.model
    columns = {c.key: i for i, c in enumerate(model.columns)}
    assert model.index(0, columns["text"]).data() == "SAL.****"  # the newest first, its PIN masked
    assert model.index(0, columns["channel"]).data() == "SMS" and model.index(0, columns["reseller"]).data() == "R001"
    assert view.inbox.count.text() == f"{n + 1} pesan"
    # a hidden view reads nothing; shown again, it catches up
    view.set_active(False)
    MessageService(clock=lambda: SHOP_NOW).handle(Inbound("sms", "081211110003", "SAL.5555", modem="center-1"))
    with qtbot.waitSignal(ctx.bridge.tick, timeout=3000):
        ctx.bridge.mark_dirty()
    assert view.refresher.dirty and not view.refresher.busy and model.rowCount() == n + 1
    view.set_active(True)
    qtbot.waitUntil(lambda: model.rowCount() == n + 2, timeout=5000)
