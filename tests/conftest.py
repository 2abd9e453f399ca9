"""Shared fixtures: the repo root, a CLI runner, and small recipes written into tmp dirs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tb_testutil import REPO, chat_rows, write_jsonl


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
