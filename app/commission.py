"""Downline prices and uplines' commissions (docs/commission.md).

A reseller with an upline pays its price group's price plus its markup for the product (a
`ProductMarkup` row, else `Reseller.markup`; below 0 counts as 0). When a downline's order succeeds,
each upline in its chain earns the lowest price below it in the chain minus its own price for the
product, when that is more than 0; an upline without a price for the product earns nothing and is
passed over. One `Commission` row per order and upline (a unique index): settled twice, earned once.

Crediting goes through the ledger, each row exactly once (a guarded UPDATE claims it first):
- "per_order" (the default): with the order's success, in its transaction, one ledger row per upline;
- "daily": accrued; `credit_due` credits each upline's commissions of a day in one ledger row, the
  next day (the engine runs it after its start and then hourly), and `redeem` (TUKAR) at once.
A commission that could not be credited with its order stays accrued, and `credit_due` credits it.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
from dataclasses import dataclass

from app import ledger
from app.ledger import LedgerKind
from app.settings import Settings
from storage import sql
from storage.models import AuditLog, Setting, database_proxy as db

log = logging.getLogger(__name__)

PER_ORDER = "per_order"
DAILY = "daily"
MODES = (PER_ORDER, DAILY)
MAX_DEPTH = 10  # uplines above a seller that can earn; also stops a loop in bad data
_MODE_KEY = "commission_mode"

# The markup a reseller pays over its price group (only with an upline; below 0 counts as 0), for the
# reseller `r` and the product markup row `m`.
_MARKUP_SQL = ("CASE WHEN r.parent_id IS NULL THEN 0 WHEN COALESCE(m.amount, r.markup) > 0 "
               "THEN COALESCE(m.amount, r.markup) ELSE 0 END")
_PRICE_SQL = (f"SELECT p.sell + {_MARKUP_SQL} FROM reseller r "
              "JOIN price p ON p.product_id = ? AND p.price_group_id = r.price_group_id "
              "LEFT JOIN product_markup m ON m.reseller_id = r.id AND m.product_id = p.product_id WHERE r.id = ?")
# The seller and every upline above it, nearest first, each with its price for the product (NULL: none).
_CHAIN_SQL = (
    "WITH RECURSIVE chain(id, depth) AS (SELECT id, 0 FROM reseller WHERE id = ? "
    "UNION ALL SELECT r.parent_id, c.depth + 1 FROM chain c JOIN reseller r ON r.id = c.id "
    "WHERE r.parent_id IS NOT NULL AND c.depth < ?) "
    f"SELECT c.id, p.sell + {_MARKUP_SQL} FROM chain c JOIN reseller r ON r.id = c.id "
    "LEFT JOIN price p ON p.product_id = ? AND p.price_group_id = r.price_group_id "
    "LEFT JOIN product_markup m ON m.reseller_id = r.id AND m.product_id = ? ORDER BY c.depth")


# --- prices ----------------------------------------------------------------------------------------

def price(reseller_id: int, product_id: int) -> int | None:
    """What the reseller pays for the product: its group's price plus its markup; None without a price.
    One indexed query (it runs for every order)."""
    row = sql.one(_PRICE_SQL, (product_id, reseller_id))
    return int(row[0]) if row else None


@dataclass(frozen=True)
class Markups:
    """A downline's markups: `default` for every product, `by_product` over it (product id -> rupiah)."""

    default: int
    by_product: dict[int, int]

    def of(self, product_id: int) -> int:
        return max(0, self.by_product.get(product_id, self.default))


def markups(reseller_id: int) -> Markups | None:
    """The markups the reseller pays over its price group, or None when it has no upline (none apply)."""
    row = sql.one("SELECT parent_id, markup FROM reseller WHERE id = ?", (reseller_id,))
    if row is None or row[0] is None:
        return None
    by_product = {int(p): int(a) for p, a in sql.all_rows(
        "SELECT product_id, amount FROM product_markup WHERE reseller_id = ?", (reseller_id,))}
    return Markups(int(row[1]), by_product)


# --- the owner's choice ------------------------------------------------------------------------------

def mode() -> str:
    """"per_order" or "daily", as stored now (the owner may change it while the engine runs)."""
    row = Setting.get_or_none(Setting.key == _MODE_KEY)
    value = json.loads(row.value) if row else Settings.commission_mode
    return value if value in MODES else PER_ORDER


def set_mode(value: str, *, actor: str) -> None:
    if value not in MODES:
        raise ValueError(f"unknown commission mode {value!r}")
    with db.atomic():
        Setting.insert(key=_MODE_KEY, value=json.dumps(value)).on_conflict(
            conflict_target=[Setting.key], update={Setting.value: json.dumps(value)}).execute()
        AuditLog.create(actor=actor[:50], action="commission_mode", target="setting:commission_mode", detail=value)


# --- earning ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Earning:
    upline_id: int
    downline_id: int  # the upline's direct downline in the chain the order came up
    amount: int


def earnings(seller_id: int, product_id: int, seller_price: int) -> list[Earning]:
    """What each upline above the seller earns on one sale of the product at `seller_price`."""
    rows = sql.all_rows(_CHAIN_SQL, (seller_id, MAX_DEPTH, product_id, product_id))
    found: list[Earning] = []
    seen = {seller_id}
    below_price, below_id = seller_price, seller_id
    for upline_id, upline_price in rows[1:]:
        upline_id = int(upline_id)
        if upline_id in seen:  # a loop in the uplines: bad data, earn nothing more
            break
        seen.add(upline_id)
        if upline_price is not None:
            amount = below_price - int(upline_price)
            if amount > 0:
                found.append(Earning(upline_id, below_id, amount))
            below_price = min(below_price, int(upline_price))
        below_id = upline_id
    return found


def on_success(order_id: int, *, now: _dt.datetime) -> list[Earning]:
    """Record (and in per-order mode credit) the uplines' commissions of an order that just succeeded.
    Runs inside the success's transaction; never raises, so it cannot make the settlement fail (what
    went wrong is logged and rolled back to a savepoint). Returns the commissions recorded now."""
    try:
        row = sql.one('SELECT o.reseller_id, o.product_id, o.price, r.parent_id, r.code FROM "order" o '
                      "JOIN reseller r ON r.id = o.reseller_id WHERE o.id = ?", (order_id,))
        if row is None or row[3] is None:
            return []  # no upline: nothing to earn (the usual case, one cheap read)
        seller_id, product_id, order_price, _parent, seller_code = row
        with db.atomic():
            found = earnings(int(seller_id), int(product_id), int(order_price))
            recorded = [e for e in found if _insert(order_id, e, now)]
        if recorded and mode() == PER_ORDER:
            for e in recorded:
                try:
                    with db.atomic():
                        _credit_one(order_id, e.upline_id, seller_code, now)
                except Exception:  # stays accrued: credit_due credits it later
                    log.exception("commission of order %s for reseller %s not credited", order_id, e.upline_id)
        return recorded
    except Exception:
        log.exception("commission of order %s not recorded", order_id)
        return []


def _insert(order_id: int, e: Earning, now: _dt.datetime) -> bool:
    return sql.one("INSERT INTO commission (order_id, upline_id, downline_id, amount, created_at, credited_at, "
                   "reversed) VALUES (?, ?, ?, ?, ?, NULL, ?) ON CONFLICT (order_id, upline_id) DO NOTHING "
                   "RETURNING id", (order_id, e.upline_id, e.downline_id, e.amount, now, False)) is not None


def _credit_one(order_id: int, upline_id: int, seller_code: str, now: _dt.datetime) -> ledger.Posting | None:
    claimed = sql.one("UPDATE commission SET credited_at = ? WHERE order_id = ? AND upline_id = ? "
                      "AND credited_at IS NULL AND reversed = ? RETURNING amount", (now, order_id, upline_id, False))
    if claimed is None:
        return None
    return ledger.post(upline_id, int(claimed[0]), LedgerKind.COMMISSION, order_id=order_id,
                       note=f"komisi TrxID {order_id} dari {seller_code}", now=now)


# --- crediting what accrued ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Credit:
    upline_id: int
    day: _dt.date | None  # the day the commissions were earned; None for a TUKAR of several days
    amount: int
    count: int  # commissions in it
    posting: ledger.Posting


def _day_start(moment: _dt.datetime) -> _dt.datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def credit_due(now: _dt.datetime, *, include_today: bool = False) -> list[Credit]:
    """Credit the accrued commissions of earlier days (up to `now` with `include_today`, or in per-order
    mode, where only leftovers accrue): one ledger row per upline and day, each commission exactly once."""
    upto_now = include_today or mode() == PER_ORDER
    cutoff = now if upto_now else _day_start(now)
    buckets = sql.all_rows(f"SELECT upline_id, {sql.time_bucket('created_at', 'hour')} FROM commission "
                           f"WHERE credited_at IS NULL AND reversed = ? AND created_at {'<=' if upto_now else '<'} ? "
                           "GROUP BY 1, 2", (False, cutoff))
    days = sorted({(int(upline_id), _dt.date.fromisoformat(str(bucket)[:10])) for upline_id, bucket in buckets})
    credits = []
    for upline_id, day in days:
        start = _dt.datetime.combine(day, _dt.time())
        end = start + _dt.timedelta(days=1)
        credit = _credit(upline_id, now, f"komisi {day:%d/%m/%y}", day, start, min(end, cutoff),
                         inclusive=upto_now and cutoff < end)
        if credit is not None:
            credits.append(credit)
    if credits:
        log.info("commission credited: %d uplines, Rp %d", len({c.upline_id for c in credits}),
                 sum(c.amount for c in credits))
    return credits


def redeem(upline_id: int, *, now: _dt.datetime) -> Credit | None:
    """TUKAR: credit all the upline's accrued commissions now, in one ledger row; None when none."""
    return _credit(upline_id, now, "komisi ditukar", None, None, now, inclusive=True)


def _credit(upline_id: int, now: _dt.datetime, note: str, day: _dt.date | None, start: _dt.datetime | None,
            end: _dt.datetime, *, inclusive: bool) -> Credit | None:
    """Claim the upline's accrued commissions earned from `start` to `end` and credit their sum."""
    since, params = ("", ()) if start is None else (" AND created_at >= ?", (start,))
    with db.atomic():
        claimed = sql.all_rows("UPDATE commission SET credited_at = ? WHERE upline_id = ? AND credited_at IS NULL "
                               f"AND reversed = ?{since} AND created_at {'<=' if inclusive else '<'} ? "
                               "RETURNING amount", (now, upline_id, False, *params, end))
        total = sum(int(a) for (a,) in claimed)
        if total <= 0:
            return None
        posting = ledger.post(upline_id, total, LedgerKind.COMMISSION, note=f"{note}, {len(claimed)} trx", now=now)
    return Credit(upline_id, day, total, len(claimed), posting)


# --- undoing ---------------------------------------------------------------------------------------

def reverse_for_order(order_id: int, *, actor: str, now: _dt.datetime) -> int:
    """The order's money went back to its seller after it had succeeded: its commissions are reversed,
    each once; those already credited are taken back through the ledger. Returns the rupiah taken back.
    (No path refunds a successful order today; whoever adds one calls this in the same transaction.)"""
    taken = 0
    with db.atomic():
        for upline_id, amount, credited_at in sql.all_rows(
                "UPDATE commission SET reversed = ? WHERE order_id = ? AND reversed = ? "
                "RETURNING upline_id, amount, credited_at", (True, order_id, False)):
            if credited_at is not None:
                ledger.post(int(upline_id), -int(amount), LedgerKind.COMMISSION, order_id=order_id,
                            note=f"komisi TrxID {order_id} dibatalkan", actor=actor, enforce_limit=False, now=now)
                taken += int(amount)
    return taken


# --- what resellers and the owner read -------------------------------------------------------------

@dataclass(frozen=True)
class Summary:
    today: int  # earned today, credited or not
    pending: int  # accrued, not credited yet
    credited_month: int  # credited this month


def summary(upline_id: int, *, now: _dt.datetime) -> Summary:
    today, month = _day_start(now), _day_start(now).replace(day=1)
    row = sql.one("SELECT COALESCE(SUM(CASE WHEN created_at >= ? THEN amount ELSE 0 END), 0), "
                  "COALESCE(SUM(CASE WHEN credited_at IS NULL THEN amount ELSE 0 END), 0), "
                  "COALESCE(SUM(CASE WHEN credited_at >= ? THEN amount ELSE 0 END), 0) "
                  "FROM commission WHERE upline_id = ? AND reversed = ?", (today, month, upline_id, False))
    return Summary(int(row[0]), int(row[1]), int(row[2]))


def earned_since(since: _dt.datetime) -> dict[int, int]:
    """Commission earned by each upline since `since` (credited or not): upline id -> rupiah. (Grouped
    without the upline index, which SQLite would walk whole to skip a sort, so the created_at one is used.)"""
    return {int(u): int(a) for u, a in sql.all_rows(
        "SELECT upline_id, SUM(amount) FROM commission WHERE created_at >= ? AND reversed = ? "
        f"GROUP BY {sql.no_index('upline_id')}", (since, False))}


def pending_total() -> int:
    """All accrued commission not credited yet (daily mode)."""
    return int(sql.one("SELECT COALESCE(SUM(amount), 0) FROM commission WHERE credited_at IS NULL AND reversed = ?",
                       (False,))[0])


def month_start(now: _dt.datetime) -> _dt.datetime:
    return _day_start(now).replace(day=1)
