"""Weights & Biases: run config, artifacts, eval tables; offline into the run dir by default.

The recipe's ``tracking:`` section compiles to Axolotl's ``wandb_project`` / ``wandb_entity``
/ ``wandb_name`` (and tunebook's plugin keys for group and tags). Inside the training process
Axolotl's W&B run is active and the plugin calls :func:`log_training_context` and
:func:`log_step_table`; ``tunebook eval`` calls :func:`log_eval_results`, which opens a run
of its own (``job_type: eval``) in the same project and group.

Without ``WANDB_API_KEY`` everything runs offline into ``<run_dir>/wandb`` and the
``wandb sync`` command is printed. No environment value is ever logged, and secrets are masked
by :func:`tunebook.secrets.redact` (secret environment values anywhere in strings, values under
secret-looking config keys).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from tunebook.secrets import redact

__all__ = ["enabled", "log_eval_results", "log_step_table", "log_training_context", "redact",
           "run_config", "sync_command", "wandb_env"]


def enabled(config: Mapping[str, Any]) -> bool:
    """W&B is on when the compiled config names a project and the mode is not disabled."""
    mode = str(config.get("wandb_mode") or os.environ.get("WANDB_MODE") or "")
    return bool(config.get("wandb_project")) and mode != "disabled"


def wandb_env(env: Mapping[str, str], run_dir: Path) -> dict[str, str]:
    """The W&B part of a process environment: offline into run_dir without an API key."""
    out = dict(env)
    if not out.get("WANDB_API_KEY"):
        out["WANDB_MODE"] = "offline"
    out.setdefault("WANDB_DIR", str(run_dir))
    out.setdefault("WANDB_SILENT", "true")
    return out


def sync_command(run_dir: Path) -> str:
    """What to run later to upload the offline runs of ``run_dir``."""
    return f"wandb sync {Path(run_dir) / 'wandb'}/offline-run-*"


def run_config(run_dir: Path) -> dict[str, Any]:
    """``{"tunebook": {recipe_name, run_dir, recipe, plan}}`` read from the run directory."""
    run_dir = Path(run_dir)
    lock = _yaml(run_dir / "recipe.lock.yaml")
    recipe = _dict(_dict(lock.get("recipe")).get("resolved"))
    plan = _yaml(run_dir / "plan.json") or _dict(lock.get("plan"))
    return redact({"tunebook": {
        "recipe_name": recipe.get("name") or run_dir.parent.name,
        "run_dir": str(run_dir),
        "tunebook_version": lock.get("tunebook_version"),
        "recipe": recipe,
        "plan": plan,
    }})


def log_training_context(run_dir: Path) -> bool:
    """Inside training: add the recipe and plan to the active run's config and upload
    lint.json and recipe.lock.yaml as an artifact. False when no W&B run is active."""
    run = _active_run()
    if run is None:
        return False
    run.config.update(run_config(run_dir), allow_val_change=True)
    _log_artifact(run, Path(run_dir))
    return True


def log_step_table(row: Mapping[str, Any]) -> bool:
    """Inside training: one eval-hook row as scalars and a prompt/reference/output table."""
    run = _active_run()
    if run is None:
        return False
    import wandb

    scalars = {f"tunebook/{k}": v for k, v in (row.get("metrics") or {}).items()
               if isinstance(v, int | float)}
    table = wandb.Table(columns=["step", "prompt", "reference", "output", "score"])
    for sample in row.get("samples") or []:
        table.add_data(row.get("step"), *(redact(sample[k]) for k in
                                          ("prompt", "reference", "output")), sample["score"])
    run.log({**scalars, "tunebook/eval_samples": table,
             "train/global_step": row.get("step")})
    return True


def log_eval_results(run_dir: Path, config: Mapping[str, Any], recipe: Mapping[str, Any],
                     results: Mapping[str, Any], samples: list[Mapping[str, Any]], *,
                     log: Callable[[str], None] | None = None) -> Path | None:
    """``tunebook eval``: a W&B run (job_type eval) with the results and the sample table.

    Returns the local run directory W&B wrote, or None when tracking is off."""
    if not enabled(config) or recipe.get("tracking") in ("off", False):
        return None
    import wandb

    run_dir = Path(run_dir)
    env = wandb_env(os.environ, run_dir)
    settings = {k: env[k] for k in ("WANDB_MODE", "WANDB_DIR", "WANDB_SILENT")}
    previous = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    try:
        run = wandb.init(
            project=str(config["wandb_project"]), entity=config.get("wandb_entity") or None,
            name=f"{config.get('wandb_name') or run_dir.name}-eval", job_type="eval",
            group=config.get("tunebook_wandb_group") or run_dir.name,
            tags=list(config.get("tunebook_wandb_tags") or []) or None,
            dir=str(run_dir), config=run_config(run_dir), reinit="create_new")
        summary = {f"eval/{side}/{k}": v for side in ("base", "tuned", "delta")
                   for k, v in (results.get(side) or {}).items() if isinstance(v, int | float)}
        table = wandb.Table(columns=["prompt", "reference", "base", "tuned", "base_score",
                                     "tuned_score"])
        for row in samples:
            table.add_data(*(redact(row[c]) for c in table.columns))
        run.log({**summary, "eval/samples": table})
        run.summary["eval/gate_passed"] = bool((results.get("gate") or {}).get("passed", True))
        local = Path(run.dir).parent
        offline = run.settings.mode == "offline"
        run.finish()
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if offline and log:
        log(f"W&B offline run in {local}; upload with: {sync_command(run_dir)}")
    return local


def _active_run() -> Any:
    try:
        import wandb
    except ImportError:
        return None
    return wandb.run


def _log_artifact(run: Any, run_dir: Path) -> None:
    import wandb

    files = [run_dir / name for name in ("lint.json", "recipe.lock.yaml", "plan.json")]
    files = [f for f in files if f.is_file()]
    if not files:
        return
    artifact = wandb.Artifact(f"{_safe(run_dir.parent.name)}-run-files", type="tunebook-run")
    for path in files:
        artifact.add_file(str(path))
    run.log_artifact(artifact)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "-", name) or "run"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}
