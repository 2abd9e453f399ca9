"""The torch-free parts of evaluation: examples, gate, context errors, report, tracking
helpers, the plugin's field list, and the `tunebook eval` command's bad-input exit."""

from __future__ import annotations

import orjson
import pytest
import yaml

from tunebook.errors import UserError
from tunebook.evaluate.context import load_context
from tunebook.evaluate.examples import example_from_row
from tunebook.evaluate.report import render_markdown
from tunebook.evaluate.runner import check_gate
from tunebook.tracking import redact, sync_command, wandb_env

CHAT = {"type": "chat_template", "field_messages": "messages",
        "message_property_mappings": {"role": "role", "content": "content"}}


def test_chat_example_is_the_turns_before_the_last_answer():
    row = {"messages": [{"role": "system", "content": "be kind"},
                        {"role": "user", "content": "hi"},
                        {"role": "assistant", "content": "hello"}]}
    ex = example_from_row(row, CHAT)
    assert ex.reference == "hello" and [m["role"] for m in ex.messages] == ["system", "user"]
    assert ex.prompt_key() == "hi"
    assert example_from_row({"messages": [{"role": "user", "content": "x"}]}, CHAT) is None


def test_sharegpt_and_alpaca_examples():
    share = {"type": "chat_template", "field_messages": "conversations",
             "message_property_mappings": {"role": "from", "content": "value"}}
    ex = example_from_row({"conversations": [{"from": "human", "value": "q"},
                                             {"from": "gpt", "value": "a"}]}, share)
    assert ex.messages == ({"role": "user", "content": "q"},) and ex.reference == "a"
    alp = example_from_row({"instruction": "Add", "input": "1+1", "output": "2"},
                           {"type": "alpaca"})
    assert alp.text_prompt.endswith("### Input:\n1+1\n\n### Response:\n") and alp.reference == "2"


def test_gate_require_and_min_improvement():
    base = {"accuracy": 0.5, "loss": 2.0}
    tuned = {"accuracy": 0.8, "loss": 1.5}
    gate = check_gate("classification", base, tuned, {"accuracy": 0.8, "loss": 1.4}, 0.25)
    assert [c["passed"] for c in gate["checks"]] == [True, False, True]
    assert gate["checks"][2]["value"] == pytest.approx(0.3)
    assert gate["passed"] is False
    assert check_gate("tone", base, tuned, {}, None) == {"passed": True, "checks": []}
    with pytest.raises(UserError, match="does not compute"):
        check_gate("tone", base, tuned, {"bleu": 0.1}, None)


def test_min_improvement_on_loss_counts_a_drop_as_a_gain():
    gate = check_gate("completion", {"loss": 2.0}, {"loss": 1.5}, {}, 0.4)
    assert gate["checks"][0]["metric"] == "loss" and gate["passed"] is True


def test_context_reports_a_missing_run_dir_and_missing_heldout(tmp_path):
    with pytest.raises(UserError, match="no such run directory"):
        load_context(tmp_path / "nope")
    (tmp_path / "axolotl.yaml").write_text(yaml.safe_dump({"base_model": "/m", "datasets": []}))
    with pytest.raises(UserError, match="no held-out data"):
        load_context(tmp_path)


def test_context_reads_tunebook_keys_before_the_recipe(tmp_path):
    held = tmp_path / "held.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"q{i}"},
                          {"role": "assistant", "content": "bug"}]} for i in range(5)]
    held.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    config = {"base_model": "/m", "output_dir": str(tmp_path / "out"),
              "test_datasets": [{"path": str(held), **CHAT}],
              "tunebook_task": "classification", "tunebook_labels": ["bug", "billing"]}
    (tmp_path / "axolotl.yaml").write_text(yaml.safe_dump(config))
    (tmp_path / "recipe.lock.yaml").write_text(yaml.safe_dump({"recipe": {"resolved": {
        "name": "r", "task": "tone", "eval": {"max_samples": 3, "require": {"accuracy": 0.9}}}}}))
    ctx = load_context(tmp_path)
    assert ctx.task == "classification" and ctx.labels == ["bug", "billing"]
    assert len(ctx.examples) == 3 and ctx.require == {"accuracy": 0.9}
    assert len(load_context(tmp_path, max_samples=5).examples) == 5


def test_report_table_gate_and_confusion_matrix():
    results = {"recipe": "r", "task": "classification", "samples": 2, "base_model": "m",
               "base": {"accuracy": 0.5, "loss": 2.0,
                        "confusion_matrix": {"labels": ["a", "<other>"], "matrix": [[1, 1]]}},
               "tuned": {"accuracy": 1.0, "loss": 1.0},
               "delta": {"accuracy": 0.5, "loss": -1.0},
               "gate": {"passed": False, "checks": [{"kind": "require", "metric": "accuracy",
                                                     "threshold": 1.1, "value": 1.0,
                                                     "passed": False}]}}
    samples = [{"prompt": "a|b", "reference": "a", "base": "x", "tuned": "a",
                "base_score": 0.0, "tuned_score": 1.0}]
    text = render_markdown(results, samples, "matplotlib is not installed")
    assert "| accuracy | 0.5000 | 1.0000 | +0.5000 |" in text
    assert "| loss (lower is better) | 2.0000 | 1.0000 | -1.0000 |" in text
    assert "Gate: **FAILED**" in text and "| a | 1 | 1 |" in text
    assert "a\\|b" in text and "_No plots: matplotlib is not installed_" in text


def test_redact_masks_secret_keys_and_secret_values(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_abcdefghijklmnop")
    value = {"wandb_api_key": "k", "nested": [{"token": "t", "note": "x hf_abcdefghijklmnop y"}],
             "lr": 0.1}
    assert redact(value) == {"wandb_api_key": "***", "lr": 0.1,
                             "nested": [{"token": "***", "note": "x *** y"}]}


def test_wandb_env_goes_offline_into_the_run_dir_without_a_key(tmp_path):
    env = wandb_env({"PATH": "/bin"}, tmp_path)
    assert env["WANDB_MODE"] == "offline" and env["WANDB_DIR"] == str(tmp_path)
    online = wandb_env({"WANDB_API_KEY": "x" * 40}, tmp_path)
    assert "WANDB_MODE" not in online
    assert sync_command(tmp_path) == f"wandb sync {tmp_path}/wandb/offline-run-*"


def test_plugin_fields_match_the_pydantic_model():
    from tunebook_plugins.args import TunebookEvalArgs
    from tunebook_plugins.fields import EVAL_HOOKS_PLUGIN, PLUGIN_FIELDS

    assert set(PLUGIN_FIELDS) == set(TunebookEvalArgs.model_fields)
    assert all(name.startswith("tunebook_") for name in PLUGIN_FIELDS)
    assert EVAL_HOOKS_PLUGIN.endswith("eval_hooks.EvalHooksPlugin")


def test_eval_command_exits_2_on_a_bad_run_dir(runner, tmp_path):
    from tunebook.commands.eval import eval_cmd

    result = runner.invoke(eval_cmd, [str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert "no such run directory" in result.output
    help_text = runner.invoke(eval_cmd, ["--help"]).output
    assert "$ tunebook eval runs/demo/" in help_text


def test_importing_evaluate_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys, tunebook.evaluate, tunebook.evaluate.runner, tunebook.evaluate.report,"
            " tunebook.evaluate.generate, tunebook.tracking, tunebook.commands.eval,"
            " tunebook_plugins.fields; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
