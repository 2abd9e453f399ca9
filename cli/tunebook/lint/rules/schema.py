"""TB1xx schema: the example has the shape its format requires."""

from __future__ import annotations

from tunebook.lint.registry import define, knob

INVALID_JSON = define(
    "TB100",
    "invalid-json",
    "schema",
    "error",
    message="line is not valid JSON: {detail}",
    fix="Fix or remove the line; each JSONL line must be one complete JSON object.",
    doc="""
    What it does
        Reports a line (or a whole JSON file) that does not parse as JSON.
    Why is this bad?
        Axolotl's loader stops on the first bad line, after you have paid for the GPU to start.
    Example
        {"messages": [{"role": "user", "content": "hi"}
    Use instead
        {"messages": [{"role": "user", "content": "hi"}]}
    Options
        None. Linting goes on with the next line.
    """,
)
NOT_AN_OBJECT = define(
    "TB101",
    "example-not-object",
    "schema",
    "error",
    message="example is a {kind}, not a JSON object",
    fix='Wrap the example in an object with the format\'s fields, e.g. {"messages": [...]}.',
    doc="""
    What it does
        Reports an example that is a list, string or number instead of an object.
    Why is this bad?
        Every dataset format Axolotl reads expects one object per example.
    Example
        ["hi", "hello"]
    Use instead
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    Options
        None.
    """,
)
MISSING_MESSAGES = define(
    "TB102",
    "missing-messages",
    "schema",
    "error",
    message="no '{field}' list in a {format} example",
    fix="Give every example a non-empty '{field}' list of turns.",
    doc="""
    What it does
        Reports a chat (``messages``) or ShareGPT (``conversations``) example whose list of
        turns is missing, not a list, or empty.
    Why is this bad?
        The chat_template strategy has nothing to tokenize; the example is dropped or crashes
        preprocessing.
    Example
        {"messages": "hello"}
    Use instead
        {"messages": [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "hi"}]}
    Options
        ``field_map`` renames the field (``{"messages": "conversation"}``).
    """,
)
MALFORMED_TURN = define(
    "TB103",
    "malformed-turn",
    "schema",
    "error",
    message="turn {turn}: {problem}",
    fix="Each turn must be an object with a role and a content field.",
    doc="""
    What it does
        Reports a turn that is not an object or lacks its role (``role``/``from``) or content
        (``content``/``value``) field.
    Why is this bad?
        Axolotl's chat template renderer raises a KeyError on the first such turn.
    Example
        {"messages": [{"content": "hi"}]}
    Use instead
        {"messages": [{"role": "user", "content": "hi"}]}
    Options
        ``field_map`` renames role/content fields (``{"role": "from", "content": "value"}``).
    """,
)
NON_STRING_CONTENT = define(
    "TB104",
    "non-string-content",
    "schema",
    "error",
    message="turn {turn} ({role}): content is {kind}, not a string",
    fix="Make content a string (serialise structured output with json.dumps).",
    doc="""
    What it does
        Reports content that is a number, null, object or a list that is not text parts.
    Why is this bad?
        Chat templates concatenate content as text; anything else raises or renders
        ``None``/a Python repr into the training text.
    Example
        {"role": "assistant", "content": {"label": "refund"}}
    Use instead
        {"role": "assistant", "content": "{\\"label\\": \\"refund\\"}"}
    Options
        None. A list of ``{"type": "text", "text": ...}`` parts is accepted.
    """,
)
UNKNOWN_ROLE = define(
    "TB105",
    "unknown-role",
    "schema",
    "error",
    message="turn {turn}: unknown role '{role}'",
    fix="Use system, user, assistant or tool (ShareGPT: system, human, gpt, tool).",
    doc="""
    What it does
        Reports a role the chat template does not know.
    Why is this bad?
        Axolotl maps roles through ``roles``; an unmapped role is rendered wrongly or raises,
        and is never trained on.
    Example
        {"role": "bot", "content": "hi"}
    Use instead
        {"role": "assistant", "content": "hi"}
    Options
        None.
    """,
)
UNKNOWN_KEY = define(
    "TB106",
    "unknown-key",
    "schema",
    "warning",
    message="unknown key '{key}' in {where}",
    fix="Remove the key, or rename it to the field the format expects (see field_map).",
    doc="""
    What it does
        Reports keys the format does not define, in an example or in a turn.
    Why is this bad?
        Usually a typo (``contnet``) or a field that was meant to be mapped; Axolotl
        silently ignores it, so the data you meant to train on is not used.
    Example
        {"messages": [...], "sytem": "Be brief."}
    Use instead
        {"messages": [{"role": "system", "content": "Be brief."}, ...]}
    Options
        ``thresholds: {unknown-key: {allow: [my_field]}}`` accepts extra keys.
    """,
    knobs=(knob("allow", "list[str]", [], "extra record keys that are accepted"),),
)
MISSING_FIELD = define(
    "TB107",
    "missing-field",
    "schema",
    "error",
    message="{format} example has no string '{field}'",
    fix="Add the field, or set the dataset's format / field_map to match the file.",
    doc="""
    What it does
        Reports an alpaca (instruction/output), completion (text) or input_output
        (segments) example without its required field, or with a non-string value.
    Why is this bad?
        Axolotl's prompt strategy raises a KeyError or trains on ``None``.
    Example
        {"instruction": "Summarise", "input": "..."}
    Use instead
        {"instruction": "Summarise", "input": "...", "output": "A short summary."}
    Options
        ``field_map`` renames fields.
    """,
)
UNKNOWN_FORMAT = define(
    "TB108",
    "unknown-format",
    "schema",
    "error",
    message="cannot tell the dataset format from keys {keys}",
    fix="Use one of: messages (chat), conversations (sharegpt), instruction/output (alpaca), "
    "text (completion), segments (input_output); or set the format.",
    doc="""
    What it does
        Reports an example whose keys match none of the supported formats.
    Why is this bad?
        Axolotl will be configured with a dataset type the file does not follow.
    Example
        {"question": "...", "answer": "..."}
    Use instead
        {"instruction": "...", "output": "..."} or set ``field_map``.
    Options
        ``format`` in the recipe's dataset, or ``field_map``.
    """,
)
