"""Backups of the live database: taken while orders stream in, restored whole; retention; verification;
restore keeps what it replaced."""
from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading

import pytest

from app import backups, keyfile
from tests.app.shop_orders import Shop

T0 = dt.datetime(2026, 6, 15, 10, 0, 0)
FATES = ("queued", "success", "failed", "suspect")


def _consistent(path) -> tuple[int, int]:
    """integrity_check ok, every balance = its ledger sum, every order's money whole. (orders, ledger rows)"""
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        bad = con.execute("SELECT r.code, r.balance, COALESCE(SUM(l.delta), 0) FROM reseller r "
                          "LEFT JOIN ledger_entry l ON l.reseller_id = r.id GROUP BY r.id "
                          "HAVING r.balance != COALESCE(SUM(l.delta), 0)").fetchall()
        assert bad == []
        half = con.execute("SELECT o.id, o.price, o.refunded, COALESCE(SUM(l.delta), 0) FROM \"order\" o "
                           "LEFT JOIN ledger_entry l ON l.order_id = o.id AND l.reseller_id = o.reseller_id "
                           "GROUP BY o.id HAVING COALESCE(SUM(l.delta), 0) != "
                           "CASE WHEN o.refunded THEN 0 ELSE -o.price END").fetchall()
        assert half == []
        return (con.execute('SELECT COUNT(*) FROM "order"').fetchone()[0],
                con.execute("SELECT COUNT(*) FROM ledger_entry").fetchone()[0])
    finally:
        con.close()


def test_backup_during_a_stream_of_orders_restores_whole(db, tmp_path):
    from app import ledger
    from storage.models import Reseller

    shop = Shop()
    shop.service.settings.repeat_max = 10_000
    ledger.deposit(Reseller.get(Reseller.code == "R001").id, 50_000_000, note="test")
    for i in range(150):
        shop.place(T0 + dt.timedelta(seconds=i), FATES[i % 4])
    live = backups.database_file()
    before = _consistent(live)[0]
    result: dict = {}

    def back_up() -> None:
        result["backup"] = backups.take(live, T0)

    thread = threading.Thread(target=back_up)
    thread.start()
    placed = 0
    while thread.is_alive() or placed < 20:  # orders keep coming while the backup is written, and after
        shop.place(T0 + dt.timedelta(minutes=5, seconds=placed), FATES[placed % 4])
        placed += 1
    thread.join()
    after = _consistent(live)[0]

    info = result["backup"]
    assert info.path.parent == tmp_path / "backups" and info.size == info.path.stat().st_size
    assert backups.verify(info.path).ok
    restored = tmp_path / "restored" / "pulsa.db"
    restored.parent.mkdir()
    backups.restore(info.path, restored, T0)
    orders_there, _ = _consistent(restored)
    assert before <= orders_there <= after


def test_the_backup_is_owner_only_and_holds_no_key(db, tmp_path):
    info = backups.take(backups.database_file(), T0)
    assert info.path.name == "pulsa-20260615-100000.db"
    if __import__("os").name == "posix":
        assert info.path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in info.path.parent.iterdir()] == [info.path.name]
    assert keyfile.key_path().read_bytes().strip() not in info.path.read_bytes()


def test_prune_keeps_the_newest(db, tmp_path):
    live = backups.database_file()
    for day in range(5):
        backups.take(live, T0 + dt.timedelta(days=day))
    backups.take(live, T0 + dt.timedelta(days=4))  # same second: a second file, newer
    removed = backups.prune(tmp_path / "backups", 3)
    left = backups.list_backups(tmp_path / "backups")
    assert [b.path.name for b in left] == ["pulsa-20260619-100000-2.db", "pulsa-20260619-100000.db",
                                           "pulsa-20260618-100000.db"]
    assert len(removed) == 3 and not any(p.exists() for p in removed)
    assert backups.prune(tmp_path / "backups", 0) and len(backups.list_backups(tmp_path / "backups")) == 1


def test_due_follows_the_interval(db, tmp_path):
    folder = tmp_path / "backups"
    assert backups.due(folder, T0, 24)
    backups.take(backups.database_file(), T0)
    assert not backups.due(folder, T0 + dt.timedelta(hours=23), 24)
    assert backups.due(folder, T0 + dt.timedelta(hours=24), 24)
    assert not backups.due(folder, T0 + dt.timedelta(days=9), 0)


def test_verify_rejects_a_damaged_file(db, tmp_path):
    Shop()
    info = backups.take(backups.database_file(), T0)
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(info.path.read_bytes()[: info.size // 2])
    assert not backups.verify(truncated).ok
    damaged = tmp_path / "damaged.db"
    raw = bytearray(info.path.read_bytes())
    for page in range(2, info.size // 4096):  # every page but the first overwritten in its middle
        raw[page * 4096 + 100: page * 4096 + 600] = b"\xa5" * 500
    damaged.write_bytes(bytes(raw))
    check = backups.verify(damaged)
    assert not check.ok and check.problems
    text = tmp_path / "notes.db"
    text.write_text("hello")
    assert backups.verify(text).problems == ["bukan file database SQLite"]


def test_verify_rejects_another_shops_key(db, tmp_path):
    from app.at_rest import check_key

    check_key()  # the database stamped with this shop's key, as at every start
    info = backups.take(backups.database_file(), T0)
    assert backups.verify(info.path).key_matches is True
    own = keyfile.key_path()
    try:
        keyfile.use_key_file(tmp_path / "other" / keyfile.KEY_FILE_NAME)  # another shop's program
        check = backups.verify(info.path)
    finally:
        keyfile.use_key_file(own)
    assert not check.ok and check.key_matches is False and "file kunci lain" in check.summary()


def test_restore_keeps_the_replaced_database_and_refuses_a_bad_backup(db, tmp_path):
    from storage.db import close_database

    Shop()
    live = backups.database_file()
    info = backups.take(live, T0)
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 5000)
    with pytest.raises(backups.BackupError):
        backups.restore(bad, live, T0)  # checked first: nothing touched
    with pytest.raises(backups.BackupError, match="sedang dipakai"):
        backups.restore(info.path, live, T0)  # the server still has it open
    con = sqlite3.connect(live)
    con.execute("DELETE FROM reseller WHERE id NOT IN (SELECT reseller_id FROM ledger_entry) "
                "AND id NOT IN (SELECT reseller_id FROM \"order\")")
    con.commit()
    con.close()
    close_database()
    replaced = backups.restore(info.path, live, T0 + dt.timedelta(hours=1))
    assert replaced is not None and replaced.name == "pulsa.db.replaced-20260615-110000" and replaced.exists()
    assert backups.verify(replaced).ok
    assert not (tmp_path / "pulsa.db-wal").exists()
    assert live.read_bytes() == info.path.read_bytes()


def test_scheduler_backs_up_when_due_and_prunes(db, tmp_path):
    from app import settings

    settings.set_backup_interval_hours(24)
    settings.set_backup_keep(2)
    now = [T0]
    alerts: list[str] = []
    scheduler = backups.Scheduler(lambda: now[0], alerts.append)

    async def walk() -> list:
        taken = [await scheduler.backup_if_due()]  # none yet: due
        now[0] += dt.timedelta(hours=1)
        taken.append(await scheduler.backup_if_due())  # too soon
        for hours in (24, 48, 72):
            now[0] = T0 + dt.timedelta(hours=hours)
            taken.append(await scheduler.backup_if_due())
        return taken

    taken = asyncio.run(walk())
    assert taken[1] is None and all(t is not None for t in taken[:1] + taken[2:])
    assert [b.taken_at for b in backups.list_backups(tmp_path / "backups")] == [
        T0 + dt.timedelta(hours=72), T0 + dt.timedelta(hours=48)]
    assert alerts == []


def test_settings_defaults(db):
    from app import settings

    assert settings.backup_interval_hours() == 24 and settings.backup_keep() == 14


def test_the_engine_runs_the_schedule_and_alerts_on_failure(db, tmp_path, monkeypatch):
    from app.engine import Engine
    from app.events import Alert
    from app.service import MessageService

    async def walk() -> tuple[backups.Backup, list[str]]:
        engine = Engine(MessageService(clock=lambda: T0), clock=lambda: T0)
        engine.backups.first_check_s, engine.backups.check_every_s = 0, 0.01
        taken = asyncio.get_running_loop().create_future()
        engine.backups.listeners.append(lambda info: taken.done() or taken.set_result(info))
        alerts: list[str] = []
        failed = asyncio.get_running_loop().create_future()

        def on_alert(event) -> None:
            alerts.append(event.text)
            if "Pencadangan" in event.text and not failed.done():
                failed.set_result(None)

        engine.events.subscribe(on_alert, kinds=(Alert,))
        await engine.start()
        try:
            assert engine.supervisor.running("engine-backup")
            info = await asyncio.wait_for(taken, 10)
            # a failing backup: the owner hears it, the loop lives on
            (tmp_path / "backups").rename(tmp_path / "elsewhere")
            monkeypatch.setattr(backups, "run_scheduled", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
            await asyncio.wait_for(failed, 10)
            assert engine.supervisor.running("engine-backup")
        finally:
            await engine.stop()
        return info, alerts

    info, alerts = asyncio.run(walk())
    assert info.taken_at == T0
    assert any(a == "Pencadangan database gagal: disk full" for a in alerts)
