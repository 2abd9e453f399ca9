"""Task metrics on (reference, prediction) pairs. Pure Python: no torch, no model.

Every metric is a plain function with a hand-checkable definition (see docs/evaluation.md);
``task_metrics`` picks the ones that fit a task and returns a flat ``{name: value}`` dict.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)
# Metrics where a lower value is better (for deltas and gates).
LOWER_IS_BETTER = frozenset({"loss", "perplexity"})
# The metric `eval.min_improvement` is measured on, per task.
PRIMARY = {"classification": "accuracy", "extraction": "field_exact_match",
           "tone": "rougeL", "chat": "rougeL", "summarization": "rougeL",
           "completion": "loss"}


# ---------------------------------------------------------------- classification


def normalize_label(text: str, labels: Sequence[str] | None = None) -> str:
    """The first line, trimmed; mapped to a known label when it matches one ignoring case."""
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    first = first.strip(" .\"'`")
    for label in labels or ():
        if first.casefold() == label.casefold():
            return label
    return first


def accuracy(refs: Sequence[str], preds: Sequence[str]) -> float:
    """Share of predictions equal to their reference."""
    _same_length(refs, preds)
    return sum(r == p for r, p in zip(refs, preds, strict=True)) / len(refs) if refs else 0.0


def macro_f1(refs: Sequence[str], preds: Sequence[str],
             labels: Sequence[str] | None = None) -> float:
    """Unweighted mean of per-label F1 over ``labels`` (default: every reference label)."""
    _same_length(refs, preds)
    classes = list(labels) if labels else sorted(set(refs))
    if not classes:
        return 0.0
    scores = []
    for label in classes:
        tp = sum(r == label and p == label for r, p in zip(refs, preds, strict=True))
        fp = sum(r != label and p == label for r, p in zip(refs, preds, strict=True))
        fn = sum(r == label and p != label for r, p in zip(refs, preds, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def confusion_matrix(refs: Sequence[str], preds: Sequence[str],
                     labels: Sequence[str] | None = None) -> dict[str, Any]:
    """``{"labels": [...], "matrix": rows=reference, cols=prediction}``; unknown answers
    are counted in a last column ``<other>``."""
    _same_length(refs, preds)
    classes = list(labels) if labels else sorted(set(refs))
    index = {label: i for i, label in enumerate(classes)}
    matrix = [[0] * (len(classes) + 1) for _ in classes]
    for ref, pred in zip(refs, preds, strict=True):
        if ref in index:
            matrix[index[ref]][index.get(pred, len(classes))] += 1
    return {"labels": [*classes, "<other>"], "matrix": matrix}


# ---------------------------------------------------------------- extraction


def parse_json(text: str) -> Any:
    """The JSON value in ``text`` (a ```json fence is allowed); raises ValueError."""
    body = text.strip()
    fenced = re.match(r"^```(?:json)?\s*(.*?)\s*```$", body, re.DOTALL)
    return json.loads(fenced.group(1) if fenced else body)


def json_metrics(refs: Sequence[str], preds: Sequence[str],
                 schema: Mapping[str, Any] | None = None) -> dict[str, float]:
    """json_parse_rate, json_schema_valid_rate (when a schema is given) and
    field_exact_match: the share of the reference's top-level fields the prediction
    reproduces exactly (an unparsable prediction matches none)."""
    _same_length(refs, preds)
    parsed = []
    for pred in preds:
        try:
            parsed.append((True, parse_json(pred)))
        except ValueError:
            parsed.append((False, None))
    out: dict[str, float] = {"json_parse_rate": _mean([ok for ok, _ in parsed])}
    if schema is not None:
        import jsonschema

        validator = jsonschema.Draft202012Validator(dict(schema))
        out["json_schema_valid_rate"] = _mean(
            [ok and validator.is_valid(value) for ok, value in parsed])
    matched = total = 0
    for ref, (ok, value) in zip(refs, parsed, strict=True):
        try:
            expected = parse_json(ref)
        except ValueError:
            continue
        if not isinstance(expected, dict):
            expected, value = {"value": expected}, {"value": value}
        total += len(expected)
        if ok and isinstance(value, dict):
            matched += sum(k in value and value[k] == v for k, v in expected.items())
    out["field_exact_match"] = matched / total if total else 0.0
    return out


# ---------------------------------------------------------------- text


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters, digits, underscore)."""
    return _WORD.findall(text.lower())


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence (O(len(a) * len(b)), one row of memory)."""
    if len(a) < len(b):
        a, b = b, a
    row = [0] * (len(b) + 1)
    for x in a:
        prev = 0
        for j, y in enumerate(b, start=1):
            prev, row[j] = row[j], prev + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def rouge_l(reference: str, prediction: str) -> float:
    """ROUGE-L F1 on word tokens: LCS-based precision and recall, harmonic mean."""
    ref, pred = words(reference), words(prediction)
    lcs = lcs_length(ref, pred)
    if not lcs:
        return 0.0
    precision, recall = lcs / len(pred), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def length_ratio(refs: Sequence[str], preds: Sequence[str]) -> float:
    """Total predicted words over total reference words (1.0 = same length)."""
    _same_length(refs, preds)
    ref_words = sum(len(words(r)) for r in refs)
    return sum(len(words(p)) for p in preds) / ref_words if ref_words else 0.0


def style_metrics(preds: Sequence[str], must_include: Sequence[str] = (),
                  must_not_include: Sequence[str] = ()) -> dict[str, float]:
    """style_pass_rate: share of answers matching every `must_include` regex and no
    `must_not_include` one; also the rate for each of the two lists."""
    if not must_include and not must_not_include:
        return {}
    include = [re.compile(p) for p in must_include]
    exclude = [re.compile(p) for p in must_not_include]
    has_all = [all(r.search(p) for r in include) for p in preds]
    has_none = [not any(r.search(p) for r in exclude) for p in preds]
    out = {"style_pass_rate": _mean([a and b for a, b in zip(has_all, has_none, strict=True)])}
    if include:
        out["must_include_rate"] = _mean(has_all)
    if exclude:
        out["must_not_include_rate"] = _mean(has_none)
    return out


def perplexity(loss: float) -> float:
    """exp(mean token loss); inf when it overflows."""
    try:
        return math.exp(loss)
    except OverflowError:
        return math.inf


# ---------------------------------------------------------------- settings checks

# Metrics only computed when the matching style list is set (eval.must_include / ...).
STYLE_METRICS = {"style_pass_rate": ("must_include", "must_not_include"),
                 "must_include_rate": ("must_include",),
                 "must_not_include_rate": ("must_not_include",)}
# Added by `tunebook eval` for every task (answer-token loss).
LOSS_METRICS = ("loss", "perplexity")
# Mean 1-10 score of the optional LLM judge (eval.judge; see tunebook.evaluate.judge).
JUDGE_METRIC = "judge_score"
_TASK_METRICS = {"classification": ("accuracy", "macro_f1"),
                 "extraction": ("json_parse_rate", "json_schema_valid_rate",
                                "field_exact_match"),
                 "completion": ()}
_TEXT_METRICS = ("rougeL", "length_ratio")  # every other task (tone, chat, summarization)


def known_metrics(task: str, *, judge: bool = False) -> set[str]:
    """Every scalar metric a ``task`` evaluation can report: the names usable in
    ``eval.require``. Style metrics are included (they need ``must_include`` /
    ``must_not_include``); ``json_schema_valid_rate`` needs an output schema; ``judge_score``
    is included when ``judge`` (the recipe sets ``eval.judge``) and the task generates."""
    generation = () if task == "completion" else tuple(STYLE_METRICS)
    judged = (JUDGE_METRIC,) if judge and task != "completion" else ()
    return {*_TASK_METRICS.get(task, _TEXT_METRICS), *generation, *judged, *LOSS_METRICS}


def regex_problems(patterns: Any) -> list[tuple[int, str]]:
    """(index, message) for each entry of ``patterns`` that is not a valid regex string."""
    problems = []
    for i, pattern in enumerate(patterns or ()):
        if not isinstance(pattern, str):
            problems.append((i, f"expected a regex string, got {type(pattern).__name__}"))
            continue
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append((i, f"invalid regex {pattern!r}: {exc}"))
    return problems


def valid_patterns(patterns: Any) -> list[str]:
    """The entries of ``patterns`` that compile (the bad ones are what
    :func:`regex_problems` reports)."""
    bad = {i for i, _ in regex_problems(patterns)}
    return [p for i, p in enumerate(patterns or ()) if i not in bad]


def check_eval_settings(eval_section: Mapping[str, Any] | None,
                        task: str) -> list[tuple[str, str]]:
    """(field path, message) for each problem of a recipe's ``eval:`` section that would
    only show once the paid run evaluates: an invalid ``must_include`` / ``must_not_include``
    regex, a metric in ``eval.require`` that a ``task`` evaluation does not compute (with a
    did-you-mean), a non-numeric threshold. Empty when all is well. Torch-free."""
    from tunebook.errors import did_you_mean

    section = eval_section if isinstance(eval_section, Mapping) else {}
    problems: list[tuple[str, str]] = []
    for key in ("must_include", "must_not_include"):
        patterns = section.get(key)
        if patterns is None:
            continue
        if isinstance(patterns, str) or not isinstance(patterns, Sequence):
            problems.append((f"eval.{key}", "expected a list of regexes"))
            continue
        problems += [(f"eval.{key}[{i}]", message) for i, message in regex_problems(patterns)]
    require = section.get("require")
    if require is not None and not isinstance(require, Mapping):
        problems.append(("eval.require", "expected a mapping of metric name -> threshold"))
        require = {}
    judge = section.get("judge")
    if judge is not None:
        from tunebook.evaluate.judge import judge_problems

        problems += judge_problems(judge)
        if task == "completion":
            problems.append(("eval.judge", "a completion task generates no answers to judge"))
    known = known_metrics(task, judge=judge is not None)
    for name, threshold in (require or {}).items():
        field = f"eval.require.{name}"
        if name not in known:
            close = did_you_mean(str(name), sorted(known))
            problems.append((field, f"unknown metric '{name}' for a {task} task"
                             f"{'; ' + close if close else ''} (one of: "
                             f"{', '.join(sorted(known))})"))
            continue
        needs = STYLE_METRICS.get(name, ())
        if needs and not any(section.get(k) for k in needs):
            problems.append((field, f"'{name}' is only computed when eval."
                             f"{' or eval.'.join(needs)} is set"))
        if isinstance(threshold, bool) or not isinstance(threshold, int | float):
            problems.append((field, f"expected a number, got {threshold!r}"))
    improvement = section.get("min_improvement")
    if improvement is not None and (isinstance(improvement, bool)
                                    or not isinstance(improvement, int | float)):
        problems.append(("eval.min_improvement", f"expected a number, got {improvement!r}"))
    return problems


# ---------------------------------------------------------------- per task


def task_metrics(
    task: str,
    refs: Sequence[str],
    preds: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    schema: Mapping[str, Any] | None = None,
    must_include: Sequence[str] = (),
    must_not_include: Sequence[str] = (),
) -> dict[str, Any]:
    """The generation metrics of ``task`` (loss and perplexity are added by the runner)."""
    out: dict[str, Any] = {}
    if task == "classification":
        ref_labels = [normalize_label(r, labels) for r in refs]
        pred_labels = [normalize_label(p, labels) for p in preds]
        classes = list(labels) if labels else sorted(set(ref_labels))
        out["accuracy"] = accuracy(ref_labels, pred_labels)
        out["macro_f1"] = macro_f1(ref_labels, pred_labels, classes)
        out["confusion_matrix"] = confusion_matrix(ref_labels, pred_labels, classes)
    elif task == "extraction":
        out.update(json_metrics(refs, preds, schema))
    elif task != "completion":
        out["rougeL"] = _mean([rouge_l(r, p) for r, p in zip(refs, preds, strict=True)])
        out["length_ratio"] = length_ratio(refs, preds)
    out.update(style_metrics(preds, must_include, must_not_include))
    return out


def sample_score(task: str, reference: str, prediction: str,
                 labels: Sequence[str] | None = None) -> float:
    """One example's score for tables: exact label, field match, or ROUGE-L."""
    if task == "classification":
        return float(normalize_label(reference, labels) == normalize_label(prediction, labels))
    if task == "extraction":
        return json_metrics([reference], [prediction])["field_exact_match"]
    return rouge_l(reference, prediction)


def _mean(values: Sequence[bool | float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _same_length(refs: Sequence[Any], preds: Sequence[Any]) -> None:
    if len(refs) != len(preds):
        raise ValueError(f"{len(refs)} references but {len(preds)} predictions")
