"""What a profile sets (gate/checks/values/settings.py): keys with their lines, and the
variants of a profile with keys removed or marked. Pure unit tests: no helm."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gate.checks.values.settings import SET, Key, ProfileValues, set_path
from gate.config import Profile
from gate.errors import GateError

BASE = """\
# base settings
app:
  image:
    tag: "1.0"
  replicas: 1
  labels:
    team: core
shared: true
"""

OVERLAY = """\
app:
  replicas: 3
  args: [--a, --b]
  empty: {}
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    base = tmp_path / "values-base.yaml"
    base.write_text(BASE)
    overlay = tmp_path / "values-prod.yaml"
    overlay.write_text(OVERLAY)
    return base, overlay


def profile_values(
    tmp_path: Path,
    values: tuple[Path, ...],
    sets: tuple[tuple[str, object], ...] = (),
    lines: tuple[int | None, ...] = (),
) -> ProfileValues:
    profile = Profile("prod", values=values, set=sets, set_lines=lines)
    return ProfileValues(profile, tmp_path / "gate.yaml")


def load(path: Path) -> object:
    return yaml.safe_load(path.read_text())


# --- set_path -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("image", ("image",)),
        ("image.tag", ("image", "tag")),
        ("a.b.c", ("a", "b", "c")),
        (r"podAnnotations.prometheus\.io/scrape", ("podAnnotations", "prometheus.io/scrape")),
        (r"a\.b\.c", ("a.b.c",)),
        (r"nodeSelector.kubernetes\.io/os", ("nodeSelector", "kubernetes.io/os")),
        (r"a\\b", ("a\\b",)),  # an escaped backslash is a literal backslash
        (r"a\.", ("a.",)),
    ],
)
def test_set_path_splits_on_unescaped_dots(key: str, path: tuple[str, ...]) -> None:
    assert set_path(key) == path


# --- reading a profile --------------------------------------------------------------------


def test_sources_in_helm_order_and_leaves(tmp_path: Path, files: tuple[Path, Path]) -> None:
    values = profile_values(tmp_path, files, (("app.image.tag", "2.0"),), (12,))
    assert values.indexes() == [0, 1, SET]
    assert [s.file for s in values.sources] == [str(f) for f in files]
    assert values.set_source.file == str(tmp_path / "gate.yaml")
    assert values.all_leaves() == [
        Key(0, ("app", "image", "tag")),
        Key(0, ("app", "replicas")),
        Key(0, ("app", "labels", "team")),
        Key(0, ("shared",)),
        Key(1, ("app", "replicas")),
        Key(1, ("app", "args")),  # a list is one leaf
        Key(1, ("app", "empty")),  # so is an empty map
        Key(SET, ("app", "image", "tag")),
    ]
    assert values.value(Key(1, ("app", "args"))) == ["--a", "--b"]
    assert values.value(Key(SET, ("app", "image", "tag"))) == "2.0"
    assert values.children(Key(0, ("app",))) == [
        Key(0, ("app", "image")),
        Key(0, ("app", "replicas")),
        Key(0, ("app", "labels")),
    ]
    assert values.children(Key(0, ())) == [Key(0, ("app",)), Key(0, ("shared",))]


def test_locations_are_real_lines(tmp_path: Path, files: tuple[Path, Path]) -> None:
    base, overlay = files
    values = profile_values(tmp_path, files, (("app.image.tag", "2.0"),), (12,))
    lines = BASE.splitlines()
    assert values.location(Key(0, ("app", "replicas"))) == (
        str(base),
        lines.index("  replicas: 1") + 1,
    )
    assert values.location(Key(0, ("app", "labels", "team"))) == (
        str(base),
        lines.index("    team: core") + 1,
    )
    assert values.location(Key(1, ("app", "args"))) == (str(overlay), 3)
    assert values.location(Key(SET, ("app", "image", "tag"))) == (
        str(tmp_path / "gate.yaml"),
        12,
    )


def test_set_entry_line_found_for_a_key_below_it(tmp_path: Path) -> None:
    values = profile_values(tmp_path, (), (("app.labels", {"team": "x", "tier": "y"}),), (7,))
    assert values.all_leaves() == [
        Key(SET, ("app", "labels", "team")),
        Key(SET, ("app", "labels", "tier")),
    ]
    assert values.location(Key(SET, ("app", "labels", "tier"))) == (
        str(tmp_path / "gate.yaml"),
        7,
    )


def test_set_entries_with_escaped_dots(tmp_path: Path) -> None:
    values = profile_values(
        tmp_path,
        (),
        ((r"podAnnotations.prometheus\.io/scrape", "true"), ("replicas", 2)),
        (4, 5),
    )
    assert values.set_source.data == {
        "podAnnotations": {"prometheus.io/scrape": "true"},
        "replicas": 2,
    }
    key = Key(SET, ("podAnnotations", "prometheus.io/scrape"))
    assert key in values.all_leaves()
    assert values.location(key)[1] == 4


def test_an_empty_values_file_sets_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing here\n")
    values = profile_values(tmp_path, (empty,))
    assert values.all_leaves() == []


def test_non_string_keys_can_be_read_back(tmp_path: Path) -> None:
    """YAML keys that are not strings (a port number, YAML 1.1 `on`): helm turns
    them into strings; the analysis must be able to read back every leaf it lists."""
    file = tmp_path / "values.yaml"
    file.write_text("podLabels:\n  8080: web\nflags:\n  on: yes\n")
    values = profile_values(tmp_path, (file,))
    leaves = values.all_leaves()
    assert len(leaves) == 2
    assert [values.value(leaf) for leaf in leaves] == ["web", True]
    assert [values.location(leaf)[1] for leaf in leaves] == [2, 4]


def test_duplicate_keys_are_an_error_naming_both_lines(tmp_path: Path) -> None:
    file = tmp_path / "values.yaml"
    file.write_text("app:\n  replicas: 1\n  image: x\n  replicas: 2\n")
    with pytest.raises(GateError) as caught:
        profile_values(tmp_path, (file,))
    assert caught.value.file == str(file)
    assert caught.value.line == 4
    assert "replicas" in caught.value.message
    assert "2" in caught.value.message and "4" in caught.value.message


# --- variants -----------------------------------------------------------------------------


def test_without_writes_new_files_and_keeps_the_others(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    base, overlay = files
    values = profile_values(tmp_path, files)
    folder = tmp_path / "variants"
    folder.mkdir()
    variant = values.without([Key(1, ("app", "replicas")), Key(1, ("app", "empty"))], folder)
    assert variant.values[0] == base  # untouched file: the same path, not a copy
    assert variant.values[1] != overlay
    assert variant.values[1].parent == folder
    assert load(variant.values[1]) == {"app": {"args": ["--a", "--b"]}}
    assert overlay.read_text() == OVERLAY  # the user's file is never written
    assert variant.name == "prod"
    # the analysis itself is not changed by a variant
    assert values.value(Key(1, ("app", "replicas"))) == 3


def test_without_a_whole_subtree(tmp_path: Path, files: tuple[Path, Path]) -> None:
    values = profile_values(tmp_path, files)
    variant = values.without([Key(0, ("app",))], tmp_path)
    assert load(variant.values[0]) == {"shared": True}


def test_without_keys_of_two_files(tmp_path: Path, files: tuple[Path, Path]) -> None:
    values = profile_values(tmp_path, files)
    variant = values.without([Key(0, ("shared",)), Key(1, ("app", "args"))], tmp_path)
    assert "shared" not in load(variant.values[0])  # type: ignore[operator]
    assert load(variant.values[1]) == {"app": {"replicas": 3, "empty": {}}}


def test_without_a_set_entry_keeps_the_other_entries_and_their_escapes(tmp_path: Path) -> None:
    values = profile_values(
        tmp_path,
        (),
        ((r"podAnnotations.prometheus\.io/scrape", "true"), ("image.tag", "1.2.3"), ("n", 1)),
    )
    variant = values.without([Key(SET, ("image", "tag"))], tmp_path)
    entries = dict(variant.set)
    assert entries[r"podAnnotations.prometheus\.io/scrape"] == "true"
    assert entries["n"] == 1
    assert "image.tag" not in entries
    # every remaining entry means what it meant
    rebuilt = {set_path(k): v for k, v in variant.set if v != {}}
    assert rebuilt == {("podAnnotations", "prometheus.io/scrape"): "true", ("n",): 1}


def test_without_keeps_types(tmp_path: Path) -> None:
    file = tmp_path / "values.yaml"
    file.write_text('tag: "1.10"\nport: 8080\nratio: 0.5\nflag: false\nnothing: null\nx: 1\n')
    values = profile_values(tmp_path, (file,))
    variant = values.without([Key(0, ("x",))], tmp_path)
    assert load(variant.values[0]) == {
        "tag": "1.10",
        "port": 8080,
        "ratio": 0.5,
        "flag": False,
        "nothing": None,
    }


def test_marked_replaces_only_the_marked_values(tmp_path: Path, files: tuple[Path, Path]) -> None:
    values = profile_values(tmp_path, files, (("app.image.tag", "2.0"),))
    variant = values.marked(
        {
            Key(0, ("app", "image", "tag")): "gatemark000000",
            Key(1, ("app", "replicas")): 900000001,
            Key(SET, ("app", "image", "tag")): "gatemark000002",
        },
        tmp_path,
    )
    assert load(variant.values[0]) == {
        "app": {"image": {"tag": "gatemark000000"}, "replicas": 1, "labels": {"team": "core"}},
        "shared": True,
    }
    assert load(variant.values[1]) == {
        "app": {"replicas": 900000001, "args": ["--a", "--b"], "empty": {}}
    }
    assert dict(variant.set) == {"app.image.tag": "gatemark000002"}
