"""Building suppliers from their rows: the owner's saved rule pack wins; a missing pack disables."""
from __future__ import annotations

import json

from app import shop_admin
from app.rules import Outcome, load_pack
from app.suppliers import build_supplier
from storage.models import Supplier


def _chip(pack: str) -> Supplier:
    config = {"modem": "tsel-1", "operator": "TSEL", "pin": "1234", "rule_pack": pack,
              "topup": "*777*{dest}*{nominal}*{pin}#"}
    return Supplier.create(name=f"chip {pack}", kind="ussd_chip", config=json.dumps(config))


def test_saved_rule_pack_is_the_one_used(shop):
    data = json.loads(load_pack("tsel_mkios").to_json())
    data["rules"].insert(0, {"name": "owner.ok", "pattern": r"^BERES (?P<sn>\d+)$", "outcome": "success",
                             "reason": None})
    shop_admin.save_rule_pack("tsel_mkios", json.dumps(data), actor="budi")
    supplier = build_supplier(_chip("tsel_mkios"), {})
    match = supplier.pack.match("BERES 123456")
    assert (match.outcome, match.sn, match.rule_name) == (Outcome.SUCCESS, "123456", "owner.ok")
    assert supplier.disabled_reason == ""


def test_missing_rule_pack_disables_the_supplier_instead_of_crashing(shop):
    supplier = build_supplier(_chip("hilang"), {})
    assert supplier.pack is None and "hilang" in supplier.disabled_reason and not supplier.online
