"""The internal shapes every reader produces and every rule consumes."""

from __future__ import annotations

from dataclasses import dataclass, field

CHAT_FORMATS = ("chat", "sharegpt")


@dataclass(slots=True)
class Example:
    """One training example, format-agnostic: a list of (role, content) turns.

    ``role`` is system/user/assistant/tool for chat-like formats; alpaca becomes
    user + assistant; completion is one ``text`` turn; input_output segments are
    ``input`` (not trained) and ``output`` (trained) turns.
    """

    file: str
    line: int | None
    index: int
    format: str
    turns: list[tuple[str, str]]
    split: str = "train"
    trainable: list[bool] | None = None
    """Per-turn training flag when the format says so (input_output labels); None: by role."""
    flags: set[str] = field(default_factory=set)
    """Notes from reading, e.g. ``replaced-utf8`` when invalid bytes were replaced."""
    _text: str | None = None

    @property
    def text(self) -> str:
        """All contents joined by newlines (computed once)."""
        if self._text is None:
            self._text = "\n".join(c for _, c in self.turns)
        return self._text

    def is_trained(self, i: int, train_on_inputs: bool = False) -> bool:
        """Whether turn ``i`` contributes to the loss (Axolotl's roles_to_train default)."""
        if self.trainable is not None:
            return self.trainable[i]
        role = self.turns[i][0]
        return role in ("assistant", "text", "output") or (train_on_inputs and role != "system")

    def response(self) -> str:
        """The trained text: the last assistant/output/text turn ('' if none)."""
        for i in range(len(self.turns) - 1, -1, -1):
            if self.is_trained(i):
                return self.turns[i][1]
        return ""
