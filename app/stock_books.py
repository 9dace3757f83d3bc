"""Chip stock reconciliation per chip and day: opening stock + stock received + adjustments − sold =
expected closing stock, beside the closing stock the operator reported; and every difference between
two consecutive readings, with the orders and manual actions that could explain it.

The stock history is `StockEntry`: a `reading` for every balance the operator reported (balance checks
and the "Sisa saldo" in top-up answers, written by `app.suppliers.record_stock`), and the owner's
`received` stock and `adjust`ments (`record_received`, `record_adjustment`, audited).

A day runs from its opening reading (the last one at or before 00:00, at most a week old; when the chip
has none, the first reading of the day, flagged) to its closing reading (the last one of the day).
Everything between two readings is counted in the interval that ends with the later one, so the
intervals add up to the day exactly, and day after day chains: a day's closing reading is the next
day's opening. A sale is placed
at its attempt's start on the chip (the operator deducts when it receives the request, before it
answers with the new balance). See docs/stock.md.

Read with a few indexed range queries per chip (stock_entry (supplier, at), attempt (supplier,
started_at)); one chip-day is at most some thousands of rows. SQL for SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import bisect
import datetime as _dt
import enum
from dataclasses import dataclass, field
from typing import Any, Iterable

from app.money import MAX_AMOUNT, group
from app.report_table import Cell, ReportTable
from storage import sql

_NOTE_LIMIT = 200
# An opening reading older than this is not used (the day then opens at its own first reading): a chip
# read once long ago would make its day span weeks of attempts.
OPENING_MAX_AGE = _dt.timedelta(days=7)
_MAX_SHOWN = 6  # explanations shown in one cell of the differences table


class ExplanationKind(str, enum.Enum):
    SUSPECT = "suspect"  # no sure answer: the operator may have delivered (and deducted)
    PENDING = "pending"  # still waiting for the operator's result SMS
    FORCED_SUCCESS = "forced_success"  # the owner made it a success: if it was not delivered, no deduction
    RECONCILED = "reconciled"  # made a success automatically from the chip's own history
    COST_MISMATCH = "cost_mismatch"  # sold here, but the operator took the face value, not the recorded cost
    REFUNDED_AFTER_ATTEMPT = "refunded_after_attempt"  # failed and refunded after the chip tried it
    FAILED_AFTER_ATTEMPT = "failed_after_attempt"  # tried here without success, settled elsewhere or retried
    STOCK_RECEIVED = "stock_received"  # stock recorded as received that the readings do not show
    MANUAL_ADJUST = "manual_adjust"  # the owner's adjustment that the readings do not show
    UNRECORDED_STOCK = "unrecorded_stock"  # the stock went up with nothing recorded: received, not noted
    UNRECORDED_CHARGE = "unrecorded_charge"  # the stock went down with no order or action recorded


# what is said first among explanations of the same amount
_KIND_RANK = {kind: i for i, kind in enumerate(ExplanationKind)}
_CATCH_ALL = (ExplanationKind.UNRECORDED_STOCK, ExplanationKind.UNRECORDED_CHARGE)


@dataclass(frozen=True)
class Explanation:
    kind: ExplanationKind
    order_id: int | None
    amount: int  # rupiah: the part of the difference (reported − expected) it would account for
    text: str  # Indonesian, for the owner
    matches: bool = False  # this order or action alone accounts for the whole difference


@dataclass(frozen=True)
class StockGap:
    """Two consecutive readings whose reported change differs from what the books expected."""

    start: _dt.datetime  # the earlier reading
    end: _dt.datetime  # the later reading
    expected_change: int  # received + adjust − sold in between
    reported_change: int  # later reading − earlier reading
    difference: int  # reported_change − expected_change
    explanations: tuple[Explanation, ...]  # best first


@dataclass(frozen=True)
class ChipStock:
    supplier_id: int
    name: str
    opening: int | None  # None: the chip has no reading up to the end of the day
    opening_at: _dt.datetime | None
    received: int
    adjust: int
    sold_count: int
    sold: int  # rupiah: costs of the orders sold on the chip in the period
    expected: int | None  # opening + received + adjust − sold
    reported: int | None  # the last reading of the day; None when the day has none
    reported_at: _dt.datetime | None
    difference: int | None  # reported − expected
    gaps: tuple[StockGap, ...]
    opening_in_day: bool = False  # no reading before the day: the day's first reading is the opening


@dataclass(frozen=True)
class StockReport:
    day: _dt.date
    chips: tuple[ChipStock, ...]

    @property
    def gap_count(self) -> int:
        return sum(len(c.gaps) for c in self.chips)


# --- recording the owner's stock ---------------------------------------------------------------

def _admin_error(text: str) -> Exception:
    from app.shop_admin import AdminError

    return AdminError(text)


def _record(supplier_id: int, kind: str, amount: int, note: str, actor: str, now: _dt.datetime | None,
            action: str) -> int:
    from storage.models import AuditLog, StockEntry, database_proxy as db, now as wall_clock

    note = " ".join(str(note or "").split())
    if len(note) > _NOTE_LIMIT:
        raise _admin_error(f"Catatan terlalu panjang (maksimal {_NOTE_LIMIT} huruf)")
    row = sql.one("SELECT name FROM supplier WHERE id = ?", (supplier_id,))
    if row is None:
        raise _admin_error("Chip tidak ditemukan")
    at = now or wall_clock()
    with db.atomic():
        entry = StockEntry.create(supplier=supplier_id, at=at, kind=kind, amount=amount, note=note,
                                  actor=actor[:50] or "admin")
        AuditLog.create(at=at, actor=actor[:50] or "admin", action=action, target=f"supplier:{supplier_id}",
                        detail=f"amount={amount} note={note}")
    return int(entry.id)


def _check_amount(amount: Any) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise _admin_error("Jumlah harus bilangan rupiah")
    if abs(amount) > MAX_AMOUNT:
        raise _admin_error("Jumlah terlalu besar")
    return amount


def record_received(supplier_id: int, amount: int, note: str, actor: str, *,
                    now: _dt.datetime | None = None) -> int:
    """The owner received stock on this chip (bought from the distributor, transferred from another
    chip): it raises the expected stock from `now` on. Audited. Returns the history entry's id."""
    if _check_amount(amount) <= 0:
        raise _admin_error("Jumlah stok masuk harus lebih dari 0")
    return _record(supplier_id, "received", amount, note, actor, now, "stock_received")


def record_adjustment(supplier_id: int, amount: int, note: str, actor: str, *,
                      now: _dt.datetime | None = None) -> int:
    """The owner's adjustment of the chip's stock (either sign; a note is required): stock moved out to
    another chip, an operator fee, a correction. Audited. Returns the history entry's id."""
    if _check_amount(amount) == 0:
        raise _admin_error("Jumlah penyesuaian tidak boleh 0")
    if not str(note or "").strip():
        raise _admin_error("Alasan penyesuaian wajib diisi")
    return _record(supplier_id, "adjust", amount, note, actor, now, "stock_adjust")


# --- reading the books ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Entry:
    at: _dt.datetime
    kind: str  # received, adjust
    amount: int
    note: str
    actor: str


@dataclass
class _Attempt:
    started_at: _dt.datetime
    order_id: int
    outcome: str
    status: str
    order_supplier: int | None
    refunded: bool
    fail_reason: str
    code: str
    dest: str
    cost: int
    nominal: int
    last_here: bool

    def sold_here(self, supplier_id: int) -> bool:
        return self.status == "success" and self.order_supplier == supplier_id and self.last_here


@dataclass
class _Interval:
    start: _dt.datetime
    end: _dt.datetime
    reported_change: int
    expected_change: int = 0  # kept up to date by add / remove
    sales: list[_Attempt] = field(default_factory=list)  # counted as sold, after shifting
    entries: list[_Entry] = field(default_factory=list)  # received and adjust, after shifting
    attempts: list[_Attempt] = field(default_factory=list)  # every attempt started in it (for candidates)

    @property
    def difference(self) -> int:
        return self.reported_change - self.expected_change

    def add_sale(self, sale: _Attempt) -> None:
        self.sales.append(sale)
        self.expected_change -= sale.cost

    def remove_sale(self, sale: _Attempt) -> None:
        self.sales.remove(sale)
        self.expected_change += sale.cost

    def add_entry(self, entry: _Entry) -> None:
        self.entries.append(entry)
        self.expected_change += entry.amount

    def remove_entry(self, entry: _Entry) -> None:
        self.entries.remove(entry)
        self.expected_change -= entry.amount


def _day_start(day: _dt.date) -> _dt.datetime:
    return _dt.datetime.combine(day, _dt.time())


def _reading_before(supplier_id: int, at: _dt.datetime) -> tuple[_dt.datetime, int] | None:
    row = sql.one("SELECT at, amount FROM stock_entry WHERE supplier_id = ? AND at <= ? AND at >= ? "
                  "AND kind = 'reading' ORDER BY at DESC, id DESC LIMIT 1", (supplier_id, at, at - OPENING_MAX_AGE))
    return (sql.to_datetime(row[0]), int(row[1])) if row else None


_Row = tuple[_dt.datetime, str, int, str, str]  # at, kind, amount, note, actor


def _entries(supplier_id: int, after: _dt.datetime, until: _dt.datetime) -> list[_Row]:
    return [(sql.to_datetime(at), kind, int(amount), note or "", actor or "") for at, kind, amount, note, actor in
            sql.all_rows("SELECT at, kind, amount, note, actor FROM stock_entry WHERE supplier_id = ? AND at > ? "
                         "AND at <= ? ORDER BY at, id", (supplier_id, after, until))]


def _route_costs(supplier_id: int) -> dict[int, int]:
    return {int(p): int(c) for p, c in sql.all_rows(
        "SELECT product_id, MIN(cost) FROM route WHERE supplier_id = ? AND cost > 0 GROUP BY product_id",
        (supplier_id,))}


def _attempts(supplier_id: int, after: _dt.datetime, until: _dt.datetime) -> list[_Attempt]:
    """The chip's attempts started in (after, until], with their orders and what each cost the chip:
    the order's cost where it succeeded here, else the route's cost, else the face value."""
    routes = _route_costs(supplier_id)
    rows = sql.all_rows(
        "SELECT a.started_at, a.order_id, a.outcome, o.status, o.supplier_id, o.refunded, o.fail_reason, p.code, "
        "o.dest, o.cost, o.product_id, p.nominal, "
        "CASE WHEN EXISTS (SELECT 1 FROM attempt b WHERE b.order_id = a.order_id AND b.supplier_id = a.supplier_id "
        "AND b.id > a.id) THEN 0 ELSE 1 END "
        'FROM attempt a JOIN "order" o ON o.id = a.order_id JOIN product p ON p.id = o.product_id '
        "WHERE a.supplier_id = ? AND a.started_at > ? AND a.started_at <= ? ORDER BY a.started_at, a.id",
        (supplier_id, after, until))
    out = []
    for (started, order_id, outcome, status, on, refunded, reason, code, dest, cost, product_id, nominal,
         last) in rows:
        own_cost = int(cost) if cost is not None and on == supplier_id and status == "success" else 0
        out.append(_Attempt(sql.to_datetime(started), int(order_id), outcome or "", status,
                            None if on is None else int(on), bool(refunded), reason or "", code, dest,
                            own_cost if own_cost > 0 else routes.get(int(product_id), int(nominal)), int(nominal),
                            bool(last)))
    return out


def _audits(order_ids: Iterable[int]) -> dict[int, list[tuple[str, str, _dt.datetime]]]:
    """(action, actor, at) of each order's audit lines, oldest first."""
    ids = sorted(set(order_ids))
    found: dict[int, list[tuple[str, str, _dt.datetime]]] = {}
    for start in range(0, len(ids), 500):
        chunk = [f"order:{i}" for i in ids[start:start + 500]]
        marks = ", ".join("?" for _ in chunk)
        for target, action, actor, at in sql.all_rows(
                f"SELECT target, action, actor, at FROM audit_log WHERE target IN ({marks}) ORDER BY id", chunk):
            found.setdefault(int(target.split(":", 1)[1]), []).append((action, actor, sql.to_datetime(at)))
    return found


def _has_activity(supplier_id: int, after: _dt.datetime, until: _dt.datetime) -> bool:
    return (sql.one("SELECT 1 FROM stock_entry WHERE supplier_id = ? AND at > ? AND at <= ? LIMIT 1",
                    (supplier_id, after, until)) is not None
            or sql.one("SELECT 1 FROM attempt WHERE supplier_id = ? AND started_at > ? AND started_at <= ? LIMIT 1",
                       (supplier_id, after, until)) is not None)


def stock_report(day: _dt.date, supplier_id: int | None = None) -> StockReport:
    """The day's stock books of every chip that has stock history or orders that day, by name; or of
    one chip (LookupError when it does not exist)."""
    start, end = _day_start(day), _day_start(day + _dt.timedelta(days=1))
    if supplier_id is not None:
        row = sql.one("SELECT id, name FROM supplier WHERE id = ?", (supplier_id,))
        if row is None:
            raise LookupError(f"supplier {supplier_id} tidak ada")
        chips = [row]
    else:
        chips = [r for r in sql.all_rows("SELECT id, name FROM supplier ORDER BY name, id")
                 if _has_activity(int(r[0]), start, end)]
    return StockReport(day, tuple(_chip_stock(int(sid), name, start, end) for sid, name in chips))


def _chip_stock(supplier_id: int, name: str, day_start: _dt.datetime, day_end: _dt.datetime) -> ChipStock:
    opening = _reading_before(supplier_id, day_start)
    later = _entries(supplier_id, opening[0] if opening else day_start, day_end)
    readings = [(at, amount) for at, kind, amount, _n, _a in later if kind == "reading"]
    opening_in_day = False
    if opening is None and readings:
        opening, readings, opening_in_day = readings[0], readings[1:], True
        later = [e for e in later if e[0] > opening[0]]
    period_start = opening[0] if opening else day_start
    period_end = readings[-1][0] if readings else (opening[0] if opening_in_day else day_end)
    entries = [_Entry(at, kind, amount, note, actor) for at, kind, amount, note, actor in later
               if kind != "reading" and at <= period_end]
    attempts = _attempts(supplier_id, period_start, period_end)
    sales = [a for a in attempts if a.sold_here(supplier_id)]
    received = sum(e.amount for e in entries if e.kind == "received")
    adjust = sum(e.amount for e in entries if e.kind == "adjust")
    sold = sum(s.cost for s in sales)
    expected = opening[1] + received + adjust - sold if opening else None
    reported = reported_at = None
    if opening_in_day or readings:
        reported_at, reported = readings[-1] if readings else opening
    gaps: tuple[StockGap, ...] = ()
    if opening is not None and readings:
        gaps = _gaps(supplier_id, [opening, *readings], entries, attempts)
    return ChipStock(supplier_id=supplier_id, name=name, opening=opening[1] if opening else None,
                     opening_at=opening[0] if opening else None, received=received, adjust=adjust,
                     sold_count=len(sales), sold=sold, expected=expected, reported=reported, reported_at=reported_at,
                     difference=None if reported is None or expected is None else reported - expected, gaps=gaps,
                     opening_in_day=opening_in_day)


# --- the intervals between readings ---------------------------------------------------------------

def _intervals(readings: list[tuple[_dt.datetime, int]], entries: list[_Entry], attempts: list[_Attempt],
               supplier_id: int) -> list[_Interval]:
    intervals = [_Interval(readings[k - 1][0], readings[k][0], readings[k][1] - readings[k - 1][1])
                 for k in range(1, len(readings))]
    ends = [r[0] for r in readings[1:]]

    def at(moment: _dt.datetime) -> _Interval:
        # the interval (start, end] holding `moment`: the first whose end is not before it
        return intervals[min(bisect.bisect_left(ends, moment), len(intervals) - 1)]

    for entry in entries:
        at(entry.at).add_entry(entry)
    for attempt in attempts:
        interval = at(attempt.started_at)
        interval.attempts.append(attempt)
        if attempt.sold_here(supplier_id):
            interval.add_sale(attempt)
    _shift_late_records(intervals)
    return intervals


def _shift_late_records(intervals: list[_Interval]) -> None:
    """Stock recorded at another moment than it showed: a receipt noted after (or before) the readings
    rose by it leaves one interval short by its amount and another over by the same. The entry moves to
    the nearest interval that shows it, and neither is a difference. Likewise a sale the operator
    deducted only after the next reading (an SMS chip answering late) moves to the next interval."""
    for k, interval in enumerate(intervals):
        for entry in list(interval.entries):
            if interval.difference != -entry.amount:
                continue
            others = sorted((m for m in range(len(intervals)) if m != k and intervals[m].difference == entry.amount),
                            key=lambda m: abs(m - k))
            if others:
                interval.remove_entry(entry)
                intervals[others[0]].add_entry(entry)
    for k, interval in enumerate(intervals[:-1]):
        following = intervals[k + 1]
        if interval.difference <= 0 or following.difference >= 0:
            continue
        for sale in list(interval.sales):
            if interval.difference == sale.cost and following.difference == -sale.cost:
                interval.remove_sale(sale)
                following.add_sale(sale)


def _gaps(supplier_id: int, readings: list[tuple[_dt.datetime, int]], entries: list[_Entry],
          attempts: list[_Attempt]) -> tuple[StockGap, ...]:
    intervals = [i for i in _intervals(readings, entries, attempts, supplier_id) if i.difference != 0]
    if not intervals:
        return ()
    audits = _audits(a.order_id for i in intervals for a in i.attempts)
    return tuple(StockGap(start=i.start, end=i.end, expected_change=i.expected_change,
                          reported_change=i.reported_change, difference=i.difference,
                          explanations=_explain(i, supplier_id, audits)) for i in intervals)


# --- explanations ------------------------------------------------------------------------------

def _signed(amount: int) -> str:
    return f"+{group(amount)}" if amount > 0 else group(amount)


def _clock(moment: _dt.datetime) -> str:
    return f"{moment:%d/%m %H:%M}"


def _order_words(a: _Attempt) -> str:
    return f"TrxID {a.order_id} {a.code} ke {a.dest} (dikirim {a.started_at:%H:%M:%S})"


_ANSWER_WORDS = {"failed": "operator menjawab gagal", "unknown": "jawaban operator tidak pasti",
                 "pending": "menunggu SMS operator", "success": "operator menjawab sukses", "": "belum ada jawaban"}
_STATUS_WORDS = {"queued": "antri lagi", "sending": "sedang dikirim", "success": "sukses",
                 "failed": "gagal", "suspect": "suspect"}


def _order_explanation(a: _Attempt, supplier_id: int,
                       audits: dict[int, list[tuple[str, str, _dt.datetime]]]) -> Explanation | None:
    """What one attempt on the chip may account for, or None when the books already count it right."""
    lines = audits.get(a.order_id, [])
    actions = {action: (actor, at) for action, actor, at in lines}
    answer = _ANSWER_WORDS.get(a.outcome, a.outcome)
    if a.sold_here(supplier_id):
        if "force_success" in actions:
            actor, at = actions["force_success"]
            return Explanation(ExplanationKind.FORCED_SUCCESS, a.order_id, a.cost,
                               f"{_order_words(a)} disukseskan manual oleh {actor} ({_clock(at)}); bila operator "
                               f"tidak memotong stok, stok lebih {group(a.cost)}")
        if "reconcile" in actions:
            return Explanation(ExplanationKind.RECONCILED, a.order_id, a.cost,
                               f"{_order_words(a)} disukseskan otomatis dari riwayat chip; bila keliru, "
                               f"stok lebih {group(a.cost)}")
        return None
    deducted = -a.cost  # had the operator delivered it, the chip would hold this much less
    if a.status == "suspect":
        return Explanation(ExplanationKind.SUSPECT, a.order_id, deducted,
                           f"{_order_words(a)} masih suspect ({answer}); bila sebenarnya sukses, stok terpotong "
                           f"{group(a.cost)}")
    if a.status == "sending" and a.order_supplier == supplier_id and a.last_here:
        return Explanation(ExplanationKind.PENDING, a.order_id, deducted,
                           f"{_order_words(a)} masih menunggu hasil dari operator; stok mungkin sudah terpotong "
                           f"{group(a.cost)}")
    if a.status == "failed" and a.refunded:
        if "fail_refund" in actions:
            actor, at = actions["fail_refund"]
            how = f"digagalkan manual oleh {actor} ({_clock(at)})"
        else:
            how = f"gagal ({a.fail_reason or answer})" if a.fail_reason else f"gagal ({answer})"
        return Explanation(ExplanationKind.REFUNDED_AFTER_ATTEMPT, a.order_id, deducted,
                           f"{_order_words(a)} {how} dan dana dikembalikan; bila operator tetap mengirim, stok "
                           f"terpotong {group(a.cost)}")
    now_state = _STATUS_WORDS.get(a.status, a.status)
    if a.status == "success":
        now_state = "sukses lewat rute lain" if a.order_supplier != supplier_id else "sukses pada percobaan berikutnya"
    return Explanation(ExplanationKind.FAILED_AFTER_ATTEMPT, a.order_id, deducted,
                       f"{_order_words(a)}: {answer} di chip ini, transaksi kini {now_state}; bila operator tetap "
                       f"mengirim, stok terpotong {group(a.cost)}")


def _entry_explanation(entry: _Entry) -> Explanation:
    note = f" ({entry.note})" if entry.note else ""
    if entry.kind == "received":
        return Explanation(ExplanationKind.STOCK_RECEIVED, None, -entry.amount,
                           f"Stok masuk {group(entry.amount)} dicatat {entry.actor} {_clock(entry.at)}{note} "
                           "tidak tampak di saldo operator")
    return Explanation(ExplanationKind.MANUAL_ADJUST, None, -entry.amount,
                       f"Penyesuaian {_signed(entry.amount)} oleh {entry.actor} {_clock(entry.at)}{note} "
                       "tidak tampak di saldo operator")


def _catch_all(difference: int) -> Explanation:
    if difference > 0:
        return Explanation(ExplanationKind.UNRECORDED_STOCK, None, difference,
                           f"Stok bertambah {group(difference)} tanpa catatan stok masuk; bila stok memang dibeli "
                           "atau ditransfer ke chip ini, catat dengan \"Catat stok masuk\"")
    return Explanation(ExplanationKind.UNRECORDED_CHARGE, None, difference,
                       f"Stok berkurang {group(-difference)} tanpa transaksi tercatat (transfer keluar, biaya "
                       "operator, atau isi ulang di luar server?)")


def _explain(interval: _Interval, supplier_id: int,
             audits: dict[int, list[tuple[str, str, _dt.datetime]]]) -> tuple[Explanation, ...]:
    difference = interval.difference
    found: dict[int, Explanation] = {}  # by order: several attempts of one order in one interval say it once
    when: dict[int, _dt.datetime] = {}
    for attempt in interval.attempts:
        if attempt in interval.sales or not attempt.sold_here(supplier_id):
            explanation = _order_explanation(attempt, supplier_id, audits)
            if explanation is not None:
                found[attempt.order_id] = explanation
                when[attempt.order_id] = attempt.started_at
    for sale in interval.sales:  # a sale shifted in from the interval before
        if sale.order_id not in found:
            explanation = _order_explanation(sale, supplier_id, audits)
            if explanation is not None:
                found[sale.order_id] = explanation
                when[sale.order_id] = sale.started_at
    for sale in interval.sales:  # the operator charged the face value instead of the cost the books hold
        if sale.order_id not in found and sale.nominal != sale.cost:
            found[sale.order_id] = Explanation(
                ExplanationKind.COST_MISMATCH, sale.order_id, sale.cost - sale.nominal,
                f"{_order_words(sale)}: harga modal tercatat {group(sale.cost)}; bila operator memotong "
                f"nominalnya ({group(sale.nominal)}), periksa harga modal rute chip ini")
            when[sale.order_id] = sale.started_at
    orders = [e for e in found.values() if (e.amount > 0) == (difference > 0)]
    entries = [e for e in map(_entry_explanation, interval.entries) if (e.amount > 0) == (difference > 0)]
    candidates = [*orders, *entries]
    if not any(e.amount == difference for e in candidates) and len(orders) > 1 \
            and sum(e.amount for e in orders) == difference:
        ids = ", ".join(str(e.order_id) for e in orders)
        candidates = [Explanation(e.kind, e.order_id, e.amount, f"{e.text} (bersama TrxID {ids})", True)
                      for e in orders] + entries
    else:
        candidates = [Explanation(e.kind, e.order_id, e.amount, e.text, e.amount == difference) for e in candidates]
    far = _dt.datetime.max
    candidates.sort(key=lambda e: (not e.matches, abs(difference - e.amount), _KIND_RANK[e.kind],
                                   when.get(e.order_id, far) if e.order_id is not None else far))
    return (*candidates, _catch_all(difference))


# --- as tables -----------------------------------------------------------------------------------

STOCK_COLUMNS = ("Chip", "Stok awal", "Jam awal", "Masuk", "Penyesuaian", "Trx", "Terjual", "Seharusnya",
                 "Dilaporkan", "Jam akhir", "Selisih")
DIFFERENCE_COLUMNS = ("Chip", "Dari", "Sampai", "Perubahan seharusnya", "Perubahan dilaporkan", "Selisih", "TrxID",
                      "Kemungkinan penyebab")
NONE_TEXT = "-"


def _moment(value: _dt.datetime | None, day: _dt.date, seconds: bool = False) -> str:
    if value is None:
        return NONE_TEXT
    time = f"{value:%H:%M:%S}" if seconds else f"{value:%H:%M}"
    return time if value.date() == day else f"{value:%d/%m} {time}"


def _value(value: int | None) -> Cell:
    return NONE_TEXT if value is None else value


def _sum_all(values: list[int | None]) -> Cell:
    return NONE_TEXT if not values or any(v is None for v in values) else sum(v for v in values if v is not None)


def stock_table(report: StockReport) -> ReportTable:
    """One row per chip: opening, received, adjustments, sold (count and rupiah), expected and reported
    closing stock and the difference; a TOTAL row. An opening taken from the day's first reading (the
    chip has none before the day) is marked with '*' on its time."""
    rows = []
    for c in report.chips:
        opened = _moment(c.opening_at, report.day) + ("*" if c.opening_in_day else "")
        rows.append((c.name, _value(c.opening), opened, c.received, c.adjust, c.sold_count, c.sold,
                     _value(c.expected), _value(c.reported), _moment(c.reported_at, report.day),
                     _value(c.difference)))
    chips = report.chips
    total: tuple[Cell, ...] = (
        "TOTAL", _sum_all([c.opening for c in chips]), "", sum(c.received for c in chips),
        sum(c.adjust for c in chips), sum(c.sold_count for c in chips), sum(c.sold for c in chips),
        _sum_all([c.expected for c in chips]), _sum_all([c.reported for c in chips]), "",
        sum(c.difference for c in chips if c.difference is not None))
    return ReportTable(title=f"Rekonsiliasi stok chip, {report.day:%d/%m/%Y}", start=report.day, end=report.day,
                       columns=STOCK_COLUMNS, rows=tuple(rows), total=total if rows else None,
                       money=frozenset({1, 3, 4, 6, 7, 8, 10}),
                       empty_text="(tidak ada chip dengan stok atau transaksi)")


def differences_table(report: StockReport) -> ReportTable:
    """One row per difference between two consecutive readings: the interval, the expected and the
    reported change, the difference, the orders behind the likely explanations and the explanations,
    best first."""
    rows = []
    for c in report.chips:
        for gap in c.gaps:
            order_ids = [e.order_id for e in gap.explanations if e.order_id is not None]
            shown = gap.explanations[:_MAX_SHOWN]
            text = "; ".join(e.text for e in shown)
            if len(gap.explanations) > _MAX_SHOWN:
                text += f"; dan {len(gap.explanations) - _MAX_SHOWN} lainnya"
            rows.append((c.name, _moment(gap.start, report.day, True), _moment(gap.end, report.day, True),
                         gap.expected_change, gap.reported_change, gap.difference,
                         ", ".join(map(str, order_ids)) or NONE_TEXT, text))
    return ReportTable(title=f"Selisih stok chip, {report.day:%d/%m/%Y}", start=report.day, end=report.day,
                       columns=DIFFERENCE_COLUMNS, rows=tuple(rows), money=frozenset({3, 4, 5}),
                       empty_text="(tidak ada selisih stok)")
