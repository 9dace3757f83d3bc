"""Dasbor: a few big numbers (orders, sales and profit today, modems online) and live charts — orders
per minute by outcome, success rate, sales and profit through the day, stock per chip over time.

The aggregates run in the views' background SQL thread (an index range on created_at), at most once a
second while the tab is shown and something changed; stock history is sampled in memory.
"""
from __future__ import annotations

import datetime as _dt
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import peewee as pw
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.money import group, rupiah
from storage import sql
from ui.i18n import add_english, tr
from ui.views.log import runner, thread_rows

C = "Dasbor"
WINDOW_MIN = 60
REFRESH_S = 1.0
IDLE_REFRESH_S = 15.0  # the minute axis moves even when nothing happens
STOCK_POINTS = 720
RATE_MIN = 10
COLOURS = {"success": "#1e8e3e", "failed": "#d93025", "suspect": "#e8710a"}
CHIP_COLOURS = ("#1a73e8", "#9334e6", "#12b5cb", "#e52592", "#f9ab00", "#5f6368", "#188038", "#b06000")


@dataclass
class DashboardData:
    minutes: list[float] = field(default_factory=list)  # epoch seconds of each minute in the window
    per_minute: dict[str, list[int]] = field(default_factory=dict)  # status -> counts
    hours: list[int] = field(default_factory=list)
    sales_cum: list[int] = field(default_factory=list)
    profit_cum: list[int] = field(default_factory=list)
    orders_today: int = 0
    success_today: int = 0
    sales_today: int = 0
    profit_today: int = 0
    stock: dict[str, int | None] = field(default_factory=dict)


def _bucket(db: pw.Database, length: int) -> str:
    """SQL for the first `length` characters of created_at as text ('YYYY-MM-DD HH:MM' for 16)."""
    if db.param == "?":
        return f"substr(created_at, 1, {length})"
    return "to_char(created_at, 'YYYY-MM-DD HH24:MI')" if length == 16 else "to_char(created_at, 'YYYY-MM-DD HH24')"


def load_dashboard(db: pw.Database, now: _dt.datetime) -> DashboardData:
    data = DashboardData()
    start = (now - _dt.timedelta(minutes=WINDOW_MIN - 1)).replace(second=0, microsecond=0)
    keys = [(start + _dt.timedelta(minutes=i)) for i in range(WINDOW_MIN)]
    data.minutes = [k.timestamp() for k in keys]
    slot = {k.strftime("%Y-%m-%d %H:%M"): i for i, k in enumerate(keys)}
    data.per_minute = {s: [0] * WINDOW_MIN for s in COLOURS}
    for minute, status, n in thread_rows(
            db, f'SELECT {_bucket(db, 16)}, status, COUNT(*) FROM "order" WHERE created_at >= ? '
                "AND status IN ('success', 'failed', 'suspect') GROUP BY 1, 2", (start,)):
        i = slot.get(str(minute))
        if i is not None:
            data.per_minute[status][i] = n
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    hourly = {int(str(h)[11:13]): (n, ok, sales, cost) for h, n, ok, sales, cost in thread_rows(
        db, f"SELECT {_bucket(db, 13)}, COUNT(*), COALESCE(SUM(CASE WHEN status = 'success' THEN 1 END), 0), "
            "COALESCE(SUM(CASE WHEN status = 'success' THEN price END), 0), "
            "COALESCE(SUM(CASE WHEN status = 'success' THEN cost END), 0) "
            'FROM "order" WHERE created_at >= ? GROUP BY 1', (midnight,))}
    sales = profit = 0
    for hour in range(now.hour + 1):
        n, ok, s, c = hourly.get(hour, (0, 0, 0, 0))
        data.orders_today += n
        data.success_today += ok
        sales += s
        profit += s - c
        data.hours.append(hour + 1)
        data.sales_cum.append(sales)
        data.profit_cum.append(profit)
    data.sales_today, data.profit_today = sales, profit
    data.stock = {name: stock for name, stock in thread_rows(
        db, "SELECT name, stock FROM supplier WHERE active = ? ORDER BY name", (True,))}
    return data


def _plot(title: str, left: str) -> pg.PlotWidget:
    w = pg.PlotWidget(background="w")
    w.setTitle(title, color="#202124", size="11pt")
    w.showGrid(x=True, y=True, alpha=0.25)
    w.setLabel("left", left)
    w.getAxis("left").enableAutoSIPrefix(False)
    w.setMouseEnabled(x=False, y=False)
    w.hideButtons()
    w.setMinimumHeight(180)
    for name in ("left", "bottom"):
        w.getAxis(name).setTextPen("#3c4043")
        w.getAxis(name).setPen("#9aa0a6")
    return w


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
        for w in (self.caption, self.value, self.sub):
            layout.addWidget(w)


class DashboardView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.active = False
        self._dirty = True
        self._pending = False
        self._token = 0
        self._last = 0.0
        self.data: DashboardData | None = None
        self.stock_history: dict[str, deque[tuple[float, float]]] = {}

        numbers = QHBoxLayout()
        self.orders = BigNumber(tr(C, "Transaksi hari ini"))
        self.sales = BigNumber(tr(C, "Penjualan hari ini"))
        self.profit = BigNumber(tr(C, "Laba hari ini"))
        self.modems = BigNumber(tr(C, "Modem online"))
        for w in (self.orders, self.sales, self.profit, self.modems):
            numbers.addWidget(w)

        self.per_minute = _plot(tr(C, "Transaksi per menit"), tr(C, "transaksi"))
        self.per_minute.setAxisItems({"bottom": pg.DateAxisItem()})
        self.per_minute.addLegend(offset=(8, 4), labelTextColor="#202124", brush=pg.mkBrush(255, 255, 255, 210))
        self.curves = {s: self.per_minute.plot([], [], name=tr(C, label), pen=pg.mkPen(COLOURS[s], width=2))
                       for s, label in (("success", "sukses"), ("failed", "gagal"), ("suspect", "suspect"))}
        self.rate = _plot(tr(C, "Tingkat sukses (10 menit terakhir)"), "%")
        self.rate.setAxisItems({"bottom": pg.DateAxisItem()})
        self.rate.setYRange(0, 100, padding=0.05)
        # a symbol too: in the first minute of a demo there is only one point, which a bare line hides
        self.rate_curve = self.rate.plot([], [], pen=pg.mkPen("#1a73e8", width=2), symbol="o", symbolSize=5,
                                         symbolBrush="#1a73e8", symbolPen=None)
        self.money = _plot(tr(C, "Penjualan & laba hari ini"), tr(C, "ribu Rp"))
        self.money.setLabel("bottom", tr(C, "jam"))
        self.money.addLegend(offset=(8, 4), labelTextColor="#202124", brush=pg.mkBrush(255, 255, 255, 210))
        self.sales_curve = self.money.plot([], [], name=tr(C, "penjualan"), pen=pg.mkPen("#1a73e8", width=2))
        self.profit_curve = self.money.plot([], [], name=tr(C, "laba"), pen=pg.mkPen("#1e8e3e", width=2))
        self.stock = _plot(tr(C, "Stok per chip"), tr(C, "ribu Rp"))
        self.stock.setAxisItems({"bottom": pg.DateAxisItem()})
        self.stock_legend = self.stock.addLegend(offset=(8, 4), labelTextColor="#202124", brush=pg.mkBrush(255, 255, 255, 210))
        self.stock_curves: dict[str, pg.PlotDataItem] = {}

        charts = QGridLayout()
        charts.addWidget(self.per_minute, 0, 0)
        charts.addWidget(self.rate, 0, 1)
        charts.addWidget(self.money, 1, 0)
        charts.addWidget(self.stock, 1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(numbers)
        layout.addLayout(charts, 1)

        self._timer = QTimer(self, interval=int(REFRESH_S * 1000))
        self._timer.timeout.connect(self._maybe_refresh)
        runner().done.connect(self._on_done)
        bridge = getattr(ctx, "bridge", None)
        if bridge is not None:
            bridge.tick.connect(self._on_tick)

    def title(self) -> str:
        return tr(C, "Dasbor")

    def set_active(self, active: bool) -> None:
        self.active = active
        if active:
            self._dirty = True
            self._maybe_refresh()
            self._timer.start()
        else:
            self._timer.stop()

    @Slot()
    def _on_tick(self) -> None:
        self._dirty = True

    @Slot()
    def _maybe_refresh(self) -> None:
        if not self.active or self._pending:
            return
        if self._dirty or time.monotonic() - self._last >= IDLE_REFRESH_S:
            self.refresh()

    def refresh(self) -> int:
        self._dirty = False
        self._pending = True
        self._last = time.monotonic()
        now = self.ctx.engine.clock() if getattr(self.ctx, "engine", None) else _dt.datetime.now()
        self._token = runner().submit(lambda db: load_dashboard(db, now))
        self._show_modems()
        return self._token

    @Slot(int, object)
    def _on_done(self, token: int, result: object) -> None:
        if token != self._token:
            return
        self._pending = False
        if isinstance(result, DashboardData):
            self.data = result
            self._show(result)

    def _show_modems(self) -> None:
        engine = getattr(self.ctx, "engine", None)
        links = getattr(engine, "links", None) or {}
        online = sum(1 for link in links.values() if getattr(link, "online", False))
        if engine is None:  # no engine running: the configured modems are all offline
            configured = sql.one("SELECT COUNT(*) FROM modem WHERE active = ?", (True,))
            self.modems.value.setText(f"0 / {configured[0] if configured else 0}")
            self.modems.sub.setText(tr(C, "engine tidak berjalan"))
            return
        self.modems.value.setText(f"{online} / {len(links)}")
        self.modems.sub.setText(tr(C, "antrian {n}").format(n=engine.queue_length()))

    def _show(self, d: DashboardData) -> None:
        self.orders.value.setText(group(d.orders_today))
        rate = 100 * d.success_today / d.orders_today if d.orders_today else 0
        self.orders.sub.setText(tr(C, "{n} sukses ({rate:.0f}%)").format(n=group(d.success_today), rate=rate))
        self.sales.value.setText(rupiah(d.sales_today))
        self.profit.value.setText(rupiah(d.profit_today))
        margin = 100 * d.profit_today / d.sales_today if d.sales_today else 0
        self.profit.sub.setText(tr(C, "margin {m:.1f}%").format(m=margin))
        self.sales.sub.setText(tr(C, "dari transaksi sukses"))
        for status, curve in self.curves.items():
            curve.setData(d.minutes, d.per_minute[status])
        xs: list[float] = []
        ys: list[float] = []
        for i, t in enumerate(d.minutes):  # trailing RATE_MIN minutes, so a quiet minute is not 0 % or 100 %
            lo = max(0, i - RATE_MIN + 1)
            done = sum(sum(d.per_minute[s][lo:i + 1]) for s in COLOURS)
            if done:
                xs.append(t)
                ys.append(100 * sum(d.per_minute["success"][lo:i + 1]) / done)
        self.rate_curve.setData(xs, ys)
        if d.minutes:
            self.per_minute.setXRange(d.minutes[0], d.minutes[-1] + 60, padding=0.02)
            self.rate.setXRange(d.minutes[0], d.minutes[-1] + 60, padding=0.02)
        self.money.setXRange(0, 24, padding=0.02)
        self.sales_curve.setData(d.hours, [v / 1000 for v in d.sales_cum])
        self.profit_curve.setData(d.hours, [v / 1000 for v in d.profit_cum])
        now = time.time()
        for i, (name, stock) in enumerate(d.stock.items()):
            if stock is None:
                continue
            history = self.stock_history.setdefault(name, deque(maxlen=STOCK_POINTS))
            if not history or history[-1][1] != stock or now - history[-1][0] > 60:
                history.append((now, float(stock)))
            curve = self.stock_curves.get(name)
            if curve is None:
                colour = CHIP_COLOURS[len(self.stock_curves) % len(CHIP_COLOURS)]
                curve = self.stock.plot([], [], name=name, pen=pg.mkPen(colour, width=2), symbolBrush=colour,
                                        symbolPen=colour, symbolSize=5)
                self.stock_curves[name] = curve
            # a lone sample needs a dot to be seen; a line needs none (symbols cost paint time)
            curve.setSymbol("o" if len(history) < 3 else None)
            curve.setData([t for t, _ in history], [v / 1000 for _, v in history])
        oldest = min((h[0][0] for h in self.stock_history.values() if h), default=now)
        self.stock.setXRange(min(oldest, now - 600), now + 30, padding=0.02)


add_english(C, {
    "Dasbor": "Dashboard", "Transaksi hari ini": "Orders today", "Penjualan hari ini": "Sales today",
    "Laba hari ini": "Profit today", "Modem online": "Modems online", "Transaksi per menit": "Orders per minute",
    "transaksi": "orders", "sukses": "success", "gagal": "failed", "suspect": "suspect",
    "Tingkat sukses (10 menit terakhir)": "Success rate (last 10 minutes)", "Penjualan & laba hari ini": "Sales & profit today", "ribu Rp": "thousand Rp",
    "jam": "hour", "penjualan": "sales", "laba": "profit", "Stok per chip": "Stock per chip",
    "antrian {n}": "queue {n}", "engine tidak berjalan": "engine not running", "{n} sukses ({rate:.0f}%)": "{n} successful ({rate:.0f}%)",
    "margin {m:.1f}%": "margin {m:.1f}%", "dari transaksi sukses": "from successful orders",
})
