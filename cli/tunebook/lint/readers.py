"""Stream records out of JSONL, JSON (array), Parquet and CSV files.

A reader yields ``Record``s one at a time (memory stays flat; a JSON array is the one
format read whole). A line that cannot be parsed is a record with ``problem`` set, so the
engine reports it and goes on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tunebook.errors import UserError

DATA_SUFFIXES = (".jsonl", ".json", ".parquet", ".csv")
Progress = Callable[[int], None]


@dataclass(slots=True)
class Record:
    """One raw item: a parsed object, or why it could not be parsed."""

    line: int | None
    index: int
    obj: Any = None
    problem: str | None = None
    """``invalid-json`` or ``invalid-utf8`` (the object was still parsed after replacing bytes)."""
    detail: str = ""


def iter_records(
    path: Path, progress: Progress | None = None, only: set[int] | None = None
) -> Iterator[Record]:
    """Records of one data file, chosen by suffix; UserError when the file is unreadable.

    ``only``: JSONL lines whose record index is not in it are skipped without parsing.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(
            "data file not found", file=path, hint="check the path or the recipe's datasets"
        )
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _parquet(path, progress)
    _reject_binary(path)
    if suffix == ".csv":
        return _csv(path, progress)
    if suffix == ".json" and _looks_like_array(path):
        return _json_array(path, progress)
    if suffix in (".jsonl", ".json", ".ndjson"):
        return _jsonl(path, progress, only)
    raise UserError(
        f"unsupported data file type '{suffix}'",
        file=path,
        hint="use .jsonl, .json, .parquet or .csv",
    )


def _reject_binary(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(8192)
    if b"\x00" in head or head.startswith(b"PAR1"):
        raise UserError(
            "this is a binary file, not text",
            file=path,
            hint="lint expects JSONL/JSON/CSV text or a .parquet file",
        )


def _looks_like_array(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"[")


def _jsonl(path: Path, progress: Progress | None, only: set[int] | None = None) -> Iterator[Record]:
    index = 0
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if progress is not None:
                progress(len(raw))
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            if only is None or index in only:
                yield _parse_line(raw, lineno, index)
            index += 1


def _parse_line(raw: bytes, lineno: int, index: int) -> Record:
    try:
        return Record(lineno, index, orjson.loads(raw))
    except orjson.JSONDecodeError as exc:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as uexc:
            text = raw.decode("utf-8", errors="replace")
            detail = f"byte {uexc.start}: invalid UTF-8 {raw[uexc.start : uexc.start + 4]!r}"
            try:
                return Record(lineno, index, orjson.loads(text), "invalid-utf8", detail)
            except orjson.JSONDecodeError as exc2:
                return Record(lineno, index, None, "invalid-json", f"{detail}; {exc2}")
        return Record(lineno, index, None, "invalid-json", _short(str(exc)))


def _short(msg: str) -> str:
    return msg if len(msg) <= 160 else msg[:157] + "..."


def _json_array(path: Path, progress: Progress | None) -> Iterator[Record]:
    raw = path.read_bytes()
    if progress is not None:
        progress(len(raw))
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:
            data = orjson.loads(raw.decode("utf-8", errors="replace"))
        except orjson.JSONDecodeError:
            yield Record(
                None, 0, None, "invalid-json", f"the JSON array does not parse: {_short(str(exc))}"
            )
            return
        yield Record(None, 0, None, "invalid-utf8", "the file contains invalid UTF-8 bytes")
    if not isinstance(data, list):
        yield Record(None, 0, data)
        return
    for i, obj in enumerate(data):
        yield Record(None, i, obj)


def _csv(path: Path, progress: Progress | None) -> Iterator[Record]:
    with path.open("rb") as bfh:
        data = bfh.read()
    if progress is not None:
        progress(len(data))
    text = data.decode("utf-8", errors="replace")
    bad = text.find("\ufffd") >= 0 and b"\xef\xbf\xbd" not in data
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        for index, row in enumerate(reader):
            obj = {k: _csv_value(v) for k, v in row.items() if k is not None}
            problem = (
                "invalid-utf8" if bad and any("\ufffd" in str(v) for v in row.values()) else None
            )
            yield Record(
                reader.line_num,
                index,
                obj,
                problem,
                "invalid UTF-8 bytes were replaced" if problem else "",
            )
    except csv.Error as exc:
        raise UserError(f"CSV does not parse: {exc}", file=path, line=reader.line_num) from None


def _csv_value(value: str | None) -> Any:
    """JSON-looking cells (a messages list) are parsed; everything else stays a string."""
    if value and value[:1] in "[{":
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def _parquet(path: Path, progress: Progress | None) -> Iterator[Record]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise UserError(f"cannot read Parquet file: {exc}", file=path) from None
    size = path.stat().st_size
    rows = max(pf.metadata.num_rows, 1)
    index = 0
    for batch in pf.iter_batches(batch_size=4096):
        for obj in batch.to_pylist():
            yield Record(None, index, obj)
            index += 1
        if progress is not None:
            progress(int(size * batch.num_rows / rows))
