"""`tunebook lint`: check a dataset (or a recipe's datasets) before spending GPU time."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tunebook.errors import UserError

FORMATS = ("text", "json", "junit", "markdown")


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@click.command("lint")
@click.argument("targets", nargs=-1, metavar="RECIPE|FILE...")
@click.option("--model", "model", help="Model preset name, local model dir, or HF config.json.")
@click.option("--seq-len", type=click.IntRange(min=1), help="sequence_len to check against.")
@click.option("--format", "output", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding is at or above this severity.",
)
@click.option(
    "--eval",
    "eval_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Eval/held-out file, checked for leakage against the training data.",
)
@click.option(
    "--select", multiple=True, help="Rule codes, prefixes, names or categories to enable."
)
@click.option(
    "--ignore", multiple=True, help="Rule codes, prefixes, names or categories to disable."
)
@click.option(
    "--dataset-format",
    type=click.Choice(["chat", "sharegpt", "alpaca", "completion", "input_output"]),
    help="Skip auto-detection.",
)
@click.option("--task", help="tone, classification, extraction, ... (enables task rules).")
@click.option("--labels", help="Comma-separated allowed labels (classification).")
@click.option(
    "--excess-length-strategy",
    type=click.Choice(["drop", "truncate", "raise"]),
    default=None,
    help="What Axolotl does with too-long examples (default drop).",
)
@click.option("--explain", "explain", metavar="CODE", help="Print one rule's documentation.")
def lint(
    targets: tuple[str, ...],
    model: str | None,
    seq_len: int | None,
    output: str,
    fail_on: str,
    eval_files: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    dataset_format: str | None,
    task: str | None,
    labels: str | None,
    excess_length_strategy: str | None,
    explain: str | None,
) -> None:
    """Lint a dataset before training: schema, roles, duplicates, leakage, lengths, PII...

    \b
    Examples:
      $ tunebook lint data/train.jsonl --model qwen2.5-7b --seq-len 4096
      $ tunebook lint support-tone --format json > lint.json
      $ tunebook lint train.jsonl --eval eval.jsonl --ignore TB6 --fail-on warning
      $ tunebook lint explain TB411
    """
    if explain or (targets and targets[0] == "explain"):
        code = explain or (targets[1] if len(targets) > 1 else None)
        if not code:
            raise click.UsageError("which rule? e.g. `tunebook lint explain TB301`")
        click.echo(explain_rule(code))
        return
    if not targets:
        raise click.UsageError("give a recipe or one or more data files")
    settings = build_settings(
        targets,
        model=model,
        seq_len=seq_len,
        eval_files=eval_files,
        select=_split(select),
        ignore=_split(ignore),
        dataset_format=dataset_format,
        task=task,
        labels=_split((labels,)) if labels else None,
        excess_length_strategy=excess_length_strategy,
    )
    from tunebook.lint import lint_dataset
    from tunebook.lint import render as r

    report = lint_dataset(settings, progress=output == "text" and sys.stderr.isatty())
    from tunebook.planning import remember_token_stats

    remember_token_stats(list(settings.files), report.to_dict())  # `tunebook plan` sizes from it
    if output == "json":
        click.echo(r.render_json(report))
    elif output == "junit":
        click.echo(r.render_junit(report), nl=False)
    elif output == "markdown":
        click.echo(r.render_markdown(report), nl=False)
    else:
        r.render_text(report)
    raise SystemExit(report.exit_code(fail_on))


def explain_rule(code: str) -> str:
    """One rule's documentation as Markdown (UserError with did-you-mean when unknown)."""
    from tunebook.lint import get_rule
    from tunebook.lint.docs import rule_markdown

    return rule_markdown(get_rule(code))


def is_data_file(target: str) -> bool:
    from tunebook.lint.readers import DATA_SUFFIXES

    return Path(target).suffix.lower() in DATA_SUFFIXES


def build_settings(
    targets: tuple[str, ...],
    *,
    model: str | None = None,
    seq_len: int | None = None,
    eval_files: tuple[str, ...] = (),
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    dataset_format: str | None = None,
    task: str | None = None,
    labels: list[str] | None = None,
    excess_length_strategy: str | None = None,
):
    """LintSettings from data files and options, or from a recipe (command-line wins)."""
    from tunebook.lint.registry import check_selectors
    from tunebook.lint.settings import LintSettings

    # Selectors from flags are checked here, so that an unknown one names the flag, not the
    # recipe (the recipe's own lint.select/lint.ignore are checked by the engine).
    select = check_selectors(select or [], "--select")
    ignore = check_selectors(ignore or [], "--ignore")
    for target in targets:
        if Path(target).is_dir():
            raise _directory_error(target)
    data = [t for t in targets if is_data_file(t)]
    if data:
        if len(data) != len(targets):
            other = next(t for t in targets if not is_data_file(t))
            raise UserError(
                f"'{other}' is not a data file (.jsonl/.json/.parquet/.csv)",
                hint="lint one recipe, or data files only",
            )
        missing = [t for t in data if not Path(t).is_file()]
        if missing:
            raise UserError("data file not found", file=missing[0])
        settings = LintSettings(files=[Path(t) for t in data])
    else:
        if len(targets) > 1:
            raise UserError("give one recipe (or data files)", hint=f"got {len(targets)} targets")
        try:
            from tunebook.resolve import lint_settings_for_recipe
        except ImportError:
            raise UserError(
                f"'{targets[0]}' is not a data file, and recipe linting is not "
                "available in this build",
                hint="pass the .jsonl file instead",
            ) from None
        settings = lint_settings_for_recipe(targets[0])
    settings.eval_files = [*settings.eval_files, *(Path(e) for e in eval_files)]
    for path in settings.eval_files:
        if not Path(path).is_file():
            raise UserError("eval file not found", file=path)
    if seq_len is not None:
        settings.sequence_len = seq_len
    if select:
        settings.select = select
    if ignore:
        settings.ignore = [*settings.ignore, *ignore]
    if dataset_format:
        settings.format = dataset_format
    if task:
        settings.task = task
    if labels:
        settings.labels = labels
    if excess_length_strategy:
        settings.excess_length_strategy = excess_length_strategy
    if model:
        apply_model(settings, model)
    return settings


def _directory_error(target: str) -> UserError:
    """`tunebook lint DIR`: say it is a directory and which files to pass instead."""
    from tunebook.lint.readers import DATA_SUFFIXES

    try:
        found = sorted(
            p.name
            for p in Path(target).iterdir()
            if p.is_file() and p.suffix.lower() in DATA_SUFFIXES
        )
    except OSError:
        found = []
    base = target.rstrip("/") or "/"
    if found:
        shown = " ".join(str(Path(base) / n) for n in found[:3])
        more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
        hint = f"pass the data files in it, e.g. `tunebook lint {shown}`{more}, or a recipe"
    else:
        hint = "pass data files (.jsonl/.json/.parquet/.csv) or a recipe file, not a directory"
    return UserError(f"'{target}' is a directory", hint=hint)


def apply_model(settings, model: str) -> None:
    """Point ``settings`` at the tokenizer of ``model``: a local model directory, an HF
    config.json (architecture only: estimate), or a model preset (its tokenizer from the local
    HF cache if present; else the estimate, with a note saying so)."""
    from tunebook.lint.tokenizer import hf_cache_snapshot

    settings.model = model
    path = Path(model).expanduser()
    if path.is_dir():
        settings.model_dir = path
        return
    if path.is_file():
        if path.suffix != ".json":
            raise UserError(
                "--model must be a preset name, a model directory or a config.json", file=path
            )
        sibling = path.parent
        settings.model_dir = sibling if (sibling / "tokenizer.json").is_file() else None
        return
    from tunebook.presets import load_preset

    preset = load_preset("models", model)
    if "supports_system_role" in preset:
        settings.supports_system_role = bool(preset["supports_system_role"])
    template = preset.get("chat_template")
    if isinstance(template, str) and "{%" in template and settings.chat_template is None:
        settings.chat_template = template
    hf_id = preset.get("hf_id")
    snapshot = hf_cache_snapshot(hf_id) if hf_id else None
    settings.model_dir = snapshot
