"""Resolved recipe -> planner request -> Plan. The planner itself knows nothing of recipes."""

from __future__ import annotations

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


def make_plan(
    resolved: Resolved,
    *,
    gpu: str | None = None,
    gpus: int | None = None,
    vram_gb: float | None = None,
    dataset_tokens: int | None = None,
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
    )
    return plan_training(request)
