"""H2H suppliers from `--config FILE` ("suppliers" beside "modems") and from the window's form: validated
in Indonesian before anything starts, secrets sealed, routes made from the product mapping with their
priority; applying twice changes nothing; `--config` together with `--demo`. Also the dialects' requests
and callbacks (ST24, JSON) as plain values."""
from __future__ import annotations

import json

import pytest

from app import keyfile
from app.config import ConfigError, load_config, parse, parse_suppliers, read_config
from app.h2h import dialects, supplier_setup
from app.h2h import sign as signing
from app.rules import Outcome
from app.supplier_config import SupplierConfig, seal_stored_pins
from storage.models import AuditLog, Product, Route, Supplier

MITRA = {"name": "Mitra", "kind": "h2h_otomax", "url": "http://203.0.113.10:6969/trx", "member_id": "ABC001",
         "pin": "1234", "password": "rahasia", "products": {"S10": "TSEL10", "S5": "TSEL5"}, "priority": 5,
         "costs": {"S10": 10_150}}
IRS = {"name": "Agregator", "kind": "h2h_st24", "url": "http://198.51.100.4:8080/api", "member_id": "X9",
       "pin": "7777", "password": "pw", "user": "toko", "products": {"S10": "S10"}, "priority": -1}


def write(tmp_path, data: dict):
    path = tmp_path / "shop.json"
    path.write_text(json.dumps(data))
    return path


def routes_of(name: str) -> list[tuple]:
    return sorted((r.product.code, r.priority, r.supplier_code, r.cost)
                  for r in Route.select().join(Supplier).where(Supplier.name == name))


def test_suppliers_from_config_with_routes_priority_and_sealed_secrets(shop, tmp_path):
    path = write(tmp_path, {"suppliers": [MITRA, IRS]})
    assert read_config(path) == []  # a file with suppliers only is fine
    load_config(path)
    mitra = Supplier.get(Supplier.name == "Mitra")
    stored = json.loads(mitra.config)
    assert mitra.kind == "h2h_otomax"
    assert keyfile.is_sealed(stored["pin"]) and keyfile.is_sealed(stored["password"])
    assert "rahasia" not in mitra.config and "1234" not in mitra.config
    cfg = SupplierConfig.parse(mitra.config)
    assert (cfg.pin, cfg.password, cfg.url, cfg.member_id, cfg.rule_pack, cfg.status_check) == (
        "1234", "rahasia", MITRA["url"], "ABC001", "h2h_otomax", True)
    assert cfg.ref_prefix.startswith("P") and len(cfg.ref_prefix) == 4
    assert routes_of("Mitra") == [("S10", 5, "TSEL10", 10_150), ("S5", 5, "TSEL5", 5_000)]
    irs = SupplierConfig.parse(Supplier.get(Supplier.name == "Agregator").config)
    assert (irs.status_check, irs.rule_pack, irs.user) == (False, "h2h_st24", "toko")  # ST24: asked only if confirmed
    assert routes_of("Agregator") == [("S10", -1, "S10", 10_000)]


def test_applying_twice_changes_nothing_and_a_dropped_product_loses_its_route(shop, tmp_path):
    path = write(tmp_path, {"suppliers": [MITRA]})
    load_config(path)
    config = Supplier.get(Supplier.name == "Mitra").config
    route_ids = sorted(r.id for r in Route.select())
    audits = AuditLog.select().count()
    load_config(path)
    assert Supplier.get(Supplier.name == "Mitra").config == config  # not even sealed again
    assert sorted(r.id for r in Route.select()) == route_ids and AuditLog.select().count() == audits
    write(tmp_path, {"suppliers": [{**MITRA, "products": {"S10": "TSEL10-B"}, "priority": 3, "costs": {}}]})
    load_config(path)
    assert routes_of("Mitra") == [("S10", 3, "TSEL10-B", 10_000)]
    assert SupplierConfig.parse(Supplier.get(Supplier.name == "Mitra").config).ref_prefix == \
        SupplierConfig.parse(config).ref_prefix  # our references there stay the same


@pytest.mark.parametrize("change,message", [
    ({"kind": "h2h_tiger"}, "'kind' harus salah satu"),
    ({"url": "ftp://x"}, "'url' harus alamat http"),
    ({"password": ""}, "'password' wajib"),
    ({"pin": ""}, "'pin' wajib"),
    ({"member_id": ""}, "'member_id' wajib"),
    ({"products": {}}, "'products' kosong"),
    ({"products": ["S10"]}, "harus objek"),
    ({"priority": True}, "'priority' harus bilangan bulat"),
    ({"priority": "5"}, "'priority' harus bilangan bulat"),
    ({"costs": {"S10": 10.5}}, "rupiah bulat"),
    ({"costs": {"X99": 1}}, "tidak dipetakan"),
    ({"status_check": "ya"}, "'status_check' harus true atau false"),
    ({"callback_ips": ["bukan-ip"]}, "tidak valid"),
    ({"sign": "md5"}, "'sign' hanya"),
    ({"colour": "red"}, "isian tidak dikenal"),
])
def test_bad_supplier_entries_are_refused_before_anything_starts(change, message):
    with pytest.raises(ConfigError, match=message):
        parse_suppliers({"suppliers": [{**MITRA, **change}]})


def test_unknown_product_and_duplicate_names_are_refused(shop, tmp_path):
    with pytest.raises(ConfigError, match="produk ZZ9 tidak dikenal"):
        load_config(write(tmp_path, {"suppliers": [{**MITRA, "products": {"ZZ9": "X"}, "costs": {}}]}))
    assert Supplier.select().count() == 0
    with pytest.raises(ConfigError, match="nama yang sama"):
        parse_suppliers({"suppliers": [MITRA, {**MITRA, "name": "mitra"}]})
    with pytest.raises(ConfigError, match="tidak ada modem atau supplier"):
        parse({})


def test_config_and_demo_together(tmp_path):
    from app.runtime import Runtime, RuntimeOptions
    from storage.db import close_database

    path = write(tmp_path, {"suppliers": [{**MITRA, "products": {"A10": "AX10"}, "priority": 2, "costs": {}}]})
    runtime = Runtime(RuntimeOptions(db=str(tmp_path / "demo.db"), demo=True, config=path, control_port=None))
    try:
        runtime.open()
        names = {s.name: s.kind for s in Supplier.select()}
        assert names["Mitra"] == "h2h_otomax" and names["Mitra OtomaX"] == "h2h_otomax"  # the demo's own seller
        assert any(k == "ussd_chip" for k in names.values())
        a10 = Product.get(Product.code == "A10")
        assert sorted((r.supplier.name, r.priority) for r in Route.select().where(Route.product == a10)) == [
            ("Mitra", 2), ("Mitra OtomaX", 5), ("upstream Upline Pulsa", 10)]
    finally:
        if runtime.demo is not None:
            runtime.demo.stop()
        close_database()


def test_a_clear_password_left_by_hand_is_sealed_at_start(shop):
    row = Supplier.create(name="Lama", kind="h2h_otomax", config=json.dumps({"url": "http://x/trx", "password": "pw"}))
    assert seal_stored_pins() == 1
    stored = json.loads(Supplier.get_by_id(row.id).config)
    assert keyfile.is_sealed(stored["password"]) and SupplierConfig.parse(json.dumps(stored)).password == "pw"


def test_the_window_edits_keep_secrets_it_was_not_given(shop):
    spec = supplier_setup.parse(MITRA)
    supplier_id = supplier_setup.save(spec, actor="admin")
    stored = supplier_setup.load(supplier_id)
    assert stored.pin_set and stored.password_set and stored.spec.pin == "" and stored.spec.password == ""
    assert stored.spec.products == MITRA["products"] and stored.spec.costs == {"S10": 10_150}
    edited = stored.spec
    edited.priority = -2
    supplier_setup.save(edited, actor="admin", supplier_id=supplier_id)  # PIN and password left empty: kept
    cfg = SupplierConfig.parse(Supplier.get_by_id(supplier_id).config)
    assert (cfg.pin, cfg.password) == ("1234", "rahasia")
    assert {r[1] for r in routes_of("Mitra")} == {-2}
    assert supplier_setup.parse_mapping("S10 = TSEL10 @ 10.150\n# komentar\nS5=TSEL5") == (
        {"S10": "TSEL10", "S5": "TSEL5"}, {"S10": 10_150})
    with pytest.raises(supplier_setup.SetupError, match="baris 1"):
        supplier_setup.parse_mapping("S10 TSEL10")


# --- the dialects as plain values ----------------------------------------------------------------------

CFG = SupplierConfig(url="http://198.51.100.4:8080", member_id="X9", pin="7777", password="pw", user="toko")


def test_otomax_request_signs_and_masks():
    req = dialects.order_request("h2h_otomax", CFG, "PABC12", "S10", "081234567890")
    assert req.url == "http://198.51.100.4:8080/trx"
    assert req.params["sign"] == signing.otomax_sign("X9", "S10", "081234567890", "PABC12", "7777", "pw")
    assert "7777" not in req.shown and "sign=%2A%2A%2A" in req.shown
    check = dialects.order_request("h2h_otomax", CFG, "PABC12", "S10", "081234567890", check=True)
    assert check.params["check"] == "1"
    plain = SupplierConfig(**{**CFG.to_dict(), "sign": "plain"})
    req = dialects.order_request("h2h_otomax", plain, "R1", "S10", "0812")
    assert (req.params["pin"], req.params["password"]) == ("7777", "pw") and "pw" not in req.shown


def test_st24_request_and_callback_statuscode_wins():
    req = dialects.order_request("h2h_st24", CFG, "PABC12", "S10", "081234567890")
    assert req.url == "http://198.51.100.4:8080/api"
    assert req.params == {"id": "X9", "pin": "7777", "user": "toko", "pass": "pw", "kodeproduk": "S10",
                          "tujuan": "081234567890", "idtrx": "PABC12"}
    reading = dialects.read_callback("h2h_st24", CFG, {"serverid": "9", "clientid": "PABC12", "statuscode": "1",
                                                       "sn": "123", "msg": "apa saja"}, b"", {})
    assert (reading.ref, reading.status, reading.sn, reading.trxid) == ("PABC12", Outcome.SUCCESS, "123", "9")
    with pytest.raises(dialects.BadCallback):
        dialects.read_callback("h2h_st24", CFG, {"statuscode": "1"}, b"", {})


def test_json_requests_are_signed_as_our_own_api_checks_them():
    req = dialects.order_request("h2h_json", CFG, "PABC12", "S10", "081234567890", now_unix=1767225600)
    assert req.method == "POST" and req.url == "http://198.51.100.4:8080/api/v1/orders"
    h = req.headers
    assert signing.request_verify(h["X-Pulsa-Signature"], "pw", "POST", "/api/v1/orders", h["X-Pulsa-Timestamp"],
                                  req.body)
    check = dialects.order_request("h2h_json", CFG, "PABC12", "S10", "0812", check=True, now_unix=1767225600)
    assert (check.method, check.url, check.body) == ("GET", "http://198.51.100.4:8080/api/v1/orders/PABC12", b"")
    reading = dialects.read_answer("h2h_json", "PABC12", 200, json.dumps(
        {"ref_id": "PABC12", "trx_id": "1024", "status": "success", "sn": "777", "message": "ok"}))
    assert (reading.status, reading.sn, reading.trxid) == (Outcome.SUCCESS, "777", "1024")
    assert dialects.read_answer("h2h_json", "PABC12", 404, '{"error": "not_found"}').not_found
    body = json.dumps({"ref_id": "PABC12", "status": "failed", "message": "Stok kosong"}).encode()
    headers = {"X-Pulsa-Timestamp": "1767225600",
               "X-Pulsa-Signature": signing.report_signature("pw", "1767225600", body)}
    assert dialects.read_callback("h2h_json", CFG, {}, body, headers).status == Outcome.FAILED
    with pytest.raises(dialects.BadCallback) as bad:
        dialects.read_callback("h2h_json", CFG, {}, body, {**headers, "X-Pulsa-Signature": "00"})
    assert bad.value.status == 401
