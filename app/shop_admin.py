"""What the shop owner changes from the control panel: resellers, money, products, routes, suppliers
and rule packs. No Qt. Every change writes an AuditLog row naming the actor, in the same transaction.

Errors the owner can fix (a duplicate code, a bad number, an invalid pack) raise `AdminError` with an
Indonesian message the UI shows as it is.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass
from typing import Any, Sequence

import peewee as pw

from app import ledger
from app.commands.parser import KEYWORDS, TOPUP_VERBS
from app.h2h import members as h2h_members
from app.money import group
from app.phone import PrefixTable, normalize_msisdn
from app.products import ProductKind, forces_skip_prefix_check
from app.queries.products import cheapest_costs
from app.pins import hash_pin, new_salt, random_pin
from app.rules import H2H_PACK_NAMES, PACK_NAMES, RulePack, load_pack
from app import settings
from app.supplier_config import TEMPLATE_KEYS, SupplierConfig
from storage.models import (AuditLog, Price, PriceGroup, Product, Reseller, ResellerAddress, Route,
                            Supplier, database_proxy as db)

CHANNELS = ("sms", "telegram", "jabber", "wa")
# Supplier config keys the owner may edit; the chip PIN and modem binding stay with the set-up.
# app.suppliers.build_supplier loads packs by name from resources only, so a supplier may only name a
# default pack until it reads saved ones through `load_rule_pack`.
SUPPLIER_PACKS = PACK_NAMES + H2H_PACK_NAMES


class AdminError(ValueError):
    pass


def _audit(actor: str, action: str, target: str, detail: str = "") -> None:
    AuditLog.create(actor=actor[:50], action=action[:50], target=target[:100], detail=detail[:2000])


# --- resellers -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Address:
    channel: str
    address: str


def normalize_address(channel: str, address: str) -> str:
    """The stored form, as `MessageService.find_reseller` looks it up."""
    channel = channel.strip().lower()
    if channel not in CHANNELS:
        raise AdminError(f"Kanal tidak dikenal: {channel}")
    if channel == "sms":
        number = normalize_msisdn(address)
        if number is None:
            raise AdminError(f"Nomor HP tidak valid: {address}")
        return number
    value = address.strip().lower()
    if not value:
        raise AdminError("Alamat chat kosong")
    return value


def _check_upline(reseller_id: int | None, parent_id: int | None) -> None:
    if parent_id is None:
        return
    seen = {reseller_id} if reseller_id is not None else set()
    current: int | None = parent_id
    while current is not None:
        if current in seen:
            raise AdminError("Upline tidak boleh membentuk lingkaran")
        seen.add(current)
        row = Reseller.get_or_none(Reseller.id == current)
        if row is None:
            raise AdminError("Upline tidak ditemukan")
        current = row.parent_id


def _replace_addresses(reseller_id: int, addresses: Sequence[Address]) -> None:
    normalized: list[tuple[str, str]] = []
    for a in addresses:
        pair = (a.channel.strip().lower(), normalize_address(a.channel, a.address))
        if pair not in normalized:
            normalized.append(pair)
    if not normalized:
        raise AdminError("Reseller butuh minimal satu nomor atau ID chat")
    for channel, address in normalized:
        owner = (ResellerAddress.select(ResellerAddress.reseller)
                 .where((ResellerAddress.channel == channel) & (ResellerAddress.address == address)).scalar())
        if owner is not None and owner != reseller_id:
            code = Reseller.get_by_id(owner).code
            raise AdminError(f"{address} sudah dipakai reseller {code}")
    ResellerAddress.delete().where(ResellerAddress.reseller == reseller_id).execute()
    for i, (channel, address) in enumerate(normalized):
        ResellerAddress.create(reseller=reseller_id, channel=channel, address=address, is_main=(i == 0))


def _check_price_group(price_group_id: int | None) -> None:
    if price_group_id is None or not PriceGroup.select().where(PriceGroup.id == price_group_id).exists():
        raise AdminError("Pilih grup harga. Belum ada? Buat dulu di menu Produk dan harga, tombol Grup harga")


def create_reseller(*, code: str, name: str, price_group_id: int, addresses: Sequence[Address], actor: str,
                    city: str = "", parent_id: int | None = None, credit_limit: int = 0, markup: int = 0,
                    language: str = "id") -> tuple[int, str]:
    """A new reseller with a random PIN. Returns (id, PIN); the PIN is shown once and never stored plain."""
    code = code.strip().upper()
    if not code or not name.strip():
        raise AdminError("Kode dan nama wajib diisi")
    if credit_limit < 0:
        raise AdminError("Limit kredit tidak boleh negatif")
    _check_price_group(price_group_id)
    if Reseller.select().where(Reseller.code == code).exists():
        raise AdminError(f"Kode {code} sudah dipakai")
    pin = random_pin()
    salt = new_salt()
    with db.atomic():
        _check_upline(None, parent_id)
        reseller = Reseller.create(code=code, name=name.strip(), city=city.strip(), price_group=price_group_id,
                                   parent=parent_id, credit_limit=int(credit_limit), markup=int(markup),
                                   language=language, pin_salt=salt, pin_hash=hash_pin(pin, salt))
        _replace_addresses(reseller.id, addresses)
        _audit(actor, "reseller_create", f"reseller:{reseller.id}", f"code={code}")
    return reseller.id, pin


def update_reseller(reseller_id: int, *, actor: str, name: str | None = None, city: str | None = None,
                    price_group_id: int | None = None, parent_id: int | None | type[...] = ...,
                    credit_limit: int | None = None, markup: int | None = None, language: str | None = None,
                    addresses: Sequence[Address] | None = None) -> None:
    """Change the given fields only (`parent_id=None` removes the upline; leave it out to keep it)."""
    changes: dict[str, Any] = {}
    if name is not None:
        if not name.strip():
            raise AdminError("Nama wajib diisi")
        changes["name"] = name.strip()
    if city is not None:
        changes["city"] = city.strip()
    if price_group_id is not None:
        _check_price_group(price_group_id)
        changes["price_group"] = price_group_id
    if credit_limit is not None:
        if credit_limit < 0:
            raise AdminError("Limit kredit tidak boleh negatif")
        changes["credit_limit"] = int(credit_limit)
    if markup is not None:
        changes["markup"] = int(markup)
    if language is not None:
        changes["language"] = language
    with db.atomic():
        if parent_id is not ...:
            _check_upline(reseller_id, parent_id)  # type: ignore[arg-type]
            changes["parent"] = parent_id
        if changes:
            Reseller.update(**changes).where(Reseller.id == reseller_id).execute()
        if addresses is not None:
            _replace_addresses(reseller_id, addresses)
        detail = ", ".join(f"{k}={v}" for k, v in changes.items())
        if addresses is not None:
            detail += (", " if detail else "") + "addresses=" + ";".join(f"{a.channel}:{a.address}" for a in addresses)
        _audit(actor, "reseller_update", f"reseller:{reseller_id}", detail)


def set_blocked(reseller_id: int, blocked: bool, *, actor: str) -> None:
    """Block (no orders accepted) or unblock; unblocking also clears a PIN lockout."""
    with db.atomic():
        values: dict[str, Any] = {"active": not blocked}
        if not blocked:
            values.update(pin_failures=0, locked_until=None)
        Reseller.update(**values).where(Reseller.id == reseller_id).execute()
        _audit(actor, "reseller_block" if blocked else "reseller_unblock", f"reseller:{reseller_id}")


def reset_pin(reseller_id: int, *, actor: str) -> str:
    """A new random PIN; returned once for the owner to pass on. Clears a lockout."""
    pin = random_pin()
    salt = new_salt()
    with db.atomic():
        n = Reseller.update(pin_salt=salt, pin_hash=hash_pin(pin, salt), pin_failures=0, locked_until=None) \
            .where(Reseller.id == reseller_id).execute()
        if n != 1:
            raise AdminError("Reseller tidak ditemukan")
        h2h_members.pin_changed(reseller_id, pin)  # an H2H member's OtomaX sign is made with it
        _audit(actor, "reseller_reset_pin", f"reseller:{reseller_id}")  # the PIN itself is never logged
    return pin


@dataclass(frozen=True)
class PinUnlock:
    """What `unlock_reseller` cleared."""

    reseller_id: int
    code: str
    locked_until: _dt.datetime | None  # when the lock would have ended; None when there was none
    failures: int  # wrong PINs in a row that were forgiven


def unlock_reseller(reseller: int | str, *, actor: str) -> PinUnlock:
    """End a PIN lock now (by id, or by code as typed on the command line): the reseller may try again at
    once, and the row of wrong PINs starts over, so the next lock is a short one again."""
    with db.atomic():
        if isinstance(reseller, int):
            row = Reseller.get_or_none(Reseller.id == reseller)
        else:
            row = Reseller.get_or_none(Reseller.code == reseller.strip().upper())
        if row is None:
            raise AdminError(f"Reseller {reseller} tidak ditemukan")
        Reseller.update(pin_failures=0, locked_until=None).where(Reseller.id == row.id).execute()
        until = row.locked_until
        _audit(actor, "reseller_unlock", f"reseller:{row.id}",
               f"locked_until={until:%Y-%m-%d %H:%M} failures={row.pin_failures}" if until else
               f"locked_until=- failures={row.pin_failures}")
    return PinUnlock(row.id, row.code, until, row.pin_failures)


def add_deposit(reseller_id: int, amount: int, *, note: str, actor: str) -> ledger.Posting:
    if not isinstance(amount, int) or amount <= 0:
        raise AdminError("Jumlah deposit harus lebih dari 0")
    with db.atomic():
        posting = ledger.deposit(reseller_id, amount, note=note.strip(), actor=actor)
        _audit(actor, "deposit", f"reseller:{reseller_id}", f"amount={amount} note={note.strip()}")
    return posting


def add_correction(reseller_id: int, delta: int, *, note: str, actor: str) -> ledger.Posting:
    if not isinstance(delta, int) or delta == 0:
        raise AdminError("Jumlah koreksi tidak boleh 0")
    if not note.strip():
        raise AdminError("Koreksi wajib diberi catatan")
    with db.atomic():
        posting = ledger.correction(reseller_id, delta, note=note.strip(), actor=actor)
        _audit(actor, "correction", f"reseller:{reseller_id}", f"delta={delta} note={note.strip()}")
    return posting


# --- products -----------------------------------------------------------------------------------

PRODUCT_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{0,19}$")
OPERATOR_RE = re.compile(r"^[A-Z0-9]{1,20}$")
GROUP_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,19}$")


@dataclass(frozen=True)
class ProductSpec:
    """A product as the owner enters it. `operator` is the mobile operator (TSEL …) for pulsa and data,
    else the provider (PLN, DANA, FF …)."""

    code: str
    name: str
    kind: str
    operator: str
    nominal: int
    active: bool = True
    default_for_nominal: bool = False  # a plain nominal ("10.0812….PIN") means this product
    skip_prefix_check: bool = False  # always on for kinds whose destination is not the operator's number


def _clean_product(spec: ProductSpec) -> ProductSpec:
    code = spec.code.strip().upper()
    if not code:
        raise AdminError("Kode produk wajib diisi")
    if not PRODUCT_CODE_RE.match(code):
        raise AdminError(f"Kode produk {code} tidak valid: hanya huruf dan angka, diawali huruf, paling panjang "
                         "20 (contoh: S10, PLN20, DANA50)")
    if code in KEYWORDS or code in TOPUP_VERBS:
        raise AdminError(f"Kode {code} sudah dipakai sebagai perintah SMS reseller; pilih kode lain")
    name = spec.name.strip()
    if not name:
        raise AdminError("Nama produk wajib diisi")
    if len(name) > 100:
        raise AdminError("Nama produk paling panjang 100 karakter")
    kinds = {k.value for k in ProductKind}
    if spec.kind not in kinds:
        raise AdminError(f"Jenis produk tidak dikenal: {spec.kind}")
    operator = spec.operator.strip().upper()
    if not operator:
        raise AdminError("Operator atau provider wajib diisi")
    if not OPERATOR_RE.match(operator):
        raise AdminError("Operator atau provider hanya huruf dan angka, paling panjang 20")
    if not isinstance(spec.nominal, int) or isinstance(spec.nominal, bool) or spec.nominal <= 0:
        raise AdminError("Nominal harus lebih dari 0")
    skip = True if forces_skip_prefix_check(spec.kind) else bool(spec.skip_prefix_check)
    if not skip and operator not in PrefixTable.default().names:
        raise AdminError(f"Operator {operator} tidak ada di tabel prefiks, jadi nomor tujuan tidak bisa dicek. "
                         "Pilih operator dari daftar atau nyalakan 'Lewati cek prefiks'")
    if spec.default_for_nominal and spec.kind != ProductKind.AIRTIME.value:
        raise AdminError("Hanya produk pulsa yang bisa dipakai untuk order nominal saja")
    return ProductSpec(code, name, spec.kind, operator, spec.nominal, bool(spec.active),
                       bool(spec.default_for_nominal), skip)


def _code_taken(code: str, product_id: int | None) -> None:
    other = Product.select(Product.id).where(Product.code == code).scalar()
    if other is not None and other != product_id:
        raise AdminError(f"Kode {code} sudah dipakai produk lain")


def _one_default(product_id: int, spec: ProductSpec) -> None:
    """A plain nominal must point at one product: the others of that operator and nominal give way."""
    if spec.default_for_nominal:
        Product.update(default_for_nominal=False).where(
            (Product.operator == spec.operator) & (Product.nominal == spec.nominal)
            & (Product.kind == ProductKind.AIRTIME.value) & (Product.id != product_id)).execute()


def _spec_fields(spec: ProductSpec) -> dict[str, Any]:
    return {"code": spec.code, "name": spec.name, "kind": spec.kind, "operator": spec.operator,
            "nominal": spec.nominal, "active": spec.active, "default_for_nominal": spec.default_for_nominal,
            "skip_prefix_check": spec.skip_prefix_check}


def create_product(spec: ProductSpec, *, actor: str, prices: dict[int, int] | None = None) -> int:
    """A new product, with its sell price in some price groups ({group id: sell}) if given."""
    spec = _clean_product(spec)
    try:
        with db.atomic():
            _code_taken(spec.code, None)
            product = Product.create(**_spec_fields(spec))
            _one_default(product.id, spec)
            _audit(actor, "product_create", f"product:{product.id}",
                   ", ".join(f"{k}={v}" for k, v in _spec_fields(spec).items()))
            for group_id, sell in (prices or {}).items():  # no route yet, so no cost to compare with
                _check_prices(group_id, {product.id: sell}, below_cost_ok=True)
                _write_prices(group_id, {product.id: sell}, actor, "")
    except pw.IntegrityError:  # another window added the same code just now
        raise AdminError(f"Kode {spec.code} sudah dipakai produk lain") from None
    return product.id


def update_product(product_id: int, spec: ProductSpec, *, actor: str) -> None:
    spec = _clean_product(spec)
    try:
        with db.atomic():
            row = Product.get_or_none(Product.id == product_id)
            if row is None:
                raise AdminError("Produk tidak ditemukan")
            _code_taken(spec.code, product_id)
            after = _spec_fields(spec)
            before = {k: getattr(row, k) for k in after}
            Product.update(**after).where(Product.id == product_id).execute()
            _one_default(product_id, spec)
            detail = ", ".join(f"{k}: {before[k]} -> {v}" for k, v in after.items() if before[k] != v)
            _audit(actor, "product_update", f"product:{product_id}", detail)
    except pw.IntegrityError:
        raise AdminError(f"Kode {spec.code} sudah dipakai produk lain") from None


def set_product_active(product_id: int, active: bool, *, actor: str) -> None:
    with db.atomic():
        Product.update(active=active).where(Product.id == product_id).execute()
        _audit(actor, "product_enable" if active else "product_disable", f"product:{product_id}")


# --- price groups and prices ----------------------------------------------------------------------

def create_price_group(code: str, name: str, *, actor: str) -> int:
    code = code.strip().upper()
    if not GROUP_CODE_RE.match(code):
        raise AdminError("Kode grup harga hanya huruf, angka dan _, diawali huruf, paling panjang 20 "
                         "(contoh: RETAIL, AGEN)")
    if not name.strip():
        raise AdminError("Nama grup harga wajib diisi")
    try:
        with db.atomic():
            if PriceGroup.select().where(PriceGroup.code == code).exists():
                raise AdminError(f"Grup harga {code} sudah ada")
            group_id = PriceGroup.create(code=code, name=name.strip()[:100]).id
            _audit(actor, "price_group_create", f"price_group:{group_id}", f"code={code} name={name.strip()}")
    except pw.IntegrityError:
        raise AdminError(f"Grup harga {code} sudah ada") from None
    return group_id


def rename_price_group(group_id: int, name: str, *, actor: str) -> None:
    if not name.strip():
        raise AdminError("Nama grup harga wajib diisi")
    with db.atomic():
        row = PriceGroup.get_or_none(PriceGroup.id == group_id)
        if row is None:
            raise AdminError("Grup harga tidak ditemukan")
        PriceGroup.update(name=name.strip()[:100]).where(PriceGroup.id == group_id).execute()
        _audit(actor, "price_group_rename", f"price_group:{group_id}", f"{row.name} -> {name.strip()}")


@dataclass(frozen=True)
class BelowCostItem:
    product_id: int
    code: str
    sell: int
    cost: int  # the cheapest usable route's cost


class BelowCost(AdminError):
    """A price at or below the product's cheapest route cost, not confirmed (`below_cost_ok`)."""

    def __init__(self, items: Sequence[BelowCostItem]):
        self.items = tuple(items)
        listed = ", ".join(f"{i.code} {group(i.sell)} (modal {group(i.cost)})" for i in self.items)
        super().__init__(f"Harga sama dengan atau di bawah modal: {listed}")


def _check_prices(group_id: int, prices: dict[int, int], below_cost_ok: bool) -> None:
    if not PriceGroup.select().where(PriceGroup.id == group_id).exists():
        raise AdminError("Grup harga tidak ditemukan")
    for sell in prices.values():
        if not isinstance(sell, int) or isinstance(sell, bool) or sell <= 0:
            raise AdminError("Harga harus lebih dari 0")
    known = {p for (p,) in Product.select(Product.id).where(Product.id.in_(list(prices))).tuples()}
    if set(prices) - known:
        raise AdminError("Produk tidak ditemukan")
    if below_cost_ok:
        return
    costs = cheapest_costs(list(prices))
    below = [p for p, sell in prices.items() if p in costs and sell <= costs[p]]
    if below:
        codes = dict(Product.select(Product.id, Product.code).where(Product.id.in_(below)).tuples())
        raise BelowCost([BelowCostItem(p, codes[p], prices[p], costs[p]) for p in below])


def set_prices(price_group_id: int, prices: dict[int, int], *, actor: str, below_cost_ok: bool = False,
               note: str = "") -> int:
    """Set the group's sell price of each product ({product id: sell}) in one transaction. A price at or
    below the product's cheapest route cost raises `BelowCost` (nothing is saved) unless `below_cost_ok`.
    Returns how many prices changed."""
    with db.atomic():
        _check_prices(price_group_id, prices, below_cost_ok)
        return _write_prices(price_group_id, prices, actor, note)


def _write_prices(price_group_id: int, prices: dict[int, int], actor: str, note: str) -> int:
    changed = 0
    old = dict(Price.select(Price.product, Price.sell).where(
        (Price.price_group == price_group_id) & Price.product.in_(list(prices))).tuples())
    for product_id, sell in prices.items():
        if old.get(product_id) == sell:
            continue
        Price.insert(product=product_id, price_group=price_group_id, sell=sell).on_conflict(
            conflict_target=[Price.product, Price.price_group], update={Price.sell: sell}).execute()
        detail = f"group={price_group_id} {old.get(product_id)} -> {sell}" + (f" ({note})" if note else "")
        _audit(actor, "price_set", f"product:{product_id}", detail)
        changed += 1
    return changed


def set_price(product_id: int, price_group_id: int, sell: int, *, actor: str, below_cost_ok: bool = False) -> None:
    set_prices(price_group_id, {product_id: sell}, actor=actor, below_cost_ok=below_cost_ok)


def remove_price(product_id: int, price_group_id: int, *, actor: str) -> None:
    """The group no longer buys this product (its resellers get "no price")."""
    with db.atomic():
        n = Price.delete().where((Price.product == product_id) & (Price.price_group == price_group_id)).execute()
        if n:
            _audit(actor, "price_remove", f"product:{product_id}", f"group={price_group_id}")


# --- routes --------------------------------------------------------------------------------------

def _check_route(product_id: int, supplier_id: int, cost: int, supplier_code: str, route_id: int | None) -> str:
    if not Product.select().where(Product.id == product_id).exists():
        raise AdminError("Produk tidak ditemukan")
    supplier = Supplier.get_or_none(Supplier.id == supplier_id)
    if supplier is None:
        raise AdminError("Supplier tidak ditemukan")
    if not isinstance(cost, int) or isinstance(cost, bool) or cost <= 0:
        raise AdminError("Modal harus lebih dari 0")
    code = supplier_code.strip()
    if len(code) > 50:
        raise AdminError("Kode produk di supplier paling panjang 50 karakter")
    if any(ch.isspace() for ch in code):
        raise AdminError("Kode produk di supplier tidak boleh berisi spasi")
    # The engine tries each supplier once per order, so a second route on it would never be tried.
    twin = Route.select(Route.id).where((Route.product == product_id) & (Route.supplier == supplier_id)).scalar()
    if twin is not None and twin != route_id:
        raise AdminError(f"{supplier.name} sudah menjadi rute produk ini")
    return code


def _place_route(product_id: int, route_id: int, position: int | None) -> None:
    """Put the route at `position` (1 = tried first) and number all the product's priorities 0, 10, 20…"""
    order = [r for (r,) in Route.select(Route.id).where((Route.product == product_id) & (Route.id != route_id))
             .order_by(Route.priority, Route.id).tuples()]
    index = len(order) if position is None else min(max(int(position), 1), len(order) + 1) - 1
    order.insert(index, route_id)
    for i, rid in enumerate(order):
        Route.update(priority=i * 10).where(Route.id == rid).execute()


def add_route(product_id: int, supplier_id: int, *, cost: int, actor: str, supplier_code: str = "",
              active: bool = True, position: int | None = None) -> int:
    """A new route at `position` in the try order (1 = first; None = after the existing ones)."""
    with db.atomic():
        code = _check_route(product_id, supplier_id, cost, supplier_code, None)
        route = Route.create(product=product_id, supplier=supplier_id, cost=cost, supplier_code=code, active=active,
                             priority=0)
        _place_route(product_id, route.id, position)
        _audit(actor, "route_create", f"product:{product_id}",
               f"route={route.id} supplier={supplier_id} code={code} cost={cost} position={position or 'last'}")
    return route.id


def update_route(route_id: int, *, actor: str, supplier_id: int, cost: int, supplier_code: str = "",
                 active: bool = True, position: int | None = None) -> None:
    """Change a route; `position` moves it in the try order (None keeps its place)."""
    with db.atomic():
        row = Route.get_or_none(Route.id == route_id)
        if row is None:
            raise AdminError("Rute tidak ditemukan")
        code = _check_route(row.product_id, supplier_id, cost, supplier_code, route_id)
        after = {"supplier": supplier_id, "cost": cost, "supplier_code": code, "active": bool(active)}
        before = {"supplier": row.supplier_id, "cost": row.cost, "supplier_code": row.supplier_code,
                  "active": bool(row.active)}
        Route.update(**after).where(Route.id == route_id).execute()
        detail = ", ".join(f"{k}: {before[k]} -> {v}" for k, v in after.items() if before[k] != v)
        if position is not None:
            _place_route(row.product_id, route_id, position)
            detail += f", position={position}"
        _audit(actor, "route_update", f"product:{row.product_id}", f"route={route_id} {detail}")


def remove_route(route_id: int, *, actor: str) -> None:
    with db.atomic():
        row = Route.get_or_none(Route.id == route_id)
        if row is None:
            raise AdminError("Rute tidak ditemukan")
        row.delete_instance()
        _audit(actor, "route_remove", f"product:{row.product_id}",
               f"route={route_id} supplier={row.supplier_id} code={row.supplier_code} cost={row.cost}")


def set_route_order(product_id: int, route_ids: Sequence[int], *, actor: str) -> None:
    """Priorities follow the given order (first is tried first)."""
    existing = {r for (r,) in Route.select(Route.id).where(Route.product == product_id).tuples()}
    if set(route_ids) != existing or len(route_ids) != len(existing):
        raise AdminError("Daftar rute tidak cocok dengan rute produk ini")
    with db.atomic():
        for position, route_id in enumerate(route_ids):
            Route.update(priority=position * 10).where(Route.id == route_id).execute()
        _audit(actor, "route_order", f"product:{product_id}", ",".join(map(str, route_ids)))


def set_route_active(route_id: int, active: bool, *, actor: str) -> None:
    with db.atomic():
        Route.update(active=active).where(Route.id == route_id).execute()
        _audit(actor, "route_enable" if active else "route_disable", f"route:{route_id}")


# --- suppliers and rule packs --------------------------------------------------------------------

def supplier_templates(supplier_id: int) -> dict[str, Any]:
    return SupplierConfig.parse(Supplier.get_by_id(supplier_id).config).templates()


def update_supplier_templates(supplier_id: int, templates: dict[str, Any], *, actor: str) -> None:
    unknown = set(templates) - set(TEMPLATE_KEYS)
    if unknown:
        raise AdminError(f"Kolom tidak boleh diubah di sini: {', '.join(sorted(unknown))}")
    for key in ("topup", "balance", "history"):
        value = templates.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise AdminError(f"Format perintah {key} harus teks")
        try:
            value.format(dest="0", nominal=0, pin="0", amount="0", amount_plain=0, code="X")
        except (KeyError, IndexError, ValueError) as exc:
            raise AdminError(f"Format perintah {key} tidak valid: {exc}") from None
    if "topup" in templates:
        if not str(templates["topup"]).strip():
            raise AdminError("Format isi ulang wajib diisi")
        if "{dest}" not in templates["topup"]:
            raise AdminError("Format isi ulang harus memuat {dest}")
    pack = templates.get("rule_pack")
    if pack and pack not in SUPPLIER_PACKS:
        raise AdminError(f"Aturan balasan {pack} tidak dikenal")
    with db.atomic():
        row = Supplier.get_by_id(supplier_id)
        config = SupplierConfig.parse(row.config)
        before = {k: config.to_dict().get(k) for k in templates}
        row.config = config.with_templates(templates).dumps()
        row.save()
        _audit(actor, "supplier_templates", f"supplier:{supplier_id}",
               json.dumps({"before": before, "after": templates}, ensure_ascii=False))


def set_supplier_active(supplier_id: int, active: bool, *, actor: str) -> None:
    with db.atomic():
        Supplier.update(active=active).where(Supplier.id == supplier_id).execute()
        _audit(actor, "supplier_enable" if active else "supplier_disable", f"supplier:{supplier_id}")


def rule_pack_names() -> list[str]:
    """Default packs first, then packs the owner saved under new names."""
    return list(SUPPLIER_PACKS) + [n for n in settings.saved_rule_pack_names() if n not in SUPPLIER_PACKS]


def is_customized(name: str) -> bool:
    return settings.saved_rule_pack(name) is not None


def rule_pack_source(name: str) -> str:
    """The pack's JSON as the editor shows it: the owner's saved version, else the default."""
    saved = settings.saved_rule_pack(name)
    return saved if saved is not None else load_pack(name).to_json()


def load_rule_pack(name: str) -> RulePack:
    """The pack in effect: the owner's saved version when there is one, else the default."""
    saved = settings.saved_rule_pack(name)
    if saved is None:
        return load_pack(name)
    pack = RulePack.from_json(saved)
    if pack.senders is None:  # saved before packs named their senders: the default pack's list holds
        pack.senders = load_pack(name).senders if name in SUPPLIER_PACKS else ()
    return pack


def save_rule_pack(name: str, text: str, *, actor: str) -> RulePack:
    """Validate and store a pack; the JSON text is kept as written (comments aside, JSON has none)."""
    name = name.strip()
    if not name or not all(c.isalnum() or c in "_-" for c in name):
        raise AdminError("Nama aturan balasan hanya huruf, angka, _ dan -")
    try:
        pack = RulePack.from_json(text)
    except ValueError as exc:
        raise AdminError(f"Aturan balasan tidak valid: {exc}") from None
    if not pack.rules:
        raise AdminError("Aturan balasan butuh minimal satu aturan")
    with db.atomic():
        settings.save_rule_pack(name, text)
        _audit(actor, "rule_pack_save", f"rule_pack:{name}", f"{len(pack.rules)} rules")
    return pack


def revert_rule_pack(name: str, *, actor: str) -> None:
    """Drop the owner's version of a default pack (or delete a pack the owner created)."""
    with db.atomic():
        settings.forget_rule_pack(name)
        _audit(actor, "rule_pack_revert", f"rule_pack:{name}")


# --- small read helpers ----------------------------------------------------------------------------

