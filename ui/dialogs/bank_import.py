"""Importing a bank statement: which bank the file is from (`BankChoiceDialog`), and for another bank's CSV
the column mapping with a live preview of the credits it reads (`BankFormatDialog`), saved per bank name
through app.deposits. Both open with `open()`; a test fills the fields and calls `accept()`."""
from __future__ import annotations

import datetime as _dt
import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QRadioButton, QSpinBox,
                               QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from app import bank_csv, deposits
from app.bank_csv import BankCsvError, CsvMapping
from app.money import group
from ui.dialogs.shop_form import ErrorLabel, hint_label
from ui.i18n import add_english, tr

log = logging.getLogger(__name__)
C = "Impor mutasi"
OTHER = "__other__"  # "Format lain…": a new column mapping
DELIMITER_NAMES = {",": "Koma ( , )", ";": "Titik koma ( ; )", "\t": "Tab", "|": "Garis tegak ( | )"}
DECIMAL_NAMES = {",": "1.000.000,00 (koma desimal)", ".": "1,000,000.00 (titik desimal)"}
PREVIEW_LIMIT = 200  # rows of the file read for the preview


class BankChoiceDialog(QDialog):
    """Which bank the statement file is from: the four presets, the saved formats, or "Format lain…". A
    saved format can be edited or deleted from here (a built-in bank's then reads with its own reader)."""

    chosen = Signal(str, str)  # (path, bank name or OTHER)
    edit = Signal(str, str)  # (path, saved format to change)
    forget = Signal(str)  # a saved format to delete

    def __init__(self, path: str, banks: list[str], parent: QWidget | None = None, saved: set[str] | None = None):
        super().__init__(parent)
        self.path = path
        self.saved = set(saved if saved is not None else (b for b in banks if b not in bank_csv.PRESETS))
        self.setWindowTitle(tr(C, "Impor mutasi bank"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        name = QLabel(tr(C, "File: {name}").format(name=Path(path).name))
        name.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(name)
        form = QFormLayout()
        self.bank = QComboBox()
        for key in banks:
            suffix = tr(C, " (format tersimpan)") if key in self.saved else ""
            self.bank.addItem(bank_csv.bank_title(key) + suffix, key)
        self.bank.addItem(tr(C, "Format lain…"), OTHER)
        form.addRow(tr(C, "Bank"), self.bank)
        layout.addLayout(form)
        saved_bar = QHBoxLayout()
        self.edit_button = QPushButton(tr(C, "Ubah format…"))
        self.forget_button = QPushButton(tr(C, "Hapus format tersimpan"))
        saved_bar.addStretch(1)
        saved_bar.addWidget(self.edit_button)
        saved_bar.addWidget(self.forget_button)
        layout.addLayout(saved_bar)
        layout.addWidget(hint_label(tr(C, "Kredit yang jumlahnya sama dengan tiket terbuka bank ini langsung masuk ke "
                                          "saldo resellernya. Sisanya menunggu di daftar mutasi. Mutasi yang sudah "
                                          "pernah diimpor tidak diproses lagi.")))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr(C, "Batal"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.bank.currentIndexChanged.connect(self._update_ok)
        self.edit_button.clicked.connect(self._edit)
        self.forget_button.clicked.connect(self._forget)
        self._update_ok()

    def _edit(self) -> None:
        super().reject()
        self.edit.emit(self.path, self.bank.currentData())

    def _forget(self) -> None:
        super().reject()
        self.forget.emit(self.bank.currentData())

    def select(self, bank: str) -> None:
        index = self.bank.findData(bank if bank == OTHER else bank_csv.bank_key(bank))
        if index >= 0:
            self.bank.setCurrentIndex(index)

    def _update_ok(self) -> None:
        self.ok.setText(tr(C, "Lanjut…") if self.bank.currentData() == OTHER else tr(C, "Impor"))
        saved = self.bank.currentData() in self.saved
        self.edit_button.setVisible(saved)
        self.forget_button.setVisible(saved)

    def accept(self) -> None:
        super().accept()
        self.chosen.emit(self.path, self.bank.currentData())


class BankFormatDialog(QDialog):
    """The column mapping of another bank's CSV, with the raw first rows (numbered columns) and a live
    preview of the credits it reads. Saving stores it under the bank's name and emits `saved(path, name)`."""

    saved = Signal(str, str)

    def __init__(self, path: str, actor: str, parent: QWidget | None = None, *, name: str = "",
                 today: _dt.date | None = None):
        super().__init__(parent)
        self.path, self.actor, self.today = path, actor, today
        self.setWindowTitle(tr(C, "Format mutasi bank lain"))
        self.setMinimumSize(980, 640)
        self.text = ""
        self.statement: bank_csv.Statement | None = None
        self._building = True
        layout = QVBoxLayout(self)
        intro = hint_label(tr(C, "Cocokkan kolom file CSV dari bank Anda. Nomor kolom dihitung dari kiri mulai 1, "
                                 "seperti di tabel isi file di bawah. Pratinjau kredit berubah saat Anda mengubah "
                                 "isian. Format disimpan dengan nama bank; pakai nama yang sama dengan bank di "
                                 "tiket (mis. BSI) supaya kreditnya bisa cocok dengan tiket. Dengan nama BCA, Mandiri, "
                                 "BRI atau BNI, format ini menggantikan pembaca bawaan bank itu."))
        layout.addWidget(intro)

        top = QHBoxLayout()
        form_box = QGroupBox(tr(C, "Format"))
        grid = QGridLayout(form_box)
        self.name = QLineEdit(name)
        self.name.setPlaceholderText(tr(C, "mis. BSI"))
        self.delimiter = QComboBox()
        for key, text in DELIMITER_NAMES.items():
            self.delimiter.addItem(tr(C, text), key)
        self.skip = QSpinBox(minimum=0, maximum=1000)
        self.date_column = QSpinBox(minimum=1, maximum=200)
        self.date_format = QComboBox()
        self.date_format.addItem(tr(C, "otomatis"), bank_csv.AUTO_DATE)
        for fmt in bank_csv.DATE_FORMATS:
            self.date_format.addItem(fmt, fmt)
        self.description_column = QSpinBox(minimum=0, maximum=200)
        self.description_column.setSpecialValueText(tr(C, "tidak ada"))
        self.one_amount = QRadioButton(tr(C, "Satu kolom jumlah"))
        self.two_amounts = QRadioButton(tr(C, "Kolom kredit dan debet"))
        self.amount_column = QSpinBox(minimum=1, maximum=200)
        self.type_column = QSpinBox(minimum=0, maximum=200)
        self.type_column.setSpecialValueText(tr(C, "tidak ada"))
        self.credit_column = QSpinBox(minimum=1, maximum=200)
        self.debit_column = QSpinBox(minimum=0, maximum=200)
        self.debit_column.setSpecialValueText(tr(C, "tidak ada"))
        self.decimal = QComboBox()
        for key, text in DECIMAL_NAMES.items():
            self.decimal.addItem(tr(C, text), key)
        rows = [
            (tr(C, "Nama bank"), self.name), (tr(C, "Pemisah kolom"), self.delimiter),
            (tr(C, "Lewati baris awal"), self.skip), (tr(C, "Kolom tanggal"), self.date_column),
            (tr(C, "Format tanggal"), self.date_format), (tr(C, "Kolom keterangan"), self.description_column),
            (None, self.one_amount), (tr(C, "Kolom jumlah"), self.amount_column),
            (tr(C, "Kolom jenis (CR/DB)"), self.type_column), (None, self.two_amounts),
            (tr(C, "Kolom kredit"), self.credit_column), (tr(C, "Kolom debet"), self.debit_column),
            (tr(C, "Format angka"), self.decimal),
        ]
        for r, (label, widget) in enumerate(rows):
            if label is None:
                grid.addWidget(widget, r, 0, 1, 2)
            else:
                grid.addWidget(QLabel(label), r, 0)
                grid.addWidget(widget, r, 1)
        grid.addWidget(hint_label(tr(C, "Satu kolom jumlah: angka tanpa tanda atau CR dianggap uang masuk; minus "
                                        "atau DB uang keluar.")), len(rows), 0, 1, 2)
        grid.setRowStretch(len(rows) + 1, 1)
        form_box.setMaximumWidth(360)
        top.addWidget(form_box)

        right = QVBoxLayout()
        right.addWidget(QLabel(tr(C, "Isi file (baris awal)")))
        self.raw = QTableWidget()
        self._table_style(self.raw)
        right.addWidget(self.raw, 2)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        right.addWidget(self.summary)
        self.preview = QTableWidget(0, 4)
        self.preview.setHorizontalHeaderLabels([tr(C, "Baris"), tr(C, "Tanggal"), tr(C, "Keterangan"),
                                                tr(C, "Kredit")])
        self._table_style(self.preview)
        right.addWidget(self.preview, 3)
        top.addLayout(right, 1)
        layout.addLayout(top, 1)

        self.error = ErrorLabel()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(tr(C, "Simpan dan impor"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr(C, "Batal"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self._load_file()
        mapping = bank_csv.saved_mapping(name) if name else None
        self.set_mapping(mapping or bank_csv.guess_mapping(self.text))
        for widget in (self.delimiter, self.date_format, self.decimal):
            widget.currentIndexChanged.connect(self.update_preview)
        for spin in (self.skip, self.date_column, self.description_column, self.amount_column, self.type_column,
                     self.credit_column, self.debit_column):
            spin.valueChanged.connect(self.update_preview)
        self.one_amount.toggled.connect(self.update_preview)
        self.name.textChanged.connect(self._name_changed)
        self._building = False
        self.update_preview()

    @staticmethod
    def _table_style(table: QTableWidget) -> None:
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(20)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.horizontalHeader().setStretchLastSection(True)

    def _load_file(self) -> None:
        try:
            self.text = bank_csv.read_text(self.path)
        except BankCsvError as exc:
            self.text = ""
            self.error.setText(str(exc))

    def set_mapping(self, m: CsvMapping) -> None:
        self.delimiter.setCurrentIndex(max(self.delimiter.findData(m.delimiter), 0))
        self.skip.setValue(m.skip_lines)
        self.date_column.setValue(max(m.date_column, 1))
        self.date_format.setCurrentIndex(max(self.date_format.findData(m.date_format), 0))
        self.description_column.setValue(m.description_column)
        one = m.amount_column > 0
        self.one_amount.setChecked(one)
        self.two_amounts.setChecked(not one)
        self.amount_column.setValue(max(m.amount_column, 1))
        self.type_column.setValue(m.type_column)
        self.credit_column.setValue(max(m.credit_column, 1))
        self.debit_column.setValue(m.debit_column)
        self.decimal.setCurrentIndex(max(self.decimal.findData(m.decimal), 0))

    def mapping(self) -> CsvMapping:
        one = self.one_amount.isChecked()
        return CsvMapping(delimiter=self.delimiter.currentData(), skip_lines=self.skip.value(),
                          date_column=self.date_column.value(), date_format=self.date_format.currentData(),
                          description_column=self.description_column.value(),
                          amount_column=self.amount_column.value() if one else 0,
                          credit_column=0 if one else self.credit_column.value(),
                          debit_column=0 if one else self.debit_column.value(),
                          type_column=self.type_column.value() if one else 0, decimal=self.decimal.currentData())

    @Slot()
    def _name_changed(self) -> None:
        self.error.setText("")

    @Slot()
    def update_preview(self) -> None:
        if self._building:
            return
        one = self.one_amount.isChecked()
        for widget in (self.amount_column, self.type_column):
            widget.setEnabled(one)
        for widget in (self.credit_column, self.debit_column):
            widget.setEnabled(not one)
        mapping = self.mapping()
        self._show_raw(mapping)
        head = "\n".join(self.text.splitlines()[:PREVIEW_LIMIT])
        try:
            self.statement = bank_csv.parse_mapped(head, "LAIN", mapping, self.today)
        except BankCsvError as exc:
            self.statement = None
            self.summary.setText(tr(C, "Tidak terbaca: {error}").format(error=exc))
            self.preview.setRowCount(0)
            self.ok.setEnabled(False)
            return
        st = self.statement
        credits = st.credits
        text = tr(C, "{credits} kredit (total {total}), {debits} debet").format(
            credits=len(credits), total="Rp " + group(sum(c.amount for c in credits)), debits=len(st.debits))
        if st.problems:
            text += " · " + tr(C, "{n} baris tidak terbaca, mis. {first}").format(n=len(st.problems),
                                                                                   first=str(st.problems[0]))
        if st.skipped:
            text += " · " + tr(C, "{n} dilewati").format(n=len(st.skipped))
        self.summary.setText(text)
        self.summary.setStyleSheet("color: #d93025;" if st.problems or not credits else "")
        self.preview.setRowCount(len(credits))
        for r, line in enumerate(credits):
            for c, value in enumerate((str(line.line_no), f"{line.booked_on:%d/%m/%Y}", line.description,
                                       group(line.amount))):
                item = QTableWidgetItem(value)
                if c in (0, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.preview.setItem(r, c, item)
        self.preview.resizeColumnsToContents()
        self.preview.setColumnWidth(2, min(self.preview.columnWidth(2), 320))
        self.ok.setEnabled(bool(credits) or bool(st.debits))

    def _show_raw(self, mapping: CsvMapping) -> None:
        """The first rows as the file has them, columns numbered, the mapped ones named in the header; the
        lines skipped are grey (a line of one cell, such as a title, spans the table)."""
        rows = bank_csv.preview_rows(self.text, mapping.delimiter, 30)
        width = max((len(cells) for _n, cells in rows), default=0)
        roles = {mapping.date_column: tr(C, "Tanggal"), mapping.description_column: tr(C, "Keterangan"),
                 mapping.amount_column: tr(C, "Jumlah"), mapping.type_column: tr(C, "Jenis"),
                 mapping.credit_column: tr(C, "Kredit"), mapping.debit_column: tr(C, "Debet")}
        self.raw.clear()
        self.raw.clearSpans()
        self.raw.setColumnCount(width + 1)
        self.raw.setRowCount(len(rows))
        self.raw.setHorizontalHeaderLabels([tr(C, "Baris")] + [
            f"{i + 1} · {roles[i + 1]}" if i + 1 in roles else str(i + 1) for i in range(width)])
        for r, (line_no, cells) in enumerate(rows):
            skipped = r < mapping.skip_lines
            for c, value in enumerate([str(line_no)] + cells):
                item = QTableWidgetItem(value)
                if skipped:
                    item.setForeground(Qt.GlobalColor.gray)
                self.raw.setItem(r, c, item)
            if skipped and width > 1 and sum(1 for cell in cells if cell.strip()) <= 1:
                self.raw.setSpan(r, 1, 1, width)
        self.raw.resizeColumnsToContents()
        for c in range(1, width + 1):
            self.raw.setColumnWidth(c, min(self.raw.columnWidth(c), 180))

    def accept(self) -> None:
        try:
            name = deposits.save_bank_format(self.name.text(), self.mapping(), actor=self.actor)
        except deposits.DepositError as exc:
            self.error.setText(str(exc))
            return
        log.info("bank format %s saved by %s", name, self.actor)
        super().accept()
        self.saved.emit(self.path, name)


add_english(C, {
    "Impor mutasi bank": "Import bank statement", "File: {name}": "File: {name}", "Bank": "Bank",
    " (format tersimpan)": " (saved format)", "Format lain…": "Other format…", "Batal": "Cancel",
    "Lanjut…": "Next…", "Impor": "Import", "Ubah format…": "Edit format…",
    "Hapus format tersimpan": "Delete saved format",
    "Kredit yang jumlahnya sama dengan tiket terbuka bank ini langsung masuk ke saldo resellernya. Sisanya menunggu di "
    "daftar mutasi. Mutasi yang sudah pernah diimpor tidak diproses lagi.":
        "Credits whose amount equals an open ticket of this bank go straight to that reseller's balance. The rest "
        "wait in the statement list. Lines imported before are not processed again.",
    "Format mutasi bank lain": "Another bank's statement format",
    "Cocokkan kolom file CSV dari bank Anda. Nomor kolom dihitung dari kiri mulai 1, seperti di tabel isi file di "
    "bawah. Pratinjau kredit berubah saat Anda mengubah isian. Format disimpan dengan nama bank; pakai nama yang sama "
    "dengan bank di tiket (mis. BSI) supaya kreditnya bisa cocok dengan tiket. Dengan nama BCA, Mandiri, BRI atau "
    "BNI, format ini menggantikan pembaca bawaan bank itu.":
        "Match the columns of your bank's CSV file. Columns are counted from the left starting at 1, as in the file "
        "table below. The preview of credits follows your changes. The format is saved under the bank's name; use "
        "the name the tickets use (e.g. BSI) so that its credits can match tickets. Named BCA, Mandiri, BRI or BNI, "
        "it replaces that bank's built-in reader.",
    "Format": "Format", "mis. BSI": "e.g. BSI", "Koma ( , )": "Comma ( , )", "Titik koma ( ; )": "Semicolon ( ; )",
    "Tab": "Tab", "Garis tegak ( | )": "Vertical bar ( | )", "otomatis": "automatic", "tidak ada": "none",
    "Satu kolom jumlah": "One amount column", "Kolom kredit dan debet": "Credit and debit columns",
    "1.000.000,00 (koma desimal)": "1.000.000,00 (decimal comma)",
    "1,000,000.00 (titik desimal)": "1,000,000.00 (decimal point)",
    "Nama bank": "Bank name", "Pemisah kolom": "Column separator", "Lewati baris awal": "Skip first lines",
    "Kolom tanggal": "Date column", "Format tanggal": "Date format", "Kolom keterangan": "Description column",
    "Kolom jumlah": "Amount column", "Kolom jenis (CR/DB)": "Type column (CR/DB)", "Kolom kredit": "Credit column",
    "Kolom debet": "Debit column", "Format angka": "Number format",
    "Satu kolom jumlah: angka tanpa tanda atau CR dianggap uang masuk; minus atau DB uang keluar.":
        "One amount column: a number without a sign, or with CR, is money in; a minus or DB is money out.",
    "Isi file (baris awal)": "File contents (first lines)", "Baris": "Line", "Tanggal": "Date",
    "Keterangan": "Description", "Kredit": "Credit", "Jumlah": "Amount", "Jenis": "Type", "Debet": "Debit",
    "Tidak terbaca: {error}": "Unreadable: {error}",
    "{credits} kredit (total {total}), {debits} debet": "{credits} credits (total {total}), {debits} debits",
    "{n} baris tidak terbaca, mis. {first}": "{n} unreadable lines, e.g. {first}", "{n} dilewati": "{n} skipped",
    "Simpan dan impor": "Save and import",
})
