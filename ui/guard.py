"""The panel password (app/setup.py): asked at start and before money actions (deposit, correction,
confirming a deposit, retry, force success, fail and refund) when the owner has set one. A right
entry is remembered for a few minutes, so a run of actions asks once.

    if not guard.owner_ok(self, lambda: self.open_money(kind)):
        return None   # the password dialog is open; on the right password `open_money` runs again

`owner_ok` never blocks: it opens the password dialog with `open()` (never `exec()`), and the action
asks again once the password was right.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from app import setup
from ui.dialogs.shop_form import ErrorLabel
from ui.i18n import add_english, tr

log = logging.getLogger(__name__)
C = "Kata sandi"
REMEMBER_S = 5 * 60.0

_unlocked_until = 0.0
pending: "PasswordDialog | None" = None  # the one open now (tests answer it)


def remember(seconds: float = REMEMBER_S) -> None:
    global _unlocked_until
    _unlocked_until = time.monotonic() + seconds


def forget() -> None:
    global _unlocked_until
    _unlocked_until = 0.0


def owner_unlocked() -> bool:
    """No password set, or the right one entered in the last few minutes."""
    if time.monotonic() < _unlocked_until:
        return True
    try:
        return not setup.has_panel_password()
    except Exception:  # no database (closing): refuse rather than let money move
        log.exception("cannot read the panel password setting")
        return False


class PasswordDialog(QDialog):
    """Asks the panel password; stays open on a wrong one. `accepted` only after the right one."""

    def __init__(self, text: str, parent: QWidget | None = None, *, title: str | None = None):
        super().__init__(parent)
        self.setWindowTitle(title or tr(C, "Kata sandi panel"))
        self.setModal(True)
        self.setMinimumWidth(360)
        layout = QVBoxLayout(self)
        message = QLabel(text)
        message.setWordWrap(True)
        layout.addWidget(message)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(tr(C, "kata sandi"))
        layout.addWidget(self.password)
        self.error = ErrorLabel(self)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr(C, "Masuk"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr(C, "Batal"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.failures = 0

    def accept(self) -> None:
        if not setup.check_panel_password(self.password.text()):
            self.failures += 1
            self.password.clear()
            self.error.setText(tr(C, "Kata sandi salah."))
            return
        remember()
        super().accept()


def owner_ok(parent: QWidget | None, again: Callable[[], object]) -> bool:
    """True: go ahead now. False: the password dialog is open; `again()` runs after the right password."""
    global pending
    if owner_unlocked():
        return True
    if pending is not None and pending.isVisible():
        pending.raise_()
        return False
    dialog = PasswordDialog(tr(C, "Tindakan ini memindahkan uang. Masukkan kata sandi panel."), parent)
    pending = dialog

    def done(result: int) -> None:
        global pending
        if pending is dialog:
            pending = None
        dialog.deleteLater()
        if result == QDialog.DialogCode.Accepted.value:
            again()

    dialog.finished.connect(done)
    dialog.open()
    return False


async def ask_at_start() -> bool:
    """At start, when a password is set: True after the right one, False when the owner cancels."""
    global pending
    if owner_unlocked():
        return True
    dialog = PasswordDialog(tr(C, "Masukkan kata sandi panel untuk membuka Pulsa."), None,
                            title=tr(C, "Pulsa — masuk"))
    pending = dialog
    done = asyncio.get_running_loop().create_future()
    dialog.finished.connect(lambda result: done.done() or done.set_result(result))
    dialog.open()
    result = await done
    pending = None
    dialog.deleteLater()
    return result == QDialog.DialogCode.Accepted.value


add_english(C, {
    "Kata sandi panel": "Panel password",
    "kata sandi": "password",
    "Masuk": "Log in",
    "Batal": "Cancel",
    "Kata sandi salah.": "Wrong password.",
    "Tindakan ini memindahkan uang. Masukkan kata sandi panel.":
        "This action moves money. Enter the panel password.",
    "Masukkan kata sandi panel untuk membuka Pulsa.": "Enter the panel password to open Pulsa.",
    "Pulsa — masuk": "Pulsa — log in",
})
