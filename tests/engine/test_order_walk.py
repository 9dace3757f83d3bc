"""An order's walk through the code, traced for real: on the engine's thread, from the center modem's
SMS event to the reply handed to a sender modem. docs/engine.md describes this walk; the test keeps the
description true and the walk short (at most 14 files of app/, each one for a reason)."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from app.engine_settings import EngineSettings
from modems.types import SendSms, SmsReceived, StoreSms

from .conftest import R001, run

ROOT = str(Path(__file__).resolve().parents[2]) + "/"
CO_GENERATOR_OR_COROUTINE = 0x20 | 0x80 | 0x100 | 0x200

# the walk as docs/engine.md tells it, in the order the files are first entered
WALK = ["app/engine.py", "app/service.py", "app/commands/parser.py", "app/phone.py", "app/handlers.py",
        "app/orders.py", "app/commission.py", "app/ledger.py", "app/suppliers.py", "app/h2h/callbacks.py",
        "app/money.py", "app/rules.py", "app/replies.py", "app/outbox.py"]
BELOW = {"storage/sql.py", "modems/worker.py", "modems/driver.py"}  # the layers below: entry points only


class Tracer:
    """Calls between the project's own files (a coroutine resumed by the loop is not a call)."""

    def __init__(self) -> None:
        self.on = False
        self.calls: list[tuple[str | None, str, str]] = []
        self._started: set[int] = set()

    def __call__(self, frame, event, _arg) -> None:
        if event != "call" or not self.on:
            return
        code = frame.f_code
        if code.co_flags & CO_GENERATOR_OR_COROUTINE:
            if id(frame) in self._started:
                return
            self._started.add(id(frame))
        callee = self._own(code.co_filename)
        if callee is None:
            return
        caller = frame.f_back
        while caller is not None and self._own(caller.f_code.co_filename) is None:
            caller = caller.f_back
        self.calls.append((self._own(caller.f_code.co_filename) if caller else None, callee, code.co_name))

    @staticmethod
    def _own(filename: str) -> str | None:
        if not filename.startswith(ROOT) or "/.venv/" in filename or "/tests/" in filename:
            return None
        return filename[len(ROOT):]

    def files(self) -> list[str]:
        seen: list[str] = []
        for caller, callee, _name in self.calls:
            if caller != callee and callee not in seen:
                seen.append(callee)
        return seen


def test_an_order_walks_through_at_most_fourteen_files_of_app(env):
    tracer = Tracer()

    async def body():
        # no timer wakes up in the middle of the walk: only what the order itself causes runs
        await env.start(settings=EngineSettings(tick_s=3600, stock_check_interval_s=10**6,
                                                reconcile_interval_s=10**6, pending_timeout_s=60))
        engine = env.engine
        # a first order warms up what a running shop has warm (this reseller's PIN checked once)
        env.sms("S10.081389092670.1234")
        await env.wait(lambda: [t for t in env.received(R001) if "SUKSES" in t], what="the first reply")

        deliver = engine._on_modem_event

        def traced_event(name, event):
            if isinstance(event, SmsReceived) and name == "center":
                tracer.on = True
            deliver(name, event)

        engine._on_modem_event = traced_event
        replied = []
        for sender in ("sender", "sender2"):
            link = engine.links[sender]

            async def run_op(op, _run=link.run):
                if isinstance(op, (SendSms, StoreSms)) and tracer.on:  # stored first, then sent
                    tracer.on = False
                    replied.append(op)
                return await _run(op)
            link.run = run_op
        sys.setprofile(tracer)
        try:
            env.sms("S10.081389092678.1234")
            await env.wait(lambda: replied, what="the reply handed to a sender")
        finally:
            sys.setprofile(None)
        await env.stop()
    run(body())

    files = tracer.files()
    app_files = [f for f in files if f.startswith("app/")]
    assert app_files == WALK, f"the walk changed; update docs/engine.md: {app_files}"
    assert len(app_files) <= 14
    assert set(files) - set(app_files) <= BELOW
    # the layers point down: nothing below app/ calls back up into it
    assert not [c for c in tracer.calls if c[0] and c[0].split("/")[0] in ("storage", "modems")
                and c[1].startswith("app/")]
    # a summary for whoever changes the walk
    entries = Counter(callee for caller, callee, _ in tracer.calls if caller != callee)
    print("walk:", " → ".join(app_files))
    print("cross-file calls:", sum(entries.values()), dict(entries))
