"""Config fields of the cost-guard plugin (``tunebook_plugins.cost_guard.CostGuardPlugin``).

``COST_GUARD_FIELDS`` names them for tunebook's fast unknown-key check (name -> type in the
snapshot's notation); ``CostGuardArgs`` is the pydantic model Axolotl merges into its config
schema when the plugin is listed under ``plugins:``. Neither imports torch or Axolotl; a test
keeps the two equal.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

COST_GUARD_PLUGIN = "tunebook_plugins.cost_guard.CostGuardPlugin"

COST_GUARD_FIELDS: dict[str, str] = {
    "tunebook_budget_max_hours": "float",
    "tunebook_budget_max_usd": "float",
    "tunebook_price_usd_per_hour": "float",
    "tunebook_run_dir": "str",
}


class CostGuardArgs(BaseModel):
    """Stop training gracefully (checkpoint and adapter saved) when the budget is spent."""

    tunebook_budget_max_hours: float | None = Field(
        default=None, gt=0, description="Stop after this many hours of training (wall time "
        "since the trainer began).")
    tunebook_budget_max_usd: float | None = Field(
        default=None, gt=0, description="Stop when hours x tunebook_price_usd_per_hour reaches "
        "this many dollars.")
    tunebook_price_usd_per_hour: float | None = Field(
        default=None, ge=0, description="What the whole job costs per hour (GPU price x GPUs "
        "x machines, from the plan).")
    tunebook_run_dir: str | None = Field(
        default=None, description="The run directory; budget_stop.json is written into it "
        "(default: the parent of output_dir).")
