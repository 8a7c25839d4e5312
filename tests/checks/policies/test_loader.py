"""load_policies: valid files load; every mistake is a GateError naming file, line, id, field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gate.checks.policies.loader import load_policies
from gate.checks.policies.model import AllOf, AnyOf, Leaf, NotOf, ParamRef
from gate.checks.policies.operators import OPERATORS
from gate.errors import GateError
from gate.model import Severity

BUILTIN_IDS = {
    "startup-probe-initial-delay",
    "startup-probe-failure-threshold",
    "resource-requests",
    "image-digest-pinned",
    "image-tag-not-latest",
    "placeholder-secret",
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load_error(*files: Path) -> GateError:
    with pytest.raises(GateError) as info:
        load_policies(list(files), builtin=False)
    return info.value


EVERY_OPERATOR = """
id: every-operator
title: uses every operator
severity: warning
description: a policy that names every operator once
params: {min: 120, kinds: [a, b], pattern: "^ok$"}
match:
  kinds: [Deployment, StatefulSet]
  apiVersions: [apps/v1]
  names: ["web-*"]
  namespaces: [prod]
  labels: {app: "web*"}
  targets: [backstage]
  profiles: ["prod*"]
each: "spec..containers[*]"
when: {path: "$.metadata.name", exists: true}
assert:
  all:
    - {path: name, exists: true}
    - {path: legacy, absent: true}
    - {path: a, eq: 1}
    - {path: b, ne: 2}
    - {path: c, gt: 100m}
    - {path: d, gte: {param: min}}
    - {path: e, lt: 1Gi}
    - {path: f, lte: 5}
    - {path: g, in: {param: kinds}}
    - {path: h, not_in: [x, y]}
    - {path: i, matches: {param: pattern}}
    - {path: j, not_matches: "latest$", default: "v1"}
    - {path: "m[*]", contains: Template}
    - {path: "$.spec.selector", selects: [Deployment]}
    - {path: "$.spec.template.metadata.labels", selected_by: PodDisruptionBudget}
    - {path: "$.metadata.name", scaled_by: [HorizontalPodAutoscaler]}
    - any:
        - {path: k, exists: true, decode: base64}
        - not: {path: l, exists: true}
message: "container {item.name}: {actual} vs {expected}"
examples:
  pass: [{apiVersion: apps/v1, kind: Deployment, metadata: {name: web-1}}]
  fail: [{apiVersion: apps/v1, kind: Deployment, metadata: {name: web-2}}]
"""


def test_valid_policy_with_every_operator(tmp_path: Path) -> None:
    file = write(tmp_path, "every.yaml", EVERY_OPERATOR)
    (policy,) = load_policies([file], builtin=False)

    assert policy.id == "every-operator"
    assert policy.title == "uses every operator"
    assert policy.severity is Severity.WARNING
    assert policy.description == "a policy that names every operator once"
    assert dict(policy.params) == {"min": 120, "kinds": ["a", "b"], "pattern": "^ok$"}
    assert policy.match.kinds == ("Deployment", "StatefulSet")
    assert policy.match.api_versions == ("apps/v1",)
    assert policy.match.names == ("web-*",)
    assert policy.match.namespaces == ("prod",)
    assert policy.match.labels == (("app", "web*"),)
    assert policy.match.targets == ("backstage",)
    assert policy.match.profiles == ("prod*",)
    assert [p.text for p in policy.each] == ["spec..containers[*]"]
    assert isinstance(policy.when, Leaf)
    assert policy.message == "container {item.name}: {actual} vs {expected}"
    assert policy.file == str(file)
    assert policy.line == 1
    assert [e.passes for e in policy.examples] == [True, False]

    assert isinstance(policy.assertion, AllOf)
    leaves = [c for c in policy.assertion.children if isinstance(c, Leaf)]
    names = [t.operator.name for leaf in leaves for t in leaf.tests]
    any_of = policy.assertion.children[-1]
    assert isinstance(any_of, AnyOf)
    first, second = any_of.children
    assert isinstance(first, Leaf)
    assert first.decode == "base64"
    assert isinstance(second, NotOf)
    assert isinstance(second.child, Leaf)
    names += [t.operator.name for t in first.tests] + [t.operator.name for t in second.child.tests]
    assert set(names) == set(OPERATORS)

    by_path = {leaf.path.text: leaf for leaf in leaves if leaf.path is not None}
    assert by_path["d"].tests[0].expected == ParamRef("min")
    assert by_path["g"].tests[0].expected == ParamRef("kinds")
    assert by_path["j"].default == "v1"
    assert by_path["h"].tests[0].expected == ["x", "y"]


def test_several_documents_and_folders(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    write(
        folder,
        "a.yaml",
        """
        id: first
        assert: {path: metadata.name, exists: true}
        ---
        id: second
        assert: {path: metadata.name, exists: true}
        """,
    )
    write(folder, "b.yml", "id: third\nassert: {path: kind, eq: Pod}\n")
    write(folder, "ignored.txt", "not: a policy\n")
    policies = load_policies([folder], builtin=False)
    assert [p.id for p in policies] == ["first", "second", "third"]
    assert policies[1].line == 4
    assert policies[0].severity is Severity.ERROR  # the default
    assert policies[0].title == "first"  # defaults to the id


def assert_names(
    error: GateError, file: Path, line: int, policy_id: str | None, *fragments: str
) -> None:
    assert error.file == str(file)
    assert error.line == line
    if policy_id is not None:
        assert repr(policy_id) in error.message or policy_id in error.message
    for fragment in fragments:
        assert fragment in error.message, (fragment, error.message)
    rendered = error.render()
    assert rendered.startswith(f"{file}:{line}: ")


def test_unknown_top_level_key_with_did_you_mean(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "p.yaml",
        """
        id: typo-key
        severity: error
        asert: {path: metadata.name, exists: true}
        """,
    )
    error = load_error(file)
    assert_names(error, file, 3, "typo-key", "asert", "did you mean 'assert'")


def test_unknown_operator_in_assert(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "p.yaml",
        """
        id: bad-operator
        assert:
          path: startupProbe.initialDelaySeconds
          greater_than: 120
        """,
    )
    error = load_error(file)
    assert_names(error, file, 4, "bad-operator", "assert.greater_than", "greater_than")


def test_unknown_operator_nested_in_a_combinator(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "p.yaml",
        """
        id: nested-bad
        assert:
          all:
            - {path: a, exists: true}
            - any:
                - {path: b, equals: 3}
        """,
    )
    error = load_error(file)
    assert_names(error, file, 6, "nested-bad", "equals")
    assert "assert.all[1].any[0].equals" in error.message


def test_invalid_jsonpath(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "p.yaml",
        """
        id: bad-path
        severity: error
        assert:
          path: "spec.containers[*"
          exists: true
        """,
    )
    error = load_error(file)
    assert_names(error, file, 4, "bad-path", "assert.path", "JSONPath", "spec.containers[*")


def test_invalid_jsonpath_in_each(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "p.yaml",
        """
        id: bad-each
        each: ["spec..containers[*]", "spec..[containers"]
        assert: {path: image, exists: true}
        """,
    )
    error = load_error(file)
    assert_names(error, file, 2, "bad-each", "each", "JSONPath")


def test_invalid_regex_in_matches(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "p.yaml",
        """
        id: bad-regex
        each: "spec..containers[*]"
        assert:
          path: image
          matches: "@sha256:[0-9a-f{64}$"
        """,
    )
    error = load_error(file)
    assert_names(error, file, 5, "bad-regex", "assert.matches", "regular expression")


def test_param_not_declared(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "p.yaml",
        """
        id: bad-param
        params: {min: 120}
        assert:
          path: startupProbe.initialDelaySeconds
          gte: {param: minimum}
        """,
    )
    error = load_error(file)
    assert_names(error, file, 5, "bad-param", "assert.gte", "'minimum'", "not declared")


def test_param_without_params_at_all(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "p.yaml",
        """
        id: no-params
        when: {path: a, lt: {param: max}}
        assert: {path: a, exists: true}
        """,
    )
    error = load_error(file)
    assert_names(error, file, 2, "no-params", "when.lt", "'max'")


def test_duplicate_id_across_two_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", "id: same-id\nassert: {path: kind, exists: true}\n")
    second = write(
        tmp_path,
        "b.yaml",
        """
        id: other
        assert: {path: kind, exists: true}
        ---
        id: same-id
        assert: {path: kind, exists: true}
        """,
    )
    error = load_error(first, second)
    assert_names(error, second, 4, "same-id", "id", f"{first}:1")


def test_duplicate_id_against_the_builtin_pack(tmp_path: Path) -> None:
    file = write(tmp_path, "p.yaml", "id: resource-requests\nassert: {path: kind, exists: true}\n")
    with pytest.raises(GateError) as info:
        load_policies([file], builtin=True)
    assert info.value.file == str(file)
    assert "resource-requests" in info.value.message


def test_bad_severity(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "p.yaml",
        """
        id: bad-severity
        severity: eror
        assert: {path: kind, exists: true}
        """,
    )
    error = load_error(file)
    assert_names(error, file, 2, "bad-severity", "severity", "'eror'", "did you mean 'error'")


@pytest.mark.parametrize("operator", ["exists", "absent"])
def test_unary_operator_written_false(tmp_path: Path, operator: str) -> None:
    file = write(
        tmp_path,
        "p.yaml",
        f"""
        id: unary-false
        assert:
          path: startupProbe
          {operator}: false
        """,
    )
    error = load_error(file)
    assert_names(error, file, 4, "unary-false", f"assert.{operator}", "true")


def test_not_a_mapping_document(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "p.yaml",
        """
        id: fine
        assert: {path: kind, exists: true}
        ---
        - id: in-a-list
          assert: {path: kind, exists: true}
        """,
    )
    error = load_error(file)
    assert error.file == str(file)
    assert error.line == 4
    assert "mapping" in error.message


def test_unknown_match_key_with_did_you_mean(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        "p.yaml",
        """
        id: bad-match
        match:
          kind: [Deployment]
        assert: {path: kind, exists: true}
        """,
    )
    error = load_error(file)
    assert_names(error, file, 3, "bad-match", "match.kind", "did you mean 'kinds'")


def test_missing_assert(tmp_path: Path) -> None:
    file = write(tmp_path, "p.yaml", "id: no-assert\nseverity: error\n")
    error = load_error(file)
    assert error.file == str(file)
    assert "no-assert" in error.message
    assert "assert" in error.message


def test_leaf_without_operator(tmp_path: Path) -> None:
    file = write(tmp_path, "p.yaml", "id: no-op\nassert: {path: kind}\n")
    error = load_error(file)
    assert_names(error, file, 2, "no-op", "no operator")


def test_ordering_operator_needs_a_quantity(tmp_path: Path) -> None:
    file = write(tmp_path, "p.yaml", "id: bad-gte\nassert: {path: a, gte: lots}\n")
    error = load_error(file)
    assert_names(error, file, 2, "bad-gte", "assert.gte", "'lots'")


def test_bad_parse_and_decode(tmp_path: Path) -> None:
    parse = write(
        tmp_path, "parse.yaml", "id: bad-parse\nparse: toml\nassert: {path: a, exists: true}\n"
    )
    assert_names(load_error(parse), parse, 2, "bad-parse", "parse", "'toml'")
    decode = write(
        tmp_path, "decode.yaml", "id: bad-decode\nassert: {path: a, decode: hex, exists: true}\n"
    )
    assert_names(load_error(decode), decode, 2, "bad-decode", "decode", "'hex'")


def test_not_valid_yaml(tmp_path: Path) -> None:
    file = write(tmp_path, "p.yaml", "id: broken\nassert: {path: a, exists: true\n")
    error = load_error(file)
    assert error.file == str(file)
    assert error.line is not None
    assert "YAML" in error.message


def test_missing_file(tmp_path: Path) -> None:
    error = load_error(tmp_path / "nope.yaml")
    assert error.file == str(tmp_path / "nope.yaml")


def test_builtin_pack_loads() -> None:
    policies = load_policies([], builtin=True)
    assert {p.id for p in policies} == BUILTIN_IDS
    assert len(policies) == len(BUILTIN_IDS)
    for policy in policies:
        assert policy.severity is Severity.ERROR, policy.id
        assert policy.examples, policy.id
        assert any(e.passes for e in policy.examples), policy.id
        assert any(not e.passes for e in policy.examples), policy.id
        assert Path(policy.file).is_file()


def test_builtin_false_loads_nothing_by_itself() -> None:
    assert load_policies([], builtin=False) == []
