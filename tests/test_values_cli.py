"""`gate values` and the values analysis of `gate check`, end to end: gate in a
subprocess, real Helm 3 and Helm 4 (the `helm_path` fixture), real charts."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gate.chart import read_chart
from gate.checks.values.known import known_tree
from gate.config import load_config
from gate.helm import find_helm
from gate.pipeline import Gate, select
from tests.conftest import REPO
from tests.gate_cli import FINDING_KEYS, READ_REPO, json_report, run_gate

BACKSTAGE = REPO / "charts-under-test" / "backstage"
FIXTURES = REPO / "tests" / "fixtures" / "charts"
INCIDENT = REPO / "examples" / "incident" / "values-incident.yaml"
MISNESTED = ["appConfig", "startupProbe", "readinessProbe", "livenessProbe", "resources"]


def gate(
    *args: str, cwd: Path = REPO, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_gate(*args, cwd=cwd, env=env)


report = json_report


def values_json(config: Path | str, helm: str, *extra: str, cwd: Path = REPO) -> tuple[int, Any]:
    result = gate(
        "values", "--config", str(config), "--helm", helm, "--format", "json", *extra, cwd=cwd
    )
    return result.returncode, report(result)


def rule(document: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [f for f in document["findings"] if f["rule"] == name]


def line_of(path: Path, text: str, after: int = 0) -> int:
    """The 1-based number of the first line after `after` that starts (indentation
    aside) with `text`."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if number > after and line.strip().startswith(text):
            return number
    raise AssertionError(f"{text!r} not in {path}")


def config(
    folder: Path, profiles: dict[str, list[str]], chart: Path = BACKSTAGE, values: str = ""
) -> Path:
    lines = [
        READ_REPO.rstrip(),
        'helm: {kube_version: "1.31.0"}',
        "targets:",
        "  - name: app",
        f"    chart: {chart}",
        "    release: neuroscale-backstage",
        "    namespace: backstage",
        "    profiles:",
    ]
    lines += [f"      {name}: {{values: [{', '.join(files)}]}}" for name, files in profiles.items()]
    if values:
        lines.append(f"values: {values}")
    path = folder / "gate.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


# --- 1. the incident ----------------------------------------------------------------------


@pytest.mark.parametrize("command", ["values", "check"])
def test_incident_reports_each_misnested_key_at_its_line(helm_path: str, command: str) -> None:
    result = gate(
        command, "--config", "examples/incident/gate.yaml", "--helm", helm_path, "--format", "json"
    )
    assert result.returncode == 1
    document = report(result)
    assert document["passed"] is False
    found = rule(document, "values-unknown-key")
    assert sorted(f["path"] for f in found) == sorted(f"backstage.{k}" for k in MISNESTED)
    backstage = line_of(INCIDENT, "backstage:")
    for finding in found:
        key = finding["path"].split(".")[1]
        assert finding["file"] == "examples/incident/values-incident.yaml"
        assert finding["line"] == line_of(INCIDENT, f"{key}:", after=backstage)
        assert finding["suggestion"] == f"backstage.backstage.{key}"
        assert finding["severity"] == "error"
        assert finding["category"] == "values"
        assert finding["profile"] == "prod" and finding["target"] == "backstage"
    # the lines the README table names
    assert {f["path"]: f["line"] for f in found} == {
        "backstage.appConfig": 10,
        "backstage.startupProbe": 42,
        "backstage.readinessProbe": 47,
        "backstage.livenessProbe": 50,
        "backstage.resources": 53,
    }
    reported = {f["path"] for f in document["findings"] if f["category"] == "values"}
    assert not {p for p in reported if p.startswith("backstage.metrics")}
    assert not {p for p in reported if p.startswith("backstage.backstage")}
    assert not {p for p in reported if p.startswith("postgresql")}
    assert rule(document, "values-no-effect") == []  # only with --no-effect or no_effect: true


# --- 2. an indentation error moves a key to the wrong level -------------------------------


def test_catalog_rules_dedented_out_of_their_location(helm_path: str, tmp_path: Path) -> None:
    prod = (BACKSTAGE / "values-prod.yaml").read_text()
    right = "            rules:\n              - allow: [Template]\n"
    wrong = (  # field note 8: two indentation levels lost, now beside appConfig
        "    rules:\n      - allow: [Template]\n"
    )
    assert right in prod
    values = write(tmp_path, "values-prod.yaml", prod.replace(right, wrong))
    code, document = values_json(config(tmp_path, {"prod": [values.name]}), helm_path)
    assert code == 1
    (finding,) = rule(document, "values-unknown-key")
    assert finding["path"] == "backstage.backstage.rules"
    assert finding["file"] == values.name  # relative to the repository root, tmp_path
    lines = values.read_text().splitlines()
    assert lines.count("    rules:") == 1
    assert finding["line"] == lines.index("    rules:") + 1


# --- 3. keys with no effect ---------------------------------------------------------------

BASE = """\
backstage:
  backstage:
    replicas: 2                 # every profile sets it again
    revisionHistoryLimit: 2     # the wrapper chart's own default
  metrics:
    enabled: false
    serviceMonitor:
      interval: 15s             # metrics are off: never rendered
"""


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    write(tmp_path, "values-base.yaml", BASE)
    write(tmp_path, "values-a.yaml", "backstage:\n  backstage:\n    replicas: 3\n")
    write(tmp_path, "values-b.yaml", "backstage:\n  backstage:\n    replicas: 4\n")
    return config(
        tmp_path,
        {"a": ["values-base.yaml", "values-a.yaml"], "b": ["values-base.yaml", "values-b.yaml"]},
    )


def test_no_effect_with_a_shared_base_file(helm_path: str, shared: Path) -> None:
    code, document = values_json(shared, helm_path, "--no-effect")
    assert code == 0  # warnings and infos only
    assert document["passed"] is True
    assert rule(document, "values-unknown-key") == []
    found = rule(document, "values-no-effect")
    base = shared.parent / "values-base.yaml"
    by_path: dict[str, list[dict[str, Any]]] = {}
    for finding in found:
        by_path.setdefault(finding["path"], []).append(finding)

    # interval is the only leaf of serviceMonitor, so the dead subtree may be reported
    # at serviceMonitor (one finding for a subtree whose every leaf is dead)
    (dead,) = [p for p in by_path if "backstage.metrics.serviceMonitor.interval".startswith(p)]
    assert dead in ("backstage.metrics.serviceMonitor", "backstage.metrics.serviceMonitor.interval")
    (interval,) = by_path.pop(dead)
    assert interval["severity"] == "warning"
    assert interval["file"] == base.name  # relative to the repository root
    assert interval["line"] == line_of(base, dead.rsplit(".", 1)[1] + ":")
    (replicas,) = by_path.pop("backstage.backstage.replicas")  # once, not once per profile
    assert replicas["severity"] == "warning"
    assert replicas["file"] == base.name
    assert replicas["line"] == 3
    assert "values-a.yaml" in replicas["message"] or "values-b.yaml" in replicas["message"]
    (history,) = by_path.pop("backstage.backstage.revisionHistoryLimit")
    assert history["severity"] == "info"
    assert "equals the chart default" in history["message"]
    (enabled,) = by_path.pop("backstage.metrics.enabled")  # false is the default too
    assert enabled["severity"] == "info"
    # the profile files' replicas change the rendering: not reported, nor anything else
    assert by_path == {}
    assert document["summary"]["warnings"] == 2


def test_no_effect_runs_only_when_asked(helm_path: str, shared: Path) -> None:
    code, document = values_json(shared, helm_path)
    assert code == 0
    assert document["findings"] == []
    text = shared.read_text() + "values: {no_effect: true}\n"
    shared.write_text(text)
    result = gate("check", "--config", str(shared), "--helm", helm_path, "--format", "json")
    checked = report(result)
    paths = {f["path"] for f in rule(checked, "values-no-effect")}
    assert paths & {"backstage.metrics.serviceMonitor", "backstage.metrics.serviceMonitor.interval"}
    assert "backstage.backstage.replicas" in paths


def test_a_live_setting_is_not_no_effect(helm_path: str, tmp_path: Path) -> None:
    values = write(
        tmp_path,
        "values.yaml",
        "backstage:\n  backstage:\n    replicas: 3\n"
        "  metrics:\n    enabled: true\n    serviceMonitor:\n      interval: 15s\n",
    )
    code, document = values_json(config(tmp_path, {"p": [values.name]}), helm_path, "--no-effect")
    assert code == 0
    assert document["findings"] == []


# --- 4. no false unknown keys -------------------------------------------------------------


def test_the_fixed_profiles_have_no_unknown_keys(helm_path: str) -> None:
    result = gate("values", "--helm", helm_path, "--format", "json")
    document = report(result)
    assert result.returncode == 0
    assert document["summary"]["profiles"] == 3
    assert rule(document, "values-unknown-key") == []


def test_free_form_maps_take_any_key_and_global_none(helm_path: str, tmp_path: Path) -> None:
    values = write(
        tmp_path,
        "values.yaml",
        """\
global:
  imageRegistry: registry.example.com
  anything:
    deep: 1
backstage:
  global:
    team: portal
  backstage:
    podAnnotations: {a: b}
    podLabels:
      team: portal
    nodeSelector:
      kubernetes.io/os: linux
    appConfig:
      anything:
        deep: 1
  service:
    annotations:
      example.com/x: "y"
postgresql:
  primary:
    podAnnotations:
      a: b
""",
    )
    code, document = values_json(config(tmp_path, {"p": [values.name]}), helm_path)
    # Free-form maps take any key; `global` is no exception (DESIGN, "Values keys"): a
    # global key that no chart reads is as ignored as any other.
    assert sorted(f["path"] for f in rule(document, "values-unknown-key")) == [
        "backstage.global.team",
        "global.anything",
        "global.imageRegistry",
    ]
    assert code == 1


def test_keys_only_documented_as_comments(helm_path: str, tmp_path: Path) -> None:
    chart = FIXTURES / "values-commented"
    assert "podLabels" not in (chart / "values.yaml").read_text().replace("# podLabels", "")
    write(
        tmp_path,
        "values-ok.yaml",
        "podLabels:\n  team: portal\nextra:\n  name: x\nconfig:\n  level: debug\n",
    )
    write(
        tmp_path,
        "values-typo.yaml",
        "podLabels:\n  team: portal\nextra:\n  name: x\nconfig:\n  level: debug\n  levle: trace\n",
    )
    path = config(tmp_path, {"ok": ["values-ok.yaml"], "typo": ["values-typo.yaml"]}, chart)
    code, document = values_json(path, helm_path)
    found = rule(document, "values-unknown-key")
    assert [f for f in found if f["profile"] == "ok"] == []
    # the same chart still catches a typo beside a key it reads
    (typo,) = [f for f in found if f["profile"] == "typo"]
    assert typo["path"] == "config.levle"
    assert typo["line"] == 7
    assert typo["suggestion"] == "config.level"
    assert code == 1


def test_gate_yaml_free_form_silences_a_key(helm_path: str, tmp_path: Path) -> None:
    write(tmp_path, "values.yaml", "backstage:\n  backstage:\n    extras:\n      foo: 1\n")
    path = config(tmp_path, {"p": ["values.yaml"]})
    code, document = values_json(path, helm_path)
    assert code == 1
    assert [f["path"] for f in rule(document, "values-unknown-key")] == [
        "backstage.backstage.extras"
    ]
    path = config(
        tmp_path, {"p": ["values.yaml"]}, values="{free_form: [backstage.backstage.extras]}"
    )
    code, document = values_json(path, helm_path)
    assert code == 0
    assert document["findings"] == []


# --- 5. the confirming render -------------------------------------------------------------


def test_a_key_read_through_a_construct_gate_cannot_see(helm_path: str, tmp_path: Path) -> None:
    chart = FIXTURES / "values-dynamic"
    tree = known_tree(read_chart(chart))
    assert tree.knows(("settings", "hidden")) == 1  # unknown to the static tree
    values = write(tmp_path, "values.yaml", "settings:\n  hidden: shown\n  ghost: 1\n")
    code, document = values_json(config(tmp_path, {"p": [values.name]}, chart), helm_path)
    found = rule(document, "values-unknown-key")
    assert [f["path"] for f in found] == ["settings.ghost"]  # hidden: its render differs
    assert found[0]["line"] == 3
    assert code == 1


# --- 6. duplicate keys --------------------------------------------------------------------


@pytest.mark.parametrize("command", ["values", "check"])
def test_duplicate_keys_in_a_values_file(helm_path: str, tmp_path: Path, command: str) -> None:
    values = write(
        tmp_path,
        "values.yaml",
        "backstage:\n  backstage:\n    replicas: 2\n    revisionHistoryLimit: 3\n    replicas: 4\n",
    )
    path = config(tmp_path, {"p": [values.name]})
    result = gate(command, "--config", str(path), "--helm", helm_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(values) in result.stderr
    assert "replicas" in result.stderr
    message = result.stderr.replace(str(values), "")
    assert re.search(r"\b3\b.*\b5\b", message), message  # both lines


# --- 8. report shape and exit codes -------------------------------------------------------


def test_values_report_has_the_shape_of_check(helm_path: str) -> None:
    args = ["--config", "examples/incident/gate.yaml", "--helm", helm_path, "--format", "json"]
    values = report(gate("values", *args))
    check = report(gate("check", *args))
    assert values.keys() == check.keys() == {"version", "passed", "summary", "findings", "runs"}
    # DESIGN "JSON report": every pair checked; `gate values` adds its coverage
    assert [(r["target"], r["profile"], r["rendered"]) for r in check["runs"]] == [
        ("backstage", "prod", True)
    ]
    assert "values" not in check["runs"][0]
    assert values["runs"][0]["values"]["keys"] >= values["runs"][0]["values"]["analysed"] > 0
    assert values["version"] == check["version"] == 1
    assert values["summary"].keys() == check["summary"].keys()
    assert values["summary"]["errors"] == 5
    assert values["summary"]["profiles"] == 1 and values["summary"]["targets"] == 1
    in_check = [f for f in check["findings"] if f["category"] == "values"]
    assert values["findings"] == in_check
    for finding in values["findings"]:
        assert finding["category"] == "values"
        assert isinstance(finding["line"], int) and finding["line"] > 0
        assert finding["file"] == "examples/incident/values-incident.yaml"
        assert finding["suggestion"]
        assert set(finding) == FINDING_KEYS | {"suggestion"}
    assert all(f["category"] == "values" for f in values["findings"])


def test_text_output_names_file_line_and_suggestion(helm_path: str) -> None:
    result = gate(
        "values", "--config", "examples/incident/gate.yaml", "--helm", helm_path, "--no-color"
    )
    assert result.returncode == 1
    assert "examples/incident/values-incident.yaml:42" in result.stdout
    assert "did you mean backstage.backstage.startupProbe?" in result.stdout


def test_profile_selection(helm_path: str, tmp_path: Path) -> None:
    write(tmp_path, "values-good.yaml", "backstage:\n  backstage:\n    replicas: 2\n")
    write(tmp_path, "values-bad.yaml", "backstage:\n  replicas: 2\n")
    path = config(tmp_path, {"good": ["values-good.yaml"], "bad": ["values-bad.yaml"]})
    code, document = values_json(path, helm_path, "--profile", "good")
    assert code == 0
    assert document["summary"]["profiles"] == 1
    assert document["findings"] == []
    code, document = values_json(path, helm_path, "--profile", "bad")
    assert code == 1
    (finding,) = document["findings"]
    assert finding["path"] == "backstage.replicas"
    assert finding["suggestion"] == "backstage.backstage.replicas"


def test_an_unknown_target_is_a_clear_error(helm_path: str) -> None:
    result = gate("values", "--config", "examples/incident/gate.yaml", "--helm", helm_path, "web")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "no target 'web'" in result.stderr
    assert "backstage" in result.stderr


# --- robustness ---------------------------------------------------------------------------


def test_non_string_keys_in_a_values_file(helm_path: str, tmp_path: Path) -> None:
    values = write(
        tmp_path,
        "values.yaml",
        "backstage:\n  backstage:\n    podLabels:\n      8080: web\n    replicas: 2\n",
    )
    code, document = values_json(config(tmp_path, {"p": [values.name]}), helm_path, "--no-effect")
    assert code == 0
    assert rule(document, "values-unknown-key") == []


def test_no_temporary_files_left_behind(helm_path: str, tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    values = write(
        tmp_path,
        "values.yaml",
        "backstage:\n  replicas: 2\n  backstage:\n    replicas: 3\n",
    )
    result = gate(
        "values",
        "--config",
        str(config(tmp_path, {"p": [values.name]})),
        "--helm",
        helm_path,
        "--no-effect",
        env={"TMPDIR": str(scratch)},
    )
    assert result.returncode == 1
    # variant values files are copies of the user's values (secrets included)
    assert sorted(p.relative_to(scratch).as_posix() for p in scratch.rglob("*")) == []


# --- the marker render with real helm -----------------------------------------------------


def analyse_in_process(helm_path: str, tmp_path: Path, text: str) -> tuple[Any, list[Any]]:
    """The same pipeline as `gate values --no-effect`, in process, to see what it cost."""
    values = write(tmp_path, "values.yaml", text)
    loaded = load_config(config(tmp_path, {"p": [values.name]}))
    report_, analyses = Gate.load(loaded).values(
        find_helm(helm_path), select(loaded, [], []), 2, no_effect=True
    )
    return report_, analyses


def test_strings_that_reach_the_rendering_cost_only_the_marker_render(
    helm_path: str, tmp_path: Path
) -> None:
    report_, (analysis,) = analyse_in_process(
        helm_path,
        tmp_path,
        "backstage:\n  backstage:\n    image:\n      repository: team/backstage\n"
        "    podAnnotations:\n      team: portal\n",
    )
    assert report_.findings == ()
    assert analysis.renders == 1


def test_numbers_that_reach_the_rendering_cost_only_the_marker_render(
    helm_path: str, tmp_path: Path
) -> None:
    # helm reads numbers of a values file as float64 and prints a large one as
    # 9.00000001e+08: a number marker must still be recognised in the rendering
    report_, (analysis,) = analyse_in_process(
        helm_path,
        tmp_path,
        "backstage:\n  backstage:\n    replicas: 3\n    revisionHistoryLimit: 5\n",
    )
    assert report_.findings == ()
    assert analysis.renders == 1


IDIOMS = FIXTURES / "values-idioms"
# (written path, suggested path) of each misspelt key in values-typos.yaml
IDIOM_TYPOS = {
    "global.postgresql.auth.existingSecert": "global.postgresql.auth.existingSecret",
    "grafana\\.ini.paths.dta": "grafana\\.ini.paths.data",
    "automountServiceAcountToken": "automountServiceAccountToken",
    "controller.maxUnavailible": "controller.maxUnavailable",
    "ingress.hots": "ingress.host",
    "service.prot": "service.port",
    "health.probe.timeoutSecond": "health.probe.timeoutSeconds",
    "metrics.selfMonitor.enabeld": "metrics.selfMonitor.enabled",
    "routes.dashboard.macth": "routes.dashboard.match",
}


def test_keys_read_through_real_chart_idioms(helm_path: str, tmp_path: Path) -> None:
    """Issue 11: each way real charts read values (parenthesised chains, get, hasKey,
    index, dig, variables, dicts handed to named templates, with, range, tpl) makes the
    keys it reads known, and a typo beside each is still reported, with the key meant."""
    path = config(tmp_path, {"read": ["values-read.yaml"], "typos": ["values-typos.yaml"]}, IDIOMS)
    code, document = values_json(path, helm_path)
    found = rule(document, "values-unknown-key")
    assert [f["path"] for f in found if f["profile"] == "read"] == []
    typos = {f["path"]: f for f in found if f["profile"] == "typos"}
    assert {p: f.get("suggestion") for p, f in typos.items()} == IDIOM_TYPOS
    file = IDIOMS / "values-typos.yaml"
    assert typos["ingress.hots"]["line"] == line_of(file, "hots:")
    assert typos["global.postgresql.auth.existingSecert"]["line"] == line_of(file, "existingSecert")
    assert code == 1
    # `gate values` says how much it could check, and where it could not read
    runs = {run["profile"]: run for run in document["runs"]}
    read = runs["read"]["values"]
    assert read["keys"] == 14
    # podLabels is ranged over: any key is a label, each checked as an entry of the map
    assert read["free_form"] == {}
    assert read["analysed"] == 14
    (tpl,) = [place for place in read["unread"] if place.startswith("tpl ")]
    # named as the file on disk, not as helm names the template
    assert f"{IDIOMS}/templates/configmap.yaml:" in tpl


def test_the_official_backstage_idiom_does_not_blind_the_analysis(
    helm_path: str, tmp_path: Path
) -> None:
    """The incident on a chart that reads `((((.Values).global).postgresql).auth)` the
    way the official Backstage chart does (charts-under-test reproduces that helper):
    every mis-nested key is still reported, with the key meant."""
    misnested = write(
        tmp_path,
        "values.yaml",
        "backstage:\n" + "".join(f"  {key}:\n    a: 1\n" for key in ["image", *MISNESTED]),
    )
    code, document = values_json(config(tmp_path, {"prod": [misnested.name]}), helm_path)
    found = {f["path"]: f["suggestion"] for f in rule(document, "values-unknown-key")}
    assert found == {
        f"backstage.{key}": f"backstage.backstage.{key}" for key in ["image", *MISNESTED]
    }
    assert code == 1


def test_a_random_object_name_does_not_hide_an_ignored_key(helm_path: str, tmp_path: Path) -> None:
    """Measured on podinfo and jenkins (issue 11): a helm test Pod named at random on
    every render made every confirming render differ, so no typo was ever reported."""
    write(tmp_path, "typo.yaml", "replicaCuont: 3\n")
    write(tmp_path, "ok.yaml", "replicaCount: 3\n")
    path = config(
        tmp_path, {"ok": ["ok.yaml"], "typo": ["typo.yaml"]}, FIXTURES / "values-random-name"
    )
    code, document = values_json(path, helm_path)
    found = rule(document, "values-unknown-key")
    assert [(f["profile"], f["path"], f["suggestion"]) for f in found] == [
        ("typo", "replicaCuont", "replicaCount")
    ]
    assert code == 1
