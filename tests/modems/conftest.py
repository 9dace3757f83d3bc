"""Fixtures for the driver tests: a scripted in-memory port and the virtual GSM network."""
from __future__ import annotations

import threading
from typing import Callable

import pytest


class ScriptedPort:
    """A pyserial-like port. ``script`` maps a written command line to the bytes the 'modem'
    answers; ``feed`` injects bytes as if they had arrived. Reads never sleep: an empty read
    advances a fake clock by the port timeout, so deadlines pass without real waiting."""

    def __init__(self, clock: "FakeClock | None" = None, timeout: float = 0.05) -> None:
        self.clock = clock or FakeClock()
        self.timeout = timeout
        self.rx = bytearray()
        self.written = bytearray()
        self.script: dict[bytes, bytes | Callable[[], bytes]] = {}
        self.chunk: int | None = None  # deliver at most this many bytes per read
        self.lock = threading.Lock()

    def feed(self, data: bytes) -> None:
        with self.lock:
            self.rx += data

    @property
    def in_waiting(self) -> int:
        return len(self.rx)

    def read(self, size: int = 1) -> bytes:
        with self.lock:
            if not self.rx:
                self.clock.advance(self.timeout)
                return b""
            n = min(size, self.chunk or size)
            data = bytes(self.rx[:n])
            del self.rx[:n]
            return data

    def write(self, data: bytes) -> int:
        self.written += data
        for line in data.replace(b"\x1a", b"\r").split(b"\r"):
            answer = self.script.get(line.strip())
            if answer is not None:
                self.feed(answer() if callable(answer) else answer)
        return len(data)

    def close(self) -> None:
        pass


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, dt: float) -> None:
        self.now += dt


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def port(clock: FakeClock) -> ScriptedPort:
    return ScriptedPort(clock)
