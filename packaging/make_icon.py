"""Draw the program's icon (the same one the window shows, ui/style.app_icon) into
resources/icons/pulsa.ico (16…256 px, for the .exe, the installer and the shortcuts) and pulsa.png.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icon.py
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import struct  # noqa: E402

from PySide6.QtCore import QBuffer, QByteArray, QIODevice  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage  # noqa: E402

from ui.style import app_icon  # noqa: E402


ICO_SIZES = (16, 24, 32, 48, 64, 256)


def _ico_image(image: QImage, size: int) -> bytes:
    """One icon image: PNG for 256 px (Windows Vista and later), a 32-bit DIB with its AND mask below."""
    if size >= 256:
        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buf, "PNG")
        return bytes(data)
    image = image.convertToFormat(QImage.Format.Format_ARGB32)  # BGRA in memory on little-endian
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    rows = b"".join(bytes(image.constScanLine(y))[:size * 4] for y in reversed(range(size)))
    mask_row = ((size + 31) // 32) * 4
    return header + rows + b"\0" * mask_row * size  # the alpha channel decides; the mask is all "opaque"


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv)
    out = ROOT / "resources" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    app_icon(256).pixmap(256, 256).save(str(out / "pulsa.png"), "PNG")
    images = [_ico_image(app_icon(size).pixmap(size, size).toImage(), size) for size in ICO_SIZES]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, blob in zip(ICO_SIZES, images):
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(blob), offset)
        blobs += blob
        offset += len(blob)
    (out / "pulsa.ico").write_bytes(header + entries + blobs)
    del app
    print(out / "pulsa.ico")
    return 0


if __name__ == "__main__":
    sys.exit(main())
