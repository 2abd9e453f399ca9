"""Training time and cost: FLOPs per token × tokens / (GPUs × peak × MFU). Pure Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tunebook.planner import hardware as hw
from tunebook.planner.arch import ModelArch


def compute_params(arch: ModelArch) -> int:
    """Parameters that do matmul work per token: all but the embedding lookup (a tied
    lm_head still multiplies). Kaplan et al. 2020 count non-embedding parameters."""
    return arch.total_params - arch.extra_params - arch.embedding_params + arch.vocab * arch.hidden


def attention_flops_per_token(arch: ModelArch, seq_len: int) -> float:
    """Forward score and value matmuls, causal: 2·L·s·d_attn (Kaplan et al. 2020, table 1,
    halved for the causal mask as flash attention skips the masked half)."""
    return 2.0 * arch.num_layers * seq_len * arch.heads * arch.head_dim


def training_flops_per_token(
    arch: ModelArch, method: str, seq_len: int, checkpointing: bool, trainable: int = 0
) -> float:
    """FLOPs per trained token.

    Full fine-tuning ≈ 6N (forward 2N, backward 4N: Kaplan et al. 2020; Hoffmann et al.
    2022). LoRA/QLoRA: frozen weights need no weight gradient, so ≈ 4N plus 6 per
    adapter parameter. Gradient checkpointing recomputes the forward: +2N. Attention
    adds its forward × 3 (× 4 with recomputation).
    """
    n = compute_params(arch)
    dense = 6.0 * n if method == "full" else 4.0 * n + 6.0 * trainable
    passes = 3.0
    if checkpointing:
        dense += 2.0 * n
        passes = 4.0
    return dense + passes * attention_flops_per_token(arch, seq_len)


@dataclass
class SpeedEstimate:
    """Predicted training time and cost; None where the inputs are unknown."""

    tokens: int | None
    hours: float | None
    usd: float | None
    assumptions: list[str] = field(default_factory=list)


def estimate_speed(
    arch: ModelArch,
    hardware: dict[str, Any] | None,
    *,
    method: str,
    seq_len: int,
    checkpointing: bool,
    gpus: int = 1,
    dataset_tokens: int | None = None,
    epochs: float = 1.0,
    trainable: int = 0,
    max_steps: int | None = None,
    tokens_per_step: int | None = None,
) -> SpeedEstimate:
    """Hours = tokens × FLOPs/token / (gpus × peak × MFU); USD = hours × gpus × price.

    tokens = dataset tokens × epochs, capped at ``max_steps × tokens_per_step`` when
    ``max_steps`` is set (Axolotl trains min(steps in the data, max_steps) steps).
    """
    flops = training_flops_per_token(arch, method, seq_len, checkpointing, trainable)
    peak = hw.peak_tflops(hardware)
    util = hw.mfu(hardware, method)
    notes = [
        f"{flops / compute_params(arch):.1f}·N FLOPs per token "
        f"({'6N full' if method == 'full' else '4N frozen base'}"
        f"{', +2N recompute' if checkpointing else ''}, + attention)"
    ]
    if peak:
        notes.append(f"MFU {util:.0%} of {peak:g} TFLOPS per device (preset assumption)")
    data_tokens = int(dataset_tokens * epochs) if dataset_tokens is not None else None
    step_tokens = max_steps * tokens_per_step if max_steps and tokens_per_step else None
    if step_tokens is not None and (data_tokens is None or step_tokens < data_tokens):
        tokens = step_tokens
        notes.append(
            f"max_steps {max_steps} × {tokens_per_step:,} tokens per optimizer step = "
            f"{step_tokens:,} tokens"
            + (
                f", fewer than dataset × epochs ({data_tokens:,}): training stops at max_steps"
                if data_tokens is not None
                else " (dataset size unknown)"
            )
        )
    elif data_tokens is None:
        notes.append("dataset size unknown: no time or cost")
        return SpeedEstimate(None, None, None, notes)
    else:
        tokens = data_tokens
        if step_tokens is not None:
            notes.append(
                f"max_steps {max_steps} ({step_tokens:,} tokens) is more than dataset × epochs "
                f"({data_tokens:,}): the data ends first"
            )
    if not peak:
        notes.append("device throughput unknown: no time or cost")
        return SpeedEstimate(tokens, None, None, notes)
    hours = tokens * flops / (max(gpus, 1) * peak * 1e12 * util) / 3600
    price = hw.price_per_hour(hardware)
    usd = None if price is None else round(hours * max(gpus, 1) * price, 2)
    if price is not None:
        notes.append(
            f"${price:g}/device-hour ({(hardware or {}).get('price_source', 'catalog')},"
            f" read {(hardware or {}).get('price_read_on', '?')})"
        )
    return SpeedEstimate(tokens, round(hours, 3), usd, notes)
