"""Each metric against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from tunebook.evaluate import metrics as m


def test_accuracy_and_macro_f1_by_hand():
    refs = ["a", "a", "b", "b", "c"]
    preds = ["a", "b", "b", "b", "a"]
    assert m.accuracy(refs, preds) == pytest.approx(3 / 5)
    # a: tp1 fp1 fn1 -> 2/4 ; b: tp2 fp1 fn0 -> 4/5 ; c: tp0 -> 0
    assert m.macro_f1(refs, preds) == pytest.approx((0.5 + 0.8 + 0.0) / 3)


def test_confusion_matrix_rows_are_references_and_unknowns_go_last():
    cm = m.confusion_matrix(["a", "a", "b"], ["a", "zzz", "a"], ["a", "b"])
    assert cm == {"labels": ["a", "b", "<other>"], "matrix": [[1, 0, 1], [1, 0, 0]]}


def test_normalize_label_matches_ignoring_case_and_punctuation():
    assert m.normalize_label("  Billing.\nbecause...", ["billing", "bug"]) == "billing"
    assert m.normalize_label("", ["a"]) == ""


def test_lcs_and_rouge_l_by_hand():
    assert m.lcs_length(list("abcde"), list("acef")) == 3
    assert m.lcs_length([], ["x"]) == 0
    # ref 6 words, pred 4, LCS "the cat the mat" = 4 -> P 1, R 4/6, F = 2*1*(2/3)/(5/3) = 0.8
    assert m.rouge_l("the cat sat on the mat", "the cat the mat") == pytest.approx(0.8)
    assert m.rouge_l("Hello, World!", "hello world") == pytest.approx(1.0)
    assert m.rouge_l("abc", "xyz") == 0.0


def test_length_ratio_is_total_words_over_total_words():
    assert m.length_ratio(["one two", "three four five six"], ["one", "a b c"]) == \
        pytest.approx(4 / 6)


def test_style_metrics():
    preds = ["Thanks! — Sam from Support", "As an AI I cannot. — Sam from Support", "ok"]
    out = m.style_metrics(preds, ["— Sam from Support"], ["As an AI"])
    assert out["must_include_rate"] == pytest.approx(2 / 3)
    assert out["must_not_include_rate"] == pytest.approx(2 / 3)
    assert out["style_pass_rate"] == pytest.approx(1 / 3)
    assert m.style_metrics(preds) == {}


def test_json_metrics_by_hand():
    schema = {"type": "object", "required": ["total"],
              "properties": {"total": {"type": "number"}, "vendor": {"type": "string"}}}
    refs = ['{"vendor": "ACME", "total": 10}', '{"vendor": "Bolt", "total": 5}',
            '{"vendor": "Cog", "total": 1}']
    preds = ['```json\n{"vendor": "ACME", "total": 10}\n```', '{"vendor": "bolt", "total": "5"}',
             "not json"]
    out = m.json_metrics(refs, preds, schema)
    assert out["json_parse_rate"] == pytest.approx(2 / 3)
    assert out["json_schema_valid_rate"] == pytest.approx(1 / 3)  # "5" is not a number
    assert out["field_exact_match"] == pytest.approx(2 / 6)


def test_perplexity():
    assert m.perplexity(0.0) == 1.0
    assert m.perplexity(math.log(7)) == pytest.approx(7)
    assert m.perplexity(1e6) == math.inf


def test_task_metrics_picks_the_task_metrics():
    cls = m.task_metrics("classification", ["bug", "billing"], ["Bug", "bug"],
                         labels=["billing", "bug"])
    assert cls["accuracy"] == 0.5 and set(cls) == {"accuracy", "macro_f1", "confusion_matrix"}
    tone = m.task_metrics("tone", ["a b"], ["a b"], must_include=["b"])
    assert tone == {"rougeL": 1.0, "length_ratio": 1.0, "style_pass_rate": 1.0,
                    "must_include_rate": 1.0}
    assert set(m.task_metrics("extraction", ["{}"], ["{}"])) == {"json_parse_rate",
                                                                 "field_exact_match"}


def test_mismatched_lengths_raise():
    with pytest.raises(ValueError):
        m.accuracy(["a"], [])
