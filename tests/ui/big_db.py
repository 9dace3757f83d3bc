"""Shared helpers for the shop views' tests: a million-order database built once, and a stand-in for
ui.context.UiContext that needs no engine."""
from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

ROOT = Path(__file__).resolve().parents[2]
BIG_ORDERS = 1_000_000


def big_db_path() -> Path:
    """A million-order database, built on first use and kept for the session (per process)."""
    cached = os.environ.get("PULSA_BIG_DB")
    if cached and Path(cached).exists():
        return Path(cached)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks.make_big_db import build

    path = Path(tempfile.mkdtemp(prefix="pulsa-big-")) / "big.db"
    build(path, BIG_ORDERS)
    os.environ["PULSA_BIG_DB"] = str(path)
    return path


class FakeBridge(QObject):
    orderChanged = Signal(int, str, str)
    modemChanged = Signal(str, str, str)
    messageLogged = Signal(object)
    stockChanged = Signal(int, str, object, bool)
    alert = Signal(str)
    tick = Signal()


@dataclass
class FakeContext:
    engine: Any = None
    bridge: FakeBridge = field(default_factory=FakeBridge)
    actor: str = "tester"
    demo: Any = None
    workers: Any = None
    extras: dict = field(default_factory=dict)
