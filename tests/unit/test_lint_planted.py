"""Planted defects at known lines are found (recall >= 95%); a clean set stays clean."""

from __future__ import annotations

import random
from pathlib import Path

import orjson

from tunebook.lint import LintSettings, lint_dataset

VOCAB = [
    "parcel",
    "order",
    "refund",
    "depot",
    "courier",
    "invoice",
    "account",
    "address",
    "label",
    "return",
    "window",
    "warehouse",
    "tracking",
    "delay",
    "customer",
    "route",
    "payment",
    "receipt",
    "update",
    "schedule",
    "driver",
    "package",
    "discount",
    "voucher",
    "credit",
    "balance",
    "portal",
    "contact",
    "request",
    "team",
    "morning",
    "afternoon",
    "evening",
    "weekday",
    "region",
    "branch",
    "store",
    "pickup",
    "locker",
    "box",
    "size",
    "weight",
    "fee",
    "policy",
    "carrier",
    "item",
    "stock",
    "colour",
    "model",
    "reference",
    "checkout",
    "basket",
    "review",
    "rating",
]
FILLERS = (
    "Your order #{n} ships on 2024-0{m}-1{d} for ${p}.99.",
    "Please update the app to version {m}.{d}.{n3} first.",
    "Call us on weekdays 9-17 with reference {n}.",
    "It is {p}.5 kg and costs {p} EUR.",
)


def clean_examples(n: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)

    def words(k: int) -> str:
        return " ".join(rng.choice(VOCAB) for _ in range(k))

    out = []
    for _ in range(n):
        filler = rng.choice(FILLERS).format(
            n=rng.randint(10_000, 99_999_999),
            m=rng.randint(1, 9),
            d=rng.randint(0, 9),
            p=rng.randint(2, 400),
            n3=rng.randint(0, 30),
        )
        msgs = []
        if rng.random() < 0.3:
            msgs.append({"role": "system", "content": "You are a helpful support agent."})
        for _turn in range(rng.choice((1, 1, 1, 2))):
            msgs.append({"role": "user", "content": words(rng.randint(6, 20)).capitalize() + "?"})
            reply = words(int(rng.lognormvariate(3.4, 0.35))).capitalize() + ". " + filler
            msgs.append({"role": "assistant", "content": reply})
        out.append({"messages": msgs})
    return out


def planted(base: list[dict]) -> tuple[list[bytes], set[tuple[int, str]]]:
    """Lines (bytes) with defects at known 1-based lines, and the expected (line, code)."""
    lines = [orjson.dumps(ex) for ex in base]
    expected: set[tuple[int, str]] = set()

    def put(i: int, data: bytes | dict, code: str) -> None:
        lines[i] = data if isinstance(data, bytes) else orjson.dumps(data)
        expected.add((i + 1, code))

    def qa(q: str, a: str) -> dict:
        return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}

    for k in range(12):
        at = 40 + k * 150
        put(at, b'{"messages": [{"role": "user"', "TB100")
        put(at + 1, qa("Is it there?", "   "), "TB301")
        put(
            at + 2,
            {
                "messages": [
                    {"role": "user", "content": f"Hello {k}"},
                    {"role": "user", "content": "anyone?"},
                    {"role": "assistant", "content": "Yes, here."},
                ]
            },
            "TB202",
        )
        put(at + 3, lines[at - 20], "TB401")
        put(at + 4, qa(f"My card {k}", "Card 4111 1111 1111 1111 is saved."), "TB603")
        put(at + 5, qa(f"Email {k}", f"Write to agent{k}@gmail.com today."), "TB601")
        put(at + 6, qa(f"Done {k}?", "Yes!<|im_end|>"), "TB311")
        put(at + 7, qa(f"Where {k}?", "CafÃ© at the corner, weâ€™re open."), "TB324")
        put(
            at + 8,
            {
                "messages": [
                    {"role": "system", "content": f"Be brief {k}."},
                    {"role": "user", "content": "Question?"},
                ]
            },
            "TB204",
        )
        put(at + 9, qa(f"Key {k}", "Use AKIAIOSFODNN7EXAMPLE for that."), "TB605")
        src = orjson.loads(lines[at - 30])["messages"]
        ans = src[-1]["content"].split()
        ans[len(ans) // 2] = "zebra"
        put(
            at + 11,
            {"messages": [*src[:-1], {"role": "assistant", "content": " ".join(ans)}]},
            "TB411",
        )
    return lines, expected


def test_planted_defects_are_found(tmp_path: Path) -> None:
    lines, expected = planted(clean_examples(2000))
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = lint_dataset(LintSettings(files=[path], sequence_len=2048)).to_dict()
    found = {(f["line"], f["rule"]) for f in report["findings"]}
    missed = expected - found
    assert len({code for _, code in expected}) >= 8
    assert 1 - len(missed) / len(expected) >= 0.95, sorted(missed)
    unexpected = {
        (ln, c)
        for ln, c in found
        if ln is not None and (ln, c) not in expected and c not in ("TB401", "TB411", "TB521")
    }
    assert not unexpected, sorted(unexpected)


def test_clean_generated_set_has_no_warnings_or_errors(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(ex) for ex in clean_examples(2000)) + b"\n")
    report = lint_dataset(LintSettings(files=[path], sequence_len=2048)).to_dict()
    bad = [f for f in report["findings"] if f["severity"] != "info"]
    assert bad == [], bad[:5]
    assert report["summary"]["examples"] == 2000
