"""The one flat table of lint rules: code -> Rule. Codes are never reused or renumbered."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from tunebook.errors import UserError

CATEGORIES = (
    "schema",
    "roles",
    "empty",
    "duplicate",
    "near-duplicate",
    "leakage",
    "too-long",
    "no-trainable-tokens",
    "special-tokens",
    "pii",
    "encoding",
    "outlier",
    "size",
    "labels",
    "format",
)
SEVERITIES = ("error", "warning", "info")
DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Options")

_CODE = re.compile(r"^TB[1-9]\d{2}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Rule:
    """One lint rule: metadata only; the check lives in its category module."""

    code: str
    name: str
    category: str
    severity: str
    message: str
    """Template of the finding message (``str.format`` fields filled by the check)."""
    fix: str
    doc: str
    default: bool = True
    """Enabled without ``select``."""

    def format(self, **fields: object) -> str:
        return self.message.format(**fields) if fields else self.message


RULES: dict[str, Rule] = {}
_BY_NAME: dict[str, Rule] = {}


def define(
    code: str,
    name: str,
    category: str,
    severity: str,
    *,
    message: str,
    fix: str,
    doc: str,
    default: bool = True,
) -> Rule:
    """Register a rule; a duplicate code or name, or a malformed one, raises at import."""
    if not _CODE.match(code):
        raise ValueError(f"rule code {code!r} must look like TB123")
    if not _NAME.match(name):
        raise ValueError(f"rule name {name!r} must be kebab-case")
    if category not in CATEGORIES:
        raise ValueError(f"rule {code}: unknown category {category!r}")
    if severity not in SEVERITIES:
        raise ValueError(f"rule {code}: unknown severity {severity!r}")
    if code in RULES:
        raise ValueError(f"duplicate rule code {code} ({RULES[code].name} and {name})")
    if name in _BY_NAME:
        raise ValueError(f"duplicate rule name {name} ({_BY_NAME[name].code} and {code})")
    rule = Rule(code, name, category, severity, message, fix, _dedent(doc), default)
    RULES[code] = rule
    _BY_NAME[name] = rule
    return rule


def get_rule(code_or_name: str) -> Rule:
    """A rule by code (``TB301``) or name (``empty-completion``); UserError if unknown."""
    key = code_or_name.strip()
    rule = RULES.get(key.upper()) or _BY_NAME.get(key.lower())
    if rule is None:
        options = list(RULES) + list(_BY_NAME)
        close = difflib.get_close_matches(key, options, n=1)
        hint = (
            f"did you mean {close[0]}?"
            if close
            else "see `tunebook lint --explain` or docs/lint-rules.md"
        )
        raise UserError(f"unknown lint rule '{code_or_name}'", hint=hint)
    return rule


def _matches(selector: str, rule: Rule) -> bool:
    return rule.code.startswith(selector) or selector == rule.name or selector == rule.category


def _specificity(selector: str) -> int:
    """Longer code prefixes are more specific; a rule name is exact; ALL is the least."""
    if selector == "ALL":
        return 0
    if selector.startswith("TB"):
        return len(selector)
    if selector in CATEGORIES:
        return 3
    return 100


def _check_selector(selector: str, setting: str, source: str | None) -> str:
    sel = selector.strip()
    norm = sel.upper() if sel.upper().startswith("TB") or sel.upper() == "ALL" else sel.lower()
    if norm == "ALL" or any(_matches(norm, r) for r in RULES.values()):
        return norm
    options = [*RULES, *_BY_NAME, *CATEGORIES]
    close = difflib.get_close_matches(sel, options, n=1)
    hint = (
        f"did you mean {close[0]}?"
        if close
        else "selectors are codes (TB301), prefixes (TB3), names or categories"
    )
    raise UserError(f"unknown rule selector '{selector}'", file=source, field=setting, hint=hint)


def enabled_rules(
    select: list[str] | None = None, ignore: list[str] | None = None, *, source: str | None = None
) -> frozenset[str]:
    """Codes enabled by ``select``/``ignore``: for each rule the most specific matching selector
    wins (ignore wins a tie); with no ``select`` the default rules are the starting set."""
    sel = [_check_selector(s, "select", source) for s in select or []]
    ign = [_check_selector(s, "ignore", source) for s in ignore or []]
    out = set()
    for rule in RULES.values():
        best_sel = max(
            (_specificity(s) for s in sel if s == "ALL" or _matches(s, rule)), default=-1
        )
        best_ign = max(
            (_specificity(s) for s in ign if s == "ALL" or _matches(s, rule)), default=-1
        )
        if best_sel < 0:
            on = rule.default and not sel
            if on and best_ign >= 0:
                on = False
        else:
            on = best_sel > best_ign
        if on:
            out.add(rule.code)
    return frozenset(out)


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip("\n")
