"""Online backup of a SQLite database while the server keeps running."""
from __future__ import annotations

import datetime as _dt
import sqlite3
from pathlib import Path

import peewee as pw


def backup_sqlite(db: pw.SqliteDatabase, dest: str | Path) -> Path:
    """Copy the live database to `dest` with SQLite's online backup API (consistent snapshot)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
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
