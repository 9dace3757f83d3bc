"""What every view is given: the engine, the Qt adapter for its events, who is acting, the demo."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.engine import Engine
    from ui.bridge import EngineBridge
    from app.demo_network import DemoNetwork
    from app.modem_pool import ModemPool


@dataclass
class UiContext:
    engine: "Engine"
    bridge: "EngineBridge"
    actor: str = "admin"
    demo: "DemoNetwork | None" = None  # when running on the virtual network
    modems: "ModemPool | None" = None  # starts/stops modem workers (connect, disconnect, add modem)
    extras: dict[str, Any] = field(default_factory=dict)
