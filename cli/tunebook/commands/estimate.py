"""`tunebook estimate`: memory (and the plan) for one model without a recipe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from tunebook.errors import UserError

OPTIMIZER_CHOICES = ("adamw", "adamw8bit", "paged_adamw8bit")


def load_model(spec: str) -> dict[str, Any]:
    """A model preset by name, or a preset-shaped dict from an HF config.json path/folder."""
    path = Path(spec)
    if path.is_dir():
        path = path / "config.json"
    if path.suffix == ".json" or path.name == "config.json":
        if not path.is_file():
            raise UserError(f"no such file: {path}", field="--model")
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise UserError(f"not valid JSON: {exc.msg}", file=path, line=exc.lineno) from None
        if not isinstance(config, dict):
            raise UserError(
                f"not a config.json object (the file holds a JSON {_json_kind(config)})",
                file=path,
                field="--model",
                hint="pass an HF model's config.json, or a model preset name "
                "(`tunebook presets list models`)",
            )
        return {"name": path.parent.name or path.stem, "architecture": config}
    from tunebook.presets import load_preset

    return load_preset("models", spec)


def _json_kind(value: Any) -> str:
    return {list: "list", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def _model_source(spec: str) -> Path | None:
    """The config.json an ``--model`` spec reads, for error locations (None for a preset)."""
    path = Path(spec)
    if path.is_dir():
        path = path / "config.json"
    return path if path.suffix == ".json" or path.name == "config.json" else None


EPILOG = """\b
Examples:
  $ tunebook estimate --model llama-3.1-8b
  $ tunebook estimate --model llama-3.1-8b --method qlora --seq-len 4096 --json
  $ tunebook estimate --model qwen2.5-14b --method full --gpus 4 --zero 3
  $ tunebook estimate --model ./my-model/config.json --gpu rtx-4090
"""


@click.command(epilog=EPILOG)
@click.option(
    "--model",
    "model_spec",
    required=True,
    help="Model preset name, or a path to an HF config.json (or its folder).",
)
@click.option(
    "--method",
    type=click.Choice(["auto", "full", "lora", "qlora"]),
    default="auto",
    show_default=True,
    help="Training method; auto picks full, else LoRA, else QLoRA.",
)
@click.option("--lora-r", type=click.IntRange(1), default=16, show_default=True, help="LoRA rank.")
@click.option(
    "--seq-len",
    type=click.IntRange(1),
    default=2048,
    show_default=True,
    help="Packed sequence length.",
)
@click.option(
    "--micro-batch",
    type=click.IntRange(1),
    default=None,
    help="Pin the micro batch size (default: the largest that fits).",
)
@click.option(
    "--grad-ckpt/--no-grad-ckpt",
    default=None,
    help="Pin gradient checkpointing (default: only when needed).",
)
@click.option(
    "--gpus",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Number of GPUs (data parallel; ZeRO shards across them).",
)
@click.option(
    "--gpu",
    "gpu_name",
    default=None,
    help="Hardware preset (default: a100-80gb, or --vram-gb alone).",
)
@click.option("--vram-gb", type=float, default=None, help="Per-GPU memory budget.")
@click.option(
    "--zero",
    type=click.Choice(["0", "1", "2", "3"]),
    default=None,
    help="Pin the DeepSpeed ZeRO stage.",
)
@click.option(
    "--offload",
    type=click.Choice(["none", "optimizer", "all"]),
    default=None,
    help="Pin DeepSpeed CPU offload.",
)
@click.option(
    "--optimizer",
    type=click.Choice(OPTIMIZER_CHOICES),
    default=None,
    help="Pin the optimizer (default: adamw; paged_adamw8bit for QLoRA).",
)
@click.option(
    "--effective-batch",
    type=click.IntRange(1),
    default=16,
    show_default=True,
    help="Sequences per optimizer step: micro batch × accumulation × GPUs.",
)
@click.option(
    "--max-steps",
    type=click.IntRange(1),
    default=None,
    help="Stop after this many optimizer steps (caps the tokens, hours and cost).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object to stdout.")
def estimate(
    model_spec: str,
    method: str,
    lora_r: int,
    seq_len: int,
    micro_batch: int | None,
    grad_ckpt: bool | None,
    gpus: int,
    gpu_name: str | None,
    vram_gb: float | None,
    zero: str | None,
    offload: str | None,
    optimizer: str | None,
    effective_batch: int,
    max_steps: int | None,
    as_json: bool,
) -> None:
    """Predict per-GPU memory for fine-tuning MODEL and the settings that fit."""
    from tunebook.planner import NoFit, PlanRequest, plan_training
    from tunebook.presets import load_preset_doc

    hardware = None
    if gpu_name is not None or vram_gb is None:
        hardware = load_preset_doc("hardware", gpu_name or "a100-80gb")
    model = load_model(model_spec)
    model_source = _model_source(model_spec)
    if model_source is None:
        model_source = load_preset_doc("models", model_spec)
    req = PlanRequest(
        model=model,
        model_source=model_source,
        hardware=hardware.data if hardware is not None else None,
        hardware_source=hardware,
        gpus=gpus,
        vram_gb=vram_gb,
        method=method,
        sequence_len=seq_len,
        lora_r=lora_r,
        effective_batch=effective_batch,
        micro_batch_size=micro_batch,
        gradient_checkpointing=grad_ckpt,
        optimizer=optimizer,
        zero_stage=int(zero) if zero is not None else None,
        offload=offload,
        max_steps=max_steps,
    )
    try:
        plan = plan_training(req)
    except NoFit as exc:
        if as_json:  # the JSON on stdout, the one-line error on stderr, exit 2
            click.echo(json.dumps(exc.to_dict(), indent=2))
        raise
    if as_json:
        click.echo(json.dumps(plan.to_dict(), indent=2))
        return
    from rich.console import Console

    from tunebook.planner.render import render_plan

    render_plan(plan, Console())
