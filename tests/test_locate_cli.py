"""Where a finding points, through gate as users run it (DESIGN.md, "Where a finding
points" and "Repository root and paths"), on Helm 3 and Helm 4: the file a person
opens, relative to the repository root, and the line in it. The chart is
tests/shop_chart.py; every line asserted here is looked up in its texts."""

from __future__ import annotations

import io
import json
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.gate_cli import run_gate
from tests.shop_chart import (
    DB_HELPERS,
    DB_STATEFULSET,
    DB_TGZ,
    DEPLOYMENT,
    HELPERS,
    METRICS_DEPLOYMENT,
    METRICS_TGZ,
    PORTAL_BROKEN,
    PORTAL_DEPLOYMENT,
    PORTAL_FOLDER,
    line_of,
    shop_repository,
    write_files,
)

SHOP = "charts/shop"
PORTAL = f"{SHOP}/charts/{PORTAL_FOLDER}"
DB = f"{SHOP}/charts/{DB_TGZ}#db"
WEB = "apps/v1/Deployment/shop/shop-web"
CONTAINERS = "spec.template.spec.containers"

_reports: dict[str, tuple[Path, dict[str, Any]]] = {}


def check(root: Path, helm: str, *args: str, cwd: Path | None = None) -> dict[str, Any]:
    result = run_gate("check", "--helm", helm, "--format", "json", *args, cwd=cwd or root)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (1, 2), result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def shop_run(helm: str, factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The repository and the report of its default and debug profiles, once per helm."""
    if helm not in _reports:
        root = factory.mktemp("shop")
        shop_repository(root)
        _reports[helm] = root, check(root, helm, "--profile", "default", "--profile", "debug")
    return _reports[helm]


@pytest.fixture
def shop(helm_path: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return shop_run(helm_path, tmp_path_factory)[1]


def at(report: dict[str, Any], rule: str, obj: str, path: str, profile: str = "default") -> Any:
    (finding,) = [
        f
        for f in report["findings"]
        if (f["rule"], f["object"], f["path"], f["profile"]) == (rule, obj, path, profile)
    ]
    return finding["file"], finding["line"]


def exists(root: Path, file: str) -> bool:
    """Whether `file` (ARCHIVE#MEMBER#MEMBER...) is there to open."""
    first, *members = file.split("#")
    data = (root / first).read_bytes() if (root / first).is_file() else None
    for member in members:
        if data is None:
            return False
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            try:
                extracted = tar.extractfile(member)
            except KeyError:
                return False
            data = extracted.read() if extracted is not None else None
    return data is not None


# --- which file ------------------------------------------------------------------------


def test_a_subchart_under_an_alias_points_at_its_folder(shop: dict[str, Any]) -> None:
    # helm says `shop/charts/portal/templates/deployment.yaml`: portal is the alias of
    # the dependency webportal, whose folder is webportal-src
    portal = "apps/v1/Deployment/shop/portal"
    file = f"{PORTAL}/templates/deployment.yaml"
    assert at(shop, "image-digest-pinned", portal, f"{CONTAINERS}[0].image") == (
        file,
        line_of(PORTAL_DEPLOYMENT, 'image: "portal:2.0"'),
    )
    assert at(shop, "image-digest-pinned", portal, f"{CONTAINERS}[1].image") == (
        file,
        line_of(PORTAL_DEPLOYMENT, 'image: "oauth2-proxy:7.6"'),
    )


def test_a_packed_subchart_is_named_archive_and_member(shop: dict[str, Any]) -> None:
    # the StatefulSet's container comes from a helper inside the archive
    db = "apps/v1/StatefulSet/shop/db"
    assert at(shop, "image-digest-pinned", db, f"{CONTAINERS}[0].image") == (
        f"{DB}/templates/_helpers.tpl",
        line_of(DB_HELPERS, "image: postgres:16"),
    )


def test_an_archive_inside_an_archive_adds_a_member(shop: dict[str, Any]) -> None:
    metrics = "apps/v1/Deployment/shop/db-metrics"
    assert at(shop, "image-digest-pinned", metrics, f"{CONTAINERS}[0].image") == (
        f"{DB}/charts/{METRICS_TGZ}#metrics/templates/deployment.yaml",
        line_of(METRICS_DEPLOYMENT, "image: postgres-exporter:0.15"),
    )


def test_every_file_exists_and_no_line_is_a_guess_at_the_top(
    helm_path: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root, report = shop_run(helm_path, tmp_path_factory)
    assert report["findings"]
    for finding in report["findings"]:
        assert exists(root, finding["file"]), finding
        assert finding["line"] is not None and finding["line"] > 1, finding


# --- which line ------------------------------------------------------------------------


def test_each_container_points_at_its_own_line(shop: dict[str, Any]) -> None:
    file = f"{SHOP}/templates/deployment.yaml"
    assert at(shop, "image-digest-pinned", WEB, f"{CONTAINERS}[0].image") == (
        file,
        line_of(DEPLOYMENT, "image: nginx:1.27"),
    )
    assert at(shop, "image-digest-pinned", WEB, f"{CONTAINERS}[1].image") == (
        file,
        line_of(DEPLOYMENT, "image: envoy:1.30"),
    )
    path = f"{CONTAINERS}[1].startupProbe.initialDelaySeconds"
    assert at(shop, "startup-probe-initial-delay", WEB, path) == (
        file,
        line_of(DEPLOYMENT, "initialDelaySeconds: 5"),
    )


def test_a_container_an_if_left_out_shifts_no_line(shop: dict[str, Any]) -> None:
    # the debug profile renders the debugger first: web is containers[1] there, and
    # still points at its own image line, found by its name
    file = f"{SHOP}/templates/deployment.yaml"
    debug = {
        0: line_of(DEPLOYMENT, "image: busybox:1.36"),
        1: line_of(DEPLOYMENT, "image: nginx:1.27"),
        2: line_of(DEPLOYMENT, "image: envoy:1.30"),
    }
    for index, line in debug.items():
        path = f"{CONTAINERS}[{index}].image"
        assert at(shop, "image-digest-pinned", WEB, path, "debug") == (file, line)


def test_containers_a_range_renders_point_at_its_item(shop: dict[str, Any]) -> None:
    file = f"{SHOP}/templates/deployment.yaml"
    item = line_of(DEPLOYMENT, "image: {{ .image }}")
    for index in (2, 3):  # extra-a and extra-b, two renders of one item
        assert at(shop, "image-digest-pinned", WEB, f"{CONTAINERS}[{index}].image") == (
            file,
            item,
        )
    # a key the item does not write: the item itself
    path = f"{CONTAINERS}[3].startupProbe.initialDelaySeconds"
    assert at(shop, "startup-probe-initial-delay", WEB, path) == (
        file,
        line_of(DEPLOYMENT, "- name: {{ .name }}"),
    )


def test_a_key_an_include_writes_points_into_the_helper(shop: dict[str, Any]) -> None:
    path = f"{CONTAINERS}[0].startupProbe.initialDelaySeconds"
    assert at(shop, "startup-probe-initial-delay", WEB, path) == (
        f"{SHOP}/templates/_helpers.tpl",
        line_of(HELPERS, "initialDelaySeconds: 10"),
    )
    web_in_debug = f"{CONTAINERS}[1].startupProbe.initialDelaySeconds"
    assert at(shop, "startup-probe-initial-delay", WEB, web_in_debug, "debug") == (
        f"{SHOP}/templates/_helpers.tpl",
        line_of(HELPERS, "initialDelaySeconds: 10"),
    )


# --- render-failed: helm's whole error, at the repository's file and line ---------------

FORMATS = ("json", "text", "sarif", "junit", "markdown", "github")


def failed_run(helm: str, root: Path, profile: str) -> dict[str, str]:
    """Every report format of one failing profile, each written to a file."""
    args = [f"--format={name}:out/{profile}.{name}" for name in FORMATS]
    result = run_gate("check", "--helm", helm, "--profile", profile, *args, cwd=root)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    return {name: (root / "out" / f"{profile}.{name}").read_text() for name in FORMATS}


def render_failed(reports: dict[str, str]) -> dict[str, Any]:
    (finding,) = json.loads(reports["json"])["findings"]
    assert finding["rule"] == "render-failed"
    return finding  # type: ignore[no-any-return]


def reason_everywhere(reports: dict[str, str], reason: str) -> None:
    """The reason is in every format, and each format is still what it claims to be."""
    json.loads(reports["sarif"])
    ET.fromstring(reports["junit"])
    for name, text in reports.items():
        assert reason in text, f"{name} lost {reason!r}:\n{text}"
    # JUnit's error title (helm could not render: an error, not a failed check), which
    # CI lists show, carries it too
    (error,) = ET.fromstring(reports["junit"]).iter("error")
    assert reason in error.get("message", "")
    # a GitHub annotation keeps it on its own workflow command
    (annotation,) = [line for line in reports["github"].splitlines() if line.startswith("::error")]
    assert reason in annotation


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    shop_repository(tmp_path)
    return tmp_path


def test_a_template_error_in_an_aliased_subchart(helm_path: str, repository: Path) -> None:
    reports = failed_run(helm_path, repository, "portal-fails")
    finding = render_failed(reports)
    assert (finding["file"], finding["line"]) == (
        f"{PORTAL}/templates/broken.yaml",
        line_of(PORTAL_BROKEN, ".Values.missing.deeper"),
    )
    # Helm 4 writes the template on the first line and the reason below it
    assert "shop/charts/portal/templates/broken.yaml:7:20" in finding["message"]
    reason_everywhere(reports, "nil pointer evaluating interface {}.deeper")


def test_a_template_error_inside_an_archive(helm_path: str, repository: Path) -> None:
    finding = render_failed(failed_run(helm_path, repository, "db-fails"))
    assert (finding["file"], finding["line"]) == (
        f"{DB}/templates/statefulset.yaml",
        line_of(DB_STATEFULSET, ".Values.missing.deeper"),
    )
    assert "nil pointer evaluating interface {}.deeper" in finding["message"]


def test_a_schema_error_names_the_property(helm_path: str, repository: Path) -> None:
    reports = failed_run(helm_path, repository, "schema-typo")
    finding = render_failed(reports)
    # the schema that refused the values; helm names no line
    assert (finding["file"], finding["line"]) == (f"{PORTAL}/values.schema.json", None)
    # Helm 3: "- webhook: Additional property replicaCont is not allowed"
    # Helm 4: "- at '/webhook': additional properties 'replicaCont' not allowed"
    assert "\nportal:\n- " in finding["message"]
    reason_everywhere(reports, "replicaCont")


# --- relative to the repository root, wherever gate runs from ---------------------------


def files(report: dict[str, Any]) -> set[str]:
    return {f["file"] for f in report["findings"]}


def test_check_from_a_subfolder_names_files_from_the_root(helm_path: str, repository: Path) -> None:
    expected = files(check(repository, helm_path))
    assert f"{PORTAL}/templates/deployment.yaml" in expected
    (repository / "docs").mkdir()
    below = repository / "docs"
    from_below = check(repository, helm_path, "--config", "../gate.yaml", cwd=below)
    assert files(from_below) == expected


def test_a_config_in_a_subfolder_names_files_from_the_root(helm_path: str, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    config = shop_repository(root, "deploy/gate.yaml", chart="../charts/shop")
    given = check(root, helm_path, "--config", "deploy/gate.yaml", "--profile", "default")
    absolute = check(root, helm_path, "--config", str(config), "--profile", "default", cwd=tmp_path)
    assert files(given) == files(absolute)
    assert all(file.startswith(f"{SHOP}/") for file in files(given)), files(given)


# --- a dependency gate built: its own folder, and lines from the copy helm rendered -----

WRAPPER_CHART = """\
apiVersion: v2
name: wrapper
version: 1.0.0
dependencies:
  - name: webportal
    version: 0.1.0
    alias: portal
    repository: file://../webportal
"""


def test_a_dependency_gate_built_points_at_its_folder_and_line(
    helm_path: str, tmp_path: Path
) -> None:
    # the wrapper commits no charts/: gate builds the file:// dependency into a copy
    (tmp_path / ".git").mkdir()
    charts = tmp_path / "charts"
    write_files(charts / "wrapper", {"Chart.yaml": WRAPPER_CHART})
    write_files(
        charts / "webportal",
        {
            "Chart.yaml": "apiVersion: v2\nname: webportal\nversion: 0.1.0\n",
            "templates/deployment.yaml": PORTAL_DEPLOYMENT,
        },
    )
    (tmp_path / "gate.yaml").write_text(
        "targets:\n  - {name: wrapper, chart: charts/wrapper, release: w, namespace: w}\n"
    )
    report = check(tmp_path, helm_path)
    portal = "apps/v1/Deployment/w/portal"
    assert at(report, "image-digest-pinned", portal, f"{CONTAINERS}[1].image") == (
        "charts/webportal/templates/deployment.yaml",
        line_of(PORTAL_DEPLOYMENT, 'image: "oauth2-proxy:7.6"'),
    )
    assert not (charts / "wrapper" / "charts").exists()  # the user's folder untouched
