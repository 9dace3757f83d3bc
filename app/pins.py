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


class PinChecker:
    """check_pin with a memory of the last PIN that passed for each account.

    Resellers send the same PIN all day; re-deriving it each time costs more than the rest of an
    order. The memory holds keyed BLAKE2 digests (the key never leaves this process) and is bound to
    the stored hash, so a PIN change invalidates it.
    """

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._passed: dict[int, tuple[str, bytes]] = {}

    def _digest(self, pin: str) -> bytes:
        return hashlib.blake2b(pin.encode(), key=self._key, digest_size=32).digest()

    def check(self, account_id: int, pin: str, salt: str, expected: str) -> bool:
        remembered = self._passed.get(account_id)
        if remembered is not None and remembered[0] == expected:
            return hmac.compare_digest(remembered[1], self._digest(pin))
        if check_pin(pin, salt, expected):
            self._passed[account_id] = (expected, self._digest(pin))
            return True
        return False
