"""The embedded tiny model: a random-init Llama with a locally trained ChatML tokenizer.

Nothing can be downloaded in a demo or a test, so tunebook writes its own default model: a
Hugging Face model directory that transformers and Axolotl load like any hub checkpoint. It uses
numpy and ``safetensors.numpy`` only (never torch), so building one takes milliseconds, and the
same texts, parameters and seed always give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

# Bumped whenever the layout of the written files changes, so cached models are rebuilt.
FORMAT_VERSION = 1

PAD_TOKEN = "<|endoftext|>"
IM_START_TOKEN = "<|im_start|>"
EOS_TOKEN = "<|im_end|>"
SPECIAL_TOKENS = (PAD_TOKEN, IM_START_TOKEN, EOS_TOKEN)  # ids 0, 1, 2
PAD_ID, IM_START_ID, EOS_ID = 0, 1, 2

CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content']"
    " + '<|im_end|>' + '\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)

DEFAULTS: dict[str, int] = {
    "seed": 0,
    "layers": 2,
    "hidden": 64,
    "heads": 4,
    "kv_heads": 2,
    "intermediate": 128,
    "vocab_size": 1024,
    "max_position": 2048,
}


def build_tiny_model(
    out_dir: Path,
    texts: Iterable[str],
    *,
    seed: int = 0,
    layers: int = 2,
    hidden: int = 64,
    heads: int = 4,
    kv_heads: int = 2,
    intermediate: int = 128,
    vocab_size: int = 1024,
    max_position: int = 2048,
) -> Path:
    """Write a LlamaForCausalLM model directory to ``out_dir`` and return it.

    The tokenizer is a byte-level BPE trained on ``texts``; the weights are drawn from a normal
    distribution (std 0.02) with ``seed``, norms are ones.
    """
    params = dict(
        seed=seed,
        layers=layers,
        hidden=hidden,
        heads=heads,
        kv_heads=kv_heads,
        intermediate=intermediate,
        vocab_size=vocab_size,
        max_position=max_position,
    )
    _check_params(params)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _train_tokenizer(list(texts), vocab_size).save(str(out_dir / "tokenizer.json"), pretty=False)
    _write_json(out_dir / "config.json", _model_config(params))
    _write_json(out_dir / "generation_config.json", _generation_config())
    _write_json(out_dir / "tokenizer_config.json", _tokenizer_config(max_position))
    _write_json(out_dir / "special_tokens_map.json", _special_tokens_map())
    _write_weights(out_dir / "model.safetensors", params)
    return out_dir


def tiny_model_key(texts: Iterable[str], **params: int) -> str:
    """16 hex digits of sha256 over the texts, the parameters and the format version."""
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown tiny-model parameter(s): {', '.join(sorted(unknown))}")
    full = {**DEFAULTS, **params, "format": FORMAT_VERSION}
    digest = hashlib.sha256(json.dumps(full, sort_keys=True).encode())
    for text in texts:
        encoded = text.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "little"))
        digest.update(encoded)
    return digest.hexdigest()[:16]


def ensure_tiny_model(cache_root: Path, texts: Iterable[str], **params: int) -> Path:
    """Return ``cache_root/<key>``, building it first (temp dir + rename) if it is missing."""
    texts = list(texts)
    cache_root = Path(cache_root)
    target = cache_root / tiny_model_key(texts, **params)
    if (target / "model.safetensors").is_file():
        return target
    cache_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=cache_root))
    try:
        build_tiny_model(tmp, texts, **params)
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "model.safetensors").is_file():  # not a concurrent builder's win
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _check_params(p: dict[str, int]) -> None:
    if p["hidden"] % p["heads"] or p["heads"] % p["kv_heads"]:
        raise ValueError("hidden must be divisible by heads, and heads by kv_heads")
    if (p["hidden"] // p["heads"]) % 2:
        raise ValueError("head dimension (hidden / heads) must be even for rotary embeddings")
    if p["vocab_size"] < 256 + len(SPECIAL_TOKENS):
        raise ValueError(f"vocab_size must be at least {256 + len(SPECIAL_TOKENS)}")


def _train_tokenizer(texts: list[str], vocab_size: int):  # -> tokenizers.Tokenizer
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer, length=len(texts))
    ids = [tokenizer.token_to_id(token) for token in SPECIAL_TOKENS]
    if ids != [PAD_ID, IM_START_ID, EOS_ID]:
        raise RuntimeError(f"special tokens got ids {ids}, expected 0, 1, 2")
    return tokenizer


def _model_config(p: dict[str, int]) -> dict:
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": None,  # ChatML: no BOS is prepended (as in Qwen's tokenizer)
        "eos_token_id": EOS_ID,
        "pad_token_id": PAD_ID,
        "head_dim": p["hidden"] // p["heads"],
        "hidden_act": "silu",
        "hidden_size": p["hidden"],
        "initializer_range": 0.02,
        "intermediate_size": p["intermediate"],
        "max_position_embeddings": p["max_position"],
        "mlp_bias": False,
        "num_attention_heads": p["heads"],
        "num_hidden_layers": p["layers"],
        "num_key_value_heads": p["kv_heads"],
        "rms_norm_eps": 1e-6,
        "rope_theta": 10000.0,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
        "use_cache": True,
        "vocab_size": p["vocab_size"],
    }


def _generation_config() -> dict:
    return {
        "bos_token_id": None,
        "eos_token_id": EOS_ID,
        "pad_token_id": PAD_ID,
        "do_sample": False,
    }


def _tokenizer_config(max_position: int) -> dict:
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": None,
        "eos_token": EOS_TOKEN,
        "pad_token": PAD_TOKEN,
        "unk_token": None,
        "additional_special_tokens": [IM_START_TOKEN, EOS_TOKEN],
        "model_max_length": max_position,
        "padding_side": "right",
        "clean_up_tokenization_spaces": False,
        "chat_template": CHAT_TEMPLATE,
    }


def _special_tokens_map() -> dict:
    return {
        "eos_token": EOS_TOKEN,
        "pad_token": PAD_TOKEN,
        "additional_special_tokens": [IM_START_TOKEN, EOS_TOKEN],
    }


def _weight_shapes(p: dict[str, int]) -> list[tuple[str, tuple[int, ...]]]:
    """Parameter names and shapes exactly as transformers' LlamaForCausalLM names them."""
    h, kv = p["hidden"], p["kv_heads"] * (p["hidden"] // p["heads"])
    shapes: list[tuple[str, tuple[int, ...]]] = [
        ("model.embed_tokens.weight", (p["vocab_size"], h)),
    ]
    for i in range(p["layers"]):
        pre = f"model.layers.{i}."
        shapes += [
            (pre + "self_attn.q_proj.weight", (h, h)),
            (pre + "self_attn.k_proj.weight", (kv, h)),
            (pre + "self_attn.v_proj.weight", (kv, h)),
            (pre + "self_attn.o_proj.weight", (h, h)),
            (pre + "mlp.gate_proj.weight", (p["intermediate"], h)),
            (pre + "mlp.up_proj.weight", (p["intermediate"], h)),
            (pre + "mlp.down_proj.weight", (h, p["intermediate"])),
            (pre + "input_layernorm.weight", (h,)),
            (pre + "post_attention_layernorm.weight", (h,)),
        ]
    shapes += [("model.norm.weight", (h,)), ("lm_head.weight", (p["vocab_size"], h))]
    return shapes


def _write_weights(path: Path, p: dict[str, int]) -> None:
    import numpy as np
    from safetensors.numpy import save_file

    rng = np.random.default_rng(p["seed"])
    tensors = {}
    for name, shape in _weight_shapes(p):
        if name.endswith("norm.weight"):
            tensors[name] = np.ones(shape, dtype=np.float32)
        else:
            tensors[name] = rng.normal(0.0, 0.02, size=shape).astype(np.float32)
    save_file(tensors, str(path), metadata={"format": "pt"})


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
