"""The github format as GitHub Actions reads it: workflow commands, the annotations a
step shows, the job summary, and the defaults when gate runs in GitHub Actions."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from gate.model import Category, Finding, Severity
from gate.report import Report, RunLine, Style, Summary
from gate.report.github import MESSAGE_LIMIT, SHOWN, format_report
from tests.gate_cli import run_gate
from tests.report import huge_drift


def commands(output: str) -> list[tuple[str, str]]:
    """(command, rest) for each line the runner takes as a workflow command: leading
    whitespace trimmed, nothing between `::stop-commands::TOKEN` and `::TOKEN::`."""
    found, stopped = [], ""
    for line in output.splitlines():
        line = line.lstrip()
        if stopped:
            if line == f"::{stopped}::":
                stopped = ""
            continue
        match = re.match(r"::([a-z-]+)( [^:]*)?::(.*)", line)
        if not match:
            continue
        if match[1] == "stop-commands":
            stopped = match[3]
            continue
        found.append((match[1], line))
    return found


def _finding(severity: Severity, index: int, target: str = "web", **more: object) -> Finding:
    return Finding(
        Category.POLICY,
        f"rule-{severity.value}",
        severity,
        f"{severity.value} number {index}",
        target=target,
        profile="prod",
        object=f"apps/v1/Deployment/web/w{index}",
        file="charts/web/templates/deployment.yaml",
        line=index + 1,
        **more,  # type: ignore[arg-type]
    )


def _report(findings: tuple[Finding, ...], runs: tuple[RunLine, ...]) -> Report:
    errors = sum(1 for f in findings if f.fails_gate)
    warnings = sum(1 for f in findings if f.severity is Severity.WARNING)
    summary = Summary(len({r.target for r in runs}), len(runs), 1, errors, warnings, 0)
    return Report(not errors, 1 if errors else 0, summary, findings, runs)


def test_errors_first_and_no_more_than_github_shows() -> None:
    findings = (
        *(_finding(Severity.WARNING, i) for i in range(12)),
        *(_finding(Severity.INFO, i) for i in range(3)),
        *(_finding(Severity.ERROR, i) for i in range(15)),
        _finding(Severity.ERROR, 99, exempted="accepted"),
    )
    output = format_report(_report(findings, (RunLine("web", "prod", 1, True),)), Style())
    kinds = [kind for kind, _ in commands(output) if kind in ("error", "warning", "notice")]
    assert kinds == ["error"] * SHOWN + ["warning"] * SHOWN + ["notice"] * 4
    shown = [line for kind, line in commands(output) if kind == "error"]
    assert [re.search(r"number (\d+)", line)[1] for line in shown] == [  # type: ignore[index]
        str(i) for i in range(SHOWN)
    ]
    assert not any("number 99" in line for _, line in commands(output))  # exempted
    last = commands(output)[-1][1]
    assert last.startswith("::notice title=gate failed::15 errors, 12 warnings, 0 drifted")
    assert "5 more errors, 2 more warnings not annotated" in last
    assert "job summary" in last


def test_one_of_each_is_said_in_the_singular() -> None:
    findings = (_finding(Severity.ERROR, 1), _finding(Severity.WARNING, 2))
    output = format_report(_report(findings, (RunLine("web", "prod", 1, True),)), Style())
    last = commands(output)[-1][1]
    assert last == (
        "::notice title=gate failed::1 error, 1 warning, 0 drifted objects across 1 rendering"
    )
    assert output.splitlines()[-1] == (
        "gate FAILED: 1 error, 1 warning (1 target, 1 profile, 1 object)"
    )


def test_a_huge_message_is_one_bounded_annotation() -> None:
    finding = huge_drift()
    report = _report((finding,), (RunLine("big", "prod", 1, True),))
    (annotation,) = [
        line for kind, line in commands(format_report(report, Style())) if kind == "error"
    ]
    assert len(finding.message) > 500_000
    assert len(annotation) < MESSAGE_LIMIT + 600
    assert re.search(r"\.\.\. \([\d,]+ more characters; run gate diff\)$", annotation)


def test_the_log_is_grouped_per_target_and_cannot_start_a_command() -> None:
    """helm's error quotes the chart: a line of it cannot become an annotation."""
    failed = Finding(
        Category.RENDER,
        "render-failed",
        Severity.ERROR,
        "helm said\n::error file=x::pwned\n::stop-commands::x",
        target="api",
        profile="prod",
        file="charts/api/Chart.yaml",
    )
    report = _report(
        (failed, _finding(Severity.ERROR, 1)),
        (
            RunLine("api", "prod", 0, False),
            RunLine("web", "prod", 1, True),
            RunLine("web", "dev", 1, True),
        ),
    )
    output = format_report(report, Style())
    found = commands(output)
    assert [line for kind, line in found if kind == "group"] == [
        "::group::gate: api",
        "::group::gate: web",
    ]
    assert sum(1 for kind, _ in found if kind == "endgroup") == 2
    errors = [line for kind, line in found if kind == "error"]
    assert len(errors) == 2 and not any(line.startswith("::error file=x") for line in errors)
    # the text report is in the log, both profiles of web in one group
    assert "web / dev" in output and "web / prod" in output and "::error file=x::pwned" in output


def test_an_archive_member_is_annotated_on_its_archive() -> None:
    member = "charts/app/charts/db-1.0.0.tgz#db/templates/statefulset.yaml"
    finding = dataclasses.replace(_finding(Severity.ERROR, 1), file=member)
    output = format_report(_report((finding,), (RunLine("web", "prod", 1, True),)), Style())
    (annotation,) = [line for kind, line in commands(output) if kind == "error"]
    assert " file=charts/app/charts/db-1.0.0.tgz,title=" in annotation
    assert "line=" not in annotation
    assert f"%0Ain {member}:2" in annotation


# --- in GitHub Actions ------------------------------------------------------------------

MANIFEST = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: web, image: "nginx:latest"}]
"""


def _repository(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "web.yaml").write_text(MANIFEST, encoding="utf-8")
    return repo


def test_github_actions_gets_annotations_and_a_job_summary_without_flags(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    summary = tmp_path / "step_summary"
    summary.write_text("## an earlier step\n", encoding="utf-8")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    for _ in range(2):
        result = run_gate("validate", "web.yaml", cwd=repo, env=env)
        assert result.returncode == 1, result.stderr
    kinds = [kind for kind, _ in commands(result.stdout)]
    assert kinds[:2] == ["group", "endgroup"] and "error" in kinds
    assert result.stdout.splitlines()[-1].startswith("gate FAILED: ")
    written = summary.read_text(encoding="utf-8")
    # appended, never replaced: the earlier step's text and both runs' summaries
    assert written.startswith("## an earlier step\n\n## gate failed ❌")
    assert written.count("## gate failed ❌") == 2


def test_markdown_to_the_job_summary_appends(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    summary = tmp_path / "step_summary"
    summary.write_text("before\n", encoding="utf-8")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    result = run_gate("validate", "web.yaml", f"--format=markdown:{summary}", cwd=repo, env=env)
    assert result.returncode == 1, result.stderr
    assert summary.read_text(encoding="utf-8").startswith("before\n\n## gate failed ❌")
    # any other markdown path is a report of its own, written whole
    other = tmp_path / "comment.md"
    other.write_text("old", encoding="utf-8")
    run_gate("validate", "web.yaml", f"--format=markdown:{other}", cwd=repo, env=env)
    assert other.read_text(encoding="utf-8").startswith("## gate failed ❌")


def test_a_job_summary_inside_the_repository_is_refused(tmp_path: Path) -> None:
    """A file there could be a link the pull request committed."""
    repo = _repository(tmp_path)
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(repo / "summary.md")}
    result = run_gate("validate", "web.yaml", cwd=repo, env=env)
    assert result.returncode == 2
    assert "$GITHUB_STEP_SUMMARY names a file inside the repository" in result.stderr
    assert not (repo / "summary.md").exists()


def test_outside_github_actions_the_text_report_stays(tmp_path: Path) -> None:
    repo = _repository(tmp_path)
    result = run_gate("validate", "web.yaml", cwd=repo, env={"GITHUB_ACTIONS": "false"})
    assert result.returncode == 1
    assert "::" not in result.stdout
