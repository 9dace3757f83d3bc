"""A confirmation dialog with optional inputs (an SN, a reason, a route), opened with `open()`.

The caller passes what to do on OK; `accept()` runs it, so a test answers the dialog by calling
`dialog.accept()` after filling the fields. An error from the action is shown in the dialog, which
then stays open.
"""
from __future__ import annotations

import logging
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)

from ui.i18n import add_english, tr

log = logging.getLogger(__name__)
C = "Konfirmasi"


class ConfirmDialog(QDialog):
    def __init__(self, title: str, text: str, action: Callable[["ConfirmDialog"], None], parent: QWidget | None = None,
                 *, ok_text: str | None = None, destructive: bool = False):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(420)
        self._action = action
        self.fields: dict[str, QLineEdit | QComboBox] = {}
        self._required: set[str] = set()
        layout = QVBoxLayout(self)
        message = QLabel(text)
        message.setWordWrap(True)
        layout.addWidget(message)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.error = QLabel()
        self.error.setStyleSheet("color: #d93025;")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(ok_text or tr(C, "Ya, lanjutkan"))
        if destructive:
            ok.setStyleSheet("color: #d93025; font-weight: bold;")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr(C, "Batal"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def add_text(self, key: str, label: str, value: str = "", *, required: bool = False,
                 placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(value)
        edit.setPlaceholderText(placeholder)
        self.form.addRow(label, edit)
        self.fields[key] = edit
        if required:
            self._required.add(key)
        return edit

    def add_choice(self, key: str, label: str, choices: list[tuple[str, object]]) -> QComboBox:
        combo = QComboBox()
        for text, data in choices:
            combo.addItem(text, data)
        self.form.addRow(label, combo)
        self.fields[key] = combo
        return combo

    def value(self, key: str):
        widget = self.fields[key]
        if isinstance(widget, QComboBox):
            return widget.currentData()
        return widget.text().strip()

    def set_value(self, key: str, value) -> None:
        widget = self.fields[key]
        if isinstance(widget, QComboBox):
            index = widget.findData(value)
            widget.setCurrentIndex(max(index, 0))
        else:
            widget.setText(str(value))

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        # grow to the wrapped text: the layout alone keeps the old height and clips the message
        self.resize(self.width(), max(self.height(), self.heightForWidth(self.width()), self.sizeHint().height()))

    def accept(self) -> None:
        missing = [k for k in self._required if not self.value(k)]
        if missing:
            self.show_error(tr(C, "Isian wajib diisi."))
            self.fields[missing[0]].setFocus(Qt.FocusReason.OtherFocusReason)
            return
        try:
            self._action(self)
        except Exception as exc:
            log.warning("%s failed: %s", self.windowTitle(), exc)
            self.show_error(tr(C, "Gagal: {error}").format(error=exc))
            return
        super().accept()


add_english(C, {
    "Ya, lanjutkan": "Yes, go ahead",
    "Batal": "Cancel",
    "Isian wajib diisi.": "Please fill in the required field.",
    "Gagal: {error}": "Failed: {error}",
})
