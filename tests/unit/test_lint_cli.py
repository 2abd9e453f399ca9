"""`tunebook lint` through click: JSON schema of the output, exit codes, no torch import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jsonschema
import orjson
import pytest
from click.testing import CliRunner

from tunebook.commands.lint import lint

REPORT_SCHEMA = {
    "type": "object",
    "required": ["summary", "findings"],
    "properties": {
        "summary": {
            "type": "object",
            "required": ["examples", "errors", "warnings", "infos", "seconds"],
            "properties": {
                k: {"type": "integer", "minimum": 0}
                for k in ("examples", "errors", "warnings", "infos")
            }
            | {"seconds": {"type": "number", "minimum": 0}},
        },
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["rule", "category", "severity", "line", "example", "message"],
                "properties": {
                    "rule": {"type": "string", "pattern": "^TB[0-9]{3}$"},
                    "category": {
                        "enum": [
                            "schema",
                            "roles",
                            "empty",
                            "duplicate",
                            "near-duplicate",
                            "leakage",
                            "too-long",
                            "no-trainable-tokens",
                            "special-tokens",
                            "pii",
                            "encoding",
                            "outlier",
                            "size",
                            "labels",
                            "format",
                        ]
                    },
                    "severity": {"enum": ["error", "warning", "info"]},
                    "line": {"type": ["integer", "null"], "minimum": 1},
                    "example": {"type": ["integer", "null"], "minimum": 0},
                    "message": {"type": "string"},
                },
            },
        },
        "tokens": {
            "type": "object",
            "required": ["p50", "p90", "p99", "max", "sequence_len", "tokenizer"],
        },
    },
}


def rows(n: int, bad: bool = False) -> bytes:
    out = []
    for i in range(n):
        answer = (
            f"Parcel {i} left depot {i * 7} on route {i * 13}, arriving within {i % 5 + 1} days."
        )
        out.append(
            orjson.dumps(
                {
                    "messages": [
                        {
                            "role": "user",
                            "content": f"Question number {i}: where is parcel {i * 31}?",
                        },
                        {"role": "assistant", "content": "" if bad and i == 3 else answer},
                    ]
                }
            )
        )
    return b"\n".join(out) + b"\n"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, data in {"clean": rows(150), "bad": rows(150, bad=True), "warn": rows(50)}.items():
        out[name] = tmp_path / f"{name}.jsonl"
        out[name].write_bytes(data)
    return out


def test_json_output_matches_schema(files: dict[str, Path]) -> None:
    result = CliRunner().invoke(lint, [str(files["bad"]), "--format", "json", "--seq-len", "512"])
    assert result.exit_code == 1, result.output
    report = orjson.loads(result.stdout)
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["summary"]["errors"] == 1
    assert report["findings"][0]["rule"] == "TB301" and report["findings"][0]["line"] == 4
    assert report["tokens"]["tokenizer"] == "estimate"


@pytest.mark.parametrize(
    "name, fail_on, code",
    [
        ("clean", "error", 0),
        ("clean", "warning", 0),
        ("bad", "error", 1),
        ("warn", "error", 0),
        ("warn", "warning", 1),
    ],
)
def test_exit_codes(files: dict[str, Path], name: str, fail_on: str, code: int) -> None:
    result = CliRunner().invoke(lint, [str(files[name]), "--fail-on", fail_on, "--format", "json"])
    assert result.exit_code == code, result.output


@pytest.mark.parametrize(
    "args",
    [
        ["missing.jsonl"],
        ["{clean}", "--select", "TB999"],
        ["{clean}", "--eval", "nope.jsonl"],
        ["explain", "TB000"],
        [],
    ],
)
def test_usage_errors_exit_2_without_traceback(files: dict[str, Path], args: list[str]) -> None:
    result = CliRunner().invoke(lint, [a.format(clean=files["clean"]) for a in args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("fmt, marker", [("junit", "<testsuite"), ("markdown", "## Dataset lint")])
def test_other_formats(files: dict[str, Path], fmt: str, marker: str) -> None:
    result = CliRunner().invoke(lint, [str(files["bad"]), "--format", fmt])
    assert result.exit_code == 1 and marker in result.stdout and "TB301" in result.stdout


def test_text_output_groups_by_rule(files: dict[str, Path]) -> None:
    result = CliRunner().invoke(lint, [str(files["bad"])])
    assert result.exit_code == 1
    assert "TB301 empty-completion" in result.output and "bad.jsonl:4" in result.output


def test_explain_prints_the_rule_doc() -> None:
    for args in (["explain", "TB411"], ["--explain", "near-duplicate-example"]):
        result = CliRunner().invoke(lint, args)
        assert result.exit_code == 0 and "Why is this bad?" in result.output


def test_lint_without_model_imports_no_torch(files: dict[str, Path]) -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from tunebook.commands.lint import lint\n"
        f"r = CliRunner().invoke(lint, [{str(files['bad'])!r}, '--format', 'json'])\n"
        "assert r.exit_code == 1, r.output\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'axolotl') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_model_preset_without_local_tokenizer_falls_back_clearly(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    path = tmp_path / "d.jsonl"
    path.write_bytes(
        orjson.dumps(
            {
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello."},
                ]
            }
        )
        + b"\n"
    )
    result = CliRunner().invoke(
        lint, [str(path), "--model", "gemma-2-9b", "--format", "json", "--ignore", "size"]
    )
    report = orjson.loads(result.stdout)
    assert [f["rule"] for f in report["findings"]] == ["TB206"]
    assert report["tokens"]["tokenizer"] == "estimate"
    assert "gemma-2-9b" in report["summary"]["notes"][0]


def test_model_dir_gives_real_counts(tmp_path: Path) -> None:
    from tunebook.lint.demo_tokenizer import build_demo_tokenizer

    model = build_demo_tokenizer(tmp_path / "m", ["hello there general kenobi"] * 20, 300)
    path = tmp_path / "d.jsonl"
    path.write_bytes(rows(3))
    result = CliRunner().invoke(
        lint,
        [
            str(path),
            "--model",
            str(model),
            "--seq-len",
            "8",
            "--format",
            "json",
            "--ignore",
            "size",
        ],
    )
    report = orjson.loads(result.stdout)
    assert report["tokens"]["tokenizer"] == "real"
    assert {f["rule"] for f in report["findings"]} == {"TB501"}


def test_cli_selector_errors_name_the_flag_not_the_recipe() -> None:
    recipe = Path(__file__).resolve().parents[2] / "recipes" / "support-tone.yaml"
    for flag in ("--ignore", "--select"):
        result = CliRunner().invoke(lint, [str(recipe), flag, "TB4111"])
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert f"error: {flag}: unknown rule selector 'TB4111'" in result.output
        assert "did you mean TB411?" in result.output and "support-tone.yaml" not in result.output


def test_recipe_selector_errors_name_lint_ignore_in_the_recipe(tmp_path: Path) -> None:
    from tunebook.errors import UserError
    from tunebook.lint import LintSettings, lint_dataset

    data = tmp_path / "t.jsonl"
    data.write_bytes(rows(3))
    settings = LintSettings(files=[data], ignore=["duplicate-exampel"], source="recipe.yaml")
    with pytest.raises(UserError) as exc:
        lint_dataset(settings)
    assert exc.value.file == "recipe.yaml" and exc.value.field == "lint.ignore"
    assert exc.value.hint == "did you mean duplicate-example?"


def test_a_directory_says_so_and_what_to_pass(tmp_path: Path) -> None:
    result = CliRunner().invoke(lint, [str(tmp_path)])
    assert result.exit_code == 2 and "is a directory" in result.output
    assert "not found" not in result.output
    (tmp_path / "train.jsonl").write_bytes(rows(3))
    result = CliRunner().invoke(lint, [str(tmp_path)])
    assert result.exit_code == 2 and "is a directory" in result.output
    assert f"tunebook lint {tmp_path / 'train.jsonl'}" in result.output
    (tmp_path / "d.jsonl").mkdir()
    result = CliRunner().invoke(lint, [str(tmp_path / "d.jsonl")])
    assert result.exit_code == 2 and "is a directory" in result.output


def test_findings_do_not_depend_on_pythonhashseed(tmp_path: Path) -> None:
    """Exact and near duplicates (pairs near the Jaccard threshold, where which pairs LSH
    finds depends on the word hashes) are the same under two PYTHONHASHSEEDs."""
    import json
    import os

    lines = []
    for i in range(300):
        base = i % 100  # 100..199: 3 of 30 words changed (Jaccard ~0.5); 200..: exact copies
        words = [f"w{base}x{j}" for j in range(30)]
        if 100 <= i < 200:
            for j in (5, 15, 25):
                words[j] = f"changed{j}"
        msgs = [
            {"role": "user", "content": f"ticket {base}"},
            {"role": "assistant", "content": " ".join(words)},
        ]
        lines.append(json.dumps({"messages": msgs}))
    data = tmp_path / "train.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from tunebook.lint import LintSettings, lint_dataset\n"
        "from tunebook.lint.render import render_json\n"
        f"s = LintSettings(files=[{str(data)!r}], select=['ALL'],\n"
        "                  thresholds={'near-duplicate-example': {'jaccard': 0.4}})\n"
        "sys.stdout.write(render_json(lint_dataset(s, jobs=1)))\n"
    )
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        outs.append(orjson.loads(out.stdout)["findings"])
    assert outs[0] == outs[1]
    rules = {f["rule"] for f in outs[0]}
    assert {"TB401", "TB411"} <= rules, rules


def test_pre_commit_hook_skips_non_dataset_json() -> None:
    import re

    import yaml

    root = Path(__file__).resolve().parents[2]
    (hook,) = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    files = re.compile(hook["files"])
    for path in ("train.jsonl", "a/b/x.parquet", "data/t.json", "src/datasets/e/x.csv"):
        assert files.search(path), path
    for path in ("package.json", "web/tsconfig.json", "mydata/x.json", "data.csv", "x.jsonl.bak"):
        assert not files.search(path), path
