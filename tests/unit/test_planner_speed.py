"""FLOPs, time and cost arithmetic."""

from __future__ import annotations

import pytest

from tunebook.planner.arch import ModelArch
from tunebook.planner.speed import (
    attention_flops_per_token,
    compute_params,
    estimate_speed,
    training_flops_per_token,
)
from tunebook.presets import load_preset

LLAMA8 = ModelArch.from_preset(load_preset("models", "llama-3.1-8b"))


def test_flops_multipliers() -> None:
    n, att = compute_params(LLAMA8), attention_flops_per_token(LLAMA8, 2048)
    assert att == 2 * 32 * 2048 * 4096
    assert training_flops_per_token(LLAMA8, "full", 2048, False) == 6 * n + 3 * att
    assert training_flops_per_token(LLAMA8, "lora", 2048, False, 100) == 4 * n + 600 + 3 * att
    assert training_flops_per_token(LLAMA8, "full", 2048, True) == 8 * n + 4 * att


def test_hours_and_cost() -> None:
    h100 = load_preset("hardware", "h100-80gb")
    est = estimate_speed(
        LLAMA8,
        h100,
        method="full",
        seq_len=2048,
        checkpointing=False,
        gpus=2,
        dataset_tokens=10**8,
        epochs=2,
    )
    flops = training_flops_per_token(LLAMA8, "full", 2048, False)
    hours = 2 * 10**8 * flops / (2 * 989e12 * h100["mfu"]["full"]) / 3600
    assert est.tokens == 2 * 10**8
    assert est.hours == pytest.approx(hours, rel=1e-3)
    assert est.usd == pytest.approx(hours * 2 * h100["price_usd_per_hour"], rel=1e-2)


def test_unknown_dataset_gives_no_time() -> None:
    est = estimate_speed(LLAMA8, None, method="lora", seq_len=512, checkpointing=True)
    assert est.hours is None and est.usd is None and est.assumptions
