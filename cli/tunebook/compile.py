"""Resolved recipe + plan -> an Axolotl config, every key tagged with its origin.

Layers, lowest first: defaults < task < model < method < hardware < planner < recipe <
recipe `overrides` < command-line `key=value` overrides."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tunebook import __version__
from tunebook.errors import UserError, raise_collected
from tunebook.presets import PresetDoc, load_preset_doc
from tunebook.provenance import Origin, display_path
from tunebook.resolve import Knob, Resolved

RUN_DIR_PLACEHOLDER = "<run_dir>"

# Recipe/task `training:` knob -> Axolotl key.
TRAINING_TO_AXOLOTL = {
    "epochs": "num_epochs",
    "learning_rate": "learning_rate",
    "sequence_len": "sequence_len",
    "max_steps": "max_steps",
    "warmup_ratio": "warmup_ratio",
    "lr_scheduler": "lr_scheduler",
    "sample_packing": "sample_packing",
    "seed": "seed",
    "micro_batch_size": "micro_batch_size",
    "gradient_checkpointing": "gradient_checkpointing",
}
LORA_TO_AXOLOTL = {"r": "lora_r", "alpha": "lora_alpha", "dropout": "lora_dropout",
                   "target_modules": "lora_target_modules"}
OPTIMIZER_TO_AXOLOTL = {"adamw": "adamw_torch", "adamw8bit": "adamw_bnb_8bit",
                        "paged_adamw8bit": "paged_adamw_8bit"}
# Axolotl rejects these pairs together: setting one in a higher layer replaces the other.
EXCLUSIVE = {
    "eval_steps": ("evals_per_epoch",),
    "evals_per_epoch": ("eval_steps",),
    "save_steps": ("saves_per_epoch",),
    "saves_per_epoch": ("save_steps",),
    "warmup_steps": ("warmup_ratio",),
    "warmup_ratio": ("warmup_steps",),
}
# Axolotl plugins every compiled config loads (tunebook_plugins, inside the training process).
PLUGINS = (
    "tunebook_plugins.run_control.RunControlPlugin",
    "tunebook_plugins.eval_hooks.EvalHooksPlugin",
    "tunebook_plugins.cost_guard.CostGuardPlugin",
)
# The held-out split written into a run directory when the recipe has no eval_path.
SPLIT_TRAIN, SPLIT_HELDOUT = "data/train.jsonl", "data/heldout.jsonl"
DEFAULT_HOLDOUT = 0.1
# Keys shown first in the written file; the rest follow in layer order.
KEY_ORDER = (
    "base_model", "chat_template", "datasets", "test_datasets", "val_set_size",
    "dataset_prepared_path", "output_dir", "sequence_len", "sample_packing", "adapter",
    "load_in_4bit", "lora_r", "lora_alpha", "lora_dropout", "lora_target_modules",
    "micro_batch_size", "gradient_accumulation_steps", "gradient_checkpointing", "num_epochs",
    "max_steps", "learning_rate", "optimizer", "deepspeed",
)


def preset_origin(doc: PresetDoc, layer: str, *key_path: str | int) -> Origin:
    """The file and line in a preset (or the preset it extends) that set ``key_path``."""
    return Origin(layer, str(doc.file_of(*key_path)), doc.line_of(*key_path))


@dataclass
class Layered:
    """An Axolotl config under construction: values plus the origin of each key."""

    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)

    def set(self, key: str, value: Any, origin: Origin) -> None:
        """Set ``key``; a key Axolotl treats as exclusive with another replaces it."""
        for partner in EXCLUSIVE.get(key, ()):
            self.drop(partner)
        self.values[key] = value
        self.origins[key] = origin

    def drop(self, key: str) -> None:
        self.values.pop(key, None)
        self.origins.pop(key, None)

    def apply_preset(self, doc: PresetDoc, layer: str) -> None:
        """Layer a preset's `axolotl:` section, each key with its file and line."""
        section = doc.data.get("axolotl") or {}
        if not isinstance(section, dict):
            raise UserError("`axolotl:` must be a mapping", file=doc.file_of("axolotl"),
                            line=doc.line_of("axolotl"), field="axolotl")
        for key, value in section.items():
            self.set(str(key), value, preset_origin(doc, layer, "axolotl", key))

    def ordered(self) -> dict[str, Any]:
        first = {k: self.values[k] for k in KEY_ORDER if k in self.values}
        rest = {k: v for k, v in self.values.items() if k not in first}
        return {**first, **rest}


@dataclass
class Compiled:
    """The compiled Axolotl config with origins, and what made it."""

    resolved: Resolved
    plan: Any
    method: PresetDoc
    deepspeed: PresetDoc | None
    config: dict[str, Any]
    origins: dict[str, Origin]
    cli_overrides: list[str] = field(default_factory=list)

    def presets_used(self) -> list[PresetDoc]:
        docs = [*self.resolved.presets_used(), self.method]
        return [*docs, self.deepspeed] if self.deepspeed else docs


def compile_config(
    resolved: Resolved,
    plan: Any,
    *,
    run_dir: Path | None = None,
    cli_overrides: list[str] | None = None,
    base_model_dir: Path | None = None,
) -> Compiled:
    """Layer every source into one Axolotl config. Pure: writes nothing.

    ``run_dir`` None leaves ``<run_dir>`` placeholders in paths (for explain)."""
    recipe_dir = resolved.recipe_dir
    method = load_preset_doc("methods", plan.method, recipe_dir)
    deepspeed = (load_preset_doc("deepspeed", plan.deepspeed_preset, recipe_dir)
                 if getattr(plan, "deepspeed_preset", None) else None)
    run = str(run_dir) if run_dir else RUN_DIR_PLACEHOLDER
    cfg = Layered()

    cfg.apply_preset(resolved.defaults, "defaults")
    cfg.apply_preset(resolved.task, "task")
    _apply_training(cfg, {k: v for k, v in resolved.training.items()
                          if v.origin.layer == "task"})
    cfg.apply_preset(resolved.model, "model")
    _apply_base_model(cfg, resolved, base_model_dir)
    cfg.apply_preset(method, "method")
    if method.data.get("adapter"):
        _apply_target_modules(cfg, resolved)
    else:
        for key in ("lora_r", "lora_alpha", "lora_dropout", "lora_target_modules"):
            cfg.drop(key)
        _scale_learning_rate(cfg, method)
    cfg.apply_preset(resolved.hardware, "hardware")

    planner = Origin("planner", f"{run}/plan.json")
    for key, value in plan.axolotl_keys().items():
        cfg.set(key, value, planner)
    if deepspeed is not None:
        cfg.set("deepspeed", f"{run}/deepspeed.json",
                Origin("planner", str(deepspeed.path), None))

    _apply_training(cfg, {k: v for k, v in resolved.training.items()
                          if v.origin.layer == "recipe"})
    for key, knob in resolved.lora.items():
        if not method.data.get("adapter"):
            continue
        if key == "target_modules" and knob.value == "all-linear":
            cfg.drop("lora_target_modules")
            cfg.set("lora_target_linear", True, knob.origin)
        else:
            cfg.set(LORA_TO_AXOLOTL[key], knob.value, knob.origin)
    _apply_datasets(cfg, resolved, run)
    _apply_tracking(cfg, resolved, run)
    tunebook = Origin("tunebook")
    cfg.set("plugins", list(PLUGINS), tunebook)
    _apply_eval_hooks(cfg, resolved, run)
    _apply_budget(cfg, resolved)
    cfg.set("output_dir", f"{run}/output", tunebook)
    cfg.set("dataset_prepared_path", f"{run}/prepared", tunebook)

    _apply_overrides(cfg, resolved)
    _apply_cli_overrides(cfg, cli_overrides or [])
    return Compiled(resolved, plan, method, deepspeed, cfg.ordered(), dict(cfg.origins),
                    list(cli_overrides or []))


def _apply_training(cfg: Layered, knobs: dict[str, Knob]) -> None:
    for key, knob in knobs.items():
        if key in TRAINING_TO_AXOLOTL:
            cfg.set(TRAINING_TO_AXOLOTL[key], knob.value, knob.origin)
        elif key == "optimizer":
            cfg.set("optimizer", OPTIMIZER_TO_AXOLOTL[knob.value], knob.origin)


def _apply_base_model(cfg: Layered, resolved: Resolved, base_model_dir: Path | None) -> None:
    model = resolved.model
    if model.data.get("builder") == "tinymodel":
        origin = preset_origin(model, "model", "builder")
        shown = str(base_model_dir) if base_model_dir else "<tiny model built from the dataset>"
        cfg.set("base_model", shown, origin)
    elif "base_model" not in cfg.values and model.data.get("hf_id"):
        cfg.set("base_model", model.data["hf_id"],
                preset_origin(model, "model", "hf_id"))


def _apply_target_modules(cfg: Layered, resolved: Resolved) -> None:
    model = resolved.model
    modules = model.data.get("lora_target_modules")
    if modules and "lora_target_modules" not in cfg.values:
        cfg.set("lora_target_modules", list(modules),
                preset_origin(model, "model", "lora_target_modules"))


def _scale_learning_rate(cfg: Layered, method: PresetDoc) -> None:
    scale = method.data.get("lr_scale")
    origin = cfg.origins.get("learning_rate")
    if scale and "learning_rate" in cfg.values and origin and origin.layer == "task":
        cfg.set("learning_rate", float(cfg.values["learning_rate"]) * float(scale),
                preset_origin(method, "method", "lr_scale"))


def dataset_entry(fmt: str, path: Path, fields: dict[str, str]) -> dict[str, Any]:
    """One Axolotl `datasets:` entry for a file in one of tunebook's formats."""
    entry: dict[str, Any] = {"path": str(path), "ds_type": _ds_type(path), "split": "train"}
    if fmt == "chat":
        entry.update(type="chat_template", field_messages=fields.get("messages", "messages"),
                     message_property_mappings={"role": fields.get("role", "role"),
                                                "content": fields.get("content", "content")},
                     roles_to_train=["assistant"], train_on_eos="turn")
    elif fmt == "sharegpt":
        entry.update(type="chat_template",
                     field_messages=fields.get("conversations", "conversations"),
                     message_property_mappings={"role": fields.get("role", "from"),
                                                "content": fields.get("content", "value")},
                     roles={"user": ["human", "user"], "assistant": ["gpt", "assistant"],
                            "system": ["system"]},
                     roles_to_train=["assistant"], train_on_eos="turn")
    elif fmt == "alpaca":
        entry["type"] = "alpaca"
    elif fmt == "completion":
        entry.update(type="completion", field=fields.get("text", "text"))
    elif fmt == "input_output":
        entry["type"] = "input_output"
    return entry


def _ds_type(path: Path) -> str:
    return {".jsonl": "json", ".json": "json", ".parquet": "parquet", ".csv": "csv"}.get(
        path.suffix.lower(), "json")


def _apply_datasets(cfg: Layered, resolved: Resolved, run: str) -> None:
    """Train and held-out files. Without an eval_path, `write_run` splits the data into the
    run directory (a content hash decides, so the split is stable) and both point there."""
    recipe = resolved.recipe
    fmt = resolved.dataset_format.value
    fields = recipe.get("dataset", "fields") or {}
    cfg.drop("val_set_size")
    if resolved.eval_files:
        train = [dataset_entry(fmt, p, fields) for p in resolved.train_files]
        evals = [dataset_entry(fmt, p, fields) for p in resolved.eval_files]
        cfg.set("datasets", train, recipe.origin("dataset", "path"))
        cfg.set("test_datasets", evals, recipe.origin("dataset", "eval_path"))
        return
    origin = recipe.origin("eval", "holdout") if holdout_fraction(resolved) else Origin(
        "tunebook")
    cfg.set("datasets", [dataset_entry(fmt, Path(f"{run}/{SPLIT_TRAIN}"), fields)],
            recipe.origin("dataset", "path"))
    cfg.set("test_datasets", [dataset_entry(fmt, Path(f"{run}/{SPLIT_HELDOUT}"), fields)],
            origin)


def holdout_fraction(resolved: Resolved) -> float | None:
    """The recipe's `eval.holdout` (None when it sets none)."""
    value = resolved.recipe.get("eval", "holdout")
    return None if value is None else float(value)


def _apply_tracking(cfg: Layered, resolved: Resolved, run: str) -> None:
    """Weights & Biases: Axolotl's wandb_* keys; group and tags (which Axolotl 0.19 lacks)
    go to the eval-hooks plugin, which sets them on the run."""
    recipe = resolved.recipe
    tracking = recipe.get("tracking")
    if tracking in (None, "off", False):
        return
    if tracking is True:
        tracking = {}
    origin = recipe.origin("tracking")
    cfg.set("wandb_project", tracking.get("project", recipe.name),
            recipe.origin("tracking", "project") if "project" in tracking else origin)
    cfg.set("wandb_name", f"{recipe.name}-{Path(run).name}", origin)
    if "entity" in tracking:
        cfg.set("wandb_entity", tracking["entity"], recipe.origin("tracking", "entity"))
    if "group" in tracking:
        cfg.set("tunebook_wandb_group", tracking["group"], recipe.origin("tracking", "group"))
    if tracking.get("tags"):
        cfg.set("tunebook_wandb_tags", list(tracking["tags"]),
                recipe.origin("tracking", "tags"))


def _apply_budget(cfg: Layered, resolved: Resolved) -> None:
    """The cost guard's limits; dollars are priced with the hardware preset's hourly price."""
    recipe = resolved.recipe
    budget = recipe.get("budget") or {}
    for key in ("max_hours", "max_usd"):
        if key in budget:
            cfg.set(f"tunebook_budget_{key}", float(budget[key]), recipe.origin("budget", key))
    price = resolved.hardware.data.get("price_usd_per_hour")
    if budget and isinstance(price, (int, float)) and price > 0 and not resolved.is_cpu:
        per_hour = float(price) * int(resolved.gpus.value) * resolved.machines
        cfg.set("tunebook_price_usd_per_hour", round(per_hour, 4),
                preset_origin(resolved.hardware, "hardware", "price_usd_per_hour"))


def _apply_eval_hooks(cfg: Layered, resolved: Resolved, run: str) -> None:
    """Settings of the eval-hooks plugin: what to generate and score at each evaluation."""
    recipe = resolved.recipe
    tunebook = Origin("tunebook")
    cfg.set("tunebook_run_dir", run, tunebook)
    cfg.set("tunebook_task", str(recipe.data["task"]), recipe.origin("task"))
    eval_section = recipe.get("eval") or {}
    cfg.set("tunebook_eval_samples", int(eval_section.get("samples_per_eval", 8)),
            recipe.origin("eval", "samples_per_eval") if "samples_per_eval" in eval_section
            else tunebook)
    cfg.set("tunebook_eval_max_new_tokens", int(eval_section.get("max_new_tokens", 128)),
            recipe.origin("eval", "max_new_tokens") if "max_new_tokens" in eval_section
            else tunebook)
    if "max_samples" in eval_section:
        cfg.set("tunebook_eval_max_samples", int(eval_section["max_samples"]),
                recipe.origin("eval", "max_samples"))
    for key in ("must_include", "must_not_include"):
        if eval_section.get(key):
            cfg.set(f"tunebook_{key}", list(eval_section[key]), recipe.origin("eval", key))
    if recipe.get("labels") is not None:
        from tunebook.resolve import read_labels

        cfg.set("tunebook_labels", read_labels(recipe), recipe.origin("labels"))
    schema = recipe.get("output_schema")
    if isinstance(schema, str):
        cfg.set("tunebook_output_schema", str(recipe.resolve_file(schema, "output_schema")),
                recipe.origin("output_schema"))
    elif isinstance(schema, dict):
        cfg.set("tunebook_output_schema", f"{run}/output_schema.json",
                recipe.origin("output_schema"))


def _apply_overrides(cfg: Layered, resolved: Resolved) -> None:
    recipe = resolved.recipe
    for key, value in (recipe.get("overrides") or {}).items():
        cfg.set(str(key), value, recipe.origin("overrides", str(key)))


def _apply_cli_overrides(cfg: Layered, overrides: list[str]) -> None:
    problems: list[UserError] = []
    for item in overrides:
        if item.startswith("~") and "=" not in item:
            key = item[1:].strip()
            if key not in cfg.values:
                from tunebook.errors import did_you_mean

                problems.append(UserError(
                    f"'{item}': there is no key '{key}' to remove", field="override",
                    hint=did_you_mean(key, list(cfg.values)) or "`tunebook explain` lists them"))
            cfg.drop(key)
            continue
        key, sep, raw = item.partition("=")  # split on the first '=' only
        key = key.strip()
        if not sep or not key:
            problems.append(UserError(f"'{item}' is not key=value", field="override",
                                      hint="e.g. learning_rate=1e-4"))
            continue
        cfg.set(key, parse_cli_value(raw), Origin("cli"))
    raise_collected(problems)


def parse_cli_value(raw: str) -> Any:
    """A command-line value as YAML would read it, plus numbers YAML 1.1 misses (``1e-5``)."""
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        return raw
    if isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return value
    return value


# ---------------------------------------------------------------- output


def render_axolotl_yaml(compiled: Compiled, recipe_target: str) -> str:
    """The axolotl.yaml text: a header saying what made it, then the keys."""
    resolved = compiled.resolved
    recipe = resolved.recipe
    chain = " <- ".join(display_path(p) for p in recipe.chain)
    lines = [
        f"# Generated by tunebook {__version__} from {chain}. Do not edit:",
        f"# change the recipe and run `tunebook compile {recipe_target}`.",
        "# Presets: " + ", ".join(
            f"{d.kind}/{d.name} ({display_path(d.path)}, sha256 {d.sha256[:12]})"
            for d in compiled.presets_used()),
        f"# Plan: {_plan_summary(compiled.plan)}",
        f"# Where each key comes from: `tunebook explain {recipe_target}`",
    ]
    body = yaml.safe_dump(compiled.config, sort_keys=False, allow_unicode=True,
                          default_flow_style=False, width=100)
    return "\n".join(lines) + "\n" + body


def _plan_summary(plan: Any) -> str:
    parts = [f"{plan.method}", f"micro batch {plan.micro_batch_size} x accumulation "
             f"{plan.gradient_accumulation_steps}"]
    if plan.gradient_checkpointing:
        parts.append("gradient checkpointing")
    if plan.zero_stage:
        parts.append(f"ZeRO-{plan.zero_stage} (offload {plan.offload})")
    parts.append(f"predicted peak {plan.peak_gib:.1f} GiB")
    return ", ".join(parts)
