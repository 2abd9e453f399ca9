"""`tunebook train`: compile, validate, lint, then hand the run to Axolotl."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from tunebook.console import err
from tunebook.provenance import display_path


@click.command()
@click.argument("recipe")
@click.argument("overrides", nargs=-1, metavar="[KEY=VALUE]...")
@click.option("--dry-run", is_flag=True, help="Stop after compiling the run directory.")
@click.option("--locked", is_flag=True, help="Refuse to run when a preset, recipe file, dataset "
              "or version differs from RECIPE.lock.yaml (`tunebook lock`).")
@click.option("--skip-lint", is_flag=True, help="Train even if the dataset lint finds errors "
              "(recorded in the run manifest).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Runs folder (default ./runs or $TUNEBOOK_RUNS_DIR).")
@click.option("--num-machines", type=click.IntRange(min=1), default=None,
              help="Multi-node: machines taking part.")
@click.option("--machine-rank", type=click.IntRange(min=0), default=0,
              help="Multi-node: this machine's rank.")
@click.option("--main-process-ip", default=None, help="Multi-node: rank 0's address.")
@click.option("--main-process-port", type=int, default=None, help="Multi-node: rank 0's port.")
def train(recipe: str, overrides: tuple[str, ...], dry_run: bool, locked: bool, skip_lint: bool,
          out_dir: str | None, num_machines: int | None, machine_rank: int,
          main_process_ip: str | None, main_process_port: int | None) -> None:
    """Train RECIPE: compile a new run directory, validate with Axolotl, lint the data,
    then launch Axolotl and stream its output to the terminal and train.log.

    \b
      $ tunebook train demo                        tiny model on CPU, about a minute
      $ tunebook train support-tone --dry-run      just compile
      $ tunebook train support-tone --num-machines 2 --machine-rank 0 --main-process-ip 10.0.0.1
    """
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
    from tunebook.validation import validate_compiled

    try:
        with err.status("Validating with Axolotl's schema..."):
            validate_compiled(compiled)
    except click.ClickException:
        update_manifest(run_dir, status="failed", reason="axolotl validation")
        raise
    if not _lint_gate(compiled, run_dir, skip_lint):
        update_manifest(run_dir, status="failed", reason="dataset lint errors", exit_code=1)
        raise SystemExit(1)
    code = _launch(compiled, run_dir, num_machines or compiled.resolved.machines, machine_rank,
                   main_process_ip, main_process_port)
    click.echo(str(run_dir))
    sys.exit(code)


def _lint_gate(compiled, run_dir: Path, skip_lint: bool) -> bool:
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


def _launch(compiled, run_dir: Path, num_machines: int, machine_rank: int,
            main_process_ip: str | None, main_process_port: int | None) -> int:
    from tunebook.axolotl_bridge import (
        build_launch_command,
        read_trainer_metrics,
        run_streaming,
        training_env,
    )
    from tunebook.runs import now_iso, update_manifest

    resolved = compiled.resolved
    cmd = build_launch_command(
        run_dir / "axolotl.yaml", cpu=resolved.is_cpu,
        num_processes=int(resolved.gpus.value) * num_machines, num_machines=num_machines,
        machine_rank=machine_rank, main_process_ip=main_process_ip,
        main_process_port=main_process_port)
    env = training_env(os.environ, cpu=resolved.is_cpu, run_dir=run_dir)
    update_manifest(run_dir, status="running", started_at=now_iso(),
                    command=[Path(cmd[0]).name, *cmd[1:]])
    code = run_streaming(cmd, log_path=run_dir / "train.log", env=env, cwd=run_dir)
    status = {0: "succeeded", 130: "interrupted"}.get(code, "failed")
    metrics = read_trainer_metrics(run_dir / "output")
    update_manifest(run_dir, status=status, exit_code=code, finished_at=now_iso(),
                    metrics={k: metrics.get(k) for k in ("train_loss", "eval_loss", "steps")})
    if code == 0:
        err.print(f"[green]trained[/green]: {metrics.get('steps')} steps, train loss "
                  f"{_fmt(metrics.get('train_loss'))}, eval loss {_fmt(metrics.get('eval_loss'))}"
                  f"; adapter in {display_path(run_dir / 'output')}")
    else:
        log = display_path(run_dir / "train.log")
        err.print(f"[red]Axolotl exited with {code}[/red]; see {log}")
    return code


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
