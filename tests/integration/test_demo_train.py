"""The CPU end-to-end test: a recipe extending `demo` really trains with Axolotl, evaluates,
runs its on_finish hook, and no secret from the environment lands in any file or log."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest
import yaml
from tb_testutil import REPO

pytestmark = pytest.mark.integration

SECRETS = {
    "WANDB_API_KEY": "sentinel-wandb-7f3a9c",
    "HF_TOKEN": "hf_sentinelToken12345",
    "RUNPOD_API_KEY": "sentinel-runpod-42b1",
}


def test_demo_trains_evaluates_and_leaks_nothing(tmp_path):
    recipe = tmp_path / "demo-ci.yaml"
    recipe.write_text(
        f"extends: {REPO / 'recipes' / 'demo.yaml'}\n"
        "name: demo-ci\n"
        "on_finish:\n"
        "  command: echo finished with $TUNEBOOK_RUN_STATUS\n")
    runs = tmp_path / "runs"
    env = {**os.environ, **SECRETS, "WANDB_MODE": "disabled"}
    proc = subprocess.run(
        [sys.executable, "-m", "tunebook.cli", "train", str(recipe), "--out", str(runs),
         "max_steps=8"],
        cwd=REPO, capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run_dir = next((runs / "demo-ci").iterdir())

    # training: adapter saved, the compiled config says what ran
    output = run_dir / "output"
    assert (output / "adapter_model.safetensors").stat().st_size > 0
    assert (output / "adapter_config.json").is_file()
    config = yaml.safe_load((run_dir / "axolotl.yaml").read_text())
    assert config["max_steps"] == 8
    manifest = orjson.loads((run_dir / "manifest.json").read_bytes())
    assert manifest["status"] == "succeeded" and manifest["exit_code"] == 0
    assert manifest["metrics"]["steps"] == 8
    assert manifest["metrics"]["eval_loss"] is not None
    assert "eval loss" in proc.stderr

    # the lint gate ran and wrote its report
    lint = orjson.loads((run_dir / "lint.json").read_bytes())
    assert lint["summary"]["errors"] == 0 and lint["summary"]["examples"] > 0

    # evaluation: plugin during training, `tunebook eval` after it
    assert (run_dir / "eval" / "steps.jsonl").stat().st_size > 0
    results = orjson.loads((run_dir / "eval" / "results.json").read_bytes())
    assert results["tuned"]["loss"] < results["base"]["loss"]

    # on_finish ran after the artifacts were saved
    assert "finished with succeeded" in (run_dir / "on_finish.log").read_text()

    # no secret in any file tunebook (or Axolotl under it) wrote, nor in its output
    for path in run_dir.rglob("*"):
        if path.is_file() and path.stat().st_size < 50_000_000:
            data = path.read_bytes()
            for name, value in SECRETS.items():
                assert value.encode() not in data, f"{name} leaked into {path}"
    for name, value in SECRETS.items():
        assert value not in proc.stdout + proc.stderr, f"{name} leaked into the output"
