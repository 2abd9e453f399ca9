"""Report renderers: rich text (stderr-friendly), JSON, JUnit XML, Markdown."""

from __future__ import annotations

from collections import defaultdict
from xml.sax.saxutils import escape, quoteattr

import orjson

from tunebook.lint.registry import RULES
from tunebook.lint.report import SEVERITY_RANK, Finding, LintReport

FIRST_SHOWN = 5
_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _grouped(report: LintReport) -> list[tuple[str, list[Finding], int]]:
    """(code, first findings, total count) per rule, worst severity and most frequent first."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in report.sorted_findings():
        groups[f.rule.code].append(f)
    totals = report.by_rule()
    order = sorted(
        totals,
        key=lambda c: (-SEVERITY_RANK[RULES[c].severity], -totals[c], c),
    )
    return [(c, groups.get(c, []), totals[c]) for c in order]


def _where(f: Finding) -> str:
    if f.line is not None:
        return f"{f.file}:{f.line}"
    if f.example is not None:
        return f"{f.file}#{f.example}"
    return f.file or "(dataset)"


def render_json(report: LintReport) -> str:
    return orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2).decode()


def render_text(report: LintReport, console=None) -> None:
    """A summary grouped by rule, with the first places and the token-length summary."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(stderr=True)
    for code, first, total in _grouped(report):
        rule = RULES[code]
        sev = first[0].level if first else rule.severity
        console.print(
            f"[{_STYLE[sev]}]{sev:7}[/] [bold]{code}[/] {rule.name} "
            f"[dim]({rule.category})[/] × {total}"
        )
        for f in first[:FIRST_SHOWN]:
            console.print(f"    {_where(f)}: {f.message}", markup=False, highlight=False)
        if total > FIRST_SHOWN:
            console.print(f"    [dim]… and {total - FIRST_SHOWN} more[/]")
        console.print(f"    [dim]fix: {rule.fix}[/]", highlight=False)
    tokens = report.tokens
    if tokens and tokens.get("p50") is not None:
        table = Table(title=f"tokens ({tokens['tokenizer']})", show_edge=False)
        for col in ("p50", "p90", "p99", "max", "sequence_len"):
            table.add_column(col, justify="right")
        table.add_row(
            *(
                str(tokens.get(c) if tokens.get(c) is not None else "-")
                for c in ("p50", "p90", "p99", "max", "sequence_len")
            )
        )
        console.print(table)
    for note in report.notes:
        console.print(f"[dim]note: {note}[/]")
    d = report.to_dict()["summary"]
    colour = "red" if d["errors"] else "yellow" if d["warnings"] else "green"
    console.print(
        f"[{colour}]{d['examples']} examples: {d['errors']} errors, {d['warnings']} warnings, "
        f"{d['infos']} infos[/] in {d['seconds']:.2f}s"
    )


def render_markdown(report: LintReport) -> str:
    d = report.to_dict()
    s = d["summary"]
    out = [
        "## Dataset lint",
        "",
        f"**{s['examples']} examples** — {s['errors']} errors, {s['warnings']} warnings, "
        f"{s['infos']} infos ({s['seconds']:.2f}s)",
        "",
    ]
    if report.counts:
        out += ["| Rule | Name | Severity | Count | First places |", "|---|---|---|---:|---|"]
        for code, first, total in _grouped(report):
            rule = RULES[code]
            places = ", ".join(f"`{_where(f)}`" for f in first[:3])
            out.append(f"| {code} | {rule.name} | {rule.severity} | {total} | {places} |")
        out.append("")
    tokens = d.get("tokens")
    if tokens and tokens.get("p50") is not None:
        out += [
            f"Tokens ({tokens['tokenizer']}): p50 {tokens['p50']}, p90 {tokens['p90']}, "
            f"p99 {tokens['p99']}, max {tokens['max']}, sequence_len {tokens['sequence_len']}",
            "",
        ]
    out += [f"> {note}" for note in s["notes"]]
    return "\n".join(out).rstrip() + "\n"


def render_junit(report: LintReport) -> str:
    """One testsuite, one testcase per rule that ran into findings (each finding a failure)."""
    d = report.to_dict()["summary"]
    cases = []
    for code, first, total in _grouped(report):
        rule = RULES[code]
        body = "\n".join(f"{_where(f)}: {f.message}" for f in first)
        if total > len(first):
            body += f"\n... and {total - len(first)} more"
        tag = "failure" if rule.severity != "info" else "system-out"
        if tag == "failure":
            inner = (
                f"<failure type={quoteattr(rule.severity)} "
                f"message={quoteattr(f'{total} finding(s): {rule.name}')}>{escape(body)}</failure>"
            )
        else:
            inner = f"<system-out>{escape(body)}</system-out>"
        cases.append(
            f'  <testcase classname="tunebook.lint" name={quoteattr(f"{code} {rule.name}")}>'
            f"{inner}</testcase>"
        )
    if not cases:
        cases.append('  <testcase classname="tunebook.lint" name="dataset lint"/>')
    failures = sum(1 for c in cases if "<failure" in c)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<testsuite name="tunebook lint" tests="{len(cases)}" failures="{failures}" '
        f'errors="0" time="{d["seconds"]}">\n' + "\n".join(cases) + "\n</testsuite>\n"
    )
