"""The one flat table of lint rules: code -> Rule. Codes are never reused or renumbered."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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


KNOB_KINDS = ("int", "float", "list[str]")


@dataclass(frozen=True)
class Knob:
    """One threshold of a rule: ``thresholds: {<rule>: {<name>: value}}``."""

    name: str
    kind: str
    """One of KNOB_KINDS."""
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    min_open: bool = False
    """``min`` itself is not allowed (a value must be greater than it)."""

    def range_text(self) -> str:
        if self.kind == "list[str]":
            return "list of strings"
        lo = "" if self.min is None else f"{'>' if self.min_open else '>='} {_num(self.min)}"
        hi = "" if self.max is None else f"<= {_num(self.max)}"
        rng = " and ".join(p for p in (lo, hi) if p)
        noun = "integer" if self.kind == "int" else "number"
        return f"{noun} {rng}" if rng else noun

    def check(self, value: Any) -> Any:
        """``value`` as this knob's type; ValueError(what is wrong) if it does not fit."""
        if self.kind == "list[str]":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"must be a list of strings, got {value!r}")
            return list(value)
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if self.kind == "int" and ok and isinstance(value, float) and value.is_integer():
            value = int(value)
        if not ok or (self.kind == "int" and not isinstance(value, int)) or value != value:
            raise ValueError(f"must be {_a(self.range_text())}, got {value!r}")
        low_bad = self.min is not None and (
            value <= self.min if self.min_open else value < self.min
        )
        if low_bad or (self.max is not None and value > self.max):
            raise ValueError(f"must be {_a(self.range_text())}, got {_num(value)}")
        return value


def knob(
    name: str,
    kind: str,
    default: Any,
    help: str,
    *,
    min: float | None = None,
    max: float | None = None,
    min_open: bool = False,
) -> Knob:
    if kind not in KNOB_KINDS:
        raise ValueError(f"knob {name!r}: unknown kind {kind!r}")
    k = Knob(name, kind, default, help, min, max, min_open)
    if kind != "list[str]":
        k.check(default)
    return k


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _num(v: float) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


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
    knobs: tuple[Knob, ...] = ()
    """Its thresholds (``thresholds: {<name or code>: {<knob>: value}}``)."""

    def knob(self, name: str) -> Knob | None:
        return next((k for k in self.knobs if k.name == name), None)

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
    knobs: tuple[Knob, ...] = (),
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
    if len({k.name for k in knobs}) != len(knobs):
        raise ValueError(f"rule {code}: duplicate threshold names")
    rule = Rule(code, name, category, severity, message, fix, _dedent(doc), default, knobs)
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
    close = difflib.get_close_matches(norm, options, n=1)
    if close:
        hint = f"did you mean {close[0]}?"
    else:
        codes = sorted(RULES)
        span = f" (codes run {codes[0]}..{codes[-1]})" if norm.startswith("TB") and codes else ""
        hint = (
            f"selectors are codes (TB301), prefixes (TB3), names or categories{span}; "
            "see docs/lint-rules.md"
        )
    raise UserError(f"unknown rule selector '{selector}'", file=source, field=setting, hint=hint)


def check_selectors(selectors: list[str], setting: str, source: str | None = None) -> list[str]:
    """``selectors`` normalised; UserError naming ``setting`` (``--ignore``, ``lint.ignore``)
    and ``source`` (the recipe file, or None for command-line flags) for an unknown one."""
    return [_check_selector(s, setting, source) for s in selectors]


def enabled_rules(
    select: list[str] | None = None, ignore: list[str] | None = None, *, source: str | None = None
) -> frozenset[str]:
    """Codes enabled by ``select``/``ignore``: for each rule the most specific matching selector
    wins (ignore wins a tie); with no ``select`` the default rules are the starting set.

    Unknown selectors are blamed on ``lint.select``/``lint.ignore`` of ``source`` (the recipe)
    when given (the command line checks its own flags first, see ``check_selectors``)."""
    prefix = "lint." if source else ""
    sel = check_selectors(select or [], f"{prefix}select", source)
    ign = check_selectors(ignore or [], f"{prefix}ignore", source)
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


def threshold_rules(key: str) -> list[Rule]:
    """The rules a ``thresholds`` key addresses: a code, a rule name, or a category."""
    k = str(key).strip()
    rule = RULES.get(k.upper()) or _BY_NAME.get(k.lower())
    if rule is not None:
        return [rule]
    return [r for r in RULES.values() if r.category == k.lower()]


def threshold_value(thresholds: Mapping[str, Any], rule: Rule, name: str) -> Any:
    """``thresholds[rule][name]`` by rule name, then code, then category; else the knob's
    registered default."""
    for key in (rule.name, rule.code, rule.category):
        entry = thresholds.get(key)
        if isinstance(entry, Mapping) and name in entry:
            return entry[name]
    knob = rule.knob(name)
    if knob is None:
        raise KeyError(f"rule {rule.code} has no threshold {name!r}")
    return knob.default


def validate_thresholds(
    thresholds: Any, source: str | None = None, setting: str = "lint.thresholds"
) -> dict[str, dict[str, Any]]:
    """``thresholds`` checked against the registered knobs and converted to their types.

    UserError (field ``lint.thresholds.<rule>.<knob>``, file ``source``) for an unknown rule,
    a rule without thresholds, an unknown knob (with did-you-mean), or a value of the wrong
    type or out of range."""
    if thresholds is None:
        return {}
    if not isinstance(thresholds, Mapping):
        raise UserError(
            "must be a mapping of rule name to {threshold: value}",
            file=source,
            field=setting,
            hint="e.g. thresholds: {near-duplicate-example: {jaccard: 0.85}}",
        )
    with_knobs = [r for r in RULES.values() if r.knobs]
    out: dict[str, dict[str, Any]] = {}
    for key, entry in thresholds.items():
        where = f"{setting}.{key}"
        rules = threshold_rules(str(key))
        if not rules:
            options = [
                *(r.name for r in with_knobs),
                *(r.code for r in with_knobs),
                *sorted({r.category for r in with_knobs}),
            ]
            close = difflib.get_close_matches(str(key).strip().lower(), options, n=1)
            if not close:
                close = difflib.get_close_matches(str(key).strip().upper(), options, n=1)
            raise UserError(
                f"unknown lint rule '{key}'",
                file=source,
                field=where,
                hint=f"did you mean {close[0]}?" if close else _knob_overview(with_knobs),
            )
        knobs = {k.name: k for r in rules for k in r.knobs}
        if not knobs:
            raise UserError(
                f"rule '{key}' has no thresholds",
                file=source,
                field=where,
                hint=_knob_overview(with_knobs),
            )
        if not isinstance(entry, Mapping):
            example = next(iter(knobs.values()))
            raise UserError(
                "must be a mapping of threshold name to value",
                file=source,
                field=where,
                hint=f"e.g. {{{example.name}: {_show(example.default)}}}",
            )
        checked: dict[str, Any] = {}
        for name, value in entry.items():
            k = knobs.get(str(name))
            if k is None:
                close = difflib.get_close_matches(str(name), list(knobs), n=1)
                listed = ", ".join(knobs)
                hint = f"did you mean {close[0]}?" if close else f"'{key}' takes: {listed}"
                raise UserError(
                    f"unknown threshold '{name}'", file=source, field=f"{where}.{name}", hint=hint
                )
            try:
                checked[k.name] = k.check(value)
            except ValueError as exc:
                raise UserError(
                    str(exc),
                    file=source,
                    field=f"{where}.{name}",
                    hint=f"{k.help} (default {_show(k.default)})",
                ) from None
        out[str(key)] = checked
    return out


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return _num(value)


def _knob_overview(rules: list[Rule]) -> str:
    return "rules with thresholds: " + ", ".join(r.name for r in rules)


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip("\n")
