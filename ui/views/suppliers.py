"""Supplier dan aturan: the chips and upstream servers with their command formats ("Format perintah"),
the reply rules ("Aturan balasan": a rule pack) with a live tester — paste an operator's reply and see
the outcome, SN, balance and which rule matched, as you edit — and the replies no rule recognises yet
("Balasan belum dikenali"), each one click away from "Buat aturan dari contoh".

Suppliers and unrecognised replies come from `app.queries.suppliers` through the view's Refresher;
saved packs and formats go through `app.shop_admin` and reach the running engine at once
(engine.refresh_suppliers)."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSplitter, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from app import rule_builder, shop_admin
from app.money import rupiah
from app.queries.suppliers import SupplierInfo, UnrecognisedReply, suppliers, unrecognised_replies
from app.rules import Outcome, RuleMatch, test_pack
from ui.i18n import add_english, tr
from ui.labels import label
from ui.refresh import Refresher
from ui.style import LOW_STOCK_FG, state_colours
from ui.views.log import when

log = logging.getLogger(__name__)
C = "Supplier"
OUTCOME_STYLE = {Outcome.SUCCESS: "success", Outcome.FAILED: "failed", Outcome.PENDING: "queued",
                 Outcome.UNKNOWN: "suspect"}
# what a rule reads (its group names) → the owner's words
FIELD_TEXT = {"amount": "Nominal", "nominal": "Nominal (ribuan)", "dest": "Tujuan", "trxid": "TrxID",
              "date": "Tanggal", "time": "Jam", "reason": "Alasan", "price": "Harga", "product": "Produk",
              "balance_before": "Saldo awal", "attempts_left": "Sisa percobaan", "max_attempts": "Batas percobaan",
              "dest_operator": "Operator tujuan", "product_operator": "Operator produk"}
SOURCE_TEXT = {"attempt": "Jawaban transaksi", "sms": "SMS susulan"}
ERROR_STYLE = "color: #d93025;"
GOOD_STYLE = "color: #1e8e3e;"
MUTED_STYLE = "color: #5f6368;"


def describe_match(match: RuleMatch, rule_names: list[str]) -> dict[str, str]:
    """What the tester shows for a match, as key → text."""
    out = {"outcome": label("outcome", match.outcome.value)}
    if match.matched:
        name = match.rule_name or rule_names[match.rule_index]
        out["rule"] = f"#{match.rule_index + 1} {name}"
    else:
        out["rule"] = tr(C, "tidak ada aturan yang cocok (transaksi dianggap suspect)")
    out["sn"] = match.sn or "-"
    balance = match.stock if match.stock is not None else match.balance
    out["balance"] = "-" if balance is None else rupiah(balance)
    out["reason"] = label("fail_reason", match.reason.value) if match.reason else "-"
    extra = {k: v for k, v in match.fields.items() if k not in ("sn", "stock", "balance")}
    out["fields"] = ", ".join(f"{tr(C, FIELD_TEXT.get(k, k))}: {v}" for k, v in extra.items()) or "-"
    return out


class RuleTester(QWidget):
    """The reply-rules editor and the tester side by side; every edit re-runs the test (debounced)."""

    def __init__(self, actor: str, parent: QWidget | None = None, on_saved: Callable[[], None] | None = None):
        super().__init__(parent)
        self.actor = actor
        self.on_saved = on_saved  # the running engine picks up a saved pack at once
        self.last_match: RuleMatch | None = None
        self._loaded_source = ""  # the editor's text as loaded: an edited editor is not reloaded
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSize(max(mono.pointSize() - 1, 8))
        self.pack = QComboBox()
        self.custom = QLabel()
        self.build_button = QPushButton(tr(C, "Buat aturan dari contoh…"))
        self.build_button.setToolTip(tr(C, "Tempel balasan operator, tandai SN, nominal, tujuan dan saldo; "
                                            "aturannya dibuat tanpa mengetik pola"))
        self.editor = QPlainTextEdit()
        self.editor.setFont(mono)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setToolTip(tr(C, "Untuk teknisi: aturan dalam bentuk JSON. Lebih mudah: Buat aturan dari contoh."))
        self.save_button = QPushButton(tr(C, "Simpan aturan balasan"))
        self.save_as = QLineEdit(placeholderText=tr(C, "simpan dengan nama baru (opsional)"))
        self.revert_button = QPushButton(tr(C, "Kembalikan bawaan"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.sample = QPlainTextEdit()
        self.sample.setMinimumHeight(60)
        self.sample.setMaximumHeight(110)
        self._auto_sample = ""
        self.result: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr(C, "Aturan balasan")))
        top.addWidget(self.pack, 1)
        top.addWidget(self.custom)
        top.addWidget(self.build_button)
        layout.addLayout(top)
        layout.addWidget(self.editor, 3)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_as, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        box = QGroupBox(tr(C, "Uji balasan operator"))
        bv = QVBoxLayout(box)
        bv.addWidget(QLabel(tr(C, "Tempel teks balasan operator:")))
        bv.addWidget(self.sample)
        form = QFormLayout()
        for key, text in (("outcome", "Hasil"), ("rule", "Aturan"), ("sn", "SN"), ("balance", "Saldo / stok"),
                          ("reason", "Alasan"), ("fields", "Isian lain")):
            value = QLabel("-")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.result[key] = value
            if key == "outcome":  # a badge as wide as its word
                row = QHBoxLayout()
                row.addWidget(value)
                row.addStretch(1)
                form.addRow(tr(C, text), row)
            else:
                value.setWordWrap(True)
                form.addRow(tr(C, text), value)
        bv.addLayout(form)
        layout.addWidget(box, 2)
        self._debounce = QTimer(self, singleShot=True, interval=200)  # re-test after typing stops
        self._debounce.timeout.connect(self.run_test)
        self.editor.textChanged.connect(self._debounce.start)
        self.sample.textChanged.connect(self._debounce.start)
        self.pack.currentIndexChanged.connect(self._load_selected)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)

    def reload(self, select: str | None = None) -> None:
        """The pack list again; the editor follows the selected pack unless the owner is editing it."""
        current = select or self.pack.currentData()
        names = shop_admin.rule_pack_names()
        if [self.pack.itemData(i) for i in range(self.pack.count())] != names:
            self.pack.blockSignals(True)
            self.pack.clear()
            for name in names:
                self.pack.addItem(name, name)
            self.pack.blockSignals(False)
        self.pack.blockSignals(True)
        self.pack.setCurrentIndex(max(self.pack.findData(current), 0))
        self.pack.blockSignals(False)
        if select is not None or self.editor.toPlainText() == self._loaded_source:
            self._load_selected()

    def select_pack(self, name: str) -> None:
        index = self.pack.findData(name)
        if index >= 0 and index != self.pack.currentIndex():
            self.pack.setCurrentIndex(index)

    @Slot()
    def _load_selected(self) -> None:
        name = self.pack.currentData()
        if not name:
            return
        if self.sample.toPlainText() == self._auto_sample:  # not typed by the owner: follow the pack
            self._auto_sample = rule_builder.sample_reply(name)
            self.sample.setPlainText(self._auto_sample)
        self._loaded_source = shop_admin.rule_pack_source(name)
        self.editor.setPlainText(self._loaded_source)
        customized = shop_admin.is_customized(name)
        self.custom.setText(tr(C, "diubah pemilik") if customized else tr(C, "bawaan"))
        self.revert_button.setEnabled(customized)
        self.status.setText("")
        self.run_test()

    @Slot()
    def run_test(self) -> RuleMatch | None:
        self._debounce.stop()
        try:
            match = test_pack(self.editor.toPlainText(), self.sample.toPlainText())
            names = [str(r.get("name") or r.get("pattern", ""))[:40]
                     for r in json.loads(self.editor.toPlainText())["rules"]]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self.result["outcome"].setText(tr(C, "Aturan balasan tidak valid"))
            self.result["outcome"].setStyleSheet("color: #d93025; font-weight: bold;")
            self.result["rule"].setText(str(exc))
            for key in ("sn", "balance", "reason", "fields"):
                self.result[key].setText("-")
            self.last_match = None
            return None
        for key, text in describe_match(match, names).items():
            self.result[key].setText(text)
        bg, fg = state_colours(OUTCOME_STYLE[match.outcome])
        self.result["outcome"].setStyleSheet(f"background: {bg.name()}; color: {fg.name()}; font-weight: bold; "
                                             "padding: 2px 8px; border-radius: 8px;")
        self.last_match = match
        return match

    @Slot()
    def save(self) -> None:
        name = self.save_as.text().strip() or self.pack.currentData()
        try:
            shop_admin.save_rule_pack(name, self.editor.toPlainText(), actor=self.actor)
        except shop_admin.AdminError as exc:
            self.status.setStyleSheet(ERROR_STYLE)
            self.status.setText(str(exc))
            return
        self.save_as.clear()
        if self.on_saved:
            self.on_saved()
        self.reload(select=name)
        self.status.setStyleSheet(GOOD_STYLE)
        self.status.setText(tr(C, "Aturan balasan {name} disimpan.").format(name=name))

    @Slot()
    def revert(self) -> None:
        name = self.pack.currentData()
        shop_admin.revert_rule_pack(name, actor=self.actor)
        if self.on_saved:
            self.on_saved()
        self.reload(select=name if name in shop_admin.rule_pack_names() else shop_admin.rule_pack_names()[0])


class UnrecognisedList(QWidget):
    """Operator replies no rule reads, newest first; one click turns one into a rule."""

    COLUMNS = ("Waktu", "Supplier", "Asal", "Kali", "Balasan")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.replies: list[UnrecognisedReply] = []
        layout = QVBoxLayout(self)
        intro = QLabel(tr(C, "Balasan operator yang tidak cocok dengan aturan mana pun. Transaksinya menjadi suspect "
                             "dan harus dicek manual; jadikan aturan supaya lain kali terbaca otomatis."))
        intro.setWordWrap(True)
        intro.setStyleSheet(MUTED_STYLE)
        layout.addWidget(intro)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(C, h) for h in self.COLUMNS])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.empty = QLabel(tr(C, "Semua balasan operator terakhir sudah dikenali aturan."))
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet(GOOD_STYLE)
        layout.addWidget(self.empty)
        row = QHBoxLayout()
        row.addStretch(1)
        self.make_button = QPushButton(tr(C, "Jadikan aturan…"))
        self.make_button.setEnabled(False)
        row.addWidget(self.make_button)
        layout.addLayout(row)

    def show_replies(self, replies: list[UnrecognisedReply]) -> None:
        selected = self.selected()
        self.replies = list(replies)
        self.table.setRowCount(len(self.replies))
        for i, reply in enumerate(self.replies):
            who = reply.supplier or reply.modem or "-"
            for col, value in enumerate((when(reply.at), who, tr(C, SOURCE_TEXT.get(reply.source, reply.source)),
                                         f"{reply.count}×", " ".join(reply.text.split()))):
                item = QTableWidgetItem(value)
                if col == 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    item.setToolTip(tr(C, "Balasan berbentuk sama (angka boleh beda) yang terlihat"))
                else:
                    item.setToolTip(reply.text if col == 4 else value)
                self.table.setItem(i, col, item)
        self.empty.setVisible(not self.replies)
        self.table.setVisible(bool(self.replies))
        if selected is not None:
            for i, reply in enumerate(self.replies):
                if reply.text == selected.text:
                    self.table.selectRow(i)
                    break
        self.make_button.setEnabled(self.selected() is not None)

    def selected(self) -> UnrecognisedReply | None:
        rows = self.table.selectionModel().selectedRows()
        return self.replies[rows[0].row()] if rows and rows[0].row() < len(self.replies) else None


@dataclass(frozen=True)
class Snapshot:
    suppliers: tuple[SupplierInfo, ...]
    unrecognised: tuple[UnrecognisedReply, ...]


def _load() -> Snapshot:
    return Snapshot(tuple(suppliers()), tuple(unrecognised_replies()))


class SuppliersView(QWidget):
    COLUMNS = ("Nama", "Jenis", "Modem", "Operator", "Stok", "Aktif", "Aturan balasan")

    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.actor = getattr(ctx, "actor", "admin")
        self.active = False
        self.dialog: QWidget | None = None  # the dialog opened last (tests answer it)
        self.rows: list[SupplierInfo] = []
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([tr(C, h) for h in self.COLUMNS])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # stock is never cut
        header.setStretchLastSection(True)

        self.form_box = QGroupBox(tr(C, "Format perintah"))
        form = QFormLayout(self.form_box)
        self.fields: dict[str, QLineEdit] = {}
        for key, text in (("topup", "Isi ulang"), ("balance", "Cek stok"), ("history", "Riwayat"),
                          ("menu", "Jawaban menu"), ("to", "Nomor tujuan SMS"),
                          ("ussd_timeout", "Batas waktu (detik)")):
            edit = QLineEdit()
            self.fields[key] = edit
            form.addRow(tr(C, text), edit)
        self.fields["menu"].setPlaceholderText(tr(C, "dipisah koma, mis. 1,{pin}"))
        self.rule_pack = QComboBox()
        form.addRow(tr(C, "Aturan balasan"), self.rule_pack)
        self.enabled = QCheckBox(tr(C, "Supplier aktif"))
        form.addRow("", self.enabled)
        hint = QLabel(tr(C, "Isian: {dest} nomor tujuan, {nominal} nominal ribuan, {amount} rupiah, {code} kode "
                            "produk, {pin} PIN chip (tidak pernah ditampilkan)."))
        hint.setWordWrap(True)
        hint.setStyleSheet(MUTED_STYLE)
        form.addRow(hint)
        self.save_button = QPushButton(tr(C, "Simpan format perintah"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        form.addRow(self.save_button, self.message)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.table, 2)
        stock_row = QHBoxLayout()
        self.stock_button = QPushButton(tr(C, "Catat stok masuk…"))
        self.stock_button.setToolTip(tr(C, "Stok yang dibeli atau ditransfer ke chip ini, untuk rekonsiliasi stok"))
        self.stock_button.clicked.connect(lambda: self.open_stock_received())
        self.add_h2h_button = QPushButton(tr(C, "Tambah supplier H2H…"))
        self.add_h2h_button.setToolTip(tr(C, "Server pulsa lain atau agregator tempat membeli lewat internet"))
        self.add_h2h_button.clicked.connect(lambda: self.open_h2h_supplier(None))
        self.edit_h2h_button = QPushButton(tr(C, "Ubah H2H…"))
        self.edit_h2h_button.clicked.connect(lambda: self.open_h2h_supplier(self.selected_id()))
        stock_row.addWidget(self.add_h2h_button)
        stock_row.addWidget(self.edit_h2h_button)
        stock_row.addStretch(1)
        stock_row.addWidget(self.stock_button)
        lv.addLayout(stock_row)
        lv.addWidget(self.form_box, 3)
        engine = getattr(ctx, "engine", None)
        self._apply = engine.refresh_suppliers if engine is not None else None
        self.tester = RuleTester(self.actor, on_saved=self._apply)
        self.unrecognised = UnrecognisedList()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.tester, tr(C, "Aturan balasan"))
        self.tabs.addTab(self.unrecognised, tr(C, "Balasan belum dikenali"))
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setSizes([560, 720])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        # Slots that touch widgets run only while the view is shown: a table emits selection signals
        # from its destructor too, when the widgets around it may be gone.
        self.table.currentCellChanged.connect(lambda *_: self.active and self._show_selected())
        self.unrecognised.table.itemSelectionChanged.connect(
            lambda: self.active and self.unrecognised.make_button.setEnabled(self.unrecognised.selected() is not None))
        self.save_button.clicked.connect(self.save_templates)
        self.tester.build_button.clicked.connect(lambda: self.open_builder(self.tester.pack.currentData() or "",
                                                                           self.tester.sample.toPlainText()))
        self.unrecognised.make_button.clicked.connect(self.learn_selected)
        self.unrecognised.table.doubleClicked.connect(lambda _i: self.learn_selected())
        self.refresher: Refresher[Snapshot] = Refresher(self, getattr(ctx, "bridge", None), _load, self._show,
                                                        background=True)

    def title(self) -> str:
        return tr(C, "Supplier dan aturan")

    def set_active(self, active: bool) -> None:
        self.active = active
        if active:
            self.tester.reload()
        self.refresher.set_active(active)

    # --- suppliers -------------------------------------------------------------------------------

    def _show(self, snap: Snapshot) -> None:
        selected = self.selected_id()
        changed = [r.supplier_id for r in snap.suppliers] != [r.supplier_id for r in self.rows] or any(
            (a.active, a.rule_pack, a.kind) != (b.active, b.rule_pack, b.kind)
            for a, b in zip(snap.suppliers, self.rows))
        self.rows = list(snap.suppliers)
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            values = (row.name, label("supplier_kind", row.kind), row.modem or "-", row.operator or "-",
                      "-" if row.stock is None else rupiah(row.stock), tr(C, "ya") if row.active else tr(C, "tidak"),
                      row.rule_pack or tr(C, "(tanpa)"))
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if col == 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    if row.stock_low:
                        item.setForeground(LOW_STOCK_FG)
                        item.setToolTip(tr(C, "Stok di bawah batas {limit}").format(limit=rupiah(row.low_stock)))
                self.table.setItem(i, col, item)
        self.table.blockSignals(False)
        position = next((i for i, r in enumerate(self.rows) if r.supplier_id == selected), 0)
        if self.rows and (self.table.currentRow() != position or selected is None):
            self.table.selectRow(position)
        if changed or selected is None:
            self._show_selected()
        replies = list(snap.unrecognised)
        self.unrecognised.show_replies(replies)
        self.tabs.setTabText(1, tr(C, "Balasan belum dikenali ({n})").format(n=len(replies)) if replies
                             else tr(C, "Balasan belum dikenali"))

    def reload(self) -> None:
        """Read again now (after the owner saved something)."""
        self.refresher.refresh()

    def selected_id(self) -> int | None:
        row = self.selected()
        return row.supplier_id if row is not None else None

    def selected(self) -> SupplierInfo | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _show_selected(self) -> None:
        row = self.selected()
        self.form_box.setEnabled(row is not None)
        self.edit_h2h_button.setEnabled(row is not None and row.kind.startswith("h2h_"))
        self.message.setText("")
        if row is None:
            return
        templates = shop_admin.supplier_templates(row.supplier_id)
        for key, edit in self.fields.items():
            value = templates.get(key, "")
            edit.setText(",".join(map(str, value)) if isinstance(value, list) else str(value))
        self.rule_pack.clear()
        self.rule_pack.addItem(tr(C, "(tanpa)"), "")
        for name in shop_admin.SUPPLIER_PACKS:
            self.rule_pack.addItem(name, name)
        self.rule_pack.setCurrentIndex(max(self.rule_pack.findData(templates.get("rule_pack", "")), 0))
        self.enabled.setChecked(row.active)
        if templates.get("rule_pack") and self.tester.pack.count():
            self.tester.select_pack(templates["rule_pack"])

    @Slot()
    def save_templates(self) -> None:
        row = self.selected()
        if row is None:
            return
        current = shop_admin.supplier_templates(row.supplier_id)
        changes: dict[str, Any] = {}
        for key, edit in self.fields.items():
            text = edit.text().strip()
            if key == "menu":
                value: Any = [p.strip() for p in text.split(",") if p.strip()]
            elif key == "ussd_timeout":
                try:
                    value = float(text) if text else None
                except ValueError:
                    self._say(tr(C, "Batas waktu harus angka detik"), ok=False)
                    return
            else:
                value = text
            if value in ("", [], None) and key not in current:
                continue
            if value != current.get(key):
                changes[key] = value
        pack = self.rule_pack.currentData() or ""
        if pack != current.get("rule_pack", ""):
            changes["rule_pack"] = pack
        try:
            if changes:
                shop_admin.update_supplier_templates(row.supplier_id, changes, actor=self.actor)
            if self.enabled.isChecked() != row.active:
                shop_admin.set_supplier_active(row.supplier_id, self.enabled.isChecked(), actor=self.actor)
        except shop_admin.AdminError as exc:
            self._say(str(exc), ok=False)
            return
        if self._apply:
            self._apply()
        self.refresher.refresh()
        self._say(tr(C, "Tersimpan dan langsung berlaku."), ok=True)

    def _say(self, text: str, *, ok: bool) -> None:
        self.message.setStyleSheet(GOOD_STYLE if ok else ERROR_STYLE)
        self.message.setText(text)

    def open_stock_received(self) -> QWidget | None:
        """"Catat stok masuk…" for the selected chip (app.stock_books, audited)."""
        from ui.dialogs.stock_received import StockReceivedDialog

        row = self.selected()
        if row is None:
            return None
        engine = getattr(self.ctx, "engine", None)
        dialog = StockReceivedDialog(row.supplier_id, row.name, row.stock, self.actor, parent=self,
                                     clock=getattr(engine, "clock", None))
        dialog.recorded.connect(lambda _entry: self._say(tr(C, "Stok masuk {name} dicatat.").format(name=row.name),
                                                         ok=True))
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_h2h_supplier(self, supplier_id: int | None) -> QWidget:
        """Add (None) or edit an H2H supplier (ui/dialogs/h2h_supplier.py); in effect at once."""
        from ui.dialogs.h2h_supplier import H2HSupplierDialog

        dialog = H2HSupplierDialog(self.actor, supplier_id, parent=self)
        dialog.saved.connect(self._h2h_saved)
        self.dialog = dialog
        dialog.open()
        return dialog

    @Slot(int)
    def _h2h_saved(self, _supplier_id: int) -> None:
        if self._apply:
            self._apply()
        self.refresher.refresh()
        self._say(tr(C, "Supplier H2H disimpan dan langsung berlaku."), ok=True)

    # --- rules from examples ---------------------------------------------------------------------

    def open_builder(self, pack: str = "", text: str = "") -> QWidget:
        from ui.dialogs.rule_builder import RuleBuilderDialog

        dialog = RuleBuilderDialog(self.actor, pack, text, self, on_saved=self._apply)
        dialog.saved.connect(self._rule_saved)
        self.dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def learn_selected(self) -> QWidget | None:
        reply = self.unrecognised.selected()
        if reply is None:
            return None
        return self.open_builder(reply.rule_pack or self.tester.pack.currentData() or "", reply.text)

    @Slot(str)
    def _rule_saved(self, name: str) -> None:
        self.tester.reload(select=name)
        self.refresher.request()


add_english(C, {
    "tidak ada aturan yang cocok (transaksi dianggap suspect)": "no rule matched (the order becomes suspect)",
    "Buat aturan dari contoh…": "Rule from an example…",
    "Tempel balasan operator, tandai SN, nominal, tujuan dan saldo; aturannya dibuat tanpa mengetik pola":
        "Paste an operator's reply, mark the SN, amount, destination and balance; the rule is made without "
        "typing a pattern",
    "Untuk teknisi: aturan dalam bentuk JSON. Lebih mudah: Buat aturan dari contoh.":
        "For technicians: the rules as JSON. Easier: Rule from an example.",
    "Simpan aturan balasan": "Save reply rules",
    "simpan dengan nama baru (opsional)": "save under a new name (optional)",
    "Kembalikan bawaan": "Revert to default", "Aturan balasan": "Reply rules",
    "Uji balasan operator": "Test an operator reply",
    "Tempel teks balasan operator:": "Paste the operator's reply text:", "Hasil": "Outcome", "Aturan": "Rule",
    "Saldo / stok": "Balance / stock", "Alasan": "Reason", "Isian lain": "Other fields",
    "diubah pemilik": "edited by owner", "bawaan": "default", "Aturan balasan tidak valid": "Invalid reply rules",
    "Aturan balasan {name} disimpan.": "Reply rules {name} saved.",
    "Nominal": "Amount", "Nominal (ribuan)": "Amount (thousands)", "Tujuan": "Destination", "Tanggal": "Date",
    "Jam": "Time", "Harga": "Price", "Produk": "Product", "Saldo awal": "Balance before",
    "Sisa percobaan": "Tries left", "Batas percobaan": "Most tries", "Operator tujuan": "Destination operator",
    "Operator produk": "Product operator",
    "Jawaban transaksi": "Top-up answer", "SMS susulan": "Follow-up SMS",
    "Waktu": "Time", "Supplier": "Supplier", "Asal": "Source", "Balasan": "Reply",
    "Balasan operator yang tidak cocok dengan aturan mana pun. Transaksinya menjadi suspect dan harus dicek manual; "
    "jadikan aturan supaya lain kali terbaca otomatis.":
        "Operator replies no rule matched. Their orders became suspect and need a manual check; make a rule so "
        "the next one is read automatically.",
    "Semua balasan operator terakhir sudah dikenali aturan.": "Every recent operator reply is recognised by a rule.",
    "Jadikan aturan…": "Make a rule…", "Kali": "Times",
    "Balasan berbentuk sama (angka boleh beda) yang terlihat": "Replies of this shape (any numbers) seen",
    "Balasan belum dikenali": "Unrecognised replies", "Balasan belum dikenali ({n})": "Unrecognised replies ({n})",
    "Nama": "Name", "Jenis": "Kind", "Modem": "Modem", "Operator": "Operator", "Stok": "Stock", "Aktif": "Active",
    "Stok di bawah batas {limit}": "Stock below the limit of {limit}",
    "Format perintah": "Command formats", "Isi ulang": "Top-up", "Cek stok": "Stock check", "Riwayat": "History",
    "Jawaban menu": "Menu replies", "Nomor tujuan SMS": "SMS to number", "Batas waktu (detik)": "Timeout (s)",
    "dipisah koma, mis. 1,{pin}": "comma separated, e.g. 1,{pin}", "Supplier aktif": "Supplier enabled",
    "Isian: {dest} nomor tujuan, {nominal} nominal ribuan, {amount} rupiah, {code} kode produk, {pin} PIN chip "
    "(tidak pernah ditampilkan).": "Fields: {dest} destination, {nominal} face value in thousands, {amount} rupiah, "
    "{code} product code, {pin} chip PIN (never shown).",
    "Simpan format perintah": "Save command formats", "(tanpa)": "(none)", "ya": "yes", "tidak": "no",
    "Batas waktu harus angka detik": "Timeout must be a number of seconds",
    "Tersimpan dan langsung berlaku.": "Saved; in effect now.",
    "Supplier dan aturan": "Suppliers and rules",
    "Catat stok masuk…": "Record stock received…",
    "Stok yang dibeli atau ditransfer ke chip ini, untuk rekonsiliasi stok":
        "Stock bought for or moved to this chip, for the stock reconciliation",
    "Stok masuk {name} dicatat.": "Stock received on {name} recorded.",
    "Tambah supplier H2H…": "Add an H2H supplier…", "Ubah H2H…": "Edit H2H…",
    "Server pulsa lain atau agregator tempat membeli lewat internet":
        "Another server pulsa or an aggregator to buy from over the internet",
    "Supplier H2H disimpan dan langsung berlaku.": "H2H supplier saved; in effect now.",
})
