"""Pengaturan: each tab's choice is saved (read back from the database) and applied to the running
service at once; the panel password guards the money actions."""
from __future__ import annotations

import json
from types import SimpleNamespace

from app import settings as app_settings, setup
from app.h2h import members
from app.service import Inbound
from storage.models import Setting
from ui import autostart, guard
from ui.dialogs.settings import SettingsDialog

from .conftest import run, until


def _dialog(qtbot, service, **kw) -> SettingsDialog:
    dialog = SettingsDialog(SimpleNamespace(engine=SimpleNamespace(service=service)), **kw)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _tab(dialog: SettingsDialog, title: str) -> None:
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    dialog.tabs.setCurrentIndex(titles.index(title))


def test_tabs(qtbot, shop):
    dialog = _dialog(qtbot, shop)
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == [
        "Toko", "Bank", "Aturan", "Balasan", "H2H/port", "Cadangan", "Windows", "Kata sandi"]
    assert dialog.autostart.isEnabled() == autostart.supported()


def test_every_choice_is_saved_and_applied_at_once(qtbot, shop, clock):
    service = shop
    settings_object = service.settings
    languages: list[str] = []
    dialog = _dialog(qtbot, service, set_window_language=languages.append)
    dialog.site_name.setText("Cahaya Pulsa")
    dialog.admin_contact.setText("081277776666")
    dialog.window_language.setCurrentIndex(dialog.window_language.findData("en"))
    dialog.reply_language.setCurrentIndex(dialog.reply_language.findData("id"))
    # banks: one removed, one added
    dialog.bank_table.table.selectRow(1)
    dialog.bank_table.remove_selected()
    dialog.bank_table.add_row("mandiri", "1300012345", "Toko Cahaya")
    # rules
    dialog.repeat_day.setCurrentIndex(1)
    dialog.repeat_hours.setValue(12)
    dialog.repeat_max.setValue(3)
    dialog.max_age.setValue(30)
    dialog.pin_failures.setValue(5)
    dialog.pin_minutes.setValue(15)
    # a reply template
    editor = dialog.template_editor
    editor.select("balance")
    editor.editor.setPlainText("Saldo di Cahaya: {saldo}")
    assert editor.names.currentItem().text() == "* balance"
    # H2H, backups
    dialog.h2h_enabled.setChecked(True)
    dialog.h2h_host.setText("0.0.0.0")
    dialog.h2h_port.setValue(7070)
    dialog.backup_interval.setValue(6)
    dialog.backup_keep.setValue(30)
    dialog.accept()
    assert not dialog.error.isVisible(), dialog.error.text()
    assert not dialog.isVisible()

    # read back from the database
    s = app_settings.Settings.load()
    assert (s.site_name, s.admin_contact, s.language) == ("Cahaya Pulsa", "081277776666", "id")
    assert s.banks == {"BCA": {"account": "1234567890", "name": "Pulsa Demo"},
                       "MANDIRI": {"account": "1300012345", "name": "Toko Cahaya"}}
    assert (s.repeat_window, s.repeat_max, s.max_order_age_min, s.pin_max_failures, s.pin_lock_minutes) == (
        "12", 3, 30, 5, 15)
    assert app_settings.ui_language() == "en" and languages == ["en"]
    assert app_settings.template_overrides("id") == {"balance": "Saldo di Cahaya: {saldo}"}
    assert members.server_settings() == members.ServerSettings(True, "0.0.0.0", 7070)
    assert setup.backup_schedule() == setup.BackupSchedule(6, 30)
    assert json.loads(Setting.get(Setting.key == "backup_interval_hours").value) == 6
    # applied at once: the service's own settings object (everyone holding it sees it) and its templates
    assert service.settings is settings_object
    assert settings_object.pin_max_failures == 5 and settings_object.site_name == "Cahaya Pulsa"
    result = service.handle(Inbound("sms", "081211110001", "SAL.1234", sent_at=clock()))
    assert result.replies and result.replies[0].text.startswith("Saldo di Cahaya: ")


def test_template_reset_to_default(qtbot, shop):
    shop.templates.set("balance", "id", "ubahan {saldo}")
    dialog = _dialog(qtbot, shop)
    editor = dialog.template_editor
    editor.select("balance")
    assert editor.editor.toPlainText() == "ubahan {saldo}"
    editor.reset_current()
    assert editor.editor.toPlainText() == shop.templates.default_text("balance", "id")
    dialog.accept()
    assert app_settings.template_overrides("id") == {}
    assert shop.templates.text("balance", "id") == shop.templates.default_text("balance", "id")


def test_bad_values_are_refused_and_nothing_is_saved(qtbot, shop):
    dialog = _dialog(qtbot, shop)
    dialog.site_name.setText("Baru")
    dialog.bank_table.add_row("BNI", "", "")  # no account number
    dialog.accept()
    assert dialog.isVisible() and "rekening" in dialog.error.text().lower()
    assert app_settings.Settings.load().site_name == "Pulsa"
    dialog.bank_table.remove_selected()
    dialog.h2h_enabled.setChecked(True)
    dialog.h2h_host.setText("bukan alamat")
    dialog.accept()
    assert dialog.isVisible() and "Alamat server tidak valid" in dialog.error.text()


def test_password_tab_sets_changes_and_removes(qtbot, shop):
    guard.forget()
    dialog = _dialog(qtbot, shop)
    _tab(dialog, "Kata sandi")
    assert dialog.password_state.text() == "Kata sandi panel: belum diatur"
    assert not dialog.remove_password_button.isEnabled()
    dialog.new_password.setText("kuncitoko")
    dialog.repeat_password.setText("kuncitokX")
    assert not dialog.save_password()
    assert not setup.has_panel_password()
    dialog.repeat_password.setText("kuncitoko")
    assert dialog.save_password()
    assert setup.check_panel_password("kuncitoko") and dialog.password_state.text() == "Kata sandi panel: aktif"
    # change: the current one is needed
    dialog.current_password.setText("salah")
    dialog.new_password.setText("kuncibaru")
    dialog.repeat_password.setText("kuncibaru")
    assert not dialog.save_password() and "salah" in dialog.password_message.text()
    dialog.current_password.setText("kuncitoko")
    dialog.new_password.setText("kuncibaru")
    dialog.repeat_password.setText("kuncibaru")
    assert dialog.save_password() and setup.check_panel_password("kuncibaru")
    dialog.current_password.setText("kuncibaru")
    assert dialog.remove_password()
    assert not setup.has_panel_password()
    guard.forget()


def test_guard_asks_once_then_remembers(qtbot, shop):
    from PySide6.QtWidgets import QWidget

    guard.forget()
    parent = QWidget()
    qtbot.addWidget(parent)
    calls: list[int] = []
    assert guard.owner_ok(parent, lambda: calls.append(1))  # no password: go ahead (the caller does)
    setup.set_panel_password("kuncitoko", actor="t")
    assert not guard.owner_ok(parent, lambda: calls.append(2))
    dialog = guard.pending
    assert dialog is not None and dialog.isVisible()
    dialog.password.setText("salah")
    dialog.accept()
    assert dialog.isVisible() and dialog.error.text() == "Kata sandi salah." and calls == []
    dialog.password.setText("kuncitoko")
    dialog.accept()
    qtbot.waitUntil(lambda: calls == [2])  # the action asked again after the right password
    assert guard.owner_ok(parent, lambda: calls.append(3))  # remembered for a few minutes
    guard.forget()
    assert not guard.owner_ok(parent, lambda: None)
    guard.pending.reject()
    guard.forget()


def test_menu_opens_settings_and_money_actions_ask_the_password(start_demo, loop, qtbot):
    """In the window: Pengaturan → Pengaturan…; with a password set, a deposit asks for it first."""
    async def body():
        demo = await start_demo()
        window = demo.window
        settings_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Pengaturan")
        action = next(a for a in settings_menu.actions() if a.text() == "Pengaturan…")
        action.trigger()
        dialog = window.settings_dialog
        assert dialog.isVisible()
        dialog.pin_failures.setValue(4)
        dialog.window_language.setCurrentIndex(dialog.window_language.findData("en"))
        dialog.accept()
        assert demo.engine.service.settings.pin_max_failures == 4
        assert window.windowTitle().startswith("Pulsa — electronic airtime server")
        window.set_ui_language("id")

        guard.forget()
        setup.set_panel_password("kuncitoko", actor="t")
        try:
            resellers = window.show_view("resellers")
            await until(lambda: resellers.list_model.rowCount() > 0, 10, "resellers listed")
            resellers.table.selectRow(0)
            assert resellers.selected_id() is not None
            assert resellers.open_money("deposit") is None
            assert guard.pending is not None and guard.pending.isVisible()
            guard.pending.password.setText("kuncitoko")
            guard.pending.accept()
            await until(lambda: resellers.dialog is not None and resellers.dialog.isVisible(), 5,
                        "the deposit dialog after the password")
            resellers.dialog.reject()
        finally:
            setup.remove_panel_password(actor="t", current="kuncitoko")
            guard.forget()
    run(loop, body())
