"""Recipe and preset loaders never raise anything but a one-line UserError, on any input."""

from __future__ import annotations

import string

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tunebook.errors import UserError
from tunebook.pipeline import prepare
from tunebook.presets import load_preset_doc
from tunebook.recipe import load_recipe
from tunebook.recipe_schema import RECIPE_SCHEMA

SETTINGS = settings(max_examples=1000, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(["tone", "chat", "lora", "qwen2.5-7b", "rtx-4090", "cpu", "data/train.jsonl",
                     "auto", "off", "../x", "~", "7b", "1e-4"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
recipe_keys = st.sampled_from([*RECIPE_SCHEMA["properties"], "+extends", "modle", "+overrides"])
recipe_like = st.dictionaries(recipe_keys, values, max_size=8)


def _expect_user_error_or_success(call) -> None:
    try:
        call()
    except UserError as exc:
        message = exc.format_message()
        assert message and "Traceback" not in message


@SETTINGS
@given(document=recipe_like)
def test_recipe_like_documents(document, recipe_dir):
    path = recipe_dir / "prop.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    _expect_user_error_or_success(lambda: prepare(str(path)))


@SETTINGS
@given(text=st.text(alphabet=string.printable + "äöü{}[]:-&*!|>'\"%@`", max_size=200))
def test_arbitrary_text_recipes(text, recipe_dir):
    path = recipe_dir / "text.yaml"
    path.write_text(text, encoding="utf-8")
    _expect_user_error_or_success(lambda: load_recipe(path))


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_recipes(raw, recipe_dir):
    path = recipe_dir / "bytes.yaml"
    path.write_bytes(raw)
    _expect_user_error_or_success(lambda: load_recipe(path))


@SETTINGS
@given(document=st.dictionaries(
    st.sampled_from(["name", "version", "extends", "axolotl", "architecture", "vram_gb",
                     "description", "+axolotl"]), values, max_size=6))
def test_preset_documents(document, tmp_path_factory, monkeypatch):
    root = tmp_path_factory.mktemp("presets")
    (root / "hardware").mkdir()
    (root / "hardware" / "prop.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    monkeypatch.setenv("TUNEBOOK_PRESET_PATH", str(root))
    _expect_user_error_or_success(lambda: load_preset_doc("hardware", "prop"))


def test_yaml_is_loaded_safely(recipe_dir):
    path = recipe_dir / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo pwned']\ntask: tone\n")
    with pytest.raises(UserError, match="invalid YAML"):
        load_recipe(path)
