"""Recipe loading: schema errors name file, line, field and a hint; extends merges."""

from __future__ import annotations

import pytest
from tb_testutil import BASIC_RECIPE, REPO

from tunebook.errors import UserError
from tunebook.recipe import find_recipe, load_recipe


def test_shipped_recipe_loads_with_lines():
    recipe = load_recipe("support-tone")
    assert recipe.name == "support-tone"
    assert recipe.data["task"] == "tone"
    origin = recipe.origin("model")
    assert origin.file.endswith("recipes/support-tone.yaml")
    text = (REPO / "recipes/support-tone.yaml").read_text().splitlines()
    assert text[origin.line - 1].startswith("model:")


def test_extends_merges_and_keeps_origins():
    demo = load_recipe("demo")
    assert demo.data["model"] == "tiny-demo"  # child replaces
    assert demo.data["dataset"]["format"] == "chat"  # inherited from parent
    assert demo.origin("dataset", "format").file.endswith("support-tone.yaml")
    assert demo.origin("model").file.endswith("demo.yaml")
    assert [p.name for p in demo.chain] == ["demo.yaml", "support-tone.yaml"]
    # relative dataset paths resolve against the file that wrote them
    assert demo.resolve_file(demo.data["dataset"]["path"], "dataset", "path").is_file()


def test_unknown_top_level_key_did_you_mean(write_recipe):
    path = write_recipe(BASIC_RECIPE.replace("model:", "modle:"))
    with pytest.raises(UserError) as info:
        load_recipe(path)
    message = info.value.format_message()
    assert "unknown key 'modle'" in message
    assert "did you mean 'model'?" in message
    assert f"{path}:3:" in message


def test_unknown_nested_key_and_type_error_reported_together(write_recipe):
    path = write_recipe(BASIC_RECIPE + "training:\n  epoks: 2\n  learning_rate: fast\n")
    with pytest.raises(UserError) as info:
        load_recipe(path)
    message = info.value.format_message()
    assert "training.epoks" in message and "did you mean 'epochs'?" in message
    assert ":11: training.learning_rate: expected number" in message


def test_enum_error_suggests(write_recipe):
    path = write_recipe(BASIC_RECIPE.replace("task: tone", "task: classifcation"))
    with pytest.raises(UserError) as info:
        load_recipe(path)
    assert "did you mean 'classification'?" in info.value.format_message()


def test_invalid_yaml_names_line(write_recipe):
    path = write_recipe("name: x\ntask: tone\n  model: [unclosed\n")
    with pytest.raises(UserError) as info:
        load_recipe(path)
    assert f"{path}:3" in info.value.format_message()
    assert "invalid YAML" in info.value.format_message()


def test_duplicate_key_is_an_error(write_recipe):
    path = write_recipe(BASIC_RECIPE + "task: chat\n")
    with pytest.raises(UserError, match="duplicate key 'task'"):
        load_recipe(path)


def test_extends_cycle_prints_chain(write_recipe):
    write_recipe(BASIC_RECIPE + "extends: b\n", name="a.yaml")
    write_recipe("extends: a\n", name="b.yaml")
    with pytest.raises(UserError) as info:
        load_recipe(write_recipe("extends: a\n", name="c.yaml"))
    assert "cycle: c.yaml -> a.yaml -> b.yaml -> a.yaml" in info.value.format_message()


def test_missing_parent(write_recipe):
    path = write_recipe("extends: nowhere\n")
    with pytest.raises(UserError, match="no recipe named 'nowhere'"):
        load_recipe(path)


def test_missing_required_fields(write_recipe):
    path = write_recipe("name: x\n")
    with pytest.raises(UserError) as info:
        load_recipe(path)
    message = info.value.format_message()
    assert "missing `task`" in message and "missing `model`" in message


def test_append_to_inherited_list(write_recipe):
    write_recipe(BASIC_RECIPE + "eval:\n  must_include: [a]\n", name="base.yaml")
    child = write_recipe("extends: base\neval:\n  +must_include: [b]\n", name="child.yaml")
    assert load_recipe(child).data["eval"]["must_include"] == ["a", "b"]


def test_recipe_names_cannot_escape():
    with pytest.raises(UserError, match="not a valid recipe name"):
        find_recipe("..")
    with pytest.raises(UserError, match="not a valid recipe name"):
        find_recipe("~root")
    # an explicit path is read as the user asked, and a non-recipe is refused cleanly
    with pytest.raises(UserError, match="must be a mapping"):
        load_recipe(find_recipe("/etc/passwd"))


def test_not_a_mapping(write_recipe):
    with pytest.raises(UserError, match="must be a mapping"):
        load_recipe(write_recipe("- a\n- b\n"))


def test_empty_and_binary_files(write_recipe, recipe_dir):
    with pytest.raises(UserError, match="empty"):
        load_recipe(write_recipe(""))
    binary = recipe_dir / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(UserError, match="not valid UTF-8"):
        load_recipe(binary)
