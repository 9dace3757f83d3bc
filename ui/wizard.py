"""The setup wizard of the first start (no database yet): language and shop name, where the data lives,
the panel password, the modems with a role for each port (or the demo network), the first products
from the operator presets with the owner's prices. Everything can be changed later in Pengaturan.

`FirstRunWizard.choices()` gives what was chosen (app.setup.FirstRun); ui.app writes it through
app.setup.complete_first_run. The wizard itself writes nothing.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QLocale, QObject, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget, QWizard, QWizardPage)

from app import setup
from app.config import ModemSpec
from app.money import group
from ui.dialogs.shop_form import ErrorLabel, hint_label
from ui.i18n import add_english, language, set_language, tr
from ui.style import app_icon

log = logging.getLogger(__name__)
C = "Pengaturan awal"

RUPIAH_LOCALE = QLocale(QLocale.Language.Indonesian, QLocale.Country.Indonesia)
# the roles the wizard offers for a port; an upstream server is set up later (Telepon → Atur modem)
ROLE_CHOICES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("— tidak dipakai —", ()),
    ("Center (menerima pesanan)", ("center",)),
    ("Pengirim balasan", ("sender",)),
    ("Center + pengirim", ("center", "sender")),
    ("Chip (isi pulsa)", ("chip",)),
)


class Texts:
    """Every text the wizard shows, registered once, set again when the language changes."""

    def __init__(self) -> None:
        self._items: list[tuple[Callable[[str], None], str]] = []

    def set(self, setter: Callable[[str], None], text: str) -> None:
        self._items.append((setter, text))
        setter(tr(C, text))

    def apply(self) -> None:
        for setter, text in self._items:
            setter(tr(C, text))


class ShopPage(QWizardPage):
    def __init__(self, texts: Texts, on_language: Callable[[str], None]):
        super().__init__()
        texts.set(self.setTitle, "Selamat datang di Pulsa")
        texts.set(self.setSubTitle, "Beberapa langkah untuk menyiapkan toko. Semua bisa diubah nanti di "
                                    "Pengaturan.")
        form = QFormLayout(self)
        self.language = QComboBox()
        self.language.addItem("Bahasa Indonesia", "id")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(self.language.findData(language()), 0))
        self.language.currentIndexChanged.connect(lambda _i: on_language(self.language.currentData()))
        self.site_name = QLineEdit()
        self.admin_contact = QLineEdit()
        labels = [QLabel(), QLabel(), QLabel()]
        texts.set(labels[0].setText, "Bahasa")
        texts.set(labels[1].setText, "Nama toko")
        texts.set(labels[2].setText, "Kontak admin")
        texts.set(self.site_name.setPlaceholderText, "mis. Cahaya Pulsa")
        texts.set(self.admin_contact.setPlaceholderText, "nomor HP admin, muncul di balasan ke reseller")
        form.addRow(labels[0], self.language)
        form.addRow(labels[1], self.site_name)
        form.addRow(labels[2], self.admin_contact)
        self.error = ErrorLabel(self)
        form.addRow(self.error)
        self.registerField("site_name*", self.site_name)

    def cleanupPage(self) -> None:  # noqa: N802 (Qt's name)
        pass  # keep what was typed (Qt would reset the field on a restart after a failed save)

    def validatePage(self) -> bool:  # noqa: N802 (Qt's name)
        if not self.site_name.text().strip():
            self.error.setText(tr(C, "Nama toko wajib diisi."))
            return False
        self.error.setText("")
        return True


class DataPage(QWizardPage):
    def __init__(self, texts: Texts, default_dir: Path):
        super().__init__()
        texts.set(self.setTitle, "Lokasi data")
        texts.set(self.setSubTitle, "Database, file kunci, log dan cadangan disimpan di folder ini.")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.folder = QLineEdit(str(default_dir))
        self.browse = QPushButton()
        texts.set(self.browse.setText, "Pilih…")
        self.browse.clicked.connect(self.choose)
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        layout.addLayout(row)
        hint = hint_label()
        texts.set(hint.setText, "Pilih folder di disk yang ikut dicadangkan. File kunci pulsa.key di folder ini "
                                "wajib ikut disalin bila PC diganti: tanpa file itu PIN yang tersimpan tidak bisa "
                                "dibuka.")
        layout.addWidget(hint)
        layout.addStretch(1)

    def choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr(C, "Folder data"), self.folder.text())
        if folder:
            self.folder.setText(folder)

    def validatePage(self) -> bool:  # noqa: N802 (Qt's name)
        return bool(self.folder.text().strip())


class PasswordPage(QWizardPage):
    def __init__(self, texts: Texts):
        super().__init__()
        texts.set(self.setTitle, "Kata sandi panel")
        texts.set(self.setSubTitle, "Ditanya saat Pulsa dibuka dan sebelum tindakan yang memindahkan uang. "
                                    "Kosongkan bila PC ini hanya dipakai Anda.")
        form = QFormLayout(self)
        self.password = QLineEdit()
        self.repeat = QLineEdit()
        for edit in (self.password, self.repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        labels = [QLabel(), QLabel()]
        texts.set(labels[0].setText, "Kata sandi")
        texts.set(labels[1].setText, "Ulangi kata sandi")
        form.addRow(labels[0], self.password)
        form.addRow(labels[1], self.repeat)
        self.error = ErrorLabel(self)
        form.addRow(self.error)

    def validatePage(self) -> bool:  # noqa: N802
        text = self.password.text()
        if text != self.repeat.text():
            self.error.setText(tr(C, "Kata sandi dan ulangannya tidak sama."))
            return False
        if text and len(text) < setup.MIN_PASSWORD_LENGTH:
            self.error.setText(tr(C, "Kata sandi paling sedikit {n} karakter.").format(n=setup.MIN_PASSWORD_LENGTH))
            return False
        self.error.setText("")
        return True


class _ScanResult(QObject):
    done = Signal(object, str)  # list[FoundPort], error


class ModemPage(QWizardPage):
    """Scan the ports; a role for each port found; or the demo network."""

    def __init__(self, texts: Texts, scan: Callable[[], Sequence[setup.FoundPort]]):
        super().__init__()
        self._scan = scan
        self.found: list[setup.FoundPort] = []
        self.scanning = False
        texts.set(self.setTitle, "Modem")
        texts.set(self.setSubTitle, "Colokkan modem dan HP, lalu cari. Pilih peran tiap port: center menerima "
                                    "pesanan, pengirim membalas, chip mengisi pulsa.")
        layout = QVBoxLayout(self)
        self.demo = QCheckBox()
        texts.set(self.demo.setText, "Pakai jaringan demo (tanpa modem, untuk mencoba dulu)")
        self.demo.toggled.connect(self._demo_toggled)
        layout.addWidget(self.demo)
        row = QHBoxLayout()
        self.scan_button = QPushButton()
        texts.set(self.scan_button.setText, "Cari modem")
        self.scan_button.clicked.connect(self.start_scan)
        self.state = QLabel()
        row.addWidget(self.scan_button)
        row.addWidget(self.state, 1)
        layout.addLayout(row)
        self.table = QTableWidget(0, 5)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._headers = ["Port", "Perangkat", "Peran", "Operator chip", "PIN chip"]
        self.retranslate()
        layout.addWidget(self.table)
        self.error = ErrorLabel(self)
        layout.addWidget(self.error)
        hint = hint_label()
        texts.set(hint.setText, "Boleh dilewati: modem bisa ditambah nanti di tab Telepon.")
        layout.addWidget(hint)
        self._result = _ScanResult(self)
        self._result.done.connect(self._scan_done)

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([tr(C, h) for h in self._headers])
        for r in range(self.table.rowCount()):
            roles = self.table.cellWidget(r, 2)
            if isinstance(roles, QComboBox):
                for i, (text, _data) in enumerate(ROLE_CHOICES):
                    roles.setItemText(i, tr(C, text))

    def _demo_toggled(self, on: bool) -> None:
        self.scan_button.setEnabled(not on)
        self.table.setEnabled(not on)

    def start_scan(self) -> None:
        if self.scanning:
            return
        self.scanning = True
        self.scan_button.setEnabled(False)
        self.state.setText(tr(C, "Mencari modem… (beberapa detik per port)"))
        result = self._result

        def work() -> None:
            try:
                found, error = list(self._scan()), ""
            except Exception as exc:  # a port that misbehaves must not stop the wizard
                log.exception("modem scan failed")
                found, error = [], str(exc)
            result.done.emit(found, error)

        threading.Thread(target=work, name="wizard-scan", daemon=True).start()

    def _scan_done(self, found: list, error: str) -> None:
        self.scanning = False
        self.scan_button.setEnabled(not self.demo.isChecked())
        self.set_found(found)
        if error:
            self.state.setText(tr(C, "Pencarian gagal: {error}").format(error=error))
        else:
            self.state.setText(tr(C, "{n} port ditemukan, {ok} menjawab sebagai modem.").format(
                n=len(found), ok=sum(1 for f in found if f.answered)))

    def set_found(self, found: Sequence[setup.FoundPort]) -> None:
        self.found = list(found)
        self.table.setRowCount(len(self.found))
        operators = setup.chip_operators()
        for r, port in enumerate(self.found):
            self.table.setItem(r, 0, QTableWidgetItem(port.port))
            self.table.setItem(r, 1, QTableWidgetItem(port.identity or port.description))
            for c in (0, 1):
                self.table.item(r, c).setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            roles = QComboBox()
            for text, data in ROLE_CHOICES:
                roles.addItem(tr(C, text), data)
            operator = QComboBox()
            for name in operators:
                operator.addItem(name, name)
            pin = QLineEdit()
            pin.setEchoMode(QLineEdit.EchoMode.Password)
            self.table.setCellWidget(r, 2, roles)
            self.table.setCellWidget(r, 3, operator)
            self.table.setCellWidget(r, 4, pin)
            roles.currentIndexChanged.connect(lambda _i, row=r: self._role_changed(row))
            self._role_changed(r)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

    def _role_changed(self, row: int) -> None:
        roles = self.table.cellWidget(row, 2).currentData()
        chip = "chip" in roles
        self.table.cellWidget(row, 3).setEnabled(chip)
        self.table.cellWidget(row, 4).setEnabled(chip)

    def set_role(self, row: int, roles: tuple[str, ...], operator: str = "", pin: str = "") -> None:
        combo: QComboBox = self.table.cellWidget(row, 2)
        combo.setCurrentIndex(max(next((i for i, (_t, d) in enumerate(ROLE_CHOICES) if d == roles), 0), 0))
        if operator:
            op: QComboBox = self.table.cellWidget(row, 3)
            op.setCurrentIndex(max(op.findData(operator), 0))
        if pin:
            self.table.cellWidget(row, 4).setText(pin)

    def specs(self) -> list[ModemSpec]:
        """The ports given a role, as modem descriptions (names m1, m2 … in table order)."""
        out = []
        for r, port in enumerate(self.found):
            roles = list(self.table.cellWidget(r, 2).currentData())
            if not roles:
                continue
            chip = "chip" in roles
            operator = self.table.cellWidget(r, 3).currentData() if chip else ""
            name = f"{operator.lower()}-{r + 1}" if chip else f"{'-'.join(roles)}-{r + 1}"
            out.append(ModemSpec(name=name, port=port.port, roles=roles, operator=operator or "",
                                 pin=self.table.cellWidget(r, 4).text().strip() if chip else "",
                                 imei=port.imei, iccid=port.iccid))
        return out

    def validatePage(self) -> bool:  # noqa: N802
        if self.demo.isChecked():
            return True
        specs = self.specs()
        for spec in specs:
            if "chip" in spec.roles and not (spec.pin.isdigit() and 4 <= len(spec.pin) <= 8):
                self.error.setText(tr(C, "Chip di {port} butuh PIN transaksinya (4–8 angka).").format(port=spec.port))
                return False
        if specs and not any("center" in s.roles for s in specs):
            self.error.setText(tr(C, "Pilih satu port sebagai center: tanpa center pesanan SMS tidak masuk."))
            return False
        self.error.setText("")
        return True


class ProductPage(QWizardPage):
    """The operator presets: tick what you sell, with your price."""

    def __init__(self, texts: Texts):
        super().__init__()
        texts.set(self.setTitle, "Produk pertama")
        texts.set(self.setSubTitle, "Centang produk yang dijual dan isi harga jual Anda ke reseller. Produk dan "
                                    "harga lain bisa ditambah nanti di tab Produk.")
        layout = QVBoxLayout(self)
        self.presets = setup.product_presets()
        self.table = QTableWidget(len(self.presets), 4)
        self.table.verticalHeader().hide()
        self._headers = ["Kode", "Produk", "Nominal", "Harga jual"]
        self.checks: list[QCheckBox] = []
        self.prices: list[QSpinBox] = []
        for r, p in enumerate(self.presets):
            check = QCheckBox(p.code)
            check.setChecked(p.operator == "TSEL")
            self.checks.append(check)
            self.table.setCellWidget(r, 0, check)
            for c, text in ((1, p.name), (2, group(p.nominal))):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.table.setItem(r, c, item)
            price = QSpinBox()
            price.setRange(1, 10_000_000)
            price.setSingleStep(50)
            price.setLocale(RUPIAH_LOCALE)  # 10.650, as rupiah are written
            price.setGroupSeparatorShown(True)
            price.setPrefix("Rp ")
            price.setValue(p.suggested_price)
            self.prices.append(price)
            self.table.setCellWidget(r, 3, price)
        self.retranslate()
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.all_button = QPushButton()
        self.none_button = QPushButton()
        texts.set(self.all_button.setText, "Pilih semua")
        texts.set(self.none_button.setText, "Kosongkan")
        self.all_button.clicked.connect(lambda: [c.setChecked(True) for c in self.checks])
        self.none_button.clicked.connect(lambda: [c.setChecked(False) for c in self.checks])
        row.addWidget(self.all_button)
        row.addWidget(self.none_button)
        row.addStretch(1)
        layout.addLayout(row)

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([tr(C, h) for h in self._headers])

    def chosen(self) -> dict[str, int]:
        return {p.code: self.prices[r].value() for r, p in enumerate(self.presets) if self.checks[r].isChecked()}

    def set_choice(self, code: str, on: bool, price: int | None = None) -> None:
        r = next(i for i, p in enumerate(self.presets) if p.code == code)
        self.checks[r].setChecked(on)
        if price is not None:
            self.prices[r].setValue(price)


class FinishPage(QWizardPage):
    def __init__(self, texts: Texts):
        super().__init__()
        texts.set(self.setTitle, "Siap")
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802
        wizard: FirstRunWizard = self.wizard()  # type: ignore[assignment]
        self.summary.setText(wizard.summary())


class FirstRunWizard(QWizard):
    """`scan`: the modem scan (app.setup.scan_ports unless a test gives another)."""

    def __init__(self, default_dir: Path, parent: QWidget | None = None,
                 scan: Callable[[], Sequence[setup.FoundPort]] | None = None):
        super().__init__(parent)
        self.texts = Texts()
        self.setWindowIcon(app_icon())
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setMinimumSize(760, 560)
        self.texts.set(self.setWindowTitle, "Pulsa — pengaturan awal")
        self.shop = ShopPage(self.texts, self.change_language)
        self.data = DataPage(self.texts, default_dir)
        self.password = PasswordPage(self.texts)
        self.modems = ModemPage(self.texts, scan or setup.scan_ports)
        self.products = ProductPage(self.texts)
        self.finish = FinishPage(self.texts)
        for page in (self.shop, self.data, self.password, self.modems, self.products, self.finish):
            self.addPage(page)
        self._button_texts()

    def _button_texts(self) -> None:
        for which, text in ((QWizard.WizardButton.NextButton, "Lanjut >"),
                            (QWizard.WizardButton.BackButton, "< Kembali"),
                            (QWizard.WizardButton.FinishButton, "Selesai"),
                            (QWizard.WizardButton.CancelButton, "Batal")):
            self.setButtonText(which, tr(C, text))

    def change_language(self, lang: str) -> None:
        set_language(lang)
        self.texts.apply()
        self.modems.retranslate()
        self.products.retranslate()
        self._button_texts()

    def demo_chosen(self) -> bool:
        return self.modems.demo.isChecked()

    def data_dir(self) -> Path:
        return Path(self.data.folder.text().strip()).expanduser()

    def choices(self) -> setup.FirstRun:
        return setup.FirstRun(site_name=self.shop.site_name.text().strip(),
                              language=self.shop.language.currentData(),
                              password=self.password.password.text(),
                              modems=tuple(() if self.demo_chosen() else self.modems.specs()),
                              products=self.products.chosen(),
                              admin_contact=self.shop.admin_contact.text().strip())

    def summary(self) -> str:
        c = self.choices()
        lines = [tr(C, "Toko: {name}").format(name=c.site_name),
                 tr(C, "Folder data: {folder}").format(folder=self.data_dir()),
                 tr(C, "Kata sandi panel: {state}").format(state=tr(C, "ya") if c.password else tr(C, "tidak"))]
        if self.demo_chosen():
            lines.append(tr(C, "Jaringan demo: Pulsa berjalan dengan toko contoh di database sementara; pengaturan "
                               "ini ditanyakan lagi saat Anda memulai tanpa demo."))
        else:
            lines.append(tr(C, "Modem: {n}").format(n=len(c.modems) or tr(C, "belum ada")))
            lines.append(tr(C, "Produk: {n}").format(n=len(c.products or {})))
        lines.append("")
        lines.append(tr(C, "Tekan Selesai untuk menyimpan dan menjalankan server."))
        return "\n".join(lines)


add_english(C, {
    "Pulsa — pengaturan awal": "Pulsa — first-time setup",
    "Selamat datang di Pulsa": "Welcome to Pulsa",
    "Beberapa langkah untuk menyiapkan toko. Semua bisa diubah nanti di Pengaturan.":
        "A few steps to set up the shop. Everything can be changed later in Settings.",
    "Bahasa": "Language", "Nama toko": "Shop name", "Nama toko wajib diisi.": "Please enter the shop name.",
    "Kontak admin": "Admin contact",
    "mis. Cahaya Pulsa": "e.g. Cahaya Pulsa",
    "nomor HP admin, muncul di balasan ke reseller": "the admin's phone number, shown in replies to resellers",
    "Lokasi data": "Data location",
    "Database, file kunci, log dan cadangan disimpan di folder ini.":
        "The database, key file, logs and backups are kept in this folder.",
    "Pilih…": "Choose…", "Folder data": "Data folder",
    "Pilih folder di disk yang ikut dicadangkan. File kunci pulsa.key di folder ini wajib ikut disalin bila PC "
    "diganti: tanpa file itu PIN yang tersimpan tidak bisa dibuka.":
        "Choose a folder on a disk that is backed up. The key file pulsa.key in this folder must be copied along "
        "when the PC is replaced: without it the stored PINs cannot be opened.",
    "Kata sandi panel": "Panel password",
    "Ditanya saat Pulsa dibuka dan sebelum tindakan yang memindahkan uang. Kosongkan bila PC ini hanya dipakai "
    "Anda.":
        "Asked when Pulsa opens and before actions that move money. Leave it empty if only you use this PC.",
    "Kata sandi": "Password", "Ulangi kata sandi": "Repeat password",
    "Kata sandi dan ulangannya tidak sama.": "The password and its repetition differ.",
    "Kata sandi paling sedikit {n} karakter.": "The password needs at least {n} characters.",
    "Modem": "Modems",
    "Colokkan modem dan HP, lalu cari. Pilih peran tiap port: center menerima pesanan, pengirim membalas, chip "
    "mengisi pulsa.":
        "Plug in the modems and phones, then scan. Choose each port's role: the center receives orders, a sender "
        "replies, a chip tops up.",
    "Pakai jaringan demo (tanpa modem, untuk mencoba dulu)": "Use the demo network (no modems, to try it first)",
    "Cari modem": "Scan for modems", "Port": "Port", "Perangkat": "Device", "Peran": "Role",
    "Operator chip": "Chip operator", "PIN chip": "Chip PIN",
    "Boleh dilewati: modem bisa ditambah nanti di tab Telepon.": "May be skipped: modems can be added later in "
                                                                "the Phones tab.",
    "— tidak dipakai —": "— not used —", "Center (menerima pesanan)": "Center (receives orders)",
    "Pengirim balasan": "Reply sender", "Center + pengirim": "Center + sender", "Chip (isi pulsa)": "Chip (top-ups)",
    "Mencari modem… (beberapa detik per port)": "Scanning… (a few seconds per port)",
    "Pencarian gagal: {error}": "Scan failed: {error}",
    "{n} port ditemukan, {ok} menjawab sebagai modem.": "{n} ports found, {ok} answered as a modem.",
    "Chip di {port} butuh PIN transaksinya (4–8 angka).": "The chip on {port} needs its transaction PIN (4–8 digits).",
    "Pilih satu port sebagai center: tanpa center pesanan SMS tidak masuk.":
        "Choose one port as the center: without a center no SMS order comes in.",
    "Produk pertama": "First products",
    "Centang produk yang dijual dan isi harga jual Anda ke reseller. Produk dan harga lain bisa ditambah nanti di "
    "tab Produk.":
        "Tick the products you sell and enter your price to resellers. Other products and prices can be added "
        "later in the Products tab.",
    "Kode": "Code", "Produk": "Product", "Nominal": "Nominal", "Harga jual": "Sell price",
    "Pilih semua": "Select all", "Kosongkan": "Clear",
    "Siap": "Ready", "Toko: {name}": "Shop: {name}", "Folder data: {folder}": "Data folder: {folder}",
    "Kata sandi panel: {state}": "Panel password: {state}", "ya": "yes", "tidak": "no",
    "Jaringan demo: Pulsa berjalan dengan toko contoh di database sementara; pengaturan ini ditanyakan lagi saat "
    "Anda memulai tanpa demo.":
        "Demo network: Pulsa runs with the example shop in a temporary database; this setup is asked again when "
        "you start without the demo.",
    "Modem: {n}": "Modems: {n}", "belum ada": "none yet", "Produk: {n}": "Products: {n}",
    "Tekan Selesai untuk menyimpan dan menjalankan server.": "Press Finish to save and start the server.",
    "Lanjut >": "Next >", "< Kembali": "< Back", "Selesai": "Finish", "Batal": "Cancel",
})
