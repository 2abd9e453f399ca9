"""The `tunebook` command line: parse, call the library, render. No logic lives here."""

from __future__ import annotations

import click

from tunebook import __version__
from tunebook.commands.compile import compile_cmd, explain, validate
from tunebook.commands.estimate import estimate
from tunebook.commands.lint import lint
from tunebook.commands.plan import plan
from tunebook.commands.presets import presets
from tunebook.commands.train import train


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tunebook")
def main() -> None:
    """tunebook: fine-tune open LLMs from a short recipe, on top of Axolotl.

    \b
      $ tunebook plan support-tone          what it will take: method, batch, GiB, hours, $
      $ tunebook lint support-tone          what is wrong with the data, before GPU time
      $ tunebook explain support-tone       every Axolotl key, its value and where it came from
      $ tunebook train demo                 compile, validate, lint, train (tiny model, CPU)
    """


for command in (compile_cmd, explain, plan, estimate, lint, validate, train, presets):
    main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    main()
