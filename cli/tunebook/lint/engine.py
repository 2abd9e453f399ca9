"""One pass over the data: read, normalise, run every enabled rule, collect a report."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path

from tunebook.lint.context import Context, hit
from tunebook.lint.formats import Normalizer
from tunebook.lint.model import Example, Locations
from tunebook.lint.readers import Record, iter_records
from tunebook.lint.registry import enabled_rules
from tunebook.lint.report import Finding, LintReport
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
    size,
    special_tokens,
    too_long,
    trainable,
)
from tunebook.lint.settings import LintSettings
from tunebook.lint.tokenizer import ModelTokenizer, load_model_tokenizer

CheckFn = Callable[[Example, Context], list[Finding]]


def lint_dataset(settings: LintSettings, *, progress: bool = False) -> LintReport:
    """Lint the training (and eval) files of ``settings``; never raises for bad data, only
    UserError for unusable input (missing file, binary file, unknown selector)."""
    start = time.perf_counter()
    enabled = enabled_rules(settings.select, settings.ignore, source=settings.source)
    report = LintReport(files=[str(p) for p in [*settings.files, *settings.eval_files]])
    tok = _tokenizer(settings, report)
    allow = frozenset(settings.thresholds.get("unknown-key", {}).get("allow", []))
    ctx = Context(settings, enabled, added_tokens=tok.added_tokens if tok else ())
    where = Locations()

    checks = _per_example_checks(ctx)
    length = too_long.TokenizerChecker(ctx, tok) if tok else too_long.EstimateChecker(ctx)
    stateful = [
        duplicate.Checker(ctx, where),
        near_duplicate.Checker(ctx, where, _rereader(settings, allow, where)),
        outlier.Checker(ctx),
        length,
    ]
    if labels.applies(ctx):
        stateful.append(labels.Checker(ctx))

    n_train = 0
    with _progress_bar(settings, progress) as advance:
        for split, ex, found in _examples(settings, allow, advance):
            report.examples += split == "train"
            for f in found:
                if f.rule.code in enabled:
                    report.add(f)
            if ex is None:
                continue
            ex.gid = where.add(ex)
            n_train += ex.split == "train"
            for check in checks:
                for f in check(ex, ctx):
                    report.add(f)
            for checker in stateful:
                for f in checker.observe(ex):
                    report.add(f)
    for checker in stateful:
        for f in checker.finish():
            report.add(f)
    for f in size.finish(n_train, ctx, str(settings.files[0]) if settings.files else None):
        report.add(f)
    report.tokens = length.stats()
    report.seconds = time.perf_counter() - start
    return report


def _per_example_checks(ctx: Context) -> list[CheckFn]:
    modules = [schema, roles, empty, special_tokens, encoding, pii, trainable]
    if output_format.applies(ctx):
        modules.append(output_format)
    return [m.check for m in modules if hasattr(m, "check") and ctx.on(*m.RULES)]


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


def _examples(
    settings: LintSettings, allow: frozenset[str], advance: Callable[[int], None] | None
) -> Iterator[tuple[str, Example | None, list[Finding]]]:
    for path, split in _files(settings):
        norm = Normalizer(str(path), settings.format, settings.field_map, split, allow)
        for rec in iter_records(path, advance):
            yield (split, *_example(rec, norm))


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
