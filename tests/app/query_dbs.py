"""A fixture for read-model tests: the same test on a real SQLite file and, when PULSA_TEST_PG_URL
points at a reachable server, on PostgreSQL in a schema of its own (dropped afterwards)."""
from __future__ import annotations

import os
import uuid

import pytest


def pg_url() -> str | None:
    url = os.environ.get("PULSA_TEST_PG_URL")
    if not url:
        return None
    try:
        import psycopg2

        psycopg2.connect(url, connect_timeout=3).close()
    except Exception:
        return None
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request, tmp_path):
    from storage.db import close_database, open_database

    if request.param == "sqlite":
        database = open_database(tmp_path / "pulsa.db")
        yield database
        close_database()
        return
    url = pg_url()
    if url is None:
        pytest.skip("no PostgreSQL server (set PULSA_TEST_PG_URL)")
    import psycopg2

    schema = f"t_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(url)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE SCHEMA {schema}")
    try:
        database = open_database(f"{url}?options=-csearch_path%3D{schema}")
        yield database
    finally:
        close_database()
        admin.cursor().execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()
