"""The program as the shop owner starts it: `main.py --demo` opens the window (offscreen here) on the
virtual GSM network. A reseller's SMS goes in through the network and the reply must arrive at the
reseller's phone in the simulator. This runs the real start-up path of the window, in its own process,
exactly as `python3 main.py --demo` does."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from modems.sim import ControlClient

ROOT = Path(__file__).resolve().parents[2]
R001 = "081211110001"


class Program:
    def __init__(self, tmp_path: Path, *extra: str):
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PULSA_NO_BOOTSTRAP="1", PYTHONUNBUFFERED="1")
        env.pop("DISPLAY", None)
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "--demo", "--traffic", "0", "--lang", "id",
             "--data-dir", str(tmp_path / "data"), "--db", str(tmp_path / "demo.db"), *extra],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for_line(self, start: str, timeout: float = 60) -> str:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line starting {start!r}; output so far:\n{''.join(self.output)}")
            if line is None:
                raise AssertionError(f"the program ended before {start!r}:\n{''.join(self.output)}")
            if line.startswith(start):
                return line

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(10)
        self.reader.join(10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        return code


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
def test_window_mode_answers_a_resellers_sms(tmp_path):
    program = Program(tmp_path)
    try:
        line = program.wait_for_line("Virtual GSM network control API: ")
        base = line.split(": ", 1)[1].strip()
        token = program.wait_for_line("Control API token: ").split(": ", 1)[1].strip()
        api = ControlClient(base, token, timeout=70)  # long polls below wait up to 60 s
        center = next(m["msisdn"] for m in api("GET", "/api/modems") if m["role"] == "center")
        dest = "081389092678"
        api("POST", "/api/sms", {"from": R001, "to": center, "text": f"S10.{dest}.1234"})
        # the simulator holds this answer until R001's phone has received a message (or 60 s)
        inbox = api("GET", f"/api/subscribers/{R001}/sms?count=1&wait=60")
        assert inbox, f"no reply reached the reseller in window mode:\n{''.join(program.output)}"
        first = inbox[0]["text"]
        # the answer to this order: its product and destination; a success carries the SN and new balance
        assert dest in first and "S10" in first, first
        # and the airtime reached the destination
        topups = api("GET", f"/api/subscribers/{dest}")["topups"]
        assert topups and topups[0]["amount"] == 10_000
        if "SN" not in first:  # "diproses" first when the chip answers later by SMS: the result follows
            inbox = api("GET", f"/api/subscribers/{R001}/sms?count=2&wait=60")
            assert len(inbox) >= 2 and "SN" in inbox[1]["text"], inbox
    finally:
        code = program.stop()
    assert code == 0, "".join(program.output)
    assert "Server berhenti." in "".join(program.output)
