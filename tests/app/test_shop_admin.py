"""The control panel's writes: each goes through the ledger or a guarded update and leaves an audit row."""
from __future__ import annotations

import json

import pytest

from app import ledger, shop_admin
from app.demo import seed_demo
from app.pins import check_pin
from app.rules import load_pack
from app.service import Inbound, MessageService
from app.shop_admin import AdminError, Address
from storage.models import AuditLog, LedgerEntry, Price, PriceGroup, Product, Reseller, Route, Supplier


@pytest.fixture
def demo(db):
    seed_demo()
    return db


def _r(code: str) -> Reseller:
    return Reseller.get(Reseller.code == code)


def _audits(action: str) -> list[AuditLog]:
    return list(AuditLog.select().where(AuditLog.action == action))


def test_create_reseller_gets_a_pin_that_works_for_orders(demo):
    group = PriceGroup.get(PriceGroup.code == "RETAIL").id
    rid, pin = shop_admin.create_reseller(code="r010", name="Toko Baru", price_group_id=group, actor="owner",
                                          addresses=[Address("sms", "+62 812-3333-0001"), Address("telegram", "@TokoBaru")])
    row = Reseller.get_by_id(rid)
    assert row.code == "R010" and check_pin(pin, row.pin_salt, row.pin_hash)
    assert shop_admin.reseller_addresses(rid) == [Address("sms", "081233330001"), Address("telegram", "@tokobaru")]
    shop_admin.add_deposit(rid, 50_000, note="transfer BCA", actor="owner")
    result = MessageService().handle(Inbound("sms", "081233330001", f"S5.081311112222.{pin}"))
    assert result.new_orders, result.reason
    assert _audits("reseller_create")[0].actor == "owner"


def test_create_rejects_duplicates_and_bad_numbers(demo):
    group = PriceGroup.get(PriceGroup.code == "RETAIL").id
    with pytest.raises(AdminError, match="sudah dipakai"):
        shop_admin.create_reseller(code="R001", name="x", price_group_id=group, actor="a",
                                   addresses=[Address("sms", "081299990000")])
    with pytest.raises(AdminError, match="R002"):
        shop_admin.create_reseller(code="R099", name="x", price_group_id=group, actor="a",
                                   addresses=[Address("sms", "081211110002")])
    with pytest.raises(AdminError, match="tidak valid"):
        shop_admin.create_reseller(code="R098", name="x", price_group_id=group, actor="a",
                                   addresses=[Address("sms", "12345")])
    assert not Reseller.select().where(Reseller.code.in_(["R099", "R098"])).exists()


def test_update_fields_upline_cycle_and_addresses(demo):
    r1, r3 = _r("R001"), _r("R003")
    agen = PriceGroup.get(PriceGroup.code == "AGEN").id
    shop_admin.update_reseller(r3.id, actor="owner", name="Berkah Jaya", credit_limit=100_000, price_group_id=agen,
                               addresses=[Address("sms", "081211110003"), Address("sms", "081211110033")])
    r3 = _r("R003")
    assert (r3.name, r3.credit_limit, r3.price_group_id, r3.parent_id) == ("Berkah Jaya", 100_000, agen, r1.id)
    assert len(shop_admin.reseller_addresses(r3.id)) == 2
    with pytest.raises(AdminError, match="lingkaran"):
        shop_admin.update_reseller(r1.id, actor="owner", parent_id=r3.id)
    shop_admin.update_reseller(r3.id, actor="owner", parent_id=None)
    assert _r("R003").parent_id is None
    assert len(_audits("reseller_update")) == 2


def test_block_unblock_and_reset_pin(demo):
    r2 = _r("R002")
    shop_admin.set_blocked(r2.id, True, actor="owner")
    assert not _r("R002").active
    result = MessageService().handle(Inbound("sms", "081211110002", "S5.081311112222.4321"))
    assert result.reason == "inactive"
    Reseller.update(pin_failures=2).where(Reseller.id == r2.id).execute()
    shop_admin.set_blocked(r2.id, False, actor="owner")
    assert _r("R002").active and _r("R002").pin_failures == 0
    pin = shop_admin.reset_pin(r2.id, actor="owner")
    row = _r("R002")
    assert check_pin(pin, row.pin_salt, row.pin_hash) and not check_pin("4321", row.pin_salt, row.pin_hash)
    audit = _audits("reseller_reset_pin")[0]
    assert pin not in audit.detail


def test_deposit_and_correction_go_through_the_ledger(demo):
    r2 = _r("R002")
    p = shop_admin.add_deposit(r2.id, 100_000, note="tunai", actor="kasir")
    assert p.balance_after == 105_000
    shop_admin.add_correction(r2.id, -110_000, note="salah input", actor="owner")
    assert _r("R002").balance == -5_000 == ledger.ledger_sum(r2.id)
    kinds = [e.kind for e in LedgerEntry.select().where(LedgerEntry.reseller == r2.id).order_by(LedgerEntry.id)]
    assert kinds == ["deposit", "deposit", "correction"]
    with pytest.raises(AdminError):
        shop_admin.add_correction(r2.id, 1000, note=" ", actor="owner")
    with pytest.raises(AdminError):
        shop_admin.add_deposit(r2.id, 0, note="", actor="owner")
    assert {a.actor for a in _audits("deposit") + _audits("correction")} == {"kasir", "owner"}


def test_products_prices_and_routes(demo):
    s5 = Product.get(Product.code == "S5")
    retail = PriceGroup.get(PriceGroup.code == "RETAIL").id
    shop_admin.set_product_active(s5.id, False, actor="owner")
    assert not Product.get_by_id(s5.id).active
    shop_admin.set_price(s5.id, retail, 5_900, actor="owner")
    assert Price.get((Price.product == s5.id) & (Price.price_group == retail)).sell == 5_900
    a = Supplier.create(name="chip A", kind="ussd_chip", config="{}")
    b = Supplier.create(name="chip B", kind="ussd_chip", config="{}")
    ra = Route.create(product=s5, supplier=a, priority=0)
    rb = Route.create(product=s5, supplier=b, priority=10)
    shop_admin.set_route_order(s5.id, [rb.id, ra.id], actor="owner")
    order = [r.id for r in Route.select().where(Route.product == s5.id).order_by(Route.priority)]
    assert order == [rb.id, ra.id]
    with pytest.raises(AdminError):
        shop_admin.set_route_order(s5.id, [rb.id], actor="owner")
    shop_admin.set_route_active(ra.id, False, actor="owner")
    assert not Route.get_by_id(ra.id).active


def test_supplier_templates_keep_the_pin(demo):
    s = Supplier.create(name="chip A", kind="ussd_chip",
                        config=json.dumps({"modem": "m1", "pin": "9999", "topup": "*777*{dest}*{nominal}*{pin}#"}))
    shop_admin.update_supplier_templates(s.id, {"topup": "*778*{dest}*{nominal}*{pin}#", "rule_pack": "tsel_mkios"},
                                         actor="owner")
    config = json.loads(Supplier.get_by_id(s.id).config)
    assert config["pin"] == "9999" and config["topup"].startswith("*778*")
    assert shop_admin.supplier_templates(s.id)["rule_pack"] == "tsel_mkios"
    with pytest.raises(AdminError):
        shop_admin.update_supplier_templates(s.id, {"pin": "1"}, actor="owner")
    assert "9999" not in _audits("supplier_templates")[0].detail


@pytest.mark.parametrize("template,message", [
    ("*777*{nominal}*{pin}#", "harus memuat {dest}"),
    ("*777*{dest}*{nominal*{pin}#", "tidak valid"),
    ("*777*{dest}*{harga}*{pin}#", "tidak valid"),
])
def test_bad_topup_template_is_refused_from_either_screen(demo, template, message):
    from app import modem_admin

    s = Supplier.create(name="chip m1", kind="ussd_chip",
                        config=json.dumps({"modem": "m1", "pin": "9999", "topup": "*777*{dest}*{nominal}*{pin}#"}))
    with pytest.raises(AdminError, match=message):
        shop_admin.update_supplier_templates(s.id, {"topup": template}, actor="owner")
    with pytest.raises(ValueError, match=message):  # the phones view's modem dialog: same checks
        modem_admin._write_templates("m1", {"topup": template}, "owner")
    assert json.loads(Supplier.get_by_id(s.id).config)["topup"] == "*777*{dest}*{nominal}*{pin}#"


def test_rule_pack_save_load_revert(demo):
    default = load_pack("tsel_mkios")
    data = json.loads(shop_admin.rule_pack_source("tsel_mkios"))
    data["rules"].insert(0, {"name": "toko_khusus", "pattern": r"BERHASIL KHUSUS SN:(?P<sn>\w+)",
                             "outcome": "success"})
    shop_admin.save_rule_pack("tsel_mkios", json.dumps(data), actor="owner")
    assert shop_admin.is_customized("tsel_mkios")
    pack = shop_admin.load_rule_pack("tsel_mkios")
    assert len(pack.rules) == len(default.rules) + 1
    assert pack.match("berhasil khusus SN:AB12").sn == "AB12"
    shop_admin.save_rule_pack("toko_saya", json.dumps(data), actor="owner")
    assert "toko_saya" in shop_admin.rule_pack_names()
    with pytest.raises(AdminError, match="tidak valid"):
        shop_admin.save_rule_pack("rusak", '{"rules": [{"pattern": "(", "outcome": "success"}]}', actor="owner")
    shop_admin.revert_rule_pack("tsel_mkios", actor="owner")
    assert len(shop_admin.load_rule_pack("tsel_mkios").rules) == len(default.rules)
