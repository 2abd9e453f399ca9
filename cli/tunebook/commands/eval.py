"""`tunebook eval RUN_DIR`: base vs tuned on the held-out set; exit 1 when the gate fails."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson

from tunebook.console import err


@click.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--max-samples", type=click.IntRange(min=1), default=None,
              help="Score at most this many held-out examples (default: eval.max_samples, 50).")
@click.option("--no-tracking", is_flag=True, help="Do not log the results to W&B.")
@click.option("--json", "as_json", is_flag=True, help="Print results.json to stdout.")
def eval_cmd(run_dir: Path, max_samples: int | None, no_tracking: bool, as_json: bool) -> None:
    """Evaluate a trained RUN_DIR: generate answers with the base model and with the tuned
    one on the held-out examples, compute the task's metrics, held-out loss and perplexity,
    and write eval/results.json, eval/samples.jsonl and eval/report.md (with plots).

    Exit status: 0 when the recipe's gate (eval.require, eval.min_improvement) holds or there
    is none, 1 when it fails, 2 for an unusable run directory.

    \b
      $ tunebook eval runs/demo/20250101-120000-ab12
      $ tunebook eval runs/support-tone/20250101-120000-ab12 --max-samples 20
      $ tunebook eval runs/demo/20250101-120000-ab12 --json | jq .delta
    """
    from tunebook.evaluate.runner import run_eval
    from tunebook.provenance import display_path

    results = run_eval(run_dir, max_samples=max_samples, track=not no_tracking,
                       log=lambda msg: err.print(msg, markup=False))
    if as_json:
        click.echo(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
    report = display_path(Path(results["run_dir"]) / "eval" / "report.md")
    gate = results["gate"]
    for check in gate["checks"]:
        style = "green" if check["passed"] else "red"
        err.print(f"[{style}]gate {'pass' if check['passed'] else 'FAIL'}[/{style}]: "
                  f"{check['kind']} {check['metric']} = {_fmt(check['value'])} "
                  f"(threshold {_fmt(check['threshold'])})")
    err.print(f"report: {report}")
    if not gate["passed"]:
        err.print("[red]the tuned model does not meet the recipe's eval gate[/red]")
        sys.exit(1)


def _fmt(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else "n/a"
