"""gate/chart.py: a chart's files, read once, safely, from an untrusted pull request.

Archives under charts/ are read as streams within helm's own bounds (one member,
all members, entries, nesting); a corrupt archive is an error naming it; symbolic
links are never followed; a byte order mark is dropped and invalid UTF-8 does not
crash. The bombs are measured in a subprocess: time and peak memory (ru_maxrss).
"""

from __future__ import annotations

import gzip
import io
import os
import resource
import subprocess
import tarfile
from pathlib import Path

import pytest

from gate.chart import MAX_DEPTH, MAX_MEMBERS, read_chart
from gate.checks.values.known import known_tree
from gate.errors import GateError
from gate.limits import DEFAULT_LIMITS, Limits, MiB
from tests.bounds import measure
from tests.conftest import REPO

CHART_YAML = "apiVersion: v2\nname: {name}\nversion: 0.1.0\n"


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def top(folder: Path) -> Path:
    return write(folder, {"Chart.yaml": CHART_YAML.format(name="top")})


def tgz(members: dict[str, bytes], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    """A .tgz of `members` (names include the chart's folder, as helm packages them)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=fmt) as bundle:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def chart_tgz(name: str, files: dict[str, bytes], fmt: int = tarfile.PAX_FORMAT) -> bytes:
    members = {f"{name}/Chart.yaml": CHART_YAML.format(name=name).encode()}
    members.update({f"{name}/{path}": data for path, data in files.items()})
    return tgz(members, fmt)


# --- bombs: streamed tar built from gzip members, so that building costs no gigabytes ----

_GZIP_MIB_OF_ZEROS = gzip.compress(bytes(MiB), 9)  # about 1 KiB


def header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def zeros_member(name: str, mib: int) -> bytes:
    """A tar member of `mib` MiB of zeros, gzip-compressed: a gzip stream may hold several
    members one after the other, which helm's reader and Python's read as one."""
    return gzip.compress(header(name, mib * MiB)) + _GZIP_MIB_OF_ZEROS * mib


END = gzip.compress(bytes(1024))


def one_huge_member() -> bytes:
    """3 MB on disk: one member of 3 GiB of zeros."""
    return zeros_member("sub/templates/zeros.yaml", 3 * 1024) + END


def many_members() -> bytes:
    """Members each under the member bound, 120 MiB together."""
    return b"".join(zeros_member(f"sub/templates/z{n}.yaml", 4) for n in range(30)) + END


def wide_characters() -> bytes:
    """Members each under the member bound, 100 MiB together, each starting with an emoji:
    Python then holds every character of the text in 4 bytes, 400 MiB in all."""
    emoji = "\N{GRINNING FACE}".encode()
    rest = gzip.compress(bytes(4 * MiB - len(emoji)), 9)
    return (
        b"".join(
            gzip.compress(header(f"sub/templates/w{n}.yaml", 4 * MiB) + emoji) + rest
            for n in range(25)
        )
        + END
    )


def thousands_of_members() -> bytes:
    """Empty files, more of them than any chart has."""
    headers = b"".join(header(f"sub/templates/f{n}.yaml", 0) for n in range(MAX_MEMBERS + 1))
    return gzip.compress(headers + bytes(1024))


def nested_fanout() -> bytes:
    """Archives inside archives, 30 wide and 3 deep: 27,000 x 4 MiB decompressed if
    each archive had its own budget (as in helm); each piece is small on disk."""
    leaf = zeros_member("leaf/templates/zeros.yaml", 4) + END
    level = leaf
    for depth in range(2):
        name = f"mid{depth}"
        level = chart_tgz(name, {f"charts/c{n}-0.1.0.tgz": level for n in range(30)})
    return level


BOMBS = {
    "one-huge-member": (one_huge_member, "limits.archive_member_bytes"),
    "many-members": (many_members, "limits.archive_bytes"),
    "thousands-of-members": (thousands_of_members, f"more than {MAX_MEMBERS:,} entries"),
    "wide-characters": (wide_characters, "limits.archive_bytes"),
    "nested-fanout": (nested_fanout, "limits.archive_bytes"),
}

# In a child process (tests/bounds.py), under a 2 GiB address-space cap, so that a
# regression fails the test rather than the host; read_chart is cached, so untraced.
READ_CHART = """
import resource
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from pathlib import Path
from gate.chart import read_chart
from gate.errors import GateError
def refused():
    try:
        read_chart(Path("chart"))
    except GateError as exc:
        return exc.render()
    return None
"""


@pytest.mark.parametrize("kind", sorted(BOMBS))
def test_an_archive_bomb_is_refused_fast_and_small(tmp_path: Path, kind: str) -> None:
    build, key = BOMBS[kind]
    chart = top(tmp_path / "chart")
    write(chart, {"charts/sub-0.1.0.tgz": build()})
    assert (chart / "charts" / "sub-0.1.0.tgz").stat().st_size < 4_000_000
    measured = measure("refused()", setup=READ_CHART, timeout=60, traced=False, cwd=tmp_path)
    error = measured.value()
    peak_mib = measured.resident_bytes / 2**20
    print(f"{kind}: {measured.seconds:.3f} s, peak {peak_mib:.0f} MiB")
    assert error is not None
    assert error.startswith("chart/charts/sub-0.1.0.tgz: ")  # relative as given
    assert key in error
    assert measured.seconds < 2
    assert peak_mib < 200


# --- the limits, their messages, and the archives helm writes ------------------------------


def refused(chart: Path, limits: Limits = DEFAULT_LIMITS) -> GateError:
    with pytest.raises(GateError) as caught:
        read_chart(chart, limits)
    return caught.value


def test_a_member_over_the_limit_names_archive_member_and_key(tmp_path: Path) -> None:
    chart = top(tmp_path / "chart")
    big = b"# " + b"x" * 2000
    write(chart, {"charts/sub-0.1.0.tgz": chart_tgz("sub", {"templates/big.yaml": big})})
    error = refused(chart, Limits(archive_member_bytes=1000))
    assert error.file == str(chart / "charts" / "sub-0.1.0.tgz")
    assert "member 'sub/templates/big.yaml'" in error.message
    assert "limits.archive_member_bytes" in error.message
    assert "raise limits.archive_member_bytes in gate.yaml" in error.message
    # the same archive within the default limits
    assert read_chart(chart).subcharts[0].templates == (big.decode(),)


def test_members_over_the_total_name_the_key(tmp_path: Path) -> None:
    chart = top(tmp_path / "chart")
    files = {f"templates/t{n}.yaml": b"x" * 900 for n in range(5)}
    write(chart, {"charts/sub-0.1.0.tgz": chart_tgz("sub", files)})
    error = refused(chart, Limits(archive_bytes=3000))
    assert error.file == str(chart / "charts" / "sub-0.1.0.tgz")
    assert "limits.archive_bytes" in error.message
    assert "member 'sub/templates/t" in error.message


def test_the_limits_count_the_archives_inside_an_archive(tmp_path: Path) -> None:
    inner = chart_tgz("inner", {"templates/t.yaml": b"x" * 900})
    outer = chart_tgz("outer", {f"charts/i{n}-0.1.0.tgz": inner for n in range(5)})
    chart = write(top(tmp_path / "chart"), {"charts/outer-0.1.0.tgz": outer})
    error = refused(chart, Limits(archive_bytes=4000))
    assert error.file == str(chart / "charts" / "outer-0.1.0.tgz")
    assert "limits.archive_bytes" in error.message
    assert "of 'outer/charts/i" in error.message  # the archive inside, by its member name


def chain(levels: int) -> bytes:
    """c{levels-1}.tgz holding c{levels-2}.tgz ... holding c0.tgz, which holds values."""
    level = chart_tgz("c0", {"values.yaml": b"deepest: true\n"})
    for depth in range(1, levels):
        level = chart_tgz(f"c{depth}", {f"charts/c{depth - 1}-0.1.0.tgz": level})
    return level


def test_archives_nested_deeper_than_the_bound_are_refused(tmp_path: Path) -> None:
    deep = write(top(tmp_path / "deep"), {"charts/c.tgz": chain(MAX_DEPTH + 1)})
    error = refused(deep)
    assert error.file == str(deep / "charts" / "c.tgz")
    assert f"nested more than {MAX_DEPTH} deep" in error.message
    assert "member 'c1/charts/c0-0.1.0.tgz'" in error.message
    # MAX_DEPTH levels are read, down to the deepest values
    files = read_chart(write(top(tmp_path / "ok"), {"charts/c.tgz": chain(MAX_DEPTH)}))
    for _ in range(MAX_DEPTH):
        (files,) = files.subcharts
    assert files.values == {"deepest": True}


def test_a_chart_folder_file_over_the_member_limit_is_refused(tmp_path: Path) -> None:
    chart = write(top(tmp_path / "chart"), {"values.yaml": "a: " + "x" * 2000 + "\n"})
    error = refused(chart, Limits(archive_member_bytes=1000))
    assert error.file == str(chart / "values.yaml")
    assert "limits.archive_member_bytes" in error.message


def test_read_chart_is_cached_per_folder_and_limits(tmp_path: Path) -> None:
    chart = write(top(tmp_path / "chart"), {"values.yaml": "a: 1\n"})
    assert read_chart(chart) is read_chart(chart)
    assert read_chart(chart, Limits(archive_member_bytes=100)) is read_chart(
        chart, Limits(archive_member_bytes=100)
    )


@pytest.mark.parametrize(
    "fmt",
    [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT],
    ids=["pax", "gnu", "ustar"],
)
def test_long_member_names_in_every_tar_format(tmp_path: Path, fmt: int) -> None:
    long = "templates/" + "/".join(["deeper"] * 12) + "/configmap.yaml"  # > 100 characters
    archive = chart_tgz("sub", {long: b"{{ .Values.long.name }}\n", "values.yaml": b"a: 1\n"}, fmt)
    chart = write(top(tmp_path / "chart"), {"charts/sub-0.1.0.tgz": archive})
    (sub,) = read_chart(chart).subcharts
    assert sub.templates == ("{{ .Values.long.name }}\n",)
    assert sub.values == {"a": 1}


def test_a_chart_packed_by_helm_reads_as_its_folder(helm_path: str, tmp_path: Path) -> None:
    source = REPO / "charts-under-test" / "backstage"
    subprocess.run(
        [helm_path, "package", str(source), "-d", str(tmp_path / "chart" / "charts")],
        check=True,
        capture_output=True,
    )
    (packed,) = read_chart(top(tmp_path / "chart")).subcharts
    folder = read_chart(source)
    assert packed.values == folder.values
    assert sorted(packed.templates) == sorted(folder.templates)
    assert [s.name for s in packed.subcharts] == [s.name for s in folder.subcharts]
    assert [s.values for s in packed.subcharts] == [s.values for s in folder.subcharts]


# --- corrupt archives ----------------------------------------------------------------------


def _truncated() -> bytes:
    whole = chart_tgz("sub", {"values.yaml": b"a: 1\n" * 3000})
    return whole[: len(whole) // 2]


def _short_entry() -> bytes:
    return gzip.compress(header("sub/values.yaml", 5000) + b"a: 1\n")


CORRUPT = {
    "not-gzip": (lambda: b"not a tar file", "it is not gzip-compressed"),
    "truncated-gzip": (_truncated, "truncated"),
    "gzip-not-tar": (lambda: gzip.compress(b"hello world" * 100), "tar header is damaged"),
    "entry-cut-short": (_short_entry, "truncated"),
}


@pytest.mark.parametrize("kind", sorted(CORRUPT))
def test_a_corrupt_archive_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    build, why = CORRUPT[kind]
    top(tmp_path / "chart")
    write(tmp_path / "chart", {"charts/broken-0.1.0.tgz": build()})
    monkeypatch.chdir(tmp_path)
    error = refused(Path("chart"))
    assert error.file == "chart/charts/broken-0.1.0.tgz"
    assert why in error.message
    assert "cannot be loaded" in error.message
    assert "helm dependency build" in error.message  # what to do


def test_a_corrupt_archive_inside_an_archive_names_both(tmp_path: Path) -> None:
    outer = chart_tgz("outer", {"charts/broken-0.1.0.tgz": b"garbage"})
    chart = write(top(tmp_path / "chart"), {"charts/outer-0.1.0.tgz": outer})
    error = refused(chart)
    assert error.file == str(chart / "charts" / "outer-0.1.0.tgz")
    assert "the chart archive 'outer/charts/broken-0.1.0.tgz' inside it" in error.message
    assert "not gzip-compressed" in error.message


# --- symbolic links are never followed -----------------------------------------------------


def test_symlinks_in_a_chart_are_never_read(tmp_path: Path) -> None:
    outside = write(
        tmp_path / "outside",
        {
            "secret.yaml": "leaked: {{ .Values.leaked }}\n",
            "values.yaml": "leaked: true\n",
            "dir/t.yaml": "{{ .Values.fromDir }}\n",
            "sub/Chart.yaml": CHART_YAML.format(name="sub"),
            "sub/values.yaml": "fromSub: 1\n",
        },
    )
    write(outside, {"sub-0.1.0.tgz": chart_tgz("packed", {"values.yaml": b"packed: 1\n"})})
    chart = write(
        top(tmp_path / "chart"),
        {"templates/own.yaml": "{{ .Values.own }}\n", "charts/real/Chart.yaml": "name: real\n"},
    )
    links = {
        "values.yaml": outside / "values.yaml",  # a file outside the repository
        "values.schema.json": Path("/proc/self/environ"),
        "templates/environ.yaml": Path("/proc/self/environ"),
        "templates/secret.yaml": outside / "secret.yaml",
        "templates/dir": outside / "dir",  # a folder
        "charts/sub": outside / "sub",
        "charts/packed-0.1.0.tgz": outside / "sub-0.1.0.tgz",
        "charts/real/templates": Path(".."),  # a loop
        "charts/loop": Path("."),
    }
    for name, target in links.items():
        (chart / name).symlink_to(target)
    files = read_chart(chart)
    assert files.templates == ("{{ .Values.own }}\n",)
    assert files.values is None
    assert files.schema is None
    assert [s.name for s in files.subcharts] == ["real"]
    assert list(files.subcharts[0].all_templates()) == []


def test_a_chart_folder_that_is_a_symlink_is_not_read(tmp_path: Path) -> None:
    real = write(top(tmp_path / "real"), {"values.yaml": "a: 1\n"})
    (tmp_path / "link").symlink_to(real)
    assert read_chart(tmp_path / "link").values is None
    assert read_chart(real).values == {"a": 1}


def test_a_fifo_in_a_chart_is_not_opened_for_reading(tmp_path: Path) -> None:
    chart = top(tmp_path / "chart")
    (chart / "templates").mkdir()
    os.mkfifo(chart / "templates" / "pipe.yaml")  # reading it would block forever
    assert read_chart(chart).templates == ()


# --- text: a byte order mark, invalid UTF-8 --------------------------------------------------

BOM = b"\xef\xbb\xbf"


def test_a_byte_order_mark_is_dropped_as_helm_does(tmp_path: Path) -> None:
    schema = BOM + b'{"properties": {"fromSchema": {"type": "string"}}}'
    chart = write(
        tmp_path / "chart",
        {
            "Chart.yaml": BOM + CHART_YAML.format(name="bom").encode(),
            "values.yaml": BOM + b"a: 1\n",
            "values.schema.json": schema,
            "templates/t.yaml": BOM + b"{{ .Values.b }}\n",
            "charts/sub-0.1.0.tgz": chart_tgz("sub", {"values.schema.json": schema}),
        },
    )
    files = read_chart(chart)
    assert files.name == "bom"
    assert files.values == {"a": 1}
    assert files.schema == {"properties": {"fromSchema": {"type": "string"}}}
    assert files.templates == ("{{ .Values.b }}\n",)
    assert files.subcharts[0].schema == files.schema
    tree = known_tree(files)
    assert tree.knows(("fromSchema",)) == 1
    assert tree.knows(("sub", "fromSchema")) == 2


def test_invalid_utf8_does_not_crash(tmp_path: Path) -> None:
    chart = write(
        tmp_path / "chart",
        {
            "Chart.yaml": CHART_YAML.format(name="bad").encode() + b"description: \xff\xfe\n",
            "values.yaml": b"a: \xff\xfe\xc3\n",
            "values.schema.json": b'{"properties": {"\xff": {}}}',
            "templates/t.yaml": b"\xed\xa0\x80{{ .Values.a }}\n",
            "charts/sub-0.1.0.tgz": chart_tgz("sub", {"values.yaml": b"b: \xff\n"}),
        },
    )
    (chart / "templates" / os.fsdecode(b"bad-\xff.yaml")).write_text("{{ .Values.c }}\n")
    files = read_chart(chart)
    assert files.name == "bad"
    assert files.values == {"a": "\ufffd\ufffd\ufffd"}
    assert files.schema == {"properties": {"\ufffd": {}}}
    assert sorted(files.templates) == ["{{ .Values.c }}\n", "\ufffd\ufffd\ufffd{{ .Values.a }}\n"]
    assert files.subcharts[0].values == {"b": "\ufffd"}
    known_tree(files)


def test_files_nested_too_deep_to_parse_do_not_crash(tmp_path: Path) -> None:
    chart = write(
        top(tmp_path / "chart"),
        {"values.schema.json": "[" * 100_000, "values.yaml": "a: " + "[" * 100_000},
    )
    files = read_chart(chart)
    assert files.schema is None
    assert files.values is None


def test_many_and_deep_template_folders_are_all_read(tmp_path: Path) -> None:
    """One open folder per level, not one per folder found: 1,000 folders side by side,
    with at most 256 files open, and 200 levels deep, are read whole."""
    chart = top(tmp_path / "chart")
    wide = {f"templates/w{n}/t.yaml": f"{{{{ .Values.w{n} }}}}\n" for n in range(1000)}
    deep = {"templates/" + "d/" * 200 + "t.yaml": "{{ .Values.deep }}\n"}
    write(chart, {**wide, **deep})
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        templates = read_chart(chart).templates
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert len(templates) == 1001
    assert "{{ .Values.deep }}\n" in templates


def test_the_limits_reach_the_yaml_of_the_chart(tmp_path: Path) -> None:
    nested = "a: " + "{b: " * 10 + "1" + "}" * 10 + "\n"
    chart = write(top(tmp_path / "chart"), {"values.yaml": nested})
    assert read_chart(chart).values is not None
    assert read_chart(chart, Limits(yaml_depth=5)).values is None  # helm says why


def test_an_alias_bomb_in_chart_values_reads_as_absent(tmp_path: Path) -> None:
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 9)
    )
    chart = write(top(tmp_path / "chart"), {"values.yaml": bomb})
    files = read_chart(chart)
    assert files.values is None
    known_tree(files)
