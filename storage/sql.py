"""Plain SQL for the few statements on the order hot path.

peewee spends far longer building a query than SQLite spends running it (about 0.4 ms against
0.04 ms for a single-row statement), so the place-order and settle path uses fixed SQL strings.
Write them with `?` placeholders and standard SQL (RETURNING, ON CONFLICT) that SQLite ≥ 3.35 and
PostgreSQL both accept; quote `"order"`, a reserved word.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence

from storage.models import database_proxy


@lru_cache(maxsize=256)
def _for_param(sql: str, param: str) -> str:
    return sql if param == "?" else sql.replace("?", param)


def execute(sql: str, params: Sequence[Any] = ()):
    db = database_proxy.obj
    if db.param == "?":
        # SQLite runs in autocommit mode under peewee; peewee's own BEGIN/SAVEPOINT statements go to
        # this same connection, so calling it directly keeps transactions intact and skips a layer.
        return db.connection().execute(sql, params)
    return db.execute_sql(_for_param(sql, db.param), params)


def one(sql: str, params: Sequence[Any] = ()) -> tuple | None:
    return execute(sql, params).fetchone()


def all_rows(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    return execute(sql, params).fetchall()
