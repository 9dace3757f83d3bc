"""Pesan: the inbox (every message received, with what became of it) and the outbox (every reply and
notice, with its sending status), per modem. Both tables grow like the order log, so they page it: the
ids come from a background read (`app.queries.messages`), the rows on demand for what is on screen.

Live: after an engine event only the newer ids are read (a primary-key range) and the shown rows are
repainted; the whole id list is read again when the filter changes, and every few seconds while a
status filter is set (a message's status changes, so it may leave or join the list)."""
from __future__ import annotations

import datetime as _dt
import time
from array import array
from dataclasses import dataclass
from typing import Any, Sequence

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QLineEdit,
                               QTableView, QTabWidget, QVBoxLayout, QWidget)

from app.money import group
from app.queries.messages import (INBOX_STATUSES, OUTBOX_STATUSES, Box, InboxRow, MessageFilter, OutboxRow,
                                  inbox_rows, message_ids, modem_names, outbox_rows)
from ui.i18n import add_english, tr
from ui.labels import LABELS, label
from ui.refresh import Refresher
from ui.style import state_colours
from ui.views.log import Column, PagedModel, when

C = "Pesan"
FULL_REFRESH_S = 4.0  # with a status filter, the id list is read again at most this often

INBOX_COLUMNS = (Column("id", "ID", None, True), Column("at", "Waktu"), Column("modem", "Modem"),
                 Column("channel", "Kanal"), Column("peer", "Pengirim"), Column("reseller", "Reseller"),
                 Column("status", "Status"), Column("reason", "Alasan"), Column("text", "Isi"))
OUTBOX_COLUMNS = (Column("id", "ID", None, True), Column("at", "Waktu"), Column("modem", "Modem"),
                  Column("channel", "Kanal"), Column("peer", "Tujuan"), Column("order", "TrxID", None, True),
                  Column("status", "Status"), Column("sent", "Terkirim"), Column("attempts", "Coba", None, True),
                  Column("text", "Isi"))
_SAMPLE_MOMENT = _dt.datetime(2026, 12, 28, 23, 59, 59)  # the widest timestamp, for the column width
STATUS_STYLE = {"processed": "success", "received": "queued", "rejected": "failed", "queued": "queued",
                "sent": "success", "failed": "failed"}


class MessageModel(PagedModel):
    context = C

    def __init__(self, box: Box, parent: QObject | None = None):
        super().__init__(parent)
        self.box = box
        self.columns = INBOX_COLUMNS if box is Box.INBOX else OUTBOX_COLUMNS
        self.filter: MessageFilter | None = None  # the filter the ids were read with

    def fetch(self, ids: Sequence[int]) -> dict[int, Any]:
        return inbox_rows(ids) if self.box is Box.INBOX else outbox_rows(ids)

    def display(self, row: InboxRow | OutboxRow, column: int) -> str:
        key = self.columns[column].key
        inbox = isinstance(row, InboxRow)
        if key == "id":
            return str(row.message_id)
        if key == "at":
            return when(row.received_at if inbox else row.created_at)
        if key == "modem":
            return row.modem or "-"
        if key == "channel":
            return label("channel", row.channel)
        if key == "peer":
            return row.sender if inbox else row.to
        if key == "text":
            return " ".join(str(row.text).split())
        if key == "status":
            return label("inbound" if inbox else "outbox", row.status)
        if inbox:
            return label("inbound_reason", row.reason) if key == "reason" else row.reseller
        if key == "order":
            return "" if row.order_id is None else str(row.order_id)
        if key == "sent":
            return when(row.sent_at)
        return group(row.attempts)

    def decorate(self, row: InboxRow | OutboxRow, column: int, role: int) -> Any:
        if self.columns[column].key != "status":
            return None
        bg, fg = state_colours(STATUS_STYLE.get(row.status, ""))
        return bg if role == Qt.ItemDataRole.BackgroundRole else fg


@dataclass(frozen=True)
class Loaded:
    box: Box
    filter: MessageFilter
    ids: array
    full: bool  # the whole list; else only ids newer than the newest shown
    modems: tuple[str, ...]


class MessagePane(QWidget):
    def __init__(self, box: Box, parent: QWidget | None = None):
        super().__init__(parent)
        self.box = box
        self.model = MessageModel(box, self)
        self.last_full = 0.0
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.modem = QComboBox()
        self.modem.addItem(tr(C, "Semua modem"), "")
        self.modem.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.status = QComboBox()
        self.status.addItem(tr(C, "Semua status"), "")
        for value in (INBOX_STATUSES if box is Box.INBOX else OUTBOX_STATUSES):
            self.status.addItem(label("inbound" if box is Box.INBOX else "outbox", value), value)
        self.search = QLineEdit(placeholderText=tr(C, "Cari nomor atau isi pesan"))
        self.search.setClearButtonEnabled(True)
        self.count = QLabel()
        self.count.setMinimumWidth(self.count.fontMetrics().horizontalAdvance(tr(C, "{n} pesan").format(n="9.999.999")))
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar.addWidget(QLabel(tr(C, "Modem")))
        bar.addWidget(self.modem)
        bar.addWidget(self.status)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count)
        layout.addLayout(bar)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)  # the text, last, takes the room left; its tooltip has it whole
        # wide enough for the longest word each column can show (labels in the current language), so no
        # status or reason is cut; the rows themselves are read lazily and are not measured
        metrics = self.table.fontMetrics()

        def fits(*texts: str) -> int:
            return max(metrics.horizontalAdvance(t) for t in texts) + 16

        statuses = LABELS["inbound" if box is Box.INBOX else "outbox"]
        widths = {"id": fits("9999999"), "at": fits(when(_SAMPLE_MOMENT)), "modem": fits("center-10"),
                  "channel": fits(*(label("channel", c) for c in LABELS["channel"])), "peer": fits("+6281234567890"),
                  "reseller": fits("R00000"), "order": fits("99999999"),
                  "status": fits(*(label("outbox" if box is Box.OUTBOX else "inbound", c) for c in statuses)),
                  "reason": fits(*(label("inbound_reason", c) for c in LABELS["inbound_reason"])),
                  "sent": fits(when(_SAMPLE_MOMENT)), "attempts": fits("Coba", "99")}
        for i, col in enumerate(self.model.columns):
            if col.key in widths:
                self.table.setColumnWidth(i, max(widths[col.key], metrics.horizontalAdvance(tr(C, col.title)) + 16))
        layout.addWidget(self.table, 1)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #5f6368;")
        layout.addWidget(self.empty)

    def current_filter(self) -> MessageFilter:
        return MessageFilter(self.modem.currentData() or "", self.status.currentData() or "",
                             self.search.text().strip())

    def wants_full(self, f: MessageFilter) -> bool:
        if self.model.filter != f:
            return True
        return bool(f.status) and time.monotonic() - self.last_full >= FULL_REFRESH_S

    def set_modems(self, names: Sequence[str]) -> None:
        shown = [self.modem.itemData(i) for i in range(1, self.modem.count())]
        if shown == list(names):
            return
        current = self.modem.currentData()
        self.modem.blockSignals(True)
        while self.modem.count() > 1:
            self.modem.removeItem(1)
        for name in names:
            self.modem.addItem(name, name)
        self.modem.setCurrentIndex(max(self.modem.findData(current), 0))
        self.modem.blockSignals(False)

    def show_loaded(self, loaded: Loaded) -> None:
        model = self.model
        if loaded.full:
            self.last_full = time.monotonic()
            model.filter = loaded.filter
            if loaded.ids == model.ids:
                model.invalidate_rows()
            else:
                model.set_ids(loaded.ids)
        else:
            model.prepend_ids(list(loaded.ids))
            model.invalidate_rows()  # statuses of the rows on screen may have changed
        n = model.rowCount()
        self.count.setText(tr(C, "{n} pesan").format(n=group(n)))
        if n:
            self.empty.hide()
        else:
            self.empty.setText(tr(C, "Tidak ada pesan yang cocok dengan saringan ini.")
                               if loaded.filter != MessageFilter() else tr(C, "Belum ada pesan."))
            self.empty.show()


class MessagesView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.active = False
        self.inbox = MessagePane(Box.INBOX)
        self.outbox = MessagePane(Box.OUTBOX)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.inbox, tr(C, "Kotak masuk"))
        self.tabs.addTab(self.outbox, tr(C, "Kotak keluar"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._wanted = (Box.INBOX, MessageFilter())  # what to read next; set on the GUI thread only
        self.refresher: Refresher[Loaded] = Refresher(self, getattr(ctx, "bridge", None), self._load, self._show,
                                                      background=True)
        self._debounce = QTimer(self, singleShot=True, interval=300)  # typing in the search box
        self._debounce.timeout.connect(self._wanted_changed)
        self.tabs.currentChanged.connect(self._wanted_changed)
        for pane in (self.inbox, self.outbox):
            pane.modem.currentIndexChanged.connect(self._wanted_changed)
            pane.status.currentIndexChanged.connect(self._wanted_changed)
            pane.search.textChanged.connect(lambda _=None: self._debounce.start())

    def title(self) -> str:
        return tr(C, "Pesan")

    def set_active(self, active: bool) -> None:
        self.active = active
        if active:
            self._wanted = self._read_wanted()
        self.refresher.set_active(active)

    def current_pane(self) -> MessagePane:
        return self.outbox if self.tabs.currentWidget() is self.outbox else self.inbox

    def _read_wanted(self) -> tuple[Box, MessageFilter]:
        pane = self.current_pane()
        return pane.box, pane.current_filter()

    @Slot()
    def _wanted_changed(self) -> None:
        # Hidden: nothing to read now (set_active reads the widgets again). This also keeps the slot
        # away from the widgets while the view is being destroyed: QTabWidget emits currentChanged
        # from its destructor, when its pages are already gone.
        if not self.active:
            return
        self._wanted = self._read_wanted()
        self.refresher.request()

    def _load(self) -> Loaded:
        """On a background thread: reads only plain values the GUI thread set, never a widget."""
        box, f = self._wanted
        pane = self.inbox if box is Box.INBOX else self.outbox
        full = pane.wants_full(f)
        ids = pane.model.ids
        newest = ids[0] if not full and len(ids) else 0
        return Loaded(box, f, message_ids(box, f, after_id=newest), full, tuple(modem_names()))

    def _show(self, loaded: Loaded) -> None:
        pane = self.inbox if loaded.box is Box.INBOX else self.outbox
        pane.set_modems(loaded.modems)
        if (loaded.box, loaded.filter) != self._wanted:
            return  # the tab or the filter changed while reading: that change asked for another read
        pane.show_loaded(loaded)


add_english(C, {
    "Pesan": "Messages", "Kotak masuk": "Inbox", "Kotak keluar": "Outbox", "Waktu": "Time", "Modem": "Modem",
    "Kanal": "Channel", "Pengirim": "Sender", "Tujuan": "To", "Isi": "Text", "Status": "Status",
    "Alasan": "Reason", "Terkirim": "Sent", "Coba": "Tries", "Semua status": "All statuses",
    "Semua modem": "All modems", "Cari nomor atau isi pesan": "Search number or text", "{n} pesan": "{n} messages",
    "Tidak ada pesan yang cocok dengan saringan ini.": "No message matches this filter.",
    "Belum ada pesan.": "No messages yet.",
})
