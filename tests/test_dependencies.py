"""Dependencies gate builds itself (gate/dependencies.py), end to end with real helm.

The repository of each test is a wrapper chart committed without charts/, as real
repositories commit them, with two dependencies:

- `lib`, a `file://../lib` chart, which itself depends on `file://../base` and has no
  charts/ either (helm packages a local chart as it is, so gate builds lib first);
- `web` under the alias `frontend`, from a real chart repository: charts packaged with
  `helm package`, an index.yaml made by `helm repo index`, served by Python's
  http.server on 127.0.0.1.

Every chart renders one Deployment that the built-in policies find fault with, so the
report names a file in each: the wrapper's own template, lib's and base's folders, and
the fetched archive as ARCHIVE#MEMBER. gate runs through a wrapper script that logs each
helm call, so a test can say that a run built nothing.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.dependencies import BuiltChart, Source
from tests.conftest import HELMS, REPO
from tests.gate_cli import Run, run

HELM4 = str(HELMS["4"])
ENTRY = r"\.gate-cache/dependencies/[0-9a-f]{40}/charts/"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-%(name)s
  annotations:
    chart-version: "{{ .Chart.Version }}"
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: %(name)s}
  template:
    metadata:
      labels: {app: %(name)s}
    spec:
      containers:
        - name: %(name)s
          image: registry.example.com/%(name)s:1.0
"""


def write_chart(folder: Path, name: str, version: str, dependencies: list[Any]) -> None:
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    chart: dict[str, Any] = {"apiVersion": "v2", "name": name, "version": version}
    if dependencies:
        chart["dependencies"] = dependencies
    (folder / "Chart.yaml").write_text(yaml.safe_dump(chart, sort_keys=False))
    (folder / "values.yaml").write_text("replicas: 1\n")
    (folder / "templates" / "deployment.yaml").write_text(DEPLOYMENT % {"name": name})


def helm(*args: str, cwd: Path | None = None, home: Path | None = None) -> str:
    env = {"PATH": os.environ["PATH"]}
    if home is not None:
        env.update(
            HOME=str(home),
            HELM_CONFIG_HOME=str(home / "config"),
            HELM_CACHE_HOME=str(home / "cache"),
            HELM_DATA_HOME=str(home / "data"),
        )
    done = subprocess.run(
        [HELM4, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        self.server.requests.append(self.path)  # type: ignore[attr-defined]


class ChartServer:
    """A chart repository on 127.0.0.1: real `helm package` archives, a real index."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True)
        handler = functools.partial(_Handler, directory=str(folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.requests = []  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def requests(self) -> list[str]:
        return self.server.requests  # type: ignore[attr-defined, no-any-return]

    def publish(self, source: Path, name: str, version: str) -> None:
        folder = source / f"{name}-{version}"
        write_chart(folder, name, version, [])
        helm("package", str(folder), "--destination", str(self.folder))
        helm("repo", "index", str(self.folder), "--url", self.url)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Repo:
    """A tmp_path repository with the wrapper chart, gate run as users run it."""

    root: Path
    server: ChartServer
    xdg: Path
    log: Path
    helm_path: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def app(self) -> Path:
        return self.root / "charts" / "app"

    def configure(self, extra: str = "") -> None:
        (self.root / "gate.yaml").write_text(
            extra + "targets:\n  - name: app\n    chart: charts/app\n"
        )

    def gate(self, *args: str, helm_path: str | None = None) -> Run:
        self.log.write_text("")
        env = {"XDG_CACHE_HOME": str(self.xdg), **self.env}
        result = run(*args, "--helm", self.wrapper(helm_path), cwd=self.root, env=env)
        assert "Traceback" not in result.stderr, result.stderr
        assert "internal error" not in result.stderr, result.stderr
        return result

    def wrapper(self, helm_path: str | None) -> str:
        real = helm_path or self.helm_path
        script = self.log.parent / f"helm-{hashlib.sha1(real.encode()).hexdigest()[:8]}"
        script.write_text(f'#!/bin/sh\necho "$*" >> {self.log}\nexec {real} "$@"\n')
        script.chmod(0o755)
        return str(script)

    def check(self, *args: str, helm_path: str | None = None) -> tuple[Run, dict[str, Any]]:
        out = self.root / "report.json"
        out.unlink(missing_ok=True)
        formats = ("--format", f"json:{out}", "--format", "text")
        result = self.gate("check", *args, *formats, helm_path=helm_path)
        return result, json.loads(out.read_text()) if out.exists() else {}

    def helm_calls(self) -> list[str]:
        """What gate asked helm in the last run, beyond `version` and `template`."""
        calls = self.log.read_text().splitlines()
        return [c for c in calls if not c.startswith(("version", "template"))]

    def snapshot(self) -> dict[str, str]:
        """Every file of the user's charts, by content: gate must never change one."""
        return {
            str(path.relative_to(self.root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted((self.root / "charts").rglob("*"))
            if path.is_file()
        }

    def lock(self) -> None:
        """Chart.lock as `helm dependency update` writes it (on a scratch copy)."""
        scratch = self.root.parent / "scratch"
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(self.root / "charts", scratch / "charts")
        helm("dependency", "update", str(scratch / "charts" / "app"), home=scratch / "home")
        shutil.copyfile(scratch / "charts" / "app" / "Chart.lock", self.app / "Chart.lock")

    def entries(self) -> list[Path]:
        folder = self.root / ".gate-cache" / "dependencies"
        return sorted(folder.iterdir()) if folder.is_dir() else []


def wrapper_dependencies(url: str, version: str = "~1.2.0") -> list[dict[str, str]]:
    return [
        {"name": "lib", "version": "0.1.0", "repository": "file://../lib"},
        {"name": "web", "version": version, "repository": url, "alias": "frontend"},
    ]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChartServer]:
    chart_server = ChartServer(tmp_path / "served")
    chart_server.publish(tmp_path / "sources", "web", "1.2.0")
    yield chart_server
    chart_server.stop()


@pytest.fixture
def repo(tmp_path: Path, server: ChartServer) -> Repo:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write_chart(root / "charts" / "base", "base", "0.1.0", [])
    lib = [{"name": "base", "version": "0.1.0", "repository": "file://../base"}]
    write_chart(root / "charts" / "lib", "lib", "0.1.0", lib)
    write_chart(root / "charts" / "app", "app", "1.0.0", wrapper_dependencies(server.url))
    (root / "charts" / "app" / "values.yaml").write_text("replicas: 1\nfrontend:\n  replicas: 3\n")
    repository = Repo(root, server, tmp_path / "xdg", tmp_path / "helm-calls.log", HELM4)
    repository.configure()
    return repository


def files_by_rule(report: dict[str, Any], rule: str) -> set[str]:
    return {f["file"] for f in report["findings"] if f["rule"] == rule}


def archive_file(report: dict[str, Any]) -> str:
    (found,) = [f for f in files_by_rule(report, "resource-requests") if "#" in f]
    return found


# --- building -----------------------------------------------------------------------------


def test_a_wrapper_without_charts_renders_and_the_second_run_builds_nothing(
    repo: Repo, helm_path: str
) -> None:
    repo.lock()  # pins web 1.2.0; the repository then publishes 1.2.5, which must not be used
    repo.server.publish(repo.root.parent / "sources", "web", "1.2.5")
    before = repo.snapshot()

    result, report = repo.check(helm_path=helm_path)

    assert result.code == 1, result.output  # the policies find fault; gate ran
    assert files_by_rule(report, "resource-requests") == {
        "charts/app/templates/deployment.yaml",
        "charts/lib/templates/deployment.yaml",
        "charts/base/templates/deployment.yaml",  # a file:// dependency of a file:// one
        archive_file(report),
    }
    assert re.fullmatch(ENTRY + "web-1.2.0.tgz#web/templates/deployment.yaml", archive_file(report))
    archive = repo.root / archive_file(report).split("#")[0]
    assert archive.is_file()
    assert [c.split()[0:2] for c in repo.helm_calls()] == [
        ["repo", "add"],
        ["dependency", "build"],  # lib first: it lacks base
        ["dependency", "build"],
    ]
    assert repo.snapshot() == before, "gate changed the user's chart folder"
    assert not (repo.app / "charts").exists()
    requests = len(repo.server.requests)

    again, report_again = repo.check(helm_path=helm_path)

    assert again.code == 1, again.output
    assert report_again["findings"] == report["findings"]
    assert repo.helm_calls() == [], "the second run called helm for dependencies"
    assert len(repo.server.requests) == requests, "the second run fetched something"
    assert repo.snapshot() == before
    assert len(repo.entries()) == 1


def test_the_values_of_the_wrapper_reach_the_built_dependency(repo: Repo, helm_path: str) -> None:
    repo.configure()
    rendered = repo.gate("render", "app", helm_path=helm_path)
    assert rendered.code == 0, rendered.output
    objects = list(yaml.safe_load_all(rendered.stdout))
    web = next(o for o in objects if o["metadata"]["name"] == "app-web")
    assert web["spec"]["replicas"] == 3  # frontend.replicas from the wrapper's values.yaml
    names = {o["metadata"]["name"] for o in objects}
    assert names == {"app-app", "app-lib", "app-base", "app-web"}


def test_without_a_lock_the_newest_version_in_the_constraint_is_built(repo: Repo) -> None:
    for version in ("1.2.5", "1.3.0"):
        repo.server.publish(repo.root.parent / "sources", "web", version)
    result, report = repo.check()
    assert result.code == 1, result.output
    assert re.fullmatch(ENTRY + "web-1.2.5.tgz#web/templates/deployment.yaml", archive_file(report))


def test_values_and_golden_update_use_the_built_chart(repo: Repo) -> None:
    (repo.root / "values-typo.yaml").write_text("frontend:\n  replicaz: 2\n")
    (repo.root / "gate.yaml").write_text(
        "targets:\n  - name: app\n    chart: charts/app\n"
        "    profiles:\n      dev: {values: [values-typo.yaml]}\n"
    )
    out = repo.root / "values.json"
    values = repo.gate("values", "--format", f"json:{out}")
    report = json.loads(out.read_text())
    assert values.code == 1, values.output
    unknown = [f for f in report["findings"] if f["rule"] == "values-unknown-key"]
    assert [f["path"] for f in unknown] == ["frontend.replicaz"]
    assert "frontend.replicas" in (unknown[0].get("suggestion") or unknown[0]["message"])

    updated = repo.gate("golden", "update")
    assert updated.code == 0, updated.output
    golden = (repo.root / "golden" / "app" / "dev.yaml").read_text()
    assert "name: app-web" in golden and "name: app-base" in golden
    assert repo.helm_calls() == []  # built by `gate values` already


def test_two_gates_building_at_once_both_finish(repo: Repo) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(repo.xdg)}
    env.pop("GATE_HELM", None)
    command = [sys.executable, "-m", "gate", "check", "--helm", HELM4, "--format", "json"]
    processes = [
        subprocess.Popen(
            command, cwd=repo.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    reports = [json.loads(stdout) for stdout, _ in outputs]
    assert [p.returncode for p in processes] == [1, 1], [e for _, e in outputs]
    assert reports[0]["findings"] == reports[1]["findings"]
    folder = repo.root / ".gate-cache" / "dependencies"
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []
    assert len(repo.entries()) == 1
    assert repo.check()[0].code == 1 and repo.helm_calls() == []


def test_a_chart_at_the_repository_root_is_built_without_its_cache_or_git(
    tmp_path: Path,
) -> None:
    root = tmp_path / "root"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text("[credential]\n")
    lib = [{"name": "lib", "version": "0.1.0", "repository": "file://./lib"}]
    write_chart(root, "app", "1.0.0", lib)
    write_chart(root / "lib", "lib", "0.1.0", [])
    (root / "gate.yaml").write_text("targets:\n  - name: app\n    chart: .\n")
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    for _ in range(2):
        result = run("check", "--helm", HELM4, "--format", "json", cwd=root, env=env)
        assert result.code == 1, result.stderr
        files = {f["file"] for f in json.loads(result.stdout)["findings"]}
        assert files == {"templates/deployment.yaml", "lib/templates/deployment.yaml"}
    (entry,) = (root / ".gate-cache" / "dependencies").iterdir()
    assert sorted(p.name for p in (entry / "charts").iterdir()) == ["lib-0.1.0.tgz"]


# --- refusing -----------------------------------------------------------------------------


def test_vendored_with_a_missing_dependency_is_one_sentence(repo: Repo) -> None:
    repo.lock()
    repo.server.requests.clear()
    repo.configure("helm:\n  dependencies: vendored\n")
    result = repo.gate("check")
    assert result.code == 2
    line = 5  # `- name: lib`
    assert result.stderr == (
        f"gate: charts/app/Chart.yaml:{line}: dependency lib 0.1.0 from file://../lib is not "
        "in charts/; helm.dependencies is vendored, so gate fetches nothing: run `helm "
        "dependency build charts/app` and commit charts/, or set helm.dependencies: build "
        "in gate.yaml\n"
    )
    assert repo.helm_calls() == [] and repo.server.requests == []
    assert repo.entries() == []


def test_vendored_names_the_fetched_dependency_and_its_repository(repo: Repo) -> None:
    (repo.app / "Chart.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v2",
                "name": "app",
                "version": "1.0.0",
                "dependencies": wrapper_dependencies(repo.server.url)[1:],
            },
            sort_keys=False,
        )
    )
    repo.configure("helm:\n  dependencies: vendored\n")
    result = repo.gate("check")
    assert result.code == 2
    assert (
        f"charts/app/Chart.yaml:5: dependency web ~1.2.0 from {repo.server.url} is not in "
        "charts/;" in result.stderr
    )


def test_vendored_with_a_version_the_lock_does_not_name(repo: Repo) -> None:
    repo.lock()
    built = repo.root.parent / "built"
    shutil.copytree(repo.root / "charts", built / "charts")
    helm("dependency", "build", str(built / "charts" / "lib"), home=built / "home")
    helm("dependency", "update", str(built / "charts" / "app"), home=built / "home")
    shutil.copytree(built / "charts" / "app" / "charts", repo.app / "charts")
    lock = yaml.safe_load((repo.app / "Chart.lock").read_text())
    lock["dependencies"][1]["version"] = "1.2.9"  # charts/ holds 1.2.0
    (repo.app / "Chart.lock").write_text(yaml.safe_dump(lock))
    repo.configure("helm:\n  dependencies: vendored\n")
    result = repo.gate("check")
    assert result.code == 2
    assert "charts/ holds web 1.2.0, but Chart.lock names 1.2.9" in result.stderr

    repo.configure()  # build: helm refuses the lock, and gate says what to do
    result = repo.gate("check")
    assert result.code == 2
    assert "out of sync" in result.stderr
    assert "run `helm dependency update charts/app` and commit Chart.lock" in result.stderr


def test_an_unreachable_repository_is_one_sentence(repo: Repo) -> None:
    repo.lock()
    repo.server.stop()
    result = repo.gate("check")
    assert result.code == 2, result.output
    (said,) = result.stderr.splitlines()
    assert said.startswith(
        f"gate: charts/app/Chart.yaml:8: dependency web 1.2.0 from {repo.server.url} could "
        f'not be fetched: looks like "{repo.server.url}" is not a valid chart repository or '
        "cannot be reached"
    ), said
    assert "connection refused" in said
    assert said.endswith(
        "check the repository URL and that this machine reaches it, or vendor the "
        "dependency: run `helm dependency build charts/app`, commit charts/ and set "
        "helm.dependencies: vendored in gate.yaml"
    )
    assert repo.entries() == []
    assert not [p for p in (repo.root / ".gate-cache" / "dependencies").iterdir()]


def test_a_version_outside_the_constraint_is_one_sentence(repo: Repo) -> None:
    chart = yaml.safe_load((repo.app / "Chart.yaml").read_text())
    chart["dependencies"] = wrapper_dependencies(repo.server.url, "~9.0.0")
    (repo.app / "Chart.yaml").write_text(yaml.safe_dump(chart, sort_keys=False))
    result = repo.gate("check")
    assert result.code == 2, result.output
    assert "dependency web ~9.0.0 from" in result.stderr
    assert "can't get a valid version" in result.stderr
    assert "change the version in Chart.yaml to one the repository has" in result.stderr


def test_a_repository_known_only_by_name_is_refused(repo: Repo) -> None:
    chart = yaml.safe_load((repo.app / "Chart.yaml").read_text())
    chart["dependencies"][1]["repository"] = "@bitnami"
    (repo.app / "Chart.yaml").write_text(yaml.safe_dump(chart, sort_keys=False))
    result = repo.gate("check")
    assert result.code == 2
    assert "charts/app/Chart.yaml:8: dependency web names the repository '@bitnami'" in (
        result.stderr
    )
    assert "write the repository's URL in its place" in result.stderr


# --- the cache is untrusted ---------------------------------------------------------------


def _doctored_web(repo: Repo) -> Path:
    """web 1.2.0 as a pull request would plant it: a Deployment the policies accept."""
    source = repo.root.parent / "doctored" / "web"
    write_chart(source, "web", "1.2.0", [])
    (source / "templates" / "deployment.yaml").write_text("# nothing to see\n")
    out = repo.root.parent / "doctored" / "out"
    helm("package", str(source), "--destination", str(out))
    return out / "web-1.2.0.tgz"


def _forge(repo: Repo, how: str) -> None:
    (entry,) = repo.entries()
    archive = entry / "charts" / "web-1.2.0.tgz"
    doctored = _doctored_web(repo)
    manifest = json.loads((entry / "manifest.json").read_text())
    if how == "edited-archive":  # the manifest stays as gate signed it
        shutil.copyfile(doctored, archive)
    elif how == "manifest-digest-too":  # the digest matches, the signature cannot
        shutil.copyfile(doctored, archive)
        manifest["files"]["web-1.2.0.tgz"] = hashlib.sha256(doctored.read_bytes()).hexdigest()
        (entry / "manifest.json").write_text(json.dumps(manifest))
    elif how == "foreign-key":  # signed on another machine: this one has a new key
        shutil.rmtree(repo.xdg)
    elif how == "extra-file":
        shutil.copyfile(doctored, entry / "charts" / "extra-1.0.0.tgz")
    elif how == "entry-is-a-link":
        elsewhere = repo.root / "planted"
        shutil.copytree(entry, elsewhere)
        shutil.copyfile(doctored, elsewhere / "charts" / "web-1.2.0.tgz")
        shutil.rmtree(entry)
        entry.symlink_to(elsewhere)
    elif how == "archive-is-a-link":
        planted = repo.root / "planted.tgz"
        shutil.copyfile(doctored, planted)
        archive.unlink()
        archive.symlink_to(planted)
    else:
        raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "edited-archive",
        "manifest-digest-too",
        "foreign-key",
        "extra-file",
        "entry-is-a-link",
        "archive-is-a-link",
    ],
)
def test_a_forged_cache_entry_is_not_used(repo: Repo, how: str) -> None:
    repo.lock()
    first, report = repo.check()
    assert first.code == 1
    _forge(repo, how)

    again, forged = repo.check()

    assert again.code == 1, again.output
    assert forged["findings"] == report["findings"], "a planted entry hid findings"
    assert [c.split()[:2] for c in repo.helm_calls()][-1] == ["dependency", "build"]
    (entry,) = repo.entries()
    assert not entry.is_symlink()
    assert repo.check()[0].code == 1 and repo.helm_calls() == []  # rebuilt, trusted again


def test_a_committed_entry_is_never_trusted_without_a_key(repo: Repo) -> None:
    """A CI runner with no private cache folder keeps no key: every run builds."""
    repo.lock()
    repo.env = {"XDG_CACHE_HOME": "", "HOME": ""}
    assert repo.check()[0].code == 1
    assert repo.check()[0].code == 1
    assert [c.split()[:2] for c in repo.helm_calls()][-1] == ["dependency", "build"]


def test_a_gate_without_a_key_leaves_a_signed_entry_alone(repo: Repo) -> None:
    """Two gates at once (seen under load in CI): one made the machine key while the other
    read it empty and ran without one. The one without must not replace the signed entry,
    or every later run builds again."""
    repo.lock()
    assert repo.check()[0].code == 1
    entries = repo.entries()
    assert len(entries) == 1
    signed = (entries[0] / "manifest.json").read_bytes()
    repo.env = {"XDG_CACHE_HOME": "", "HOME": ""}  # no private place: no key
    assert repo.check()[0].code == 1
    assert [c.split()[:2] for c in repo.helm_calls()][-1] == ["dependency", "build"]
    assert repo.entries() == entries
    assert (entries[0] / "manifest.json").read_bytes() == signed
    repo.env = {}
    assert repo.check()[0].code == 1 and repo.helm_calls() == []  # the signed one serves


# --- where findings point -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("app/templates/x.yaml", None),  # the chart's own: chart_file's job
        ("app/charts/vendored/templates/x.yaml", None),  # a subchart folder on disk
        ("app/charts/frontend/templates/x.yaml", "A.tgz#web/templates/x.yaml"),  # alias
        ("app/charts/frontend/charts/db/templates/x.yaml", "A.tgz#web/charts/db/templates/x.yaml"),
        ("app/charts/lib/templates/x.yaml", "repo/lib/templates/x.yaml"),
        ("app/charts/lib/charts/base/templates/x.yaml", "repo/base/templates/x.yaml"),
        ("app/charts/lib/charts/other/templates/x.yaml", "repo/lib/charts/other/templates/x.yaml"),
        ("app/charts/unknown/templates/x.yaml", None),
    ],
)
def test_file_for_maps_sources_of_built_dependencies(
    tmp_path: Path, source: str, shown: str | None
) -> None:
    user = tmp_path / "app"
    (user / "charts" / "vendored").mkdir(parents=True)
    base = Source("base", "base", folder=Path("repo/base"))
    sources = (
        Source("frontend", "web", archive="A.tgz"),
        Source("lib", "lib", folder=Path("repo/lib"), below=(base,)),
    )
    built = BuiltChart(user, tmp_path / "copy", sources)
    assert built.file_for(source) == shown


def test_a_chart_without_dependencies_is_rendered_from_its_own_folder(tmp_path: Path) -> None:
    assert BuiltChart(tmp_path, tmp_path).file_for("x/charts/y/templates/z.yaml") is None


# --- OCI ------------------------------------------------------------------------------------

REGISTRY = REPO / ".tools" / "registry" / "docker-registry"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def registry(tmp_path: Path, helm_path: str) -> Iterator[tuple[str, dict[str, str]]]:
    """A real OCI registry (Debian's docker-registry) on 127.0.0.1. Helm 3 always speaks
    plain HTTP to a loopback registry, Helm 4 always HTTPS: each gets what it speaks, and
    Helm 4 trusts the test's certificate through SSL_CERT_FILE, which gate passes on."""
    if not REGISTRY.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{REGISTRY} is missing: make tools-all installs it")
        pytest.skip("no docker-registry here: `make tools-all` installs Debian's")
    folder = tmp_path / "registry"
    folder.mkdir()
    port = _free_port()
    config: dict[str, Any] = {
        "version": 0.1,
        "log": {"level": "error"},
        "storage": {"filesystem": {"rootdirectory": str(folder / "data")}},
        "http": {"addr": f"127.0.0.1:{port}"},
    }
    env: dict[str, str] = {}
    if "helm4" in helm_path:
        if shutil.which("openssl") is None:
            pytest.skip("openssl is needed for the registry's certificate")
        cert, key = folder / "cert.pem", folder / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-keyout", str(key), "-out", str(cert), "-subj", "/CN=gate-test",
             "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True,
        )  # fmt: skip
        config["http"]["tls"] = {"certificate": str(cert), "key": str(key)}
        env["SSL_CERT_FILE"] = str(cert)
    (folder / "config.yml").write_text(yaml.safe_dump(config))
    process = subprocess.Popen(
        [str(REGISTRY), "serve", str(folder / "config.yml")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("docker-registry did not start")
                time.sleep(0.1)
        yield f"oci://127.0.0.1:{port}/charts", env
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_an_oci_dependency_is_built(
    repo: Repo, helm_path: str, registry: tuple[str, dict[str, str]]
) -> None:
    url, env = registry
    packaged = repo.server.folder / "web-1.2.0.tgz"
    push = subprocess.run(
        [helm_path, "push", str(packaged), url],
        env={"PATH": os.environ["PATH"], "HOME": str(repo.root.parent / "push-home"), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert push.returncode == 0, push.stderr
    chart = yaml.safe_load((repo.app / "Chart.yaml").read_text())
    chart["dependencies"][1]["repository"] = url
    chart["dependencies"][1]["version"] = "1.2.0"
    (repo.app / "Chart.yaml").write_text(yaml.safe_dump(chart, sort_keys=False))
    repo.env = env
    before = repo.snapshot()

    result, report = repo.check(helm_path=helm_path)

    assert result.code == 1, result.output
    assert re.fullmatch(ENTRY + "web-1.2.0.tgz#web/templates/deployment.yaml", archive_file(report))
    assert repo.snapshot() == before
    again, _ = repo.check(helm_path=helm_path)
    assert again.code == 1 and repo.helm_calls() == []
