"""lint.thresholds: declared per rule in the registry, validated up front, documented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tunebook.commands.lint import build_settings, lint
from tunebook.errors import UserError
from tunebook.lint import LintSettings, lint_dataset
from tunebook.lint.docs import render
from tunebook.lint.registry import RULES, threshold_value, validate_thresholds


def _data(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    rows = [
        {"messages": [{"role": "user", "content": f"q {i}"}, {"role": "assistant", "content": "a"}]}
        for i in range(20)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "thresholds, field, message, hint",
    [
        ({"nosuch-rule": {"x": 1}}, "lint.thresholds.nosuch-rule", "unknown lint rule", None),
        (
            {"near-duplicate": {"jacard": 0.5}},
            "lint.thresholds.near-duplicate.jacard",
            "unknown threshold 'jacard'",
            "did you mean jaccard?",
        ),
        (
            {"near-duplicate-exmple": {"jaccard": 0.5}},
            "lint.thresholds.near-duplicate-exmple",
            "unknown lint rule",
            "did you mean near-duplicate-example?",
        ),
        ({"TB411": {"jaccard": 7}}, "lint.thresholds.TB411.jaccard", "<= 1, got 7", None),
        ({"TB411": {"jaccard": "x"}}, "lint.thresholds.TB411.jaccard", "a number", None),
        ({"TB411": {"shingle": 2.5}}, "lint.thresholds.TB411.shingle", "an integer", None),
        ({"TB411": {"jaccard": True}}, "lint.thresholds.TB411.jaccard", "got True", None),
        ({"TB411": 0.5}, "lint.thresholds.TB411", "must be a mapping", None),
        (
            {"duplicate-example": {"x": 1}},
            "lint.thresholds.duplicate-example",
            "no thresholds",
            None,
        ),
        (
            {"email-address": {"allow_domains": [1]}},
            "lint.thresholds.email-address.allow_domains",
            "list of strings",
            None,
        ),
    ],
)
def test_bad_thresholds_are_user_errors(
    tmp_path: Path, thresholds: dict, field: str, message: str, hint: str | None
) -> None:
    settings = LintSettings(files=[_data(tmp_path)], thresholds=thresholds, source="r.yaml")
    with pytest.raises(UserError) as exc:
        lint_dataset(settings)
    err = exc.value
    assert err.field == field and err.file == "r.yaml" and message in err.bare_message, str(err)
    if hint:
        assert err.hint == hint


def test_bad_threshold_from_data_files_has_no_file() -> None:
    with pytest.raises(UserError) as exc:
        validate_thresholds({"TB411": {"jaccard": -1}})
    assert exc.value.file is None and "Traceback" not in str(exc.value)


def test_good_thresholds_apply_by_name_code_or_category(tmp_path: Path) -> None:
    near = RULES["TB411"]
    assert threshold_value({}, near, "jaccard") == 0.8  # the registered default
    for key in ("near-duplicate-example", "TB411", "near-duplicate"):
        checked = validate_thresholds({key: {"jaccard": 0.5, "shingle": 2.0}})
        assert threshold_value(checked, near, "jaccard") == 0.5
        assert threshold_value(checked, near, "shingle") == 2 and isinstance(
            checked[key]["shingle"], int
        )
    report = lint_dataset(
        LintSettings(files=[_data(tmp_path)], thresholds={"too-few-examples": {"min_error": 30}})
    )
    assert report.to_dict()["summary"]["rules"].get("TB801")


def test_every_threshold_is_documented_from_the_registry() -> None:
    text = render()
    knobs = [(r, k) for r in RULES.values() for k in r.knobs]
    assert len(knobs) >= 8
    for rule, k in knobs:
        assert f"`lint.thresholds.{rule.name}.{k.name}`" in text


def test_cli_reports_a_bad_threshold_in_one_line(tmp_path: Path, monkeypatch) -> None:
    data = _data(tmp_path)

    def fake(*args, **kw):
        s = build_settings((str(data),))
        s.thresholds = {"TB411": {"jaccard": "x"}}
        s.source = "recipe.yaml"
        return s

    monkeypatch.setattr("tunebook.commands.lint.build_settings", fake)
    result = CliRunner().invoke(lint, [str(data)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "recipe.yaml: lint.thresholds.TB411.jaccard: must be a number" in result.output
