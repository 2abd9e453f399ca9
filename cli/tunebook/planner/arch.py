"""Model architecture shape and parameter counts, from a model preset or an HF config.json.

Counts follow the module layout of the transformers implementations of decoder-only models
(Llama, Mistral, Qwen2/3, Gemma 2/3, Phi-3): a token embedding, ``L`` identical blocks of
attention (q, k, v, o projections) and a gated MLP (gate, up, down), RMSNorms, and an
lm_head that may be tied to the embedding.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

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
    def from_preset(cls, preset: dict[str, Any], *, source: Any = None) -> ModelArch:
        """From a model preset dict (``architecture:`` plus optional ``vision_params_b``).

        ``source`` says where the numbers came from, for error messages: a PresetDoc, the
        path of a config.json (the dict made by ``tunebook estimate --model x.json``), or
        None (the preset is looked up by name).
        """
        from_json = source is not None and not hasattr(source, "line_of")
        prefix: tuple[str, ...] = () if from_json else ("architecture",)

        def where(path: tuple[str | int, ...]) -> tuple[Any, int | None]:
            return locate("models", preset, source, path)

        arch = preset.get("architecture")
        if not isinstance(arch, dict):
            file, line = where(("architecture",))
            if from_json:
                raise UserError(
                    f"{source} is not a config.json object", file=source,
                    hint="pass an HF model's config.json (a JSON object of architecture fields)",
                )
            raise UserError(
                f"model preset '{preset.get('name', '?')}' has no architecture mapping",
                file=file,
                line=line,
                field="architecture",
                hint="copy the fields from the model's config.json",
            )
        vision = preset.get("vision_params_b") or 0
        if not _is_number(vision) or vision < 0:
            file, line = where(("vision_params_b",))
            raise UserError(
                f"must be a non-negative number, got {vision!r}",
                file=file,
                line=line,
                field="vision_params_b",
                hint="the vision tower's parameter count in billions, e.g. 0.42",
            )
        extra = round(float(vision) * 1e9)
        return cls.from_hf_config(arch, extra_params=extra, where=where, prefix=prefix)

    @classmethod
    def from_hf_config(
        cls,
        config: dict[str, Any],
        *,
        extra_params: int = 0,
        where: Callable[[tuple[str | int, ...]], tuple[Any, int | None]] | None = None,
        prefix: tuple[str, ...] = (),
    ) -> ModelArch:
        """From an HF config.json dict; multimodal configs are read from ``text_config``.

        Every number is checked (positive integers, heads dividing ``hidden_size`` when
        ``head_dim`` is absent, KV heads dividing heads): a bad one raises a UserError naming
        the file, line and field (``where`` maps a key path to them).
        """
        if not isinstance(config, dict):
            raise UserError(
                f"the architecture must be a mapping of config.json fields, got "
                f"{type(config).__name__}",
                field=".".join(prefix) or None,
                hint="pass an HF model's config.json object",
            )
        text = config.get("text_config") if isinstance(config.get("text_config"), dict) else {}
        cfg = {**config, **text}

        def fail(key: str, message: str, hint: str) -> NoReturn:
            path = (*prefix, "text_config", key) if key in text else (*prefix, key)
            file, line = where(path) if where else (None, None)
            raise UserError(
                message, file=file, line=line, field=".".join(map(str, path)), hint=hint
            )

        missing = [k for k in REQUIRED_FIELDS if cfg.get(k) is None]
        if missing:
            file, line = where(prefix) if where and prefix else (None, None)
            raise UserError(
                f"config is missing {', '.join(missing)}",
                file=file,
                line=line,
                field=".".join(prefix) or "architecture",
                hint="pass a decoder-only model's config.json (Llama, Qwen, Mistral, Gemma, Phi)",
            )

        def positive(key: str, *, zero_ok: bool = False) -> int | None:
            value = cfg.get(key)
            if value is None:
                return None
            number = _as_int(value)
            if number is None or number < 0 or (number == 0 and not zero_ok):
                kind = "a non-negative" if zero_ok else "a positive"
                fail(key, f"must be {kind} integer, got {value!r}",
                     "copy the value from the model's config.json")
            return number

        layers, hidden, heads, intermediate, vocab = (positive(k) for k in REQUIRED_FIELDS)
        assert layers and hidden and heads and intermediate and vocab
        kv_heads = positive("num_key_value_heads") or heads
        if heads % kv_heads:
            fail("num_key_value_heads",
                 f"{kv_heads} must divide num_attention_heads ({heads})",
                 "grouped-query attention shares each K/V head among heads / kv_heads heads")
        head_dim = positive("head_dim")
        if head_dim is None:
            if hidden % heads:
                fail("num_attention_heads",
                     f"{heads} must divide hidden_size ({hidden}) when head_dim is absent",
                     "set head_dim, or fix num_attention_heads / hidden_size")
            head_dim = hidden // heads
        max_positions = positive("max_position_embeddings", zero_ok=True) or 0
        model_type = str(cfg.get("model_type", "llama"))
        bias = cfg.get("attention_bias")
        return cls(
            model_type=model_type,
            num_layers=layers,
            hidden=hidden,
            heads=heads,
            kv_heads=kv_heads,
            head_dim=head_dim,
            intermediate=intermediate,
            vocab=vocab,
            max_positions=max_positions,
            tied_embeddings=bool(cfg.get("tie_word_embeddings", False)),
            qkv_bias=bool(bias) if bias is not None else model_type in _QKV_BIAS_TYPES,
            qk_norm=model_type in _QK_NORM_TYPES,
            norms_per_layer=4 if model_type in _FOUR_NORM_TYPES else 2,
            extra_params=extra_params,
        )


# -- validation helpers (shared with planner/hardware.py) -------------------------------------
def _is_number(value: Any) -> bool:
    """A finite int or float (not a bool, not a string)."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _as_int(value: Any) -> int | None:
    """``value`` as an int when it is a whole number (``32`` or ``32.0``), else None."""
    if not _is_number(value) or float(value) != int(value):
        return None
    return int(value)


def locate(
    kind: str, data: Any, source: Any, key_path: tuple[str | int, ...]
) -> tuple[Any, int | None]:
    """The file and line where ``key_path`` of a preset (or config.json) is written.

    ``source``: a PresetDoc (``file_of``/``line_of``), the path of a config.json, or None to
    look the preset up by its ``name`` (used only when the loaded data is the same dict).
    Never raises: (None, None) when nothing is known.
    """
    try:
        if source is None:
            name = data.get("name") if isinstance(data, dict) else None
            if not isinstance(name, str):
                return None, None
            from tunebook.presets import load_preset_doc

            doc = load_preset_doc(kind, name)
            if doc.data != data:
                return None, None
            source = doc
        if hasattr(source, "line_of"):
            line = source.line_of(*key_path) if key_path else None
            return (source.file_of(*key_path) if key_path else source.path), line
        path = Path(source)
        return path, _json_line(path, key_path[-1] if key_path else None)
    except (UserError, OSError, ValueError, TypeError):
        return None, None


def _json_line(path: Path, key: str | int | None) -> int | None:
    """The first line of a JSON file that holds ``"key"`` (None if absent)."""
    if key is None:
        return None
    needle = f'"{key}"'
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in text:
            return number
    return None
