"""Products, price groups, prices and routes, as the "Produk dan harga" view and its dialogs read them.

The cheapest cost of a product is the lowest cost among its usable routes (route and supplier both
on): selling at or below it loses money on every order. The main route is the usable route tried
first (lowest priority number); its cost is one basis for a bulk markup.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from app.products import ProductKind
from storage import sql

_KIND_ORDER = {k.value: i for i, k in enumerate(ProductKind)}


@dataclass(frozen=True)
class PriceGroupRow:
    id: int
    code: str
    name: str
    resellers: int = 0  # how many resellers buy at this group's prices


@dataclass(frozen=True)
class ProductListRow:
    id: int
    code: str
    name: str
    kind: str
    operator: str
    nominal: int
    active: bool
    default_for_nominal: bool
    skip_prefix_check: bool
    prices: dict[int, int] = field(default_factory=dict, hash=False)  # price group id -> sell
    cheapest_cost: int | None = None  # lowest cost of a usable route
    main_cost: int | None = None  # cost of the usable route tried first
    routes: int = 0  # all routes, usable or not

    def sells_at_or_below_cost(self, group_id: int) -> bool:
        sell = self.prices.get(group_id)
        return sell is not None and self.cheapest_cost is not None and sell <= self.cheapest_cost


@dataclass(frozen=True)
class Catalog:
    """What the view shows: the products matching its filter, and what the whole shop has."""

    groups: tuple[PriceGroupRow, ...]
    products: tuple[ProductListRow, ...]
    operators: tuple[str, ...]  # every operator or provider that has a product
    total_products: int  # in the shop, whatever the filter
    suppliers: int  # configured suppliers (chips, upstreams, H2H)


@dataclass(frozen=True)
class RouteRow:
    id: int
    product_id: int
    supplier_id: int
    supplier_name: str
    supplier_kind: str
    supplier_active: bool
    stock: int | None  # the supplier's own balance, when known
    supplier_code: str  # the product's code at the supplier ("" = ours)
    cost: int
    priority: int
    active: bool

    @property
    def usable(self) -> bool:
        return self.active and self.supplier_active


@dataclass(frozen=True)
class SupplierChoice:
    id: int
    name: str
    kind: str
    active: bool


class MarkupBasis(str, enum.Enum):
    MAIN_ROUTE_COST = "main_route_cost"  # cost of the route tried first
    NOMINAL = "nominal"  # the face value


class SkipReason(str, enum.Enum):
    NO_ROUTE = "no_route"  # the basis is a route cost and the product has no usable route
    NOT_POSITIVE = "not_positive"  # basis + markup is 0 or less


@dataclass(frozen=True)
class PriceChange:
    """One product in a bulk markup preview: its price in the group now and after."""

    product_id: int
    code: str
    name: str
    kind: str
    operator: str
    basis: int | None
    old: int | None
    new: int | None  # None: skipped (see `skip`)
    cheapest_cost: int | None
    skip: SkipReason | None = None

    @property
    def changes(self) -> bool:
        return self.new is not None and self.new != self.old

    @property
    def at_or_below_cost(self) -> bool:
        return self.new is not None and self.cheapest_cost is not None and self.new <= self.cheapest_cost


# --- price groups ---------------------------------------------------------------------------------

def price_groups() -> list[PriceGroupRow]:
    return [PriceGroupRow(int(i), code, name, int(n)) for i, code, name, n in sql.all_rows(
        "SELECT g.id, g.code, g.name, (SELECT COUNT(*) FROM reseller r WHERE r.price_group_id = g.id) "
        "FROM price_group g ORDER BY g.id")]


# --- products -----------------------------------------------------------------------------------

_PRODUCT_COLUMNS = "id, code, name, kind, operator, nominal, active, default_for_nominal, skip_prefix_check"


def _costs() -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """(cheapest usable cost, main route cost, route count) per product id."""
    cheapest: dict[int, int] = {}
    main: dict[int, int] = {}
    for product_id, cost in sql.all_rows(
            "SELECT r.product_id, r.cost FROM route r JOIN supplier s ON s.id = r.supplier_id "
            "WHERE r.active = ? AND s.active = ? ORDER BY r.product_id, r.priority, r.id", (True, True)):
        main.setdefault(product_id, int(cost))
        cheapest[product_id] = min(int(cost), cheapest.get(product_id, int(cost)))
    counts = {int(p): int(n) for p, n in sql.all_rows("SELECT product_id, COUNT(*) FROM route GROUP BY product_id")}
    return cheapest, main, counts


def _products(where: str = "", params: tuple = ()) -> list[ProductListRow]:
    prices: dict[int, dict[int, int]] = {}
    for product_id, group_id, sell in sql.all_rows("SELECT product_id, price_group_id, sell FROM price"):
        prices.setdefault(int(product_id), {})[int(group_id)] = int(sell)
    cheapest, main, counts = _costs()
    rows = [ProductListRow(int(i), code, name, kind, operator, int(nominal), bool(active), bool(default), bool(skip),
                           prices.get(int(i), {}), cheapest.get(int(i)), main.get(int(i)), counts.get(int(i), 0))
            for i, code, name, kind, operator, nominal, active, default, skip in sql.all_rows(
                f"SELECT {_PRODUCT_COLUMNS} FROM product {where}", params)]
    rows.sort(key=lambda p: (_KIND_ORDER.get(p.kind, len(_KIND_ORDER)), p.operator, p.nominal, p.code))
    return rows


def _filter(kind: str | None, operator: str | None) -> tuple[str, tuple]:
    conditions, params = [], []
    if kind:
        conditions.append("kind = ?")
        params.append(kind)
    if operator:
        conditions.append("operator = ?")
        params.append(operator)
    return ("WHERE " + " AND ".join(conditions) if conditions else ""), tuple(params)


def catalog(kind: str | None = None, operator: str | None = None) -> Catalog:
    """Products of one kind and/or operator (None: all), with their prices in every group."""
    where, params = _filter(kind, operator)
    operators = tuple(op for (op,) in sql.all_rows("SELECT DISTINCT operator FROM product ORDER BY operator"))
    total = int(sql.one("SELECT COUNT(*) FROM product")[0])
    suppliers = int(sql.one("SELECT COUNT(*) FROM supplier")[0])
    return Catalog(tuple(price_groups()), tuple(_products(where, params)), operators, total, suppliers)


def product(product_id: int) -> ProductListRow | None:
    found = _products("WHERE id = ?", (product_id,))
    return found[0] if found else None


def product_by_code(code: str) -> ProductListRow | None:
    found = _products("WHERE code = ?", (code.strip().upper(),))
    return found[0] if found else None


def cheapest_costs(product_ids: list[int] | None = None) -> dict[int, int]:
    """Lowest usable route cost per product (all products when `product_ids` is None)."""
    cheapest = _costs()[0]
    return cheapest if product_ids is None else {p: cheapest[p] for p in product_ids if p in cheapest}


# --- routes -------------------------------------------------------------------------------------

def routes(product_id: int) -> list[RouteRow]:
    """A product's routes in the order they are tried."""
    return [RouteRow(int(i), int(product_id), int(sid), name, kind, bool(sup_active),
                     None if stock is None else int(stock), code or "", int(cost), int(priority), bool(active))
            for i, sid, name, kind, sup_active, stock, code, cost, priority, active in sql.all_rows(
                "SELECT r.id, r.supplier_id, s.name, s.kind, s.active, s.stock, r.supplier_code, r.cost, r.priority, "
                "r.active FROM route r JOIN supplier s ON s.id = r.supplier_id WHERE r.product_id = ? "
                "ORDER BY r.priority, r.id", (product_id,))]


def route(route_id: int) -> RouteRow | None:
    row = sql.one("SELECT product_id FROM route WHERE id = ?", (route_id,))
    if row is None:
        return None
    return next((r for r in routes(int(row[0])) if r.id == route_id), None)


def suppliers() -> list[SupplierChoice]:
    return [SupplierChoice(int(i), name, kind, bool(active)) for i, name, kind, active in sql.all_rows(
        "SELECT id, name, kind, active FROM supplier ORDER BY name")]


# --- bulk markup --------------------------------------------------------------------------------

def markup_preview(group_id: int, basis: MarkupBasis | str, markup: int, *, kind: str | None = None,
                   operator: str | None = None) -> list[PriceChange]:
    """sell = basis + markup for every product matching the filter, next to the group's price now."""
    basis = MarkupBasis(basis)
    where, params = _filter(kind, operator)
    out = []
    for p in _products(where, params):
        value = p.nominal if basis is MarkupBasis.NOMINAL else p.main_cost
        skip = None
        new = None
        if value is None:
            skip = SkipReason.NO_ROUTE
        elif value + markup <= 0:
            skip = SkipReason.NOT_POSITIVE
        else:
            new = value + markup
        out.append(PriceChange(p.id, p.code, p.name, p.kind, p.operator, value, p.prices.get(group_id), new,
                               p.cheapest_cost, skip))
    return out
