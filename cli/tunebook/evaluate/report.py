"""``eval/report.md``: a table of base vs tuned, the loss curves and metric bars as PNGs.

The curves come from Axolotl's trainer state (``output/checkpoint-*/trainer_state.json``).
Plots need matplotlib (in the train extra); without it the report says so and keeps the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tunebook.evaluate.metrics import LOWER_IS_BETTER


def write_report(ctx: Any, results: dict[str, Any], samples: Sequence[dict[str, Any]]) -> Path:
    """Write ``<run_dir>/eval/report.md`` (and its PNGs) and return its path."""
    from tunebook.axolotl_bridge import read_trainer_metrics
    from tunebook.runs import atomic_write

    out = Path(ctx.run_dir) / "eval"
    out.mkdir(parents=True, exist_ok=True)
    history = read_trainer_metrics(ctx.output_dir)["log_history"]
    plots = write_plots(out, results, history)
    atomic_write(out / "report.md", render_markdown(results, samples, plots))
    return out / "report.md"


def render_markdown(results: dict[str, Any], samples: Sequence[dict[str, Any]],
                    plots: dict[str, str] | str) -> str:
    """The report text. ``plots`` maps a title to a PNG name, or says why there are none."""
    gate = results.get("gate") or {}
    lines = [
        f"# Evaluation: {results.get('recipe')}",
        "",
        f"Task **{results.get('task')}**, {results.get('samples')} held-out examples, "
        f"base model `{results.get('base_model')}`.",
        "",
        "| metric | base | tuned | delta |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, delta in results.get("delta", {}).items():
        label = f"{name} (lower is better)" if name in LOWER_IS_BETTER else name
        lines.append(f"| {label} | "
                     f"{_num(results['base'].get(name))} | {_num(results['tuned'].get(name))} | "
                     f"{_num(delta, signed=True)} |")
    judge_line = render_judge_line(results)
    if judge_line:
        lines += ["", judge_line]
    if gate.get("checks"):
        lines += ["", f"Gate: **{'passed' if gate.get('passed') else 'FAILED'}**", ""]
        for check in gate["checks"]:
            mark = "pass" if check["passed"] else "fail"
            lines.append(f"- {mark}: {check['kind']} {check['metric']} = {_num(check['value'])}"
                         f" (threshold {_num(check['threshold'])})"
                         + (f": {check['note']}" if check.get("note") else ""))
    for name in ("base", "tuned"):
        cm = results.get(name, {}).get("confusion_matrix")
        if cm:
            lines += ["", f"Confusion matrix ({name}; rows = reference, columns = answer):", "",
                      "| | " + " | ".join(cm["labels"]) + " |",
                      "| --- |" + " ---: |" * len(cm["labels"])]
            lines += [f"| {label} | " + " | ".join(map(str, row)) + " |"
                      for label, row in zip(cm["labels"], cm["matrix"], strict=False)]
    lines.append("")
    if isinstance(plots, str):
        lines.append(f"_No plots: {plots}_")
    else:
        lines += [f"![{title}]({png})" for title, png in plots.items()]
    lines += ["", "## Samples", "", "| prompt | reference | base | tuned |",
              "| --- | --- | --- | --- |"]
    lines += [f"| {_cell(s['prompt'])} | {_cell(s['reference'])} | {_cell(s['base'])} "
              f"({_num(s['base_score'])}) | {_cell(s['tuned'])} ({_num(s['tuned_score'])}) |"
              for s in samples[:10]]
    return "\n".join(lines) + "\n"


def render_judge_line(results: dict[str, Any]) -> str | None:
    """The report's line about the optional LLM judge (None without one)."""
    judge = results.get("judge")
    if not isinstance(judge, dict):
        return None
    who = f"LLM judge (`{judge.get('model')}`)"
    if results.get("judge_error"):
        return f"{who} failed, `judge_score` omitted: {_cell(results['judge_error'], 300)}"
    unscored = judge.get("unscored") or 0
    extra = f"; {unscored} without a score" if unscored else ""
    return (f"{who}: `judge_score` base {_num(results.get('base', {}).get('judge_score'))}, "
            f"tuned {_num(results.get('tuned', {}).get('judge_score'))} (1-10, mean over "
            f"{judge.get('samples')} examples{extra}).")


def write_plots(out: Path, results: dict[str, Any],
                history: Sequence[dict[str, Any]]) -> dict[str, str] | str:
    """loss.png (train and eval loss per step) and metrics.png (base vs tuned bars)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install matplotlib)"
    plots: dict[str, str] = {}
    train = [(h["step"], h["loss"]) for h in history if "loss" in h and "step" in h]
    evals = [(h["step"], h["eval_loss"]) for h in history if "eval_loss" in h and "step" in h]
    if train or evals:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for points, label in ((train, "train loss"), (evals, "eval loss")):
            if points:
                ax.plot(*zip(*points, strict=True), marker="o" if label == "eval loss" else None,
                        label=label)
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "loss.png", dpi=100)
        plt.close(fig)
        plots["training and eval loss"] = "loss.png"
    names = [k for k in results.get("delta", {})
             if k not in ("perplexity", "judge_score")]  # judge_score: 1-10, off this scale
    if names:
        fig, ax = plt.subplots(figsize=(max(4, 1.2 * len(names)), 3.5))
        xs = range(len(names))
        ax.bar([x - 0.2 for x in xs], [results["base"][n] for n in names], 0.4, label="base")
        ax.bar([x + 0.2 for x in xs], [results["tuned"][n] for n in names], 0.4, label="tuned")
        ax.set_xticks(list(xs), names, rotation=20)
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "metrics.png", dpi=100)
        plt.close(fig)
        plots["metrics, base vs tuned"] = "metrics.png"
    return plots


def _num(value: Any, *, signed: bool = False) -> str:
    if not isinstance(value, int | float):
        return "n/a"
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def _cell(text: str, limit: int = 80) -> str:
    one = " ".join(str(text).split()).replace("|", "\\|")
    return one if len(one) <= limit else one[: limit - 1] + "…"
