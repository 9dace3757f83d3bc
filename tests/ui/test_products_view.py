"""The products view and its dialogs offscreen: a fresh shop's first steps, products of every kind, the
at-or-below-cost confirmation, bulk markup, and routes with their cost and supplier code; the resellers
view on a fresh database."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel

from app.queries import products as queries
from storage.models import AuditLog, Price, PriceGroup, Product, Route, Supplier
from tests.ui.big_db import make_context, seed_shop


@pytest.fixture
def shop_db(db):
    seed_shop(10)
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


def _products_view(qtbot, ctx):
    from ui.views.products import ProductsView

    view = _show(qtbot, ProductsView(ctx))
    qtbot.waitUntil(lambda: view.snapshot is not None, timeout=5000)
    return view


def _sell(code: str, group_code: str) -> int | None:
    return (Price.select(Price.sell).join(Product).switch(Price).join(PriceGroup)
            .where((Product.code == code) & (PriceGroup.code == group_code)).scalar())


def _texts(dialog) -> str:
    return " ".join(label.text() for label in dialog.findChildren(QLabel))


def _select(qtbot, view, code: str) -> int:
    pid = Product.get(Product.code == code).id
    view.select_product(pid)
    qtbot.waitUntil(lambda: view.selected_product() is not None and view.selected_product().id == pid
                    and view.snapshot.product_id == pid, timeout=5000)
    return pid


def test_fresh_database_explains_the_first_steps_and_leads_to_a_sellable_product(qtbot, db, ctx):
    view = _products_view(qtbot, ctx)
    assert view.stack.currentWidget() is view.empty
    steps = [s.text() for s in view.empty_steps if not s.isHidden()]
    assert "Buat grup harga" in steps[0] and "Tambah produk" in steps[1]
    assert any("Belum ada supplier" in s for s in steps)
    assert not view.markup_button.isEnabled()

    view.empty_groups_button.click()
    groups = view.dialog
    groups.code.setText("retail")
    groups.name.setText("Reseller umum")
    groups.add_button.click()
    assert groups.error.text() == "" and groups.table.rowCount() == 1
    groups.add_button.click()  # the same code again
    assert "sudah ada" in groups.error.text() and groups.error.isVisible()
    groups.close()
    qtbot.waitUntil(lambda: "✓" in view.empty_steps[0].text(), timeout=5000)

    view.empty_add_button.click()
    dialog = view.dialog
    dialog.kind.setCurrentIndex(dialog.kind.findData("pln"))
    assert dialog.operator.currentData() == "PLN"
    assert dialog.skip_prefix.isChecked() and not dialog.skip_prefix.isEnabled()
    assert not dialog.default_for_nominal.isEnabled()
    dialog.code.setText("PLN20")
    dialog.nominal.setText("20rb")
    assert dialog.name.text() == "Token PLN 20.000"  # suggested until the owner types one
    assert "nomor meter" in dialog.destination.text() and "PLN20." in dialog.destination.text()
    retail = PriceGroup.get(PriceGroup.code == "RETAIL").id
    dialog.price_edits[retail].setText("21.500")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.error.text()
    qtbot.waitUntil(lambda: view.stack.currentIndex() == 0 and view.model.rowCount() == 1, timeout=5000)
    assert view.selected_product().code == "PLN20"
    assert _sell("PLN20", "RETAIL") == 21_500
    assert ctx.engine.service.is_product("PLN20")  # the running parser knows the new code
    assert "Belum ada supplier" in view.banner.text() and view.banner.isVisible()
    qtbot.waitUntil(lambda: view.routes.count() == 1 and "Belum ada supplier" in view.routes.item(0).text(),
                    timeout=5000)


@pytest.mark.parametrize("kind,operator,code,nominal", [
    ("airtime", "TSEL", "TS15", "15.000"), ("data", "XL", "XD10", "10.000"), ("pln", "PLN", "PLN50", "50.000"),
    ("ewallet", "OVO", "OVO25", "25.000"), ("game", "ML", "ML86", "20.000"),
])
def test_product_dialog_creates_each_kind_and_refuses_a_duplicate_code(qtbot, shop_db, ctx, kind, operator, code,
                                                                       nominal):
    view = _products_view(qtbot, ctx)
    dialog = view.open_add_product()
    dialog.kind.setCurrentIndex(dialog.kind.findData(kind))
    dialog.operator.setCurrentIndex(dialog.operator.findData(operator))
    assert dialog.skip_prefix.isChecked() == (kind not in ("airtime", "data"))
    assert dialog.default_for_nominal.isEnabled() == (kind == "airtime")
    dialog.code.setText(code)
    dialog.nominal.setText(nominal)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.error.text()
    p = Product.get(Product.code == code)
    assert (p.kind, p.operator, p.nominal) == (kind, operator, int(nominal.replace(".", "")))
    qtbot.waitUntil(lambda: view.selected_product() is not None and view.selected_product().code == code,
                    timeout=5000)
    row = view.model.row_of(p.id)
    assert view.model.index(row, 2).data() == {"airtime": "Pulsa", "data": "Paket data", "pln": "Token PLN",
                                               "ewallet": "E-wallet", "game": "Voucher game"}[kind]

    again = view.open_add_product()
    again.kind.setCurrentIndex(again.kind.findData(kind))
    again.code.setText(code.lower())
    again.nominal.setText(nominal)
    again.accept()
    assert again.result() != QDialog.DialogCode.Accepted
    assert f"Kode {code} sudah dipakai" in again.error.text() and again.error.isVisible()
    assert Product.select().where(Product.code == code).count() == 1
    again.reject()


def test_edit_product_keeps_the_form_filled(qtbot, shop_db, ctx):
    view = _products_view(qtbot, ctx)
    pid = _select(qtbot, view, "S10")
    dialog = view.open_edit_product()
    assert (dialog.code.text(), dialog.operator_code(), dialog.nominal.text()) == ("S10", "TSEL", "10.000")
    assert dialog.default_for_nominal.isChecked() and not dialog.skip_prefix.isChecked()
    dialog.name.setText("Telkomsel 10rb")
    dialog.accept()
    assert Product.get_by_id(pid).name == "Telkomsel 10rb"
    qtbot.waitUntil(lambda: view.selected_product().name == "Telkomsel 10rb", timeout=5000)


def test_price_at_or_below_cost_asks_first(qtbot, shop_db, ctx):
    view = _products_view(qtbot, ctx)
    pid = _select(qtbot, view, "S10")
    cost = queries.product(pid).cheapest_cost
    before = _sell("S10", "RETAIL")
    model = view.model
    col = model.price_column(PriceGroup.get(PriceGroup.code == "RETAIL").id)
    index = model.index(model.row_of(pid), col)

    assert not model.setData(index, str(cost))  # at cost: not saved, asked
    confirm = view.dialog
    assert confirm.windowTitle() == "Harga di bawah modal" and "Simpan juga?" in _texts(confirm)
    confirm.reject()
    assert _sell("S10", "RETAIL") == before
    assert not AuditLog.select().where(AuditLog.action == "price_set").exists()

    assert not model.setData(index, str(cost - 100))
    view.dialog.accept()
    assert _sell("S10", "RETAIL") == cost - 100
    qtbot.waitUntil(lambda: model.index(model.row_of(pid), col).data() == f"{cost - 100:,}".replace(",", "."),
                    timeout=5000)
    assert model.index(model.row_of(pid), col).data(Qt.ItemDataRole.ForegroundRole).name() == "#d93025"

    assert model.setData(index, str(cost + 1))  # above cost: saved at once
    assert _sell("S10", "RETAIL") == cost + 1
    assert model.setData(index, "")  # emptied: no longer sold to this group
    assert _sell("S10", "RETAIL") is None


def test_bulk_markup_preview_then_apply(qtbot, shop_db, ctx):
    view = _products_view(qtbot, ctx)
    dialog = view.open_markup()
    agen = PriceGroup.get(PriceGroup.code == "AGEN").id
    dialog.group.setCurrentIndex(dialog.group.findData(agen))
    dialog.basis.setCurrentIndex(dialog.basis.findData("nominal"))
    dialog.kind.setCurrentIndex(dialog.kind.findData("airtime"))
    dialog.operator.setCurrentIndex(dialog.operator.findData("TSEL"))
    dialog.markup.setText("275")
    preview = {dialog.table.item(r, 0).text(): (dialog.table.item(r, 3).text(), dialog.table.item(r, 4).text())
               for r in range(dialog.table.rowCount())}
    assert preview == {"S5": ("5.600", "5.275"), "S10": ("10.550", "10.275"), "S20": ("20.300", "20.275"),
                       "S25": ("25.250", "25.275"), "S50": ("50.250", "50.275"), "S100": ("100.250", "100.275")}
    assert _sell("S10", "AGEN") == 10_550  # nothing saved by the preview
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.error.text()
    assert {c: _sell(c, "AGEN") for c in preview} == {c: int(new.replace(".", "")) for c, (_old, new) in
                                                       preview.items()}
    assert _sell("S10", "RETAIL") == 10_650  # other groups untouched

    # on the main route's cost, a negative markup goes below cost: listed, and cancel saves nothing
    dialog = view.open_markup()
    dialog.group.setCurrentIndex(dialog.group.findData(agen))
    dialog.operator.setCurrentIndex(dialog.operator.findData("TSEL"))
    dialog.markup.setText("-25")
    below = [c for c in dialog.changes if c.at_or_below_cost]
    assert below and "di bawah modal" in dialog.summary.text()
    dialog.accept()
    assert dialog.confirm is not None and dialog.confirm.isVisible()
    codes = {c.code for c in below}
    assert all(f"{code}\u00a0" in _texts(dialog.confirm) for code in codes)
    dialog.confirm.reject()
    assert dialog.isVisible() and _sell("S10", "AGEN") == 10_275
    dialog.accept()
    dialog.confirm.accept()
    assert not dialog.isVisible()
    for c in below:
        assert _sell(c.code, "AGEN") == c.new == c.basis - 25


def test_route_add_edit_remove_with_cost_and_supplier_code(qtbot, shop_db, ctx):
    h2h = Supplier.create(name="H2H Prima", kind="http", config="{}", stock=3_000_000)
    view = _products_view(qtbot, ctx)
    pid = _select(qtbot, view, "S10")
    qtbot.waitUntil(lambda: len(view.routes.route_ids()) == 2, timeout=5000)

    dialog = view.open_add_route()
    assert dialog.supplier.findData(h2h.id) >= 0
    taken = [r.supplier_id for r in queries.routes(pid)]
    assert all(dialog.supplier.findData(s) < 0 for s in taken)  # a supplier is a route once
    dialog.supplier.setCurrentIndex(dialog.supplier.findData(h2h.id))
    dialog.supplier_code.setText("TSEL10")
    dialog.cost.setText("11.000")
    assert dialog.cost_note.isVisible() and "rugi" in dialog.cost_note.text()  # above every sell price
    dialog.cost.setText("abc")
    dialog.accept()
    assert "tidak terbaca" in dialog.error.text() and dialog.isVisible()
    dialog.cost.setText("9.900")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.error.text()
    route = Route.get((Route.product == pid) & (Route.supplier == h2h.id))
    assert (route.cost, route.supplier_code, route.active) == (9_900, "TSEL10", True)
    qtbot.waitUntil(lambda: len(view.routes.route_ids()) == 3, timeout=5000)
    text = view.routes.item(2).text().replace("\u00a0", " ")  # no line break inside an amount
    assert text.startswith("3. H2H Prima") and "modal Rp 9.900" in text and "kode TSEL10" in text

    view.routes.setCurrentRow(2)
    edit = view.open_edit_route()
    assert (edit.supplier.currentData(), edit.supplier_code.text(), edit.cost.text()) == (h2h.id, "TSEL10", "9.900")
    assert edit.position.value() == 3
    edit.cost.setText("9.875")
    edit.supplier_code.setText("S10H")
    edit.position.setValue(1)  # tried first from now on
    edit.accept()
    route = Route.get_by_id(route.id)
    assert (route.cost, route.supplier_code) == (9_875, "S10H")
    assert queries.routes(pid)[0].id == route.id
    qtbot.waitUntil(lambda: view.routes.item(0).text().startswith("1. H2H Prima")
                    and "kode\u00a0S10H" in view.routes.item(0).text(), timeout=5000)

    view.routes.setCurrentRow(0)
    confirm = view.ask_remove_route()
    confirm.reject()
    assert Route.get_or_none(Route.id == route.id) is not None
    confirm = view.ask_remove_route()
    confirm.accept()
    assert Route.get_or_none(Route.id == route.id) is None
    qtbot.waitUntil(lambda: len(view.routes.route_ids()) == 2, timeout=5000)
    actions = [a.action for a in AuditLog.select().where(AuditLog.target == f"product:{pid}").order_by(AuditLog.id)]
    assert actions == ["route_create", "route_update", "route_remove"]


def test_filter_by_kind_and_operator(qtbot, shop_db, ctx):
    from app import shop_admin
    from app.shop_admin import ProductSpec

    shop_admin.create_product(ProductSpec("DANA50", "Saldo DANA 50.000", "ewallet", "DANA", 50_000), actor="t")
    view = _products_view(qtbot, ctx)
    qtbot.waitUntil(lambda: view.operator.findData("DANA") >= 0, timeout=5000)
    view.kind.setCurrentIndex(view.kind.findData("ewallet"))
    qtbot.waitUntil(lambda: [p.code for p in view.model.rows] == ["DANA50"], timeout=5000)
    view.kind.setCurrentIndex(0)
    view.operator.setCurrentIndex(view.operator.findData("ISAT"))
    qtbot.waitUntil(lambda: [p.code for p in view.model.rows] == ["I5", "I10", "I25"], timeout=5000)
    view.kind.setCurrentIndex(view.kind.findData("game"))
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=5000)
    assert "Tidak ada produk yang cocok" in view.banner.text()


def test_resellers_view_on_a_fresh_database_says_what_is_missing(qtbot, db, ctx):
    from ui.views.resellers import ResellersView

    view = _show(qtbot, ResellersView(ctx))
    qtbot.waitUntil(lambda: view.empty.isVisible(), timeout=5000)
    assert "grup harga" in view.empty.text()
    assert view.heading.text() == "Pilih reseller" and not view.deposit_button.isEnabled()
    dialog = view.open_add()
    assert dialog.group.count() == 0
    dialog.code.setText("R001")
    dialog.name.setText("Toko")
    dialog.addresses.setPlainText("081299990000")
    dialog.accept()
    assert dialog.isVisible() and "grup harga" in dialog.error.text()
    dialog.reject()


def test_resellers_ledger_kinds_in_words_money_never_cut_and_more_rows(qtbot, db, ctx, monkeypatch):
    import ui.views.resellers as resellers_view
    from storage.models import Reseller

    seed_shop(40)
    monkeypatch.setattr(resellers_view, "LEDGER_PAGE", 10)
    view = _show(qtbot, resellers_view.ResellersView(ctx))
    rid = Reseller.get(Reseller.code == "R001").id
    view.select(rid)
    qtbot.waitUntil(lambda: view.ledger_model.reseller_id == rid and view.ledger_model.rowCount() == 10, timeout=5000)
    total = view.ledger_model.page.total
    assert total > 20 and view.more_button.isVisible()
    assert view.ledger_count.text() == f"10 dari {total} mutasi"
    with qtbot.waitSignal(view.ledger_model.loaded, timeout=5000):
        view.more_button.click()
    assert view.ledger_model.rowCount() == 20
    kinds = {view.ledger_model.index(r, 1).data() for r in range(view.ledger_model.rowCount())}
    assert "Transaksi" in kinds and not kinds & {"order_debit", "refund", "deposit"}
    for table, columns in ((view.ledger, (2, 3)), (view.table, (5, 6))):
        for col in columns:  # money columns are at least as wide as their widest text
            assert table.columnWidth(col) >= table.sizeHintForColumn(col), (col, table.model().headerData(
                col, Qt.Orientation.Horizontal))
    tip = view.ledger_model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("15-06-2026 ")  # the full time; the cell shows it short
