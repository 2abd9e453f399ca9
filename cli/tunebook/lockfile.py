"""Lockfiles: exactly what made a config (recipe files, presets, datasets, versions), so a
later run can refuse when anything changed (`tunebook lock`, `tunebook train --locked`)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import yaml

from tunebook import __version__
from tunebook.compile import Compiled
from tunebook.errors import UserError
from tunebook.versions import stack_versions

LOCKED_VERSIONS = ("tunebook", "axolotl", "transformers", "peft")


def lock_path(recipe_path: Path) -> Path:
    """``recipes/support-tone.yaml`` -> ``recipes/support-tone.lock.yaml``."""
    return recipe_path.with_name(f"{recipe_path.stem}.lock.yaml")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _rel(path: Path, base: Path) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:
        return str(path)


def build_lock(compiled: Compiled) -> dict[str, Any]:
    """The lock data of a compiled recipe. Paths are relative to the recipe's folder."""
    resolved = compiled.resolved
    recipe = resolved.recipe
    base = recipe.path.parent
    versions = stack_versions()
    return {
        "tunebook_version": __version__,
        "recipe": {
            "name": recipe.name,
            "files": [{"path": _rel(p, base), "sha256": file_sha256(p)} for p in recipe.chain],
            "resolved": recipe.data,
        },
        "presets": [
            {"kind": d.kind, "name": d.name, "namespace": d.namespace,
             "version": d.data.get("version"), "path": _rel(d.path, base),
             "sha256": d.sha256,
             "extends": [{"path": _rel(p, base), "sha256": h} for p, h in d.chain[1:]]}
            for d in compiled.presets_used()
        ],
        "datasets": [
            {"role": role, "path": _rel(p, base), "sha256": file_sha256(p),
             "bytes": p.stat().st_size}
            for role, files in (("train", resolved.train_files), ("eval", resolved.eval_files))
            for p in files
        ],
        "versions": {name: versions.get(name) for name in LOCKED_VERSIONS},
        "plan": compiled.plan.to_dict(),
    }


def dump_lock(data: dict[str, Any]) -> str:
    header = ("# Written by `tunebook lock`. `tunebook train --locked` refuses to run when a\n"
              "# recipe file, preset, dataset or version differs from what is recorded here.\n")
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def read_lock(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError("no lockfile", file=path,
                        hint=f"run `tunebook lock {path.name.removesuffix('.lock.yaml')}`"
                        ) from None
    except yaml.YAMLError as exc:
        raise UserError(f"unreadable lockfile: {exc}", file=path) from None
    if not isinstance(data, dict):
        raise UserError("unreadable lockfile: not a mapping", file=path)
    return data


def lock_differences(locked: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Human lines saying what changed between a lockfile and the current state."""
    changes: list[str] = []
    changes += _compare_files("recipe file", locked.get("recipe", {}).get("files", []),
                              current["recipe"]["files"])
    changes += _compare_presets(locked.get("presets", []), current["presets"])
    changes += _compare_files("dataset", locked.get("datasets", []), current["datasets"])
    for name in LOCKED_VERSIONS:
        was = (locked.get("versions") or {}).get(name)
        now = current["versions"].get(name)
        if was != now:
            changes.append(f"{name} version: {was} -> {now}")
    return changes


def _compare_files(what: str, before: list[dict], after: list[dict]) -> list[str]:
    old = {f.get("path"): f.get("sha256") for f in before if isinstance(f, dict)}
    new = {f["path"]: f["sha256"] for f in after}
    lines = [f"{what} {p} changed (sha256 {old[p][:12]} -> {new[p][:12]})"
             for p in new if p in old and old[p] != new[p]]
    lines += [f"{what} {p} is new" for p in new if p not in old]
    lines += [f"{what} {p} is no longer used" for p in old if p not in new]
    return lines


def _compare_presets(before: list[dict], after: list[dict]) -> list[str]:
    def key(p: dict) -> str:
        return f"{p.get('kind')}/{p.get('name')}"

    old = {key(p): p for p in before if isinstance(p, dict)}
    lines = []
    for preset in after:
        was = old.pop(key(preset), None)
        if was is None:
            lines.append(f"preset {key(preset)} is new ({preset['path']})")
        elif was.get("sha256") != preset["sha256"] or was.get("extends") != preset["extends"]:
            lines.append(f"preset {key(preset)} changed ({preset['path']}: sha256 "
                         f"{str(was.get('sha256'))[:12]} -> {preset['sha256'][:12]}, version "
                         f"{was.get('version')} -> {preset.get('version')})")
        elif was.get("path") != preset["path"]:
            lines.append(f"preset {key(preset)} now comes from {preset['path']} "
                         f"(was {was.get('path')})")
    lines += [f"preset {k} is no longer used" for k in old]
    return lines
