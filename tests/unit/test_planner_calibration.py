"""Predicted peak memory against published measurements (median |error| must stay <= 10%).

Run ``python tests/unit/test_planner_calibration.py`` to print the markdown table that
docs/planner.md carries. ``metric`` says what the source measured: ``alloc`` =
torch.cuda.max_memory_allocated (compared with ``allocated_gib``), ``peak`` = device
memory in use / card size at the longest fitting context (compared with ``peak_gib``).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

import pytest

from tunebook.planner.arch import ModelArch
from tunebook.planner.memory import estimate_memory
from tunebook.presets import load_preset

TORCHTUNE = "pytorch/torchtune README, memory table (RTX 4090, bsz 2, packed 2048)"
ULT = "Universal LLM trainer README (H100, bsz 2 x 8192 packed, AdamW, grad. ckpt.)"
UNSLOTH = "unslothai/unsloth README, HF + FA2 max context (QLoRA r=32, bsz 1, padded)"
GEFEN = "Gefen optimizer README (RTX 3090, full FT, bsz 1 x 2048 packed, grad. ckpt.)"
# torchtune configs llama3_1/8B_{lora,qlora}_single_device.yaml: rank 8, alpha 16, no dropout,
# lora_attn_modules [q_proj, v_proj, output_proj] (LoRA) / [q_proj, v_proj, k_proj, output_proj]
# (QLoRA), apply_lora_to_mlp True, apply_lora_to_output False.
TT_LORA_TARGETS = ["q_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
TT_QLORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def _qwen3(hidden: int, intermediate: int) -> ModelArch:
    return ModelArch.from_hf_config(
        {
            "model_type": "qwen3",
            "num_hidden_layers": 28,
            "hidden_size": hidden,
            "num_attention_heads": 16,
            "num_key_value_heads": 8,
            "head_dim": 128,
            "intermediate_size": intermediate,
            "vocab_size": 151936,
            "tie_word_embeddings": True,
        }
    )


LLAMA2_13B = {
    "model_type": "llama",
    "num_hidden_layers": 40,
    "hidden_size": 5120,
    "num_attention_heads": 40,
    "num_key_value_heads": 40,
    "intermediate_size": 13824,
    "vocab_size": 32000,
}


@dataclass(frozen=True)
class Point:
    label: str
    model: str
    kwargs: dict[str, Any]
    published_gib: float
    metric: str
    source: str

    def arch(self) -> ModelArch:
        if self.model == "qwen3-0.6b":
            return _qwen3(1024, 3072)
        if self.model == "qwen3-1.7b":
            return _qwen3(2048, 6144)
        if self.model == "llama-2-13b":
            return ModelArch.from_hf_config(LLAMA2_13B)
        return ModelArch.from_preset(load_preset("models", self.model))

    def predicted(self) -> float:
        est = estimate_memory(self.arch(), **self.kwargs)
        return est.allocated_gib if self.metric == "alloc" else est.peak_gib


def _tt(**kw: Any) -> dict[str, Any]:
    """README note: batch 2, no gradient accumulation, packed to 2048, compile enabled; the
    configs' defaults otherwise: CEWithChunkedOutputLoss, activation checkpointing on,
    activation offloading off, bf16 model (adapters included)."""
    return {
        "micro_batch_size": 2,
        "sequence_len": 2048,
        "loss": "chunked",
        "compile": True,
        "gradient_checkpointing": True,
        "activation_offloading": False,
        "adapter_dtype_bytes": 2,
        **kw,
    }


def _ult(method: str) -> dict[str, Any]:
    return {"method": method, "micro_batch_size": 2, "sequence_len": 8192}


def _unsloth(seq: int) -> dict[str, Any]:
    return {
        "method": "qlora",
        "lora_r": 32,
        "micro_batch_size": 1,
        "sequence_len": seq,
        "optimizer": "adamw8bit",
        "loss": "hf_legacy",
    }


def _gefen(optimizer: str) -> dict[str, Any]:
    return {"method": "full", "micro_batch_size": 1, "sequence_len": 2048, "optimizer": optimizer}


POINTS = [
    Point(
        "Llama-3.1-8B full, paged AdamW8bit, opt-in-bwd",
        "llama-3.1-8b",
        _tt(method="full", optimizer="paged_adamw8bit", optimizer_in_backward=True),
        18.9,
        "alloc",
        TORCHTUNE,
    ),
    Point(
        "Llama-3.1-8B LoRA r8",
        "llama-3.1-8b",
        _tt(method="lora", lora_r=8, target_modules=TT_LORA_TARGETS),
        16.2,
        "alloc",
        TORCHTUNE,
    ),
    Point(
        "Llama-3.1-8B QLoRA r8",
        "llama-3.1-8b",
        _tt(method="qlora", lora_r=8, target_modules=TT_QLORA_TARGETS),
        7.4,
        "alloc",
        TORCHTUNE,
    ),
    Point("Llama-3.1-8B LoRA", "llama-3.1-8b", _ult("lora"), 36, "peak", ULT),
    Point("Llama-2-13B LoRA", "llama-2-13b", _ult("lora"), 43, "peak", ULT),
    Point("Phi-3-mini LoRA", "phi-3.5-mini", _ult("lora"), 17, "peak", ULT),
    Point("Llama-3.1-8B full", "llama-3.1-8b", _ult("full"), 78, "peak", ULT),
    Point(
        "Llama-3.1-8B QLoRA @2551 tok (16 GB)", "llama-3.1-8b", _unsloth(2551), 16, "peak", UNSLOTH
    ),
    Point(
        "Llama-3.1-8B QLoRA @5789 tok (24 GB)", "llama-3.1-8b", _unsloth(5789), 24, "peak", UNSLOTH
    ),
    Point(
        "Llama-3.1-8B QLoRA @12264 tok (40 GB)",
        "llama-3.1-8b",
        _unsloth(12264),
        40,
        "peak",
        UNSLOTH,
    ),
    Point(
        "Llama-3.1-8B QLoRA @28454 tok (80 GB)",
        "llama-3.1-8b",
        _unsloth(28454),
        80,
        "peak",
        UNSLOTH,
    ),
    Point("Qwen3-0.6B full, AdamW bf16", "qwen3-0.6b", _gefen("adamw"), 6.95, "alloc", GEFEN),
    Point("Qwen3-0.6B full, AdamW 8-bit", "qwen3-0.6b", _gefen("adamw8bit"), 5.86, "alloc", GEFEN),
    Point("Qwen3-1.7B full, AdamW bf16", "qwen3-1.7b", _gefen("adamw"), 14.0, "alloc", GEFEN),
    Point("Qwen3-1.7B full, AdamW 8-bit", "qwen3-1.7b", _gefen("adamw8bit"), 10.84, "alloc", GEFEN),
]


def errors() -> list[float]:
    """Relative error of each point, predicted / published - 1."""
    return [p.predicted() / p.published_gib - 1 for p in POINTS]


def markdown_table() -> str:
    """The predicted-vs-published table for docs/planner.md."""
    lines = [
        "| run | published GiB | predicted GiB | error | metric | source |",
        "|---|---:|---:|---:|---|---|",
    ]
    for p, err in zip(POINTS, errors(), strict=True):
        lines.append(
            f"| {p.label} | {p.published_gib:g} | {p.predicted():.1f} | {err:+.0%} | "
            f"{p.metric} | {p.source} |"
        )
    med = statistics.median(abs(e) for e in errors())
    lines.append(f"\nMedian absolute error: {med:.1%} over {len(POINTS)} runs.")
    return "\n".join(lines)


def test_median_error_within_10_percent() -> None:
    assert statistics.median(abs(e) for e in errors()) <= 0.10


def test_torchtune_points_within_10_percent() -> None:
    tt = [e for p, e in zip(POINTS, errors(), strict=True) if p.source == TORCHTUNE]
    assert len(tt) == 3 and all(abs(e) <= 0.10 for e in tt)


@pytest.mark.parametrize("point", POINTS, ids=[p.label for p in POINTS])
def test_every_point_within_25_percent(point: Point) -> None:
    assert point.predicted() == pytest.approx(point.published_gib, rel=0.25)


def test_sources_are_independent() -> None:
    assert len({p.source for p in POINTS}) >= 4


if __name__ == "__main__":
    print(markdown_table())
