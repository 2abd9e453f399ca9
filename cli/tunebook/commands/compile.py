"""`tunebook compile`, `explain` and `validate`: a recipe becomes an Axolotl config."""

from __future__ import annotations

from typing import Any

import click
import orjson

from tunebook.console import err, out

OVERRIDES = click.argument("overrides", nargs=-1, metavar="[KEY=VALUE]...")


@click.command("compile")
@click.argument("recipe")
@OVERRIDES
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Runs folder (default ./runs or $TUNEBOOK_RUNS_DIR).")
def compile_cmd(recipe: str, overrides: tuple[str, ...], out_dir: str | None) -> None:
    """Compile RECIPE into a new run directory and print its path.

    KEY=VALUE pairs override Axolotl keys last (`~key` removes one).

    \b
      $ tunebook compile support-tone
      $ tunebook compile recipes/demo.yaml learning_rate=1e-4 --out /tmp/runs
    """
    from tunebook.pipeline import prepare, write_run

    compiled = prepare(recipe, overrides=list(overrides))
    run_dir = write_run(compiled, recipe, out_dir)
    click.echo(str(run_dir))


@click.command()
@click.argument("recipe")
@OVERRIDES
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def explain(recipe: str, overrides: tuple[str, ...], as_json: bool) -> None:
    """Show every Axolotl key RECIPE compiles to: value and source (file:line).

    \b
      $ tunebook explain support-tone
      $ tunebook explain demo --json | jq .learning_rate
    """
    from tunebook.pipeline import prepare

    compiled = prepare(recipe, overrides=list(overrides))
    if as_json:
        payload = {
            key: {"value": value, "source": compiled.origins[key].location(),
                  **compiled.origins[key].to_dict()}
            for key, value in compiled.config.items()
        }
        click.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
        return
    from rich.table import Table

    table = Table(title=f"{compiled.resolved.recipe.name}: Axolotl config", show_lines=False)
    table.add_column("key", style="bold")
    table.add_column("value", overflow="fold", max_width=60)
    table.add_column("layer")
    table.add_column("source", overflow="fold")
    for key, value in compiled.config.items():
        origin = compiled.origins[key]
        table.add_row(key, _short(value), origin.layer, origin.location())
    out.print(table)


def _short(value: Any) -> str:
    text = orjson.dumps(value).decode() if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= 160 else text[:157] + "..."


@click.command()
@click.argument("recipe")
@OVERRIDES
def validate(recipe: str, overrides: tuple[str, ...]) -> None:
    """Run Axolotl's own full validation on RECIPE's compiled config (offline).

    \b
      $ tunebook validate support-tone
    """
    from tunebook.pipeline import prepare
    from tunebook.validation import validate_compiled

    compiled = prepare(recipe, overrides=list(overrides), build_model=True)
    with err.status("Validating with Axolotl's schema (imports torch, a few seconds)..."):
        warnings = validate_compiled(compiled)
    for warning in warnings:
        err.print(f"[yellow]warning[/yellow]: {warning}", markup=True, highlight=False)
    err.print(f"[green]ok[/green]: {compiled.resolved.recipe.name} compiles to a valid "
              f"Axolotl config ({len(compiled.config)} keys)")


