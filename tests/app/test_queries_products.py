"""app.queries.products on the demo shop: the catalog with prices per group, costs from usable routes,
routes in the order they are tried, and the bulk markup preview (SQLite, and PostgreSQL when set)."""
from __future__ import annotations

from app import shop_admin
from app.demo import seed_demo
from app.queries import products as q
from app.queries.products import MarkupBasis, SkipReason
from app.shop_admin import ProductSpec
from storage.models import PriceGroup, Product, Supplier
from tests.app.query_dbs import any_db  # noqa: F401  (fixture)


def _shop():
    seed_demo()
    groups = {g.code: g.id for g in PriceGroup.select()}
    a = Supplier.create(name="chip A", kind="ussd_chip", config="{}")
    b = Supplier.create(name="H2H B", kind="http", config="{}", stock=750_000)
    off = Supplier.create(name="chip mati", kind="ussd_chip", config="{}", active=False)
    s10 = Product.get(Product.code == "S10").id
    ra = shop_admin.add_route(s10, a.id, cost=10_200, actor="t")
    rb = shop_admin.add_route(s10, b.id, cost=9_900, supplier_code="TSEL10", actor="t")
    shop_admin.add_route(s10, off.id, cost=9_000, actor="t")  # cheapest, but its supplier is off
    pln = shop_admin.create_product(ProductSpec("PLN20", "Token PLN 20.000", "pln", "PLN", 20_000), actor="t")
    shop_admin.add_route(pln, b.id, cost=20_150, supplier_code="PLN20K", actor="t")
    return groups, s10, pln, (a.id, b.id, off.id), (ra, rb)


def test_catalog_prices_costs_and_filters(any_db):
    groups, s10, pln, _sup, (ra, _rb) = _shop()
    cat = q.catalog()
    assert [g.code for g in cat.groups] == ["RETAIL", "AGEN"]
    assert {g.code: g.resellers for g in cat.groups} == {"RETAIL": 2, "AGEN": 1}
    assert cat.total_products == len(cat.products) == 17 and cat.suppliers == 3
    assert "PLN" in cat.operators and "TSEL" in cat.operators
    row = next(p for p in cat.products if p.id == s10)
    assert row.prices == {groups["RETAIL"]: 10_650, groups["AGEN"]: 10_550}
    assert (row.cheapest_cost, row.main_cost, row.routes) == (9_900, 10_200, 3)
    assert not row.sells_at_or_below_cost(groups["RETAIL"])
    assert cat.products[-1].kind == "pln"  # pulsa first, then the other kinds
    assert q.product(pln).skip_prefix_check and q.product(pln).prices == {}
    assert q.product_by_code("pln20").id == pln

    only = q.catalog(kind="pln")
    assert [p.code for p in only.products] == ["PLN20"] and only.total_products == 17
    assert [p.code for p in q.catalog(operator="ISAT").products] == ["I5", "I10", "I25"]
    assert q.catalog(kind="game").products == ()

    shop_admin.set_route_active(ra, False, actor="t")
    assert q.product(s10).main_cost == 9_900  # the first usable route now
    assert q.cheapest_costs([s10, pln]) == {s10: 9_900, pln: 20_150}


def test_routes_in_try_order_with_supplier_details(any_db):
    _groups, s10, _pln, (a, b, off), (ra, rb) = _shop()
    routes = q.routes(s10)
    assert [(r.supplier_name, r.cost, r.supplier_code, r.usable) for r in routes] == [
        ("chip A", 10_200, "", True), ("H2H B", 9_900, "TSEL10", True), ("chip mati", 9_000, "", False)]
    assert routes[1].stock == 750_000 and routes[1].supplier_kind == "http"
    shop_admin.set_route_order(s10, [rb, ra, routes[2].id], actor="t")
    assert [r.id for r in q.routes(s10)] == [rb, ra, routes[2].id]
    assert q.route(rb).supplier_id == b and q.route(999_999) is None
    assert [s.name for s in q.suppliers()] == ["H2H B", "chip A", "chip mati"]
    assert not next(s for s in q.suppliers() if s.id == off).active


def test_markup_preview_on_route_cost_and_on_nominal(any_db):
    groups, s10, pln, _sup, _routes = _shop()
    agen = groups["AGEN"]
    preview = {c.code: c for c in q.markup_preview(agen, MarkupBasis.MAIN_ROUTE_COST, 350, kind="airtime",
                                                   operator="TSEL")}
    assert set(preview) == {"S5", "S10", "S20", "S25", "S50", "S100"}
    s10_change = preview["S10"]
    assert (s10_change.basis, s10_change.old, s10_change.new) == (10_200, 10_550, 10_550)
    assert not s10_change.changes and not s10_change.at_or_below_cost
    assert preview["S5"].skip is SkipReason.NO_ROUTE and preview["S5"].new is None and not preview["S5"].changes

    by_nominal = {c.code: c for c in q.markup_preview(agen, "nominal", 125)}
    assert by_nominal["PLN20"].new == 20_125 and by_nominal["PLN20"].old is None
    assert by_nominal["PLN20"].at_or_below_cost  # route cost 20.150
    assert by_nominal["S10"].new == 10_125 and not by_nominal["S10"].at_or_below_cost
    assert by_nominal["I25"].new == 25_125 and by_nominal["I25"].old == 25_500

    cheap = {c.code: c for c in q.markup_preview(agen, "nominal", -5_000, operator="TSEL")}
    assert cheap["S5"].skip is SkipReason.NOT_POSITIVE and cheap["S10"].new == 5_000
