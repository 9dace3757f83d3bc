"""Supplier & aturan: the chips and upstream servers with their request templates, and the rule pack
editor with a live tester — paste an operator's reply and see the outcome, SN, balance and which rule
matched, as you edit the pack. Saved packs go to the settings table through app.shop_admin."""
from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from typing import Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from app import shop_admin
from app.money import rupiah
from app.resources import load_json
from app.rules import Outcome, RuleMatch, test_pack
from storage import sql
from ui.i18n import add_english, tr
from ui.style import state_colours

log = logging.getLogger(__name__)
C = "Supplier"
OUTCOME_LABELS = {Outcome.SUCCESS: "SUKSES", Outcome.FAILED: "GAGAL", Outcome.PENDING: "MENUNGGU",
                  Outcome.UNKNOWN: "TIDAK DIKENAL"}
OUTCOME_STYLE = {Outcome.SUCCESS: "success", Outcome.FAILED: "failed", Outcome.PENDING: "queued",
                 Outcome.UNKNOWN: "suspect"}
KIND_LABELS = {"ussd_chip": "Chip USSD", "sms_chip": "Chip SMS", "sms_upstream": "Upstream SMS", "http": "H2H HTTP"}
SAMPLE_VALUES = {"date": "29/11/26", "time": "14:05", "jam": "14:05", "amount": "10.000", "amount_plain": "10000",
                 "nominal": "10", "dest": "081234567890", "tujuan": "081234567890", "dest62": "6281234567890",
                 "stock": "1.234.500", "stock_plain": "1234500", "saldo": "1.234.500", "saldo_awal": "1.245.150",
                 "harga": "10.650", "kode": "S10", "alasan": "Nomor tujuan salah"}


def sample_reply(pack: str) -> str:
    """A success text of the operator behind `pack` (from the synthetic templates), for the tester."""
    data = load_json("operator_replies.json")
    if pack == data["upstream"]["pack"]:
        template, operator = data["upstream"]["templates"]["upstream.ok"], {}
    else:
        operator = next((o for k, o in data["operators"].items() if not k.startswith("_") and o["pack"] == pack), {})
        template = data["templates"].get(f"{operator.get('template_key')}.ok") if operator else None
    if not template:
        return ""
    values = dict(SAMPLE_VALUES)
    for key in ("sn", "trxid"):
        width = re.fullmatch(r"\\d\{(\d+)\}", str(operator.get(key, "")))
        values[key] = "1234567890123456789012"[:int(width.group(1))] if width else "4102938475610293"
    return template.format_map(defaultdict(str, values))


def describe_match(match: RuleMatch, pack_rules: list[Any]) -> dict[str, str]:
    """What the tester shows for a match, as label → text."""
    out = {"outcome": tr(C, OUTCOME_LABELS[match.outcome])}
    if match.matched:
        name = match.rule_name or pack_rules[match.rule_index].pattern[:40]
        out["rule"] = f"#{match.rule_index + 1} {name}"
    else:
        out["rule"] = tr(C, "tidak ada aturan yang cocok (transaksi dianggap suspect)")
    out["sn"] = match.sn or "-"
    balance = match.stock if match.stock is not None else match.balance
    out["balance"] = "-" if balance is None else rupiah(balance)
    out["reason"] = match.reason.value if match.reason else "-"
    extra = {k: v for k, v in match.fields.items() if k not in ("sn", "stock", "balance")}
    out["fields"] = ", ".join(f"{k}={v}" for k, v in extra.items()) or "-"
    return out


class RuleTester(QWidget):
    """The pack editor and the tester side by side; every edit re-runs the test (debounced)."""

    def __init__(self, actor: str, parent: QWidget | None = None, on_saved: Any = None):
        super().__init__(parent)
        self.actor = actor
        self.on_saved = on_saved  # the running engine picks up a saved pack at once
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSize(max(mono.pointSize() - 1, 8))
        self.pack = QComboBox()
        self.custom = QLabel()
        self.editor = QPlainTextEdit()
        self.editor.setFont(mono)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.save_button = QPushButton(tr(C, "Simpan rule pack"))
        self.save_as = QLineEdit(placeholderText=tr(C, "simpan dengan nama baru (opsional)"))
        self.revert_button = QPushButton(tr(C, "Kembalikan bawaan"))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.sample = QPlainTextEdit()
        self._auto_sample = ""
        self.sample.setFixedHeight(70)
        self.result: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr(C, "Rule pack")))
        top.addWidget(self.pack, 1)
        top.addWidget(self.custom)
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
        for key, label in (("outcome", "Hasil"), ("rule", "Aturan"), ("sn", "SN"), ("balance", "Saldo / stok"),
                           ("reason", "Alasan"), ("fields", "Isian lain")):
            value = QLabel("-")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.result[key] = value
            form.addRow(tr(C, label), value)
        bv.addLayout(form)
        layout.addWidget(box, 2)
        self._debounce = QTimer(self, singleShot=True, interval=200)
        self._debounce.timeout.connect(self.run_test)
        self.editor.textChanged.connect(self._debounce.start)
        self.sample.textChanged.connect(self._debounce.start)
        self.pack.currentIndexChanged.connect(self._load_selected)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)

    def reload(self, select: str | None = None) -> None:
        current = select or self.pack.currentData()
        self.pack.blockSignals(True)
        self.pack.clear()
        for name in shop_admin.rule_pack_names():
            self.pack.addItem(name, name)
        self.pack.setCurrentIndex(max(self.pack.findData(current), 0))
        self.pack.blockSignals(False)
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
            self._auto_sample = sample_reply(name)
            self.sample.setPlainText(self._auto_sample)
        self.editor.setPlainText(shop_admin.rule_pack_source(name))
        customized = shop_admin.is_customized(name)
        self.custom.setText(tr(C, "diubah pemilik") if customized else tr(C, "bawaan"))
        self.revert_button.setEnabled(customized)
        self.status.setText("")
        self.run_test()

    @Slot()
    def run_test(self) -> RuleMatch | None:
        try:
            match = test_pack(self.editor.toPlainText(), self.sample.toPlainText())
            rules = json.loads(self.editor.toPlainText())["rules"]
        except (ValueError, KeyError, TypeError) as exc:
            self.result["outcome"].setText(tr(C, "Rule pack tidak valid"))
            self.result["outcome"].setStyleSheet("color: #d93025; font-weight: bold;")
            self.result["rule"].setText(str(exc))
            for key in ("sn", "balance", "reason", "fields"):
                self.result[key].setText("-")
            return None
        shown = describe_match(match, [_RuleView(r) for r in rules])
        for key, text in shown.items():
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
            self.status.setStyleSheet("color: #d93025;")
            self.status.setText(str(exc))
            return
        self.save_as.clear()
        if self.on_saved:
            self.on_saved()
        self.reload(select=name)
        self.status.setStyleSheet("color: #1e8e3e;")
        self.status.setText(tr(C, "Rule pack {name} disimpan.").format(name=name))

    @Slot()
    def revert(self) -> None:
        name = self.pack.currentData()
        shop_admin.revert_rule_pack(name, actor=self.actor)
        if self.on_saved:
            self.on_saved()
        self.reload(select=name if name in shop_admin.rule_pack_names() else None)


class _RuleView:
    def __init__(self, data: dict):
        self.pattern = str(data.get("pattern", ""))


class SuppliersView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.actor = getattr(ctx, "actor", "admin")
        self.active = False
        self._dirty = True
        self.rows: list[tuple] = []
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels([tr(C, h) for h in ("Nama", "Jenis", "Modem", "Operator", "Stok",
                                                                "Aktif")])
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 95), (2, 80), (3, 65), (4, 105), (5, 50)):
            self.table.setColumnWidth(col, width)

        self.form_box = QGroupBox(tr(C, "Template"))
        form = QFormLayout(self.form_box)
        self.fields: dict[str, QLineEdit] = {}
        for key, label in (("topup", "Isi ulang"), ("balance", "Cek stok"), ("history", "Riwayat"),
                           ("menu", "Jawaban menu"), ("to", "Nomor tujuan SMS"), ("ussd_timeout", "Batas waktu (detik)")):
            edit = QLineEdit()
            self.fields[key] = edit
            form.addRow(tr(C, label), edit)
        self.fields["menu"].setPlaceholderText(tr(C, "dipisah koma, mis. 1,{pin}"))
        self.rule_pack = QComboBox()
        form.addRow(tr(C, "Rule pack"), self.rule_pack)
        self.enabled = QCheckBox(tr(C, "Supplier aktif"))
        form.addRow("", self.enabled)
        hint = QLabel(tr(C, "Isian: {dest} nomor tujuan, {nominal} nominal ribuan, {amount} rupiah, {code} kode "
                            "produk, {pin} PIN chip (tidak pernah ditampilkan)."))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5f6368;")
        form.addRow(hint)
        self.save_button = QPushButton(tr(C, "Simpan template"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        form.addRow(self.save_button, self.message)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.table, 2)
        lv.addWidget(self.form_box, 3)
        engine = getattr(ctx, "engine", None)
        self._apply = engine.refresh_suppliers if engine is not None else None
        self.tester = RuleTester(self.actor, on_saved=self._apply)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.tester)
        split.setSizes([560, 720])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.table.currentCellChanged.connect(lambda *_: self._show_selected())
        self.save_button.clicked.connect(self.save_templates)
        self._timer = QTimer(self, interval=2000)
        self._timer.timeout.connect(self._refresh_stock)
        bridge = getattr(ctx, "bridge", None)
        if bridge is not None:
            bridge.stockChanged.connect(self._on_stock)

    def title(self) -> str:
        return tr(C, "Supplier dan aturan")

    def set_active(self, active: bool) -> None:
        self.active = active
        if active:
            self.tester.reload()
            self.reload()
            self._timer.start()
        else:
            self._timer.stop()

    def reload(self) -> None:
        selected = self.selected_id()
        self.rows = sql.all_rows("SELECT id, name, kind, config, stock, active FROM supplier ORDER BY name")
        self.table.setRowCount(len(self.rows))
        for i, (sid, name, kind, config, stock, active) in enumerate(self.rows):
            cfg = json.loads(config or "{}")
            values = (name, tr(C, KIND_LABELS.get(kind, kind)), cfg.get("modem", ""), cfg.get("operator", ""),
                      "-" if stock is None else rupiah(stock), tr(C, "ya") if active else tr(C, "tidak"))
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if col == 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, col, item)
        self._dirty = False
        row = next((i for i, r in enumerate(self.rows) if r[0] == selected), 0)
        if self.rows:
            self.table.selectRow(row)
        self._show_selected()

    def selected_id(self) -> int | None:
        row = self.table.currentRow()
        return self.rows[row][0] if 0 <= row < len(self.rows) else None

    def _show_selected(self) -> None:
        sid = self.selected_id()
        self.form_box.setEnabled(sid is not None)
        self.message.setText("")
        if sid is None:
            return
        templates = shop_admin.supplier_templates(sid)
        for key, edit in self.fields.items():
            value = templates.get(key, "")
            edit.setText(",".join(map(str, value)) if isinstance(value, list) else str(value))
        self.rule_pack.clear()
        self.rule_pack.addItem(tr(C, "(tanpa)"), "")
        for name in shop_admin.SUPPLIER_PACKS:
            self.rule_pack.addItem(name, name)
        self.rule_pack.setCurrentIndex(max(self.rule_pack.findData(templates.get("rule_pack", "")), 0))
        self.enabled.setChecked(bool(self.rows[self.table.currentRow()][5]))
        if templates.get("rule_pack") and self.tester.pack.count():
            self.tester.select_pack(templates["rule_pack"])

    @Slot()
    def save_templates(self) -> None:
        sid = self.selected_id()
        if sid is None:
            return
        current = shop_admin.supplier_templates(sid)
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
                shop_admin.update_supplier_templates(sid, changes, actor=self.actor)
            if self.enabled.isChecked() != bool(self.rows[self.table.currentRow()][5]):
                shop_admin.set_supplier_active(sid, self.enabled.isChecked(), actor=self.actor)
        except shop_admin.AdminError as exc:
            self._say(str(exc), ok=False)
            return
        if self._apply:
            self._apply()
        self.reload()
        self._say(tr(C, "Tersimpan dan langsung berlaku."), ok=True)

    def _say(self, text: str, *, ok: bool) -> None:
        self.message.setStyleSheet(f"color: {'#1e8e3e' if ok else '#d93025'};")
        self.message.setText(text)

    @Slot(int, str, object, bool)
    def _on_stock(self, *_args: Any) -> None:
        self._dirty = True

    @Slot()
    def _refresh_stock(self) -> None:
        if not (self.active and self._dirty):
            return
        self._dirty = False
        stocks = dict(sql.all_rows("SELECT id, stock FROM supplier"))
        for i, r in enumerate(self.rows):
            stock = stocks.get(r[0])
            item = self.table.item(i, 4)
            if item is not None:
                item.setText("-" if stock is None else rupiah(stock))


add_english(C, {
    "SUKSES": "SUCCESS", "GAGAL": "FAILED", "MENUNGGU": "PENDING", "TIDAK DIKENAL": "UNKNOWN",
    "Chip USSD": "USSD chip", "Chip SMS": "SMS chip", "Upstream SMS": "SMS upstream", "H2H HTTP": "HTTP H2H",
    "tidak ada aturan yang cocok (transaksi dianggap suspect)": "no rule matched (the order becomes suspect)",
    "Simpan rule pack": "Save rule pack", "simpan dengan nama baru (opsional)": "save under a new name (optional)",
    "Kembalikan bawaan": "Revert to default", "Rule pack": "Rule pack", "Uji balasan operator": "Test an operator reply",
    "Tempel teks balasan operator:": "Paste the operator's reply text:", "Hasil": "Outcome", "Aturan": "Rule",
    "Saldo / stok": "Balance / stock", "Alasan": "Reason", "Isian lain": "Other fields",
    "diubah pemilik": "edited by owner", "bawaan": "default", "Rule pack tidak valid": "Invalid rule pack",
    "Rule pack {name} disimpan.": "Rule pack {name} saved.",
    "Nama": "Name", "Jenis": "Kind", "Modem": "Modem", "Operator": "Operator", "Stok": "Stock", "Aktif": "Active",
    "Template": "Templates", "Isi ulang": "Top-up", "Cek stok": "Stock check", "Riwayat": "History",
    "Jawaban menu": "Menu replies", "Nomor tujuan SMS": "SMS to number", "Batas waktu (detik)": "Timeout (s)",
    "dipisah koma, mis. 1,{pin}": "comma separated, e.g. 1,{pin}", "Supplier aktif": "Supplier enabled",
    "Isian: {dest} nomor tujuan, {nominal} nominal ribuan, {amount} rupiah, {code} kode produk, {pin} PIN chip "
    "(tidak pernah ditampilkan).": "Fields: {dest} destination, {nominal} face value in thousands, {amount} rupiah, "
    "{code} product code, {pin} chip PIN (never shown).",
    "Simpan template": "Save templates", "(tanpa)": "(none)", "ya": "yes", "tidak": "no",
    "Batas waktu harus angka detik": "Timeout must be a number of seconds",
    "Tersimpan dan langsung berlaku.": "Saved; in effect now.",
    "Supplier dan aturan": "Suppliers and rules",
})
