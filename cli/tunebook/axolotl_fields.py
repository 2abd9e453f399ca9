"""A shipped snapshot of Axolotl's config fields, and the fast checks built on it.

``compile``, ``explain`` and ``plan`` must not import Axolotl (it pulls in torch: ~10 s), yet
they should catch a misspelt key at once. So the field names, simplified types and enums of
Axolotl's pydantic input config are generated from the installed Axolotl and shipped as JSON,
one file per supported version. Reading it takes a few milliseconds.

    python -m tunebook.axolotl_fields --write   # regenerate from the installed Axolotl
    python -m tunebook.axolotl_fields --check   # exit 1 if the shipped snapshot is stale
"""

from __future__ import annotations

import difflib
import enum
import functools
import json
import sys
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

DEFAULT_VERSION = "0.19.0"
DATA_DIR = Path(__file__).parent / "data" / "axolotl_fields"
_SCALARS = {bool: "bool", int: "int", float: "float", str: "str"}


# --------------------------------------------------------------------------- reading


@functools.cache
def load_fields(version: str | None = None) -> dict[str, dict]:
    """Field name -> {"type", "enum"?, "nested"?} for one Axolotl version (default: 0.19.0)."""
    path = DATA_DIR / f"axolotl-{version or DEFAULT_VERSION}.json"
    if not path.is_file():
        shipped = sorted(p.stem.removeprefix("axolotl-") for p in DATA_DIR.glob("axolotl-*.json"))
        raise FileNotFoundError(
            f"no Axolotl field snapshot for version {version}; shipped: {', '.join(shipped)}"
        )
    return json.loads(path.read_text(encoding="utf-8"))["fields"]


def closest_field(
    name: str, nested: str | None = None, *, version: str | None = None
) -> str | None:
    """The known field nearest to ``name`` (top level, or inside ``nested`` like "datasets")."""
    fields = load_fields(version)
    if nested is not None:
        fields = fields.get(nested, {}).get("nested", {})
    matches = difflib.get_close_matches(name, list(fields), n=1, cutoff=0.75)
    return matches[0] if matches else None


def unknown_keys(
    cfg: Mapping[str, Any],
    *,
    extra_fields: Iterable[str] = (),
    version: str | None = None,
    fields: dict[str, dict] | None = None,
) -> list[tuple[str, str | None]]:
    """Key paths Axolotl does not know (it drops them silently), each with a suggestion.

    Nested models are checked too: ``datasets[0].field_mesages`` -> ``field_messages``.
    ``extra_fields`` names top-level keys added by plugins; ``fields`` replaces the shipped
    snapshot (e.g. with :func:`fields_of` of the live model).
    """
    known = fields if fields is not None else load_fields(version)
    return _unknown(cfg, known, "", set(extra_fields))


def bad_values(
    cfg: Mapping[str, Any],
    *,
    version: str | None = None,
    fields: dict[str, dict] | None = None,
) -> list[tuple[str, str]]:
    """Key paths whose value is not one of the field's enum values or not of its simple type.
    ``fields`` replaces the shipped snapshot (e.g. with plugin fields added)."""
    return _bad(cfg, fields if fields is not None else load_fields(version), "")


def _unknown(
    cfg: Mapping[str, Any], fields: dict[str, dict], prefix: str, extra: set[str]
) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for key, value in cfg.items():
        path = f"{prefix}{key}"
        spec = fields.get(key)
        if spec is None:
            if key not in extra:
                near = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.75)
                found.append((path, near[0] if near else None))
            continue
        for sub_path, sub in _sub_configs(path, value, spec):
            found += _unknown(sub, spec["nested"], sub_path + ".", set())
    return found


def _bad(cfg: Mapping[str, Any], fields: dict[str, dict], prefix: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for key, value in cfg.items():
        spec = fields.get(key)
        if spec is None or value is None:
            continue
        path = f"{prefix}{key}"
        if not _matches(value, spec):
            if spec["type"] == "enum":
                allowed = ", ".join(repr(v) for v in spec["enum"])
                found.append((path, f"{value!r} is not one of {allowed}"))
            else:
                found.append((path, f"expected {spec['type']}, got {value!r}"))
        for sub_path, sub in _sub_configs(path, value, spec):
            found += _bad(sub, spec["nested"], sub_path + ".")
    return found


def _sub_configs(path: str, value: Any, spec: dict) -> list[tuple[str, Mapping[str, Any]]]:
    """The nested config mappings inside ``value`` (a model, or a list of models)."""
    if "nested" not in spec:
        return []
    if isinstance(value, Mapping):
        return [(path, value)]
    if isinstance(value, list):
        return [(f"{path}[{i}]", v) for i, v in enumerate(value) if isinstance(v, Mapping)]
    return []


def _is_hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _matches(value: Any, spec: dict) -> bool:
    """Whether ``value`` fits the field's simplified type (about as lax as pydantic)."""
    alts = [alt.strip() for alt in _split_union(spec["type"])]
    if sorted(alts) == ["float", "str"]:  # e.g. learning_rate: a validator parses the string
        return _matches_one(value, "float")
    for alt in alts:
        if alt == "enum":
            if _is_hashable(value) and value in spec.get("enum", ()):
                return True
        elif _matches_one(value, alt):
            return True
    return False


def _matches_one(value: Any, t: str) -> bool:
    if t == "any":
        return True
    if t == "object":
        return isinstance(value, Mapping)
    if t == "bool":
        return isinstance(value, bool) or value in (0, 1, "true", "false", "True", "False")
    if t == "int":
        return (isinstance(value, int) and not isinstance(value, bool)) or _is_int_text(value)
    if t == "float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return True
        return isinstance(value, str) and _is_float_text(value)
    if t == "str":
        return isinstance(value, str)
    if t.startswith("list") or t.startswith("tuple"):
        return isinstance(value, list | tuple)
    if t.startswith("dict"):
        return isinstance(value, Mapping)
    return True  # a type the snapshot does not model precisely: accept


def _is_int_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lstrip("+-").isdigit()


def _is_float_text(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _split_union(type_str: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in type_str:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


# --------------------------------------------------------------------------- generating


def fields_of(model_cls: type) -> dict[str, dict]:
    """The field map of a pydantic model class (works on any pydantic v2 model)."""
    out: dict[str, dict] = {}
    for name, info in model_cls.model_fields.items():
        spec = _describe(info.annotation)
        out[name] = spec
        if info.alias and info.alias != name:
            out[info.alias] = spec
    return dict(sorted(out.items()))


def installed_snapshot() -> dict[str, Any]:
    """The snapshot of the installed Axolotl (imports axolotl: ~5-10 s)."""
    import axolotl
    from axolotl.utils.schemas.config import AxolotlConfigWCapabilities

    return {"axolotl_version": axolotl.__version__, "fields": fields_of(AxolotlConfigWCapabilities)}


def _describe(annotation: Any) -> dict[str, Any]:
    alts = [a for a in _flatten(annotation) if a is not type(None)]
    enum_values: list[Any] = []
    models: list[type] = []
    names: list[str] = []
    for alt in alts:
        origin = typing.get_origin(alt)
        if origin is typing.Literal:
            enum_values += list(typing.get_args(alt))
            continue
        if isinstance(alt, type) and issubclass(alt, enum.Enum):
            enum_values += [m.value for m in alt]
            continue
        if origin in (list, tuple, set) and any(_is_model(a) for a in _flatten_args(alt)):
            models += [a for a in _flatten_args(alt) if _is_model(a)]
            names.append("list[object]")
        elif _is_model(alt):
            models.append(alt)
            names.append("object")
        else:
            names.append(_type_name(alt))
    spec: dict[str, Any] = {}
    if enum_values:
        names.insert(0, "enum")
        spec["enum"] = enum_values
    spec["type"] = " | ".join(dict.fromkeys(names)) or "any"
    if models:
        nested: dict[str, dict] = {}
        for model in models:
            for key, sub in fields_of(model).items():
                nested.setdefault(key, sub)
        spec["nested"] = dict(sorted(nested.items()))
    return spec


def _flatten(annotation: Any) -> list[Any]:
    """Unwrap Optional/Union/Annotated into the list of alternatives."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _flatten(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [a for arg in typing.get_args(annotation) for a in _flatten(arg)]
    return [annotation]


def _flatten_args(annotation: Any) -> list[Any]:
    return [a for arg in typing.get_args(annotation) for a in _flatten(arg)]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "model_fields")


def _type_name(tp: Any) -> str:
    if tp in _SCALARS:
        return _SCALARS[tp]
    origin = typing.get_origin(tp)
    if origin in (list, tuple, set):
        args = [a for a in _flatten_args(tp) if a is not type(None)]
        inner = " | ".join(dict.fromkeys(_type_name(a) for a in args)) if args else "any"
        return f"{'tuple' if origin is tuple else 'list'}[{inner}]"
    if origin is dict or tp is dict:
        return "dict"
    if origin is typing.Literal:
        return "enum"
    return "any"


# --------------------------------------------------------------------------- command line


def _snapshot_path(version: str) -> Path:
    return DATA_DIR / f"axolotl-{version}.json"


def _render(snapshot: dict[str, Any]) -> str:
    return json.dumps(snapshot, indent=1, sort_keys=True, default=str) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``--write`` regenerates the snapshot of the installed Axolotl; ``--check`` compares."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tunebook.axolotl_fields")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write the snapshot")
    mode.add_argument("--check", action="store_true", help="exit 1 if the snapshot is stale")
    args = parser.parse_args(argv)
    snapshot = installed_snapshot()
    path = _snapshot_path(snapshot["axolotl_version"])
    text = _render(snapshot)
    if args.write:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({len(snapshot['fields'])} fields)", file=sys.stderr)
        return 0
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        print(f"{path} is stale: run `python -m tunebook.axolotl_fields --write`", file=sys.stderr)
        return 1
    print(f"{path} is up to date", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
