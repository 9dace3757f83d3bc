"""SYNTHETIC operator reply templates (operators.md section 6).

Every text here is invented to imitate the structure of real answers; only Telkomsel's USSD codes
are real. The default rule packs are generated from the same table, so keep the wording exactly as
operators.md gives it. Replace with real captures when an owner of real chips provides them.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from enum import Enum

WIB = timezone(timedelta(hours=7))

SYNTHETIC = True

TEMPLATES: dict[str, str] = {
    # Telkomsel (codes real, texts synthetic). Flow: ack + SMS from TSEL-SIM.
    "tsel.ack": "Permintaan isi ulang {amount} ke {dest} diterima. Hasil dikirim via SMS.",
    "tsel.reject": "Transaksi ditolak: {reason}.",
    "tsel.ok": "{date} {time} Isi ulang {amount} ke {dest62} BERHASIL. SN:{sn}. Sisa stok {stock}. TrxID:{trxid}",
    "tsel.fail": "{date} {time} Isi ulang {amount} ke {dest62} GAGAL: {reason}. Sisa stok {stock}. TrxID:{trxid}",
    "tsel.stock": "Stok M-Kios {stock} per {date} {time}.",
    "tsel.last5": "5 trx terakhir: {list}",
    "tsel.pin_ok": "PIN berhasil diubah.",
    # Indosat. Flow: immediate.
    "isat.ok": "Sukses isi {amount} ke {dest}. SN {sn}. Saldo Rp{stock}. Ref {trxid}",
    "isat.fail": "Gagal isi {amount} ke {dest}: {reason}. Saldo Rp{stock}.",
    "isat.stock": "Saldo chip Rp{stock}.",
    "isat.last5": "{list}",
    "isat.pin_ok": "PIN telah diganti.",
    # XL. Flow: ack (USSD status 1) + SMS from XL-SIM.
    "xl.ack": "Permintaan Anda sedang diproses. Status akan dikirim lewat SMS.",
    "xl.reject": "Maaf, transaksi tidak dapat diproses: {reason}.",
    "xl.ok": "TRX {trxid} Reload {amount} ke {dest} SUKSES. SN {sn}. Saldo Dompul Rp{stock}",
    "xl.fail": "TRX {trxid} Reload {amount} ke {dest} GAGAL ({reason}). Saldo Dompul Rp{stock}",
    "xl.stock": "Saldo Dompul Rp{stock}",
    "xl.last5": "Trx terakhir: {list}",
    "xl.pin_ok": "PIN Dompul berhasil diganti.",
    # Axis. Flow: immediate. "tidak berhasil" on purpose (operators.md 6.2).
    "axis.ok": "Isi ulang Rp{amount} ke {dest} berhasil. No.Ref {sn}. Sisa saldo Rp{stock}",
    "axis.fail": "Isi ulang Rp{amount} ke {dest} tidak berhasil. {reason}. Sisa saldo Rp{stock}",
    "axis.stock": "Sisa saldo Rp{stock}",
    "axis.last5": "{list}",
    "axis.pin_ok": "PIN sudah diganti.",
    # Tri. Flow: immediate, key=value.
    "tri.ok": "TOPUP {amount_plain} {dest} OK SN={sn} BAL={stock_plain} ID={trxid}",
    "tri.fail": "TOPUP {amount_plain} {dest} GAGAL {reason} BAL={stock_plain} ID={trxid}",
    "tri.stock": "BAL={stock_plain}",
    "tri.last5": "{list}",
    "tri.pin_ok": "PIN OK",
    # Smartfren. Flow: ack + SMS from SF-SIM; no TrxID.
    "sf.ack": "Transaksi diterima, mohon tunggu SMS konfirmasi.",
    "sf.ok": "Isi pulsa {amount} utk {dest} sukses pd {date} {time}. SN:{sn}. Saldo:{stock}",
    "sf.fail": "Isi pulsa {amount} utk {dest} gagal pd {date} {time}. Ket:{reason}. Saldo:{stock}",
    "sf.stock": "Saldo:{stock}",
    "sf.last5": "{list}",
    "sf.pin_ok": "PIN berhasil diganti.",
}

# Real Indonesian network text (operators.md 5.3 / 6.4), sent as +CUSD: 2 with DCS 0.
NETWORK_BUSY_TEXT = "Maaf, permintaan Anda tidak dapat kami proses. Silakan coba beberapa saat lagi."

# Menu-step confirmation, synthetic, after modems.md section 14.
CONFIRM_MENU_TEXT = "Isi pulsa {nominal} ke {dest}? 1.Ya 2.Tidak"
CANCELLED_TEXT = "Transaksi dibatalkan."


class FailReason(str, Enum):
    DEST_INVALID = "DEST_INVALID"
    DEST_GRACE_PERIOD = "DEST_GRACE_PERIOD"
    DEST_BLOCKED = "DEST_BLOCKED"
    OUT_OF_CLUSTER = "OUT_OF_CLUSTER"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    WRONG_CHIP_PIN = "WRONG_CHIP_PIN"
    TOO_SOON = "TOO_SOON"
    PRODUCT_DISRUPTED = "PRODUCT_DISRUPTED"
    NOMINAL_INVALID = "NOMINAL_INVALID"


REASON_TEXTS: dict[FailReason, str] = {
    FailReason.DEST_INVALID: "Nomor tujuan salah",
    FailReason.DEST_GRACE_PERIOD: "Nomor dalam masa tenggang",
    FailReason.DEST_BLOCKED: "Nomor tujuan diblokir",
    FailReason.OUT_OF_CLUSTER: "Nomor di luar wilayah",
    FailReason.OUT_OF_STOCK: "Stok tidak cukup",
    FailReason.WRONG_CHIP_PIN: "PIN salah",
    FailReason.TOO_SOON: "Transaksi sama dalam 5 menit, ulangi nanti",
    FailReason.PRODUCT_DISRUPTED: "Layanan sedang gangguan",
    FailReason.NOMINAL_INVALID: "Nominal tidak tersedia",
}


def dotted(n: int) -> str:
    """Indonesian thousands grouping: 1250000 → ``1.250.000``."""
    return f"{n:,}".replace(",", ".")


def now_wib() -> datetime:
    return datetime.now(WIB)


def render(template_id: str, **values: object) -> str:
    """Render a template; date/time default to now (WIB)."""
    now = now_wib()
    values.setdefault("date", now.strftime("%d/%m/%y"))
    values.setdefault("time", now.strftime("%H:%M"))
    return TEMPLATES[template_id].format(**values)
