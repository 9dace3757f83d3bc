"""The transaction log (Transaksi): which orders match a filter, in which order, a page of them as
named rows, their totals, one order's whole history, and the CSV export.

A million orders must not cost a million Python objects: `matching_ids` returns the ids alone, in
an `array('q')` (8 MB for a million), and `rows` reads full rows only for the ids the table shows.
Every function may run on any thread (peewee gives each thread its own connection).
"""
from __future__ import annotations

import csv
import datetime as _dt
import re
from array import array
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence

from app.queries.order_actions import OrderBrief
from storage import sql

# sort keys of the log -> the SQL they order by (one key only: a second key, such as o.id, makes
# SQLite's sorter about 5x slower on a million rows)
SORTS: dict[str, str] = {
    "id": "o.id",
    "created_at": "o.created_at",
    "reseller": "r.code",
    "product": "p.code",
    "operator": "p.operator",
    "dest": "o.dest",
    "price": "o.price",
    "cost": "COALESCE(o.cost, -1)",  # unknown cost first, on SQLite and PostgreSQL alike
    "profit": "(o.price - COALESCE(o.cost, o.price))",
    "status": "o.status",
    "sn": "o.sn",
}
_SORT_JOINS = {"reseller": "JOIN reseller r ON r.id = o.reseller_id",
               "product": "JOIN product p ON p.id = o.product_id",
               "operator": "JOIN product p ON p.id = o.product_id"}


@dataclass(frozen=True)
class LogFilter:
    date_from: _dt.datetime | None = None  # inclusive
    date_to: _dt.datetime | None = None  # exclusive
    status: str = ""
    reseller_id: int | None = None
    product_id: int | None = None
    operator: str = ""
    dest: str = ""  # prefix of the destination number
    sn: str = ""  # prefix of the SN (case-sensitive)
    search: str = ""  # TrxID, number, SN, reseller or product code
    sort: str = "id"  # a key of SORTS
    descending: bool = True

    @property
    def changes_with_status(self) -> bool:
        """Live updates can move rows in or out, or reorder them: the id list must be re-read, not
        just extended with new orders."""
        return bool(self.status) or self.sort not in ("id", "created_at") or bool(self.sn.strip())


@dataclass(frozen=True)
class LogRow:
    id: int
    created_at: _dt.datetime
    reseller: str  # code
    product: str  # code
    operator: str
    dest: str
    price: int
    cost: int | None
    status: str
    sn: str
    supplier: str  # name, "" before one took it
    note: str  # why it failed or is suspect

    @property
    def profit(self) -> int | None:
        """Sell price minus cost, for a successful order whose cost is known."""
        return self.price - self.cost if self.status == "success" and self.cost is not None else None


@dataclass(frozen=True)
class Totals:
    count: int = 0
    sales: int = 0  # sum of prices of successful orders (failed ones are refunded)
    cost: int = 0  # their costs; the price where the cost is unknown
    success: int = 0
    commission: int = 0  # what uplines earned on the matching orders (paid by the shop)

    @property
    def profit(self) -> int:
        return self.sales - self.cost - self.commission


# --- the filter in SQL -------------------------------------------------------------------------

def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def where_clause(f: LogFilter, *, live: bool = False) -> tuple[str, list[Any]]:
    """SQL conditions on `"order" o` for a filter. With `live`, SQLite is kept off the columns' indexes
    so it walks the primary key range instead (for the few new ids after a known one)."""
    col = (lambda name: sql.no_index(f"o.{name}")) if live else (lambda name: f"o.{name}")
    parts: list[str] = []
    params: list[Any] = []
    if f.date_from is not None:
        parts.append(f"{col('created_at')} >= ?")
        params.append(f.date_from)
    if f.date_to is not None:
        parts.append(f"{col('created_at')} < ?")
        params.append(f.date_to)
    if f.status:
        parts.append(f"{col('status')} = ?")
        params.append(f.status)
    if f.reseller_id is not None:
        parts.append(f"{col('reseller_id')} = ?")
        params.append(f.reseller_id)
    if f.product_id is not None:
        parts.append(f"{col('product_id')} = ?")
        params.append(f.product_id)
    if f.operator:
        parts.append(f"{col('product_id')} IN (SELECT id FROM product WHERE operator = ?)")
        params.append(f.operator)
    if f.dest.strip():
        parts.append(f"{col('dest')} LIKE ? ESCAPE '\\'")
        params.append(_like_prefix(f.dest.strip()))
    if f.sn.strip():
        condition, values = sql.starts_with(col("sn"), f.sn.strip())
        parts.append(condition)
        params += values
    term = f.search.strip()
    if term:
        like = f"%{term.lower().replace('%', '').replace('_', '')}%"
        options = [sql.contains(col("dest")), sql.contains(col("sn")),
                   f"{col('reseller_id')} IN (SELECT id FROM reseller WHERE lower(code) LIKE ? OR lower(name) LIKE ?)",
                   f"{col('product_id')} IN (SELECT id FROM product WHERE lower(code) LIKE ?)"]
        values = [term, term, like, like, like]
        if term.isdigit() and len(term) < 12:
            options.insert(0, "o.id = ?")
            values.insert(0, int(term))
        parts.append("(" + " OR ".join(options) + ")")
        params += values
    return (" AND ".join(parts) or "1=1"), params


def ids_sql(f: LogFilter) -> tuple[str, list[Any]]:
    where, params = where_clause(f)
    direction = "DESC" if f.descending else "ASC"
    if f.sort in ("id", "created_at"):
        # Ids grow with time, so both sorts are the primary key order. With a date range and no
        # reseller, SQLite is kept from walking the whole table in id order and uses the created_at
        # index instead (measured 130 ms -> 6 ms for one day of a million orders).
        key = sql.no_index("o.id") if (f.date_from or f.date_to) and f.reseller_id is None else "o.id"
        return f'SELECT o.id FROM "order" o WHERE {where} ORDER BY {key} {direction}', params
    if f.sort not in SORTS:
        raise ValueError(f"unknown sort key {f.sort!r}")
    join = _SORT_JOINS.get(f.sort, "")
    return f'SELECT o.id FROM "order" o {join} WHERE {where} ORDER BY {SORTS[f.sort]} {direction}', params


# --- reads -------------------------------------------------------------------------------------

def matching_ids(f: LogFilter) -> array:
    """The ids of the orders `f` matches, in its order."""
    query, params = ids_sql(f)
    # straight from the cursor: a list of a million 1-tuples first would cost another 80 ms
    return array("q", [i for (i,) in sql.execute(query, params)])


def newest_id() -> int:
    row = sql.one('SELECT COALESCE(MAX(id), 0) FROM "order"')
    return int(row[0]) if row else 0


def ids_since(f: LogFilter, after_id: int) -> tuple[list[int], int]:
    """Orders newer than `after_id` that `f` matches, oldest first, and the newest id of all (read
    first, so an order placed meanwhile is never missed by the next call). Cheap: a primary key range."""
    top = newest_id()
    where, params = where_clause(f, live=True)
    new = [i for (i,) in sql.all_rows(f'SELECT o.id FROM "order" o WHERE o.id > ? AND o.id <= ? AND {where} '
                                      "ORDER BY o.id", [after_id, top, *params])]
    return new, top


def totals(f: LogFilter) -> Totals:
    where, params = where_clause(f)
    count, sales, cost, success = sql.one(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN o.status = 'success' THEN o.price END), 0), "
        # an unknown cost counts as the price, as in the profit column and the recap: no profit claimed
        "COALESCE(SUM(CASE WHEN o.status = 'success' THEN COALESCE(o.cost, o.price) END), 0), "
        "COALESCE(SUM(CASE WHEN o.status = 'success' THEN 1 END), 0) "
        f'FROM "order" o WHERE {where}', params) or (0, 0, 0, 0)
    # commissions are few (downlines' successful orders): read from their side, joined to the orders
    paid = sql.one(f'SELECT COALESCE(SUM(c.amount), 0) FROM commission c JOIN "order" o ON o.id = c.order_id '
                   f"WHERE c.reversed = ? AND {where}", [False, *params])
    return Totals(int(count), int(sales), int(cost), int(success), int(paid[0]) if paid else 0)


_ROW_SQL = ('SELECT o.id, o.created_at, r.code, p.code, p.operator, o.dest, o.price, o.cost, o.status, o.sn, '
            's.name, o.fail_reason FROM "order" o JOIN reseller r ON r.id = o.reseller_id '
            'JOIN product p ON p.id = o.product_id LEFT JOIN supplier s ON s.id = o.supplier_id WHERE o.id IN ')


def rows(ids: Sequence[int]) -> dict[int, LogRow]:
    """The rows of these orders, by id (a page of the table: a few hundred at most)."""
    if not ids:
        return {}
    found = sql.all_rows(_ROW_SQL + f"({','.join('?' * len(ids))})", list(ids))
    return {r[0]: LogRow(id=r[0], created_at=sql.to_datetime(r[1]), reseller=r[2], product=r[3], operator=r[4],
                         dest=r[5], price=int(r[6]), cost=None if r[7] is None else int(r[7]), status=r[8],
                         sn=r[9] or "", supplier=r[10] or "", note=r[11] or "")
            for r in found}


def rows_in_order(ids: Sequence[int], chunk: int = 500) -> Iterator[LogRow]:
    """The rows of `ids`, in that order, read `chunk` at a time (orders deleted meanwhile are left out)."""
    for start in range(0, len(ids), chunk):
        part = list(ids[start:start + chunk])
        found = rows(part)
        for order_id in part:
            row = found.get(order_id)
            if row is not None:
                yield row


# --- what the filter lists offer -----------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class FilterChoices:
    resellers: tuple[Choice, ...]
    products: tuple[Choice, ...]
    operators: tuple[str, ...]


def filter_choices() -> FilterChoices:
    """Resellers, products and operators for the filter lists (small tables)."""
    resellers = tuple(Choice(i, c, n) for i, c, n in sql.all_rows("SELECT id, code, name FROM reseller ORDER BY code"))
    products = tuple(Choice(i, c, n) for i, c, n in sql.all_rows(
        "SELECT id, code, name FROM product ORDER BY operator, nominal, code"))
    operators = tuple(op for (op,) in sql.all_rows("SELECT DISTINCT operator FROM product ORDER BY operator"))
    return FilterChoices(resellers, products, operators)


# --- one order's history -----------------------------------------------------------------------

@dataclass(frozen=True)
class InboundLine:
    received_at: _dt.datetime | None
    sender: str
    channel: str
    modem: str
    text: str  # PINs masked when stored


@dataclass(frozen=True)
class AttemptLine:
    started_at: _dt.datetime | None
    finished_at: _dt.datetime | None
    supplier: str
    request: str  # chip PIN masked when stored
    outcome: str  # success, failed, pending, unknown
    response: str  # the operator's raw answer
    sn: str
    reason: str


@dataclass(frozen=True)
class LedgerLine:
    created_at: _dt.datetime | None
    kind: str  # a LedgerKind value
    delta: int
    balance_after: int
    note: str
    actor: str


@dataclass(frozen=True)
class ReplyLine:
    created_at: _dt.datetime | None
    sent_at: _dt.datetime | None
    to: str
    status: str  # queued, sent, failed
    modem: str
    event: str
    text: str


@dataclass(frozen=True)
class ActionLine:
    """A manual action (or the system's reconciliation) on the order, from the audit log."""

    at: _dt.datetime | None
    actor: str
    action: str  # retry, force_success, fail_refund, resend_reply, reviewed, reconcile
    detail: str  # as the engine wrote it
    supplier: str = ""  # retry: the chosen route's supplier ("" = automatic)
    sn: str = ""  # force_success: the SN given


@dataclass(frozen=True)
class OrderDetail:
    id: int
    created_at: _dt.datetime | None
    status: str
    reseller_code: str
    reseller_name: str
    product_id: int
    product_code: str
    product_name: str
    dest: str
    price: int
    cost: int | None
    sn: str
    note: str  # fail or suspect reason
    channel: str
    ref_id: str
    refunded: bool
    supplier: str
    sent_at: _dt.datetime | None
    finished_at: _dt.datetime | None
    reviewed_at: _dt.datetime | None
    reviewed_by: str
    inbound: InboundLine | None
    attempts: tuple[AttemptLine, ...]
    ledger: tuple[LedgerLine, ...]
    replies: tuple[ReplyLine, ...]
    actions: tuple[ActionLine, ...]

    @property
    def profit(self) -> int | None:
        return self.price - self.cost if self.status == "success" and self.cost is not None else None

    def brief(self) -> OrderBrief:
        return OrderBrief(id=self.id, status=self.status, product_id=self.product_id, product=self.product_code,
                          dest=self.dest, reseller=f"{self.reseller_code} {self.reseller_name}", price=self.price,
                          refunded=self.refunded, has_reply=bool(self.replies))


_KEY_VALUE = re.compile(r"^(\w+)=(.*)$", re.S)


def _action(at: Any, actor: str, action: str, detail: str, suppliers: Mapping[int, str]) -> ActionLine:
    found = _KEY_VALUE.match(detail or "")
    key, value = (found.group(1), found.group(2)) if found else ("", "")
    supplier = suppliers.get(int(value), f"#{value}") if key == "supplier" and value.isdigit() else ""
    return ActionLine(at=sql.to_datetime(at), actor=actor, action=action, detail=detail or "", supplier=supplier,
                      sn=value if key == "sn" else "")


def order_detail(order_id: int) -> OrderDetail | None:
    """Everything about one order: the message that placed it, each attempt with the request and the
    operator's raw answer, the ledger rows, the replies, and every manual action with who did it."""
    o = sql.one('SELECT o.id, o.created_at, o.status, r.code, r.name, p.id, p.code, p.name, o.dest, o.price, o.cost, '
                "o.sn, o.fail_reason, o.channel, o.ref_id, o.refunded, s.name, o.sent_at, o.finished_at, "
                'o.reviewed_at, o.reviewed_by, o.inbound_id FROM "order" o JOIN reseller r ON r.id = o.reseller_id '
                "JOIN product p ON p.id = o.product_id LEFT JOIN supplier s ON s.id = o.supplier_id WHERE o.id = ?",
                (order_id,))
    if o is None:
        return None
    inbound = None
    if o[21] is not None:
        i = sql.one("SELECT received_at, sender, channel, modem, text FROM inbound_message WHERE id = ?", (o[21],))
        if i is not None:
            inbound = InboundLine(sql.to_datetime(i[0]), i[1], i[2], i[3] or "", i[4])
    attempts = tuple(
        AttemptLine(sql.to_datetime(a[0]), sql.to_datetime(a[1]), a[2] or "", a[3] or "", a[4] or "", a[5] or "",
                    a[6] or "", a[7] or "")
        for a in sql.all_rows("SELECT a.started_at, a.finished_at, s.name, a.request, a.outcome, a.response, a.sn, "
                              "a.reason FROM attempt a LEFT JOIN supplier s ON s.id = a.supplier_id "
                              "WHERE a.order_id = ? ORDER BY a.id", (order_id,)))
    ledger = tuple(
        LedgerLine(sql.to_datetime(e[0]), e[1], int(e[2]), int(e[3]), e[4] or "", e[5] or "")
        for e in sql.all_rows("SELECT created_at, kind, delta, balance_after, note, actor FROM ledger_entry "
                              "WHERE order_id = ? ORDER BY id", (order_id,)))
    replies = tuple(
        ReplyLine(sql.to_datetime(m[0]), sql.to_datetime(m[1]), m[2], m[3], m[4] or "", m[5] or "", m[6])
        for m in sql.all_rows('SELECT created_at, sent_at, "to", status, modem, event, text FROM outbound_message '
                              "WHERE order_id = ? ORDER BY id", (order_id,)))
    audit = sql.all_rows("SELECT at, actor, action, detail FROM audit_log WHERE target = ? ORDER BY id",
                         (f"order:{order_id}",))
    suppliers: dict[int, str] = {}
    if any(d and d.startswith("supplier=") for *_, d in audit):
        suppliers = {int(i): n for i, n in sql.all_rows("SELECT id, name FROM supplier")}
    actions = tuple(_action(at, actor, action, detail, suppliers) for at, actor, action, detail in audit)
    return OrderDetail(
        id=o[0], created_at=sql.to_datetime(o[1]), status=o[2], reseller_code=o[3], reseller_name=o[4],
        product_id=o[5], product_code=o[6], product_name=o[7], dest=o[8], price=int(o[9]),
        cost=None if o[10] is None else int(o[10]), sn=o[11] or "", note=o[12] or "", channel=o[13] or "",
        ref_id=o[14] or "", refunded=bool(o[15]), supplier=o[16] or "", sent_at=sql.to_datetime(o[17]),
        finished_at=sql.to_datetime(o[18]), reviewed_at=sql.to_datetime(o[19]), reviewed_by=o[20] or "",
        inbound=inbound, attempts=attempts, ledger=ledger, replies=replies, actions=actions)


# --- CSV export --------------------------------------------------------------------------------

# the export's columns, in order; the caller gives their titles in the owner's language
CSV_COLUMNS = ("id", "created_at", "reseller", "product", "operator", "dest", "price", "cost", "profit", "status",
               "sn", "supplier", "note")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def excel_text(value: str) -> str:
    """`value` written so Excel keeps it as text: `="0812…"`. Excel evaluates the formula to the
    string, so a number keeps its leading zero and a 20-digit SN all its digits (as a number, Excel
    would keep 15); the cell shows no quote or other mark, and text that would start a formula
    (`=`, `+`, `-`, `@`) is only ever shown."""
    if not value:
        return ""
    return '="' + value.replace('"', '""') + '"'


def _cell(value: str) -> str:
    return excel_text(value) if value.startswith(_FORMULA_START) else value


def csv_record(row: LogRow, status_words: Mapping[str, str]) -> tuple[Any, ...]:
    """One order as a CSV record for Excel: numbers as numbers, destination and SN as text."""
    profit = row.profit
    return (row.id, f"{row.created_at:%Y-%m-%d %H:%M:%S}" if row.created_at else "", _cell(row.reseller),
            _cell(row.product), _cell(row.operator), excel_text(row.dest), row.price,
            "" if row.cost is None else row.cost, "" if profit is None else profit,
            status_words.get(row.status, row.status), excel_text(row.sn), _cell(row.supplier), _cell(row.note))


def export_csv(f: LogFilter, path: str, *, headers: Sequence[str], status_words: Mapping[str, str],
               progress: Callable[[int, int], None] | None = None, every: int = 5000) -> int:
    """Write the orders `f` matches, in its order, to `path` for Excel: `;`-separated with a UTF-8 BOM
    (Excel in an Indonesian locale splits on `;` and reads the BOM as UTF-8), one header row of
    `headers` (titles of CSV_COLUMNS). `progress(done, total)` is called every `every` rows.
    Returns the number of orders written."""
    if len(headers) != len(CSV_COLUMNS):
        raise ValueError("one header per column")
    ids = matching_ids(f)
    total = len(ids)
    written = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh, delimiter=";")
        out.writerow(headers)
        for row in rows_in_order(ids):
            out.writerow(csv_record(row, status_words))
            written += 1
            if progress is not None and written % every == 0:
                progress(written, total)
    if progress is not None:
        progress(written, total)
    return written
