"""Opening the database: SQLite files (WAL, foreign keys, busy timeout) or a PostgreSQL URL."""
from __future__ import annotations

import logging
import os
from pathlib import Path

import peewee as pw
from playhouse.db_url import connect

from storage.migrations import migrate
from storage.models import database_proxy

log = logging.getLogger(__name__)

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    # NORMAL in WAL mode is durable across application crashes; a power cut can lose only the
    # last transactions before the cut, never corrupt the file.
    "synchronous": "normal",
    "cache_size": -16000,
}


def is_url(target: str) -> bool:
    return "://" in target


def open_database(target: str | os.PathLike[str], *, upgrade: bool = True) -> pw.Database:
    """Open `target` (a file path or a database URL), bind the models to it and migrate it."""
    target = str(target)
    if is_url(target) and not target.startswith("sqlite:"):
        db = connect(target)
    else:
        path = target.removeprefix("sqlite:///") if target.startswith("sqlite:") else target
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = pw.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    database_proxy.initialize(db)
    db.connect(reuse_if_open=True)
    if upgrade:
        migrate(db)
    log.info("database opened: %s", _describe(target))
    return db


def _describe(target: str) -> str:
    if is_url(target) and "@" in target:
        scheme, rest = target.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return target


def close_database() -> None:
    db = database_proxy.obj
    if db is not None and not db.is_closed():
        db.close()
