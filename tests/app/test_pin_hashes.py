"""Reseller PIN hashes are keyed with the key file: a stolen database alone cannot test a single guess;
old unkeyed hashes still verify and are upgraded without the PIN."""
from __future__ import annotations

import hashlib

import pytest

from app import keyfile, pins
from app.pins import check_pin, hash_pin, needs_rehash, new_salt, upgrade_hash, upgrade_stored_hashes
from storage.models import PriceGroup, Reseller


def unkeyed(pin: str, salt: str) -> str:
    """The hash every version before the key file stored (public algorithm, no secret)."""
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), 200).hex()


@pytest.fixture
def other_key(tmp_path, key_file):
    """Switch to another shop's key file for a while (as a thief without our key file is)."""
    def switch() -> None:
        keyfile.use_key_file(tmp_path / "other" / keyfile.KEY_FILE_NAME)

    yield switch
    keyfile.use_key_file(key_file)


def test_a_new_hash_is_keyed_and_checks_the_pin():
    salt = new_salt()
    stored = hash_pin("482913", salt)
    assert stored.startswith("v2$") and not needs_rehash(stored)
    assert check_pin("482913", salt, stored)
    assert not check_pin("482914", salt, stored) and not check_pin("", salt, stored)
    assert unkeyed("482913", salt) not in stored  # the public algorithm alone does not reproduce it


def test_without_the_key_file_no_guess_can_be_checked(other_key):
    salt = new_salt()
    stored = hash_pin("4821", salt)
    # a thief with the database searches every 4-digit PIN with the public algorithm: nothing matches
    assert not any(unkeyed(f"{n:04d}", salt) == stored.removeprefix("v2$") for n in range(10_000))
    other_key()  # the database copied to another machine, without our pulsa.key
    assert not check_pin("4821", salt, stored)


def test_an_old_unkeyed_hash_still_verifies_and_is_upgraded_without_the_pin():
    salt = new_salt()
    old = unkeyed("5555", salt)
    assert check_pin("5555", salt, old) and not check_pin("5556", salt, old)
    assert needs_rehash(old)
    new = upgrade_hash(old)
    assert new == hash_pin("5555", salt) and check_pin("5555", salt, new) and not needs_rehash(new)
    assert not needs_rehash("") and upgrade_hash("") == ""  # no PIN set yet: nothing to upgrade
    assert not check_pin("", salt, "")


def test_stored_hashes_are_upgraded_in_the_database(db):
    group = PriceGroup.create(code="RETAIL", name="Retail")
    salts = {code: new_salt() for code in ("R1", "R2", "R3")}
    Reseller.create(code="R1", name="old", price_group=group, pin_salt=salts["R1"],
                    pin_hash=unkeyed("1111", salts["R1"]))
    Reseller.create(code="R2", name="new", price_group=group, pin_salt=salts["R2"],
                    pin_hash=hash_pin("2222", salts["R2"]))
    Reseller.create(code="R3", name="no PIN yet", price_group=group, pin_salt="", pin_hash="")
    assert upgrade_stored_hashes() == 1
    assert upgrade_stored_hashes() == 0
    rows = {r.code: r for r in Reseller.select()}
    assert all(r.pin_hash.startswith(pins.VERSION) for r in (rows["R1"], rows["R2"]))
    assert check_pin("1111", rows["R1"].pin_salt, rows["R1"].pin_hash)
    assert check_pin("2222", rows["R2"].pin_salt, rows["R2"].pin_hash)
    assert rows["R3"].pin_hash == ""
