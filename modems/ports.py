"""Opening a modem's port, whatever kind it is, and saying clearly why one cannot be opened.

Every kind the shop can configure is a pyserial port, opened by URL:

- `device`: `COM3`, `/dev/ttyUSB0`, `/dev/serial/by-id/…`, a pty such as `/tmp/ttyV0`
  (pyserial's `serialwin32` / `serialposix`);
- `socket`: `socket://127.0.0.1:7001`, the simulator (`urlhandler.protocol_socket`);
- `rfc2217`: `rfc2217://192.168.1.20:7401`, ser2net on another PC (`serial.rfc2217`);
- `url`: any other pyserial URL (`loop://`, `spy://…`), as pyserial chooses.

Each kind takes different settings, so the open is done per kind:

- `device`: baud rate, flow control, read and write timeouts, and on POSIX an exclusive lock
  (`flock`), so a second Pulsa (or anything else that locks) cannot share the modem. Windows opens a
  COM port exclusively anyway; pyserial refuses `exclusive=False` there, so it is never passed.
- `socket`: read and write timeouts (the rest means nothing to a TCP socket).
- `rfc2217`: no write timeout (pyserial 3.5 raises `NotImplementedError: write_timeout is currently not
  supported`), and `ign_set_control` is added to the URL unless it already carries options: ser2net in
  front of a device that has no modem-control lines (a pty, some USB bridges) never acknowledges
  DTR/RTS, and pyserial would then give up after 3 s "waiting for option 'control'". Baud rate and
  flow control are sent to the far side, which sets them on its device.

`open_error` turns whatever pyserial or the OS raised into a `PortOpenError` with a message in
Indonesian that says what to check (busy, missing, no permission, nobody listening, not RFC 2217).
"""
from __future__ import annotations

import errno
import os
import threading
import warnings
from typing import Any, Protocol
from urllib.parse import urlsplit

import serial
from serial import rfc2217

from modems.at import PortError

EXAMPLES = "COM3, /dev/ttyUSB0, socket://host:port, rfc2217://host:port"


class PortSettings(Protocol):
    """What is read from a `modems.driver.ModemConfig` to open a port."""

    baudrate: int
    rtscts: bool
    dsrdtr: bool
    xonxoff: bool
    read_timeout: float
    write_timeout: float
    exclusive: bool | None


class PortOpenError(PortError):
    """The port could not be opened. ``reason`` is one of: busy, missing, permission, refused,
    unreachable, not_rfc2217, bad_url, other. The message is for the shop owner (Indonesian)."""

    def __init__(self, port_url: str, reason: str, message: str) -> None:
        self.port_url = port_url
        self.reason = reason
        super().__init__(message)

    @property
    def busy(self) -> bool:
        return self.reason == "busy"


def port_kind(port_url: str) -> str:
    """`device`, `socket`, `rfc2217` or `url` (another pyserial URL handler)."""
    if "://" not in port_url:
        return "device"
    scheme = port_url.split("://", 1)[0].lower()
    if scheme in ("socket", "rfc2217"):
        return scheme
    return "url"


def is_device(port_url: str) -> bool:
    return port_kind(port_url) == "device"


def url_for_open(port_url: str) -> str:
    """The URL handed to pyserial: `rfc2217://h:p` gains `?ign_set_control` (see the module doc)."""
    if port_kind(port_url) == "rfc2217" and "?" not in port_url:
        return port_url + "?ign_set_control"
    return port_url


def open_kwargs(port_url: str, config: PortSettings) -> dict[str, Any]:
    """The pyserial settings this kind of port accepts."""
    kind = port_kind(port_url)
    kwargs: dict[str, Any] = {"timeout": config.read_timeout}
    if kind in ("device", "rfc2217", "url"):
        kwargs.update(baudrate=config.baudrate, rtscts=config.rtscts, dsrdtr=config.dsrdtr, xonxoff=config.xonxoff)
    if kind != "rfc2217":
        kwargs["write_timeout"] = config.write_timeout
    if kind == "device":
        exclusive = config.exclusive
        if exclusive is None:
            exclusive = os.name == "posix"
        if exclusive:
            kwargs["exclusive"] = True
    return kwargs


class Rfc2217Port(rfc2217.Serial):
    """pyserial's RFC 2217 client with one fix: when the far side closes the connection at once (ser2net
    refusing a second client, or a host that is not in its `remaddr`), the telnet answer its reader
    thread writes fails; that ended the thread with an unhandled BrokenPipeError traceback on stderr.
    In the reader thread the error is now dropped (the thread then sees the closed socket and ends);
    the open fails with a clear message. And its close (also run when an open fails) skips closing the
    socket when the peer has already gone (`shutdown()` raises first): the socket is closed here."""

    def close(self) -> None:
        sock = self._socket
        try:
            super().close()
        finally:
            if sock is not None:
                sock.close()

    def _internal_raw_write(self, data: bytes) -> None:
        try:
            super()._internal_raw_write(data)
        except OSError:
            if threading.current_thread() is not self._thread:
                raise


def open_port(port_url: str, config: PortSettings) -> serial.SerialBase:
    """Open ``port_url`` with the settings its kind accepts; `PortOpenError` (Indonesian) if it cannot."""
    try:
        with warnings.catch_warnings():
            # pyserial 3.5's rfc2217 client calls Thread.setDaemon()/setName(), deprecated since 3.10
            warnings.filterwarnings("ignore", category=DeprecationWarning, module="serial")
            if port_kind(port_url) == "rfc2217":
                port = Rfc2217Port(None, **open_kwargs(port_url, config))
                port.port = url_for_open(port_url)
                port.open()
                return port
            return serial.serial_for_url(url_for_open(port_url), **open_kwargs(port_url, config))
    except (serial.SerialException, OSError, ValueError, NotImplementedError) as exc:
        raise open_error(port_url, exc) from exc


def close_port(port: serial.SerialBase) -> None:
    """Close a port for good. pyserial's `socket://` close skips closing the socket when the peer has
    already gone (its shutdown() raises first), which leaks one descriptor per unplug over months of
    running; the socket is closed here in any case."""
    sock = getattr(port, "_socket", None)
    try:
        port.close()
    finally:
        if sock is not None:
            sock.close()


def _errno_of(exc: BaseException) -> int | None:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        code = getattr(exc, "errno", None)
        if isinstance(code, int):
            return code
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return None


def _host(port_url: str) -> str:
    try:
        parts = urlsplit(port_url)
        return f"{parts.hostname}:{parts.port}"
    except ValueError:
        return port_url


def open_error(port_url: str, exc: BaseException) -> PortOpenError:
    """Why ``port_url`` did not open, in words the shop owner can act on."""
    if isinstance(exc, PortOpenError):
        return exc
    kind = port_kind(port_url)
    text = str(exc)
    low = text.lower()
    code = _errno_of(exc)
    detail = f" ({text})" if text else ""
    if kind == "device":
        if "exclusively lock" in low or code in (errno.EAGAIN, errno.EWOULDBLOCK) or "permissionerror" in low \
                or "access is denied" in low or code == errno.EBUSY:
            # Windows says "Access is denied" for a COM port that another program holds
            return PortOpenError(port_url, "busy", (
                f"Port {port_url} sedang dipakai program lain (Pulsa lain, aplikasi bawaan modem, atau "
                f"terminal). Satu port hanya boleh dibuka satu program: tutup program itu dulu.{detail}"))
        if code == errno.ENOENT or "filenotfounderror" in low or "no such file" in low:
            return PortOpenError(port_url, "missing", (
                f"Port {port_url} tidak ada. Periksa kabel/USB dan nama port (Windows: Device Manager → "
                f"Ports; Linux: ls /dev/ttyUSB* /dev/serial/by-id/).{detail}"))
        if code == errno.EACCES:
            return PortOpenError(port_url, "permission", (
                f"Tidak punya izin membuka {port_url}. Di Linux tambahkan pengguna ke grup dialout "
                f"(sudo usermod -aG dialout NAMA_PENGGUNA), lalu keluar dan masuk lagi.{detail}"))
        if code in (errno.EIO, errno.ENXIO, errno.ENODEV):
            return PortOpenError(port_url, "missing", (
                f"Perangkat di {port_url} tidak menjawab atau sudah dicabut. Periksa kabel/USB.{detail}"))
    elif kind in ("socket", "rfc2217"):
        where = _host(port_url)
        if code in (errno.EPIPE, errno.ECONNRESET):
            return PortOpenError(port_url, "refused", (
                f"{where} menutup sambungan: port itu sedang dipakai klien lain (Pulsa lain?), atau PC server "
                f"ini tidak ada di 'remaddr' ser2net (lihat docs/deploy.md).{detail}"))
        if isinstance(exc, NotImplementedError) or "does not seem to support rfc2217" in low \
                or "waiting for option" in low or "parameter change" in low:
            return PortOpenError(port_url, "not_rfc2217", (
                f"{where} tidak menjawab sebagai server RFC 2217, atau menolak sambungan ini (port sedang "
                f"dipakai klien lain, atau PC server tidak ada di 'remaddr'). Di ser2net pakai "
                f"'accepter: telnet(rfc2217),tcp,…' (lihat docs/deploy.md).{detail}"))
        if code == errno.ECONNREFUSED or "refused" in low:
            return PortOpenError(port_url, "refused", (
                f"Tidak ada yang melayani di {where}. Periksa PC modem menyala, ser2net berjalan, dan alamat "
                f"serta port benar.{detail}"))
        if code in (errno.ETIMEDOUT, errno.EHOSTUNREACH, errno.ENETUNREACH) or "timed out" in low \
                or "name or service not known" in low or "nodename" in low:
            return PortOpenError(port_url, "unreachable", (
                f"PC modem di {where} tidak bisa dihubungi. Periksa jaringan (kabel LAN, IP, firewall).{detail}"))
    if isinstance(exc, ValueError) and ("protocol" in low or "url" in low or "invalid" in low):
        return PortOpenError(port_url, "bad_url", (
            f"Alamat port tidak dikenal: {port_url}. Contoh yang benar: {EXAMPLES}.{detail}"))
    return PortOpenError(port_url, "other", f"Port {port_url} tidak bisa dibuka{detail}.")
