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
                    "needs_attention": "perlu dicek", "disconnecting": "memutus"},
    "supplier_kind": {"ussd_chip": "Chip USSD", "sms_chip": "Chip SMS", "sms_upstream": "Upstream SMS",
                      "http": "H2H HTTP", "h2h_otomax": "H2H OtomaX", "h2h_st24": "H2H ST24/IRS",
                      "h2h_json": "H2H JSON"},
    "direction": {"in": "Masuk", "out": "Keluar"},
    "outbox": {"queued": "Menunggu", "sent": "Terkirim", "failed": "Gagal"},
    "inbound": {"received": "Diterima", "processed": "Diproses", "rejected": "Ditolak"},
    "channel": {"sms": "SMS", "operator": "Operator", "telegram": "Telegram", "jabber": "Jabber", "wa": "WhatsApp",
                "h2h": "H2H", "http": "H2H"},
    # why a message made no order (InboundMessage.reason): app/handlers.py rejections, orders.Rejection
    "inbound_reason": {"bad_date": "Tanggal salah", "bad_dest": "Nomor tujuan salah", "bad_format": "Format salah",
                      "downline_unknown": "Downline tidak dikenal", "inactive": "Reseller diblokir",
                      "insufficient": "Saldo tidak cukup", "internal_error": "Galat sistem",
                      "locked": "PIN terkunci", "main_only": "Hanya dari nomor utama",
                      "not_available": "Perintah tidak tersedia", "not_registered": "Pengirim belum terdaftar",
                      "nothing_to_cancel": "Tidak ada yang bisa dibatalkan",
                      "parallel_missing": "Nomor paralel tidak ada",
                      "parallel_taken": "Nomor paralel sudah dipakai", "phone_taken": "Nomor sudah dipakai",
                      "pin_not_set": "PIN belum diatur", "pin_same": "PIN baru sama dengan PIN lama",
                      "price_none": "Harga belum diatur", "ticket_bank": "Bank tidak dikenal",
                      "ticket_min": "Deposit di bawah minimum",
                      "too_many": "Terlalu banyak order dalam satu pesan",
                      "transfer_min": "Transfer di bawah minimum", "transfer_repeat": "Transfer sama diulang",
                      "transfer_self": "Transfer ke diri sendiri",
                      "transfer_unknown": "Penerima transfer tidak dikenal", "wrong_pin": "PIN salah",
                      "unknown_product": "Kode produk tidak dikenal", "product_closed": "Produk ditutup",
                      "no_price": "Harga belum diatur", "wrong_prefix": "Nomor bukan operator produk",
                      "repeat": "Order sama berulang", "counter_used": "Urutan order sudah dipakai",
                      "counter_max": "Urutan order melebihi batas",
                      "cooldown": "Terlalu cepat setelah order yang sama", "too_old": "Pesan terlalu lama",
                      "same_order": "Order ini sudah ada", "rejected": "Ditolak",
                      "bad_digits": "Angka bukan 0-9", "own_number": "Nomor milik server",
                      "reply_limit": "Batas balasan harian habis", "transfer_max": "Transfer di atas maksimum",
                      "ticket_max": "Deposit di atas maksimum", "ticket_full": "Kode unik tiket habis",
                      "markup_max": "Markup di atas batas",
                      "downline_none": "Belum punya downline",
                      "downline_owner_blocked": "Downline diblokir admin"},
    # app.rules.FailReason: what the owner reads when choosing or seeing why an operator refused
    "fail_reason": {"DEST_INVALID": "Nomor tujuan salah", "DEST_LENGTH": "Jumlah digit nomor salah",
                    "PREFIX_MISMATCH": "Nomor bukan operator ini", "DEST_BLOCKED": "Nomor tujuan diblokir",
                    "DEST_GRACE_PERIOD": "Nomor masa tenggang", "PACKAGE_CONFLICT": "Harus unreg paket dulu",
                    "OUT_OF_CLUSTER": "Di luar wilayah chip", "OUT_OF_STOCK": "Stok chip habis",
                    "SUPPLIER_BALANCE": "Saldo di supplier habis", "PRODUCT_DISRUPTED": "Produk gangguan",
                    "CUT_OFF": "Jam cut off", "SUPPLIER_TIMEOUT": "Supplier tidak menjawab",
                    "TOO_SOON": "Transaksi sama terlalu cepat", "WRONG_CHIP_PIN": "PIN chip salah",
                    "NETWORK_BUSY": "Jaringan sibuk", "REF_NOT_UNIQUE": "Nomor referensi ganda",
                    "SUPPLIER_REFUND": "Dibatalkan supplier", "USSD_REJECTED": "USSD ditolak operator",
                    "NOMINAL_INVALID": "Nominal tidak tersedia", "CANCELLED": "Transaksi dibatalkan",
                    "NO_ROUTE": "Tidak ada rute", "UNKNOWN": "Alasan tidak dikenal"},
    # audit log actions on an order (the owner's manual ones and the system's reconciliation)
    "action": {"retry": "Diulang", "force_success": "Sukses manual", "fail_refund": "Digagalkan, dana dikembalikan",
               "resend_reply": "Balasan dikirim ulang", "reviewed": "Ditandai sudah dicek",
               "reconcile": "Dicocokkan dengan riwayat chip"},
    "product_kind": {"airtime": "Pulsa", "data": "Paket data", "pln": "Token PLN", "ewallet": "E-wallet",
                     "game": "Voucher game"},
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
    "H2H OtomaX": "H2H OtomaX", "H2H ST24/IRS": "H2H ST24/IRS", "H2H JSON": "H2H JSON",
    "Masuk": "In", "Keluar": "Out", "Menunggu": "Waiting", "Terkirim": "Sent",
    "Diterima": "Received", "Diproses": "Processed", "Ditolak": "Rejected",
    "memutus": "disconnecting", "SMS": "SMS", "Operator": "Operator", "Telegram": "Telegram", "Jabber": "Jabber",
    "WhatsApp": "WhatsApp", "H2H": "H2H",
    "Tanggal salah": "Wrong date", "Format salah": "Wrong format", "Downline tidak dikenal": "Unknown downline",
    "Reseller diblokir": "Reseller blocked", "Saldo tidak cukup": "Balance too low", "Galat sistem": "System error",
    "PIN terkunci": "PIN locked", "Hanya dari nomor utama": "Main number only",
    "Perintah tidak tersedia": "Command not available", "Pengirim belum terdaftar": "Sender not registered",
    "Tidak ada yang bisa dibatalkan": "Nothing to cancel", "Nomor paralel tidak ada": "Parallel number missing",
    "Nomor paralel sudah dipakai": "Parallel number taken", "Nomor sudah dipakai": "Number already used",
    "PIN belum diatur": "PIN not set", "PIN baru sama dengan PIN lama": "New PIN same as old",
    "Harga belum diatur": "No price set", "Bank tidak dikenal": "Unknown bank",
    "Deposit di bawah minimum": "Deposit below minimum",
    "Terlalu banyak order dalam satu pesan": "Too many orders in one message",
    "Transfer di bawah minimum": "Transfer below minimum", "Transfer sama diulang": "Same transfer repeated",
    "Transfer ke diri sendiri": "Transfer to oneself",
    "Penerima transfer tidak dikenal": "Unknown transfer recipient", "PIN salah": "Wrong PIN",
    "Kode produk tidak dikenal": "Unknown product code", "Produk ditutup": "Product closed",
    "Nomor bukan operator produk": "Number of another operator", "Order sama berulang": "Same order repeated",
    "Urutan order sudah dipakai": "Order counter used", "Urutan order melebihi batas": "Order counter too high",
    "Terlalu cepat setelah order yang sama": "Too soon after the same order",
    "Pesan terlalu lama": "Message too old", "Order ini sudah ada": "Order already placed",
    "Angka bukan 0-9": "Digits other than 0-9", "Nomor milik server": "The server's own number",
    "Batas balasan harian habis": "Daily reply limit reached", "Transfer di atas maksimum": "Transfer above maximum",
    "Kode unik tiket habis": "Ticket unique codes used up",
    "Deposit di atas maksimum": "Deposit above maximum", "Markup di atas batas": "Markup above the maximum",
    "Belum punya downline": "No downlines yet", "Downline diblokir admin": "Downline blocked by the admin",
    "Nomor tujuan salah": "Wrong destination number", "Jumlah digit nomor salah": "Wrong number of digits",
    "Nomor bukan operator ini": "Number of another operator", "Nomor tujuan diblokir": "Destination blocked",
    "Nomor masa tenggang": "Number in grace period", "Harus unreg paket dulu": "Package must be unregistered first",
    "Di luar wilayah chip": "Outside the chip's region", "Stok chip habis": "Chip stock used up",
    "Saldo di supplier habis": "No balance at the supplier", "Produk gangguan": "Product disrupted",
    "Jam cut off": "Cut-off time", "Supplier tidak menjawab": "Supplier did not answer",
    "Transaksi sama terlalu cepat": "Same order too soon", "PIN chip salah": "Wrong chip PIN",
    "Jaringan sibuk": "Network busy", "Nomor referensi ganda": "Duplicate reference",
    "Dibatalkan supplier": "Cancelled by the supplier", "USSD ditolak operator": "USSD refused by the operator",
    "Nominal tidak tersedia": "Face value not available", "Transaksi dibatalkan": "Cancelled",
    "Tidak ada rute": "No route", "Alasan tidak dikenal": "Reason not known",
    "Diulang": "Retried", "Sukses manual": "Forced success", "Digagalkan, dana dikembalikan": "Failed and refunded",
    "Balasan dikirim ulang": "Reply resent", "Ditandai sudah dicek": "Marked as checked",
    "Dicocokkan dengan riwayat chip": "Matched with the chip's history",
    "Pulsa": "Airtime", "Paket data": "Data package", "Token PLN": "PLN token", "E-wallet": "E-wallet",
    "Voucher game": "Game voucher",
})
