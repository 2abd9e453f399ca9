"""Graceful interruption inside the training process.

On SIGTERM (a spot instance being preempted, `kill`) or SIGINT (Ctrl-C, forwarded by
`tunebook train`), finish the current optimizer step, save a full checkpoint (weights,
optimizer, scheduler, RNG, step) and stop; write ``<run_dir>/interrupted.json`` so tunebook
marks the run interrupted. `tunebook train --resume RUN_DIR` continues from that checkpoint.

Axolotl's own SIGINT handler saves only the weights and exits 0, which cannot be resumed;
this plugin replaces it once training has begun.

With several processes the ranks may receive the signal at different steps, so the decision is
shared after every step (one tiny all-reduce, as in the cost guard): when any rank has been
signalled, all of them save and stop at the same step.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

from axolotl.integrations.base import BasePlugin
from transformers import TrainerCallback

from tunebook_plugins.cost_guard import any_rank

INTERRUPTED = "interrupted.json"


class GracefulStopCallback(TrainerCallback):
    """Turns SIGTERM/SIGINT into save-checkpoint-and-stop at the next step boundary."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.signal_name: str | None = None
        self.stopped = False

    def _handler(self, signum: int, _frame: Any) -> None:
        self.signal_name = signal.Signals(signum).name

    def on_train_begin(self, args, state, control, **kwargs):
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handler)
        return control

    def on_step_end(self, args, state, control, **kwargs):
        if self.stopped:
            return control
        # Every rank takes part in the all-reduce at every step, signalled or not.
        if not any_rank(self.signal_name is not None, args):
            return control
        self.stopped = True
        control.should_save = True
        control.should_training_stop = True
        # One writer per machine (the run dir may be node-local), plus the signalled rank;
        # atomic writes, so concurrent writers on a shared disk leave one whole record.
        if getattr(state, "is_local_process_zero", True) or self.signal_name is not None:
            from tunebook.runs import write_json

            write_json(self.run_dir / INTERRUPTED, {
                "signal": self.signal_name or "another process was signalled",
                "step": state.global_step, "max_steps": state.max_steps, "at": time.time()})
        return control


class RunControlPlugin(BasePlugin):
    """Registers GracefulStopCallback (no config fields; the run directory is the parent
    of Axolotl's output_dir)."""

    def add_callbacks_post_trainer(self, cfg, trainer):
        return [GracefulStopCallback(Path(cfg.output_dir).resolve().parent)]
