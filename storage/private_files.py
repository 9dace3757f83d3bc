"""Files only the shop owner's account may read: the database and its -wal/-shm, backups, the log files,
the key file. On POSIX they are created with mode 0600 (and an existing one is narrowed to it); on
Windows the user's own profile folders already keep other accounts out."""
from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

OWNER_ONLY = 0o600


def owner_only(path: str | os.PathLike[str]) -> None:
    """Make an existing file readable and writable by its owner only."""
    if os.name == "posix" and os.path.exists(path):
        try:
            os.chmod(path, OWNER_ONLY)
        except PermissionError:  # another account's file: it is still used, as before
            log.warning("cannot make %s readable by its owner only (it belongs to another user)", path)


def create_owner_only(path: str | os.PathLike[str]) -> Path:
    """Create `path` empty with owner-only permissions unless it exists (then narrow it to them), so a
    program that opens it afterwards (SQLite, a log handler) never leaves it readable for others."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY))
    except FileExistsError:
        pass
    owner_only(path)
    return path


def rotate_owner_only(source: str, dest: str) -> None:
    """A `logging.handlers.RotatingFileHandler.rotator`: move the full log away and put an empty
    owner-only file in its place before the handler reopens it."""
    if os.path.exists(source):
        os.replace(source, dest)
    create_owner_only(source)
