"""Reply texts: editable templates with `{placeholders}`, Indonesian by default, English available.

Defaults live in resources/templates/<lang>.json; the shop owner's edits are stored as settings
`template.<lang>.<name>` and win over the defaults.
"""
from __future__ import annotations

import logging
import string
from typing import Any

from app import settings
from app.resources import load_json

log = logging.getLogger(__name__)
LANGUAGES = ("id", "en")


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Templates:
    def __init__(self) -> None:
        self._overrides: dict[str, dict[str, str]] = {}
        self.reload()

    def reload(self) -> None:
        self._overrides = {lang: {} for lang in LANGUAGES}
        for lang in LANGUAGES:
            stored = settings.get(f"templates.{lang}", {}) or {}
            self._overrides[lang].update(stored)

    def text(self, name: str, lang: str = "id") -> str:
        lang = lang if lang in LANGUAGES else "id"
        return self._overrides[lang].get(name) or load_json("templates", f"{lang}.json")[name]

    def render(self, name: str, lang: str = "id", **values: Any) -> str:
        template = self.text(name, lang)
        try:
            return string.Formatter().vformat(template, (), _Missing(values))
        except (ValueError, IndexError):  # an edited template with a stray brace
            log.warning("template %s/%s is malformed; using the default", lang, name)
            return string.Formatter().vformat(load_json("templates", f"{lang}.json")[name], (), _Missing(values))

    def set(self, name: str, lang: str, text: str) -> None:
        load_json("templates", f"{lang}.json")[name]  # KeyError for an unknown template
        self._overrides[lang][name] = text
        settings.put(f"templates.{lang}", self._overrides[lang])
