"""Secrets at rest: run once the database is open (app/runtime.py) so that nothing an older version
stored stays readable in it: chip PINs still in clear are sealed, unkeyed reseller PIN hashes get keyed,
and the WAL copy of the rows before the change is dropped."""
from __future__ import annotations

import logging

from app import keyfile, settings
from app.pins import upgrade_stored_hashes
from app.supplier_config import seal_stored_pins
from storage.db import truncate_wal

log = logging.getLogger(__name__)


def protect_stored_secrets() -> None:
    """Raises app.keyfile.KeyFileError when the database was made with another key file (every reseller
    PIN would then be "wrong" and every chip PIN unreadable)."""
    check_key()
    sealed = seal_stored_pins()
    upgraded = upgrade_stored_hashes()
    if sealed or upgraded:
        truncate_wal()
        log.info("secrets at rest: %d chip PIN(s) sealed, %d reseller PIN hash(es) keyed", sealed, upgraded)


def check_key() -> None:
    """The first start with a key file stamps the database with a digest of a fixed text; every later
    start must find the same digest."""
    expected = expected_key_check()
    stored = settings.key_check()
    if stored is None:
        settings.set_key_check(expected)
    elif stored != expected:
        raise keyfile.KeyFileError(f"database ini dibuat dengan file kunci lain, bukan {keyfile.key_path()}")


def expected_key_check() -> str:
    """What `check_key` expects to find stamped in a database made with the key file in use."""
    return keyfile.digest("pulsa key check", purpose="key-check")
