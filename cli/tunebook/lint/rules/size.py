"""TB80x size: enough examples to learn anything."""

from __future__ import annotations

from tunebook.lint.context import Context
from tunebook.lint.registry import define, knob
from tunebook.lint.report import Finding

TOO_FEW = define(
    "TB801",
    "too-few-examples",
    "size",
    "error",
    message="only {n} training examples (minimum {minimum})",
    fix="Collect more examples; fine-tuning on a handful only memorises them.",
    doc="""
    What it does
        Reports a training set smaller than ``min_error`` examples (default 10).
    Why is this bad?
        The run memorises a few examples, the eval split is empty or meaningless, and the
        GPU time buys nothing.
    Example
        A file with 6 conversations.
    Use instead
        Hundreds of examples (thousands for new behaviour).
    Options
        ``thresholds: {too-few-examples: {min_error: 10}}``.
    """,
    knobs=(knob("min_error", "int", 10, "fewer training examples than this is an error", min=0),),
)
FEW = define(
    "TB802",
    "few-examples",
    "size",
    "warning",
    message="only {n} training examples; results will be noisy below {minimum}",
    fix="Aim for a few hundred examples, or use a smaller learning rate and fewer epochs.",
    doc="""
    What it does
        Reports a training set smaller than ``min_warning`` examples (default 100).
    Why is this bad?
        Small sets overfit within an epoch and evaluation differences are within noise.
    Example
        A file with 40 conversations.
    Use instead
        A few hundred examples.
    Options
        ``thresholds: {few-examples: {min_warning: 100}}``.
    """,
    knobs=(
        knob("min_warning", "int", 100, "fewer training examples than this is a warning", min=0),
    ),
)
RULES = (TOO_FEW, FEW)


def finish(n_train: int, ctx: Context, file: str | None) -> list[Finding]:
    """Findings for a training set of ``n_train`` valid examples."""
    low = int(ctx.threshold(TOO_FEW, "min_error"))
    warn = int(ctx.threshold(FEW, "min_warning"))
    if n_train < low and TOO_FEW.code in ctx.enabled:
        return [Finding(TOO_FEW, TOO_FEW.format(n=n_train, minimum=low), file)]
    if low <= n_train < warn and FEW.code in ctx.enabled:
        return [Finding(FEW, FEW.format(n=n_train, minimum=warn), file)]
    return []
