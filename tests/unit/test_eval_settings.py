"""Eval settings checked before a paid run (known_metrics, check_eval_settings), and lenient
reading of damaged run directories by `tunebook eval` and `tunebook export`."""

from __future__ import annotations

import subprocess
import sys

import orjson
import pytest
import yaml

from tunebook.errors import UserError, UserErrors
from tunebook.evaluate.context import load_context
from tunebook.evaluate.metrics import check_eval_settings, known_metrics, task_metrics

CHAT = {"type": "chat_template", "field_messages": "messages",
        "message_property_mappings": {"role": "role", "content": "content"}}


# ---------------------------------------------------------------- known_metrics


def test_known_metrics_per_task():
    assert {"accuracy", "macro_f1", "loss", "perplexity", "style_pass_rate"} <= \
        known_metrics("classification")
    assert "rougeL" not in known_metrics("classification")
    assert {"json_parse_rate", "json_schema_valid_rate", "field_exact_match"} <= \
        known_metrics("extraction")
    assert known_metrics("completion") == {"loss", "perplexity"}
    for task in ("tone", "chat", "summarization"):
        assert {"rougeL", "length_ratio"} <= known_metrics(task)


@pytest.mark.parametrize("task", ["classification", "extraction", "tone", "chat"])
def test_known_metrics_covers_what_task_metrics_computes(task):
    refs, preds = ['{"a": 1}', "b"], ['{"a": 1}', "c"]
    found = task_metrics(task, refs, preds, schema={"type": "object"}, labels=["b", "c"],
                         must_include=["x"], must_not_include=["y"])
    scalars = {k for k, v in found.items() if isinstance(v, int | float)}
    assert scalars <= known_metrics(task)


def test_known_metrics_imports_no_torch():
    code = ("import sys; from tunebook.evaluate.metrics import known_metrics, "
            "check_eval_settings; known_metrics('chat'); check_eval_settings({}, 'chat'); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "False", out.stderr


# ---------------------------------------------------------------- check_eval_settings


def test_good_settings_have_no_problems():
    section = {"must_include": [r"\bthanks\b"], "must_not_include": ["(?i)sorry"],
               "require": {"rougeL": 0.3, "style_pass_rate": 0.9, "loss": 2},
               "min_improvement": 0.01}
    assert check_eval_settings(section, "tone") == []
    assert check_eval_settings({}, "chat") == []
    assert check_eval_settings(None, "chat") == []


def test_invalid_regexes_are_reported_with_their_index():
    problems = check_eval_settings({"must_include": ["ok", "([a-z"],
                                    "must_not_include": ["*oops"]}, "tone")
    fields = [f for f, _ in problems]
    assert fields == ["eval.must_include[1]", "eval.must_not_include[0]"]
    assert "invalid regex '([a-z'" in problems[0][1]
    assert "nothing to repeat" in problems[1][1]


def test_unknown_require_metric_gets_a_did_you_mean():
    problems = check_eval_settings({"require": {"acuracy": 0.9, "bleu": 0.1}},
                                   "classification")
    assert [f for f, _ in problems] == ["eval.require.acuracy", "eval.require.bleu"]
    assert "did you mean 'accuracy'?" in problems[0][1]
    assert "unknown metric 'bleu' for a classification task" in problems[1][1]
    assert "macro_f1" in problems[1][1]  # lists the valid names
    wrong_task = check_eval_settings({"require": {"accuracy": 0.9}}, "tone")
    assert wrong_task[0][0] == "eval.require.accuracy"


def test_style_metric_without_patterns_and_non_numeric_threshold():
    problems = dict(check_eval_settings({"require": {"must_include_rate": 0.9,
                                                     "rougeL": "high"},
                                         "min_improvement": "lots"}, "chat"))
    assert "only computed when eval.must_include is set" in \
        problems["eval.require.must_include_rate"]
    assert "expected a number" in problems["eval.require.rougeL"]
    assert "expected a number" in problems["eval.min_improvement"]


def test_wrong_shapes_are_problems_not_crashes():
    problems = dict(check_eval_settings({"must_include": "[", "require": ["accuracy"]},
                                        "classification"))
    assert problems == {"eval.must_include": "expected a list of regexes",
                        "eval.require": "expected a mapping of metric name -> threshold"}
    assert check_eval_settings({"must_include": [3]}, "chat")[0][0] == "eval.must_include[0]"


# ---------------------------------------------------------------- eval's run-dir reader


def _run_dir(tmp_path, lock, **config):
    held = tmp_path / "held.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"q{i}"},
                          {"role": "assistant", "content": "a"}]} for i in range(3)]
    held.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    (tmp_path / "axolotl.yaml").write_text(yaml.safe_dump(
        {"base_model": "/m", "test_datasets": [{"path": str(held), **CHAT}], **config}))
    if lock is not None:
        (tmp_path / "recipe.lock.yaml").write_text(lock)
    return tmp_path


@pytest.mark.parametrize("lock", ["[1, 2]", "{recipe: [1]}", "{recipe: {resolved: 3}}",
                                  "{recipe: {resolved: {eval: [1], name: r}}}", ": : :\n\t-"])
def test_eval_reads_a_damaged_lockfile_leniently(tmp_path, lock):
    ctx = load_context(_run_dir(tmp_path, lock))
    assert ctx.task == "chat" and len(ctx.examples) == 3 and ctx.require == {}


def test_eval_without_axolotl_yaml_is_a_clear_user_error(tmp_path):
    with pytest.raises(UserError, match=r"not a run directory \(no axolotl.yaml\)"):
        load_context(tmp_path)


def test_eval_refuses_a_bad_regex_before_loading_a_model(tmp_path):
    lock = yaml.safe_dump({"recipe": {"resolved": {"eval": {"must_include": ["(unclosed"]}}}})
    with pytest.raises(UserError) as info:
        load_context(_run_dir(tmp_path, lock))
    assert info.value.field == "eval.must_include[0]"
    assert "invalid regex" in info.value.bare_message


def test_eval_reports_every_settings_problem_at_once(tmp_path):
    lock = yaml.safe_dump({"recipe": {"resolved": {"eval": {"require": {"acc": 1}}}}})
    with pytest.raises(UserErrors) as info:
        load_context(_run_dir(tmp_path, lock, tunebook_task="classification",
                              tunebook_must_not_include=["+"]))
    assert [p.field for p in info.value.problems] == ["eval.must_not_include[0]",
                                                      "eval.require.acc"]


# ---------------------------------------------------------------- export's run-dir reader


def _trained_run(tmp_path, manifest: bytes | None):
    run = tmp_path / "runs" / "demo" / "20250101-000000-abcd"
    out = run / "output"
    out.mkdir(parents=True)
    (out / "adapter_model.safetensors").write_bytes(b"weights")
    (out / "adapter_config.json").write_text('{"r": 8, "base_model_name_or_path": "/base"}')
    (out / "tokenizer.json").write_text("{}")
    (run / "axolotl.yaml").write_text(yaml.safe_dump({"base_model": "/base", "adapter": "lora",
                                                      "output_dir": "./output"}))
    if manifest is not None:
        (run / "manifest.json").write_bytes(manifest)
    return run


@pytest.mark.parametrize("manifest", [None, b"{not json", b"[1, 2]", b'"text"',
                                      b'{"metrics": [1], "versions": "x", "status": "ok"}'])
def test_export_reads_a_damaged_manifest_leniently(tmp_path, manifest):
    from tunebook.export import export_run

    run = _trained_run(tmp_path, manifest)
    (run / "recipe.lock.yaml").write_text("{recipe: [1], presets: 3, datasets: {a: 1}}")
    (run / "lint.json").write_text('{"summary": [1]}')
    (run / "eval").mkdir()
    (run / "eval" / "results.json").write_text('{"base": [], "tuned": {"rougeL": 0.5}}')
    target = export_run(run, merge=False, out=tmp_path / "exp", push_to_hub=None)
    assert (target / "adapter_model.safetensors").read_bytes() == b"weights"
    card = (target / "README.md").read_text()
    assert "# demo" in card and "| rougeL |" in card


def test_export_without_axolotl_yaml_is_a_clear_user_error(tmp_path):
    from tunebook.export import export_run

    run = _trained_run(tmp_path, b"{}")
    (run / "axolotl.yaml").unlink()
    with pytest.raises(UserError, match=r"not a run directory \(no axolotl.yaml\)"):
        export_run(run, merge=False, out=None, push_to_hub=None)
    (run / "axolotl.yaml").write_text("- a list\n")
    with pytest.raises(UserError, match="not a YAML mapping"):
        export_run(run, merge=False, out=None, push_to_hub=None)


def test_export_card_masks_secrets_in_the_resolved_recipe(tmp_path, monkeypatch):
    from tunebook.export import export_run

    monkeypatch.setenv("HF_TOKEN", "hf_SENTINEL_card_token")
    run = _trained_run(tmp_path, b"{}")
    (run / "recipe.lock.yaml").write_text(yaml.safe_dump({"recipe": {"resolved": {
        "name": "demo", "description": "uses hf_SENTINEL_card_token",
        "tracking": {"api_key": "abc"}}}}))
    card = (export_run(run, merge=False, out=tmp_path / "e", push_to_hub=None)
            / "README.md").read_text()
    assert "hf_SENTINEL_card_token" not in card and "uses ***" in card
    assert "api_key: '***'" in card
