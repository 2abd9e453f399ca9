"""Texts for training the embedded tiny model's tokenizer: every string in the dataset files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from tunebook.tinymodel import ensure_tiny_model

TINY_PARAM_KEYS = {
    "num_hidden_layers": "layers",
    "hidden_size": "hidden",
    "num_attention_heads": "heads",
    "num_key_value_heads": "kv_heads",
    "intermediate_size": "intermediate",
    "vocab_size": "vocab_size",
    "max_position_embeddings": "max_position",
}


def cache_root() -> Path:
    """Where built artifacts are cached: $TUNEBOOK_CACHE or ~/.cache/tunebook."""
    return Path(os.environ.get("TUNEBOOK_CACHE", Path.home() / ".cache" / "tunebook"))


def dataset_texts(files: list[Path]) -> Iterator[str]:
    """Every string value in JSON/JSONL files, in file order (unparsable lines skipped)."""
    for path in files:
        raw = path.read_bytes()
        if path.suffix == ".json":
            try:
                yield from _strings(orjson.loads(raw))
            except orjson.JSONDecodeError:
                continue
            continue
        for line in raw.splitlines():
            if not line.strip():
                continue
            try:
                yield from _strings(orjson.loads(line))
            except orjson.JSONDecodeError:
                continue


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def tiny_model_for(architecture: dict[str, Any], files: list[Path], seed: int = 0) -> Path:
    """Build (or reuse from the cache) the tiny model for these dataset files."""
    params = {ours: int(architecture[theirs]) for theirs, ours in TINY_PARAM_KEYS.items()
              if theirs in architecture}
    return ensure_tiny_model(cache_root() / "tiny-models", dataset_texts(files), seed=seed,
                             **params)
