"""`tunebook export RUN_DIR`: adapter or merged model, model card and serving hint."""

from __future__ import annotations

from pathlib import Path

import click

from tunebook.console import err


@click.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--merge", is_flag=True, help="Merge the LoRA adapter into the base model "
              "(CPU; needs the base model locally or in the Hugging Face cache).")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Export folder (default RUN_DIR/export); must be new or empty.")
@click.option("--push-to-hub", "push_to_hub", metavar="OWNER/NAME", default=None,
              help="Upload the folder to this Hugging Face model repo (private if new; needs "
              "HF_TOKEN and network).")
def export(run_dir: Path, merge: bool, out: Path | None, push_to_hub: str | None) -> None:
    """Export a trained RUN_DIR: the LoRA adapter (or, with --merge, the merged model) with its
    tokenizer, a model card (README.md: recipe, preset and dataset hashes, lint, eval, plan),
    recipe.lock.yaml and serve.sh (a `vllm serve` command). Prints the export folder.

    Exit status: 0 on success, 2 for a folder that is not a trained run, an existing export,
    or a push that cannot happen (offline, no HF_TOKEN).

    \b
      $ tunebook export runs/demo/20250101-120000-ab12
      $ tunebook export runs/support-tone/20250101-120000-ab12 --merge --out exports/tone
      $ tunebook export runs/support-tone/20250101-120000-ab12 --push-to-hub acme/tone-lora
    """
    from tunebook.export import export_run

    target = export_run(run_dir, merge=merge, out=out, push_to_hub=push_to_hub,
                        log=lambda msg: err.print(msg, markup=False))
    serve = (target / "serve.sh").read_text(encoding="utf-8").strip().splitlines()[-1]
    err.print(f"serve it: {serve}", markup=False, soft_wrap=True)
    click.echo(str(target))
