"""`tunebook lock`: record exactly what a recipe compiles from, beside the recipe."""

from __future__ import annotations

import click

from tunebook.console import err
from tunebook.provenance import display_path


@click.command()
@click.argument("recipe")
def lock(recipe: str) -> None:
    """Write RECIPE.lock.yaml beside the recipe: each preset used (source, version, sha256),
    the recipe files, the dataset hashes, and the tunebook/Axolotl/transformers/peft versions.
    `tunebook train --locked` then refuses to run when any of it changed.

    \b
      $ tunebook lock support-tone
      $ tunebook train support-tone --locked
    """
    from tunebook.lockfile import build_lock, dump_lock, lock_differences, lock_path, read_lock
    from tunebook.pipeline import prepare
    from tunebook.runs import atomic_write

    compiled = prepare(recipe)
    path = lock_path(compiled.resolved.recipe.path)
    data = build_lock(compiled)
    if path.exists():
        changes = lock_differences(read_lock(path), data)
        for line in changes:
            err.print(f"  {line}")
        if not changes:
            err.print(f"{display_path(path)} is up to date")
    atomic_write(path, dump_lock(data))
    click.echo(display_path(path))


def check_locked(compiled) -> None:
    """Raise a UserError listing every difference from the recipe's lockfile."""
    from tunebook.errors import UserError
    from tunebook.lockfile import build_lock, lock_differences, lock_path, read_lock

    path = lock_path(compiled.resolved.recipe.path)
    changes = lock_differences(read_lock(path), build_lock(compiled))
    if changes:
        raise UserError(
            "differs from its lockfile: " + "; ".join(changes), file=path,
            hint=f"review the change, then `tunebook lock {compiled.resolved.recipe.name}`")
