"""The panel password and the other first-run settings of app/setup.py, on a real SQLite file."""
from __future__ import annotations

import json

import pytest

from app import settings as app_settings, setup
from app.config import ModemSpec
from storage.models import AuditLog, Modem, Price, PriceGroup, Product, Route, Setting


def test_no_password_lets_everything_through(db):
    assert not setup.has_panel_password()
    assert setup.check_panel_password("")
    assert setup.check_panel_password("anything")


def test_password_is_stored_as_a_slow_salted_hash(db):
    setup.set_panel_password("rahasia123", actor="t")
    stored = json.loads(Setting.get(Setting.key == setup.PANEL_PASSWORD).value)
    assert "rahasia123" not in stored
    kind, n, r, p, salt, digest = stored.split("$")
    assert kind == "scrypt" and int(n) >= 2 ** 14 and len(bytes.fromhex(salt)) == 16 and len(digest) == 64
    assert setup.has_panel_password()
    assert setup.check_panel_password("rahasia123")
    assert not setup.check_panel_password("rahasia124")
    assert not setup.check_panel_password("")
    # the same password twice gives two different hashes (salt)
    assert setup.hash_password("rahasia123") != setup.hash_password("rahasia123")
    assert AuditLog.select().where(AuditLog.action == "panel_password_set").count() == 1


def test_change_needs_the_current_password_and_removal_too(db):
    setup.set_panel_password("pertama1", actor="t")
    with pytest.raises(setup.SetupError):
        setup.set_panel_password("kedua222", actor="t", current="salah")
    assert setup.check_panel_password("pertama1")
    setup.set_panel_password("kedua222", actor="t", current="pertama1")
    assert setup.check_panel_password("kedua222") and not setup.check_panel_password("pertama1")
    with pytest.raises(setup.SetupError):
        setup.remove_panel_password(actor="t", current="pertama1")
    setup.remove_panel_password(actor="t", current="kedua222")
    assert not setup.has_panel_password()


def test_too_short_password_is_refused(db):
    with pytest.raises(setup.SetupError):
        setup.set_panel_password("123", actor="t")
    assert not setup.has_panel_password()


def test_a_damaged_stored_hash_never_opens(db):
    Setting.create(key=setup.PANEL_PASSWORD, value=json.dumps("scrypt$bad"))
    assert setup.has_panel_password()
    assert not setup.check_panel_password("")
    assert not setup.check_panel_password("scrypt$bad")


def test_backup_schedule_and_start_with_windows(db):
    assert setup.backup_schedule() == setup.BackupSchedule(24, 14)
    setup.set_backup_schedule(setup.BackupSchedule(6, 30), actor="t")
    assert setup.backup_schedule() == setup.BackupSchedule(6, 30)
    assert json.loads(Setting.get(Setting.key == "backup_interval_hours").value) == 6
    assert json.loads(Setting.get(Setting.key == "backup_keep").value) == 30
    with pytest.raises(setup.SetupError):
        setup.set_backup_schedule(setup.BackupSchedule(6, 0), actor="t")
    assert not setup.start_with_windows()
    setup.set_start_with_windows(True, actor="t")
    assert setup.start_with_windows()


def test_settings_are_checked_before_saving(db):
    s = app_settings.Settings.load()
    s.repeat_window = "kemarin"
    with pytest.raises(setup.SetupError):
        setup.save_settings(s, actor="t")
    s.repeat_window = "12"
    s.banks = {"BCA": {"account": "", "name": "X"}}
    with pytest.raises(setup.SetupError):
        setup.save_settings(s, actor="t")
    s.banks = {"MANDIRI": {"account": "1300012345", "name": "Toko Cahaya"}}
    setup.save_settings(s, actor="t")
    again = app_settings.Settings.load()
    assert again.repeat_window == "12" and again.banks == {"MANDIRI": {"account": "1300012345", "name": "Toko Cahaya"}}


def test_first_run_writes_every_choice(db):
    setup.complete_first_run(setup.FirstRun(
        site_name="Cahaya Pulsa", language="en", password="kuncitoko", admin_contact="081299998888",
        modems=(ModemSpec("center-1", "socket://127.0.0.1:1", ["center", "sender"]),
                ModemSpec("tsel-2", "socket://127.0.0.1:2", ["chip"], operator="TSEL", pin="1234")),
        products={"S10": 11_500, "S25": 26_000}))
    s = app_settings.Settings.load()
    assert (s.site_name, s.language, s.admin_contact) == ("Cahaya Pulsa", "en", "081299998888")
    assert app_settings.ui_language() == "en"
    assert setup.check_panel_password("kuncitoko") and not setup.check_panel_password("")
    retail = PriceGroup.get(PriceGroup.code == "RETAIL")
    prices = {p.product.code: p.sell for p in Price.select().where(Price.price_group == retail)}
    assert prices == {"S10": 11_500, "S25": 26_000}
    assert sorted(p.code for p in Product.select()) == ["S10", "S25"]
    assert sorted(m.name for m in Modem.select()) == ["center-1", "tsel-2"]
    # the chip got a route for each Telkomsel product it can sell
    assert Route.select().count() == 2
    assert setup.setup_done()


def test_first_run_is_all_or_nothing(db):
    with pytest.raises(setup.SetupError):
        setup.complete_first_run(setup.FirstRun(site_name="Toko", products={"NOPE": 1}))
    assert not setup.setup_done()
    assert app_settings.Settings.load().site_name == "Pulsa"


def test_data_folder_pointer(tmp_path):
    default, chosen = tmp_path / "default", tmp_path / "elsewhere"
    assert setup.pointed_data_dir(default) is None
    default.mkdir()
    setup.point_data_dir(default, chosen)
    assert setup.pointed_data_dir(default) == chosen.resolve()
    setup.point_data_dir(default, default)
    assert setup.pointed_data_dir(default) is None


def test_presets_are_the_operator_catalogue():
    presets = {p.code: p for p in setup.product_presets()}
    assert presets["S10"].operator == "TSEL" and presets["S10"].nominal == 10_000
    assert presets["S10"].suggested_price > 10_000
    assert "TSEL" in setup.chip_operators()
