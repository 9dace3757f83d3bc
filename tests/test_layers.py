"""The layer rules of DESIGN.md: no Qt below ui/ (except modems/worker.py), imports point down only, the
window asks app/ and never storage/, and nothing imports main.py."""
from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.import_graph import graph

ROOT = Path(__file__).resolve().parent.parent
QT = {"PySide6", "qasync", "pyqtgraph", "shiboken6"}
# layer -> packages it must never import
FORBIDDEN = {
    "storage": {"app", "modems", "ui"} | QT,
    "modems": {"app", "storage", "ui"} | QT,
    "app": {"ui"} | QT,
}
EXEMPT = {"modems.worker"}


def _modules(package: str) -> list[str]:
    names = [package]
    for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
        if info.name not in EXEMPT and not info.name.endswith("__main__"):
            names.append(info.name)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_down_only(layer):
    code = (
        "import importlib, json, sys\n"
        f"for name in {_modules(layer)!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert not (loaded & FORBIDDEN[layer]), f"{layer} pulled in {sorted(loaded & FORBIDDEN[layer])}"


def test_ui_asks_app_and_never_storage():
    """The window reads through app/ (its read models and commands); the schema belongs to one layer."""
    wrong = {m: sorted(d for d in deps if d.split(".")[0] == "storage")
             for m, deps in graph().items() if m.split(".")[0] == "ui"}
    assert {m: d for m, d in wrong.items() if d} == {}


def test_nothing_imports_main():
    assert not [m for m, deps in graph().items() if "main" in deps]
    for path in list(ROOT.glob("scripts/*.py")) + list(ROOT.glob("benchmarks/*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert "main" not in names, path
