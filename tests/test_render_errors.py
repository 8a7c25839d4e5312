"""helm's errors as gate keeps them: the whole message, bounded, and the template and
line it blames, in the words of Helm 3.17 and Helm 4.1 (copied from real runs)."""

from __future__ import annotations

import pytest

from gate.model import lines_shown
from gate.pipeline import render_failed
from gate.render import MESSAGE_BYTES, MESSAGE_LINES, Blame, _helm_message, blamed, bounded

ADVICE = "\nUse --debug flag to render out invalid YAML\n"

HELM3_NIL = (
    'Error: template: worker/templates/service.yaml:7:22: executing "worker/templates/'
    'service.yaml" at <.Values.a.b.deeper>: nil pointer evaluating interface {}.deeper\n' + ADVICE
)
HELM4_NIL = (
    "Error: worker/templates/service.yaml:7:22\n"
    '  executing "worker/templates/service.yaml" at <.Values.a.b.deeper>:\n'
    "    nil pointer evaluating interface {}.deeper\n" + ADVICE
)
HELM3_INCLUDE = (
    'Error: template: worker/templates/cm.yaml:6:8: executing "worker/templates/cm.yaml" '
    'at <include "worker.broken" .>: error calling include: template: worker/templates/'
    '_helpers.tpl:5:10: executing "worker.broken" at <.Values.a.x.y>: nil pointer '
    "evaluating interface {}.y\n" + ADVICE
)
HELM4_INCLUDE = (
    "Error: worker/templates/cm.yaml:6:8\n"
    '  executing "worker/templates/cm.yaml" at <include "worker.broken" .>:\n'
    "    error calling include:\n"
    "worker/templates/_helpers.tpl:5:10\n"
    '  executing "worker.broken" at <.Values.a.x.y>:\n'
    "    nil pointer evaluating interface {}.y\n" + ADVICE
)
HELM3_SCHEMA = (
    "Error: values don't meet the specifications of the schema(s) in the following "
    "chart(s):\nportal:\n- webhook: Additional property replicaCont is not allowed\n"
    "- webhook.replicaCount: Invalid type. Expected: integer, given: string\n\n"
)
HELM4_SCHEMA = (
    "Error: values don't meet the specifications of the schema(s) in the following "
    "chart(s):\nportal:\n- at '/webhook/replicaCount': got string, want integer\n"
    "- at '/webhook': additional properties 'replicaCont' not allowed\n\n"
)
BOTH_UNCLOSED = (
    "Error: parse error at (broken-template/templates/configmap.yaml:7): unclosed action "
    "started at broken-template/templates/configmap.yaml:6\n" + ADVICE
)
BOTH_FAIL = "Error: execution error at (worker/templates/cm.yaml:6:8): boom\n" + ADVICE
BOTH_PARSE = (
    'Error: parse error at (worker/templates/cm.yaml:7): function "y" not defined\n' + ADVICE
)
BOTH_YAML = (
    "Error: YAML parse error on worker/templates/cm.yaml: error converting YAML to JSON: "
    "yaml: line 7: mapping values are not allowed in this context\n" + ADVICE
)
BOTH_DEPENDENCIES = (
    "Error: An error occurred while checking for chart dependencies. You may need to run "
    "`helm dependency build` to fetch missing dependencies: found in Chart.yaml, but "
    "missing in charts/ directory: worker\n"
)


@pytest.mark.parametrize(
    ("stderr", "blame"),
    [
        (HELM3_NIL, Blame("worker/templates/service.yaml", 7)),
        (HELM4_NIL, Blame("worker/templates/service.yaml", 7)),
        # inside an include: the helper's line, where the failing expression is
        (HELM3_INCLUDE, Blame("worker/templates/_helpers.tpl", 5)),
        (HELM4_INCLUDE, Blame("worker/templates/_helpers.tpl", 5)),
        (HELM3_SCHEMA, Blame(schema_of="portal")),
        (HELM4_SCHEMA, Blame(schema_of="portal")),
        # the line the unclosed action starts on, not the end of the file
        (BOTH_UNCLOSED, Blame("broken-template/templates/configmap.yaml", 6)),
        (BOTH_FAIL, Blame("worker/templates/cm.yaml", 6)),
        (BOTH_PARSE, Blame("worker/templates/cm.yaml", 7)),
        # helm's YAML line counts the rendered text, not the template's
        (BOTH_YAML, Blame("worker/templates/cm.yaml")),
        (BOTH_DEPENDENCIES, Blame()),
    ],
)
def test_what_helm_blames(stderr: str, blame: Blame) -> None:
    assert blamed(_helm_message(stderr, 1)) == blame


def test_helm_4_keeps_its_reason_below_the_first_line() -> None:
    assert _helm_message(HELM4_NIL, 1) == (
        "helm template failed: worker/templates/service.yaml:7:22\n"
        '  executing "worker/templates/service.yaml" at <.Values.a.b.deeper>:\n'
        "    nil pointer evaluating interface {}.deeper"
    )


def test_a_schema_failure_keeps_every_property() -> None:
    message = _helm_message(HELM3_SCHEMA, 1)
    assert message.endswith(
        "portal:\n- webhook: Additional property replicaCont is not allowed\n"
        "- webhook.replicaCount: Invalid type. Expected: integer, given: string"
    )


def test_what_helm_printed_before_its_error_and_its_debug_advice_are_left_out() -> None:
    stderr = "walk.go:75: found symbolic link in path\n" + BOTH_FAIL
    assert _helm_message(stderr, 1) == (
        "helm template failed: execution error at (worker/templates/cm.yaml:6:8): boom"
    )
    assert _helm_message("", 3) == "helm template failed: exited with code 3 and said nothing"
    assert _helm_message("killed\n", 9) == "helm template failed: killed"


def test_a_long_error_is_bounded() -> None:
    many = "Error: x\n" + "".join(f"  line {n}\n" for n in range(500))
    message = _helm_message(many, 1)
    assert message.count("\n") == MESSAGE_LINES
    assert message.endswith(f"[... {500 + 1 - MESSAGE_LINES} more lines left out]")
    wide = _helm_message("Error: " + "é" * MESSAGE_BYTES, 1)
    assert len(wide.encode()) < MESSAGE_BYTES + 100
    assert wide.endswith(" [...]")
    assert bounded("a\nb") == "a\nb"


def test_each_line_of_a_failure_is_shown_as_one_line() -> None:
    # a template name or value quoted by helm cannot start a line of its own in a CI
    # log (`::error`) or repaint a terminal; helm's own line breaks stay
    message = "helm template failed: x.yaml:1:2\n  at <a\rb>: \x1b[2Jboom\u2028::error::x"
    finding = render_failed("t", "p", message, "charts/x/templates/x.yaml", 1)
    assert finding.message == (
        "helm template failed: x.yaml:1:2\n  at <a\\rb>: \\x1b[2Jboom\\u2028::error::x"
    )
    assert lines_shown("a\nb\tc") == "a\nb\tc"
