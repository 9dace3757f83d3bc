"""Small pieces the shop's dialogs share: an error line that makes its dialog grow to show all of it,
a hint line, and the Simpan/Batal buttons."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QWidget

from ui.i18n import add_english, tr

ERROR_STYLE = "color: #d93025;"
HINT_STYLE = "color: #5f6368;"
WARN_STYLE = "color: #b06000;"
C = "ShopForm"


class ErrorLabel(QLabel):
    """Red, word-wrapped, hidden while empty. Setting a long message grows the window to fit it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setStyleSheet(ERROR_STYLE)
        self.setWordWrap(True)
        self.hide()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self.setVisible(bool(text))
        window = self.window()
        if text and window is not None and window is not self:
            layout = window.layout()
            if layout is not None:
                layout.activate()
            hint = window.sizeHint()
            if hint.height() > window.height():
                window.resize(window.width(), hint.height())


def hint_label(text: str = "", style: str = HINT_STYLE) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    return label


def save_cancel(dialog: QDialog) -> QDialogButtonBox:
    """"Simpan" accepts the dialog (its `accept` checks and saves), "Batal" rejects it."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr(C, "Simpan"))
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr(C, "Batal"))
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


add_english(C, {"Simpan": "Save", "Batal": "Cancel"})
