"""Graceful interruption inside the training process.

On SIGTERM (a spot instance being preempted, `kill`) or SIGINT (Ctrl-C, forwarded by
`tunebook train`), finish the current optimizer step, save a full checkpoint (weights,
optimizer, scheduler, RNG, step) and stop; write ``<run_dir>/interrupted.json`` so tunebook
marks the run interrupted. `tunebook train --resume RUN_DIR` continues from that checkpoint.

Axolotl's own SIGINT handler saves only the weights and exits 0, which cannot be resumed;
this plugin replaces it once training has begun.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

from axolotl.integrations.base import BasePlugin
from transformers import TrainerCallback

INTERRUPTED = "interrupted.json"


class GracefulStopCallback(TrainerCallback):
    """Turns SIGTERM/SIGINT into save-checkpoint-and-stop at the next step boundary."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.signal_name: str | None = None

    def _handler(self, signum: int, _frame: Any) -> None:
        self.signal_name = signal.Signals(signum).name

    def on_train_begin(self, args, state, control, **kwargs):
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handler)
        return control

    def on_step_end(self, args, state, control, **kwargs):
        if self.signal_name is None:
            return control
        control.should_save = True
        control.should_training_stop = True
        record = {"signal": self.signal_name, "step": state.global_step,
                  "max_steps": state.max_steps, "at": time.time()}
        (self.run_dir / INTERRUPTED).write_text(json.dumps(record), encoding="utf-8")
        return control


class RunControlPlugin(BasePlugin):
    """Registers GracefulStopCallback (no config fields; the run directory is the parent
    of Axolotl's output_dir)."""

    def add_callbacks_post_trainer(self, cfg, trainer):
        return [GracefulStopCallback(Path(cfg.output_dir).resolve().parent)]
