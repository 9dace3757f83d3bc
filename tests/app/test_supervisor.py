"""Background loops are kept alive: a loop that dies is restarted and reported; one that keeps dying
stops the server loudly instead of leaving it deaf."""
from __future__ import annotations

import asyncio

import pytest

from app import supervisor as sup
from app.supervisor import Supervisor


@pytest.fixture(autouse=True)
def no_pause(monkeypatch):
    monkeypatch.setattr(sup, "RESTART_DELAYS_S", (0.0,))


def run(coro, timeout: float = 10):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def test_a_loop_that_dies_is_started_again_and_reported():
    async def body():
        crashes: list[tuple[str, str]] = []
        second_life = asyncio.Event()
        calls = 0

        async def loop() -> None:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise RuntimeError("no running event loop")
            second_life.set()
            await asyncio.Event().wait()

        s = Supervisor(on_crash=lambda name, exc: crashes.append((name, str(exc))))
        s.start("outbox", loop)
        await second_life.wait()
        assert s.running("outbox") and s.crashes("outbox") == 1
        assert crashes == [("outbox", "no running event loop")]
        await s.stop()
        assert not s.running("outbox")
    run(body())


def test_a_loop_that_returns_by_itself_counts_as_dead():
    async def body():
        seen = asyncio.Event()
        calls = 0

        async def loop() -> None:
            nonlocal calls
            calls += 1
            if calls >= 2:
                seen.set()
                await asyncio.Event().wait()

        s = Supervisor()
        s.start("ticker", loop)
        await seen.wait()
        assert s.crashes("ticker") == 1
        await s.stop()
    run(body())


def test_a_loop_that_keeps_dying_is_given_up_on_loudly_once():
    async def body():
        fatal: list[str] = []
        gave_up = asyncio.Event()

        async def loop() -> None:
            raise ValueError("broken")

        def on_fatal(name: str, exc: BaseException) -> None:
            fatal.append(f"{name}: {exc}")
            gave_up.set()

        s = Supervisor(on_fatal=on_fatal)
        s.start("engine-ticker", loop)
        await gave_up.wait()
        await asyncio.sleep(0)  # the guard has returned: nothing restarts it
        assert fatal == ["engine-ticker: broken"]
        assert s.crashes("engine-ticker") == sup.MAX_CRASHES and not s.running("engine-ticker")
        await s.stop()
    run(body())


def test_crashes_spread_out_in_time_never_give_up():
    async def body():
        now = [0.0]
        fatal: list[str] = []
        lives = 0
        done = asyncio.Event()

        async def loop() -> None:
            nonlocal lives
            lives += 1
            now[0] += sup.CRASH_WINDOW_S  # each crash a full window after the last one
            if lives > sup.MAX_CRASHES * 2:
                done.set()
                await asyncio.Event().wait()
            raise RuntimeError("once in a while")

        s = Supervisor(on_fatal=lambda name, exc: fatal.append(name), monotonic=lambda: now[0])
        s.start("stock", loop)
        await done.wait()
        assert fatal == [] and s.running("stock")
        await s.stop()
    run(body())


def test_stop_cancels_a_loop_without_counting_a_crash():
    async def body():
        started = asyncio.Event()
        crashes: list[str] = []

        async def loop() -> None:
            started.set()
            await asyncio.Event().wait()

        s = Supervisor(on_crash=lambda name, exc: crashes.append(name), on_fatal=lambda name, exc: crashes.append(name))
        s.start("reconcile", loop)
        await started.wait()
        await s.stop()
        assert crashes == [] and s.names() == []
    run(body())
