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


def backup_file(source: str | Path, dest: str | Path) -> Path:
    """Copy the database file `source` to `dest` on a connection of its own (any thread): one step of the
    backup API inside one read transaction, so the copy is the database as one moment saw it while the
    server goes on writing (WAL: writers are not blocked). The copy is written owner-only, in rollback
    journal mode (a single file), under a temporary name first."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
    tmp.unlink(missing_ok=True)
    create_owner_only(tmp)
    src = sqlite3.connect(f"file:{Path(source)}?mode=ro", uri=True, timeout=30)
    try:
        target = sqlite3.connect(tmp)
        try:
            src.backup(target, pages=-1)
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    tmp.replace(dest)
    return dest


def take_over(path: str | Path, timeout: float = 0.5) -> None:
    """Make sure no other program has the SQLite database `path` open, and leave it as one file: switching
    it out of WAL mode needs every other connection gone, and copies the WAL into the file. Raises
    sqlite3.OperationalError ("database is locked") while another program holds it."""
    con = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
    try:
        mode = con.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        if str(mode).lower() != "delete":
            raise sqlite3.OperationalError("database is locked")
    finally:
        con.close()
