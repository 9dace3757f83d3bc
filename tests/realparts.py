"""Real Debian parts for the real-port tests: `socat` (a pty in front of a simulator modem's TCP port,
the way a USB dongle shows up as /dev/ttyUSB0) and `ser2net` 4.x (the same modem served as RFC 2217
on a loopback port, the way a second PC serves its modems).

A test that needs one calls `need("socat")` / `need("ser2net")`: it is skipped, saying why and how to
install it, only when the program is missing (`.ci/run` installs both). Every wait ends on a condition
(a file appears, a port listens, a process ends) or a deadline; every port is on 127.0.0.1.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, TypeVar

import pytest

T = TypeVar("T")

PACKAGES = {"socat": "socat", "ser2net": "ser2net"}


def which(tool: str) -> str | None:
    return shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin:/usr/local/sbin")


def need(tool: str) -> str:
    path = which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (apt-get install {PACKAGES.get(tool, tool)}); "
                    f"this real-port test needs it")
    return path


def wait_for(cond: Callable[[], T], timeout: float = 10.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s (last value {value!r})")
        time.sleep(0.01)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    """Something listens on 127.0.0.1:port (read from /proc, without connecting to it)."""
    want = f"0100007F:{port:04X}"
    try:
        for table in ("/proc/net/tcp",):
            with open(table) as f:
                for line in f.readlines()[1:]:
                    fields = line.split()
                    if fields[1] == want and fields[3] == "0A":
                        return True
        return False
    except OSError:  # no /proc: ask by connecting
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0


class _Process:
    def __init__(self, argv: list[str], log: Path) -> None:
        self.argv = argv
        self.log = log
        self.proc: subprocess.Popen | None = None

    def _spawn(self) -> subprocess.Popen:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return self.proc

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Socat(_Process):
    """`socat pty,link=LINK,raw,echo=0 tcp:127.0.0.1:PORT`: a tty for a modem that listens on PORT.
    Stopping it (SIGTERM) is pulling the dongle out: the pty closes and socat removes the link."""

    def __init__(self, link: Path, tcp_port: int, log_dir: Path) -> None:
        need("socat")
        self.link = Path(link)
        self.tcp_port = tcp_port
        super().__init__(["socat", f"pty,link={self.link},raw,echo=0", f"tcp:127.0.0.1:{tcp_port}"],
                         log_dir / f"socat-{self.link.name}.log")

    def start(self) -> "Socat":
        self._spawn()
        wait_for(lambda: os.path.exists(self.link) or not self.running, 10, f"socat pty {self.link}")
        assert self.running, f"socat did not start: {self.output()}"
        return self

    def unplug(self) -> None:
        self.stop(signal.SIGTERM)
        wait_for(lambda: not os.path.lexists(self.link), 5, f"{self.link} removed")


SER2NET_YAML = """%YAML 1.1
---
# The configuration of docs/deploy.md, on loopback: one modem served as RFC 2217, to one client at a
# time (no kickolduser), from the server's address only (remaddr), an idle session closed after
# {timeout} s (Pulsa's idle check talks to the modem every 10 s, a stale session cannot block a reconnect).
define: &lan 127.0.0.1
define: &server {server}

connection: &{name}
    accepter: telnet(rfc2217),tcp,*(lan),{port}
    timeout: {timeout}
    connector: serialdev,{device},115200n81,local
    options:
      remaddr: *server
"""


class Ser2net(_Process):
    """Debian's ser2net 4.x serving ``device`` as RFC 2217 on 127.0.0.1:port, started from a YAML file
    in ``work_dir`` (`-n -d`: foreground, log to stdout; `-u`: no UUCP lock files in /var/lock)."""

    def __init__(self, device: Path, work_dir: Path, port: int | None = None, name: str = "modem0",
                 server: str = "127.0.0.1,0", timeout: int = 60) -> None:
        binary = need("ser2net")
        self.port = port or free_port()
        self.device = Path(device)
        self.config = work_dir / f"ser2net-{name}.yaml"
        self.config.write_text(SER2NET_YAML.format(name=name, port=self.port, device=self.device, server=server,
                                                   timeout=timeout))
        self.pidfile = work_dir / f"ser2net-{name}.pid"
        super().__init__([binary, "-n", "-d", "-u", "-c", str(self.config), "-P", str(self.pidfile)],
                         work_dir / f"ser2net-{name}.log")

    @property
    def url(self) -> str:
        return f"rfc2217://127.0.0.1:{self.port}"

    def start(self) -> "Ser2net":
        self._spawn()
        wait_for(lambda: listening(self.port) or not self.running, 10, f"ser2net listening on {self.port}")
        assert self.running, f"ser2net did not start: {self.output()}"
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        super().stop(sig, timeout)
        wait_for(lambda: not listening(self.port), 5, f"port {self.port} closed")


def version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (out.stdout + out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else ""
