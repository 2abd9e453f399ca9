"""The internal shapes every reader produces and every rule consumes."""

from __future__ import annotations

from array import array
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
    gid: int = -1
    """Position among all examples of the run (train files first, then eval files)."""
    flags: set[str] = field(default_factory=set)
    """Notes from reading, e.g. ``replaced-utf8`` when invalid bytes were replaced."""
    _text: str | None = None
    _norm: str | None = None
    _words: list[str] | None = None
    _roles: tuple[str, ...] | None = None

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles of the turns, in order (computed once)."""
        if self._roles is None:
            self._roles = tuple([r for r, _ in self.turns])
        return self._roles

    @property
    def text(self) -> str:
        """All contents joined by newlines (computed once)."""
        if self._text is None:
            self._text = "\n".join(c for _, c in self.turns)
        return self._text

    @property
    def normalised(self) -> str:
        """``text`` lowercased with whitespace collapsed (for the duplicate checks)."""
        if self._norm is None:
            self._norm = " ".join(self.words)
        return self._norm

    @property
    def words(self) -> list[str]:
        """The lowercased words of ``text``."""
        if self._words is None:
            self._words = self.text.lower().split()
        return self._words

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


class Locations:
    """file/line/index of every example by ``gid``, in compact arrays (flat memory)."""

    def __init__(self) -> None:
        self.files: list[str] = []
        self._file_ids: dict[str, int] = {}
        self.file_of = array("H")
        self.line_of = array("q")
        self.index_of = array("q")
        self.split_of = bytearray()

    def add(self, ex: Example) -> int:
        """Record ``ex`` and return its gid."""
        fid = self._file_ids.get(ex.file)
        if fid is None:
            fid = self._file_ids[ex.file] = len(self.files)
            self.files.append(ex.file)
        self.file_of.append(fid)
        self.line_of.append(-1 if ex.line is None else ex.line)
        self.index_of.append(ex.index)
        self.split_of.append(1 if ex.split == "eval" else 0)
        return len(self.line_of) - 1

    def extend(self, file: str, lines: array, indexes: array, split: str) -> int:
        """Record a run of examples of one file; returns the gid of the first."""
        fid = self._file_ids.get(file)
        if fid is None:
            fid = self._file_ids[file] = len(self.files)
            self.files.append(file)
        first = len(self.line_of)
        n = len(lines)
        self.file_of.extend(array("H", [fid]) * n)
        self.line_of.extend(lines)
        self.index_of.extend(indexes)
        self.split_of.extend((b"\x01" if split == "eval" else b"\x00") * n)
        return first

    def __len__(self) -> int:
        return len(self.line_of)

    def example(self, gid: int) -> Example:
        """A content-less Example standing for ``gid`` (to attach findings to)."""
        line = self.line_of[gid]
        split = "eval" if self.split_of[gid] else "train"
        return Example(
            self.files[self.file_of[gid]],
            None if line < 0 else line,
            self.index_of[gid],
            "",
            [],
            split,
            gid=gid,
        )

    def describe(self, gid: int) -> str:
        """``file:line`` (or ``file#index`` when the format has no lines)."""
        line = self.line_of[gid]
        name = self.files[self.file_of[gid]]
        return f"{name}:{line}" if line >= 0 else f"{name}#{self.index_of[gid]}"
