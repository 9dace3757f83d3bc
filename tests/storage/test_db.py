"""Opening, migrating and backing up the database; the same models on PostgreSQL."""
from __future__ import annotations

import datetime as dt

import os
import sqlite3
import uuid
from pathlib import Path

import peewee as pw
import pytest

from storage import migrations
from storage.backup import backup_sqlite
from storage.db import close_database, open_database
from storage.models import InboundMessage, Reseller, SchemaVersion

NOW = dt.datetime(2026, 6, 15, 10, 0)  # a fixed moment: no test depends on the date

DATA = Path(__file__).parent / "data"


def test_sqlite_pragmas(db):
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_new_database_is_at_latest_version(db):
    assert migrations.current_version(db) == migrations.LATEST


def test_foreign_keys_are_enforced(shop):
    with pytest.raises(pw.IntegrityError):
        Reseller.create(code="X1", name="x", price_group=999, pin_hash="", pin_salt="")


def test_old_database_opens_and_upgrades_keeping_data(tmp_path):
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript((DATA / "schema_v1.sql").read_text())
    con.close()
    db = open_database(path)
    try:
        assert migrations.current_version(db) == migrations.LATEST
        columns = {c.name for c in db.get_columns("inbound_message")}
        assert "norm_text" in columns
        indexes = {i.name for i in db.get_indexes("order")}
        assert "order_reseller_id" not in indexes and "order_reseller_id_product_id_dest_created_at" in indexes
        assert Reseller.get(Reseller.code == "R001").balance == 989_450
        assert InboundMessage.select().count() == 1
        versions = [v.version for v in SchemaVersion.select().order_by(SchemaVersion.version)]
        assert versions == list(range(1, migrations.LATEST + 1))
    finally:
        close_database()
    # opening again is a no-op
    db = open_database(path)
    assert SchemaVersion.select().count() == migrations.LATEST
    close_database()


def test_database_from_a_newer_program_is_refused(tmp_path):
    open_database(tmp_path / "new.db")
    SchemaVersion.create(version=migrations.LATEST + 1)
    close_database()
    with pytest.raises(RuntimeError, match="newer"):
        open_database(tmp_path / "new.db")
    close_database()


def test_online_backup_is_a_consistent_copy(shop, tmp_path):
    from app.service import Inbound

    shop.handle(Inbound("sms", "081211110001", "S10.081389092678.1234"))
    dest = backup_sqlite(Reseller._meta.database.obj, tmp_path / "b" / "copy.db")
    copy = sqlite3.connect(dest)
    assert copy.execute("select balance from reseller where code='R001'").fetchone()[0] == 989_450
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy.close()


def _pg_url() -> str | None:
    url = os.environ.get("PULSA_TEST_PG_URL")
    if not url:
        return None
    try:
        import psycopg2

        psycopg2.connect(url.replace("postgresql://", "postgres://", 1), connect_timeout=3).close()
    except Exception:
        return None
    return url


@pytest.mark.skipif(_pg_url() is None, reason="no PostgreSQL server (set PULSA_TEST_PG_URL)")
def test_same_models_and_money_rules_on_postgresql():
    import psycopg2

    from app.demo import seed_demo
    from app.service import Inbound, MessageService
    from storage.models import Order

    url = _pg_url()
    schema = f"t_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(url)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE SCHEMA {schema}")
    try:
        db = open_database(f"{url}?options=-csearch_path%3D{schema}")
        assert isinstance(db, pw.PostgresqlDatabase)
        assert migrations.current_version(db) == migrations.LATEST
        seed_demo()
        result = MessageService().handle(Inbound("sms", "081211110001", "S10.081389092678.1234"))
        assert len(result.new_orders) == 1
        assert Reseller.get(Reseller.code == "R001").balance == 989_450
        assert Order.get_by_id(result.new_orders[0]).status == "queued"
        insufficient = MessageService().handle(Inbound("sms", "081211110002", "S10.081389092678.4321"))
        assert insufficient.status == "rejected" and Reseller.get(Reseller.code == "R002").balance == 5_000
        # the settlement statements (plain SQL on the hot path) on PostgreSQL too
        from app import ledger, orders

        order_id = result.new_orders[0]
        orders.mark_sending(order_id, now=NOW)
        other = psycopg2.connect(url, options=f"-csearch_path={schema}")  # committed, not just visible here
        cur = other.cursor()
        cur.execute('SELECT status FROM "order" WHERE id = %s', (order_id,))
        assert cur.fetchone()[0] == "sending"
        other.close()
        orders.settle_failed(order_id, "Nomor tujuan salah", now=NOW)
        assert Order.get_by_id(order_id).refunded and Reseller.get(Reseller.code == "R001").balance == 1_000_000
        with pytest.raises(orders.TransitionError):
            orders.settle_failed(order_id, "lagi", now=NOW)
        second = MessageService().handle(Inbound("sms", "081211110001", "S10.081234567890.1234")).new_orders[0]
        orders.mark_sending(second, now=NOW)
        orders.settle_success(second, "01447000007482589790", cost=9_850, now=NOW)
        assert Order.get_by_id(second).status == "success"
        r001 = Reseller.get(Reseller.code == "R001")
        assert r001.balance == ledger.ledger_sum(r001.id) == 1_000_000 - 10_550
    finally:
        close_database()
        admin.cursor().execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


def test_wal_is_checkpointed_off_the_writing_thread(tmp_path):
    """Pages written only to the WAL reach the database file without the writer checkpointing
    (its own automatic checkpoint starts at 10,000 pages; these are ~600)."""
    import time

    db = open_database(tmp_path / "wal.db")
    try:
        db.execute_sql("CREATE TABLE filler (x BLOB)")
        with db.atomic():
            for _ in range(300):
                db.execute_sql("INSERT INTO filler VALUES (zeroblob(8000))")
        main_file = tmp_path / "wal.db"
        deadline = time.monotonic() + 5
        while main_file.stat().st_size < 2_000_000 and time.monotonic() < deadline:
            time.sleep(0.05)  # polling a file the checkpoint thread writes; no event exists for it
        assert main_file.stat().st_size >= 2_000_000
    finally:
        close_database()
