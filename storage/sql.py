"""Plain SQL for the few statements on the order hot path.

peewee spends far longer building a query than SQLite spends running it (about 0.4 ms against
0.04 ms for a single-row statement), so the place-order and settle path uses fixed SQL strings.
Write them with `?` placeholders and standard SQL (RETURNING, ON CONFLICT) that SQLite ≥ 3.35 and
PostgreSQL both accept; quote `"order"`, a reserved word.
"""
from __future__ import annotations

import datetime as _dt
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


# --- the few spots where SQLite and PostgreSQL need different SQL ---------------------------------

def _sqlite() -> bool:
    return database_proxy.obj.param == "?"


def contains(expr: str) -> str:
    """`expr` contains the `?` parameter, case-sensitively. On SQLite instr() is about twice as fast as
    LIKE '%x%' on a million rows; PostgreSQL spells it strpos()."""
    return f"instr({expr}, ?) > 0" if _sqlite() else f"strpos({expr}, ?) > 0"


def starts_with(expr: str, prefix: str) -> tuple[str, list[Any]]:
    """`expr` starts with `prefix`, case-sensitively: (condition, parameters). On SQLite a range, which
    an index on `expr` serves; on PostgreSQL a range would follow the database's collation (which
    ignores case at first), so it is an escaped LIKE there."""
    if _sqlite():
        return f"{expr} >= ? AND {expr} < ?", [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{expr} LIKE ? ESCAPE '\\'", [escaped + "%"]


def no_index(expr: str) -> str:
    """`expr` written so SQLite's planner does not use an index on it (`+col`): for queries that
    should walk the primary key instead. PostgreSQL plans on statistics and has no unary + for text."""
    return f"+{expr}" if _sqlite() else expr


def to_datetime(value: Any) -> _dt.datetime | None:
    """A timestamp column as read with plain SQL: SQLite gives text, PostgreSQL a datetime."""
    if value is None or isinstance(value, _dt.datetime):
        return value
    text = str(value)
    return _dt.datetime.fromisoformat(text) if text else None


def indexed_by(index: str) -> str:
    """`INDEXED BY index` on SQLite, nothing on PostgreSQL: put after a table name (and its alias) to
    use a small partial index SQLite's planner passes over for a plain one on the same column. The
    query's WHERE must imply the index's own WHERE (SQLite refuses the statement otherwise)."""
    return f'INDEXED BY "{index}"' if _sqlite() else ""


def time_bucket(column: str, unit: str) -> str:
    """SQL for the timestamp `column` cut to its minute or hour, as the same text on SQLite (which
    stores timestamps as text) and PostgreSQL: 'YYYY-MM-DD HH:MM' for "minute", 'YYYY-MM-DD HH' for
    "hour". For GROUP BY in read models."""
    length, pattern = {"minute": (16, "YYYY-MM-DD HH24:MI"), "hour": (13, "YYYY-MM-DD HH24")}[unit]
    if _sqlite():
        return f"substr({column}, 1, {length})"
    return f"to_char({column}, '{pattern}')"
