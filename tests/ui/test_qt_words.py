"""Qt's own words (standard buttons, the text fields' menu) are Indonesian by default, English on request."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from ui.i18n import set_language


def _buttons(box: QMessageBox) -> set[str]:
    return {b.text().replace("&", "") for b in box.buttons()}


def test_standard_buttons_follow_the_language(qapp, qtbot):
    try:
        set_language("id")
        box = QMessageBox(QMessageBox.Icon.Question, "Pulsa", "Lanjut?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
                          | QMessageBox.StandardButton.Cancel)
        qtbot.addWidget(box)
        assert _buttons(box) == {"Ya", "Tidak", "Batal"}
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        qtbot.addWidget(buttons)
        assert buttons.button(QDialogButtonBox.StandardButton.Cancel).text() == "Batal"
        assert QCoreApplication.translate("QLineEdit", "&Copy") == "&Salin"
        # words it has no Indonesian for stay as Qt writes them, never blank
        assert QCoreApplication.translate("QShortcut", "F1") == "F1"
        set_language("en")
        english = QMessageBox(QMessageBox.Icon.Question, "Pulsa", "Go on?",
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        qtbot.addWidget(english)
        assert _buttons(english) == {"Yes", "No"}
        assert QCoreApplication.translate("QLineEdit", "&Copy") == "&Copy"
    finally:
        set_language("id")
