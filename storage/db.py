"""Opening the database: SQLite files (WAL, foreign keys, busy timeout) or a PostgreSQL URL."""
from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from pathlib import Path

import peewee as pw
from playhouse.db_url import connect

from storage.migrations import migrate
from storage.models import database_proxy
from storage.private_files import create_owner_only, owner_only

log = logging.getLogger(__name__)

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    # NORMAL in WAL mode is durable across application crashes; a power cut can lose only the
    # last transactions before the cut, never corrupt the file.
    "synchronous": "normal",
    "cache_size": -16000,
    # The Checkpointer below copies the WAL back into the database file off the engine's thread;
    # this larger automatic threshold is only the safety net should it stop.
    "wal_autocheckpoint": 10000,
    # Overwrite deleted content with zeros, so a secret replaced by its sealed form (or a deleted row)
    # does not linger in the file's free space. Debian's SQLite build does this by default (so the
    # benchmarks in docs/ ran with it); the SQLite inside Python for Windows does not.
    "secure_delete": 1,
}


def is_url(target: str) -> bool:
    return "://" in target


class Checkpointer:
    """Runs SQLite's WAL checkpoint on its own connection and thread, once a second, so the
    thread that writes orders never pauses for it (PASSIVE never blocks writers)."""

    def __init__(self, path: str, interval: float = 1.0):
        self.path = path
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            con = sqlite3.connect(self.path, timeout=5)
        except sqlite3.Error as exc:
            log.warning("checkpoint thread could not open %s: %s", self.path, exc)
            return
        try:
            while not self._stop.wait(self.interval):
                try:
                    con.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error as exc:  # busy or closing: the next round will do it
                    log.debug("checkpoint skipped: %s", exc)
        finally:
            con.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


_checkpointer: Checkpointer | None = None


class _SqliteDatabase(pw.SqliteDatabase):
    """peewee keeps one connection per thread (the window's query threads have their own) and `close()`
    closes only the calling thread's. This one remembers them all, so `close_database` lets go of the
    file entirely (a restore replaces it; Windows cannot replace an open file)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._every_connection: list[sqlite3.Connection] = []
        self._every_lock = threading.Lock()

    def _connect(self):
        conn = super()._connect()
        with self._every_lock:  # a thread that closes and opens again leaves no closed ones piling up
            self._every_connection = [c for c in self._every_connection if _is_open(c)] + [conn]
        return conn

    def close_every_connection(self) -> None:
        if not self.is_closed():
            self.close()
        # Python's sqlite3 frees a connection's statements on close: closing one while another thread is
        # inside a query on it crashes the process. Wait until the readers (`reading()`) are out.
        with _readers_done(CLOSE_WAIT_S):
            with self._every_lock:
                others, self._every_connection = self._every_connection, []
            for conn in others:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass


CLOSE_WAIT_S = 30.0
_readers = 0
_readers_cond = threading.Condition()


@contextlib.contextmanager
def reading():
    """Around a read on a background thread (the window's query threads): the database's connections
    are not closed under it (`close_database`, a restore)."""
    global _readers
    with _readers_cond:
        _readers += 1
    try:
        yield
    finally:
        with _readers_cond:
            _readers -= 1
            _readers_cond.notify_all()


@contextlib.contextmanager
def _readers_done(timeout: float):
    """Held while closing: waits (at most `timeout`) for the reads under way to end; new ones wait."""
    with _readers_cond:
        if not _readers_cond.wait_for(lambda: _readers == 0, timeout):
            log.warning("closing the database with %d background read(s) still running", _readers)
        yield


def _is_open(conn: sqlite3.Connection) -> bool:
    try:
        conn.in_transaction  # noqa: B018 - raises on a closed connection
        return True
    except sqlite3.ProgrammingError:
        return False


def open_database(target: str | os.PathLike[str], *, upgrade: bool = True) -> pw.Database:
    """Open `target` (a file path or a database URL), bind the models to it and migrate it."""
    target = str(target)
    if is_url(target) and not target.startswith("sqlite:"):
        db = connect(target)
    else:
        path = target.removeprefix("sqlite:///") if target.startswith("sqlite:") else target
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            _keep_private(path)
        db = _SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    close_database()
    database_proxy.initialize(db)
    db.connect(reuse_if_open=True)
    if upgrade:
        migrate(db)
    if isinstance(db, pw.SqliteDatabase) and db.database != ":memory:":
        global _checkpointer
        _checkpointer = Checkpointer(db.database)
    log.info("database opened: %s", _describe(target))
    return db


SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def _keep_private(path: str) -> None:
    """The database file owner-only before SQLite opens it: SQLite gives the -wal/-shm/-journal files
    it creates the database file's permissions. Companions left by an older version are narrowed too."""
    create_owner_only(path)
    for suffix in SQLITE_COMPANIONS:
        owner_only(path + suffix)


def _describe(target: str) -> str:
    if is_url(target) and "@" in target:
        scheme, rest = target.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return target


def truncate_wal() -> None:
    """Copy the WAL into the database file and empty it (SQLite only), so rows just rewritten, such as
    secrets replaced by their sealed form, leave no older copy behind in the -wal file."""
    db = database_proxy.obj
    if isinstance(db, pw.SqliteDatabase) and db.database != ":memory:":
        busy, _, _ = db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            log.info("WAL not emptied now (a reader is busy); its old frames are overwritten as it is reused")


def close_database() -> None:
    global _checkpointer
    if _checkpointer is not None:
        _checkpointer.stop()
        _checkpointer = None
    db = database_proxy.obj
    if isinstance(db, _SqliteDatabase):
        db.close_every_connection()
    elif db is not None and not db.is_closed():
        db.close()
