"""Generated docs are up to date, and the README shows the commands it promises."""

from __future__ import annotations

from tb_testutil import REPO

from tunebook import docgen


def test_generated_docs_are_fresh():
    stale = [name for name, make in docgen.GENERATED.items()
             if (docgen.DOCS / name).read_text(encoding="utf-8") != make()]
    assert not stale, f"stale generated docs {stale}: run `make docs`"


def test_recipe_schema_covers_every_documented_field():
    reference = (REPO / "docs" / "recipes.md").read_text()
    for field in docgen.RECIPE_SCHEMA["properties"]:
        assert f"`{field}`" in reference


def test_readme_starts_with_demo_and_test():
    readme = (REPO / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block


def test_docs_pages_exist():
    for page in ("quickstart.md", "recipes.md", "presets.md", "planner.md", "architecture.md",
                 "sharing.md", "lint-rules.md"):
        assert (REPO / "docs" / page).is_file(), page
