"""Choose method, micro batch, checkpointing and ZeRO so training fits the memory budget."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
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
    """Nothing fits the memory budget; the message lists the cheapest options that do.

    ``details`` is the JSON shape printed by ``plan --json`` / ``estimate --json``:
    ``fits: false``, the request (model, gpu, gpus, method, sequence_len, budget_gib),
    ``why`` and ``alternatives`` (each with ``description`` and ``peak_gib``).
    """

    def __init__(self, message: str, *, details: dict[str, Any] | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        """``{"fits": false, ...request, "why", "alternatives", "error"}``."""
        return {"fits": False, **self.details, "error": self.format_message()}


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
    max_steps: int | None = None  # caps tokens at max_steps × tokens per optimizer step
    model_source: Any = None  # PresetDoc or config.json path: where errors point
    hardware_source: Any = None  # PresetDoc of the hardware preset: where errors point


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


@dataclass
class _Search:
    """What one method's search found: the fit, or the smallest tries and why they failed."""

    found: _Try | None
    smallest: _Try | None  # smallest peak among options within host RAM
    smallest_any: _Try  # smallest peak among all options (host RAM aside)
    host_blocked: _Try | None  # first option that fit the GPU but not host RAM
    failed: list[str]  # sharding options tried before the one found (or all), with why
    host_gib: float


def _sharding_label(zero: int, offload: str) -> str:
    if not zero and offload == "none":
        return "no ZeRO"
    return f"ZeRO-{zero}" + (f" offload {offload}" if offload != "none" else "")


def _first_fit(
    arch: ModelArch, req: PlanRequest, method: str, gpus: int, budget: float
) -> _Search:
    """The first configuration within budget (GPU memory and host RAM), and the smallest
    ones tried."""
    host = hw.host_ram_gib(req.hardware, gpus)
    smallest: _Try | None = None
    smallest_any: _Try | None = None
    host_blocked: _Try | None = None
    per_option: dict[tuple[int, str], list[_Try]] = {}
    for t in _candidates(arch, req, method, gpus):
        per_option.setdefault((t.zero, t.offload), []).append(t)
        if smallest_any is None or t.est.peak_gib < smallest_any.est.peak_gib:
            smallest_any = t
        if t.est.host_gib > host:  # offload would need more CPU RAM than the node has
            if host_blocked is None and t.est.peak_gib <= budget:
                host_blocked = t
            continue
        if smallest is None or t.est.peak_gib < smallest.est.peak_gib:
            smallest = t
        if t.est.peak_gib <= budget:
            failed = _failed_options(per_option, (t.zero, t.offload), host)
            return _Search(t, smallest, smallest_any, host_blocked, failed, host)
    assert smallest_any is not None
    return _Search(
        None, smallest, smallest_any, host_blocked, _failed_options(per_option, None, host), host
    )


def _failed_options(
    per_option: dict[tuple[int, str], list[_Try]], chosen: tuple[int, str] | None, host: float
) -> list[str]:
    """One phrase per sharding option that did not fit: its smallest peak, or host RAM."""
    out: list[str] = []
    for (zero, offload), tries in per_option.items():
        if (zero, offload) == chosen:
            continue
        ok = [t for t in tries if t.est.host_gib <= host]
        label = _sharding_label(zero, offload)
        if ok:
            out.append(f"{label} ({min(t.est.peak_gib for t in ok):.1f} GiB at its smallest)")
        else:
            need = min(t.est.host_gib for t in tries)
            out.append(f"{label} (needs {need:.0f} GiB host RAM > {host:.0f} GiB)")
    return out


def _describe(t: _Try) -> str:
    parts = [t.method, f"micro batch {t.micro}", "checkpointing" if t.ckpt else "no checkpointing"]
    if t.zero:
        parts.append(f"ZeRO-{t.zero}" + (f" offload {t.offload}" if t.offload != "none" else ""))
    return ", ".join(parts)


# -- public -----------------------------------------------------------------------------------
def plan_training(req: PlanRequest) -> Plan:
    """Plan one run; raises NoFit (exit 2) with the three cheapest options that fit."""
    arch = ModelArch.from_preset(req.model, source=req.model_source)
    hw.check_hardware(req.hardware, req.hardware_source)
    if req.method not in ("auto", *METHODS):
        raise UserError(
            f"unknown method '{req.method}'", field="method", hint="use auto, full, lora or qlora"
        )
    if req.gpus < 1:
        raise UserError(f"gpus must be at least 1, got {req.gpus}", field="gpus")
    if req.max_steps is not None and req.max_steps < 1:
        raise UserError(f"max_steps must be at least 1, got {req.max_steps}", field="max_steps")
    if hw.is_cpu(req.hardware):
        return _plan_cpu(arch, req)
    budget = hw.budget_gib(req.hardware, req.vram_gb)
    methods = METHODS if req.method == "auto" else (req.method,)
    why: list[str] = []
    for method in methods:
        search = _first_fit(arch, req, method, req.gpus, budget)
        if search.found is not None:
            t = search.found
            if search.failed:
                why.append(
                    f"{method}: tried {', '.join(search.failed)}: none fit the "
                    f"{budget:.1f} GiB budget; settled on {_sharding_label(t.zero, t.offload)}"
                )
            return _finish(arch, req, t, budget, why)
        why += _why_not(method, search, budget)
        if method == "full" and req.method == "auto":
            why.append("auto never offloads to CPU (slow); pin method full to allow it")
    alternatives = _alternatives(arch, req, budget)
    hint = (
        "options that fit: " + "; ".join(a["description"] for a in alternatives)
        if alternatives
        else "nothing fits: not a smaller model, QLoRA, a shorter sequence, more GPUs or "
        "another GPU from the catalog"
    )
    raise NoFit(
        f"{req.model.get('name', 'model')} does not fit {_budget_words(req, budget)}: "
        + "; ".join(why),
        field="plan",
        hint=hint,
        details={
            "model": req.model.get("name"),
            "gpu": (req.hardware or {}).get("name"),
            "gpus": req.gpus,
            "method": req.method,
            "sequence_len": req.sequence_len,
            "budget_gib": round(budget, 2),
            "vram_gb": req.vram_gb,
            "why": why,
            "alternatives": alternatives,
        },
    )


def _why_not(method: str, s: _Search, budget: float) -> list[str]:
    """Why ``method`` does not fit: the smallest option tried, and host RAM where it decided."""
    if s.smallest is None:  # every option offloads more than the host RAM holds
        t = s.smallest_any
        side = "within" if t.est.peak_gib <= budget else "over"
        return [
            f"{method} does not fit: every option needs more host RAM than the "
            f"{s.host_gib:.0f} GiB available for DeepSpeed offload; the smallest "
            f"({_describe(t)}) needs {t.est.peak_gib:.1f} GiB per GPU ({side} the "
            f"{budget:.1f} GiB budget) and {t.est.host_gib:.0f} GiB host RAM"
        ]
    t = s.smallest
    out = [
        f"{method} does not fit: {t.est.peak_gib:.1f} GiB at its smallest "
        f"({_describe(t)}) > {budget:.1f} GiB budget"
    ]
    if s.host_blocked is not None:
        b = s.host_blocked
        out.append(
            f"{_describe(b)} would fit the GPU ({b.est.peak_gib:.1f} GiB) but needs "
            f"{b.est.host_gib:.0f} GiB host RAM > {s.host_gib:.0f} GiB"
        )
    return out


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
        max_steps=req.max_steps,
        tokens_per_step=t.micro * accum * req.gpus * req.sequence_len,
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


def _fit_methods(
    arch: ModelArch, req: PlanRequest, methods: tuple[str, ...], budget: float
) -> _Try | None:
    """The first of ``methods`` that fits ``req`` (as plan_training would choose)."""
    for method in methods:
        found = _first_fit(arch, req, method, req.gpus, budget).found
        if found is not None:
            return found
    return None


def _alternatives(
    arch: ModelArch, req: PlanRequest, budget: float, limit: int | None = 3
) -> list[dict[str, Any]]:
    """The three cheapest options that fit, ranked by $/hour × GPUs, then peak: a smaller model
    of the same family, QLoRA, a shorter sequence, more of the same GPU (ZeRO), or another
    GPU from the catalog. Never the same GPU and count with the method that just failed."""
    from tunebook.presets import list_presets, load_preset

    methods = METHODS if req.method == "auto" else (req.method,)
    base = replace(req, zero_stage=None, offload=None)  # alternatives choose their own ZeRO
    gpu = (req.hardware or {}).get("name") or f"{req.vram_gb:g} GB GPU"
    options: list[dict[str, Any]] = []

    def add(kind: str, what: str, alt: PlanRequest, t: _Try, gpu_name: str, model: str) -> None:
        price = hw.price_per_hour(alt.hardware) if alt.hardware is not None else None
        cost = round(price * alt.gpus, 2) if price is not None else None
        sharding = f" with {_sharding_label(t.zero, t.offload)}" if t.zero else ""
        text = f"{what}{t.method} on {alt.gpus}× {gpu_name}{sharding} ({t.est.peak_gib:.1f} GiB/GPU"
        text += f", ${cost:.2f}/h)" if cost is not None else ")"
        options.append(
            {
                "kind": kind,
                "description": text,
                "model": model,
                "method": t.method,
                "gpu": gpu_name,
                "gpus": alt.gpus,
                "sequence_len": alt.sequence_len,
                "zero_stage": t.zero,
                "offload": t.offload,
                "micro_batch_size": t.micro,
                "gradient_checkpointing": t.ckpt,
                "peak_gib": t.est.peak_gib,
                "usd_per_hour": cost,
            }
        )

    name = str(req.model.get("name", "model"))
    # a smaller model of the same family: the next size down that fits
    family = req.model.get("family")
    if family:
        smaller: list[tuple[int, dict[str, Any]]] = []
        for other in list_presets("models"):
            try:
                preset = load_preset("models", other)
                if preset.get("family") != family or other == name:
                    continue
                size = ModelArch.from_preset(preset).total_params
            except UserError:
                continue  # a broken preset is reported when it is planned, not here
            if size < arch.total_params:
                smaller.append((size, preset))
        for _, preset in sorted(smaller, key=lambda p: -p[0]):
            alt = replace(base, model=preset, model_source=None)
            found = _fit_methods(ModelArch.from_preset(preset), alt, methods, budget)
            if found is not None:
                add("smaller_model", f"smaller model {preset['name']}: ", alt, found, gpu,
                    str(preset["name"]))
                break
    # QLoRA on the same hardware (auto has tried it already)
    if req.method not in ("auto", "qlora"):
        found = _fit_methods(arch, base, ("qlora",), budget)
        if found is not None:
            add("qlora", "QLoRA: ", base, found, gpu, name)
    # a shorter sequence: halve until it fits (at least 256)
    seq = req.sequence_len
    while seq > 256:
        seq = max(256, seq // 2)
        alt = replace(base, sequence_len=seq)
        found = _fit_methods(arch, alt, methods, budget)
        if found is not None:
            add("shorter_sequence", f"sequence_len {seq}: ", alt, found, gpu, name)
            break
    # more of the same GPU, sharded with ZeRO
    for gpus in (2, 4, 8):
        if gpus <= req.gpus:
            continue
        alt = replace(base, gpus=gpus)
        found = _fit_methods(arch, alt, methods, budget)
        if found is not None:
            add("more_gpus", "more GPUs: ", alt, found, gpu, name)
            break
    # other GPUs from the catalog (the cheapest count that fits each)
    current = (req.hardware or {}).get("name")
    tried = METHODS if req.method == "auto" else tuple(dict.fromkeys((req.method, "lora", "qlora")))
    for other in list_presets("hardware"):
        if other == current:
            continue  # covered above: more GPUs, QLoRA
        try:
            preset = load_preset("hardware", other)
            hw.check_hardware(preset)
        except UserError:
            continue
        if hw.is_cpu(preset) or preset.get("price_usd_per_hour") is None:
            continue
        other_budget = hw.budget_gib(preset, None)
        for gpus in (1, 2, 4, 8):
            alt = replace(base, hardware=preset, hardware_source=None, gpus=gpus, vram_gb=None)
            found = _fit_methods(arch, alt, tried, other_budget)
            if found is not None:
                add("other_gpu", "", alt, found, other, name)
                break
    options.sort(key=lambda o: (o["usd_per_hour"] or 0.0, o["peak_gib"]))
    return options[:limit]
