"""`tunebook new` and `tunebook presets new`: files written from commented templates,
rendered in jinja2's sandbox, never over an existing file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from tunebook.errors import UserError
from tunebook.runs import atomic_write

TEMPLATES = Path(__file__).resolve().parent / "templates"
TASK_HELP = {
    "tone": "change how the model sounds (style checks, ROUGE-L)",
    "classification": "answer with one label (accuracy, macro-F1)",
    "extraction": "answer with JSON matching a schema",
    "chat": "multi-turn assistant behaviour",
    "summarization": "condense an input into a summary",
    "completion": "continued training on raw text",
}


def render(template: str, **values: Any) -> str:
    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True,
                               autoescape=False)
    env.globals["col"] = _column
    env.filters["q"] = yaml_scalar
    return env.from_string((TEMPLATES / template).read_text(encoding="utf-8")).render(**values)


def yaml_scalar(value: object) -> str:
    """``value`` as a YAML scalar that reads back as the same string (quoted when needed),
    so nothing a user types can inject keys or structure into a generated file."""
    text = str(value)
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]*", text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def _column(text: str, width: int = 30) -> str:
    """``text`` padded so the comment after it starts at ``width`` (at least one space)."""
    return text + " " * max(1, width - len(text))


def write_once(path: Path, text: str) -> Path:
    """Write a new file; refuse to replace one (nothing the user wrote is overwritten)."""
    if path.exists():
        raise UserError("already exists; not overwriting it", file=path,
                        hint="pick another name or delete the file first")
    atomic_write(path, text)
    return path
