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


class TinyModem:
    """A minimal AT modem on a loopback TCP port, for worker tests that must not depend on the
    simulator's behaviour (threads, futures, shutdown). Answers identity, an SMS store and a
    USSD code that never answers (``*999#``)."""

    IMEI = "356938035643809"
    ICCID = "8962100000000000017"

    def __init__(self) -> None:
        import socket

        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = f"socket://127.0.0.1:{self.port}"
        self.store: dict[int, str] = {}
        self.deleted: list[int] = []
        self.deleted_event = threading.Event()
        self.conn = None
        self.conn_ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        import socket

        self.server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except (socket.timeout, OSError):
                continue
            self.conn = conn
            self.conn_ready.set()
            buf = b""
            conn.settimeout(0.1)
            while not self._stop.is_set():
                try:
                    data = conn.recv(4096)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if not data:
                    break
                buf += data
                while b"\r" in buf:
                    line, buf = buf.split(b"\r", 1)
                    line = line.strip(b"\n\x1b ").decode("latin-1")
                    if line:
                        self._send(self.answer(line))
            conn.close()

    def _send(self, text: str | None) -> None:
        if text is not None and self.conn is not None:
            try:
                self.conn.sendall(text.encode("latin-1"))
            except OSError:
                pass

    def answer(self, cmd: str) -> str | None:
        ok = "\r\nOK\r\n"
        up = cmd.upper()
        if up == "AT+CGSN":
            return f"\r\n{self.IMEI}\r\n" + ok
        if up == "AT+CIMI":
            return "\r\n510101234567890\r\n" + ok
        if up == "AT+CCID":
            return f"\r\n+CCID: {self.ICCID}\r\n" + ok
        if up in ("AT+CGMI", "AT+CGMM", "AT+CGMR"):
            return "\r\nTINY\r\n" + ok
        if up == "AT+CPIN?":
            return "\r\n+CPIN: READY\r\n" + ok
        if up == "AT+CSQ":
            return "\r\n+CSQ: 21,99\r\n" + ok
        if up.startswith("AT+CPMS"):
            return f'\r\n+CPMS: "SM",{len(self.store)},30,"SM",{len(self.store)},30,"SM",0,30\r\n' + ok
        if up.startswith("AT+CMGL"):
            body = "".join(f"\r\n+CMGL: {i},0,,{len(p) // 2 - 1}\r\n{p}" for i, p in sorted(self.store.items()))
            return body + "\r\n" + ok
        if up.startswith("AT+CMGR="):
            i = int(up.split("=")[1])
            if i not in self.store:
                return "\r\n+CMS ERROR: 321\r\n"
            return f"\r\n+CMGR: 0,,{len(self.store[i]) // 2 - 1}\r\n{self.store[i]}\r\n" + ok
        if up.startswith("AT+CMGD="):
            i = int(up.split("=")[1].split(",")[0])
            self.store.pop(i, None)
            self.deleted.append(i)
            self.deleted_event.set()
            return ok
        if up.startswith('AT+CUSD=1,"*999#"'):
            return ok  # and never a +CUSD
        return ok

    def inject_sms(self, pdu_hex: str) -> int:
        idx = max(self.store, default=0) + 1
        self.store[idx] = pdu_hex
        self._send(f'\r\n+CMTI: "SM",{idx}\r\n')
        return idx

    def close(self) -> None:
        self._stop.set()
        self.server.close()
        self._thread.join(2)


@pytest.fixture
def tiny_modem():
    m = TinyModem()
    yield m
    m.close()
