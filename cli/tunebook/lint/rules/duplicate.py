"""TB40x duplicate: the same example twice (after normalising whitespace and case)."""

from __future__ import annotations

from hashlib import blake2b

from tunebook.lint.context import Context, hit
from tunebook.lint.model import Example, Locations
from tunebook.lint.registry import define
from tunebook.lint.report import Finding
from tunebook.lint.rules import leakage

DUPLICATE = define(
    "TB401",
    "duplicate-example",
    "duplicate",
    "warning",
    message="duplicate of {other}",
    fix="Remove the repeated example (keep one copy).",
    doc="""
    What it does
        Reports an example identical to an earlier one after lowercasing and collapsing
        whitespace (roles included).
    Why is this bad?
        Duplicates are trained on several times per epoch: the model memorises them and the
        effective dataset is smaller than it looks.
    Example
        Two lines with the same conversation, one with a trailing space.
    Use instead
        One copy.
    Options
        None.
    """,
)
RULES = (DUPLICATE,)


def fingerprint(ex: Example) -> int:
    """A 64-bit hash of the normalised, role-tagged conversation (the words of ``normalised``:
    equal word lists are exactly equal normalised texts). Stable across processes and runs
    (blake2b, not ``hash()``, which PYTHONHASHSEED randomises)."""
    text = "\x00".join(ex.roles) + "\x01" + " ".join(ex.words)
    digest = blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


class Checker:
    """First occurrence of every fingerprint (train split); eval examples are looked up.
    Runs in the main process on the fingerprints the scanners computed, in example order."""

    def __init__(self, ctx: Context, where: Locations) -> None:
        self.ctx = ctx
        self.where = where
        self.first: dict[int, int] = {}
        self.dup_on = DUPLICATE.code in ctx.enabled
        self.leak_on = leakage.EXACT_LEAK.code in ctx.enabled

    def observe(self, gid: int, key: int, train: bool) -> Finding | bool:
        """False when ``gid`` is not a duplicate; else its finding (or True when the rule is
        off)."""
        if train:
            first = self.first.setdefault(key, gid)
            if first == gid:
                return False
            if self.dup_on:
                return hit(DUPLICATE, self.where.example(gid), other=self.where.describe(first))
            return True
        first = self.first.get(key)
        if first is None:
            return False
        if self.leak_on:
            ex = self.where.example(gid)
            return hit(leakage.EXACT_LEAK, ex, other=self.where.describe(first))
        return True
