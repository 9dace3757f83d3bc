"""The "Cadangan" view offscreen: the list with time and size, "Cadangkan sekarang" off the GUI thread,
"Pulihkan…" checked first and confirmed, a damaged backup refused, PostgreSQL said plainly; and the
window's restore: stop, put the backup in place (the old database kept), ready to start again."""
from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3

import pytest
from PySide6.QtWidgets import QMessageBox

from app import backups
from app.demo import seed_demo
from tests.ui.big_db import SHOP_NOW, make_context
from tests.ui.conftest import destroy_on_gui_thread, run
from ui.i18n import set_language
from ui.views.backups import BackupsDialog, BackupsView

T0 = dt.datetime(2026, 6, 14, 2, 0, 0)


def signalled(signal) -> asyncio.Future:
    """A future that the next emission of `signal` completes with its arguments."""
    future = asyncio.get_running_loop().create_future()

    def fire(*args) -> None:
        if not future.done():
            future.set_result(args)
        signal.disconnect(fire)

    signal.connect(fire)
    return future


@pytest.fixture
def shop(db, tmp_path):
    set_language("id")
    seed_demo()
    backups.take(backups.database_file(), T0)
    backups.take(backups.database_file(), T0 + dt.timedelta(days=1))
    return tmp_path


def _open(qtbot, ctx) -> BackupsView:
    view = BackupsView(ctx)
    qtbot.addWidget(view)
    view.resize(720, 420)
    view.show()
    return view


def test_list_and_back_up_now(qtbot, loop, shop):
    view = _open(qtbot, make_context())
    assert "pulsa.key TIDAK ikut dicadangkan" in view.key_note.text()
    assert "tiap 24 jam; 14 cadangan" in view.intro.text() and str(shop / "backups") in view.intro.text()

    async def body() -> None:
        listed = signalled(view.listed)
        view.set_active(True)
        assert await listed == (2,)
        assert [view.table.item(r, 0).text() for r in range(2)] == ["15/06/2026 02:00:00", "14/06/2026 02:00:00"]
        assert view.table.item(0, 1).text().endswith("KB")
        assert view.table.item(0, 2).text() == "pulsa-20260615-020000.db"

        busy, done, listed = signalled(view.busyChanged), signalled(view.backedUp), signalled(view.listed)
        view.backup_button.click()
        assert await busy == (True,) and not view.backup_button.isEnabled() and view.progress.isVisible()
        (path,) = await done
        assert path.endswith(f"pulsa-{SHOP_NOW:%Y%m%d-%H%M%S}.db") and backups.verify(path).ok
        assert await listed == (3,)
        assert not view.progress.isVisible() and view.backup_button.isEnabled()
        assert "Cadangan dibuat" in view.result.text()

    run(loop, body())


def test_restore_is_checked_then_confirmed(qtbot, loop, shop):
    asked: list = []
    ctx = make_context()
    ctx.extras["restore"] = asked.append
    view = _open(qtbot, ctx)

    async def body() -> None:
        listed = signalled(view.listed)
        view.set_active(True)
        await listed
        view.table.selectRow(1)
        checked = signalled(view.checked)
        view.restore_button.click()
        (check,) = await checked
        assert check.ok and view.confirm is not None and view.confirm.isVisible()
        assert "14/06/2026 02:00:00" in view.confirm.text() and "replaced" in view.confirm.informativeText()
        go = next(b for b in view.confirm.buttons()
                  if view.confirm.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole)
        go.click()
        assert [p.name for p in asked] == ["pulsa-20260614-020000.db"]

    run(loop, body())


def test_a_damaged_backup_is_refused(qtbot, loop, shop):
    asked: list = []
    ctx = make_context()
    ctx.extras["restore"] = asked.append
    good = shop / "backups" / "pulsa-20260615-020000.db"
    (shop / "backups" / "pulsa-20260616-020000.db").write_bytes(good.read_bytes()[:6000])
    view = _open(qtbot, ctx)

    async def body() -> None:
        listed = signalled(view.listed)
        view.set_active(True)
        assert await listed == (3,)
        checked = signalled(view.checked)
        view.restore_button.click()  # the newest, selected first
        (check,) = await checked
        assert not check.ok and view.confirm.icon() == QMessageBox.Icon.Warning
        assert "tidak bisa dipulihkan" in view.result.text() and asked == []

    run(loop, body())


def test_postgres_is_said_plainly(qtbot, shop, monkeypatch):
    monkeypatch.setattr(backups, "database_file", lambda: None)
    view = _open(qtbot, make_context())
    assert "pg_dump" in view.intro.text()
    assert not view.backup_button.isEnabled() and not view.restore_button.isEnabled()


def test_dialog_in_english(qtbot, loop, shop):
    set_language("en")
    try:
        dialog = BackupsDialog(make_context())
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "Database backups"
        assert dialog.view.backup_button.text() == "Back up now"
        assert "NOT in the backups" in dialog.view.key_note.text()
    finally:
        set_language("id")


def test_the_window_restores_after_stopping(qtbot, loop, tmp_path):
    from app.runtime import RuntimeOptions
    from ui.app import WindowServer
    from ui.views.backups import BackupsView as _View  # noqa: F401  (the window opens it from its menu)

    db_file = tmp_path / "shop.db"
    server = WindowServer(RuntimeOptions(db=str(db_file)), lang="id", show=False)

    async def body() -> None:
        window = await server.start()
        seed_demo()
        info = await server.engine.backups.backup_now()
        con = sqlite3.connect(db_file)  # something written after the backup
        con.execute("UPDATE reseller SET name = 'sesudah cadangan'")
        con.commit()
        con.close()
        dialog = window.open_backups()
        assert dialog.view.ctx.extras["restore"] == server.request_restore
        server.request_restore(info.path)
        await server.wait()
        await server.stop()

    run(loop, body())
    destroy_on_gui_thread()  # the stopped window's widgets go now, on this thread (tests/ui/conftest.py)
    assert server.restore_error == "" and server.replaced is not None and server.replaced.exists()
    con = sqlite3.connect(db_file)
    try:
        assert con.execute("SELECT COUNT(*) FROM reseller WHERE name = 'sesudah cadangan'").fetchone()[0] == 0
    finally:
        con.close()
    con = sqlite3.connect(server.replaced)
    try:
        assert con.execute("SELECT COUNT(*) FROM reseller WHERE name = 'sesudah cadangan'").fetchone()[0] > 0
    finally:
        con.close()


def test_the_program_starts_again_on_the_restored_database(monkeypatch):
    import sys

    from ui.app import restart_command

    monkeypatch.setattr(sys, "argv", ["main.py", "--lang", "en"])
    command = restart_command("/data/pulsa.db")
    assert command[0] == sys.executable and command[1].endswith("main.py")
    assert command[2:] == ["--lang", "en", "--db", "/data/pulsa.db"]
    monkeypatch.setattr(sys, "argv", ["main.py", "--db", "/x/shop.db"])
    assert restart_command("/x/shop.db")[2:] == ["--db", "/x/shop.db"]
