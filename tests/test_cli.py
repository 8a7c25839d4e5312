"""End to end: the `gate` command as users run it, with real Helm 3 and Helm 4.

Every test runs `.venv/bin/gate` in a subprocess (the installed console script,
the way CI and a laptop run it) and checks what a person sees: the exit code
(DESIGN.md: 0 passes, 1 fails, 2 could not run), stdout, stderr and the JSON
report. Fake helm scripts appear only on error paths (too old, crashing,
hanging); everything that renders uses the pinned helms of `.tools/`.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate import __version__
from tests.gate_cli import FINDING_KEYS, OPTIONAL_FINDING_KEYS, READ_REPO, Run, run

REPO = Path(__file__).resolve().parents[1]
FIXTURE_CHARTS = Path(__file__).resolve().parent / "fixtures" / "charts"
BACKSTAGE_CHART = REPO / "charts-under-test" / "backstage"
DEPLOYMENT = "apps/v1/Deployment/backstage/neuroscale-backstage"
BUILTIN_POLICIES = {
    "startup-probe-initial-delay",
    "startup-probe-failure-threshold",
    "resource-requests",
    "image-digest-pinned",
    "image-tag-not-latest",
    "placeholder-secret",
}


def gate(
    *args: str,
    cwd: Path = REPO,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> Run:
    """Run gate as users do; GATE_HELM is unset unless `env` sets it."""
    return run(*args, cwd=cwd, env=env, timeout=timeout)


def assert_could_not_run(run: Run) -> None:
    """Exit 2, a `gate:` sentence on stderr, and never a Python traceback."""
    assert run.code == 2, run
    assert "Traceback" not in run.output, run.output
    assert run.stderr.strip(), "exit 2 must say why on stderr"


def assert_one_sentence(run: Run) -> str:
    assert_could_not_run(run)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{run.stderr}"
    assert lines[0].startswith("gate: "), lines[0]
    return lines[0]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def fake_helm(tmp_path: Path, name: str, template_body: str, version: str = "v3.17.0") -> Path:
    """A shell script that answers `helm version` and does `template_body` for `template`."""
    script = write(
        tmp_path / name,
        "#!/bin/sh\n"
        'case "$1" in\n'
        f'  version) echo "{version}" ;;\n'
        f"  template) {template_body} ;;\n"
        '  *) echo "fake helm: unexpected $1" >&2; exit 3 ;;\n'
        "esac\n",
    )
    script.chmod(0o755)
    return script


def tiny_config(tmp_path: Path, extra: str = "") -> Path:
    """gate.yaml in tmp_path with one target on the tiny fixture chart."""
    return write(
        tmp_path / "gate.yaml",
        f"{READ_REPO}{extra}targets:\n  - name: tiny\n    chart: {FIXTURE_CHARTS / 'tiny'}\n",
    )


def helm_major(helm_path: str) -> str:
    return Path(helm_path).parent.name.removeprefix("helm")


def findings(report: dict[str, Any], rule: str, profile: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule"] == rule and f["profile"] == profile]


# --- gate check on the repository -----------------------------------------------------------


def test_check_repository_passes_with_summary(helm_path: str) -> None:
    run = gate("check", "--helm", helm_path, cwd=REPO)

    assert run.code == 0, run.output
    lines = run.stdout.splitlines()
    for profile in ("dev", "staging", "prod"):
        assert any(re.match(rf"backstage / {profile}\s+\d+ objects\b", line) for line in lines), (
            f"no summary line for backstage / {profile}:\n{run.stdout}"
        )
    assert lines[-1].startswith("gate passed"), lines[-1]
    assert "Traceback" not in run.output


def test_check_with_absolute_config_from_elsewhere(helm_path: str, tmp_path: Path) -> None:
    run = gate("check", "--config", str(REPO / "gate.yaml"), "--helm", helm_path, cwd=tmp_path)

    assert run.code == 0, run.output
    assert run.stdout.splitlines()[-1].startswith("gate passed")
    assert "backstage / prod" in run.stdout


def test_jobs_do_not_change_the_report(helm_path: str, tmp_path: Path) -> None:
    reports = []
    for jobs in ("1", "4"):
        out = tmp_path / f"jobs-{jobs}.json"
        run = gate(
            "check", "--helm", helm_path, "--jobs", jobs, "--format", f"json:{out}", cwd=REPO
        )
        assert run.code == 0, run.output
        reports.append(json.loads(out.read_text()))

    assert reports[0]["findings"] == reports[1]["findings"]
    assert reports[0] == reports[1]
    assert reports[0]["summary"]["profiles"] == 3


# --- gate check on the incident -------------------------------------------------------------


@pytest.fixture
def incident(helm_path: str, tmp_path: Path) -> tuple[Run, dict[str, Any]]:
    out = tmp_path / "report" / "incident.json"
    run = gate(
        "check",
        "--config",
        "examples/incident/gate.yaml",
        "--helm",
        helm_path,
        "--format",
        "text",
        "--format",
        f"json:{out}",
        cwd=REPO,
    )
    assert out.is_file(), f"--format json:{out} wrote nothing\n{run.output}"
    return run, json.loads(out.read_text())


def test_incident_fails_with_exit_1(incident: tuple[Run, dict[str, Any]]) -> None:
    run, report = incident
    assert run.code == 1, run.output
    assert "Traceback" not in run.output
    assert report["version"] == 1
    assert report["passed"] is False
    assert set(report["summary"]) == {
        "targets",
        "profiles",
        "objects",
        "errors",
        "warnings",
        "drift",
        "skipped",
    }
    assert report["summary"]["targets"] == 1
    assert report["summary"]["profiles"] == 1
    assert report["summary"]["errors"] >= 5


def test_incident_text_and_json_both_written(incident: tuple[Run, dict[str, Any]]) -> None:
    run, report = incident
    # --format text went to stdout, --format json:OUT to the file, not stdout.
    assert "backstage / prod" in run.stdout
    assert run.stdout.splitlines()[-1].startswith("gate FAILED")
    assert '"version"' not in run.stdout
    for finding in report["findings"]:
        assert finding["rule"] in run.stdout


@pytest.mark.parametrize(
    "rule",
    [
        "startup-probe-initial-delay",
        "startup-probe-failure-threshold",
        "resource-requests",
        "image-tag-not-latest",
        "image-digest-pinned",
    ],
)
def test_incident_finding(incident: tuple[Run, dict[str, Any]], rule: str) -> None:
    _, report = incident
    matching = [f for f in findings(report, rule, "prod") if f["object"] == DEPLOYMENT]
    assert matching, f"no {rule} finding for {DEPLOYMENT}: {report['findings']}"
    finding = matching[0]
    assert finding["category"] == "policy"
    assert finding["severity"] == "error"
    assert finding["target"] == "backstage"
    assert finding["file"].endswith("charts/backstage/templates/deployment.yaml"), finding
    assert isinstance(finding["line"], int) and not isinstance(finding["line"], bool)
    assert finding["line"] >= 1
    assert finding["path"].startswith("spec.template.spec.containers[0]"), finding
    assert finding["message"]


def test_incident_findings_have_exactly_the_contract_keys(
    incident: tuple[Run, dict[str, Any]],
) -> None:
    _, report = incident
    assert report["findings"]
    for finding in report["findings"]:
        keys = set(finding)
        assert keys >= FINDING_KEYS, finding
        assert keys - FINDING_KEYS <= OPTIONAL_FINDING_KEYS, finding


# --- gate render ------------------------------------------------------------------------------


def test_render_prod_is_deterministic_yaml_with_sources(helm_path: str) -> None:
    first = gate("render", "backstage", "--profile", "prod", "--helm", helm_path, cwd=REPO)
    second = gate("render", "backstage", "--profile", "prod", "--helm", helm_path, cwd=REPO)

    assert first.code == 0, first.output
    assert first.stdout == second.stdout, "two renderings of the same inputs differ"
    chunks = [c for c in re.split(r"^---\s*$", first.stdout, flags=re.M) if c.strip()]
    assert chunks
    for chunk in chunks:
        assert chunk.lstrip("\n").startswith("# Source: "), chunk[:200]
    documents = [d for d in yaml.safe_load_all(first.stdout) if d is not None]
    assert len(documents) == len(chunks)
    deployments = [d for d in documents if d["kind"] == "Deployment"]
    assert [d["metadata"]["name"] for d in deployments] == ["neuroscale-backstage"]
    container = deployments[0]["spec"]["template"]["spec"]["containers"][0]
    assert "@sha256:" in container["image"]
    assert container["startupProbe"]["initialDelaySeconds"] == 120


def test_render_without_profile_names_the_profiles(helm_path: str) -> None:
    run = gate("render", "backstage", "--helm", helm_path, cwd=REPO)

    line = assert_one_sentence(run)
    for profile in ("dev", "staging", "prod"):
        assert profile in line
    assert "--profile" in line
    assert run.stdout == ""


# --- gate policies and --version --------------------------------------------------------------


def test_policies_lists_the_builtin_pack(tmp_path: Path) -> None:
    run = gate("policies", cwd=tmp_path)  # no gate.yaml here: the built-in pack alone

    assert run.code == 0, run.output
    listed = {line.split()[0]: line.split()[1] for line in run.stdout.splitlines() if line}
    assert set(listed) >= BUILTIN_POLICIES, run.stdout
    for policy in BUILTIN_POLICIES:
        assert listed[policy] == "error", run.stdout


def test_policies_with_the_repository_config() -> None:
    run = gate("policies", cwd=REPO)

    assert run.code == 0, run.output
    assert {line.split()[0] for line in run.stdout.splitlines() if line} >= BUILTIN_POLICIES


def test_version_names_gate_and_helm(helm_path: str, tmp_path: Path) -> None:
    run = gate("--version", env={"GATE_HELM": helm_path}, cwd=tmp_path)

    assert run.code == 0, run.output
    lines = run.stdout.splitlines()
    assert lines[0] == f"gate {__version__}"
    major = helm_major(helm_path)
    assert re.fullmatch(rf"helm v{major}\.\d+\.\d+ \({re.escape(helm_path)}\)", lines[1]), lines


# --- overrides --------------------------------------------------------------------------------


def test_override_params_per_profile(helm_path: str, tmp_path: Path) -> None:
    write(
        tmp_path / "values-slow.yaml",
        "backstage:\n"
        "  backstage:\n"
        "    startupProbe:\n"
        "      initialDelaySeconds: 90\n"
        "      failureThreshold: 30\n",
    )
    write(
        tmp_path / "gate.yaml",
        f"{READ_REPO}targets:\n"
        "  - name: backstage\n"
        f"    chart: {BACKSTAGE_CHART}\n"
        "    release: neuroscale-backstage\n"
        "    namespace: backstage\n"
        "    profiles:\n"
        "      dev: {values: [values-slow.yaml]}\n"
        "      prod: {values: [values-slow.yaml]}\n"
        "overrides:\n"
        "  - rule: startup-probe-initial-delay\n"
        "    profile: dev\n"
        "    params: {min: 60}\n",
    )
    out = tmp_path / "report.json"
    run = gate("check", "--helm", helm_path, "--format", f"json:{out}", cwd=tmp_path)

    assert run.code == 1, run.output  # other rules (digests, requests) still fail
    report = json.loads(out.read_text())
    rule = "startup-probe-initial-delay"
    dev = [f for f in findings(report, rule, "dev") if f["object"] == DEPLOYMENT]
    prod = [f for f in findings(report, rule, "prod") if f["object"] == DEPLOYMENT]
    assert dev == [], dev
    assert len(prod) == 1, report["findings"]
    assert "90" in prod[0]["message"] and "120" in prod[0]["message"], prod[0]
    # The failure threshold of 30 satisfies its rule in both profiles.
    for profile in ("dev", "prod"):
        threshold = findings(report, "startup-probe-failure-threshold", profile)
        assert not [f for f in threshold if f["object"] == DEPLOYMENT]


# --- bad input: exit 2, one sentence naming the file, no traceback ---------------------------


def test_typo_in_gate_yaml(helm_path: str, tmp_path: Path) -> None:
    write(
        tmp_path / "gate.yaml",
        f"targts:\n  - name: tiny\n    chart: {FIXTURE_CHARTS / 'tiny'}\n",
    )
    run = gate("check", "--helm", helm_path, cwd=tmp_path)

    line = assert_one_sentence(run)
    assert "gate.yaml:1" in line
    assert "'targts'" in line
    assert "did you mean 'targets'" in line


def test_missing_chart_path(helm_path: str, tmp_path: Path) -> None:
    write(tmp_path / "gate.yaml", "targets:\n  - name: web\n    chart: charts/web\n")
    run = gate("check", "--helm", helm_path, cwd=tmp_path)

    line = assert_one_sentence(run)
    assert "gate.yaml:3" in line
    assert "charts/web" in line
    assert "Chart.yaml" in line


def test_values_file_that_is_not_yaml(helm_path: str, tmp_path: Path) -> None:
    write(tmp_path / "values-broken.yaml", "image:\n  tag: [1.2.3\nreplicas: {\n")
    tiny_config(tmp_path)
    write(
        tmp_path / "gate.yaml",
        (tmp_path / "gate.yaml").read_text()
        + "    profiles:\n      dev: {values: [values-broken.yaml]}\n",
    )
    run = gate("check", "--helm", helm_path, cwd=tmp_path)

    line = assert_one_sentence(run)
    assert "values-broken.yaml" in line
    assert "YAML" in line


def test_values_file_that_is_not_a_mapping(helm_path: str, tmp_path: Path) -> None:
    # Valid YAML, but a list: helm is the one that refuses it.
    write(tmp_path / "values-list.yaml", "- image\n- tag\n")
    tiny_config(tmp_path)
    write(
        tmp_path / "gate.yaml",
        (tmp_path / "gate.yaml").read_text()
        + "    profiles:\n      dev: {values: [values-list.yaml]}\n",
    )
    run = gate("check", "--helm", helm_path, cwd=tmp_path)

    line = assert_one_sentence(run)
    assert "values-list.yaml" in line


def test_policy_with_unknown_operator(helm_path: str, tmp_path: Path) -> None:
    write(
        tmp_path / "policies" / "replicas.yaml",
        "id: enough-replicas\n"
        "severity: error\n"
        "match: {kinds: [Deployment]}\n"
        "assert:\n"
        "  path: spec.replicas\n"
        "  greater_than: 1\n",
    )
    tiny_config(tmp_path, extra="policies: [policies/replicas.yaml]\n")
    run = gate("check", "--helm", helm_path, cwd=tmp_path)

    line = assert_one_sentence(run)
    assert "replicas.yaml" in line
    assert "enough-replicas" in line
    assert "greater_than" in line


@pytest.fixture
def broken_chart_run(helm_path: str, tmp_path: Path) -> tuple[Run, dict[str, Any]]:
    write(
        tmp_path / "gate.yaml",
        f"{READ_REPO}targets:\n  - name: broken\n    chart: {FIXTURE_CHARTS / 'broken-template'}\n",
    )
    out = tmp_path / "report.json"
    run = gate(
        "check", "--helm", helm_path, "--format", "text", "--format", f"json:{out}", cwd=tmp_path
    )
    return run, json.loads(out.read_text())


def test_template_syntax_error(broken_chart_run: tuple[Run, dict[str, Any]]) -> None:
    run, report = broken_chart_run

    assert_could_not_run(run)
    assert "configmap.yaml" in run.stderr
    assert "configmap.yaml" in run.stdout
    assert report["passed"] is False
    (failed,) = [f for f in report["findings"] if f["rule"] == "render-failed"]
    assert failed["category"] == "render"
    assert failed["severity"] == "error"
    assert failed["target"] == "broken"
    assert failed["file"].endswith("broken-template/templates/configmap.yaml"), failed
    assert isinstance(failed["line"], int)


def test_template_syntax_error_points_at_the_unclosed_action(
    broken_chart_run: tuple[Run, dict[str, Any]],
) -> None:
    # configmap.yaml has 6 lines; the unclosed `{{ .Values.x` starts on line 6.
    # helm says "parse error at (...configmap.yaml:7): unclosed action started at
    # ...configmap.yaml:6": line 7 is past the end of the file.
    _, report = broken_chart_run
    (failed,) = [f for f in report["findings"] if f["rule"] == "render-failed"]
    template = FIXTURE_CHARTS / "broken-template" / "templates" / "configmap.yaml"
    assert len(template.read_text().splitlines()) == 6
    assert failed["line"] == 6, failed


def test_render_of_broken_template(helm_path: str, tmp_path: Path) -> None:
    write(
        tmp_path / "gate.yaml",
        f"{READ_REPO}targets:\n  - name: broken\n    chart: {FIXTURE_CHARTS / 'broken-template'}\n",
    )
    run = gate("render", "broken", "--helm", helm_path, cwd=tmp_path)

    line = assert_one_sentence(run)
    assert "configmap.yaml" in line
    assert run.stdout == ""


def test_helm_path_that_does_not_exist(tmp_path: Path) -> None:
    tiny_config(tmp_path)
    run = gate("check", "--helm", "/nonexistent/helm", cwd=tmp_path)

    line = assert_one_sentence(run)
    assert "/nonexistent/helm" in line
    assert "--helm" in line


def test_no_helm_on_path_and_no_gate_helm(tmp_path: Path) -> None:
    tiny_config(tmp_path)
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    run = gate("check", cwd=tmp_path, env={"PATH": str(empty_bin)})

    line = assert_one_sentence(run)
    assert "helm not found" in line
    assert "PATH" in line


def test_helm_older_than_3_14(tmp_path: Path) -> None:
    old = fake_helm(tmp_path, "old-helm", "exit 0", version="v3.10.0")
    tiny_config(tmp_path)
    run = gate("check", "--helm", str(old), cwd=tmp_path)

    line = assert_one_sentence(run)
    assert str(old) in line
    assert "3.10.0" in line
    assert "3.14" in line


def test_helm_that_crashes(tmp_path: Path) -> None:
    crash = fake_helm(
        tmp_path, "crash-helm", 'echo "Error: fake helm exploded while rendering" >&2; exit 1'
    )
    tiny_config(tmp_path)
    out = tmp_path / "report.json"
    run = gate("check", "--helm", str(crash), "--format", f"json:{out}", cwd=tmp_path)

    line = assert_one_sentence(run)
    assert "fake helm exploded while rendering" in line
    assert "tiny" in line
    report = json.loads(out.read_text())
    assert [f["rule"] for f in report["findings"]] == ["render-failed"]


def test_helm_that_hangs(tmp_path: Path) -> None:
    hang = fake_helm(tmp_path, "hang-helm", "exec sleep 60")
    tiny_config(tmp_path, extra="helm: {timeout: 1}\n")
    started = time.monotonic()
    run = gate("check", "--helm", str(hang), cwd=tmp_path, timeout=30)
    elapsed = time.monotonic() - started

    line = assert_one_sentence(run)
    assert "1s" in line
    assert "timeout" in line
    assert elapsed < 20, f"gate waited {elapsed:.1f}s for a 1s timeout"


# --- bad command lines --------------------------------------------------------------------


def test_unknown_format(helm_path: str) -> None:
    run = gate("check", "--helm", helm_path, "--format", "yaml", cwd=REPO)

    assert_could_not_run(run)
    assert "yaml" in run.stderr
    assert "--format" in run.stderr


def test_unknown_target_suggests_the_close_one(helm_path: str) -> None:
    run = gate("check", "backstag", "--helm", helm_path, cwd=REPO)

    line = assert_one_sentence(run)
    assert "'backstag'" in line
    assert "did you mean 'backstage'" in line
