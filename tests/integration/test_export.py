"""`tunebook export` on a real run: the demo recipe trained a few steps on CPU, then exported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from tb_testutil import REPO

from tunebook.cli import main

pytestmark = pytest.mark.integration

TOKEN = "hf_SENTINEL_never_print_41d9"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real training run shared by the tests of this module (about a minute)."""
    runs = tmp_path_factory.mktemp("export-runs")
    env = {**os.environ, "TUNEBOOK_CACHE": str(tmp_path_factory.getbasetemp() / "tb-cache"),
           "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "tunebook.cli", "train", "demo", "--out", str(runs),
         "max_steps=3"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return next((runs / "demo").iterdir())


def _export(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, ["export", *map(str, args)], env=env)


def test_merged_export_loads_and_generates(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "merged"
    result = _export(run_dir, "--merge", "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == str(out)
    assert (out / "model.safetensors").is_file()
    assert not (out / "adapter_model.safetensors").exists()

    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(out)
    model = AutoModelForCausalLM.from_pretrained(out)
    assert "Peft" not in type(model).__name__
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": "Where is my order?"}],
                                           tokenize=False, add_generation_prompt=True)
    inputs = tokenizer(prompt, return_tensors="pt")
    generated = model.generate(**inputs, max_new_tokens=4, do_sample=False)
    assert generated.shape[1] == inputs["input_ids"].shape[1] + 4

    card = (out / "README.md").read_text(encoding="utf-8")
    lock = yaml.safe_load((run_dir / "recipe.lock.yaml").read_text(encoding="utf-8"))
    front = yaml.safe_load(card.split("---")[1])
    assert front["library_name"] == "transformers"
    assert {"tunebook", "axolotl", "tone"} <= set(front["tags"])
    assert "# demo" in card
    for dataset in lock["datasets"]:
        assert dataset["sha256"] in card
    for preset in lock["presets"]:
        assert preset["sha256"] in card
    assert "Dataset lint:" in card and "## Plan" in card
    assert f"vllm serve {out} --served-model-name demo" in (out / "serve.sh").read_text()
    assert (out / "recipe.lock.yaml").read_bytes() == (run_dir / "recipe.lock.yaml").read_bytes()


def test_adapter_export_and_no_overwrite(run_dir: Path) -> None:
    result = _export(run_dir)
    assert result.exit_code == 0, result.output
    out = run_dir / "export"
    assert (out / "adapter_model.safetensors").is_file()
    assert (out / "adapter_config.json").is_file() and (out / "tokenizer.json").is_file()
    assert not (out / "config.json").exists()  # a bare adapter folder, as vLLM and peft expect
    front = yaml.safe_load((out / "README.md").read_text().split("---")[1])
    assert front["library_name"] == "peft"
    serve = (out / "serve.sh").read_text()
    assert "--enable-lora" in serve and f"--lora-modules demo={out}" in serve

    again = _export(run_dir)
    assert again.exit_code == 2
    assert "already exists and is not empty" in again.output
    assert "Traceback" not in again.output


def test_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    (tmp_path / "output").mkdir()
    result = _export(tmp_path)
    assert result.exit_code == 2
    assert "not a run directory" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "export").exists()


def test_push_offline_is_one_clear_line(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "pushed"
    result = _export(run_dir, "--out", out, "--push-to-hub", "acme/demo-lora",
                     env={"HF_HUB_OFFLINE": "1", "HF_TOKEN": TOKEN})
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --push-to-hub:")
    assert "offline" in lines[0]
    assert TOKEN not in result.output
    assert not out.exists()  # checked before any work

    result = _export(run_dir, "--out", out, "--push-to-hub", "acme/demo-lora",
                     env={"HF_HUB_OFFLINE": "0", "HF_TOKEN": ""})
    assert result.exit_code == 2 and "HF_TOKEN is not set" in result.output


def test_failed_upload_keeps_the_export(run_dir: Path, tmp_path: Path) -> None:
    """A real upload attempt against an endpoint nobody listens on (no network needed)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = tmp_path / "kept"
    env = {**os.environ, "HF_HUB_OFFLINE": "0", "HF_TOKEN": TOKEN,
           "HF_ENDPOINT": f"http://127.0.0.1:{port}"}
    proc = subprocess.run([sys.executable, "-m", "tunebook.cli", "export", str(run_dir),
                           "--out", str(out), "--push-to-hub", "acme/demo-lora"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "upload to acme/demo-lora failed" in proc.stderr
    assert "Traceback" not in proc.stderr and TOKEN not in proc.stderr + proc.stdout
    assert (out / "adapter_model.safetensors").is_file() and (out / "README.md").is_file()
