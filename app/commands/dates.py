"""Dates written by resellers in recap, ledger and status commands (commands.md 3.5)."""
from __future__ import annotations

import datetime as _dt
import re

_SEP_DATE = re.compile(r"^(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2}|\d{4}))?$", re.ASCII)


def is_date_token(token: str) -> bool:
    return resolve(token, _dt.date(2024, 1, 31)) is not None or _plausible(token)


def _plausible(token: str) -> bool:
    # Shape check independent of "today" (e.g. 31 is valid in some months only).
    return bool(re.match(r"^\d{1,2}$|^\d{4}$|^\d{6}$|^\d{8}$", token, re.ASCII) or _SEP_DATE.match(token))


def resolve(token: str, today: _dt.date) -> _dt.date | None:
    """'' -> today, '1' -> yesterday, '31' -> the 31st, '3112', '311208', '31/12/2008' …"""
    token = token.strip()
    try:
        if token == "":
            return today
        if re.fullmatch(r"\d", token, re.ASCII):
            return today - _dt.timedelta(days=int(token))
        if re.fullmatch(r"\d{2}", token, re.ASCII):
            day = int(token)
            month, year = today.month, today.year
            if day > today.day:
                month, year = (12, year - 1) if month == 1 else (month - 1, year)
            return _dt.date(year, month, day)
        if re.fullmatch(r"\d{4}", token, re.ASCII):
            return _with_year(int(token[:2]), int(token[2:]), None, today)
        if re.fullmatch(r"\d{6}", token, re.ASCII):
            return _dt.date(2000 + int(token[4:]), int(token[2:4]), int(token[:2]))
        if re.fullmatch(r"\d{8}", token, re.ASCII):
            return _dt.date(int(token[4:]), int(token[2:4]), int(token[:2]))
        m = _SEP_DATE.match(token)
        if m:
            year = m.group(3)
            if year is None:
                return _with_year(int(m.group(1)), int(m.group(2)), None, today)
            y = int(year)
            return _dt.date(y + 2000 if y < 100 else y, int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None
    return None


def _with_year(day: int, month: int, year: int | None, today: _dt.date) -> _dt.date:
    candidate = _dt.date(year or today.year, month, day)
    if candidate > today:
        candidate = _dt.date(candidate.year - 1, month, day)
    return candidate
