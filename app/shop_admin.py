"""What the shop owner changes from the control panel: resellers, money, products, routes, suppliers
and rule packs. No Qt. Every change writes an AuditLog row naming the actor, in the same transaction.

Errors the owner can fix (a duplicate code, a bad number, an invalid pack) raise `AdminError` with an
Indonesian message the UI shows as it is.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Sequence

from app import ledger
from app.phone import normalize_msisdn
from app.pins import hash_pin, new_salt, random_pin
from app.rules import PACK_NAMES, RulePack, load_pack
from app.settings import get as get_setting, put as put_setting
from storage.models import (AuditLog, Price, PriceGroup, Product, Reseller, ResellerAddress, Route, Setting,
                            Supplier, database_proxy as db)

CHANNELS = ("sms", "telegram", "jabber", "wa")
# Supplier config keys the owner may edit; the chip PIN and modem binding stay with the set-up.
TEMPLATE_KEYS = ("topup", "balance", "history", "menu", "to", "rule_pack", "ussd_timeout")
PACK_PREFIX = "rule_pack:"
# app.suppliers.build_supplier loads packs by name from resources only, so a supplier may only name a
# default pack until it reads saved ones through `load_rule_pack`.
SUPPLIER_PACKS = PACK_NAMES


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


def create_reseller(*, code: str, name: str, price_group_id: int, addresses: Sequence[Address], actor: str,
                    city: str = "", parent_id: int | None = None, credit_limit: int = 0, markup: int = 0,
                    language: str = "id") -> tuple[int, str]:
    """A new reseller with a random PIN. Returns (id, PIN); the PIN is shown once and never stored plain."""
    code = code.strip().upper()
    if not code or not name.strip():
        raise AdminError("Kode dan nama wajib diisi")
    if credit_limit < 0:
        raise AdminError("Limit kredit tidak boleh negatif")
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
        _audit(actor, "reseller_reset_pin", f"reseller:{reseller_id}")  # the PIN itself is never logged
    return pin


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


# --- products, prices, routes --------------------------------------------------------------------

def set_product_active(product_id: int, active: bool, *, actor: str) -> None:
    with db.atomic():
        Product.update(active=active).where(Product.id == product_id).execute()
        _audit(actor, "product_enable" if active else "product_disable", f"product:{product_id}")


def set_price(product_id: int, price_group_id: int, sell: int, *, actor: str) -> None:
    if not isinstance(sell, int) or sell <= 0:
        raise AdminError("Harga harus lebih dari 0")
    with db.atomic():
        old = (Price.select(Price.sell)
               .where((Price.product == product_id) & (Price.price_group == price_group_id)).scalar())
        Price.insert(product=product_id, price_group=price_group_id, sell=sell).on_conflict(
            conflict_target=[Price.product, Price.price_group], update={Price.sell: sell}).execute()
        _audit(actor, "price_set", f"product:{product_id}", f"group={price_group_id} {old} -> {sell}")


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
    config = json.loads(Supplier.get_by_id(supplier_id).config or "{}")
    return {k: config[k] for k in TEMPLATE_KEYS if k in config}


def update_supplier_templates(supplier_id: int, templates: dict[str, Any], *, actor: str) -> None:
    unknown = set(templates) - set(TEMPLATE_KEYS)
    if unknown:
        raise AdminError(f"Kolom tidak boleh diubah di sini: {', '.join(sorted(unknown))}")
    for key in ("topup", "balance", "history"):
        value = templates.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise AdminError(f"Template {key} harus teks")
        try:
            value.format(dest="0", nominal=0, pin="0", amount="0", amount_plain=0, code="X")
        except (KeyError, IndexError, ValueError) as exc:
            raise AdminError(f"Template {key} tidak valid: {exc}") from None
    if "topup" in templates:
        if not str(templates["topup"]).strip():
            raise AdminError("Template isi ulang wajib diisi")
        if "{dest}" not in templates["topup"]:
            raise AdminError("Template isi ulang harus memuat {dest}")
    pack = templates.get("rule_pack")
    if pack and pack not in SUPPLIER_PACKS:
        raise AdminError(f"Rule pack {pack} tidak dikenal")
    with db.atomic():
        row = Supplier.get_by_id(supplier_id)
        config = json.loads(row.config or "{}")
        before = {k: config.get(k) for k in templates}
        config.update(templates)
        row.config = json.dumps(config)
        row.save()
        _audit(actor, "supplier_templates", f"supplier:{supplier_id}",
               json.dumps({"before": before, "after": templates}, ensure_ascii=False))


def set_supplier_active(supplier_id: int, active: bool, *, actor: str) -> None:
    with db.atomic():
        Supplier.update(active=active).where(Supplier.id == supplier_id).execute()
        _audit(actor, "supplier_enable" if active else "supplier_disable", f"supplier:{supplier_id}")


def rule_pack_names() -> list[str]:
    """Default packs first, then packs the owner saved under new names."""
    saved = [row.key[len(PACK_PREFIX):] for row in
             Setting.select(Setting.key).where(Setting.key.startswith(PACK_PREFIX)).order_by(Setting.key)]
    return list(PACK_NAMES) + [n for n in saved if n not in PACK_NAMES]


def is_customized(name: str) -> bool:
    return Setting.select().where(Setting.key == PACK_PREFIX + name).exists()


def rule_pack_source(name: str) -> str:
    """The pack's JSON as the editor shows it: the owner's saved version, else the default."""
    saved = get_setting(PACK_PREFIX + name)
    if saved is not None:
        return str(saved)
    return load_pack(name).to_json()


def load_rule_pack(name: str) -> RulePack:
    """The pack in effect: the owner's saved version when there is one, else the default."""
    saved = get_setting(PACK_PREFIX + name)
    if saved is not None:
        return RulePack.from_json(str(saved))
    return load_pack(name)


def save_rule_pack(name: str, text: str, *, actor: str) -> RulePack:
    """Validate and store a pack; the JSON text is kept as written (comments aside, JSON has none)."""
    name = name.strip()
    if not name or not all(c.isalnum() or c in "_-" for c in name):
        raise AdminError("Nama rule pack hanya huruf, angka, _ dan -")
    try:
        pack = RulePack.from_json(text)
    except ValueError as exc:
        raise AdminError(f"Rule pack tidak valid: {exc}") from None
    if not pack.rules:
        raise AdminError("Rule pack butuh minimal satu aturan")
    with db.atomic():
        put_setting(PACK_PREFIX + name, text)
        _audit(actor, "rule_pack_save", f"rule_pack:{name}", f"{len(pack.rules)} rules")
    return pack


def revert_rule_pack(name: str, *, actor: str) -> None:
    """Drop the owner's version of a default pack (or delete a pack the owner created)."""
    with db.atomic():
        Setting.delete().where(Setting.key == PACK_PREFIX + name).execute()
        _audit(actor, "rule_pack_revert", f"rule_pack:{name}")


# --- small read helpers the views share -----------------------------------------------------------

def price_groups() -> list[tuple[int, str, str]]:
    return [(g.id, g.code, g.name) for g in PriceGroup.select().order_by(PriceGroup.id)]


def reseller_addresses(reseller_id: int) -> list[Address]:
    rows = (ResellerAddress.select().where(ResellerAddress.reseller == reseller_id)
            .order_by(ResellerAddress.is_main.desc(), ResellerAddress.id))
    return [Address(r.channel, r.address) for r in rows]


def audit_trail(target: str, limit: int = 50) -> list[tuple[Any, str, str, str]]:
    rows = (AuditLog.select(AuditLog.at, AuditLog.actor, AuditLog.action, AuditLog.detail)
            .where(AuditLog.target == target).order_by(AuditLog.id.desc()).limit(limit).tuples())
    return list(rows)

