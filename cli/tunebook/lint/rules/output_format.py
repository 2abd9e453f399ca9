"""TB71x format: extraction outputs are JSON matching the task's schema."""

from __future__ import annotations

import orjson

from tunebook.lint.context import Context, hit
from tunebook.lint.model import Example
from tunebook.lint.registry import define
from tunebook.lint.report import Finding

INVALID_JSON_OUTPUT = define(
    "TB711",
    "invalid-json-output",
    "format",
    "error",
    message="the response is not valid JSON: {error}",
    fix="Make the response a bare JSON document (no prose, no ``` fences).",
    doc="""
    What it does
        For extraction tasks (or when ``json_schema`` is set), reports a response that does
        not parse as JSON.
    Why is this bad?
        The model learns to wrap or break its JSON, and every downstream parser fails on it.
    Example
        assistant: "Here you go: {\\"name\\": \\"Ann\\"}"
    Use instead
        assistant: "{\\"name\\": \\"Ann\\"}"
    Options
        None.
    """,
)
SCHEMA_MISMATCH = define(
    "TB712",
    "json-schema-mismatch",
    "format",
    "error",
    message="the response does not match the task's JSON schema: {error}",
    fix="Fix the response so it validates against the schema (or fix the schema).",
    doc="""
    What it does
        Validates each JSON response against ``json_schema`` with jsonschema.
    Why is this bad?
        Training on outputs with missing or mistyped fields teaches the model to break the
        contract your application relies on.
    Example
        schema requires "amount" (number); assistant: "{\\"amount\\": \\"12\\"}"
    Use instead
        assistant: "{\\"amount\\": 12}"
    Options
        ``json_schema`` in the recipe's task.
    """,
)
RULES = (INVALID_JSON_OUTPUT, SCHEMA_MISMATCH)


def applies(ctx: Context) -> bool:
    return ctx.settings.task == "extraction" or ctx.settings.json_schema is not None


def check(ex: Example, ctx: Context) -> list[Finding]:
    response = ex.response().strip()
    if not response:
        return []
    try:
        value = orjson.loads(response)
    except orjson.JSONDecodeError as exc:
        if INVALID_JSON_OUTPUT.code in ctx.enabled:
            return [hit(INVALID_JSON_OUTPUT, ex, error=str(exc)[:120])]
        return []
    validator = ctx.extra.get("json_validator")
    if validator is None and ctx.settings.json_schema is not None:
        import jsonschema

        cls = jsonschema.validators.validator_for(ctx.settings.json_schema)
        validator = ctx.extra["json_validator"] = cls(ctx.settings.json_schema)
    if validator is not None and SCHEMA_MISMATCH.code in ctx.enabled:
        err = next(iter(validator.iter_errors(value)), None)
        if err is not None:
            where = "/".join(str(p) for p in err.absolute_path) or "(root)"
            return [hit(SCHEMA_MISMATCH, ex, error=f"{where}: {err.message[:120]}")]
    return []
