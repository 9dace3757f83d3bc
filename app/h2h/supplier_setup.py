"""Setting up an H2H supplier (buying over HTTP): from a `--config` file's "suppliers" list and from the
window's dialog alike. One spec → one `supplier` row (its secrets sealed, app/supplier_config.py) and one
route per mapped product, with the supplier's own product code, its priority and a cost. Saving the same
spec again changes nothing.

    {"name": "Mitra", "kind": "h2h_otomax", "url": "http://203.0.113.10:6969/trx", "member_id": "ABC001",
     "pin": "1234", "password": "rahasia", "products": {"S10": "TSEL10"}, "priority": 5}
"""
from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from app.h2h import members as members_
from app.supplier_config import SupplierConfig
from storage import sql
from storage.models import AuditLog, Product, Route, Supplier, database_proxy as db

KINDS = ("h2h_otomax", "h2h_st24", "h2h_json")
KIND_NAMES = {"h2h_otomax": "H2H OtomaX", "h2h_st24": "H2H ST24/IRS", "h2h_json": "H2H JSON"}
PACKS = {"h2h_otomax": "h2h_otomax", "h2h_st24": "h2h_st24", "h2h_json": "h2h_otomax"}
DEFAULT_PRIORITY = 5  # between own chips (0) and the SMS upstream (10)
KEYS = {"name", "kind", "url", "member_id", "pin", "password", "user", "products", "priority", "costs",
        "callback_ips", "status_check", "sign", "timeout", "active"}


class SetupError(ValueError):
    """A supplier that cannot be saved as given; the message is for the shop owner (Indonesian)."""


@dataclass
class H2HSupplierSpec:
    name: str
    kind: str
    url: str
    member_id: str
    pin: str = ""  # "" when editing: keep the stored one
    password: str = ""  # "" when editing: keep the stored one
    user: str = ""
    products: dict[str, str] = field(default_factory=dict)  # our product code → the supplier's code
    priority: int = DEFAULT_PRIORITY
    costs: dict[str, int] = field(default_factory=dict)  # our product code → what it costs us there
    callback_ips: list[str] = field(default_factory=list)
    status_check: bool | None = None  # None: the dialect's default (on, off for ST24)
    sign: str = ""  # OtomaX: "" sign, "plain" pin + password in the URL
    timeout: float = 30.0
    active: bool = True


def parse(data: Any, index: int = 0) -> H2HSupplierSpec:
    """A config file's supplier entry → a spec (SetupError naming the entry for anything wrong)."""
    where = f"supplier #{index + 1}"
    if not isinstance(data, dict):
        raise SetupError(f"{where}: harus objek JSON")
    where = f"supplier {data.get('name') or '#' + str(index + 1)}"
    unknown = set(data) - KEYS
    if unknown:
        raise SetupError(f"{where}: isian tidak dikenal {sorted(unknown)}")
    products = data.get("products") or {}
    costs = data.get("costs") or {}
    if not isinstance(products, dict) or not isinstance(costs, dict):
        raise SetupError(f"{where}: 'products' dan 'costs' harus objek, mis. {{\"S10\": \"TSEL10\"}}")
    priority = data.get("priority", DEFAULT_PRIORITY)
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise SetupError(f"{where}: 'priority' harus bilangan bulat (boleh negatif)")
    status_check = data.get("status_check")
    if status_check is not None and not isinstance(status_check, bool):
        raise SetupError(f"{where}: 'status_check' harus true atau false")
    timeout = data.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 1 <= timeout <= 300:
        raise SetupError(f"{where}: 'timeout' harus angka detik 1–300")
    for code, cost in costs.items():
        if isinstance(cost, bool) or not isinstance(cost, int) or cost < 0:
            raise SetupError(f"{where}: biaya {code} harus rupiah bulat tidak negatif")
    ips = data.get("callback_ips") or []
    if not isinstance(ips, list):
        raise SetupError(f"{where}: 'callback_ips' harus daftar alamat IP")
    spec = H2HSupplierSpec(
        name=str(data.get("name") or "").strip(), kind=str(data.get("kind") or ""), url=str(data.get("url") or ""),
        member_id=str(data.get("member_id") or ""), pin=str(data.get("pin") or ""),
        password=str(data.get("password") or ""), user=str(data.get("user") or ""),
        products={str(k).strip().upper(): str(v).strip() for k, v in products.items()},
        priority=priority, costs={str(k).strip().upper(): int(v) for k, v in costs.items()},
        callback_ips=[str(ip) for ip in ips], status_check=status_check, sign=str(data.get("sign") or ""),
        timeout=float(timeout), active=data.get("active", True) is not False)
    check(spec, new=True)
    return spec


def check(spec: H2HSupplierSpec, *, new: bool) -> None:
    """SetupError for anything the supplier cannot work with (the database is not read: a config file is
    checked before anything starts). `new`: the secrets must be given."""
    where = f"supplier {spec.name or '(tanpa nama)'}"
    if not spec.name or len(spec.name) > 60 or "/" in spec.name:
        raise SetupError(f"{where}: nama wajib, paling panjang 60 huruf, tanpa '/'")
    if spec.kind not in KINDS:
        raise SetupError(f"{where}: 'kind' harus salah satu dari {', '.join(KINDS)}")
    parts = urlsplit(spec.url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SetupError(f"{where}: 'url' harus alamat http:// atau https://, mis. http://203.0.113.10:6969/trx")
    if not spec.member_id.strip():
        raise SetupError(f"{where}: 'member_id' wajib")
    if new and not spec.password:
        raise SetupError(f"{where}: 'password' wajib")
    if new and spec.kind != "h2h_json" and not spec.pin:
        raise SetupError(f"{where}: 'pin' wajib")
    if spec.sign not in ("", "plain"):
        raise SetupError(f"{where}: 'sign' hanya \"\" (pakai sign) atau \"plain\" (PIN dan password di URL)")
    for ip in spec.callback_ips:
        if members_.parse_network(ip) is None:
            raise SetupError(f"{where}: alamat IP callback {ip!r} tidak valid")
    if not spec.products:
        raise SetupError(f"{where}: 'products' kosong; petakan minimal satu produk, mis. {{\"S10\": \"TSEL10\"}}")
    for ours, theirs in spec.products.items():
        if not theirs or len(theirs) > 50:
            raise SetupError(f"{where}: kode supplier untuk {ours} wajib (paling panjang 50)")
    extra = set(spec.costs) - set(spec.products)
    if extra:
        raise SetupError(f"{where}: biaya untuk produk yang tidak dipetakan: {sorted(extra)}")


def _config(spec: H2HSupplierSpec, old: SupplierConfig | None) -> SupplierConfig:
    base = old or SupplierConfig(ref_prefix="P" + "".join(random.SystemRandom().choice(string.ascii_uppercase)
                                                           for _ in range(3)))
    return SupplierConfig.from_dict({
        **base.to_dict(), "rule_pack": base.rule_pack if old and old.rule_pack else PACKS[spec.kind],
        "url": spec.url.strip(), "member_id": spec.member_id.strip(), "user": spec.user.strip(),
        "pin": spec.pin or base.pin, "password": spec.password or base.password, "sign": spec.sign,
        "callback_ips": list(spec.callback_ips), "http_timeout": spec.timeout,
        "status_check": spec.kind != "h2h_st24" if spec.status_check is None else spec.status_check,
        "ref_prefix": base.ref_prefix or "P"})


def save(spec: H2HSupplierSpec, *, actor: str, supplier_id: int | None = None) -> int:
    """Create or update the supplier (by id, else by name) and its routes; returns its id. Products left
    out of the mapping lose their route to it. Nothing is written when nothing changed."""
    with db.atomic():
        row = (Supplier.get_or_none(Supplier.id == supplier_id) if supplier_id is not None
               else Supplier.get_or_none(Supplier.name == spec.name))
        if row is not None and row.kind not in KINDS:
            raise SetupError(f"supplier {spec.name}: nama sudah dipakai chip atau upstream SMS")
        clash = Supplier.get_or_none((Supplier.name == spec.name) & (Supplier.id != (row.id if row else -1)))
        if clash is not None:
            raise SetupError(f"supplier {spec.name}: nama sudah dipakai")
        check(spec, new=row is None)
        known = set(product_codes())
        missing = sorted(set(spec.products) - known)
        if missing:
            raise SetupError(f"supplier {spec.name}: produk {', '.join(missing)} tidak dikenal")
        old = SupplierConfig.parse(row.config) if row is not None else None
        config = _config(spec, old)
        changed = False
        if row is None:
            row = Supplier.create(name=spec.name, kind=spec.kind, config=config.dumps(), active=spec.active)
            changed = True
        elif (row.name, row.kind, row.active, old.to_dict() if old else None) != (spec.name, spec.kind, spec.active,
                                                                                   config.to_dict()):
            row.name, row.kind, row.active, row.config = spec.name, spec.kind, spec.active, config.dumps()
            row.save()
            changed = True
        changed |= _routes(row, spec)
        if changed:
            AuditLog.create(actor=actor[:50], action="h2h_supplier_save", target=f"supplier:{row.id}",
                            detail=f"{spec.name} {spec.kind} {spec.url} produk={len(spec.products)} "
                                   f"prioritas={spec.priority}")
        return int(row.id)


def _routes(row: Supplier, spec: H2HSupplierSpec) -> bool:
    changed = False
    products = {p.code: p for p in Product.select().where(Product.code.in_(list(spec.products)))}
    existing = {r.product_id: r for r in Route.select().where(Route.supplier == row)}
    wanted = {products[code].id: code for code in spec.products}
    for product_id, route in existing.items():
        if product_id not in wanted:
            route.delete_instance()
            changed = True
    for product_id, code in wanted.items():
        values = dict(priority=spec.priority, supplier_code=spec.products[code],
                      cost=spec.costs.get(code, products[code].nominal))
        route = existing.get(product_id)
        if route is None:
            Route.create(product=product_id, supplier=row, **values)
            changed = True
        elif (route.priority, route.supplier_code, route.cost) != tuple(values.values()):
            Route.update(**values).where(Route.id == route.id).execute()
            changed = True
    return changed


@dataclass(frozen=True)
class StoredSupplier:
    """An H2H supplier as the window shows it: the secrets only as set or not."""

    supplier_id: int
    spec: H2HSupplierSpec  # pin and password empty
    pin_set: bool
    password_set: bool


def load(supplier_id: int) -> StoredSupplier | None:
    row = Supplier.get_or_none(Supplier.id == supplier_id)
    if row is None or row.kind not in KINDS:
        return None
    cfg = SupplierConfig.parse(row.config)
    routes = list(Route.select(Route, Product).join(Product).where(Route.supplier == row).order_by(Product.code))
    spec = H2HSupplierSpec(name=row.name, kind=row.kind, url=cfg.url, member_id=cfg.member_id, user=cfg.user,
                           products={r.product.code: r.supplier_code for r in routes},
                           priority=routes[0].priority if routes else DEFAULT_PRIORITY,
                           costs={r.product.code: int(r.cost) for r in routes if r.cost != r.product.nominal},
                           callback_ips=list(cfg.callback_ips), status_check=cfg.status_check, sign=cfg.sign,
                           timeout=cfg.http_timeout, active=bool(row.active))
    return StoredSupplier(int(row.id), spec, bool(cfg.pin), bool(cfg.password))


def product_codes() -> list[str]:
    """Our product codes, for the mapping's choices."""
    return [code for (code,) in sql.all_rows("SELECT code FROM product ORDER BY code", ())]


def parse_mapping(text: str) -> tuple[dict[str, str], dict[str, int]]:
    """The window's mapping text, one product a line: `S10 = TSEL10` or `S10 = TSEL10 @ 10100` (with its
    cost) → (products, costs). SetupError naming the line."""
    products: dict[str, str] = {}
    costs: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        ours, sep, rest = line.partition("=")
        theirs, _at, cost = rest.partition("@")
        if not sep or not ours.strip() or not theirs.strip():
            raise SetupError(f"baris {n}: tulis KODE_KITA = KODE_SUPPLIER, mis. S10 = TSEL10")
        code = ours.strip().upper()
        products[code] = theirs.strip()
        if cost.strip():
            digits = cost.strip().replace(".", "").replace(",", "")
            if not digits.isdigit():
                raise SetupError(f"baris {n}: biaya harus rupiah bulat, mis. S10 = TSEL10 @ 10100")
            costs[code] = int(digits)
    return products, costs


def format_mapping(spec: H2HSupplierSpec) -> str:
    return "\n".join(f"{ours} = {theirs}" + (f" @ {spec.costs[ours]}" if ours in spec.costs else "")
                     for ours, theirs in spec.products.items())
