"""Compile: golden configs of the shipped recipes, provenance, overrides, key checks."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest
import yaml
from tb_testutil import BASIC_RECIPE, REPO, SHIPPED_RECIPES

from tunebook.errors import UserError
from tunebook.pipeline import prepare

GOLDEN = REPO / "tests" / "golden"


def _normalised(config: dict) -> str:
    text = orjson.dumps(config, option=orjson.OPT_INDENT_2).decode()
    return text.replace(str(REPO), "<repo>") + "\n"


@pytest.mark.parametrize("name", SHIPPED_RECIPES)
def test_golden_compile(name):
    """The compiled config of each shipped recipe is exactly the reviewed golden file.
    Regenerate after an intended change: TUNEBOOK_UPDATE_GOLDEN=1 pytest tests/unit."""
    compiled = prepare(name)
    text = _normalised(compiled.config)
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("TUNEBOOK_UPDATE_GOLDEN"):
        golden.write_text(text)
    assert golden.exists(), f"no golden file for {name}: review it, then TUNEBOOK_UPDATE_GOLDEN=1"
    assert text == golden.read_text()


def _line_of(path: str, needle: str) -> int:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.lstrip().startswith(needle))


def test_provenance_of_keys():
    compiled = prepare("support-tone")
    origins = compiled.origins
    # model preset
    assert origins["base_model"].layer == "model"
    assert origins["base_model"].file.endswith("presets/models/qwen2.5-7b.yaml")
    assert origins["base_model"].line == _line_of(origins["base_model"].file, "base_model:")
    # task preset (learning rate from the task's training section)
    assert origins["num_epochs"].layer == "task"
    assert origins["num_epochs"].line == _line_of(origins["num_epochs"].file, "epochs:")
    # recipe (sequence_len pinned in the recipe)
    assert origins["sequence_len"].layer == "recipe"
    assert origins["sequence_len"].file.endswith("recipes/support-tone.yaml")
    assert origins["sequence_len"].line == _line_of(origins["sequence_len"].file,
                                                    "sequence_len:")
    # planner
    assert origins["micro_batch_size"].layer == "planner"
    # defaults
    assert origins["logging_steps"].layer == "defaults"
    assert origins["logging_steps"].file.endswith("presets/defaults.yaml")
    # hardware
    assert origins["tf32"].layer == "hardware"
    # datasets from the recipe's dataset.path line
    assert origins["datasets"].line == _line_of(origins["datasets"].file, "path:")


def test_demo_inherits_and_overrides():
    compiled = prepare("demo")
    config, origins = compiled.config, compiled.origins
    assert config["adapter"] == "lora"
    assert config["bf16"] is False and config["attn_implementation"] == "sdpa"
    assert origins["attn_implementation"].file.endswith("presets/hardware/cpu.yaml")
    assert origins["max_steps"].file.endswith("recipes/demo.yaml")
    assert origins["test_datasets"].file.endswith("recipes/support-tone.yaml")
    assert "wandb_project" not in config  # tracking: off


def test_cli_override_wins_and_splits_on_first_equals():
    compiled = prepare("support-tone", overrides=["learning_rate=1e-5", "wandb_name=a=b",
                                                  "~tf32"])
    assert compiled.config["learning_rate"] == 1e-5
    assert compiled.origins["learning_rate"].layer == "cli"
    assert compiled.config["wandb_name"] == "a=b"
    assert "tf32" not in compiled.config


def test_typo_in_overrides_is_caught_with_line(write_recipe):
    path = write_recipe(BASIC_RECIPE + "overrides:\n  lerning_rate: 0.001\n")
    with pytest.raises(UserError) as info:
        prepare(str(path))
    message = info.value.format_message()
    assert f"{path}:10:" in message
    assert "unknown Axolotl key 'lerning_rate'" in message
    assert "did you mean 'learning_rate'?" in message


def test_typo_on_command_line():
    with pytest.raises(UserError, match="did you mean 'learning_rate'"):
        prepare("support-tone", overrides=["lerning_rate=1e-4"])


def test_bad_axolotl_value_names_the_key(write_recipe):
    path = write_recipe(BASIC_RECIPE + "overrides:\n  excess_length_strategy: shorten\n")
    with pytest.raises(UserError) as info:
        prepare(str(path))
    assert "excess_length_strategy" in info.value.format_message()
    assert f"{path}:10:" in info.value.format_message()


def test_missing_dataset_file_names_the_line(write_recipe):
    path = write_recipe(BASIC_RECIPE.replace("data/train.jsonl", "data/nope.jsonl"))
    with pytest.raises(UserError) as info:
        prepare(str(path))
    assert f"{path}:7: dataset.path: dataset file not found" in info.value.format_message()


def test_model_size_picks_family_preset(write_recipe):
    path = write_recipe(BASIC_RECIPE.replace("model: qwen2.5-7b", "model_size: 7b"))
    compiled = prepare(str(path))
    assert compiled.resolved.model.name == "qwen2.5-7b"  # tone's default family is qwen2.5


def test_hf_id_resolves_to_preset(write_recipe):
    path = write_recipe(BASIC_RECIPE.replace("model: qwen2.5-7b",
                                             "model: Qwen/Qwen2.5-7B-Instruct"))
    assert prepare(str(path)).resolved.model.name == "qwen2.5-7b"


def test_full_method_drops_lora_keys_and_scales_lr(write_recipe):
    path = write_recipe(BASIC_RECIPE.replace("model: qwen2.5-7b", "model: qwen2.5-0.5b")
                        .replace("gpu: rtx-4090", "gpu: a100-80gb") + "method: full\n")
    config = prepare(str(path)).config
    assert "adapter" not in config and "lora_r" not in config
    assert config["learning_rate"] == pytest.approx(2e-5)


def test_compile_writes_run_dir(invoke, tmp_path):
    result = invoke("compile", "support-tone", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    run_dir = tmp_path / "support-tone" / os.path.basename(result.output.strip())
    for name in ("axolotl.yaml", "plan.json", "recipe.lock.yaml", "manifest.json"):
        assert (run_dir / name).is_file(), name
    text = (run_dir / "axolotl.yaml").read_text()
    assert text.startswith("# Generated by tunebook")
    config = yaml.safe_load(text)
    assert config["output_dir"] == f"{run_dir}/output"
    lock = yaml.safe_load((run_dir / "recipe.lock.yaml").read_text())
    assert {p["kind"] for p in lock["presets"]} >= {"tasks", "models", "methods", "hardware"}
    assert all(len(d["sha256"]) == 64 for d in lock["datasets"])
    # a second compile never reuses the directory
    again = invoke("compile", "support-tone", "--out", str(tmp_path))
    assert again.output.strip() != result.output.strip()


def test_explain_json_has_sources(invoke):
    result = invoke("explain", "support-tone", "--json")
    assert result.exit_code == 0
    payload = orjson.loads(result.output)
    assert payload["base_model"]["layer"] == "model"
    assert payload["base_model"]["source"].startswith("presets/models/qwen2.5-7b.yaml:")


def test_cli_typo_exits_2_with_one_line(runner, write_recipe):
    from tunebook.cli import main

    path = write_recipe(BASIC_RECIPE.replace("model:", "modle:"))
    result = runner.invoke(main, ["compile", str(path)])
    assert result.exit_code == 2
    assert "did you mean 'model'?" in result.output
    assert "Traceback" not in result.output


def test_all_linear_targets(write_recipe):
    path = write_recipe(BASIC_RECIPE
                        + "method: lora\nlora:\n  r: 8\n  target_modules: all-linear\n")
    compiled = prepare(str(path))
    assert compiled.config["lora_target_linear"] is True
    assert "lora_target_modules" not in compiled.config
    assert compiled.config["lora_r"] == 8
    assert compiled.origins["lora_r"].line == 11


def test_exclusive_axolotl_keys_replace_each_other():
    compiled = prepare("demo", overrides=["eval_steps=5", "save_steps=10"])
    assert compiled.config["eval_steps"] == 5 and "evals_per_epoch" not in compiled.config
    assert compiled.config["save_steps"] == 10 and "saves_per_epoch" not in compiled.config


def test_overriding_a_planned_key_replans():
    base = prepare("support-tone")
    assert base.plan.micro_batch_size > 1
    compiled = prepare("support-tone", overrides=["micro_batch_size=1"])
    assert compiled.config["micro_batch_size"] == 1
    assert compiled.plan.micro_batch_size == 1
    effective = base.plan.micro_batch_size * base.plan.gradient_accumulation_steps
    assert compiled.config["gradient_accumulation_steps"] == effective
    assert compiled.plan.peak_gib < base.plan.peak_gib


def test_eval_section_checked_at_compile(write_recipe):
    path = write_recipe(BASIC_RECIPE + "eval:\n  must_include: ['[unclosed']\n"
                        "  require: {acuracy: 0.9}\n")
    with pytest.raises(UserError) as info:
        prepare(str(path))
    message = info.value.format_message()
    assert f"{path}:10: eval.must_include[0]" in message
    assert "eval.require.acuracy" in message
