"""TB41x near-duplicate: examples that differ only in a few words."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tunebook.lint.context import Context, hit
from tunebook.lint.minhash import NearDuplicateIndex
from tunebook.lint.model import Example, Locations
from tunebook.lint.registry import define
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
)
RULES = (NEAR_DUPLICATE,)


class Checker:
    """Feeds normalised texts to the MinHash index; pairs are resolved in ``finish``."""

    def __init__(
        self, ctx: Context, where: Locations, reread: Callable[[set[int]], Iterable[Example]]
    ) -> None:
        self.ctx = ctx
        self.where = where
        self.reread = reread
        self.index = NearDuplicateIndex(
            threshold=float(ctx.threshold(NEAR_DUPLICATE, "jaccard", 0.8)),
            k=int(ctx.threshold(NEAR_DUPLICATE, "shingle", 3)),
        )

    def observe(self, ex: Example) -> list[Finding]:
        if "duplicate" not in ex.flags:
            words = ex.words
            if words:
                self.index.add(ex.gid, words)
        return []

    def finish(self) -> list[Finding]:
        candidates = self.index.candidate_pairs()
        if not candidates:
            return []
        ids = {i for pair in candidates for i in pair}
        pairs = self.index.verify(((ex.gid, ex.words) for ex in self.reread(ids)), candidates)
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
