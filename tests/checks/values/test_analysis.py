"""ValuesAnalysis (gate/checks/values/__init__.py): which renders it asks for and what it
concludes from them.

These are UNIT tests of the grouping, budget and reporting logic. They do NOT run
helm: `FakeHelm` below is a FAKE renderer, a few lines of Python standing in for
a chart. It merges the profile's values files and `set` entries over the chart
defaults as helm does, calls a Python function in place of the templates, and
counts every render it is asked for. The end-to-end behaviour with real Helm 3
and Helm 4 is in tests/test_values_cli.py.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.chart import ChartFiles
from gate.checks.values import Analysis, Rendered, ValuesAnalysis, across_profiles, suggest
from gate.checks.values.known import known_tree
from gate.checks.values.settings import set_path
from gate.config import Profile, Target
from gate.model import Category, Finding, Severity

Values = dict[str, Any]
Objects = dict[str, Any]

DEFAULTS: Values = {
    "replicas": 1,
    "image": {"tag": "1.0"},
    "podAnnotations": {},
    "metrics": {"enabled": False, "interval": "30s", "tls": {"cert": "", "key": ""}},
    "probe": {"delay": 2},
}

# What the fake chart's templates would say; only the known tree reads this text.
TEMPLATE = """
replicas: {{ .Values.replicas }}
image: {{ .Values.image.tag }}
annotations: {{ toYaml .Values.podAnnotations }}
probe: {{ toYaml .Values.probe }}
{{- if .Values.metrics.enabled }}
interval: {{ .Values.metrics.interval }}
cert: {{ .Values.metrics.tls.cert }}{{ .Values.metrics.tls.key }}
{{- end }}
"""


def fake_templates(values: Values) -> Objects:
    """The FAKE chart: what `TEMPLATE` renders, plus one read no static analysis sees
    (`secretly`, like a key built at render time)."""
    deployment: dict[str, Any] = {
        "replicas": values["replicas"],
        "image": values["image"]["tag"],
        "annotations": values["podAnnotations"],
        "probe": values["probe"],
    }
    if "secretly" in values:
        deployment["hidden"] = values["secretly"]
    objects: Objects = {"apps/v1/Deployment/default/web": deployment}
    metrics = values["metrics"]
    if metrics["enabled"]:
        objects["v1/Service/default/web"] = {
            "interval": metrics["interval"],
            "tls": f"{metrics['tls']['cert']}{metrics['tls']['key']}",
        }
    return objects


def merge(into: Values, over: Any) -> None:
    for key, value in (over or {}).items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


class FakeHelm:
    """A FAKE renderer (not helm): counts renders; fails when the templates raise."""

    def __init__(
        self,
        templates: Callable[[Values], Objects] = fake_templates,
        defaults: Values | None = None,
    ):
        self.templates = templates
        self.defaults = DEFAULTS if defaults is None else defaults
        self.calls = 0
        self.renders = 0
        self.rendered: list[Values] = []

    def values(self, profile: Profile) -> Values:
        merged = copy.deepcopy(self.defaults)
        for file in profile.values:
            merge(merged, yaml.safe_load(Path(file).read_text()))
        for key, value in profile.set:
            path = set_path(key)
            nested: Any = value
            for part in reversed(path):
                nested = {part: nested}
            merge(merged, nested)
        return merged

    def render_one(self, profile: Profile) -> Rendered:
        values = self.values(profile)
        try:
            objects = self.templates(values)
        except (KeyError, TypeError) as exc:
            return None, f"Error: {exc}"
        text = json.dumps(objects, sort_keys=True, default=str)
        prints = frozenset(
            (k, json.dumps(v, sort_keys=True, default=str)) for k, v in objects.items()
        )
        return prints, text

    def __call__(self, profiles: Sequence[Profile]) -> list[Rendered]:
        self.calls += 1
        self.renders += len(profiles)
        self.rendered += [self.values(p) for p in profiles]
        return [self.render_one(p) for p in profiles]


def chart(template: str = TEMPLATE, defaults: Values | None = None) -> ChartFiles:
    return ChartFiles(
        name="web",
        chart={"apiVersion": "v2", "name": "web", "version": "0.1.0"},
        values=DEFAULTS if defaults is None else defaults,
        schema=None,
        templates=(template,),
        subcharts=(),
    )


def profile(tmp_path: Path, *files: str, name: str = "prod", **sets: Any) -> Profile:
    paths = []
    for index, text in enumerate(files):
        path = tmp_path / f"{name}-{index}.yaml"
        path.write_text(text)
        paths.append(path)
    entries = tuple((key.replace("__", "."), value) for key, value in sets.items())
    return Profile(name, values=tuple(paths), set=entries, set_lines=(3,) * len(entries))


def analysis(
    tmp_path: Path,
    prof: Profile,
    helm: FakeHelm | None = None,
    budget: int = 200,
    free_form: Sequence[str] = (),
    files: ChartFiles | None = None,
) -> tuple[ValuesAnalysis, FakeHelm]:
    helm = helm or FakeHelm()
    baseline = helm.render_one(prof)[0]
    assert baseline is not None
    target = Target("web", tmp_path, "web", "default", (prof,))
    return (
        ValuesAnalysis(
            target,
            prof,
            tmp_path / "gate.yaml",
            files or chart(),
            baseline,
            helm,
            budget,
            free_form,
        ),
        helm,
    )


def run(
    tmp_path: Path, *files: str, no_effect: bool = False, **options: Any
) -> tuple[Analysis, FakeHelm]:
    values, helm = analysis(tmp_path, profile(tmp_path, *files), **options)
    return values.run(no_effect), helm


def by_path(result: Analysis, rule: str | None = None) -> dict[str, Finding]:
    found = [f for f in result.findings if f.path and (rule is None or f.rule == rule)]
    paths = [f.path for f in found]
    assert len(paths) == len(set(paths)), f"a key reported twice: {paths}"
    return {f.path: f for f in found}


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.strip() == needle)


# --- unknown keys -------------------------------------------------------------------------

GOOD = """\
replicas: 2
image:
  tag: "2.0"
podAnnotations:
  any: thing
probe:
  delay: 120
  anything: 1
"""

MISNESTED = """\
replicas: 2
web:
  replicas: 3
imagetag: "2.0"
metrics:
  interval: 15s
  intervall: 20s
"""


def test_known_keys_cost_no_render(tmp_path: Path) -> None:
    result, helm = run(tmp_path, GOOD)
    assert result.findings == []
    assert helm.renders == 0


def test_all_unknown_keys_ignored_cost_one_render(tmp_path: Path) -> None:
    result, helm = run(tmp_path, MISNESTED)
    found = by_path(result, "values-unknown-key")
    assert sorted(found) == ["imagetag", "metrics.intervall", "web"]
    # all three taken out together (nothing changed), then all three given other values
    # together (nothing changed): a key the chart reads would show in one of the two
    assert helm.renders == 2
    assert helm.rendered[0]["replicas"] == 2  # the known key stays in
    assert "web" not in helm.rendered[0]
    file = str(tmp_path / "prod-0.yaml")
    for path, needle in [
        ("web", "web:"),
        ("imagetag", 'imagetag: "2.0"'),
        ("metrics.intervall", "intervall: 20s"),
    ]:
        finding = found[path]
        assert finding.severity is Severity.ERROR
        assert finding.category is Category.VALUES
        assert (finding.file, finding.line) == (file, line_of(MISNESTED, needle))
        assert finding.target == "web" and finding.profile == "prod"
    assert found["metrics.intervall"].suggestion == "metrics.interval"
    assert found["web"].suggestion is None  # nothing is called `web` anywhere
    assert "did you mean metrics.interval?" in found["metrics.intervall"].message


def test_a_key_the_chart_reads_in_a_way_gate_cannot_see_is_not_reported(tmp_path: Path) -> None:
    text = "ghost: 1\nsecretly: 42\nphantom: 2\n"
    values, _ = analysis(tmp_path, profile(tmp_path, text))
    # premise: the static tree does not know `secretly`; only the render shows it is read
    assert [c.path for c in values.unknown_candidates()] == [
        ("ghost",),
        ("secretly",),
        ("phantom",),
    ]
    result = values.run(no_effect=False)
    assert sorted(by_path(result)) == ["ghost", "phantom"]


def test_groups_are_split_only_where_the_rendering_changes(tmp_path: Path) -> None:
    keys = [f"k{i}" for i in range(8)]
    text = (
        "".join(f"{k}: 1\n" for k in keys[:5])
        + "secretly: 1\n"
        + "".join(f"{k}: 1\n" for k in keys[5:])
    )
    result, helm = run(tmp_path, text)
    assert sorted(by_path(result)) == keys
    # 9 candidates, one of them read: the whole group (changes), its halves of 4 and 5
    # (the 5 change), their halves of 2 and 3 (the 2 change), then the 2 keys alone:
    # 1 + 2 + 2 + 2 renders, and one more giving the 3 unread keys other values:
    # fewer than one per key.
    assert helm.renders == 8


def test_each_unknown_key_reported_once_at_its_highest_unknown_level(tmp_path: Path) -> None:
    result, _ = run(tmp_path, "web:\n  replicas: 3\n  image:\n    tag: x\n")
    assert sorted(by_path(result)) == ["web"]


def test_free_form_setting_silences_a_key_below_it(tmp_path: Path) -> None:
    text = "extras:\n  a: 1\n  b: {c: 2}\n"
    (tmp_path / "plain").mkdir()
    unsilenced, _ = run(tmp_path / "plain", text)
    assert sorted(by_path(unsilenced)) == ["extras"]
    result, helm = run(tmp_path, text, free_form=["extras"])
    assert result.findings == []
    assert helm.renders == 0
    deeper, _ = run(tmp_path, "metrics:\n  extra:\n    x: 1\n", free_form=["metrics.extra"])
    assert deeper.findings == []


def test_free_form_path_with_an_escaped_dot(tmp_path: Path) -> None:
    text = "podLabels:\n  example.com/team: a\nconfig:\n  a.b:\n    c: 1\n"
    result, _ = run(tmp_path, text, free_form=["podLabels", r"config.a\.b"])
    assert sorted(by_path(result)) == []


def test_set_entries_are_analysed_with_their_gate_yaml_line(tmp_path: Path) -> None:
    prof = profile(tmp_path, GOOD, metrics__intervall="20s", replicas=4)
    values, helm = analysis(tmp_path, prof)
    result = values.run(no_effect=False)
    (finding,) = result.findings
    assert finding.path == "metrics.intervall"
    assert (finding.file, finding.line) == (str(tmp_path / "gate.yaml"), 3)
    assert helm.rendered[0]["replicas"] == 4  # the other `set` entry stays


def test_a_render_that_fails_without_a_key_is_not_a_confirmation(tmp_path: Path) -> None:
    def strict(values: Values) -> Objects:
        objects = fake_templates(values)
        if "required" not in values:  # like `required "..." .Values.required` in a helper
            raise KeyError("required")
        return objects

    helm = FakeHelm(strict)
    values, _ = analysis(tmp_path, profile(tmp_path, "required: yes\n"), helm)
    result = values.run(no_effect=False)
    assert result.findings == []
    assert helm.renders == 1


def test_values_passed_whole_leave_the_verdict_to_the_render(tmp_path: Path) -> None:
    """`toYaml .Values` never makes the whole chart free-form (issue 11): the keys are
    candidates, and the one confirming render shows that they reach the output."""
    files = chart(template="{{ .Values | toYaml }}")
    assert not known_tree(files).free
    prof = profile(tmp_path, "anything:\n  at: all\n")
    helm = FakeHelm(templates=lambda values: {"v1/ConfigMap/default/all": values})
    values, _ = analysis(tmp_path, prof, files=files, helm=helm)
    assert values.run(no_effect=False).findings == []
    assert helm.renders == 1


def test_the_incident_shape_suggests_the_dependency_key(tmp_path: Path) -> None:
    """A wrapper whose dependency keeps its settings under its own key (backstage.backstage)."""
    defaults = {"backstage": {"backstage": {"startupProbe": {"initialDelaySeconds": 2}}}}
    tree = known_tree(
        chart(template="{{ toYaml .Values.backstage.backstage.startupProbe }}", defaults=defaults)
    )
    assert suggest(tree, ("backstage", "startupProbe")) == "backstage.backstage.startupProbe"


INCIDENT_DEFAULTS: Values = {"backstage": {"backstage": {"startupProbe": {"delay": 2}}}}


def incident_chart(values: Values) -> Objects:
    probe = values["backstage"]["backstage"]["startupProbe"]
    extra = values["backstage"].get("extra", {})
    return {"apps/v1/Deployment/default/web": {"probe": probe, "extra": extra}}


@pytest.mark.parametrize(
    ("written", "meant", "reported"),
    [
        ("backstage:\n  startupProbe:\n    delay: 120\n", "backstage.backstage.startupProbe", True),
        # the same place, but the chart renders it: not reported
        ("backstage:\n  extra:\n    delay: 120\n", None, False),
        # below the free-form map, but no declared path ends with these keys
        ("backstage:\n  unheardOf:\n    delay: 120\n", None, False),
    ],
)
def test_a_key_in_a_free_form_map_that_belongs_elsewhere_is_never_silent(
    tmp_path: Path, written: str, meant: str | None, reported: bool
) -> None:
    """Issue 11, "never blind": where the static reading gave up (here gate.yaml makes
    `backstage` free-form), a key the charts declare one level deeper that changes
    nothing is still reported, as values-no-effect with the key meant."""
    files = chart(
        template="{{ toYaml .Values.backstage.backstage.startupProbe }}"
        "{{ toYaml .Values.backstage.extra }}",
        defaults=INCIDENT_DEFAULTS,
    )
    helm = FakeHelm(templates=incident_chart, defaults=INCIDENT_DEFAULTS)
    values, _ = analysis(
        tmp_path, profile(tmp_path, written), helm=helm, free_form=["backstage"], files=files
    )
    result = values.run(no_effect=False)
    found = by_path(result)
    assert "values-unknown-key" not in {f.rule for f in found.values()}
    if reported:
        (finding,) = found.values()
        assert finding.rule == "values-no-effect"
        assert finding.severity is Severity.WARNING
        assert finding.suggestion == meant
        assert finding.line == 2
    else:
        assert found == {}
    assert result.coverage is not None
    assert result.coverage.analysed == 0
    assert result.coverage.free_form == (("backstage", 1),)


# --- no effect ----------------------------------------------------------------------------

DEAD = """\
replicas: 3
image:
  tag: "1.0"
metrics:
  enabled: false
  interval: 15s
  tls:
    cert: a.pem
    key: a.key
probe:
  delay: 120
"""


def test_no_effect_finds_dead_and_default_keys_and_keeps_live_ones(tmp_path: Path) -> None:
    result, helm = run(tmp_path, DEAD, no_effect=True)
    found = by_path(result, "values-no-effect")
    assert "replicas" not in found  # reaches the rendering
    assert "probe.delay" not in found
    assert found["metrics.interval"].severity is Severity.WARNING
    assert found["metrics.tls"].severity is Severity.WARNING  # both leaves dead: one finding
    assert "metrics.tls.cert" not in found and "metrics.tls.key" not in found
    assert "unchanged" in found["metrics.interval"].message
    assert found["image.tag"].severity is Severity.INFO
    assert "equals the chart default" in found["image.tag"].message
    assert found["metrics.enabled"].severity is Severity.INFO
    assert sorted(found) == ["image.tag", "metrics.enabled", "metrics.interval", "metrics.tls"]
    file = str(tmp_path / "prod-0.yaml")
    assert found["metrics.interval"].file == file
    assert found["metrics.interval"].line == line_of(DEAD, "interval: 15s")
    assert found["metrics.tls"].line == line_of(DEAD, "tls:")
    assert not [f for f in result.findings if f.rule == "values-unknown-key"]
    # one marker render, then one removal render of the unmarked group (which holds)
    assert helm.renders == 2
    assert result.not_analysed == []


def test_the_marker_render_spares_the_removal_renders(tmp_path: Path) -> None:
    live = "replicas: 3\nimage:\n  tag: '2.0'\nprobe:\n  delay: 120\n  period: 10\n"
    result, helm = run(tmp_path, live, no_effect=True)
    assert by_path(result) == {}
    assert helm.renders == 1  # every scalar reached the output under its marker
    marked = helm.rendered[0]
    assert marked["replicas"] != 3 and marked["image"]["tag"] != "2.0"


def test_a_bool_cannot_be_marked_and_is_tested_by_removal(tmp_path: Path) -> None:
    result, helm = run(tmp_path, "metrics:\n  enabled: true\n", no_effect=True)
    assert by_path(result) == {}  # removing it drops the Service: it has an effect
    assert helm.renders == 1  # nothing to mark, so only the removal render


def test_a_key_set_again_in_a_later_file_has_no_effect(tmp_path: Path) -> None:
    base = "replicas: 2\nimage:\n  tag: '2.0'\n"
    prod = "replicas: 5\n"
    result, _ = run(tmp_path, base, prod, no_effect=True)
    found = by_path(result, "values-no-effect")
    assert list(found) == ["replicas"]
    finding = found["replicas"]
    assert finding.file == str(tmp_path / "prod-0.yaml")
    assert finding.line == 1
    assert finding.severity is Severity.WARNING
    assert f"{tmp_path / 'prod-1.yaml'}:1" in finding.message


def test_a_values_file_key_overridden_by_set(tmp_path: Path) -> None:
    prof = profile(tmp_path, "replicas: 2\n", replicas=5)
    values, _ = analysis(tmp_path, prof)
    found = by_path(values.run(no_effect=True), "values-no-effect")
    assert list(found) == ["replicas"]
    assert found["replicas"].file == str(tmp_path / "prod-0.yaml")


def test_a_whole_map_overridden_by_a_later_scalar(tmp_path: Path) -> None:
    result, _ = run(tmp_path, "probe:\n  delay: 120\n", "probe: null\n", no_effect=True)
    found = by_path(result, "values-no-effect")
    assert "probe.delay" in found


def test_unknown_keys_are_not_reported_again_as_no_effect(tmp_path: Path) -> None:
    result, _ = run(tmp_path, "web:\n  replicas: 3\nreplicas: 4\n", no_effect=True)
    assert [(f.rule, f.path) for f in result.findings] == [("values-unknown-key", "web")]


# --- budget -------------------------------------------------------------------------------

BUSY = """\
replicas: 3
metrics:
  enabled: true
  interval: 15s
web:
  replicas: 2
"""


def test_max_renders_one_stops_with_an_info_finding(tmp_path: Path) -> None:
    result, helm = run(
        tmp_path, BUSY.replace("web:\n  replicas: 2\n", ""), no_effect=True, budget=1
    )
    assert helm.renders <= 1
    assert result.renders <= 1
    (stop,) = [f for f in result.findings if not f.path]
    assert stop.rule == "values-no-effect"
    assert stop.severity is Severity.INFO
    assert "stopped at its budget of 1 renders" in stop.message
    assert "metrics.enabled" in stop.message  # what was not analysed
    assert "metrics.enabled" in result.not_analysed
    # a key that was never tested is never reported as having no effect (removing
    # metrics.enabled: true WOULD change the rendering)
    assert "metrics.enabled" not in by_path(result)


@pytest.mark.parametrize("budget", [1, 2, 3, 4])
def test_never_more_renders_than_the_budget(tmp_path: Path, budget: int) -> None:
    many = BUSY + "".join(f"ghost{i}: {i}\n" for i in range(6)) + "secretly: 1\n"
    result, helm = run(tmp_path, many, no_effect=True, budget=budget)
    assert helm.renders <= budget
    assert result.renders == helm.renders
    stops = [f for f in result.findings if not f.path]
    assert len(stops) == 1 and stops[0].severity is Severity.INFO
    # nothing unconfirmed is reported: `secretly` is read by the chart
    assert "secretly" not in by_path(result)
    assert "metrics.enabled" not in by_path(result)


def test_a_large_enough_budget_reports_no_stop(tmp_path: Path) -> None:
    result, helm = run(tmp_path, BUSY, no_effect=True, budget=200)
    assert not [f for f in result.findings if not f.path]
    assert helm.renders < 200
    assert sorted(by_path(result)) == ["web"]


def test_renders_are_cached_by_input(tmp_path: Path) -> None:
    values, helm = analysis(tmp_path, profile(tmp_path, "ghost: 1\nphantom: 2\n"))
    keys = values.unknown_candidates()
    assert values.unchanged([keys, keys]) == [True, True]
    assert helm.renders == 1
    assert values.unchanged([list(reversed(keys))]) == [True]
    assert helm.renders == 1


# --- across profiles ----------------------------------------------------------------------


def no_effect_finding(profile_name: str, path: str, file: str, line: int) -> Finding:
    return Finding(
        Category.VALUES,
        "values-no-effect",
        Severity.WARNING,
        f"{path}: set again later",
        target="web",
        profile=profile_name,
        path=path,
        file=file,
        line=line,
    )


def shared_profiles(tmp_path: Path) -> tuple[Profile, Profile, str]:
    base = tmp_path / "values-base.yaml"
    base.write_text("replicas: 1\n")
    return (
        Profile("staging", values=(base, tmp_path / "values-staging.yaml")),
        Profile("prod", values=(base, tmp_path / "values-prod.yaml")),
        str(base),
    )


def test_a_shared_key_dead_in_every_profile_is_reported_once(tmp_path: Path) -> None:
    staging, prod, base = shared_profiles(tmp_path)
    findings = across_profiles(
        [
            (staging, Analysis(findings=[no_effect_finding("staging", "replicas", base, 1)])),
            (prod, Analysis(findings=[no_effect_finding("prod", "replicas", base, 1)])),
        ]
    )
    (finding,) = findings
    assert finding.path == "replicas"
    assert "staging, prod" in finding.message


def test_a_shared_key_alive_in_one_profile_is_not_reported(tmp_path: Path) -> None:
    staging, prod, base = shared_profiles(tmp_path)
    findings = across_profiles(
        [
            (staging, Analysis(findings=[no_effect_finding("staging", "replicas", base, 1)])),
            (prod, Analysis()),
        ]
    )
    assert findings == []


def test_findings_in_unshared_files_and_other_rules_stand(tmp_path: Path) -> None:
    staging, prod, base = shared_profiles(tmp_path)
    own = no_effect_finding("prod", "image.tag", str(tmp_path / "values-prod.yaml"), 2)
    unknown = Finding(
        Category.VALUES,
        "values-unknown-key",
        Severity.ERROR,
        "x",
        profile="prod",
        path="web",
        file=base,
        line=1,
    )
    stop = Finding(Category.VALUES, "values-no-effect", Severity.INFO, "stopped", profile="prod")
    findings = across_profiles([(staging, Analysis()), (prod, Analysis([own, unknown, stop]))])
    assert findings == [own, unknown, stop]


def test_the_real_analyses_of_two_profiles_sharing_a_base_file(tmp_path: Path) -> None:
    base = tmp_path / "values-base.yaml"
    base.write_text("replicas: 2\nprobe:\n  delay: 120\n")
    analyses = []
    for name, replicas in [("staging", 3), ("prod", 4)]:
        own = tmp_path / f"values-{name}.yaml"
        own.write_text(f"replicas: {replicas}\n")
        prof = Profile(name, values=(base, own))
        values, _ = analysis(tmp_path, prof)
        analyses.append((prof, values.run(no_effect=True)))
    findings = across_profiles(analyses)
    (finding,) = [f for f in findings if f.file == str(base)]
    assert finding.path == "replicas"
    assert finding.line == 1
    assert finding.severity is Severity.WARNING
    assert "staging, prod" in finding.message
    assert not [f for f in findings if f.path == "probe.delay"]


def test_a_read_key_set_to_what_the_chart_uses_anyway_is_not_unknown(tmp_path: Path) -> None:
    """Taking out `feature.enabled: false` changes nothing even though the chart reads it
    (through a construct the static tree does not follow); giving it another value does,
    so it is not reported as unknown."""

    def templates(values: Values) -> Objects:
        objects = fake_templates(values)
        if (values.get("feature") or {}).get("enabled"):  # read; unseen by the static tree
            objects["v1/ConfigMap/default/feature"] = {"on": True}
        return objects

    prof = profile(tmp_path, "feature:\n  enabled: false\nghost: 1\n")
    values, _ = analysis(tmp_path, prof, helm=FakeHelm(templates=templates))
    assert [c.path for c in values.unknown_candidates()] == [("feature",), ("ghost",)]
    result = values.run(no_effect=False)
    assert sorted(by_path(result, "values-unknown-key")) == ["ghost"]


def test_redundant_means_equal_to_what_the_earlier_sources_give(tmp_path: Path) -> None:
    base = "replicas: 5\nprobe:\n  enabled: false\n"
    later = "replicas: 1\nprobe:\n  enabled: false\n"  # the chart's default is 1
    values, _ = analysis(tmp_path, profile(tmp_path, base, later))
    result = values.run(no_effect=True)
    later_file = str(tmp_path / "prod-1.yaml")
    info = [f for f in result.findings if f.severity is Severity.INFO and f.file == later_file]
    # replicas 1 equals the chart default, but the base file set 5: it is not redundant
    assert [f.path for f in info] == ["probe.enabled"]
    assert "already sets" in info[0].message
