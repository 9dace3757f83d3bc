"""Figures of the built program (docs/PERFORMANCE.md): bundle size on disk, installer size, and the time
from starting dist/pulsa/pulsa --demo to its main window's first paint (offscreen Qt, median of 5).

    python3 main.py build [--installer]  then  .venv/bin/python benchmarks/bench_bundle.py
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from build import BUNDLE, DIST, human, tree_size  # noqa: E402


def start_to_window(program: Path) -> float:
    with tempfile.TemporaryDirectory(prefix="pulsa-bench-") as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
                   PULSA_STARTUP_PROBE="1", HOME=tmp, XDG_DATA_HOME=tmp, XDG_STATE_HOME=tmp, XDG_CONFIG_HOME=tmp)
        started = time.time()
        proc = subprocess.Popen([str(program), "--demo", "--data-dir", tmp], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        drawn = None
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("PULSA_WINDOW_DRAWN"):
                drawn = float(line.split()[1])
        proc.wait(timeout=60)
        if drawn is None:
            raise SystemExit("the window was never drawn")
        return drawn - started


def main() -> int:
    program = BUNDLE / ("pulsa.exe" if os.name == "nt" else "pulsa")
    print(f"bundle {BUNDLE}: {human(tree_size(BUNDLE))} on disk")
    for setup in sorted(DIST.glob("Pulsa-Setup-*.exe")):
        print(f"installer {setup.name}: {human(setup.stat().st_size)}")
    start_to_window(program)  # warm the file cache, as a second start on the shop's PC
    times = [start_to_window(program) for _ in range(5)]
    print(f"start → window drawn: median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
