"""VRAM-budget planner: pure Python, never imports torch (``tunebook plan`` answers fast).

Public API: ``PlanRequest``, ``Plan``, ``plan_training``, ``NoFit``, ``ModelArch``,
``estimate_memory``, ``MemoryEstimate``, ``estimate_speed``.
"""

from tunebook.planner.arch import ModelArch
from tunebook.planner.fit import NoFit, Plan, PlanRequest, plan_training
from tunebook.planner.memory import MemoryEstimate, estimate_memory
from tunebook.planner.speed import estimate_speed

__all__ = [
    "MemoryEstimate",
    "ModelArch",
    "NoFit",
    "Plan",
    "PlanRequest",
    "estimate_memory",
    "estimate_speed",
    "plan_training",
]
