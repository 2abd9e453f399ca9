"""Merging documents that extend each other: mappings merge key by key, lists and scalars
replace, `+key` appends to an inherited list. Every key path remembers its file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tunebook.yamlio import KeyPath, Tracked

Where = tuple[Path, int | None]


def merge_documents(
    docs: list[Tracked], *, shallow: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], dict[KeyPath, Where]]:
    """Merge ``docs`` (base first, most derived last). Top-level keys in ``shallow`` merge
    one level only: their values replace whole (used for raw Axolotl `overrides`)."""
    merged: dict[str, Any] = {}
    where: dict[KeyPath, Where] = {}
    for doc in docs:
        _merge(merged, doc.data, (), (), doc, where, shallow)
    return merged, where


def _merge(
    target: dict[str, Any],
    source: dict[Any, Any],
    prefix: KeyPath,
    raw_prefix: KeyPath,
    doc: Tracked,
    where: dict[KeyPath, Where],
    shallow: frozenset[str],
) -> None:
    for raw_key, value in source.items():
        key = str(raw_key)
        append = key.startswith("+")
        key = key.lstrip("+")
        key_path, raw_path = (*prefix, key), (*raw_prefix, raw_key)
        where[key_path] = (doc.path, doc.line_of(*raw_path))
        existing = target.get(key)
        deep = not (prefix == () and key in shallow) or isinstance(existing, dict)
        if isinstance(value, dict) and isinstance(existing, dict) and deep:
            if prefix == () and key in shallow:
                for k, v in value.items():
                    existing[str(k)] = plain(v)
                    where[(*key_path, str(k))] = (doc.path, doc.line_of(*raw_path, k))
                continue
            _merge(existing, value, key_path, raw_path, doc, where, shallow)
            continue
        if append and isinstance(existing, list) and isinstance(value, list):
            target[key] = [*existing, *plain(value)]
        else:
            target[key] = plain(value)
        _record(value, key_path, raw_path, doc, where)


def _record(value: Any, key_path: KeyPath, raw_path: KeyPath, doc: Tracked,
            where: dict[KeyPath, Where]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            sub, raw_sub = (*key_path, str(k).lstrip("+")), (*raw_path, k)
            where[sub] = (doc.path, doc.line_of(*raw_sub))
            _record(v, sub, raw_sub, doc, where)


def plain(value: Any) -> Any:
    """A copy with `+` markers stripped from mapping keys."""
    if isinstance(value, dict):
        return {str(k).lstrip("+"): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def lookup(where: dict[KeyPath, Where], key_path: KeyPath) -> Where | None:
    """The file and line of ``key_path`` or of its deepest known prefix."""
    probe = tuple(key_path)
    while probe:
        if probe in where:
            return where[probe]
        probe = probe[:-1]
    return None
