"""What every check may read: the settings, the enabled rules, thresholds, tokenizer facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tunebook.lint.model import Example
from tunebook.lint.registry import Rule
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

    def threshold(self, rule: Rule, key: str, default: Any) -> Any:
        """``settings.thresholds[rule.name][key]`` (or by code), else ``default``."""
        th = self.settings.thresholds
        for k in (rule.name, rule.code):
            if isinstance(th.get(k), dict) and key in th[k]:
                return th[k][key]
        return default


def hit(rule: Rule, ex: Example, severity: str | None = None, **fields: object) -> Finding:
    """A finding of ``rule`` at example ``ex``."""
    return Finding(rule, rule.format(**fields), ex.file, ex.line, ex.index, severity)
