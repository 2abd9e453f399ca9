"""The rule registry: metadata shape, docs, selection, generated docs freshness."""

from __future__ import annotations

import pytest

from tunebook.errors import UserError
from tunebook.lint import RULES, get_rule
from tunebook.lint.docs import DOCS_PATH, doc_sections, render
from tunebook.lint.registry import CATEGORIES, DOC_SECTIONS, define, enabled_rules


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_metadata_and_doc_sections(code: str) -> None:
    rule = RULES[code]
    assert rule.category in CATEGORIES
    assert rule.message and rule.fix.endswith(".")
    sections = doc_sections(rule)
    assert list(sections) == list(DOC_SECTIONS), f"{code} doc sections: {list(sections)}"
    assert all(sections.values()), f"{code} has an empty doc section"


def test_codes_are_grouped_by_category() -> None:
    prefixes: dict[str, set[str]] = {}
    for rule in RULES.values():
        prefixes.setdefault(rule.category, set()).add(rule.code[:4])
    for category, group in prefixes.items():
        assert len(group) == 1, f"{category} spans {group}"


def test_duplicate_code_or_name_raises_at_registration() -> None:
    doc = "What it does\n  x\nWhy is this bad?\n  x\nExample\n  x\nUse instead\n  x\nOptions\n  x"
    with pytest.raises(ValueError, match="duplicate rule code TB301"):
        define("TB301", "something-new", "empty", "error", message="m", fix="f.", doc=doc)
    with pytest.raises(ValueError, match="duplicate rule name"):
        define("TB399", "empty-completion", "empty", "error", message="m", fix="f.", doc=doc)
    with pytest.raises(ValueError, match="kebab-case"):
        define("TB398", "Bad_Name", "empty", "error", message="m", fix="f.", doc=doc)


def test_default_selection_is_every_default_rule() -> None:
    assert enabled_rules() == {c for c, r in RULES.items() if r.default}


def test_more_specific_selector_wins() -> None:
    on = enabled_rules(select=["TB6"], ignore=["TB60"])
    assert on == set()
    on = enabled_rules(select=["TB6", "TB603"], ignore=["TB60"])
    assert on == {"TB603"}
    on = enabled_rules(ignore=["TB6"], select=["ALL", "TB605"])
    assert "TB605" in on and "TB601" not in on and "TB301" in on


def test_select_by_name_and_category() -> None:
    assert enabled_rules(select=["empty-completion"]) == {"TB301"}
    assert enabled_rules(select=["pii"], ignore=["ip-address"]) == {
        c for c, r in RULES.items() if r.category == "pii"
    } - {"TB604"}


def test_unknown_selector_is_a_user_error_naming_it() -> None:
    with pytest.raises(UserError, match="TB999") as exc:
        enabled_rules(select=["TB999"], source="recipes/x.yaml")
    assert exc.value.file == "recipes/x.yaml" and exc.value.field == "lint.select"
    with pytest.raises(UserError, match="did you mean"):
        enabled_rules(ignore=["empty-complition"])


def test_get_rule_by_code_or_name() -> None:
    assert get_rule("tb301") is get_rule("empty-completion") is RULES["TB301"]
    with pytest.raises(UserError):
        get_rule("TB000")


def test_generated_docs_are_current() -> None:
    assert DOCS_PATH.read_text(encoding="utf-8") == render(), (
        "docs/lint-rules.md is stale: run `python -m tunebook.lint.docs`"
    )
