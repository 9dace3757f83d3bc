"""The engine of Pulsa (see DESIGN.md)."""

__version__ = "0.1.0"  # the one place the version is written: pyproject, --version, the build and the installer read it
