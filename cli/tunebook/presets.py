"""Presets: where they are found (the search path), how they are loaded (`extends`, line
numbers for provenance) and their identity (content hashes) for lockfiles.

Search path, highest priority first:
1. ``presets/`` beside the recipe,
2. each directory in ``TUNEBOOK_PRESET_PATH`` (e.g. a team's git checkout),
3. installed preset packs (entry point group ``tunebook.presets``),
4. the built-in presets.
The first file found wins; ``namespace/name`` picks one root explicitly
(``acme/llama-3.1-8b``); ``tunebook presets where`` shows what is shadowed."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from tunebook.errors import UserError, did_you_mean
from tunebook.layering import Where, lookup, merge_documents
from tunebook.yamlio import KeyPath, Tracked, load_tracked

PRESET_KINDS = ("models", "tasks", "methods", "hardware", "deepspeed")
PRESET_SUFFIXES = (".yaml", ".yml", ".json")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
ENTRY_POINT_GROUP = "tunebook.presets"
BUILTIN = "builtin"


@dataclass(frozen=True)
class PresetRoot:
    """One folder on the search path, with the namespace that names it."""

    namespace: str
    path: Path
    source: str  # recipe, env, pack, builtin


@dataclass
class PresetDoc:
    """A preset with its `extends` chain merged: data, the file and line of every key,
    and the files (with sha256) it was made from, this one first."""

    kind: str
    name: str
    path: Path
    data: dict[str, Any]
    where: dict[KeyPath, Where] = field(default_factory=dict)
    sha256: str = ""
    namespace: str = BUILTIN
    chain: list[tuple[Path, str]] = field(default_factory=list)

    def line_of(self, *key_path: str | int) -> int | None:
        found = lookup(self.where, key_path)
        return found[1] if found else None

    def file_of(self, *key_path: str | int) -> Path:
        found = lookup(self.where, key_path)
        return found[0] if found else self.path

    @property
    def qualified_name(self) -> str:
        return f"{self.namespace}/{self.name}"


def builtin_presets_root() -> Path:
    """The shipped presets/ folder (repo checkout or installed wheel)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / "presets", here.parents[1] / "presets"):
        if candidate.is_dir():
            return candidate
    raise UserError("cannot find the built-in presets folder", hint="reinstall tunebook")


def search_path(recipe_dir: Path | None = None) -> list[PresetRoot]:
    """The preset roots, highest priority first (see the module docstring)."""
    roots: list[PresetRoot] = []
    if recipe_dir is not None:
        roots.append(PresetRoot("local", recipe_dir / "presets", "recipe"))
    extra = os.environ.get("TUNEBOOK_PRESET_PATH", "")
    for item in (p for p in extra.split(os.pathsep) if p):
        path = Path(item).expanduser()
        roots.append(PresetRoot(path.resolve().name, path, "env"))
    roots += [PresetRoot(name, path, "pack") for name, path in _installed_packs()]
    roots.append(PresetRoot(BUILTIN, builtin_presets_root(), "builtin"))
    unique: list[PresetRoot] = []
    for root in roots:
        if root.path.is_dir() and all(root.path.resolve() != u.path.resolve() for u in unique):
            unique.append(root)
    return unique


@lru_cache(maxsize=1)
def _installed_packs() -> tuple[tuple[str, Path], ...]:
    """(namespace, presets folder) of each installed pack. An entry point names a callable
    returning the folder, or a module whose folder holds ``presets/``."""
    from importlib.metadata import entry_points

    packs = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            target = ep.load()
        except Exception as exc:  # a broken pack must not break tunebook
            raise UserError(f"preset pack '{ep.name}' failed to load: {exc}",
                            hint=f"reinstall it or `pip uninstall` the package of {ep.value}"
                            ) from None
        folder = target() if callable(target) else Path(target.__file__).parent / "presets"
        packs.append((ep.name, Path(folder)))
    return tuple(sorted(packs))


def _split_name(name: str) -> tuple[str | None, str]:
    if isinstance(name, str) and name.count("/") == 1:
        namespace, _, short = name.partition("/")
        return namespace, short
    return None, name


def list_presets(kind: str, recipe_dir: Path | None = None) -> list[str]:
    """Names of the presets of one kind on the search path, sorted."""
    _check_kind(kind)
    names: set[str] = set()
    for root in search_path(recipe_dir):
        folder = root.path / kind
        if folder.is_dir():
            names.update(p.stem for p in folder.iterdir() if p.suffix in PRESET_SUFFIXES)
    return sorted(names)


def preset_candidates(
    kind: str, name: str, recipe_dir: Path | None = None
) -> list[tuple[PresetRoot, Path]]:
    """Every (root, file) defining preset ``name``, highest priority first."""
    _check_kind(kind)
    namespace, short = _split_name(name)
    _check_name(kind, short)
    if namespace is not None and not NAME_RE.match(namespace):
        raise UserError(f"'{name}' is not a valid {_singular(kind)} preset name",
                        hint="use NAME or NAMESPACE/NAME")
    found = []
    for root in search_path(recipe_dir):
        if namespace is not None and root.namespace != namespace:
            continue
        for suffix in PRESET_SUFFIXES:
            path = root.path / kind / f"{short}{suffix}"
            if path.is_file():
                found.append((root, path))
    return found


def preset_path(kind: str, name: str, recipe_dir: Path | None = None) -> Path:
    """The file of preset ``name`` of ``kind``; a UserError with did-you-mean when unknown."""
    return _find(kind, name, recipe_dir)[1]


def _find(kind: str, name: str, recipe_dir: Path | None) -> tuple[PresetRoot, Path]:
    found = preset_candidates(kind, name, recipe_dir)
    if found:
        return found[0]
    namespace, short = _split_name(name)
    if namespace is not None:
        spaces = sorted({r.namespace for r in search_path(recipe_dir)})
        if namespace not in spaces:
            raise UserError(f"no preset namespace '{namespace}'",
                            hint=f"known namespaces: {', '.join(spaces)}")
    hint = did_you_mean(short, list_presets(kind, recipe_dir)) or (
        f"run `tunebook presets list {kind}`")
    raise UserError(f"unknown {_singular(kind)} preset '{name}'", hint=hint)


def load_preset_doc(kind: str, name: str, recipe_dir: Path | None = None) -> PresetDoc:
    """Load a preset, merging its `extends` chain, with line numbers and hashes."""
    root, path = _find(kind, name, recipe_dir)
    chain: list[Tracked] = []
    hashes: list[tuple[Path, str]] = []
    seen: list[Path] = []
    current_root, current = root, path
    while True:
        if current in seen:
            names = " -> ".join(p.name for p in [*seen, current])
            raise UserError(f"`extends` cycle: {names}", file=seen[-1], field="extends",
                            hint="remove one of the `extends` links")
        seen.append(current)
        tracked, digest = _read(current)
        chain.append(tracked)
        hashes.append((current, digest))
        parent = tracked.data.get("extends")
        if parent is None:
            break
        current_root, current = _parent(kind, parent, current_root, current, tracked,
                                        recipe_dir)
    chain.reverse()
    data, where = merge_documents(chain)
    data.pop("extends", None)
    return PresetDoc(kind, _split_name(name)[1], path, data, where, hashes[0][1],
                     root.namespace, hashes)


def _parent(kind: str, parent: Any, root: PresetRoot, child: Path, tracked: Tracked,
            recipe_dir: Path | None) -> tuple[PresetRoot, Path]:
    """A preset's parent: same kind; a plain name that equals the child's own name means
    'the next one down the search path' (override a built-in and extend it)."""
    line = tracked.line_of("extends")
    if not isinstance(parent, str):
        raise UserError("`extends` must be a preset name", file=child, line=line,
                        field="extends")
    try:
        found = preset_candidates(kind, parent, recipe_dir)
    except UserError as exc:
        raise UserError(exc.bare_message, file=child, line=line, field="extends",
                        hint=exc.hint) from None
    if parent == child.stem:
        found = [(r, p) for r, p in found if p.resolve() != child.resolve()]
        roots = [r for r, _ in found]
        found = found[roots.index(root) + 1:] if root in roots else found
    if not found:
        hint = did_you_mean(parent, list_presets(kind, recipe_dir))
        raise UserError(f"`extends` names an unknown {_singular(kind)} preset '{parent}'",
                        file=child, line=line, field="extends", hint=hint)
    return found[0]


def _read(path: Path) -> tuple[Tracked, str]:
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if path.suffix == ".json":
        try:
            tracked = Tracked(data=orjson.loads(raw), path=path)
        except orjson.JSONDecodeError as exc:
            raise UserError(f"invalid JSON: {exc}", file=path) from None
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UserError("not valid UTF-8 text", file=path) from None
        tracked = load_tracked(path, text)
    if not isinstance(tracked.data, dict):
        raise UserError("a preset must be a mapping of keys to values", file=path, line=1)
    return tracked, digest


def load_preset(kind: str, name: str, recipe_dir: Path | None = None) -> dict[str, Any]:
    """A preset's data as plain Python objects (no provenance)."""
    return load_preset_doc(kind, name, recipe_dir).data


def iter_preset_docs(kind: str, recipe_dir: Path | None = None) -> list[PresetDoc]:
    """Every preset of one kind (the winning file of each name), loaded."""
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
