"""The eval-hooks plugin: at each evaluation, answer K held-out prompts and score them.

Axolotl loads ``EvalHooksPlugin`` from the config's ``plugins:`` list, merges
``TunebookEvalArgs`` into its config schema, and asks for callbacks once the trainer exists.
The callback writes one JSON line per evaluation to ``<run_dir>/eval/steps.jsonl`` and, when a
W&B run is active, logs the metrics and a table of prompt / reference / output / score.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from axolotl.integrations.base import BasePlugin
from transformers import TrainerCallback

LOG = logging.getLogger(__name__)


class EvalHooksPlugin(BasePlugin):
    """Generation metrics during training, and the W&B settings Axolotl has no key for."""

    def get_input_args(self) -> str:
        return "tunebook_plugins.args.TunebookEvalArgs"

    def register(self, cfg: dict) -> None:
        """Runs when the config is loaded, before W&B starts: set group and tags."""
        if cfg.get("tunebook_wandb_group"):
            os.environ["WANDB_RUN_GROUP"] = str(cfg["tunebook_wandb_group"])
        if cfg.get("tunebook_wandb_tags"):
            os.environ["WANDB_TAGS"] = ",".join(map(str, cfg["tunebook_wandb_tags"]))

    def add_callbacks_post_trainer(self, cfg: Any, trainer: Any) -> list:
        return [EvalHooksCallback(cfg, trainer.processing_class)]


class EvalHooksCallback(TrainerCallback):
    """Answers held-out prompts at every evaluation (main process only)."""

    def __init__(self, cfg: Any, tokenizer: Any) -> None:
        self.cfg = cfg
        self.tokenizer = tokenizer
        self.run_dir = Path(cfg.get("tunebook_run_dir") or Path(cfg.get("output_dir")).parent)
        self.samples = int(cfg.get("tunebook_eval_samples") or 0)
        self.max_new_tokens = int(cfg.get("tunebook_eval_max_new_tokens") or 128)
        self.task = str(cfg.get("tunebook_task") or "chat")
        self.must_include = _usable_patterns(cfg.get("tunebook_must_include"),
                                             "tunebook_must_include")
        self.must_not_include = _usable_patterns(cfg.get("tunebook_must_not_include"),
                                                 "tunebook_must_not_include")
        self._examples: list | None = None

    # ------------------------------------------------------------ hooks

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            from tunebook.tracking import log_training_context

            log_training_context(self.run_dir)

    def on_evaluate(self, args: Any, state: Any, control: Any, model: Any = None,
                    metrics: dict | None = None, **kwargs: Any) -> None:
        if model is None or self.samples <= 0 or not self._can_generate(args):
            return
        if not state.is_world_process_zero:
            return
        started = time.monotonic()
        row = self.evaluate(model, step=state.global_step, epoch=state.epoch,
                            eval_loss=(metrics or {}).get("eval_loss"))
        row["seconds"] = round(time.monotonic() - started, 3)
        path = self.run_dir / "eval" / "steps.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as fh:
            fh.write(orjson.dumps(row, option=orjson.OPT_SERIALIZE_NUMPY) + b"\n")
        from tunebook.tracking import log_step_table

        log_step_table(row)

    # ------------------------------------------------------------ work

    def evaluate(self, model: Any, *, step: int, epoch: float | None,
                 eval_loss: float | None) -> dict[str, Any]:
        """One steps.jsonl row: the task metrics of K greedy answers, and the samples."""
        from tunebook.evaluate.generate import generate_answers
        from tunebook.evaluate.metrics import sample_score, task_metrics

        examples = self.examples()[: self.samples]
        answers = generate_answers(model, self.tokenizer, examples,
                                   max_new_tokens=self.max_new_tokens,
                                   max_prompt_tokens=int(self.cfg.get("sequence_len") or 2048))
        refs = [ex.reference for ex in examples]
        labels = self.cfg.get("tunebook_labels")
        found = task_metrics(self.task, refs, answers, labels=labels,
                             schema=self._schema(),
                             must_include=self.must_include,
                             must_not_include=self.must_not_include)
        found.pop("confusion_matrix", None)
        return {
            "step": step, "epoch": epoch, "eval_loss": eval_loss, "task": self.task,
            "metrics": found,
            "samples": [{"prompt": ex.prompt_key(), "reference": ex.reference, "output": out,
                         "score": sample_score(self.task, ex.reference, out, labels)}
                        for ex, out in zip(examples, answers, strict=True)],
        }

    def examples(self) -> list:
        """The held-out examples (read once): tunebook_eval_file or the first test dataset."""
        if self._examples is None:
            from tunebook.evaluate.examples import load_examples

            tests = [dict(d) for d in self.cfg.get("test_datasets") or []]
            trains = [dict(d) for d in self.cfg.get("datasets") or []]
            entry = (tests or trains or [{}])[0]
            path = self.cfg.get("tunebook_eval_file") or entry.get("path")
            self._examples = load_examples(Path(path), entry) if path else []
            if not self._examples:
                LOG.warning("tunebook eval hooks: no held-out examples to answer")
        return self._examples

    def _schema(self) -> dict | None:
        path = self.cfg.get("tunebook_output_schema")
        return orjson.loads(Path(path).read_bytes()) if path else None

    @staticmethod
    def _can_generate(args: Any) -> bool:
        """Sharded weights (ZeRO-3, FSDP) need every rank to generate: skip there."""
        sharded = (bool(getattr(args, "fsdp", None))
                   or deepspeed_zero_stage(getattr(args, "deepspeed", None)) == 3)
        return not (sharded and getattr(args, "world_size", 1) > 1)


def deepspeed_zero_stage(deepspeed: Any) -> int | None:
    """The ZeRO stage of a DeepSpeed config given as a dict or a JSON file path (compiled
    configs point at ``<run_dir>/deepspeed.json``); None without DeepSpeed. An unreadable file
    falls back to the name (Axolotl's bundled ``zero3*.json``)."""
    if not deepspeed:
        return None
    config: Any = deepspeed
    if not isinstance(deepspeed, Mapping):
        try:
            config = json.loads(Path(str(deepspeed)).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return 3 if "zero3" in str(deepspeed) else None
    zero = config.get("zero_optimization") if isinstance(config, Mapping) else None
    stage = zero.get("stage") if isinstance(zero, Mapping) else None
    try:
        return int(stage) if stage is not None else 0
    except (TypeError, ValueError):
        return None


def _usable_patterns(patterns: Any, key: str) -> list[str]:
    """The regexes of ``key`` that compile; a bad one is logged and its check skipped, so a
    recipe mistake never stops a paid training run."""
    from tunebook.evaluate.metrics import regex_problems, valid_patterns

    if not patterns:
        return []
    if isinstance(patterns, str):
        patterns = [patterns]
    for index, message in regex_problems(patterns):
        LOG.warning("tunebook eval hooks: %s[%d]: %s; that style check is skipped", key, index,
                    message)
    return valid_patterns(patterns)
