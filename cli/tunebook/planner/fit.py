"""Choose method, micro batch, checkpointing and ZeRO so training fits the memory budget."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from tunebook.errors import UserError
from tunebook.planner import hardware as hw
from tunebook.planner.arch import ModelArch
from tunebook.planner.memory import MemoryEstimate, estimate_memory
from tunebook.planner.speed import estimate_speed

METHODS = ("full", "lora", "qlora")
OPTIMIZERS = {
    "adamw": "adamw_torch",
    "adamw8bit": "adamw_bnb_8bit",
    "paged_adamw8bit": "paged_adamw_8bit",
}
DEEPSPEED_PRESETS = {
    (1, "none"): "zero1",
    (2, "none"): "zero2",
    (3, "none"): "zero3",
    (2, "optimizer"): "zero2_offload_optimizer",
    (3, "optimizer"): "zero3_offload_optimizer",
    (3, "all"): "zero3_offload_all",
}
MAX_MICRO_BATCH = 64


class NoFit(UserError):
    """Nothing fits the memory budget; the message lists the cheapest options that do."""


@dataclass
class PlanRequest:
    """What the planner is asked: model, hardware, and what the recipe pins."""

    model: dict
    hardware: dict | None
    gpus: int = 1
    vram_gb: float | None = None
    method: str = "auto"
    sequence_len: int = 2048
    lora_r: int = 16
    target_modules: list[str] | None = None
    effective_batch: int = 16
    micro_batch_size: int | None = None
    gradient_checkpointing: bool | None = None
    optimizer: str | None = None
    dataset_tokens: int | None = None
    epochs: float = 1.0
    zero_stage: int | None = None  # pinned ZeRO stage (estimate --zero)
    offload: str | None = None  # pinned offload (estimate --offload)


@dataclass
class Plan:
    """The decision and its predicted cost."""

    method: str
    micro_batch_size: int
    gradient_accumulation_steps: int
    gradient_checkpointing: bool
    zero_stage: int
    offload: str
    optimizer: str
    sequence_len: int
    peak_gib: float
    budget_gib: float
    breakdown_gib: dict[str, float]
    fits: bool
    tokens: int | None
    hours: float | None
    usd: float | None
    gpus: int = 1
    lora_r: int | None = None
    trainable_params: int = 0
    why: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    deepspeed_preset: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape (docs/planner.md; DESIGN.md `plan --json`)."""
        return asdict(self)

    def axolotl_keys(self) -> dict[str, Any]:
        """Axolotl keys this plan sets (the compiler adds ``deepspeed`` from the preset)."""
        keys: dict[str, Any] = {}
        if self.method in ("lora", "qlora"):
            keys["adapter"] = self.method
            keys["lora_r"] = self.lora_r
        if self.method == "qlora":
            keys["load_in_4bit"] = True
        keys.update(
            micro_batch_size=self.micro_batch_size,
            gradient_accumulation_steps=self.gradient_accumulation_steps,
            gradient_checkpointing=self.gradient_checkpointing,
            sequence_len=self.sequence_len,
            sample_packing=True,
            optimizer=OPTIMIZERS[self.optimizer],
        )
        return keys


@dataclass
class _Try:
    method: str
    micro: int
    ckpt: bool
    zero: int
    offload: str
    optimizer: str
    est: MemoryEstimate


# -- search -----------------------------------------------------------------------------------
def _default_optimizer(method: str, pinned: str | None) -> str:
    if pinned is not None:
        if pinned not in OPTIMIZERS:
            raise UserError(
                f"unknown optimizer '{pinned}'",
                field="optimizer",
                hint=f"use one of {', '.join(OPTIMIZERS)}",
            )
        return pinned
    return "paged_adamw8bit" if method == "qlora" else "adamw"


def _sharding_options(method: str, gpus: int, req: PlanRequest) -> list[tuple[int, str]]:
    """(ZeRO stage, offload) choices in order of preference (cheapest communication first)."""
    if req.zero_stage is not None or req.offload is not None:
        stage = req.zero_stage or 0
        offload = req.offload or "none"
        if offload != "none" and stage < 2:
            stage = 3 if offload == "all" else 2
        return [(stage, offload)]
    if method == "qlora":
        return [(0, "none")]
    if method == "lora":
        return [(0, "none"), (3, "none")] if gpus > 1 else [(0, "none")]
    options = [(0, "none")] if gpus == 1 else [(0, "none"), (1, "none"), (2, "none"), (3, "none")]
    if req.method == "full":  # CPU offload is slow and needs host RAM: only when pinned
        options += (
            [(2, "optimizer"), (3, "all")]
            if gpus == 1
            else [(2, "optimizer"), (3, "optimizer"), (3, "all")]
        )
    return options


def _micro_batches(req: PlanRequest) -> list[int]:
    if req.micro_batch_size is not None:
        return [req.micro_batch_size]
    top = min(max(req.effective_batch, 1), MAX_MICRO_BATCH)
    return [2**k for k in range(int(math.log2(top)), -1, -1)]


def _estimate(
    arch: ModelArch,
    req: PlanRequest,
    method: str,
    micro: int,
    ckpt: bool,
    zero: int,
    offload: str,
    optimizer: str,
    gpus: int,
    device: str = "gpu",
) -> MemoryEstimate:
    return estimate_memory(
        arch,
        method=method,
        micro_batch_size=micro,
        sequence_len=req.sequence_len,
        lora_r=req.lora_r,
        target_modules=req.target_modules,
        gradient_checkpointing=ckpt,
        optimizer=optimizer,
        zero_stage=zero,
        offload=offload,
        gpus=gpus,
        device=device,
    )


def _candidates(arch: ModelArch, req: PlanRequest, method: str, gpus: int) -> Iterator[_Try]:
    """Every configuration for ``method``, most preferred first."""
    optimizer = _default_optimizer(method, req.optimizer)
    ckpts = (
        [req.gradient_checkpointing] if req.gradient_checkpointing is not None else [False, True]
    )
    for zero, offload in _sharding_options(method, gpus, req):
        for ckpt in ckpts:
            for micro in _micro_batches(req):
                est = _estimate(arch, req, method, micro, ckpt, zero, offload, optimizer, gpus)
                yield _Try(method, micro, ckpt, zero, offload, optimizer, est)


def _first_fit(
    arch: ModelArch, req: PlanRequest, method: str, gpus: int, budget: float
) -> tuple[_Try | None, _Try]:
    """The first configuration within budget, and the smallest one tried."""
    smallest: _Try | None = None
    host = hw.host_ram_gib(req.hardware, gpus)
    for t in _candidates(arch, req, method, gpus):
        if t.est.host_gib > host:
            continue  # offload would need more CPU RAM than the node has
        if smallest is None or t.est.peak_gib < smallest.est.peak_gib:
            smallest = t
        if t.est.peak_gib <= budget:
            return t, smallest
    if smallest is None:  # every option needed offload beyond host RAM
        t = next(_candidates(arch, req, method, gpus))
        return None, t
    assert smallest is not None
    return None, smallest


def _describe(t: _Try) -> str:
    parts = [t.method, f"micro batch {t.micro}", "checkpointing" if t.ckpt else "no checkpointing"]
    if t.zero:
        parts.append(f"ZeRO-{t.zero}" + (f" offload {t.offload}" if t.offload != "none" else ""))
    return ", ".join(parts)


# -- public -----------------------------------------------------------------------------------
def plan_training(req: PlanRequest) -> Plan:
    """Plan one run; raises NoFit (exit 2) with the three cheapest options that fit."""
    arch = ModelArch.from_preset(req.model)
    if req.method not in ("auto", *METHODS):
        raise UserError(
            f"unknown method '{req.method}'", field="method", hint="use auto, full, lora or qlora"
        )
    if req.gpus < 1:
        raise UserError(f"gpus must be at least 1, got {req.gpus}", field="gpus")
    if hw.is_cpu(req.hardware):
        return _plan_cpu(arch, req)
    budget = hw.budget_gib(req.hardware, req.vram_gb)
    methods = METHODS if req.method == "auto" else (req.method,)
    why: list[str] = []
    for method in methods:
        found, smallest = _first_fit(arch, req, method, req.gpus, budget)
        if found is not None:
            return _finish(arch, req, found, budget, why)
        why.append(
            f"{method} does not fit: {smallest.est.peak_gib:.1f} GiB at its smallest "
            f"({_describe(smallest)}) > {budget:.1f} GiB budget"
        )
        if method == "full" and req.method == "auto":
            why.append("auto never offloads to CPU (slow); pin method full to allow it")
    raise NoFit(
        f"{req.model.get('name', 'model')} does not fit {_budget_words(req, budget)}: "
        + "; ".join(why),
        field="plan",
        hint=_alternatives_hint(arch, req),
    )


def _budget_words(req: PlanRequest, budget: float) -> str:
    name = (req.hardware or {}).get("name", "the GPU")
    return f"{req.gpus}× {name} ({budget:.1f} GiB usable per GPU)"


def _finish(arch: ModelArch, req: PlanRequest, t: _Try, budget: float, why: list[str]) -> Plan:
    accum = math.ceil(req.effective_batch / (t.micro * req.gpus))
    speed = estimate_speed(
        arch,
        req.hardware,
        method=t.method,
        seq_len=req.sequence_len,
        checkpointing=t.ckpt,
        gpus=req.gpus,
        dataset_tokens=req.dataset_tokens,
        epochs=req.epochs,
        trainable=t.est.trainable_params,
    )
    if req.method == "auto" and t.method != "full":
        why = [*why, f"chose {t.method}: the first method that fits"]
    if t.ckpt and req.gradient_checkpointing is None:
        why.append("gradient checkpointing on: no micro batch fits without it")
    assumptions = [
        "per-GPU peak = weights + gradients + optimizer + activations + logits + overhead "
        "(docs/planner.md)",
        "sample packing fills every sequence to sequence_len; flash/sdpa attention",
        "10% of device memory kept free",
        *(
            [f"DeepSpeed offload needs ~{t.est.host_gib:.0f} GiB host RAM"]
            if t.est.host_gib
            else []
        ),
        *t.est.notes,
        *speed.assumptions,
    ]
    return Plan(
        method=t.method,
        micro_batch_size=t.micro,
        gradient_accumulation_steps=accum,
        gradient_checkpointing=t.ckpt,
        zero_stage=t.zero,
        offload=t.offload,
        optimizer=t.optimizer,
        sequence_len=req.sequence_len,
        peak_gib=t.est.peak_gib,
        budget_gib=round(budget, 2),
        breakdown_gib=t.est.breakdown_gib,
        fits=True,
        tokens=speed.tokens,
        hours=speed.hours,
        usd=speed.usd,
        gpus=req.gpus,
        lora_r=req.lora_r if t.method != "full" else None,
        trainable_params=t.est.trainable_params,
        why=why,
        assumptions=assumptions,
        deepspeed_preset=DEEPSPEED_PRESETS.get((t.zero, t.offload)),
    )


def _plan_cpu(arch: ModelArch, req: PlanRequest) -> Plan:
    """CPU demo runs: LoRA by default, micro batch pinned or 1, no checkpointing or ZeRO."""
    method = "lora" if req.method == "auto" else req.method
    micro = req.micro_batch_size or 1
    ckpt = bool(req.gradient_checkpointing)
    optimizer = _default_optimizer("lora", req.optimizer)
    est = _estimate(arch, req, method, micro, ckpt, 0, "none", optimizer, 1, device="cpu")
    t = _Try(method, micro, ckpt, 0, "none", optimizer, est)
    budget = float(req.vram_gb or (req.hardware or {}).get("vram_gb") or 0)
    plan = _finish(arch, PlanRequest(**{**req.__dict__, "gpus": 1}), t, budget, [])
    plan.why = ["CPU: LoRA, fp32, no DeepSpeed; memory is host RAM"]
    return plan


def _alternatives_hint(arch: ModelArch, req: PlanRequest) -> str:
    """The three cheapest (per hour) options from the catalog that fit."""
    from tunebook.presets import list_presets, load_preset

    options: list[tuple[float, str]] = []
    for name in list_presets("hardware"):
        preset = load_preset("hardware", name)
        if hw.is_cpu(preset) or preset.get("price_usd_per_hour") is None:
            continue
        budget = hw.budget_gib(preset, None)
        for gpus in (1, 2, 4, 8):
            alt = PlanRequest(**{**req.__dict__, "hardware": preset, "gpus": gpus, "vram_gb": None})
            for method in METHODS if req.method == "auto" else (req.method, "lora", "qlora"):
                found, _ = _first_fit(arch, alt, method, gpus, budget)
                if found is not None:
                    cost = float(preset["price_usd_per_hour"]) * gpus
                    options.append(
                        (
                            cost,
                            f"{method} on {gpus}× {name} "
                            f"({found.est.peak_gib:.1f} GiB/GPU, ${cost:.2f}/h)",
                        )
                    )
                    break
            else:
                continue
            break
    options.sort()
    seen: list[str] = []
    for _, text in options:
        if text not in seen:
            seen.append(text)
    if not seen:
        return "nothing in the hardware catalog fits; use a smaller model or shorter sequences"
    return "options that fit: " + "; ".join(seen[:3])
