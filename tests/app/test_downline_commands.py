"""The downline, markup and commission commands through the real message path (SMS text in, replies
and books out), on the demo shop: R001 (AGEN) is the upline of R003 (RETAIL); R002 has no downline.
SQLite, and PostgreSQL when set."""
from __future__ import annotations

import datetime as dt

import pytest

from app import commission, ledger, orders, shop_admin
from app.messages import Inbound
from app.replies import Templates
from storage.models import AuditLog, Order, PriceGroup, ProductMarkup, Reseller
from tests.app.query_dbs import any_db  # noqa: F401  (fixture)
from tests.conftest import Clock

R001, R002, R003 = "081211110001", "081211110002", "081211110003"


@pytest.fixture
def clock():
    return Clock(dt.datetime(2026, 6, 15, 10, 0, 0))


@pytest.fixture
def shop(any_db, clock):
    from app.demo import seed_demo
    from app.service import MessageService

    seed_demo()
    return MessageService(clock=clock)


def send(shop, text, sender=R001):
    return shop.handle(Inbound("sms", sender, text))


def texts(result):
    return [r.text for r in result.replies]


def r(code):
    return Reseller.get(Reseller.code == code)


def books():
    """Balances, markups and blocks of every reseller; and every balance equals its ledger's sum."""
    for x in Reseller.select():
        assert ledger.ledger_sum(x.id) == x.balance, x.code
    return ([(x.code, x.balance, x.markup, x.active) for x in Reseller.select().order_by(Reseller.code)],
            sorted((m.reseller_id, m.product_id, m.amount) for m in ProductMarkup.select()))


def buy_s10(shop, sender=R003, pin="5555", dest="081389092678"):
    result = send(shop, f"S10.{dest}.{pin}", sender)
    return result, (Order.get_by_id(result.new_orders[0]) if result.new_orders else None)


def succeed(order, clock):
    orders.mark_sending(order.id, now=clock.now)
    orders.settle_success(order.id, "SN1", now=clock.now)


# --- MARKUP ------------------------------------------------------------------------------------------

def test_markup_for_all_downlines_changes_what_they_pay_and_what_the_upline_earns(shop, clock):
    assert texts(send(shop, "MARKUP.100.1234")) == ["Markup 100 disimpan untuk 1 downline, semua produk."]
    assert r("R003").markup == 100
    assert texts(send(shop, "H.S10.5555", R003)) == ["Harga Telkomsel: S10=10.750"]  # 10.650 + 100
    result, order = buy_s10(shop)
    assert order.price == 10_750 and r("R003").balance == 250_000 - 10_750
    succeed(order, clock)
    assert r("R001").balance == 1_000_000 + 200  # 10.750 - 10.550
    assert texts(send(shop, "HARGA.TSEL.1234"))[0].startswith("Harga Telkomsel: S5=5.600 S10=10.550")  # own price
    books()


def test_markup_for_one_downline_and_product_then_all_products_again(shop):
    assert texts(send(shop, "MARKUP.R003.S10.150.1234")) == ["Markup 150 disimpan untuk R003, produk S10."]
    assert texts(send(shop, "H.S10,S5.5555", R003)) == ["Harga Telkomsel: S5=5.700 S10=10.800"]
    assert texts(send(shop, "SELISIH.081211110003.75.1234")) == ["Markup 75 disimpan untuk R003, semua produk."]
    assert r("R003").markup == 75 and ProductMarkup.select().count() == 0  # "all products" means all
    assert texts(send(shop, "MU.S10.0.1234")) == ["Markup 0 disimpan untuk 1 downline, produk S10."]
    assert texts(send(shop, "H.S10,S5.5555", R003)) == ["Harga Telkomsel: S5=5.775 S10=10.650"]
    assert AuditLog.select().where(AuditLog.action == "downline_markup").count() == 3
    books()


@pytest.mark.parametrize("text,sender,reply", [
    ("MARKUP.R002.100.1234", R001, "Downline R002 tidak ditemukan."),  # not R001's downline
    ("MARKUP.R001.100.5555", R003, "Downline R001 tidak ditemukan."),  # one's own upline
    ("MARKUP.081211110002.100.1234", R001, "Downline 081211110002 tidak ditemukan."),
    ("MARKUP.R003.99999.1234", R001, "Markup 99.999 terlalu besar. Maksimal 5.000."),
    ("MARKUP.R003.ZZ10.100.1234", R001, "Kode ZZ10 tidak dikenal. Ketik HARGA.PIN untuk daftar kode."),
    ("MARKUP.100.4321", R002, "Anda belum punya downline. Daftarkan dengan REG.NOHP.NAMA.PIN"),
    ("MARKUP.S10.-100.1234", R001, "Format salah. Contoh markup: MARKUP.S10.100.PIN. Ketik FORMAT untuk bantuan."),
    ("MARKUP.R003.100.9999", R001, "PIN salah. Sisa 2 kali percobaan."),
])
def test_markup_refusals_change_nothing(shop, text, sender, reply):
    before = books()
    result = send(shop, text, sender)
    assert texts(result) == [reply] and result.status == "rejected"
    assert books() == before


def test_register_refuses_a_markup_above_the_maximum(shop):
    assert texts(send(shop, "REG.085736384304.SITY CELL.JEMBER.9000.1234")) == [
        "Markup 9.000 terlalu besar. Maksimal 5.000."]
    assert Reseller.select().count() == 3
    assert texts(send(shop, "REG.085736384304.SITY CELL.JEMBER.50.1234"))[0].startswith("SITY CELL")
    result, order = buy_s10(shop, sender="085736384304", pin="2580")  # no PIN yet: refused, nothing paid
    assert order is None and r("R004").balance == 0


# --- LDL, SD -------------------------------------------------------------------------------------

def test_downline_list_and_balance(shop):
    assert texts(send(shop, "LDL.1234")) == ["Downline 1: R003 Berkah Pulsa 250.000"]
    assert texts(send(shop, "DOWNLINE.4321", R002)) == [
        "Anda belum punya downline. Daftarkan dengan REG.NOHP.NAMA.PIN"]
    assert texts(send(shop, "SD.R003.1234")) == ["Saldo R003: 250.000. Dalam proses: 0. @10:00"]
    assert texts(send(shop, "SD.081211110003.1234")) == ["Saldo R003: 250.000. Dalam proses: 0. @10:00"]
    for text, sender, reply in (("SD.R002.1234", R001, "Downline R002 tidak ditemukan."),
                                ("SD.R001.5555", R003, "Downline R001 tidak ditemukan."),
                                ("LDL", R001, "Format salah. Contoh daftar downline: LDL.PIN. Ketik FORMAT untuk "
                                              "bantuan.")):
        result = send(shop, text, sender)
        assert texts(result) == [reply] and result.status == "rejected"


def test_a_long_downline_list_fits_three_sms(shop):
    agen = PriceGroup.get(PriceGroup.code == "RETAIL")
    for n in range(40):
        Reseller.create(code=f"D{n:03d}", name=f"Konter Pulsa Sejahtera {n}", price_group=agen, parent=r("R001").id,
                        pin_hash="", pin_salt="", balance=1_234_567, active=n % 7 != 0)
    replies = texts(send(shop, "LDL.1234"))
    assert 1 < len(replies) <= 3 and all(len(t) <= 160 for t in replies)
    assert replies[0].startswith("Downline 41: D000 Konter Pulsa 1.234.567 (blokir); D001 Konter Pulsa 1.234.567;")
    shown = sum(t.count(";") + 1 for t in replies) - 1  # the last item is "+N lagi"
    assert replies[-1].endswith(f"+{41 - shown} lagi")


# --- BLOK / UNBLOK -------------------------------------------------------------------------------

def test_block_and_unblock_own_downline(shop):
    assert texts(send(shop, "BLOK.R003.1234")) == [
        "Downline R003 (Berkah Pulsa) diblokir, transaksinya ditolak. Untuk membuka: UNBLOK.R003.PIN"]
    result, order = buy_s10(shop)
    assert order is None and texts(result) == ["Akun R003 nonaktif. Hubungi admin."]
    assert r("R003").balance == 250_000
    assert texts(send(shop, "NA.R003.1234")) == ["Downline R003 sudah diblokir."]
    assert texts(send(shop, "UNBLOK.R003.1234")) == ["Downline R003 (Berkah Pulsa) aktif lagi."]
    assert texts(send(shop, "AKTIF.R003.1234")) == ["Downline R003 sudah aktif."]
    assert buy_s10(shop)[1] is not None
    assert [a.action for a in AuditLog.select().order_by(AuditLog.id)] == ["downline_block", "downline_unblock"]
    books()


def test_block_refusals_change_nothing(shop):
    before = books()
    for text, sender, reply in (("BLOK.R002.1234", R001, "Downline R002 tidak ditemukan."),
                                ("BLOK.R001.5555", R003, "Downline R001 tidak ditemukan."),
                                ("BLOK.R003.4321", R002, "Downline R003 tidak ditemukan.")):
        result = send(shop, text, sender)
        assert texts(result) == [reply] and result.status == "rejected"
    assert books() == before


def test_a_block_by_the_owner_is_not_lifted_by_the_upline(shop):
    shop_admin.set_blocked(r("R003").id, True, actor="owner")
    result = send(shop, "UNBLOK.R003.1234")
    assert texts(result) == ["Downline R003 diblokir admin, tidak bisa dibuka lewat SMS. Hubungi admin."]
    assert result.status == "rejected" and not r("R003").active
    # the upline blocks, the owner blocks too (already blocked: nothing written), the upline still may not lift
    shop_admin.set_blocked(r("R003").id, False, actor="owner")
    send(shop, "BLOK.R003.1234")
    shop_admin.set_blocked(r("R003").id, True, actor="owner")
    assert texts(send(shop, "UNBLOK.R003.1234"))[0].startswith("Downline R003 diblokir admin")
    assert not r("R003").active


# --- KOMISI / TUKAR --------------------------------------------------------------------------------

def test_commission_per_order(shop, clock):
    _result, order = buy_s10(shop)
    succeed(order, clock)
    assert texts(send(shop, "KOMISI.1234")) == [
        "Komisi R001: hari ini 100, belum masuk saldo 0, masuk saldo bulan ini 100. @10:00"]
    assert texts(send(shop, "TUKAR.1234")) == [
        "Komisi langsung masuk saldo di setiap transaksi, tidak perlu ditukar. Masuk bulan ini 100."]
    assert r("R001").balance == 1_000_100
    assert texts(send(shop, "KOMISI.4321", R002)) == [
        "Komisi R002: hari ini 0, belum masuk saldo 0, masuk saldo bulan ini 0. @10:00"]
    books()


def test_commission_daily_then_tukar_credits_once(shop, clock):
    commission.set_mode("daily", actor="owner")
    for dest in ("081389092678", "081389092679"):
        succeed(buy_s10(shop, dest=dest)[1], clock)
    assert r("R001").balance == 1_000_000
    assert texts(send(shop, "KOMISI.1234")) == [
        "Komisi R001: hari ini 200, belum masuk saldo 200 (masuk besok atau kirim TUKAR.PIN), masuk saldo bulan "
        "ini 0."]
    assert texts(send(shop, "TUKAR.1234")) == ["Komisi 200 masuk saldo. Saldo 1.000.200."]
    assert texts(send(shop, "TUKAR.1234")) == ["Tidak ada komisi yang belum masuk saldo."]
    clock.advance(days=1)
    assert commission.credit_due(clock.now) == []  # already credited by TUKAR
    assert r("R001").balance == 1_000_200
    assert texts(send(shop, "KOMISI.1234"))[0].endswith("masuk saldo bulan ini 200.")
    books()


def test_english_replies(shop):
    Reseller.update(language="en").where(Reseller.code == "R001").execute()
    assert texts(send(shop, "MARKUP.S10.100.1234")) == ["Markup 100 saved for 1 downline(s), product S10."]
    assert texts(send(shop, "LDL.1234")) == ["Downlines 1: R003 Berkah Pulsa 250.000"]
    assert texts(send(shop, "TUKAR.1234"))[0].startswith("Commission is credited with every order")


def test_new_replies_fit_one_sms_with_realistic_values(db):
    templates = Templates()
    values = dict(jumlah="5.000", max="5.000", downline="128 downline", produk="produk SM10", kode="ABC00012",
                  nama="Berkah Pulsa Jaya", kontak_admin="0812-1111-0000", kode_reseller="ABC00012",
                  hari_ini="1.250.000", tertunda="12.500.000", bulan_ini="38.250.000", jam="23:59",
                  saldo="123.456.789", n=128, daftar="")  # (LDL's list is cut to fit by the handler)
    names = [n for n in templates._defaults["id"] if n.startswith(("markup_", "downline_", "commission_"))]
    assert len(names) >= 19
    for lang in ("id", "en"):
        for name in names:
            text = templates.render(name, lang, **values)
            assert len(text) <= 160 and "{" not in text, (lang, name, text)
            assert text.isascii(), (lang, name)  # GSM-7 safe
