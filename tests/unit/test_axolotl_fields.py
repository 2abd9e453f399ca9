"""The shipped snapshot of Axolotl's config fields and the fast checks built on it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tunebook import axolotl_fields as af

GOOD = {
    "base_model": "Qwen/Qwen2.5-7B-Instruct",
    "model_type": "AutoModelForCausalLM",
    "datasets": [
        {
            "path": "data/train.jsonl",
            "type": "chat_template",
            "field_messages": "messages",
            "message_property_mappings": {"role": "role", "content": "content"},
        }
    ],
    "test_datasets": [{"path": "data/test.jsonl", "split": "train", "type": "chat_template"}],
    "adapter": "lora",
    "lora_r": 16,
    "lora_target_modules": ["q_proj", "v_proj"],
    "learning_rate": "2e-4",  # PyYAML reads 2e-4 as a string; Axolotl converts it
    "micro_batch_size": 2,
    "bf16": "auto",
    "gradient_checkpointing": "offload",
    "excess_length_strategy": "drop",
    "attn_implementation": "sdpa",
    "optimizer": "adamw_torch",
}


def test_snapshot_holds_top_level_and_nested_fields() -> None:
    fields = af.load_fields()
    assert len(fields) > 300
    assert fields["micro_batch_size"]["type"] == "int"
    assert fields["excess_length_strategy"] == {
        "type": "enum",
        "enum": ["drop", "truncate", "raise"],
    }
    for key in ("datasets", "test_datasets"):
        assert {"type", "field_messages", "message_property_mappings", "roles_to_train"} <= set(
            fields[key]["nested"]
        )
    assert "model_type" in fields and "type_of_model" in fields  # alias and field name


def test_loading_is_cached_and_versioned() -> None:
    assert af.load_fields("0.19.0") is af.load_fields("0.19.0")
    with pytest.raises(FileNotFoundError, match=r"shipped: 0\.19\.0"):
        af.load_fields("0.1.0")


def test_a_valid_config_has_no_findings() -> None:
    assert af.unknown_keys(GOOD) == []
    assert af.bad_values(GOOD) == []


def test_unknown_keys_are_found_at_every_depth_with_suggestions() -> None:
    cfg = {
        **GOOD,
        "lora_rr": 8,
        "learnin_rate": 1e-4,
        "zzz_completely_new": 1,
        "datasets": [{**GOOD["datasets"][0], "field_mesages": "messages"}],
        "test_datasets": [{"path": "t.jsonl", "splitt": "train"}],
    }
    assert sorted(af.unknown_keys(cfg)) == sorted(
        [
            ("lora_rr", "lora_r"),
            ("learnin_rate", "learning_rate"),
            ("zzz_completely_new", None),
            ("datasets[0].field_mesages", "field_messages"),
            ("test_datasets[0].splitt", "split"),
        ]
    )
    assert af.unknown_keys({"my_plugin_knob": 1}, extra_fields=["my_plugin_knob"]) == []


def test_closest_field_top_level_and_nested() -> None:
    assert af.closest_field("sequence_length") == "sequence_len"
    assert af.closest_field("field_mesages", nested="datasets") == "field_messages"
    assert af.closest_field("qqqqqqqq") is None


def test_bad_values_flag_enums_and_simple_types() -> None:
    cfg = {
        **GOOD,
        "excess_length_strategy": "chop",
        "micro_batch_size": "two",
        "bf16": "sometimes",
        "lora_target_modules": 3,
        "learning_rate": "fast",
        "datasets": [{"path": 5}],
    }
    found = dict(af.bad_values(cfg))
    assert found.keys() == {
        "excess_length_strategy",
        "micro_batch_size",
        "bf16",
        "lora_target_modules",
        "learning_rate",
        "datasets[0].path",
    }
    assert found["excess_length_strategy"] == "'chop' is not one of 'drop', 'truncate', 'raise'"
    assert "expected int" in found["micro_batch_size"]


def test_bad_values_accepts_what_pydantic_coerces() -> None:
    cfg = {
        "micro_batch_size": "4",
        "learning_rate": 1,
        "bf16": True,
        "gradient_checkpointing": True,
    }
    assert af.bad_values(cfg) == []


def test_module_is_pure_and_fast() -> None:
    code = (
        "import sys, time; t = time.perf_counter(); from tunebook import axolotl_fields as af; "
        "af.unknown_keys({'lora_rr': 1}); dt = time.perf_counter() - t; "
        "assert not {'torch', 'axolotl', 'transformers', 'pydantic'} & set(sys.modules), dt; "
        "assert dt < 0.5, dt"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.integration
def test_shipped_snapshot_equals_the_installed_axolotl() -> None:
    pytest.importorskip("axolotl")
    snapshot = af.installed_snapshot()
    assert snapshot["axolotl_version"] == af.DEFAULT_VERSION
    path = af.DATA_DIR / f"axolotl-{af.DEFAULT_VERSION}.json"
    assert path.read_text(encoding="utf-8") == af._render(snapshot)
