"""Readers and formats: every supported shape, and malformed input never ends in a traceback."""

from __future__ import annotations

import csv
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tunebook.errors import UserError
from tunebook.lint import LintSettings, lint_dataset

QA = {
    "messages": [
        {"role": "user", "content": "Where is it?"},
        {"role": "assistant", "content": "At the depot."},
    ]
}


def lint(path: Path, **kw) -> dict:
    return lint_dataset(LintSettings(files=[path], **kw)).to_dict()


def rules(report: dict) -> set[str]:
    return {f["rule"] for f in report["findings"]}


@pytest.mark.parametrize(
    "row, fmt",
    [
        (QA, "chat"),
        (
            {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]},
            "sharegpt",
        ),
        ({"instruction": "Summarise", "input": "Long text", "output": "Short."}, "alpaca"),
        ({"text": "Once upon a time."}, "completion"),
        (
            {"segments": [{"text": "Q: hi\n", "label": False}, {"text": "A: yo", "label": True}]},
            "input_output",
        ),
    ],
)
def test_formats_are_detected_and_clean(tmp_path: Path, row: dict, fmt: str) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(orjson.dumps(row) + b"\n")
    report = lint(path, ignore=["size"])
    assert report["findings"] == [], report["findings"]
    assert report["summary"]["examples"] == 1


def test_field_map_renames(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(orjson.dumps({"conversation": QA["messages"]}) + b"\n")
    assert lint(path, ignore=["size"], field_map={"messages": "conversation"})["findings"] == []


def test_json_array_parquet_and_csv(tmp_path: Path) -> None:
    rows = [QA, {"messages": [{"role": "user", "content": "q"}]}]
    (tmp_path / "a.json").write_bytes(orjson.dumps(rows))
    pq.write_table(
        pa.Table.from_pylist([{"messages": r["messages"]} for r in rows]), tmp_path / "a.parquet"
    )
    with (tmp_path / "a.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["instruction", "output"])
        w.writerow(["Summarise", "Short."])
        w.writerow(["Translate", ""])
    for name in ("a.json", "a.parquet"):
        report = lint(tmp_path / name, ignore=["size"])
        assert [(f["rule"], f["example"]) for f in report["findings"]] == [("TB204", 1)], name
    report = lint(tmp_path / "a.csv", ignore=["size"])
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("TB301", 3)]


def test_bad_lines_are_findings_and_linting_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    good = orjson.dumps(QA)
    path.write_bytes(
        b"\n".join(
            [
                good,
                b'{"messages": [{"role": "us',
                b"",
                b"\xff\xfe garbage",
                good.replace(b"depot", b"depot \xe9"),
                good[:-1] + b", }",
            ]
        )
        + b"\n"
    )
    report = lint(path, ignore=["size", "duplicate"])
    got = sorted((f["rule"], f["line"]) for f in report["findings"])
    assert got == [("TB100", 2), ("TB100", 4), ("TB100", 6), ("TB321", 5)]
    assert report["summary"]["examples"] == 5


def test_empty_file_is_a_size_error(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"")
    report = lint(path)
    assert rules(report) == {"TB801"} and report["summary"]["examples"] == 0


def test_binary_file_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    with pytest.raises(UserError, match="binary"):
        lint(path)


def test_missing_file_and_bad_suffix_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not found"):
        lint(tmp_path / "nope.jsonl")
    (tmp_path / "d.txt").write_text("hi")
    with pytest.raises(UserError, match="unsupported"):
        lint(tmp_path / "d.txt")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(UserError, match="Parquet"):
        lint(tmp_path / "bad.parquet")


def test_twenty_megabyte_single_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    big = {
        "messages": [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "lorem ipsum " * 1_750_000},
        ]
    }
    path.write_bytes(orjson.dumps(big) + b"\n" + b'{"messages": [' + b"1" * 20_000_000)
    report = lint(path, sequence_len=4096)
    assert {"TB502", "TB100"} <= rules(report)


def test_truncated_json_array(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_bytes(orjson.dumps([QA, QA])[:-10])
    assert rules(lint(path)) >= {"TB100"}


def test_json_array_that_is_not_a_list(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_bytes(b"[1, 2]")
    assert rules(lint(path, ignore=["size"])) == {"TB101"}
