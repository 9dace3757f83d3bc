"""Modems, chips and routes from a config file; applying it twice changes nothing."""
from __future__ import annotations

import json

import pytest

from app import keyfile
from app.config import ConfigError, load_config, parse
from storage.models import Modem, Product, Route, Supplier

CONFIG = {"modems": [
    {"name": "center", "port": "COM3", "roles": ["center", "sender"]},
    {"name": "mkios-1", "port": "/dev/ttyUSB1", "roles": ["chip"], "operator": "TSEL", "pin": "1234",
     "region": ["08121"]},
    {"name": "allop", "port": "rfc2217://10.0.0.5:4001", "roles": "upstream",
     "upstream": {"to": "081299990000", "pin": "5566", "name": "Upline"}},
]}


def test_config_creates_modems_suppliers_and_routes_once(shop, tmp_path):
    path = tmp_path / "shop.json"
    path.write_text(json.dumps(CONFIG))
    load_config(path)
    load_config(path)
    assert [(m.name, m.roles) for m in Modem.select().order_by(Modem.id)] == [
        ("center", "center,sender"), ("mkios-1", "chip"), ("allop", "upstream")]
    chip = Supplier.get(Supplier.name == "chip mkios-1")
    config = json.loads(chip.config)
    assert (config["topup"], config["rule_pack"], keyfile.unseal(config["pin"]), config["region"]) == (
        "*777*{dest}*{nominal}*{pin}#", "tsel_mkios", "1234", ["08121"])
    assert keyfile.is_sealed(config["pin"])  # never stored in clear
    s10 = Product.get(Product.code == "S10")
    routes = [(r.supplier.name, r.priority)
              for r in Route.select().where(Route.product == s10).order_by(Route.priority)]
    assert routes == [("chip mkios-1", 0), ("upstream Upline", 10)]
    i10 = Product.get(Product.code == "I10")
    assert [r.supplier.name for r in Route.select().where(Route.product == i10)] == ["upstream Upline"]


@pytest.mark.parametrize("modem,message", [
    ({"name": "x", "port": "COM1", "roles": ["chip"], "operator": "TSEL"}, "butuh 'operator' dan 'pin'"),
    ({"name": "x", "port": "COM1", "roles": ["boss"]}, "peran tidak dikenal"),
    ({"name": "x", "roles": ["center"]}, "modem #1"),
    ({"name": "x", "port": "COM1", "roles": ["upstream"]}, "upstream butuh"),
])
def test_bad_config_is_refused(modem, message):
    with pytest.raises(ConfigError, match=message):
        parse({"modems": [modem]})


def test_unknown_operator_is_refused(shop):
    from app.config import apply, ModemSpec

    with pytest.raises(ConfigError, match="operator 'XYZ' tidak dikenal"):
        apply([ModemSpec("x", "COM1", ["chip"], operator="XYZ", pin="1")])
    assert Modem.select().count() == 0  # nothing half-written
