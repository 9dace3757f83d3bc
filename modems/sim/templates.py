"""SYNTHETIC operator reply templates (operators.md section 6).

Every text is invented to imitate the structure of real answers; only Telkomsel's USSD codes are
real. The texts live in resources/operator_replies.json, the file the default rule packs are
generated from, so the simulator and the parser agree by construction. Replace them there with real
captures when an owner of real chips provides them.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from enum import Enum
from pathlib import Path

WIB = timezone(timedelta(hours=7))

SYNTHETIC = True


def _shared_file() -> dict:
    """resources/operator_replies.json: the one copy the simulator and the default rule packs share
    (operators.md 6.1). Found next to the package, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) if bundle else Path(__file__).resolve().parents[2]
    return json.loads((base / "resources" / "operator_replies.json").read_text(encoding="utf-8"))


_SHARED = _shared_file()
TEMPLATES: dict[str, str] = dict(_SHARED["templates"])

# Real Indonesian network text (operators.md 5.3 / 6.4), sent as +CUSD: 2 with DCS 0.
NETWORK_BUSY_TEXT: str = _SHARED["session"]["network_busy"]

# Menu-step confirmation and cancel, synthetic, after modems.md section 14.
CONFIRM_MENU_TEXT: str = _SHARED["session"]["confirm_menu"]
CANCELLED_TEXT: str = _SHARED["session"]["cancelled"]


class FailReason(str, Enum):
    DEST_INVALID = "DEST_INVALID"
    DEST_GRACE_PERIOD = "DEST_GRACE_PERIOD"
    DEST_BLOCKED = "DEST_BLOCKED"
    OUT_OF_CLUSTER = "OUT_OF_CLUSTER"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    WRONG_CHIP_PIN = "WRONG_CHIP_PIN"
    TOO_SOON = "TOO_SOON"
    PRODUCT_DISRUPTED = "PRODUCT_DISRUPTED"
    NOMINAL_INVALID = "NOMINAL_INVALID"


REASON_TEXTS: dict[FailReason, str] = {FailReason(k): v for k, v in _SHARED["reasons"].items()}


def dotted(n: int) -> str:
    """Indonesian thousands grouping: 1250000 → ``1.250.000``."""
    return f"{n:,}".replace(",", ".")


def now_wib() -> datetime:
    return datetime.now(WIB)


def render(template_id: str, **values: object) -> str:
    """Render a template; date/time default to now (WIB)."""
    now = now_wib()
    values.setdefault("date", now.strftime("%d/%m/%y"))
    values.setdefault("time", now.strftime("%H:%M"))
    return TEMPLATES[template_id].format(**values)
