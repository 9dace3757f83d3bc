"""Deposit: the open deposit tickets (with a manual confirm when the owner saw the transfer himself) and
the imported bank statement lines, the waiting ones first and highlighted, to assign to a reseller or
ignore; "Impor mutasi bank…" reads a statement file off the GUI thread and ends with a summary.

Every change goes through app/deposits.py (the ledger, exactly once); this view only reads, through its
Refresher on a background thread."""
from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QFileDialog, QGroupBox, QHBoxLayout, QLabel, QMessageBox,
                               QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget)

from app import bank_csv, deposits
from app.bank_csv import BankCsvError
from app.deposits import ImportResult, LineStatus, TicketStatus
from app.money import group, rupiah
from app.queries import deposits as queries
from app.queries.deposits import BankLineRow, DepositsSnapshot, OpenTicketRow
from app.queries.resellers import ResellerChoice, upline_choices
from ui import guard
from ui.dialogs.bank_import import OTHER, BankChoiceDialog, BankFormatDialog
from ui.dialogs.confirm import ConfirmDialog
from ui.dialogs.shop_form import WARN_STYLE, hint_label
from ui.i18n import add_english, tr
from ui.refresh import Refresher, runner
from ui.row_model import RowsModel, rows_table

log = logging.getLogger(__name__)
C = "Deposit"
IMPORT_SLICE_S = 0.015  # a statement is stored a few lines at a time, the window kept smooth between
TICKET_COLUMNS = ("No", "Reseller", "Jumlah", "Transfer tepat", "Bank", "Dibuat", "Berlaku sampai")
LINE_COLUMNS = ("Tanggal", "Bank", "Keterangan", "Jumlah", "Status", "Reseller / tiket", "Oleh")
LINE_STATUS = {LineStatus.UNMATCHED.value: "Menunggu", LineStatus.MATCHED.value: "Cocok tiket",
               LineStatus.ASSIGNED.value: "Ditetapkan", LineStatus.IGNORED.value: "Diabaikan"}
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
WAITING_BG = QColor("#fff4e5")
ORANGE = QColor("#b06000")
GREY = QColor("#80868b")
GREEN = QColor("#1e8e3e")
REFRESH_EVERY_S = 30.0  # tickets expire with the clock; a statement imported on the command line shows up


class TicketModel(RowsModel[OpenTicketRow]):
    COLUMNS, CONTEXT = TICKET_COLUMNS, C

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        t, col = self.rows[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (f"#{t.id}", f"{t.reseller_code} · {t.reseller_name}", group(t.amount), group(t.unique_amount),
                    t.bank, f"{t.created_at:%d/%m %H:%M}", f"{t.expires_at:%d/%m %H:%M}")[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 2, 3):
            return RIGHT
        if role == Qt.ItemDataRole.FontRole and col == 3:
            font = QFont()
            font.setBold(True)
            return font
        return None




def line_status_text(status: str) -> str:
    return tr(C, LINE_STATUS.get(status, status))


def line_owner_text(line: BankLineRow) -> str:
    """Whose the line is: the reseller it credited (and its ticket), or for a waiting line the hint."""
    if line.status == LineStatus.MATCHED.value:
        return tr(C, "{code} · tiket #{ticket}").format(code=line.reseller_code, ticket=line.ticket_id)
    if line.status == LineStatus.ASSIGNED.value:
        return line.reseller_code
    if line.status == LineStatus.UNMATCHED.value and line.hint is not None:
        h = line.hint
        why = tr(C, "kedaluwarsa") if h.status == TicketStatus.EXPIRED.value else tr(C, "tiket {bank}").format(
            bank=h.bank)
        return tr(C, "mungkin {code} (tiket #{ticket}, {why})").format(code=h.reseller_code, ticket=h.ticket_id,
                                                                       why=why)
    return ""


class LineModel(RowsModel[BankLineRow]):
    COLUMNS, CONTEXT = LINE_COLUMNS, C

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        b, col = self.rows[index.row()], index.column()
        waiting = b.status == LineStatus.UNMATCHED.value
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if role == Qt.ItemDataRole.ToolTipRole and col == 6 and b.decided_at is not None:
                return f"{b.decided_by} {b.decided_at:%d/%m/%Y %H:%M}"
            return (f"{b.booked_on:%d/%m/%Y}", bank_csv.bank_title(b.bank), b.description, group(b.amount),
                    line_status_text(b.status), line_owner_text(b), b.decided_by)[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 3:
            return RIGHT
        if role == Qt.ItemDataRole.BackgroundRole and waiting:
            return WAITING_BG
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 4:
                return {LineStatus.UNMATCHED.value: ORANGE, LineStatus.IGNORED.value: GREY}.get(b.status, GREEN)
            if b.status == LineStatus.IGNORED.value:
                return GREY
            if col == 5 and waiting:
                return ORANGE
        if role == Qt.ItemDataRole.FontRole and waiting and col in (3, 4):
            font = QFont()
            font.setBold(True)
            return font
        return None




class _Snapshot:
    """What one background read brings: the tickets and lines, the resellers to assign to, the banks."""

    def __init__(self, data: DepositsSnapshot, resellers: tuple[ResellerChoice, ...], banks: tuple[str, ...],
                 saved: frozenset[str]):
        self.data, self.resellers, self.banks, self.saved = data, resellers, banks, saved


class DepositsView(QWidget):
    importFinished = Signal(object)  # ImportResult, or the exception that stopped the import

    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.actor = getattr(ctx, "actor", "admin")
        self.clock = ctx.engine.clock
        self.dialog: Any = None  # the open dialog, for tests and to keep it referenced
        self.file_dialog: QFileDialog | None = None
        self.summary_box: QMessageBox | None = None
        self.last_result: ImportResult | Exception | None = None
        self.resellers: tuple[ResellerChoice, ...] = ()
        self.banks: tuple[str, ...] = tuple(bank_csv.PRESETS)
        self.saved_banks: frozenset[str] = frozenset()
        self.importing = False
        self._import_token = 0
        self._import_now = None
        self.tickets = TicketModel(self)
        self.lines = LineModel(self)
        self._build()
        runner().done.connect(self._on_import_done)
        self.refresher: Refresher[_Snapshot] = Refresher(self, getattr(ctx, "bridge", None), self._load, self._show,
                                                         background=True, every_s=REFRESH_EVERY_S,
                                                         failed=self._load_failed)

    def title(self) -> str:
        return tr(C, "Deposit")

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        top = QHBoxLayout()
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.import_button = QPushButton(tr(C, "Impor mutasi bank…"))
        self.import_button.setToolTip(tr(C, "File CSV mutasi rekening dari internet banking BCA, Mandiri, BRI, BNI "
                                            "atau bank lain"))
        top.addWidget(self.heading, 1)
        top.addWidget(self.import_button)
        self.message = hint_label()
        self.message.hide()
        self.error = hint_label(style=WARN_STYLE)
        self.error.hide()

        tickets_box = QGroupBox(tr(C, "Tiket deposit terbuka"))
        tv = QVBoxLayout(tickets_box)
        self.ticket_table = rows_table(self.tickets, min_section=40)
        tv.addWidget(self.ticket_table, 1)
        tbar = QHBoxLayout()
        self.tickets_empty = hint_label(tr(C, "Belum ada tiket terbuka. Reseller meminta tiket dengan SMS "
                                              "TIKET.BANK.JUMLAH.PIN, mis. TIKET.BCA.500000.1234."))
        self.confirm_button = QPushButton(tr(C, "Konfirmasi manual…"))
        self.confirm_button.setToolTip(tr(C, "Anda melihat sendiri transfernya masuk: tambahkan saldo reseller "
                                             "sekarang"))
        tbar.addWidget(self.tickets_empty, 10)
        tbar.addStretch(1)
        tbar.addWidget(self.confirm_button)
        tv.addLayout(tbar)

        lines_box = QGroupBox(tr(C, "Mutasi bank (kredit)"))
        lv = QVBoxLayout(lines_box)
        self.line_table = rows_table(self.lines, min_section=40)
        lv.addWidget(self.line_table, 1)
        lbar = QHBoxLayout()
        self.lines_info = hint_label()
        self.assign_button = QPushButton(tr(C, "Tetapkan ke reseller…"))
        self.ignore_button = QPushButton(tr(C, "Abaikan"))
        lbar.addWidget(self.lines_info, 10)
        lbar.addStretch(1)
        lbar.addWidget(self.assign_button)
        lbar.addWidget(self.ignore_button)
        lv.addLayout(lbar)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(tickets_box)
        split.addWidget(lines_box)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([260, 420])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.error)
        layout.addWidget(split, 1)

        self.import_button.clicked.connect(self.start_import)
        self.confirm_button.clicked.connect(self.ask_confirm)
        self.assign_button.clicked.connect(self.ask_assign)
        self.ignore_button.clicked.connect(self.ask_ignore)
        self.line_table.doubleClicked.connect(lambda _i: self.ask_assign())
        self.ticket_table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.line_table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    # --- data -----------------------------------------------------------------------------------
    def set_active(self, active: bool) -> None:
        self.refresher.set_active(active)

    def _load(self) -> _Snapshot:
        """On a query thread."""
        data = queries.snapshot(self.clock())
        return _Snapshot(data, tuple(upline_choices(None)), tuple(bank_csv.known_banks()),
                         frozenset(bank_csv.saved_banks()))

    def _load_failed(self, exc: Exception) -> None:
        self.error.setText(tr(C, "Gagal membaca deposit: {error}").format(error=exc))
        self.error.show()

    def _show(self, snap: _Snapshot) -> None:
        self.error.hide()
        data = snap.data
        self.resellers, self.banks, self.saved_banks = snap.resellers, snap.banks, snap.saved
        selected_ticket, selected_line = self.selected_ticket(), self.selected_line()
        if self.tickets.set_rows(data.tickets):
            self.ticket_table.resizeColumnsToContents()
            self._restore(self.ticket_table, self.tickets.row_of(selected_ticket.id if selected_ticket else None))
        if self.lines.set_rows(data.lines):
            self.line_table.resizeColumnsToContents()
            self.line_table.setColumnWidth(2, min(self.line_table.columnWidth(2), 380))
            self._restore(self.line_table, self.lines.row_of(selected_line.id if selected_line else None))
        self.tickets_empty.setVisible(not data.tickets)
        self.heading.setText(tr(C, "{tickets} tiket terbuka · {waiting} mutasi menunggu").format(
            tickets=len(data.tickets), waiting=data.waiting))
        if data.lines_total == 0:
            self.lines_info.setText(tr(C, "Belum ada mutasi. Unduh mutasi rekening (CSV) dari internet banking, lalu "
                                          "klik Impor mutasi bank."))
        elif data.waiting:
            self.lines_info.setText(tr(C, "{n} mutasi menunggu: tetapkan ke reseller (saldonya bertambah) atau "
                                          "abaikan.").format(n=data.waiting))
        else:
            self.lines_info.setText(tr(C, "Semua mutasi sudah diputuskan."))
        self._update_buttons()

    @staticmethod
    def _restore(table: QTableView, row: int) -> None:
        if row >= 0:
            table.selectRow(row)

    def selected_ticket(self) -> OpenTicketRow | None:
        return self.tickets.row(self.ticket_table.currentIndex().row())

    def selected_line(self) -> BankLineRow | None:
        return self.lines.row(self.line_table.currentIndex().row())

    def select_ticket(self, ticket_id: int) -> bool:
        row = self.tickets.row_of(ticket_id)
        if row >= 0:
            self.ticket_table.selectRow(row)
        return row >= 0

    def select_line(self, line_id: int) -> bool:
        row = self.lines.row_of(line_id)
        if row >= 0:
            self.line_table.selectRow(row)
        return row >= 0

    def _update_buttons(self) -> None:
        self.confirm_button.setEnabled(self.selected_ticket() is not None)
        line = self.selected_line()
        waiting = line is not None and line.status == LineStatus.UNMATCHED.value
        ignored = line is not None and line.status == LineStatus.IGNORED.value
        self.assign_button.setEnabled(waiting)
        self.ignore_button.setEnabled(waiting or ignored)
        self.ignore_button.setText(tr(C, "Batalkan abaikan") if ignored else tr(C, "Abaikan"))
        self.import_button.setEnabled(not self.importing)

    def reload(self) -> None:
        self.refresher.request()

    def _done(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self.refresher.request()

    # --- tickets --------------------------------------------------------------------------------
    def ask_confirm(self) -> ConfirmDialog | None:
        t = self.selected_ticket()
        if t is None:
            return None
        if not guard.owner_ok(self, self.ask_confirm):
            return None  # the panel password first (ui/guard.py)
        text = tr(C, "Konfirmasi tiket #{no} dari {code} ({name})?\n\nSaldo {code} ditambah {amount} (transfer "
                     "{bank} yang Anda lihat sendiri) dan {code} mendapat SMS bahwa depositnya diterima. Lakukan "
                     "hanya bila uangnya benar-benar sudah masuk ke rekening.").format(
            no=t.id, code=t.reseller_code, name=t.reseller_name, amount=rupiah(t.unique_amount), bank=t.bank)

        def act(_dialog: ConfirmDialog) -> None:
            credit = deposits.confirm_ticket(t.id, self.actor, self.clock())
            self._done(tr(C, "Tiket #{no} dikonfirmasi: saldo {code} sekarang {balance}.").format(
                no=t.id, code=credit.reseller_code, balance=rupiah(credit.balance_after)))

        self.dialog = ConfirmDialog(tr(C, "Konfirmasi manual"), text, act, self,
                                    ok_text=tr(C, "Tambah saldo {amount}").format(amount=rupiah(t.unique_amount)))
        self.dialog.open()
        return self.dialog

    # --- statement lines ------------------------------------------------------------------------
    def _line_text(self, b: BankLineRow) -> str:
        return f"{bank_csv.bank_title(b.bank)} {b.booked_on:%d/%m/%Y} {rupiah(b.amount)} “{b.description[:80]}”"

    def ask_assign(self) -> ConfirmDialog | None:
        b = self.selected_line()
        if b is None or b.status != LineStatus.UNMATCHED.value:
            return None
        if not guard.owner_ok(self, self.ask_assign):
            return None  # the panel password first (ui/guard.py)
        text = tr(C, "Tetapkan mutasi {line} ke reseller di bawah? Saldonya ditambah {amount} dan ia mendapat SMS "
                     "bahwa depositnya diterima.").format(line=self._line_text(b), amount=rupiah(b.amount))

        def act(dialog: ConfirmDialog) -> None:
            reseller_id = dialog.value("reseller")
            if reseller_id is None:
                raise ValueError(tr(C, "Pilih reseller"))
            credit = deposits.assign_line(b.id, int(reseller_id), self.actor, self.clock())
            self._done(tr(C, "Mutasi {amount} ditetapkan ke {code}: saldonya sekarang {balance}.").format(
                amount=rupiah(b.amount), code=credit.reseller_code, balance=rupiah(credit.balance_after)))

        self.dialog = ConfirmDialog(tr(C, "Tetapkan ke reseller"), text, act, self,
                                    ok_text=tr(C, "Tambah saldo {amount}").format(amount=rupiah(b.amount)))
        choices = [(tr(C, "— pilih reseller —"), None)] + [(f"{r.code} · {r.name}", r.id) for r in self.resellers]
        self.dialog.add_choice("reseller", tr(C, "Reseller"), choices)
        if b.hint is not None:
            self.dialog.set_value("reseller", b.hint.reseller_id)
        self.dialog.open()
        return self.dialog

    def ask_ignore(self) -> ConfirmDialog | None:
        b = self.selected_line()
        if b is None:
            return None
        if b.status == LineStatus.IGNORED.value:
            return self.ask_unignore()
        if b.status != LineStatus.UNMATCHED.value:
            return None

        def act(_dialog: ConfirmDialog) -> None:
            deposits.ignore_line(b.id, self.actor, self.clock())
            self._done(tr(C, "Mutasi {amount} diabaikan.").format(amount=rupiah(b.amount)))

        self.dialog = ConfirmDialog(tr(C, "Abaikan mutasi"), tr(C, "Abaikan mutasi {line}? Tidak ada saldo yang "
                                                                   "ditambah. Bisa dibatalkan nanti.").format(
            line=self._line_text(b)), act, self, ok_text=tr(C, "Abaikan"))
        self.dialog.open()
        return self.dialog

    def ask_unignore(self) -> ConfirmDialog | None:
        b = self.selected_line()
        if b is None or b.status != LineStatus.IGNORED.value:
            return None

        def act(_dialog: ConfirmDialog) -> None:
            deposits.unignore_line(b.id, self.actor, self.clock())
            self._done(tr(C, "Mutasi {amount} menunggu lagi.").format(amount=rupiah(b.amount)))

        self.dialog = ConfirmDialog(tr(C, "Batalkan abaikan"), tr(C, "Kembalikan mutasi {line} ke daftar yang "
                                                                     "menunggu?").format(line=self._line_text(b)),
                                    act, self, ok_text=tr(C, "Kembalikan"))
        self.dialog.open()
        return self.dialog

    # --- import ---------------------------------------------------------------------------------
    def start_import(self) -> QFileDialog:
        """The file dialog (opened, not exec'd); choosing a file asks for its bank."""
        dialog = QFileDialog(self, tr(C, "Pilih file mutasi bank"), "",
                             tr(C, "File CSV (*.csv *.txt);;Semua file (*)"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.choose_bank)
        self.file_dialog = dialog
        dialog.open()
        return dialog

    @Slot(str)
    def choose_bank(self, path: str) -> BankChoiceDialog | None:
        if not path:
            return None
        self.dialog = BankChoiceDialog(path, list(self.banks), self, saved=set(self.saved_banks))
        self.dialog.chosen.connect(self._bank_chosen)
        self.dialog.edit.connect(self.open_format)
        self.dialog.forget.connect(self.ask_forget_format)
        self.dialog.open()
        return self.dialog

    @Slot(str, str)
    def _bank_chosen(self, path: str, bank: str) -> None:
        if bank == OTHER:
            self.open_format(path)
        else:
            self.run_import(path, bank)

    def open_format(self, path: str, name: str = "") -> BankFormatDialog:
        self.dialog = BankFormatDialog(path, self.actor, self, name=name, today=self.clock().date())
        self.dialog.saved.connect(self.run_import)
        self.dialog.open()
        return self.dialog

    @Slot(str)
    def ask_forget_format(self, name: str) -> ConfirmDialog:
        builtin = name in bank_csv.PRESETS
        text = (tr(C, "Hapus format tersimpan {bank}? Mutasi {bank} dibaca lagi dengan pembaca bawaan.") if builtin
                else tr(C, "Hapus format tersimpan {bank}? Mutasi {bank} tidak bisa diimpor sampai formatnya dibuat "
                           "lagi.")).format(bank=bank_csv.bank_title(name))

        def act(_dialog: ConfirmDialog) -> None:
            deposits.forget_bank_format(name, actor=self.actor)
            self._done(tr(C, "Format {bank} dihapus.").format(bank=bank_csv.bank_title(name)))

        self.dialog = ConfirmDialog(tr(C, "Hapus format"), text, act, self, destructive=True,
                                    ok_text=tr(C, "Hapus"))
        self.dialog.open()
        return self.dialog

    @Slot(str, str)
    def run_import(self, path: str, bank: str) -> None:
        """Read the file on a background thread, then store and match its lines here, a few at a time
        between paints (every database write lives on this thread); the summary comes in
        `importFinished` and a message box."""
        if self.importing:
            return
        self.importing = True
        self._update_buttons()
        self.message.setText(tr(C, "Mengimpor {name}…").format(name=path.replace("\\", "/").rsplit("/", 1)[-1]))
        self.message.show()
        now = self.clock()

        def job() -> bank_csv.Statement | Exception:
            try:
                return bank_csv.parse_file(path, bank, None, today=now.date())
            except BankCsvError as exc:  # the owner's to fix: no traceback in the log
                return exc

        self._import_token = runner().submit(job)
        self._import_now = now

    @Slot(int, object)
    def _on_import_done(self, token: int, result: object) -> None:
        if token != self._import_token or not self.importing:
            return
        if isinstance(result, bank_csv.Statement):
            try:
                steps = deposits.import_steps(result.lines, result.bank, self.actor, self._import_now)
            except deposits.DepositError as exc:
                return self._import_finished(exc)
            self._import_step(steps, result)
            return
        self._import_finished(result)

    def _import_step(self, steps, statement: bank_csv.Statement) -> None:
        """Some lines, for at most a few milliseconds, then the window's turn again."""
        deadline = time.monotonic() + IMPORT_SLICE_S
        try:
            while time.monotonic() < deadline:
                next(steps)
        except StopIteration as done:
            result: ImportResult = done.value
            result.skipped.extend(statement.skipped)
            result.problems.extend(statement.problems)
            return self._import_finished(result)
        except Exception as exc:  # a database error: shown, the lines done so far stay done
            log.exception("bank statement import failed")
            return self._import_finished(exc)
        QTimer.singleShot(0, lambda: self._import_step(steps, statement))

    def _import_finished(self, result: object) -> None:
        self.importing = False
        self.last_result = result  # type: ignore[assignment]
        self._update_buttons()
        if isinstance(result, Exception):
            text = str(result) if isinstance(result, (BankCsvError, deposits.DepositError)) else repr(result)
            self.message.setText(tr(C, "Impor gagal: {error}").format(error=text))
            self._box(QMessageBox.Icon.Warning, tr(C, "Impor gagal"), tr(C, "Mutasi tidak bisa diimpor:\n{error}")
                      .format(error=text))
        else:
            assert isinstance(result, ImportResult)
            text = self.summary_text(result)
            self.message.setText(text.split("\n", 1)[0])
            self._box(QMessageBox.Icon.Information, tr(C, "Impor selesai"), text)
        self.refresher.request()
        self.importFinished.emit(result)

    def _box(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary_box = box
        box.open()

    @staticmethod
    def summary_text(r: ImportResult) -> str:
        lines = [tr(C, "Mutasi {bank}: {matched} cocok dengan tiket, {waiting} menunggu, {already} sudah pernah "
                       "diimpor.").format(bank=bank_csv.bank_title(r.bank), matched=len(r.matched),
                                          waiting=len(r.waiting), already=len(r.already))]
        if r.matched:
            lines.append(tr(C, "Saldo ditambah: {total}").format(total=rupiah(r.credited_total)))
            lines += [f"  {i.reseller_code} +{group(i.amount)} (" + tr(C, "tiket #{no}").format(no=i.ticket_id) + ")"
                      for i in r.matched[:10]]
        if r.confirmed_before:
            lines.append(tr(C, "{n} untuk tiket yang sudah dikonfirmasi manual (tidak ditambah lagi).").format(
                n=len(r.confirmed_before)))
        if r.waiting:
            lines.append(tr(C, "{n} mutasi menunggu Anda tetapkan ke reseller atau abaikan.").format(n=len(r.waiting)))
        if r.debits:
            lines.append(tr(C, "{n} debet dilewati.").format(n=len(r.debits)))
        if r.skipped:
            lines.append(tr(C, "Dilewati:") + "\n" + "\n".join(f"  {n}" for n in r.skipped[:10]))
        if r.problems:
            lines.append(tr(C, "Baris tidak terbaca:") + "\n" + "\n".join(f"  {n}" for n in r.problems[:10]))
        return "\n".join(lines)


add_english(C, {
    "Deposit": "Deposits", "No": "No", "Reseller": "Reseller", "Jumlah": "Amount", "Transfer tepat": "Exact transfer",
    "Bank": "Bank", "Dibuat": "Made", "Berlaku sampai": "Valid until", "Tanggal": "Date", "Keterangan": "Description",
    "Status": "Status", "Reseller / tiket": "Reseller / ticket", "Oleh": "By", "Menunggu": "Waiting",
    "Cocok tiket": "Matched ticket", "Ditetapkan": "Assigned", "Diabaikan": "Ignored",
    "{code} · tiket #{ticket}": "{code} · ticket #{ticket}", "kedaluwarsa": "expired", "tiket {bank}": "{bank} ticket",
    "mungkin {code} (tiket #{ticket}, {why})": "perhaps {code} (ticket #{ticket}, {why})",
    "Impor mutasi bank…": "Import bank statement…",
    "File CSV mutasi rekening dari internet banking BCA, Mandiri, BRI, BNI atau bank lain":
        "The statement CSV file from the internet banking of BCA, Mandiri, BRI, BNI or another bank",
    "Tiket deposit terbuka": "Open deposit tickets",
    "Belum ada tiket terbuka. Reseller meminta tiket dengan SMS TIKET.BANK.JUMLAH.PIN, mis. TIKET.BCA.500000.1234.":
        "No open tickets. Resellers ask for one by SMS TIKET.BANK.AMOUNT.PIN, e.g. TIKET.BCA.500000.1234.",
    "Konfirmasi manual…": "Confirm by hand…",
    "Anda melihat sendiri transfernya masuk: tambahkan saldo reseller sekarang":
        "You saw the transfer arrive yourself: credit the reseller now",
    "Mutasi bank (kredit)": "Bank statement (credits)", "Tetapkan ke reseller…": "Assign to a reseller…",
    "Abaikan": "Ignore", "Batalkan abaikan": "Undo ignore",
    "Gagal membaca deposit: {error}": "Could not read the deposits: {error}",
    "{tickets} tiket terbuka · {waiting} mutasi menunggu": "{tickets} open tickets · {waiting} lines waiting",
    "Belum ada mutasi. Unduh mutasi rekening (CSV) dari internet banking, lalu klik Impor mutasi bank.":
        "No statement lines yet. Download the account statement (CSV) from internet banking, then click Import bank "
        "statement.",
    "{n} mutasi menunggu: tetapkan ke reseller (saldonya bertambah) atau abaikan.":
        "{n} lines waiting: assign each to a reseller (its balance grows) or ignore it.",
    "Semua mutasi sudah diputuskan.": "Every line has been decided.",
    "Konfirmasi tiket #{no} dari {code} ({name})?\n\nSaldo {code} ditambah {amount} (transfer {bank} yang Anda lihat "
    "sendiri) dan {code} mendapat SMS bahwa depositnya diterima. Lakukan hanya bila uangnya benar-benar sudah masuk ke "
    "rekening.": "Confirm ticket #{no} of {code} ({name})?\n\nThe balance of {code} grows by {amount} (the {bank} "
                 "transfer you saw yourself) and {code} gets an SMS that its deposit arrived. Do this only when the "
                 "money really is in the account.",
    "Tiket #{no} dikonfirmasi: saldo {code} sekarang {balance}.":
        "Ticket #{no} confirmed: the balance of {code} is now {balance}.",
    "Konfirmasi manual": "Confirm by hand", "Tambah saldo {amount}": "Credit {amount}",
    "Tetapkan mutasi {line} ke reseller di bawah? Saldonya ditambah {amount} dan ia mendapat SMS bahwa depositnya "
    "diterima.": "Assign the line {line} to the reseller below? Its balance grows by {amount} and it gets an SMS that "
                 "its deposit arrived.",
    "Pilih reseller": "Choose a reseller",
    "Mutasi {amount} ditetapkan ke {code}: saldonya sekarang {balance}.":
        "Line {amount} assigned to {code}: its balance is now {balance}.",
    "Tetapkan ke reseller": "Assign to a reseller", "— pilih reseller —": "— choose a reseller —",
    "Mutasi {amount} diabaikan.": "Line {amount} ignored.", "Abaikan mutasi": "Ignore line",
    "Abaikan mutasi {line}? Tidak ada saldo yang ditambah. Bisa dibatalkan nanti.":
        "Ignore the line {line}? No balance is credited. This can be undone later.",
    "Mutasi {amount} menunggu lagi.": "Line {amount} is waiting again.",
    "Kembalikan mutasi {line} ke daftar yang menunggu?": "Put the line {line} back among the waiting ones?",
    "Kembalikan": "Put back", "Pilih file mutasi bank": "Choose the bank statement file",
    "File CSV (*.csv *.txt);;Semua file (*)": "CSV files (*.csv *.txt);;All files (*)",
    "Mengimpor {name}…": "Importing {name}…", "Impor gagal: {error}": "Import failed: {error}",
    "Impor gagal": "Import failed",
    "Mutasi tidak bisa diimpor:\n{error}": "The statement could not be imported:\n{error}",
    "Impor selesai": "Import done",
    "Mutasi {bank}: {matched} cocok dengan tiket, {waiting} menunggu, {already} sudah pernah diimpor.":
        "{bank} statement: {matched} matched a ticket, {waiting} waiting, {already} imported before.",
    "Saldo ditambah: {total}": "Credited: {total}", "tiket #{no}": "ticket #{no}",
    "{n} untuk tiket yang sudah dikonfirmasi manual (tidak ditambah lagi).":
        "{n} for tickets already confirmed by hand (not credited again).",
    "{n} mutasi menunggu Anda tetapkan ke reseller atau abaikan.":
        "{n} lines wait for you to assign them to a reseller or ignore them.",
    "{n} debet dilewati.": "{n} debits skipped.",
    "Hapus format tersimpan {bank}? Mutasi {bank} dibaca lagi dengan pembaca bawaan.":
        "Delete the saved format of {bank}? {bank} statements are read with the built-in reader again.",
    "Hapus format tersimpan {bank}? Mutasi {bank} tidak bisa diimpor sampai formatnya dibuat lagi.":
        "Delete the saved format of {bank}? {bank} statements cannot be imported until it is made again.",
    "Format {bank} dihapus.": "Format of {bank} deleted.", "Hapus format": "Delete format", "Hapus": "Delete",
    "Dilewati:": "Skipped:", "Baris tidak terbaca:": "Unreadable lines:",
})
