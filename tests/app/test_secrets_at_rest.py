"""Opening the shop (app/runtime.py) leaves no secret an older version stored readable in the database
files: chip PINs sealed, reseller PIN hashes keyed, and no older copy of those rows in the -wal file."""
from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

from app.pins import check_pin, new_salt
from app.runtime import Runtime, RuntimeOptions
from app.supplier_config import SupplierConfig
from storage.db import close_database, open_database
from storage.models import PriceGroup, Reseller, Supplier

CHIP_PIN = "735915"


def files_of(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())


def test_opening_the_shop_protects_what_an_older_version_stored(tmp_path):
    path = tmp_path / "shop.db"
    salt = new_salt()
    old_hash = hashlib.pbkdf2_hmac("sha256", b"2468", bytes.fromhex(salt), 200).hex()  # the unkeyed hash
    open_database(path)
    Supplier.create(name="chip old", kind="ussd_chip", config=json.dumps({"modem": "m1", "pin": CHIP_PIN}))
    group = PriceGroup.create(code="RETAIL", name="Retail")
    Reseller.create(code="R1", name="Lama", price_group=group, pin_salt=salt, pin_hash=old_hash)
    close_database()
    assert CHIP_PIN.encode() in files_of(path) and old_hash.encode() in files_of(path)

    runtime = Runtime(RuntimeOptions(db=str(path)))
    runtime.open()
    try:
        stored = files_of(path)
        assert CHIP_PIN.encode() not in stored and old_hash.encode() not in stored
        assert SupplierConfig.parse(Supplier.get(Supplier.name == "chip old").config).pin == CHIP_PIN
        reseller = Reseller.get(Reseller.code == "R1")
        assert reseller.pin_hash.startswith("v2$") and check_pin("2468", reseller.pin_salt, reseller.pin_hash)
    finally:
        asyncio.run(runtime.stop())
    assert CHIP_PIN.encode() not in files_of(path) and old_hash.encode() not in files_of(path)
