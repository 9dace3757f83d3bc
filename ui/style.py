"""Colours, badges and the application icon (drawn in code, so no image files are needed)."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

# modem and order states → (background, text) colours of their badge
STATE_COLOURS: dict[str, tuple[str, str]] = {
    "online": ("#1e8e3e", "#ffffff"),
    "busy": ("#f9ab00", "#202124"),
    "connecting": ("#9aa0a6", "#ffffff"),
    "offline": ("#5f6368", "#ffffff"),
    "stopped": ("#5f6368", "#ffffff"),
    "error": ("#d93025", "#ffffff"),
    "sim_error": ("#d93025", "#ffffff"),
    "needs_attention": ("#d93025", "#ffffff"),
    "queued": ("#1a73e8", "#ffffff"),
    "sending": ("#f9ab00", "#202124"),
    "suspect": ("#e8710a", "#ffffff"),
    "success": ("#1e8e3e", "#ffffff"),
    "failed": ("#d93025", "#ffffff"),
}
LOW_STOCK_BG = QColor("#fce8e6")
LOW_STOCK_FG = QColor("#a50e0e")
MUTED_FG = QColor("#5f6368")


def state_colours(state: str) -> tuple[QColor, QColor]:
    bg, fg = STATE_COLOURS.get(state, ("#9aa0a6", "#ffffff"))
    return QColor(bg), QColor(fg)


def app_icon(size: int = 64) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor("#1a73e8"))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRoundedRect(QRectF(2, 2, size - 4, size - 4), size * 0.2, size * 0.2)
    p.setPen(QColor("#ffffff"))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(int(size * 0.6))
    p.setFont(font)
    p.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, "P")
    p.end()
    return QIcon(pix)
