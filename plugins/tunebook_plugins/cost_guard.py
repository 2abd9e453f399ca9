"""The cost-guard plugin: stop training gracefully when the time or dollar budget is spent.

A trainer callback measures wall time since training began after every optimizer step. Once
``tunebook_budget_max_hours`` or ``tunebook_budget_max_usd`` (hours x
``tunebook_price_usd_per_hour``) is exceeded it asks the trainer to save a checkpoint and stop;
Axolotl then saves the adapter as after a normal finish. The reason goes to
``<run_dir>/budget_stop.json`` ({reason, elapsed_hours, usd, step, ...}), which
``tunebook train`` turns into manifest status "stopped". With several processes the decision
is shared (max over ranks), so every rank stops at the same step.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from axolotl.integrations.base import BasePlugin
from transformers import TrainerCallback

LOG = logging.getLogger(__name__)
STOP_FILE = "budget_stop.json"


class CostGuardPlugin(BasePlugin):
    """Adds :class:`CostGuardCallback` when the config sets a budget."""

    def get_input_args(self) -> str:
        return "tunebook_plugins.cost_guard_args.CostGuardArgs"

    def add_callbacks_post_trainer(self, cfg: Any, trainer: Any) -> list:
        max_hours = cfg.get("tunebook_budget_max_hours")
        max_usd = cfg.get("tunebook_budget_max_usd")
        if max_hours is None and max_usd is None:
            return []
        price = cfg.get("tunebook_price_usd_per_hour")
        if max_usd is not None and not price:
            LOG.warning("tunebook cost guard: tunebook_budget_max_usd is set but the price per "
                        "hour is unknown, so only the hours budget is enforced")
        run_dir = Path(cfg.get("tunebook_run_dir") or Path(cfg.get("output_dir")).parent)
        return [CostGuardCallback(max_hours=max_hours, max_usd=max_usd, price=price,
                                  run_dir=run_dir)]


def over_budget(elapsed_hours: float, *, max_hours: float | None, max_usd: float | None,
                price: float | None) -> str | None:
    """Why the budget is exceeded after ``elapsed_hours`` (None while it is not)."""
    if max_hours is not None and elapsed_hours >= max_hours:
        return f"time budget of {max_hours:g} h reached ({elapsed_hours:.4g} h)"
    if max_usd is not None and price:
        usd = elapsed_hours * price
        if usd >= max_usd:
            return (f"cost budget of ${max_usd:g} reached (${usd:.4g} = {elapsed_hours:.4g} h "
                    f"x ${price:g}/h)")
    return None


class CostGuardCallback(TrainerCallback):
    """Checks the budget after each optimizer step; saves and stops once it is spent."""

    def __init__(self, *, max_hours: float | None, max_usd: float | None,
                 price: float | None, run_dir: Path) -> None:
        self.max_hours = float(max_hours) if max_hours is not None else None
        self.max_usd = float(max_usd) if max_usd is not None else None
        self.price = float(price) if price else None
        self.run_dir = Path(run_dir)
        self.started: float | None = None
        self.stopped = False

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.started = time.monotonic()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if self.started is None or self.stopped:
            return control
        hours = (time.monotonic() - self.started) / 3600
        reason = over_budget(hours, max_hours=self.max_hours, max_usd=self.max_usd,
                             price=self.price)
        if not any_rank(reason is not None, args):
            return control
        self.stopped = True
        control.should_save = True
        control.should_training_stop = True
        reason = reason or "another process reached the budget"
        if state.is_world_process_zero:
            self._write_stop(reason, hours, state)
        LOG.warning("tunebook cost guard: %s at step %s; saving and stopping", reason,
                    state.global_step)
        return control

    def _write_stop(self, reason: str, hours: float, state: Any) -> None:
        from tunebook.runs import write_json

        usd = round(hours * self.price, 6) if self.price is not None else None
        write_json(self.run_dir / STOP_FILE, {
            "reason": reason, "elapsed_hours": round(hours, 6), "usd": usd,
            "step": state.global_step, "max_steps": state.max_steps,
            "max_hours": self.max_hours, "max_usd": self.max_usd,
            "price_usd_per_hour": self.price})


def any_rank(flag: bool, args: Any) -> bool:
    """True when ``flag`` holds on any process (one tiny all-reduce when distributed; the
    flag itself in a single process). Every rank must call it at the same point."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() < 2:
        return flag
    import torch

    tensor = torch.tensor([1 if flag else 0], dtype=torch.int32, device=args.device)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return bool(tensor.item())


_any_rank = any_rank  # the earlier private name
