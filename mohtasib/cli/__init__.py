"""The ``mohtasib`` command line: thin commands over the library."""

from __future__ import annotations

from mohtasib.cli._main import cli, main

__all__ = ["cli", "main"]
