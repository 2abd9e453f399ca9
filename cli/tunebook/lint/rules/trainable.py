"""TB51x no-trainable-tokens: examples whose loss is fully masked."""

from __future__ import annotations

from tunebook.lint.context import Context, hit
from tunebook.lint.model import CHAT_FORMATS, Example
from tunebook.lint.registry import define
from tunebook.lint.report import Finding

NO_TRAINABLE = define(
    "TB511",
    "no-trainable-tokens",
    "no-trainable-tokens",
    "error",
    message="no trainable tokens {why}",
    fix="Shorten the prompt, raise sequence_len, or mark a segment/turn as trained.",
    doc="""
    What it does
        Reports examples where every label is masked: the prompt alone fills
        ``sequence_len`` so truncation cuts the whole response (with a real tokenizer and
        ``excess_length_strategy: truncate``), or no segment/turn is marked as trained
        (input_output with every ``label: false``). Chat examples without an assistant turn
        are reported by TB204 instead.
    Why is this bad?
        The example costs a forward and backward pass and contributes nothing; a batch of
        such examples has a NaN loss.
    Example
        A 5,000-token system prompt with ``sequence_len: 4096`` and truncation.
    Use instead
        A shorter prompt, or ``sequence_len: 8192``.
    Options
        ``train_on_inputs`` counts prompt turns as trained.
    """,
)
RULES = (NO_TRAINABLE,)


def check(ex: Example, ctx: Context) -> list[Finding]:
    """The tokenizer-free half: nothing marked as trained (non-chat formats)."""
    if ex.format in CHAT_FORMATS or ctx.settings.train_on_inputs:
        return []
    if not any(ex.is_trained(i) for i in range(len(ex.turns))):
        return [hit(NO_TRAINABLE, ex, why="(no segment has label: true)")]
    return []
