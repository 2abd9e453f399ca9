"""The held-out split: a hash of each example's content decides which side it falls on.

An example is held out when the hash of its canonical JSON, read as a number in [0, 1), is
below the fraction. So the split is the same on every run and machine, an example never
changes side when rows are added or removed, and duplicate rows always land together (no
leakage). For classification the split is stratified: each label is split on its own, and a
label with at least two examples always keeps one in each part.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson

from tunebook.errors import UserError

Row = dict[str, Any]


def example_hash(row: Any) -> str:
    """sha256 of the row's canonical JSON (sorted keys), hex."""
    return hashlib.sha256(orjson.dumps(row, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _position(row: Any) -> float:
    """Where the row falls in [0, 1): the first 64 bits of its hash."""
    return int(example_hash(row)[:16], 16) / 2**64


def split_rows(
    rows: Sequence[Row], fraction: float, *, label_of: Callable[[Row], Any] | None = None
) -> tuple[list[Row], list[Row]]:
    """(train, heldout), both in input order. ``label_of`` stratifies by its result."""
    if not 0 <= fraction < 1:
        raise UserError(f"held-out fraction must be in [0, 1), got {fraction}",
                        field="eval.holdout")
    positions = [_position(row) for row in rows]
    held = {i for i, p in enumerate(positions) if p < fraction}
    if label_of is not None and fraction > 0:
        groups: dict[Any, list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            groups[label_of(row)].append(i)
        for members in groups.values():
            _balance(members, positions, held)
    train = [row for i, row in enumerate(rows) if i not in held]
    heldout = [row for i, row in enumerate(rows) if i in held]
    return train, heldout


def _balance(members: list[int], positions: list[float], held: set[int]) -> None:
    """A label with two or more distinct examples keeps at least one on each side."""
    if len({positions[i] for i in members}) < 2:
        return
    lowest = min(positions[i] for i in members)
    highest = max(positions[i] for i in members)
    if not any(i in held for i in members):
        held.update(i for i in members if positions[i] == lowest)
    if all(i in held for i in members):
        held.difference_update(i for i in members if positions[i] == highest)


def answer_of(row: Row, fmt: str, fields: dict[str, str] | None = None) -> str | None:
    """The row's final answer (a classification row's label) in one of tunebook's formats."""
    fields = fields or {}
    if fmt in ("chat", "sharegpt"):
        chat = fmt == "chat"
        turns = row.get(fields.get("messages" if chat else "conversations",
                                   "messages" if chat else "conversations"))
        role_key = fields.get("role", "role" if chat else "from")
        content_key = fields.get("content", "content" if chat else "value")
        if not isinstance(turns, list):
            return None
        answers = [t.get(content_key) for t in turns
                   if isinstance(t, dict) and t.get(role_key) in ("assistant", "gpt")]
        return str(answers[-1]).strip() if answers else None
    if fmt == "alpaca":
        return str(row.get("output", "")).strip()
    return None


def read_data_rows(files: Iterable[Path]) -> list[Row]:
    """All rows of the training files (any format the linter reads), in order."""
    from tunebook.lint.readers import iter_records

    rows: list[Row] = []
    for path in files:
        for record in iter_records(Path(path)):
            if isinstance(record.obj, dict):
                rows.append(record.obj)
    return rows


def write_split(
    train_files: Sequence[Path],
    run_dir: Path,
    fraction: float,
    *,
    task: str,
    fmt: str,
    fields: dict[str, str] | None = None,
) -> tuple[Path, Path]:
    """Split the training files into ``run_dir/data/{train,heldout}.jsonl``; both paths."""
    rows = read_data_rows(train_files)
    label_of = (lambda row: answer_of(row, fmt, fields)) if task == "classification" else None
    train, heldout = split_rows(rows, fraction, label_of=label_of)
    if not heldout or not train:
        raise UserError(
            f"holding out {fraction:.0%} of {len(rows)} examples leaves "
            f"{len(train)} for training and {len(heldout)} held out",
            field="eval.holdout", hint="add examples, change eval.holdout or set dataset.eval_path")
    data_dir = Path(run_dir) / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    paths = (data_dir / "train.jsonl", data_dir / "heldout.jsonl")
    for path, part in zip(paths, (train, heldout), strict=True):
        path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in part))
    return paths
