"""The Go text/template lexer and parser (gate/gotemplate): the constructs helm charts
use parse into the expected tree, and what Go refuses is refused with its line."""

from __future__ import annotations

import pytest

from gate.gotemplate.lexer import Kind, TemplateSyntaxError, tokens
from gate.gotemplate.parser import (
    Action,
    Branch,
    Call,
    Chained,
    Fields,
    Identifier,
    Literal,
    Parenthesised,
    Variable,
    parse,
)
from tests.conftest import REPO


def kinds(source: str) -> list[tuple[Kind, str, bool]]:
    return [(t.kind, t.text, t.spaced) for t in tokens(source) if t.kind is not Kind.TEXT]


def test_a_field_chain_is_one_token_per_field_and_spaces_separate_arguments() -> None:
    assert kinds("{{ .Values.a }}") == [
        (Kind.OPEN, "{{", False),
        (Kind.FIELD, "Values", True),
        (Kind.FIELD, "a", False),
        (Kind.CLOSE, "}}", False),
    ]
    assert [k for k, _, spaced in kinds("{{ f .a .b }}") if k is Kind.FIELD] == [
        Kind.FIELD,
        Kind.FIELD,
    ]
    assert [s for k, _, s in kinds("{{ f .a .b }}") if k is Kind.FIELD] == [True, True]


def test_trim_markers_comments_strings_and_numbers() -> None:
    assert kinds('{{- /* a comment with }} inside */ -}}{{- "x\\"}}" -}}') == [
        (Kind.OPEN, "{{", False),
        (Kind.STRING, 'x"}}', True),
        (Kind.CLOSE, "}}", False),
    ]
    assert [t for _, t, _ in kinds("{{ `raw }}` -1 3.5 'c' true nil }}")][1:-1] == [
        "raw }}",
        "-1",
        "3.5",
        "'c'",
        "true",
        "nil",
    ]


def test_lines_are_counted_across_text_and_actions() -> None:
    found = {t.text: t.line for t in tokens("a\n{{ .x }}\nb\n{{\n.y }}") if t.kind is Kind.FIELD}
    assert found == {"x": 2, "y": 5}


def test_parenthesised_chains_and_variables() -> None:
    (action,) = parse("{{ ((.Values).a).b }}").body
    assert isinstance(action, Action)
    (command,) = action.pipeline.commands
    (operand,) = command.arguments
    assert isinstance(operand, Chained) and operand.names == ("b",)
    inner = operand.operand
    assert isinstance(inner, Parenthesised)
    (action,) = parse("{{ $x := $.Values.a | default dict }}").body
    assert isinstance(action, Action)
    assert action.pipeline.variables == ("$x",) and action.pipeline.declares
    first, second = action.pipeline.commands
    assert first.arguments == (Variable("$", ("Values", "a")),)
    assert second.arguments == (Identifier("default"), Identifier("dict"))


def test_control_structures_else_chains_defines_and_blocks() -> None:
    parsed = parse(
        '{{ define "d" }}{{ .x }}{{ end }}'
        "{{ if .a }}1{{ else if .b }}2{{ else }}3{{ end }}"
        "{{ range $k, $v := .m }}{{ $v }}{{ break }}{{ end }}"
        '{{ block "b" . }}{{ .y }}{{ end }}{{ template "d" .z }}'
    )
    assert set(parsed.defines) == {"d", "b"}
    branch, ranged, block, call = parsed.body
    assert isinstance(branch, Branch) and branch.keyword == "if"
    (nested,) = branch.otherwise
    assert isinstance(nested, Branch) and nested.keyword == "if" and len(nested.otherwise) == 0
    assert isinstance(ranged, Branch) and ranged.pipeline.variables == ("$k", "$v")
    assert isinstance(block, Call) and block.name == "b"
    assert isinstance(call, Call) and call.name == "d"
    assert call.pipeline is not None
    assert call.pipeline.commands[0].arguments == (Fields(("z",)),)


def test_with_else_with() -> None:
    (branch,) = parse("{{ with .a }}{{ else with .b }}{{ .c }}{{ end }}").body
    assert isinstance(branch, Branch)
    (nested,) = branch.otherwise
    assert isinstance(nested, Branch) and nested.keyword == "with"


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("{{ .a }", 1),
        ("x\n{{ end }}", 2),
        ("{{ if .a }}\nno end", 1),
        ('{{ "unterminated }}', 1),
        ("{{ (.a }}", 1),
        ("{{ .a) }}", 1),
        ("{{ /* open comment }}", 1),
        ("{{ else }}", 1),
        ('{{ if .a }}{{ define "x" }}{{ end }}{{ end }}', 1),
        ("{{ .a | }}", 1),
        ("{{ # }}", 1),
    ],
)
def test_what_go_refuses_is_refused_with_its_line(source: str, line: int) -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        parse(source)
    assert caught.value.line == line


def test_every_template_in_the_repository_parses() -> None:
    found = [
        path
        for folder in ("charts-under-test", "tests/fixtures", "examples", "tests/hostile")
        for path in (REPO / folder).rglob("templates/**/*")
        if path.is_file()
    ]
    assert len(found) > 20
    for path in found:
        text = path.read_text(encoding="utf-8", errors="replace")
        if "{{" in text and "broken" not in str(path) and "unclosed" not in text:
            try:
                parse(text)
            except TemplateSyntaxError as exc:
                raise AssertionError(f"{path}:{exc.line}: {exc}") from exc


def test_literals_keep_their_kind() -> None:
    (action,) = parse('{{ index .m "k" 0 }}').body
    assert isinstance(action, Action)
    arguments = action.pipeline.commands[0].arguments
    assert arguments[2] == Literal(Kind.STRING, "k")
    assert arguments[3] == Literal(Kind.NUMBER, "0")
