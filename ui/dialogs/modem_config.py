"""Adding a modem (with a port scan) and editing its role, chip PIN and USSD templates.

The scan lists serial ports and probes each for identity in a thread pool; ports already owned by a
running worker are never opened (a second client would steal the port). Saving goes through
`app.modem_admin`; the window never writes the database itself.
"""
from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout,
                               QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPushButton, QVBoxLayout, QWidget)

from app import modem_admin
from app.resources import load_json
from ui.context import UiContext
from ui.i18n import add_english, tr
from ui.labels import choices
from ui.tasks import spawn

log = logging.getLogger(__name__)
C = "Modem"



def operators() -> list[tuple[str, str]]:
    """(operator id, name) of the operators a chip can belong to."""
    return [(k, str(o.get("name") or k)) for k, o in load_json("operator_replies.json")["operators"].items()
            if not k.startswith("_")]


class _ModemForm(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.form = QFormLayout()
        self.name = QLineEdit()
        self.port = QComboBox()
        self.port.setEditable(True)
        self.port.setMinimumWidth(260)
        self.roles: dict[str, QCheckBox] = {}
        roles_box = QGridLayout()
        for i, (role, text) in enumerate(choices("role")):
            box = QCheckBox(text)
            box.toggled.connect(self._update_chip_fields)
            self.roles[role] = box
            roles_box.addWidget(box, i // 2, i % 2)
        self.operator = QComboBox()
        for operator_id, name in operators():
            self.operator.addItem(f"{name} ({operator_id})", operator_id)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.rate = QDoubleSpinBox()
        self.rate.setRange(0, 120)
        self.rate.setDecimals(0)
        self.rate.setSuffix(tr(C, " SMS/menit (0 = tanpa batas)"))
        self.form.addRow(tr(C, "Nama"), self.name)
        self.form.addRow(tr(C, "Port"), self.port)
        self.form.addRow(tr(C, "Peran"), roles_box)
        self.form.addRow(tr(C, "Operator chip"), self.operator)
        self.form.addRow(tr(C, "PIN chip"), self.pin)
        self.form.addRow(tr(C, "Batas kirim"), self.rate)
        self.error = QLabel()
        self.error.setStyleSheet("color: #d93025;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr(C, "Simpan"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr(C, "Batal"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def _update_chip_fields(self) -> None:
        chip = self.roles["chip"].isChecked()
        self.operator.setEnabled(chip)
        self.pin.setEnabled(chip)

    def settings(self) -> modem_admin.ModemSettings:
        return modem_admin.ModemSettings(
            name=self.name.text().strip(), port=self.port.currentText().strip(),
            roles=[r for r, box in self.roles.items() if box.isChecked()],
            operator=self.operator.currentData() if self.roles["chip"].isChecked() else "",
            pin=self.pin.text().strip() or None, sms_per_minute=self.rate.value())

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


class AddModemDialog(_ModemForm):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.setWindowTitle(tr(C, "Tambah modem"))
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        scan_box = QGroupBox(tr(C, "Pindai port"))
        scan_layout = QVBoxLayout(scan_box)
        row = QHBoxLayout()
        self.scan_button = QPushButton(tr(C, "Pindai sekarang"))
        self.scan_button.clicked.connect(self.scan)
        self.scan_status = QLabel(tr(C, "Cari modem yang terpasang (port yang sudah dipakai dilewati)."))
        self.scan_status.setWordWrap(True)
        row.addWidget(self.scan_button)
        row.addWidget(self.scan_status, 1)
        scan_layout.addLayout(row)
        self.found = QListWidget()
        self.found.setMaximumHeight(130)
        self.found.itemClicked.connect(self._pick)
        scan_layout.addWidget(self.found)
        layout.addWidget(scan_box)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.roles["chip"].setChecked(True)
        self._identity: dict[str, tuple[str, str]] = {}  # port -> (imei, iccid)
        self._pool: ThreadPoolExecutor | None = None
        self.scan_finished_count = 0
        self._update_chip_fields()

    def extra_urls(self) -> list[str]:
        """Ports a scan of the serial bus cannot see: the virtual network's, in the demo."""
        demo = self.ctx.demo
        return [m["port_url"] for m in demo.modems()] if demo is not None else []

    def scan(self) -> None:
        from modems.discovery import list_candidates, probe

        in_use = self.ctx.modems.ports_in_use() if self.ctx.modems else set()
        in_use |= {getattr(link.handle, "port_url", "") for link in self.ctx.engine.links.values()}
        self.scan_button.setEnabled(False)
        self.found.clear()
        self.scan_status.setText(tr(C, "Memindai …"))
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="scan")

        def work() -> list[tuple[str, str, object]]:
            candidates = list_candidates(self.extra_urls())
            out: list[tuple[str, str, object]] = []
            free = [c for c in candidates if c.url not in in_use]
            for c in candidates:
                if c.url in in_use:
                    out.append((c.url, c.description, "in_use"))
            for c, res in zip(free, self._pool.map(lambda c: probe(c.url, timeout=2.0), free)):
                out.append((c.url, c.description, res))
            return out

        fut: Future = self._pool.submit(work)
        self.ctx.bridge.when_done(fut, self._scanned)

    def _scanned(self, fut: Future) -> None:
        self.scan_button.setEnabled(True)
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None
        try:
            results = fut.result()
        except Exception as exc:
            self.scan_status.setText(tr(C, "Pindai gagal: {error}").format(error=exc))
            return
        usable = 0
        for url, description, res in results:
            if res == "in_use":
                text = tr(C, "{port} — sudah dipakai").format(port=url)
                item = QListWidgetItem(text)
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            elif getattr(res, "ok", False):
                info = res.info
                self._identity[url] = (info.imei, info.iccid)
                text = f"{url} — {info.manufacturer} {info.model} IMEI {info.imei}".strip()
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, url)
                usable += 1
            else:
                item = QListWidgetItem(tr(C, "{port} — tidak menjawab ({error})").format(
                    port=url, error=getattr(res, "error", "") or description))
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.found.addItem(item)
        self.scan_status.setText(tr(C, "{n} modem baru ditemukan.").format(n=usable))
        self.scan_finished_count += 1

    def _pick(self, item: QListWidgetItem) -> None:
        url = item.data(Qt.ItemDataRole.UserRole)
        if url:
            self.port.setCurrentText(url)

    def accept(self) -> None:
        settings = self.settings()
        imei, iccid = self._identity.get(settings.port, ("", ""))
        try:
            modem_admin.add_modem(settings, actor=self.ctx.actor, imei=imei, iccid=iccid)
        except (ValueError, LookupError) as exc:  # ConfigError, AdminError
            self.show_error(str(exc))
            return
        if self.ctx.modems is not None:
            spawn(self.ctx.modems.connect(settings.name))  # attaches it to the engine once its thread runs
        else:
            modem_admin.sync_engine(self.ctx.engine, settings.name)
        self.ctx.bridge.mark_dirty()
        super().accept()


class EditModemDialog(_ModemForm):
    def __init__(self, ctx: UiContext, name: str, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.setWindowTitle(tr(C, "Ubah modem {name}").format(name=name))
        self.setMinimumWidth(600)
        current = modem_admin.load(name)
        self._original_port = current.port
        self.name.setText(current.name)
        self.name.setReadOnly(True)
        self.port.setCurrentText(current.port)
        for role, box in self.roles.items():
            box.setChecked(role in current.roles)
        if current.operator:
            self.operator.setCurrentIndex(max(self.operator.findData(current.operator), 0))
        self.pin.setPlaceholderText(tr(C, "tersimpan — kosongkan bila tidak diganti") if current.has_pin
                                    else tr(C, "belum diisi"))
        self.rate.setValue(current.sms_per_minute)
        self.templates: dict[str, QLineEdit] = {}
        for key, label in (("topup", "Format isi ulang"), ("balance", "Format cek saldo"),
                           ("history", "Format riwayat")):
            edit = QLineEdit(current.templates.get(key, ""))
            edit.setPlaceholderText("*777*{dest}*{nominal}*{pin}#" if key == "topup" else "")
            self.templates[key] = edit
            self.form.addRow(tr(C, label), edit)
        hint = QLabel(tr(C, "Isian format: {dest} nomor tujuan, {nominal} nominal dalam ribuan, {pin} PIN chip, "
                            "{code} kode produk."))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5f6368;")
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._update_chip_fields()

    def _update_chip_fields(self) -> None:
        super()._update_chip_fields()
        for edit in getattr(self, "templates", {}).values():
            edit.setEnabled(self.roles["chip"].isChecked())

    def accept(self) -> None:
        settings = self.settings()
        settings.templates = {k: e.text().strip() for k, e in self.templates.items()}
        try:
            modem_admin.update_modem(settings, actor=self.ctx.actor)
        except (ValueError, LookupError) as exc:  # ConfigError, AdminError
            self.show_error(str(exc))
            return
        modem_admin.sync_engine(self.ctx.engine, settings.name)
        if settings.port != self._original_port and self.ctx.modems is not None:
            spawn(self.ctx.modems.connect(settings.name))
        self.ctx.bridge.mark_dirty()
        super().accept()


add_english(C, {
    " SMS/menit (0 = tanpa batas)": " SMS/minute (0 = no limit)",
    "Nama": "Name",
    "Port": "Port",
    "Peran": "Roles",
    "Operator chip": "Chip operator",
    "PIN chip": "Chip PIN",
    "Batas kirim": "Send limit",
    "Simpan": "Save",
    "Batal": "Cancel",
    "Tambah modem": "Add modem",
    "Pindai port": "Port scan",
    "Pindai sekarang": "Scan now",
    "Cari modem yang terpasang (port yang sudah dipakai dilewati).":
        "Look for plugged-in modems (ports already in use are skipped).",
    "Memindai …": "Scanning …",
    "Pindai gagal: {error}": "Scan failed: {error}",
    "{port} — sudah dipakai": "{port} — already in use",
    "{port} — tidak menjawab ({error})": "{port} — no answer ({error})",
    "{n} modem baru ditemukan.": "{n} new modems found.",
    "Ubah modem {name}": "Edit modem {name}",
    "tersimpan — kosongkan bila tidak diganti": "stored — leave empty to keep it",
    "belum diisi": "not set",
    "Format isi ulang": "Top-up template",
    "Format cek saldo": "Balance check template",
    "Format riwayat": "History template",
    "Isian format: {dest} nomor tujuan, {nominal} nominal dalam ribuan, {pin} PIN chip, {code} kode produk.":
        "Template fields: {dest} destination number, {nominal} face value in thousands, {pin} chip PIN, "
        "{code} product code.",
})
