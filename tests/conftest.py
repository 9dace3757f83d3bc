"""Shared test set-up. Qt must be told to render offscreen before any QApplication exists."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
