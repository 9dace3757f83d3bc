"""The files that hold the shop's data are readable by the owner only: the database and its -wal/-shm,
backups, the log files (also after rotation) and the key file; a replaced secret leaves no copy behind."""
from __future__ import annotations

import json
import logging
import logging.handlers
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app import keyfile
from storage.backup import backup_sqlite
from storage.db import close_database, open_database, truncate_wal
from storage.models import Supplier
from storage.private_files import create_owner_only, rotate_owner_only

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")

ROOT = Path(__file__).resolve().parent.parent.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    """The common default (files readable by everybody), so owner-only must come from the program."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_the_database_and_its_wal_and_shm_are_owner_only(tmp_path):
    path = tmp_path / "shop.db"
    open_database(path)
    try:
        Supplier.create(name="chip a", kind="ussd_chip", config="{}")
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        close_database()


def test_files_an_older_version_left_readable_are_narrowed(tmp_path):
    path = tmp_path / "shop.db"
    open_database(path)
    close_database()
    path.chmod(0o644)
    wal = Path(f"{path}-wal")
    wal.write_bytes(b"")
    wal.chmod(0o644)
    open_database(path)
    try:
        assert (mode(path), mode(wal)) == (0o600, 0o600)
    finally:
        close_database()


def test_a_backup_is_owner_only(db, tmp_path):
    assert mode(backup_sqlite(db, tmp_path / "backups" / "first.db")) == 0o600
    dest = tmp_path / "backups" / "copy.db"
    Path(f"{dest}.part").write_bytes(b"left by an interrupted backup")
    Path(f"{dest}.part").chmod(0o644)
    assert mode(backup_sqlite(db, dest)) == 0o600
    assert not Path(f"{dest}.part").exists()


def test_the_key_file_is_owner_only(tmp_path, key_file):
    try:
        assert mode(keyfile.use_key_file(tmp_path / "new" / keyfile.KEY_FILE_NAME)) == 0o600
        old = tmp_path / "old.key"
        old.write_text(os.urandom(32).hex())
        old.chmod(0o644)
        assert mode(keyfile.use_key_file(old)) == 0o600
    finally:
        keyfile.use_key_file(key_file)
    assert mode(key_file) == 0o600


def test_rotated_log_files_stay_owner_only(tmp_path):
    log_file = create_owner_only(tmp_path / "pulsa.log")
    handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=300, backupCount=2, encoding="utf-8")
    handler.rotator = rotate_owner_only
    logger = logging.getLogger("tests.private_files")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for n in range(40):
            logger.warning("line %d of a log that rotates", n)
    finally:
        logger.removeHandler(handler)
        handler.close()
    files = sorted(tmp_path.glob("pulsa.log*"))
    assert [f.name for f in files] == ["pulsa.log", "pulsa.log.1", "pulsa.log.2"]
    assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}


def test_the_program_keeps_its_data_files_owner_only(tmp_path):
    """main.py as the owner runs it: the key, the database and the logs, also a log it rotates."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "pulsa.log").write_text("x" * 5_000_000)  # full: the first line logged rotates it
    (logs / "pulsa.log").chmod(0o644)
    db = tmp_path / "shop.db"
    env = dict(os.environ, PULSA_NO_BOOTSTRAP="1")
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "--data-dir", str(tmp_path), "--db", str(db),
                           "seed-demo"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=60, umask=0o022)
    assert done.returncode == 0, done.stderr
    files = [tmp_path / keyfile.KEY_FILE_NAME, db, logs / "pulsa.log", logs / "pulsa.log.1"]
    assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    assert (logs / "pulsa.log").stat().st_size < 5_000_000  # it did rotate


def test_a_replaced_secret_leaves_no_copy_in_the_files(tmp_path):
    path = tmp_path / "shop.db"
    open_database(path)
    for n in range(8):
        Supplier.create(name=f"chip {n}", kind="ussd_chip", config=json.dumps({"topup": "x" * 100}))
    Supplier.create(name="chip old", kind="ussd_chip", config=json.dumps({"pin": "735915"}))
    close_database()
    db = open_database(path)
    try:
        assert db.execute_sql("PRAGMA secure_delete").fetchone()[0] == 1
        Supplier.update(config=json.dumps({"pin": "enc:v1:" + "A" * 100})).where(Supplier.name == "chip old").execute()
        truncate_wal()
        stored = b"".join(p.read_bytes() for p in tmp_path.glob("shop.db*"))
        assert b"735915" not in stored
    finally:
        close_database()
