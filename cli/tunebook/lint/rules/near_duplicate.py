"""TB41x near-duplicate: examples that differ only in a few words."""

from __future__ import annotations

from tunebook.lint.context import Context, hit
from tunebook.lint.minhash import NearDuplicateIndex
from tunebook.lint.model import Example, Locations
from tunebook.lint.registry import define, knob
from tunebook.lint.report import Finding
from tunebook.lint.rules import leakage

NEAR_DUPLICATE = define(
    "TB411",
    "near-duplicate-example",
    "near-duplicate",
    "warning",
    message="near-duplicate of {other} (Jaccard {jaccard:.2f})",
    fix="Keep one of the two, or make them genuinely different.",
    doc="""
    What it does
        Finds pairs of training examples whose word 3-shingle sets have Jaccard similarity
        of at least ``jaccard`` (default 0.8): MinHash (rensa) with LSH banding finds
        candidates, and every candidate pair is verified by exact Jaccard, so there are no
        false positives from the sketch. Reported at the later example of each pair, naming
        the earlier one. Exact duplicates are left to TB401.
    Why is this bad?
        Templated or lightly edited copies over-weight one pattern; the model overfits to the
        template.
    Example
        "Hi, where is my order 1182?" / "Hi, where is my order 1183?" with the same reply.
    Use instead
        One of them, or more varied examples.
    Options
        ``thresholds: {near-duplicate-example: {jaccard: 0.8, shingle: 3}}``.
    """,
    knobs=(
        knob(
            "jaccard",
            "float",
            0.8,
            "word-shingle Jaccard from which two examples are near-duplicates (and TB422)",
            min=0,
            max=1,
            min_open=True,
        ),
        knob("shingle", "int", 3, "words per shingle", min=1, max=20),
    ),
)
RULES = (NEAR_DUPLICATE,)


def index_for(ctx: Context) -> NearDuplicateIndex:
    return NearDuplicateIndex(
        threshold=float(ctx.threshold(NEAR_DUPLICATE, "jaccard")),
        k=int(ctx.threshold(NEAR_DUPLICATE, "shingle")),
    )


def applies(ctx: Context) -> bool:
    return ctx.on(NEAR_DUPLICATE, leakage.NEAR_LEAK)


class Checker:
    """Collects the LSH band keys the scanners computed (exact duplicates left out); pairs are
    resolved in ``finish`` on the re-read candidate examples."""

    def __init__(self, ctx: Context, where: Locations) -> None:
        self.ctx = ctx
        self.where = where
        self.index = index_for(ctx)
        self.pairs: set[tuple[int, int]] = set()
        self.ids: list[int] = []

    def candidates(self) -> set[tuple[int, int]]:
        self.pairs = self.index.candidate_pairs()
        self.ids = sorted({i for pair in self.pairs for i in pair})
        return set(self.ids)

    def finish(self, examples: dict[int, Example]) -> list[Finding]:
        """``examples``: at least every id of ``candidates()``, re-read."""
        if not self.pairs:
            return []
        items = ((g, examples[g].words) for g in self.ids if g in examples)
        pairs = self.index.verify(items, self.pairs)
        reported: set[int] = set()
        out: list[Finding] = []
        split = self.where.split_of
        for a, b, jac in pairs:
            if b in reported:
                continue
            if split[a] == 0 and split[b] == 0:
                rule = NEAR_DUPLICATE
            elif split[a] != split[b]:
                rule = leakage.NEAR_LEAK
            else:
                continue
            if rule.code not in self.ctx.enabled:
                continue
            reported.add(b)
            out.append(hit(rule, self.where.example(b), other=self.where.describe(a), jaccard=jac))
        return out
