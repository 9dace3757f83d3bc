"""Closing the database never pulls a connection from under a read on another thread (the window's query
threads): Python's sqlite3 frees a connection's statements on close, and a read running on it then
crashed the whole process (a segmentation fault in a window test)."""
from __future__ import annotations

import threading

from storage import sql
from storage.db import close_database, open_database, reading


def test_close_waits_for_a_read_on_another_thread_to_end(tmp_path):
    open_database(tmp_path / "shop.db")
    inside, release, closed = threading.Event(), threading.Event(), threading.Event()
    seen: list = []

    def reader() -> None:
        with reading():
            seen.append(sql.one("SELECT COUNT(*) FROM reseller"))
            inside.set()
            release.wait(10)
            # the same thread's connection, still open: the close waited for this read to end
            seen.append(sql.one("SELECT COUNT(*) FROM product"))

    def closer() -> None:
        close_database()
        closed.set()

    thread = threading.Thread(target=reader)
    thread.start()
    assert inside.wait(10)
    closing = threading.Thread(target=closer)
    closing.start()
    assert not closed.wait(0.3), "the database was closed while a read was running on it"
    release.set()
    thread.join(10)
    closing.join(10)
    assert closed.is_set() and seen == [(0,), (0,)]
