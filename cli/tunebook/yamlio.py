"""Safe YAML loading that remembers the line of every key, for provenance and error messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tunebook.errors import UserError

KeyPath = tuple[str | int, ...]


@dataclass
class Tracked:
    """A YAML document's data and the 1-based line of each key path in it."""

    data: Any
    path: Path
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, *key_path: str | int) -> int | None:
        """Line of the deepest known prefix of ``key_path`` (None if nothing matches)."""
        probe: KeyPath = tuple(key_path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return None


def read_text(path: Path) -> str:
    """A UTF-8 text file's contents, or a UserError saying why it cannot be read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError("file not found", file=path) from None
    except IsADirectoryError:
        raise UserError("is a directory, expected a YAML file", file=path) from None
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", file=path) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UserError(
            "not valid UTF-8 text", file=path, line=line, hint="save the file as UTF-8"
        ) from None


def load_tracked(path: Path, text: str | None = None) -> Tracked:
    """Parse ``path`` with the safe loader (no object construction) and record key lines.

    Duplicate keys are an error (YAML would silently keep the last one)."""
    if text is None:
        text = read_text(path)
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:  # the reader rejects control characters up front
        raise UserError(f"invalid YAML: {exc}".splitlines()[0], file=path,
                        hint="remove control characters from the file") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return Tracked(data=None, path=path)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise UserError(
            f"invalid YAML: {problem}", file=path, line=line, hint="check indentation and quoting"
        ) from None
    except yaml.YAMLError as exc:
        raise UserError(f"invalid YAML: {str(exc).splitlines()[0]}", file=path) from None
    except RecursionError:
        raise UserError("YAML nested too deeply", file=path) from None
    finally:
        loader.dispose()
    tracked = Tracked(data=data, path=path)
    _record_lines(node, (), tracked)
    return tracked


def _record_lines(node: yaml.Node, prefix: KeyPath, tracked: Tracked) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen and key != "<<":
                raise UserError(
                    f"duplicate key '{key}' (first on line {seen[key]})",
                    file=tracked.path,
                    line=line,
                    field=".".join(str(p) for p in (*prefix, key)),
                    hint="remove one of them",
                )
            seen[key] = line
            tracked.lines[(*prefix, key)] = line
            _record_lines(value_node, (*prefix, key), tracked)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            tracked.lines[(*prefix, index)] = item.start_mark.line + 1
            _record_lines(item, (*prefix, index), tracked)


def dump_yaml(data: Any) -> str:
    """Block-style YAML with keys in insertion order."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
