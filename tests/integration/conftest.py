"""Integration tests run real Axolotl on CPU, offline; they are skipped without the train extra."""

from __future__ import annotations

import importlib.util
import os

import pytest

for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "AXOLOTL_DO_NOT_TRACK": "1",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "WANDB_MODE": "offline",
}.items():
    os.environ.setdefault(_key, _value)

HAVE_AXOLOTL = importlib.util.find_spec("axolotl") is not None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if HAVE_AXOLOTL:
        return
    skip = pytest.mark.skip(reason="needs the train extra: pip install -e '.[train]'")
    for item in items:
        if item.get_closest_marker("integration"):
            item.add_marker(skip)
