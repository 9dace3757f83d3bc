"""Secrets at rest: run once the database is open (app/runtime.py) so that nothing an older version
stored stays readable in it: chip PINs still in clear are sealed, unkeyed reseller PIN hashes get keyed,
and the WAL copy of the rows before the change is dropped."""
from __future__ import annotations

import logging

from app.pins import upgrade_stored_hashes
from app.supplier_config import seal_stored_pins
from storage.db import truncate_wal

log = logging.getLogger(__name__)


def protect_stored_secrets() -> None:
    """Raises app.keyfile.KeyFileError when the stored chip PINs were sealed with another key file."""
    sealed = seal_stored_pins()
    upgraded = upgrade_stored_hashes()
    if sealed or upgraded:
        truncate_wal()
        log.info("secrets at rest: %d chip PIN(s) sealed, %d reseller PIN hash(es) keyed", sealed, upgraded)
