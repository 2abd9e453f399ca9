"""Shared rich consoles: results to stdout, progress and messages to stderr."""

from __future__ import annotations

import sys

from rich.console import Console

# Piped output (CI logs, `| less`) gets a wide fixed width instead of rich's 80 columns.
_WIDTH = None if sys.stdout.isatty() else 160
out = Console(highlight=False, width=_WIDTH)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 160)
