"""A Telegram channel against the local Bot API server (modems/sim/botapi.py) over real HTTP on loopback:
the transport under test, what it delivered and reported, and ways to wait for both without sleeping."""
from __future__ import annotations

import asyncio
from typing import Any, Callable

from app.chat.telegram import TelegramTransport
from app.chat.transport import ChannelState, ChannelStatus, ChatMessage
from modems.sim.botapi import BotApiServer

TOKEN = "123456:AAH-rahasia-Token_xyz987"
BOT = "tokobot"
USER = 555001


def run(coro, timeout: float = 60):
    """Run an async test body on a fresh loop; a stuck test fails instead of hanging."""
    async def guarded():
        return await asyncio.wait_for(coro, timeout)
    return asyncio.run(guarded())


class Channel:
    """One TelegramTransport running (as Pulsa would run it) and what it handed over."""

    def __init__(self, server: BotApiServer, token: str = TOKEN, **options: Any) -> None:
        options = {"poll_timeout": 5.0, "min_backoff": 0.05, "max_backoff": 0.2, **options}
        self.transport = TelegramTransport("bot-toko", token, server.url, **options)
        self.delivered: list[ChatMessage] = []
        self.statuses: list[ChannelStatus] = []
        self.fail_next = 0  # deliver raises this many times (the database could not store the message)
        self.deliver_calls = 0
        self.task: asyncio.Task | None = None
        self._changed = asyncio.Event()

    def _poke(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def deliver(self, message: ChatMessage) -> None:
        self.deliver_calls += 1
        if self.fail_next:
            self.fail_next -= 1
            self._poke()
            raise RuntimeError("database is locked")
        if all(m.dedupe_key != message.dedupe_key for m in self.delivered):
            self.delivered.append(message)
        self._poke()

    def report(self, status: ChannelStatus) -> None:
        self.statuses.append(status)
        self._poke()

    def start(self) -> Channel:
        self.task = asyncio.create_task(self.transport.run(self.deliver, self.report))
        self.task.add_done_callback(lambda _: self._poke())
        return self

    async def stop(self) -> None:
        assert self.task is not None
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass

    async def until(self, condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
        try:
            async with asyncio.timeout(timeout):
                while not condition():
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None

    async def wait_delivered(self, count: int, timeout: float = 10.0) -> list[ChatMessage]:
        await self.until(lambda: len(self.delivered) >= count, f"{count} messages delivered", timeout)
        return self.delivered

    async def wait_state(self, state: ChannelState, after: int = 0, timeout: float = 10.0) -> ChannelStatus:
        """The first status `state` reported at index `after` or later."""
        def found() -> list[ChannelStatus]:
            return [s for s in self.statuses[after:] if s.state is state]
        await self.until(lambda: bool(found()), f"state {state.value}", timeout)
        return found()[0]

    @property
    def states(self) -> list[ChannelState]:
        return [s.state for s in self.statuses]
