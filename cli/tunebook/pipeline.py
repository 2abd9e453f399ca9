"""The compile pipeline: recipe -> resolved -> plan -> Axolotl config -> checked -> run dir."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tunebook import __version__
from tunebook.compile import Compiled, compile_config, render_axolotl_yaml
from tunebook.errors import UserError, raise_collected
from tunebook.lockfile import build_lock, dump_lock
from tunebook.planning import make_plan, pins_from_overrides
from tunebook.recipe import load_recipe
from tunebook.resolve import Resolved, resolve
from tunebook.runs import new_run_dir, now_iso, runs_root, write_json, write_new
from tunebook.versions import stack_versions


@dataclass
class WhatIf:
    """Command-line questions to the planner."""

    gpu: str | None = None
    gpus: int | None = None
    vram_gb: float | None = None


def prepare(
    target: str,
    *,
    overrides: list[str] | None = None,
    what_if: WhatIf | None = None,
    run_dir: Path | None = None,
    build_model: bool = False,
) -> Compiled:
    """Load, resolve, plan and compile ``target``; check every key against Axolotl's fields."""
    resolved = resolve(load_recipe(target))
    check_eval_section(resolved)
    what_if = what_if or WhatIf()
    plan = make_plan(resolved, gpu=what_if.gpu, gpus=what_if.gpus, vram_gb=what_if.vram_gb,
                     pins=pins_from_overrides(resolved, list(overrides or [])))
    base_model_dir = _tiny_model_dir(resolved) if build_model else None
    compiled = compile_config(resolved, plan, run_dir=run_dir, cli_overrides=overrides,
                              base_model_dir=base_model_dir)
    check_axolotl_keys(compiled)
    return compiled


def check_eval_section(resolved: Resolved) -> None:
    """Bad regexes or unknown gate metrics in `eval:` fail now, not at the paid run's first
    evaluation."""
    import re

    from tunebook.evaluate.metrics import check_eval_settings

    recipe = resolved.recipe
    problems = []
    for field, message in check_eval_settings(recipe.get("eval") or {},
                                              str(recipe.data["task"])):
        keys = [k for k in re.split(r"[.\[\]]", field) if k and not k.isdigit()]
        origin = recipe.origin(*keys)
        problems.append(UserError(message, file=origin.file, line=origin.line, field=field))
    raise_collected(problems)


def _tiny_model_dir(resolved: Resolved) -> Path | None:
    if resolved.model.data.get("builder") != "tinymodel":
        return None
    from tunebook.tiny_data import tiny_model_for

    seed = resolved.training.get("seed")
    return tiny_model_for(resolved.model.data.get("architecture", {}), resolved.train_files,
                          seed=int(seed.value) if seed else 0)


def check_axolotl_keys(compiled: Compiled) -> None:
    """Every key must be one Axolotl knows (it drops unknown keys silently), with a valid
    value; problems name the file and line that set the key, and the closest valid name."""
    from tunebook.axolotl_fields import bad_values, load_fields, unknown_keys

    fields = {**load_fields(), **plugin_fields()}
    problems: list[UserError] = []
    for key_path, suggestion in unknown_keys(compiled.config, fields=fields):
        origin = compiled.origins.get(key_path) or compiled.origins.get(_top_key(key_path))
        hint = f"did you mean '{suggestion}'?" if suggestion else (
            "see Axolotl's config reference; `make axolotl-fields` lists the known keys")
        problems.append(UserError(
            f"unknown Axolotl key '{key_path}' (Axolotl would silently ignore it)",
            file=origin.file if origin else None, line=origin.line if origin else None,
            field=_field_name(origin, key_path), hint=hint))
    for key_path, message in bad_values(compiled.config, fields=fields):
        origin = compiled.origins.get(key_path) or compiled.origins.get(_top_key(key_path))
        problems.append(UserError(
            message, file=origin.file if origin else None, line=origin.line if origin else None,
            field=_field_name(origin, key_path)))
    raise_collected(problems)


def plugin_fields() -> dict[str, dict[str, str]]:
    """Config fields the tunebook plugins add (torch-free lists kept beside each plugin)."""
    from tunebook_plugins.cost_guard_args import COST_GUARD_FIELDS
    from tunebook_plugins.fields import PLUGIN_FIELDS

    merged = {**PLUGIN_FIELDS, **COST_GUARD_FIELDS}
    return {name: {"type": kind} for name, kind in merged.items()}


def _top_key(key_path: str) -> str:
    return key_path.split(".")[0].split("[")[0]


def _field_name(origin: Any, key_path: str) -> str:
    if origin is not None and origin.layer == "recipe":
        return f"overrides.{key_path}"
    if origin is not None and origin.file and origin.layer != "cli":
        return f"axolotl.{key_path}"
    return key_path


def write_run(compiled: Compiled, target: str, out: str | Path | None = None) -> Path:
    """Create a new run directory and write the compiled artifacts into it."""
    recipe = compiled.resolved.recipe
    run_dir = new_run_dir(runs_root(out), recipe.name)
    # Compile again with the real run directory in every path (cheap, pure).
    compiled = prepare_for_run(compiled, target, run_dir)
    _write_heldout_split(compiled, run_dir)
    write_new(run_dir / "axolotl.yaml", render_axolotl_yaml(compiled, target))
    if compiled.deepspeed is not None:
        write_new(run_dir / "deepspeed.json", compiled.deepspeed.path.read_bytes())
    write_json(run_dir / "plan.json", compiled.plan.to_dict())
    write_new(run_dir / "recipe.lock.yaml", dump_lock(build_lock(compiled)))
    write_json(run_dir / "manifest.json", {
        "status": "planned",
        "recipe": str(recipe.path),
        "recipe_name": recipe.name,
        "run_dir": str(run_dir),
        "created_at": now_iso(),
        "updated_at": now_iso(),
        "tunebook_version": __version__,
        "versions": stack_versions(),
        "method": compiled.plan.method,
        "hardware": {"name": compiled.resolved.hardware.name,
                     "kind": compiled.resolved.hardware.data.get("kind", "gpu"),
                     "gpus": int(compiled.resolved.gpus.value),
                     "machines": compiled.resolved.machines},
        "git_commit": recipe_git_commit(recipe.path),
    })
    return run_dir


def _write_heldout_split(compiled: Compiled, run_dir: Path) -> None:
    """Without an eval_path, hold out a stable, hash-chosen part of the data for evaluation."""
    resolved = compiled.resolved
    recipe = resolved.recipe
    schema = recipe.get("output_schema")
    if isinstance(schema, dict):
        write_json(run_dir / "output_schema.json", schema)
    if resolved.eval_files:
        return
    from tunebook.compile import DEFAULT_HOLDOUT, holdout_fraction
    from tunebook.evaluate.split import write_split

    fraction = holdout_fraction(resolved)
    try:
        write_split(resolved.train_files, run_dir,
                    DEFAULT_HOLDOUT if fraction is None else fraction,
                    task=str(recipe.data["task"]), fmt=str(resolved.dataset_format.value),
                    fields=recipe.get("dataset", "fields") or {})
    except UserError as exc:
        if exc.field != "eval.holdout":
            raise
        origin = recipe.origin("eval", "holdout")
        raise UserError(exc.bare_message, file=origin.file or recipe.path, line=origin.line,
                        field="eval.holdout", hint=exc.hint) from None


def recipe_git_commit(recipe_path: Path) -> str | None:
    """The commit of the git checkout holding the recipe (``+dirty`` if it has changes)."""
    import subprocess

    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=recipe_path.parent,
                              capture_output=True, text=True, timeout=5)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--", str(recipe_path)],
                               cwd=recipe_path.parent, capture_output=True, text=True,
                               timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def prepare_for_run(compiled: Compiled, target: str, run_dir: Path) -> Compiled:
    resolved = compiled.resolved
    base = _tiny_model_dir(resolved)
    return compile_config(resolved, compiled.plan, run_dir=run_dir,
                          cli_overrides=compiled.cli_overrides, base_model_dir=base)
