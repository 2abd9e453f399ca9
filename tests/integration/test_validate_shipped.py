"""Every shipped recipe and every model preset compiles and passes Axolotl's own validation."""

from __future__ import annotations

import pytest
from tb_testutil import BASIC_RECIPE, SHIPPED_RECIPES

from tunebook.pipeline import prepare
from tunebook.presets import list_presets
from tunebook.validation import validate_compiled

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("name", SHIPPED_RECIPES)
def test_shipped_recipe_passes_axolotl_validation(name):
    compiled = prepare(name, build_model=True)
    validate_compiled(compiled)  # raises UserError with file:line on any problem


@pytest.mark.parametrize("model", [m for m in list_presets("models") if m != "tiny-demo"])
def test_every_model_preset_compiles_and_validates(model, write_recipe):
    gpus = 8 if model == "llama-3.1-70b" else 1
    recipe = BASIC_RECIPE.replace("model: qwen2.5-7b", f"model: {model}").replace(
        "gpu: rtx-4090", f"gpu: h200\n  gpus: {gpus}"
    )
    path = write_recipe(recipe)
    compiled = prepare(str(path))
    assert compiled.config["base_model"]
    validate_compiled(compiled)


def test_validation_error_points_at_the_recipe_line(write_recipe):
    from tunebook.errors import UserError

    path = write_recipe(BASIC_RECIPE + "method: lora\noverrides:\n  adapter: ia3\n")
    with pytest.raises(UserError) as info:
        validate_compiled(prepare(str(path)))
    message = info.value.format_message()
    assert "Axolotl rejects the config" in message
    assert f"{path}:11: adapter:" in message
