"""Every shipped DeepSpeed preset resolves through the HF Trainer integration and DeepSpeed itself.

The "auto" values are filled the way ``transformers.Trainer`` fills them
(``HfTrainerDeepSpeedConfig.trainer_config_process`` / ``trainer_config_finalize``) from
TrainingArguments-like values, then ``deepspeed.runtime.config.DeepSpeedConfig`` parses the
result as ``deepspeed.initialize`` would, with the world size patched in (no GPU, no
process group).
"""

from __future__ import annotations

import json
import types
from unittest import mock

import pytest

from tunebook.presets import list_presets, preset_path

pytestmark = pytest.mark.integration

ds_config = pytest.importorskip("deepspeed.runtime.config")
hf_ds = pytest.importorskip("transformers.integrations.deepspeed")

PRESETS = list_presets("deepspeed")
EXPECTED = {
    "zero1": (1, None, None),
    "zero2": (2, None, None),
    "zero3": (3, None, None),
    "zero3_bf16": (3, None, None),
    "zero2_offload_optimizer": (2, "cpu", None),
    "zero3_offload_optimizer": (3, "cpu", None),
    "zero3_offload_all": (3, "cpu", "cpu"),
}


def _args(world: int, micro: int, accum: int) -> types.SimpleNamespace:
    """The TrainingArguments attributes the HF DeepSpeed integration reads."""
    return types.SimpleNamespace(
        world_size=world,
        per_device_train_batch_size=micro,
        gradient_accumulation_steps=accum,
        max_grad_norm=1.0,
        learning_rate=2e-4,
        adam_beta1=0.9,
        adam_beta2=0.999,
        adam_epsilon=1e-8,
        weight_decay=0.0,
        save_on_each_node=False,
        fp16=False,
        fp16_full_eval=False,
        bf16=True,
        bf16_full_eval=False,
        get_warmup_steps=lambda steps: 0,
    )


def _resolve(name: str, world: int, micro: int, accum: int) -> ds_config.DeepSpeedConfig:
    raw = json.loads(preset_path("deepspeed", name).read_text(encoding="utf-8"))
    hf = hf_ds.HfTrainerDeepSpeedConfig(raw)
    args = _args(world, micro, accum)
    hf.trainer_config_process(args)
    model = types.SimpleNamespace(config=types.SimpleNamespace(hidden_size=4096))
    hf.trainer_config_finalize(args, model, num_training_steps=100)
    assert '"auto"' not in json.dumps(hf.config), "an auto value was left unfilled"
    return _parse(hf.config, world)


def _parse(config: dict, world: int) -> ds_config.DeepSpeedConfig:
    with (
        mock.patch.object(ds_config.dist, "get_rank", return_value=0),
        mock.patch.object(ds_config.dist, "get_world_size", return_value=world),
    ):
        return ds_config.DeepSpeedConfig(config)


def test_the_catalog_is_complete() -> None:
    assert set(EXPECTED) == set(PRESETS)


@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize(("world", "micro", "accum"), [(1, 1, 16), (2, 4, 2), (8, 2, 3)])
def test_batch_sizes_resolve_consistently(name: str, world: int, micro: int, accum: int) -> None:
    cfg = _resolve(name, world, micro, accum)
    assert cfg.world_size == world
    assert cfg.train_micro_batch_size_per_gpu == micro
    assert cfg.gradient_accumulation_steps == accum
    assert cfg.train_batch_size == micro * accum * world


@pytest.mark.parametrize("name", PRESETS)
def test_stage_and_offload(name: str) -> None:
    cfg = _resolve(name, 2, 2, 2)
    stage, opt_device, param_device = EXPECTED[name]
    assert cfg.zero_optimization_stage == stage
    zc = cfg.zero_config
    assert (zc.offload_optimizer.device if zc.offload_optimizer else None) == opt_device
    assert (zc.offload_param.device if zc.offload_param else None) == param_device


@pytest.mark.parametrize("name", PRESETS)
def test_batch_keys_are_auto(name: str) -> None:
    raw = json.loads(preset_path("deepspeed", name).read_text(encoding="utf-8"))
    keys = ("train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps")
    assert all(raw[key] == "auto" for key in keys)
    assert raw["_comment"]


def test_inconsistent_batch_is_rejected() -> None:
    raw = json.loads(preset_path("deepspeed", "zero2").read_text(encoding="utf-8"))
    raw.update(train_batch_size=10, train_micro_batch_size_per_gpu=2, gradient_accumulation_steps=2)
    raw["zero_optimization"]["reduce_bucket_size"] = 5e8
    raw["bf16"]["enabled"] = True
    raw["fp16"]["enabled"] = False
    raw["gradient_clipping"] = 1.0
    with pytest.raises(AssertionError):
        _parse(raw, 2)
