"""Evaluation end to end on CPU: the plugin writes eval/steps.jsonl while Axolotl trains,
`tunebook eval` scores base vs tuned, and the tuned held-out loss beats the base loss.

The run is trained once per session (``trained_run``) and shared with test_wandb_offline.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
import yaml

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SIGN_OFF = "— Sam from Support"
TOPICS = ["refund", "password reset", "late delivery", "invoice copy", "plan upgrade",
          "broken charger", "address change", "cancelled order", "login error", "gift card"]
SECRET = "hf_SENTINELsecret1234567890"  # must never land in any file of the run


def support_rows(n: int) -> list[dict]:
    """Support-tone chats: each answer names the topic, offers a next step, signs off."""
    rows = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        rows.append({"messages": [
            {"role": "user", "content": f"Hi, I need help with my {topic} (order {1000 + i})."},
            {"role": "assistant", "content": f"Thanks for reaching out about your {topic}! "
             f"I have opened case {1000 + i} and will email you the next step today. {SIGN_OFF}"},
        ]})
    return rows


def write_run_dir(root: Path) -> Path:
    """A run directory like `tunebook compile` writes, with the eval plugin and W&B on."""
    from tunebook.evaluate.split import write_split
    from tunebook.tinymodel import ensure_tiny_model

    run_dir = root / "runs" / "support-mini" / "20250101-000000-abcd"
    run_dir.mkdir(parents=True)
    source = root / "data" / "train.jsonl"
    source.parent.mkdir(parents=True)
    source.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in support_rows(120)))
    train, heldout = write_split([source], run_dir, 0.1, task="tone", fmt="chat")
    texts = [m["content"] for r in support_rows(120) for m in r["messages"]]
    model = ensure_tiny_model(root / "models", texts, seed=0)
    entry = {"ds_type": "json", "split": "train", "type": "chat_template",
             "field_messages": "messages",
             "message_property_mappings": {"role": "role", "content": "content"},
             "roles_to_train": ["assistant"], "train_on_eos": "turn"}
    config = {
        "base_model": str(model), "model_type": "AutoModelForCausalLM",
        "tokenizer_type": "AutoTokenizer", "chat_template": "tokenizer_default",
        "datasets": [{"path": str(train), **entry}],
        "test_datasets": [{"path": str(heldout), **entry}],
        "dataset_prepared_path": str(run_dir / "prepared"),
        "output_dir": str(run_dir / "output"),
        "sequence_len": 256, "sample_packing": False,
        "adapter": "lora", "lora_r": 8, "lora_alpha": 16, "lora_dropout": 0.0,
        "lora_target_linear": True, "lora_mlp_kernel": False, "lora_qkv_kernel": False,
        "lora_o_kernel": False, "lora_embedding_kernel": False,
        "micro_batch_size": 4, "gradient_accumulation_steps": 1, "max_steps": 16,
        "num_epochs": 1, "learning_rate": 0.01, "optimizer": "adamw_torch",
        "lr_scheduler": "cosine", "warmup_steps": 1, "bf16": False, "fp16": False,
        "tf32": False, "attn_implementation": "sdpa", "gradient_checkpointing": False,
        "logging_steps": 1, "eval_strategy": "steps", "eval_steps": 8,
        "save_strategy": "steps", "save_steps": 16, "dataloader_num_workers": 0, "seed": 0,
        "plugins": ["tunebook_plugins.eval_hooks.EvalHooksPlugin"],
        "tunebook_run_dir": str(run_dir), "tunebook_task": "tone",
        "tunebook_eval_samples": 3, "tunebook_eval_max_new_tokens": 24,
        "tunebook_must_include": [SIGN_OFF], "tunebook_must_not_include": ["As an AI"],
        "tunebook_wandb_group": "support-mini", "tunebook_wandb_tags": ["ci", "tiny"],
        "wandb_project": "tunebook-test", "wandb_name": "support-mini-abcd",
    }
    (run_dir / "axolotl.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    recipe = {"name": "support-mini", "task": "tone",
              "eval": {"must_include": [SIGN_OFF], "max_samples": 8,
                       "require": {"loss": 100.0}},
              "tracking": {"project": "tunebook-test"}}
    plan = {"method": "lora", "micro_batch_size": 4, "gradient_accumulation_steps": 1}
    (run_dir / "recipe.lock.yaml").write_text(yaml.safe_dump(
        {"tunebook_version": "0.1.0", "recipe": {"name": "support-mini", "resolved": recipe},
         "plan": plan}))
    (run_dir / "plan.json").write_text(json.dumps(plan))
    (run_dir / "lint.json").write_text(json.dumps({"summary": {"examples": 120, "errors": 0}}))
    (run_dir / "manifest.json").write_text(json.dumps({"status": "planned"}))
    return run_dir


def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Train the shared run once per session (about a minute on 2 CPU cores)."""
    root = tmp_path_factory.getbasetemp() / "eval-trained"
    run_dir = root / "runs" / "support-mini" / "20250101-000000-abcd"
    if (run_dir / "output" / "adapter_config.json").is_file():
        return run_dir
    run_dir = write_run_dir(root)
    env = {k: v for k, v in os.environ.items() if k != "WANDB_API_KEY"}
    env.update(HF_HUB_OFFLINE="1", AXOLOTL_DO_NOT_TRACK="1", DO_NOT_TRACK="1",
               CUDA_VISIBLE_DEVICES="", TOKENIZERS_PARALLELISM="false", HF_TOKEN=SECRET,
               WANDB_MODE="offline", WANDB_DIR=str(run_dir), WANDB_SILENT="true")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "axolotl.cli.train", "axolotl.yaml"],
                          cwd=run_dir, env=env, capture_output=True, text=True, timeout=900)
    (run_dir / "train.log").write_text(proc.stdout + proc.stderr)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    (run_dir / "train_seconds.txt").write_text(f"{time.monotonic() - started:.1f}")
    return run_dir


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return trained_run(tmp_path_factory)


def test_plugin_writes_generation_metrics_at_each_evaluation(run_dir):
    rows = [orjson.loads(x) for x in (run_dir / "eval" / "steps.jsonl").read_bytes().splitlines()]
    assert [r["step"] for r in rows if r["step"]] == [8, 16]  # Axolotl may also eval at 0
    for row in rows:
        assert row["task"] == "tone" and row["eval_loss"] > 0
        assert set(row["metrics"]) >= {"rougeL", "length_ratio", "style_pass_rate"}
        assert len(row["samples"]) == 3
        assert all(set(s) == {"prompt", "reference", "output", "score"} for s in row["samples"])
        assert all(SIGN_OFF in s["reference"] for s in row["samples"])


def test_tunebook_eval_scores_base_and_tuned(run_dir):
    proc = subprocess.run([sys.executable, "-m", "tunebook.cli", "eval", str(run_dir)],
                          cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "HF_TOKEN": SECRET})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = orjson.loads((run_dir / "eval" / "results.json").read_bytes())
    assert results["samples"] == 8  # eval.max_samples caps the 12-ish held-out rows
    for side in ("base", "tuned"):
        assert set(results[side]) >= {"rougeL", "length_ratio", "style_pass_rate",
                                      "must_include_rate", "loss", "perplexity"}
    assert results["tuned"]["loss"] < results["base"]["loss"]
    assert results["delta"]["loss"] == pytest.approx(
        results["tuned"]["loss"] - results["base"]["loss"])
    assert results["gate"]["passed"] is True
    report = (run_dir / "eval" / "report.md").read_text()
    assert "| loss (lower is better) |" in report
    assert (run_dir / "eval" / "loss.png").stat().st_size > 1000
    assert (run_dir / "eval" / "metrics.png").stat().st_size > 1000
    samples = (run_dir / "eval" / "samples.jsonl").read_bytes().splitlines()
    assert len(samples) == 8


def test_a_gate_the_tuned_model_misses_exits_1(run_dir, tmp_path):
    lock = yaml.safe_load((run_dir / "recipe.lock.yaml").read_text())
    lock["recipe"]["resolved"]["eval"] = {"max_samples": 2, "require": {"rougeL": 1.01}}
    strict = tmp_path / "strict"
    strict.mkdir()
    for name in ("axolotl.yaml", "plan.json", "manifest.json"):
        (strict / name).write_bytes((run_dir / name).read_bytes())
    (strict / "recipe.lock.yaml").write_text(yaml.safe_dump(lock))
    proc = subprocess.run([sys.executable, "-m", "tunebook.cli", "eval", str(strict)],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "rougeL" in proc.stderr and "gate" in proc.stderr.lower()
    results = orjson.loads((strict / "eval" / "results.json").read_bytes())
    assert results["gate"]["passed"] is False


def test_axolotl_validates_the_plugin_fields(tmp_path):
    from tunebook.axolotl_bridge import validate_config
    from tunebook.axolotl_fields import unknown_keys
    from tunebook_plugins.fields import PLUGIN_FIELDS

    config = yaml.safe_load((write_run_dir(tmp_path) / "axolotl.yaml").read_text())
    assert validate_config(config) == []
    assert unknown_keys(config, extra_fields=PLUGIN_FIELDS) == []
    config.update(tunebook_eval_samples=-1, tunebook_eval_sampels=3)
    problems = validate_config(config)
    assert any(p.startswith("tunebook_eval_samples:") for p in problems), problems
    assert any("did you mean `tunebook_eval_samples`" in p for p in problems), problems
