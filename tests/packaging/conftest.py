"""The built program: dist/pulsa/ made once from pulsa.spec and reused.

.ci/run builds it before the tests and points PULSA_BUNDLE_DIR at it; without that, dist/pulsa/ is used
when it is newer than every source and resource file, and built (about a minute) only when missing or stale.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("app", "ui", "modems", "storage", "resources")


def program_in(bundle: Path) -> Path:
    return bundle / ("pulsa-cli.exe" if os.name == "nt" else "pulsa")


def _stale(bundle: Path) -> bool:
    program = program_in(bundle)
    if not program.exists():
        return True
    built = program.stat().st_mtime
    newest = max(p.stat().st_mtime for folder in SOURCES for p in (ROOT / folder).rglob("*")
                 if p.is_file() and p.suffix in (".py", ".json", ".ico", ".png") and "__pycache__" not in p.parts)
    return max(newest, (ROOT / "main.py").stat().st_mtime, (ROOT / "pulsa.spec").stat().st_mtime) > built


@pytest.fixture(scope="session")
def bundle() -> Path:
    given = os.environ.get("PULSA_BUNDLE_DIR")
    if given:
        path = Path(given)
        assert program_in(path).exists(), f"PULSA_BUNDLE_DIR={given} has no program"
        return path
    path = ROOT / "dist" / "pulsa"
    if _stale(path):
        result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build.py")], cwd=ROOT,
                                capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return path
