"""Light read-only views of rows on the order hot path (cheaper to build than peewee instances)."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass


@dataclass
class ResellerRow:
    id: int
    code: str
    name: str
    price_group_id: int
    parent_id: int | None
    active: bool
    balance: int
    credit_limit: int
    pin_hash: str
    pin_salt: str
    pin_failures: int
    locked_until: _dt.datetime | None
    language: str

    COLUMNS = ("id", "code", "name", "price_group_id", "parent_id", "active", "balance", "credit_limit", "pin_hash",
               "pin_salt", "pin_failures", "locked_until", "language")


@dataclass(frozen=True)
class AddressRow:
    id: int
    is_main: bool
    channel: str
    address: str


@dataclass(frozen=True)
class InboundRow:
    id: int
    norm_text: str
