"""TB42x leakage: eval examples that also appear in the training data."""

from __future__ import annotations

from tunebook.lint.registry import define

EXACT_LEAK = define(
    "TB421",
    "eval-leak",
    "leakage",
    "error",
    message="this eval example is in the training data ({other})",
    fix="Remove it from one of the two files (usually from train).",
    doc="""
    What it does
        Reports eval examples identical (after normalising whitespace and case) to a
        training example.
    Why is this bad?
        The eval score measures memorisation, not generalisation: the comparison between
        base and tuned model is inflated.
    Example
        The same conversation in train.jsonl and eval.jsonl.
    Use instead
        Disjoint files (split before augmenting or deduplicating).
    Options
        ``--eval FILE`` (or the recipe's eval dataset).
    """,
)
NEAR_LEAK = define(
    "TB422",
    "eval-near-leak",
    "leakage",
    "warning",
    message="this eval example nearly duplicates training example {other} (Jaccard {jaccard:.2f})",
    fix="Remove the near-copy from train, or split by source document/customer.",
    doc="""
    What it does
        Reports eval examples whose word 3-shingle Jaccard similarity with a training
        example is at least ``jaccard`` (default 0.8), using MinHash LSH and an exact check.
    Why is this bad?
        Paraphrased or templated copies leak the answer almost as well as exact ones.
    Example
        Train: "Where is order 1182?" ... Eval: "Where is order 1183?" ... (same reply).
    Use instead
        Split by source (customer, document, template) rather than by row.
    Options
        ``thresholds: {near-duplicate-example: {jaccard: 0.8}}`` (shared with TB411).
    """,
)
RULES = (EXACT_LEAK, NEAR_LEAK)
