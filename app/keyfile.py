"""The shop's secret key: kept in a file beside the data, readable by the owner only, never in the
database. A stolen database (or a backup of it) then holds no PIN that can be read or guessed offline:
PIN hashes are keyed with it, the chip PINs are sealed with it, and digests of texts are made with it.

    use_key_file(data_dir / "pulsa.key")   # at start-up, before the database is used
    digest("S10.0812….****")              # keyed digest (HMAC-SHA256), hex
    seal("1234") / unseal(token)           # a secret stored in the database (Fernet: AES-128 + HMAC)
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from storage.private_files import owner_only

KEY_FILE_NAME = "pulsa.key"
SEALED_PREFIX = "enc:v1:"

_key: bytes | None = None
_path: Path | None = None


class KeyFileError(RuntimeError):
    """No key file in use, or it cannot be read."""


def use_key_file(path: Path) -> Path:
    """Load the key from `path`, creating it (owner-only) the first time. Returns the path."""
    global _key, _path
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
    owner_only(path)
    try:
        raw = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"kunci {path} tidak bisa dibaca: {exc}") from None
    if len(raw) != 32:
        raise KeyFileError(f"kunci {path} rusak (panjangnya salah)")
    _key, _path = raw, path
    return path


def key_path() -> Path | None:
    return _path


def _secret() -> bytes:
    if _key is None:
        raise KeyFileError("belum ada file kunci: panggil keyfile.use_key_file(...) saat mulai")
    return _key


def digest(text: str, purpose: str = "text") -> str:
    """A keyed digest: equal texts give equal digests, but nobody without the key can test guesses."""
    hasher = hasher_for(purpose)
    hasher.update(text.encode("utf-8", "replace"))
    return hasher.hexdigest()


def hasher_for(purpose: str) -> "hmac.HMAC":
    """The keyed hasher of `digest(…, purpose)`, purpose already fed: `h = base.copy(); h.update(data);
    h.hexdigest()` gives the same digest. For the order path, which keeps one and copies it."""
    return hmac.new(_secret(), f"{purpose}:".encode("utf-8"), hashlib.sha256)


def _fernet() -> Fernet:
    derived = hmac.new(_secret(), b"seal", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(secret: str) -> str:
    """A secret as it may be stored (an empty secret stays empty)."""
    if not secret:
        return ""
    return SEALED_PREFIX + _fernet().encrypt(secret.encode("utf-8")).decode("ascii")


def is_sealed(value: str) -> bool:
    return value.startswith(SEALED_PREFIX)


def unseal(value: str) -> str:
    """The secret back; a value stored before sealing existed is returned as it is."""
    if not is_sealed(value):
        return value
    try:
        return _fernet().decrypt(value[len(SEALED_PREFIX):].encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise KeyFileError("rahasia tersimpan tidak cocok dengan file kunci ini") from None
