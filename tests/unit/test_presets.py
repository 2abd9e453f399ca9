"""Preset lookup: search path, shadowing, names that cannot escape, did-you-mean."""

from __future__ import annotations

import pytest

from tunebook.errors import UserError
from tunebook.presets import (
    PRESET_KINDS,
    iter_preset_docs,
    list_presets,
    load_preset_doc,
    preset_candidates,
)


@pytest.mark.parametrize("kind", PRESET_KINDS)
def test_every_builtin_preset_loads(kind):
    docs = iter_preset_docs(kind)
    assert docs, f"no {kind} presets shipped"
    for doc in docs:
        assert doc.name == doc.path.stem
        assert len(doc.sha256) == 64


@pytest.mark.parametrize("kind", ["models", "tasks", "methods", "hardware"])
def test_yaml_presets_have_metadata(kind):
    for doc in iter_preset_docs(kind):
        assert doc.data.get("name") == doc.name, doc.path
        assert isinstance(doc.data.get("version"), int), doc.path
        assert doc.data.get("description"), doc.path
        assert doc.data.get("maintainer"), doc.path
        assert isinstance(doc.data.get("axolotl", {}), dict), doc.path


def test_required_catalog_entries():
    assert len([n for n in list_presets("models") if n != "tiny-demo"]) >= 12
    gpus = set(list_presets("hardware"))
    assert {"rtx-3090", "rtx-4090", "a10g", "l4", "l40s", "a100-40gb", "a100-80gb",
            "h100-80gb", "h200", "cpu"} <= gpus
    assert {"lora", "qlora", "full"} <= set(list_presets("methods"))
    assert {"tone", "classification", "extraction", "chat", "summarization",
            "completion"} <= set(list_presets("tasks"))


def test_unknown_preset_did_you_mean():
    with pytest.raises(UserError, match="did you mean 'qwen2.5-7b'"):
        load_preset_doc("models", "qwen2.5-7")


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b", "..", "/etc/passwd", "", "a/../b",
                                  "builtin/../../x"])
def test_preset_names_cannot_escape(name):
    with pytest.raises(UserError, match="not a valid|no preset namespace"):
        load_preset_doc("models", name)


def test_team_dir_shadows_builtin(tmp_path, monkeypatch):
    team = tmp_path / "team"
    (team / "hardware").mkdir(parents=True)
    (team / "hardware" / "rtx-4090.yaml").write_text(
        "name: rtx-4090\nversion: 2\ndescription: our price\nvram_gb: 24\n"
        "price_usd_per_hour: 0.30\n")
    monkeypatch.setenv("TUNEBOOK_PRESET_PATH", str(team))
    found = preset_candidates("hardware", "rtx-4090")
    assert found[0][1] == team / "hardware" / "rtx-4090.yaml"
    assert len(found) == 2
    assert load_preset_doc("hardware", "rtx-4090").data["price_usd_per_hour"] == 0.30
