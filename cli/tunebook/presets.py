"""Presets: where they are found (the search path), how they are loaded (with line numbers
for provenance), and their identity (content hash) for lockfiles."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tunebook.errors import UserError, did_you_mean
from tunebook.yamlio import Tracked, load_tracked

PRESET_KINDS = ("models", "tasks", "methods", "hardware", "deepspeed")
PRESET_SUFFIXES = (".yaml", ".yml", ".json")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class PresetDoc:
    """One preset file: its kind, name, parsed data with key lines, and content hash."""

    kind: str
    name: str
    path: Path
    tracked: Tracked
    sha256: str

    @property
    def data(self) -> dict[str, Any]:
        return self.tracked.data

    def line_of(self, *key_path: str | int) -> int | None:
        return self.tracked.line_of(*key_path)


def builtin_presets_root() -> Path:
    """The shipped presets/ folder (repo checkout or installed wheel)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / "presets", here.parents[1] / "presets"):
        if candidate.is_dir():
            return candidate
    raise UserError("cannot find the built-in presets folder", hint="reinstall tunebook")


def search_path(recipe_dir: Path | None = None) -> list[Path]:
    """Preset roots, highest priority first: ``<recipe dir>/presets``, each directory in
    ``TUNEBOOK_PRESET_PATH``, the built-in presets."""
    roots: list[Path] = []
    if recipe_dir is not None:
        roots.append(recipe_dir / "presets")
    extra = os.environ.get("TUNEBOOK_PRESET_PATH", "")
    roots += [Path(p).expanduser() for p in extra.split(os.pathsep) if p]
    roots.append(builtin_presets_root())
    unique: list[Path] = []
    for root in roots:
        if root.is_dir() and all(root.resolve() != u.resolve() for u in unique):
            unique.append(root)
    return unique


def list_presets(kind: str, recipe_dir: Path | None = None) -> list[str]:
    """Names of the presets of one kind on the search path, sorted."""
    _check_kind(kind)
    names: set[str] = set()
    for root in search_path(recipe_dir):
        folder = root / kind
        if folder.is_dir():
            names.update(p.stem for p in folder.iterdir() if p.suffix in PRESET_SUFFIXES)
    return sorted(names)


def preset_candidates(kind: str, name: str, recipe_dir: Path | None = None) -> list[Path]:
    """Every file that defines preset ``name``, highest priority first (shadowing)."""
    _check_kind(kind)
    _check_name(kind, name)
    found: list[Path] = []
    for root in search_path(recipe_dir):
        for suffix in PRESET_SUFFIXES:
            path = root / kind / f"{name}{suffix}"
            if path.is_file():
                found.append(path)
    return found


def preset_path(kind: str, name: str, recipe_dir: Path | None = None) -> Path:
    """The file of preset ``name`` of ``kind``; a UserError with did-you-mean when unknown."""
    found = preset_candidates(kind, name, recipe_dir)
    if found:
        return found[0]
    hint = did_you_mean(name, list_presets(kind, recipe_dir)) or (
        f"run `tunebook presets list {kind}`"
    )
    raise UserError(f"unknown {_singular(kind)} preset '{name}'", hint=hint)


def load_preset_doc(kind: str, name: str, recipe_dir: Path | None = None) -> PresetDoc:
    """Load a preset with line numbers and content hash."""
    path = preset_path(kind, name, recipe_dir)
    raw = path.read_bytes()
    if path.suffix == ".json":
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise UserError(f"invalid JSON: {exc}", file=path) from None
        tracked = Tracked(data=data, path=path)
    else:
        tracked = load_tracked(path, raw.decode("utf-8", errors="replace"))
    if not isinstance(tracked.data, dict):
        raise UserError("a preset must be a mapping of keys to values", file=path, line=1)
    return PresetDoc(kind, name, path, tracked, hashlib.sha256(raw).hexdigest())


def load_preset(kind: str, name: str, recipe_dir: Path | None = None) -> dict[str, Any]:
    """A preset's data as plain Python objects (no provenance)."""
    return load_preset_doc(kind, name, recipe_dir).data


def iter_preset_docs(kind: str, recipe_dir: Path | None = None) -> list[PresetDoc]:
    """Every preset of one kind, loaded."""
    return [load_preset_doc(kind, name, recipe_dir) for name in list_presets(kind, recipe_dir)]


def _check_kind(kind: str) -> None:
    if kind not in PRESET_KINDS:
        hint = did_you_mean(kind, PRESET_KINDS) or f"one of {', '.join(PRESET_KINDS)}"
        raise UserError(f"unknown preset kind '{kind}'", hint=hint)


def _check_name(kind: str, name: str) -> None:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise UserError(
            f"'{name}' is not a valid {_singular(kind)} preset name",
            hint="preset names are letters, digits, '.', '-' and '_' (no paths)",
        )


def _singular(kind: str) -> str:
    return {"models": "model", "tasks": "task", "methods": "method"}.get(kind, kind)
