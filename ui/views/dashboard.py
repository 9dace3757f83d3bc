"""Dasbor: a few big numbers (orders, sales and profit today, modems online with the queue) and live
charts — orders per minute by outcome and the success rate over the last ten minutes, sales and profit
through the day, stock per chip over time.

The figures come from one read model (app.queries.dashboard), loaded on a background thread by the
view's Refresher; the queue figure is the status bar's (app.queries.status), and so is the modem count
(configured modems merged with the engine's live ones). Charts never draw what is not known: the
running minute is pale (it is not over), and an empty chart keeps a y axis from 0 and says why it is
empty.
"""
from __future__ import annotations

import datetime as _dt
import itertools
import weakref
from collections import deque
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.money import group, rupiah
from app.queries.dashboard import WINDOW_MINUTES, DashboardData, MinuteCount, load_dashboard
from app.queries.status import modem_count
from ui.i18n import add_english, tr
from ui.labels import label
from ui.refresh import Refresher

C = "Dasbor"
REFRESH_S = 5.0  # the minute axis moves even when nothing happens
REDRAW_MIN_S = 1.0  # the charts redraw at most once a second, however busy the shop is
STOCK_POINTS = 720
STOCK_SPAN_S = 3600.0  # the stock chart shows the last hour it has seen
# outcome -> colour, bottom to top in the per-minute bars
OUTCOMES = (("success", "#1e8e3e"), ("failed", "#d93025"), ("suspect", "#e8710a"), ("in_progress", "#1a73e8"))
RUNNING_ALPHA = 80  # of 255: the minute that is not over yet
CHIP_COLOURS = ("#1a73e8", "#9334e6", "#12b5cb", "#e52592", "#f9ab00", "#5f6368", "#188038", "#b06000")


def _plot(title: str, left: str) -> pg.PlotWidget:
    w = pg.PlotWidget(background="w")
    w.setTitle(title, color="#202124", size="11pt")
    w.showGrid(x=True, y=True, alpha=0.25)
    w.setLabel("left", left)
    w.getAxis("left").enableAutoSIPrefix(False)
    w.setMouseEnabled(x=False, y=False)
    w.hideButtons()
    w.setMinimumHeight(200)
    w.getPlotItem().getViewBox().disableAutoRange()
    w.getPlotItem().getViewBox().setLimits(yMin=0)  # counts, money and stock are never negative
    for name in ("left", "bottom"):
        w.getAxis(name).setTextPen("#3c4043")
        w.getAxis(name).setPen("#9aa0a6")
    return w


def _legend(plot: pg.PlotWidget, columns: int = 1) -> pg.LegendItem:
    legend = plot.addLegend(offset=(8, 4), labelTextColor="#202124", brush=pg.mkBrush(255, 255, 255, 210))
    legend.setColumnCount(columns)
    return legend


def _y_axis(plot: pg.PlotWidget, highest: float, *, room: float = 1.15, fixed_top: float | None = None) -> float:
    """The y axis from 0 (never below, also when empty) to a little above `highest`, with whole-number
    ticks at 1, 2 or 5 times a power of ten, 0 included. Returns the top."""
    top = fixed_top if fixed_top is not None else max(1.0, highest * room)
    step = 1.0
    for factor in itertools.cycle((2, 2.5, 2)):  # 1, 2, 5, 10, 20, 50, …
        if top / step <= 6:
            break
        step *= factor
    ticks = [(i * step, group(int(i * step))) for i in range(int(top // step) + 1)]
    plot.getAxis("left").setTicks([ticks, []])
    plot.setYRange(0, top, padding=0)
    return top


def _empty_note(plot: pg.PlotWidget) -> pg.TextItem:
    note = pg.TextItem("", color="#5f6368", anchor=(0.5, 0.5))
    plot.addItem(note, ignoreBounds=True)
    return note


def _place_note(note: pg.TextItem, text: str, x0: float, x1: float, y0: float, y1: float) -> None:
    note.setText(text)
    note.setVisible(bool(text))
    note.setPos((x0 + x1) / 2, (y0 + y1) / 2)


class BigNumber(QFrame):
    def __init__(self, caption: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("BigNumber { background: #f8f9fa; border: 1px solid #dadce0; border-radius: 8px; }")
        layout = QVBoxLayout(self)
        self.caption = QLabel(caption)
        self.caption.setStyleSheet("color: #5f6368; font-size: 12px;")
        self.value = QLabel("-")
        self.value.setStyleSheet("color: #202124; font-size: 26px; font-weight: bold;")
        self.sub = QLabel("")
        self.sub.setStyleSheet("color: #5f6368; font-size: 11px;")
        self.sub.setWordWrap(True)
        for w in (self.caption, self.value, self.sub):
            layout.addWidget(w)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)


class DashboardView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.active = False
        self.data: DashboardData | None = None
        self.stock_history: dict[str, deque[tuple[float, float]]] = {}

        numbers = QHBoxLayout()
        self.orders = BigNumber(tr(C, "Transaksi hari ini"))
        self.sales = BigNumber(tr(C, "Penjualan hari ini"))
        self.profit = BigNumber(tr(C, "Laba hari ini"))
        self.modems = BigNumber(tr(C, "Modem online"))
        for w in (self.orders, self.sales, self.profit, self.modems):
            numbers.addWidget(w)

        self.per_minute = _plot(tr(C, "Transaksi per menit (10 menit terakhir)"), tr(C, "transaksi"))
        self.per_minute.setAxisItems({"bottom": pg.DateAxisItem()})
        self.per_minute.setLabel("bottom", tr(C, "batang pucat: menit yang sedang berjalan"))
        legend = _legend(self.per_minute, columns=len(OUTCOMES))
        self.bars: dict[str, pg.BarGraphItem] = {}
        for key, colour in OUTCOMES:
            bars = pg.BarGraphItem(x=[], height=[], width=1, brush=colour)
            self.per_minute.addItem(bars)
            legend.addItem(bars, self._outcome_label(key))
            self.bars[key] = bars
        self.per_minute_note = _empty_note(self.per_minute)

        self.rate = _plot(tr(C, "Tingkat sukses per menit (10 menit terakhir)"), "%")
        self.rate.setAxisItems({"bottom": pg.DateAxisItem()})
        self.rate.setLabel("bottom", tr(C, "hanya menit yang sudah lewat"))
        # a symbol too: a minute with orders between two without is a lone point, which a bare line hides
        self.rate_curve = self.rate.plot([], [], pen=pg.mkPen("#1a73e8", width=2), symbol="o", symbolSize=6,
                                         symbolBrush="#1a73e8", symbolPen=None)
        self.rate_note = _empty_note(self.rate)

        self.money = _plot(tr(C, "Penjualan & laba hari ini"), tr(C, "ribu Rp"))
        self.money.setLabel("bottom", tr(C, "jam"))
        _legend(self.money)
        self.sales_curve = self.money.plot([], [], name=tr(C, "penjualan"), pen=pg.mkPen("#1a73e8", width=2))
        self.profit_curve = self.money.plot([], [], name=tr(C, "laba"), pen=pg.mkPen("#1e8e3e", width=2))
        self.money_note = _empty_note(self.money)

        self.stock = _plot(tr(C, "Stok per chip"), tr(C, "ribu Rp"))
        self.stock.setAxisItems({"bottom": pg.DateAxisItem()})
        self.stock_legend = _legend(self.stock)
        self.stock_curves: dict[str, pg.PlotDataItem] = {}
        self.stock_note = _empty_note(self.stock)

        charts = QGridLayout()
        charts.addWidget(self.per_minute, 0, 0)
        charts.addWidget(self.rate, 0, 1)
        charts.addWidget(self.money, 1, 0)
        charts.addWidget(self.stock, 1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(numbers)
        layout.addLayout(charts, 1)

        # The Refresher gets no bound method of this view: the query thread must never hold the last
        # reference to it (it would be destroyed on that thread), and a reference cycle would leave it to
        # the garbage collector, which clears pyqtgraph's items while Qt still lays them out.
        view = weakref.ref(self)
        clock = ctx.engine.clock
        self.refresher = Refresher(self, ctx.bridge, lambda: load_dashboard(clock()),
                                   lambda data: view() is not None and view()._show(data), background=True,
                                   every_s=REFRESH_S, min_interval_s=REDRAW_MIN_S)
        # bound slots, not lambdas: Qt drops them with this view (a language switch rebuilds the views)
        ctx.bridge.modemChanged.connect(self._on_modem_changed)
        ctx.bridge.engineStateChanged.connect(self._on_engine_state)

    @staticmethod
    def _outcome_label(key: str) -> str:
        return tr(C, "Diproses") if key == "in_progress" else label("status", key)

    def title(self) -> str:
        return tr(C, "Dasbor")

    def set_active(self, active: bool) -> None:
        self.active = active
        self.refresher.set_active(active)

    # --- showing -----------------------------------------------------------------------------

    def _show(self, d: DashboardData) -> None:
        self.data = d
        self.orders.value.setText(group(d.orders_today))
        rate = 100 * d.success_today / d.orders_today if d.orders_today else 0
        self.orders.sub.setText(tr(C, "{n} sukses ({rate:.0f}%)").format(n=group(d.success_today), rate=rate))
        self.sales.value.setText(rupiah(d.sales_today))
        self.sales.sub.setText(tr(C, "dari transaksi sukses"))
        self.profit.value.setText(rupiah(d.profit_today))
        margin = 100 * d.profit_today / d.sales_today if d.sales_today else 0
        self.profit.sub.setText(tr(C, "margin {m:.1f}%").format(m=margin))
        self._show_modems()
        self._show_minutes(d)
        self._show_rate(d)
        self._show_money(d)
        self._show_stock(d)

    @Slot(str, str, str)
    def _on_modem_changed(self, _name: str, _state: str, _detail: str) -> None:
        self._show_modems()

    @Slot(str)
    def _on_engine_state(self, _state: str) -> None:
        self._show_modems()

    def _show_modems(self) -> None:
        d = self.data
        if d is None:
            return
        count = modem_count(d.configured_modems, self.ctx.engine.links)
        self.modems.value.setText(f"{count.online} / {count.total}")
        if not self.ctx.bridge.running:
            self.modems.sub.setText(tr(C, "server berhenti"))
            return
        text = tr(C, "antrian {n}").format(n=group(d.queue.in_queue))
        if d.queue.needs_action:
            text += " · " + tr(C, "perlu tindakan {n}").format(n=group(d.queue.needs_action))
        self.modems.sub.setText(text)

    def _show_minutes(self, d: DashboardData) -> None:
        x0, x1 = d.window_start.timestamp(), d.window_end.timestamp()
        xs = [m.start.timestamp() + 30 for m in d.minutes]
        below = [0] * len(d.minutes)
        for key, colour in OUTCOMES:
            heights = [getattr(m, key) for m in d.minutes]
            brushes = [pg.mkBrush(colour) if m.complete else self._pale(colour) for m in d.minutes]
            # an outline only round the running minute's part (dashed: not over yet); none for an empty part
            pens = [pg.mkPen(colour, style=Qt.PenStyle.DashLine) if not m.complete and h else pg.mkPen(None)
                    for m, h in zip(d.minutes, heights)]
            self.bars[key].setOpts(x=xs, y0=list(below), height=heights, width=45, brushes=brushes, pens=pens)
            below = [b + h for b, h in zip(below, heights)]
        top = _y_axis(self.per_minute, max(below, default=0), room=1.35)  # room for the legend above the bars
        self.per_minute.setXRange(x0, x1, padding=0)
        empty = not any(m.total for m in d.minutes)
        _place_note(self.per_minute_note, tr(C, "Belum ada transaksi dalam {n} menit terakhir").format(
            n=WINDOW_MINUTES) if empty else "", x0, x1, 0, top)

    @staticmethod
    def _pale(colour: str):
        brush = pg.mkBrush(colour)
        c = brush.color()
        c.setAlpha(RUNNING_ALPHA)
        brush.setColor(c)
        return brush

    def _show_rate(self, d: DashboardData) -> None:
        x0, x1 = d.window_start.timestamp(), d.window_end.timestamp()
        # finished minutes that have finished orders; a minute without any is a gap, never 0 % or 100 %
        points: list[MinuteCount] = [m for m in d.minutes if m.complete and m.finished]
        xs = [m.start.timestamp() + 30 for m in points]
        ys = [100 * m.success / m.finished for m in points]
        # a line only between neighbouring minutes
        joined = np.array([b.start - a.start == _dt.timedelta(minutes=1) for a, b in itertools.pairwise(points)]
                          + [False])
        done = sum(m.finished for m in points)
        if done:
            self.rate_curve.setData(xs, ys, connect=joined)
            ok = sum(m.success for m in points)
            self.rate.setTitle(tr(C, "Tingkat sukses per menit (10 menit terakhir): {rate:.0f}% dari {n}").format(
                rate=100 * ok / done, n=group(done)), color="#202124", size="11pt")
        else:
            self.rate_curve.setData([], [])
            self.rate.setTitle(tr(C, "Tingkat sukses per menit (10 menit terakhir)"), color="#202124", size="11pt")
        self.rate.setXRange(x0, x1, padding=0)
        _y_axis(self.rate, 100, fixed_top=105)
        _place_note(self.rate_note, "" if done else tr(C, "Belum ada transaksi yang selesai dalam {n} menit "
                                                          "terakhir").format(n=WINDOW_MINUTES), x0, x1, 0, 105)

    def _show_money(self, d: DashboardData) -> None:
        xs: list[float] = [0.0]
        sales: list[float] = [0.0]
        profit: list[float] = [0.0]
        total_sales = total_profit = 0
        for h in d.hours:
            total_sales += h.sales
            total_profit += h.profit
            # the running hour ends now, not at its full hour
            xs.append(h.hour + 1 if h.hour < d.now.hour else d.now.hour + d.now.minute / 60)
            sales.append(total_sales / 1000)
            profit.append(total_profit / 1000)
        self.sales_curve.setData(xs, sales)
        self.profit_curve.setData(xs, profit)
        self.money.setXRange(0, 24, padding=0.01)
        top = _y_axis(self.money, max(sales + profit))
        _place_note(self.money_note, "" if total_sales else tr(C, "Belum ada penjualan hari ini"), 0, 24, 0, top)

    def _show_stock(self, d: DashboardData) -> None:
        now = d.now.timestamp()
        for chip in d.stock:
            if chip.stock is None:
                continue
            history = self.stock_history.setdefault(chip.name, deque(maxlen=STOCK_POINTS))
            if not history or history[-1][1] != chip.stock or now - history[-1][0] > 60:
                history.append((now, float(chip.stock)))
        top = 0.0
        for name, history in self.stock_history.items():
            curve = self.stock_curves.get(name)
            if curve is None:
                colour = CHIP_COLOURS[len(self.stock_curves) % len(CHIP_COLOURS)]
                curve = self.stock.plot([], [], name=name, pen=pg.mkPen(colour, width=2), symbolBrush=colour,
                                        symbolPen=colour, symbolSize=5)
                self.stock_curves[name] = curve
            # a lone sample needs a dot to be seen; a line needs none (symbols cost paint time)
            curve.setSymbol("o" if len(history) < 3 else None)
            curve.setData([t for t, _ in history], [v / 1000 for _, v in history])
            top = max([top] + [v / 1000 for _, v in history])
        oldest = min((h[0][0] for h in self.stock_history.values() if h), default=now)
        x0, x1 = now - min(STOCK_SPAN_S, max(600.0, now - oldest)), now + 30
        self.stock.setXRange(x0, x1, padding=0.02)
        top = _y_axis(self.stock, top)
        _place_note(self.stock_note, "" if self.stock_history else tr(C, "Belum ada chip yang stoknya diketahui"),
                    x0, x1, 0, top)


add_english(C, {
    "Dasbor": "Dashboard", "Transaksi hari ini": "Orders today", "Penjualan hari ini": "Sales today",
    "Laba hari ini": "Profit today", "Modem online": "Modems online",
    "Transaksi per menit (10 menit terakhir)": "Orders per minute (last 10 minutes)", "transaksi": "orders",
    "batang pucat: menit yang sedang berjalan": "pale bar: the minute still running", "Diproses": "In progress",
    "Tingkat sukses per menit (10 menit terakhir)": "Success rate per minute (last 10 minutes)",
    "Tingkat sukses per menit (10 menit terakhir): {rate:.0f}% dari {n}":
        "Success rate per minute (last 10 minutes): {rate:.0f}% of {n}",
    "hanya menit yang sudah lewat": "finished minutes only",
    "Penjualan & laba hari ini": "Sales & profit today", "ribu Rp": "thousand Rp",
    "jam": "hour", "penjualan": "sales", "laba": "profit", "Stok per chip": "Stock per chip",
    "antrian {n}": "queue {n}", "perlu tindakan {n}": "needs action {n}", "server berhenti": "server stopped",
    "{n} sukses ({rate:.0f}%)": "{n} successful ({rate:.0f}%)",
    "margin {m:.1f}%": "margin {m:.1f}%", "dari transaksi sukses": "from successful orders",
    "Belum ada transaksi dalam {n} menit terakhir": "No orders in the last {n} minutes",
    "Belum ada transaksi yang selesai dalam {n} menit terakhir": "No finished orders in the last {n} minutes",
    "Belum ada penjualan hari ini": "No sales today yet",
    "Belum ada chip yang stoknya diketahui": "No chip's stock is known yet",
})
