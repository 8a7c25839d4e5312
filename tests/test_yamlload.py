"""gate/yamlload.py: YAML 1.1 semantics, duplicate keys, and key lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from gate.errors import GateError
from gate.yamlload import (
    DuplicateKeyError,
    Located,
    load_located,
    load_located_all,
    parse_document,
)

# --- parse_document ---------------------------------------------------------------------------


def test_parse_document_uses_yaml_1_1_booleans() -> None:
    data = parse_document("a: yes\nb: no\nc: on\nd: off\ne: true\nf: 'yes'\n")
    assert data == {"a": True, "b": False, "c": True, "d": False, "e": True, "f": "yes"}
    assert data["a"] is True
    assert data["b"] is False


def test_parse_document_reads_leading_zero_as_octal() -> None:
    data = parse_document("mode: 010\nplain: 10\nquoted: '010'\n")
    assert data["mode"] == 8
    assert data["plain"] == 10
    assert data["quoted"] == "010"


def test_parse_document_reads_an_exponent_without_dot_as_go_does() -> None:
    # YAML 1.1 (PyYAML) wants a dot in a float, Go's yaml.v2 does not: `1e3` and `1e-05`
    # are numbers to the API server (bitnami/apisix's CRDs), so to parse_document too.
    data = parse_document("a: 1e3\nb: 1.5e3\nc: 1.5\nd: 1e-05\ne: -2E+2\nf: '1e3'\n")
    assert data == {"a": 1000.0, "b": 1500.0, "c": 1.5, "d": 1e-05, "e": -200.0, "f": "1e3"}
    assert all(isinstance(data[k], float) for k in "abcde")


def test_parse_document_merge_keys() -> None:
    text = "base: &base\n  x: 1\n  y: 2\nderived:\n  <<: *base\n  y: 3\n  z: 4\n"
    data = parse_document(text)
    assert data["derived"] == {"x": 1, "y": 3, "z": 4}
    assert data["base"] == {"x": 1, "y": 2}


def test_parse_document_merge_key_list() -> None:
    text = "a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n"
    assert parse_document(text)["c"] == {"x": 1, "y": 2, "z": 3}


def test_parse_document_empty_is_none() -> None:
    assert parse_document("") is None
    assert parse_document("# only a comment\n") is None


def test_parse_document_duplicate_key_raises_with_both_lines() -> None:
    with pytest.raises(DuplicateKeyError) as info:
        parse_document("a: 1\nb: 2\na: 3\n")
    assert info.value.key == "a"
    assert info.value.first_line == 1
    assert info.value.line == 3
    assert "line 3" in str(info.value)
    assert "line 1" in str(info.value)


def test_parse_document_nested_duplicate_key() -> None:
    text = "metadata:\n  name: x\n  labels:\n    app: a\n    app: b\n"
    with pytest.raises(DuplicateKeyError) as info:
        parse_document(text)
    assert info.value.key == "app"
    assert (info.value.first_line, info.value.line) == (4, 5)


def test_parse_document_duplicate_key_inside_list_item() -> None:
    text = "items:\n  - name: a\n    image: x\n    name: b\n"
    with pytest.raises(DuplicateKeyError) as info:
        parse_document(text)
    assert (info.value.key, info.value.first_line, info.value.line) == ("name", 2, 4)


def test_parse_document_duplicate_key_is_a_yaml_error() -> None:
    with pytest.raises(Exception) as info:
        parse_document("k: 1\nk: 2\n")
    assert isinstance(info.value, DuplicateKeyError)
    assert isinstance(info.value, yaml.YAMLError)


def test_parse_document_same_key_in_sibling_mappings_is_fine() -> None:
    data = parse_document("a:\n  name: x\nb:\n  name: y\n")
    assert data == {"a": {"name": "x"}, "b": {"name": "y"}}


def test_parse_document_merge_key_may_repeat_a_merged_key() -> None:
    # Overriding a merged-in key is the point of `<<`, not a duplicate.
    data = parse_document("base: &b {k: 1}\nd:\n  <<: *b\n  k: 2\n")
    assert data["d"] == {"k": 2}


# --- load_located -----------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "f.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_located_lines_per_key_path(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# a comment\n"  # 1
        "helm:\n"  # 2
        '  kube_version: "1.31.0"\n'  # 3
        "targets:\n"  # 4
        "  - name: a\n"  # 5
        "    chart: x\n"  # 6
        "  - name: b\n"  # 7
        "    profiles:\n"  # 8
        "      dev:\n"  # 9
        "        values: [v.yaml]\n",  # 10
    )
    doc = load_located(path)
    assert isinstance(doc, Located)
    assert doc.file == str(path)
    assert doc.data["targets"][1]["profiles"]["dev"]["values"] == ["v.yaml"]
    assert doc.lines[("helm",)] == 2
    assert doc.lines[("helm", "kube_version")] == 3
    assert doc.lines[("targets",)] == 4
    assert doc.lines[("targets", 0)] == 5
    assert doc.lines[("targets", 0, "name")] == 5
    assert doc.lines[("targets", 0, "chart")] == 6
    assert doc.lines[("targets", 1)] == 7
    assert doc.lines[("targets", 1, "profiles", "dev")] == 9
    assert doc.lines[("targets", 1, "profiles", "dev", "values")] == 10
    assert doc.lines[("targets", 1, "profiles", "dev", "values", 0)] == 10
    for key in doc.lines:
        assert isinstance(key, tuple)
        assert all(
            isinstance(part, str) or (isinstance(part, int) and not isinstance(part, bool))
            for part in key
        )


def test_load_located_index_parts_are_int_and_keys_are_str(tmp_path: Path) -> None:
    # `2:` and `yes:` are int/bool keys in the data, but their line path uses the text.
    path = write(tmp_path, "2: one\nyes: two\nlist:\n  - x\n")
    doc = load_located(path)
    assert doc.data == {2: "one", True: "two", "list": ["x"]}
    assert doc.lines[("2",)] == 1
    assert doc.lines[("yes",)] == 2
    assert doc.lines[("list", 0)] == 4
    assert ("list", "0") not in doc.lines


def test_located_line_of_nearest_ancestor(tmp_path: Path) -> None:
    path = write(tmp_path, "\n\na:\n  b:\n    c: 1\nd: [1, 2]\n")
    doc = load_located(path)
    assert doc.line_of(("a", "b", "c")) == 5
    assert doc.line_of(("a", "b", "missing", "deeper")) == 4
    assert doc.line_of(("a", "nope")) == 3
    assert doc.line_of(("d", 1)) == 6
    assert doc.line_of(("zzz",)) == doc.lines[()]
    assert doc.line_of(()) == doc.lines[()]


def test_located_line_of_empty_document(tmp_path: Path) -> None:
    doc = load_located(write(tmp_path, "# nothing here\n"))
    assert doc.data is None
    assert doc.line_of(("a",)) is None


def test_load_located_keeps_yaml_1_1_semantics(tmp_path: Path) -> None:
    doc = load_located(write(tmp_path, "a: yes\nb: 010\nc: 1e3\nd: 2027-03-31\n"))
    assert doc.data["a"] is True
    assert doc.data["b"] == 8
    assert doc.data["c"] == "1e3"
    assert doc.data["d"] == dt.date(2027, 3, 31)


def test_load_located_merge_keys(tmp_path: Path) -> None:
    doc = load_located(write(tmp_path, "base: &b\n  x: 1\nd:\n  <<: *b\n  y: 2\n"))
    assert doc.data["d"] == {"x": 1, "y": 2}
    assert doc.lines[("d", "y")] == 5


def test_load_located_not_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "a: 1\nb: [1, 2\nc: 3\n")
    with pytest.raises(GateError) as info:
        load_located(path, "gate.yaml")
    err = info.value
    assert err.file == str(path)
    assert isinstance(err.line, int)
    assert err.line >= 2
    assert "not valid YAML" in err.message
    assert "gate.yaml" in err.message
    assert err.render().startswith(f"{path}:{err.line}: ")


def test_load_located_bad_indentation_points_at_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a: 1\nb:\n  c: 1\n   d: 2\n")
    with pytest.raises(GateError) as info:
        load_located(path)
    assert "not valid YAML" in info.value.message
    assert info.value.file == str(path)
    assert info.value.line == 4


def test_load_located_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(GateError) as info:
        load_located(path, "values file")
    assert info.value.file == str(path)
    assert "values file" in info.value.message
    assert "does not exist" in info.value.message


def test_load_located_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"a: \xff\xfe\x00\x81\n")
    with pytest.raises(GateError) as info:
        load_located(path)
    assert info.value.file == str(path)
    assert "cannot be read" in info.value.message


def test_load_located_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "targets: []\nhelm:\n  timeout: 1\n  timeout: 2\n")
    with pytest.raises(GateError) as info:
        load_located(path)
    err = info.value
    assert err.file == str(path)
    assert err.line == 4
    assert "'timeout'" in err.message
    assert "lines 3 and 4" in err.message


def test_load_located_duplicate_top_level_key(tmp_path: Path) -> None:
    path = write(tmp_path, "a: 1\n\n\nb: 2\na: 3\n")
    with pytest.raises(GateError) as info:
        load_located(path)
    assert info.value.line == 5
    assert "lines 1 and 5" in info.value.message


# --- load_located_all -------------------------------------------------------------------------


def test_load_located_all_lines_are_file_wide(tmp_path: Path) -> None:
    path = write(tmp_path, "a: 1\n---\nb:\n  c: 2\n---\nd: 3\n")
    docs = list(load_located_all(path))
    assert [d.data for d in docs] == [{"a": 1}, {"b": {"c": 2}}, {"d": 3}]
    assert docs[0].lines[("a",)] == 1
    assert docs[1].lines[("b", "c")] == 4
    assert docs[2].lines[("d",)] == 6
    assert all(d.file == str(path) for d in docs)


def test_load_located_all_skips_empty_documents(tmp_path: Path) -> None:
    # A stray `---` (an empty document) is common at the start, middle or end
    # of a hand-written multi-document file; it holds nothing to load.
    path = write(tmp_path, "---\na: 1\n---\n---\n# just a comment\n---\nb: 2\n---\n")
    docs = list(load_located_all(path))
    assert [d.data for d in docs] == [{"a": 1}, {"b": 2}]


def test_load_located_all_duplicate_key_in_second_document(tmp_path: Path) -> None:
    path = write(tmp_path, "a: 1\n---\nb: 1\nc: 2\nb: 3\n")
    with pytest.raises(GateError) as info:
        list(load_located_all(path, "policy file"))
    assert info.value.file == str(path)
    assert info.value.line == 5
    assert "lines 3 and 5" in info.value.message


def test_load_located_all_not_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "a: 1\n---\nb: {c: 1\n")
    with pytest.raises(GateError) as info:
        list(load_located_all(path, "policy file"))
    assert info.value.file == str(path)
    assert info.value.line is not None
    assert "policy file is not valid YAML" in info.value.message


def test_load_located_all_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GateError) as info:
        list(load_located_all(tmp_path / "gone.yaml", "policy file"))
    assert "does not exist" in info.value.message


@pytest.mark.parametrize(
    "text",
    [
        "y",
        "N",
        "yes",
        "Off",
        "true",
        "~",
        "null",
        "1e3",
        "0o17",
        "0x1F",
        "010",
        "12:30",
        ".inf",
        "1.5",
        "-3",
    ],
)
def test_dump_quotes_strings_helm_would_read_as_something_else(text: str) -> None:
    from gate.yamlload import dump_yaml

    written = dump_yaml({"k": text})
    assert written.strip() in (f'k: "{text}"', f"k: '{text}'")
    assert yaml.safe_load(written) == {"k": text}


def test_dump_keeps_plain_strings_and_blocks() -> None:
    from gate.yamlload import dump_yaml

    written = dump_yaml({"a": "hello", "b": "1.2.3", "c": "line one\nline two\n"})
    assert "a: hello\n" in written and "b: 1.2.3\n" in written
    assert "c: |\n  line one\n  line two\n" in written


def test_load_located_points_into_an_alias_at_the_alias(tmp_path: Path) -> None:
    # Lines are indexed once per node: a path through an alias takes the alias's line,
    # where the value is used, and an alias bomb cannot blow up the index.
    doc = load_located(write(tmp_path, "base: &b\n  x: 1\nuse: *b\nother:\n  y: *b\n"))
    assert doc.data["use"] == doc.data["other"]["y"] == {"x": 1}
    assert doc.lines[("base", "x")] == 2
    assert doc.line_of(("use", "x")) == 3
    assert doc.line_of(("other", "y", "x")) == 5
