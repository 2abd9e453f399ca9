"""`tunebook presets list|show|where|diff`: browse the presets on the search path."""

from __future__ import annotations

import difflib

import click
import orjson

from tunebook.console import out
from tunebook.presets import (
    PRESET_KINDS,
    iter_preset_docs,
    load_preset_doc,
    preset_candidates,
)
from tunebook.provenance import display_path
from tunebook.yamlio import dump_yaml

KIND = click.Choice(PRESET_KINDS)


@click.group()
def presets() -> None:
    """Browse presets: models, tasks, methods, hardware, deepspeed.

    \b
      $ tunebook presets list models
      $ tunebook presets show models qwen2.5-7b
      $ tunebook presets where hardware rtx-4090
      $ tunebook presets diff models llama-3.1-8b qwen2.5-7b
    """


@presets.command("list")
@click.argument("kind", type=KIND, required=False)
@click.option("--json", "as_json", is_flag=True)
def list_cmd(kind: str | None, as_json: bool) -> None:
    """List presets (of KIND, or all)."""
    rows = []
    for k in [kind] if kind else PRESET_KINDS:
        for doc in iter_preset_docs(k):
            rows.append({"kind": k, "name": doc.name, "version": doc.data.get("version"),
                         "description": doc.data.get("description", ""),
                         "path": display_path(doc.path)})
    if as_json:
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    from rich.table import Table

    table = Table()
    for column in ("kind", "name", "version", "description", "path"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[c] if row[c] is not None else "") for c in
                        ("kind", "name", "version", "description", "path")))
    out.print(table)


@presets.command()
@click.argument("kind", type=KIND)
@click.argument("name")
def show(kind: str, name: str) -> None:
    """Print a preset and where it is defined."""
    doc = load_preset_doc(kind, name)
    click.echo(f"# {display_path(doc.path)} (sha256 {doc.sha256[:12]})")
    click.echo(dump_yaml(doc.data), nl=False)


@presets.command()
@click.argument("kind", type=KIND)
@click.argument("name")
def where(kind: str, name: str) -> None:
    """Every file defining KIND/NAME, highest priority first (the first one wins)."""
    found = preset_candidates(kind, name)
    if not found:
        load_preset_doc(kind, name)  # raises the did-you-mean error
    for index, (root, path) in enumerate(found):
        marker = "used    " if index == 0 else "shadowed"
        click.echo(f"{marker} {root.namespace}/{name.split('/')[-1]}  {display_path(path)}"
                   f"  ({root.source})")


@presets.command()
@click.argument("kind", type=KIND)
@click.argument("first")
@click.argument("second")
def diff(kind: str, first: str, second: str) -> None:
    """Show how two presets of the same kind differ (unified diff of their data)."""
    a, b = load_preset_doc(kind, first), load_preset_doc(kind, second)
    lines = difflib.unified_diff(dump_yaml(a.data).splitlines(), dump_yaml(b.data).splitlines(),
                                 fromfile=display_path(a.path), tofile=display_path(b.path),
                                 lineterm="")
    for line in lines:
        click.echo(line)
