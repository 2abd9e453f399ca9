"""TB70x labels: classification targets are known labels in a usable balance."""

from __future__ import annotations

from collections import Counter

from tunebook.lint.context import Context, hit
from tunebook.lint.model import Example, Locations
from tunebook.lint.registry import define, knob
from tunebook.lint.report import Finding

UNKNOWN_LABEL = define(
    "TB701",
    "unknown-label",
    "labels",
    "error",
    message="label {label!r} is not one of the task's labels",
    fix="Fix the label's spelling or add it to the task's labels.",
    doc="""
    What it does
        For classification tasks, reports a response that is not exactly one of
        ``labels`` (after stripping whitespace).
    Why is this bad?
        A misspelt or free-text label is a class of its own; the model learns to produce it
        and exact-match evaluation counts it wrong.
    Example
        labels: [refund, shipping]; assistant: "Refund."
    Use instead
        assistant: "refund"
    Options
        ``labels`` in the recipe's task.
    """,
)
IMBALANCE = define(
    "TB702",
    "label-imbalance",
    "labels",
    "warning",
    message="labels are imbalanced: {detail}",
    fix="Collect more examples of the rare labels, or down-sample the common ones.",
    doc="""
    What it does
        For classification tasks, reports when the most common label has more than
        ``max_ratio`` (default 10) times the examples of the rarest, or a declared label
        has no example at all.
    Why is this bad?
        The model learns the prior: it predicts the majority label and still scores well on
        an equally imbalanced eval set.
    Example
        refund: 950, shipping: 40, other: 10
    Use instead
        A few hundred examples of each label.
    Options
        ``thresholds: {label-imbalance: {max_ratio: 10}}``.
    """,
    knobs=(
        knob(
            "max_ratio",
            "float",
            10.0,
            "most/least frequent label count ratio above which the labels are imbalanced",
            min=1,
        ),
    ),
)
RULES = (UNKNOWN_LABEL, IMBALANCE)


def applies(ctx: Context) -> bool:
    return ctx.settings.task == "classification" or bool(ctx.settings.labels)


class Checker:
    """Checks each label and counts them for the imbalance check."""

    def __init__(self, ctx: Context, where: Locations) -> None:
        self.ctx = ctx
        self.where = where
        self.allowed = set(ctx.settings.labels or [])
        self.counts: Counter[str] = Counter()
        self.files: set[str] = set()

    def observe(self, gid: int, label: str) -> list[Finding]:
        """``label``: the stripped response of train example ``gid`` (non-empty)."""
        self.counts[label] += 1
        self.files.add(self.where.files[self.where.file_of[gid]])
        if self.allowed and label not in self.allowed and UNKNOWN_LABEL.code in self.ctx.enabled:
            return [hit(UNKNOWN_LABEL, self.where.example(gid), label=label[:60])]
        return []

    def finish(self) -> list[Finding]:
        if IMBALANCE.code not in self.ctx.enabled or not self.counts:
            return []
        counts = Counter(
            {k: v for k, v in self.counts.items() if not self.allowed or k in self.allowed}
        )
        for label in self.allowed:
            counts.setdefault(label, 0)
        if len(counts) < 2:
            return []
        ratio = float(self.ctx.threshold(IMBALANCE, "max_ratio"))
        (top, n_top), (low, n_low) = (
            counts.most_common(1)[0],
            min(counts.items(), key=lambda kv: kv[1]),
        )
        if n_low == 0 or n_top > ratio * n_low:
            detail = f"{top!r} has {n_top} examples, {low!r} has {n_low}"
            file = sorted(self.files)[0] if self.files else None
            return [Finding(IMBALANCE, IMBALANCE.format(detail=detail), file)]
        return []


def label_of(ex: Example) -> str:
    """The label of a train example: its stripped response ('' when there is none)."""
    return ex.response().strip() if ex.split == "train" else ""
