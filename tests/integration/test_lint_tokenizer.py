"""Lint with a real (locally built) tokenizer and chat template: exact lengths, no torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tunebook.lint import LintSettings, lint_dataset
from tunebook.lint.demo_tokenizer import build_demo_tokenizer
from tunebook.lint.tokenizer import load_model_tokenizer

WORDS = [
    "parcel",
    "order",
    "refund",
    "depot",
    "courier",
    "invoice",
    "account",
    "address",
    "label",
    "return",
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    corpus = [" ".join(WORDS[(i * j) % len(WORDS)] for j in range(30)) for i in range(200)]
    return build_demo_tokenizer(tmp_path_factory.mktemp("tok"), corpus, vocab_size=600)


def qa(q: str, a: str, system: str | None = None) -> dict:
    msgs = [{"role": "system", "content": system}] if system else []
    return {
        "messages": [*msgs, {"role": "user", "content": q}, {"role": "assistant", "content": a}]
    }


def write(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in rows) + b"\n")
    return path


def test_exact_counts_match_the_template_render(model_dir: Path, tmp_path: Path) -> None:
    tok = load_model_tokenizer(model_dir)
    rendered = tok.render("chat", [("user", "where is my parcel"), ("assistant", "at the depot")])
    assert rendered == (
        "<|im_start|>user\nwhere is my parcel<|im_end|>\n"
        "<|im_start|>assistant\nat the depot<|im_end|>\n"
    )
    n = tok.count([rendered])[0]
    rows = [qa("where is my parcel", "at the depot")] * 1
    report = lint_dataset(
        LintSettings(
            files=[write(tmp_path, rows)], model_dir=model_dir, sequence_len=n - 1, select=["TB5"]
        )
    ).to_dict()
    assert [f["rule"] for f in report["findings"]] == ["TB501"]
    assert f"{n} tokens > sequence_len {n - 1}" in report["findings"][0]["message"]
    assert "drop" in report["findings"][0]["message"]
    assert report["tokens"]["tokenizer"] == "real" and report["tokens"]["max"] == n


def test_fits_exactly_is_not_too_long(model_dir: Path, tmp_path: Path) -> None:
    tok = load_model_tokenizer(model_dir)
    n = tok.count([tok.render("chat", [("user", "a refund"), ("assistant", "the label")])])[0]
    rows = [qa("a refund", "the label")]
    report = lint_dataset(
        LintSettings(
            files=[write(tmp_path, rows)], model_dir=model_dir, sequence_len=n, select=["TB5"]
        )
    ).to_dict()
    assert report["findings"] == []


def test_truncation_that_cuts_the_whole_response(model_dir: Path, tmp_path: Path) -> None:
    rows = [qa("parcel " * 400, "the depot"), qa("refund", "invoice " * 400)]
    report = lint_dataset(
        LintSettings(
            files=[write(tmp_path, rows)],
            model_dir=model_dir,
            sequence_len=128,
            excess_length_strategy="truncate",
            select=["TB5"],
        )
    ).to_dict()
    got = sorted((f["line"], f["rule"]) for f in report["findings"])
    assert got == [(1, "TB501"), (1, "TB511"), (2, "TB501")]
    assert "truncate" in report["findings"][0]["message"]


def test_template_error_and_added_tokens(model_dir: Path, tmp_path: Path) -> None:
    bad_order = {
        "messages": [
            {"role": "user", "content": "q"},
            {"role": "system", "content": "s"},
            {"role": "assistant", "content": "a"},
        ]
    }
    rows = [bad_order, qa("q", "fine<|endoftext|>")]
    report = lint_dataset(
        LintSettings(files=[write(tmp_path, rows)], model_dir=model_dir, select=["TB207", "TB311"])
    ).to_dict()
    got = sorted((f["line"], f["rule"]) for f in report["findings"])
    assert got == [(1, "TB207"), (2, "TB311")]
    assert "System message must be first" in report["findings"][0]["message"]


def test_lint_with_tokenizer_imports_no_torch(model_dir: Path, tmp_path: Path) -> None:
    path = write(tmp_path, [qa("where", "here")] * 3)
    code = (
        "import sys\n"
        "from tunebook.lint import LintSettings, lint_dataset\n"
        f"r = lint_dataset(LintSettings(files=[{str(path)!r}], model_dir={str(model_dir)!r},"
        " sequence_len=8))\n"
        "assert r.tokens['tokenizer'] == 'real'\n"
        "print(','.join(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
