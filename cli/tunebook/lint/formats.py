"""Detect a record's dataset format and turn it into an ``Example`` (or schema findings)."""

from __future__ import annotations

from typing import Any

from tunebook.lint.model import Example
from tunebook.lint.report import Finding
from tunebook.lint.rules import schema

CHAT_ROLES = frozenset({"system", "user", "assistant", "tool", "function", "developer", "ipython"})
SHAREGPT_ROLES = {
    "system": "system",
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "tool": "tool",
    "function_call": "assistant",
    "observation": "tool",
    "function": "tool",
}
EXAMPLE_KEYS = frozenset(
    {
        "id",
        "metadata",
        "meta",
        "source",
        "tools",
        "label",
        "split",
        "tags",
        "weight",
        "uuid",
        "category",
        "dataset",
    }
)
TURN_KEYS = frozenset(
    {
        "role",
        "content",
        "name",
        "tool_calls",
        "tool_call_id",
        "weight",
        "training",
        "train",
        "reasoning_content",
        "thinking",
        "from",
        "value",
    }
)
CANONICAL = {
    "chat": ("messages",),
    "sharegpt": ("conversations",),
    "alpaca": ("instruction", "input", "output", "system"),
    "completion": ("text",),
    "input_output": ("segments",),
}


def detect_format(obj: Any, field_map: dict[str, str]) -> str | None:
    """The format an object's keys say it is in, or None."""
    if not isinstance(obj, dict):
        return None
    f = field_map.get
    if f("messages", "messages") in obj:
        return "chat"
    if f("conversations", "conversations") in obj:
        return "sharegpt"
    if f("segments", "segments") in obj:
        return "input_output"
    if f("instruction", "instruction") in obj or f("output", "output") in obj:
        return "alpaca"
    if f("text", "text") in obj:
        return "completion"
    return None


class Normalizer:
    """Turns records of one file into Examples; the format is fixed by settings or by the
    first record that has a recognisable shape."""

    def __init__(
        self,
        file: str,
        fmt: str | None,
        field_map: dict[str, str],
        split: str,
        allow_keys: frozenset[str] = frozenset(),
    ) -> None:
        self.file = file
        self.format = fmt
        self.map = field_map
        self.split = split
        self.allow = allow_keys
        self._known: dict[str, frozenset[str]] = {}
        self._turn_known: dict[tuple[str, str], frozenset[str]] = {}

    def _f(self, canonical: str) -> str:
        return self.map.get(canonical, canonical)

    def __call__(
        self, obj: Any, line: int | None, index: int
    ) -> tuple[Example | None, list[Finding]]:
        out: list[Finding] = []

        def emit(rule, **fields: object) -> None:
            out.append(Finding(rule, rule.format(**fields), self.file, line, index))

        if not isinstance(obj, dict):
            emit(schema.NOT_AN_OBJECT, kind=type(obj).__name__ if obj is not None else "null")
            return None, out
        fmt = self.format or detect_format(obj, self.map)
        if fmt is None:
            emit(schema.UNKNOWN_FORMAT, keys=sorted(obj)[:6])
            return None, out
        if self.format is None:
            self.format = fmt
        if fmt in ("chat", "sharegpt"):
            turns, trainable = self._chat(obj, fmt, emit)
        elif fmt == "alpaca":
            turns, trainable = self._alpaca(obj, emit), None
        elif fmt == "completion":
            turns, trainable = self._completion(obj, emit), None
        else:
            turns, trainable = self._segments(obj, emit)
        if turns is None:
            return None, out
        known = self._known.get(fmt)
        if known is None:
            known = self._known[fmt] = frozenset(
                {self._f(k) for k in CANONICAL[fmt]} | EXAMPLE_KEYS | self.allow
            )
        if not known.issuperset(obj):
            for key in obj:
                if key not in known:
                    emit(schema.UNKNOWN_KEY, key=key, where="the example")
        ex = Example(self.file, line, index, fmt, turns, self.split, trainable)
        return ex, out

    def _chat(self, obj: dict, fmt: str, emit) -> tuple[list | None, None]:
        field = self._f("messages" if fmt == "chat" else "conversations")
        msgs = obj.get(field)
        if not isinstance(msgs, list) or not msgs:
            emit(schema.MISSING_MESSAGES, field=field, format=fmt)
            return None, None
        role_key = self._f("role") if fmt == "chat" else self.map.get("role", "from")
        content_key = self._f("content") if fmt == "chat" else self.map.get("content", "value")
        turn_known = self._turn_known.get((role_key, content_key))
        if turn_known is None:
            turn_known = self._turn_known[(role_key, content_key)] = frozenset(
                TURN_KEYS | self.allow | {role_key, content_key}
            )
        chat = fmt == "chat"
        turns: list[tuple[str, str]] = []
        ok = True
        for i, msg in enumerate(msgs):
            if not isinstance(msg, dict):
                emit(
                    schema.MALFORMED_TURN, turn=i, problem=f"a {type(msg).__name__}, not an object"
                )
                ok = False
                continue
            role = msg.get(role_key)
            if role_key not in msg or content_key not in msg:
                missing = role_key if role_key not in msg else content_key
                emit(schema.MALFORMED_TURN, turn=i, problem=f"no '{missing}' field")
                ok = False
                continue
            if not isinstance(role, str):
                emit(schema.MALFORMED_TURN, turn=i, problem=f"'{role_key}' is not a string")
                ok = False
                continue
            mapped = (role if role in CHAT_ROLES else None) if chat else SHAREGPT_ROLES.get(role)
            if mapped is None:
                emit(schema.UNKNOWN_ROLE, turn=i, role=role)
                mapped = role
            content = msg[content_key]
            if not isinstance(content, str):
                text = _text_parts(content)
                if text is None:
                    if content is None and msg.get("tool_calls"):
                        text = ""
                    else:
                        kind = "null" if content is None else type(content).__name__
                        emit(schema.NON_STRING_CONTENT, turn=i, role=role, kind=kind)
                        ok = False
                        continue
                content = text
            if not turn_known.issuperset(msg):
                for key in msg:
                    if key not in turn_known:
                        emit(schema.UNKNOWN_KEY, key=key, where=f"turn {i}")
            turns.append((mapped, content))
        return (turns if ok else None), None

    def _alpaca(self, obj: dict, emit) -> list | None:
        ins, inp, out = (
            obj.get(self._f("instruction")),
            obj.get(self._f("input"), ""),
            obj.get(self._f("output")),
        )
        bad = False
        for name, value in (("instruction", ins), ("output", out)):
            if not isinstance(value, str):
                emit(schema.MISSING_FIELD, format="alpaca", field=self._f(name))
                bad = True
        if inp is None:
            inp = ""
        if not isinstance(inp, str):
            emit(schema.MISSING_FIELD, format="alpaca", field=self._f("input"))
            bad = True
        if bad:
            return None
        turns = []
        system = obj.get(self._f("system"))
        if isinstance(system, str) and system:
            turns.append(("system", system))
        turns.append(("user", f"{ins}\n\n{inp}" if inp else ins))
        turns.append(("assistant", out))
        return turns

    def _completion(self, obj: dict, emit) -> list | None:
        text = obj.get(self._f("text"))
        if not isinstance(text, str):
            emit(schema.MISSING_FIELD, format="completion", field=self._f("text"))
            return None
        return [("text", text)]

    def _segments(self, obj: dict, emit) -> tuple[list | None, list | None]:
        segs = obj.get(self._f("segments"))
        if not isinstance(segs, list) or not segs:
            emit(schema.MISSING_FIELD, format="input_output", field=self._f("segments"))
            return None, None
        turns, trainable = [], []
        for i, seg in enumerate(segs):
            if not isinstance(seg, dict) or not isinstance(seg.get("text"), str):
                emit(schema.MALFORMED_TURN, turn=i, problem="a segment needs a string 'text'")
                return None, None
            label = bool(seg.get("label", False))
            turns.append(("output" if label else "input", seg["text"]))
            trainable.append(label)
        return turns, trainable


def _text_parts(content: Any) -> str | None:
    """OpenAI-style content parts ``[{"type": "text", "text": ...}]`` joined, else None."""
    if not isinstance(content, list):
        return None
    parts = []
    for part in content:
        if not (
            isinstance(part, dict)
            and part.get("type") == "text"
            and isinstance(part.get("text"), str)
        ):
            return None
        parts.append(part["text"])
    return "".join(parts)
