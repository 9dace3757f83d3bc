"""The "Telepon" view: one row per modem — what the database says about it (port, roles, identity),
merged with what the running engine knows (state, signal, detail, its supplier's stock and whether
that supplier is busy) and the order its chip is working on.

The engine's state lives on the GUI thread, so `phone_rows` runs there (the view's Refresher with
`background=False`); its three reads are small (modems, active suppliers, orders being sent).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.modem_records import format_roles, parse_roles
from app.supplier_config import SupplierConfig
from modems.types import ModemState, ModemStatus
from storage import sql

if TYPE_CHECKING:
    from app.engine import Engine


@dataclass(frozen=True)
class Work:
    """The order a chip is sending now."""

    order_id: int
    product: str
    dest: str

    def __str__(self) -> str:
        return f"#{self.order_id} {self.product} {self.dest}"


@dataclass(frozen=True)
class PhoneRow:
    name: str
    port: str
    roles: tuple[str, ...]  # role codes in their usual order (ui.labels "role")
    active: bool  # configured as active (an inactive one shows while its worker still runs)
    state: str  # a modem state code (ui.labels "modem_state"); "busy" while its chip sends a top-up
    detail: str  # the engine's last word on the state ("diputus admin", "sinyal 4/5", …)
    operator: str  # the chip's operator, and the network the modem is registered on when they differ
    imei: str
    iccid: str
    bars: int  # 0..5
    dbm: int | None  # from the last status poll
    supplier_id: int | None
    supplier: str
    stock: int | None
    low_stock: bool
    working_on: Work | None
    last_error: str

    @property
    def online(self) -> bool:
        return self.state in (ModemState.ONLINE.value, ModemState.BUSY.value)


def working_on() -> dict[int, Work]:
    """The order each supplier is sending now (the oldest when there are several), by supplier id."""
    out: dict[int, Work] = {}
    for order_id, code, dest, supplier_id in sql.all_rows(
            'SELECT o.id, p.code, o.dest, o.supplier_id FROM "order" o JOIN product p ON p.id = o.product_id '
            "WHERE o.status = ? AND o.supplier_id IS NOT NULL ORDER BY o.id", ("sending",)):
        out.setdefault(int(supplier_id), Work(int(order_id), code, dest))
    return out


def phone_rows(engine: "Engine", *, statuses: Mapping[str, ModemStatus] | None = None,
               errors: Mapping[str, str] | None = None) -> list[PhoneRow]:
    """Configured modems (inactive ones only while the engine still has them), in the order they were
    added. `statuses`: the last status poll of each modem (signal in dBm, network); `errors`: the last
    error seen per modem (the window keeps them from the engine's events)."""
    statuses = statuses or {}
    errors = errors or {}
    suppliers: dict[str, tuple[int, str, SupplierConfig, int | None, int]] = {}
    for sid, name, config, stock, low in sql.all_rows(
            "SELECT id, name, config, stock, low_stock FROM supplier WHERE active = ? ORDER BY id", (True,)):
        cfg = SupplierConfig.parse(config)
        if cfg.modem and cfg.modem not in suppliers:
            suppliers[cfg.modem] = (int(sid), name, cfg, None if stock is None else int(stock), int(low or 0))
    work = working_on()
    rows: list[PhoneRow] = []
    for name, port, roles, active, imei, iccid in sql.all_rows(
            "SELECT name, port_url, roles, active, imei, iccid FROM modem ORDER BY id"):
        link = engine.links.get(name)
        if not active and link is None:
            continue
        sid, supplier_name, cfg, stock, low = suppliers.get(name, (None, "", SupplierConfig(), None, 0))
        live = engine.suppliers.get(sid) if sid is not None else None
        state = link.state.value if link is not None else ModemState.OFFLINE.value
        if live is not None and live.busy and state == ModemState.ONLINE.value:
            state = ModemState.BUSY.value
        if live is not None and live.stock is not None:
            stock = live.stock
        operator = (live.operator if live is not None else "") or cfg.operator
        status = statuses.get(name)
        if status is not None and status.operator and status.operator != operator:
            operator = f"{operator} · {status.operator}" if operator else status.operator
        info = getattr(link.handle, "info", None) if link is not None else None
        error = errors.get(name, "") or (live.disabled_reason if live is not None else "")
        rows.append(PhoneRow(
            name=name, port=port, roles=tuple(r for r in format_roles(parse_roles(roles or "")).split(",") if r),
            active=bool(active), state=state, detail=link.detail if link is not None else "", operator=operator,
            imei=(getattr(info, "imei", "") or imei or ""), iccid=(getattr(info, "iccid", "") or iccid or ""),
            bars=link.signal_bars if link is not None and link.online else 0,  # a stopped modem's is stale
            dbm=status.signal.dbm if status is not None and status.signal is not None else None,
            supplier_id=sid, supplier=supplier_name, stock=stock, low_stock=stock is not None and stock < low,
            working_on=work.get(sid) if sid is not None else None, last_error=error))
    return rows
