"""The `tunebook` command line: parse, call the library, render. No logic lives here.

Commands live one per module in `tunebook.commands` and are imported only when used, so
`tunebook plan` never pays for what `tunebook train` needs."""

from __future__ import annotations

import importlib
import os

import click

from tunebook import __version__

COMMANDS = {
    "compile": "tunebook.commands.compile:compile_cmd",
    "explain": "tunebook.commands.compile:explain",
    "plan": "tunebook.commands.plan:plan",
    "estimate": "tunebook.commands.estimate:estimate",
    "lint": "tunebook.commands.lint:lint",
    "validate": "tunebook.commands.compile:validate",
    "train": "tunebook.commands.train:train",
    "eval": "tunebook.commands.eval:eval_cmd",
    "presets": "tunebook.commands.presets:presets",
    "lock": "tunebook.commands.lock:lock",
    "new": "tunebook.commands.new:new",
    "runs": "tunebook.commands.runs:runs",
    "export": "tunebook.commands.export:export",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use, with did-you-mean for
    unknown commands and a last line of defence against tracebacks."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            from tunebook.errors import did_you_mean

            hint = did_you_mean(name, list(COMMANDS)) or "see `tunebook --help`"
            ctx.fail(f"no command '{name}' ({hint})")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:  # `tunebook ... | head`: stop quietly, like other CLIs
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            raise click.exceptions.Exit(0) from None
        except OSError as exc:
            from tunebook.errors import UserError

            raise UserError(str(exc.strerror or exc), file=exc.filename,
                            hint="check the path and its permissions") from None
        except Exception as exc:
            if os.environ.get("TUNEBOOK_DEBUG"):
                raise
            raise InternalError(exc) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        try:
            command = getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("tunebook"):
                raise click.ClickException(f"`{name}` is not available in this build") from None
            raise
        command.name = name
        return command


class InternalError(click.ClickException):
    """An unexpected failure: one line, and how to see the traceback."""

    exit_code = 3

    def __init__(self, exc: Exception) -> None:
        super().__init__(f"internal error: {type(exc).__name__}: {exc} (hint: rerun with "
                         "TUNEBOOK_DEBUG=1 for the traceback and report it)")


@click.group(cls=LazyGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tunebook")
def main() -> None:
    """tunebook: fine-tune open LLMs from a short recipe, on top of Axolotl.

    \b
      $ tunebook plan support-tone          what it will take: method, batch, GiB, hours, $
      $ tunebook lint support-tone          what is wrong with the data, before GPU time
      $ tunebook explain support-tone       every Axolotl key, its value and where it came from
      $ tunebook train demo                 compile, validate, lint, train (tiny model, CPU)
    """


if __name__ == "__main__":  # pragma: no cover
    main()
