"""The setup wizard of the first start: each page's choice reaches the new database (read back from it)
and is applied (language, password, data folder)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from PySide6.QtWidgets import QWizard

from app import keyfile, setup
from ui.i18n import language, set_language
from ui.wizard import FirstRunWizard

FOUND = [setup.FoundPort("socket://127.0.0.1:7001", "USB modem", "Huawei E173, IMEI 861234", True, "861234"),
         setup.FoundPort("socket://127.0.0.1:7002", "USB modem", "SIMCom 800, IMEI 869999", True, "869999"),
         setup.FoundPort("/dev/ttyS0", "serial", "no IMEI", False)]


def _fill(wizard: FirstRunWizard, qtbot, folder: Path) -> None:
    wizard.shop.site_name.setText("Cahaya Pulsa")
    wizard.shop.admin_contact.setText("081299998888")
    wizard.data.folder.setText(str(folder))
    wizard.password.password.setText("kuncitoko")
    wizard.password.repeat.setText("kuncitoko")
    wizard.modems.start_scan()  # off the GUI thread, the table filled when it is done
    qtbot.waitUntil(lambda: wizard.modems.table.rowCount() == 3, timeout=5000)
    wizard.modems.set_role(0, ("center", "sender"))
    wizard.modems.set_role(1, ("chip",), "TSEL", "1234")
    wizard.products.none_button.click()
    wizard.products.set_choice("S10", True, 11_500)
    wizard.products.set_choice("I10", True, 11_200)


def _walk(wizard: FirstRunWizard) -> list[str]:
    """Next through every page as the owner would; returns the page titles seen."""
    wizard.show()
    titles = [wizard.currentPage().title()]
    while wizard.currentId() != wizard.pageIds()[-1]:
        before = wizard.currentId()
        wizard.next()
        assert wizard.currentId() != before, f"stuck on {wizard.currentPage().title()}"
        titles.append(wizard.currentPage().title())
    return titles


def test_wizard_pages_validate_and_give_every_choice(qtbot, tmp_path):
    wizard = FirstRunWizard(tmp_path / "default", scan=lambda: FOUND)
    qtbot.addWidget(wizard)
    wizard.show()
    # the shop name is required
    wizard.next()
    assert wizard.currentPage() is wizard.shop
    _fill(wizard, qtbot, tmp_path / "data")
    # a chip without its PIN is refused on the modem page
    wizard.modems.set_role(1, ("chip",), "TSEL")
    wizard.modems.table.cellWidget(1, 4).setText("")
    for _ in range(3):
        wizard.next()
    assert wizard.currentPage() is wizard.modems
    wizard.next()
    assert wizard.currentPage() is wizard.modems and "PIN" in wizard.modems.error.text()
    wizard.modems.set_role(1, ("chip",), "TSEL", "1234")
    wizard.next()
    assert wizard.currentPage() is wizard.products
    wizard.next()
    assert "Cahaya Pulsa" in wizard.finish.summary.text() and "Produk: 2" in wizard.finish.summary.text()
    c = wizard.choices()
    assert (c.site_name, c.language, c.password, c.admin_contact) == ("Cahaya Pulsa", "id", "kuncitoko",
                                                                     "081299998888")
    assert [(m.name, m.port, m.roles, m.operator, m.pin) for m in c.modems] == [
        ("center-sender-1", "socket://127.0.0.1:7001", ["center", "sender"], "", ""),
        ("tsel-2", "socket://127.0.0.1:7002", ["chip"], "TSEL", "1234")]
    assert c.products == {"S10": 11_500, "I10": 11_200}


def test_password_mismatch_stays_on_the_page(qtbot, tmp_path):
    wizard = FirstRunWizard(tmp_path, scan=lambda: [])
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.shop.site_name.setText("Toko")
    wizard.next()
    wizard.next()
    wizard.password.password.setText("kuncitoko")
    wizard.password.repeat.setText("kuncitokX")
    wizard.next()
    assert wizard.currentPage() is wizard.password and wizard.password.error.isVisible()


def test_english_is_available_and_switches_at_once(qtbot, tmp_path):
    try:
        wizard = FirstRunWizard(tmp_path, scan=lambda: [])
        qtbot.addWidget(wizard)
        assert wizard.shop.title() == "Selamat datang di Pulsa"
        wizard.shop.language.setCurrentIndex(wizard.shop.language.findData("en"))
        assert language() == "en"
        assert wizard.shop.title() == "Welcome to Pulsa"
        assert wizard.buttonText(QWizard.WizardButton.NextButton) == "Next >"
        assert wizard.choices().language == "en"
    finally:
        set_language("id")


def test_first_run_writes_the_new_database_in_the_chosen_folder(qtbot, tmp_path, monkeypatch):
    """ui.app.run_first_run: the wizard's choices through app.setup, read back from the database."""
    from app import settings as app_settings
    from storage.db import close_database, open_database
    from storage.models import Modem, Price, Product
    from ui import guard
    from ui.app import run_first_run

    default, chosen = tmp_path / "default", tmp_path / "chosen"
    previous_key = keyfile.key_path()
    keyfile.use_key_file(default / keyfile.KEY_FILE_NAME)  # as main.py does before the window
    wizard = FirstRunWizard(default, scan=lambda: FOUND)
    qtbot.addWidget(wizard)
    _fill(wizard, qtbot, chosen)
    titles = _walk(wizard)
    assert len(titles) == 6
    monkeypatch.setattr(wizard, "exec", lambda: QWizard.DialogCode.Accepted.value)
    args = SimpleNamespace(data_path=default, db=str(default / "pulsa.db"), lang=None, demo=False)
    guard.forget()
    try:
        assert run_first_run(args, wizard=wizard)
        assert args.db == str(chosen / "pulsa.db") and Path(args.db).exists()
        assert not (default / "pulsa.db").exists()
        # the key file moved along, the next start finds the folder
        assert (chosen / keyfile.KEY_FILE_NAME).exists() and not (default / keyfile.KEY_FILE_NAME).exists()
        assert keyfile.key_path() == chosen / keyfile.KEY_FILE_NAME
        assert setup.pointed_data_dir(default) == chosen.resolve()
        assert guard.owner_unlocked()  # just typed: not asked again at once
        open_database(args.db)
        try:
            s = app_settings.Settings.load()
            assert (s.site_name, s.admin_contact, s.language) == ("Cahaya Pulsa", "081299998888", "id")
            assert setup.check_panel_password("kuncitoko") and not setup.check_panel_password("x")
            assert {p.product.code: p.sell for p in Price.select()} == {"S10": 11_500, "I10": 11_200}
            assert sorted(p.code for p in Product.select()) == ["I10", "S10"]
            assert {m.name: (m.port_url, m.roles) for m in Modem.select()} == {
                "center-sender-1": ("socket://127.0.0.1:7001", "center,sender"),
                "tsel-2": ("socket://127.0.0.1:7002", "chip")}
            assert setup.setup_done()
        finally:
            close_database()
    finally:
        guard.forget()
        keyfile.use_key_file(previous_key)


def test_demo_network_choice_makes_a_demo_run_and_writes_nothing(qtbot, tmp_path, monkeypatch):
    from ui.app import run_first_run

    wizard = FirstRunWizard(tmp_path, scan=lambda: [])
    qtbot.addWidget(wizard)
    wizard.shop.site_name.setText("Coba")
    wizard.modems.demo.setChecked(True)
    assert not wizard.modems.scan_button.isEnabled()
    _walk(wizard)
    monkeypatch.setattr(wizard, "exec", lambda: QWizard.DialogCode.Accepted.value)
    args = SimpleNamespace(data_path=tmp_path, db=str(tmp_path / "pulsa.db"), lang=None, demo=False)
    assert run_first_run(args, wizard=wizard)
    assert args.demo is True and args.db is None
    assert not (tmp_path / "pulsa.db").exists()


def test_cancel_writes_nothing(qtbot, tmp_path, monkeypatch):
    from ui.app import run_first_run

    wizard = FirstRunWizard(tmp_path, scan=lambda: [])
    qtbot.addWidget(wizard)
    monkeypatch.setattr(wizard, "exec", lambda: QWizard.DialogCode.Rejected.value)
    args = SimpleNamespace(data_path=tmp_path, db=str(tmp_path / "pulsa.db"), lang=None, demo=False)
    assert not run_first_run(args, wizard=wizard)
    assert not (tmp_path / "pulsa.db").exists()
