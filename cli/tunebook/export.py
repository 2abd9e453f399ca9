"""`tunebook export`: turn a trained run directory into a shareable model folder.

The folder (``<run_dir>/export/`` or ``--out``) holds the LoRA adapter, or with ``merge`` the
base model with the adapter merged in (peft ``merge_and_unload``, CPU, offline), plus the
tokenizer, a model card (``README.md``) built from the run's records, ``recipe.lock.yaml`` and
``serve.sh`` (a ``vllm serve`` command). ``push_to_hub`` uploads the folder with
huggingface_hub. Torch, transformers and peft are imported only when merging. Secret values
from the environment (:mod:`tunebook.secrets`) are masked in the model card and Hub errors.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import yaml

from tunebook.errors import UserError
from tunebook.runs import MANIFEST, atomic_write
from tunebook.secrets import redact

# Files of Axolotl's output_dir that are training by-products, not part of a model.
_SKIP = {"README.md", "debug.log", "training_args.bin", "trainer_state.json"}
_ADAPTER_SKIP = _SKIP | {"config.json", "generation_config.json"}
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_TRUE = {"1", "true", "yes", "on"}

Log = Callable[[str], None]


def export_run(
    run_dir: Path,
    *,
    merge: bool,
    out: Path | None,
    push_to_hub: str | None,
    log: Log | None = None,
) -> Path:
    """Export ``run_dir`` and return the export folder (never overwrites a non-empty one).

    Raises :class:`UserError` for anything the user can fix: not a run directory, nothing
    trained, an existing folder, a base model missing offline, no Hub token or no network.
    """
    say = log or (lambda _line: None)
    run_dir = Path(run_dir).resolve()
    run = _load_run(run_dir)
    target = Path(out).expanduser().resolve() if out else run_dir / "export"
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UserError("export folder already exists and is not empty", file=target,
                        hint="pass --out with a new folder, or remove the old export")
    token = _hub_token(push_to_hub) if push_to_hub else None
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    try:
        kind = _write_export(run, target, merge=merge, hub_repo=push_to_hub, say=say)
    except BaseException:
        if created:  # leave no half-written folder that a retry would refuse
            shutil.rmtree(target, ignore_errors=True)
        raise
    say(f"exported {kind} model to {target}")
    if push_to_hub and token:
        say(f"uploading to https://huggingface.co/{push_to_hub} ...")
        _push(target, push_to_hub, token)
        say(f"pushed to https://huggingface.co/{push_to_hub}")
    return target


def _write_export(run: dict[str, Any], target: Path, *, merge: bool, hub_repo: str | None,
                  say: Log) -> str:
    """Model files, lockfile, model card and serving hint into target; returns the kind."""
    kind = run["kind"]
    if kind == "adapter" and merge:
        say(f"merging the adapter into {run['base_model']} (CPU) ...")
        _merge(run, target)
        kind = "merged"
    else:
        if merge:
            say("full fine-tune: the output is already a complete model, nothing to merge")
        _copy_model_files(run["output"], target, adapter=kind == "adapter")
    lock = run["run_dir"] / "recipe.lock.yaml"
    if lock.is_file():
        shutil.copyfile(lock, target / lock.name)
    serve = serving_command(run, target, kind=kind, hub_repo=hub_repo)
    atomic_write(target / "README.md", model_card(run, kind=kind, serve=serve))
    atomic_write(target / "serve.sh", f"#!/bin/sh\n# Serve this model with vLLM.\n{serve}\n")
    for path in target.iterdir():  # shareable files, whatever the temp-file mode was
        path.chmod(0o755 if path.name == "serve.sh" else 0o644)
    return kind


# --------------------------------------------------------------------------- the run


def _load_run(run_dir: Path) -> dict[str, Any]:
    """What the export needs from a run directory; UserError when it is not a trained run."""
    if not run_dir.is_dir():
        raise UserError("not a directory", file=run_dir, hint="pass a run directory "
                        "(runs/<recipe>/<stamp>/) printed by `tunebook train`")
    if not (run_dir / "axolotl.yaml").is_file():
        raise UserError("not a run directory (no axolotl.yaml)", file=run_dir,
                        hint="pass a run directory (runs/<recipe>/<stamp>/) printed by "
                        "`tunebook train`")
    config = _read_yaml(run_dir / "axolotl.yaml")
    if not config:
        raise UserError("unreadable axolotl.yaml: not a YAML mapping",
                        file=run_dir / "axolotl.yaml",
                        hint="recompile the recipe with `tunebook compile RECIPE`")
    manifest = _read_json(run_dir / MANIFEST)  # lenient: missing, corrupt or not an object -> {}
    output = run_dir / "output"  # where tunebook puts it, even if the run dir was moved
    if not output.is_dir() and config.get("output_dir"):
        output = run_dir / Path(config["output_dir"]).expanduser()
    if (output / "adapter_model.safetensors").is_file():
        kind = "adapter"
    elif any(output.glob("model*.safetensors")) and (output / "config.json").is_file():
        kind = "full"
    else:
        status = manifest.get("status", "unknown")
        raise UserError(f"no trained model in {output} (run status: {status})", file=run_dir,
                        hint="train it first: `tunebook train RECIPE`")
    adapter_cfg = _read_json(output / "adapter_config.json") if kind == "adapter" else {}
    lock = _read_yaml(run_dir / "recipe.lock.yaml")
    return {
        "run_dir": run_dir, "output": output, "kind": kind, "manifest": manifest,
        "config": config, "lock": lock, "adapter": adapter_cfg,
        "base_model": str(config.get("base_model") or adapter_cfg.get("base_model_name_or_path")
                          or ""),
        "plan": _read_json(run_dir / "plan.json"),
        "lint": _dict(_read_json(run_dir / "lint.json").get("summary")),
        "eval": _read_json(run_dir / "eval" / "results.json"),
        "name": str(manifest.get("recipe_name") or _dict(lock.get("recipe")).get("name")
                    or run_dir.parent.name),
    }


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping, else {} (for fields of hand-edited or damaged files)."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        value = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return value if isinstance(value, dict) else {}


# --------------------------------------------------------------------------- model files


def _copy_model_files(output: Path, target: Path, *, adapter: bool) -> None:
    skip = _ADAPTER_SKIP if adapter else _SKIP
    for path in sorted(output.iterdir()):
        if path.is_file() and path.name not in skip:
            shutil.copyfile(path, target / path.name)


def _merge(run: dict[str, Any], target: Path) -> None:
    """Base model + LoRA adapter -> one plain transformers model (and tokenizer) in target."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    output, base = run["output"], run["base_model"]
    try:
        tokenizer = AutoTokenizer.from_pretrained(output)
        model = AutoModelForCausalLM.from_pretrained(base, dtype="auto", low_cpu_mem_usage=True)
    except OSError as exc:
        raise UserError(f"cannot load the base model {base}: {_one_line(exc)}",
                        hint="it must be a local directory or in the Hugging Face cache; "
                        "download it once with HF_HUB_OFFLINE=0") from None
    if len(tokenizer) > model.get_input_embeddings().num_embeddings:
        model.resize_token_embeddings(len(tokenizer))  # tokens Axolotl added while training
    merged = PeftModel.from_pretrained(model, str(output)).merge_and_unload()
    merged.save_pretrained(target, safe_serialization=True)
    tokenizer.save_pretrained(target)
    template = output / "chat_template.jinja"
    if template.is_file() and not (target / template.name).exists():
        shutil.copyfile(template, target / template.name)


# --------------------------------------------------------------------------- Hugging Face Hub


def _hub_token(repo: str) -> str:
    """Check the push can work before any export work; returns the token."""
    if not _REPO_ID.match(repo):
        raise UserError(f"--push-to-hub: {repo!r} is not a Hub repo id",
                        hint="use OWNER/NAME, e.g. acme/support-tone-lora")
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUE:
        raise UserError("--push-to-hub: cannot upload while offline (HF_HUB_OFFLINE is set)",
                        hint="run `HF_HUB_OFFLINE=0 tunebook export ...` on a machine with "
                        "network access")
    token = os.environ.get("HF_TOKEN", "").strip()
    if not token:
        raise UserError("--push-to-hub: HF_TOKEN is not set",
                        hint="create a write token at https://huggingface.co/settings/tokens "
                        "and export HF_TOKEN")
    return token


def _push(folder: Path, repo: str, token: str) -> None:
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    try:
        api.create_repo(repo, repo_type="model", private=True, exist_ok=True)
        api.upload_folder(repo_id=repo, folder_path=str(folder), repo_type="model",
                          commit_message="Upload model exported by tunebook")
    except Exception as exc:  # network, auth, quota: all one line for the user
        message = redact(_one_line(exc).replace(token, "***"))
        hint = f"the export is kept; retry with `hf upload {repo} {folder}`"
        raise UserError(f"--push-to-hub: upload to {repo} failed: {message}",
                        hint=hint) from None


# --------------------------------------------------------------------------- serving, card


def serving_command(run: dict[str, Any], target: Path, *, kind: str,
                    hub_repo: str | None = None) -> str:
    """A ``vllm serve`` command for the exported folder (or its Hub repo)."""
    where = hub_repo or str(target)
    name = run["name"]
    if kind != "adapter":
        return f"vllm serve {shlex.quote(where)} --served-model-name {shlex.quote(name)}"
    rank = int(run["adapter"].get("r") or 16)
    extra = f" --max-lora-rank {rank}" if rank > 16 else ""  # vLLM's default limit is 16
    return (f"vllm serve {shlex.quote(run['base_model'])} --enable-lora "
            f"--lora-modules {shlex.quote(f'{name}={where}')}{extra}")


def model_card(run: dict[str, Any], *, kind: str, serve: str) -> str:
    """README.md: Hub metadata in YAML front matter, then what was trained on what, and how."""
    front = {"library_name": "peft" if kind == "adapter" else "transformers",
             "pipeline_tag": "text-generation"}
    base = run["base_model"]
    if _is_hub_id(base):  # a local base directory is no Hub reference
        front["base_model"] = base
    task = _resolved(run).get("task")
    method = run["plan"].get("method") or run["config"].get("adapter") or "full"
    front["tags"] = [t for t in ("tunebook", "axolotl", task, str(method),
                                 "lora" if kind != "full" else None) if t]
    front["tags"] = list(dict.fromkeys(front["tags"]))
    parts = ["---", yaml.safe_dump(front, sort_keys=False).strip(), "---", "",
             *_card_intro(run, kind), *_card_training(run), *_card_presets(run),
             *_card_data(run), *_card_eval(run), *_card_plan(run),
             "## Serving", "", "```bash", serve, "```", ""]
    return redact("\n".join(parts))  # no secret environment value in a shareable card


def _card_intro(run: dict[str, Any], kind: str) -> list[str]:
    resolved = _resolved(run)
    what = {"adapter": "LoRA adapter", "merged": "base model with the LoRA adapter merged in",
            "full": "fully fine-tuned model"}[kind]
    lines = [f"# {run['name']}", ""]
    if resolved.get("description"):
        lines += [str(resolved["description"]), ""]
    lines += [f"A {what}, fine-tuned with tunebook (on top of Axolotl) from the recipe "
              f"`{run['name']}`. Base model: `{run['base_model']}`.", ""]
    return lines


def _card_training(run: dict[str, Any]) -> list[str]:
    manifest = run["manifest"]
    metrics = _dict(manifest.get("metrics"))
    rows = [("status", manifest.get("status")), ("reason", manifest.get("reason")),
            ("steps", metrics.get("steps")),
            ("final train loss", _num(metrics.get("train_loss")) or None),
            ("final eval loss", _num(metrics.get("eval_loss")) or None),
            ("finished", manifest.get("finished_at"))]
    versions = _dict(manifest.get("versions")) or _dict(run["lock"].get("versions"))
    rows += [(name, version) for name, version in versions.items()]
    return ["## Training", "", *_table(("", "value"), [r for r in rows if r[1] is not None]), ""]


def _card_presets(run: dict[str, Any]) -> list[str]:
    lock = run["lock"]
    rows = [(f"{p.get('kind')}/{p.get('name')}", p.get("namespace"), p.get("version"),
             f"`{p.get('sha256')}`") for p in _list(lock.get("presets")) if isinstance(p, dict)]
    files = [(f.get("path"), f"`{f.get('sha256')}`")
             for f in _list(_dict(lock.get("recipe")).get("files")) if isinstance(f, dict)]
    lines = ["## Recipe and presets", ""]
    if files:
        lines += [*_table(("recipe file", "sha256"), files), ""]
    if rows:
        lines += [*_table(("preset", "namespace", "version", "sha256"), rows), ""]
    resolved = _resolved(run)
    if resolved:
        lines += ["<details><summary>Resolved recipe</summary>", "", "```yaml",
                  yaml.safe_dump(redact(resolved), sort_keys=False, allow_unicode=True).strip(),
                  "```",
                  "", "</details>", ""]
    return lines if len(lines) > 2 else []


def _card_data(run: dict[str, Any]) -> list[str]:
    rows = [(d.get("role"), f"`{d.get('path')}`", f"`{d.get('sha256')}`",
             _size(d.get("bytes"))) for d in _list(run["lock"].get("datasets"))
            if isinstance(d, dict)]
    lint = run["lint"]
    lines = ["## Data", ""]
    if rows:
        lines += [*_table(("role", "file", "sha256", "size"), rows), ""]
    if lint:
        lines += [f"Dataset lint: {lint.get('examples', '?')} examples, "
                  f"{lint.get('errors', 0)} errors, {lint.get('warnings', 0)} warnings, "
                  f"{lint.get('infos', 0)} infos."]
        rules = _dict(lint.get("rules"))
        if rules:
            lines += ["Findings by rule: " + ", ".join(f"{k} x{v}" for k, v in rules.items())
                      + "."]
        if run["manifest"].get("lint_skipped"):
            lines += ["Training went ahead despite lint errors (`--skip-lint`)."]
        lines += [""]
    return lines if len(lines) > 2 else []


def _card_eval(run: dict[str, Any]) -> list[str]:
    results = run["eval"]
    base, tuned = _dict(results.get("base")), _dict(results.get("tuned"))
    names = [k for k in tuned if isinstance(tuned[k], int | float)
             and not isinstance(tuned[k], bool)]
    if not names:
        return []
    delta = _dict(results.get("delta"))
    rows = [(n, _num(base.get(n)), _num(tuned.get(n)), _num(delta.get(n))) for n in names]
    lines = ["## Evaluation", "",
             f"Held-out examples: {results.get('samples', '?')} ({results.get('task', '')}).",
             "", *_table(("metric", "base", "tuned", "delta"), rows), ""]
    gate = _dict(results.get("gate"))
    if gate.get("checks"):
        lines += [f"Quality gate: {'passed' if gate.get('passed') else 'FAILED'}.", ""]
    return lines


def _card_plan(run: dict[str, Any]) -> list[str]:
    plan = run["plan"]
    if not plan:
        return []
    keys = ("method", "gpus", "micro_batch_size", "gradient_accumulation_steps",
            "gradient_checkpointing", "zero_stage", "offload", "sequence_len", "peak_gib",
            "tokens", "hours", "usd")
    lines = ["## Plan", "", *_table(("", "planned"), [(k, plan[k]) for k in keys if k in plan])]
    assumptions = _list(plan.get("assumptions"))
    if assumptions:
        lines += ["", "Assumptions: " + "; ".join(map(str, assumptions)) + "."]
    return [*lines, ""]


def _resolved(run: dict[str, Any]) -> dict[str, Any]:
    """The lockfile's resolved recipe, or {}."""
    return _dict(_dict(run["lock"].get("recipe")).get("resolved"))


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[str]:
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    return ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header),
            *("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)]


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def _size(value: Any) -> str:
    if not isinstance(value, int):
        return ""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return ""


def _is_hub_id(name: str) -> bool:
    return bool(_REPO_ID.match(name)) and not Path(name).expanduser().exists()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
