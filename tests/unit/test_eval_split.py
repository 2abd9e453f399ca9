"""The held-out split: deterministic, stable when rows are appended, stratified by label."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunebook.errors import UserError
from tunebook.evaluate.split import answer_of, example_hash, split_rows, write_split


def rows(n: int, start: int = 0, labels: tuple[str, ...] = ()) -> list[dict]:
    out = []
    for i in range(start, start + n):
        answer = labels[i % len(labels)] if labels else f"answer {i}"
        out.append({"messages": [{"role": "user", "content": f"ticket {i}"},
                                 {"role": "assistant", "content": answer}]})
    return out


def test_same_rows_give_the_same_split_whatever_the_order():
    data = rows(200)
    train, held = split_rows(data, 0.1)
    _, held2 = split_rows(list(reversed(data)), 0.1)
    assert sorted(map(example_hash, held)) == sorted(map(example_hash, held2))
    assert len(train) + len(held) == 200
    assert 8 <= len(held) <= 35  # about 10 %


def test_the_hash_is_the_content_not_the_key_order():
    assert example_hash({"a": 1, "b": [1, 2]}) == example_hash({"b": [1, 2], "a": 1})
    assert example_hash({"a": 1}) != example_hash({"a": 2})


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 120), extra=st.integers(1, 120), fraction=st.floats(0.05, 0.5))
def test_appending_rows_never_moves_an_existing_example(n, extra, fraction):
    before = rows(n)
    _, held_before = split_rows(before, fraction)
    _, held_after = split_rows(before + rows(extra, start=n), fraction)
    after_ids = {example_hash(r) for r in held_after}
    before_ids = {example_hash(r) for r in held_before}
    assert before_ids == {example_hash(r) for r in before} & after_ids


def test_duplicates_land_on_the_same_side():
    data = rows(50) * 2
    train, held = split_rows(data, 0.2)
    assert not {example_hash(r) for r in train} & {example_hash(r) for r in held}


def test_stratified_every_label_is_on_both_sides():
    labels = ("billing", "bug", "shipping", "account", "other", "rare")
    data = rows(120, labels=labels[:5]) + rows(2, start=500, labels=("rare",))
    train, held = split_rows(data, 0.1, label_of=lambda r: answer_of(r, "chat"))
    assert {answer_of(r, "chat") for r in held} == set(labels)
    assert {answer_of(r, "chat") for r in train} == set(labels)
    # the large labels are held out in about the requested share
    per_label = {lab: sum(answer_of(r, "chat") == lab for r in held) for lab in labels[:5]}
    assert all(1 <= count <= 10 for count in per_label.values()), per_label


def test_fraction_out_of_range_is_a_user_error():
    with pytest.raises(UserError, match="fraction"):
        split_rows(rows(3), 1.5)


def test_answer_of_reads_each_format():
    assert answer_of({"messages": [{"role": "user", "content": "x"},
                                   {"role": "assistant", "content": " bug "}]}, "chat") == "bug"
    assert answer_of({"conversations": [{"from": "human", "value": "x"},
                                        {"from": "gpt", "value": "ok"}]}, "sharegpt") == "ok"
    assert answer_of({"instruction": "i", "output": "o"}, "alpaca") == "o"
    assert answer_of({"talk": [{"who": "assistant", "text": "y"}]}, "chat",
                     {"messages": "talk", "role": "who", "content": "text"}) == "y"


def test_write_split_writes_both_files_into_the_run_dir(tmp_path):
    src = tmp_path / "train.jsonl"
    data = rows(60, labels=("a", "b", "c"))
    src.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in data))
    train_path, held_path = write_split([src], tmp_path / "run", 0.2, task="classification",
                                        fmt="chat")
    assert train_path == tmp_path / "run" / "data" / "train.jsonl"
    assert held_path == tmp_path / "run" / "data" / "heldout.jsonl"
    train = [orjson.loads(x) for x in train_path.read_bytes().splitlines()]
    held = [orjson.loads(x) for x in held_path.read_bytes().splitlines()]
    assert len(train) + len(held) == 60 and held
    assert (train, held) == split_rows(data, 0.2, label_of=lambda r: answer_of(r, "chat"))


def test_write_split_refuses_an_empty_side(tmp_path):
    src = tmp_path / "train.jsonl"
    src.write_bytes(orjson.dumps(rows(1)[0]) + b"\n")
    with pytest.raises(UserError, match="held out"):
        write_split([src], tmp_path / "run", 0.1, task="tone", fmt="chat")
