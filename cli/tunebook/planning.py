"""Resolved recipe -> planner request -> Plan. The planner itself knows nothing of recipes."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from tunebook.errors import UserError
from tunebook.presets import load_preset_doc
from tunebook.resolve import Resolved

# Bytes of JSONL per trained token, for a quick estimate before the linter has counted
# (chat JSON carries keys and escapes: about 4.5 bytes per token of content).
BYTES_PER_TOKEN = 4.5


def estimate_dataset_tokens(files: list[Path]) -> int:
    """A cheap token estimate from file sizes (the linter's count replaces it when known)."""
    total = 0
    for path in files:
        try:
            total += path.stat().st_size
        except OSError:
            continue
    return int(total / BYTES_PER_TOKEN)


# Axolotl keys the planner decides; an override of one becomes a pin the plan must honour.
PLANNED_KEYS = {"micro_batch_size": "micro_batch_size",
                "gradient_checkpointing": "gradient_checkpointing",
                "sequence_len": "sequence_len"}


def pins_from_overrides(resolved: Resolved, cli_overrides: list[str]) -> dict[str, Any]:
    """Planner-controlled keys set in the recipe's `overrides` or on the command line, so the
    plan (memory, accumulation) is computed for them instead of silently contradicted."""
    from tunebook.compile import parse_cli_value

    pins: dict[str, Any] = {}
    for key, value in (resolved.recipe.get("overrides") or {}).items():
        if key in PLANNED_KEYS:
            pins[PLANNED_KEYS[key]] = value
    for item in cli_overrides:
        key, sep, raw = item.partition("=")
        if sep and key.strip() in PLANNED_KEYS:
            pins[PLANNED_KEYS[key.strip()]] = parse_cli_value(raw)
    return pins


def _stats_path(files: list[Path]) -> Path:
    """Cache file for the token statistics of exactly these files (path, size, mtime)."""
    import hashlib

    from tunebook.tiny_data import cache_root

    digest = hashlib.sha256()
    for path in files:
        stat = path.stat()
        digest.update(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return cache_root() / "token-stats" / f"{digest.hexdigest()[:24]}.json"


def remember_token_stats(files: list[Path], report: dict[str, Any]) -> None:
    """Keep the linter's token statistics so `plan` can size the run from the real data."""
    tokens = report.get("tokens") or {}
    examples = (report.get("summary") or {}).get("examples") or 0
    if not files or not tokens.get("p99") or not examples:
        return
    import orjson

    from tunebook.runs import atomic_write

    stats = {"p99": tokens["p99"], "max": tokens.get("max"), "p50": tokens.get("p50"),
             "examples": examples, "tokens": int(tokens.get("p50", 0)) * int(examples),
             "tokenizer": tokens.get("tokenizer")}
    with contextlib.suppress(OSError):  # a cache: never fail a lint for it
        atomic_write(_stats_path(files), orjson.dumps(stats))


def recall_token_stats(files: list[Path]) -> dict[str, Any] | None:
    """The linter's token statistics for these files, when it has counted them."""
    import orjson

    try:
        return orjson.loads(_stats_path(files).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None


def sequence_len_from_p99(p99: int, model_max: int | None) -> int:
    """The dataset's p99 token length rounded up to a multiple of 256 (at least 256), capped
    at the model's context: long enough for 99% of examples without padding waste."""
    length = max(256, -(-int(p99) // 256) * 256)
    return min(length, int(model_max)) if model_max else length


def make_plan(
    resolved: Resolved,
    *,
    gpu: str | None = None,
    gpus: int | None = None,
    vram_gb: float | None = None,
    dataset_tokens: int | None = None,
    pins: dict[str, Any] | None = None,
) -> Any:
    """Ask the planner how to train this recipe (``gpu``/``gpus``/``vram_gb`` ask what-if)."""
    from tunebook.planner import PlanRequest, plan_training

    hardware = resolved.hardware
    if gpu is not None:
        try:
            hardware = load_preset_doc("hardware", gpu, resolved.recipe_dir)
        except UserError as exc:
            raise UserError(exc.bare_message, field="--gpu", hint=exc.hint) from None
    training = {key: knob.value for key, knob in resolved.training.items()}
    stats = recall_token_stats(resolved.train_files)
    if stats is not None:
        seq_knob = resolved.training.get("sequence_len")
        if seq_knob is None or seq_knob.origin.layer != "recipe":
            model_max = (resolved.model.data.get("architecture") or {}).get(
                "max_position_embeddings")
            training["sequence_len"] = sequence_len_from_p99(stats["p99"], model_max)
        if dataset_tokens is None:
            dataset_tokens = int(stats["tokens"])
    training.update(pins or {})
    lora = {key: knob.value for key, knob in resolved.lora.items()}
    target_modules = lora.get("target_modules")
    request = PlanRequest(
        model=resolved.model.data,
        hardware=hardware.data,
        gpus=int(gpus if gpus is not None else resolved.gpus.value),
        vram_gb=vram_gb if vram_gb is not None else (
            resolved.vram_gb.value if resolved.vram_gb else None),
        method=str(resolved.method.value),
        sequence_len=int(training.get("sequence_len", 2048)),
        lora_r=int(lora.get("r", 16)),
        target_modules=target_modules if isinstance(target_modules, list) else None,
        effective_batch=int(training.get("effective_batch", 16)),
        micro_batch_size=training.get("micro_batch_size"),
        gradient_checkpointing=training.get("gradient_checkpointing"),
        optimizer=training.get("optimizer"),
        dataset_tokens=dataset_tokens if dataset_tokens is not None else (
            estimate_dataset_tokens(resolved.train_files)),
        epochs=float(training.get("epochs", 1)),
        max_steps=training.get("max_steps"),
        model_source=resolved.model,
        hardware_source=hardware,
    )
    return plan_training(request)
