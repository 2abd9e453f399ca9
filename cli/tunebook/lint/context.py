"""What every check may read: the settings, the enabled rules, thresholds, tokenizer facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tunebook.lint.model import Example
from tunebook.lint.registry import Rule, threshold_value
from tunebook.lint.report import Finding
from tunebook.lint.settings import LintSettings


@dataclass
class Context:
    settings: LintSettings
    enabled: frozenset[str]
    added_tokens: tuple[str, ...] = ()
    """The tokenizer's own added/special token strings (empty without a tokenizer)."""
    extra: dict[str, Any] = field(default_factory=dict)

    def on(self, *rules: Rule) -> bool:
        """Whether any of ``rules`` is enabled."""
        return any(r.code in self.enabled for r in rules)

    def threshold(self, rule: Rule, key: str) -> Any:
        """``settings.thresholds[rule.name][key]`` (or by code, or category), else the default
        declared with the rule (``registry.knob``)."""
        return threshold_value(self.settings.thresholds, rule, key)


def hit(rule: Rule, ex: Example, severity: str | None = None, **fields: object) -> Finding:
    """A finding of ``rule`` at example ``ex``."""
    return Finding(rule, rule.format(**fields), ex.file, ex.line, ex.index, severity)
