"""The datasets shipped under recipes/data: reproducible, well-formed, balanced, clean, and free
of duplicates, near-duplicates, train/eval leakage and regex-detectable PII."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from itertools import combinations
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "recipes" / "data"
GENERATOR = DATA / "generate.py"

# dataset: (min train, min eval, max characters per example)
MINIMUMS = {
    "support-tone": (300, 40, 1000),
    "ticket-classifier": (300, 50, 1500),
    "invoice-extraction": (250, 40, 1500),
    "release-notes": (200, 30, 1500),
}
NEAR_DUP_JACCARD = 0.6
SIGN_OFF = "— Sam from Support"
LABELS = ["billing", "bug", "feature_request", "account", "shipping", "other"]

# Independent of the generator's own patterns on purpose.
PII = {
    "email": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
    "phone": re.compile(r"(?<!\w)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?!\w)"),
    "intl-phone": re.compile(r"\+\d{1,3}[\s.-]?\d[\d\s.-]{6,}\d"),
    "digit-run": re.compile(r"(?<!\d)\d{13,19}(?!\d)"),
    "card": re.compile(r"(?<!\d)\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{1,7}(?!\d)"),
    "ipv4": re.compile(
        r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])"
    ),
    "api-key": re.compile(r"\b(?:sk|pk|api|key|token)[-_][A-Za-z0-9]{16,}|\b[A-Za-z0-9_-]{32,}\b"),
}
CHAT_TOKENS = re.compile(r"<\|[^|>]*\|>|\[/?INST\]|</?s>|<<SYS>>|<start_of_turn>|<end_of_turn>")
MOJIBAKE = re.compile(r"Ã[\x80-\xbf]|â€|Â[\s\xa0]|\ufffd")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def load(name: str) -> tuple[list[dict], list[dict]]:
    return read_jsonl(DATA / name / "train.jsonl"), read_jsonl(DATA / name / "eval.jsonl")


def text_of(example: dict) -> str:
    return " ".join(m["content"] for m in example["messages"] if m["role"] in ("user", "assistant"))


def shingles(text: str) -> frozenset[str]:
    w = text.lower().split()
    return frozenset(" ".join(w[i : i + 3]) for i in range(len(w) - 2))


def assistant_turns(example: dict) -> list[str]:
    return [m["content"] for m in example["messages"] if m["role"] == "assistant"]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("regen")
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(out)], check=True, capture_output=True
    )
    return out


def test_regeneration_is_byte_identical(regenerated: Path) -> None:
    shipped = sorted(
        p.relative_to(DATA) for p in DATA.rglob("*") if p.suffix in (".json", ".jsonl")
    )
    fresh = sorted(p.relative_to(regenerated) for p in regenerated.rglob("*") if p.is_file())
    assert shipped == fresh
    for rel in shipped:
        assert (DATA / rel).read_bytes() == (regenerated / rel).read_bytes(), rel


def test_generator_is_importable_stdlib_only() -> None:
    spec = importlib.util.spec_from_file_location("tunebook_data_generate", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.LABELS == LABELS


@pytest.mark.parametrize("name", MINIMUMS)
def test_counts_shape_and_roles(name: str) -> None:
    train, evals = load(name)
    min_train, min_eval, max_chars = MINIMUMS[name]
    assert len(train) >= min_train and len(evals) >= min_eval
    assert 0.08 <= len(evals) / (len(train) + len(evals)) <= 0.2
    for ex in train + evals:
        assert set(ex) == {"messages"}
        msgs = ex["messages"]
        roles = [m["role"] for m in msgs]
        if roles[0] == "system":
            roles = roles[1:]
        assert roles and len(roles) % 2 == 0, roles
        assert roles == ["user", "assistant"] * (len(roles) // 2), roles
        for m in msgs:
            assert set(m) == {"role", "content"}
            assert isinstance(m["content"], str) and m["content"].strip() == m["content"] != ""
        assert sum(len(m["content"]) for m in msgs) <= max_chars


@pytest.mark.parametrize("name", MINIMUMS)
def test_text_hygiene_and_no_pii(name: str) -> None:
    train, evals = load(name)
    for ex in train + evals:
        for m in ex["messages"]:
            content = m["content"]
            for kind, pattern in PII.items():
                assert not pattern.search(content), (kind, pattern.search(content), content)
            assert not CHAT_TOKENS.search(content), content
            assert not MOJIBAKE.search(content), content
            bad = [c for c in content if unicodedata.category(c) == "Cc" and c not in "\n\t"]
            assert not bad, content


@pytest.mark.parametrize("name", MINIMUMS)
def test_no_duplicates_near_duplicates_or_leakage(name: str) -> None:
    train, evals = load(name)
    norm = [" ".join(text_of(ex).lower().split()) for ex in train + evals]
    assert len(set(norm)) == len(norm), "exact duplicate"
    assert not set(norm[: len(train)]) & set(norm[len(train) :]), "train/eval overlap"
    sh = [shingles(text_of(ex)) for ex in train + evals]
    assert all(len(s) >= 3 for s in sh)
    worst = 0.0
    for a, b in combinations(sh, 2):
        inter = len(a & b)
        if inter:
            worst = max(worst, inter / (len(a) + len(b) - inter))
    assert worst < NEAR_DUP_JACCARD, worst


def test_support_tone_house_style() -> None:
    train, evals = load("support-tone")
    multi = 0
    for ex in train + evals:
        replies = assistant_turns(ex)
        multi += len(replies) > 1
        for reply in replies:
            assert reply.endswith(SIGN_OFF)
            assert 40 <= len(reply.split()) <= 120, reply
    share = multi / (len(train) + len(evals))
    assert 0.1 <= share <= 0.25, share
    # "apologise when something went wrong": most replies carry an apology
    apologies = sum(
        any(w in assistant_turns(ex)[0].lower() for w in ("sorry", "apolog"))
        for ex in train + evals
    )
    assert apologies >= 0.3 * (len(train) + len(evals))


def test_classifier_labels_and_balance() -> None:
    labels = json.loads((DATA / "ticket-classifier" / "labels.json").read_text())
    assert labels == LABELS
    train, evals = load("ticket-classifier")
    for split in (train, evals):
        counts = Counter(assistant_turns(ex)[0] for ex in split)
        assert set(counts) == set(labels), counts
        for label in labels:
            assert counts[label] / len(split) >= 0.10, (label, counts)


def test_extraction_outputs_validate_and_add_up() -> None:
    schema = json.loads((DATA / "invoice-extraction" / "schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    train, evals = load("invoice-extraction")
    currencies, layouts = Counter(), set()
    for ex in train + evals:
        (answer,) = assistant_turns(ex)
        out = json.loads(answer)
        validator.validate(out)
        items_sum = sum(i["quantity"] * i["unit_price"] for i in out["line_items"])
        assert abs(items_sum - out["total"]) < 0.005, out
        user = next(m["content"] for m in ex["messages"] if m["role"] == "user")
        assert out["vendor"] in user and out["invoice_number"] in user
        for item in out["line_items"]:
            assert item["description"].lower() in user.lower()
        currencies[out["currency"]] += 1
        layouts.add(user.splitlines()[0][:12])
    assert len(currencies) >= 8, currencies
    assert len(layouts) >= 20


def test_release_notes_are_short_bullet_lists() -> None:
    train, evals = load("release-notes")
    for ex in train + evals:
        (answer,) = assistant_turns(ex)
        lines = answer.splitlines()
        assert 3 <= len(lines) <= 5, answer
        assert all(line.startswith("- ") for line in lines), answer
