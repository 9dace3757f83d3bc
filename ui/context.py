"""What every view is given: the engine, the Qt adapter for its events, who is acting, the demo."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.engine import Engine
    from ui.bridge import EngineBridge
    from ui.workers import WorkerPool


@dataclass
class UiContext:
    engine: "Engine"
    bridge: "EngineBridge"
    actor: str = "admin"
    demo: Any = None  # main.DemoNetwork when running on the virtual network
    workers: "WorkerPool | None" = None  # starts/stops modem workers (connect, disconnect, add modem)
    extras: dict[str, Any] = field(default_factory=dict)
