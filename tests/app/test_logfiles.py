"""The log rotates by size and by age (no wall clock: the handler's clock and the files' times are set)."""
from __future__ import annotations

import logging
import os

from app.logfiles import LogFileHandler

DAY = 86400.0
NOW = 1_800_000_000.0


def _record(text: str) -> logging.LogRecord:
    return logging.LogRecord("pulsa", logging.INFO, __file__, 1, text, None, None)


def test_rotated_logs_older_than_the_age_are_deleted_daily(tmp_path):
    log = tmp_path / "pulsa.log"
    for n, age_days in ((1, 2), (2, 31), (3, 40)):
        old = tmp_path / f"pulsa.log.{n}"
        old.write_text("old\n")
        os.utime(old, (NOW - age_days * DAY, NOW - age_days * DAY))
    now = [NOW]
    handler = LogFileHandler(log, max_age_days=30, clock=lambda: now[0])
    try:
        assert sorted(p.name for p in tmp_path.iterdir()) == ["pulsa.log", "pulsa.log.1"]  # at start
        os.utime(tmp_path / "pulsa.log.1", (NOW - 31 * DAY, NOW - 31 * DAY))
        now[0] = NOW + 12 * 3600  # too old now, but the age is checked once a day only
        handler.emit(_record("a"))
        assert (tmp_path / "pulsa.log.1").exists()
        now[0] = NOW + DAY
        handler.emit(_record("b"))
        assert not (tmp_path / "pulsa.log.1").exists()
        assert "b" in (tmp_path / "pulsa.log").read_text()
    finally:
        handler.close()


def test_rotates_by_size_into_owner_only_files(tmp_path):
    handler = LogFileHandler(tmp_path / "pulsa.log", max_bytes=200, backup_count=2, clock=lambda: NOW)
    try:
        for i in range(30):
            handler.emit(_record(f"line {i} " + "x" * 40))
    finally:
        handler.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["pulsa.log", "pulsa.log.1", "pulsa.log.2"]
    if os.name == "posix":
        assert all((tmp_path / n).stat().st_mode & 0o777 == 0o600 for n in names)
