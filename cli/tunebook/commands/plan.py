"""`tunebook plan`: how a recipe will train within its budget, before any GPU is rented."""

from __future__ import annotations

import click
import orjson

from tunebook.console import out


@click.command()
@click.argument("recipe")
@click.option("--gpu", default=None, help="What if: a GPU from `tunebook presets list hardware`.")
@click.option("--gpus", type=click.IntRange(min=1), default=None, help="What if: GPU count.")
@click.option("--vram-gb", type=click.FloatRange(min=0, min_open=True), default=None,
              help="What if: VRAM budget per GPU (GB).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def plan(recipe: str, gpu: str | None, gpus: int | None, vram_gb: float | None,
         as_json: bool) -> None:
    """Plan RECIPE: method, batch settings, checkpointing, ZeRO, peak GiB, hours and cost.

    \b
      $ tunebook plan support-tone
      $ tunebook plan support-tone --gpu a100-80gb --gpus 2
      $ tunebook plan support-tone --vram-gb 12 --json
    """
    from tunebook.planner import NoFit
    from tunebook.planning import make_plan
    from tunebook.recipe import load_recipe
    from tunebook.resolve import resolve

    resolved = resolve(load_recipe(recipe))
    try:
        result = make_plan(resolved, gpu=gpu, gpus=gpus, vram_gb=vram_gb)
    except NoFit as exc:
        if as_json:  # the JSON on stdout (fits: false), the one-line error on stderr, exit 2
            payload = {"recipe": resolved.recipe.name, "model": resolved.model.name,
                       "gpu": gpu or resolved.hardware.name, **exc.to_dict()}
            click.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
        raise
    if as_json:
        payload = {"recipe": resolved.recipe.name, "model": resolved.model.name,
                   "gpu": gpu or resolved.hardware.name, **result.to_dict()}
        click.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
        return
    from tunebook.planner.render import render_plan

    out.print(f"[bold]{resolved.recipe.name}[/bold]: {resolved.model.name} on "
              f"{gpus or resolved.gpus.value} x {gpu or resolved.hardware.name}")
    render_plan(result, out)
