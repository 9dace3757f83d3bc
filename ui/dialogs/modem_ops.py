"""Talking to one modem by hand: a USSD code, an SMS, a live AT console.

Every operation goes to the modem's worker (`link.run(op)`), never to the port; USSD waits for the
chip's USSD lock so it cannot cut into a top-up session.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from shiboken6 import isValid

from modems.types import RawAt, RawAtResult, SendSms, SmsSendResult, Ussd, UssdResult
from ui.context import UiContext
from ui.i18n import add_english, tr
from ui.tasks import outcome, spawn

log = logging.getLogger(__name__)
C = "Modem"


def _mono() -> QFont:
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.TypeWriter)
    return font


class _ModemDialog(QDialog):
    """Answers arrive after the operation; a dialog closed meanwhile ignores them (`alive`)."""

    def __init__(self, ctx: UiContext, modem: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.modem = modem
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.busy = False

    @property
    def alive(self) -> bool:
        return isValid(self) and self.isVisible()

    @property
    def link(self):
        return self.ctx.engine.links.get(self.modem)


class UssdDialog(_ModemDialog):
    """Dial a USSD code (with menu answers) and read the network's answer."""

    def __init__(self, ctx: UiContext, modem: str, parent: QWidget | None = None):
        super().__init__(ctx, modem, parent)
        self.setWindowTitle(tr(C, "USSD — {modem}").format(modem=modem))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.code = QLineEdit()
        self.code.setPlaceholderText("*776*{pin}#")
        self.code.setToolTip(tr(C, "{pin} diganti PIN chip yang tersimpan (tidak ditampilkan)."))
        self.replies = QLineEdit()
        self.replies.setPlaceholderText(tr(C, "mis. 1,2 (kosongkan bila tidak ada menu)"))
        form.addRow(tr(C, "Kode USSD"), self.code)
        form.addRow(tr(C, "Jawaban menu"), self.replies)
        layout.addLayout(form)
        self.answer = QPlainTextEdit()
        self.answer.setReadOnly(True)
        self.answer.setPlaceholderText(tr(C, "Jawaban operator tampil di sini."))
        layout.addWidget(self.answer, 1)
        buttons = QDialogButtonBox()
        self.send_button = buttons.addButton(tr(C, "Kirim"), QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(tr(C, "Tutup"), QDialogButtonBox.ButtonRole.RejectRole)
        self.send_button.clicked.connect(self.send)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.code.returnPressed.connect(self.send)

    def send(self) -> None:
        code = self.code.text().strip()
        link = self.link
        if not code or link is None or self.busy:
            return
        replies = tuple(r.strip() for r in self.replies.text().split(",") if r.strip())
        pin = next((s.pin for s in self.ctx.engine.suppliers.values() if s.link is link and s.pin), "")
        code = code.replace("{pin}", pin)
        replies = tuple(r.replace("{pin}", pin) for r in replies)
        secrets = (pin,) if pin else ()
        self.busy = True
        self.send_button.setEnabled(False)
        shown = code.replace(pin, "*" * len(pin)) if pin else code
        self.answer.setPlainText(tr(C, "Mengirim {code} …").format(code=shown))

        async def run() -> UssdResult:
            async with link.ussd_lock:
                return await link.run(Ussd(code, replies=replies, secrets=secrets, timeout=30))

        spawn(run(), self._done)

    def _done(self, task) -> None:
        self.busy = False
        if not self.alive:
            return
        self.send_button.setEnabled(True)
        result, error = outcome(task)
        if error is not None:
            self.answer.setPlainText(tr(C, "Gagal: {error}").format(error=error))
            return
        head = {"done": tr(C, "Selesai"), "menu": tr(C, "Menu"), "failed": tr(C, "Ditolak jaringan"),
                "unknown": tr(C, "Tidak pasti")}.get(result.outcome.value, result.outcome.value)
        self.answer.setPlainText(f"[{head}]\n{result.text or result.error or ''}")


class SmsDialog(_ModemDialog):
    def __init__(self, ctx: UiContext, modem: str, parent: QWidget | None = None):
        super().__init__(ctx, modem, parent)
        self.setWindowTitle(tr(C, "Kirim SMS — {modem}").format(modem=modem))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.to = QLineEdit()
        self.to.setPlaceholderText("0812…")
        self.text = QPlainTextEdit()
        self.text.setMinimumHeight(80)
        self.counter = QLabel()
        self.text.textChanged.connect(self._count)
        form.addRow(tr(C, "Nomor tujuan"), self.to)
        form.addRow(tr(C, "Pesan"), self.text)
        form.addRow("", self.counter)
        layout.addLayout(form)
        self.result = QLabel()
        self.result.setWordWrap(True)
        layout.addWidget(self.result)
        buttons = QDialogButtonBox()
        self.send_button = buttons.addButton(tr(C, "Kirim"), QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(tr(C, "Tutup"), QDialogButtonBox.ButtonRole.RejectRole)
        self.send_button.clicked.connect(self.send)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._count()

    def _count(self) -> None:
        n = len(self.text.toPlainText())
        parts = 1 if n <= 160 else -(-n // 153)
        self.counter.setText(tr(C, "{n} karakter, {parts} SMS").format(n=n, parts=parts))

    def send(self) -> None:
        to, text, link = self.to.text().strip(), self.text.toPlainText(), self.link
        if not to or not text or link is None or self.busy:
            self.result.setText(tr(C, "Isi nomor tujuan dan pesan."))
            return
        self.busy = True
        self.send_button.setEnabled(False)
        self.result.setText(tr(C, "Mengirim …"))
        spawn(link.run(SendSms(to, text)), self._done)

    def _done(self, task) -> None:
        self.busy = False
        if not self.alive:
            return
        self.send_button.setEnabled(True)
        result, error = outcome(task)
        if error is not None:
            self.result.setText(tr(C, "Gagal: {error}").format(error=error))
        elif isinstance(result, SmsSendResult) and result.ok:
            self.result.setText(tr(C, "Terkirim ({parts} bagian).").format(parts=len(result.parts)))
        else:
            errors = ", ".join(p.error or "?" for p in getattr(result, "parts", ()) if p.mr is None)
            self.result.setText(tr(C, "Gagal: {error}").format(error=errors or result))


class _CommandLine(QLineEdit):
    """A line with history on Up/Down."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.history: list[str] = []
        self._pos = 0

    def remember(self, command: str) -> None:
        if command and (not self.history or self.history[-1] != command):
            self.history.append(command)
        self._pos = len(self.history)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Up and self.history:
            self._pos = max(0, self._pos - 1)
            self.setText(self.history[self._pos])
        elif event.key() == Qt.Key.Key_Down and self.history:
            self._pos = min(len(self.history), self._pos + 1)
            self.setText(self.history[self._pos] if self._pos < len(self.history) else "")
        else:
            super().keyPressEvent(event)


class AtConsoleDialog(_ModemDialog):
    """Type AT commands; each runs as a `RawAt` op between the engine's own operations."""

    def __init__(self, ctx: UiContext, modem: str, parent: QWidget | None = None):
        super().__init__(ctx, modem, parent)
        self.setWindowTitle(tr(C, "Konsol AT — {modem}").format(modem=modem))
        self.setModal(False)
        self.resize(640, 420)
        layout = QVBoxLayout(self)
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setFont(_mono())
        self.output.setMaximumBlockCount(2000)
        layout.addWidget(self.output, 1)
        row = QHBoxLayout()
        self.command = _CommandLine()
        self.command.setFont(_mono())
        self.command.setPlaceholderText("AT+CSQ")
        self.command.returnPressed.connect(self.send)
        self.send_button = QPushButton(tr(C, "Kirim"))
        self.send_button.clicked.connect(self.send)
        row.addWidget(self.command, 1)
        row.addWidget(self.send_button)
        layout.addLayout(row)
        note = QLabel(tr(C, "Perintah dijalankan di sela pekerjaan modem. Hati-hati: perintah seperti AT+CFUN "
                            "atau AT+CMGD mengubah modem."))
        note.setWordWrap(True)
        note.setStyleSheet("color: #5f6368;")
        layout.addWidget(note)
        self.output.appendPlainText(tr(C, "Konsol {modem}. Ketik perintah AT lalu Enter.").format(modem=modem))

    def send(self, command: str | None = None) -> None:
        command = (command if isinstance(command, str) else self.command.text()).strip()
        link = self.link
        if not command or link is None:
            return
        self.command.remember(command)
        self.command.clear()
        self.output.appendPlainText(f"{self.ctx.engine.clock():%H:%M:%S} > {command}")
        self.ctx.bridge.when_done(link.handle.submit(RawAt(command, timeout=10)), self._done)

    def _done(self, fut) -> None:
        if not self.alive:
            return
        try:
            result: RawAtResult = fut.result()
        except Exception as exc:
            self.output.appendPlainText(f"! {exc}")
            return
        for line in result.lines:
            self.output.appendPlainText(f"  {line}")
        self.output.appendPlainText(f"  {result.final}")


add_english(C, {
    "USSD — {modem}": "USSD — {modem}",
    "mis. 1,2 (kosongkan bila tidak ada menu)": "e.g. 1,2 (leave empty when there is no menu)",
    "Kode USSD": "USSD code",
    "{pin} diganti PIN chip yang tersimpan (tidak ditampilkan).":
        "{pin} is replaced by the stored chip PIN (never shown).",
    "Jawaban menu": "Menu answers",
    "Jawaban operator tampil di sini.": "The operator's answer shows here.",
    "Kirim": "Send",
    "Tutup": "Close",
    "Mengirim {code} …": "Sending {code} …",
    "Gagal: {error}": "Failed: {error}",
    "Selesai": "Done",
    "Menu": "Menu",
    "Ditolak jaringan": "Refused by the network",
    "Tidak pasti": "Unknown",
    "Kirim SMS — {modem}": "Send SMS — {modem}",
    "Nomor tujuan": "To number",
    "Pesan": "Message",
    "{n} karakter, {parts} SMS": "{n} characters, {parts} SMS",
    "Isi nomor tujuan dan pesan.": "Fill in the number and the message.",
    "Mengirim …": "Sending …",
    "Terkirim ({parts} bagian).": "Sent ({parts} parts).",
    "Konsol AT — {modem}": "AT console — {modem}",
    "Perintah dijalankan di sela pekerjaan modem. Hati-hati: perintah seperti AT+CFUN atau AT+CMGD mengubah modem.":
        "Commands run between the modem's own work. Careful: commands such as AT+CFUN or AT+CMGD change the modem.",
    "Konsol {modem}. Ketik perintah AT lalu Enter.": "Console {modem}. Type an AT command and press Enter.",
})
