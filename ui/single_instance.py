"""One running copy per data folder: the first start listens on a local socket named from the folder,
a second start connects, asks the first to show its window and exits.

    instance = SingleInstance(data_dir)
    if instance.hand_over():          # another copy runs: it was asked to come to the front
        return 0
    instance.listen()                 # we are the one; a stale socket left by a crash is taken over
    instance.showRequested.connect(window.show_from_tray)

The socket is local (a named pipe on Windows, a socket file in the temp folder elsewhere) and open to
the same user only.
"""
from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)
SHOW = b"show\n"
ACK = b"ok\n"


def server_name(data_dir: Path | str) -> str:
    """The same folder gives the same name, whichever way it was written."""
    path = os.path.normcase(str(Path(data_dir).expanduser().resolve()))
    return "pulsa-" + hashlib.sha256(path.encode("utf-8")).hexdigest()[:20]


class SingleInstance(QObject):
    showRequested = Signal()

    def __init__(self, data_dir: Path | str, parent: QObject | None = None):
        super().__init__(parent)
        self.name = server_name(data_dir)
        self.server: QLocalServer | None = None
        self._clients: list[QLocalSocket] = []

    def hand_over(self, timeout_ms: int = 2000) -> bool:
        """Ask a running copy to show its window. True when one answered (this copy should exit)."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(timeout_ms):
            return False  # nobody, or a stale socket of a crashed copy
        socket.write(SHOW)
        socket.flush()
        socket.waitForBytesWritten(timeout_ms)
        if not socket.waitForReadyRead(timeout_ms):  # connected: a live copy holds the name even if slow
            log.warning("single instance: the running copy did not answer in time")
        socket.disconnectFromServer()
        return True

    def listen(self) -> bool:
        """Hold the name. A socket left by a crashed copy (nobody answers on it) is removed first."""
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            QLocalServer.removeServer(self.name)  # stale: hand_over found nobody behind it
            if not server.listen(self.name):
                log.warning("single instance: cannot listen on %s: %s", self.name, server.errorString())
                return False
        server.newConnection.connect(self._on_connection)
        self.server = server
        return True

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def _on_connection(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            self._clients.append(socket)
            socket.readyRead.connect(lambda s=socket: self._on_read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))
            if socket.bytesAvailable():
                self._on_read(socket)

    def _on_read(self, socket: QLocalSocket) -> None:
        data = bytes(socket.readAll().data())
        if SHOW.strip() in data:
            socket.write(ACK)
            socket.flush()
            log.info("another start asked for the window")
            self.showRequested.emit()

    def _forget(self, socket: QLocalSocket) -> None:
        if socket in self._clients:
            self._clients.remove(socket)
        socket.deleteLater()
