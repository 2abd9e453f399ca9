"""The recipe format: one JSON Schema, the single source of truth for validation,
editor completion (``docs/recipe.schema.json``) and the reference page (``docs/recipes.md``)."""

from __future__ import annotations

from typing import Any

TASKS = ("tone", "classification", "extraction", "chat", "summarization", "completion")
METHODS = ("auto", "lora", "qlora", "full")
DATASET_FORMATS = ("chat", "sharegpt", "alpaca", "completion", "input_output")
OPTIMIZERS = ("adamw", "adamw8bit", "paged_adamw8bit")

_STR_OR_LIST = {
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]
}

RECIPE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://tunebook.dev/schema/recipe.json",
    "title": "tunebook recipe",
    "description": "A short description of one fine-tuning job; presets fill in the rest.",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {
            "type": "string",
            "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$",
            "description": "Recipe name, used for run directories. Default: the file name.",
        },
        "description": {"type": "string", "description": "One line saying what this tunes."},
        "extends": {
            "type": "string",
            "description": "A recipe this one builds on (name or relative path); "
            "mappings merge, lists and scalars replace, `+key` appends to a list.",
        },
        "task": {
            "enum": list(TASKS),
            "description": "What the model should learn; picks the task preset "
            "(dataset type, epochs, learning rate, sequence length, metrics, lint rules).",
        },
        "model": {
            "type": "string",
            "description": "Base model: a model preset name (`tunebook presets list models`), "
            "the Hugging Face id of one, or a local model directory.",
        },
        "model_size": {
            "type": "string",
            "pattern": "^[0-9]+(\\.[0-9]+)?[bBmM]$",
            "description": "Instead of `model`: a size such as `7b` or `360m`; the task's default "
            "model family picks the closest preset.",
        },
        "hardware": {
            "type": "object",
            "additionalProperties": False,
            "description": "Where it trains; the planner fits the job into this budget.",
            "properties": {
                "gpu": {
                    "type": "string",
                    "description": "GPU name from the catalog (`tunebook presets list hardware`), "
                    "or `cpu`.",
                },
                "gpus": {"type": "integer", "minimum": 1, "description": "GPUs per machine."},
                "vram_gb": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "description": "VRAM budget per GPU in GB (default: the GPU's full memory).",
                },
                "machines": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Machines for multi-node training (default 1).",
                },
            },
        },
        "method": {
            "enum": list(METHODS),
            "description": "auto (planner picks full, LoRA or QLoRA by budget), lora, qlora, full.",
        },
        "lora": {
            "type": "object",
            "additionalProperties": False,
            "description": "Adapter settings for lora/qlora (defaults from the method preset).",
            "properties": {
                "r": {"type": "integer", "minimum": 1, "description": "Rank: capacity and memory."},
                "alpha": {"type": "number", "exclusiveMinimum": 0, "description": "Scaling."},
                "dropout": {"type": "number", "minimum": 0, "maximum": 1,
                            "description": "Dropout on the adapter input."},
                "target_modules": {
                    "anyOf": [
                        {"type": "array", "items": {"type": "string"}, "minItems": 1},
                        {"const": "all-linear"},
                    ],
                    "description": "Modules to adapt (default: the model preset's list).",
                },
            },
        },
        "dataset": {
            "type": "object",
            "additionalProperties": False,
            "required": ["path"],
            "description": "Training data; paths are relative to the recipe file.",
            "properties": {
                "path": {**_STR_OR_LIST, "description": "JSONL/JSON/Parquet/CSV file(s)."},
                "format": {
                    "enum": list(DATASET_FORMATS),
                    "description": "chat (messages with role/content), sharegpt "
                    "(conversations with from/value), alpaca, completion (text), input_output "
                    "(segments). Default: the task's.",
                },
                "eval_path": {
                    **_STR_OR_LIST,
                    "description": "Held-out file(s) for evaluation; otherwise `eval.holdout`.",
                },
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "Field renames, e.g. `{messages: conversation, role: speaker}`.",
                },
            },
        },
        "labels": {
            "anyOf": [
                {"type": "array", "items": {"type": "string"}, "minItems": 2},
                {"type": "string"},
            ],
            "description": "classification: the allowed labels, or a JSON file holding them.",
        },
        "output_schema": {
            "anyOf": [{"type": "string"}, {"type": "object"}],
            "description": "extraction: JSON Schema (file or inline) the answers must match.",
        },
        "eval": {
            "type": "object",
            "additionalProperties": False,
            "description": "Held-out evaluation.",
            "properties": {
                "holdout": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 0.5,
                    "description": "Fraction held out when there is no eval_path (default 0.1).",
                },
                "max_samples": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Cap on held-out examples `tunebook eval` generates for.",
                },
                "samples_per_eval": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Held-out prompts generated at each evaluation during "
                    "training (default 8).",
                },
                "max_new_tokens": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Generation length cap for evaluation (default 128).",
                },
                "must_include": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Style checks: regexes every answer should match.",
                },
                "must_not_include": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Style checks: regexes no answer should match.",
                },
                "require": {
                    "type": "object",
                    "additionalProperties": {"type": "number"},
                    "description": "Gate: metric -> minimum value for the tuned model.",
                },
                "min_improvement": {
                    "type": "number",
                    "description": "Gate: minimum improvement of the task metric over the base.",
                },
                "judge": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["url", "model"],
                    "description": "Optional LLM judge: an OpenAI-compatible endpoint scores "
                    "base and tuned answers 1-10 (`judge_score`). Off unless set.",
                    "properties": {
                        "url": {"type": "string", "description": "Base URL, e.g. "
                                "http://localhost:8000/v1 (POST {url}/chat/completions)."},
                        "model": {"type": "string", "description": "Model name sent."},
                        "api_key_env": {"type": "string", "description": "Environment "
                                        "variable holding the key (never written anywhere)."},
                        "rubric": {"type": "string", "description": "What a good answer is."},
                        "max_samples": {"type": "integer", "minimum": 1,
                                        "description": "Cap on judged examples."},
                    },
                },
            },
        },
        "training": {
            "type": "object",
            "additionalProperties": False,
            "description": "Optional knobs; each defaults to the task preset or the planner.",
            "properties": {
                "epochs": {"type": "number", "exclusiveMinimum": 0,
                           "description": "Passes over the training data (task default)."},
                "learning_rate": {"type": "number", "exclusiveMinimum": 0,
                                  "description": "Peak learning rate (task default; a tenth "
                                  "of it for full fine-tuning)."},
                "sequence_len": {"type": "integer", "minimum": 32,
                                 "description": "Tokens per sample; longer samples are "
                                 "dropped by Axolotl (default: the data's p99 once linted, "
                                 "else the task's)."},
                "micro_batch_size": {"type": "integer", "minimum": 1,
                                     "description": "Samples per GPU per step (default: the "
                                     "largest the planner fits)."},
                "effective_batch": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Target examples per optimizer step (all GPUs together).",
                },
                "gradient_checkpointing": {"type": "boolean",
                                           "description": "Recompute activations to save "
                                           "memory (default: only when needed)."},
                "optimizer": {"enum": list(OPTIMIZERS),
                              "description": "adamw (fp32 states), adamw8bit, paged_adamw8bit."},
                "max_steps": {"type": "integer", "minimum": 1,
                              "description": "Stop after this many optimizer steps."},
                "warmup_ratio": {"type": "number", "minimum": 0, "maximum": 1,
                                 "description": "Fraction of steps warming up the rate."},
                "lr_scheduler": {"type": "string",
                                 "description": "Axolotl scheduler name (default cosine)."},
                "sample_packing": {"type": "boolean",
                                   "description": "Pack short samples into full sequences "
                                   "(default on)."},
                "seed": {"type": "integer", "description": "Random seed."},
            },
        },
        "tracking": {
            "anyOf": [
                {"const": "off"},
                {"type": "boolean"},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "project": {"type": "string", "description": "W&B project."},
                        "entity": {"type": "string", "description": "W&B team or user."},
                        "group": {"type": "string", "description": "Groups related runs."},
                        "tags": {"type": "array", "items": {"type": "string"},
                                 "description": "Tags on the W&B run."},
                    },
                },
            ],
            "description": "Weights & Biases: a mapping, `true` (project = recipe name) or "
            "`off`. Offline into the run directory without WANDB_API_KEY.",
        },
        "lint": {
            "type": "object",
            "additionalProperties": False,
            "description": "Dataset lint settings (`tunebook lint explain CODE`).",
            "properties": {
                "select": {"type": "array", "items": {"type": "string"},
                           "description": "Rule codes, prefixes, names or categories to run."},
                "ignore": {"type": "array", "items": {"type": "string"},
                           "description": "Rule codes, prefixes, names or categories to skip."},
                "thresholds": {"type": "object",
                               "description": "Per-rule knobs, e.g. `{near-duplicate: "
                               "{jaccard: 0.9}}` (docs/lint-rules.md)."},
                "fail_on": {"enum": ["error", "warning"],
                            "description": "Severity that stops `tunebook train` (default "
                            "error)."},
            },
        },
        "budget": {
            "type": "object",
            "additionalProperties": False,
            "description": "Stop training gracefully (checkpoint and adapter saved) past a "
            "budget; dollars use the plan's GPU price.",
            "properties": {
                "max_hours": {"type": "number", "exclusiveMinimum": 0,
                              "description": "Hours of training before a graceful stop."},
                "max_usd": {"type": "number", "exclusiveMinimum": 0,
                            "description": "Dollars (hours x GPU price x GPUs) before a "
                            "graceful stop."},
            },
        },
        "on_finish": {
            "type": "object",
            "additionalProperties": False,
            "description": "What to do when training ends, after artifacts are saved "
            "(stop the rented GPU).",
            "properties": {
                "stop_pod": {
                    "type": "boolean",
                    "description": "Stop this RunPod pod (needs RUNPOD_POD_ID and "
                    "RUNPOD_API_KEY).",
                },
                "command": {
                    "type": "string",
                    "minLength": 1,
                    "description": "Shell command run in the run directory, with "
                    "TUNEBOOK_RUN_DIR and TUNEBOOK_RUN_STATUS set; output goes to on_finish.log.",
                },
                "when": {
                    "enum": ["always", "success", "failure"],
                    "description": "always (default), success (succeeded or budget-stopped), "
                    "or failure (failed or interrupted).",
                },
            },
        },
        "overrides": {
            "type": "object",
            "description": "Raw Axolotl keys, applied last (checked against Axolotl's fields).",
        },
    },
}
