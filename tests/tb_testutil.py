"""Helpers shared by the unit and integration tests (import as `from tb_testutil import ...`)."""

from __future__ import annotations

from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]
SHIPPED_RECIPES = sorted(p.stem for p in (REPO / "recipes").glob("*.yaml")
                         if not p.stem.endswith(".lock"))

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
