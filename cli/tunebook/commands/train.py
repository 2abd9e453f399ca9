"""`tunebook train`: compile, validate, lint, then hand the run to Axolotl."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from tunebook.console import err
from tunebook.provenance import display_path


@dataclass
class Launch:
    """How to start Axolotl for one run directory."""

    run_dir: Path
    cpu: bool
    gpus: int
    num_machines: int = 1
    machine_rank: int = 0
    main_process_ip: str | None = None
    main_process_port: int | None = None
    extra_args: tuple[str, ...] = ()


@click.command()
@click.argument("recipe")
@click.argument("overrides", nargs=-1, metavar="[KEY=VALUE]...")
@click.option("--dry-run", is_flag=True, help="Stop after compiling the run directory.")
@click.option("--locked", is_flag=True, help="Refuse to run when a preset, recipe file, dataset "
              "or version differs from RECIPE.lock.yaml (`tunebook lock`).")
@click.option("--skip-lint", is_flag=True, help="Train even if the dataset lint finds errors "
              "(recorded in the run manifest).")
@click.option("--no-eval", is_flag=True, help="Skip `tunebook eval` after training.")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False, exists=True),
              default=None, help="Continue an interrupted run from its last checkpoint.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Runs folder (default ./runs or $TUNEBOOK_RUNS_DIR).")
@click.option("--num-machines", type=click.IntRange(min=1), default=None,
              help="Multi-node: machines taking part.")
@click.option("--machine-rank", type=click.IntRange(min=0), default=0,
              help="Multi-node: this machine's rank.")
@click.option("--main-process-ip", default=None, help="Multi-node: rank 0's address.")
@click.option("--main-process-port", type=int, default=None, help="Multi-node: rank 0's port.")
def train(recipe: str, overrides: tuple[str, ...], dry_run: bool, locked: bool, skip_lint: bool,
          no_eval: bool, resume_dir: str | None, out_dir: str | None, num_machines: int | None,
          machine_rank: int, main_process_ip: str | None,
          main_process_port: int | None) -> None:
    """Train RECIPE: compile a new run directory, validate with Axolotl, lint the data,
    then launch Axolotl and stream its output to the terminal and train.log.

    \b
      $ tunebook train demo                        tiny model on CPU, about a minute
      $ tunebook train support-tone --dry-run      just compile
      $ tunebook train demo --resume runs/demo/20261129-101500-3f2a
      $ tunebook train support-tone --num-machines 2 --machine-rank 0 --main-process-ip 10.0.0.1
    """
    multinode = {"machine_rank": machine_rank, "main_process_ip": main_process_ip,
                 "main_process_port": main_process_port}
    if num_machines and num_machines > 1 and not main_process_ip:
        from tunebook.errors import UserError

        raise UserError("--num-machines > 1 needs --main-process-ip (rank 0's address)",
                        field="--main-process-ip", hint="every machine passes the same address")
    if resume_dir is not None:
        if overrides or locked or skip_lint or dry_run or out_dir:
            from tunebook.errors import UserError

            raise UserError("--resume continues a run with its own compiled config",
                            field="--resume", hint="drop KEY=VALUE, --locked, --skip-lint, "
                            "--dry-run and --out, or start a new run without --resume")
        run_dir = Path(resume_dir).resolve()
        sys.exit(_then_finish(
            run_dir, lambda: _resume(recipe, run_dir, num_machines, multinode), no_eval))

    from tunebook.pipeline import prepare, write_run
    from tunebook.runs import update_manifest

    compiled = prepare(recipe, overrides=list(overrides), build_model=True)
    if locked:
        from tunebook.commands.lock import check_locked

        check_locked(compiled)
    run_dir = write_run(compiled, recipe, out_dir)
    err.print(f"run directory: [bold]{display_path(run_dir)}[/bold]")
    if dry_run:
        click.echo(str(run_dir))
        return
    def start() -> int:
        from tunebook.validation import validate_compiled

        try:
            with err.status("Validating with Axolotl's schema..."):
                warnings = validate_compiled(compiled)
            for warning in warnings:
                err.print(f"[yellow]warning[/yellow]: {warning}")
        except click.ClickException:
            update_manifest(run_dir, status="failed", reason="axolotl validation", exit_code=2)
            raise
        if not _lint_gate(compiled, run_dir, skip_lint):
            update_manifest(run_dir, status="failed", reason="dataset lint errors", exit_code=1)
            return 1
        resolved = compiled.resolved
        return run_training(Launch(run_dir, cpu=resolved.is_cpu, gpus=int(resolved.gpus.value),
                                   num_machines=num_machines or resolved.machines, **multinode))

    sys.exit(_then_finish(run_dir, start, no_eval))


def _then_finish(run_dir: Path, start: Callable[[], int], no_eval: bool) -> int:
    """Run ``start`` (validate/lint/train, or resume), evaluate a successful run, and run the
    recipe's on_finish hooks whatever happened (a failed run must still stop the pod)."""
    try:
        code = start()
        if code == 0 and not no_eval:
            code = evaluate_run(run_dir)
    finally:
        on_finish(run_dir, _status_of(run_dir))
    click.echo(str(run_dir))
    return code


def _resume(recipe: str, run_dir: Path, num_machines: int | None,
            multinode: dict[str, Any]) -> int:
    """Continue ``run_dir`` from its last checkpoint with its own compiled config."""
    from tunebook.errors import UserError
    from tunebook.recipe import load_recipe
    from tunebook.runs import read_manifest

    manifest = read_manifest(run_dir)
    expected = load_recipe(recipe).name
    if manifest.get("recipe_name") != expected:
        raise UserError(f"run directory belongs to recipe '{manifest.get('recipe_name')}', "
                        f"not '{expected}'", file=run_dir, hint="pass the matching recipe")
    checkpoint = last_checkpoint(run_dir / "output")
    if checkpoint is None:
        raise UserError("no checkpoint to resume from", file=run_dir / "output",
                        hint="the run stopped before its first save; train it again")
    if manifest.get("status") == "succeeded":
        raise UserError("this run already finished", file=run_dir,
                        hint="start a new run with `tunebook train`")
    hardware = manifest.get("hardware") or {}
    err.print(f"resuming {display_path(run_dir)} from {checkpoint.name}")
    launch = Launch(run_dir, cpu=hardware.get("kind") == "cpu", gpus=int(hardware.get("gpus", 1)),
                    num_machines=num_machines or int(hardware.get("machines", 1)),
                    extra_args=(f"--resume_from_checkpoint={checkpoint}",), **multinode)
    return run_training(launch, resumed_from=checkpoint)


def last_checkpoint(output_dir: Path) -> Path | None:
    """The ``checkpoint-N`` folder with the highest N (None when there is none)."""
    found = [p for p in output_dir.glob("checkpoint-*")
             if p.is_dir() and p.name.removeprefix("checkpoint-").isdigit()]
    return max(found, key=lambda p: int(p.name.removeprefix("checkpoint-")), default=None)


def _lint_gate(compiled: Any, run_dir: Path, skip_lint: bool) -> bool:
    """Lint the recipe's data into run_dir/lint.json; False when errors stop the run."""
    from tunebook.lint_gate import fail_on, lint_settings, run_lint
    from tunebook.runs import update_manifest, write_json

    resolved = compiled.resolved
    base = compiled.config.get("base_model")
    model_dir = Path(base) if base and (Path(base) / "tokenizer.json").is_file() else None
    report = run_lint(lint_settings(resolved, model_dir))
    write_json(run_dir / "lint.json", report.to_dict())
    summary = report.to_dict()["summary"]
    code = report.exit_code(fail_on(resolved))
    err.print(f"lint: {summary['examples']} examples, {summary['errors']} errors, "
              f"{summary['warnings']} warnings (details: {display_path(run_dir / 'lint.json')})")
    update_manifest(run_dir, lint=summary, lint_skipped=bool(skip_lint and code))
    if code and skip_lint:
        err.print("[yellow]lint found problems; training anyway (--skip-lint)[/yellow]")
        return True
    if code:
        err.print("[red]lint found problems that would waste the run; fix them or pass "
                  f"--skip-lint[/red]  (`tunebook lint {resolved.recipe.path}` shows them)")
        return False
    return True


def run_training(launch: Launch, resumed_from: Path | None = None) -> int:
    """Launch Axolotl on ``launch.run_dir``, stream its log, record the outcome."""
    from tunebook.axolotl_bridge import (
        build_launch_command,
        read_trainer_metrics,
        run_streaming,
        training_env,
    )
    from tunebook.runs import now_iso, read_manifest, update_manifest

    run_dir = launch.run_dir
    cmd = build_launch_command(
        run_dir / "axolotl.yaml", cpu=launch.cpu, num_processes=launch.gpus * launch.num_machines,
        num_machines=launch.num_machines, machine_rank=launch.machine_rank,
        main_process_ip=launch.main_process_ip, main_process_port=launch.main_process_port)
    cmd = [*cmd, *launch.extra_args]
    env = training_env(os.environ, cpu=launch.cpu, run_dir=run_dir)
    interrupted = run_dir / "interrupted.json"
    interrupted.unlink(missing_ok=True)
    changes: dict[str, Any] = {"status": "running", "command": [Path(cmd[0]).name, *cmd[1:]]}
    if resumed_from is not None:
        changes["resumed_from"] = [*read_manifest(run_dir).get("resumed_from", []),
                                   str(resumed_from)]
    else:
        changes["started_at"] = now_iso()
    update_manifest(run_dir, **changes)
    budget_stop = run_dir / "budget_stop.json"
    budget_stop.unlink(missing_ok=True)
    code = run_streaming(cmd, log_path=run_dir / "train.log", env=env, cwd=run_dir)
    status = "succeeded" if code == 0 else "failed"
    extra: dict[str, Any] = {}
    if code == 130 or interrupted.exists():
        status, code = "interrupted", 130
    elif code == 0 and budget_stop.exists():
        stop = _read_json(budget_stop)
        status, extra = "stopped", {"reason": stop.get("reason"), "budget_stop": stop}
    metrics = read_trainer_metrics(run_dir / "output")
    update_manifest(run_dir, status=status, exit_code=code, finished_at=now_iso(),
                    metrics={k: metrics.get(k) for k in ("train_loss", "eval_loss", "steps")},
                    **extra)
    _report(status, code, metrics, run_dir, extra.get("reason"))
    return code


def _read_json(path: Path) -> dict[str, Any]:
    import orjson

    try:
        value = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _status_of(run_dir: Path) -> str:
    from tunebook.runs import read_manifest_lenient

    return str(read_manifest_lenient(run_dir).get("status", "failed"))


def on_finish(run_dir: Path, status: str) -> None:
    """The recipe's `on_finish` hooks (stop the rented GPU, a command), after artifacts."""
    import yaml

    from tunebook.on_finish import run_on_finish

    try:
        lock = yaml.safe_load((run_dir / "recipe.lock.yaml").read_text(encoding="utf-8"))
        spec = ((lock or {}).get("recipe") or {}).get("resolved", {}).get("on_finish")
    except (OSError, yaml.YAMLError, AttributeError):
        spec = None
    if not spec:
        return
    for line in run_on_finish(spec, run_dir=run_dir, status=status, env=os.environ):
        err.print(line, markup=False)


def evaluate_run(run_dir: Path) -> int:
    """`tunebook eval` on a finished run: 0, or 1 when the recipe's eval gate fails."""
    from tunebook.evaluate.runner import run_eval
    from tunebook.runs import update_manifest

    results = run_eval(run_dir, log=err.print)
    gate = results.get("gate") or {}
    update_manifest(run_dir, eval={
        "primary_metric": results.get("primary_metric"),
        "delta": results.get("delta"),
        "gate_passed": gate.get("passed", True),
    })
    err.print(f"evaluation: {display_path(run_dir / 'eval' / 'report.md')}")
    if not gate.get("passed", True):
        err.print("[red]the tuned model does not meet the recipe's eval gate[/red]")
        return 1
    return 0


def _report(status: str, code: int, metrics: dict[str, Any], run_dir: Path,
            reason: str | None = None) -> None:
    if status == "stopped":
        err.print(f"[yellow]stopped by the budget[/yellow] at step {metrics.get('steps')}: "
                  f"{reason}; checkpoint and adapter saved in {display_path(run_dir / 'output')}")
    elif status == "succeeded":
        err.print(f"[green]trained[/green]: {metrics.get('steps')} steps, train loss "
                  f"{_fmt(metrics.get('train_loss'))}, eval loss {_fmt(metrics.get('eval_loss'))}"
                  f"; adapter in {display_path(run_dir / 'output')}")
    elif status == "interrupted":
        err.print(f"[yellow]interrupted[/yellow] at step {metrics.get('steps')}; a checkpoint "
                  f"was saved. Continue with: tunebook train RECIPE --resume {run_dir}")
    else:
        log = display_path(run_dir / "train.log")
        err.print(f"[red]Axolotl exited with {code}[/red]; see {log}")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
