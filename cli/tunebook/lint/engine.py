"""One pass over the data: read, normalise, run every enabled rule, collect a report.

The per-example work runs in ``scan.Scanner`` on chunks of records (JSONL files are cut into
byte ranges at line ends, scanned by a pool of worker processes when the data is large);
the whole-dataset rules (duplicates, near-duplicates, outliers, labels, the token sample)
merge the chunks' results here, in file order.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path

from tunebook.lint import scan
from tunebook.lint.context import Context, hit
from tunebook.lint.formats import Normalizer, detect_format
from tunebook.lint.model import Example, Locations
from tunebook.lint.readers import Record, _parse_line, _reject_binary, iter_records
from tunebook.lint.registry import RULES, enabled_rules, threshold_value, validate_thresholds
from tunebook.lint.report import Finding, LintReport
from tunebook.lint.rules import (
    duplicate,
    encoding,
    labels,
    near_duplicate,
    outlier,
    schema,
    size,
    too_long,
)
from tunebook.lint.settings import LintSettings
from tunebook.lint.tokenizer import ModelTokenizer, load_model_tokenizer

CHUNK_BYTES = 2_000_000
"""JSONL bytes per chunk (about 2,000 chat examples)."""
POOL_MIN_BYTES = 16_000_000
"""Below this much JSONL the chunks are scanned in-process (a pool costs more than it saves)."""
BATCH_RECORDS = 4096
"""Records per chunk for the other formats (read in-process)."""


def lint_dataset(
    settings: LintSettings, *, progress: bool = False, jobs: int | None = None
) -> LintReport:
    """Lint the training (and eval) files of ``settings``; never raises for bad data, only
    UserError for unusable input (missing file, binary file, unknown selector, a bad
    threshold).

    ``jobs``: worker processes for large JSONL files (default: the usable CPUs, at most 8;
    1 scans in-process)."""
    start = time.perf_counter()
    thresholds = validate_thresholds(settings.thresholds, settings.source)
    settings = dataclasses.replace(settings, thresholds=thresholds)
    enabled = enabled_rules(settings.select, settings.ignore, source=settings.source)
    report = LintReport(files=[str(p) for p in [*settings.files, *settings.eval_files]])
    tok = _tokenizer(settings, report)
    allow = frozenset(threshold_value(thresholds, schema.UNKNOWN_KEY, "allow"))
    ctx = Context(settings, enabled, added_tokens=tok.added_tokens if tok else ())
    where = Locations()
    scanner = scan.Scanner(ctx, tok)
    merge = _Merger(ctx, report, where, tok)

    with _progress_bar(settings, progress) as advance:
        for path, split, res in _chunks(settings, allow, scanner, advance, _jobs(jobs)):
            merge(path, split, res)
    for f in merge.finish(_rereader(settings, allow, where)):
        report.add(f)
    for f in size.finish(merge.n_train, ctx, str(settings.files[0]) if settings.files else None):
        report.add(f)
    report.seconds = time.perf_counter() - start
    return report


def _jobs(jobs: int | None) -> int:
    if jobs is not None:
        return max(1, jobs)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


class _Merger:
    """Folds chunk results into the report and the whole-dataset rules, in file order."""

    def __init__(
        self, ctx: Context, report: LintReport, where: Locations, tok: ModelTokenizer | None
    ) -> None:
        self.ctx, self.report, self.where, self.tok = ctx, report, where, tok
        self.dup = duplicate.Checker(ctx, where)
        self.near = near_duplicate.Checker(ctx, where) if near_duplicate.applies(ctx) else None
        self.outlier = outlier.Checker(ctx, where)
        self.labels = labels.Checker(ctx, where) if labels.applies(ctx) else None
        self.sample = too_long.TokenSample(ctx) if tok is not None else None
        self.est = too_long.array("l")
        self.n_train = 0
        self.base: dict[str, list[int]] = {}
        """Per file: lines and records before the next chunk."""

    def __call__(self, path: str, split: str, res: scan.ChunkResult) -> None:
        report, where = self.report, self.where
        train = split == "train"
        lb, ib = self.base.setdefault(path, [0, 0])
        self.base[path] = [lb + res.lines, ib + res.records]
        if train:
            report.examples += res.records
        line = res.line
        if lb:
            line = too_long.array("q", [v + lb if v >= 0 else v for v in line])
        index = res.index
        if ib:
            index = too_long.array("q", [v + ib for v in index])
        first = where.extend(path, line, index, split)
        n = len(index)
        self.n_train += n if train else 0
        for _, code, msg, fline, fidx, sev in res.findings:
            fline = fline + lb if fline is not None else None
            fidx = fidx + ib if fidx is not None else None
            report.add(Finding(RULES[code], msg, path, fline, fidx, sev))
        dups = set()
        observe = self.dup.observe
        for pos, key in enumerate(res.key):
            got = observe(first + pos, key, train)
            if got is not False:
                dups.add(pos)
                if got is not True:
                    report.add(got)
        if self.near is not None and len(res.near_pos):
            import numpy as np

            pos = np.frombuffer(res.near_pos, dtype=np.int64)
            keys = res.near_keys
            if dups:
                keep = ~np.isin(pos, np.fromiter(dups, dtype=np.int64))
                pos, keys = pos[keep], keys[keep]
            self.near.index.add_keys(pos + first, keys)
        if len(res.out_pos):
            self.outlier.add(too_long.array("q", [p + first for p in res.out_pos]), res.out_logs)
        self.est.extend(res.est)
        if self.sample is not None:
            self.sample.add([p + first for p in res.sampled])
            self.sample.counted_max = max(self.sample.counted_max, res.counted_max)
        if self.labels is not None:
            for pos, label in res.labels:
                for f in self.labels.observe(first + pos, label):
                    report.add(f)

    def finish(self, reread: Callable[[set[int]], Iterator[Example]]) -> list[Finding]:
        """Whole-dataset findings; the examples they need are re-read in one pass."""
        out: list[Finding] = []
        wanted: set[int] = set()
        if self.near is not None:
            wanted |= self.near.candidates()
        if self.sample is not None:
            wanted |= set(self.sample.gids)
        examples = {ex.gid: ex for ex in reread(wanted)} if wanted else {}
        if self.near is not None:
            out += self.near.finish(examples)
        out += self.outlier.finish()
        if self.labels is not None:
            out += self.labels.finish()
        if self.tok is not None and self.sample is not None:
            self.report.tokens = self.sample.stats(self.tok, examples)
        else:
            self.report.tokens = too_long.estimate_stats(self.est, self.ctx.settings.sequence_len)
        return out


def _chunks(
    settings: LintSettings,
    allow: frozenset[str],
    scanner: scan.Scanner,
    advance: Callable[[int], None] | None,
    jobs: int,
) -> Iterator[tuple[str, str, scan.ChunkResult]]:
    """(file, split, result) of every chunk of every file, in order."""
    scan._SCANNER = scanner
    pool = None
    try:
        for path, split in _files(settings):
            name = str(path)
            if not _is_jsonl(path):
                norm = Normalizer(name, settings.format, settings.field_map, split, allow)
                batch: list[scan.Item] = []
                for rec in iter_records(path, advance):
                    batch.append((rec.line, rec.index, rec.obj, rec.problem, rec.detail))
                    if len(batch) >= BATCH_RECORDS:
                        yield name, split, scanner.scan(batch, norm)
                        batch = []
                if batch:
                    yield name, split, scanner.scan(batch, norm)
                continue
            jobs_list = _jsonl_jobs(path, settings, allow, split)
            size = path.stat().st_size
            if pool is None and jobs > 1 and size >= POOL_MIN_BYTES and len(jobs_list) > 1:
                pool = _pool(jobs, scanner)
            if pool is None:
                for job in jobs_list:
                    res = scan.scan_jsonl_chunk(job)
                    if advance is not None:
                        advance(job[2] - job[1])
                    yield name, split, res
                continue
            window: deque = deque()
            todo = iter(jobs_list)
            for job in todo:
                window.append((job, pool.apply_async(scan.scan_jsonl_chunk, (job,))))
                if len(window) >= 2 * jobs + 2:
                    break
            while window:
                job, fut = window.popleft()
                res = fut.get()
                nxt = next(todo, None)
                if nxt is not None:
                    window.append((nxt, pool.apply_async(scan.scan_jsonl_chunk, (nxt,))))
                if advance is not None:
                    advance(job[2] - job[1])
                yield name, split, res
    finally:
        scan._SCANNER = None
        if pool is not None:
            pool.terminate()
            pool.join()


def _pool(jobs: int, scanner: scan.Scanner):
    """A pool of ``jobs`` workers that know ``scanner``, or None to scan in-process.

    Forked workers inherit the scanner for free; but forking a process that has imported
    torch (the training command lints after Axolotl's validation imported it) can deadlock
    on its threads' locks, so then the workers start fresh ('forkserver', else 'spawn') and
    get the scanner pickled. A scanner that cannot be pickled scans in-process."""
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    if "torch" not in sys.modules and "fork" in methods:
        return mp.get_context("fork").Pool(jobs)
    method = next((m for m in ("forkserver", "spawn") if m in methods), None)
    if method is None:
        return None
    import pickle

    try:
        payload = pickle.dumps(scanner, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # e.g. a tokenizer object that does not pickle
        return None
    return mp.get_context(method).Pool(jobs, initializer=scan.install, initargs=(payload,))


def _is_jsonl(path: Path) -> bool:
    """A JSONL file (what iter_records would read line by line)."""
    if not path.is_file():
        return False
    suffix = path.suffix.lower()
    if suffix == ".json":
        with path.open("rb") as fh:
            if fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
                return False
    return suffix in (".jsonl", ".json", ".ndjson")


def _jsonl_jobs(
    path: Path, settings: LintSettings, allow: frozenset[str], split: str
) -> list[tuple[str, int, int, str | None, str, frozenset[str]]]:
    """Byte ranges of ``path`` cut at line ends. Without a configured format the first
    range ends at the record that fixes it (as a sequential read would), so that every later
    range is read with that format."""
    _reject_binary(path)
    name = str(path)
    size = path.stat().st_size
    fmt, start = settings.format, 0
    cuts = [(size, fmt)]
    if fmt is None:
        fmt, start = _first_format(path, settings)
        cuts = [(start, None), (size, fmt)]
    out = []
    start = 0
    with path.open("rb") as fh:
        for stop, fmt in cuts:
            while start < stop:
                fh.seek(start + CHUNK_BYTES)
                fh.readline()
                end = min(fh.tell(), stop) if start + CHUNK_BYTES < stop else stop
                out.append((name, start, end, fmt, split, allow))
                start = end
    return out


def _first_format(path: Path, settings: LintSettings) -> tuple[str | None, int]:
    """The format of the first record that has one, and the byte offset after its line
    (no format anywhere: None and the file size)."""
    pos = 0
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            pos += len(raw)
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            rec = _parse_line(raw, lineno, 0)
            if rec.problem != "invalid-json":
                fmt = detect_format(rec.obj, settings.field_map)
                if fmt is not None:
                    return fmt, pos
    return None, pos


def _tokenizer(settings: LintSettings, report: LintReport) -> ModelTokenizer | None:
    model_dir = settings.model_dir
    if (
        model_dir is not None
        and Path(model_dir).is_dir()
        and (Path(model_dir) / "tokenizer.json").is_file()
    ):
        return load_model_tokenizer(Path(model_dir), settings.chat_template)
    if model_dir is not None:
        why = f"no tokenizer.json in {model_dir}"
    elif settings.model:
        why = f"no local tokenizer for '{settings.model}' (not in the Hugging Face cache; offline)"
    else:
        why = "no --model given"
    report.notes.append(f"token counts are an estimate (characters / 3.6): {why}")
    return None


def _files(settings: LintSettings) -> list[tuple[Path, str]]:
    return [(Path(p), "train") for p in settings.files] + [
        (Path(p), "eval") for p in settings.eval_files
    ]


def _example(rec: Record, norm: Normalizer) -> tuple[Example | None, list[Finding]]:
    if rec.problem == "invalid-json":
        f = Finding(
            schema.INVALID_JSON,
            schema.INVALID_JSON.format(detail=rec.detail),
            norm.file,
            rec.line,
            rec.index,
        )
        return None, [f]
    ex, found = norm(rec.obj, rec.line, rec.index)
    if rec.problem == "invalid-utf8":
        loc = ex or Example(norm.file, rec.line, rec.index, "", [])
        found.insert(0, hit(encoding.INVALID_UTF8, loc, detail=rec.detail))
        if ex is not None:
            ex.flags.add("replaced-utf8")
    return ex, found


def _rereader(
    settings: LintSettings, allow: frozenset[str], where: Locations
) -> Callable[[set[int]], Iterator[Example]]:
    """A second pass that yields only the examples whose gid is wanted (JSONL lines that are
    not wanted are not even parsed)."""

    def reread(wanted: set[int]) -> Iterator[Example]:
        by_place = {(where.files[where.file_of[g]], where.index_of[g]): g for g in wanted}
        for path, split in _files(settings):
            name = str(path)
            only = {i for (f, i) in by_place if f == name}
            if not only:
                continue
            norm = Normalizer(name, settings.format, settings.field_map, split, allow)
            for rec in iter_records(path, None, only):
                gid = by_place.get((name, rec.index))
                if gid is None:
                    continue
                ex, _ = _example(rec, norm)
                if ex is not None:
                    ex.gid = gid
                    yield ex

    return reread


def _progress_bar(settings: LintSettings, enabled: bool):
    if not enabled:
        return nullcontext(None)
    return _RichProgress([p for p, _ in _files(settings)])


class _RichProgress:
    """A bytes-based progress bar on stderr (rich), only for files over 5 MB."""

    def __init__(self, paths: list[Path]) -> None:
        self.total = sum(p.stat().st_size for p in paths if p.is_file())
        self.bar = None

    def __enter__(self) -> Callable[[int], None] | None:
        if self.total < 5_000_000:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

        self.bar = Progress(
            "linting",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.bar.start()
        task = self.bar.add_task("lint", total=self.total)
        pending = [0]

        def advance(n: int) -> None:
            pending[0] += n
            if pending[0] >= 1_000_000:
                self.bar.advance(task, pending[0])
                pending[0] = 0

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
