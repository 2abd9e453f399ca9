"""TB30x empty: turns with nothing in them."""

from __future__ import annotations

from tunebook.lint.context import Context, hit
from tunebook.lint.model import Example
from tunebook.lint.registry import define
from tunebook.lint.report import Finding

EMPTY_COMPLETION = define(
    "TB301",
    "empty-completion",
    "empty",
    "error",
    message="{what} is empty or whitespace",
    fix="Write the response, or drop the example.",
    doc="""
    What it does
        Reports a trained turn (assistant, alpaca output, completion text, labelled segment)
        that is empty or only whitespace.
    Why is this bad?
        The model is trained to answer with nothing, often right after a prompt that deserved
        an answer; a few of these teach the model to stop early.
    Example
        {"role": "assistant", "content": "  "}
    Use instead
        {"role": "assistant", "content": "Your refund was issued today."}
    Options
        None.
    """,
)
EMPTY_TURN = define(
    "TB302",
    "empty-turn",
    "empty",
    "warning",
    message="turn {turn} ({role}) is empty or whitespace",
    fix="Remove the empty turn or fill it in.",
    doc="""
    What it does
        Reports a prompt-side turn (system, user, tool, untrained segment) that is empty.
    Why is this bad?
        An empty user turn trains the model to answer a question nobody asked; an empty
        system turn still costs template tokens.
    Example
        {"role": "user", "content": ""}
    Use instead
        Remove the turn, or put the question in it.
    Options
        None.
    """,
)
RULES = (EMPTY_COMPLETION, EMPTY_TURN)


def check(ex: Example, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for i, (role, content) in enumerate(ex.turns):
        if content and not content.isspace():
            continue
        if ex.is_trained(i):
            if EMPTY_COMPLETION.code in ctx.enabled:
                what = "the response" if ex.format != "chat" else f"assistant turn {i}"
                out.append(hit(EMPTY_COMPLETION, ex, what=what))
        elif EMPTY_TURN.code in ctx.enabled:
            out.append(hit(EMPTY_TURN, ex, turn=i, role=role))
    return out
