"""Shared fixtures: the repo root, a CLI runner, and small recipes written into tmp dirs."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
SHIPPED_RECIPES = sorted(p.stem for p in (REPO / "recipes").glob("*.yaml")
                         if not p.stem.endswith(".lock"))


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory, monkeypatch):
    """Keep runs and caches out of the checkout and the user's home."""
    cache = tmp_path_factory.getbasetemp() / "tunebook-cache"
    monkeypatch.setenv("TUNEBOOK_CACHE", str(cache))
    monkeypatch.setenv("TUNEBOOK_RUNS_DIR", str(tmp_path_factory.getbasetemp() / "runs"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("TUNEBOOK_PRESET_PATH", raising=False)
    monkeypatch.chdir(REPO)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def invoke(runner):
    """Run the tunebook CLI in-process; returns click's Result."""
    from tunebook.cli import main

    def _invoke(*args: str, **kwargs):
        return runner.invoke(main, list(args), catch_exceptions=False, **kwargs)

    return _invoke


def chat_rows(n: int, prefix: str = "q") -> list[dict]:
    return [
        {"messages": [
            {"role": "user", "content": f"{prefix} question number {i} about order ORD-{i:05d}"},
            {"role": "assistant", "content": f"Answer {i}: thanks for asking, here is the fix."},
        ]}
        for i in range(n)
    ]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path


@pytest.fixture
def recipe_dir(tmp_path: Path) -> Path:
    """A folder with a small chat dataset, ready for recipes written by a test."""
    write_jsonl(tmp_path / "data" / "train.jsonl", chat_rows(40))
    write_jsonl(tmp_path / "data" / "eval.jsonl", chat_rows(5, prefix="eval"))
    return tmp_path


@pytest.fixture
def write_recipe(recipe_dir: Path):
    """Write a recipe (YAML text) into recipe_dir and return its path."""

    def _write(text: str, name: str = "r.yaml") -> Path:
        path = recipe_dir / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


BASIC_RECIPE = """\
name: basic
task: tone
model: qwen2.5-7b
hardware:
  gpu: rtx-4090
dataset:
  path: data/train.jsonl
  eval_path: data/eval.jsonl
"""


def env_without(*names: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in names}
