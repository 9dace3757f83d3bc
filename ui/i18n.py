"""What the shop owner reads: Indonesian by default, English from the settings.

Strings are written in Indonesian in the code, with a context (the screen they belong to):
`tr("Transaksi", "Status")`. English lives in ENGLISH[(context, text)]; a missing entry falls back
to the Indonesian text, so nothing is ever blank.
"""
from __future__ import annotations

_language = "id"

ENGLISH: dict[tuple[str, str], str] = {}


def set_language(lang: str) -> None:
    global _language
    _language = lang if lang in ("id", "en") else "id"
    from ui.qt_words import use_language  # Qt's own words (buttons, menus, file dialog) follow

    use_language(_language)


def language() -> str:
    return _language


def tr(context: str, text: str) -> str:
    if _language == "en":
        return ENGLISH.get((context, text), text)
    return text


def add_english(context: str, pairs: dict[str, str]) -> None:
    """Register English for one screen: {indonesian: english}."""
    for indonesian, english in pairs.items():
        ENGLISH[(context, indonesian)] = english
