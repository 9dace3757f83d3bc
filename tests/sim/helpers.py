"""A tiny raw AT client and control-API client for the simulator tests (no dependency on the driver)."""
from __future__ import annotations

import re
import time
from typing import Any, Callable

import serial

from modems.driver import close_port
from modems.sim import ControlClient

NOISE = re.compile(r"^\^(RSSI|BOOT|MODE|DSFLOWRPT):")
URC = re.compile(r"^(\+CMTI:|\+CDSI:|\^SMMEMFULL|\+SMS FULL|RDY$|Call Ready$|SMS Ready$)")
FINAL = re.compile(r"^(OK|ERROR|COMMAND NOT SUPPORT|\+CME ERROR: .*|\+CMS ERROR: .*)$")


class At:
    def __init__(self, url: str, noise: bool = False) -> None:
        self.ser = serial.serial_for_url(url, timeout=0.05)
        self.raw = bytearray()
        self._pos = 0
        self.lines: list[str] = []
        self.noise = noise  # keep Huawei ^RSSI/^BOOT lines

    def close(self) -> None:
        close_port(self.ser)

    def write(self, data: bytes | str) -> None:
        self.ser.write(data.encode("latin-1") if isinstance(data, str) else data)

    def _pump(self) -> bool:
        data = self.ser.read(4096)
        if not data:
            return False
        self.raw += data
        while True:
            rest = self.raw[self._pos:]
            m = re.search(rb"\r?\n|\r(?!\n|$)", rest)
            if not m:
                break
            line = bytes(rest[:m.start()]).decode("latin-1").strip("\r")
            self._pos += m.end()
            if line and (self.noise or not NOISE.match(line)):
                self.lines.append(line)
        return True

    def pending_text(self) -> bytes:
        return bytes(self.raw[self._pos:])

    def wait(self, pred: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                raise AssertionError(f"timeout; lines so far: {self.lines[-20:]!r}, "
                                     f"raw tail {bytes(self.raw[-200:])!r}")
            self._pump()

    def wait_line(self, pattern: str, timeout: float = 5.0) -> str:
        """Wait for a line matching the regex and take it out; other lines stay queued."""
        rx = re.compile(pattern)
        found: list[str] = []

        def check() -> bool:
            for i, line in enumerate(self.lines):
                if rx.search(line):
                    found.append(line)
                    del self.lines[i]
                    return True
            return False

        self.wait(check, timeout)
        return found[0]

    def cmd(self, command: str, timeout: float = 5.0) -> tuple[list[str], str]:
        """Send one command line; return (lines before the final result, final result).

        Unsolicited SMS notifications that arrive meanwhile stay in self.lines for wait_line.
        """
        start = len(self.lines)
        self.write(command + "\r")
        out: list[str] = []

        def check() -> bool:
            for i in range(start, len(self.lines)):
                if FINAL.match(self.lines[i]):
                    body = self.lines[start:i]
                    urcs = [line for line in body if URC.match(line)]
                    out.extend(line for line in body if line != command and not URC.match(line))
                    out.append(self.lines[i])
                    self.lines[start:i + 1] = urcs
                    return True
            return False

        self.wait(check, timeout)
        return out[:-1], out[-1]

    def ok(self, command: str, timeout: float = 5.0) -> list[str]:
        lines, final = self.cmd(command, timeout)
        assert final == "OK", (command, lines, final)
        return lines

    def wait_prompt(self, timeout: float = 5.0) -> None:
        self.wait(lambda: b">" in self.pending_text() or any(line.startswith(">") for line in self.lines), timeout)
        self.lines = [line for line in self.lines if not line.startswith(">")]
        idx = self.raw.find(b">", self._pos)
        if idx >= 0:
            self._pos = idx + 1
            if self.raw[self._pos:self._pos + 1] == b" ":
                self._pos += 1

    def send_pdu(self, hexpdu: str, length: int, timeout: float = 10.0, verb: str = "CMGS") -> tuple[list[str], str]:
        """AT+CMGS (send) or, with verb="CMGW", write to the memory."""
        self.lines = [line for line in self.lines if URC.match(line)]
        self.write(f"AT+{verb}={length}\r")
        self.wait_prompt()
        self.write(hexpdu + "\x1a")
        out: list[str] = []

        def check() -> bool:
            for i, line in enumerate(self.lines):
                if FINAL.match(line):
                    out.extend(text for text in self.lines[:i] if not text.startswith("AT") and text != hexpdu)
                    out.append(line)
                    del self.lines[: i + 1]
                    return True
            return False

        self.wait(check, timeout)
        return out[:-1], out[-1]


def api(net: Any, method: str, path: str, body: Any = None, raw: bytes | None = None) -> tuple[int, Any]:
    """(status, answer) of the network's control API, with its token."""
    return ControlClient.of(net).request(method, path, body, raw=raw)


def wait_for(fn: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> Any:
    """Poll fn until it returns something truthy (a control-API condition), with a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value {value!r})")
        time.sleep(interval)


def reopen(url: str, probe: Callable[[At], Any], timeout: float = 5.0, interval: float = 0.05) -> At:
    """The port at `url` once it opens and `probe` passes on it (a modem coming back after a reset).
    A try that fails is closed at once, not left to the garbage collector (a ResourceWarning then fails
    whichever test happens to be running)."""
    def attempt() -> At | None:
        try:
            at = At(url)
        except Exception:  # noqa: BLE001 - the port is still down
            return None
        try:
            probe(at)
            return at
        except Exception:  # noqa: BLE001 - open, but not answering yet
            at.close()
            return None
    return wait_for(attempt, timeout, interval)
