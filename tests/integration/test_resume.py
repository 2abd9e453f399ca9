"""Interrupt the demo mid-training, resume it, and finish with the planned number of steps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import orjson
import pytest
from tb_testutil import REPO

pytestmark = pytest.mark.integration

STEPS = 40


def _tunebook(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tunebook.cli", *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            **kwargs)


def _wait_for_step(proc, log, step: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    needle = f"| {step}/{STEPS} ["
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read()[-3000:]
        if log.exists() and needle in log.read_text(errors="replace"):
            return
        time.sleep(0.5)
    raise AssertionError(f"training never reached step {step}")


def test_interrupt_then_resume(tmp_path):
    runs = tmp_path / "runs"
    first = _tunebook("train", "demo", "--out", str(runs), f"max_steps={STEPS}",
                      f"save_steps={STEPS}", f"eval_steps={STEPS}")
    try:
        deadline = time.monotonic() + 120
        while not (runs / "demo").is_dir() or not any((runs / "demo").iterdir()):
            assert time.monotonic() < deadline and first.poll() is None, first.stdout.read()
            time.sleep(0.5)
        run_dir = next((runs / "demo").iterdir())
        _wait_for_step(first, run_dir / "train.log", 5, timeout=240)
        first.send_signal(signal.SIGINT)
        output, _ = first.communicate(timeout=180)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 130, output[-3000:]
    manifest = orjson.loads((run_dir / "manifest.json").read_bytes())
    assert manifest["status"] == "interrupted"
    record = orjson.loads((run_dir / "interrupted.json").read_bytes())
    stopped_at = record["step"]
    assert 5 <= stopped_at < STEPS
    assert (run_dir / "output" / f"checkpoint-{stopped_at}" / "trainer_state.json").is_file()
    assert "--resume" in output

    second = subprocess.run(
        [sys.executable, "-m", "tunebook.cli", "train", "demo", "--resume", str(run_dir)],
        cwd=REPO, capture_output=True, text=True, timeout=600, env=os.environ.copy())
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    manifest = orjson.loads((run_dir / "manifest.json").read_bytes())
    assert manifest["status"] == "succeeded"
    assert manifest["metrics"]["steps"] == STEPS
    assert manifest["resumed_from"] == [str(run_dir / "output" / f"checkpoint-{stopped_at}")]
    log = (run_dir / "train.log").read_text(errors="replace")
    assert f"checkpoint-{stopped_at}" in log
    assert (run_dir / "output" / "adapter_model.safetensors").is_file()
