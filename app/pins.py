"""Reseller PINs: salted hashes keyed with the shop's key file, constant-time checks.

A 4–6 digit PIN has at most a million values, so no amount of hashing alone stops an offline search
of a stolen database. The stored hash is therefore keyed with the secret in the key file
(app/keyfile.py), which never goes into the database or its backups:

    v2$ + HMAC-SHA256(key, PBKDF2-HMAC-SHA256(PIN, salt, 200 rounds))      (keyfile.digest, purpose "pin")

Without the key not a single guess can be checked. The PBKDF2 part is the old (unversioned) hash, kept
underneath on purpose: an old hash becomes a new one with the key alone, without the PIN
(`upgrade_hash`), so every stored hash is upgraded at start-up (`upgrade_stored_hashes`) instead of
waiting for each reseller's next order; and should the key file be stolen too, the hashes are no weaker
than before. One HMAC more is a microsecond, well inside 2,000 orders a second (the service also
remembers PINs that passed). The lockout after wrong PINs still guards against guessing by SMS.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from app import keyfile
from storage.models import Reseller, database_proxy as db

ITERATIONS = 200
VERSION = "v2$"


def new_salt() -> str:
    return secrets.token_hex(16)


def _legacy_hash(pin: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), ITERATIONS).hex()


def upgrade_hash(stored: str) -> str:
    """The keyed (v2) form of an old unversioned hash; a v2 or empty value is returned as it is."""
    if not needs_rehash(stored):
        return stored
    return VERSION + keyfile.digest(stored, "pin")


def hash_pin(pin: str, salt: str) -> str:
    """The hash to store for `pin` (always the current, keyed form)."""
    return upgrade_hash(_legacy_hash(pin, salt))


def check_pin(pin: str, salt: str, expected: str) -> bool:
    """Whether `pin` matches a stored hash, old or new form."""
    if not expected:
        return False
    if expected.startswith(VERSION):
        return hmac.compare_digest(hash_pin(pin, salt), expected)
    return hmac.compare_digest(_legacy_hash(pin, salt), expected)


def needs_rehash(stored: str) -> bool:
    """True for a hash stored by an older version (not keyed): store `upgrade_hash(stored)` instead."""
    return bool(stored) and not stored.startswith(VERSION)


def upgrade_stored_hashes() -> int:
    """Replace every old (unkeyed) reseller PIN hash in the database by its keyed form. Returns how
    many were upgraded. Safe to run while orders come in: a row changed meanwhile is left alone."""
    upgraded = 0
    with db.atomic():
        rows = list(Reseller.select(Reseller.id, Reseller.pin_hash)
                    .where((Reseller.pin_hash != "") & ~Reseller.pin_hash.startswith(VERSION)).tuples())
        for reseller_id, stored in rows:
            upgraded += Reseller.update(pin_hash=upgrade_hash(stored)) \
                .where((Reseller.id == reseller_id) & (Reseller.pin_hash == stored)).execute()
    return upgraded


def random_pin(length: int = 4) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))
