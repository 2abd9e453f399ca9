"""The cost-guard plugin in a real Axolotl run on CPU: a tiny budget stops training early."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tunebook.tinymodel import ensure_tiny_model

pytestmark = pytest.mark.integration

PLUGIN = "tunebook_plugins.cost_guard.CostGuardPlugin"
MAX_STEPS = 50


def _rows(n: int) -> list[dict]:
    return [{"messages": [
        {"role": "user", "content": f"Where is my parcel number {i}? It was due on day {i % 7}."},
        {"role": "assistant", "content": f"Sorry about parcel {i}! It ships tomorrow, promise."},
    ]} for i in range(n)]


def _config(root: Path, model_dir: Path, **extra: object) -> dict:
    """The CPU config of docs/axolotl-notes.md without an eval set, plus the plugin."""
    (root / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in _rows(64)))
    return {
        "base_model": str(model_dir), "model_type": "AutoModelForCausalLM",
        "tokenizer_type": "AutoTokenizer", "chat_template": "tokenizer_default",
        "datasets": [{"path": str(root / "train.jsonl"), "ds_type": "json",
                      "type": "chat_template", "field_messages": "messages",
                      "message_property_mappings": {"role": "role", "content": "content"}}],
        "dataset_prepared_path": str(root / "prepared"), "dataset_num_proc": 1,
        "output_dir": str(root / "run" / "output"), "sequence_len": 256,
        "sample_packing": False, "adapter": "lora", "lora_r": 8, "lora_alpha": 16,
        "lora_dropout": 0.0, "lora_target_linear": True, "lora_mlp_kernel": False,
        "lora_qkv_kernel": False, "lora_o_kernel": False, "lora_embedding_kernel": False,
        "micro_batch_size": 2, "gradient_accumulation_steps": 1, "max_steps": MAX_STEPS,
        "num_epochs": 100, "learning_rate": 1e-3, "optimizer": "adamw_torch",
        "lr_scheduler": "cosine", "warmup_steps": 1, "bf16": False, "fp16": False,
        "tf32": False, "attn_implementation": "sdpa", "gradient_checkpointing": False,
        "logging_steps": 1, "save_strategy": "steps", "save_steps": MAX_STEPS,
        "dataloader_num_workers": 0, "seed": 0, "plugins": [PLUGIN],
        "tunebook_run_dir": str(root / "run"), **extra,
    }


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    texts = [m["content"] for r in _rows(64) for m in r["messages"]]
    return ensure_tiny_model(tmp_path_factory.mktemp("models"), texts)


def test_tiny_budget_stops_early_and_saves(tmp_path: Path, model_dir: Path) -> None:
    cfg = _config(tmp_path, model_dir, tunebook_budget_max_hours=1e-6,
                  tunebook_price_usd_per_hour=2.5)
    (tmp_path / "axolotl.yaml").write_text(yaml.safe_dump(cfg))
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "HF_HUB_OFFLINE": "1",
           "WANDB_MODE": "disabled"}
    proc = subprocess.run([sys.executable, "-m", "axolotl.cli.train", "axolotl.yaml"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    stop = json.loads((tmp_path / "run" / "budget_stop.json").read_text())
    assert 0 < stop["step"] < MAX_STEPS
    assert stop["elapsed_hours"] >= 1e-6
    assert stop["usd"] == pytest.approx(stop["elapsed_hours"] * 2.5, rel=1e-3, abs=1e-5)
    assert "time budget of 1e-06 h reached" in stop["reason"]
    assert stop["max_steps"] == MAX_STEPS
    output = tmp_path / "run" / "output"
    assert (output / "adapter_model.safetensors").stat().st_size > 0
    state = json.loads((output / f"checkpoint-{stop['step']}" / "trainer_state.json").read_text())
    assert state["global_step"] == stop["step"]
    assert "tunebook cost guard" in proc.stdout + proc.stderr


def test_no_budget_no_callback(tmp_path: Path, model_dir: Path) -> None:
    from axolotl.utils.dict import DictDefault

    from tunebook_plugins.cost_guard import CostGuardCallback, CostGuardPlugin

    plugin = CostGuardPlugin()
    cfg = DictDefault(_config(tmp_path, model_dir))
    assert plugin.add_callbacks_post_trainer(cfg, trainer=None) == []
    cfg["tunebook_budget_max_usd"] = 3.0
    (callback,) = plugin.add_callbacks_post_trainer(cfg, trainer=None)
    assert isinstance(callback, CostGuardCallback)
    assert callback.run_dir == tmp_path / "run"


@pytest.mark.parametrize(("hours", "kwargs", "expected"), [
    (0.5, {"max_hours": 1.0, "max_usd": None, "price": None}, None),
    (1.0, {"max_hours": 1.0, "max_usd": None, "price": None}, "time budget of 1 h"),
    (2.0, {"max_hours": None, "max_usd": 5.0, "price": 2.0}, None),
    (2.5, {"max_hours": None, "max_usd": 5.0, "price": 2.0}, "cost budget of $5"),
    (9.0, {"max_hours": None, "max_usd": 5.0, "price": None}, None),  # no price: no $ check
    (3.0, {"max_hours": 4.0, "max_usd": 5.0, "price": 2.0}, "cost budget"),
])
def test_over_budget(hours: float, kwargs: dict, expected: str | None) -> None:
    from tunebook_plugins.cost_guard import over_budget

    reason = over_budget(hours, **kwargs)
    assert (reason is None) if expected is None else (expected in reason)


def test_fields_match_the_args_model_and_stay_torch_free() -> None:
    from tunebook_plugins.cost_guard_args import COST_GUARD_FIELDS, CostGuardArgs

    assert set(COST_GUARD_FIELDS) == set(CostGuardArgs.model_fields)
    code = ("import sys, tunebook_plugins.cost_guard_args; "
            "print('torch' in sys.modules or 'axolotl' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_axolotl_validates_the_plugin_fields(tmp_path: Path, model_dir: Path) -> None:
    from tunebook.axolotl_bridge import validate_config

    cfg = _config(tmp_path, model_dir, tunebook_budget_max_hours=2.0,
                  tunebook_budget_max_usd=10.0, tunebook_price_usd_per_hour=1.5)
    assert validate_config(cfg) == []
    cfg["tunebook_budget_max_hours"] = -1
    problems = validate_config(cfg)
    assert any(p.startswith("tunebook_budget_max_hours") for p in problems), problems
