"""Hardware presets as the planner needs them: memory budget, throughput, price."""

from __future__ import annotations

from typing import Any

from tunebook.errors import UserError

HEADROOM = 0.10  # keep 10% of device memory free (fragmentation, spikes, other processes)


def is_cpu(hardware: dict[str, Any] | None) -> bool:
    """True for the ``kind: cpu`` preset."""
    return bool(hardware) and hardware.get("kind") == "cpu"


def budget_gib(hardware: dict[str, Any] | None, vram_gb: float | None) -> float:
    """Per-device memory the plan may use: the budget minus the 10% headroom."""
    total = vram_gb if vram_gb is not None else (hardware or {}).get("vram_gb")
    if total is None:
        raise UserError(
            "unknown GPU memory",
            field="hardware",
            hint="pass --gpu NAME (see `tunebook presets list hardware`) or --vram-gb X",
        )
    if float(total) <= 0:
        raise UserError(f"GPU memory must be positive, got {total}", field="vram_gb")
    return float(total) * (1 - HEADROOM)


def mfu(hardware: dict[str, Any] | None, method: str) -> float:
    """Assumed model-FLOPs utilisation for ``method`` (preset ``mfu``; 0.3 when unknown)."""
    table = (hardware or {}).get("mfu") or {}
    return float(table.get(method, 0.3))


def peak_tflops(hardware: dict[str, Any] | None) -> float | None:
    """Dense bf16 peak in TFLOPS (effective fp32 for CPUs); None when unknown."""
    value = (hardware or {}).get("bf16_tflops")
    return float(value) if value else None


def price_per_hour(hardware: dict[str, Any] | None) -> float | None:
    """USD per device-hour from the catalog; None when unknown."""
    value = (hardware or {}).get("price_usd_per_hour")
    return float(value) if value is not None else None


def host_ram_gib(hardware: dict[str, Any] | None, gpus: int) -> float:
    """Host RAM for DeepSpeed offload: preset ``host_ram_gb`` per GPU, else the common cloud
    sizing of twice the GPU memory (at least 64 GB) per GPU."""
    hardware = hardware or {}
    per_gpu = hardware.get("host_ram_gb") or max(64.0, 2 * float(hardware.get("vram_gb") or 0))
    return float(per_gpu) * max(gpus, 1)
