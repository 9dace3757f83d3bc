"""What a shop sells: the kinds of product, the operators and providers behind them, and which kinds
send to a phone number of the product's own operator (the prefix check)."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache

from app.phone import PrefixTable


class ProductKind(str, enum.Enum):
    AIRTIME = "airtime"  # pulsa
    DATA = "data"  # paket data
    PLN = "pln"  # token listrik: the destination is a meter or customer number
    EWALLET = "ewallet"  # saldo DANA, OVO, …: a phone number of any operator
    GAME = "game"  # voucher / top-up game: the destination is a player id


# Kinds sold on a mobile operator's number; the others go to a meter, a player id or a wallet that
# any operator's number may hold, so their destination is never checked against a prefix.
PHONE_KINDS = (ProductKind.AIRTIME, ProductKind.DATA)


@dataclass(frozen=True)
class Provider:
    code: str  # stored in product.operator (20 characters at most)
    name: str


# Providers of the kinds that are not sold per mobile operator. The owner may type another one.
PROVIDERS: dict[ProductKind, tuple[Provider, ...]] = {
    ProductKind.PLN: (Provider("PLN", "PLN"),),
    ProductKind.EWALLET: (Provider("DANA", "DANA"), Provider("OVO", "OVO"), Provider("GOPAY", "GoPay"),
                          Provider("SHOPEEPAY", "ShopeePay"), Provider("LINKAJA", "LinkAja")),
    ProductKind.GAME: (Provider("FF", "Free Fire"), Provider("ML", "Mobile Legends"),
                       Provider("PUBGM", "PUBG Mobile"), Provider("CODM", "Call of Duty Mobile"),
                       Provider("GENSHIN", "Genshin Impact")),
}


@lru_cache(maxsize=1)
def _default_prefixes() -> PrefixTable:
    return PrefixTable.default()


# Kinds whose destination is a phone number (normalised to 08…); a PLN meter or a player id is kept
# exactly as typed (a meter number starting with 628 is not an Indonesian phone number).
PHONE_NUMBER_KINDS = frozenset({ProductKind.AIRTIME.value, ProductKind.DATA.value, ProductKind.EWALLET.value})


def forces_skip_prefix_check(kind: str) -> bool:
    """True when the destination is not a phone number of the product's operator."""
    return kind not in {k.value for k in PHONE_KINDS}


def providers_for(kind: str, prefixes: PrefixTable | None = None) -> list[Provider]:
    """The operators (for pulsa and data, from the prefix table) or providers offered for `kind`."""
    if kind in {k.value for k in PHONE_KINDS}:
        table = prefixes or _default_prefixes()
        return [Provider(code, name) for code, name in table.names.items()]
    return list(PROVIDERS.get(ProductKind(kind), ())) if kind in {k.value for k in ProductKind} else []


def provider_name(code: str, prefixes: PrefixTable | None = None) -> str:
    """'TSEL' -> 'Telkomsel', 'FF' -> 'Free Fire'; an unknown code is its own name."""
    table = prefixes or _default_prefixes()
    if code in table.names:
        return table.names[code]
    for providers in PROVIDERS.values():
        for p in providers:
            if p.code == code:
                return p.name
    return code
