"""`tunebook new`: start a recipe from a commented template."""

from __future__ import annotations

import os
from pathlib import Path

import click

from tunebook.recipe_schema import TASKS


@click.command()
@click.argument("name")
@click.option("--task", type=click.Choice(TASKS), required=True)
@click.option("--model", default="qwen2.5-7b", show_default=True,
              help="A model preset, HF id or local directory.")
@click.option("--gpu", default="rtx-4090", show_default=True)
@click.option("--data", "data_path", default="data/train.jsonl", show_default=True,
              help="Dataset path, relative to the recipe.")
@click.option("--dir", "folder", type=click.Path(file_okay=False), default="recipes",
              show_default=True)
def new(name: str, task: str, model: str, gpu: str, data_path: str, folder: str) -> None:
    """Write a new recipe NAME.yaml with a comment on every field.

    \b
      $ tunebook new faq-bot --task chat --model llama-3.1-8b
      $ tunebook new triage --task classification --model qwen2.5-0.5b --gpu l4
    """
    from tunebook.errors import UserError
    from tunebook.presets import load_preset_doc
    from tunebook.recipe import NAME_RE
    from tunebook.scaffold import TASK_HELP, render, write_once

    if not NAME_RE.match(name):
        raise UserError(f"'{name}' is not a valid recipe name", hint="letters, digits, .-_")
    from tunebook.resolve import find_model

    load_preset_doc("hardware", gpu)  # fail early with a did-you-mean
    find_model(model, None, None)
    task_doc = load_preset_doc("tasks", task)
    target = Path(folder) / f"{name}.yaml"
    schema = Path(__file__).resolve().parents[3] / "docs" / "recipe.schema.json"
    text = render("recipe.yaml.j2", name=name, description=f"{task} recipe", task=task,
                  task_help=TASK_HELP[task], model=model, gpu=gpu, data_path=data_path,
                  dataset_format=task_doc.data.get("dataset_format", "chat"),
                  schema_path=os.path.relpath(schema, target.parent.resolve()))
    target.parent.mkdir(parents=True, exist_ok=True)
    click.echo(str(write_once(target, text)))
