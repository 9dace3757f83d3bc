"""What the message service finds worth telling the owner reaches the owner as an engine alert."""
from __future__ import annotations

from app.engine import Engine
from app.events import Alert
from app.messages import Inbound


def test_a_pin_locked_after_wrong_guesses_is_an_alert(shop):
    engine = Engine(shop, clock=shop.clock)
    heard: list[str] = []
    engine.events.subscribe(lambda e: heard.append(e.text), kinds=(Alert,))
    for _ in range(shop.settings.pin_max_failures):
        engine.handle_inbound(Inbound("sms", "081211110001", "SAL.9999"))
    assert len(heard) == 1 and "R001" in heard[0]
