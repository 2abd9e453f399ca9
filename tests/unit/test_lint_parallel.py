"""Chunked and pooled scanning gives the report a single in-process pass gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tunebook.lint import LintSettings, engine, lint_dataset


def _write(path: Path, lines: list[str], bom: bool = False) -> Path:
    text = "\n".join(lines) + "\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _chat(i: int, answer: str | None = None) -> str:
    words = " ".join(f"w{(i * 7 + j) % 97}" for j in range(30))
    msgs = [
        {"role": "user", "content": f"question {i} about order {i * 13}?"},
        {"role": "assistant", "content": answer or f"answer {i}: {words}"},
    ]
    return json.dumps({"messages": msgs})


def _dataset(tmp_path: Path) -> tuple[Path, Path]:
    lines = [json.dumps({"nothing": 1}), "", "not json {", json.dumps([1, 2])]
    for i in range(400):
        lines.append(_chat(i))
        if i % 37 == 0:
            lines.append(_chat(i))  # exact duplicate
        if i % 41 == 0:
            near = _chat(i).replace(f"w{(i * 7 + 5) % 97}", "changed", 1)
            lines.append(near)
        if i % 53 == 0:
            lines.append(_chat(i, "Call me on +1 415 555 0132 <|im_end|>"))
        if i % 59 == 0:
            lines.append("")
            lines.append(json.dumps({"messages": [{"role": "user", "content": "x"}], "extra": 1}))
    train = _write(tmp_path / "train.jsonl", lines, bom=True)
    ev = _write(tmp_path / "eval.jsonl", [_chat(3), _chat(1000), _chat(7)])
    return train, ev


def _report(settings: LintSettings, **kw) -> dict:
    out = lint_dataset(settings, **kw).to_dict()
    out["summary"].pop("seconds")
    return out


@pytest.mark.parametrize("fmt", [None, "chat"])
def test_chunks_and_pool_match_one_pass(tmp_path: Path, monkeypatch, fmt) -> None:
    train, ev = _dataset(tmp_path)
    settings = LintSettings(
        files=[train], eval_files=[ev], sequence_len=64, format=fmt, select=["ALL"]
    )
    whole = _report(settings, jobs=1)
    assert whole["summary"]["rules"]["TB401"] and whole["summary"]["rules"]["TB411"]
    monkeypatch.setattr(engine, "CHUNK_BYTES", 900)
    chunked = _report(settings, jobs=1)
    assert chunked == whole
    monkeypatch.setattr(engine, "POOL_MIN_BYTES", 0)
    pooled = _report(settings, jobs=2)
    assert pooled == whole


def test_pool_does_not_fork_once_torch_is_imported(tmp_path: Path, monkeypatch) -> None:
    """The training command lints after torch was imported: workers must not be forked."""
    import sys
    import types

    train, ev = _dataset(tmp_path)
    settings = LintSettings(files=[train], eval_files=[ev], sequence_len=64, select=["ALL"])
    whole = _report(settings, jobs=1)
    monkeypatch.setattr(engine, "CHUNK_BYTES", 900)
    monkeypatch.setattr(engine, "POOL_MIN_BYTES", 0)
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))
    methods = []
    real_pool = engine._pool

    def spy(jobs, scanner):
        pool = real_pool(jobs, scanner)
        methods.append(None if pool is None else pool._ctx.get_start_method())
        return pool

    monkeypatch.setattr(engine, "_pool", spy)
    assert _report(settings, jobs=2) == whole
    assert methods and methods[0] in ("forkserver", "spawn")


def test_unpicklable_scanner_scans_in_process(monkeypatch) -> None:
    import sys
    import types

    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))
    assert engine._pool(2, lambda: None) is None
