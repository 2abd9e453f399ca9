"""Held-out rows -> (prompt, reference) pairs, read the way Axolotl reads the dataset entry.

A ``datasets``/``test_datasets`` entry of the compiled config says how a row is laid out
(``type: chat_template`` with ``field_messages`` and role/content mappings, ``alpaca``,
``completion``); the same entry drives evaluation, so what is scored is what was trained on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tunebook.errors import UserError

ALPACA_PROMPT = (
    "Below is an instruction that describes a task, paired with an input that provides further "
    "context. Write a response that appropriately completes the request.\n\n"
    "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n"
)
ALPACA_PROMPT_NO_INPUT = (
    "Below is an instruction that describes a task. Write a response that appropriately "
    "completes the request.\n\n### Instruction:\n{instruction}\n\n### Response:\n"
)
DEFAULT_ROLES = {"user": ["human", "user"], "assistant": ["gpt", "assistant"],
                 "system": ["system"]}


@dataclass(frozen=True)
class Example:
    """One held-out example: a chat prompt (messages) or a plain-text prompt, and the answer."""

    messages: tuple[dict[str, str], ...] | None
    text_prompt: str | None
    reference: str

    def prompt_key(self) -> str:
        """A short human-readable prompt (the last user turn, or the text prompt)."""
        if self.messages:
            users = [m["content"] for m in self.messages if m["role"] == "user"]
            return users[-1] if users else self.messages[-1]["content"]
        return self.text_prompt or ""


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL file or a JSON array (the formats tunebook writes and reads)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read held-out data: {exc.strerror}", file=path) from None
    try:
        if path.suffix == ".json" and raw.lstrip().startswith(b"["):
            rows = orjson.loads(raw)
        else:
            rows = [orjson.loads(line) for line in raw.splitlines() if line.strip()]
    except orjson.JSONDecodeError as exc:
        raise UserError(f"invalid JSON in held-out data: {exc}", file=path) from None
    return [r for r in rows if isinstance(r, dict)]


def example_from_row(row: Mapping[str, Any], entry: Mapping[str, Any]) -> Example | None:
    """The prompt and reference of ``row`` under dataset ``entry``; None when it has no answer."""
    kind = str(entry.get("type") or "chat_template")
    if kind == "chat_template":
        return _chat_example(row, entry)
    if kind == "alpaca":
        instruction, context = str(row.get("instruction", "")), str(row.get("input") or "")
        template = ALPACA_PROMPT if context else ALPACA_PROMPT_NO_INPUT
        prompt = template.format(instruction=instruction, input=context)
        return Example(None, prompt, str(row.get("output", "")))
    if kind == "completion":
        return Example(None, "", str(row.get(entry.get("field") or "text", "")))
    return None


def _chat_example(row: Mapping[str, Any], entry: Mapping[str, Any]) -> Example | None:
    turns = row.get(entry.get("field_messages") or "messages")
    if not isinstance(turns, list):
        return None
    mapping = entry.get("message_property_mappings") or {}
    role_key, content_key = mapping.get("role", "role"), mapping.get("content", "content")
    aliases = {alias: role for role, names in (entry.get("roles") or DEFAULT_ROLES).items()
               for alias in names}
    messages = []
    for turn in turns:
        if not isinstance(turn, Mapping):
            return None
        role = str(turn.get(role_key, ""))
        messages.append({"role": aliases.get(role, role), "content": str(turn.get(content_key))})
    last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=None)
    if last is None or last == 0:
        return None
    return Example(tuple(messages[:last]), None, messages[last]["content"])


def load_examples(path: Path, entry: Mapping[str, Any]) -> list[Example]:
    """Every usable example of a held-out file, in file order."""
    found = [example_from_row(row, entry) for row in read_rows(path)]
    return [ex for ex in found if ex is not None]
