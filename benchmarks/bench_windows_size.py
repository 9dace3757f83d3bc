"""The Windows bundle's size on disk, estimated on Linux from the Windows wheels (docs/PERFORMANCE.md).

The Linux bundle (`python3 main.py build` first) is taken file by file. Python code, data and the
archive are the same on Windows. Each native file is replaced by its Windows counterpart from the
win_amd64 wheel of the same package (pip download, PyPI only): `PySide6/Qt/lib/libQt6Core.so.6` by
`Qt6Core.dll`, `numpy/_core/_multiarray_umath…so` by `…pyd`, the xcb platform plugin by `qwindows.dll`
and so on. What Windows takes from the OS (ICU, X11/xcb, glib, fontconfig, Kerberos …) goes; the
Windows-only files the wheels bring (the MSVC runtime, the Windows style plugin) come in. Python's own
`python311.dll` and `DLLs/*.pyd` are not on PyPI: the stripped Linux files stand in for them (about the
same size). `.github/workflows/windows.yml` prints the real figure on a Windows runner.

    .venv/bin/python benchmarks/bench_windows_size.py [--wheels DIR]
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "pulsa"
INTERNAL = BUNDLE / "_internal"
# Linux-only parts of Qt with no Windows file (the xcb platform glue, D-Bus, EGLFS)
QT_LINUX_ONLY = {"qt6xcbqpa", "qt6dbus", "qt6eglfskmssupport", "qxcb-glx-integration", "qxdgdesktopportal",
                 "qxcb-egl-integration", "qtdbus"}
# the OS has these on Windows (or they are Linux system libraries pulled in by Qt)
PYTHON_RUNTIME = ("libpython", "libssl", "libcrypto", "libsqlite3", "libffi", "libbz2", "liblzma", "libexpat",
                  "libmpdec", "libz.")
PLATFORM_PLUGIN = {"qxcb": "qwindows"}
OS_PROVIDED = ("icu",)  # Qt on Windows uses the system's icu.dll


def stem(name: str) -> str:
    """A native file's name without platform decorations: libQt6Core.so.6 / Qt6Core.dll → qt6core,
    _http_parser.cpython-311-x86_64-linux-gnu.so / _http_parser.cp311-win_amd64.pyd → _http_parser,
    libscipy_openblas64_-32a4b2a6.so / libscipy_openblas64_-9e3e5a4229c1ca39.dll → scipy_openblas64_."""
    name = name.lower()
    name = re.sub(r"\.(cpython-\d+|cp\d+)[^.]*", "", name)
    name = re.sub(r"\.abi3", "", name)
    name = re.sub(r"\.(so|dll|pyd)(\.[\d.]+)?$", "", name)
    name = re.sub(r"-[0-9a-f]{8,}(-[0-9a-f]{8,})?$", "", name)  # auditwheel / delvewheel hashes
    name = re.sub(r"\.so\.[\d.]+$", "", name)
    return name[3:] if name.startswith("lib") else name


def is_native(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


def wheels(directory: Path) -> list[Path]:
    pins = [line.split("#")[0].strip().strip('",') for line in (ROOT / "pyproject.toml").read_text().splitlines()]
    runtime = []
    in_deps = False
    for line in pins:
        if line.startswith("dependencies = ["):
            in_deps = True
            continue
        if in_deps and line == "]":
            break
        if in_deps and line:
            runtime.append(line)
    for requirement in runtime:  # one by one: a package with no Windows wheel (built there from source) is skipped
        done = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--platform",
                               "win_amd64", "--python-version", "3.11", "--implementation", "cp", "-d", str(directory),
                               requirement], capture_output=True, text=True)
        if done.returncode:
            print(f"no Windows wheel for {requirement}: its native files are kept at their Linux size")
    return sorted(directory.glob("*.whl"))


def windows_files(wheel_paths: list[Path]) -> dict[str, dict[str, int]]:
    """top-level package → {stem: size} of the native files its Windows wheel holds."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for wheel in wheel_paths:
        with zipfile.ZipFile(wheel) as z:
            for info in z.infolist():
                if info.filename.lower().endswith((".dll", ".pyd")):
                    top = info.filename.split("/", 1)[0]
                    found[top][stem(info.filename.rsplit("/", 1)[-1])] = info.file_size
    return found


def estimate(win: dict[str, dict[str, int]]) -> tuple[int, int, dict[str, int], list[str]]:
    linux_total = 0
    total = 0
    parts: dict[str, int] = defaultdict(int)
    unmatched: list[str] = []
    used: dict[str, set[str]] = defaultdict(set)
    for program in (p for p in BUNDLE.iterdir() if p.is_file()):
        # the program with the Python archive appended; Windows has two of them (pulsa.exe, pulsa-cli.exe)
        linux_total += program.stat().st_size
        total += 2 * program.stat().st_size
        parts["programs (pulsa.exe, pulsa-cli.exe: each holds the code archive)"] += 2 * program.stat().st_size
    for path in sorted(INTERNAL.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        size = path.stat().st_size
        linux_total += size
        rel = path.relative_to(INTERNAL).as_posix()
        top = rel.split("/", 1)[0]
        if stem(path.name).startswith(OS_PROVIDED):
            continue
        if not is_native(path):
            total += size
            parts["Python code, data"] += size
            continue
        s = stem(path.name)
        if "/" not in rel or top == "python3.11":
            if path.name.startswith(PYTHON_RUNTIME) or top == "python3.11":
                total += size
                parts["Python runtime (Linux stand-in)"] += size
            continue  # a system library the OS provides on Windows
        package = "PySide6" if top in ("PySide6", "shiboken6") else top
        s = PLATFORM_PLUGIN.get(s, s)
        if s in QT_LINUX_ONLY:
            continue
        candidates = [p for p in (package, top, f"{top}.libs", top.removesuffix(".libs")) if s in win.get(p, {})]
        if not candidates:
            unmatched.append(rel)
            total += size
            parts["unmatched (Linux size kept)"] += size
            continue
        where = candidates[0]
        used[where].add(s)
        total += win[where][s]
        parts[where] += win[where][s]
    # Windows-only files the bundle takes from the wheels: the MSVC runtime beside Qt and numpy's own
    for package, files in win.items():
        for s, size in files.items():
            if s.startswith(("msvcp140", "vcruntime140", "concrt140")) and s not in used[package]:
                if package in ("PySide6", "numpy.libs"):
                    total += size
                    parts[package] += size
    return linux_total, total, dict(parts), unmatched


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, help="a folder to keep the downloaded Windows wheels in")
    args = parser.parse_args()
    if not INTERNAL.is_dir():
        raise SystemExit("no bundle: run python3 main.py build first")
    with tempfile.TemporaryDirectory(prefix="pulsa-winwheels-") as tmp:
        directory = args.wheels or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        linux_total, total, parts, unmatched = estimate(windows_files(wheels(directory)))
    mb = 1e6
    print(f"Linux bundle {linux_total / mb:.1f} MB; Windows bundle estimated {total / mb:.1f} MB")
    for name, size in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  {size / mb:7.1f} MB  {name}")
    if unmatched:
        print(f"  {len(unmatched)} native files with no Windows counterpart found (kept at Linux size): "
              + ", ".join(unmatched[:12]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
