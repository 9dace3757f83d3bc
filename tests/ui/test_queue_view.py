"""The "Antrian" view offscreen on a demo shop with history (the real UiContext over an engine that is
not started, on a fixed clock): the pinned "Perlu tindakan" list, rows that do not move under the
pointer, dialogs that act on the TrxID they were opened for, marking failed orders checked."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QEnterEvent
from PySide6.QtWidgets import QApplication, QLabel

from app import orders
from app.queries.queue import queue_snapshot
from app.service import Inbound
from storage import sql
from storage.models import AuditLog, Order
from tests.ui.big_db import FixedClock, make_context, seed_shop
from ui.views import queue as queue_module


@pytest.fixture
def clock():
    return FixedClock()


def _release(ctx) -> None:
    """Stop the bridge's timer and let it go on this (the GUI) thread: left to the garbage collector,
    a QObject with a timer may be destroyed on a background thread."""
    ctx.bridge.close()
    ctx.bridge.deleteLater()


@pytest.fixture
def ctx(db, clock):
    seed_shop(40)
    ctx = make_context(clock)
    yield ctx
    _release(ctx)


@pytest.fixture
def view(qtbot, ctx):
    from ui.views.queue import QueueView

    view = QueueView(ctx)
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.show()
    with qtbot.waitSignal(view.refresher.shown, timeout=5000):
        view.set_active(True)
    yield view
    view.set_active(False)


def _ids(section, done: bool | None = None) -> list[int]:
    return section.model.order_ids(done=done)


def _refresh(qtbot, view) -> None:
    with qtbot.waitSignal(view.refresher.shown, timeout=5000):
        view.refresher.request()


def _later(qtbot, view, clock) -> None:
    """Let the rows that finished so far linger long enough, and refresh."""
    clock.now += dt.timedelta(seconds=queue_module.LINGER_S + 1)
    _refresh(qtbot, view)


def _hover(section, inside: bool) -> None:
    viewport = section.table.viewport()
    if inside:
        event = QEnterEvent(QPointF(10, 10), QPointF(10, 10), QPointF(10, 10))
    else:
        event = QEvent(QEvent.Type.Leave)
    QApplication.sendEvent(viewport, event)


def _text(dialog) -> str:
    return dialog.findChild(QLabel).text()  # the message, the dialog's first label


def _ids_with(*statuses: str, unreviewed: bool = False) -> list[int]:
    marks = ", ".join("?" for _ in statuses)
    extra = " AND reviewed_at IS NULL" if unreviewed else ""
    return [i for (i,) in sql.all_rows(f'SELECT id FROM "order" WHERE status IN ({marks}){extra} ORDER BY id',
                                       statuses)]


def test_needs_action_is_pinned_above_the_live_queue(view):
    suspect_or_failed = _ids_with("suspect", "failed")
    live = _ids_with("queued", "sending")
    assert _ids(view.pinned) == suspect_or_failed and _ids(view.live) == live
    assert view.pinned.heading.text() == f"Perlu tindakan ({len(suspect_or_failed)})"
    assert view.live.heading.text() == f"Sedang diproses ({len(live)})"
    assert view.pinned.geometry().bottom() < view.live.geometry().top()  # above the queue
    model = view.pinned.model
    statuses = {model.data(model.index(i, queue_module.COL_STATUS)) for i in range(model.rowCount())}
    assert statuses == {"Gagal", "Suspect"}  # the owner's words, not codes
    i = model.row_of(suspect_or_failed[0])
    assert model.data(model.index(i, queue_module.COL_PRICE)).startswith("Rp ")
    assert model.data(model.index(i, queue_module.COL_NOTE)) in ("Nomor tujuan salah", "tidak ada jawaban operator")
    # ages come from the engine's clock, not the wall clock
    created = Order.get_by_id(suspect_or_failed[0]).created_at
    assert model.data(model.index(i, queue_module.COL_AGE)) == queue_module.age_text(created, view.ctx.engine.clock())


def test_columns_fit_money_and_notes(view):
    table = view.pinned.table
    for col in range(queue_module.COL_NOTE):
        assert table.columnWidth(col) >= table.sizeHintForColumn(col), queue_module.COLUMNS[col]
    header = table.horizontalHeader()
    assert header.stretchLastSection()
    model = view.pinned.model
    assert model.data(model.index(0, queue_module.COL_NOTE), Qt.ItemDataRole.ToolTipRole)


def test_empty_lists_say_so(qtbot, db, clock):
    from app.demo import seed_demo
    from ui.views.queue import QueueView

    seed_demo()
    ctx = make_context(clock)
    view = QueueView(ctx)
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.refresher.shown, timeout=5000):
        view.set_active(True)
    assert view.pinned.empty.isVisible() and not view.pinned.table.isVisible()
    assert "Tidak ada pesanan yang perlu tindakan" in view.pinned.empty.text()
    assert view.live.empty.isVisible() and "Antrian kosong" in view.live.empty.text()
    assert view.pinned.heading.text() == "Perlu tindakan (0)"
    view.set_active(False)
    _release(ctx)


def test_finished_row_stays_greyed_under_the_pointer_and_goes_when_it_leaves(qtbot, view, clock):
    live = _ids(view.live)
    first, middle = live[0], live[1]
    _hover(view.live, True)
    orders.mark_sending(middle, None, now=clock.now)
    orders.settle_success(middle, "SN-777", now=clock.now)
    _refresh(qtbot, view)
    assert _ids(view.live) == live  # same rows, same places
    row = view.live.model.rows[1]
    assert row.done and row.order.status == "success"
    model = view.live.model
    assert model.data(model.index(1, queue_module.COL_STATUS)) == "Sukses"
    assert "SN-777" in model.data(model.index(1, queue_module.COL_NOTE))
    assert model.data(model.index(1, 0), Qt.ItemDataRole.ForegroundRole).name() == queue_module.MUTED
    clock.now += dt.timedelta(seconds=queue_module.LINGER_S + 1)
    _refresh(qtbot, view)
    assert _ids(view.live) == live  # long finished, but the pointer is still over the table
    # a new order arrives meanwhile: it goes to the bottom, nothing above it moves
    new = view.ctx.engine.service.handle(Inbound("sms", "081211110001", "S5.081399990000.1234")).new_orders[0]
    _refresh(qtbot, view)
    assert _ids(view.live) == live + [new] and view.live.model.rows[0].order.order_id == first
    _hover(view.live, False)
    assert _ids(view.live) == [i for i in live if i != middle] + [new]


def test_a_selected_finished_row_is_kept_until_it_is_let_go(qtbot, view, clock):
    target = _ids(view.live)[0]
    assert view.select(target)
    orders.mark_sending(target, None, now=clock.now)
    orders.mark_suspect(target, "tidak ada jawaban", now=clock.now)
    _refresh(qtbot, view)
    _later(qtbot, view, clock)
    row = view.live.model.rows[view.live.model.row_of(target)]
    assert row.done and "Perlu tindakan" in view.live.model.note(row)
    assert target in _ids(view.pinned, done=False)  # and it is pinned now
    assert not view.buttons["retry"].isEnabled()  # a finished row is not acted on from here
    view.live.table.clearSelection()
    assert target not in _ids(view.live)


def test_dialog_acts_on_the_trxid_it_was_opened_for(qtbot, view, clock):
    suspects = _ids_with("suspect")
    first, second = suspects[0], suspects[1]
    assert view.select(first)
    dialog = view.ask_fail()
    assert dialog.isVisible() and f"TrxID {first}:" in _text(dialog)
    # while the dialog is open the lists change under it: another order finishes, the owner's
    # selection moves to another suspect order
    done = _ids(view.live)[0]
    orders.mark_sending(done, None, now=clock.now)
    orders.settle_success(done, "SN-1", now=clock.now)
    _refresh(qtbot, view)
    _later(qtbot, view, clock)
    assert done in _ids(view.live)  # nothing is taken away while a dialog is open
    view.pinned.table.selectRow(view.pinned.model.row_of(second))
    assert view.selected().order_id == second
    dialog.set_value("reason", "dicek manual")
    dialog.accept()
    assert not dialog.isVisible()
    assert Order.get_by_id(first).status == "failed" and Order.get_by_id(second).status == "suspect"
    assert AuditLog.get(AuditLog.action == "fail_refund").target == f"order:{first}"
    _refresh(qtbot, view)
    assert done not in _ids(view.live)  # dialog closed, pointer elsewhere: the finished row goes


def test_mark_selected_failed_orders_checked(qtbot, view, clock):
    failed = _ids_with("failed", unreviewed=True)
    suspect = _ids_with("suspect")[0]
    table = view.pinned.table
    table.clearSelection()
    for order_id in (failed[0], failed[1], suspect):
        index = view.pinned.model.index(view.pinned.model.row_of(order_id), 0)
        table.selectionModel().select(index, table.selectionModel().SelectionFlag.Select
                                      | table.selectionModel().SelectionFlag.Rows)
    assert view.buttons["reviewed"].isEnabled() and not view.buttons["retry"].isEnabled()  # several rows
    assert view.mark_selected_reviewed() == 2
    assert {o.reviewed_by for o in Order.select().where(Order.id.in_(failed[:2]))} == {"tester"}
    assert Order.get_by_id(suspect).reviewed_at is None  # a suspect order needs a decision, not a tick
    _refresh(qtbot, view)
    assert view.pinned.model.rows[view.pinned.model.row_of(failed[0])].done
    _later(qtbot, view, clock)
    table.clearSelection()
    assert failed[0] not in _ids(view.pinned) and failed[2] in _ids(view.pinned) and suspect in _ids(view.pinned)
    assert view.pinned.heading.text() == f"Perlu tindakan ({len(_ids_with('suspect')) + len(failed) - 2})"
    assert {a.target for a in AuditLog.select().where(AuditLog.action == "reviewed")} == \
        {f"order:{i}" for i in failed[:2]}


def test_mark_all_checked_asks_first_and_marks_what_it_said(qtbot, view, clock):
    failed = _ids_with("failed", unreviewed=True)
    dialog = view.ask_mark_all_reviewed()
    assert f"{len(failed)} pesanan gagal" in _text(dialog)
    dialog.reject()
    assert _ids_with("failed", unreviewed=True) == failed  # cancelled: nothing marked
    dialog = view.ask_mark_all_reviewed()
    dialog.accept()
    assert _ids_with("failed", unreviewed=True) == []
    _refresh(qtbot, view)
    _later(qtbot, view, clock)
    assert set(_ids(view.pinned, done=False)) == set(_ids_with("suspect"))
    snap = queue_snapshot()
    assert view.pinned.heading.text() == f"Perlu tindakan ({snap.needs_action_total})"
    assert not view.buttons["reviewed_all"].isEnabled()


def test_pinned_rows_do_not_move_under_the_pointer(qtbot, view, clock):
    pinned = _ids(view.pinned)
    _hover(view.pinned, True)
    view.ctx.engine.mark_reviewed([_ids_with("failed")[0]], "tester")
    _refresh(qtbot, view)
    _later(qtbot, view, clock)
    assert _ids(view.pinned) == pinned
    _hover(view.pinned, False)
    assert len(_ids(view.pinned)) == len(pinned) - 1
