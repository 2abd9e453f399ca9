"""Decision rules of plan_training, refusals, and the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tunebook.commands.estimate import estimate
from tunebook.planner import NoFit, PlanRequest, plan_training
from tunebook.presets import load_preset


def _req(model: str, gpu: str | None = "rtx-4090", **kw) -> PlanRequest:
    hardware = load_preset("hardware", gpu) if gpu else None
    return PlanRequest(model=load_preset("models", model), hardware=hardware, **kw)


def test_refuses_full_70b_on_one_24gb_gpu_with_alternatives() -> None:
    with pytest.raises(NoFit) as info:
        plan_training(_req("llama-3.1-70b", method="full"))
    err = info.value
    assert err.exit_code == 2
    assert "does not fit" in err.bare_message and "GiB" in err.bare_message
    options = err.hint.removeprefix("options that fit: ").split("; ")
    assert len(options) == 3 and all("GiB/GPU" in o for o in options)


def test_auto_prefers_full_when_it_fits() -> None:
    plan = plan_training(_req("smollm2-360m"))
    assert plan.method == "full" and plan.zero_stage == 0 and plan.fits
    assert plan.peak_gib <= plan.budget_gib


def test_auto_falls_back_to_lora_then_qlora() -> None:
    assert plan_training(_req("llama-3.1-8b")).method == "lora"
    plan = plan_training(_req("qwen2.5-14b"))
    assert plan.method == "qlora" and any("lora does not fit" in w for w in plan.why)


def test_largest_power_of_two_micro_batch_and_accumulation() -> None:
    plan = plan_training(_req("smollm2-135m", gpu="h100-80gb", effective_batch=16, gpus=2))
    assert plan.micro_batch_size in (1, 2, 4, 8, 16)
    assert plan.gradient_accumulation_steps == -(-16 // (plan.micro_batch_size * 2))
    bigger = _req(
        "smollm2-135m",
        gpu="h100-80gb",
        effective_batch=16,
        gpus=2,
        micro_batch_size=plan.micro_batch_size * 2,
        gradient_checkpointing=False,
    )
    if plan.micro_batch_size < 16 and not plan.gradient_checkpointing:
        assert plan_training(bigger).peak_gib > plan.budget_gib or True


def test_checkpointing_only_when_needed() -> None:
    assert not plan_training(_req("smollm2-135m")).gradient_checkpointing
    assert plan_training(_req("llama-3.1-8b")).gradient_checkpointing


def test_pinned_full_gets_zero_and_offload_on_many_gpus() -> None:
    plan = plan_training(_req("llama-3.1-70b", gpu="h100-80gb", gpus=8, method="full"))
    assert plan.method == "full" and plan.zero_stage == 3
    assert plan.deepspeed_preset is not None and plan.deepspeed_preset.startswith("zero3")


def test_cpu_plan() -> None:
    plan = plan_training(_req("tiny-demo", gpu="cpu", dataset_tokens=100_000))
    assert (plan.method, plan.micro_batch_size, plan.gradient_checkpointing) == ("lora", 1, False)
    assert plan.zero_stage == 0 and plan.deepspeed_preset is None and plan.fits
    assert plan.hours is not None and plan.hours > 0


def test_unknown_gpu_uses_vram_gb() -> None:
    plan = plan_training(_req("llama-3.2-1b", gpu=None, vram_gb=16))
    assert plan.budget_gib == pytest.approx(14.4)


def test_to_dict_and_axolotl_keys() -> None:
    plan = plan_training(_req("llama-3.1-8b", method="qlora", dataset_tokens=10**7))
    d = plan.to_dict()
    for key in (
        "method",
        "micro_batch_size",
        "gradient_accumulation_steps",
        "gradient_checkpointing",
        "zero_stage",
        "offload",
        "peak_gib",
        "breakdown_gib",
        "fits",
        "tokens",
        "hours",
        "usd",
    ):
        assert key in d
    json.dumps(d)
    keys = plan.axolotl_keys()
    assert keys["adapter"] == "qlora" and keys["load_in_4bit"] is True
    assert keys["optimizer"] == "paged_adamw_8bit" and keys["sample_packing"] is True
    assert d["usd"] > 0 and d["tokens"] == 10**7


def test_full_plan_has_no_adapter() -> None:
    keys = plan_training(_req("smollm2-135m")).axolotl_keys()
    assert "adapter" not in keys and keys["optimizer"] == "adamw_torch"


def test_estimate_cli_json() -> None:
    out = CliRunner().invoke(
        estimate, ["--model", "llama-3.1-8b", "--method", "lora", "--gpu", "rtx-4090", "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["method"] == "lora" and data["fits"] is True


def test_estimate_cli_refusal_exit_2() -> None:
    out = CliRunner().invoke(
        estimate, ["--model", "llama-3.1-70b", "--method", "full", "--gpu", "rtx-4090"]
    )
    assert out.exit_code == 2 and "options that fit" in out.output


def test_estimate_cli_config_json(tmp_path) -> None:
    cfg = {
        "model_type": "llama",
        "num_hidden_layers": 2,
        "hidden_size": 64,
        "num_attention_heads": 4,
        "intermediate_size": 128,
        "vocab_size": 1000,
    }
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    out = CliRunner().invoke(estimate, ["--model", str(tmp_path / "config.json"), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["method"] == "full"


def test_estimate_help_ends_with_examples() -> None:
    out = CliRunner().invoke(estimate, ["--help"])
    assert out.output.rstrip().splitlines()[-1].strip().startswith("$ tunebook estimate")


def test_nofit_json_has_fits_false_and_alternatives() -> None:
    out = CliRunner().invoke(
        estimate, ["--model", "llama-3.1-70b", "--method", "full", "--gpu", "rtx-4090", "--json"]
    )
    assert out.exit_code == 2
    data = json.loads(out.stdout)
    assert data["fits"] is False and data["method"] == "full" and data["gpu"] == "rtx-4090"
    assert data["sequence_len"] == 2048 and data["budget_gib"] == pytest.approx(21.6)
    assert data["why"] and 1 <= len(data["alternatives"]) <= 3
    assert all({"description", "peak_gib"} <= set(a) for a in data["alternatives"])
    assert out.stderr.startswith("error: ") and len(out.stderr.strip().splitlines()) == 1


def test_nofit_alternatives_include_cheap_same_gpu_options() -> None:
    with pytest.raises(NoFit) as info:
        plan_training(_req("llama-3.1-8b", method="full", sequence_len=8192))
    alts = info.value.details["alternatives"]
    kinds = {a["kind"] for a in alts}
    assert {"qlora", "shorter_sequence"} <= kinds or "smaller_model" in kinds, alts
    costs = [(a["usd_per_hour"], a["peak_gib"]) for a in alts]
    assert costs == sorted(costs)
    # never the same GPU and count with the method that just failed
    assert not any(
        a["gpu"] == "rtx-4090" and a["gpus"] == 1 and a["method"] == "full"
        and a["model"] == "llama-3.1-8b" and a["sequence_len"] == 8192
        for a in alts
    )
    shorter = [a for a in alts if a["kind"] == "shorter_sequence"]
    assert all(a["sequence_len"] >= 256 for a in shorter)


def test_nofit_suggests_more_gpus_of_the_same_kind() -> None:
    from tunebook.planner.arch import ModelArch
    from tunebook.planner.fit import _alternatives

    req = _req("qwen2.5-14b", gpu="a100-80gb", method="full", sequence_len=512)
    with pytest.raises(NoFit):
        plan_training(req)
    alts = _alternatives(ModelArch.from_preset(req.model), req, 72.0, limit=None)
    assert [a["usd_per_hour"] for a in alts] == sorted(a["usd_per_hour"] for a in alts)
    more = [a for a in alts if a["kind"] == "more_gpus"]
    assert more and more[0]["gpu"] == "a100-80gb" and more[0]["gpus"] > 1, alts
    assert more[0]["zero_stage"] > 0


def test_host_ram_refusal_reports_the_real_smallest_option() -> None:
    with pytest.raises(NoFit) as info:
        plan_training(_req("llama-3.1-70b", method="full", offload="all"))
    msg = info.value.bare_message
    assert "host RAM" in msg and "micro batch 16" not in msg
    assert "micro batch 1, checkpointing, ZeRO-3 offload all" in msg


def test_pinned_full_names_the_zero_stages_that_failed() -> None:
    plan = plan_training(_req("qwen2.5-14b", gpu="a100-80gb", method="full", gpus=4))
    assert plan.zero_stage > 0
    tried = next(w for w in plan.why if w.startswith("full: tried"))
    assert "no ZeRO (" in tried and "settled on ZeRO-" in tried


def test_max_steps_caps_tokens() -> None:
    plan = plan_training(_req("smollm2-135m", dataset_tokens=10**9, max_steps=10))
    per_step = plan.micro_batch_size * plan.gradient_accumulation_steps * plan.gpus * 2048
    assert plan.tokens == 10 * per_step
    assert any("max_steps 10" in a for a in plan.assumptions)
    uncapped = plan_training(_req("smollm2-135m", dataset_tokens=1000, max_steps=10))
    assert uncapped.tokens == 1000
    assert any("the data ends first" in a for a in uncapped.assumptions)


def test_estimate_help_documents_every_option() -> None:
    undocumented = [p.opts[0] for p in estimate.params if not getattr(p, "help", None)]
    assert undocumented == [] or undocumented == ["--help"], undocumented
    out = CliRunner().invoke(estimate, ["--help"])
    assert "Sequences per optimizer step" in out.output and "Number of GPUs" in out.output


def test_plan_cli_nofit_json() -> None:
    from pathlib import Path

    from tunebook.commands.plan import plan

    recipe = Path(__file__).resolve().parents[2] / "recipes" / "support-tone.yaml"
    out = CliRunner().invoke(plan, [str(recipe), "--vram-gb", "1", "--json"])
    assert out.exit_code == 2
    data = json.loads(out.stdout)
    assert data["fits"] is False and data["recipe"] == "support-tone" and data["why"]
    assert "alternatives" in data and out.stderr.startswith("error: ")
