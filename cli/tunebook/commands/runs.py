"""`tunebook runs`: the run directories under the runs folder, newest first."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click
import orjson

from tunebook.console import out
from tunebook.provenance import display_path
from tunebook.runs import read_manifest_lenient


@click.command()
@click.argument("recipe", required=False)
@click.option("--runs-dir", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Runs folder to list (default ./runs or $TUNEBOOK_RUNS_DIR).")
@click.option("--json", "as_json", is_flag=True)
def runs(recipe: str | None, out_dir: str | None, as_json: bool) -> None:
    """List runs (of RECIPE, or all): status, method, duration, best eval metric.

    \b
      $ tunebook runs
      $ tunebook runs support-tone --json
    """
    from tunebook.runs import runs_root

    root = runs_root(out_dir)
    rows = list_runs(root, recipe)
    if not rows and not as_json:
        from tunebook.console import err

        err.print(f"no runs under {display_path(root)}" + (f" for '{recipe}'" if recipe else "")
                  + " (`tunebook train RECIPE` makes one; --runs-dir picks another folder)")
        return
    if as_json:
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    from rich.table import Table

    table = Table()
    for column in ("run", "status", "method", "duration", "metric", "value"):
        table.add_column(column)
    for row in rows:
        table.add_row(display_path(row["run_dir"]), row["status"], row.get("method") or "",
                      _duration(row.get("seconds")), row.get("metric") or "",
                      "" if row.get("value") is None else f"{row['value']:.4g}")
    out.print(table)


def list_runs(root: Path, recipe: str | None = None) -> list[dict[str, Any]]:
    """One row per run directory with a readable manifest, newest first."""
    pattern = f"{recipe}/*/manifest.json" if recipe else "*/*/manifest.json"
    rows = []
    for manifest_path in root.glob(pattern):
        run_dir = manifest_path.parent
        manifest = read_manifest_lenient(run_dir)
        if not manifest:
            rows.append({"run_dir": str(run_dir), "recipe": run_dir.parent.name,
                         "status": "unreadable manifest", "method": None, "created_at": None,
                         "seconds": None, "metric": None, "value": None})
            continue
        metric, value = _best_metric(run_dir, manifest)
        rows.append({
            "run_dir": str(run_dir), "recipe": manifest.get("recipe_name"),
            "status": str(manifest.get("status", "unknown")),
            "method": str(manifest.get("method") or ""),
            "created_at": manifest.get("created_at"),
            "seconds": _seconds(manifest.get("started_at"), manifest.get("finished_at")),
            "metric": metric, "value": value,
        })
    return sorted(rows, key=lambda r: r["run_dir"], reverse=True)


def _best_metric(run_dir: Path, manifest: dict[str, Any]) -> tuple[str | None, float | None]:
    results = run_dir / "eval" / "results.json"
    if results.is_file():
        try:
            data = orjson.loads(results.read_bytes())
            primary = data.get("primary_metric")
            tuned = data.get("tuned") or {}
            if primary and isinstance(tuned.get(primary), (int, float)):
                return primary, float(tuned[primary])
        except (OSError, orjson.JSONDecodeError, AttributeError):
            pass
    loss = (manifest.get("metrics") or {}).get("eval_loss")
    return ("eval_loss", float(loss)) if isinstance(loss, (int, float)) else (None, None)


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except ValueError:
        return None


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"
