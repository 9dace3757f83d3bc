"""One running copy per data folder: a second start hands over to the first and exits 0; a socket left
by a crashed copy is taken over."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QDir
from PySide6.QtNetwork import QLocalServer

from ui.single_instance import SingleInstance, server_name

ROOT = Path(__file__).resolve().parents[2]


def test_name_is_the_same_for_the_same_folder(tmp_path):
    assert server_name(tmp_path) == server_name(tmp_path / "x" / "..") == server_name(str(tmp_path) + "/")
    assert server_name(tmp_path) != server_name(tmp_path / "other")


def test_second_instance_hands_over_to_the_first(qtbot, tmp_path):
    first = SingleInstance(tmp_path)
    assert not first.hand_over(200)  # nobody yet
    assert first.listen()
    try:
        with qtbot.waitSignal(first.showRequested, timeout=5000):
            # the second start blocks in hand_over, so it runs in a thread like another process would
            import threading

            result: list[bool] = []
            second = SingleInstance(tmp_path)
            thread = threading.Thread(target=lambda: result.append(second.hand_over(3000)))
            thread.start()
            qtbot.waitUntil(lambda: not thread.is_alive(), timeout=5000)
        assert result == [True]
        # another folder is another shop: no hand-over
        assert not SingleInstance(tmp_path / "other").hand_over(200)
    finally:
        first.close()


@pytest.mark.skipif(sys.platform == "win32", reason="a named pipe does not outlive its process")
def test_stale_socket_of_a_crashed_copy_is_taken_over(qtbot, tmp_path):
    name = server_name(tmp_path)
    path = os.path.join(QDir.tempPath(), name)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)  # bound, never listening, never removed: what a killed copy leaves behind
    stale.close()
    try:
        assert os.path.exists(path)
        instance = SingleInstance(tmp_path)
        assert not instance.hand_over(500)
        assert instance.listen()
        try:
            with qtbot.waitSignal(instance.showRequested, timeout=5000):
                import threading

                out: list[bool] = []
                t = threading.Thread(target=lambda: out.append(SingleInstance(tmp_path).hand_over(3000)))
                t.start()
                qtbot.waitUntil(lambda: not t.is_alive(), timeout=5000)
            assert out == [True]
        finally:
            instance.close()
    finally:
        QLocalServer.removeServer(name)


def _start(data: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PULSA_NO_BOOTSTRAP="1", QT_QPA_PLATFORM="offscreen")
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--data-dir", str(data), *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_second_start_of_main_exits_0_and_the_first_is_asked(tmp_path):
    """Two real processes on one data folder. The first has no database yet, so it waits in the setup
    wizard; the second start brings it to the front and exits 0."""
    data = tmp_path / "data"
    first = _start(data)
    log = data / "logs" / "pulsa.log"
    try:
        deadline = time.monotonic() + 60
        holder = os.path.join(QDir.tempPath(), server_name(data))
        while not os.path.exists(holder):  # the first copy holds the name
            assert first.poll() is None, first.stdout.read() if first.stdout else ""
            assert time.monotonic() < deadline, "the first copy never listened"
            time.sleep(0.1)
        second = _start(data)
        out, _ = second.communicate(timeout=60)
        assert second.returncode == 0, out
        assert "sudah berjalan" in out
        deadline = time.monotonic() + 20
        while "another start asked for the window" not in (log.read_text() if log.exists() else ""):
            assert time.monotonic() < deadline, "the first copy did not hear the second"
            time.sleep(0.1)
        assert first.poll() is None  # the first keeps running
        assert not (data / "pulsa.db").exists()  # still in the wizard: nothing written
    finally:
        first.terminate()
        try:
            first.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            first.kill()
            first.communicate(timeout=10)
