"""The books: recaps of orders over a date range, grouped by product, operator, reseller, supplier or
hour of the day, with sales (omzet), cost (modal) and profit (laba). One module for the window, the
command line and the resellers' SMS commands.

Counted in SQL with GROUP BY on an index range of created_at, so a month of a million orders costs
one pass and a few hundred groups, never a Python object per order. The SQL runs on SQLite and
PostgreSQL alike.
"""
from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable

from app.report_table import ReportTable
from storage import sql

TOTAL_KEY = "TOTAL"
NO_SUPPLIER = "-"
# Indonesian titles of the recap's columns, for the table and the CSV
COLUMN_TITLES = ("Kunci", "Trx", "Sukses", "Gagal", "Suspect", "Proses", "Omzet", "Modal", "Komisi", "Laba")


class RecapBy(str, enum.Enum):
    PRODUCT = "product"
    OPERATOR = "operator"
    RESELLER = "reseller"
    SUPPLIER = "supplier"
    HOUR = "hour"


@dataclass(frozen=True)
class RecapLine:
    key: str
    orders: int = 0
    success: int = 0
    failed: int = 0
    suspect: int = 0
    open: int = 0  # still queued or being sent
    sales: int = 0  # rupiah: prices of successful orders
    cost: int = 0  # rupiah: costs of successful orders, the price where the cost is unknown
    commission: int = 0  # rupiah: what uplines earned on these orders (paid by the shop)

    @property
    def profit(self) -> int:
        return self.sales - self.cost - self.commission

    def plus(self, other: RecapLine, key: str | None = None) -> RecapLine:
        return RecapLine(key=self.key if key is None else key, orders=self.orders + other.orders,
                         success=self.success + other.success, failed=self.failed + other.failed,
                         suspect=self.suspect + other.suspect, open=self.open + other.open,
                         sales=self.sales + other.sales, cost=self.cost + other.cost,
                         commission=self.commission + other.commission)


@dataclass(frozen=True)
class Recap:
    start: _dt.date
    end: _dt.date  # inclusive
    by: RecapBy
    lines: tuple[RecapLine, ...]  # sorted by key
    total: RecapLine


# --- the SQL -----------------------------------------------------------------------------------

# An unknown cost counts as the price (no profit claimed), as the log's profit column does.
_FIGURES = ("COUNT(*), "
            "COALESCE(SUM(CASE WHEN o.status = 'success' THEN 1 ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN o.status = 'failed' THEN 1 ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN o.status = 'suspect' THEN 1 ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN o.status IN ('queued', 'sending') THEN 1 ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN o.status = 'success' THEN o.price END), 0), "
            "COALESCE(SUM(CASE WHEN o.status = 'success' THEN COALESCE(o.cost, o.price) END), 0)")


def _names(query: str) -> dict[Any, str]:
    return {i: name for i, name in sql.all_rows(query)}


def _product_codes() -> Callable[[Any], str]:
    return _names("SELECT id, code FROM product").__getitem__


def _operators() -> Callable[[Any], str]:
    return _names("SELECT id, operator FROM product").__getitem__


def _reseller_codes() -> Callable[[Any], str]:
    return _names("SELECT id, code FROM reseller").__getitem__


def _supplier_names() -> Callable[[Any], str]:
    names = _names("SELECT id, name FROM supplier")
    return lambda i: NO_SUPPLIER if i is None else names.get(i, f"#{i}")


def _hour(bucket: Any) -> str:
    return str(bucket)[11:13]  # 'YYYY-MM-DD HH'


# What each recap groups by in SQL, and how a group's value becomes the line's key. Grouping by the
# id columns and naming them from the small tables afterwards saves a join per order.
_GROUPS: dict[RecapBy, tuple[Callable[[], str], Callable[[], Callable[[Any], str]]]] = {
    RecapBy.PRODUCT: (lambda: "o.product_id", _product_codes),
    RecapBy.OPERATOR: (lambda: "o.product_id", _operators),
    RecapBy.RESELLER: (lambda: "o.reseller_id", _reseller_codes),
    RecapBy.SUPPLIER: (lambda: "o.supplier_id", _supplier_names),
    RecapBy.HOUR: (lambda: sql.time_bucket("o.created_at", "hour"), lambda: _hour),
}


def _day_start(day: _dt.date) -> _dt.datetime:
    return _dt.datetime.combine(day, _dt.time())


def _grouped_rows(group: str, start: _dt.date, end: _dt.date, reseller_id: int | None) -> list[tuple]:
    where = "o.created_at >= ? AND o.created_at < ?"
    params: list[Any] = [_day_start(start), _day_start(end + _dt.timedelta(days=1))]
    if reseller_id is not None:
        where += " AND o.reseller_id = ?"
        params.append(reseller_id)
    return sql.all_rows(f'SELECT {group}, {_FIGURES} FROM "order" o WHERE {where} GROUP BY {group}', params)


def _commission_rows(group: str, start: _dt.date, end: _dt.date, reseller_id: int | None) -> list[tuple]:
    """Uplines' commissions on the range's orders, by the same groups. A commission is made when its
    order succeeds, never before the order: its own created_at bounds the read from below, so only
    the commissions since `start` are joined to their orders (a handful next to the orders)."""
    where = "c.reversed = ? AND c.created_at >= ? AND o.created_at >= ? AND o.created_at < ?"
    begin = _day_start(start)
    params: list[Any] = [False, begin, begin, _day_start(end + _dt.timedelta(days=1))]
    if reseller_id is not None:
        where += " AND o.reseller_id = ?"
        params.append(reseller_id)
    # CROSS JOIN: SQLite walks the commissions and looks their orders up, never the month's orders
    return sql.all_rows(f'SELECT {group}, COALESCE(SUM(c.amount), 0) FROM commission c '
                        f'CROSS JOIN "order" o WHERE o.id = c.order_id AND {where} GROUP BY {group}', params)


def _merge(rows: Iterable[tuple], key_of: Callable[[Any], str]) -> tuple[RecapLine, ...]:
    """Lines by key, several groups adding up to one key (the products of an operator, an hour on
    each day), sorted by key. PostgreSQL sums to Decimal: every figure is made an int."""
    lines: dict[str, RecapLine] = {}
    for value, *figures in rows:
        line = RecapLine(key_of(value), *(int(f) for f in figures))
        found = lines.get(line.key)
        lines[line.key] = line if found is None else found.plus(line)
    return tuple(lines[k] for k in sorted(lines))


def _total(lines: Iterable[RecapLine]) -> RecapLine:
    total = RecapLine(TOTAL_KEY)
    for line in lines:
        total = total.plus(line, key=TOTAL_KEY)
    return total


def recap(start: _dt.date, end: _dt.date, by: RecapBy = RecapBy.PRODUCT,
          reseller_id: int | None = None) -> Recap:
    """Orders made from `start` to `end` (both inclusive, by the day of created_at), grouped `by`;
    only one reseller's with `reseller_id`."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    by = RecapBy(by)
    group, key_maker = _GROUPS[by]
    key_of = key_maker()
    lines = _merge(_grouped_rows(group(), start, end, reseller_id), key_of)
    paid: dict[str, int] = {}
    for value, amount in _commission_rows(group(), start, end, reseller_id):
        paid[key_of(value)] = paid.get(key_of(value), 0) + int(amount)
    if paid:
        lines = tuple(replace(line, commission=paid.get(line.key, 0)) for line in lines)
    return Recap(start=start, end=end, by=by, lines=lines, total=_total(lines))


# --- output ------------------------------------------------------------------------------------

_BY_WORDS = {RecapBy.PRODUCT: "produk", RecapBy.OPERATOR: "operator", RecapBy.RESELLER: "reseller",
             RecapBy.SUPPLIER: "supplier", RecapBy.HOUR: "jam"}


def _figures(line: RecapLine) -> tuple[int, ...]:
    return (line.orders, line.success, line.failed, line.suspect, line.open, line.sales, line.cost, line.commission,
            line.profit)


def recap_table(recap: Recap) -> ReportTable:
    """The recap as a table for the window and the exports: a row per key and the TOTAL row."""
    return ReportTable(
        title=f"Rekap per {_BY_WORDS[recap.by]}, {recap.start:%d/%m/%Y} s/d {recap.end:%d/%m/%Y}",
        start=recap.start, end=recap.end, columns=COLUMN_TITLES,
        rows=tuple((line.key, *_figures(line)) for line in recap.lines),
        total=(recap.total.key, *_figures(recap.total)), money=frozenset({6, 7, 8, 9}),
        empty_text="(tidak ada transaksi)")


# --- a reseller's ledger statement (mutasi) -----------------------------------------------------

# What each ledger kind is called on the statement
KIND_WORDS = {"deposit": "Deposit", "order_debit": "Transaksi", "refund": "Refund", "transfer_out": "Kirim saldo",
              "transfer_in": "Terima saldo", "pull": "Tarik saldo", "correction": "Koreksi", "commission": "Komisi"}
# … and in an SMS, where every character counts
KIND_SHORT = {"deposit": "DEP", "order_debit": "TRX", "refund": "REF", "transfer_out": "KRM", "transfer_in": "TRM",
              "pull": "TRK", "correction": "KOR", "commission": "KOM"}


@dataclass(frozen=True)
class MutasiLine:
    entry_id: int
    at: _dt.datetime
    kind: str
    delta: int
    balance_after: int
    note: str
    order_id: int | None


@dataclass(frozen=True)
class Mutasi:
    reseller_id: int
    code: str
    name: str
    start: _dt.date
    end: _dt.date  # inclusive
    opening: int  # the balance at 00:00 of `start`
    closing: int  # the balance at the end of `end` (or now)
    credits: int  # the sum of the positive changes
    debits: int  # the sum of the negative changes, as a negative number
    lines: tuple[MutasiLine, ...]  # in the order they were booked


def find_reseller(code: str) -> int | None:
    row = sql.one("SELECT id FROM reseller WHERE code = ?", (code.strip().upper(),))
    return int(row[0]) if row else None


def mutasi(reseller_id: int, start: _dt.date, end: _dt.date) -> Mutasi:
    """Every ledger change of one reseller from `start` to `end` (inclusive), with the balances around
    them. Read through the reseller's ledger index, in booking order."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    who = sql.one("SELECT code, name FROM reseller WHERE id = ?", (reseller_id,))
    if who is None:
        raise LookupError(f"no reseller {reseller_id}")
    begin, stop = _day_start(start), _day_start(end + _dt.timedelta(days=1))
    rows = sql.all_rows("SELECT id, created_at, kind, delta, balance_after, note, order_id FROM ledger_entry "
                        "WHERE reseller_id = ? AND created_at >= ? AND created_at < ? ORDER BY id",
                        (reseller_id, begin, stop))
    lines = tuple(MutasiLine(int(i), sql.to_datetime(at), kind, int(delta), int(after), note or "",
                             None if order is None else int(order))
                  for i, at, kind, delta, after, note, order in rows)
    if lines:
        opening = lines[0].balance_after - lines[0].delta
        closing = lines[-1].balance_after
    else:
        before = sql.one("SELECT balance_after FROM ledger_entry WHERE reseller_id = ? AND created_at < ? "
                         "ORDER BY id DESC LIMIT 1", (reseller_id, begin))
        opening = closing = int(before[0]) if before else 0
    return Mutasi(reseller_id=reseller_id, code=who[0], name=who[1], start=start, end=end, opening=opening,
                  closing=closing, credits=sum(x.delta for x in lines if x.delta > 0),
                  debits=sum(x.delta for x in lines if x.delta < 0), lines=lines)


MUTASI_COLUMNS = ("Waktu", "Jenis", "Masuk", "Keluar", "Saldo", "Trx", "Keterangan")


def mutasi_table(m: Mutasi) -> ReportTable:
    """The statement as a table: an opening row, a row per change, and the totals with the closing
    balance."""
    opening: tuple = (f"{m.start:%Y-%m-%d} 00:00", "Saldo awal", 0, 0, m.opening, "", "")
    rows = [opening] + [(f"{x.at:%Y-%m-%d %H:%M:%S}", KIND_WORDS.get(x.kind, x.kind), max(x.delta, 0),
                         -min(x.delta, 0), x.balance_after, "" if x.order_id is None else str(x.order_id), x.note)
                        for x in m.lines]
    return ReportTable(
        title=f"Mutasi {m.code} ({m.name}), {m.start:%d/%m/%Y} s/d {m.end:%d/%m/%Y}", start=m.start, end=m.end,
        columns=MUTASI_COLUMNS, rows=tuple(rows),
        total=("TOTAL", "Saldo akhir", m.credits, -m.debits, m.closing, "", ""), money=frozenset({2, 3, 4}))
