"""The engine's timers and policies, in one place: the defaults a shop runs with, and what a `--config`
file's "engine" section (or a test, a soak) may change."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass
class EngineSettings:
    max_attempts: int = 3  # routes tried per order after definite failures
    pending_timeout_s: float = 600.0  # no follow-up SMS by then → suspect
    queue_timeout_s: float = 600.0  # no usable route by then → fail and refund
    stock_check_interval_s: float = 1800.0
    reconcile_interval_s: float = 300.0
    commission_interval_s: float = 3600.0  # accrued commissions of earlier days credited (app/commission.py)
    tick_s: float = 1.0
    # after a start, a chip that is still connecting is waited for this long before its orders fall
    # back to a route of lower priority (an upstream costs more)
    startup_grace_s: float = 60.0
    # a crash suspect missing from its chip's history counts as never sent only this long after it was
    # sent (a request can take a moment to reach the operator)
    absent_after_s: float = 20.0
    # a suspect at an upstream that answers a resent order with its status (SupplierConfig.status_by_resend)
    # is asked again once its last request is this old (at most three times)
    resend_check_after_s: float = 600.0
    early_followup_s: float = 300.0  # a result SMS that overtook its acknowledgement is kept this long
    reply_pending: bool = False  # "masih diproses operator" SMS for ack + SMS flows
    reply_suspect: bool = True

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EngineSettings":
        """From a config file's "engine" section; ValueError naming the field for anything wrong."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            f = known.get(key)
            if f is None:
                raise ValueError(f"engine: pengaturan tidak dikenal {key!r}")
            kind = type(getattr(cls(), key))
            if kind is bool:
                if not isinstance(value, bool):
                    raise ValueError(f"engine.{key}: harus true atau false")
            elif not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ValueError(f"engine.{key}: harus angka tidak negatif")
            values[key] = kind(value)
        return cls(**values)
