"""The CPU end-to-end test: `tunebook train demo` really trains with Axolotl."""

from __future__ import annotations

import subprocess
import sys

import orjson
import pytest
import yaml
from tb_testutil import REPO

pytestmark = pytest.mark.integration


def test_demo_trains_on_cpu(tmp_path):
    runs = tmp_path / "runs"
    proc = subprocess.run(
        [sys.executable, "-m", "tunebook.cli", "train", "demo", "--out", str(runs), "max_steps=6"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run_dir = next((runs / "demo").iterdir())
    output = run_dir / "output"
    assert (output / "adapter_model.safetensors").stat().st_size > 0
    assert (output / "adapter_config.json").is_file()
    config = yaml.safe_load((run_dir / "axolotl.yaml").read_text())
    assert config["max_steps"] == 6
    manifest = orjson.loads((run_dir / "manifest.json").read_bytes())
    assert manifest["status"] == "succeeded"
    assert manifest["exit_code"] == 0
    assert manifest["metrics"]["steps"] == 6
    assert manifest["metrics"]["eval_loss"] is not None
    log = (run_dir / "train.log").read_text()
    assert "axolotl" in log.lower()
    lint = orjson.loads((run_dir / "lint.json").read_bytes())
    assert lint["summary"]["errors"] == 0
    assert "eval loss" in proc.stderr
