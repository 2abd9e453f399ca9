"""Every shipped model preset: required keys, sane values, parameter count matches the card."""

from __future__ import annotations

import pytest

from tunebook.planner.arch import ModelArch
from tunebook.presets import list_presets, load_preset, preset_path

MODELS = list_presets("models")
REQUIRED = {
    "name",
    "version",
    "description",
    "hf_id",
    "family",
    "size",
    "params_b",
    "license",
    "architecture",
    "chat_template",
    "supports_system_role",
    "lora_target_modules",
    "axolotl",
}
ARCH_REQUIRED = {
    "model_type",
    "num_hidden_layers",
    "hidden_size",
    "num_attention_heads",
    "num_key_value_heads",
    "head_dim",
    "intermediate_size",
    "vocab_size",
    "max_position_embeddings",
    "tie_word_embeddings",
    "hidden_act",
}
LORA_NAMES = {
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "qkv_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
    "gate_up_proj",
}


def test_catalog_is_broad() -> None:
    real = [m for m in MODELS if m != "tiny-demo"]
    assert len(real) >= 12
    families = {load_preset("models", m)["family"] for m in real}
    wanted = {"llama3", "qwen2.5", "qwen3", "mistral", "gemma2", "gemma3", "phi3", "smollm2"}
    assert families >= wanted


@pytest.mark.parametrize("name", MODELS)
def test_required_keys(name: str) -> None:
    preset = load_preset("models", name)
    assert preset.keys() >= REQUIRED, REQUIRED - preset.keys()
    assert preset["architecture"].keys() >= ARCH_REQUIRED
    assert preset["name"] == name
    assert preset_path("models", name).read_text(encoding="utf-8").startswith("# ")
    assert set(preset["lora_target_modules"]) <= LORA_NAMES
    assert isinstance(preset["axolotl"], dict)
    assert preset["axolotl"].get("chat_template") in (preset["chat_template"], "tokenizer_default")
    if preset.get("builder") is None:
        assert preset["axolotl"]["base_model"] == preset["hf_id"]


@pytest.mark.parametrize("name", MODELS)
def test_param_count_matches_published(name: str) -> None:
    preset = load_preset("models", name)
    derived = ModelArch.from_preset(preset).total_params / 1e9
    assert derived == pytest.approx(preset["params_b"], rel=0.03)


@pytest.mark.parametrize("name", MODELS)
def test_heads_divide(name: str) -> None:
    a = ModelArch.from_preset(load_preset("models", name))
    assert a.heads % a.kv_heads == 0
    assert a.num_layers > 0 and a.head_dim > 0


def test_hand_count_llama_8b() -> None:
    a = ModelArch.from_preset(load_preset("models", "llama-3.1-8b"))
    attn = 4096 * 4096 * 2 + 4096 * 1024 * 2
    mlp = 3 * 4096 * 14336
    assert a.attention_params_per_layer == attn
    assert a.mlp_params_per_layer == mlp
    assert a.total_params == 2 * 128256 * 4096 + 32 * (attn + mlp + 2 * 4096) + 4096


def test_tied_embeddings_have_no_lm_head() -> None:
    a = ModelArch.from_preset(load_preset("models", "llama-3.2-1b"))
    assert a.tied_embeddings and a.lm_head_params == 0


def test_hf_config_nested_text_config_and_head_dim_default() -> None:
    gemma3 = {
        "model_type": "gemma3",
        "text_config": {
            "model_type": "gemma3_text",
            "hidden_size": 2560,
            "head_dim": 256,
            "intermediate_size": 10240,
            "num_attention_heads": 8,
            "num_hidden_layers": 34,
            "num_key_value_heads": 4,
            "vocab_size": 262208,
        },
        "vision_config": {"hidden_size": 1152},
    }
    a = ModelArch.from_hf_config(gemma3)
    assert (a.head_dim, a.num_layers, a.norms_per_layer, a.qk_norm) == (256, 34, 4, True)
    phi = {
        "model_type": "phi3",
        "hidden_size": 3072,
        "num_attention_heads": 32,
        "num_hidden_layers": 32,
        "intermediate_size": 8192,
        "vocab_size": 32064,
    }
    b = ModelArch.from_hf_config(phi)
    assert b.head_dim == 96 and b.kv_heads == 32


def test_bad_config_is_a_user_error() -> None:
    from tunebook.errors import UserError

    with pytest.raises(UserError, match="missing"):
        ModelArch.from_hf_config({"model_type": "llama", "hidden_size": 64})
