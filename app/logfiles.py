"""The log files: rotated by size (5 MB, 5 files) and by age (a rotated file older than `max_age_days`
is deleted; checked at start and then once a day, as records are written). Owner-only, like the data."""
from __future__ import annotations

import logging.handlers
import os
import time
from pathlib import Path
from typing import Callable

from storage.private_files import create_owner_only, owner_only, rotate_owner_only

MAX_BYTES = 5_000_000
BACKUP_COUNT = 5
MAX_AGE_DAYS = 30
CHECK_EVERY_S = 24 * 3600


def prune_old_logs(log_file: str | os.PathLike[str], max_age_days: float, now: float) -> list[Path]:
    """Delete the rotated files of `log_file` (pulsa.log.1, pulsa.log.2, …) not written for `max_age_days`."""
    log_file = Path(log_file)
    removed = []
    for old in log_file.parent.glob(log_file.name + ".*"):
        try:
            if now - old.stat().st_mtime > max_age_days * 86400:
                old.unlink()
                removed.append(old)
        except OSError:
            continue
    return removed


class LogFileHandler(logging.handlers.RotatingFileHandler):
    """RotatingFileHandler (by size, owner-only files) that also deletes rotated files past their age."""

    def __init__(self, path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES, backup_count: int = BACKUP_COUNT,
                 max_age_days: float = MAX_AGE_DAYS, clock: Callable[[], float] = time.time):
        path = create_owner_only(path)
        for old in path.parent.glob(path.name + ".*"):
            owner_only(old)
        super().__init__(path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8")
        self.rotator = rotate_owner_only
        self.max_age_days = max_age_days
        self.clock = clock
        self._next_check = 0.0
        self.prune()

    def prune(self) -> list[Path]:
        now = self.clock()
        self._next_check = now + CHECK_EVERY_S
        return prune_old_logs(self.baseFilename, self.max_age_days, now)

    def emit(self, record: logging.LogRecord) -> None:
        if self.clock() >= self._next_check:
            try:
                self.prune()
            except Exception:
                pass  # a log that cannot tidy itself still logs
        super().emit(record)
