"""H2H: the HTTP server buyers order through (on or off, its address), its members, and the reports
(callbacks) sent to them — waiting, delivered or given up — with "Kirim ulang" (app/h2h)."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSplitter, QVBoxLayout, QWidget)

from app.h2h import callbacks, members
from app.h2h.callbacks import CallbackRow
from app.h2h.members import MemberInfo, ServerSettings
from app.money import rupiah
from ui.dialogs.confirm import ConfirmDialog
from ui.dialogs.h2h_member import H2HMemberDialog
from ui.dialogs.shop_form import WARN_STYLE, hint_label
from ui.i18n import add_english, tr
from ui.refresh import Refresher
from ui.row_model import RowsModel, rows_table

C = "H2H"
REFRESH_EVERY_S = 2.0  # deliveries are not engine events: the list is read again this often while shown
MEMBER_COLUMNS = ("Kode", "Nama", "Saldo", "IP diizinkan", "Callback", "Bentuk", "Tanpa sign", "Rahasia")
CALLBACK_COLUMNS = ("Dibuat", "TrxID", "Member", "Ref ID", "Produk", "Tujuan", "Laporan", "Status", "Coba",
                    "Berikutnya", "Hasil terakhir")
STATE_TEXT = {"success": "Sukses", "failed": "Gagal"}
STATUS_TEXT = {"queued": "Menunggu", "delivered": "Terkirim", "failed": "Gagal terkirim"}
FILTERS = (("", "Semua"), ("queued", "Menunggu"), ("failed", "Gagal terkirim"), ("delivered", "Terkirim"))
RED, GREEN, ORANGE = QColor("#d93025"), QColor("#1e8e3e"), QColor("#b06000")
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True)
class H2HSnapshot:
    server: ServerSettings
    members: tuple[MemberInfo, ...]
    callbacks: tuple[CallbackRow, ...]
    counts: dict[str, int]


def _when(at: _dt.datetime | None) -> str:
    return "" if at is None else f"{at:%d/%m %H:%M:%S}"


class MemberModel(RowsModel[MemberInfo]):
    COLUMNS, CONTEXT = MEMBER_COLUMNS, C

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        m, col = self.rows[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            secrets = [tr(C, "password") if m.password_set else "", tr(C, "PIN") if m.pin_set else "",
                       tr(C, "secret API") if m.api_secret_set else ""]
            return (m.code, m.name, rupiah(m.balance), ", ".join(m.allowed_ips) or tr(C, "(tidak ada: semua ditolak)"),
                    members.mask_url(m.callback_url) or tr(C, "(tanpa URL)"), m.callback_form,
                    tr(C, "ya") if m.plain_pin else tr(C, "tidak"),
                    tr(C, "diatur: {what}").format(what=", ".join(s for s in secrets if s)) if any(secrets)
                    else tr(C, "belum diatur"))[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 2:
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and ((col == 3 and not m.allowed_ips)
                                                       or (col == 7 and not m.password_set)):
            return RED
        return None



class CallbackModel(RowsModel[CallbackRow]):
    COLUMNS, CONTEXT = CALLBACK_COLUMNS, C

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        c, col = self.rows[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            when = c.next_at if c.status == "queued" else c.delivered_at if c.status == "delivered" else None
            return (_when(c.created_at), str(c.order_id), c.member, c.ref_id, c.product, c.dest,
                    tr(C, STATE_TEXT.get(c.state, c.state)), tr(C, STATUS_TEXT.get(c.status, c.status)),
                    str(c.attempts), _when(when) if c.status == "queued" else "", c.last_result)[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (1, 8):
            return RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 7:
                return {"failed": RED, "delivered": GREEN, "queued": ORANGE}.get(c.status)
            if col == 6 and c.state == "failed":
                return RED
        return None




class H2HView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.actor = getattr(ctx, "actor", "admin")
        self.clock = ctx.engine.clock
        self.selling = (getattr(ctx, "extras", None) or {}).get("h2h")  # the running server, if any
        self.dialog: Any = None
        self.member_model = MemberModel(self)
        self.callback_model = CallbackModel(self)
        self._filter = ""
        self._selected_callback: int | None = None
        self._server_shown: ServerSettings | None = None
        self._build()
        self.refresher: Refresher[H2HSnapshot] = Refresher(self, getattr(ctx, "bridge", None), self._load, self._show,
                                                           background=True, every_s=REFRESH_EVERY_S,
                                                           failed=self._load_failed)

    def title(self) -> str:
        return tr(C, "H2H")

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        server_box = QGroupBox(tr(C, "Server H2H (pembeli memesan lewat HTTP)"))
        sv = QVBoxLayout(server_box)
        self.server_state = QLabel()
        self.server_state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.server_state.setWordWrap(True)
        sv.addWidget(self.server_state)
        row = QHBoxLayout()
        self.enabled = QCheckBox(tr(C, "Nyalakan setiap kali server mulai"))
        self.host = QLineEdit()
        self.host.setMaximumWidth(160)
        self.host.setToolTip(tr(C, "127.0.0.1: hanya PC ini (di belakang reverse proxy HTTPS). 0.0.0.0: semua "
                                   "jaringan"))
        self.port = QLineEdit()
        self.port.setMaximumWidth(80)
        self.proxies = QLineEdit()
        self.proxies.setPlaceholderText(tr(C, "tidak ada"))
        self.proxies.setMaximumWidth(200)
        self.proxies.setToolTip(tr(C, "Alamat reverse proxy (HTTPS) di depan server ini: permintaan darinya dinilai "
                                      "dari X-Forwarded-For. Pisahkan dengan koma."))
        self.save_server = QPushButton(tr(C, "Simpan"))
        row.addWidget(self.enabled)
        row.addSpacing(16)
        row.addWidget(QLabel(tr(C, "Alamat")))
        row.addWidget(self.host)
        row.addWidget(QLabel(tr(C, "Port")))
        row.addWidget(self.port)
        row.addWidget(QLabel(tr(C, "Proxy tepercaya")))
        row.addWidget(self.proxies)
        row.addWidget(self.save_server)
        row.addStretch(1)
        sv.addLayout(row)
        self.server_note = hint_label()
        sv.addWidget(self.server_note)

        members_box = QGroupBox(tr(C, "Anggota H2H"))
        mv = QVBoxLayout(members_box)
        self.member_table = rows_table(self.member_model)
        mv.addWidget(self.member_table, 1)
        mbar = QHBoxLayout()
        self.members_hint = hint_label(tr(C, "Reseller menjadi anggota H2H lewat tombol H2H di menu Reseller, atau "
                                             "python3 main.py reseller set KODE --h2h-password … --allow-ip …"))
        self.edit_member = QPushButton(tr(C, "Ubah H2H…"))
        mbar.addWidget(self.members_hint, 10)
        mbar.addWidget(self.edit_member)
        mv.addLayout(mbar)

        cb_box = QGroupBox(tr(C, "Laporan ke pembeli (callback)"))
        cv = QVBoxLayout(cb_box)
        cbar = QHBoxLayout()
        self.filter = QComboBox()
        for code, text in FILTERS:
            self.filter.addItem(tr(C, text), code)
        self.counts = QLabel()
        self.counts.setStyleSheet("color: #5f6368;")
        self.resend_button = QPushButton(tr(C, "Kirim ulang"))
        self.resend_button.setToolTip(tr(C, "Kirim laporan ini lagi sekarang (pesan yang sama; dicoba lagi sampai "
                                            "24 jam)"))
        cbar.addWidget(QLabel(tr(C, "Tampilkan")))
        cbar.addWidget(self.filter)
        cbar.addWidget(self.counts, 1)
        cbar.addWidget(self.resend_button)
        cv.addLayout(cbar)
        self.callback_table = rows_table(self.callback_model)
        cv.addWidget(self.callback_table, 1)

        self.error = hint_label(style=WARN_STYLE)
        self.error.hide()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(members_box)
        split.addWidget(cb_box)
        split.setSizes([200, 420])
        layout = QVBoxLayout(self)
        layout.addWidget(server_box)
        layout.addWidget(self.error)
        layout.addWidget(split, 1)

        self.save_server.clicked.connect(self.save_server_settings)
        self.edit_member.clicked.connect(self.open_member)
        self.member_table.doubleClicked.connect(lambda _i: self.open_member())
        self.resend_button.clicked.connect(self.ask_resend)
        self.filter.activated.connect(self._filter_chosen)
        self.callback_table.selectionModel().currentRowChanged.connect(self._on_callback)
        self.member_table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    # --- data -----------------------------------------------------------------------------------
    def set_active(self, active: bool) -> None:
        self.refresher.set_active(active)

    def reload(self) -> None:
        self.refresher.request()

    def _load(self) -> H2HSnapshot:
        """On a query thread."""
        return H2HSnapshot(members.server_settings(), tuple(members.members()),
                           tuple(callbacks.recent(500, self._filter or None)), callbacks.counts())

    def _load_failed(self, exc: Exception) -> None:
        self.error.setText(tr(C, "Gagal membaca H2H: {error}").format(error=exc))
        self.error.show()

    def _show(self, snap: H2HSnapshot) -> None:
        self.error.hide()
        self._show_server(snap.server)
        if self.member_model.set_rows(snap.members):
            self.member_table.resizeColumnsToContents()
            self.member_table.setColumnWidth(1, min(self.member_table.columnWidth(1), 180))
        if self.callback_model.set_rows(snap.callbacks):
            self.callback_table.resizeColumnsToContents()
            row = self.callback_model.row_of(self._selected_callback)
            if row >= 0:
                self.callback_table.selectRow(row)
        c = snap.counts
        self.counts.setText(tr(C, "menunggu {queued} · gagal terkirim {failed} · terkirim {delivered}").format(
            queued=c.get("queued", 0), failed=c.get("failed", 0), delivered=c.get("delivered", 0)))
        self._update_buttons()

    def _show_server(self, saved: ServerSettings) -> None:
        url = self.selling.url if self.selling is not None else ""
        if url:
            self.server_state.setText(tr(C, "Aktif di {url} — pintu /trx (OtomaX), /api (ST24/IRS) dan /api/v1 "
                                            "(JSON).").format(url=url))
            self.server_state.setStyleSheet("color: #1e8e3e; font-weight: bold;")
        else:
            self.server_state.setText(tr(C, "Mati: pembeli tidak bisa memesan lewat HTTP. Laporan untuk transaksi "
                                            "H2H yang sudah ada tetap dikirim."))
            self.server_state.setStyleSheet("color: #5f6368; font-weight: bold;")
        if saved != self._server_shown:  # what the owner is typing is not overwritten by a refresh
            self._server_shown = saved
            self.enabled.setChecked(saved.enabled)
            self.host.setText(saved.host)
            self.port.setText(str(saved.port))
            self.proxies.setText(", ".join(saved.trusted_proxies))
        self.server_note.setText(tr(C, "Perubahan berlaku saat server dimulai lagi. Untuk sekali jalan: "
                                       "python3 main.py --h2h-port {port}.").format(port=saved.port))

    # --- actions --------------------------------------------------------------------------------
    @Slot()
    def save_server_settings(self) -> None:
        try:
            port = int(self.port.text().strip())
        except ValueError:
            self.error.setText(tr(C, "Port harus angka"))
            self.error.show()
            return
        try:
            proxies = tuple(p.strip() for p in self.proxies.text().replace(";", ",").split(",") if p.strip())
            members.save_server_settings(ServerSettings(self.enabled.isChecked(), self.host.text().strip(), port,
                                                        proxies), actor=self.actor)
        except members.MemberError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self._server_shown = None
        self.refresher.request()

    def selected_member(self) -> MemberInfo | None:
        return self.member_model.row(self.member_table.currentIndex().row())

    def selected_callback(self) -> CallbackRow | None:
        return self.callback_model.row(self.callback_table.currentIndex().row())

    def open_member(self) -> H2HMemberDialog | None:
        m = self.selected_member()
        if m is None:
            return None
        self.dialog = H2HMemberDialog(self.actor, m.reseller_id, self)
        self.dialog.saved.connect(lambda _rid: self.refresher.request())
        self.dialog.open()
        return self.dialog

    def ask_resend(self) -> ConfirmDialog | None:
        c = self.selected_callback()
        if c is None or c.status == "queued":
            return None

        def act(_dialog: ConfirmDialog) -> None:
            callbacks.resend(c.id, actor=self.actor, now=self.clock())
            if self.selling is not None:
                self.selling.callbacks.wake()
            self.refresher.request()

        self.dialog = ConfirmDialog(tr(C, "Kirim ulang"), tr(C, "Kirim lagi laporan TrxID {trx} ({state}) ke {member}? "
                                                                "Pembeli menerima pesan yang sama sekali lagi.").format(
            trx=c.order_id, state=tr(C, STATE_TEXT.get(c.state, c.state)), member=c.member), act, self,
            ok_text=tr(C, "Kirim ulang"))
        self.dialog.open()
        return self.dialog

    @Slot(int)
    def _filter_chosen(self, index: int) -> None:
        self._filter = self.filter.itemData(index) or ""
        self.refresher.request()

    @Slot(QModelIndex, QModelIndex)
    def _on_callback(self, current: QModelIndex, _previous: QModelIndex) -> None:
        c = self.callback_model.row(current.row())
        self._selected_callback = c.id if c else None
        self._update_buttons()

    def _update_buttons(self) -> None:
        c = self.selected_callback()
        self.resend_button.setEnabled(c is not None and c.status != "queued")
        self.edit_member.setEnabled(self.selected_member() is not None)


add_english(C, {
    "H2H": "H2H", "Kode": "Code", "Nama": "Name", "Saldo": "Balance", "IP diizinkan": "Allowed IPs",
    "Callback": "Callback", "Bentuk": "Form", "Tanpa sign": "No sign", "Rahasia": "Secrets", "Dibuat": "Created",
    "TrxID": "TrxID", "Member": "Member", "Ref ID": "Ref ID", "Produk": "Product", "Tujuan": "Destination",
    "Laporan": "Report", "Status": "Status", "Coba": "Tries", "Berikutnya": "Next", "Hasil terakhir": "Last result",
    "Sukses": "Success", "Gagal": "Failed", "Menunggu": "Waiting", "Terkirim": "Delivered",
    "Gagal terkirim": "Not delivered", "Semua": "All", "password": "password", "PIN": "PIN",
    "secret API": "API secret", "diatur: {what}": "set: {what}", "belum diatur": "not set", "ya": "yes",
    "tidak": "no", "(tidak ada: semua ditolak)": "(none: all refused)", "(tanpa URL)": "(no URL)",
    "Server H2H (pembeli memesan lewat HTTP)": "H2H server (buyers order over HTTP)",
    "Nyalakan setiap kali server mulai": "Turn on whenever the server starts", "Alamat": "Address", "Port": "Port",
    "Simpan": "Save", "Proxy tepercaya": "Trusted proxies", "tidak ada": "none",
    "Alamat reverse proxy (HTTPS) di depan server ini: permintaan darinya dinilai dari X-Forwarded-For. Pisahkan "
    "dengan koma.": "Addresses of a reverse proxy (HTTPS) in front of this server: its requests are judged by "
                    "X-Forwarded-For. Separate with commas.",
    "127.0.0.1: hanya PC ini (di belakang reverse proxy HTTPS). 0.0.0.0: semua jaringan":
        "127.0.0.1: this PC only (behind an HTTPS reverse proxy). 0.0.0.0: every network",
    "Anggota H2H": "H2H members",
    "Reseller menjadi anggota H2H lewat tombol H2H di menu Reseller, atau python3 main.py reseller set KODE "
    "--h2h-password … --allow-ip …":
        "A reseller becomes an H2H member with the H2H button under Resellers, or python3 main.py reseller set CODE "
        "--h2h-password … --allow-ip …",
    "Ubah H2H…": "Edit H2H…", "Laporan ke pembeli (callback)": "Reports to buyers (callbacks)",
    "Kirim ulang": "Send again", "Tampilkan": "Show",
    "Kirim laporan ini lagi sekarang (pesan yang sama; dicoba lagi sampai 24 jam)":
        "Send this report again now (the same message; retried for up to 24 hours)",
    "Gagal membaca H2H: {error}": "Could not read H2H: {error}",
    "menunggu {queued} · gagal terkirim {failed} · terkirim {delivered}":
        "waiting {queued} · not delivered {failed} · delivered {delivered}",
    "Aktif di {url} — pintu /trx (OtomaX), /api (ST24/IRS) dan /api/v1 (JSON).":
        "On at {url} — doors /trx (OtomaX), /api (ST24/IRS) and /api/v1 (JSON).",
    "Mati: pembeli tidak bisa memesan lewat HTTP. Laporan untuk transaksi H2H yang sudah ada tetap dikirim.":
        "Off: buyers cannot order over HTTP. Reports of existing H2H orders are still sent.",
    "Perubahan berlaku saat server dimulai lagi. Untuk sekali jalan: python3 main.py --h2h-port {port}.":
        "Changes apply when the server starts again. For one run: python3 main.py --h2h-port {port}.",
    "Port harus angka": "The port must be a number",
    "Kirim lagi laporan TrxID {trx} ({state}) ke {member}? Pembeli menerima pesan yang sama sekali lagi.":
        "Send the report of TrxID {trx} ({state}) to {member} again? The buyer gets the same message once more.",
})
