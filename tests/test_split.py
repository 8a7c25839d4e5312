"""gate/split.py: a rendered stream into objects with source, file and line."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from gate.limits import DEFAULT_LIMITS, Limits
from gate.split import SplitError, StreamContext, split_stream

STREAM = """\
---
# Source: demo/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: explicit
data:
  a: "1"
---
# Source: demo/templates/sa.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: runner
---
# Source: demo/templates/ns.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: team
---
# Source: demo/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
  namespace: ignored
rules: []
---
# Source: demo/charts/sub/templates/deploy.yaml
# a second comment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
"""

CONTEXT = StreamContext(target="t1", profile="dev", namespace="ctx-ns", chart=Path("charts/demo"))


def test_split_identity_fields() -> None:
    objects = split_stream(STREAM, CONTEXT)
    assert [(o.api_version, o.kind, o.name) for o in objects] == [
        ("v1", "ConfigMap", "settings"),
        ("v1", "ServiceAccount", "runner"),
        ("v1", "Namespace", "team"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole", "reader"),
        ("apps/v1", "Deployment", "web"),
    ]
    assert all(o.target == "t1" and o.profile == "dev" for o in objects)
    assert objects[4].body["spec"] == {"replicas": 1}


def test_split_namespace_rules() -> None:
    by_name = {o.name: o for o in split_stream(STREAM, CONTEXT)}
    assert by_name["settings"].namespace == "explicit"  # metadata.namespace wins
    assert by_name["runner"].namespace == "ctx-ns"  # else the context's
    assert by_name["web"].namespace == "ctx-ns"
    assert by_name["team"].namespace == ""  # cluster-scoped
    assert by_name["reader"].namespace == ""  # cluster-scoped, even with metadata.namespace


def test_split_default_context_namespace_is_default() -> None:
    objects = split_stream(STREAM)
    assert objects[1].namespace == "default"
    assert objects[1].target == ""
    assert objects[1].file == ""  # no chart folder, no file


def test_split_source_and_file() -> None:
    objects = split_stream(STREAM, CONTEXT)
    assert [o.source for o in objects] == [
        "demo/templates/cm.yaml",
        "demo/templates/sa.yaml",
        "demo/templates/ns.yaml",
        "demo/templates/rbac.yaml",
        "demo/charts/sub/templates/deploy.yaml",
    ]
    assert objects[0].file == str(Path("charts/demo/templates/cm.yaml"))
    assert objects[4].file == str(Path("charts/demo/charts/sub/templates/deploy.yaml"))


def test_split_line_is_first_content_line_and_doc_index() -> None:
    objects = split_stream(STREAM, CONTEXT)
    lines = STREAM.splitlines()
    assert [o.line for o in objects] == [3, 12, 18, 24, 33]
    for obj in objects:
        assert lines[obj.line - 1].startswith("apiVersion:")
    assert [o.doc_index for o in objects] == [0, 1, 2, 3, 4]


def test_split_without_leading_separator() -> None:
    stream = (
        "apiVersion: v1\n"  # 1
        "kind: ConfigMap\n"
        "metadata:\n"
        "  name: a\n"
        "---\n"  # 5
        "\n"
        "kind: Secret\n"  # 7
        "apiVersion: v1\n"
        "metadata: {name: b}\n"
    )
    objects = split_stream(stream)
    assert [(o.kind, o.name, o.line, o.source) for o in objects] == [
        ("ConfigMap", "a", 1, ""),
        ("Secret", "b", 7, ""),
    ]


def test_split_skips_empty_and_comment_only_documents() -> None:
    stream = (
        "---\n"  # 1
        "---\n"  # 2
        "# Source: demo/templates/empty.yaml\n"  # 3
        "---\n"  # 4
        "\n"  # 5
        "   \n"  # 6
        "--- # a separator with a comment\n"  # 7
        "# Source: demo/templates/only-comments.yaml\n"  # 8
        "  # indented comment\n"  # 9
        "---\n"  # 10
        "# Source: demo/templates/null.yaml\n"  # 11
        "~\n"  # 12
        "---   \n"  # 13
        "# Source: demo/templates/real.yaml\n"  # 14
        "\n"  # 15
        "apiVersion: v1\n"  # 16
        "kind: ConfigMap\n"
        "metadata:\n"
        "  name: real\n"
        "---\n"
    )
    objects = split_stream(stream)
    assert len(objects) == 1
    (obj,) = objects
    assert obj.name == "real"
    assert obj.source == "demo/templates/real.yaml"
    assert obj.line == 16


def test_split_empty_stream() -> None:
    assert split_stream("") == []
    assert split_stream("---\n# Source: x/templates/a.yaml\n---\n") == []


def test_split_expands_kind_list() -> None:
    stream = (
        "---\n"
        "# Source: demo/templates/list.yaml\n"
        "apiVersion: v1\n"  # 3
        "kind: List\n"
        "items:\n"
        "  - apiVersion: v1\n"
        "    kind: ConfigMap\n"
        "    metadata: {name: one, namespace: there}\n"
        "  - apiVersion: v1\n"
        "    kind: Secret\n"
        "    metadata: {name: two}\n"
        "---\n"
        "# Source: demo/templates/after.yaml\n"
        "apiVersion: v1\n"  # 14
        "kind: ServiceAccount\n"
        "metadata: {name: three}\n"
    )
    objects = split_stream(stream, CONTEXT)
    assert [(o.kind, o.name, o.namespace) for o in objects] == [
        ("ConfigMap", "one", "there"),
        ("Secret", "two", "ctx-ns"),
        ("ServiceAccount", "three", "ctx-ns"),
    ]
    assert objects[0].source == objects[1].source == "demo/templates/list.yaml"
    assert objects[0].file == str(Path("charts/demo/templates/list.yaml"))
    assert objects[0].line == objects[1].line == 3
    assert objects[0].doc_index == objects[1].doc_index
    assert objects[2].doc_index > objects[1].doc_index
    assert objects[2].line == 14
    assert "List" not in {o.kind for o in objects}


def test_split_expands_typed_list() -> None:
    stream = (
        "# Source: demo/templates/cms.yaml\n"
        "apiVersion: v1\n"
        "kind: ConfigMapList\n"
        "items:\n"
        "  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n"
        "  - {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n"
    )
    objects = split_stream(stream)
    assert [(o.kind, o.name, o.source) for o in objects] == [
        ("ConfigMap", "a", "demo/templates/cms.yaml"),
        ("ConfigMap", "b", "demo/templates/cms.yaml"),
    ]


def test_split_empty_list_yields_nothing() -> None:
    stream = "---\n# Source: demo/templates/l.yaml\napiVersion: v1\nkind: List\nitems: []\n"
    assert split_stream(stream) == []


def test_split_kind_ending_in_list_without_items_is_an_object() -> None:
    # A custom resource named e.g. AllowList is an object, not a list of them.
    stream = (
        "---\n# Source: demo/templates/allow.yaml\n"
        "apiVersion: example.com/v1\nkind: AllowList\nmetadata: {name: ok}\nspec: {}\n"
    )
    (obj,) = split_stream(stream)
    assert (obj.kind, obj.name) == ("AllowList", "ok")


def test_split_list_with_non_object_item() -> None:
    stream = "---\n# Source: demo/templates/l.yaml\nkind: List\nitems:\n  - just a string\n"
    with pytest.raises(SplitError) as info:
        split_stream(stream)
    assert info.value.source == "demo/templates/l.yaml"
    assert "demo/templates/l.yaml" in info.value.message


@pytest.mark.parametrize(
    ("body", "type_name"),
    [("- a\n- b\n", "list"), ("just a scalar\n", "str"), ("42\n", "int")],
)
def test_split_document_that_is_not_a_mapping(body: str, type_name: str) -> None:
    stream = (
        "---\n# Source: demo/templates/ok.yaml\napiVersion: v1\nkind: ConfigMap\n"
        "metadata: {name: ok}\n"
        "---\n"  # 6
        "# Source: demo/templates/bad.yaml\n"  # 7
    ) + body  # 8
    with pytest.raises(SplitError) as info:
        split_stream(stream)
    err = info.value
    assert err.source == "demo/templates/bad.yaml"
    assert "demo/templates/bad.yaml" in err.message
    assert type_name in err.message
    assert err.line == 8
    assert str(err) == err.message


def test_split_duplicate_key_line_is_stream_line_of_second_key() -> None:
    stream = (
        "---\n"  # 1
        "# Source: demo/templates/ok.yaml\n"  # 2
        "apiVersion: v1\n"  # 3
        "kind: ConfigMap\n"  # 4
        "metadata: {name: ok}\n"  # 5
        "---\n"  # 6
        "# Source: demo/templates/dup.yaml\n"  # 7
        "apiVersion: v1\n"  # 8
        "kind: ConfigMap\n"  # 9
        "metadata:\n"  # 10
        "  name: a\n"  # 11
        "  labels:\n"  # 12
        "    app: x\n"  # 13
        "    app: y\n"  # 14
    )
    with pytest.raises(SplitError) as info:
        split_stream(stream)
    err = info.value
    assert err.source == "demo/templates/dup.yaml"
    assert err.line == 14
    assert "'app'" in err.message
    assert "demo/templates/dup.yaml" in err.message


def test_split_duplicate_key_without_leading_separator() -> None:
    stream = "kind: A\nkind: B\n"
    with pytest.raises(SplitError) as info:
        split_stream(stream)
    assert info.value.line == 2
    assert info.value.source == ""
    assert "the rendered stream" in info.value.message


def test_split_invalid_yaml() -> None:
    stream = (
        "---\n"  # 1
        "# Source: demo/templates/ok.yaml\n"  # 2
        "apiVersion: v1\n"  # 3
        "kind: ConfigMap\n"  # 4
        "metadata: {name: ok}\n"  # 5
        "---\n"  # 6
        "# Source: demo/templates/broken.yaml\n"  # 7
        "apiVersion: v1\n"  # 8
        "kind: ConfigMap\n"  # 9
        "metadata:\n"  # 10
        "  name: a\n"  # 11
        "   labels: x\n"  # 12: bad indentation
    )
    with pytest.raises(SplitError) as info:
        split_stream(stream)
    err = info.value
    assert err.source == "demo/templates/broken.yaml"
    assert "demo/templates/broken.yaml" in err.message
    assert "not valid YAML" in err.message
    assert err.line == 12  # the stream line of the bad indentation


# A `---` at the start of a line inside a block scalar also ends the YAML
# document there (the spec says so), so cutting at it is YAML's own behaviour;
# that case is deliberately not tested here.


# --- a real helm rendering --------------------------------------------------------------------

_CONTENT_LINE = re.compile(r"^(?![ \t]*(?:#|$))")


def _render(helm_path: str, repo: Path, tmp_path: Path) -> str:
    env = {
        **os.environ,
        "HELM_CONFIG_HOME": str(tmp_path / "config"),
        "HELM_CACHE_HOME": str(tmp_path / "cache"),
        "HELM_DATA_HOME": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [
            helm_path,
            "template",
            "neuroscale-backstage",
            "charts-under-test/backstage",
            "--namespace",
            "backstage",
            "-f",
            "charts-under-test/backstage/values-prod.yaml",
            "--kube-version",
            "1.31.0",
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_split_real_helm_rendering(helm_path: str, repo: Path, tmp_path: Path) -> None:
    stream = _render(helm_path, repo, tmp_path)
    chart = repo / "charts-under-test" / "backstage"
    context = StreamContext(target="backstage", profile="prod", namespace="backstage", chart=chart)
    objects = split_stream(stream, context)
    assert objects

    deployments = [o for o in objects if o.kind == "Deployment"]
    deployment = next(o for o in deployments if o.name == "neuroscale-backstage")
    assert deployment.source == "backstage/charts/backstage/templates/deployment.yaml"
    assert deployment.api_version == "apps/v1"
    assert deployment.namespace == "backstage"
    assert deployment.file == str(chart / "charts/backstage/templates/deployment.yaml")
    assert Path(deployment.file).is_file()

    lines = stream.splitlines()
    indexes = [o.doc_index for o in objects]
    assert indexes == sorted(indexes)
    for obj in objects:
        assert obj.source, f"{obj.short_identity} has no source"
        assert Path(obj.file).is_file(), obj.file
        line = lines[obj.line - 1]
        # The line is the document's first content line: it holds the body's
        # first key, and only comments or blanks sit between it and the `---`.
        first_key = next(iter(obj.body))
        assert line.startswith(f"{first_key}:"), (obj.short_identity, obj.line, line)
        assert line.startswith(("apiVersion:", "kind:"))
        previous = obj.line - 2
        while previous >= 0 and not lines[previous].startswith("---"):
            assert not _CONTENT_LINE.match(lines[previous]), (obj.short_identity, previous + 1)
            previous -= 1
        header = lines[previous + 1 : obj.line - 1]
        assert f"# Source: {obj.source}" in header


def test_crlf_streams_split_like_lf_ones() -> None:
    crlf = (
        "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: a\r\n---\r\n"
        "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: b\r\n"
    )
    assert [o.name for o in split_stream(crlf)] == ["a", "b"]


def test_each_document_knows_its_place_among_its_templates_documents() -> None:
    stream = (
        "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
        "---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\n"
        "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Pod\nmetadata: {name: z}\n"
    )
    assert [(o.name, o.source_index) for o in split_stream(stream)] == [
        ("x", 0),
        ("y", 0),
        ("z", 1),
    ]
    # helm sorts a template's documents by kind: the place among those of its kind is
    # what maps an object back to the template's documents
    assert [(o.name, o.kind_index) for o in split_stream(stream)] == [
        ("x", 0),
        ("y", 0),
        ("z", 0),
    ]


# --- limits ---------------------------------------------------------------------------------


def _config_maps(count: int) -> str:
    return "".join(
        f"---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\n"
        f"metadata: {{name: cm{i}}}\n"
        for i in range(count)
    )


def test_stream_context_carries_the_default_limits() -> None:
    assert StreamContext().limits is DEFAULT_LIMITS
    assert CONTEXT.limits is DEFAULT_LIMITS


def test_split_refuses_more_documents_than_the_limit() -> None:
    context = StreamContext(limits=Limits(documents=3))
    assert [o.name for o in split_stream(_config_maps(3), context)] == ["cm0", "cm1", "cm2"]
    with pytest.raises(SplitError) as info:
        split_stream(_config_maps(4), context)
    assert "more than 3 documents" in info.value.message
    assert "limits.documents in gate.yaml" in info.value.message
    assert info.value.line == 17  # the first line of the fourth document


def test_split_counts_empty_documents_but_not_a_leading_comment() -> None:
    context = StreamContext(limits=Limits(documents=3))
    assert len(split_stream("# header\n" + _config_maps(3), context)) == 3
    with pytest.raises(SplitError):
        split_stream(_config_maps(3) + "---\n---\n", context)
    # a million empty documents stop at the limit, quickly
    with pytest.raises(SplitError) as info:
        split_stream("---\n" * 1_000_000)
    assert "limits.documents" in info.value.message


def test_split_counts_list_items_as_documents() -> None:
    items = "".join(
        f"- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: i{i}}}}}\n" for i in range(4)
    )
    stream = f"apiVersion: v1\nkind: List\nitems:\n{items}"
    assert len(split_stream(stream, StreamContext(limits=Limits(documents=4)))) == 4
    with pytest.raises(SplitError) as info:
        split_stream(stream, StreamContext(limits=Limits(documents=3)))
    assert "limits.documents in gate.yaml" in info.value.message


def test_split_refuses_a_document_over_the_byte_limit() -> None:
    stream = (
        "---\n# Source: c/templates/small.yaml\napiVersion: v1\nkind: ConfigMap\n"
        "---\n# Source: c/templates/big.yaml\napiVersion: v1\nkind: ConfigMap\n"
        "data:\n  blob: " + "é" * 60 + "\n"
    )
    big = len("# Source: c/templates/big.yaml\napiVersion: v1\nkind: ConfigMap\n")
    big += len("data:\n  blob: \n") + 2 * 60  # é is two bytes in UTF-8
    assert len(split_stream(stream, StreamContext(limits=Limits(document_bytes=big)))) == 2
    with pytest.raises(SplitError) as info:
        split_stream(stream, StreamContext(limits=Limits(document_bytes=big - 1)))
    err = info.value
    assert err.source == "c/templates/big.yaml"
    assert err.line == 7
    assert f"larger than {big - 1} bytes (limits.document_bytes in gate.yaml)" in err.message


def test_split_passes_its_limits_to_the_parser() -> None:
    stream = "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: {b: {c: {d: x}}}\n"
    assert split_stream(stream, StreamContext(limits=Limits(yaml_depth=5)))
    with pytest.raises(SplitError) as info:
        split_stream(stream, StreamContext(limits=Limits(yaml_depth=4)))
    assert "limits.yaml_depth in gate.yaml" in info.value.message
    assert info.value.line == 4


def test_split_ignores_a_byte_order_mark() -> None:
    objects = split_stream("\ufeff" + STREAM, CONTEXT)
    assert [(o.kind, o.line) for o in objects] == [
        (o.kind, o.line) for o in split_stream(STREAM, CONTEXT)
    ]
