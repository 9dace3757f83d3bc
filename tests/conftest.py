"""Shared test set-up. Qt must be told to render offscreen before any QApplication exists."""
from __future__ import annotations

import datetime as dt
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


class Clock:
    """A settable clock for rules that depend on time (lockout, repeat window, cooldown)."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture(scope="session", autouse=True)
def key_file(tmp_path_factory):
    """The shop's secret key file, as main.py keeps it in the data folder (never in the database)."""
    from app import keyfile

    return keyfile.use_key_file(tmp_path_factory.mktemp("key") / keyfile.KEY_FILE_NAME)


@pytest.fixture
def db(tmp_path):
    from storage.db import close_database, open_database

    database = open_database(tmp_path / "pulsa.db")
    yield database
    close_database()


@pytest.fixture
def clock():
    # a fixed day, not today: no test may depend on the date or the time of day it runs at
    return Clock(dt.datetime(2026, 6, 15, 10, 0, 0))


@pytest.fixture
def shop(db, clock):
    """The demo shop on a real SQLite file, with a message service on a settable clock."""
    from app.demo import seed_demo
    from app.service import MessageService

    seed_demo()
    return MessageService(clock=clock)
