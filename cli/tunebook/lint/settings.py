"""What the linter needs to know about one dataset check. The contract between the
recipe/preset side (which fills it from a recipe) and the lint engine (which consumes it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATASET_FORMATS = ("chat", "sharegpt", "alpaca", "completion", "input_output")


@dataclass
class LintSettings:
    """Inputs of one lint run. Every field but ``files`` has a sensible default."""

    files: list[Path]
    """Training data files (JSONL, JSON array, Parquet, CSV)."""
    eval_files: list[Path] = field(default_factory=list)
    """Held-out/eval files, checked for leakage against ``files``."""
    format: str | None = None
    """One of DATASET_FORMATS, or None to auto-detect per file."""
    field_map: dict[str, str] = field(default_factory=dict)
    """Renames from the format's field names to the file's, e.g. {"messages": "conversation"}."""
    task: str | None = None
    """tone, classification, extraction, chat, summarization, completion (None: generic
    checks only)."""
    sequence_len: int | None = None
    """Axolotl's sequence_len; too-long checks are skipped when None."""
    excess_length_strategy: str = "drop"
    """What Axolotl does with a too-long sample: drop, truncate (Axolotl's default is drop)."""
    model_dir: Path | None = None
    """A local model directory with tokenizer.json (+ tokenizer_config.json with chat_template).
    None: token counts are a clearly labelled estimate."""
    chat_template: str | None = None
    """Jinja chat template source overriding the one in model_dir."""
    supports_system_role: bool = True
    """False for templates that reject a system turn (Gemma)."""
    train_on_inputs: bool = False
    """Whether user/system turns are trained on (Axolotl's default: assistant turns only)."""
    labels: list[str] | None = None
    """Allowed labels for classification tasks."""
    json_schema: dict[str, Any] | None = None
    """JSON Schema the assistant output must match, for extraction tasks."""
    select: list[str] = field(default_factory=list)
    """Rule codes or prefixes to enable (empty: the defaults)."""
    ignore: list[str] = field(default_factory=list)
    """Rule codes or prefixes to disable."""
    thresholds: dict[str, Any] = field(default_factory=dict)
    """Per-rule thresholds by name, e.g. {"near-duplicate": {"jaccard": 0.85}}."""
    model: str | None = None
    """The model as the user named it (--model or the recipe's model), for messages."""
    source: str | None = None
    """Where the settings came from (a recipe path), for messages."""
