"""The dashboard offscreen (the real UiContext over an engine that is not started, on a fixed clock):
the per-minute chart spans exactly the last ten minutes with the running minute pale, empty charts
start at 0 and say why they are empty, the modem and queue figures agree with the status bar."""
from __future__ import annotations

import datetime as dt

import pytest

from app.queries.dashboard import WINDOW_MINUTES
from app.queries.status import queue_counts
from modems.types import ModemState
from tests.ui.big_db import SHOP_NOW, FixedClock, make_context, seed_shop
from ui.views import dashboard as dashboard_module


def _open(qtbot, ctx):
    from ui.views.dashboard import DashboardView

    view = DashboardView(ctx)
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.show()
    with qtbot.waitSignal(view.refresher.shown, timeout=5000):
        view.set_active(True)
    return view


@pytest.fixture
def clock():
    return FixedClock(SHOP_NOW + dt.timedelta(seconds=40))


def _release(ctx) -> None:
    """Stop the bridge's timer and let it go on this (the GUI) thread: left to the garbage collector,
    a QObject with a timer may be destroyed on a background thread."""
    ctx.bridge.close()
    ctx.bridge.deleteLater()


@pytest.fixture
def shop_view(qtbot, db, clock):
    seed_shop(40)  # orders over the hour up to SHOP_NOW (14:30:00)
    ctx = make_context(clock)
    view = _open(qtbot, ctx)
    yield view
    view.set_active(False)
    _release(ctx)


def _y_range(plot) -> list[float]:
    return plot.getPlotItem().getViewBox().viewRange()[1]


def _x_range(plot) -> list[float]:
    return plot.getPlotItem().getViewBox().viewRange()[0]


def test_per_minute_chart_spans_exactly_ten_minutes(shop_view):
    data = shop_view.data
    x0, x1 = _x_range(shop_view.per_minute)
    assert x1 - x0 == pytest.approx(WINDOW_MINUTES * 60)
    assert x1 == pytest.approx(dt.datetime(2026, 6, 15, 14, 31).timestamp())  # the end of the running minute
    assert x0 == pytest.approx(dt.datetime(2026, 6, 15, 14, 21).timestamp())
    assert _x_range(shop_view.rate) == pytest.approx([x0, x1])
    assert len(data.minutes) == WINDOW_MINUTES
    assert "10 menit terakhir" in shop_view.per_minute.getPlotItem().titleLabel.text


def test_the_running_minute_is_pale_not_a_drop(shop_view):
    bars = shop_view.bars["success"].opts
    assert len(bars["x"]) == WINDOW_MINUTES
    complete_alpha = {b.color().alpha() for b, m in zip(bars["brushes"], shop_view.data.minutes) if m.complete}
    assert complete_alpha == {255}
    assert bars["brushes"][-1].color().alpha() == dashboard_module.RUNNING_ALPHA
    running = shop_view.data.minutes[-1]
    assert not running.complete and running.total >= 1  # the seeded order of 14:30 is shown, pale
    # the success rate leaves the running minute out instead of drawing it as 0 %
    xs, _ys = shop_view.rate_curve.getData()
    assert running.start.timestamp() + 30 not in list(xs)
    assert all(0 <= y <= 100 for y in _ys)


def test_empty_charts_start_at_zero_and_say_why(qtbot, db, clock):
    from app.demo import seed_demo

    seed_demo()
    ctx = make_context(clock)
    view = _open(qtbot, ctx)
    for plot, note in ((view.per_minute, view.per_minute_note), (view.rate, view.rate_note),
                       (view.money, view.money_note), (view.stock, view.stock_note)):
        low, high = _y_range(plot)
        assert low == 0 and high > 0
        assert note.isVisible() and note.toPlainText().startswith("Belum ada")
    assert view.orders.value.text() == "0" and view.profit.value.text() == "Rp 0"
    view.set_active(False)
    _release(ctx)


def test_notes_go_once_there_is_data(shop_view):
    assert not shop_view.per_minute_note.isVisible() and not shop_view.money_note.isVisible()
    assert not shop_view.stock_note.isVisible()
    assert _y_range(shop_view.per_minute)[0] == 0 and _y_range(shop_view.money)[0] == 0


def test_modems_and_queue_agree_with_the_status_bar(qtbot, shop_view):
    from app.events import ModemChanged

    ctx = shop_view.ctx
    assert shop_view.modems.value.text() == "0 / 6"
    assert shop_view.modems.sub.text() == "server berhenti"
    ctx.bridge.set_running(True)
    counts = queue_counts()
    assert shop_view.modems.sub.text() == f"antrian {counts.in_queue} · perlu tindakan {counts.needs_action}"
    link = ctx.engine.attach_modem("tsel-1", None, {"chip"})
    link.state = ModemState.ONLINE
    ctx.engine.events.publish(ModemChanged(name="tsel-1", state="online", detail=""))
    assert shop_view.modems.value.text() == "1 / 6"
    ctx.engine.attach_modem("usb-baru", None, {"chip"})  # attached, not (yet) in the database
    ctx.engine.events.publish(ModemChanged(name="usb-baru", state="connecting", detail=""))
    assert shop_view.modems.value.text() == "1 / 7"
