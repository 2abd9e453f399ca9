"""Each memory term against a hand computation, plus monotonicity properties."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunebook.planner import memory as m
from tunebook.planner.arch import ModelArch
from tunebook.presets import load_preset

LLAMA8 = ModelArch.from_preset(load_preset("models", "llama-3.1-8b"))
GIB = 2**30


def test_dense_weights_bf16() -> None:
    assert m.weight_bytes_dense(LLAMA8.total_params) == 2 * 8_030_261_248


def test_nf4_bytes_per_param_and_unquantized_parts() -> None:
    assert pytest.approx(0.516, abs=1e-3) == m.NF4_DOUBLE_QUANT_BYTES
    dense = LLAMA8.embedding_params + LLAMA8.lm_head_params + LLAMA8.norm_params
    expected = LLAMA8.linear_params * m.NF4_DOUBLE_QUANT_BYTES + 2 * dense
    assert m.weight_bytes_nf4(LLAMA8) == pytest.approx(expected)


def test_lora_params_by_hand() -> None:
    # rank 16 on q,k,v,o,gate,up,down of Llama-3.1-8B: 16·(in+out) summed, × 32 layers
    per_layer = 16 * ((4096 + 4096) * 2 + (4096 + 1024) * 2 + (4096 + 14336) * 3)
    assert m.lora_trainable_params(LLAMA8, 16, m.DEFAULT_TARGETS) == per_layer * 32 == 41_943_040


def test_fused_phi_targets_count_once() -> None:
    phi = ModelArch.from_preset(load_preset("models", "phi-3.5-mini"))
    fused = m.lora_trainable_params(phi, 8, ("qkv_proj", "o_proj", "gate_up_proj", "down_proj"))
    assert fused == 8 * 32 * ((3072 + 9216) + (3072 + 3072) + (3072 + 16384) + (8192 + 3072))


def test_optimizer_states() -> None:
    assert m.optimizer_state_bytes(1000, "adamw", 4) == 8000
    assert m.optimizer_state_bytes(1000, "adamw", 2) == 4000
    assert m.optimizer_state_bytes(256, "adamw8bit", 2) == pytest.approx(256 * 2 + 8)
    assert m.master_weight_bytes(10) == 40


def test_zero_matches_deepspeed_estimators() -> None:
    n, g, layer = 10**9, 8, 10**7
    z2 = m.zero_model_state_bytes(n, n, 2, g, "none", "adamw", layer)
    assert sum(z2.values()) == pytest.approx(2 * n + 18 * n / g)  # estimate_zero2_...
    z3 = m.zero_model_state_bytes(n, n, 3, g, "none", "adamw", layer)
    assert sum(z3.values()) == pytest.approx(4 * layer + 18 * n / g)  # estimate_zero3_...
    z3o = m.zero_model_state_bytes(n, n, 3, g, "optimizer", "adamw", layer)
    assert sum(z3o.values()) == pytest.approx(4 * layer + 2 * n / g)
    z3a = m.zero_model_state_bytes(n, n, 3, g, "all", "adamw", layer)
    assert sum(z3a.values()) == pytest.approx(4 * layer)


def test_activations_by_hand() -> None:
    h, i, q, kv = 4096, 14336, 4096, 1024
    per = 2 * 6 * h + 2 * 2 * (q + kv) + 2 * (q + 2 * kv) + 2 * q + 4 * 2 * i
    assert m.activation_bytes_per_token_layer(LLAMA8) == per
    assert m.activation_bytes(LLAMA8, 100, False) == 100 * 32 * per
    assert m.activation_bytes(LLAMA8, 100, True) == 100 * (32 * 2 * h + per)


def test_logits_by_hand() -> None:
    assert m.logits_bytes(LLAMA8, 10, "hf") == 10 * 128256 * 7
    assert m.logits_bytes(LLAMA8, 10, "fused") == 0


def test_chunked_loss_by_hand() -> None:
    assert m.chunked_loss_bytes_per_element(compiled=True) == 2 + 2 / 8
    assert m.chunked_loss_bytes_per_element(compiled=False) == 2 + 4 + 4 / 8
    assert m.logits_bytes(LLAMA8, 10, "chunked", compiled=True) == 10 * 128256 * 2.25


def test_loss_phase_excess_and_offloading() -> None:
    assert m.loss_phase_excess(5.0, 2.0, checkpointing=True) == 3.0
    assert m.loss_phase_excess(1.0, 2.0, checkpointing=True) == 0.0
    assert m.loss_phase_excess(5.0, 2.0, checkpointing=False) == 5.0
    h = LLAMA8.hidden
    assert m.checkpoint_bytes(LLAMA8, 100, offloaded=True) == 100 * 2 * 2 * h
    kw = {"method": "lora", "micro_batch_size": 2, "sequence_len": 2048}
    on = m.estimate_memory(LLAMA8, activation_offloading=True, **kw)
    off = m.estimate_memory(LLAMA8, **kw)
    assert on.breakdown_gib["activations"] < off.breakdown_gib["activations"]


def test_bf16_adapters_halve_adapter_states() -> None:
    kw = {"method": "lora", "micro_batch_size": 1, "sequence_len": 512}
    fp32 = m.estimate_memory(LLAMA8, **kw)
    bf16 = m.estimate_memory(LLAMA8, adapter_dtype_bytes=2, **kw)
    assert bf16.breakdown_gib["optimizer"] == pytest.approx(fp32.breakdown_gib["optimizer"] / 2)


def test_breakdown_sums_to_peak() -> None:
    est = m.estimate_memory(LLAMA8, method="lora", micro_batch_size=2, sequence_len=2048)
    assert set(est.breakdown_gib) == set(m.BREAKDOWN_KEYS)
    assert sum(est.breakdown_gib.values()) == pytest.approx(est.peak_gib, abs=0.01)


def test_paged_optimizer_not_counted_but_noted() -> None:
    est = m.estimate_memory(
        LLAMA8, method="full", micro_batch_size=1, sequence_len=512, optimizer="paged_adamw8bit"
    )
    assert est.breakdown_gib["optimizer"] == 0 and "paged" in est.notes[0]


METHODS = st.sampled_from(["full", "lora", "qlora"])


@settings(max_examples=60, deadline=None)
@given(
    method=METHODS,
    micro=st.integers(1, 16),
    seq=st.integers(128, 16384),
    rank=st.integers(1, 128),
    ckpt=st.booleans(),
)
def test_more_batch_sequence_rank_never_less(
    method: str, micro: int, seq: int, rank: int, ckpt: bool
) -> None:
    def peak(**kw: int) -> float:
        args = {"micro_batch_size": micro, "sequence_len": seq, "lora_r": rank, **kw}
        return m.estimate_memory(
            LLAMA8, method=method, gradient_checkpointing=ckpt, **args
        ).peak_gib

    base = peak()
    assert peak(micro_batch_size=micro + 1) >= base
    assert peak(sequence_len=seq + 128) >= base
    assert peak(lora_r=rank + 8) >= base


@settings(max_examples=40, deadline=None)
@given(
    gpus=st.integers(1, 64),
    offload=st.sampled_from(["none", "optimizer", "all"]),
    optimizer=st.sampled_from(["adamw", "adamw8bit"]),
)
def test_higher_zero_stage_never_more_model_state(gpus: int, offload: str, optimizer: str) -> None:
    n, layer = LLAMA8.total_params, LLAMA8.embedding_params
    model_states = ("weights", "gradients", "optimizer")
    totals = [
        sum(m.zero_model_state_bytes(n, n, s, gpus, offload, optimizer, layer)[k]
            for k in model_states)
        for s in (1, 2, 3)
    ]
    assert totals[0] >= totals[1] >= totals[2]


def test_checkpointing_saves_memory() -> None:
    on = m.estimate_memory(LLAMA8, method="lora", micro_batch_size=2, sequence_len=4096)
    off = m.estimate_memory(
        LLAMA8, method="lora", micro_batch_size=2, sequence_len=4096, gradient_checkpointing=False
    )
    assert off.breakdown_gib["activations"] > 5 * on.breakdown_gib["activations"]


def test_planner_does_not_import_torch() -> None:
    code = (
        "import sys, tunebook.planner, tunebook.planner.render, tunebook.commands.estimate;"
        "bad = {'torch', 'transformers', 'axolotl', 'deepspeed'} & set(sys.modules);"
        "print(sorted(bad)); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
