"""The Axolotl plugins' CPU-checkable logic: ZeRO-3 detection from the DeepSpeed JSON, bad style
regexes skipped during training, and the graceful stop agreed across ranks (gloo on CPU)."""

from __future__ import annotations

import json
import logging
import multiprocessing
import signal
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("axolotl")

from transformers import TrainerControl

from tunebook.evaluate.examples import example_from_row
from tunebook_plugins.eval_hooks import EvalHooksCallback, deepspeed_zero_stage
from tunebook_plugins.run_control import INTERRUPTED, GracefulStopCallback

CHAT = {"type": "chat_template", "field_messages": "messages",
        "message_property_mappings": {"role": "role", "content": "content"}}


# ---------------------------------------------------------------- ZeRO-3 detection


def _ds(tmp_path: Path, stage) -> str:
    path = tmp_path / "deepspeed.json"  # the name compiled configs always use
    path.write_text(json.dumps({"zero_optimization": {"stage": stage}, "bf16": {"enabled": True}}))
    return str(path)


def test_zero_stage_is_read_from_the_json_file_or_dict(tmp_path):
    assert deepspeed_zero_stage(_ds(tmp_path, 3)) == 3
    assert deepspeed_zero_stage(_ds(tmp_path, "2")) == 2
    assert deepspeed_zero_stage({"zero_optimization": {"stage": 3}}) == 3
    assert deepspeed_zero_stage({"train_batch_size": "auto"}) == 0
    assert deepspeed_zero_stage(None) is None and deepspeed_zero_stage("") is None
    # unreadable file: the name is the only clue (Axolotl's bundled zero3_bf16.json)
    assert deepspeed_zero_stage(str(tmp_path / "zero3_bf16.json")) == 3
    assert deepspeed_zero_stage(str(tmp_path / "missing.json")) is None


def test_can_generate_skips_only_sharded_multi_process_runs(tmp_path):
    can = EvalHooksCallback._can_generate
    (tmp_path / "s3").mkdir()
    zero3 = _ds(tmp_path / "s3", 3)
    assert can(SimpleNamespace(deepspeed=zero3, world_size=2, fsdp="")) is False
    assert can(SimpleNamespace(deepspeed={"zero_optimization": {"stage": 3}}, world_size=4,
                               fsdp=None)) is False
    assert can(SimpleNamespace(deepspeed=zero3, world_size=1, fsdp="")) is True
    sub = tmp_path / "s2"
    sub.mkdir()
    zero2 = _ds(sub, 2)
    assert can(SimpleNamespace(deepspeed=zero2, world_size=8, fsdp="")) is True
    assert can(SimpleNamespace(deepspeed=None, world_size=2, fsdp="full_shard")) is False
    assert can(SimpleNamespace(deepspeed=None, world_size=2, fsdp="")) is True


# ---------------------------------------------------------------- bad regex during training


def test_bad_style_regex_is_logged_and_skipped_not_raised(tmp_path, monkeypatch, caplog):
    import tunebook.evaluate.generate as generate

    cfg = {"tunebook_run_dir": str(tmp_path), "tunebook_eval_samples": 2, "tunebook_task": "tone",
           "tunebook_must_include": ["(unclosed", r"\bthanks\b"],
           "tunebook_must_not_include": ["*bad"]}
    with caplog.at_level(logging.WARNING):
        callback = EvalHooksCallback(cfg, tokenizer=None)
    assert callback.must_include == [r"\bthanks\b"] and callback.must_not_include == []
    assert "tunebook_must_include[0]" in caplog.text and "skipped" in caplog.text
    callback._examples = [example_from_row({"messages": [
        {"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "thanks!"}]},
        CHAT) for i in range(2)]
    monkeypatch.setattr(generate, "generate_answers",
                        lambda model, tok, examples, **kw: ["thanks a lot", "no"])
    row = callback.evaluate(object(), step=0, epoch=0.0, eval_loss=None)
    assert row["metrics"]["must_include_rate"] == 0.5
    assert "must_not_include_rate" not in row["metrics"]


# ---------------------------------------------------------------- graceful stop


def _state(step: int, *, local_zero: bool = True):
    return SimpleNamespace(global_step=step, max_steps=10, is_local_process_zero=local_zero,
                           is_world_process_zero=local_zero)


@pytest.fixture
def restore_signals():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_single_process_stop_is_unchanged(tmp_path, restore_signals):
    callback = GracefulStopCallback(tmp_path)
    args = SimpleNamespace(device="cpu")
    control = TrainerControl()
    callback.on_train_begin(args, _state(0), control)
    assert signal.getsignal(signal.SIGTERM) == callback._handler
    callback.on_step_end(args, _state(1), control)
    assert not control.should_training_stop and not (tmp_path / INTERRUPTED).exists()
    signal.raise_signal(signal.SIGTERM)  # handled: sets the flag, does not kill pytest
    callback.on_step_end(args, _state(2), control)
    assert control.should_save and control.should_training_stop
    record = json.loads((tmp_path / INTERRUPTED).read_text())
    assert record["signal"] == "SIGTERM" and record["step"] == 2 and record["max_steps"] == 10


def _rank_worker(rank: int, port: int, run_dir: str, queue) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=2)
    try:
        callback = GracefulStopCallback(Path(run_dir))
        args = SimpleNamespace(device="cpu")
        stopped_at = None
        for step in range(1, 8):
            if rank == 1 and step == 3:  # only rank 1 is signalled, between steps 2 and 3
                callback._handler(signal.SIGTERM, None)
            control = TrainerControl()
            callback.on_step_end(args, _state(step, local_zero=rank == 0), control)
            if control.should_training_stop:
                stopped_at = step
                break
        queue.put((rank, stopped_at, control.should_save))
    finally:
        dist.destroy_process_group()


def test_ranks_agree_to_stop_at_the_same_step(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_rank_worker, args=(r, port, str(tmp_path), queue))
             for r in (0, 1)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    results = sorted(queue.get(timeout=5) for _ in procs)
    assert results == [(0, 3, True), (1, 3, True)]
    record = json.loads((tmp_path / INTERRUPTED).read_text())
    assert record["step"] == 3 and record["signal"] in ("SIGTERM", "another process was signalled")
