"""A pull-request comment: a summary table, then the golden drift per rendering.

GitHub refuses comments over 65,536 characters, so when the full drift does not
fit, the details are cut at a change boundary and the comment says how much
was left out and how to see it all.
"""

from __future__ import annotations

import re
from collections import defaultdict

from gate.model import Finding, Severity, short_identity
from gate.report import Report, Style, plural

LIMIT = 65_536
_RESERVE = 600  # room for the closing lines and the note on what was cut
MARKS = {"added": "+", "removed": "-", "changed": "~"}


def _table(report: Report, grouped: dict[tuple[str, str], list[Finding]]) -> list[str]:
    lines = [
        "| target | profile | objects | policy errors | drifted objects | status |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for run in report.runs:
        findings = grouped.get((run.target, run.profile), [])
        errors = sum(1 for f in findings if f.fails_gate and f.category.value != "golden")
        drift = sum(1 for f in findings if f.drift is not None and f.counted)
        failing = any(f.fails_gate for f in findings) or not run.rendered
        status = "render failed" if not run.rendered else ("❌" if failing else "✅")
        lines.append(
            f"| {run.target} | {run.profile} | {run.objects} | {errors} | {drift} | {status} |"
        )
    return lines


def _drift_lines(findings: list[Finding]) -> list[str]:
    lines: list[str] = []
    for finding in findings:
        if finding.drift is None:
            continue
        lines.append(f"{MARKS[finding.drift]} {short_identity(finding.object)}")
        if finding.drift == "changed":
            lines += [f"    {line}" for line in finding.message.splitlines()]
    return lines


def _escape(text: str) -> str:
    """Text outside code blocks, shown as written: `<nondeterministic>` is no HTML tag, and
    a rendered value such as `[sign in](https://...)` or `![](...)` is no link or image
    in a comment the gate's bot posts."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\g<0>", text)


_MARKDOWN = re.compile(r"[\\`*_\[\]()!#|~]")


def _code(text: str) -> str:
    """An inline code span no backtick in `text` can close."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}"


def _block(lines: list[str]) -> str:
    """Lines shown as written, in a code block of a list item that none of them can
    close (its fence is longer than any run of backticks in them)."""
    longest = max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return "\n".join([f"  {fence}text", *(f"  {line}" for line in lines), f"  {fence}"])


def _problems(findings: list[Finding]) -> list[str]:
    """One list item per finding; the lines of a message after its first (helm's reason
    for a failed render) follow in a code block of the item, one item kept whole."""
    problems = []
    for f in findings:
        if f.drift is not None or f.severity is Severity.INFO or not f.counted:
            continue
        first, *more = f.message.split("\n")
        problems.append(
            f"- **{f.severity.value}** `{f.rule}`"
            + (f" {_escape(short_identity(f.object))}" if f.object else "")
            + (f" at {_code(f.path)}" if f.path else "")
            + f": {_escape(first)}"
            + (f"\n{_block(more)}" if more else "")
        )
    return problems


def format_report(report: Report, style: Style) -> str:
    grouped: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in report.findings:
        grouped[(finding.target, finding.profile)].append(finding)
    verdict = "passed ✅" if report.passed else "failed ❌"
    summary = report.summary
    head = [
        f"## gate {verdict}",
        "",
        f"{plural(summary.errors, 'error')}, {plural(summary.warnings, 'warning')}, "
        f"{plural(summary.drift, 'drifted object')} across "
        f"{plural(summary.profiles, 'rendering')} of {plural(summary.targets, 'target')}.",
        "",
        *_table(report, grouped),
        "",
    ]
    body: list[str] = []
    for run in report.runs:
        findings = grouped.get((run.target, run.profile), [])
        problems = _problems(findings)
        drift = _drift_lines(findings)
        if not problems and not drift:
            continue
        count = sum(1 for f in findings if f.drift is not None)
        body += [
            "<details>",
            f"<summary><b>{run.target} / {run.profile}</b>: {plural(len(problems), 'finding')}, "
            f"{plural(count, 'drifted object')}</summary>",
            "",
            *problems,
            *(["", "```diff", *drift, "```"] if drift else []),
            "",
            "</details>",
            "",
        ]
    ran = {(run.target, run.profile) for run in report.runs}
    others = [f for key, group in grouped.items() if key not in ran for f in group]
    if others:
        body += ["**Also:**", "", *_problems(others), ""]
    return _fit("\n".join(head), body)


def _fit(head: str, body: list[str]) -> str:
    text = head + "\n" + "\n".join(body)
    if len(text) <= LIMIT:
        return text.rstrip() + "\n"
    budget = LIMIT - len(head) - _RESERVE
    kept: list[str] = []
    used = 0
    for line in body:
        if used + len(line) + 1 > budget:
            break
        kept.append(line)
        used += len(line) + 1
    left_out = len(body) - len(kept)
    if sum(1 for line in kept if line.startswith("```")) % 2:  # close an open code block
        kept.append("```")
    if kept.count("<details>") > kept.count("</details>"):
        kept.append("</details>")
    kept += [
        "",
        f"_{left_out} more lines are not shown: this comment stays under GitHub's "
        f"{LIMIT:,}-character limit. Run `gate diff` for the whole drift._",
    ]
    return (head + "\n" + "\n".join(kept)).rstrip() + "\n"
