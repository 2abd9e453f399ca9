"""TB50x too-long: examples longer than sequence_len, and the token-length statistics.

With a tokenizer the counts are exact: each example is rendered with the model's chat
template and tokenized in batches. To keep this fast, an example is only tokenized when a
cheap upper bound (UTF-8 bytes + template overhead: a token never covers less than one
byte) exceeds ``sequence_len``; percentiles come from a fixed-size random sample, chosen by
position during the pass and rendered once at the end.
Without a tokenizer the count is an estimate (characters / 3.6 + 5 per turn).
"""

from __future__ import annotations

import math
import random
from array import array
from typing import Any

from tunebook.lint.context import Context, hit
from tunebook.lint.model import Example
from tunebook.lint.registry import define, knob
from tunebook.lint.report import Finding
from tunebook.lint.rules import roles, trainable
from tunebook.lint.tokenizer import ModelTokenizer, TemplateError

CHARS_PER_TOKEN = 3.6
TOKENS_PER_TURN = 5

_ACTION = {
    "drop": "Axolotl will drop it (excess_length_strategy: drop)",
    "truncate": "Axolotl will truncate it to {seq} tokens, cutting the end of the response "
    "(excess_length_strategy: truncate)",
    "raise": "Axolotl will stop with an error (excess_length_strategy: raise)",
}

TOO_LONG = define(
    "TB501",
    "exceeds-sequence-len",
    "too-long",
    "error",
    message="{tokens} tokens > sequence_len {seq}; {action}",
    fix="Raise sequence_len, shorten or split the example, or drop it yourself.",
    doc="""
    What it does
        Renders the example with the model's tokenizer and chat template and reports it
        when it has more tokens than ``sequence_len``, saying what Axolotl will do with it
        (``excess_length_strategy``: drop, the default; truncate; raise).
    Why is this bad?
        Dropped examples silently shrink the dataset; truncated ones lose the end of the
        response (often the part you wanted the model to learn).
    Example
        A 6,000-token conversation with ``sequence_len: 4096``.
    Use instead
        ``sequence_len: 8192`` or a shorter example.
    Options
        Needs ``--model`` (a local tokenizer); ``--seq-len``.
    """,
    knobs=(
        knob(
            "sample",
            "int",
            2048,
            "training examples whose tokens are counted exactly (a uniform sample)",
            min=1,
        ),
    ),
)
MAYBE_TOO_LONG = define(
    "TB502",
    "may-exceed-sequence-len",
    "too-long",
    "warning",
    message="about {tokens} tokens (estimate: characters/3.6) > sequence_len {seq}; {action}",
    fix="Pass --model with a local tokenizer for exact counts, or shorten the example.",
    doc="""
    What it does
        Without a tokenizer, estimates tokens as characters / 3.6 + 5 per turn and warns
        when the estimate exceeds ``sequence_len``.
    Why is this bad?
        See exceeds-sequence-len; this is the same problem, found without the tokenizer.
    Example
        A 20,000-character conversation with ``sequence_len: 4096``.
    Use instead
        A shorter example, or ``--model`` for the exact count.
    Options
        ``--seq-len``.
    """,
)
RULES = (TOO_LONG, MAYBE_TOO_LONG)


def _percentiles(values: list[int] | array, seq: int | None, kind: str, **extra: Any) -> dict:
    vals = sorted(values)
    n = len(vals)

    def pct(p: float) -> int | None:
        return int(vals[min(n - 1, math.ceil(p * n) - 1)]) if n else None

    return {
        "p50": pct(0.5),
        "p90": pct(0.9),
        "p99": pct(0.99),
        "max": int(vals[-1]) if n else None,
        "sequence_len": seq,
        "tokenizer": kind,
        **extra,
    }


def estimate(ex: Example) -> int:
    """Tokens of ``ex`` estimated from its characters."""
    chars = sum(len(c) for _, c in ex.turns)
    return int(chars / CHARS_PER_TOKEN + TOKENS_PER_TURN * len(ex.turns))


class EstimateChecker:
    """Token estimates for every example (scanner side); warns above sequence_len."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.seq = ctx.settings.sequence_len
        self.action = _ACTION.get(ctx.settings.excess_length_strategy, _ACTION["drop"]).format(
            seq=self.seq
        )
        self.on = MAYBE_TOO_LONG.code in ctx.enabled

    def observe(self, ex: Example, tokens: int) -> list[Finding]:
        if self.seq and tokens > self.seq and self.on:
            return [hit(MAYBE_TOO_LONG, ex, tokens=tokens, seq=self.seq, action=self.action)]
        return []


def estimate_stats(est: array, seq: int | None) -> dict:
    return _percentiles(
        est, seq, "estimate", counted=len(est), method="characters / 3.6 + 5 per turn"
    )


class TokenSample:
    """Main-process side of exact counting: a fixed-size uniform random sample (reservoir, by
    gid) of the train examples the template accepts; rendered and counted at the end."""

    def __init__(self, ctx: Context) -> None:
        self.size = int(ctx.threshold(TOO_LONG, "sample"))
        self.seq = ctx.settings.sequence_len
        self.gids: list[int] = []
        self.seen = 0
        self.rng = random.Random(0)
        self.counted_max = 0

    def add(self, gids: list[int]) -> None:
        size, sample, rng = self.size, self.gids, self.rng
        for gid in gids:
            self.seen += 1
            if len(sample) < size:
                sample.append(gid)
            else:
                j = rng.randrange(self.seen)
                if j < size:
                    sample[j] = gid

    def stats(self, tok: ModelTokenizer, examples: dict[int, Example]) -> dict:
        texts = [_render(tok, examples[g]) for g in self.gids if g in examples]
        counts = tok.count(texts)
        everything = len(self.gids) == self.seen
        top = max([self.counted_max, *counts]) if counts else None
        out = _percentiles(
            counts, self.seq, "real", counted=len(counts), sampled=not everything, source=tok.source
        )
        out["max"] = top
        return out


def _render(tok: ModelTokenizer, ex: Example) -> str:
    try:
        return tok.render(ex.format, ex.turns)
    except Exception:  # shape rendered fine; content-dependent failures count as empty
        return ""


class TokenizerChecker:
    """Scanner side of exact counts: examples that may be too long are rendered and tokenized
    (in batches, at the end of each chunk); ``observe`` says which may enter the sample."""

    BATCH = 256

    def __init__(self, ctx: Context, tok: ModelTokenizer) -> None:
        self.ctx = ctx
        self.tok = tok
        self.seq = ctx.settings.sequence_len
        self.strategy = ctx.settings.excess_length_strategy
        self.action = _ACTION.get(self.strategy, _ACTION["drop"]).format(seq=self.seq)
        self.overheads: dict[tuple[str, tuple[str, ...]], int | str] = {}
        self.pending: list[tuple[Example, int]] = []
        self.counted_max = 0
        self.exact = 0

    def _overhead(self, ex: Example) -> int | str:
        """Template bytes around the contents for this sequence of roles (or the error)."""
        key = (ex.format, ex.roles)
        got = self.overheads.get(key)
        if got is None:
            marks = [(r, f"\x01{i}\x01") for i, (r, _) in enumerate(ex.turns)]
            try:
                rendered = self.tok.render(ex.format, marks)
                got = len(rendered.encode()) - sum(len(m) for _, m in marks)
            except TemplateError as exc:
                got = str(exc) or "the template raised"
            except Exception as exc:  # jinja errors of a broken template
                got = f"{type(exc).__name__}: {exc}"
            self.overheads[key] = got
        return got

    def observe(self, ex: Example, pos: int) -> tuple[bool, list[Finding]]:
        """(whether ``ex`` counts for the sample, findings). Findings of pending long examples
        come back from ``flush`` with their position."""
        over = self._overhead(ex)
        if isinstance(over, str):
            if roles.TEMPLATE_ERROR.code in self.ctx.enabled:
                return False, [hit(roles.TEMPLATE_ERROR, ex, error=over[:200])]
            return False, []
        sampled = ex.split == "train"
        if self.seq is None:
            return sampled, []
        bound = over + 8 + 2 * len(ex.turns)
        for _, c in ex.turns:
            bound += len(c) if c.isascii() else len(c.encode())
        if bound > self.seq:
            self.pending.append((ex, pos))
        return sampled, []

    def flush(self) -> list[tuple[int, Finding]]:
        """(position, finding) of the pending examples, tokenized in batches."""
        out: list[tuple[int, Finding]] = []
        while self.pending:
            batch, self.pending = self.pending[: self.BATCH], self.pending[self.BATCH :]
            counts = self.tok.count([_render(self.tok, ex) for ex, _ in batch])
            self.exact += len(batch)
            for (ex, pos), n in zip(batch, counts, strict=True):
                if ex.split == "train":
                    self.counted_max = max(self.counted_max, n)
                if n <= self.seq:
                    continue
                if TOO_LONG.code in self.ctx.enabled:
                    out.append((pos, hit(TOO_LONG, ex, tokens=n, seq=self.seq, action=self.action)))
                if self.strategy == "truncate" and trainable.NO_TRAINABLE.code in self.ctx.enabled:
                    out.extend((pos, f) for f in self._truncated_away(ex))
        return out

    def _truncated_away(self, ex: Example) -> list[Finding]:
        first = next(
            (
                i
                for i in range(len(ex.turns))
                if ex.is_trained(i, self.ctx.settings.train_on_inputs)
            ),
            None,
        )
        if first is None:
            return []
        try:
            prefix = self.tok.render(ex.format, ex.turns[:first], generation_prompt=True)
        except Exception:
            return []
        n = self.tok.count([prefix])[0]
        if n >= self.seq:
            why = (
                f"(the prompt alone is {n} tokens; truncation at {self.seq} "
                "cuts the whole response)"
            )
            return [hit(trainable.NO_TRAINABLE, ex, why=why)]
        return []
