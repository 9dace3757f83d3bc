"""Pesan: the inbox (every message received, with what became of it) and the outbox (every reply and
notice, with its sending status), per modem. Both tables grow like the order log, so they use its
paged model: ids from a background query, rows on demand."""
from __future__ import annotations

import time
from array import array
from dataclasses import dataclass
from typing import Any, Sequence

import peewee as pw
from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QTableView, QTabWidget, QVBoxLayout, QWidget)

from app.money import group
from storage import sql
from ui.i18n import add_english, tr
from ui.style import state_colours
from ui.views.log import Column, PagedModel, _stamp, runner, thread_rows

C = "Pesan"
REFRESH_S = 2.0


@dataclass(frozen=True)
class MessageFilter:
    modem: str = ""
    status: str = ""
    search: str = ""


@dataclass(frozen=True)
class Box:
    table: str
    time_column: str
    peer_column: str
    statuses: tuple[tuple[str, str], ...]  # (value, Indonesian label)
    row_sql: str
    columns: tuple[Column, ...]


INBOX = Box(
    "inbound_message", "received_at", "sender",
    (("processed", "Diproses"), ("rejected", "Ditolak"), ("received", "Diterima")),
    "SELECT m.id, m.received_at, m.modem, m.channel, m.sender, m.text, m.status, m.reason, r.code "
    "FROM inbound_message m LEFT JOIN reseller r ON r.id = m.reseller_id WHERE m.id IN ",
    (Column("id", "ID", None, True), Column("at", "Waktu"), Column("modem", "Modem"), Column("channel", "Kanal"),
     Column("peer", "Pengirim"), Column("reseller", "Reseller"), Column("text", "Isi"), Column("status", "Status"),
     Column("reason", "Alasan")),
)
OUTBOX = Box(
    "outbound_message", "created_at", '"to"',
    (("queued", "Antri"), ("sent", "Terkirim"), ("failed", "Gagal")),
    'SELECT m.id, m.created_at, m.modem, m.channel, m."to", m.text, m.status, m.event, m.order_id, m.sent_at, '
    "m.attempts FROM outbound_message m WHERE m.id IN ",
    (Column("id", "ID", None, True), Column("at", "Waktu"), Column("modem", "Modem"), Column("channel", "Kanal"),
     Column("peer", "Tujuan"), Column("order", "TrxID"), Column("text", "Isi"), Column("status", "Status"),
     Column("sent", "Terkirim"), Column("attempts", "Coba", None, True)),
)
STATUS_STYLE = {"processed": "success", "received": "queued", "rejected": "failed", "queued": "queued",
                "sent": "success", "failed": "failed"}


def message_ids(db: pw.Database, box: Box, f: MessageFilter) -> array:
    parts, params = ["1=1"], []
    if f.modem:
        parts.append("m.modem = ?")
        params.append(f.modem)
    if f.status:
        parts.append("m.status = ?")
        params.append(f.status)
    if f.search.strip():
        like = f"%{f.search.strip()}%"
        parts.append(f"(m.{box.peer_column} LIKE ? OR m.text LIKE ?)")
        params += [like, like]
    query = f"SELECT m.id FROM {box.table} m WHERE {' AND '.join(parts)} ORDER BY m.id DESC"
    return array("q", [i for (i,) in thread_rows(db, query, params)])


class MessageModel(PagedModel):
    context = C

    def __init__(self, box: Box, parent: QObject | None = None):
        super().__init__(parent)
        self.box = box
        self.columns = box.columns
        self.filter = MessageFilter()
        self.pending = False
        self.last_load = 0.0
        self._token = 0
        runner().done.connect(self._on_done)

    def apply(self, f: MessageFilter) -> None:
        self.filter = f
        self.pending = True
        self.last_load = time.monotonic()
        box = self.box
        self._token = runner().submit(lambda db: message_ids(db, box, f))

    @Slot(int, object)
    def _on_done(self, token: int, result: object) -> None:
        if token != self._token:
            return
        self.pending = False
        if isinstance(result, array):
            if result == self.ids:
                self.invalidate_rows()
            else:
                self.set_ids(result)

    def fetch(self, ids: Sequence[int]) -> dict[int, tuple]:
        if not ids:
            return {}
        return {r[0]: r for r in sql.all_rows(self.box.row_sql + f"({','.join('?' * len(ids))})", list(ids))}

    def display(self, row: tuple, column: int) -> str:
        key = self.columns[column].key
        inbox = self.box is INBOX
        if key == "id":
            return str(row[0])
        if key == "at":
            return _stamp(row[1])
        if key == "modem":
            return row[2] or "-"
        if key == "channel":
            return row[3]
        if key == "peer":
            return row[4]
        if key == "text":
            return " ".join(str(row[5]).split())
        if key == "status":
            labels = dict(self.box.statuses)
            return tr(C, labels.get(row[6], row[6]))
        if inbox:
            return (row[7] or "") if key == "reason" else (row[8] or "")
        if key == "order":
            return "" if row[8] is None else str(row[8])
        if key == "sent":
            return _stamp(row[9])
        return group(row[10])

    def decorate(self, row: tuple, column: int, role: int) -> Any:
        if self.columns[column].key != "status":
            return None
        bg, fg = state_colours(STATUS_STYLE.get(row[6], ""))
        return bg if role == Qt.ItemDataRole.BackgroundRole else fg


class MessagePane(QWidget):
    def __init__(self, box: Box, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = MessageModel(box, self)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.modem = QComboBox()
        self.status = QComboBox()
        self.status.addItem(tr(C, "Semua status"), "")
        for value, label in box.statuses:
            self.status.addItem(tr(C, label), value)
        self.search = QLineEdit(placeholderText=tr(C, "Cari nomor atau isi pesan"))
        self.search.setClearButtonEnabled(True)
        self.count = QLabel()
        bar.addWidget(QLabel(tr(C, "Modem")))
        bar.addWidget(self.modem)
        bar.addWidget(self.status)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count)
        layout.addLayout(bar)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        widths = {"id": 60, "at": 140, "modem": 90, "channel": 60, "peer": 120, "reseller": 70, "order": 70,
                  "status": 80, "reason": 140, "sent": 140, "attempts": 50}
        for i, col in enumerate(box.columns):
            if col.key == "text":
                header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
            else:
                self.table.setColumnWidth(i, widths.get(col.key, 100))
        layout.addWidget(self.table, 1)
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.reload)
        self.modem.currentIndexChanged.connect(self.reload)
        self.status.currentIndexChanged.connect(self.reload)
        self.search.textChanged.connect(lambda _=None: self._debounce.start())
        self.model.loaded.connect(self._show_count)
        self.reload_modems()

    def reload_modems(self) -> None:
        current = self.modem.currentData()
        self.modem.blockSignals(True)
        self.modem.clear()
        self.modem.addItem(tr(C, "Semua modem"), "")
        names = {n for (n,) in sql.all_rows("SELECT name FROM modem")}
        for name in sorted(names):
            self.modem.addItem(name, name)
        index = self.modem.findData(current)
        self.modem.setCurrentIndex(max(index, 0))
        self.modem.blockSignals(False)

    @Slot()
    def reload(self) -> None:
        self.model.apply(MessageFilter(self.modem.currentData() or "", self.status.currentData() or "",
                                       self.search.text()))

    def refresh_if_due(self) -> bool:
        if not self.model.pending and time.monotonic() - self.model.last_load >= REFRESH_S:
            self.reload()
            return True
        return False

    @Slot()
    def _show_count(self) -> None:
        self.count.setText(tr(C, "{n} pesan").format(n=group(self.model.rowCount())))


class MessagesView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.active = False
        self._dirty = True
        self.inbox = MessagePane(INBOX)
        self.outbox = MessagePane(OUTBOX)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.inbox, tr(C, "Kotak masuk"))
        self.tabs.addTab(self.outbox, tr(C, "Kotak keluar"))
        self.tabs.currentChanged.connect(lambda _=None: self._refresh())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._timer = QTimer(self, interval=500)
        self._timer.timeout.connect(self._refresh)
        bridge = getattr(ctx, "bridge", None)
        if bridge is not None:
            bridge.tick.connect(self._on_tick)

    def title(self) -> str:
        return tr(C, "Pesan")

    def set_active(self, active: bool) -> None:
        self.active = active
        if active:
            for pane in (self.inbox, self.outbox):
                pane.reload_modems()
                if pane.model.last_load == 0.0:
                    pane.reload()
            self._timer.start()
        else:
            self._timer.stop()

    @Slot()
    def _on_tick(self) -> None:
        self._dirty = True

    @Slot()
    def _refresh(self) -> None:
        if self.active and self._dirty:
            pane = self.tabs.currentWidget()
            if isinstance(pane, MessagePane) and pane.refresh_if_due():
                self._dirty = False


add_english(C, {
    "Pesan": "Messages", "Kotak masuk": "Inbox", "Kotak keluar": "Outbox", "Waktu": "Time", "Modem": "Modem",
    "Kanal": "Channel", "Pengirim": "Sender", "Tujuan": "To", "Isi": "Text", "Status": "Status",
    "Alasan": "Reason", "Terkirim": "Sent", "Coba": "Tries", "Diproses": "Processed", "Ditolak": "Rejected",
    "Diterima": "Received", "Antri": "Queued", "Gagal": "Failed", "Semua status": "All statuses",
    "Semua modem": "All modems", "Cari nomor atau isi pesan": "Search number or text", "{n} pesan": "{n} messages",
})
