"""Held-out evaluation: a deterministic split, task metrics, base vs tuned, a report.

Nothing here imports torch at module import; generation and loss (``generate.py``) import it
inside their functions. ``run_eval`` is the entry point used by ``tunebook eval`` and
``tunebook train``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["run_eval", "split_rows", "write_split"]


def __getattr__(name: str) -> Any:  # lazy: `import tunebook.evaluate` stays cheap
    if name == "run_eval":
        from tunebook.evaluate.runner import run_eval

        return run_eval
    if name in ("split_rows", "write_split"):
        from tunebook.evaluate import split

        return getattr(split, name)
    raise AttributeError(name)
