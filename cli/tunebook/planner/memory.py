"""Per-GPU training memory, one named function per term. Pure Python (no torch).

Units: bytes inside the functions; ``estimate_memory`` reports GiB (2**30 bytes). Every
term assumes what Axolotl does by default on top of transformers + PEFT + bitsandbytes
(+ DeepSpeed): weights loaded in bf16, no fp32 master copy unless DeepSpeed keeps one,
flash/sdpa attention, the HF causal-LM loss. Knobs for other stacks (torchtune's chunked
loss and optimizer-in-backward) exist so published measurements can be compared fairly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tunebook.planner.arch import ModelArch

GIB = 2**30
Method = Literal["full", "lora", "qlora"]
Optimizer = Literal["adamw", "adamw8bit", "paged_adamw8bit"]
Offload = Literal["none", "optimizer", "all"]
Loss = Literal["hf", "hf_legacy", "chunked", "fused"]

DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
NF4_DOUBLE_QUANT_BYTES = 0.5 + 1 / 64 + 4 / (64 * 256)  # ≈ 0.5159 bytes per parameter
CUDA_CONTEXT_BYTES = 0.5 * GIB
ALLOCATOR_SLACK = 0.06
BREAKDOWN_KEYS = ("weights", "gradients", "optimizer", "activations", "logits", "overhead")


# -- weights ----------------------------------------------------------------------------------
def weight_bytes_dense(params: int, dtype_bytes: int = 2) -> float:
    """Weights stored densely: ``params × dtype_bytes`` (bf16 = 2, fp32 = 4, int8 = 1).

    Source: the storage size of the dtype; LLM.int8() (Dettmers et al. 2022) for int8.
    """
    return float(params * dtype_bytes)


def weight_bytes_nf4(arch: ModelArch) -> float:
    """QLoRA base weights: block linear layers in NF4 with double quantization, the rest bf16.

    NF4 stores 4 bits per weight plus one absmax per 64-weight block; double quantization
    stores that absmax in 8 bits with an fp32 constant per 256 blocks: 0.5 + 1/64 + 4/16384
    ≈ 0.516 bytes/param (Dettmers et al. 2023, QLoRA, sec. 3). bitsandbytes (via
    transformers' ``load_in_4bit``) leaves embeddings, norms and lm_head in bf16.
    """
    dense = arch.total_params - arch.linear_params
    return arch.linear_params * NF4_DOUBLE_QUANT_BYTES + weight_bytes_dense(dense, 2)


def lora_trainable_params(arch: ModelArch, rank: int, targets: tuple[str, ...]) -> int:
    """LoRA adds A (r × in) and B (out × r) per targeted linear: r·(in + out) per module.

    Source: Hu et al. 2021 (LoRA), eq. 3; PEFT ``LoraLayer.update_layer``. Names that the
    architecture does not have (``qkv_proj`` on Llama) are ignored.
    """
    shapes = arch.linear_shapes()
    fused = {"qkv_proj": ("q_proj", "k_proj", "v_proj"), "gate_up_proj": ("gate_proj", "up_proj")}
    chosen = set(targets)
    for name, parts in fused.items():  # a fused target counts once, not as its parts
        if name in chosen:
            chosen -= set(parts)
    per_layer = sum(rank * (shapes[m][0] + shapes[m][1]) for m in chosen if m in shapes)
    return per_layer * arch.num_layers


def lora_weight_bytes(trainable: int, dtype_bytes: int = 4) -> float:
    """Adapter weights, ``dtype_bytes`` each.

    PEFT (what Axolotl runs) upcasts adapters to fp32 (``autocast_adapter_dtype=True``): 4.
    torchtune builds the whole model, adapters included, under ``set_default_dtype(bf16)``
    and checks it (``validate_expected_param_dtype`` in ``lora_finetune_single_device``): 2.
    Their gradients and AdamW moments (``zeros_like(param)``) take the same dtype.
    """
    return trainable * float(dtype_bytes)


# -- gradients --------------------------------------------------------------------------------
def gradient_bytes(trainable: int, dtype_bytes: int) -> float:
    """One gradient per trainable parameter, in the parameter's dtype (PyTorch autograd)."""
    return float(trainable * dtype_bytes)


# -- optimizer --------------------------------------------------------------------------------
def optimizer_state_bytes(trainable: int, optimizer: str, param_bytes: int) -> float:
    """AdamW keeps two moments per trainable parameter.

    ``adamw`` (torch): m and v in the parameter dtype (``torch.optim.AdamW`` uses
    ``zeros_like(param)``), so 2 × param_bytes. ``adamw8bit`` / ``paged_adamw8bit``
    (bitsandbytes, Dettmers et al. 2022, "8-bit Optimizers via Block-wise Quantization"):
    1 byte per moment plus one fp32 absmax per 256-value block per moment ≈ 2.03 bytes.
    """
    if optimizer == "adamw":
        return float(trainable * 2 * param_bytes)
    return trainable * (2 + 2 * 4 / 256)


def master_weight_bytes(trainable: int) -> float:
    """fp32 master copy that mixed-precision optimizers keep (DeepSpeed ZeRO, bf16 on).

    Source: ZeRO paper (Rajbhandari et al. 2020) sec. 3.1, K = 12 = 4 (master) + 8 (m, v).
    """
    return trainable * 4.0


def zero_model_state_bytes(
    params: int,
    trainable: int,
    stage: int,
    gpus: int,
    offload: str,
    optimizer: str,
    largest_layer: int,
) -> dict[str, float]:
    """Per-GPU weights / gradients / optimizer under DeepSpeed ZeRO ``stage`` on ``gpus`` GPUs.

    Follows the ZeRO paper (Rajbhandari et al. 2020, fig. 1: stage 1 shards optimizer
    states, 2 also gradients, 3 also parameters) and DeepSpeed's
    ``estimate_zero2_model_states_mem_needs`` (2Ψ + 18Ψ/N: bf16 params; bf16 + fp32 grads,
    fp32 master, fp32 m and v sharded) and ``estimate_zero3_model_states_mem_needs``
    (4·largest_layer + 18Ψ/N; offload of optimizer leaves 2Ψ/N, of everything only the
    gathered layer). Frozen parameters (LoRA) carry no gradient or optimizer state.

    ``buffers`` is ZeRO-3's working memory for the gathered layers: not model state (it is
    why ZeRO-3 on one GPU needs more than ZeRO-2), so it is returned apart from the three
    model-state terms.
    """
    n = max(gpus, 1)
    moments = optimizer_state_bytes(trainable, optimizer, 4)
    if optimizer == "paged_adamw8bit":
        moments = 0.0  # paged: lives in CUDA unified memory, not counted on the GPU
    opt = moments + master_weight_bytes(trainable)
    grads32 = trainable * 4.0
    grads16 = trainable * 2.0
    gathered = 2.0 * 2 * largest_layer  # bf16 layer in use + the prefetched next one
    if stage == 1:
        w, g, o = 2.0 * params, grads16 + grads32 / n, opt / n
    elif stage == 2:
        w, g, o = 2.0 * params, (grads16 + grads32) / n, opt / n
    else:  # bf16 gradients only pass through reduce-scatter buckets
        w, g, o = 2.0 * params / n, grads32 / n, opt / n
    if offload in ("optimizer", "all"):
        g, o = 0.0, 0.0  # gradients stream to CPU in reduce buckets
    if offload == "all" and stage == 3:
        w = 0.0
    buffers = gathered if stage == 3 else 0.0
    return {"weights": w, "gradients": g, "optimizer": o, "buffers": buffers}


def offload_host_bytes(params: int, trainable: int, offload: str) -> float:
    """Host RAM that DeepSpeed CPU offload needs (per node): fp32 master, m, v and fp32
    gradients = 16 B per trainable parameter, plus 2 B per parameter when parameters are
    offloaded too (``estimate_zero3_model_states_mem_needs``: 16 and 18 × params; we leave
    out its 1.5 buffer factor)."""
    if offload == "none":
        return 0.0
    return 16.0 * trainable + (2.0 * params if offload == "all" else 0.0)


# -- activations ------------------------------------------------------------------------------
def activation_bytes_per_token_layer(arch: ModelArch, dtype_bytes: int = 2) -> float:
    """Tensors one decoder layer saves for backward, per token, without checkpointing.

    Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large Transformer
    Models", sec. 4.1) count 34·h bytes for a GPT layer; redone for a Llama-style layer
    with flash/sdpa attention (no s² score matrix), no dropout, GQA and a SwiGLU MLP:
    two RMSNorms (HF upcasts to fp32: 4h input + 2h output each), RoPE inputs of q and k
    (2 tensors each), flash-attention q, k, v and output, and the MLP's gate, up,
    act(gate) and product (4·I). Elements are bf16 except the norm's fp32 copy.
    """
    q, kv = arch.heads * arch.head_dim, arch.kv_heads * arch.head_dim
    norms = 2 * (4 + dtype_bytes) * arch.hidden
    rope = 2 * dtype_bytes * (q + kv)
    attention = dtype_bytes * (q + 2 * kv) + dtype_bytes * q
    mlp = 4 * dtype_bytes * arch.intermediate
    return float(norms + rope + attention + mlp)


def recompute_bytes(arch: ModelArch, tokens: int, dtype_bytes: int = 2) -> float:
    """One decoder layer's saved tensors, rebuilt in backward under checkpointing.

    Only one layer is recomputed at a time (Chen et al. 2016; Korthikanti et al. 2022
    sec. 4.2), so this is ``tokens × activation_bytes_per_token_layer``.
    """
    return tokens * activation_bytes_per_token_layer(arch, dtype_bytes)


def checkpoint_bytes(
    arch: ModelArch, tokens: int, dtype_bytes: int = 2, offloaded: bool = False
) -> float:
    """Layer inputs kept across the step by activation checkpointing: L × h per token.

    With activation offloading (torchtune ``enable_activation_offloading``, PR #1443
    "Streaming offloading in (q)lora single device"; ``OffloadActivations``) the saved
    tensors stream to pinned CPU memory and back; the GPU holds only the layer in use and
    the one being copied, so 2 × h per token instead of L × h.
    """
    layers = min(2, arch.num_layers) if offloaded else arch.num_layers
    return tokens * layers * dtype_bytes * arch.hidden


def activation_bytes(
    arch: ModelArch,
    tokens: int,
    checkpointing: bool,
    dtype_bytes: int = 2,
    offloaded: bool = False,
) -> float:
    """Activation memory for ``tokens`` = micro_batch × sequence_len tokens.

    Without checkpointing every layer keeps its tensors: L × per-layer (offloading keeps
    two layers' worth on the GPU). With gradient checkpointing (one checkpoint per decoder
    layer, as HF and torchtune do) each layer keeps only its input (``checkpoint_bytes``)
    and one layer is recomputed at a time in backward (``recompute_bytes``; Chen et al.
    2016, "Training Deep Nets with Sublinear Memory Cost"; Korthikanti et al. 2022 sec.
    4.2 "full recomputation").
    """
    per_layer = recompute_bytes(arch, tokens, dtype_bytes)
    if not checkpointing:
        return per_layer * (min(2, arch.num_layers) if offloaded else arch.num_layers)
    return checkpoint_bytes(arch, tokens, dtype_bytes, offloaded) + per_layer


def chunked_loss_bytes_per_element(compiled: bool, chunks: int = 8) -> float:
    """Bytes per logit element under torchtune's ``CEWithChunkedOutputLoss`` (8 chunks).

    The model returns the logits as ``chunks`` bf16 tensors (``TransformerDecoder.
    chunked_output``, no ``.float()``): 2 B for every element. Each chunk then runs
    ``compute_cross_entropy`` = ``F.cross_entropy(logits.float(), ...)``. Eager, the fp32
    ``log_softmax`` output is saved for backward in every chunk (4 B per element) and one
    chunk's fp32 upcast is live at a time (4 / chunks). With ``compile: True`` the recipe
    compiles ``compute_cross_entropy`` (``training.compile_loss``); inductor fuses the
    upcast and softmax and saves only the bf16 input and a per-row logsumexp, so what is
    left is one chunk's bf16 gradient in backward (2 / chunks).
    """
    if compiled:
        return 2 + 2 / chunks
    return 2 + 4 + 4 / chunks


def logits_bytes(arch: ModelArch, tokens: int, loss: str = "hf", compiled: bool = False) -> float:
    """Logits and cross-entropy for ``tokens`` tokens over the vocabulary, in bytes.

    ``hf`` (transformers >= 4.46 ``ForCausalLMLoss``, what Axolotl runs by default): the
    analytic upper bound is 12 B per element (bf16 logits 2 + fp32 upcast 4 + saved
    log-softmax 4, then fp32 gradients in backward); published peaks on this stack imply
    less: 7.9 B (Gefen README, Qwen3-0.6B full FT) and 6.3 B (Universal-LLM-trainer
    README, Llama-3.1-8B LoRA at 16k tokens) when logits and the recomputed layer were
    simply added, so we use their mean, 7. With ``loss_phase_excess`` the same two runs
    imply 8.3 and 7.1 B; 7 is kept (not refitted), see docs/planner.md. ``hf_legacy``
    (transformers < 4.45: fp32 upcast in the model plus a contiguous shifted copy) uses 16.
    ``chunked`` (torchtune ``CEWithChunkedOutputLoss``): see
    ``chunked_loss_bytes_per_element`` (``compiled`` = torchtune's ``compile`` flag).
    ``fused`` (Liger / Cut Cross-Entropy): no logits.
    """
    elements = tokens * arch.vocab
    per_element = {
        "hf": 7.0,
        "hf_legacy": 16.0,
        "chunked": chunked_loss_bytes_per_element(compiled),
        "fused": 0.0,
    }
    return elements * per_element[loss]


def loss_phase_excess(logits: float, recompute: float, checkpointing: bool) -> float:
    """What the logits add on top of the activation term.

    The logits live from the end of the forward pass until the loss's backward and the
    lm_head's backward have consumed them; only then does backward reach the last decoder
    layer and, under checkpointing, recompute it. So the loss phase (checkpoints + logits)
    and the recompute phase (checkpoints + one layer) do not overlap, and the step's peak
    is checkpoints + max(logits, recompute) = activations + max(0, logits - recompute)
    (PyTorch frees a saved tensor once its backward node has run; ``torch.utils.checkpoint``
    recomputes a segment only when its backward is reached). Without checkpointing every
    layer's tensors are alive during the loss, so the logits add in full.
    """
    if not checkpointing:
        return logits
    return max(0.0, logits - recompute)


# -- overhead ---------------------------------------------------------------------------------
def overhead_bytes(
    allocated: float, transient: float = 0.0, context: float = CUDA_CONTEXT_BYTES
) -> float:
    """CUDA context (kernels, cuBLAS/cuDNN handles; ~0.3–0.6 GiB, outside PyTorch's
    allocator) + caching-allocator slack (reserved ≥ allocated; PyTorch "CUDA memory
    management" notes; ~6% assumed) + transient work buffers (a dequantized NF4 layer).
    """
    return context + ALLOCATOR_SLACK * allocated + transient


# -- the estimate -----------------------------------------------------------------------------
@dataclass
class MemoryEstimate:
    """Predicted per-device memory. ``allocated_gib`` is what ``torch.cuda.max_memory_allocated``
    would report; ``peak_gib`` adds the CUDA context and allocator slack (nvidia-smi)."""

    peak_gib: float
    breakdown_gib: dict[str, float]
    allocated_gib: float
    trainable_params: int
    notes: list[str] = field(default_factory=list)
    host_gib: float = 0.0  # CPU RAM needed by DeepSpeed offload


def estimate_memory(
    arch: ModelArch,
    *,
    method: str,
    micro_batch_size: int,
    sequence_len: int,
    lora_r: int = 16,
    target_modules: list[str] | tuple[str, ...] | None = None,
    gradient_checkpointing: bool = True,
    optimizer: str = "adamw",
    zero_stage: int = 0,
    offload: str = "none",
    gpus: int = 1,
    loss: str = "hf",
    optimizer_in_backward: bool = False,
    device: str = "gpu",
    compile: bool = False,
    activation_offloading: bool = False,
    adapter_dtype_bytes: int = 4,
) -> MemoryEstimate:
    """Per-GPU peak memory of one training step (see docs/planner.md for every term).

    ``compile`` (torchtune ``compile: True``) only changes the chunked loss's footprint;
    ``activation_offloading`` streams saved activations to CPU (torchtune
    ``enable_activation_offloading``); ``adapter_dtype_bytes`` is 4 for PEFT (fp32
    adapters) and 2 for torchtune (bf16 adapters, gradients and AdamW moments).
    """
    dtype = 4 if device == "cpu" else 2  # CPU training runs in fp32
    targets = tuple(target_modules or DEFAULT_TARGETS)
    tokens = micro_batch_size * sequence_len
    notes: list[str] = []
    total = arch.total_params
    largest_layer = max(
        arch.attention_params_per_layer + arch.mlp_params_per_layer, arch.embedding_params
    )

    if method == "full":
        trainable = total
        if zero_stage > 0:
            states = zero_model_state_bytes(
                total, total, zero_stage, gpus, offload, optimizer, largest_layer
            )
            weights, grads, opt = states["weights"], states["gradients"], states["optimizer"]
            weights += states["buffers"]  # the gathered layers sit beside the shards
        else:
            weights = weight_bytes_dense(total, dtype)
            grads = gradient_bytes(total, dtype)
            opt = optimizer_state_bytes(total, optimizer, dtype)
            if optimizer_in_backward:  # each gradient is freed right after its update
                biggest = max(
                    arch.embedding_params, *(i * o for i, o in arch.linear_shapes().values())
                )
                grads = gradient_bytes(biggest, dtype)
    else:
        trainable = lora_trainable_params(arch, lora_r, targets)
        base = weight_bytes_nf4(arch) if method == "qlora" else weight_bytes_dense(total, dtype)
        if zero_stage == 3 and method == "lora":
            base = base / max(gpus, 1) + 2.0 * 2 * largest_layer
        weights = base + lora_weight_bytes(trainable, adapter_dtype_bytes)
        grads = gradient_bytes(trainable, adapter_dtype_bytes)
        opt = optimizer_state_bytes(trainable, optimizer, adapter_dtype_bytes)
        if zero_stage > 0:
            opt /= max(gpus, 1)
            if zero_stage >= 2:
                grads /= max(gpus, 1)
            if offload != "none":
                opt, grads = 0.0, 0.0

    if optimizer == "paged_adamw8bit" and opt > 0:
        paged = opt / GIB
        opt = 0.0
        notes.append(
            f"paged 8-bit optimizer states ({paged:.2f} GiB) live in CUDA unified "
            "memory and spill to CPU RAM under pressure; not counted in the peak"
        )

    acts = activation_bytes(arch, tokens, gradient_checkpointing, dtype, activation_offloading)
    logits = loss_phase_excess(
        logits_bytes(arch, tokens, loss, compile),
        recompute_bytes(arch, tokens, dtype),
        gradient_checkpointing,
    )
    allocated = weights + grads + opt + acts + logits
    transient = 0.0
    if method == "qlora":  # one dequantized bf16 weight matrix at a time
        transient = 2.0 * max(m[0] * m[1] for m in arch.linear_shapes().values())
    context = 0.0 if device == "cpu" else CUDA_CONTEXT_BYTES
    over = overhead_bytes(allocated, transient, context)
    parts = {
        "weights": weights,
        "gradients": grads,
        "optimizer": opt,
        "activations": acts,
        "logits": logits,
        "overhead": over,
    }
    breakdown = {k: round(v / GIB, 3) for k, v in parts.items()}
    return MemoryEstimate(
        peak_gib=round(sum(parts.values()) / GIB, 3),
        breakdown_gib=breakdown,
        allocated_gib=round((allocated + transient) / GIB, 3),
        trainable_params=trainable,
        notes=notes,
        host_gib=round(offload_host_bytes(total, trainable, offload) / GIB, 3),
    )
