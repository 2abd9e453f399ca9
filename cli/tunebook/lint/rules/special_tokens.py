"""TB31x special-tokens: template control tokens written into content."""

from __future__ import annotations

import re

from tunebook.lint.context import Context, hit
from tunebook.lint.model import Example
from tunebook.lint.registry import define, knob
from tunebook.lint.report import Finding

KNOWN_TOKENS = (
    "<|im_start|>",
    "<|im_end|>",
    "<|endoftext|>",
    "<|eot_id|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "[INST]",
    "[/INST]",
    "<<SYS>>",
    "<</SYS>>",
    "<start_of_turn>",
    "<end_of_turn>",
    "<s>",
    "</s>",
    "<|user|>",
    "<|assistant|>",
    "<|system|>",
    "<|end|>",
)

SPECIAL_TOKEN = define(
    "TB311",
    "special-token-in-content",
    "special-tokens",
    "error",
    message="content contains the control token {token!r}",
    fix="Remove template markup from the content; the chat template adds it.",
    doc="""
    What it does
        Reports literal chat-template control tokens (``<|im_end|>``, ``<|eot_id|>``,
        ``[INST]``, ``<start_of_turn>``, ``<s>`` ...) and the tokenizer's own added tokens
        inside message content.
    Why is this bad?
        The tokenizer turns them into real control tokens: the conversation ends early,
        turns are mis-masked, and the model learns to emit stop tokens mid-answer. It
        usually means the data was rendered with a template once already.
    Example
        {"role": "assistant", "content": "Sure!<|im_end|>"}
    Use instead
        {"role": "assistant", "content": "Sure!"}
    Options
        ``thresholds: {special-token-in-content: {allow: ["<s>"]}}``.
    """,
    knobs=(knob("allow", "list[str]", [], "special-token strings allowed in content"),),
)
RULES = (SPECIAL_TOKEN,)


def build_pattern(ctx: Context) -> re.Pattern[str] | None:
    allow = set(ctx.threshold(SPECIAL_TOKEN, "allow"))
    tokens = {t for t in (*KNOWN_TOKENS, *ctx.added_tokens) if t and t not in allow}
    if not tokens:
        return None
    return re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))


def _gates(ctx: Context) -> tuple[str, ...]:
    """Substrings one of which every token contains: its first non-alphanumeric character
    (``<``, ``[``, ``|``), or the whole token when it has none."""
    allow = set(ctx.threshold(SPECIAL_TOKEN, "allow"))
    gates = set()
    for t in (*KNOWN_TOKENS, *ctx.added_tokens):
        if t and t not in allow:
            gates.add(next((c for c in t if not c.isalnum() and not c.isspace()), t))
    return tuple(sorted(gates))


def check(ex: Example, ctx: Context) -> list[Finding]:
    pattern = ctx.extra.get("special_pattern")
    if pattern is None:
        pattern = ctx.extra["special_pattern"] = build_pattern(ctx) or False
        ctx.extra["special_gates"] = _gates(ctx)
    if not pattern:
        return []
    text = ex.text
    for gate in ctx.extra["special_gates"]:
        if gate in text:
            break
    else:
        return []
    m = pattern.search(text)
    return [hit(SPECIAL_TOKEN, ex, token=m.group())] if m else []
