"""The per-example half of a lint run, on one chunk of records at a time.

A ``Scanner`` parses, normalises and runs every per-example rule on a chunk, and reduces each
example to the few numbers the whole-dataset rules need (duplicate fingerprint, LSH band
keys, response length, token estimate, label). Chunks are independent, so they run in a pool
of worker processes; the engine merges their ``ChunkResult``s in file order (line numbers and
indexes in a result are relative to the chunk).
"""

from __future__ import annotations

import io
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from tunebook.lint.context import Context, hit
from tunebook.lint.formats import Normalizer
from tunebook.lint.model import Example
from tunebook.lint.readers import _parse_line
from tunebook.lint.report import Finding
from tunebook.lint.rules import (
    duplicate,
    empty,
    encoding,
    labels,
    near_duplicate,
    outlier,
    output_format,
    pii,
    roles,
    schema,
    special_tokens,
    too_long,
    trainable,
)
from tunebook.lint.tokenizer import ModelTokenizer

Item = tuple[int | None, int, Any, str | None, str]
"""(line, index, parsed object, problem, detail): one raw record."""
RawFinding = tuple[int, str, str, int | None, int | None, str | None]
"""(record ordinal in the chunk, rule code, message, line, index, severity)."""


@dataclass
class ChunkResult:
    records: int = 0
    lines: int = 0
    """Lines the chunk spans (JSONL), for the next chunk's line numbers."""
    findings: list[RawFinding] = field(default_factory=list)
    line: array = field(default_factory=lambda: array("q"))
    """Per valid example (position ``pos``): line (-1: none), index, fingerprint."""
    index: array = field(default_factory=lambda: array("q"))
    key: array = field(default_factory=lambda: array("q"))
    near_pos: array = field(default_factory=lambda: array("q"))
    near_keys: Any = None
    out_pos: array = field(default_factory=lambda: array("q"))
    out_logs: array = field(default_factory=lambda: array("f"))
    est: array = field(default_factory=lambda: array("l"))
    sampled: array = field(default_factory=lambda: array("q"))
    counted_max: int = 0
    labels: list[tuple[int, str]] = field(default_factory=list)


def per_example_checks(ctx: Context) -> list:
    modules = [schema, roles, empty, special_tokens, encoding, pii, trainable]
    if output_format.applies(ctx):
        modules.append(output_format)
    return [m.check for m in modules if hasattr(m, "check") and ctx.on(*m.RULES)]


class Scanner:
    """Everything per-example for one lint run (settings, rules, tokenizer)."""

    def __init__(self, ctx: Context, tok: ModelTokenizer | None) -> None:
        self.ctx = ctx
        self.enabled = ctx.enabled
        self.checks = per_example_checks(ctx)
        self.tok = tok
        self.near = near_duplicate.index_for(ctx) if near_duplicate.applies(ctx) else None
        self.outlier_on = outlier.LENGTH_OUTLIER.code in ctx.enabled
        self.labels_on = labels.applies(ctx)
        self.estimate = too_long.EstimateChecker(ctx) if tok is None else None
        self.exact = too_long.TokenizerChecker(ctx, tok) if tok is not None else None

    def scan(self, items: list[Item], norm: Normalizer) -> ChunkResult:
        res = ChunkResult()
        enabled, ctx, checks = self.enabled, self.ctx, self.checks
        findings = res.findings
        line_of, index_of, key_of = res.line, res.index, res.key
        near_words: list[list[str]] = []
        train = norm.split == "train"
        fingerprint = duplicate.fingerprint
        seq = 0

        def add(f: Finding) -> None:
            findings.append((seq, f.rule.code, f.message, f.line, f.example, f.severity))

        for seq, (line, index, obj, problem, detail) in enumerate(items):
            if problem == "invalid-json":
                if schema.INVALID_JSON.code in enabled:
                    msg = schema.INVALID_JSON.format(detail=detail)
                    findings.append((seq, schema.INVALID_JSON.code, msg, line, index, None))
                continue
            ex, found = norm(obj, line, index)
            if problem == "invalid-utf8":
                loc = ex or Example(norm.file, line, index, "", [])
                found.insert(0, hit(encoding.INVALID_UTF8, loc, detail=detail))
                if ex is not None:
                    ex.flags.add("replaced-utf8")
            for f in found:
                if f.rule.code in enabled:
                    add(f)
            if ex is None:
                continue
            pos = len(line_of)
            line_of.append(-1 if line is None else line)
            index_of.append(index)
            for check in checks:
                for f in check(ex, ctx):
                    add(f)
            key_of.append(fingerprint(ex))
            if self.near is not None and ex.words:
                res.near_pos.append(pos)
                near_words.append(ex.words)
            if train and self.outlier_on:
                v = outlier.log_length(ex)
                if v is not None:
                    res.out_pos.append(pos)
                    res.out_logs.append(v)
            if self.estimate is not None:
                tokens = too_long.estimate(ex)
                if train:
                    res.est.append(tokens)
                for f in self.estimate.observe(ex, tokens):
                    add(f)
            else:
                sampled, found = self.exact.observe(ex, seq)
                if sampled:
                    res.sampled.append(pos)
                for f in found:
                    add(f)
            if train and self.labels_on:
                label = labels.label_of(ex)
                if label:
                    res.labels.append((pos, label))
        res.records = len(items)
        if self.exact is not None:
            late = self.exact.flush()
            if late:
                for s, f in late:
                    seq = s
                    add(f)
                findings.sort(key=lambda r: r[0])
            res.counted_max, self.exact.counted_max = self.exact.counted_max, 0
        if self.near is not None:
            res.near_keys = self.near.band_keys(near_words)
        return res


def jsonl_items(data: bytes, first: bool, counter: list[int]) -> Iterable[Item]:
    """Records of a chunk of JSONL bytes (whole lines); line numbers start at 1 and indexes
    at 0 in the chunk. ``counter`` gets the number of lines."""
    index = 0
    lineno = 0
    loads, decode_error = orjson.loads, orjson.JSONDecodeError
    for lineno, raw in enumerate(io.BytesIO(data), start=1):
        if first and lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if raw[:1] != b"{" and not raw.strip():
            continue
        try:
            yield (lineno, index, loads(raw), None, "")
        except decode_error:
            rec = _parse_line(raw, lineno, index)
            yield (rec.line, rec.index, rec.obj, rec.problem, rec.detail)
        index += 1
    counter.append(lineno)


_SCANNER: Scanner | None = None
"""The scanner of the run in progress (inherited by forked workers, or set by ``install``)."""


def install(payload: bytes) -> None:
    """Pool initializer of workers that are not forked: the pickled scanner of the run."""
    import pickle

    global _SCANNER
    _SCANNER = pickle.loads(payload)


def scan_jsonl_chunk(job: tuple[str, int, int, str | None, str, frozenset[str]]) -> ChunkResult:
    """Scan bytes [start, end) of a JSONL file (cut at line ends)."""
    path, start, end, fmt, split, allow = job
    scanner = _SCANNER
    assert scanner is not None
    with open(path, "rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    s = scanner.ctx.settings
    norm = Normalizer(path, fmt, s.field_map, split, allow)
    counter: list[int] = []
    items = list(jsonl_items(data, start == 0, counter))
    res = scanner.scan(items, norm)
    res.lines = counter[0] if counter else 0
    return res
