"""The embedded tiny model: deterministic files, a working tokenizer and chat template."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from tokenizers import Tokenizer

from tunebook import tinymodel

TEXTS = [
    "Hello there, how can I help you today?",
    "My order has not arrived yet.",
    "Sorry to hear that! Could you share the order number?",
] * 20

EXPECTED_FILES = {
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "special_tokens_map.json",
    "tokenizer.json",
    "tokenizer_config.json",
}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tinymodel.build_tiny_model(tmp_path_factory.mktemp("tiny"), TEXTS)


def test_writes_every_file(model_dir: Path) -> None:
    assert {p.name for p in model_dir.iterdir()} == EXPECTED_FILES


def test_same_inputs_give_byte_identical_files(model_dir: Path, tmp_path: Path) -> None:
    again = tinymodel.build_tiny_model(tmp_path / "again", TEXTS)
    for name in EXPECTED_FILES:
        assert (again / name).read_bytes() == (model_dir / name).read_bytes(), name


def test_other_seed_changes_weights_only(model_dir: Path, tmp_path: Path) -> None:
    other = tinymodel.build_tiny_model(tmp_path / "other", TEXTS, seed=1)

    def same(name: str) -> bool:
        return (other / name).read_bytes() == (model_dir / name).read_bytes()

    assert not same("model.safetensors")
    assert same("tokenizer.json") and same("config.json")


def test_config_describes_a_float32_llama(model_dir: Path) -> None:
    config = json.loads((model_dir / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"]
    assert config["torch_dtype"] == "float32"
    assert config["tie_word_embeddings"] is False
    assert (config["eos_token_id"], config["pad_token_id"]) == (tinymodel.EOS_ID, tinymodel.PAD_ID)
    assert config["num_hidden_layers"] == 2 and config["hidden_size"] == 64


def test_weights_have_llama_shapes_and_init(model_dir: Path) -> None:
    from safetensors.numpy import load_file

    tensors = load_file(str(model_dir / "model.safetensors"))
    assert tensors["model.embed_tokens.weight"].shape == (1024, 64)
    assert tensors["model.layers.1.self_attn.k_proj.weight"].shape == (32, 64)  # 2 kv heads x 16
    assert (tensors["model.norm.weight"] == 1).all()
    std = float(tensors["lm_head.weight"].std())
    assert 0.018 < std < 0.022
    assert len(tensors) == 2 + 9 * 2 + 1


def test_tokenizer_round_trips_and_keeps_special_tokens_whole(model_dir: Path) -> None:
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    for text in ["Hello there!", "héllo wörld 😀 — ünïcode", "  spaces\tand\nnewlines  "]:
        assert tok.decode(tok.encode(text).ids, skip_special_tokens=False) == text
    ids = tok.encode("<|im_start|>user\nhi<|im_end|>").ids
    assert ids[0] == tinymodel.IM_START_ID and ids[-1] == tinymodel.EOS_ID
    assert tok.token_to_id("<|endoftext|>") == tinymodel.PAD_ID


def test_tokenizer_learned_merges_from_the_texts(model_dir: Path) -> None:
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    assert len(tok.encode("Hello there").ids) < len("Hello there")


def test_chat_template_renders_chatml(model_dir: Path) -> None:
    config = json.loads((model_dir / "tokenizer_config.json").read_text())
    template = jinja2.Environment().from_string(config["chat_template"])
    messages = [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
    ]
    assert template.render(messages=messages, add_generation_prompt=False) == (
        "<|im_start|>system\nBe kind.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\nHello!<|im_end|>\n"
    )
    prompt = template.render(messages=messages[:2], add_generation_prompt=True)
    assert prompt.endswith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    assert config["eos_token"] == "<|im_end|>" and config["pad_token"] == "<|endoftext|>"
    assert config["model_max_length"] == 2048


def test_key_depends_on_texts_and_params() -> None:
    key = tinymodel.tiny_model_key(TEXTS)
    assert len(key) == 16 and int(key, 16) >= 0
    assert key == tinymodel.tiny_model_key(iter(TEXTS))
    assert key == tinymodel.tiny_model_key(TEXTS, seed=0, layers=2)  # defaults are explicit
    assert key != tinymodel.tiny_model_key(TEXTS, seed=1)
    assert key != tinymodel.tiny_model_key([*TEXTS, "one more"])
    assert tinymodel.tiny_model_key(["ab", "c"]) != tinymodel.tiny_model_key(["a", "bc"])
    with pytest.raises(TypeError, match="bogus"):
        tinymodel.tiny_model_key(TEXTS, bogus=3)


def test_ensure_builds_once_and_reuses(tmp_path: Path) -> None:
    path = tinymodel.ensure_tiny_model(tmp_path, iter(TEXTS), layers=1)
    assert path.parent == tmp_path and path.name == tinymodel.tiny_model_key(TEXTS, layers=1)
    assert {p.name for p in path.iterdir()} == EXPECTED_FILES
    stamp = (path / "model.safetensors").stat().st_mtime_ns
    assert tinymodel.ensure_tiny_model(tmp_path, TEXTS, layers=1) == path
    assert (path / "model.safetensors").stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp dirs left behind


def test_rejects_inconsistent_shapes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="divisible"):
        tinymodel.build_tiny_model(tmp_path, TEXTS, hidden=64, heads=5)
    with pytest.raises(ValueError, match="vocab_size"):
        tinymodel.build_tiny_model(tmp_path, TEXTS, vocab_size=100)


def test_building_does_not_import_torch(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from tunebook.tinymodel import build_tiny_model; "
        f"build_tiny_model(Path({str(tmp_path)!r}), ['a b c']); "
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
