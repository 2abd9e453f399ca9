"""Recipes: find them, load them (with `extends`), validate them, and remember where each
value came from."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tunebook.errors import UserError, did_you_mean, raise_collected
from tunebook.layering import merge_documents, plain
from tunebook.provenance import Origin
from tunebook.recipe_schema import RECIPE_SCHEMA
from tunebook.yamlio import KeyPath, Tracked, load_tracked

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
RECIPE_SUFFIXES = (".yaml", ".yml")


@dataclass
class Recipe:
    """A recipe with its `extends` chain merged. ``origins`` maps every key path to the file
    and line that set it (the most derived recipe wins)."""

    path: Path
    data: dict[str, Any]
    origins: dict[KeyPath, Origin] = field(default_factory=dict)
    chain: list[Path] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.data.get("name") or self.path.stem)

    def get(self, *key_path: str, default: Any = None) -> Any:
        """Nested lookup: ``recipe.get("training", "epochs")``."""
        node: Any = self.data
        for key in key_path:
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return node

    def origin(self, *key_path: str | int) -> Origin:
        """Where ``key_path`` (or its deepest known prefix) was set."""
        probe: KeyPath = tuple(key_path)
        while probe:
            if probe in self.origins:
                return self.origins[probe]
            probe = probe[:-1]
        return Origin("recipe", str(self.path), None)

    def resolve_file(self, value: str, *key_path: str | int) -> Path:
        """A path written in the recipe, relative to the file that wrote it."""
        candidate = Path(os.path.expanduser(value))
        if candidate.is_absolute():
            return candidate
        where = self.origin(*key_path).file
        base = Path(where).parent if where else self.path.parent
        return (base / candidate).resolve()


def recipe_dirs(cwd: Path | None = None) -> list[Path]:
    """Folders searched for recipe names, highest first: ./recipes, $TUNEBOOK_RECIPE_PATH,
    the recipes shipped in this checkout."""
    cwd = cwd or Path.cwd()
    dirs = [cwd / "recipes"]
    extra = os.environ.get("TUNEBOOK_RECIPE_PATH", "")
    dirs += [Path(p) for p in extra.split(os.pathsep) if p]
    shipped = Path(__file__).resolve().parents[2] / "recipes"
    dirs.append(shipped)
    unique: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    return unique


def list_recipes() -> list[str]:
    """Recipe names found on the recipe search path."""
    names: set[str] = set()
    for folder in recipe_dirs():
        names.update(p.stem for p in folder.iterdir()
                     if p.suffix in RECIPE_SUFFIXES and not p.stem.endswith(".lock"))
    return sorted(names)


def find_recipe(target: str, *, relative_to: Path | None = None) -> Path:
    """Resolve a recipe name or path to a file.

    A path (containing a separator or a YAML suffix) is taken as written; a bare name is
    looked up in ``relative_to`` first (for `extends`), then on the recipe search path.
    """
    looks_like_path = os.sep in target or "/" in target or target.endswith(RECIPE_SUFFIXES)
    if looks_like_path:
        base = relative_to or Path.cwd()
        path = Path(os.path.expanduser(target))
        path = path if path.is_absolute() else base / path
        if path.is_file():
            return path.resolve()
        raise UserError(
            f"recipe file '{target}' not found", hint="give a recipe name or an existing file"
        )
    if not NAME_RE.match(target):
        raise UserError(f"'{target}' is not a valid recipe name", hint="use letters, digits, .-_")
    folders = ([relative_to] if relative_to else []) + recipe_dirs()
    for folder in folders:
        for suffix in RECIPE_SUFFIXES:
            path = folder / f"{target}{suffix}"
            if path.is_file():
                return path.resolve()
    hint = did_you_mean(target, list_recipes()) or "run `ls recipes/` or give a path"
    raise UserError(f"no recipe named '{target}'", hint=hint)


def load_recipe(target: str | Path) -> Recipe:
    """Find, parse, validate and merge a recipe and everything it extends."""
    path = target if isinstance(target, Path) else find_recipe(target)
    layers = _load_chain(path.resolve())
    merged, where = merge_documents(layers, shallow=frozenset({"overrides"}))
    origins = {key: Origin("recipe", str(file), line) for key, (file, line) in where.items()}
    merged.pop("extends", None)
    recipe = Recipe(path=path.resolve(), data=merged, origins=origins,
                    chain=[t.path for t in reversed(layers)])
    _check_complete(recipe)
    return recipe


def _load_chain(path: Path) -> list[Tracked]:
    chain: list[Tracked] = []
    seen: list[Path] = []
    current: Path | None = path
    while current is not None:
        if current in seen:
            names = " -> ".join(p.name for p in [*seen, current])
            raise UserError(f"`extends` cycle: {names}", file=seen[-1], field="extends",
                            hint="remove one of the `extends` links")
        seen.append(current)
        tracked = load_tracked(current)
        if tracked.data is None:
            raise UserError("the recipe is empty", file=current,
                            hint="start from `recipes/support-tone.yaml`")
        if not isinstance(tracked.data, dict):
            raise UserError("a recipe must be a mapping of keys to values", file=current, line=1)
        validate_document(tracked)
        chain.append(tracked)
        parent = tracked.data.get("extends")
        if parent is None:
            current = None
        else:
            try:
                current = find_recipe(parent, relative_to=current.parent)
            except UserError as exc:
                raise UserError(exc.bare_message, file=current,
                                line=tracked.line_of("extends"), field="extends",
                                hint=exc.hint) from None
    chain.reverse()
    return chain


# ---------------------------------------------------------------- validation


def validate_document(tracked: Tracked) -> None:
    """Check one recipe file against the schema; report every problem at once."""
    problems: list[UserError] = []
    _unknown_keys(tracked.data, RECIPE_SCHEMA, (), tracked, problems)
    problems += _schema_errors(tracked)
    raise_collected(problems)


def _object_schema(schema: dict[str, Any], value: Any) -> dict[str, Any] | None:
    if "properties" in schema:
        return schema
    for branch in schema.get("anyOf", []):
        if "properties" in branch and isinstance(value, dict):
            return branch
    return None


def _unknown_keys(
    data: Any, schema: dict[str, Any], prefix: KeyPath, tracked: Tracked,
    problems: list[UserError],
) -> None:
    obj = _object_schema(schema, data)
    if obj is None or not isinstance(data, dict):
        return
    props: dict[str, Any] = obj["properties"]
    for raw_key, value in data.items():
        key = str(raw_key).lstrip("+")
        if key in props:
            _unknown_keys(value, props[key], (*prefix, key), tracked, problems)
        elif obj.get("additionalProperties") is False:
            dotted = ".".join(str(p) for p in (*prefix, key))
            hint = did_you_mean(key, list(props))
            if hint is None and not prefix:
                hint = "raw Axolotl keys go under `overrides:`"
            problems.append(UserError(
                f"unknown key '{key}'", file=tracked.path,
                line=tracked.line_of(*prefix, raw_key), field=dotted,
                hint=hint or f"valid keys: {', '.join(props)}",
            ))


def _schema_errors(tracked: Tracked) -> list[UserError]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(RECIPE_SCHEMA)
    problems: list[UserError] = []
    data = plain(tracked.data)
    errors = [e for top in validator.iter_errors(data) for e in _specific(top)]
    for error in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
        if error.validator == "additionalProperties":
            continue  # reported with a did-you-mean by _unknown_keys
        key_path = tuple(error.absolute_path)
        dotted = ".".join(str(p) for p in key_path) or "(top level)"
        problems.append(UserError(
            _describe(error), file=tracked.path, line=tracked.line_of(*key_path) or 1,
            field=dotted, hint=_schema_hint(error),
        ))
    return problems


def _specific(error: Any) -> list[Any]:
    """For `anyOf` errors on a mapping or list, the errors inside the branch of that shape
    (so `tags: [a, 1]` says which item is wrong rather than "wrong type")."""
    if error.validator != "anyOf" or not error.context:
        return [error]
    shape = "object" if isinstance(error.instance, dict) else (
        "array" if isinstance(error.instance, list) else None)
    if shape is None:
        return [error]
    inner = [e for e in error.context
             if e.validator not in ("type", "const", "enum") or e.absolute_path]
    branch = [e for e in inner if error.validator_value[e.schema_path[0]].get("type") == shape]
    return branch or [error]


def _describe(error: Any) -> str:
    value = error.instance
    shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    if error.validator == "enum":
        return f"{shown} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "type":
        return f"expected {error.validator_value}, got {shown}"
    if error.validator == "anyOf":
        return f"{shown} has the wrong type"
    if error.validator == "pattern":
        return f"{shown} does not look right"
    return f"{shown}: {error.message}"


def _schema_hint(error: Any) -> str | None:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "enum" and isinstance(error.instance, str):
        return did_you_mean(error.instance, [str(v) for v in error.validator_value])
    return schema.get("description")


def _check_complete(recipe: Recipe) -> None:
    problems: list[UserError] = []
    if "task" not in recipe.data:
        problems.append(UserError("missing `task`", file=recipe.path, field="task",
                                  hint="one of tone, classification, extraction, chat, "
                                  "summarization, completion"))
    if "model" not in recipe.data and "model_size" not in recipe.data:
        problems.append(UserError("missing `model` (or `model_size`)", file=recipe.path,
                                  field="model", hint="e.g. `model: qwen2.5-7b`; see "
                                  "`tunebook presets list models`"))
    if "model" in recipe.data and "model_size" in recipe.data:
        origin = recipe.origin("model_size")
        problems.append(UserError("give `model` or `model_size`, not both", file=origin.file,
                                  line=origin.line, field="model_size",
                                  hint="remove one of them"))
    if "dataset" not in recipe.data or "path" not in (recipe.get("dataset") or {}):
        problems.append(UserError("missing `dataset.path`", file=recipe.path, field="dataset",
                                  hint="e.g. `dataset: {path: data/train.jsonl}`"))
    raise_collected(problems)
