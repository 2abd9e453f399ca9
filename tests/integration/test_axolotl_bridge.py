"""The Axolotl bridge end to end: a real LoRA run on the tiny model on CPU, validation, launch."""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import threading
from pathlib import Path

import pytest
import yaml

from tunebook import axolotl_bridge as bridge
from tunebook.tinymodel import ensure_tiny_model

MAX_STEPS = 6
SEQUENCE_LEN = 256
TOPICS = ["billing", "shipping", "returns", "passwords", "refunds", "orders", "delivery"]


def _conversation(i: int) -> dict:
    topic = TOPICS[i % len(TOPICS)]
    return {
        "messages": [
            {"role": "system", "content": "You are a friendly support agent."},
            {"role": "user", "content": f"Hi, I have a question about {topic} (case {i})."},
            {"role": "assistant", "content": f"Happy to help with {topic}! What is order {i}?"},
        ]
    }


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def cpu_config(root: Path, model_dir: Path) -> dict:
    """The minimal CPU-safe Axolotl 0.19 LoRA config (documented in docs/axolotl-notes.md)."""
    dataset = {
        "ds_type": "json",
        "type": "chat_template",
        "field_messages": "messages",
        "message_property_mappings": {"role": "role", "content": "content"},
    }
    return {
        "base_model": str(model_dir),
        "model_type": "AutoModelForCausalLM",
        "tokenizer_type": "AutoTokenizer",
        "chat_template": "tokenizer_default",
        "datasets": [{"path": str(root / "train.jsonl"), **dataset}],
        "test_datasets": [{"path": str(root / "test.jsonl"), "split": "train", **dataset}],
        "dataset_prepared_path": str(root / "prepared"),
        "dataset_num_proc": 1,
        "output_dir": str(root / "output"),
        "sequence_len": SEQUENCE_LEN,
        "sample_packing": False,
        "adapter": "lora",
        "lora_r": 8,
        "lora_alpha": 16,
        "lora_dropout": 0.0,
        "lora_target_linear": True,
        "lora_mlp_kernel": False,
        "lora_qkv_kernel": False,
        "lora_o_kernel": False,
        "lora_embedding_kernel": False,
        "micro_batch_size": 2,
        "gradient_accumulation_steps": 1,
        "max_steps": MAX_STEPS,
        "num_epochs": 1,
        "learning_rate": 1e-3,
        "optimizer": "adamw_torch",
        "lr_scheduler": "cosine",
        "warmup_steps": 1,
        "bf16": False,
        "fp16": False,
        "tf32": False,
        "attn_implementation": "sdpa",
        "gradient_checkpointing": False,
        "logging_steps": 1,
        "eval_strategy": "steps",
        "eval_steps": MAX_STEPS // 2,
        "save_strategy": "steps",
        "save_steps": MAX_STEPS,
        "dataloader_num_workers": 0,
        "seed": 0,
    }


@pytest.fixture(scope="module")
def chat_setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("run")
    train = [_conversation(i) for i in range(48)]
    too_long = _conversation(999)
    too_long["messages"][2]["content"] = " ".join(f"word{i}" for i in range(400))
    _write_jsonl(root / "train.jsonl", [*train, too_long])
    _write_jsonl(root / "test.jsonl", [_conversation(i) for i in range(100, 112)])
    texts = [m["content"] for row in train for m in row["messages"]]
    model_dir = ensure_tiny_model(tmp_path_factory.mktemp("models"), texts)
    return root, cpu_config(root, model_dir)


@pytest.fixture(scope="module")
def trained(chat_setup: tuple[Path, dict]) -> tuple[int, Path, dict]:
    root, cfg = chat_setup
    config_path = root / "axolotl.yaml"
    config_path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    cmd = bridge.build_launch_command(config_path, cpu=True)
    env = bridge.training_env(os.environ, cpu=True, run_dir=root)
    code = bridge.run_streaming(cmd, log_path=root / "train.log", env=env, cwd=root)
    return code, root, cfg


@pytest.mark.integration
def test_cpu_lora_run_saves_adapter_and_metrics(trained: tuple[int, Path, dict]) -> None:
    code, root, cfg = trained
    log = (root / "train.log").read_text(encoding="utf-8")
    assert code == 0, log[-3000:]
    output = Path(cfg["output_dir"])
    assert (output / "adapter_model.safetensors").stat().st_size > 0
    assert "Training completed!" in log
    metrics = bridge.read_trainer_metrics(output)
    assert metrics["steps"] == MAX_STEPS
    assert math.isfinite(metrics["eval_loss"]) and math.isfinite(metrics["train_loss"])
    evals = [entry for entry in metrics["log_history"] if "eval_loss" in entry]
    # Axolotl forces eval_on_start when eval_steps is set: the base model is scored at step 0.
    assert [entry["step"] for entry in evals] == [0, MAX_STEPS // 2, MAX_STEPS]
    assert evals[-1]["eval_loss"] < evals[0]["eval_loss"]


@pytest.mark.integration
def test_overlong_sample_is_dropped_with_an_info_line(trained: tuple[int, Path, dict]) -> None:
    code, root, _ = trained
    log = (root / "train.log").read_text(encoding="utf-8")
    assert code == 0
    assert "[INFO] [axolotl.utils.data.utils] Dropped 1 sequences outside valid range " in log
    assert f"([None, {SEQUENCE_LEN}])" in log


@pytest.mark.integration
def test_validate_accepts_the_working_cpu_config(chat_setup: tuple[Path, dict]) -> None:
    assert bridge.validate_config(chat_setup[1]) == []


@pytest.mark.integration
@pytest.mark.parametrize(
    "hub_id",
    ["meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-7B-Instruct", "google/gemma-2-9b-it"],
)
def test_validate_accepts_hub_models_offline(chat_setup: tuple[Path, dict], hub_id: str) -> None:
    cfg = {**chat_setup[1], "base_model": hub_id, "bf16": "auto", "sequence_len": 4096}
    cfg.pop("model_type")
    assert bridge.validate_config(cfg, capabilities={**bridge.CPU_CAPABILITIES, "bf16": True}) == []


@pytest.mark.integration
def test_validate_reports_each_problem_by_key(chat_setup: tuple[Path, dict]) -> None:
    cfg = {
        **chat_setup[1],
        "excess_length_strategy": "chop",
        "learning_rate": "fast",
        "optimizer": "adamw_torh",
        "lora_rr": 4,
        "base_model": "/does/not/exist",
    }
    cfg["datasets"] = [{**cfg["datasets"][0], "field_mesages": "messages"}]
    errors = bridge.validate_config(cfg)
    assert len(errors) == 6, errors
    joined = "\n".join(errors)
    assert "excess_length_strategy: Input should be 'drop', 'truncate' or 'raise'" in joined
    assert "learning_rate:" in joined
    assert "optimizer: 'adamw_torh'" in joined and "`adamw_torch`" in joined
    assert "lora_rr: unknown key" in joined and "`lora_r`" in joined
    assert "datasets[0].field_mesages: unknown key" in joined and "`field_messages`" in joined
    assert "base_model: local model directory /does/not/exist does not exist" in joined


@pytest.mark.integration
def test_validate_reports_axolotl_model_validators_and_plugins(
    chat_setup: tuple[Path, dict],
) -> None:
    cfg = chat_setup[1]
    assert bridge.validate_config({**cfg, "val_set_size": 0.1}) == [
        "non-zero val_set_size should not be used with test_datasets configuration"
    ]
    assert bridge.validate_config({**cfg, "plugins": ["no_such_pkg.Plugin"]}) == [
        "plugins[0]: cannot load plugin 'no_such_pkg.Plugin': No module named 'no_such_pkg'"
    ]
    liger = {**cfg, "plugins": ["axolotl.integrations.liger.LigerPlugin"], "liger_rms_nrm": True}
    assert bridge.validate_config(liger) == [
        "liger_rms_nrm: unknown key, Axolotl would silently ignore it; "
        "did you mean `liger_rms_norm`?"
    ]


@pytest.mark.integration
def test_validate_never_raises_on_garbage() -> None:
    errors = bridge.validate_config({"datasets": "not a list", "micro_batch_size": [1]})
    assert errors and all(isinstance(e, str) for e in errors)


@pytest.mark.integration
def test_tiny_model_loads_in_transformers_and_generates(chat_setup: tuple[Path, dict]) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model_dir = chat_setup[1]["base_model"]
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model, info = AutoModelForCausalLM.from_pretrained(model_dir, output_loading_info=True)
    assert info["missing_keys"] == set() and info["unexpected_keys"] == set()
    assert info["mismatched_keys"] in (set(), [])
    messages = [{"role": "user", "content": "Hi, I have a question about billing."}]
    inputs = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    out = model.generate(**inputs, max_new_tokens=4, do_sample=False)
    assert out.shape[1] == inputs["input_ids"].shape[1] + 4
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token == "<|endoftext|>"


# ----------------------------------------------------------------- launch helpers (no Axolotl)


def test_cpu_launch_command_runs_the_trainer_module(tmp_path: Path) -> None:
    cmd = bridge.build_launch_command(tmp_path / "a.yaml", cpu=True)
    assert cmd == [sys.executable, "-m", "axolotl.cli.train", str(tmp_path / "a.yaml")]


def test_gpu_launch_command_uses_accelerate(tmp_path: Path) -> None:
    single = bridge.build_launch_command(tmp_path / "a.yaml", cpu=False, num_processes=4)
    assert single == [
        sys.executable, "-m", "accelerate.commands.launch", "--num_processes", "4",
        "-m", "axolotl.cli.train", str(tmp_path / "a.yaml"),
    ]  # fmt: skip
    multi = bridge.build_launch_command(
        tmp_path / "a.yaml", cpu=False, num_processes=16, num_machines=2, machine_rank=1,
        main_process_ip="10.0.0.1", main_process_port=29500,
    )  # fmt: skip
    assert multi[3:-3] == [
        "--num_processes", "16", "--num_machines", "2", "--machine_rank", "1",
        "--main_process_ip", "10.0.0.1", "--main_process_port", "29500",
    ]  # fmt: skip


def test_training_env_is_offline_and_keeps_secrets_in_memory(tmp_path: Path) -> None:
    env = bridge.training_env({"PATH": "/bin"}, cpu=True, run_dir=tmp_path)
    assert env["HF_HUB_OFFLINE"] == "1" and env["AXOLOTL_DO_NOT_TRACK"] == "1"
    assert env["DO_NOT_TRACK"] == "1" and env["CUDA_VISIBLE_DEVICES"] == ""
    assert env["WANDB_MODE"] == "offline" and env["WANDB_DIR"] == str(tmp_path)
    online = bridge.training_env(
        {"WANDB_API_KEY": "secret", "HF_HUB_OFFLINE": "0"}, cpu=False, run_dir=tmp_path
    )
    assert "WANDB_MODE" not in online and "CUDA_VISIBLE_DEVICES" not in online
    assert online["HF_HUB_OFFLINE"] == "0" and online["WANDB_API_KEY"] == "secret"
    assert list(tmp_path.iterdir()) == []


def test_run_streaming_tees_output_and_returns_the_exit_code(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    code = "import sys; print('one'); print('two', file=sys.stderr); sys.exit(3)"
    log = tmp_path / "train.log"
    rc = bridge.run_streaming([sys.executable, "-c", code], log_path=log, env=dict(os.environ))
    assert rc == 3
    assert log.read_text().splitlines() == ["one", "two"]
    assert "one" in capfd.readouterr().err


def test_run_streaming_forwards_ctrl_c_and_returns_130(tmp_path: Path) -> None:
    marker = tmp_path / "stopped"
    child = (
        "import time, pathlib\n"
        "print('ready', flush=True)\n"
        "try:\n    time.sleep(60)\n"
        f"except KeyboardInterrupt:\n    pathlib.Path({str(marker)!r}).write_text('ok')\n"
    )
    timer = threading.Timer(1.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        rc = bridge.run_streaming(
            [sys.executable, "-c", child], log_path=tmp_path / "log", env=dict(os.environ)
        )
    finally:
        timer.cancel()
    assert rc == 130
    assert marker.read_text() == "ok"


def test_read_trainer_metrics_prefers_the_latest_checkpoint(tmp_path: Path) -> None:
    assert bridge.read_trainer_metrics(tmp_path) == {
        "train_loss": None, "eval_loss": None, "steps": None, "log_history": [],
    }  # fmt: skip
    for step, loss in ((2, 5.0), (10, 4.0)):
        ckpt = tmp_path / f"checkpoint-{step}"
        ckpt.mkdir()
        history = [{"loss": loss + 1, "step": 1}, {"loss": loss, "step": step}]
        if step == 10:
            history += [{"eval_loss": 4.5, "step": 10}, {"train_loss": 4.7, "step": 10}]
        state = {"global_step": step, "log_history": history}
        (ckpt / "trainer_state.json").write_text(json.dumps(state))
    metrics = bridge.read_trainer_metrics(tmp_path)
    assert (metrics["train_loss"], metrics["eval_loss"], metrics["steps"]) == (4.0, 4.5, 10)
    assert len(metrics["log_history"]) == 4


def test_subprocess_is_not_in_our_process_group(tmp_path: Path) -> None:
    code = "import os; print(os.getpgid(0))"
    log = tmp_path / "log"
    bridge.run_streaming([sys.executable, "-c", code], log_path=log, env=dict(os.environ))
    assert int(log.read_text()) != os.getpgid(0)
