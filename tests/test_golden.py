"""Golden files without helm: gate/golden_files.py (read, staged writes, listing),
gate/writes.py (atomic write), gate/checks/golden.py (comparison) and
Gate.write_golden (all or nothing).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest

import gate.checks.golden
import gate.golden_files
import gate.writes
from gate.checks.golden import NOT_SET, Change, changes, compare, missing, nondeterministic, stale
from gate.config import load_config
from gate.errors import GateError
from gate.golden_files import golden_files, golden_path, read_golden
from gate.model import Category, RenderedObject, Severity
from gate.normalize import digest, dump_body, normalize
from gate.pipeline import Gate, Split
from gate.render import Rendering
from gate.writes import write_atomically
from gate.yamlload import parse_document
from tests.gate_cli import READ_REPO

FIXTURE_CHARTS = Path(__file__).resolve().parent / "fixtures" / "charts"
DIGEST_A = "r.example.com/app@sha256:" + "a" * 64
DIGEST_B = "r.example.com/app@sha256:" + "b" * 64


def deployment_body(
    replicas: int = 1, image: str = DIGEST_A, level: str = "info"
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "replicas": replicas,
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": image,
                            "env": [
                                {"name": "LOG_LEVEL", "value": level},
                                {"name": "MODE", "value": "fast"},
                            ],
                        },
                        {"name": "sidecar", "image": "r.example.com/side@sha256:" + "c" * 64},
                    ]
                }
            },
        },
    }


def rendered(body: dict[str, Any], source: str = "shop/templates/x.yaml") -> RenderedObject:
    meta = body["metadata"]
    return RenderedObject(
        target="shop",
        profile="prod",
        api_version=body["apiVersion"],
        kind=body["kind"],
        namespace=meta.get("namespace", ""),
        name=meta["name"],
        body=body,
        source=source,
    )


def config_map(name: str, data: dict[str, str] | None = None) -> RenderedObject:
    return rendered(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "shop"},
            "data": data or {"greeting": "hello"},
        }
    )


def today(**changes_: Any) -> list[RenderedObject]:
    return [config_map("settings"), rendered(deployment_body(**changes_)), config_map("zz-last")]


def write_golden_file(path: Path, objects: list[RenderedObject]) -> str:
    text = normalize(objects)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def leftovers(folder: Path) -> list[str]:
    """Anything in a golden folder that is not a golden file: temporary files of a write."""
    return sorted(p.name for p in folder.rglob("*") if p.is_file() and p.suffix != ".yaml")


DEPLOYMENT = "apps/v1/Deployment/shop/web"


# --- reading --------------------------------------------------------------------------------


def test_golden_path_is_target_folder_and_profile_file(tmp_path: Path) -> None:
    assert golden_path(tmp_path, "backstage", "prod") == tmp_path / "backstage" / "prod.yaml"


def test_read_golden_of_a_missing_file_is_none(tmp_path: Path) -> None:
    assert read_golden(tmp_path / "shop" / "prod.yaml") is None


def test_read_golden_knows_identity_line_and_exact_text(tmp_path: Path) -> None:
    objects = today()
    path = tmp_path / "golden" / "shop" / "prod.yaml"
    text = write_golden_file(path, objects)

    golden = read_golden(path)

    assert golden is not None
    assert golden.path == path
    assert sorted(golden.objects) == sorted(o.identity for o in objects)
    lines = text.splitlines()
    for o in objects:
        found = golden.objects[o.identity]
        assert lines[found.line - 1] == f"# Object: {o.identity}", found.line
        assert found.text == dump_body(o.body)
        assert found.body() == o.body
        assert parse_document(found.text) == o.body


def test_read_golden_of_a_hand_written_file_finds_the_object_comments(tmp_path: Path) -> None:
    path = tmp_path / "prod.yaml"
    path.write_text(
        "# written by hand\n"
        "---\n"
        "# Object: v1/ConfigMap/shop/a\n"
        "# Source: shop/templates/a.yaml\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n"
        "---\n"
        "# a note\n"
        "# Source: shop/templates/b.yaml\n"
        "# Object: v1/ConfigMap/shop/b\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: shop}\n",
        encoding="utf-8",
    )

    golden = read_golden(path)

    assert golden is not None
    assert {i: o.line for i, o in golden.objects.items()} == {
        "v1/ConfigMap/shop/a": 3,
        "v1/ConfigMap/shop/b": 11,
    }
    assert golden.objects["v1/ConfigMap/shop/b"].body()["metadata"]["name"] == "b"


def test_a_golden_file_that_is_not_yaml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "prod.yaml"
    text = write_golden_file(path, today())
    path.write_text(text.replace("replicas: 1", "replicas: [1"), encoding="utf-8")
    golden = read_golden(path)
    assert golden is not None

    with pytest.raises(GateError) as caught:
        compare(today(), golden, "shop", "prod")

    message = caught.value.render()
    assert str(path) in message
    assert DEPLOYMENT in message
    assert "gate golden update" in message


# --- comparing text first -------------------------------------------------------------------


class ParseCounter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, text: str) -> Any:
        self.calls += 1
        return parse_document(text)


def test_unchanged_objects_are_parsed_once_and_never_walked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "golden" / "shop" / "prod.yaml"
    write_golden_file(path, today())
    parses = ParseCounter()
    monkeypatch.setattr(gate.golden_files, "parse_document", parses)
    walks: list[Any] = []
    real_changes = gate.checks.golden.changes
    monkeypatch.setattr(
        gate.checks.golden, "changes", lambda old, new: walks.append(old) or real_changes(old, new)
    )
    golden = read_golden(path)
    assert golden is not None

    assert compare(today(), golden, "shop", "prod") == []
    assert walks == [], "equal digests: no object is walked"
    assert parses.calls == len(golden.objects), "each golden object is parsed once"
    assert [f.path for f in compare(today(replicas=4), golden, "shop", "prod")] == ["spec.replicas"]
    assert len(walks) == 1, "only the changed object is walked"


def test_verified_digests_spare_parsing_the_golden_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "golden" / "shop" / "prod.yaml"
    write_golden_file(path, today())
    golden = read_golden(path)
    assert golden is not None
    known = {identity: digest(obj.body()) for identity, obj in golden.objects.items()}
    parses = ParseCounter()
    monkeypatch.setattr(gate.golden_files, "parse_document", parses)

    assert compare(today(), golden, "shop", "prod", known) == []
    assert parses.calls == 0
    drift = compare(today(replicas=4), golden, "shop", "prod", known)
    assert [f.path for f in drift] == ["spec.replicas"]
    assert parses.calls == 1, "only the changed object is parsed"


def test_a_hand_edit_of_the_same_length_is_drift(tmp_path: Path) -> None:
    path = tmp_path / "golden" / "shop" / "prod.yaml"
    text = write_golden_file(path, today())
    edited = text.replace("replicas: 1\n", "replicas: 7\n")
    assert edited != text and len(edited) == len(text)
    path.write_text(edited, encoding="utf-8")

    golden = read_golden(path)

    assert golden is not None
    findings = compare(today(), golden, "shop", "prod")
    assert [(f.rule, f.object, f.path) for f in findings] == [
        ("golden-drift", DEPLOYMENT, "spec.replicas")
    ]
    assert "7 → 1" in findings[0].message


def test_a_reformatted_but_equal_object_is_no_drift(tmp_path: Path) -> None:
    """Text differs, content does not: the fallback parse decides, so a hand-formatted
    golden file is not drift."""
    path = tmp_path / "golden" / "shop" / "prod.yaml"
    text = write_golden_file(path, today())
    path.write_text(text.replace("replicas: 1\n", "replicas: 0x1\n"), encoding="utf-8")

    golden = read_golden(path)

    assert golden is not None
    assert compare(today(), golden, "shop", "prod") == []


def test_the_last_object_of_a_file_keeps_its_trailing_newlines_exactly(tmp_path: Path) -> None:
    """A `|+` block at the end of an object keeps its trailing newlines; text equality
    must see the difference between one and two of them."""
    one = config_map("zz", {"script": "echo\n"})
    two = config_map("zz", {"script": "echo\n\n"})
    path = tmp_path / "prod.yaml"
    write_golden_file(path, [config_map("a"), one])
    golden = read_golden(path)
    assert golden is not None

    assert compare([config_map("a"), one], golden, "shop", "prod") == []
    assert len(compare([config_map("a"), two], golden, "shop", "prod")) == 1


# --- atomic writes --------------------------------------------------------------------------


def test_write_atomically_creates_folders_and_replaces(tmp_path: Path) -> None:
    path = tmp_path / "golden" / "shop" / "prod.yaml"

    write_atomically(path, "old\n")
    write_atomically(path, "new\n")

    assert path.read_text() == "new\n"
    assert leftovers(tmp_path) == []


def test_a_failed_fsync_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "shop" / "prod.yaml"
    write_atomically(path, "old content\n" * 100)

    def fail(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(gate.writes.os, "fsync", fail)

    with pytest.raises(OSError):
        write_atomically(path, "new content\n" * 200)

    assert path.read_text() == "old content\n" * 100
    assert sorted(p.name for p in path.parent.iterdir()) == ["prod.yaml"]


class HalfWriter:
    """A file handle that writes half of what it is given, then fails like a full disk,
    or is interrupted (KeyboardInterrupt) like a Ctrl-C."""

    def __init__(self, handle: Any, error: BaseException) -> None:
        self.handle, self.error = handle, error

    def __enter__(self) -> HalfWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()

    def write(self, text: str) -> int:
        self.handle.write(text[: len(text) // 2])
        self.handle.flush()
        raise self.error

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)


@pytest.mark.parametrize(
    "error", [OSError(28, "No space left on device"), KeyboardInterrupt()], ids=["enospc", "ctrl-c"]
)
def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    path = tmp_path / "shop" / "prod.yaml"
    write_atomically(path, "old\n" * 1000)
    real_fdopen = os.fdopen
    monkeypatch.setattr(
        gate.writes.os,
        "fdopen",
        lambda *a, **k: HalfWriter(real_fdopen(*a, **k), error),
    )

    with pytest.raises(type(error)):
        write_atomically(path, "new\n" * 1000)

    assert path.read_text() == "old\n" * 1000
    assert sorted(p.name for p in path.parent.iterdir()) == ["prod.yaml"]


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "shop" / "prod.yaml"
    write_atomically(path, "old\n")

    def fail(src: Any, dst: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(gate.writes.os, "replace", fail)

    with pytest.raises(PermissionError):
        write_atomically(path, "new\n")

    assert path.read_text() == "old\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["prod.yaml"]


# --- listing --------------------------------------------------------------------------------


def test_golden_files_lists_target_profile_and_path(tmp_path: Path) -> None:
    golden = tmp_path / "golden"
    for name in ("b/prod.yaml", "b/dev.yaml", "a/dev.yaml"):
        (golden / name).parent.mkdir(parents=True, exist_ok=True)
        (golden / name).write_text("---\n")
    (golden / "a" / "notes.txt").write_text("not a golden file")
    (golden / "a" / ".dev.yaml.k3j4h5").write_text("a temporary left by a killed run")
    (golden / "README.yaml").write_text("not in a target folder")

    assert list(golden_files(golden)) == [
        ("a", "dev", golden / "a" / "dev.yaml"),
        ("b", "dev", golden / "b" / "dev.yaml"),
        ("b", "prod", golden / "b" / "prod.yaml"),
    ]


def test_golden_files_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert list(golden_files(tmp_path / "nothing")) == []


# --- changes --------------------------------------------------------------------------------


def describe(old: Any, new: Any) -> list[str]:
    return [c.describe() for c in changes(old, new)]


def test_list_items_with_names_are_matched_by_name() -> None:
    old = deployment_body()
    new = deployment_body(image=DIGEST_B)

    assert describe(old, new) == [
        f"spec.template.spec.containers[web].image: {DIGEST_A} → {DIGEST_B}"
    ]


def test_env_values_are_named_by_the_variable() -> None:
    found = changes(deployment_body(), deployment_body(level="debug"))

    assert [c.describe() for c in found] == [
        "spec.template.spec.containers[web].env[LOG_LEVEL].value: info → debug"
    ]
    assert found[0].old == "info" and found[0].new == "debug"


def test_inserting_a_container_does_not_change_the_others() -> None:
    old = deployment_body()
    new = copy.deepcopy(old)
    containers = new["spec"]["template"]["spec"]["containers"]
    containers.insert(0, {"name": "init-proxy", "image": "proxy@sha256:" + "d" * 64})

    (change,) = changes(old, new)

    assert change.describe().startswith("spec.template.spec.containers[init-proxy]: (unset) → {")
    assert change.old is NOT_SET
    assert change.new == containers[0]


def test_added_and_removed_keys_read_unset() -> None:
    old = {"spec": {"replicas": 1, "paused": False}}
    new = {"spec": {"replicas": 1, "minReadySeconds": 5}}

    found = changes(old, new)

    assert [c.describe() for c in found] == [
        "spec.minReadySeconds: (unset) → 5",
        "spec.paused: false → (unset)",
    ]
    assert found[0].old is NOT_SET and found[1].new is NOT_SET


def test_lists_without_names_are_compared_by_position() -> None:
    old = {"spec": {"args": ["--a", "--b"]}}
    new = {"spec": {"args": ["--a", "--c"]}}

    assert describe(old, new) == ["spec.args[1]: --b → --c"]


def test_keys_that_are_not_identifiers_are_quoted() -> None:
    old = {"metadata": {"annotations": {"checksum/config": "1"}}}
    new = {"metadata": {"annotations": {"checksum/config": "2"}}}

    assert describe(old, new) == ["metadata.annotations['checksum/config']: 1 → 2"]


def test_a_type_change_is_a_change() -> None:
    assert describe({"spec": {"replicas": "1"}}, {"spec": {"replicas": 1}}) == [
        "spec.replicas: 1 → 1"
    ]


def test_equal_bodies_have_no_changes() -> None:
    assert changes(deployment_body(), deployment_body()) == []


def test_long_and_multi_line_values_are_shown_compactly() -> None:
    change = Change(("data", "config"), "a\nb", "x" * 500)

    text = change.describe()

    assert text.startswith('data.config: "a\\nb" → ')
    assert text.endswith("...")
    assert len(text) < 260


# --- compare --------------------------------------------------------------------------------


@pytest.fixture
def golden_file(tmp_path: Path) -> Path:
    path = tmp_path / "golden" / "shop" / "prod.yaml"
    write_golden_file(path, today())
    return path


def test_the_same_rendering_has_no_drift(golden_file: Path) -> None:
    golden = read_golden(golden_file)
    assert golden is not None

    assert compare(today(), golden, "shop", "prod") == []


def test_one_changed_value_is_one_finding_with_path_file_and_line(golden_file: Path) -> None:
    golden = read_golden(golden_file)
    assert golden is not None

    findings = compare(today(replicas=3), golden, "shop", "prod")

    assert len(findings) == 1
    (finding,) = findings
    assert finding.rule == "golden-drift"
    assert finding.category is Category.GOLDEN
    assert finding.severity is Severity.ERROR
    assert finding.drift == "changed"
    assert (finding.target, finding.profile, finding.object) == ("shop", "prod", DEPLOYMENT)
    assert finding.path == "spec.replicas"
    assert finding.message == "spec.replicas: 1 → 3"
    assert finding.file == str(golden_file)
    lines = golden_file.read_text().splitlines()
    assert isinstance(finding.line, int)
    assert lines[finding.line - 1] == f"# Object: {DEPLOYMENT}"


def test_several_changes_in_one_object_are_one_finding(golden_file: Path) -> None:
    golden = read_golden(golden_file)
    assert golden is not None

    (finding,) = compare(today(replicas=2, image=DIGEST_B, level="warn"), golden, "shop", "prod")

    assert finding.message.splitlines() == [
        "spec.replicas: 1 → 2",
        "spec.template.spec.containers[web].env[LOG_LEVEL].value: info → warn",
        f"spec.template.spec.containers[web].image: {DIGEST_A} → {DIGEST_B}",
    ]
    assert finding.path == "spec.replicas"


def test_added_and_removed_objects(golden_file: Path) -> None:
    golden = read_golden(golden_file)
    assert golden is not None
    now = [o for o in today() if o.name != "zz-last"] + [config_map("brand-new")]

    findings = {f.drift: f for f in compare(now, golden, "shop", "prod")}

    assert sorted(findings) == ["added", "removed"]
    added, removed = findings["added"], findings["removed"]
    assert added.object == "v1/ConfigMap/shop/brand-new"
    assert "ConfigMap/shop/brand-new is added" in added.message
    assert removed.object == "v1/ConfigMap/shop/zz-last"
    assert "ConfigMap/shop/zz-last is removed" in removed.message
    lines = golden_file.read_text().splitlines()
    assert removed.line is not None
    assert lines[removed.line - 1] == "# Object: v1/ConfigMap/shop/zz-last"
    assert all(f.rule == "golden-drift" and f.file == str(golden_file) for f in findings.values())


def test_missing_stale_and_nondeterministic_findings(tmp_path: Path) -> None:
    path = tmp_path / "golden" / "shop" / "prod.yaml"

    gone = missing(path, "shop", "prod")
    old = stale(path, "shop", "prod")
    noisy = nondeterministic(
        {
            "v1/Secret/shop/s": (("data", "password"),),
            DEPLOYMENT: (("spec", "x"), ("metadata", "annotations", "checksum/secret")),
        },
        "shop",
        "prod",
        path,
    )

    assert (gone.rule, gone.severity, gone.file) == ("golden-missing", Severity.ERROR, str(path))
    assert "gate golden update shop" in gone.message
    assert (old.rule, old.severity, old.file) == ("golden-stale", Severity.WARNING, str(path))
    assert (noisy.rule, noisy.severity) == ("golden-nondeterministic", Severity.WARNING)
    assert noisy.message.startswith("3 values differ")
    assert "Secret/shop/s data.password" in noisy.message
    assert "Deployment/shop/web metadata.annotations['checksum/secret']" in noisy.message


# --- Gate.write_golden ----------------------------------------------------------------------


@pytest.fixture
def three(tmp_path: Path) -> Gate:
    """A gate.yaml with three targets, so write_golden has three files to write."""
    chart = FIXTURE_CHARTS / "tiny"
    (tmp_path / "gate.yaml").write_text(
        f"{READ_REPO}golden: {{dir: golden}}\ntargets:\n"
        + "".join(f"  - name: {name}\n    chart: {chart}\n" for name in ("one", "two", "three")),
        encoding="utf-8",
    )
    return Gate.load(load_config(tmp_path / "gate.yaml"))


def splits_for(gate_: Gate, replicas: int, failed: str = "") -> list[Split]:
    out = []
    for target in gate_.config.targets:
        profile = target.profiles[0]
        objects = tuple([config_map("settings"), rendered(deployment_body(replicas=replicas))])
        if target.name == failed:
            rendering = Rendering(target, profile, "", "helm template failed: boom")
            out.append(gate.pipeline.split_rendering(rendering))
        else:
            rendering = Rendering(target, profile, "")
            out.append(Split(rendering, objects, None, normalized=objects))
    return out


def files_of(gate_: Gate) -> dict[str, tuple[str, int]]:
    folder = gate_.config.golden.dir
    return {
        str(p.relative_to(folder)): (p.read_text(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def age(gate_: Gate) -> None:
    """Move every golden file's mtime into the past, so that any rewrite shows."""
    for path in gate_.config.golden.dir.rglob("*.yaml"):
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))


def test_write_golden_creates_updates_and_leaves_unchanged(three: Gate) -> None:
    first = three.write_golden(splits_for(three, 1))
    assert [(w.path.parent.name, w.status) for w in first] == [
        ("one", "created"),
        ("two", "created"),
        ("three", "created"),
    ]
    age(three)
    before = files_of(three)

    again = three.write_golden(splits_for(three, 1))

    assert [w.status for w in again] == ["unchanged"] * 3
    assert files_of(three) == before
    updated = three.write_golden(splits_for(three, 2))
    assert [w.status for w in updated] == ["updated"] * 3
    assert "replicas: 2" in (three.config.golden.dir / "two" / "default.yaml").read_text()


def test_a_write_failing_half_way_through_an_update_changes_no_golden_file(
    three: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    three.write_golden(splits_for(three, 1))
    age(three)
    old = files_of(three)
    real = gate.golden_files.write_atomically
    calls: list[Path] = []

    def fail_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    def second_fails(path: Path, text: str) -> None:
        """The second write really starts (a temporary file, half the bytes on their way)
        and then fails, as a full disk would make it."""
        calls.append(path)
        if len(calls) == 2:
            monkeypatch.setattr(gate.writes.os, "fsync", fail_fsync)
        try:
            real(path, text)
        finally:
            monkeypatch.setattr(gate.writes.os, "fsync", os.fsync)

    monkeypatch.setattr(gate.golden_files, "write_atomically", second_fails)

    with pytest.raises(GateError) as caught:
        three.write_golden(splits_for(three, 5))

    assert "No space left on device" in caught.value.render()
    assert "no golden file was changed" in caught.value.render()
    assert files_of(three) == old
    assert leftovers(three.config.golden.dir) == []
    assert [p.name for p in three.config.golden.dir.iterdir() if p.name.startswith(".")] == []
    assert len(calls) == 2


def test_a_failed_rendering_stops_the_update_before_any_write(three: Gate) -> None:
    three.write_golden(splits_for(three, 1))
    age(three)
    old = files_of(three)

    with pytest.raises(GateError) as caught:
        three.write_golden(splits_for(three, 9, failed="three"))

    assert "three/default did not render" in caught.value.render()
    assert "no golden file was written" in caught.value.render()
    assert files_of(three) == old


def test_a_failed_rendering_creates_no_file_at_all(three: Gate) -> None:
    with pytest.raises(GateError):
        three.write_golden(splits_for(three, 1, failed="two"))

    assert not three.config.golden.dir.exists() or files_of(three) == {}


def test_two_objects_with_one_identity_each_keep_their_drift(tmp_path: Path) -> None:
    first = rendered(config_map("same", {"a": "1"}).body, source="shop/templates/one.yaml")
    second = rendered(config_map("same", {"b": "2"}).body, source="shop/templates/two.yaml")
    path = tmp_path / "shop" / "prod.yaml"
    write_golden_file(path, [first, second])
    golden = read_golden(path)
    assert golden is not None
    assert sorted(golden.objects) == [first.identity, f"{first.identity}#2"]
    changed = rendered(config_map("same", {"a": "9"}).body, source="shop/templates/one.yaml")
    findings = compare([changed, second], golden, "shop", "prod")
    assert len(findings) == 1 and "data.a: 1 → 9" in findings[0].message


def test_a_golden_file_with_crlf_line_ends_is_read_as_written(tmp_path: Path) -> None:
    """A Windows checkout (core.autocrlf) turns every golden line end into CRLF; that
    changes no object, so it is no drift."""
    path = tmp_path / "golden" / "shop" / "prod.yaml"
    text = write_golden_file(path, today())
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))

    golden = read_golden(path)

    assert golden is not None
    assert sorted(golden.objects) == sorted(o.identity for o in today())
    assert compare(today(), golden, "shop", "prod") == []
    assert [f.path for f in compare(today(replicas=3), golden, "shop", "prod")] == ["spec.replicas"]
