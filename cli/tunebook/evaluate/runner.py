"""``tunebook eval RUN_DIR``: base vs tuned on the held-out set, results, report, gate."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from tunebook.errors import UserError
from tunebook.evaluate import metrics
from tunebook.evaluate.context import EvalContext, load_context
from tunebook.evaluate.judge import JudgeOutcome

Log = Callable[[str], None]


def run_eval(run_dir: Path, *, max_samples: int | None = None,
             log: Log | None = None, track: bool = True) -> dict[str, Any]:
    """Evaluate ``run_dir`` and write ``eval/results.json``, ``eval/samples.jsonl`` and
    ``eval/report.md`` (+ plots). Returns the results; ``results["gate"]["passed"]`` says
    whether the recipe's gate holds. UserError when the run directory is unusable."""
    log = log or (lambda _msg: None)
    started = time.monotonic()
    ctx = load_context(Path(run_dir), max_samples=max_samples)
    tuned_kind, tuned_path = _trained_model(ctx)
    log(f"evaluating {len(ctx.examples)} held-out examples ({ctx.task}) on base and tuned")
    outputs: dict[str, dict[str, Any]] = {}
    tokenizer, variants = _variants(ctx, tuned_kind, tuned_path)
    for name in ("tuned", "base"):
        with variants[name]() as model:
            t0 = time.monotonic()
            outputs[name] = score_model(ctx, model, tokenizer)
        log(f"  {name}: {_summary(outputs[name]['metrics'])} ({time.monotonic() - t0:.1f} s)")
    judged = run_judge(ctx, outputs, log)
    results = build_results(ctx, outputs["base"]["metrics"], outputs["tuned"]["metrics"])
    if judged is not None:
        results.update(judge_fields(ctx, judged))
    results["seconds"] = round(time.monotonic() - started, 2)
    samples = sample_rows(ctx, outputs["base"]["answers"], outputs["tuned"]["answers"], judged)
    _write(ctx, results, samples)
    if track:
        from tunebook.tracking import log_eval_results

        log_eval_results(ctx.run_dir, ctx.config, ctx.recipe, results, samples, log=log)
    return results


def score_model(ctx: EvalContext, model: Any, tokenizer: Any) -> dict[str, Any]:
    """Answers, task metrics, loss and perplexity of one model on the held-out examples."""
    from tunebook.evaluate.generate import answer_loss, generate_answers

    answers = ([""] * len(ctx.examples) if ctx.task == "completion" else generate_answers(
        model, tokenizer, ctx.examples, max_new_tokens=ctx.max_new_tokens,
        max_prompt_tokens=ctx.max_prompt_tokens))
    refs = [ex.reference for ex in ctx.examples]
    found = ({} if ctx.task == "completion" else metrics.task_metrics(
        ctx.task, refs, answers, labels=ctx.labels, schema=ctx.schema,
        must_include=ctx.must_include, must_not_include=ctx.must_not_include))
    loss, tokens = answer_loss(model, tokenizer, ctx.examples, max_tokens=ctx.max_prompt_tokens)
    if tokens:
        found["loss"] = loss
        found["perplexity"] = metrics.perplexity(loss)
    return {"answers": answers, "metrics": found}


def run_judge(ctx: EvalContext, outputs: dict[str, dict[str, Any]],
              log: Log) -> JudgeOutcome | None:
    """The optional LLM judge (``eval.judge``) on both models' answers; adds ``judge_score``
    to each model's metrics when it worked. None when no judge is configured. Never raises:
    a failing endpoint is logged and comes back as ``outcome.error``."""
    if ctx.judge is None:
        return None
    from tunebook.evaluate.judge import judge_answers

    if ctx.task == "completion":
        outcome = JudgeOutcome(error="a completion task generates no answers to judge")
    else:
        t0 = time.monotonic()
        outcome = judge_answers(ctx.judge, ctx.examples,
                                {n: outputs[n]["answers"] for n in ("base", "tuned")}, log=log)
        if outcome.error is None:
            for name, mean in outcome.means.items():
                outputs[name]["metrics"][metrics.JUDGE_METRIC] = mean
            skipped = f", {outcome.unscored} unscored" if outcome.unscored else ""
            log(f"  judge ({ctx.judge.model}): base {outcome.means['base']:.2f}, tuned "
                f"{outcome.means['tuned']:.2f} over {outcome.judged} examples{skipped} "
                f"({time.monotonic() - t0:.1f} s)")
    if outcome.error is not None:
        log(f"  judge failed, judge_score omitted: {outcome.error}")
    return outcome


def judge_fields(ctx: EvalContext, outcome: JudgeOutcome) -> dict[str, Any]:
    """results.json's ``judge`` summary, and ``judge_error`` when the judge failed."""
    from tunebook.evaluate.judge import masked

    assert ctx.judge is not None
    out: dict[str, Any] = {"judge": {
        "model": ctx.judge.model, "url": masked(ctx.judge.url, ctx.judge),
        "samples": outcome.judged, "unscored": outcome.unscored,
        "rubric": ctx.judge.rubric}}
    if outcome.error is not None:
        out["judge_error"] = outcome.error
    return out


def build_results(ctx: EvalContext, base: dict[str, Any], tuned: dict[str, Any]) -> dict:
    """results.json: both models' metrics, the delta of each scalar, and the gate."""
    delta = {k: tuned[k] - base[k] for k in tuned
             if _scalar(tuned.get(k)) and _scalar(base.get(k))}
    return {
        "run_dir": str(ctx.run_dir),
        "recipe": ctx.recipe_name,
        "task": ctx.task,
        "samples": len(ctx.examples),
        "heldout_files": [str(p) for p in ctx.heldout_files],
        "base_model": ctx.base_model,
        "base": base,
        "tuned": tuned,
        "delta": delta,
        "lower_is_better": sorted(metrics.LOWER_IS_BETTER & set(delta)),
        "gate": check_gate(ctx.task, base, tuned, ctx.require, ctx.min_improvement),
    }


def check_gate(task: str, base: dict[str, Any], tuned: dict[str, Any],
               require: dict[str, float], min_improvement: float | None) -> dict[str, Any]:
    """``eval.require`` (tuned metric vs threshold) and ``eval.min_improvement`` (primary
    metric, tuned vs base). Lower-is-better metrics (loss, perplexity) compare the other way."""
    checks = []
    known = sorted(k for k, v in tuned.items() if _scalar(v))
    for name, threshold in require.items():
        if name == metrics.JUDGE_METRIC and name not in known:
            # The judge is optional and its endpoint may fail: the gate fails, eval goes on.
            checks.append({"kind": "require", "metric": name, "threshold": threshold,
                           "value": math.nan, "passed": False,
                           "note": "the LLM judge gave no score (see judge_error)"})
            continue
        if name not in known:
            raise UserError(f"the gate names metric '{name}', which a {task} evaluation does "
                            f"not compute", field=f"eval.require.{name}",
                            hint="one of: " + ", ".join(known))
        value = tuned[name]
        lower = name in metrics.LOWER_IS_BETTER
        checks.append({"kind": "require", "metric": name, "threshold": threshold,
                       "value": value, "passed": value <= threshold if lower else
                       value >= threshold})
    if min_improvement is not None:
        name = metrics.PRIMARY.get(task, "loss")
        if name not in known:
            name = "loss"
        gain = (base[name] - tuned[name] if name in metrics.LOWER_IS_BETTER
                else tuned[name] - base[name]) if name in base and name in tuned else math.nan
        checks.append({"kind": "min_improvement", "metric": name, "threshold": min_improvement,
                       "value": gain, "passed": gain >= min_improvement})
    return {"passed": all(c["passed"] for c in checks), "checks": checks}


def sample_rows(ctx: EvalContext, base: list[str], tuned: list[str],
                judged: JudgeOutcome | None = None) -> list[dict[str, Any]]:
    """One row per example: prompt, reference, both answers and their scores (with a judge:
    ``base_judge_score`` / ``tuned_judge_score`` 1-10, None when not judged, and the
    judge's reasons)."""
    rows = []
    for i, (ex, b, t) in enumerate(zip(ctx.examples, base, tuned, strict=True)):
        row = {
            "prompt": ex.prompt_key(), "reference": ex.reference, "base": b, "tuned": t,
            "base_score": metrics.sample_score(ctx.task, ex.reference, b, ctx.labels),
            "tuned_score": metrics.sample_score(ctx.task, ex.reference, t, ctx.labels),
        }
        if judged is not None:
            for name in ("base", "tuned"):
                scores = judged.scores.get(name, [])
                reasons = judged.reasons.get(name, [])
                row[f"{name}_judge_score"] = scores[i] if i < len(scores) else None
                row[f"{name}_judge_reason"] = reasons[i] if i < len(reasons) else None
        rows.append(row)
    return rows


def _write(ctx: EvalContext, results: dict[str, Any], samples: list[dict[str, Any]]) -> None:
    from tunebook.evaluate.report import write_report
    from tunebook.runs import atomic_write, write_json

    out = ctx.run_dir / "eval"
    write_json(out / "results.json", _finite(results))
    atomic_write(out / "samples.jsonl", b"".join(orjson.dumps(r) + b"\n" for r in samples))
    write_report(ctx, results, samples)


def _trained_model(ctx: EvalContext) -> tuple[str, Path]:
    out = ctx.output_dir
    if (out / "adapter_config.json").is_file():
        return "adapter", out
    if (out / "config.json").is_file():
        return "full", out
    raise UserError("no trained model in the run's output directory", file=out,
                    hint="train first: `tunebook train RECIPE`, then `tunebook eval RUN_DIR`")


def _variants(ctx: EvalContext, kind: str, path: Path) -> tuple[Any, dict[str, Any]]:
    """The tokenizer and, per name ("tuned", "base"), a context manager factory yielding that
    model: one copy of the base weights with the adapter switched off for "base", or two
    models after full fine-tuning."""
    import contextlib

    from tunebook.evaluate.generate import load_model, load_tokenizer

    tokenizer = load_tokenizer(path, ctx.base_model)
    if kind == "adapter":
        model = load_model(ctx.base_model, path)

        @contextlib.contextmanager
        def adapter_off():
            with model.disable_adapter():
                yield model

        return tokenizer, {"tuned": lambda: contextlib.nullcontext(model), "base": adapter_off}
    tuned, base = load_model(str(path)), load_model(ctx.base_model)
    return tokenizer, {"tuned": lambda: contextlib.nullcontext(tuned),
                       "base": lambda: contextlib.nullcontext(base)}


def _summary(found: dict[str, Any]) -> str:
    parts = [f"{k} {v:.4g}" for k, v in found.items() if _scalar(v)]
    return ", ".join(parts[:5])


def _scalar(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value: Any) -> Any:
    """JSON has no NaN/inf: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
