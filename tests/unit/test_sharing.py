"""Sharing presets: team directories, installed packs, extends chains, lockfiles."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from tb_testutil import BASIC_RECIPE, REPO, chat_rows, write_jsonl

from tunebook.errors import UserError
from tunebook.pipeline import prepare
from tunebook.presets import load_preset_doc


def _cli(*args: str, env: dict | None = None, cwd=REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tunebook.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_team_dir_overrides_builtin_and_where_shows_both(tmp_path):
    team = tmp_path / "team"
    (team / "models").mkdir(parents=True)
    (team / "models" / "qwen2.5-7b.yaml").write_text(
        "name: qwen2.5-7b\nversion: 7\ndescription: team copy\nextends: qwen2.5-7b\n"
        "axolotl:\n  chat_template: chatml\n")
    env = {**os.environ, "TUNEBOOK_PRESET_PATH": str(team)}
    where = _cli("presets", "where", "models", "qwen2.5-7b", env=env)
    assert where.returncode == 0, where.stderr
    lines = where.stdout.strip().splitlines()
    assert lines[0].startswith("used") and "team/qwen2.5-7b" in lines[0]
    assert lines[1].startswith("shadowed") and "builtin/qwen2.5-7b" in lines[1]
    explain = _cli("explain", "support-tone", "--json", env=env)
    payload = json.loads(explain.stdout)
    assert payload["chat_template"]["value"] == "chatml"
    assert payload["chat_template"]["file"] == str(team / "models" / "qwen2.5-7b.yaml")
    # inherited from the built-in through `extends: qwen2.5-7b`
    assert payload["base_model"]["file"].endswith("presets/models/qwen2.5-7b.yaml")


@pytest.fixture(scope="module")
def acme_site(tmp_path_factory):
    """The example pack installed (pip, real entry point) into a private site folder."""
    target = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(REPO / "examples" / "acme-presets")],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return target


def _pack_env(site) -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO / "cli")])}


def test_example_pack_is_listed_and_shadows(acme_site):
    env = _pack_env(acme_site)
    listed = _cli("presets", "list", "models", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    names = {row["name"] for row in json.loads(listed.stdout)}
    assert "acme-support-8b" in names
    where = _cli("presets", "where", "hardware", "rtx-4090", env=env)
    assert "used     acme/rtx-4090" in where.stdout
    assert "shadowed builtin/rtx-4090" in where.stdout
    plan = _cli("plan", "support-tone", "--json", env=env)
    assert plan.returncode == 0, plan.stderr
    builtin = _cli("plan", "support-tone", "--json")
    # same GPU-hours, ACME's contract price
    ours, theirs = json.loads(plan.stdout), json.loads(builtin.stdout)
    assert ours["hours"] == theirs["hours"]
    assert any("$0.31/device-hour" in line for line in ours["assumptions"])
    assert any("$0.45/device-hour" in line for line in theirs["assumptions"])


def test_namespaced_name_from_pack(acme_site, tmp_path):
    env = _pack_env(acme_site)
    show = _cli("presets", "show", "models", "acme/acme-support-8b", env=env)
    assert show.returncode == 0, show.stderr
    assert "lora_target_modules" in show.stdout and "acme_presets" in show.stdout
    missing = _cli("presets", "show", "models", "nope/acme-support-8b", env=env)
    assert missing.returncode == 2 and "no preset namespace 'nope'" in missing.stderr


def _write_chain(root, depth_names):
    folder = root / "hardware"
    folder.mkdir(parents=True, exist_ok=True)
    for name, parent, extra in depth_names:
        text = f"name: {name}\nversion: 1\ndescription: {name}\n"
        if parent:
            text += f"extends: {parent}\n"
        folder.joinpath(f"{name}.yaml").write_text(text + extra)


def test_three_level_extends_provenance(tmp_path, monkeypatch):
    _write_chain(tmp_path, [
        ("gpu-a", "a100-80gb", "price_usd_per_hour: 1.0\n"),
        ("gpu-b", "gpu-a", "vram_gb: 40\n"),
        ("gpu-c", "gpu-b", "axolotl:\n  tf32: false\n"),
    ])
    monkeypatch.setenv("TUNEBOOK_PRESET_PATH", str(tmp_path))
    doc = load_preset_doc("hardware", "gpu-c")
    assert doc.data["price_usd_per_hour"] == 1.0
    assert doc.file_of("price_usd_per_hour").name == "gpu-a.yaml"
    assert doc.data["vram_gb"] == 40 and doc.file_of("vram_gb").name == "gpu-b.yaml"
    assert doc.data["bf16_tflops"] == 312 and doc.file_of("bf16_tflops").name == "a100-80gb.yaml"
    assert doc.data["axolotl"]["tf32"] is False
    assert doc.data["axolotl"]["bf16"] == "auto"  # mappings merge key by key
    assert doc.file_of("axolotl", "tf32").name == "gpu-c.yaml"
    assert doc.line_of("axolotl", "tf32") == 6
    assert [p.name for p, _ in doc.chain] == ["gpu-c.yaml", "gpu-b.yaml", "gpu-a.yaml",
                                              "a100-80gb.yaml"]


def test_extends_cycle_prints_chain(tmp_path, monkeypatch):
    _write_chain(tmp_path, [("x", "y", ""), ("y", "z", ""), ("z", "x", "")])
    monkeypatch.setenv("TUNEBOOK_PRESET_PATH", str(tmp_path))
    with pytest.raises(UserError) as info:
        load_preset_doc("hardware", "x")
    assert "cycle: x.yaml -> y.yaml -> z.yaml -> x.yaml" in info.value.format_message()


def test_missing_parent_names_line(tmp_path, monkeypatch):
    _write_chain(tmp_path, [("x", "a100-80g", "")])
    monkeypatch.setenv("TUNEBOOK_PRESET_PATH", str(tmp_path))
    with pytest.raises(UserError) as info:
        load_preset_doc("hardware", "x")
    message = info.value.format_message()
    assert "x.yaml:4: extends" in message and "did you mean 'a100-80gb'?" in message


def test_locked_fails_after_preset_change_and_passes_after_lock(tmp_path):
    team = tmp_path / "team"
    _write_chain(team, [("our-gpu", "rtx-4090", "price_usd_per_hour: 0.40\n")])
    write_jsonl(tmp_path / "data.jsonl", chat_rows(30))
    recipe = tmp_path / "r.yaml"
    recipe.write_text(BASIC_RECIPE.replace("rtx-4090", "our-gpu")
                      .replace("data/train.jsonl", "data.jsonl")
                      .replace("  eval_path: data/eval.jsonl\n", ""))
    env = {**os.environ, "TUNEBOOK_PRESET_PATH": str(team),
           "TUNEBOOK_RUNS_DIR": str(tmp_path / "runs")}
    assert _cli("lock", str(recipe), env=env).returncode == 0
    lock = tmp_path / "r.lock.yaml"
    assert lock.is_file() and "our-gpu" in lock.read_text()
    ok = _cli("train", str(recipe), "--locked", "--dry-run", env=env)
    assert ok.returncode == 0, ok.stderr
    preset = team / "hardware" / "our-gpu.yaml"
    preset.write_text(preset.read_text().replace("0.40", "0.55"))
    refused = _cli("train", str(recipe), "--locked", "--dry-run", env=env)
    assert refused.returncode == 2
    assert "preset hardware/our-gpu changed" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _cli("lock", str(recipe), env=env).returncode == 0
    again = _cli("train", str(recipe), "--locked", "--dry-run", env=env)
    assert again.returncode == 0, again.stderr


def test_lock_records_versions_and_hashes(write_recipe):
    from tunebook.lockfile import build_lock

    lock = build_lock(prepare(str(write_recipe(BASIC_RECIPE))))
    assert set(lock["versions"]) == {"tunebook", "axolotl", "transformers", "peft"}
    assert {p["kind"] for p in lock["presets"]} == {"defaults", "tasks", "models", "methods",
                                                    "hardware"}
    assert all(len(d["sha256"]) == 64 for d in lock["datasets"])


def test_scaffolded_recipe_loads(tmp_path, invoke):
    result = invoke("new", "faq-bot", "--task", "chat", "--model", "llama-3.1-8b",
                    "--dir", str(tmp_path))
    assert result.exit_code == 0
    path = tmp_path / "faq-bot.yaml"
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text(
        '{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", '
        '"content": "b"}]}\n')
    compiled = prepare(str(path))
    assert compiled.resolved.model.name == "llama-3.1-8b"
    again = invoke("new", "faq-bot", "--task", "chat", "--dir", str(tmp_path))
    assert again.exit_code == 2  # never overwrites


def test_scaffolded_preset_extends(tmp_path, invoke, monkeypatch):
    result = invoke("presets", "new", "hardware", "our-a100", "--extends", "a100-80gb",
                    "--dir", str(tmp_path))
    assert result.exit_code == 0
    monkeypatch.setenv("TUNEBOOK_PRESET_PATH", str(tmp_path))
    assert load_preset_doc("hardware", "our-a100").data["vram_gb"] == 80


@pytest.mark.parametrize("field, value", [
    ("--data", "a'b: c"), ("--data", "x\ny: 1"), ("--data", "{{ 7*7 }}"), ("--data", "on"),
])
def test_scaffold_values_cannot_inject_yaml(tmp_path, invoke, field, value):
    result = invoke("new", "inj", "--task", "chat", field, value, "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    import yaml

    data = yaml.safe_load((tmp_path / "inj.yaml").read_text())
    assert data["dataset"]["path"] == value
    assert set(data) == {"name", "description", "task", "model", "hardware", "method",
                         "dataset", "eval", "training", "tracking"}


def test_scaffold_preset_description_is_quoted(tmp_path, invoke, monkeypatch):
    result = invoke("presets", "new", "hardware", "ours", "--description", "A100: our\nprice",
                    "--maintainer", "ml\nx: 1", "--dir", str(tmp_path))
    assert result.exit_code == 0
    monkeypatch.setenv("TUNEBOOK_PRESET_PATH", str(tmp_path))
    doc = load_preset_doc("hardware", "ours")
    assert doc.data["description"] == "A100: our\nprice" and "x" not in doc.data


def test_scaffold_rejects_unknown_model(tmp_path, runner):
    from tunebook.cli import main

    result = runner.invoke(main, ["new", "m", "--task", "chat", "--model", "nosuch",
                                  "--dir", str(tmp_path)])
    assert result.exit_code == 2 and "unknown model 'nosuch'" in result.output
