"""Dataset lint: catch data problems before they cost GPU time.

Public API: ``lint_dataset(settings) -> LintReport``; ``LintReport.to_dict()`` and
``LintReport.exit_code(fail_on)``; the rule registry (``RULES``, ``get_rule``).
"""

from tunebook.lint import rules as _rules  # noqa: F401 - registers every rule
from tunebook.lint.engine import lint_dataset
from tunebook.lint.registry import RULES, Rule, get_rule
from tunebook.lint.report import Finding, LintReport
from tunebook.lint.settings import LintSettings

__all__ = ["RULES", "Finding", "LintReport", "LintSettings", "Rule", "get_rule", "lint_dataset"]
