"""Model architecture shape and parameter counts, from a model preset or an HF config.json.

Counts follow the module layout of the transformers implementations of decoder-only models
(Llama, Mistral, Qwen2/3, Gemma 2/3, Phi-3): a token embedding, ``L`` identical blocks of
attention (q, k, v, o projections) and a gated MLP (gate, up, down), RMSNorms, and an
lm_head that may be tied to the embedding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tunebook.errors import UserError

# model_type values whose q/k/v projections carry a bias (Qwen2 has no attention_bias key).
_QKV_BIAS_TYPES = frozenset({"qwen2"})
# Per-head RMSNorm on q and k (weights of size head_dim each).
_QK_NORM_TYPES = frozenset({"qwen3", "gemma3", "gemma3_text"})
# Gemma 2/3 blocks have four norms (pre/post attention, pre/post feed-forward), others two.
_FOUR_NORM_TYPES = frozenset({"gemma2", "gemma3", "gemma3_text"})

REQUIRED_FIELDS = (
    "num_hidden_layers",
    "hidden_size",
    "num_attention_heads",
    "intermediate_size",
    "vocab_size",
)


@dataclass(frozen=True)
class ModelArch:
    """The shape of a decoder-only transformer; counts are in parameters (not bytes)."""

    model_type: str
    num_layers: int
    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int
    max_positions: int
    tied_embeddings: bool
    qkv_bias: bool = False
    qk_norm: bool = False
    norms_per_layer: int = 2
    extra_params: int = 0  # frozen modules outside the language model (a vision tower)

    # -- per-module sizes -------------------------------------------------------------------
    def linear_shapes(self) -> dict[str, tuple[int, int]]:
        """(in_features, out_features) of each linear layer of one block, by module name.

        Fused Phi-3 names (``qkv_proj``, ``gate_up_proj``) are included so LoRA targets
        written either way resolve.
        """
        h, q_out, kv_out = self.hidden, self.heads * self.head_dim, self.kv_heads * self.head_dim
        return {
            "q_proj": (h, q_out),
            "k_proj": (h, kv_out),
            "v_proj": (h, kv_out),
            "o_proj": (q_out, h),
            "qkv_proj": (h, q_out + 2 * kv_out),
            "gate_proj": (h, self.intermediate),
            "up_proj": (h, self.intermediate),
            "gate_up_proj": (h, 2 * self.intermediate),
            "down_proj": (self.intermediate, h),
        }

    @property
    def embedding_params(self) -> int:
        """Token embedding matrix: vocab × hidden."""
        return self.vocab * self.hidden

    @property
    def lm_head_params(self) -> int:
        """Output projection; zero when tied to the embedding."""
        return 0 if self.tied_embeddings else self.vocab * self.hidden

    @property
    def attention_params_per_layer(self) -> int:
        """q, k, v, o weights plus q/k/v biases and q/k norms where the family has them."""
        s = self.linear_shapes()
        n = sum(s[m][0] * s[m][1] for m in ("q_proj", "k_proj", "v_proj", "o_proj"))
        if self.qkv_bias:
            n += (self.heads + 2 * self.kv_heads) * self.head_dim
        if self.qk_norm:
            n += 2 * self.head_dim
        return n

    @property
    def mlp_params_per_layer(self) -> int:
        """Gated MLP (SwiGLU / GeGLU): gate, up and down projections."""
        return 3 * self.hidden * self.intermediate

    @property
    def norm_params(self) -> int:
        """All RMSNorm weights: per block, plus the final norm."""
        return self.num_layers * self.norms_per_layer * self.hidden + self.hidden

    @property
    def attention_params(self) -> int:
        return self.num_layers * self.attention_params_per_layer

    @property
    def mlp_params(self) -> int:
        return self.num_layers * self.mlp_params_per_layer

    @property
    def linear_params(self) -> int:
        """Parameters in the block linear layers (what QLoRA quantizes to 4 bit)."""
        return self.attention_params + self.mlp_params

    @property
    def total_params(self) -> int:
        """Every parameter the loaded model holds (incl. a frozen vision tower, if any)."""
        return (
            self.embedding_params
            + self.lm_head_params
            + self.attention_params
            + self.mlp_params
            + self.norm_params
            + self.extra_params
        )

    def breakdown(self) -> dict[str, int]:
        """Parameter counts by component."""
        return {
            "embeddings": self.embedding_params,
            "attention": self.attention_params,
            "mlp": self.mlp_params,
            "norms": self.norm_params,
            "lm_head": self.lm_head_params,
            "other": self.extra_params,
        }

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_preset(cls, preset: dict[str, Any]) -> ModelArch:
        """From a model preset dict (``architecture:`` plus optional ``vision_params_b``)."""
        arch = preset.get("architecture")
        if not isinstance(arch, dict):
            raise UserError(
                f"model preset '{preset.get('name', '?')}' has no architecture mapping",
                field="architecture",
                hint="copy the fields from the model's config.json",
            )
        extra = round(float(preset.get("vision_params_b") or 0) * 1e9)
        return cls.from_hf_config(arch, extra_params=extra)

    @classmethod
    def from_hf_config(cls, config: dict[str, Any], *, extra_params: int = 0) -> ModelArch:
        """From an HF config.json dict; multimodal configs are read from ``text_config``."""
        cfg = config
        if "text_config" in config and isinstance(config["text_config"], dict):
            cfg = {**config, **config["text_config"]}
        missing = [k for k in REQUIRED_FIELDS if k not in cfg]
        if missing:
            raise UserError(
                f"config is missing {', '.join(missing)}",
                field="architecture",
                hint="pass a decoder-only model's config.json (Llama, Qwen, Mistral, Gemma, Phi)",
            )
        model_type = str(cfg.get("model_type", "llama"))
        heads = int(cfg["num_attention_heads"])
        hidden = int(cfg["hidden_size"])
        head_dim = cfg.get("head_dim") or hidden // heads
        bias = cfg.get("attention_bias")
        return cls(
            model_type=model_type,
            num_layers=int(cfg["num_hidden_layers"]),
            hidden=hidden,
            heads=heads,
            kv_heads=int(cfg.get("num_key_value_heads") or heads),
            head_dim=int(head_dim),
            intermediate=int(cfg["intermediate_size"]),
            vocab=int(cfg["vocab_size"]),
            max_positions=int(cfg.get("max_position_embeddings") or 0),
            tied_embeddings=bool(cfg.get("tie_word_embeddings", False)),
            qkv_bias=bool(bias) if bias is not None else model_type in _QKV_BIAS_TYPES,
            qk_norm=model_type in _QK_NORM_TYPES,
            norms_per_layer=4 if model_type in _FOUR_NORM_TYPES else 2,
            extra_params=extra_params,
        )
