"""Read models: what the window (and reports, scripts, tests) reads, as named rows.

One module per view or subject. Each function reads through `storage.sql` (or peewee models) and
returns frozen dataclasses; none writes. They can run on any thread: peewee gives each thread its own
connection, so the window runs the heavy ones on its background query threads (`ui.refresh`). SQL
that differs between SQLite and PostgreSQL comes from `storage.sql` helpers, never from here.
"""
from storage.db import reading

__all__ = ["reading"]  # a background thread wraps each read in it: the database is not closed under a read
