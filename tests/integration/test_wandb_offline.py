"""W&B offline: the run directory holds the config (recipe name, plan), the metrics history
and the eval tables, written by the plugin inside Axolotl's run and by `tunebook eval`; no
secret lands in any file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_eval_pipeline import REPO, SECRET, trained_run

pytestmark = pytest.mark.integration


def wandb_records(path: Path) -> Iterator[object]:
    """Records of a `.wandb` transaction log (7-byte header, then LevelDB-style log blocks)."""
    from wandb.proto import wandb_internal_pb2 as pb

    data = path.read_bytes()
    assert data[:4] == b":W&B"
    pos, block, pending = 7, 32768, b""
    while pos + 7 <= len(data):
        left = block - pos % block
        length, kind = int.from_bytes(data[pos + 4:pos + 6], "little"), data[pos + 6]
        if left < 7 or (length == 0 and kind == 0):
            pos += left
            continue
        chunk = data[pos + 7:pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):
            record = pb.Record()
            record.ParseFromString(pending + chunk)
            pending = b""
            yield record
        else:
            pending += chunk


def summarize(run_path: Path) -> dict:
    """run info, config keys -> JSON, history keys, artifact names of one offline run."""
    out: dict = {"config": {}, "history": [], "artifacts": [], "run": None}
    for record in wandb_records(next(run_path.glob("run-*.wandb"))):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            out["run"] = record.run
            out["config"].update({i.key: json.loads(i.value_json) for i in record.run.config.update
                                  if i.key})
        elif kind == "config":
            out["config"].update({i.key: json.loads(i.value_json) for i in record.config.update
                                  if i.key})
        elif kind == "history":
            out["history"].append({i.key or "/".join(i.nested_key): json.loads(i.value_json)
                                   for i in record.history.item})
        elif kind == "artifact":
            out["artifacts"].append((record.artifact.name,
                                     sorted(e.path for e in record.artifact.manifest.contents)))
    return out


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    run_dir = trained_run(tmp_path_factory)
    if not (run_dir / "eval" / "results.json").is_file():
        proc = subprocess.run([sys.executable, "-m", "tunebook.cli", "eval", str(run_dir)],
                              cwd=REPO, capture_output=True, text=True, timeout=600,
                              env={**os.environ, "HF_TOKEN": SECRET, "WANDB_MODE": "offline"})
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "wandb sync" in proc.stderr
    return run_dir


def offline_runs(run_dir: Path) -> dict[str, dict]:
    runs = {}
    for path in sorted((run_dir / "wandb").glob("offline-run-*")):
        summary = summarize(path)
        runs[summary["run"].job_type or "train"] = summary
    return runs


def test_the_training_run_holds_config_history_and_step_tables(run_dir):
    train = offline_runs(run_dir)["train"]
    assert train["run"].project == "tunebook-test"
    assert train["run"].run_group == "support-mini"
    assert list(train["run"].tags) == ["ci", "tiny"]
    tunebook = train["config"]["tunebook"]
    assert tunebook["recipe_name"] == "support-mini"
    assert tunebook["plan"]["method"] == "lora"
    assert tunebook["recipe"]["eval"]["must_include"]
    losses = [h["train/loss"] for h in train["history"] if "train/loss" in h]
    assert len(losses) >= 10
    assert any("eval/loss" in h for h in train["history"])
    tables = [h for h in train["history"] if "tunebook/eval_samples/_type" in h]
    assert len(tables) >= 2
    assert {h["tunebook/eval_samples/_type"] for h in tables} == {"table-file"}
    assert any("tunebook/rougeL" in h for h in train["history"])
    names = {name: files for name, files in train["artifacts"]}
    assert names["support-mini-run-files"] == ["lint.json", "plan.json", "recipe.lock.yaml"]


def test_tunebook_eval_logs_results_and_the_sample_table(run_dir):
    evaluation = offline_runs(run_dir)["eval"]
    assert evaluation["run"].project == "tunebook-test"
    assert evaluation["config"]["tunebook"]["recipe_name"] == "support-mini"
    logged = {k: v for h in evaluation["history"] for k, v in h.items()}
    assert logged["eval/tuned/loss"] < logged["eval/base/loss"]
    assert logged["eval/samples/_type"] == "table-file"
    table = next((run_dir / "wandb").glob("offline-run-*/files/media/table/eval/samples_*.json"))
    content = json.loads(table.read_text())
    assert content["columns"][:4] == ["prompt", "reference", "base", "tuned"]
    assert len(content["data"]) == 8


def test_no_secret_lands_in_any_file(run_dir):
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
