"""Chip PINs in the supplier table are sealed with the key file: the raw row holds no PIN, the engine
still gets the right one, and a PIN an older version stored in clear is sealed at start-up."""
from __future__ import annotations

import json

import pytest

from app import keyfile, modem_admin, shop_admin
from app.config import ModemSpec, apply
from app.supplier_config import SupplierConfig, seal_stored_pins
from app.suppliers import build_supplier
from storage import sql
from storage.models import Supplier


def raw_row(name: str) -> str:
    """Every column of the supplier's row as the database file holds it."""
    return " ".join(str(v) for v in sql.one("SELECT * FROM supplier WHERE name = ?", (name,)))


def engine_pin(name: str) -> str:
    supplier = build_supplier(Supplier.get(Supplier.name == name), {})
    assert supplier is not None
    return supplier.pin


def test_dumps_seals_the_pin_and_parse_opens_it():
    text = SupplierConfig(modem="m1", pin="1234", topup="*777*{dest}*{nominal}*{pin}#").dumps()
    assert "1234" not in text and keyfile.is_sealed(json.loads(text)["pin"])
    assert SupplierConfig.parse(text).pin == "1234"
    assert "pin" not in json.loads(SupplierConfig(modem="m1").dumps())  # no PIN: nothing to seal


def test_a_chip_from_the_config_keeps_no_pin_in_clear(db):
    apply([ModemSpec("tsel-1", "socket://127.0.0.1:9", ["chip"], operator="TSEL", pin="1234"),
           ModemSpec("up", "socket://127.0.0.1:8", ["upstream"],
                     upstream={"to": "081299990000", "pin": "5566", "name": "Upline"})])
    assert "1234" not in raw_row("chip tsel-1") and "5566" not in raw_row("upstream Upline")
    assert engine_pin("chip tsel-1") == "1234" and engine_pin("upstream Upline") == "5566"


def test_a_pin_stored_in_clear_by_an_older_version_is_sealed_at_start(db):
    Supplier.create(name="chip old", kind="ussd_chip",
                    config=json.dumps({"modem": "m1", "operator": "TSEL", "pin": "1234", "rule_pack": "tsel_mkios",
                                       "topup": "*777*{dest}*{nominal}*{pin}#"}))
    Supplier.create(name="chip number", kind="ussd_chip", config=json.dumps({"modem": "m2", "pin": 4321}))
    Supplier.create(name="h2h", kind="http", config="{}")
    assert engine_pin("chip old") == "1234"  # still read as it is
    assert seal_stored_pins() == 2
    assert seal_stored_pins() == 0
    assert "1234" not in raw_row("chip old") and "4321" not in raw_row("chip number")
    assert engine_pin("chip old") == "1234"
    assert SupplierConfig.parse(Supplier.get(Supplier.name == "chip number").config).pin == "4321"
    config = SupplierConfig.parse(Supplier.get(Supplier.name == "chip old").config)
    assert (config.rule_pack, config.topup) == ("tsel_mkios", "*777*{dest}*{nominal}*{pin}#")


def test_saving_an_old_config_seals_its_pin(db):
    Supplier.create(name="chip old", kind="ussd_chip",
                    config=json.dumps({"modem": "m1", "pin": "1234", "topup": "*777*{dest}*{nominal}*{pin}#"}))
    shop_admin.update_supplier_templates(Supplier.get(Supplier.name == "chip old").id,
                                         {"topup": "*778*{dest}*{nominal}*{pin}#"}, actor="owner")
    assert "1234" not in raw_row("chip old") and engine_pin("chip old") == "1234"


def test_a_chip_pin_changed_by_the_owner_is_sealed(db):
    modem_admin.add_modem(modem_admin.ModemSettings(name="tsel-1", port="socket://127.0.0.1:9", roles=["chip"],
                                                    operator="TSEL", pin="1234"))
    modem_admin.update_modem(modem_admin.ModemSettings(name="tsel-1", port="socket://127.0.0.1:9", roles=["chip"],
                                                       pin="9876"))
    assert "9876" not in raw_row("chip tsel-1") and "1234" not in raw_row("chip tsel-1")
    assert engine_pin("chip tsel-1") == "9876"
    assert modem_admin.load("tsel-1").has_pin


def test_pins_sealed_with_another_key_file_are_refused_not_guessed(db, tmp_path, key_file):
    apply([ModemSpec("tsel-1", "socket://127.0.0.1:9", ["chip"], operator="TSEL", pin="1234")])
    keyfile.use_key_file(tmp_path / "other" / keyfile.KEY_FILE_NAME)  # the database moved without its key
    try:
        with pytest.raises(keyfile.KeyFileError, match="file kunci"):
            seal_stored_pins()
    finally:
        keyfile.use_key_file(key_file)
    assert engine_pin("chip tsel-1") == "1234"
