"""The plan uses the linter's token statistics when it has them."""

from __future__ import annotations

from tunebook.lint_gate import lint_settings, run_lint
from tunebook.planning import make_plan, recall_token_stats, sequence_len_from_p99
from tunebook.recipe import load_recipe
from tunebook.resolve import resolve


def test_sequence_len_from_p99():
    assert sequence_len_from_p99(10, None) == 256
    assert sequence_len_from_p99(300, None) == 512
    assert sequence_len_from_p99(5000, 4096) == 4096


def test_plan_sizes_sequence_from_lint_when_recipe_does_not_pin_it(write_recipe):
    from tb_testutil import BASIC_RECIPE

    resolved = resolve(load_recipe(write_recipe(BASIC_RECIPE)))
    before = make_plan(resolved)
    assert before.sequence_len == 2048  # the tone task's default
    assert recall_token_stats(resolved.train_files) is None
    run_lint(lint_settings(resolved))
    stats = recall_token_stats(resolved.train_files)
    assert stats is not None and stats["examples"] == 40
    after = make_plan(resolved)
    assert after.sequence_len == 256  # short examples: p99 rounded up
    assert after.tokens < before.tokens  # real token count, not bytes / 4.5


def test_pinned_sequence_len_wins(write_recipe):
    from tb_testutil import BASIC_RECIPE

    resolved = resolve(load_recipe(write_recipe(BASIC_RECIPE
                                                + "training:\n  sequence_len: 1024\n")))
    run_lint(lint_settings(resolved))
    assert make_plan(resolved).sequence_len == 1024
