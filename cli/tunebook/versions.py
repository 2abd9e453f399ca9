"""Installed versions of the stack, read from package metadata (nothing is imported)."""

from __future__ import annotations

from importlib import metadata

from tunebook import __version__

STACK = ("axolotl", "transformers", "peft", "torch", "deepspeed", "accelerate", "trl")


def stack_versions() -> dict[str, str | None]:
    """tunebook plus each package of the training stack (None when not installed)."""
    found: dict[str, str | None] = {"tunebook": __version__}
    for name in STACK:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found
