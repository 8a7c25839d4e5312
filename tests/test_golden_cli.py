"""Golden files end to end: `gate render`, `gate golden update`, `gate check`,
`gate check --update-golden` and `gate diff`, run as users run them, with real
Helm 3 and Helm 4.

The fixture chart `random-secret` renders a Secret with a random password and
a Deployment with a checksum of it, so it is rendered twice and those values
are masked; everything else about it passes the built-in policies. Each test
writes its own gate.yaml in tmp_path and changes values with a profile's `set:`.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.gate_cli import READ_FOLDERS, Run, run

FIXTURE_CHARTS = Path(__file__).resolve().parent / "fixtures" / "charts"
RANDOM_CHART = FIXTURE_CHARTS / "random-secret"
DEPLOYMENT = "apps/v1/Deployment/default/app"
SECRET = "v1/Secret/default/app-secret"
IMAGE = "registry.example.com/team/app@sha256:" + "1" * 64
OTHER_IMAGE = "registry.example.com/team/app@sha256:" + "2" * 64
CONFIG_MAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-extra
data:
  mode: fast
"""


class Repo:
    """A tmp_path repository: a gate.yaml, golden files, and the gate command run in it."""

    def __init__(self, root: Path, helm: str) -> None:
        self.root, self.helm = root, helm

    def configure(
        self, targets: list[dict[str, Any]], golden: dict[str, Any] | None = None
    ) -> None:
        data: dict[str, Any] = {"read_outside": READ_FOLDERS, "targets": targets}
        if golden is not None:
            data = {"golden": golden, **data}
        (self.root / "gate.yaml").write_text(yaml.safe_dump(data, sort_keys=False))

    def gate(self, *args: str) -> Run:
        result = run(*args, "--helm", self.helm, cwd=self.root)
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def check_json(self, *args: str) -> tuple[Run, dict[str, Any]]:
        out = self.root / "report.json"
        out.unlink(missing_ok=True)
        run = self.gate("check", *args, "--format", f"json:{out}")
        assert out.is_file(), run.output
        return run, json.loads(out.read_text())

    def update(self, *args: str) -> Run:
        run = self.gate("golden", "update", *args)
        assert run.code == 0, run.output
        return run

    def golden(self, target: str, profile: str) -> Path:
        return self.root / "golden" / target / f"{profile}.yaml"

    def snapshot(self) -> dict[str, tuple[bytes, int]]:
        """Every file under golden/, its bytes and mtime (after moving mtimes into the past,
        so that a rewrite with the same bytes still shows)."""
        files = sorted(p for p in (self.root / "golden").rglob("*") if p.is_file())
        for path in files:
            os.utime(path, ns=(1_000_000_000, 1_000_000_000))
        return self.files()

    def files(self) -> dict[str, tuple[bytes, int]]:
        folder = self.root / "golden"
        if not folder.exists():
            return {}
        return {
            str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }


def app(
    profiles: dict[str, dict[str, Any]] | None = None,
    chart: Path = RANDOM_CHART,
    name: str = "app",
) -> dict[str, Any]:
    return {
        "name": name,
        "chart": str(chart),
        "release": "app",
        "profiles": profiles or {"dev": {}},
    }


@pytest.fixture
def repo(tmp_path: Path, helm_path: str) -> Repo:
    return Repo(tmp_path, helm_path)


def golden_findings(report: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule"] == rule]


def same_file(repo: Repo, reported: str, expected: Path) -> bool:
    return (repo.root / reported).resolve() == expected.resolve()


# --- 1. masked randomness: byte-identical renderings, and check passes after update ---------


def test_random_chart_renders_byte_identical_and_passes_after_update(repo: Repo) -> None:
    repo.configure([app()], golden={"dir": "golden"})

    first = repo.gate("render", "app", "--profile", "dev")
    second = repo.gate("render", "app", "--profile", "dev")

    assert first.code == 0 and second.code == 0, first.output + second.output
    assert first.stdout == second.stdout
    assert "  password: <nondeterministic>\n" in first.stdout
    assert "        checksum/secret: <nondeterministic>\n" in first.stdout
    assert f"# Object: {SECRET}\n" in first.stdout
    assert f"image: {IMAGE}\n" in first.stdout

    update = repo.update()
    assert "created" in update.stdout and "golden/app/dev.yaml" in update.stdout
    assert repo.golden("app", "dev").read_text() == first.stdout

    run, report = repo.check_json()
    assert run.code == 0, run.output
    assert report["passed"] is True
    assert golden_findings(report, "golden-drift") == []
    assert golden_findings(report, "golden-missing") == []
    (noisy,) = golden_findings(report, "golden-nondeterministic")
    assert noisy["severity"] == "warning"
    assert "Secret/default/app-secret data.password" in noisy["message"]
    assert "checksum/secret" in noisy["message"]


# --- 7. gate diff ---------------------------------------------------------------------------
# Drift as `~ Kind/ns/name` and its change lines: test_one_changed_value_is_one_drift_finding.
# A clean deterministic chart: test_update_twice_is_unchanged_and_other_targets_are_left_alone.


def test_diff_of_a_clean_random_chart_says_no_drift(repo: Repo) -> None:
    """Masked values are not drift: a clean rendering of a chart that uses randomness
    must read "no drift", like any other clean rendering."""
    repo.configure([app()], golden={"dir": "golden"})
    repo.update()

    diff = repo.gate("diff")

    assert diff.code == 0, diff.output
    assert "no drift" in diff.stdout, diff.stdout


# --- 2. one changed value, one finding ------------------------------------------------------


def test_one_changed_value_is_one_drift_finding(repo: Repo) -> None:
    profiles = ("replicas", "env", "image")
    repo.configure([app({p: {} for p in profiles})], golden={"dir": "golden"})
    repo.update()
    sets = {
        "replicas": {"replicas": 3},
        "env": {"logLevel": "debug"},
        "image": {"image": OTHER_IMAGE},
    }
    repo.configure([app({p: {"set": sets[p]} for p in profiles})], golden={"dir": "golden"})

    run, report = repo.check_json()

    assert run.code == 1, run.output
    assert report["passed"] is False
    drift = golden_findings(report, "golden-drift")
    assert sorted(f["profile"] for f in drift) == sorted(profiles), drift
    assert report["summary"]["drift"] == 3
    expected = {
        "replicas": ("spec.replicas", "spec.replicas: 1 → 3"),
        "env": (
            "spec.template.spec.containers[app].env[LOG_LEVEL].value",
            "spec.template.spec.containers[app].env[LOG_LEVEL].value: info → debug",
        ),
        "image": (
            "spec.template.spec.containers[app].image",
            f"spec.template.spec.containers[app].image: {IMAGE} → {OTHER_IMAGE}",
        ),
    }
    for finding in drift:
        profile = finding["profile"]
        path, message = expected[profile]
        assert finding["path"] == path
        assert finding["message"] == message
        assert finding["object"] == DEPLOYMENT
        assert finding["severity"] == "error" and finding["category"] == "golden"
        golden = repo.golden("app", profile)
        assert same_file(repo, finding["file"], golden), finding["file"]
        assert isinstance(finding["line"], int)
        lines = golden.read_text().splitlines()
        assert lines[finding["line"] - 1] == f"# Object: {DEPLOYMENT}"

    diff = repo.gate("diff")
    assert diff.code == 1, diff.output
    lines = diff.stdout.splitlines()
    assert lines.count("  ~ Deployment/default/app") == 3, diff.stdout
    assert "      spec.replicas: 1 → 3" in lines
    assert "      spec.template.spec.containers[app].env[LOG_LEVEL].value: info → debug" in lines
    assert "no drift" not in diff.stdout


def test_added_and_removed_templates_are_drift(repo: Repo) -> None:
    grows = repo.root / "charts" / "grows"
    shrinks = repo.root / "charts" / "shrinks"
    shutil.copytree(RANDOM_CHART, grows)
    shutil.copytree(RANDOM_CHART, shrinks)
    (shrinks / "templates" / "configmap.yaml").write_text(CONFIG_MAP)
    repo.configure(
        [app(chart=grows, name="grows"), app(chart=shrinks, name="shrinks")],
        golden={"dir": "golden"},
    )
    repo.update()

    (grows / "templates" / "configmap.yaml").write_text(CONFIG_MAP)
    (shrinks / "templates" / "configmap.yaml").unlink()
    run, report = repo.check_json()

    assert run.code == 1, run.output
    drift = {f["target"]: f for f in golden_findings(report, "golden-drift")}
    assert len(golden_findings(report, "golden-drift")) == 2, drift
    added, removed = drift["grows"], drift["shrinks"]
    assert added["object"] == removed["object"] == "v1/ConfigMap/default/app-extra"
    assert "added" in added["message"]
    assert "removed" in removed["message"]
    assert same_file(repo, added["file"], repo.golden("grows", "dev"))
    assert same_file(repo, removed["file"], repo.golden("shrinks", "dev"))
    lines = repo.golden("shrinks", "dev").read_text().splitlines()
    assert lines[removed["line"] - 1] == "# Object: v1/ConfigMap/default/app-extra"


# --- 4. updates touch only what they must ---------------------------------------------------


def test_update_twice_is_unchanged_and_other_targets_are_left_alone(repo: Repo) -> None:
    tiny = FIXTURE_CHARTS / "tiny"
    repo.configure([app(), app(chart=tiny, name="other")], golden={"dir": "golden"})
    repo.update()
    before = repo.snapshot()
    assert sorted(before) == ["app/dev.yaml", "other/dev.yaml"]

    again = repo.update()

    lines = again.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["unchanged", "unchanged"], again.stdout
    assert lines[-1] == "0 of 2 golden files changed"
    assert repo.files() == before

    clean = repo.gate("diff", "other")
    assert clean.code == 0, clean.output
    assert "no drift" in clean.stdout

    repo.configure(
        [app({"dev": {"set": {"replicas": 2}}}), app(chart=tiny, name="other")],
        golden={"dir": "golden"},
    )
    only_app = repo.update("app")
    assert "updated" in only_app.stdout and "other" not in only_app.stdout
    after = repo.files()
    assert after["other/dev.yaml"] == before["other/dev.yaml"]
    assert after["app/dev.yaml"] != before["app/dev.yaml"]
    assert b"replicas: 2\n" in after["app/dev.yaml"][0]


def test_a_render_failure_makes_update_exit_2_and_write_nothing(repo: Repo) -> None:
    repo.configure([app()], golden={"dir": "golden"})
    repo.update()
    before = repo.snapshot()
    broken = {"name": "broken", "chart": str(FIXTURE_CHARTS / "broken-template")}
    repo.configure([app({"dev": {"set": {"replicas": 4}}}), broken], golden={"dir": "golden"})

    update = repo.gate("golden", "update")

    assert update.code == 2, update.output
    assert update.stderr.startswith("gate: ") and "broken" in update.stderr
    assert len(update.stderr.strip().splitlines()) == 1, update.stderr
    assert repo.files() == before

    check = repo.gate("check", "--update-golden")
    assert check.code == 2, check.output
    assert repo.files() == before


# --- 5. missing, stale, and no golden files at all ------------------------------------------


def test_missing_and_stale_golden_files(repo: Repo) -> None:
    repo.configure([app()], golden={"dir": "golden"})
    repo.update()
    dev = repo.golden("app", "dev").read_text()
    gone_target = repo.golden("retired", "prod")
    gone_profile = repo.golden("app", "qa")
    for path in (gone_target, gone_profile):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dev)
    repo.configure([app({"dev": {}, "prod": {}})], golden={"dir": "golden"})

    run, report = repo.check_json()

    assert run.code == 1, run.output
    (missing,) = golden_findings(report, "golden-missing")
    assert (missing["profile"], missing["severity"]) == ("prod", "error")
    assert same_file(repo, missing["file"], repo.golden("app", "prod"))
    stale = golden_findings(report, "golden-stale")
    assert sorted((f["target"], f["profile"]) for f in stale) == [
        ("app", "qa"),
        ("retired", "prod"),
    ]
    assert all(f["severity"] == "warning" for f in stale)
    assert golden_findings(report, "golden-drift") == []
    assert report["summary"]["errors"] == 1


def test_stale_golden_file_alone_is_a_warning(repo: Repo) -> None:
    repo.configure([app()], golden={"dir": "golden"})
    repo.update()
    stale = repo.golden("retired", "prod")
    stale.parent.mkdir(parents=True)
    stale.write_text(repo.golden("app", "dev").read_text())

    run, report = repo.check_json()

    assert run.code == 0, run.output
    (finding,) = golden_findings(report, "golden-stale")
    assert same_file(repo, finding["file"], stale)


def test_no_golden_section_and_no_golden_folder_means_no_golden_findings(repo: Repo) -> None:
    repo.configure([app()])

    run, report = repo.check_json()

    assert run.code == 0, run.output
    assert [f for f in report["findings"] if f["category"] == "golden"] == []
    assert not (repo.root / "golden").exists()


# --- 6. check --update-golden ---------------------------------------------------------------


def test_check_update_golden_writes_and_reports_on_stderr(repo: Repo) -> None:
    repo.configure([app({"dev": {}, "prod": {}})], golden={"dir": "golden"})

    run = repo.gate("check", "--update-golden")

    assert run.code == 0, run.output
    written = run.stderr.splitlines()
    assert sorted(line.split()[0] for line in written) == ["created", "created"], run.stderr
    assert any(line.endswith("golden/app/dev.yaml") for line in written)
    assert any(line.endswith("golden/app/prod.yaml") for line in written)
    assert "created" not in run.stdout
    assert repo.golden("app", "prod").is_file()

    check = repo.gate("check")
    assert check.code == 0, check.output


# --- 8. golden.ignore -----------------------------------------------------------------------


def test_ignored_label_is_masked_and_changing_it_is_not_drift(repo: Repo) -> None:
    golden = {"dir": "golden", "ignore": ["$.metadata.labels.version"]}
    repo.configure([app()], golden=golden)
    repo.update()
    text = repo.golden("app", "dev").read_text()
    assert "    version: <ignored>\n" in text
    assert "1.0.0" not in text

    repo.configure([app({"dev": {"set": {"version": "2.0.0"}}})], golden=golden)
    run, report = repo.check_json()

    assert run.code == 0, run.output
    assert golden_findings(report, "golden-drift") == []


# --- 10. the digest cache never hides a hand edit -------------------------------------------


def test_hand_edit_of_a_golden_file_is_drift_despite_the_cache(repo: Repo) -> None:
    repo.configure([app()], golden={"dir": "golden"})
    repo.update()
    first, _ = repo.check_json()  # the cache now knows this exact file
    assert first.code == 0, first.output
    assert list((repo.root / ".gate-cache").rglob("*.json")), "no digest cache was written"

    path = repo.golden("app", "dev")
    text = path.read_text()
    stat = path.stat()
    edited = text.replace("  replicas: 1\n", "  replicas: 7\n")
    assert edited != text and len(edited) == len(text)
    path.write_text(edited)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    run, report = repo.check_json()

    assert run.code == 1, run.output
    (drift,) = golden_findings(report, "golden-drift")
    assert drift["path"] == "spec.replicas"
    assert drift["message"] == "spec.replicas: 7 → 1"


def test_a_committed_cache_entry_cannot_hide_drift(repo: Repo) -> None:
    """The hostile case: the pull request changes the rendering (replicas 1 -> 50),
    keeps the old golden file, and commits a cache entry claiming that golden file
    holds exactly today's digests. The entry has no valid HMAC, so gate compares."""
    repo.configure([app(profiles={"dev": {"set": {"replicas": 50}}})], golden={"dir": "golden"})
    repo.update()
    (entry,) = (repo.root / ".gate-cache" / "golden").rglob("*.json")
    today = json.loads(entry.read_text())  # the digests of the replicas=50 rendering
    repo.configure([app()], golden={"dir": "golden"})
    repo.update()  # the golden file as committed before: replicas 1
    old = json.loads(entry.read_text())
    repo.configure([app(profiles={"dev": {"set": {"replicas": 50}}})], golden={"dir": "golden"})
    for forged_mac in ("0" * 64, today["mac"], old["mac"]):
        entry.write_text(
            json.dumps({"sha256": old["sha256"], "digests": today["digests"], "mac": forged_mac})
        )
        run, report = repo.check_json()
        assert run.code == 1, run.output
        (drift,) = golden_findings(report, "golden-drift")
        assert drift["message"] == "spec.replicas: 1 → 50"
