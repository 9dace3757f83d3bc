"""Online backup of a SQLite database while the server keeps running."""
from __future__ import annotations

import datetime as _dt
import sqlite3
from pathlib import Path

import peewee as pw

from storage.private_files import create_owner_only


def backup_sqlite(db: pw.SqliteDatabase, dest: str | Path) -> Path:
    """Copy the live database to `dest` with SQLite's online backup API (consistent snapshot). The copy
    is readable by the owner only, like the database itself."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
    tmp.unlink(missing_ok=True)  # a half-written copy from an interrupted run, perhaps not owner-only
    create_owner_only(tmp)
    target = sqlite3.connect(tmp)
    try:
        db.connection().backup(target, pages=1024)
    finally:
        target.close()
    tmp.replace(dest)
    return dest


def backup_name(folder: str | Path, when: _dt.datetime | None = None) -> Path:
    when = when or _dt.datetime.now()
    return Path(folder) / f"pulsa-{when:%Y%m%d-%H%M%S}.db"
