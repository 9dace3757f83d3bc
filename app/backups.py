"""Backups of the shop's SQLite database: taken while the server runs, kept N deep, checked, restored.

    take(db_file, now)                 -> Backup  (<folder of db>/backups/pulsa-YYYYMMDD-HHMMSS.db, owner-only)
    list_backups(folder)               -> [Backup] newest first (time and size)
    prune(folder, keep)                -> the files deleted (the oldest beyond `keep`)
    verify(path)                       -> Check   (integrity_check, schema version, made with this key file)
    restore(backup, db_file, now)      -> Path    (the replaced database, kept as pulsa.db.replaced-…)

The key file (pulsa.key) is never copied into a backup: the owner keeps it apart (docs/security.md).
On PostgreSQL the backups are the database administrator's (pg_dump): `database_file()` is None there.
File work only, no Qt; the window runs these on a worker thread.
"""
from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import peewee as pw

from storage.backup import backup_file, take_over
from storage.db import SQLITE_COMPANIONS
from storage.models import database_proxy
from storage.private_files import create_owner_only, owner_only

log = logging.getLogger(__name__)

FOLDER_NAME = "backups"
_NAME = re.compile(r"^pulsa-(\d{8}-\d{6})(?:-(\d+))?\.db$")
POSTGRES_NOTE = ("Database ini PostgreSQL: cadangannya urusan pengelola database (pg_dump), "
                 "bukan Pulsa.")


class BackupError(RuntimeError):
    """A backup or a restore that cannot be done; the message is for the owner (Indonesian)."""


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: _dt.datetime
    size: int


@dataclass
class Check:
    """What `verify` found. `ok` only when every check passed."""
    path: Path
    ok: bool = False
    schema_version: int = 0
    problems: list[str] = field(default_factory=list)
    key_matches: bool | None = None  # None: the backup was never opened with a key file

    def summary(self) -> str:
        if self.ok:
            return f"utuh (integrity_check ok, skema versi {self.schema_version}, cocok dengan file kunci)"
        return "; ".join(self.problems) or "tidak bisa diperiksa"


# --- where ---------------------------------------------------------------------------------------

def database_file() -> Path | None:
    """The SQLite file the models are bound to; None for PostgreSQL or an in-memory database."""
    db = database_proxy.obj
    if isinstance(db, pw.SqliteDatabase) and db.database not in ("", ":memory:"):
        return Path(db.database)
    return None


def folder_for(db_file: str | os.PathLike[str]) -> Path:
    """Backups of a database live in `backups/` beside it (the data folder for the usual pulsa.db)."""
    return Path(db_file).parent / FOLDER_NAME


# --- taking, listing, pruning --------------------------------------------------------------------

def take(db_file: str | os.PathLike[str], now: _dt.datetime, folder: str | os.PathLike[str] | None = None) -> Backup:
    """An online backup of the live database (SQLite's backup API, one consistent moment), owner-only."""
    db_file = Path(db_file)
    if not db_file.exists():
        raise BackupError(f"database {db_file} tidak ada")
    folder = Path(folder) if folder is not None else folder_for(db_file)
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"pulsa-{now:%Y%m%d-%H%M%S}.db"
    n = 1
    while dest.exists():  # two in the same second
        n += 1
        dest = folder / f"pulsa-{now:%Y%m%d-%H%M%S}-{n}.db"
    try:
        backup_file(db_file, dest)
    except sqlite3.Error as exc:
        raise BackupError(f"pencadangan gagal: {exc}") from exc
    owner_only(dest)
    info = Backup(dest, now, dest.stat().st_size)
    log.info("backup written: %s (%d bytes)", dest, info.size)
    return info


def list_backups(folder: str | os.PathLike[str]) -> list[Backup]:
    """The backups in `folder`, newest first; the time is the one in the name (when it was taken)."""
    found: list[Backup] = []
    folder = Path(folder)
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        m = _NAME.match(path.name)
        if not m or not path.is_file():
            continue
        try:
            taken = _dt.datetime.strptime(m.group(1), "%Y%m%d-%H%M%S")
            size = path.stat().st_size
        except (ValueError, OSError):
            continue
        found.append(Backup(path, taken, size))
    found.sort(key=lambda b: (b.taken_at, int(_NAME.match(b.path.name).group(2) or 1)), reverse=True)
    return found


def prune(folder: str | os.PathLike[str], keep: int) -> list[Path]:
    """Delete all but the newest `keep` (at least one is always kept)."""
    removed = []
    for old in list_backups(folder)[max(1, keep):]:
        try:
            old.path.unlink()
            removed.append(old.path)
        except OSError as exc:
            log.warning("old backup %s not deleted: %s", old.path, exc)
    if removed:
        log.info("%d old backup(s) deleted", len(removed))
    return removed


def latest(folder: str | os.PathLike[str]) -> Backup | None:
    found = list_backups(folder)
    return found[0] if found else None


def due(folder: str | os.PathLike[str], now: _dt.datetime, interval_hours: float) -> bool:
    """Whether a scheduled backup is due: none yet, or the newest is older than the interval."""
    if interval_hours <= 0:
        return False
    last = latest(folder)
    return last is None or now - last.taken_at >= _dt.timedelta(hours=interval_hours)


def run_scheduled(db_file: str | os.PathLike[str], now: _dt.datetime, keep: int) -> Backup:
    """A backup, then the oldest beyond `keep` deleted."""
    info = take(db_file, now)
    prune(info.path.parent, keep)
    return info


# --- checking -----------------------------------------------------------------------------------

def verify(path: str | os.PathLike[str]) -> Check:
    """Is this a whole Pulsa database this program can use with the key file in use? Reads only."""
    from app.at_rest import expected_key_check
    from storage.migrations import LATEST

    path = Path(path)
    check = Check(path)
    try:
        with open(path, "rb") as f:
            header = f.read(16)
    except OSError as exc:
        check.problems.append(f"file tidak bisa dibaca: {exc}")
        return check
    if header != b"SQLite format 3\x00":
        check.problems.append("bukan file database SQLite")
        return check
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        check.problems.append(f"tidak bisa dibuka: {exc}")
        return check
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
        if rows != ["ok"]:
            check.problems.append("rusak (integrity_check: " + "; ".join(str(r) for r in rows[:3]) + ")")
            return check
        try:
            check.schema_version = int(con.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0)
            stored = con.execute("SELECT value FROM setting WHERE key = 'key_check'").fetchone()
        except sqlite3.Error:
            check.problems.append("bukan database Pulsa (tabel schema_version/setting tidak ada)")
            return check
    except sqlite3.DatabaseError as exc:
        check.problems.append(f"rusak: {exc}")
        return check
    finally:
        con.close()
    if check.schema_version < 1:
        check.problems.append("versi skema tidak ada")
    elif check.schema_version > LATEST:
        check.problems.append(f"dibuat oleh versi Pulsa yang lebih baru (skema {check.schema_version} > {LATEST})")
    if stored is not None:
        import json

        try:
            value = json.loads(stored[0])
        except ValueError:
            value = stored[0]
        check.key_matches = value == expected_key_check()
        if not check.key_matches:
            check.problems.append("dibuat dengan file kunci lain: taruh pulsa.key toko ini di folder data "
                                  "dulu (tanpa kunci yang benar PIN tidak bisa dibaca)")
    check.ok = not check.problems
    return check


# --- restoring ----------------------------------------------------------------------------------

def restore(backup: str | os.PathLike[str], db_file: str | os.PathLike[str], now: _dt.datetime) -> Path | None:
    """Put `backup` in place of the database `db_file`, which no program may have open (the server
    stopped). The backup is verified first; nothing is touched when it fails. The replaced database is
    kept beside it as `pulsa.db.replaced-YYYYMMDD-HHMMSS` (its WAL copied into it first). Returns that
    file (None when there was no database yet)."""
    backup, db_file = Path(backup), Path(db_file)
    check = verify(backup)
    if not check.ok:
        raise BackupError(f"cadangan {backup.name} tidak dipulihkan: {check.summary()}")
    part = db_file.with_name(db_file.name + ".restoring")  # the copy first: a failure leaves the database as it is
    part.unlink(missing_ok=True)
    create_owner_only(part)
    try:
        with open(backup, "rb") as src, open(part, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        replaced: Path | None = None
        if db_file.exists():
            try:
                take_over(db_file)  # refuses while the server (or any program) has it open; empties the WAL
            except sqlite3.OperationalError as exc:
                raise BackupError(f"database {db_file} sedang dipakai program lain (Pulsa masih berjalan?): "
                                  "hentikan server dulu") from exc
            replaced = db_file.with_name(f"{db_file.name}.replaced-{now:%Y%m%d-%H%M%S}")
            os.replace(db_file, replaced)
            owner_only(replaced)
        for suffix in SQLITE_COMPANIONS:  # after take_over none is left; an old one must never meet the backup
            companion = Path(str(db_file) + suffix)
            if companion.exists():
                if replaced is not None and companion.stat().st_size:
                    os.replace(companion, Path(str(replaced) + suffix))
                else:
                    companion.unlink()
        os.replace(part, db_file)
    finally:
        part.unlink(missing_ok=True)
    log.warning("database %s restored from %s; the replaced one is %s", db_file, backup, replaced)
    return replaced


def in_use(db_file: str | os.PathLike[str]) -> bool:
    """Whether another program (a running Pulsa) has the database open."""
    try:
        take_over(db_file)
        return False
    except sqlite3.OperationalError:
        return True


# --- the schedule (a loop of the engine's supervisor) --------------------------------------------

FIRST_CHECK_S = 60.0  # after a start the server settles first; then a backup if the newest is too old
CHECK_EVERY_S = 600.0


class Scheduler:
    """Takes a backup whenever the newest is older than the owner's interval (settings), keeps the
    newest `backup_keep`, and tells the owner when one fails. The file work runs on a thread."""

    def __init__(self, clock: Callable[[], _dt.datetime], alert: Callable[[str], None] | None = None, *,
                 first_check_s: float = FIRST_CHECK_S, check_every_s: float = CHECK_EVERY_S):
        self.clock = clock
        self.alert = alert
        self.first_check_s = first_check_s
        self.check_every_s = check_every_s
        self.listeners: list[Callable[[Backup], None]] = []  # hear every backup taken (on the loop)
        self.running = False  # a backup is being written now
        self._lock: asyncio.Lock | None = None

    async def run(self) -> None:
        """The supervisor's loop: never ends by itself."""
        await asyncio.sleep(self.first_check_s)
        while True:
            try:
                await self.backup_if_due()
            except Exception as exc:
                log.exception("scheduled backup failed")
                if self.alert is not None:
                    self.alert(f"Pencadangan database gagal: {exc}")
            await asyncio.sleep(self.check_every_s)

    async def backup_if_due(self) -> Backup | None:
        from app import settings

        db_file = database_file()
        if db_file is None:
            return None
        if not due(folder_for(db_file), self.clock(), settings.backup_interval_hours()):
            return None
        return await self.backup_now()

    async def backup_now(self) -> Backup:
        """A backup now (the owner's button, or the schedule), then the oldest beyond `backup_keep` deleted."""
        from app import settings

        db_file = database_file()
        if db_file is None:
            raise BackupError(POSTGRES_NOTE)
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            keep = settings.backup_keep()
            self.running = True
            try:
                info = await asyncio.to_thread(run_scheduled, db_file, self.clock(), keep)
            finally:
                self.running = False
        for listener in list(self.listeners):
            try:
                listener(info)
            except Exception:
                log.exception("backup listener failed")
        return info
