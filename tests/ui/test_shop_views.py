"""The shop views offscreen on a demo shop with history: reseller money through dialogs into the ledger
view, reseller add/block/reset PIN, the rule tester, products and routes, messages, dashboard, detail."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app.rules import load_pack
from storage import sql
from storage.models import AuditLog, LedgerEntry, Price, Product, Reseller, Route
from tests.ui.big_db import make_context, seed_shop
from ui.i18n import set_language


@pytest.fixture
def shop_db(db):
    seed_shop(40)
    return db


@pytest.fixture
def ctx():
    return make_context()


def _show(qtbot, view):
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.show()
    view.set_active(True)
    return view


def _select_reseller(qtbot, view, code: str) -> int:
    rid = Reseller.get(Reseller.code == code).id
    view.select(rid)
    qtbot.waitUntil(lambda: view.ledger_model.reseller_id == rid and view.ledger_model.rowCount() > 0, timeout=5000)
    return rid


def test_deposit_dialog_shows_in_the_ledger_view(qtbot, shop_db, ctx):
    from ui.views.resellers import ResellersView

    view = _show(qtbot, ResellersView(ctx))
    rid = _select_reseller(qtbot, view, "R002")
    before = view.ledger_model.rowCount()
    dialog = view.open_money("deposit")
    dialog.amount.setText("150rb")
    assert "155.000" in dialog.preview.text()
    dialog.note.setText("transfer BCA")
    with qtbot.waitSignal(view.ledger_model.loaded, timeout=5000):
        dialog.accept()
    assert not dialog.isVisible()
    assert view.ledger_model.rowCount() == before + 1
    assert view.ledger_model.index(0, 1).data() == "Deposit"
    assert view.ledger_model.index(0, 2).data() == "+150.000"
    assert view.ledger_model.index(0, 3).data() == "155.000"  # running balance after the row
    assert view.ledger_model.index(0, 5).data() == "tester"
    assert view.ledger_model.index(0, 6).data() == "transfer BCA"
    assert "Rp 155.000" in view.heading.text()
    assert Reseller.get_by_id(rid).balance == 155_000 == sum(e.delta for e in LedgerEntry.select()
                                                            .where(LedgerEntry.reseller == rid))


def test_correction_needs_a_note_and_may_go_negative(qtbot, shop_db, ctx):
    from ui.views.resellers import ResellersView

    view = _show(qtbot, ResellersView(ctx))
    rid = _select_reseller(qtbot, view, "R002")
    dialog = view.open_money("correction")
    dialog.amount.setText("-7.500")
    dialog.accept()
    assert dialog.isVisible() and "catatan" in dialog.error.text().lower()
    dialog.note.setText("salah input kemarin")
    with qtbot.waitSignal(view.ledger_model.loaded, timeout=5000):
        dialog.accept()
    assert Reseller.get_by_id(rid).balance == -2_500
    assert view.ledger_model.index(0, 1).data() == "Koreksi"
    assert view.ledger_model.index(0, 3).data() == "-2.500"


def test_add_block_and_reset_pin(qtbot, shop_db, ctx):
    from ui.views.resellers import ResellersView

    view = _show(qtbot, ResellersView(ctx))
    dialog = view.open_add()
    dialog.code.setText("R050")
    dialog.name.setText("Cahaya Cell")
    dialog.addresses.setPlainText("0812 5555 0050\ntelegram: @cahaya")
    dialog.upline.setCurrentIndex(dialog.upline.findData(Reseller.get(Reseller.code == "R001").id))
    dialog.credit.setText("50.000")
    dialog.accept()
    assert not dialog.isVisible(), dialog.error.text()
    new = Reseller.get(Reseller.code == "R050")
    assert new.credit_limit == 50_000 and new.parent.code == "R001"
    qtbot.waitUntil(lambda: view.selected_id() == new.id, timeout=5000)
    assert view.pin_box.isVisible() and "R050" in view.pin_box.text()
    view.pin_box.close()

    confirm = view.ask_block()
    confirm.accept()
    assert not Reseller.get_by_id(new.id).active
    qtbot.waitUntil(lambda: "Diblokir" in view.heading.text(), timeout=5000)
    assert view.block_button.text() == "Buka blokir"
    row = view.list_model.row_of(new.id)
    assert view.list_model.index(row, 7).data() == "Diblokir"

    old_hash = new.pin_hash
    confirm = view.ask_reset_pin()
    confirm.accept()
    assert Reseller.get_by_id(new.id).pin_hash != old_hash
    actions = [a.action for a in AuditLog.select().where(AuditLog.actor == "tester").order_by(AuditLog.id)]
    assert actions == ["reseller_create", "reseller_block", "reseller_reset_pin"]


def test_rule_tester_shows_the_matching_rule(qtbot, shop_db, ctx):
    from app.rule_builder import sample_reply
    from ui.views.suppliers import SuppliersView

    view = _show(qtbot, SuppliersView(ctx))
    qtbot.waitUntil(lambda: view.selected_id() is not None, timeout=5000)  # the first supplier's pack is shown
    tester = view.tester
    assert tester.pack.currentData() == view.selected().rule_pack
    tester.select_pack("tsel_mkios")
    text = sample_reply("tsel_mkios")
    expected = load_pack("tsel_mkios").match(text)
    assert expected.matched and expected.sn
    tester.sample.setPlainText(text)
    qtbot.waitUntil(lambda: tester.result["sn"].text() == expected.sn, timeout=3000)
    assert tester.result["outcome"].text() == "Sukses"
    assert tester.result["rule"].text() == f"#{expected.rule_index + 1} {expected.rule_name}"
    assert tester.result["balance"].text().startswith("Rp ")
    assert "Tujuan: 6281234567890" in tester.result["fields"].text()  # the owner's words, not group names

    tester.sample.setPlainText("29/11/26 14:05 Isi ulang 10.000 ke 6281234567890 GAGAL: Stok tidak cukup. "
                               "Sisa stok 0. TrxID:4102938475")
    qtbot.waitUntil(lambda: tester.result["outcome"].text() == "Gagal", timeout=3000)
    assert tester.result["reason"].text() == "Stok chip habis"

    tester.sample.setPlainText("Maaf, teks yang tidak dikenal sama sekali")
    qtbot.waitUntil(lambda: tester.result["outcome"].text() == "Tidak dikenal", timeout=3000)

    # edit the pack: a shop-specific rule first, tested live, then saved under a new name
    data = json.loads(tester.editor.toPlainText())
    data["rules"].insert(0, {"name": "toko.khusus", "pattern": r"OK KHUSUS SN (?P<sn>\d+)", "outcome": "success"})
    tester.editor.setPlainText(json.dumps(data, indent=2))
    tester.sample.setPlainText("ok khusus SN 777")
    qtbot.waitUntil(lambda: tester.result["sn"].text() == "777", timeout=3000)
    assert tester.result["rule"].text() == "#1 toko.khusus"
    tester.save_as.setText("tsel_toko")
    tester.save()
    assert tester.pack.currentData() == "tsel_toko" and tester.custom.text() == "diubah pemilik"
    assert tester.status.text() == "Aturan balasan tsel_toko disimpan."
    tester.editor.setPlainText("{ bukan json")
    qtbot.waitUntil(lambda: tester.result["outcome"].text() == "Aturan balasan tidak valid", timeout=3000)
    # an edited editor is not overwritten when the view is shown again
    view.set_active(False)
    view.set_active(True)
    assert tester.editor.toPlainText() == "{ bukan json"


def test_supplier_templates_save(qtbot, shop_db, ctx):
    from app import shop_admin
    from ui.views.suppliers import SuppliersView

    view = _show(qtbot, SuppliersView(ctx))
    qtbot.waitUntil(lambda: view.selected_id() is not None, timeout=5000)
    sid = view.selected_id()
    assert view.form_box.title() == "Format perintah"
    view.fields["topup"].setText("*999*{dest}*{nominal}*{pin}#")
    view.save_templates()
    assert "Tersimpan" in view.message.text()
    assert shop_admin.supplier_templates(sid)["topup"] == "*999*{dest}*{nominal}*{pin}#"
    assert "pin" in json.loads(sql.one("SELECT config FROM supplier WHERE id = ?", (sid,))[0])
    view.fields["topup"].setText("*999*{nominal}#")  # no destination: refused, said in the view
    view.save_templates()
    assert view.message.text() == "Format isi ulang harus memuat {dest}"
    # the list shows each supplier's kind and stock in the owner's words
    row = next(i for i, r in enumerate(view.rows) if r.supplier_id == sid)
    assert view.table.item(row, 1).text() == "Chip USSD" and view.table.item(row, 4).text().startswith("Rp ")


def test_products_prices_and_route_order(qtbot, shop_db, ctx):
    from ui.views.products import COL_ACTIVE, ProductsView

    view = _show(qtbot, ProductsView(ctx))
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=5000)
    model = view.model
    row = next(i for i, p in enumerate(model.rows) if p.code == "S10")
    retail = next(g.id for g in model.groups if g.code == "RETAIL")
    price_col = model.price_column(retail)
    assert model.setData(model.index(row, price_col), "10.700")
    s10 = Product.get(Product.code == "S10")
    assert Price.get((Price.product == s10) & (Price.price_group == retail)).sell == 10_700
    assert model.index(row, price_col).data() == "10.700"
    assert model.setData(model.index(row, COL_ACTIVE), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert not Product.get_by_id(s10.id).active

    view.table.selectRow(row)
    qtbot.waitUntil(lambda: len(view.routes.route_ids()) == 2, timeout=5000)
    ids = view.routes.route_ids()
    assert view.routes.item(0).text().startswith("1. chip ")
    assert view.routes.model().moveRow(QModelIndex(), 1, QModelIndex(), 0)  # what a drag does
    order = [r.id for r in Route.select().where(Route.product == s10).order_by(Route.priority)]
    assert order == ids[::-1]
    qtbot.waitUntil(lambda: view.routes.route_ids() == order and view.routes.item(0).text().startswith("1. "),
                    timeout=5000)
    view.routes.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert not Route.get_by_id(order[0]).active


def test_messages_inbox_outbox_per_modem(qtbot, shop_db, ctx):
    from ui.views.messages import MessagesView

    view = _show(qtbot, MessagesView(ctx))
    n_in = sql.one("SELECT COUNT(*) FROM inbound_message")[0]
    qtbot.waitUntil(lambda: view.inbox.model.rowCount() == n_in, timeout=5000)
    status = next(i for i, c in enumerate(view.inbox.model.columns) if c.key == "status")
    assert view.inbox.model.index(0, status).data() == "Ditolak"  # the unknown sender, last in
    assert view.inbox.count.text() == f"{n_in} pesan"
    view.tabs.setCurrentIndex(1)
    n_out = sql.one("SELECT COUNT(*) FROM outbound_message")[0]
    qtbot.waitUntil(lambda: view.outbox.model.rowCount() == n_out, timeout=5000)
    assert view.outbox.model.index(0, status).data() in ("Menunggu", "Terkirim")
    with qtbot.waitSignal(view.refresher.shown, timeout=5000):
        view.outbox.status.setCurrentIndex(view.outbox.status.findData("sent"))
    sent = sql.one("SELECT COUNT(*) FROM outbound_message WHERE status = 'sent'")[0]
    qtbot.waitUntil(lambda: view.outbox.model.rowCount() == sent, timeout=5000)
    assert {view.outbox.model.index(i, status).data() for i in range(sent)} == {"Terkirim"}
    view.tabs.setCurrentIndex(0)
    view.inbox.modem.setCurrentIndex(view.inbox.modem.findData("sender-1"))
    qtbot.waitUntil(lambda: view.inbox.model.rowCount() == 0 and view.inbox.empty.isVisible(), timeout=5000)
    assert view.inbox.empty.text() == "Tidak ada pesan yang cocok dengan saringan ini."


def test_dashboard_numbers_and_live_refresh(qtbot, shop_db, ctx):
    from app.queries.status import queue_counts
    from ui.views.dashboard import DashboardView

    view = _show(qtbot, DashboardView(ctx))
    qtbot.waitUntil(lambda: view.data is not None, timeout=5000)
    total = sql.one('SELECT COUNT(*) FROM "order"')[0]  # every seeded order is from today's last hour
    assert view.orders.value.text() == str(total)
    sales = sql.one("SELECT SUM(price) FROM \"order\" WHERE status = 'success'")[0]
    assert view.sales.value.text() == f"Rp {sales:,}".replace(",", ".")
    window_start = view.data.window_start
    recent = sql.one('SELECT COUNT(*) FROM "order" WHERE created_at >= ?', (window_start,))[0]
    assert recent and sum(m.total for m in view.data.minutes) == recent
    # configured modems (from the database) merged with the engine's (none attached: not started)
    assert view.modems.value.text() == "0 / 6"
    assert view.data.queue == queue_counts()  # the status bar's read model
    first = view.data
    view.set_active(False)
    ctx.bridge.tick.emit()
    assert view.refresher.dirty
    view.set_active(True)
    qtbot.waitUntil(lambda: view.data is not first, timeout=5000)


def test_log_detail_shows_the_whole_history(qtbot, shop_db, ctx):
    from ui.views.log import LogView

    view = _show(qtbot, LogView(ctx))
    qtbot.waitUntil(lambda: view.model.rowCount() == sql.one('SELECT COUNT(*) FROM "order"')[0], timeout=5000)
    failed = sql.one("SELECT id FROM \"order\" WHERE status = 'failed' ORDER BY id DESC LIMIT 1")[0]
    view.show_detail(failed)
    text = view.detail.toPlainText()
    for part in (f"TrxID {failed}", "Pesan masuk", "GAGAL. Nomor tujuan salah", "Pengembalian", "Transaksi",
                 "Balasan", "Nomor tujuan salah"):
        assert part in text, part
    assert "1234" not in text.split("Pesan masuk")[1].split("Percobaan")[0]  # the PIN is masked


def test_views_have_titles_in_both_languages(qtbot, shop_db, ctx):
    from ui.views.dashboard import DashboardView
    from ui.views.log import LogView
    from ui.views.messages import MessagesView
    from ui.views.products import ProductsView
    from ui.views.resellers import ResellersView
    from ui.views.suppliers import SuppliersView

    classes = (DashboardView, LogView, MessagesView, ResellersView, ProductsView, SuppliersView)
    ids = [cls(ctx).title() for cls in classes]
    set_language("en")
    try:
        en = [cls(ctx).title() for cls in classes]
    finally:
        set_language("id")
    assert ids == ["Dasbor", "Transaksi", "Pesan", "Reseller", "Produk dan harga", "Supplier dan aturan"]
    assert en == ["Dashboard", "Transactions", "Messages", "Resellers", "Products and prices", "Suppliers and rules"]
