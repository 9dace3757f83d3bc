"""The message service end to end on a real SQLite file: sender, PIN, orders, money, replies."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from app import ledger, orders
from app.service import Inbound
from storage.models import InboundMessage, LedgerEntry, Order, OutboundMessage, Reseller

R001 = "081211110001"
R002 = "081211110002"


def send(shop, text, sender=R001, **kw):
    return shop.handle(Inbound("sms", sender, text, **kw))


def balance(code):
    return Reseller.get(Reseller.code == code).balance


def texts(result):
    return [r.text for r in result.replies]


def test_topup_debits_reseller_price_and_queues_order(shop):
    result = send(shop, "S10.081389092678.1234")
    assert result.status == "processed" and len(result.new_orders) == 1
    order = Order.get_by_id(result.new_orders[0])
    assert (order.status, order.dest, order.price, order.counter) == ("queued", "081389092678", 10_550, 1)
    assert balance("R001") == 1_000_000 - 10_550
    entry = LedgerEntry.get(LedgerEntry.order == order.id)
    assert (entry.delta, entry.balance_after, entry.kind) == (-10_550, 989_450, "order_debit")


def test_seed_example_with_verb_and_parallel_number(shop):
    result = send(shop, "I.S10.081389092678.1234", sender="081211110011")
    assert len(result.new_orders) == 1
    assert Order.get_by_id(result.new_orders[0]).reseller.code == "R001"


def test_sender_in_international_form_is_recognised(shop):
    assert send(shop, "SAL.1234", sender="+6281211110001").replies[0].text.startswith("Saldo R001: 1.000.000")


def test_plain_nominal_infers_operator_from_prefix(shop):
    result = send(shop, "10.085712345678.1234")
    assert Order.get_by_id(result.new_orders[0]).product.code == "I10"
    result = send(shop, "081712345678.5.1234")
    assert Order.get_by_id(result.new_orders[0]).product.code == "X5"


def test_wrong_pin_counts_down_then_locks_and_moves_no_money(shop, clock):
    before = balance("R001")
    assert texts(send(shop, "S10.081389092678.9999")) == ["PIN salah. Sisa 2 kali percobaan."]
    assert texts(send(shop, "S10.081389092678.9999")) == ["PIN salah. Sisa 1 kali percobaan."]
    locked = texts(send(shop, "S10.081389092678.9999"))[0]
    assert locked.startswith("PIN salah 3x. Akun dikunci sampai 10:30")
    # even the right PIN is refused while locked
    assert "dikunci" in texts(send(shop, "S10.081389092678.1234"))[0]
    assert balance("R001") == before and Order.select().count() == 0
    clock.advance(minutes=31)
    assert len(send(shop, "S10.081389092678.1234").new_orders) == 1


def test_correct_pin_resets_failure_count(shop):
    send(shop, "SAL.9999")
    send(shop, "SAL.9999")
    send(shop, "SAL.1234")
    assert texts(send(shop, "SAL.9999")) == ["PIN salah. Sisa 2 kali percobaan."]


def test_unknown_sender_gets_one_reply_per_day(shop, clock):
    first = send(shop, "S10.081389092678.1234", sender="089912345678")
    assert texts(first) == ["Nomor Anda belum terdaftar. Hubungi admin."]
    assert send(shop, "SAL.1234", sender="089912345678").replies == []
    clock.advance(days=1)
    assert len(send(shop, "SAL.1234", sender="089912345678").replies) == 1


def test_insufficient_balance(shop):
    result = send(shop, "S10.081389092678.4321", sender=R002)
    assert texts(result) == ["Saldo tidak cukup. S10 harga 10.650, saldo Anda 5.000."]
    assert balance("R002") == 5_000 and Order.select().count() == 0


def test_credit_limit_allows_going_below_zero_up_to_limit(shop):
    Reseller.update(credit_limit=10_000).where(Reseller.code == "R002").execute()
    assert len(send(shop, "S10.081389092678.4321", sender=R002).new_orders) == 1
    assert balance("R002") == 5_000 - 10_650
    assert texts(send(shop, "S10.081389092679.4321", sender=R002))[0].startswith("Saldo tidak cukup")


@pytest.mark.parametrize("text,reply", [
    ("I10.081389092678.1234", "Nomor 081389092678 adalah nomor Telkomsel, bukan Indosat. Periksa kode produk."),
    ("ZZ10.081389092678.1234", "Kode ZZ10 tidak dikenal. Ketik HARGA.PIN untuk daftar kode."),
    ("S10.0812.1234", "Nomor tujuan 0812 salah atau tidak dikenal."),
    ("S10.081012345678.1234", "Nomor tujuan 081012345678 salah atau tidak dikenal."),
    ("halo admin", "Format salah. Contoh isi pulsa: S10.08123456789.PIN. Ketik FORMAT untuk bantuan."),
    ("KIRIM.R002.1234", "Format salah. Contoh kirim saldo: KIRIM.KODE.JUMLAH.PIN. Ketik FORMAT untuk bantuan."),
])
def test_rejections_reply_clearly_and_change_nothing(shop, text, reply):
    result = send(shop, text)
    assert result.status == "rejected"
    assert texts(result) == [reply]
    assert balance("R001") == 1_000_000 and Order.select().count() == 0


def test_closed_product(shop):
    from storage.models import Product
    Product.update(active=False).where(Product.code == "S10").execute()
    assert texts(send(shop, "S10.081389092678.1234")) == ["S10 sedang kosong/gangguan. Silakan coba produk lain."]


def test_repeat_needs_counter_and_counter_is_honoured(shop, clock):
    send(shop, "S10.081389092678.1234")
    again = send(shop, "S10.081389092678.1234")
    assert texts(again) == ["S10 ke 081389092678 sudah pernah jam 10:00, status Antri. "
                            "Untuk isi lagi kirim S10.2.081389092678.PIN"]
    assert len(send(shop, "S10.081389092678.1234.2").new_orders) == 1
    used = texts(send(shop, "S10.2.081389092678.1234"))[0]
    assert used.startswith("S10.2 ke 081389092678 sudah pernah") and used.endswith("Pakai urutan 3.")
    assert Order.select().count() == 2


def test_repeat_window_resets_at_midnight(shop, clock):
    send(shop, "S10.081389092678.1234")
    clock.now = clock.now.replace(hour=23, minute=59)
    assert "sudah pernah" in texts(send(shop, "S10.081389092678.1234"))[0]
    clock.advance(minutes=2)
    assert len(send(shop, "S10.081389092678.1234").new_orders) == 1


def test_failed_order_frees_key_after_cooldown(shop, clock):
    first = send(shop, "S10.081389092678.1234").new_orders[0]
    orders.mark_sending(first, now=clock.now)
    orders.settle_failed(first, "Nomor dalam masa tenggang", now=clock.now)
    assert "Tunggu 60 detik" in texts(send(shop, "S10.081389092678.1234"))[0]
    clock.advance(seconds=61)
    assert len(send(shop, "S10.081389092678.1234").new_orders) == 1


def test_counter_above_maximum(shop):
    assert texts(send(shop, "S10.081389092678.1234.10")) == ["Batas 9x untuk S10 ke 081389092678 sudah tercapai."]


def test_ro_takes_next_counter_but_same_text_is_same_order(shop):
    send(shop, "S10.081389092678.1234")
    ro = send(shop, "S10.081389092678.1234.RO")
    assert Order.get_by_id(ro.new_orders[0]).counter == 2
    # the identical RO text again (e.g. resent to another center) is the same order, not a third
    again = send(shop, "S10.081389092678.1234.RO")
    assert again.new_orders == [] and Order.select().count() == 2
    assert texts(again)[0].startswith("S10 ke 081389092678 jam 10:00: Antri")


def test_same_message_delivered_twice_is_one_order(shop, clock):
    sent = clock.now - dt.timedelta(seconds=5)  # the SMSC stamp: a few seconds before it is read
    first = send(shop, "S10.081389092678.1234", sent_at=sent, dedupe_key="modem1|abc")
    second = send(shop, "S10.081389092678.1234", sent_at=sent, dedupe_key="modem1|abc")
    assert second.duplicate and second.replies == [] and second.new_orders == []
    assert Order.select().count() == 1 and InboundMessage.select().count() == 1
    assert first.inbound_id == second.inbound_id


def test_same_text_and_timestamp_without_key_is_deduplicated(shop):
    sent = dt.datetime(2026, 1, 2, 3, 4, 5)
    send(shop, "SAL.1234", sent_at=sent)
    assert send(shop, "SAL.1234", sent_at=sent).duplicate


def test_too_old_order_is_not_executed(shop, clock):
    result = send(shop, "S10.081389092678.1234", sent_at=clock.now - dt.timedelta(minutes=90))
    assert texts(result) == ["Pesan S10 ke 081389092678 terlambat diterima (90 menit), tidak diproses. "
                             "Silakan kirim ulang."]
    assert Order.select().count() == 0


def test_multi_order_makes_one_order_per_item_and_rejects_bad_items_alone(shop):
    result = send(shop, "S5.081234567890.X10.081712345678.I10.081234567891.1234")
    assert len(result.new_orders) == 2
    assert texts(result) == ["Nomor 081234567891 adalah nomor Telkomsel, bukan Indosat. Periksa kode produk."]
    assert balance("R001") == 1_000_000 - 5_600 - 10_800


def test_multi_order_limit(shop):
    items = ".".join(f"S5.08123456789{i}" for i in range(6))
    assert texts(send(shop, f"{items}.1234")) == ["Maksimal 5 transaksi per pesan."]
    assert Order.select().count() == 0


def test_balance_shows_held_amount(shop):
    send(shop, "S10.081389092678.1234")
    assert texts(send(shop, "SAL.1234"))[0] == "Saldo R001: 989.450. Dalam proses: 10.550. @10:00"


def test_price_list_uses_sender_group_and_fits_sms(shop):
    agen = texts(send(shop, "HARGA.TSEL.1234"))
    assert agen == ["Harga Telkomsel: S5=5.600 S10=10.550 S20=20.300 S25=25.250 S50=50.250 S100=100.250"]
    retail = texts(send(shop, "H.S10,I10", sender=R002))
    assert retail == ["Harga Indosat: I10=10.900", "Harga Telkomsel: S10=10.650"]
    for text in texts(send(shop, "HARGA.1234")):
        assert len(text) <= 160


def test_change_pin_either_order_and_three_field_form(shop):
    assert texts(send(shop, "GP.5678.1234")) == ["PIN berhasil diganti. Jangan beritahukan PIN kepada siapa pun."]
    assert texts(send(shop, "SAL.1234"))[0].startswith("PIN salah")
    assert texts(send(shop, "GP.5678.2468"))[0].startswith("PIN berhasil")  # old, new
    assert texts(send(shop, "GPIN.2468.1357.1357"))[0].startswith("PIN berhasil")
    assert texts(send(shop, "SAL.1357"))[0].startswith("Saldo R001")
    assert texts(send(shop, "GP.1357.1357")) == ["PIN baru sama dengan PIN lama. PIN tidak diganti."]


def test_register_downline_then_downline_sets_pin_from_its_phone(shop):
    result = send(shop, "REG.085736384304.SITY CELL.JEMBER.50.1234")
    assert [(r.to, r.text) for r in result.replies] == [
        (R001, "SITY CELL (085736384304) terdaftar dengan ID R004. Info PIN dikirim ke 085736384304."),
        ("085736384304", "Selamat datang di Pulsa. ID Anda R004. Buat PIN dari nomor ini: GP.PINBARU.PINBARU"),
    ]
    child = Reseller.get(Reseller.code == "R004")
    assert child.parent.code == "R001" and child.markup == 50 and child.city == "JEMBER"
    assert texts(send(shop, "SAL.1111", sender="085736384304")) == [
        "PIN belum dibuat. Kirim GP.PINBARU.PINBARU dari nomor utama."]
    assert texts(send(shop, "GP.2580.2580", sender="085736384304"))[0].startswith("PIN berhasil")
    assert texts(send(shop, "SAL.2580", sender="085736384304"))[0].startswith("Saldo R004: 0")
    assert texts(send(shop, "REG.085736384304.LAGI.1234")) == ["Nomor 085736384304 sudah terdaftar."]


def test_transfer_moves_money_both_ways_through_ledger_and_needs_counter_to_repeat(shop):
    result = send(shop, "KIRIM.R002.50RB.1234")
    assert [(r.to, r.text) for r in result.replies] == [
        (R001, "Kirim saldo 50.000 ke R002 (Maju Jaya Cell) berhasil. Saldo Anda 950.000."),
        (R002, "Anda menerima saldo 50.000 dari R001. Saldo 55.000."),
    ]
    assert texts(send(shop, "KIRIM.R002.50000.1234"))[0].startswith("Kirim 50.000 ke R002 sudah pernah")
    assert texts(send(shop, "KIRIM.R002.50000.2.1234"))[0].startswith("Kirim saldo 50.000")
    assert balance("R001") == 900_000 and balance("R002") == 105_000
    assert ledger.ledger_sum(Reseller.get(Reseller.code == "R002").id) == 105_000


def test_transfer_refusals(shop):
    assert texts(send(shop, "KIRIM.R001.50000.1234")) == ["Tidak bisa kirim saldo ke akun sendiri."]
    assert texts(send(shop, "KIRIM.R999.50000.1234")) == ["Tujuan R999 tidak ditemukan."]
    assert texts(send(shop, "KIRIM.R001.20000.4321", sender=R002))[0].startswith("Saldo tidak cukup")
    assert balance("R002") == 5_000


def test_deposit_ticket_gives_unique_amount_and_moves_no_money(shop):
    reply = texts(send(shop, "TIKET.BCA.500000.1234"))[0]
    assert reply.startswith("Tiket 1: transfer TEPAT Rp500.") and "BCA 1234567890" in reply
    assert balance("R001") == 1_000_000
    assert texts(send(shop, "TIKET.10000.1234")) == ["Minimal deposit 50.000."]
    assert texts(send(shop, "TIKET.XYZ.500000.1234")) == ["Bank XYZ tidak tersedia. Pilihan: BCA, BRI."]


def test_recap_ledger_status_and_last(shop, clock):
    ids = [send(shop, "S10.081389092678.1234").new_orders[0], send(shop, "X10.081712345678.1234").new_orders[0]]
    orders.mark_sending(ids[0], now=clock.now)
    orders.settle_success(ids[0], "01447000007482589790", now=clock.now)
    assert texts(send(shop, "RKP.1234"))[0].endswith(": 1 sukses 10.550, 0 gagal, 1 proses.")
    assert texts(send(shop, "CEK.081389092678.1234")) == [
        "S10 ke 081389092678 jam 10:00: Sukses. SN:01447000007482589790"]
    mutasi = texts(send(shop, "MUTASI.1234"))[0]
    assert "TRX -10.550" in mutasi and mutasi.endswith("Saldo 978.650")
    assert texts(send(shop, "RKP.1.1234"))[0].endswith(": 0 sukses 0, 0 gagal, 0 proses.")
    assert texts(send(shop, "LAST5.1234"))[0].startswith(f"#{ids[1]} X10 081712345678 Antri")
    assert texts(send(shop, "RKP.99/99.1234"))[0].startswith("Tanggal 99/99 tidak dikenal")


def test_complaint_attaches_order_status(shop):
    send(shop, "S10.081389092678.1234")
    reply = texts(send(shop, "INFO.S10 ke 081389092678 belum masuk.1234"))[0]
    assert reply == "Komplain #1 diterima. S10 ke 081389092678 jam 10:00: Antri. SN:-"


def test_cancel_queued_order_refunds_once(shop):
    send(shop, "S10.081389092678.1234")
    assert texts(send(shop, "BTL.081389092678.1234"))[0].endswith("DIBATALKAN. Saldo 989.450+10.550=1.000.000")
    assert texts(send(shop, "BTL.081389092678.1234")) == ["Tidak ada transaksi antri untuk 081389092678."]
    assert balance("R001") == 1_000_000
    assert LedgerEntry.select().where(LedgerEntry.kind == "refund").count() == 1


def test_cannot_cancel_order_already_sent(shop, clock):
    oid = send(shop, "S10.081389092678.1234").new_orders[0]
    orders.mark_sending(oid, now=clock.now)
    assert texts(send(shop, "BTL.081389092678.1234"))[0].startswith("Tidak bisa dibatalkan")


def test_parallel_numbers_only_from_main_number(shop):
    assert texts(send(shop, "P.085212345678.1234", sender="081211110011")) == [
        "Perintah ini hanya bisa dari nomor utama."]
    assert texts(send(shop, "P.085212345678.1234")) == ["Nomor 085212345678 ditambahkan sebagai paralel R001."]
    assert texts(send(shop, "SAL.1234", sender="085212345678"))[0].startswith("Saldo R001")
    assert texts(send(shop, "P.081211110002.1234")) == ["081211110002 sudah terdaftar pada akun lain."]
    assert texts(send(shop, "DELHP.085212345678.1234")) == ["Nomor 085212345678 dihapus dari paralel R001."]
    assert texts(send(shop, "SAL.1234", sender="085212345678")) == ["Nomor Anda belum terdaftar. Hubungi admin."]


def test_blocked_reseller(shop):
    Reseller.update(active=False).where(Reseller.code == "R001").execute()
    assert texts(send(shop, "S10.081389092678.1234")) == ["Akun R001 nonaktif. Hubungi admin."]


def test_pins_are_masked_in_stored_messages(shop):
    for text in ("S10.081389092678.1234", "GP.5678.1234", "S10.081389092678.9999", "blah.1234", "SAL.1234"):
        send(shop, text)
    stored = " ".join(m.text for m in InboundMessage.select())
    replies = " ".join(m.text for m in OutboundMessage.select())
    for pin in ("1234", "5678", "9999"):
        whole = re.compile(rf"(?<!\d){pin}(?!\d)")
        assert not whole.search(stored) and not whole.search(replies)


def test_english_replies(shop):
    Reseller.update(language="en").where(Reseller.code == "R001").execute()
    assert texts(send(shop, "SAL.1234"))[0].startswith("Balance R001: 1.000.000.")


def test_edited_template_is_used(shop):
    shop.templates.set("balance", "id", "Sisa saldo {kode_reseller} = {saldo}")
    assert texts(send(shop, "SAL.1234")) == ["Sisa saldo R001 = 1.000.000"]


def test_replies_are_stored_in_the_outbox(shop):
    result = send(shop, "SAL.1234")
    row = OutboundMessage.get_by_id(result.replies[0].outbound_id)
    assert (row.to, row.status, row.text) == (R001, "queued", result.replies[0].text)


def test_remembered_pin_is_forgotten_when_the_pin_changes(shop):
    assert texts(send(shop, "SAL.1234"))[0].startswith("Saldo")  # remembered now
    send(shop, "GP.8642.1234")
    assert texts(send(shop, "SAL.1234"))[0].startswith("PIN salah")
    assert texts(send(shop, "SAL.8642"))[0].startswith("Saldo")


def test_a_product_added_while_running_is_orderable_without_a_restart(shop):
    from app import shop_admin
    from storage.models import PriceGroup

    retail = PriceGroup.get(PriceGroup.code == "AGEN").id
    shop_admin.create_product(shop_admin.ProductSpec(code="TS15", name="Telkomsel 15.000", kind="airtime",
                                                     operator="TSEL", nominal=15_000), actor="owner",
                              prices={retail: 15_600})
    # a number typed in groups reads as an order only once TS15 is known as a product code
    result = send(shop, "TS15.0813 8909 2678.1234")
    assert result.new_orders and Order.get_by_id(result.new_orders[0]).dest == "081389092678"


def test_a_pln_meter_number_is_kept_as_typed(shop):
    from app import shop_admin
    from storage.models import PriceGroup

    agen = PriceGroup.get(PriceGroup.code == "AGEN").id
    shop_admin.create_product(shop_admin.ProductSpec(code="PLN20", name="Token PLN 20.000", kind="pln",
                                                     operator="PLN", nominal=20_000), actor="owner",
                              prices={agen: 21_500})
    result = send(shop, "PLN20.62812345678.1234")  # a meter number that looks like +62 812…
    assert result.new_orders, texts(result)
    assert Order.get_by_id(result.new_orders[0]).dest == "62812345678"
