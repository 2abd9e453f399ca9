"""Recipe -> presets: pick the task, model, hardware presets and the dataset files, and
merge the training knobs (task defaults < recipe), each value tagged with its origin."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tunebook.errors import UserError, did_you_mean
from tunebook.layering import merge_documents
from tunebook.presets import (
    PresetDoc,
    builtin_presets_root,
    iter_preset_docs,
    list_presets,
    load_preset_doc,
    search_path,
)
from tunebook.provenance import Origin
from tunebook.recipe import Recipe, load_recipe
from tunebook.yamlio import load_tracked

TRAINING_KNOBS = (
    "epochs", "learning_rate", "sequence_len", "effective_batch", "micro_batch_size",
    "gradient_checkpointing", "optimizer", "max_steps", "warmup_ratio", "lr_scheduler",
    "sample_packing", "seed",
)


@dataclass
class Knob:
    """A resolved setting and where it came from."""

    value: Any
    origin: Origin


@dataclass
class Resolved:
    """A recipe with its presets chosen and its settings merged."""

    recipe: Recipe
    defaults: PresetDoc
    task: PresetDoc
    model: PresetDoc
    hardware: PresetDoc
    gpus: Knob
    vram_gb: Knob | None
    machines: int
    method: Knob
    dataset_format: Knob
    train_files: list[Path]
    eval_files: list[Path]
    training: dict[str, Knob] = field(default_factory=dict)
    lora: dict[str, Knob] = field(default_factory=dict)

    @property
    def recipe_dir(self) -> Path:
        return self.recipe.path.parent

    @property
    def is_cpu(self) -> bool:
        return self.hardware.data.get("kind") == "cpu"

    def presets_used(self) -> list[PresetDoc]:
        return [self.defaults, self.task, self.model, self.hardware]


def resolve(recipe: Recipe) -> Resolved:
    """Choose presets for a loaded recipe and merge its knobs."""
    recipe_dir = recipe.path.parent
    defaults = load_defaults(recipe_dir)
    task = _preset_for(recipe, "tasks", recipe.data["task"], ("task",))
    model = _model_preset(recipe, task, recipe_dir)
    hw_section = recipe.get("hardware") or {}
    default_hw = defaults.data.get("hardware") or {}
    if "gpu" in hw_section:
        hardware = _preset_for(recipe, "hardware", hw_section["gpu"], ("hardware", "gpu"))
    else:
        hardware = load_preset_doc("hardware", default_hw.get("gpu", "rtx-4090"), recipe_dir)
    gpus = _knob(recipe, ("hardware", "gpus"), defaults, ("hardware", "gpus"), 1)
    vram = (
        Knob(hw_section["vram_gb"], recipe.origin("hardware", "vram_gb"))
        if "vram_gb" in hw_section else None
    )
    method = _knob(recipe, ("method",), None, (), "auto")
    fmt = (
        Knob(recipe.get("dataset", "format"), recipe.origin("dataset", "format"))
        if recipe.get("dataset", "format")
        else Knob(task.data.get("dataset_format", "chat"), _doc_origin(task, "task",
                                                                     "dataset_format"))
    )
    training = _training_knobs(recipe, task)
    lora = {
        key: Knob(value, recipe.origin("lora", key))
        for key, value in (recipe.get("lora") or {}).items()
    }
    return Resolved(
        recipe=recipe, defaults=defaults, task=task, model=model, hardware=hardware,
        gpus=gpus, vram_gb=vram, machines=int(hw_section.get("machines", 1)), method=method,
        dataset_format=fmt, train_files=_files(recipe, "path"),
        eval_files=_files(recipe, "eval_path"), training=training, lora=lora,
    )


def load_and_resolve(target: str) -> Resolved:
    """`load_recipe` then `resolve`."""
    return resolve(load_recipe(target))


def load_defaults(recipe_dir: Path | None = None) -> PresetDoc:
    """The first ``defaults.yaml`` on the preset search path."""
    for root in search_path(recipe_dir):
        path = root.path / "defaults.yaml"
        if path.is_file():
            return _doc_from_file("defaults", path, root.namespace)
    path = builtin_presets_root() / "defaults.yaml"
    return PresetDoc("defaults", "defaults", path, {"axolotl": {}})


def _doc_from_file(kind: str, path: Path, namespace: str) -> PresetDoc:
    import hashlib

    raw = path.read_bytes()
    tracked = load_tracked(path, raw.decode("utf-8", errors="replace"))
    if not isinstance(tracked.data, dict):
        raise UserError("must be a mapping of keys to values", file=path, line=1)
    data, where = merge_documents([tracked])
    digest = hashlib.sha256(raw).hexdigest()
    return PresetDoc(kind, path.stem, path, data, where, digest, namespace, [(path, digest)])


def _doc_origin(doc: PresetDoc, layer: str, *key_path: str | int) -> Origin:
    return Origin(layer, str(doc.file_of(*key_path)), doc.line_of(*key_path))


def _knob(recipe: Recipe, key_path: tuple[str, ...], doc: PresetDoc | None,
          doc_path: tuple[str, ...], fallback: Any) -> Knob:
    value = recipe.get(*key_path)
    if value is not None:
        return Knob(value, recipe.origin(*key_path))
    if doc is not None:
        node: Any = doc.data
        for key in doc_path:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            return Knob(node, _doc_origin(doc, "defaults", *doc_path))
    return Knob(fallback, Origin("tunebook"))


def _training_knobs(recipe: Recipe, task: PresetDoc) -> dict[str, Knob]:
    knobs: dict[str, Knob] = {}
    for key, value in (task.data.get("training") or {}).items():
        knobs[key] = Knob(value, _doc_origin(task, "task", "training", key))
    for key, value in (recipe.get("training") or {}).items():
        knobs[key] = Knob(value, recipe.origin("training", key))
    return knobs


def _preset_for(recipe: Recipe, kind: str, name: Any, key_path: tuple[str, ...]) -> PresetDoc:
    origin = recipe.origin(*key_path)
    try:
        return load_preset_doc(kind, str(name), recipe.path.parent)
    except UserError as exc:
        raise UserError(exc.bare_message, file=origin.file, line=origin.line,
                        field=".".join(key_path), hint=exc.hint) from None


def _model_preset(recipe: Recipe, task: PresetDoc, recipe_dir: Path) -> PresetDoc:
    if "model" in recipe.data:
        return find_model(str(recipe.data["model"]), recipe, recipe_dir)
    return _model_by_size(recipe, task, recipe_dir)


def find_model(value: str, recipe: Recipe | None, recipe_dir: Path | None) -> PresetDoc:
    """A model preset by name, by Hugging Face id, or a local model directory."""
    origin = recipe.origin("model") if recipe else Origin("cli")
    names = list_presets("models", recipe_dir)
    if value in names:
        return load_preset_doc("models", value, recipe_dir)
    for doc in iter_preset_docs("models", recipe_dir):
        hf_id = doc.data.get("hf_id")
        if isinstance(hf_id, str) and hf_id.lower() == value.lower():
            return doc
    local = Path(value).expanduser()
    if recipe is not None and not local.is_absolute():
        local = recipe.resolve_file(value, "model")
    if (local / "config.json").is_file():
        return local_model_doc(local)
    hint = did_you_mean(value, names) or (
        "use a preset from `tunebook presets list models`, its Hugging Face id, or a local "
        "model directory with config.json"
    )
    raise UserError(f"unknown model '{value}'", file=origin.file, line=origin.line,
                    field="model", hint=hint)


def local_model_doc(directory: Path) -> PresetDoc:
    """A model preset made on the fly from a local Hugging Face model directory."""
    import hashlib

    config_path = directory / "config.json"
    raw = config_path.read_bytes()
    try:
        config = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise UserError(f"invalid JSON: {exc}", file=config_path) from None
    arch = config.get("text_config", config) if isinstance(config, dict) else {}
    data = {
        "name": directory.name,
        "description": f"local model {directory}",
        "hf_id": str(directory),
        "family": arch.get("model_type", "local"),
        "architecture": arch,
        "chat_template": "tokenizer_default",
        "supports_system_role": True,
        "lora_target_modules": [
            "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj",
        ],
        "axolotl": {"base_model": str(directory), "chat_template": "tokenizer_default"},
    }
    digest = hashlib.sha256(raw).hexdigest()
    return PresetDoc("models", directory.name, config_path, data, {}, digest, "local",
                     [(config_path, digest)])


def _size_in_billions(size: str) -> float:
    match = re.fullmatch(r"([0-9.]+)([bBmM])", size.strip())
    if not match:
        return float("nan")
    number = float(match.group(1))
    return number if match.group(2).lower() == "b" else number / 1000


def _model_by_size(recipe: Recipe, task: PresetDoc, recipe_dir: Path) -> PresetDoc:
    wanted = str(recipe.data["model_size"])
    family = task.data.get("default_family")
    docs = [d for d in iter_preset_docs("models", recipe_dir) if d.data.get("params_b")]
    same_family = [d for d in docs if d.data.get("family") == family] or docs
    target = _size_in_billions(wanted)
    best = min(same_family, key=lambda d: abs(float(d.data["params_b"]) - target))
    origin = recipe.origin("model_size")
    got = float(best.data["params_b"])
    if abs(got - target) / max(target, 1e-9) > 0.5:
        raise UserError(
            f"no {family} model near {wanted} (closest: {best.name}, {got:g}B)",
            file=origin.file, line=origin.line, field="model_size",
            hint="set `model:` to a preset from `tunebook presets list models`",
        )
    return best


def _files(recipe: Recipe, key: str) -> list[Path]:
    value = recipe.get("dataset", key)
    if value is None:
        return []
    values = [value] if isinstance(value, str) else list(value)
    files = []
    for index, item in enumerate(values):
        key_path: tuple[str | int, ...] = ("dataset", key) if isinstance(value, str) else (
            "dataset", key, index)
        path = recipe.resolve_file(item, *key_path)
        if not path.is_file():
            origin = recipe.origin(*key_path)
            what = "is a directory, not a dataset file" if path.is_dir() else "not found"
            raise UserError(f"dataset file {what}: {path}", file=origin.file,
                            line=origin.line, field=".".join(map(str, key_path)),
                            hint="paths are relative to the recipe file that names them")
        files.append(path)
    return files


def read_labels(recipe: Recipe) -> list[str] | None:
    """classification: the recipe's labels (inline or a JSON file)."""
    labels = _inline_or_json_file(recipe, "labels", list)
    if labels is not None and not all(isinstance(x, str) for x in labels):
        origin = recipe.origin("labels")
        raise UserError("labels must be a list of strings", file=origin.file,
                        line=origin.line, field="labels")
    return labels


def read_output_schema(recipe: Recipe) -> dict[str, Any] | None:
    """extraction: the JSON Schema answers must match (inline or a file)."""
    return _inline_or_json_file(recipe, "output_schema", dict)


def _inline_or_json_file(recipe: Recipe, key: str, kind: type) -> Any:
    """A recipe value given inline, or as a path to a JSON file holding it."""
    value = recipe.get(key)
    if value is None or isinstance(value, kind):
        return value
    path = recipe.resolve_file(value, key)
    origin = recipe.origin(key)
    try:
        loaded = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}", file=origin.file, line=origin.line,
                        field=key) from None
    if not isinstance(loaded, kind):
        raise UserError(f"{path} must hold a JSON {'list' if kind is list else 'object'}",
                        file=origin.file, line=origin.line, field=key)
    return loaded


def lint_settings_for_recipe(target: str) -> Any:
    """`tunebook lint RECIPE`: the LintSettings of a recipe (builds the tiny model's
    tokenizer when the recipe uses it, so token counts are real)."""
    from tunebook.lint_gate import lint_settings

    resolved = load_and_resolve(target)
    model_dir = None
    if resolved.model.data.get("builder") == "tinymodel":
        from tunebook.tiny_data import tiny_model_for

        model_dir = tiny_model_for(resolved.model.data.get("architecture", {}),
                                   resolved.train_files)
    return lint_settings(resolved, model_dir)
