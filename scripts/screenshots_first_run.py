"""Screenshots of the setup wizard's pages and the settings dialog's tabs (offscreen):
docs/screenshots/wizard-*.png and docs/screenshots/dialog-settings-*.png.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots_first_run.py [--lang en]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

WIZARD_PAGES = ("shop", "data", "password", "modems", "products", "finish")
SETTINGS_TABS = ("shop", "bank", "rules", "replies", "h2h", "backup", "windows", "password")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    p.add_argument("--lang", choices=("id", "en"), default="id")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.lang == "id" else "-en"

    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    from app import keyfile, setup
    from app.demo import seed_demo
    from storage.db import close_database, open_database
    from ui.dialogs.settings import SettingsDialog
    from ui.i18n import set_language
    from ui.wizard import FirstRunWizard

    set_language(args.lang)
    tmp = Path(tempfile.mkdtemp(prefix="pulsa-shots-"))
    keyfile.use_key_file(tmp / keyfile.KEY_FILE_NAME)

    found = [setup.FoundPort("COM3", "HUAWEI Mobile Connect - PC UI Interface", "Huawei E173, IMEI 861234567890123",
                             True),
             setup.FoundPort("COM4", "HUAWEI Mobile Connect - PC UI Interface", "Huawei E153, IMEI 861234567890456",
                             True),
             setup.FoundPort("COM5", "Prolific USB-to-Serial", "SIMCom SIM800, IMEI 869999000111222", True),
             setup.FoundPort("COM1", "Communications Port", "no IMEI", False)]
    wizard = FirstRunWizard(Path.home() / "AppData" / "Local" / "Pulsa", scan=lambda: found)
    wizard.resize(820, 600)
    wizard.shop.site_name.setText("Cahaya Pulsa")
    wizard.shop.admin_contact.setText("081299998888")
    wizard.password.password.setText("kuncitoko")
    wizard.password.repeat.setText("kuncitoko")
    wizard.modems.set_found(found)
    wizard.modems.state.setText("4 port ditemukan, 3 menjawab sebagai modem." if args.lang == "id"
                                else "4 ports found, 3 answered as a modem.")
    wizard.modems.set_role(0, ("center",))
    wizard.modems.set_role(1, ("sender",))
    wizard.modems.set_role(2, ("chip",), "TSEL", "1234")
    wizard.show()
    for i, name in enumerate(WIZARD_PAGES):
        if i:
            wizard.next()
        app.processEvents()
        wizard.grab().save(str(out / f"wizard-{i + 1}-{name}{suffix}.png"))
    wizard.close()
    wizard.deleteLater()

    open_database(tmp / "pulsa.db")
    seed_demo()
    dialog = SettingsDialog(None)
    dialog.resize(780, 560)
    dialog.show()
    dialog.template_editor.select("success")
    for i, name in enumerate(SETTINGS_TABS):
        dialog.tabs.setCurrentIndex(i)
        app.processEvents()
        dialog.grab().save(str(out / f"dialog-settings-{i + 1}-{name}{suffix}.png"))
    dialog.close()
    dialog.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    close_database()
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
