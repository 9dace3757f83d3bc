"""The Windows installer (packaging/windows/pulsa.nsi), compiled with makensis around the bundle built here,
installed, upgraded in place and uninstalled silently under Wine in a throw-away prefix.

Needs `makensis` (Debian: nsis) and Wine able to run a 32-bit program (Debian: wine, wine64, wine32:i386
after `dpkg --add-architecture i386`); .ci/run installs them. Without them the test is skipped and says why.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

UNINSTALL_KEY = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\Pulsa"


def _build_module():
    spec = importlib.util.spec_from_file_location("pulsa_build", ROOT / "scripts" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _why_not() -> str | None:
    if os.name == "nt":
        return "on Windows the installer is tested by .github/workflows/windows.yml"
    if shutil.which("makensis") is None:
        return "makensis not found (apt-get install nsis; .ci/run installs it)"
    if shutil.which("wine") is None or shutil.which("wineserver") is None:
        return "wine not found (dpkg --add-architecture i386; apt-get install wine wine64 wine32:i386)"
    if not Path("/usr/lib/wine/wine").exists() and not shutil.which("wine32") \
            and not list(Path("/usr/lib").glob("i386-linux-gnu/wine/*")):
        return "Wine cannot run 32-bit programs (the NSIS installer is one): install wine32:i386"
    return None


class Wine:
    def __init__(self, prefix: Path):
        self.prefix = prefix
        self.env = dict(os.environ, WINEPREFIX=str(prefix), WINEDEBUG="-all", WINEARCH="win64",
                        WINEDLLOVERRIDES="mscoree,mshtml=", DISPLAY="")

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(["wine", *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def wait(self) -> None:
        """Until every program of this prefix has ended (the uninstaller runs on from a temp copy)."""
        subprocess.run(["wineserver", "-w"], env=self.env, timeout=300, check=False)

    def stop(self) -> None:
        subprocess.run(["wineserver", "-k"], env=self.env, timeout=60, check=False)

    def key(self) -> dict[str, str] | None:
        out = self.run("reg", "query", UNINSTALL_KEY, "/reg:64", timeout=60)
        if out.returncode != 0:
            return None
        values = {}
        for line in out.stdout.splitlines():
            parts = line.split(None, 2)
            if len(parts) == 3 and parts[1].startswith("REG_"):
                values[parts[0]] = parts[2]
        return values

    @property
    def drive_c(self) -> Path:
        return self.prefix / "drive_c"

    def data_dir(self) -> Path:
        users = [p for p in (self.drive_c / "users").iterdir() if p.name != "Public"]
        return users[0] / "AppData" / "Local" / "Pulsa" / "Pulsa"


@pytest.mark.timeout(1200)
def test_installer_installs_upgrades_and_uninstalls_under_wine(bundle, tmp_path):
    reason = _why_not()
    if reason:
        print(f"SKIP: {reason}")
        pytest.skip(reason)
    build = _build_module()
    version = build.version()
    setup = build.build_installer(shutil.which("makensis"), out=tmp_path / "Pulsa-Setup-test.exe", fast=True)
    assert setup.exists()

    wine = Wine(tmp_path / "prefix")
    try:
        boot = subprocess.run(["wineboot", "-i"], env=wine.env, capture_output=True, text=True, timeout=300)
        assert boot.returncode == 0, boot.stderr[-2000:]
        wine.wait()
        install_dir = wine.drive_c / "Program Files" / "Pulsa"
        start_menu = wine.drive_c / "ProgramData" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Pulsa"
        desktop_lnk = wine.drive_c / "users" / "Public" / "Desktop" / "Pulsa.lnk"

        # fresh install
        out = wine.run(str(setup), "/S")
        wine.wait()
        assert out.returncode == 0, out.stdout + out.stderr
        assert (install_dir / "_internal" / "resources" / "scenarios" / "demo.json").exists()
        assert (install_dir / "pulsa").exists() and (install_dir / "uninstall.exe").exists()
        assert (start_menu / "Pulsa.lnk").exists()
        assert len(list(start_menu.glob("*.lnk"))) == 2  # the program and its self-test
        assert desktop_lnk.exists()
        key = wine.key()
        assert key is not None, "no uninstall key"
        assert key["DisplayName"] == "Pulsa" and key["DisplayVersion"] == version
        assert key["InstallLocation"] == r"C:\Program Files\Pulsa"
        assert key["UninstallString"] == r'"C:\Program Files\Pulsa\uninstall.exe"'

        # the shop's data, and a file only the "older version" had
        data = wine.data_dir()
        data.mkdir(parents=True)
        (data / "pulsa.db").write_bytes(b"shop")
        leftover = install_dir / "_internal" / "from-the-old-version.txt"
        leftover.write_text("old")

        # upgrade in place: old program files go, data stays
        out = wine.run(str(setup), "/S")
        wine.wait()
        assert out.returncode == 0, out.stdout + out.stderr
        assert not leftover.exists()
        assert (install_dir / "_internal" / "resources" / "templates" / "id.json").exists()
        assert (data / "pulsa.db").read_bytes() == b"shop"
        assert wine.key() is not None

        # uninstall: everything of the program goes, the data stays
        out = wine.run(r"C:\Program Files\Pulsa\uninstall.exe", "/S")
        wine.wait()
        assert out.returncode == 0, out.stdout + out.stderr
        assert not install_dir.exists(), list(install_dir.rglob("*"))[:10]
        assert not start_menu.exists() and not desktop_lnk.exists()
        assert wine.key() is None
        assert (data / "pulsa.db").read_bytes() == b"shop"

        # install again, then uninstall with "hapus data" ticked: the data goes too
        # /D= must be the last word, unquoted: Wine quotes an argument with a space, so none here
        out = wine.run(str(setup), "/S", r"/D=C:\PulsaToko")
        wine.wait()
        assert out.returncode == 0, out.stdout + out.stderr
        other_dir = wine.drive_c / "PulsaToko"
        assert (other_dir / "uninstall.exe").exists()
        assert wine.key()["InstallLocation"] == r"C:\PulsaToko"
        out = wine.run(r"C:\PulsaToko\uninstall.exe", "/S", "/HAPUSDATA")
        wine.wait()
        assert out.returncode == 0, out.stdout + out.stderr
        assert not other_dir.exists()
        assert wine.key() is None
        assert not data.exists() and not data.parent.exists()
    finally:
        wine.stop()
