"""The config keys tunebook's Axolotl plugins add, as name -> type (the snapshot's notation).

Torch-free and import-free, so tunebook's fast unknown-key check (which uses a shipped snapshot
of Axolotl's fields) accepts these keys without importing Axolotl. ``args.py`` declares the
same fields as a pydantic model for Axolotl's own validation; a test keeps the two equal.
"""

from __future__ import annotations

EVAL_HOOKS_PLUGIN = "tunebook_plugins.eval_hooks.EvalHooksPlugin"

PLUGIN_FIELDS: dict[str, str] = {
    "tunebook_run_dir": "str",
    "tunebook_task": "str",
    "tunebook_eval_file": "str",
    "tunebook_eval_samples": "int",
    "tunebook_eval_max_new_tokens": "int",
    "tunebook_eval_max_samples": "int",
    "tunebook_labels": "list[str]",
    "tunebook_output_schema": "str",
    "tunebook_must_include": "list[str]",
    "tunebook_must_not_include": "list[str]",
    "tunebook_wandb_group": "str",
    "tunebook_wandb_tags": "list[str]",
}
