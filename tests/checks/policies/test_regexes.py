"""Regular expressions: RE2's dialect, refused patterns at load time, bounded matching."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from gate.checks.overrides import check_override_params
from gate.checks.policies.loader import load_policies
from gate.config import Override
from gate.errors import GateError
from gate.regexes import MAX_PATTERN_CHARS, compile_regex
from tests.bounds import measure

MiB = 1024 * 1024
HOSTILE = "a" * 5000 + "b"  # ^(a|aa)+$ backtracks through Fibonacci(5000) ways in Python's re

# Runs in a child process (tests.bounds.measure): loads POLICY from a
# file, checks OBJECT with PARAMS (None: the policy's own), returns the findings or the
# GateError that stopped the check.
_RUN = """
import pathlib, tempfile
from gate import regexes
from gate.checks.policies.engine import check_policies
from gate.checks.policies.loader import load_policies
from gate.errors import GateError
from gate.model import RenderedObject

def run(policy_text, body, params=None, builtin=None, seconds=None):
    if seconds is not None:
        regexes.MATCH_SECONDS = seconds
    if builtin is None:
        file = pathlib.Path(tempfile.mkdtemp()) / "policy.yaml"
        file.write_text(policy_text, encoding="utf-8")
        (policy,) = load_policies([file], builtin=False)
    else:
        (policy,) = [p for p in load_policies([], builtin=True) if p.id == builtin]
    meta = body.get("metadata", {})
    obj = RenderedObject("t", "p", body.get("apiVersion", "v1"), body["kind"],
                         meta.get("namespace", ""), meta.get("name", ""), body)
    params_for = (lambda p, o: {**dict(p.params), **params}) if params else None
    try:
        return [(f.rule, f.path) for f in check_policies([policy], [obj], params_for)]
    except GateError as error:
        return "GateError: " + error.render()
"""


def _policy(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _config_map(value: str) -> dict[str, object]:
    metadata = {"name": "web", "namespace": "ns"}
    return {"kind": "ConfigMap", "metadata": metadata, "data": {"v": value}}


def test_backtracking_pattern_of_a_policy_matches_in_linear_time() -> None:
    policy = _policy(
        """
        id: catastrophic
        match: {kinds: [ConfigMap]}
        assert: {path: data.v, matches: "^(a|aa)+$"}
        """
    )
    measured = measure(f"run({policy!r}, {_config_map(HOSTILE)!r})", setup=_RUN)
    assert measured.result == "[('catastrophic', 'data.v')]"  # no match: a finding
    assert measured.seconds < 2.0, measured
    assert measured.peak_bytes < 200 * MiB, measured


def test_backtracking_pattern_set_through_an_override_param_is_linear() -> None:
    # placeholder-secret's `pattern`, as gate.yaml `overrides` set it (params_for).
    def call(token: str) -> str:
        secret = {"kind": "Secret", "metadata": {"name": "s"}, "stringData": {"token": token}}
        params = {"pattern": "^(a|aa)+$"}
        return f"run('', {secret!r}, params={params!r}, builtin='placeholder-secret')"

    measured = measure(call(HOSTILE), setup=_RUN)
    assert measured.result == "[]"  # not a placeholder
    assert measured.seconds < 2.0, measured
    found = measure(call("aaaa"), setup=_RUN).result
    assert found == "[('placeholder-secret', 'stringData.token')]"


def test_a_match_past_the_time_bound_stops_gate_naming_policy_object_and_path() -> None:
    # RE2's DFA runs out of memory on this pattern and falls back to its NFA:
    # linear, but ~3,600 steps per byte; the worker thread is abandoned at the bound.
    policy = _policy(
        """
        id: slow-pattern
        match: {kinds: [ConfigMap]}
        assert:
          all:
            - {path: data.v, not_matches: "[ab]{0,900}[ab]{0,900}c"}
        """
    )
    body = _config_map("ab" * 150_000)
    measured = measure(f"run({policy!r}, {body!r}, seconds=0.2)", setup=_RUN)
    assert "GateError: " in measured.result, measured
    message = measured.result
    assert "policy.yaml:5: " in message  # the line of the test in the policy file
    assert "policy 'slow-pattern', field assert.all[0].not_matches" in message
    assert "v1/ConfigMap/ns/web at data.v" in message
    assert "300,000 characters" in message and "0.2 s bound" in message
    assert measured.seconds < 2.0, measured


@pytest.mark.parametrize(
    ("pattern", "hint"),
    [
        ("^(?=.*[0-9]).{8,}$", "no lookaround"),
        ("(?!latest$).*", "no lookaround"),
        ("(?<=@)sha256", "no lookaround"),
        ("(?<!:)latest", "no lookaround"),
        (r"(a)\1", "no backreferences"),
        (r"latest\Z", "write \\z"),
        ("(?x) a b", "RE2 syntax"),
        ("a++", "no possessive quantifiers"),
        (r"(?i)\pL{1000}", "smaller counted repetitions"),
        ("(a{2,1000}){1,1000}", "up to {1000}"),
        ("a" * (MAX_PATTERN_CHARS + 1), "at most 4,096"),
        ("([", "RE2 syntax"),
    ],
)
def test_patterns_re2_cannot_match_are_refused_at_load(
    tmp_path: Path, pattern: str, hint: str
) -> None:
    file = tmp_path / "p.yaml"
    text = f"id: refused\nassert:\n  path: image\n  matches: {json.dumps(pattern)}\n"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(GateError) as error:
        load_policies([file], builtin=False)
    assert error.value.file == str(file) and error.value.line == 4
    message = error.value.message
    assert "policy 'refused', field assert.matches" in message
    assert "regular expression gate cannot use" in message and hint in message, message


def test_override_params_go_through_the_same_compile_path() -> None:
    builtin = load_policies([], builtin=True)
    config = Path("gate.yaml")
    check_override_params(
        [Override(rule="placeholder-secret", params=(("pattern", "^(a|aa)+$"),), line=3)],
        builtin,
        config,
    )
    with pytest.raises(GateError) as refused:
        check_override_params(
            [Override(rule="placeholder-secret", params=(("pattern", "(?!x)"),), line=7)],
            builtin,
            config,
        )
    assert refused.value.line == 7
    assert "placeholder-secret" in refused.value.message
    assert "no lookaround" in refused.value.message


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        # RE2 as documented in docs/policies.md
        ("latest$", "nginx:latest", True),
        ("latest$", "nginx:latest\n", False),  # Python's re: True (before a final newline)
        ("(?m)latest$", "nginx:latest\n", True),
        (r"latest\z", "nginx:latest", True),
        (r"^\d+$", "123", True),
        (r"^\d+$", "١٢٣", False),  # ASCII digits only; Python's re: True
        (r"^\w+$", "héllo", False),  # ASCII word characters only
        (r"^\pL+$", "héllo", True),  # Unicode classes by name
        ("(?i)^TEMPLATE$", "template", True),
        ("(?i)^straße$", "STRASSE", False),  # simple case folding, as in Python's re
        ("(?s)a.b", "a\nb", True),
        ("a.b", "a\nb", False),
        ("(?P<tag>[^:]+)$", "x", True),
        ("x{3,}", "xxx", True),
        ("^$", "", True),
        (".", "\ud800", True),  # a lone surrogate from a YAML escape: no crash
        ("^(a|aa)+$", HOSTILE, False),
    ],
)
def test_dialect(pattern: str, text: str, found: bool) -> None:
    assert compile_regex(pattern).search(text) is found
