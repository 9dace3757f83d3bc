"""A virtual modem published as a pseudo-terminal: ``DIR/ttyV0`` → ``/dev/pts/N`` (POSIX only).

The simulator's own replacement for ``socat pty,link=DIR/ttyV0,raw,echo=0 tcp:127.0.0.1:PORT``, so
the demo and the tests can open a modem by device path, exactly like ``/dev/ttyUSB0``. It runs on
the network's loop: one ``os.openpty()`` pair, a symlink to the slave, and a loopback TCP connection
to the modem's own port, bytes copied both ways.

It behaves like a USB dongle, not like a socket:

- the pty exists while the modem is plugged in. Unplug, reset (``AT+CFUN=1,1``) or a client that takes
  the modem's TCP port away drop the line: the pty is closed (a program holding it open reads EIO) and
  the symlink removed. When the modem listens again the pty comes back, at the same path, or, when
  the modem came back on another TCP port (``replug {"new_port": true}``, ``reset_new_port``), at
  the next free number in the same folder (``ttyV0`` → ``ttyV2``), as ``/dev/ttyUSB0`` becomes
  ``/dev/ttyUSB1``;
- the device does not know who opens the tty: opening and closing it is not a connection, so a hang
  fault stays until a reset or replug, and what the modem says while nobody has the tty open is lost
  (it waits in the pty's buffer until pyserial flushes it on open, or is dropped when that is full).

The simulator keeps the slave end open itself, in raw mode, so the master never sees the hang-up that
Linux reports while no program has the tty open.
"""
from __future__ import annotations

import asyncio
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .modem import VirtualModem

log = logging.getLogger(__name__)

DEFAULT_DIR = Path(tempfile.gettempdir()) / "pulsa-pty"
LINK_STEM = "ttyV"


def available() -> bool:
    return hasattr(os, "openpty") and os.name == "posix"


def link_path(spec: str | bool, index: int, pty_dir: str | Path | None) -> Path:
    """Where modem number ``index`` is published: ``true`` → ``DIR/ttyV<index>``; a name → ``DIR/name``;
    an absolute path as it is. DIR is the network's ``pty_dir`` or ``<tmp>/pulsa-pty``."""
    base = Path(pty_dir) if pty_dir else DEFAULT_DIR
    if spec is True:
        return base / f"{LINK_STEM}{index}"
    path = Path(str(spec))
    return path if path.is_absolute() else base / path


def next_free(link: Path, taken: Callable[[Path], bool]) -> Path:
    """Another name in ``link``'s folder: the same stem with the lowest number that is neither on disk
    nor taken (``ttyV0`` → ``ttyV3``; ``center`` → ``center1``)."""
    m = re.fullmatch(r"(.*?)(\d*)", link.name)
    stem = m.group(1) if m else link.name
    n = 0 if stem != link.name else 1
    while True:
        candidate = link.with_name(f"{stem}{n}")
        if candidate != link and not os.path.lexists(candidate) and not taken(candidate):
            return candidate
        n += 1


class PtyPort:
    """One modem's pty. Create on the network's loop; ``plug()`` once, then it follows the modem."""

    def __init__(self, modem: "VirtualModem", link: Path, taken: Callable[[Path], bool] = lambda p: False) -> None:
        if not available():
            raise RuntimeError("pty hanya tersedia di Linux/macOS (os.openpty)")
        self.modem = modem
        self.link = Path(link)
        self._taken = taken
        self._master: int | None = None
        self._slave: int | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pump: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        self._port: int | None = None  # the modem's TCP port when last plugged
        self._closed = False
        self.plugs = 0
        modem.on_listen.append(self._on_listen)

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def _on_listen(self) -> None:
        if not self._closed:
            asyncio.get_running_loop().create_task(self.plug())

    async def plug(self) -> bool:
        """Connect to the modem and create the pty (no-op if plugged or the modem is not listening)."""
        async with self._lock:
            if self._closed or self._master is not None or not self.modem.online:
                return self._master is not None
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.modem.port)
            except OSError as exc:
                log.info("%s: pty not plugged, modem port refused: %s", self.modem.id, exc)
                return False
            if self._port is not None and self.modem.port != self._port:
                self.link = next_free(self.link, self._taken)  # re-enumerated under another name
            self._port = self.modem.port
            master, slave = os.openpty()
            try:
                import termios
                import tty

                tty.setraw(slave, termios.TCSANOW)
                os.set_blocking(master, False)
                self.link.parent.mkdir(parents=True, exist_ok=True)
                tmp = self.link.with_name(f".{self.link.name}.{os.getpid()}.tmp")
                if os.path.lexists(tmp):
                    os.unlink(tmp)
                os.symlink(os.ttyname(slave), tmp)
                os.replace(tmp, self.link)
            except BaseException:
                os.close(master)
                os.close(slave)
                writer.close()
                raise
            self._master, self._slave, self._writer = master, slave, writer
            loop = asyncio.get_running_loop()
            loop.add_reader(master, self._from_host)
            self._pump = loop.create_task(self._to_host(reader, master))
            self.modem.pty = str(self.link)
            self.plugs += 1
            log.info("%s: published as %s -> %s", self.modem.id, self.link, os.ttyname(slave))
            return True

    def _from_host(self) -> None:
        """Bytes the driver wrote to the tty: on to the modem."""
        master, writer = self._master, self._writer
        if master is None or writer is None:
            return
        try:
            data = os.read(master, 65536)
        except BlockingIOError:
            return
        except OSError:
            self.unplug()
            return
        if data and not writer.is_closing():
            writer.write(data)

    async def _to_host(self, reader: asyncio.StreamReader, master: int) -> None:
        """What the modem says: into the tty (dropped when nobody reads and the buffer is full)."""
        try:
            while True:
                data = await reader.read(65536)
                if not data or self._master != master:
                    break
                view = memoryview(data)
                while view:
                    try:
                        n = os.write(master, view)
                    except BlockingIOError:
                        break  # the line is not being read: the rest is lost, as on a real serial line
                    except OSError:
                        return
                    view = view[n:]
        except (ConnectionError, OSError):
            pass
        finally:
            if self._master == master:
                self.unplug()

    def unplug(self) -> None:
        """The device vanishes: close the pty (EIO for whoever holds it) and remove the symlink."""
        master, slave, writer = self._master, self._slave, self._writer
        self._master = self._slave = None
        self._writer = None
        if master is not None:
            try:
                asyncio.get_running_loop().remove_reader(master)
            except RuntimeError:
                pass
            target = os.ttyname(slave) if slave is not None else None
            if target is not None and os.path.islink(self.link) and os.readlink(self.link) == target:
                os.unlink(self.link)
            os.close(master)
        if slave is not None:
            os.close(slave)
        if writer is not None:
            writer.close()
        if self.modem.pty == str(self.link):
            self.modem.pty = None

    def close(self) -> None:
        """For good (network stop): unplug and stop following the modem."""
        self._closed = True
        if self._on_listen in self.modem.on_listen:
            self.modem.on_listen.remove(self._on_listen)
        pump, self._pump = self._pump, None
        self.unplug()
        if pump is not None:
            pump.cancel()
