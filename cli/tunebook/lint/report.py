"""Findings and the lint report: the JSON shape in DESIGN.md and the exit status."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tunebook.lint.registry import RULES, Rule

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
MAX_FINDINGS_PER_RULE = 5000
"""Findings kept per rule in the report; counts stay exact (``summary.omitted``)."""


@dataclass(slots=True)
class Finding:
    """One problem at one place. ``line`` is 1-based (None: whole file/dataset)."""

    rule: Rule
    message: str
    file: str | None = None
    line: int | None = None
    example: int | None = None
    severity: str | None = None
    """Overrides the rule's default severity (e.g. a too-long estimate is only a warning)."""

    @property
    def level(self) -> str:
        return self.severity or self.rule.severity

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule.code,
            "name": self.rule.name,
            "category": self.rule.category,
            "severity": self.level,
            "file": self.file,
            "line": self.line,
            "example": self.example,
            "message": self.message,
            "fix": self.rule.fix,
        }


@dataclass
class LintReport:
    """Everything one lint run found, plus counts and token statistics."""

    examples: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    """Findings per (rule code, severity), including those omitted from ``findings``."""
    tokens: dict[str, Any] | None = None
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Things the user should know (e.g. 'token counts are an estimate: ...')."""

    def add(self, finding: Finding) -> None:
        key = (finding.rule.code, finding.level)
        self.counts[key] += 1
        if self.counts[key] <= MAX_FINDINGS_PER_RULE:
            self.findings.append(finding)

    def count(self, severity: str) -> int:
        return sum(n for (_, sev), n in self.counts.items() if sev == severity)

    def by_rule(self) -> dict[str, int]:
        """Finding counts per rule code, most frequent first."""
        totals: Counter = Counter()
        for (code, _), n in self.counts.items():
            totals[code] += n
        return dict(totals.most_common())

    def sorted_findings(self) -> list[Finding]:
        return sorted(
            self.findings,
            key=lambda f: (f.file or "", f.line if f.line is not None else -1, f.rule.code),
        )

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON report (DESIGN.md: ``lint --format json``)."""
        kept = len(self.findings)
        total = sum(self.counts.values())
        out: dict[str, Any] = {
            "summary": {
                "examples": self.examples,
                "errors": self.count("error"),
                "warnings": self.count("warning"),
                "infos": self.count("info"),
                "seconds": round(self.seconds, 3),
                "files": self.files,
                "rules": self.by_rule(),
                "omitted": total - kept,
                "notes": self.notes,
            },
            "findings": [f.to_dict() for f in self.sorted_findings()],
        }
        if self.tokens is not None:
            out["tokens"] = self.tokens
        return out

    def exit_code(self, fail_on: str = "error") -> int:
        """0 when nothing is at or above ``fail_on`` (error|warning|info), else 1."""
        if fail_on not in SEVERITY_RANK:
            raise ValueError(f"fail_on must be one of {', '.join(SEVERITY_RANK)}")
        floor = SEVERITY_RANK[fail_on]
        worst = max((SEVERITY_RANK[sev] for (_, sev), n in self.counts.items() if n), default=-1)
        return 1 if worst >= floor else 0


def rule_of(code: str) -> Rule:
    return RULES[code]
