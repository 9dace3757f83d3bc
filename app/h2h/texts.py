"""The sentences H2H buyers' software reads: replies to `/trx` and `/api`, and the `message` of reports.

Shaped like the documented OtomaX samples (reference h2h.md 3.3 and 9.1): TrxID, product code,
destination, status, always in that order, thousands grouped with "," as in the samples. Buyers
write their parsing rules against these exact words, so they never change with the window's language.

| state | text |
|---|---|
| processing | `TrxID=… kode … ke … sedang diproses @HH:MM. Saldo A - H = B` |
| success | `TrxID=… kode … ke … Sukses. SN:…. Saldo B @HH:MM` |
| failed | `TrxID=… kode … ke … GAGAL. alasan. Saldo A+H = B @HH:MM` |
| same refID again | `TrxID=… kode … ke … sdh pernah jam HH:MM, status Sukses. SN:…. Saldo B` |
| refused (no order) | `TrxID=- kode … ke … GAGAL. alasan. Saldo B` (no balance before the member is known) |
"""
from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass


class State(str, enum.Enum):
    """What a buyer sees of an order: three states (a suspect order is still processing)."""

    PROCESSING = "processing"
    SUCCESS = "success"
    FAILED = "failed"


def external_state(status: str) -> State:
    if status == "success":
        return State.SUCCESS
    if status == "failed":
        return State.FAILED
    return State.PROCESSING  # queued, sending, suspect


STATUS_WORDS = {State.PROCESSING: "Diproses", State.SUCCESS: "Sukses", State.FAILED: "Gagal"}


class Reason(str, enum.Enum):
    """Why a request made no order: the JSON API's `reason_code`, and the words of the text replies."""

    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"
    PRODUCT_CLOSED = "PRODUCT_CLOSED"
    NO_PRICE = "NO_PRICE"
    BAD_DEST = "BAD_DEST"
    PREFIX_MISMATCH = "PREFIX_MISMATCH"
    REPEAT = "REPEAT"
    COUNTER_USED = "COUNTER_USED"
    COUNTER_MAX = "COUNTER_MAX"
    COOLDOWN = "COOLDOWN"
    PRICE_ABOVE_MAX = "PRICE_ABOVE_MAX"
    BAD_QTY = "BAD_QTY"
    BAD_COUNTER = "BAD_COUNTER"
    MISSING = "MISSING"
    TESTING = "TESTING_NOT_SUPPORTED"
    REF_NOT_UNIQUE = "REF_NOT_UNIQUE"
    BAD_SIGN = "BAD_SIGN"
    WRONG_PIN = "WRONG_PIN"
    LOCKED = "LOCKED"
    INACTIVE = "INACTIVE"
    PLAIN_NOT_ALLOWED = "PLAIN_NOT_ALLOWED"
    SIGN_NOT_READY = "SIGN_NOT_READY"
    UNKNOWN_MEMBER = "UNKNOWN_MEMBER"
    IP_NOT_ALLOWED = "IP_NOT_ALLOWED"
    NOT_FOUND = "NOT_FOUND"
    ORDER_FAILED = "ORDER_FAILED"  # an order that was placed and then failed at the operator
    INTERNAL = "INTERNAL_ERROR"


REASON_TEXTS = {
    Reason.INSUFFICIENT_BALANCE: "Saldo tidak cukup, harga {harga}",
    Reason.UNKNOWN_PRODUCT: "Kode produk {kode} tidak dikenal",
    Reason.PRODUCT_CLOSED: "Produk {kode} sedang tidak tersedia",
    Reason.NO_PRICE: "Produk {kode} belum dijual untuk Anda",
    Reason.BAD_DEST: "Nomor tujuan {tujuan} salah",
    Reason.PREFIX_MISMATCH: "Nomor tujuan {tujuan} bukan operator {operator_produk}",
    Reason.REPEAT: "Sdh pernah jam {jam} status {status}, kirim dgn counter {n_berikut} bila memang isi lagi",
    Reason.COUNTER_USED: "Counter {n} sdh dipakai jam {jam}, berikutnya {n_berikut}",
    Reason.COUNTER_MAX: "Counter maksimal {max}",
    Reason.COOLDOWN: "Transaksi terakhir ke nomor ini GAGAL, tunggu {detik} detik",
    Reason.PRICE_ABOVE_MAX: "Harga {harga} di atas harga maksimal {harga_max}",
    Reason.BAD_QTY: "qty harus 1",
    Reason.BAD_COUNTER: "Counter tidak valid",
    Reason.MISSING: "Parameter {param} kosong",
    Reason.TESTING: "Mode testing tidak tersedia",
    Reason.REF_NOT_UNIQUE: "Ref ID tidak unik",
    Reason.BAD_SIGN: "Sign salah",
    Reason.WRONG_PIN: "PIN atau password salah",
    Reason.LOCKED: "Akun dikunci sampai {jam} karena sign/PIN salah berulang",
    Reason.INACTIVE: "Akun diblokir, hubungi admin",
    Reason.PLAIN_NOT_ALLOWED: "Permintaan tanpa sign tidak diizinkan untuk member ini",
    Reason.SIGN_NOT_READY: "Sign belum bisa diperiksa, admin perlu mengatur PIN H2H",
    Reason.UNKNOWN_MEMBER: "Member ID {member} tidak dikenal",
    Reason.IP_NOT_ALLOWED: "IP {ip} tidak terdaftar untuk member ini",
    Reason.NOT_FOUND: "Ref ID {ref} tidak ditemukan",
    Reason.ORDER_FAILED: "{alasan}",
    Reason.INTERNAL: "Gangguan server, coba lagi nanti",
}


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return "-"


def reason_text(reason: Reason, **values) -> str:
    return REASON_TEXTS[reason].format_map(_Safe(values))


def money(amount: int, sep: str = ",") -> str:
    """61125 -> '61,125' (the samples' grouping)."""
    sign = "-" if amount < 0 else ""
    return sign + f"{abs(int(amount)):,}".replace(",", sep)


def clean(text: str, limit: int = 60) -> str:
    """A value the buyer sent, echoed back: one line, no separators a parser could trip over."""
    out = "".join(ch if ch.isprintable() and ch not in "&=#" else "?" for ch in text.strip())
    return out[:limit] or "-"


@dataclass(frozen=True)
class OrderFacts:
    """One order as its sentences tell it."""

    trx_id: int
    product: str
    dest: str
    state: State
    price: int
    balance: int  # after it: success/processing the balance now, failed the balance after the refund
    sn: str = ""
    reason: str = ""  # a failed order's reason
    at: _dt.datetime | None = None  # placed (processing) or settled (success, failed)
    placed_at: _dt.datetime | None = None


def _hm(at: _dt.datetime | None) -> str:
    return f"{at:%H:%M}" if at is not None else "--:--"


def processing(f: OrderFacts, balance_before: int, sep: str = ",") -> str:
    return (f"TrxID={f.trx_id} kode {f.product} ke {f.dest} sedang diproses @{_hm(f.at)}. "
            f"Saldo {money(balance_before, sep)} - {money(f.price, sep)} = {money(f.balance, sep)}")


def success(f: OrderFacts, sep: str = ",") -> str:
    return (f"TrxID={f.trx_id} kode {f.product} ke {f.dest} Sukses. SN:{f.sn or '-'}. "
            f"Saldo {money(f.balance, sep)} @{_hm(f.at)}")


def failed(f: OrderFacts, sep: str = ",") -> str:
    reason = (f.reason or "Gagal").rstrip(". ")
    return (f"TrxID={f.trx_id} kode {f.product} ke {f.dest} GAGAL. {reason}. "
            f"Saldo {money(f.balance - f.price, sep)}+{money(f.price, sep)} = {money(f.balance, sep)} @{_hm(f.at)}")


def state_text(f: OrderFacts, sep: str = ",") -> str:
    """The order's state now (a status check, a report)."""
    if f.state is State.SUCCESS:
        return success(f, sep)
    if f.state is State.FAILED:
        return failed(f, sep)
    return processing(f, f.balance + f.price, sep)


def repeat(f: OrderFacts, sep: str = ",") -> str:
    """The same refID sent again as an order: the earlier order's state, never a second one."""
    return (f"TrxID={f.trx_id} kode {f.product} ke {f.dest} sdh pernah jam {_hm(f.placed_at)}, "
            f"status {STATUS_WORDS[f.state]}. SN:{f.sn or '-'}. Saldo {money(f.balance, sep)}")


def refused(product: str, dest: str, reason: str, balance: int | None, sep: str = ",") -> str:
    """No order: why, and (once the member is known) its balance."""
    text = f"TrxID=- kode {clean(product, 20)} ke {clean(dest, 40)} GAGAL. {reason.rstrip('. ')}."
    return text if balance is None else f"{text} Saldo {money(balance, sep)}"
