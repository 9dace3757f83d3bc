"""`python3 main.py build [--installer]`: the one-folder bundle dist/pulsa/ from pulsa.spec and, with
--installer and when `makensis` is on the PATH, the Windows installer dist/Pulsa-Setup-<version>.exe
from packaging/windows/pulsa.nsi. Prints where each result is, its size and how long it took.

Runs inside the project's virtual environment (main.py starts it there); standard library only.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUNDLE = DIST / "pulsa"
NSI = ROOT / "packaging" / "windows" / "pulsa.nsi"


def version() -> str:
    text = (ROOT / "app" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def tree_size(path: Path) -> int:
    """Bytes on disk, each file once (PyInstaller links some libraries to their copy under PySide6/)."""
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            file = Path(folder, name)
            if not file.is_symlink():
                total += file.stat().st_size
    return total


def human(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def installer_path() -> Path:
    return DIST / f"Pulsa-Setup-{version()}.exe"


def build_bundle() -> Path:
    started = time.monotonic()
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
           "--distpath", str(DIST), "--workpath", str(ROOT / "build"), str(ROOT / "pulsa.spec")]
    result = subprocess.run(cmd, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"PyInstaller gagal (kode {result.returncode}) / PyInstaller failed")
    program = BUNDLE / ("pulsa.exe" if os.name == "nt" else "pulsa")
    if not program.exists():
        raise SystemExit(f"{program} tidak ada setelah build / missing after the build")
    print(f"Bundle: {BUNDLE}  ({human(tree_size(BUNDLE))}, "
          f"{time.monotonic() - started:.0f} s)", flush=True)
    return BUNDLE


def build_installer(makensis: str, *, out: Path | None = None, fast: bool = False) -> Path:
    """`fast`: not compressed (a bigger file, built in seconds instead of minutes; for tests)."""
    started = time.monotonic()
    out = out or installer_path()
    cmd = [makensis, "-V2", "-INPUTCHARSET", "UTF8", f"-DVERSION={version()}", f"-DBUNDLE_DIR={BUNDLE}",
           f"-DOUT_FILE={out}", f"-DICON={ROOT / 'resources' / 'icons' / 'pulsa.ico'}",
           *(["-DCOMPRESSOR=none"] if fast else []), str(NSI)]
    result = subprocess.run(cmd, cwd=NSI.parent)
    if result.returncode != 0:
        raise SystemExit(f"makensis gagal (kode {result.returncode}) / makensis failed")
    print(f"Installer: {out}  ({human(out.stat().st_size)}, {time.monotonic() - started:.0f} s)", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="main.py build", description="build dist/pulsa/ (and the installer)")
    parser.add_argument("--installer", action="store_true",
                        help="also the Windows installer (NSIS), when makensis is present")
    parser.add_argument("--installer-only", action="store_true", help="only the installer, around the existing bundle")
    parser.add_argument("--fast", action="store_true", help="installer not compressed (tests)")
    args = parser.parse_args(argv)
    if not args.installer_only:
        build_bundle()
    elif not BUNDLE.is_dir():
        raise SystemExit(f"{BUNDLE} belum ada: jalankan dulu `python3 main.py build`")
    if args.installer or args.installer_only:
        makensis = shutil.which("makensis")
        if makensis is None:
            print("makensis tidak ada: installer tidak dibuat (Debian/Ubuntu: apt-get install nsis; "
                  "Windows: choco install nsis) / makensis not found, no installer", flush=True)
            return 0 if not args.installer_only else 1
        build_installer(makensis, fast=args.fast)
    return 0


if __name__ == "__main__":
    sys.exit(main())
