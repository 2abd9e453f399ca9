"""One exception type for everything the user can fix: a one-line message, never a traceback."""

from __future__ import annotations

from pathlib import Path

import click


class UserError(click.ClickException):
    """A problem in the user's input. Rendered as one line by click; exit status 2.

    The message names where the problem is (``file:line``), which field, what is wrong,
    and a hint saying what to do next.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field
        self.hint = hint
        self.bare_message = message
        super().__init__(format_error(message, file=file, line=line, field=field, hint=hint))

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def format_error(
    message: str,
    *,
    file: str | Path | None = None,
    line: int | None = None,
    field: str | None = None,
    hint: str | None = None,
) -> str:
    """``file:line: field: message (hint: ...)`` with the missing parts left out."""
    where = ""
    if file is not None:
        where = f"{file}:{line}: " if line else f"{file}: "
    what = f"{field}: " if field else ""
    tail = f" (hint: {hint})" if hint else ""
    return f"{where}{what}{message}{tail}"


class UserErrors(UserError):
    """Several problems found in one pass, reported together (one line each)."""

    def __init__(self, problems: list[UserError]) -> None:
        self.problems = problems
        click.ClickException.__init__(self, "\n".join(p.format_message() for p in problems))
        self.file = problems[0].file if problems else None
        self.line = problems[0].line if problems else None
        self.field = problems[0].field if problems else None
        self.hint = problems[0].hint if problems else None
        self.bare_message = self.message

    def show(self, file=None) -> None:
        for problem in self.problems:
            problem.show()


def raise_collected(problems: list[UserError]) -> None:
    """Raise nothing, the one problem, or all of them together."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise UserErrors(problems)


def did_you_mean(name: str, candidates: list[str] | tuple[str, ...]) -> str | None:
    """'did you mean X?' for the closest candidate, or None."""
    import difflib

    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
