"""Where a value came from: a file and line, or a named step such as the planner."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Origin:
    """The source of one value: ``layer`` (defaults, task, model, method, hardware, planner,
    recipe, overrides, cli, tunebook) plus the file and line when there is one."""

    layer: str
    file: str | None = None
    line: int | None = None

    def location(self) -> str:
        """``file:line`` relative to the working directory when possible, else the layer."""
        if self.file is None:
            return self.layer
        shown = display_path(self.file)
        return f"{shown}:{self.line}" if self.line else shown

    def to_dict(self) -> dict[str, object]:
        return {"layer": self.layer, "file": self.file, "line": self.line}


def display_path(path: str | Path) -> str:
    """A path relative to the current directory when it lies below it."""
    text = str(path)
    try:
        rel = os.path.relpath(text)
    except ValueError:
        return text
    return text if rel.startswith("..") else rel
