"""Every rule: one example that must fire and one close to it that must not."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from tunebook.lint import RULES, LintSettings, lint_dataset


def chat(*turns: tuple[str, str], **extra: Any) -> dict:
    return {"messages": [{"role": r, "content": c} for r, c in turns], **extra}


def qa(q: str = "Where is my parcel?", a: str = "It left the depot this morning.") -> dict:
    return chat(("user", q), ("assistant", a))


def write(path: Path, rows: list[Any]) -> Path:
    with path.open("wb") as fh:
        for row in rows:
            fh.write(row if isinstance(row, bytes) else orjson.dumps(row))
            fh.write(b"\n")
    return path


def run(
    tmp_path: Path, rows: list[Any], code: str, eval_rows: list[Any] | None = None, **settings: Any
) -> list[dict]:
    train = write(tmp_path / "train.jsonl", rows)
    evals = [write(tmp_path / "eval.jsonl", eval_rows)] if eval_rows is not None else []
    s = LintSettings(files=[train], eval_files=evals, select=[code], **settings)
    return lint_dataset(s).to_dict()["findings"]


_rng = random.Random(7)
_WORDS = [
    f"{a}{b}"
    for a in ("ka", "lo", "mi", "ne", "su", "ta", "vo", "ri")
    for b in ("ber", "dan", "fel", "gor", "hin", "jas", "kem", "lun", "mop", "nix", "pra", "qus")
]


def sentence(n: int) -> str:
    return " ".join(_rng.choice(_WORDS) for _ in range(n)).capitalize() + "."


def varied(n: int, lo: int = 20, hi: int = 40) -> list[dict]:
    return [qa(sentence(_rng.randint(6, 12)), sentence(_rng.randint(lo, hi))) for _ in range(n)]


LONG = "word " * 3000
# code: (positive rows, negative rows, settings, eval rows (pos, neg))
CASES: dict[str, tuple[list, list, dict]] = {
    "TB100": ([b'{"messages": ['], [qa()], {}),
    "TB101": ([["hi", "there"]], [qa()], {}),
    "TB102": ([{"messages": []}], [qa()], {}),
    "TB103": ([{"messages": [{"content": "hi"}]}], [qa()], {}),
    "TB104": (
        [chat(("user", "hi"), ("assistant", 5))],
        [chat(("user", "hi"), ("assistant", "5"))],
        {},
    ),
    "TB105": ([chat(("user", "hi"), ("bot", "hello"))], [qa()], {}),
    "TB106": ([qa() | {"sytem": "x"}], [qa() | {"id": "a1"}], {}),
    "TB107": (
        [{"instruction": "Summarise this"}],
        [{"instruction": "Summarise", "output": "Ok."}],
        {},
    ),
    "TB108": ([{"question": "q", "answer": "a"}], [qa()], {}),
    "TB201": (
        [chat(("user", "hi"), ("system", "be brief"), ("assistant", "ok"))],
        [chat(("system", "be brief"), ("user", "hi"), ("assistant", "ok"))],
        {},
    ),
    "TB202": ([chat(("user", "hi"), ("user", "there"), ("assistant", "ok"))], [qa()], {}),
    "TB203": ([chat(("assistant", "hi"), ("user", "q"), ("assistant", "a"))], [qa()], {}),
    "TB204": ([chat(("system", "s"), ("user", "q"))], [qa()], {}),
    "TB205": ([chat(("user", "q"), ("assistant", "a"), ("user", "thanks"))], [qa()], {}),
    "TB206": (
        [chat(("system", "s"), ("user", "q"), ("assistant", "a"))],
        [qa()],
        {"supports_system_role": False},
    ),
    "TB301": ([qa(a="  \n")], [qa(a="Done.")], {}),
    "TB302": ([chat(("user", ""), ("assistant", "a"))], [qa()], {}),
    "TB311": ([qa(a="Sure!<|im_end|>")], [qa(a="Use the <b>bold</b> tag.")], {}),
    "TB321": (
        [
            b'{"messages": [{"role": "user", "content": "caf\xe9"}, '
            b'{"role": "assistant", "content": "ok"}]}'
        ],
        [qa(q="café")],
        {},
    ),
    "TB322": ([qa(a="Let\ufffds go")], [qa(a="Let's go")], {}),
    "TB323": ([qa(a="Hello\x08 world")], [qa(a="Hello\tworld\n")], {}),
    "TB324": ([qa(a="CafÃ© opens at 9, weâ€™re here")], [qa(a="Café opens at 9, we’re here")], {}),
    "TB502": ([qa(a=LONG)], [qa(a="short")], {"sequence_len": 512}),
    "TB511": (
        [{"segments": [{"text": "a", "label": False}, {"text": "b", "label": False}]}],
        [{"segments": [{"text": "a", "label": False}, {"text": "b", "label": True}]}],
        {},
    ),
    "TB601": ([qa(a="Mail jane.doe@gmail.com")], [qa(a="Mail support@example.com")], {}),
    "TB602": (
        [qa(a="Call +1 415 555 0132 today")],
        [qa(a="Order 4155550132 ships 2024-03-15")],
        {},
    ),
    "TB603": ([qa(a="Card 4111 1111 1111 1111 on file")], [qa(a="Card 4111 1111 1111 1112")], {}),
    "TB604": ([qa(a="Host 10.42.7.19 refused")], [qa(a="Upgrade to version 1.2.3.4")], {}),
    "TB605": ([qa(a="key AKIAIOSFODNN7EXAMPLE")], [qa(a="key AKIA-not-a-key")], {}),
    "TB606": (
        [qa(a="-----BEGIN RSA PRIVATE KEY-----\nMIIE")],
        [qa(a="-----BEGIN CERTIFICATE-----")],
        {},
    ),
    "TB701": (
        [qa(a="refund."), qa(a="shipping")],
        [qa(a="refund"), qa(a="shipping")],
        {"task": "classification", "labels": ["refund", "shipping"]},
    ),
    "TB711": ([qa(a='Here: {"a": 1}')], [qa(a='{"a": 1}')], {"task": "extraction"}),
    "TB712": (
        [qa(a='{"amount": "12"}')],
        [qa(a='{"amount": 12}')],
        {
            "task": "extraction",
            "json_schema": {
                "type": "object",
                "required": ["amount"],
                "properties": {"amount": {"type": "number"}},
            },
        },
    ),
    "TB801": ([qa()] * 1, varied(12), {}),
    "TB802": (varied(30), varied(120), {}),
}
_base = varied(200)
_near = dict(_base[0])
_near_a = _base[0]["messages"][1]["content"].split()
_near_a[3] = "changed"
_near = qa(_base[0]["messages"][0]["content"], " ".join(_near_a))
CASES["TB401"] = ([*_base[:50], dict(_base[3])], _base[:50], {})
CASES["TB411"] = ([*_base, _near], _base, {})
CASES["TB521"] = ([*_base, qa(a=sentence(900))], _base, {})
CASES["TB702"] = (
    [qa(a="refund")] * 50 + [qa(a="shipping")] * 2,
    [qa(a="refund")] * 20 + [qa(a="shipping")] * 15,
    {"task": "classification"},
)
EVAL_CASES = {
    "TB421": (_base, [_base[5]], [qa("A new question here", "And a new answer there")]),
    "TB422": (_base, [_near], [qa("A new question here", "And a new answer there")]),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires_and_stays_quiet(tmp_path: Path, code: str) -> None:
    pos, neg, settings = CASES[code]
    (tmp_path / "p").mkdir()
    (tmp_path / "n").mkdir()
    fired = run(tmp_path / "p", pos, code, **settings)
    assert code in {f["rule"] for f in fired}, fired
    quiet = run(tmp_path / "n", neg, code, **settings)
    assert code not in {f["rule"] for f in quiet}, quiet


@pytest.mark.parametrize("code", sorted(EVAL_CASES))
def test_leakage_rules(tmp_path: Path, code: str) -> None:
    train, pos, neg = EVAL_CASES[code]
    (tmp_path / "p").mkdir()
    (tmp_path / "n").mkdir()
    fired = run(tmp_path / "p", train, code, eval_rows=pos)
    assert [f["file"].endswith("eval.jsonl") for f in fired if f["rule"] == code] == [True]
    assert code not in {f["rule"] for f in run(tmp_path / "n", train, code, eval_rows=neg)}


def test_every_rule_is_tested() -> None:
    untested = set(RULES) - set(CASES) - set(EVAL_CASES)
    # these need a real tokenizer/template: tests/integration/test_lint_tokenizer.py
    assert untested == {"TB207", "TB501"}


def test_near_duplicate_names_both_lines(tmp_path: Path) -> None:
    found = run(tmp_path, [*_base, _near], "TB411")
    (f,) = [f for f in found if f["rule"] == "TB411"]
    assert f["line"] == len(_base) + 1
    assert "train.jsonl:1 " in f["message"] + " "


def test_duplicate_ignores_case_and_whitespace(tmp_path: Path) -> None:
    rows = [qa("Where is it?", "Here."), qa("where  is IT?", " here. "), *varied(20)]
    found = run(tmp_path, rows, "TB401")
    assert [(f["line"], f["message"]) for f in found] == [
        (2, f"duplicate of {tmp_path}/train.jsonl:1")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Your order #48213907 shipped on 2024-03-15 for $1,249.99.",
        "Refund ref 1234-5678-9012 issued; call us on weekdays 9-17.",
        "Update to v2.4.1 or version 10.0.19041.1; build 1.2.3.4.",
        "Tracking 1Z999AA10123456784 arrives 03/15/2024 at 10:30:00.",
        "Invoice 2024001234567 total 45.00 EUR, IBAN not needed.",
    ],
)
def test_pii_quiet_on_ordinary_support_text(tmp_path: Path, text: str) -> None:
    assert run(tmp_path, [qa(a=text)], "TB6") == []
