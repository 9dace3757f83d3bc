"""Reseller PINs: salted hashes, constant-time checks.

A 4–6 digit PIN has at most a million values, so no hash can stop an offline search of a stolen
database; the lockout after wrong PINs is the real protection. The salted hash keeps PINs out of
plain sight (screens, backups, support copies) at a cost small enough for 2,000 orders a second.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

ITERATIONS = 200


def new_salt() -> str:
    return secrets.token_hex(16)


def hash_pin(pin: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), ITERATIONS).hex()


def check_pin(pin: str, salt: str, expected: str) -> bool:
    return hmac.compare_digest(hash_pin(pin, salt), expected)


def random_pin(length: int = 4) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))
