"""gate/config.py: gate.yaml into frozen settings, every mistake a GateError with a line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gate.config import (
    DEFAULT_KUBE_VERSION,
    Exemption,
    GateConfig,
    GoldenSettings,
    HelmSettings,
    Override,
    Profile,
    SchemaSettings,
    ValuesSettings,
    load_config,
)
from gate.errors import GateError
from gate.model import Severity

CHART_YAML = "apiVersion: v2\nname: demo\nversion: 0.1.0\n"


def make_chart(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Chart.yaml").write_text(CHART_YAML, encoding="utf-8")
    return folder


def write_config(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "gate.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the `occurrence`-th line of `path` containing `needle`."""
    found = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            found += 1
            if found == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in {path}")


def load_error(path: Path) -> GateError:
    with pytest.raises(GateError) as info:
        load_config(path)
    return info.value


# --- a valid configuration --------------------------------------------------------------------

FULL = """\
helm:
  kube_version: "v1.30.2"
  api_versions: [monitoring.coreos.com/v1, example.com/v1alpha1/Widget]
  timeout: 90
policies: [policies/, ./extra/../more/team.yaml]
builtin_policies: false
golden:
  dir: snapshots/./golden
  ignore: ["$.metadata.labels.chart"]
targets:
  - name: demo
    chart: ../charts/demo
    release: demo-release
    namespace: demo-ns
    profiles:
      dev: {values: [values-dev.yaml]}
      prod:
        values:
          - env/prod.yaml
          - values-dev.yaml
        set:
          image.tag: "1.2.3"
          replicaCount: 3
          debug: yes
          ratio: 0.5
          mode: 010
          labels: {a: b}
  - name: other
    chart: ../charts/demo
schemas:
  crds: [crds/, ../shared/crds/widgets.yaml]
  strict: true
values:
  no_effect: true
  max_renders: 50
  free_form: [podAnnotations, extraEnv]
overrides:
  - rule: startup-probe-initial-delay
    profile: dev
    params: {min: 60}
  - rule: image-digest-pinned
    target: demo
    profile: dev
    severity: warning
  - rule: resource-requests
    enabled: false
exemptions:
  - rule: image-digest-pinned
    target: demo
    profile: dev
    object: Deployment/demo-ns/*
    reason: dev follows the moving tag on purpose
    expires: 2027-03-31
  - rule: placeholder-secret
    reason: the secret is replaced at deploy time
"""


@pytest.fixture
def full_config(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # a work tree: the repository root is tmp_path, not conf/
    chart = make_chart(tmp_path / "charts" / "demo")
    (chart / "values-dev.yaml").write_text("replicaCount: 1\n", encoding="utf-8")
    conf = tmp_path / "conf"
    (conf / "env").mkdir(parents=True)
    (conf / "env" / "prod.yaml").write_text("replicaCount: 2\n", encoding="utf-8")
    return write_config(conf, FULL)


def test_full_config_top_level(full_config: Path, tmp_path: Path) -> None:
    config = load_config(full_config)
    conf = tmp_path / "conf"
    assert isinstance(config, GateConfig)
    assert config.file == full_config
    assert config.root == tmp_path
    assert config.helm == HelmSettings(
        kube_version="1.30.2",
        api_versions=("monitoring.coreos.com/v1", "example.com/v1alpha1/Widget"),
        timeout=90.0,
    )
    assert isinstance(config.helm.timeout, float)
    assert config.policies == (conf / "policies", conf / "more" / "team.yaml")
    assert config.builtin_policies is False
    assert config.golden == GoldenSettings(
        dir=conf / "snapshots" / "golden", ignore=("$.metadata.labels.chart",), configured=True
    )
    assert config.schemas == SchemaSettings(
        crds=(conf / "crds", tmp_path / "shared" / "crds" / "widgets.yaml"), strict=True
    )
    assert config.values == ValuesSettings(
        no_effect=True, max_renders=50, free_form=("podAnnotations", "extraEnv")
    )


def test_full_config_paths_are_normalised(full_config: Path) -> None:
    config = load_config(full_config)
    paths = [
        *config.policies,
        config.golden.dir,
        *config.schemas.crds,
        *(t.chart for t in config.targets),
        *(v for t in config.targets for p in t.profiles for v in p.values),
    ]
    for path in paths:
        assert ".." not in path.parts, path
        assert "." not in path.parts, path


def test_full_config_targets(full_config: Path, tmp_path: Path) -> None:
    config = load_config(full_config)
    chart = tmp_path / "charts" / "demo"
    demo, other = config.targets
    assert demo.name == "demo"
    assert demo.chart == chart
    assert demo.release == "demo-release"
    assert demo.namespace == "demo-ns"
    assert [p.name for p in demo.profiles] == ["dev", "prod"]
    # values-dev.yaml is not beside gate.yaml: it is found in the chart folder.
    assert demo.profile("dev") == Profile(name="dev", values=(chart / "values-dev.yaml",))
    prod = demo.profile("prod")
    assert prod is not None
    assert prod.values == (tmp_path / "conf" / "env" / "prod.yaml", chart / "values-dev.yaml")
    assert demo.profile("staging") is None
    assert other.name == "other"
    assert other.chart == chart
    assert other.release == "other"
    assert other.namespace == "default"
    assert other.profiles == (Profile(name="default"),)


def test_set_keeps_yaml_types(full_config: Path) -> None:
    prod = load_config(full_config).targets[0].profile("prod")
    assert prod is not None
    values = dict(prod.set)
    assert list(values) == ["image.tag", "replicaCount", "debug", "ratio", "mode", "labels"]
    assert values["image.tag"] == "1.2.3"
    assert isinstance(values["image.tag"], str)
    assert values["replicaCount"] == 3
    assert type(values["replicaCount"]) is int
    assert values["debug"] is True
    assert values["ratio"] == 0.5
    assert values["mode"] == 8
    assert values["labels"] == {"a": "b"}


def test_full_config_overrides(full_config: Path) -> None:
    config = load_config(full_config)
    first, second, third = config.overrides
    assert first == Override(
        rule="startup-probe-initial-delay",
        profile="dev",
        params=(("min", 60),),
        line=line_of(full_config, "rule: startup-probe-initial-delay"),
    )
    assert first.target == "*"
    assert first.severity is None
    assert second.rule == "image-digest-pinned"
    assert second.target == "demo"
    assert second.severity is Severity.WARNING
    assert second.enabled is None
    assert second.line == line_of(full_config, "rule: image-digest-pinned", 1)
    assert third.rule == "resource-requests"
    assert third.enabled is False
    assert third.profile == "*"


def test_full_config_exemptions(full_config: Path) -> None:
    config = load_config(full_config)
    first, second = config.exemptions
    assert first == Exemption(
        rule="image-digest-pinned",
        reason="dev follows the moving tag on purpose",
        target="demo",
        profile="dev",
        object="Deployment/demo-ns/*",
        expires=dt.date(2027, 3, 31),
        line=line_of(full_config, "rule: image-digest-pinned", 2),
    )
    assert second.rule == "placeholder-secret"
    assert (second.target, second.profile, second.object, second.expires) == ("*", "*", "*", None)
    assert second.line == line_of(full_config, "rule: placeholder-secret")


def test_config_is_frozen(full_config: Path) -> None:
    config = load_config(full_config)
    with pytest.raises(AttributeError):
        config.helm.timeout = 1  # type: ignore[misc]


def test_values_file_beside_gate_yaml_wins_over_chart(tmp_path: Path) -> None:
    chart = make_chart(tmp_path / "charts" / "demo")
    (chart / "v.yaml").write_text("a: chart\n", encoding="utf-8")
    (tmp_path / "v.yaml").write_text("a: root\n", encoding="utf-8")
    path = write_config(
        tmp_path,
        "targets:\n  - name: demo\n    chart: charts/demo\n"
        "    profiles:\n      dev: {values: [v.yaml]}\n",
    )
    profile = load_config(path).targets[0].profiles[0]
    assert profile.values == (tmp_path / "v.yaml",)


def test_defaults(tmp_path: Path) -> None:
    make_chart(tmp_path / "chart")
    path = write_config(tmp_path, "targets:\n  - name: demo\n    chart: chart\n")
    config = load_config(path)
    assert config.helm == HelmSettings()
    assert config.helm.kube_version == DEFAULT_KUBE_VERSION == "1.31.0"
    assert config.helm.timeout == 60.0
    assert config.helm.api_versions == ()
    assert config.policies == ()
    assert config.builtin_policies is True
    assert config.golden == GoldenSettings(dir=tmp_path / "golden")
    assert config.schemas == SchemaSettings()
    assert config.values == ValuesSettings()
    assert config.overrides == ()
    assert config.exemptions == ()
    (target,) = config.targets
    assert target.release == "demo"
    assert target.namespace == "default"
    assert target.chart == tmp_path / "chart"
    assert target.profiles == (Profile(name="default"),)


def test_empty_profile_is_allowed(tmp_path: Path) -> None:
    make_chart(tmp_path / "chart")
    path = write_config(
        tmp_path, "targets:\n  - name: demo\n    chart: chart\n    profiles:\n      dev:\n"
    )
    (target,) = load_config(path).targets
    assert target.profiles == (Profile(name="dev"),)


@pytest.mark.parametrize("section", ["helm", "golden", "schemas", "values"])
def test_empty_section_means_defaults(tmp_path: Path, section: str) -> None:
    # The checker accepts `helm:` with nothing under it as an empty mapping (as it
    # does for `dev:`), so loading must give that section's defaults, not crash on None.
    make_chart(tmp_path / "chart")
    path = write_config(tmp_path, f"{section}:\ntargets:\n  - name: demo\n    chart: chart\n")
    config = load_config(path)
    assert config.helm == HelmSettings()
    # An empty `golden:` still asks for golden files (configured), with default settings.
    assert config.golden == GoldenSettings(dir=tmp_path / "golden", configured=section == "golden")
    assert config.schemas == SchemaSettings()
    assert config.values == ValuesSettings()


def test_kube_version_with_two_parts(tmp_path: Path) -> None:
    make_chart(tmp_path / "chart")
    path = write_config(
        tmp_path, 'helm: {kube_version: "1.29"}\ntargets:\n  - name: d\n    chart: chart\n'
    )
    assert load_config(path).helm.kube_version == "1.29"


# --- errors -----------------------------------------------------------------------------------


def test_missing_gate_yaml(tmp_path: Path) -> None:
    path = tmp_path / "gate.yaml"
    err = load_error(path)
    assert err.file == str(path)
    assert err.line is None
    assert "gate init" in err.message


def test_gate_yaml_not_yaml(tmp_path: Path) -> None:
    path = write_config(tmp_path, "helm:\n  timeout: 5\ntargets: [\n  - name: x\n")
    err = load_error(path)
    assert err.file == str(path)
    assert isinstance(err.line, int)
    assert "gate.yaml is not valid YAML" in err.message


def test_gate_yaml_duplicate_key(tmp_path: Path) -> None:
    make_chart(tmp_path / "chart")
    path = write_config(
        tmp_path, "helm:\n  timeout: 5\ntargets:\n  - name: d\n    chart: chart\nhelm: {}\n"
    )
    err = load_error(path)
    assert err.file == str(path)
    assert err.line == 6
    assert "lines 1 and 6" in err.message


def test_typo_top_level_key(tmp_path: Path) -> None:
    make_chart(tmp_path / "chart")
    path = write_config(
        tmp_path, "helm:\n  timeout: 5\ntarget:\n  - name: demo\n    chart: chart\n"
    )
    err = load_error(path)
    assert err.file == str(path)
    assert err.line == 3
    assert "'target'" in err.message
    assert "did you mean 'targets'" in err.message


def test_typo_nested_key(tmp_path: Path) -> None:
    make_chart(tmp_path / "chart")
    path = write_config(
        tmp_path,
        "targets:\n  - name: demo\n    chart: chart\nhelm:\n  timeout: 5\n"
        '  kube_verison: "1.30.0"\n',
    )
    err = load_error(path)
    assert err.file == str(path)
    assert err.line == 6
    assert "'kube_verison'" in err.message
    assert "helm" in err.message
    assert "did you mean 'kube_version'" in err.message


def test_typo_key_in_target(tmp_path: Path) -> None:
    make_chart(tmp_path / "chart")
    path = write_config(tmp_path, "targets:\n  - name: demo\n    chart: chart\n    namspace: x\n")
    err = load_error(path)
    assert err.line == 4
    assert "did you mean 'namespace'" in err.message


def test_timeout_not_a_number(tmp_path: Path) -> None:
    make_chart(tmp_path / "chart")
    path = write_config(tmp_path, "targets: []\nhelm:\n  timeout: soon\n")
    err = load_error(path)
    assert err.file == str(path)
    assert err.line == 3
    assert "helm.timeout" in err.message
    assert "must be a number" in err.message
    assert "'soon'" in err.message


def test_timeout_not_positive(tmp_path: Path) -> None:
    path = write_config(tmp_path, "targets: []\nhelm:\n  timeout: 0\n")
    err = load_error(path)
    assert err.line == 3
    assert "positive" in err.message


def test_dependencies_default_is_build(tmp_path: Path) -> None:
    path = write_config(tmp_path, "targets: []\n")
    assert load_config(path).helm.dependencies == "build"


@pytest.mark.parametrize("mode", ["build", "vendored"])
def test_dependencies_modes(tmp_path: Path, mode: str) -> None:
    path = write_config(tmp_path, f"targets: []\nhelm:\n  dependencies: {mode}\n")
    assert load_config(path).helm.dependencies == mode


def test_dependencies_unknown_mode_names_the_line_and_the_modes(tmp_path: Path) -> None:
    path = write_config(tmp_path, "targets: []\nhelm:\n  timeout: 5\n  dependencies: vendor\n")
    err = load_error(path)
    assert err.file == str(path)
    assert err.line == 4
    assert err.message == (
        "helm.dependencies must be build or vendored, not 'vendor'; did you mean 'vendored'?"
    )


def test_dependencies_must_be_text(tmp_path: Path) -> None:
    err = load_error(write_config(tmp_path, "targets: []\nhelm:\n  dependencies: true\n"))
    assert err.line == 3
    assert "helm.dependencies must be a string" in err.message


def test_unquoted_kube_version_must_be_a_string(tmp_path: Path) -> None:
    # `1.30` unquoted is the float 1.3: the version would silently be wrong.
    path = write_config(tmp_path, "targets: []\nhelm:\n  kube_version: 1.30\n")
    err = load_error(path)
    assert err.file == str(path)
    assert err.line == 3
    assert "helm.kube_version" in err.message
    assert "must be a string" in err.message


def test_kube_version_not_a_version(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'targets: []\nhelm:\n  kube_version: "latest"\n')
    err = load_error(path)
    assert err.line == 3
    assert "'latest'" in err.message


def test_missing_chart_path(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, "targets:\n  - name: demo\n    release: r\n    chart: charts/nope\n"
    )
    err = load_error(path)
    assert err.file == str(path)
    assert err.line == 4
    assert "charts/nope" in err.message
    assert "demo" in err.message


def test_chart_folder_without_chart_yaml(tmp_path: Path) -> None:
    (tmp_path / "charts" / "empty").mkdir(parents=True)
    (tmp_path / "charts" / "empty" / "values.yaml").write_text("a: 1\n", encoding="utf-8")
    path = write_config(tmp_path, "targets:\n  - name: demo\n\n    chart: charts/empty\n")
    err = load_error(path)
    assert err.file == str(path)
    assert err.line == 4
    assert "Chart.yaml" in err.message


def test_missing_values_file(tmp_path: Path) -> None:
    make_chart(tmp_path / "chart")
    (tmp_path / "chart" / "values-dev.yaml").write_text("a: 1\n", encoding="utf-8")
    path = write_config(
        tmp_path,
        "targets:\n"  # 1
        "  - name: demo\n"  # 2
        "    chart: chart\n"  # 3
        "    profiles:\n"  # 4
        "      dev:\n"  # 5
        "        values:\n"  # 6
        "          - values-dev.yaml\n"  # 7
        "          - values-missing.yaml\n",  # 8
    )
    err = load_error(path)
    assert err.file == str(path)
    assert err.line == 8
    assert "values-missing.yaml" in err.message
    assert "'dev'" in err.message


def test_values_file_not_yaml(tmp_path: Path) -> None:
    chart = make_chart(tmp_path / "chart")
    values = chart / "values-bad.yaml"
    values.write_text("a: 1\nb: [1\n", encoding="utf-8")
    path = write_config(
        tmp_path,
        "targets:\n  - name: demo\n    chart: chart\n    profiles:\n"
        "      dev: {values: [values-bad.yaml]}\n",
    )
    err = load_error(path)
    assert err.file == str(values)
    assert isinstance(err.line, int)
    assert "values file is not valid YAML" in err.message


def test_duplicate_target_names(tmp_path: Path) -> None:
    make_chart(tmp_path / "chart")
    path = write_config(
        tmp_path,
        "targets:\n"  # 1
        "  - name: demo\n"  # 2
        "    chart: chart\n"  # 3
        "  - chart: chart\n"  # 4
        "    name: demo\n",  # 5
    )
    err = load_error(path)
    assert err.file == str(path)
    assert err.line == 5
    assert "'demo'" in err.message
    assert "twice" in err.message


def test_target_without_chart(tmp_path: Path) -> None:
    path = write_config(tmp_path, "targets:\n  - name: demo\n    release: r\n")
    err = load_error(path)
    assert err.line == 2
    assert "'chart'" in err.message


@pytest.mark.parametrize(
    ("section", "required"),
    [("targets", "'name'"), ("overrides", "'rule'"), ("exemptions", "'rule'")],
)
def test_empty_list_item_is_a_gate_error(tmp_path: Path, section: str, required: str) -> None:
    # `-` with nothing after it is an item without its required keys: a GateError
    # at that line, not a TypeError/AttributeError from deep inside load_config.
    text = "helm: {timeout: 5}\n" + ("targets: []\n" if section != "targets" else "")
    path = write_config(tmp_path, f"{text}{section}:\n  -\n")
    item_line = line_of(path, "  -")
    err = load_error(path)
    assert err.file == str(path)
    assert err.line in (item_line - 1, item_line)
    assert required in err.message


def test_bad_target_name(tmp_path: Path) -> None:
    make_chart(tmp_path / "chart")
    path = write_config(tmp_path, "targets:\n  - chart: chart\n    name: a/b\n")
    err = load_error(path)
    assert err.line == 3
    assert "'a/b'" in err.message


def test_override_with_unknown_severity(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "targets: []\n"  # 1
        "overrides:\n"  # 2
        "  - rule: image-digest-pinned\n"  # 3
        "    severity: fatal\n",  # 4
    )
    err = load_error(path)
    assert err.file == str(path)
    assert err.line == 4
    assert "'fatal'" in err.message
    assert "error, warning, info" in err.message


def test_override_without_rule(tmp_path: Path) -> None:
    path = write_config(tmp_path, "targets: []\noverrides:\n  - profile: dev\n    enabled: false\n")
    err = load_error(path)
    assert err.line == 3
    assert "'rule'" in err.message


def test_exemption_without_reason(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "targets: []\n"  # 1
        "exemptions:\n"  # 2
        "  - rule: image-digest-pinned\n"  # 3
        "    reason: fine\n"  # 4
        "  - rule: placeholder-secret\n"  # 5
        "    target: demo\n",  # 6
    )
    err = load_error(path)
    assert err.file == str(path)
    assert err.line == 5
    assert "'reason'" in err.message
    assert "exemptions[1]" in err.message


def test_exemption_expires_must_be_a_date(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "targets: []\nexemptions:\n  - rule: r\n    reason: x\n    expires: next year\n",
    )
    err = load_error(path)
    assert err.line == 5
    assert "date" in err.message


def test_render_prefixes_file_and_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, "targets: []\nhelm:\n  timeout: soon\n")
    assert load_error(path).render().startswith(f"{path}:3: ")
