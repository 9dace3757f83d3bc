"""Reply texts: editable templates with `{placeholders}`, Indonesian by default, English available.

Defaults live in resources/templates/<lang>.json; the shop owner's edits are stored as settings
`template.<lang>.<name>` and win over the defaults.
"""
from __future__ import annotations

import logging
import string
from typing import Any

from app import settings
from app.money import group
from app.resources import load_json

log = logging.getLogger(__name__)
LANGUAGES = ("id", "en")
# placeholders that hold rupiah: an int given for one is written the Indonesian way (10.550)
MONEY_KEYS = frozenset({"harga", "saldo", "saldo_awal", "saldo_proses", "jumlah", "jumlah_unik", "min", "total"})


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Templates:
    def __init__(self) -> None:
        self._defaults = {lang: dict(load_json("templates", f"{lang}.json")) for lang in LANGUAGES}
        self._overrides: dict[str, dict[str, str]] = {}
        self.reload()

    def reload(self) -> None:
        self._overrides = {lang: {} for lang in LANGUAGES}
        for lang in LANGUAGES:
            self._overrides[lang].update(settings.template_overrides(lang))

    def text(self, name: str, lang: str = "id") -> str:
        lang = lang if lang in LANGUAGES else "id"
        return self._overrides[lang].get(name) or self._defaults[lang][name]

    def render(self, name: str, lang: str = "id", **values: Any) -> str:
        template = self.text(name, lang)
        for key in MONEY_KEYS.intersection(values):
            if isinstance(values[key], int) and not isinstance(values[key], bool):
                values[key] = group(values[key])
        try:
            return string.Formatter().vformat(template, (), _Missing(values))
        except (ValueError, IndexError):  # an edited template with a stray brace
            log.warning("template %s/%s is malformed; using the default", lang, name)
            lang = lang if lang in LANGUAGES else "id"
            return string.Formatter().vformat(self._defaults[lang][name], (), _Missing(values))

    def set(self, name: str, lang: str, text: str) -> None:
        self._defaults[lang][name]  # KeyError for an unknown template
        self._overrides[lang][name] = text
        settings.save_template_overrides(lang, self._overrides[lang])

    def names(self, lang: str = "id") -> list[str]:
        return sorted(self._defaults[lang if lang in LANGUAGES else "id"])

    def default_text(self, name: str, lang: str = "id") -> str:
        return self._defaults[lang if lang in LANGUAGES else "id"][name]

    def is_custom(self, name: str, lang: str = "id") -> bool:
        return bool(self._overrides.get(lang, {}).get(name))

    def reset(self, name: str, lang: str) -> None:
        """Back to the default text: the owner's edit is forgotten."""
        self._defaults[lang][name]  # KeyError for an unknown template
        self._overrides[lang].pop(name, None)
        settings.save_template_overrides(lang, self._overrides[lang])
