"""Hardware presets as the planner needs them: memory budget, throughput, price."""

from __future__ import annotations

from typing import Any

from tunebook.errors import UserError
from tunebook.planner.arch import _is_number, locate

HEADROOM = 0.10  # keep 10% of device memory free (fragmentation, spikes, other processes)


# Preset keys the planner reads as numbers: (key, smallest allowed, whether the bound is open).
_NUMBERS = (
    ("vram_gb", 0.0, True),
    ("bf16_tflops", 0.0, True),
    ("host_ram_gb", 0.0, True),
    ("price_usd_per_hour", 0.0, False),
)


def check_hardware(hardware: dict[str, Any] | None, source: Any = None) -> None:
    """Raise a UserError (file, line, field, hint) for a hardware preset number the planner
    cannot use: memory, throughput and host RAM must be positive numbers, the price a
    non-negative number, each ``mfu`` a fraction in (0, 1]. ``source``: the PresetDoc, or
    None to look the preset up by name for the location."""
    if not hardware:
        return

    def fail(path: tuple[str, ...], message: str, hint: str) -> None:
        file, line = locate("hardware", hardware, source, path)
        raise UserError(message, file=file, line=line, field=".".join(path), hint=hint)

    for key, low, open_bound in _NUMBERS:
        value = hardware.get(key)
        if value is None:
            continue
        if not _is_number(value) or value < low or (open_bound and value == low):
            kind = "a positive" if open_bound else "a non-negative"
            fail((key,), f"must be {kind} number, got {value!r}",
                 f"write a plain number, e.g. `{key}: {_EXAMPLES[key]}`")
    table = hardware.get("mfu")
    if table is None:
        return
    if not isinstance(table, dict):
        fail(("mfu",), f"must be a mapping of method to fraction, got {table!r}",
             "e.g. `mfu: {full: 0.35, lora: 0.3, qlora: 0.22}`")
    for method, value in table.items():
        if not _is_number(value) or not 0 < value <= 1:
            fail(("mfu", str(method)), f"must be a fraction in (0, 1], got {value!r}",
                 "the share of peak TFLOPS training reaches, e.g. 0.3")


_EXAMPLES = {"vram_gb": 24, "bf16_tflops": 165, "host_ram_gb": 128, "price_usd_per_hour": 0.45}


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
