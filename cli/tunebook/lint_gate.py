"""The lint gate: a resolved recipe's dataset checked before training; lint.json in the run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tunebook.lint.settings import LintSettings
from tunebook.resolve import Resolved, read_labels, read_output_schema


def lint_settings(resolved: Resolved, model_dir: Path | None = None) -> LintSettings:
    """LintSettings for a recipe: its files, format, task, sequence length and model."""
    recipe = resolved.recipe
    task_lint = resolved.task.data.get("lint") or {}
    recipe_lint = recipe.get("lint") or {}
    seq = resolved.training.get("sequence_len")
    model = resolved.model
    if model_dir is None and model.data.get("builder") != "tinymodel":
        local = Path(str(model.data.get("hf_id") or ""))
        model_dir = local if (local / "tokenizer.json").is_file() else None
    return LintSettings(
        files=list(resolved.train_files),
        eval_files=list(resolved.eval_files),
        format=str(resolved.dataset_format.value),
        field_map=dict(recipe.get("dataset", "fields") or {}),
        task=str(recipe.data["task"]),
        sequence_len=int(seq.value) if seq else None,
        excess_length_strategy=str(
            (recipe.get("overrides") or {}).get("excess_length_strategy")
            or (resolved.defaults.data.get("axolotl") or {}).get("excess_length_strategy")
            or "drop"),
        model_dir=model_dir,
        model=model.name,
        supports_system_role=bool(model.data.get("supports_system_role", True)),
        labels=read_labels(recipe),
        json_schema=read_output_schema(recipe),
        select=[*task_lint.get("select", []), *recipe_lint.get("select", [])],
        ignore=[*task_lint.get("ignore", []), *recipe_lint.get("ignore", [])],
        thresholds={**(task_lint.get("thresholds") or {}),
                    **(recipe_lint.get("thresholds") or {})},
        source=str(recipe.path),
    )


def fail_on(resolved: Resolved) -> str:
    """The severity that stops training: the recipe's `lint.fail_on`, default error."""
    return str(resolved.recipe.get("lint", "fail_on") or "error")


def run_lint(settings: LintSettings) -> Any:
    """Run the linter (imported lazily: it is a large package)."""
    from tunebook.lint import lint_dataset
    from tunebook.planning import remember_token_stats

    report = lint_dataset(settings)
    remember_token_stats(list(settings.files), report.to_dict())
    return report
