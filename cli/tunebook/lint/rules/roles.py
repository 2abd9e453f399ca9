"""TB2xx roles: the turn order a chat template and Axolotl's masking expect."""

from __future__ import annotations

from tunebook.lint.context import Context, hit
from tunebook.lint.model import CHAT_FORMATS, Example
from tunebook.lint.registry import Rule, define
from tunebook.lint.report import Finding

SYSTEM_NOT_FIRST = define(
    "TB201",
    "system-not-first",
    "roles",
    "error",
    message="system turn at position {turn}; it must be the first turn",
    fix="Move the system message to the start of the conversation (or merge it there).",
    doc="""
    What it does
        Reports a system turn anywhere but first.
    Why is this bad?
        Most chat templates (Llama 3, Mistral, Qwen) only render a leading system message;
        others raise. The instruction is lost or the example crashes preprocessing.
    Example
        user, system, assistant
    Use instead
        system, user, assistant
    Options
        None.
    """,
)
REPEATED_ROLE = define(
    "TB202",
    "repeated-role",
    "roles",
    "warning",
    message="turns {turn} and {next} are both '{role}'",
    fix="Merge consecutive turns of the same role into one.",
    doc="""
    What it does
        Reports two consecutive turns with the same role.
    Why is this bad?
        Templates that require alternation (Llama 2, Mistral, Gemma) raise
        "roles must alternate"; others render a conversation the model never sees at inference.
    Example
        user, user, assistant
    Use instead
        user (both texts merged), assistant
    Options
        None.
    """,
)
STARTS_WITH_ASSISTANT = define(
    "TB203",
    "starts-with-assistant",
    "roles",
    "warning",
    message="the conversation starts with an assistant turn",
    fix="Start with a user (or system then user) turn.",
    doc="""
    What it does
        Reports a conversation whose first non-system turn is the assistant's.
    Why is this bad?
        The model learns to speak without a prompt; alternating templates raise.
    Example
        assistant, user, assistant
    Use instead
        user, assistant
    Options
        None.
    """,
)
NO_ASSISTANT = define(
    "TB204",
    "no-assistant-turn",
    "roles",
    "error",
    message="no assistant turn: nothing to train on",
    fix="Add the assistant's reply, or drop the example.",
    doc="""
    What it does
        Reports a conversation without any assistant turn.
    Why is this bad?
        With Axolotl's default roles_to_train (assistant) every label is masked: the example
        costs compute and teaches nothing (or yields NaN loss in a batch of its own).
    Example
        system, user
    Use instead
        system, user, assistant
    Options
        None.
    """,
)
ENDS_WITHOUT_ASSISTANT = define(
    "TB205",
    "ends-without-assistant",
    "roles",
    "warning",
    message="the last turn is '{role}', not assistant",
    fix="End each conversation with the assistant turn you want the model to learn.",
    doc="""
    What it does
        Reports a conversation whose last turn is not the assistant's.
    Why is this bad?
        The trailing turns are never trained on; usually a truncated export.
    Example
        user, assistant, user
    Use instead
        user, assistant
    Options
        None.
    """,
)
SYSTEM_UNSUPPORTED = define(
    "TB206",
    "system-role-unsupported",
    "roles",
    "error",
    message="system turn, but the model's chat template has no system role",
    fix="Fold the system text into the first user turn (Axolotl does not do it for you).",
    doc="""
    What it does
        Reports a system turn when the model's template rejects the system role
        (``supports_system_role: false``, e.g. Gemma).
    Why is this bad?
        The template raises "System role not supported" during preprocessing.
    Example
        system, user, assistant   (with a Gemma model)
    Use instead
        user ("<system text>\\n\\n<user text>"), assistant
    Options
        Taken from the model preset's ``supports_system_role``.
    """,
)
TEMPLATE_ERROR = define(
    "TB207",
    "template-error",
    "roles",
    "error",
    message="the chat template rejects this conversation: {error}",
    fix="Reorder or merge turns so the model's chat template accepts them.",
    doc="""
    What it does
        Renders the conversation with the model's own chat template (when a tokenizer is
        available) and reports the template's error.
    Why is this bad?
        Axolotl renders the same template; the error stops preprocessing.
    Example
        user, user, assistant   (with a template that raises "roles must alternate")
    Use instead
        user, assistant
    Options
        Needs ``--model`` with a tokenizer_config.json that has a chat_template.
    """,
)
RULES = (
    SYSTEM_NOT_FIRST,
    REPEATED_ROLE,
    STARTS_WITH_ASSISTANT,
    NO_ASSISTANT,
    ENDS_WITHOUT_ASSISTANT,
    SYSTEM_UNSUPPORTED,
    TEMPLATE_ERROR,
)


def check(ex: Example, ctx: Context) -> list[Finding]:
    """Turn-order findings for chat-like examples (they depend only on the role sequence,
    so they are worked out once per sequence)."""
    if ex.format not in CHAT_FORMATS:
        return []
    cache = ctx.extra.get("roles_cache")
    if cache is None:
        cache = ctx.extra["roles_cache"] = {}
    roles = ex.roles
    found = cache.get(roles)
    if found is None:
        found = cache[roles] = _role_findings(list(roles), ctx)
    return [hit(rule, ex, **fields) for rule, fields in found] if found else []


def _role_findings(roles: list[str], ctx: Context) -> list[tuple[Rule, dict[str, object]]]:
    out: list[tuple[Rule, dict[str, object]]] = []
    on = ctx.enabled
    for i, role in enumerate(roles):
        if role == "system":
            if i > 0 and SYSTEM_NOT_FIRST.code in on:
                out.append((SYSTEM_NOT_FIRST, {"turn": i}))
            if i == 0 and not ctx.settings.supports_system_role and SYSTEM_UNSUPPORTED.code in on:
                out.append((SYSTEM_UNSUPPORTED, {}))
        if i and role == roles[i - 1] and role != "tool" and REPEATED_ROLE.code in on:
            out.append((REPEATED_ROLE, {"turn": i - 1, "next": i, "role": role}))
    first = next((r for r in roles if r != "system"), None)
    if first == "assistant" and STARTS_WITH_ASSISTANT.code in on:
        out.append((STARTS_WITH_ASSISTANT, {}))
    if "assistant" not in roles:
        if NO_ASSISTANT.code in on and not ctx.settings.train_on_inputs:
            out.append((NO_ASSISTANT, {}))
    elif roles[-1] != "assistant" and ENDS_WITHOUT_ASSISTANT.code in on:
        out.append((ENDS_WITHOUT_ASSISTANT, {"role": roles[-1]}))
    return out
