"""Config fields of the eval-hooks plugin, merged by Axolotl into its config schema.

Axolotl's ``merge_input_args`` adds this model as a base class of its config model when the
plugin is listed under ``plugins:``, so these keys are validated with the rest of the config.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class TunebookEvalArgs(BaseModel):
    """tunebook's evaluation hooks (``tunebook_plugins.eval_hooks.EvalHooksPlugin``)."""

    tunebook_run_dir: str | None = Field(
        default=None, description="The run directory; eval/steps.jsonl is written into it "
        "(default: the parent of output_dir).")
    tunebook_task: str | None = Field(
        default=None, description="classification, extraction, tone, chat, summarization or "
        "completion: picks the metrics.")
    tunebook_eval_file: str | None = Field(
        default=None, description="Held-out JSONL to sample prompts from (default: the first "
        "test_datasets entry).")
    tunebook_eval_samples: int = Field(
        default=8, ge=0, description="Held-out prompts answered at each evaluation (0 = off).")
    tunebook_eval_max_new_tokens: int = Field(
        default=128, ge=1, description="Longest generated answer, in tokens (greedy).")
    tunebook_eval_max_samples: int | None = Field(
        default=None, ge=1, description="`tunebook eval`: cap on held-out examples scored.")
    tunebook_labels: list[str] | None = Field(
        default=None, description="classification: the allowed labels.")
    tunebook_output_schema: str | None = Field(
        default=None, description="extraction: absolute path of the JSON Schema of answers.")
    tunebook_must_include: list[str] | None = Field(
        default=None, description="Style checks: regexes every answer should match.")
    tunebook_must_not_include: list[str] | None = Field(
        default=None, description="Style checks: regexes no answer should match.")
    tunebook_wandb_group: str | None = Field(
        default=None, description="W&B run group (Axolotl 0.19 has no wandb_group key).")
    tunebook_wandb_tags: list[str] | None = Field(
        default=None, description="W&B run tags (Axolotl 0.19 has no wandb_tags key).")
