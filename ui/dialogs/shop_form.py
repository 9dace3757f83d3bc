"""Small pieces the shop's dialogs share: an error line that makes its dialog grow to show all of it,
and a hint line."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

ERROR_STYLE = "color: #d93025;"
HINT_STYLE = "color: #5f6368;"
WARN_STYLE = "color: #b06000;"


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
