"""The words the owner reads for the program's codes: order statuses, attempt outcomes, ledger kinds,
modem roles and states, supplier kinds, failure reasons. One table, Indonesian with English beside it,
used by every view, dialog and export (a CSV says "Sukses", never "success").

    label("status", "suspect")   -> "Suspect" / "Suspect"  (shown as a term shops use)
    label("ledger", "order_debit") -> "Transaksi" / "Order"
"""
from __future__ import annotations

from ui.i18n import add_english, tr

C = "Label"

# kind -> {code: Indonesian}
LABELS: dict[str, dict[str, str]] = {
    "status": {"queued": "Antri", "sending": "Dikirim", "success": "Sukses", "failed": "Gagal",
               "suspect": "Suspect"},
    "outcome": {"success": "Sukses", "failed": "Gagal", "pending": "Menunggu SMS", "unknown": "Tidak dikenal"},
    "ledger": {"deposit": "Deposit", "order_debit": "Transaksi", "refund": "Pengembalian",
               "transfer_out": "Transfer keluar", "transfer_in": "Transfer masuk", "pull": "Tarik saldo",
               "correction": "Koreksi", "commission": "Komisi"},
    "role": {"center": "Center (terima order)", "sender": "Pengirim balasan", "chip": "Chip isi ulang",
             "upstream": "Upstream (server lain)"},
    "role_short": {"center": "center", "sender": "pengirim", "chip": "chip", "upstream": "upstream"},
    "modem_state": {"online": "online", "busy": "sibuk", "connecting": "menyambung", "offline": "offline",
                    "stopped": "diputus", "error": "galat", "sim_error": "SIM bermasalah",
                    "needs_attention": "perlu dicek"},
    "supplier_kind": {"ussd_chip": "Chip USSD", "sms_chip": "Chip SMS", "sms_upstream": "Upstream SMS",
                      "http": "H2H HTTP"},
    "direction": {"in": "Masuk", "out": "Keluar"},
    "outbox": {"queued": "Menunggu", "sent": "Terkirim", "failed": "Gagal"},
    "inbound": {"received": "Diterima", "processed": "Diproses", "rejected": "Ditolak"},
}


def label(kind: str, code: str | None) -> str:
    """The owner's word for `code`, in the current language; an unknown code is shown as it is."""
    if code is None:
        return ""
    text = LABELS.get(kind, {}).get(str(code))
    return tr(C, text) if text is not None else str(code)


def choices(kind: str) -> list[tuple[str, str]]:
    """(code, label) pairs in table order, for combo boxes."""
    return [(code, tr(C, text)) for code, text in LABELS[kind].items()]


add_english(C, {
    "Antri": "Queued", "Dikirim": "Sending", "Sukses": "Success", "Gagal": "Failed", "Suspect": "Suspect",
    "Menunggu SMS": "Waiting for SMS", "Tidak dikenal": "Not recognised",
    "Deposit": "Deposit", "Transaksi": "Order", "Pengembalian": "Refund", "Transfer keluar": "Transfer out",
    "Transfer masuk": "Transfer in", "Tarik saldo": "Withdrawal", "Koreksi": "Correction", "Komisi": "Commission",
    "Center (terima order)": "Center (takes orders)", "Pengirim balasan": "Reply sender",
    "Chip isi ulang": "Reload chip", "Upstream (server lain)": "Upstream (another server)",
    "center": "center", "pengirim": "sender", "chip": "chip", "upstream": "upstream",
    "online": "online", "sibuk": "busy", "menyambung": "connecting", "offline": "offline", "diputus": "stopped",
    "galat": "error", "SIM bermasalah": "SIM error", "perlu dicek": "needs attention",
    "Chip USSD": "USSD chip", "Chip SMS": "SMS chip", "Upstream SMS": "SMS upstream", "H2H HTTP": "HTTP H2H",
    "Masuk": "In", "Keluar": "Out", "Menunggu": "Waiting", "Terkirim": "Sent",
    "Diterima": "Received", "Diproses": "Processed", "Ditolak": "Rejected",
})
