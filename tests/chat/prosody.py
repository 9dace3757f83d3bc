"""A real XMPP server for the chat tests: Debian's Prosody from a private config in a temp folder, on a
free loopback port, plain (no TLS), with throw-away accounts on VirtualHost "localhost"
(reference/stack.md). Also used by benchmarks/bench_chat.py."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

DOMAIN = "localhost"

CONFIG = """
run_as_root = true
daemonize = false
pidfile = "{dir}/prosody.pid"
data_path = "{dir}/data"
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {port} }}
s2s_ports = {{ }}
component_ports = {{ }}
http_ports = {{ }}
https_ports = {{ }}
c2s_require_encryption = false
s2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
storage = "internal"
log = {{ info = "{dir}/prosody.log" }}
modules_enabled = {{ "roster"; "saslauth"; "disco"; "ping"; "offline"; "posix"; }}
modules_disabled = {{ "tls"; "s2s"; }}
limits = {{ c2s = {{ rate = "10mb/s"; burst = "10s"; }} }}
VirtualHost "{domain}"
"""


def available() -> str | None:
    """Why Prosody cannot run here, or None."""
    if shutil.which("prosody") is None or shutil.which("prosodyctl") is None:
        return "prosody is not installed (apt-get install prosody)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prosody:
    def __init__(self, folder: Path, port: int | None = None):
        self.folder = folder
        self.port = port or free_port()
        self.config = folder / "prosody.cfg.lua"
        self.proc: subprocess.Popen | None = None
        (folder / "data").mkdir(parents=True, exist_ok=True)
        self.config.write_text(CONFIG.format(dir=folder, port=self.port, domain=DOMAIN))

    def register(self, user: str, password: str) -> str:
        subprocess.run(["prosodyctl", "--config", str(self.config), "register", user, DOMAIN, password],
                       check=True, capture_output=True, timeout=30)
        return f"{user}@{DOMAIN}"

    def start(self, timeout: float = 20) -> None:
        with open(self.folder / "stdout.log", "ab") as log:
            self.proc = subprocess.Popen(["prosody", "--config", str(self.config), "-F"], stdout=log, stderr=log,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prosody ended: {(self.folder / 'stdout.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)  # the server's own start-up: nothing to wait on but its port
        raise RuntimeError("prosody did not open its port")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, 15)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(5)

    def restart(self) -> None:
        self.stop()
        self.start()
