"""Start with Windows: a value under HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run (the user's
own, no administrator needed). Elsewhere it is not offered."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
VALUE_NAME = "Pulsa"


def supported() -> bool:
    return sys.platform == "win32"


def command() -> str:
    """What Windows runs at log-in: the installed program, or this Python with main.py."""
    if getattr(sys, "frozen", False):
        return f'"{sys.executable}"'
    main = Path(__file__).resolve().parent.parent / "main.py"
    return f'"{sys.executable}" "{main}"'


def set_enabled(on: bool) -> None:
    """Write or remove the Run value (OSError when the registry refuses)."""
    if not supported():
        raise OSError("start with Windows is only available on Windows")
    import winreg  # type: ignore[import-not-found]

    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
        if on:
            winreg.SetValueEx(key, VALUE_NAME, 0, winreg.REG_SZ, command())
        else:
            try:
                winreg.DeleteValue(key, VALUE_NAME)
            except FileNotFoundError:
                pass
