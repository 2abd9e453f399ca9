"""TB52x outlier: responses far outside the length distribution of the rest."""

from __future__ import annotations

import math
from array import array

from tunebook.lint.context import Context, hit
from tunebook.lint.model import Example, Locations
from tunebook.lint.registry import define, knob
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
    knobs=(
        knob(
            "z",
            "float",
            4.5,
            "robust z-score of the log response length above which an example is reported",
            min=0,
            min_open=True,
        ),
        knob(
            "min_examples",
            "int",
            50,
            "training examples needed before outliers are looked for",
            min=1,
        ),
    ),
)
RULES = (LENGTH_OUTLIER,)
_MAD_SCALE = 0.6745


def log_length(ex: Example) -> float | None:
    """log1p of the stripped response length of a train example (None: not scored)."""
    if ex.split != "train":
        return None
    n = len(ex.response().strip())
    return math.log1p(n) if n else None  # empty responses are TB301's


class Checker:
    """Keeps one float and one gid per example (flat memory) and scores them at the end."""

    def __init__(self, ctx: Context, where: Locations) -> None:
        self.ctx = ctx
        self.where = where
        self.logs = array("f")
        self.gids = array("q")

    def add(self, gids: array, logs: array) -> None:
        self.gids.extend(gids)
        self.logs.extend(logs)

    def finish(self) -> list[Finding]:
        n = len(self.logs)
        if n < int(self.ctx.threshold(LENGTH_OUTLIER, "min_examples")):
            return []
        limit = float(self.ctx.threshold(LENGTH_OUTLIER, "z"))
        import numpy as np

        logs = np.frombuffer(self.logs, dtype=np.float32).astype(np.float64)
        med = float(np.partition(logs, n // 2)[n // 2])
        dev = np.abs(logs - med)
        mad = float(np.partition(dev, n // 2)[n // 2])
        if mad <= 0:
            return []
        typical = round(math.expm1(med))
        z = _MAD_SCALE * (logs - med) / mad
        out = []
        for i in np.flatnonzero(np.abs(z) > limit).tolist():
            ex = self.where.example(self.gids[i])
            chars = round(math.expm1(float(logs[i])))
            out.append(hit(LENGTH_OUTLIER, ex, chars=chars, typical=typical, z=float(z[i])))
        return out
