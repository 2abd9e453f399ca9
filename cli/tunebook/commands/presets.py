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
            rows.append({"kind": k, "name": doc.name, "namespace": doc.namespace,
                         "version": doc.data.get("version"),
                         "maintainer": doc.data.get("maintainer"),
                         "description": doc.data.get("description", ""),
                         "path": display_path(doc.path)})
    if as_json:
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    from rich.table import Table

    table = Table()
    columns = ("kind", "namespace", "name", "version", "maintainer", "description", "path")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[c] if row[c] is not None else "") for c in columns))
    out.print(table)


def _kind_and_name(args: tuple[str, ...]) -> tuple[str, str]:
    """`KIND NAME`, or just `NAME` when exactly one kind has a preset of that name."""
    from tunebook.errors import UserError

    if len(args) == 2:
        if args[0] not in PRESET_KINDS:
            raise UserError(f"unknown preset kind '{args[0]}'",
                            hint=f"one of {', '.join(PRESET_KINDS)}")
        return args[0], args[1]
    if len(args) != 1:
        raise UserError("expected [KIND] NAME", hint="e.g. `tunebook presets show rtx-4090`")
    kinds = [k for k in PRESET_KINDS if preset_candidates(k, args[0])]
    if len(kinds) == 1:
        return kinds[0], args[0]
    if not kinds:
        from tunebook.errors import did_you_mean
        from tunebook.presets import list_presets

        every = [n for k in PRESET_KINDS for n in list_presets(k)]
        raise UserError(f"no preset named '{args[0]}'",
                        hint=did_you_mean(args[0], every) or "see `tunebook presets list`")
    raise UserError(f"'{args[0]}' names a preset of several kinds: {', '.join(kinds)}",
                    hint=f"say which: `tunebook presets show {kinds[0]} {args[0]}`")


@presets.command()
@click.argument("args", nargs=-1, required=True, metavar="[KIND] NAME")
def show(args: tuple[str, ...]) -> None:
    """Print a preset, resolved through `extends`, each key with its file:line."""
    kind, name = _kind_and_name(args)
    doc = load_preset_doc(kind, name)
    chain = " <- ".join(display_path(p) for p, _ in doc.chain)
    click.echo(f"# {doc.qualified_name}: {chain} (sha256 {doc.sha256[:12]})")
    for key, value in doc.data.items():
        block = dump_yaml({key: value}).rstrip("\n").split("\n")
        source = f"{display_path(doc.file_of(key))}:{doc.line_of(key)}"
        click.echo(f"{block[0]}  # {source}")
        for line in block[1:]:
            click.echo(line)


@presets.command()
@click.argument("args", nargs=-1, required=True, metavar="[KIND] NAME")
def where(args: tuple[str, ...]) -> None:
    """Every file defining NAME, highest priority first (the first one wins)."""
    kind, name = _kind_and_name(args)
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


@presets.command("new")
@click.argument("kind", type=KIND)
@click.argument("name")
@click.option("--extends", "parent", default=None, help="A preset of the same kind to build on.")
@click.option("--description", default="describe what this preset is for")
@click.option("--maintainer", default="your team")
@click.option("--dir", "folder", type=click.Path(file_okay=False), default="presets",
              show_default=True, help="Preset root (a team directory or ./presets).")
def new_preset(kind: str, name: str, parent: str | None, description: str, maintainer: str,
               folder: str) -> None:
    """Write a new preset KIND/NAME.yaml from a commented template.

    \b
      $ tunebook presets new hardware our-a100 --extends a100-80gb --dir team-presets
    """
    from pathlib import Path

    from tunebook.presets import _check_name
    from tunebook.scaffold import render, write_once

    _check_name(kind, name)
    if parent:
        load_preset_doc(kind, parent)  # fail early with a did-you-mean
    target = Path(folder) / kind / f"{name}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = render("preset.yaml.j2", kind=kind, name=name, extends=parent,
                  description=description, maintainer=maintainer)
    click.echo(str(write_once(target, text)))
