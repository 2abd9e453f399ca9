"""ACME's preset pack for tunebook."""

from pathlib import Path


def presets_dir() -> Path:
    """The folder holding models/, hardware/, methods/ ... (tunebook's entry point)."""
    return Path(__file__).resolve().parent / "presets"
