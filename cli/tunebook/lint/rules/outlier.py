"""TB52x outlier: responses far outside the length distribution of the rest."""

from __future__ import annotations

import math
from array import array

from tunebook.lint.context import Context, hit
from tunebook.lint.model import Example
from tunebook.lint.registry import define
from tunebook.lint.report import Finding

LENGTH_OUTLIER = define(
    "TB521",
    "response-length-outlier",
    "outlier",
    "warning",
    message="response is {chars} characters; typical is {typical} (robust z = {z:.1f})",
    fix="Check the example: a truncated export, a pasted log, or a wrong field mapping.",
    doc="""
    What it does
        Computes a robust z-score (median and MAD) of log response length over the
        training set and reports responses with ``|z|`` above ``z`` (default 4.5).
    Why is this bad?
        Extreme lengths are usually broken rows (a one-word answer among paragraphs, a
        pasted document) and they shift the style the model learns.
    Example
        A 9,000-character response in a set whose responses are 300–800 characters.
    Use instead
        Fix or drop the row.
    Options
        ``thresholds: {response-length-outlier: {z: 4.5, min_examples: 50}}``.
    """,
)
RULES = (LENGTH_OUTLIER,)
_MAD_SCALE = 0.6745


class Checker:
    """Keeps one float per example (flat memory) and scores them at the end."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.logs = array("f")
        self.files: dict[str, int] = {}
        self.lines = array("q")
        self.index = array("q")
        self.file_ids = array("H")

    def observe(self, ex: Example) -> list[Finding]:
        if ex.split != "train":
            return []
        n = len(ex.response().strip())
        if n == 0:  # empty responses are TB301's
            return []
        self.logs.append(math.log1p(n))
        self.lines.append(ex.line if ex.line is not None else -1)
        self.index.append(ex.index)
        self.file_ids.append(self.files.setdefault(ex.file, len(self.files)))
        return []

    def finish(self) -> list[Finding]:
        n = len(self.logs)
        if n < int(self.ctx.threshold(LENGTH_OUTLIER, "min_examples", 50)):
            return []
        limit = float(self.ctx.threshold(LENGTH_OUTLIER, "z", 4.5))
        values = sorted(self.logs)
        med = values[n // 2]
        mad = sorted(abs(v - med) for v in values)[n // 2]
        if mad <= 0:
            return []
        names = list(self.files)
        typical = round(math.expm1(med))
        out = []
        for i, v in enumerate(self.logs):
            z = _MAD_SCALE * (v - med) / mad
            if abs(z) > limit:
                line = self.lines[i]
                ex = Example(
                    names[self.file_ids[i]], None if line < 0 else line, self.index[i], "", []
                )
                out.append(
                    hit(LENGTH_OUTLIER, ex, chars=round(math.expm1(v)), typical=typical, z=z)
                )
        return out
