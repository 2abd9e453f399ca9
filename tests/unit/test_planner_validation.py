"""Bad preset numbers become one-line user errors naming the file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tunebook.commands.estimate import estimate
from tunebook.errors import UserError
from tunebook.planner import PlanRequest, plan_training
from tunebook.planner.arch import ModelArch
from tunebook.presets import load_preset

GOOD = {
    "model_type": "llama",
    "num_hidden_layers": 2,
    "hidden_size": 64,
    "num_attention_heads": 4,
    "intermediate_size": 128,
    "vocab_size": 1000,
}


def _preset_root(tmp_path: Path, monkeypatch, kind: str, name: str, text: str) -> Path:
    folder = tmp_path / "team" / kind
    folder.mkdir(parents=True)
    path = folder / f"{name}.yaml"
    path.write_text(text)
    monkeypatch.setenv("TUNEBOOK_PRESET_PATH", str(tmp_path / "team"))
    return path


@pytest.mark.parametrize(
    ("key", "value", "expect"),
    [
        ("vram_gb", '"lots"', "must be a positive number, got 'lots'"),
        ("price_usd_per_hour", '"cheap"', "must be a non-negative number, got 'cheap'"),
        ("vram_gb", "-8", "must be a positive number"),
    ],
)
def test_bad_hardware_number_names_file_line_field(tmp_path, monkeypatch, key, value, expect):
    path = _preset_root(
        tmp_path, monkeypatch, "hardware", "bad-gpu",
        f"name: bad-gpu\nextends: builtin/rtx-4090\ndescription: bad\n{key}: {value}\n",
    )
    out = CliRunner().invoke(estimate, ["--model", "smollm2-135m", "--gpu", "bad-gpu"])
    assert out.exit_code == 2, out.output
    assert "Traceback" not in out.output and len(out.output.strip().splitlines()) == 1
    assert f"{path}:4: {key}: {expect}" in out.output and "hint:" in out.output


def test_bad_mfu_fraction() -> None:
    hardware = {**load_preset("hardware", "rtx-4090"), "mfu": {"full": 35}}
    with pytest.raises(UserError) as info:
        plan_training(PlanRequest(model=load_preset("models", "smollm2-135m"), hardware=hardware))
    assert info.value.field == "mfu.full" and "(0, 1]" in info.value.bare_message


@pytest.mark.parametrize(
    ("change", "field", "expect"),
    [
        ({"num_attention_heads": 0}, "num_attention_heads", "positive integer, got 0"),
        ({"num_hidden_layers": "two"}, "num_hidden_layers", "positive integer, got 'two'"),
        ({"num_hidden_layers": -2}, "num_hidden_layers", "positive integer, got -2"),
        ({"num_attention_heads": 5}, "num_attention_heads", "must divide hidden_size"),
        ({"num_key_value_heads": 3}, "num_key_value_heads", "must divide num_attention_heads"),
        ({"head_dim": 0}, "head_dim", "positive integer"),
    ],
)
def test_bad_architecture_numbers(tmp_path, change, field, expect) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**GOOD, **change}, indent=1))
    out = CliRunner().invoke(estimate, ["--model", str(path)])
    assert out.exit_code == 2, out.output
    assert "Traceback" not in out.output and len(out.output.strip().splitlines()) == 1
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if f'"{field}"' in t)
    assert f"{path}:{line}: {field}: " in out.output and expect in out.output, out.output


def test_head_dim_lifts_the_divisibility_rule() -> None:
    arch = ModelArch.from_hf_config({**GOOD, "num_attention_heads": 5, "head_dim": 16})
    assert arch.head_dim == 16 and arch.heads == 5


def test_bad_model_preset_names_preset_file(tmp_path, monkeypatch) -> None:
    preset = load_preset("models", "smollm2-135m")
    arch = {**preset["architecture"], "num_hidden_layers": "two"}
    lines = ["name: broken", "family: broken", "architecture:"]
    lines += [f"  {k}: {json.dumps(v)}" for k, v in arch.items()]
    path = _preset_root(tmp_path, monkeypatch, "models", "broken", "\n".join(lines) + "\n")
    out = CliRunner().invoke(estimate, ["--model", "broken"])
    assert out.exit_code == 2, out.output
    line = 4 + list(arch).index("num_hidden_layers")
    assert f"{path}:{line}: architecture.num_hidden_layers: must be a positive integer" in (
        out.output
    )
    # without a source the planner finds the file by the preset's name
    with pytest.raises(UserError) as info:
        plan_training(PlanRequest(model=load_preset("models", "broken"), hardware=None, vram_gb=24))
    assert info.value.file == str(path) and info.value.line == line


def test_config_json_list_is_not_called_a_preset(tmp_path) -> None:
    path = tmp_path / "c5.json"
    path.write_text("[1, 2]")
    out = CliRunner().invoke(estimate, ["--model", str(path)])
    assert out.exit_code == 2
    assert "not a config.json object" in out.output and "model preset 'c5'" not in out.output
