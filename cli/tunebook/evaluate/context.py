"""What ``tunebook eval`` needs from a run directory, read once and checked (no torch).

Sources, most specific first: the ``tunebook_*`` keys of ``axolotl.yaml`` (the same values the
training-time plugin uses), then the merged recipe in ``recipe.lock.yaml``, then defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

from tunebook.errors import UserError, raise_collected
from tunebook.evaluate.examples import Example, load_examples
from tunebook.evaluate.judge import JudgeSettings, judge_settings
from tunebook.evaluate.metrics import check_eval_settings

DEFAULT_MAX_SAMPLES = 50
DEFAULT_MAX_NEW_TOKENS = 128


@dataclass
class EvalContext:
    """One run directory's evaluation settings and held-out examples."""

    run_dir: Path
    config: dict[str, Any]
    recipe: dict[str, Any]
    task: str
    examples: list[Example]
    heldout_files: list[Path]
    base_model: str
    output_dir: Path
    labels: list[str] | None = None
    schema: dict[str, Any] | None = None
    must_include: list[str] = field(default_factory=list)
    must_not_include: list[str] = field(default_factory=list)
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    max_prompt_tokens: int = 2048
    require: dict[str, float] = field(default_factory=dict)
    min_improvement: float | None = None
    judge: JudgeSettings | None = None  # eval.judge: the optional LLM judge (off when None)

    @property
    def recipe_name(self) -> str:
        return str(self.recipe.get("name") or self.run_dir.parent.name)


def load_context(run_dir: Path, *, max_samples: int | None = None) -> EvalContext:
    """Read and check ``run_dir``; UserError (exit 2) when something needed is missing."""
    run_dir = Path(run_dir).resolve()
    if not run_dir.is_dir():
        raise UserError("no such run directory", file=run_dir,
                        hint="pass a folder printed by `tunebook train` or `tunebook compile`")
    config = _read_yaml(run_dir / "axolotl.yaml")
    lock = _read_yaml(run_dir / "recipe.lock.yaml", required=False)
    recipe = _dict(_dict(lock.get("recipe")).get("resolved"))
    evals = _dict(recipe.get("eval"))
    task = str(config.get("tunebook_task") or recipe.get("task") or "chat")
    must_include = _list(config.get("tunebook_must_include") or evals.get("must_include"))
    must_not_include = _list(config.get("tunebook_must_not_include")
                             or evals.get("must_not_include"))
    _check_settings(run_dir, {**evals, "must_include": must_include,
                              "must_not_include": must_not_include}, task)
    entries = _heldout_entries(config, run_dir)
    examples = [ex for path, entry in entries for ex in load_examples(path, entry)]
    if not examples:
        raise UserError("the held-out data has no example with an answer to score",
                        file=entries[0][0], hint="check the dataset format")
    cap = max_samples or config.get("tunebook_eval_max_samples") or evals.get("max_samples")
    base = config.get("base_model")
    if not base:
        raise UserError("axolotl.yaml has no base_model", file=run_dir / "axolotl.yaml")
    return EvalContext(
        run_dir=run_dir, config=config, recipe=recipe,
        task=task,
        examples=examples[: int(cap or DEFAULT_MAX_SAMPLES)],
        heldout_files=[p for p, _ in entries], base_model=str(base),
        output_dir=Path(config.get("output_dir") or run_dir / "output"),
        labels=config.get("tunebook_labels") or _inline(recipe.get("labels"), list),
        schema=_schema(config, recipe),
        must_include=must_include, must_not_include=must_not_include,
        max_new_tokens=int(config.get("tunebook_eval_max_new_tokens") or DEFAULT_MAX_NEW_TOKENS),
        max_prompt_tokens=int(config.get("sequence_len") or 2048),
        require={str(k): float(v) for k, v in _dict(evals.get("require")).items()},
        min_improvement=evals.get("min_improvement"),
        judge=judge_settings(evals.get("judge")),
    )


def _check_settings(run_dir: Path, evals: dict[str, Any], task: str) -> None:
    """UserError for settings that cannot be evaluated (a bad regex, an unknown gate metric,
    a non-numeric threshold); the fields are the recipe's ``eval.*``."""
    where = run_dir / "recipe.lock.yaml"
    raise_collected([UserError(message, file=where if where.is_file() else run_dir, field=field,
                            hint="fix the recipe and compile it again")
                     for field, message in check_eval_settings(evals, task)])


def _read_yaml(path: Path, *, required: bool = True) -> dict[str, Any]:
    """A YAML mapping. Required (axolotl.yaml): UserError when missing or not a mapping.
    Optional (recipe.lock.yaml): {} when missing, unreadable or not a mapping."""
    if not path.is_file():
        if not required:
            return {}
        raise UserError(f"not a run directory (no {path.name})", file=path.parent,
                        hint="pass a folder printed by `tunebook compile` or `tunebook train`")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        if not required:
            return {}
        raise UserError(f"unreadable YAML: {' '.join(str(exc).split())}", file=path) from None
    if not isinstance(data, dict):
        if not required:
            return {}
        raise UserError("expected a YAML mapping", file=path,
                        hint="recompile the recipe with `tunebook compile RECIPE`")
    return data


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _heldout_entries(config: dict[str, Any], run_dir: Path) -> list[tuple[Path, dict]]:
    """(file, dataset entry) of the held-out data: tunebook_eval_file, else test_datasets,
    else the split tunebook wrote (run_dir/data/heldout.jsonl) read like the first dataset."""
    datasets = [d for d in config.get("datasets") or [] if isinstance(d, dict)]
    first = datasets[0] if datasets else {}
    if config.get("tunebook_eval_file"):
        tests = [d for d in config.get("test_datasets") or [] if isinstance(d, dict)]
        return [(Path(config["tunebook_eval_file"]), tests[0] if tests else first)]
    entries = [(Path(d["path"]), d) for d in config.get("test_datasets") or []
               if isinstance(d, dict) and d.get("path")]
    if not entries and (run_dir / "data" / "heldout.jsonl").is_file():
        entries = [(run_dir / "data" / "heldout.jsonl", first)]
    if not entries:
        raise UserError("this run has no held-out data (no test_datasets in axolotl.yaml)",
                        file=run_dir / "axolotl.yaml",
                        hint="set dataset.eval_path or eval.holdout in the recipe")
    for path, _ in entries:
        if not path.is_file():
            raise UserError("held-out data file not found", file=path)
    return entries


def _inline(value: Any, kind: type) -> Any:
    return value if isinstance(value, kind) else None


def _schema(config: dict[str, Any], recipe: dict[str, Any]) -> dict[str, Any] | None:
    value = config.get("tunebook_output_schema") or recipe.get("output_schema")
    if value is None or isinstance(value, dict):
        return value
    path = Path(value)
    if not path.is_absolute():
        return None  # a recipe-relative path: compile passes the absolute one
    try:
        schema = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise UserError(f"cannot read the output schema: {exc}", file=path) from None
    return schema if isinstance(schema, dict) else None
