"""A chart's own files, read once: Chart.yaml, values.yaml, values.schema.json, its
templates, and its subcharts (folders under charts/ or .tgz archives, recursively).
Rendering asks whether the templates use randomness; the values analysis asks what
they read. Both ask this one reader.

Charts come from pull requests nobody has reviewed yet, so this reader:

- never reads through a symbolic link: a symlinked file or folder of a chart is not
  read at all, whatever it points to (gate refuses such charts before rendering; this
  reader just never follows one), and only regular files are opened;
- reads a file of a chart folder only up to `limits.archive_member_bytes`, which is
  helm's own bound on one chart file;
- reads a .tgz under charts/ as a stream, never a whole member or archive at once, and
  stops where helm stops: a member that decompresses to more than
  `limits.archive_member_bytes` (its header says so, or its bytes as they come), or
  archives that decompress to more than `limits.archive_bytes` (one budget for all the
  archives of the chart and the archives inside them: helm gives each its own, which
  nesting multiplies); it also stops at MAX_MEMBERS entries and at subcharts nested
  more than MAX_DEPTH deep. Each is a GateError naming the archive, the member and what
  to do; so is an archive helm could not load either (not gzip, truncated, not a tar);
- drops a UTF-8 byte order mark, as helm does, and reads invalid UTF-8 as U+FFFD.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import gzip
import io
import json
import os
import posixpath
import stat
import sys
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import yaml

from gate.errors import GateError
from gate.limits import DEFAULT_LIMITS, Limits, MiB
from gate.yamlload import parse_document

# Subcharts inside subcharts (charts/x/charts/y, as folders or .tgz archives): helm loads
# them recursively without a bound; real charts go two or three levels deep.
MAX_DEPTH = 10
# Entries (files, folders, tar extension headers) of one archive under charts/, with the
# archives inside it; real charts hold a few hundred.
MAX_MEMBERS = 10_000
# A pax header or GNU long name: Go's archive/tar (helm's reader) refuses larger ones too.
_EXTENSION_BYTES = MiB
_BLOCK = 512
_CHUNK = 64 * 1024
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ChartFiles:
    """A chart's own files as text, from a folder or a .tgz, and its subcharts.

    `location` is where a subchart lies in its parent chart (`charts/webportal`,
    `charts/postgresql-12.10.0.tgz`), "" for the chart gate was given;
    `archive_folder` is the first folder of a packed chart's members (`postgresql`),
    so that a member can be named as the archive lists it (gate/sources.py).
    """

    name: str
    chart: Mapping[str, Any]
    values: Any
    schema: Any
    templates: tuple[str, ...]
    subcharts: tuple[ChartFiles, ...]
    # The path inside the chart of each of `templates`, in the same order
    # ("templates/_helpers.tpl"): helm renders the files whose name does not start with
    # `_`, and a finding about a template names it.
    template_names: tuple[str, ...] = ()
    location: str = ""
    archive_folder: str = ""

    def named_templates(self) -> Iterator[tuple[str, str]]:
        """(path inside the chart, text) of each template; a chart built in a test
        without names gets `templates/template-N.yaml`."""
        names = self.template_names or tuple(
            f"templates/template-{number}.yaml" for number in range(len(self.templates))
        )
        yield from zip(names, self.templates, strict=True)

    def all_templates(self) -> Iterator[str]:
        """Its templates and every subchart's, at any depth."""
        yield from self.templates
        for sub in self.subcharts:
            yield from sub.all_templates()


def _text(data: bytes) -> str:
    """A chart file as helm reads it: a leading byte order mark dropped."""
    return data.removeprefix(_BOM).decode("utf-8", errors="replace")


def _yaml(text: str | None, limits: Limits) -> Any:
    if not text:
        return None
    try:
        return parse_document(text, limits=limits)
    except (yaml.YAMLError, RecursionError):  # helm fails on it, and says where
        return None


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except (ValueError, RecursionError):  # RecursionError: nested a thousand deep
        return None


def _from_mapping(
    files: Mapping[str, str],
    archives: Mapping[str, ChartFiles],
    limits: Limits,
    location: str = "",
    archive_folder: str = "",
) -> ChartFiles:
    """A chart from its files (paths relative to it) and the subcharts read from the .tgz
    files under its charts/ (at any depth, keyed by their path)."""
    chart = _yaml(files.get("Chart.yaml"), limits)
    chart = chart if isinstance(chart, Mapping) else {}
    below: dict[str, tuple[dict[str, str], dict[str, ChartFiles]]] = {}
    for path, text in files.items():
        parts = path.split("/", 2)
        if len(parts) == 3 and parts[0] == "charts":
            below.setdefault(parts[1], ({}, {}))[0][parts[2]] = text
    for path, sub in archives.items():
        parts = path.split("/", 2)
        if len(parts) == 3 and parts[0] == "charts":
            below.setdefault(parts[1], ({}, {}))[1][parts[2]] = sub
    subcharts = [
        _from_mapping(*below[folder], limits, f"charts/{folder}") for folder in sorted(below)
    ]
    subcharts += [
        dataclasses.replace(archives[path], location=path)
        for path in sorted(archives)
        if path.count("/") == 1
    ]
    templates = {path: text for path, text in files.items() if path.startswith("templates/")}
    return ChartFiles(
        name=str(chart.get("name", "")),
        chart=chart,
        values=_yaml(files.get("values.yaml"), limits),
        schema=_json(files.get("values.schema.json")),
        templates=tuple(templates.values()),
        subcharts=tuple(subcharts),
        template_names=tuple(templates),
        location=location,
        archive_folder=archive_folder,
    )


_OWN = ("Chart.yaml", "values.yaml", "values.schema.json")


def _levels(path: str) -> tuple[int, list[str]]:
    """How many subchart folders (`charts/NAME/`) lead to `path`, and the rest of it."""
    parts = path.split("/")
    levels = 0
    while len(parts) >= 3 and parts[0] == "charts" and levels <= MAX_DEPTH:
        parts, levels = parts[2:], levels + 1
    return levels, parts


def _kind(path: str) -> tuple[str | None, int]:
    """What the file at `path` (relative to a chart) is to this reader: "file" (a chart's
    own file or template, or a subchart folder's), "archive" (a packed subchart) or None;
    and the depth of the chart it belongs to, below the one `path` is relative to."""
    levels, rest = _levels(path)
    if len(rest) == 1 and rest[0] in _OWN:
        return "file", levels
    if len(rest) >= 2 and rest[0] == "templates":
        return "file", levels
    if len(rest) == 2 and rest[0] == "charts" and rest[1].endswith(".tgz"):
        return "archive", levels + 1
    return None, levels


def _descend(path: str) -> bool:
    """Whether the folder at `path` (relative to a chart) can hold what `_kind` wants."""
    _, rest = _levels(path)
    return rest[0] == "templates" or (rest[0] == "charts" and len(rest) <= 2)


def _shown(path: Path | str) -> str:
    """A path as a message can print it, whatever bytes its name holds."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


def _too_deep(file: str, what: str) -> GateError:
    return GateError(
        f"{what} is in a subchart nested more than {MAX_DEPTH} deep (charts/ inside "
        "charts/, as folders or .tgz archives); gate reads no deeper and no real chart "
        "needs it: flatten the dependencies",
        file,
    )


def _member_too_large(file: str, member: str, limits: Limits) -> GateError:
    return GateError(
        f"{member} decompresses to more than {_size(limits.archive_member_bytes)} "
        "(limits.archive_member_bytes, helm's own bound on one chart file, which makes "
        "helm refuse it too); remove or shrink that file and package the chart again, or, "
        "if the chart really needs it, raise limits.archive_member_bytes in gate.yaml",
        file,
    )


def _archive_too_large(file: str, member: str, limits: Limits) -> GateError:
    return GateError(
        f"the chart archives of this chart decompress to more than "
        f"{_size(limits.archive_bytes)} together (limits.archive_bytes, counting the "
        f"archives inside archives), and this one reached it at {member}; helm refuses "
        "an archive that large too: remove what the chart does not need and package it "
        "again, or, if it really needs it, raise limits.archive_bytes in gate.yaml",
        file,
    )


def _size(count: int) -> str:
    return f"{count / MiB:g} MiB" if count >= MiB else f"{count} bytes"


# --- archives -----------------------------------------------------------------------------


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...
    def seek(self, offset: int, /) -> object: ...


@dataclass
class _Budget:
    """What the archives of one chart (every .tgz under its charts/, and the archives
    inside them) may still cost together. helm gives each archive its own budget; gate
    shares one, so that neither many archives nor archives inside archives multiply it."""

    limits: Limits
    left: int  # decompressed bytes; text kept in memory counts at its size there
    members: int = MAX_MEMBERS
    file: str = ""  # the archive under the chart folder being read, as given (relative stays)


class _Tar:
    """The entries of one gzip-compressed tar archive, read forward as a stream: each
    header, then its data in chunks, each byte counted against the budget as it is read."""

    def __init__(self, raw: _Readable, budget: _Budget, where: str):
        self._gzip = gzip.GzipFile(fileobj=raw, mode="rb")
        self.budget = budget
        # "" for the archive under the chart folder; "'a' inside it" for the archive that
        # is its member a, "'b' in 'a' inside it" for one inside that, and so on.
        self.where = where
        self.member = ""  # the current entry, as named in the archive
        self.at = "at its beginning"  # where in the archive, for a message
        self.size = 0  # its data bytes
        self.regular = False
        self._left = 0  # of its data, not read yet

    # -- the stream

    def _raw(self, count: int) -> bytes:
        """Up to `count` decompressed bytes; fewer only at the end of the stream."""
        parts: list[bytes] = []
        while count > 0:
            try:
                data = self._gzip.read(min(count, _CHUNK))
            except gzip.BadGzipFile:
                raise self._corrupt("it is not gzip-compressed") from None
            except EOFError:
                raise self._corrupt("it is truncated: its compressed data ends early") from None
            except zlib.error as exc:
                raise self._corrupt(f"its compressed data is damaged ({exc})") from None
            except OSError as exc:
                raise self._corrupt(f"it cannot be read ({exc.strerror or exc})") from None
            if not data:
                break
            parts.append(data)
            count -= len(data)
        return b"".join(parts)

    def _corrupt(self, why: str) -> GateError:
        archive = f"the chart archive {self.where}" if self.where else "this chart archive"
        return GateError(
            f"{archive} cannot be loaded: {why} ({self.at}); helm fails on it too "
            "('error unpacking subchart'): run `helm dependency build` or `helm package` "
            "again to recreate it, or remove it",
            self.budget.file,
        )

    def read(self, count: int) -> bytes:
        """Up to `count` bytes of the current entry's data, counted as they come."""
        count = min(count, self._left)
        if count <= 0:
            return b""
        self.charge(count)
        data = self._raw(count)
        if len(data) < count:
            raise self._corrupt("it is truncated: an entry ends before its size")
        self._left -= count
        return data

    def charge(self, count: int) -> None:
        self.budget.left -= count
        if self.budget.left < 0:
            raise _archive_too_large(self.budget.file, self._named(), self.budget.limits)

    def read_all(self) -> bytes:
        """The current entry's data, known to be within the member bound."""
        parts: list[bytes] = []
        read = 0
        while self._left > 0:
            parts.append(self.read(_CHUNK))
            read += len(parts[-1])
            if read > self.budget.limits.archive_member_bytes:  # never past its header
                raise _member_too_large(self.budget.file, self._named(), self.budget.limits)
        return b"".join(parts)

    def _skip(self) -> None:
        while self._left > 0:
            self.read(_CHUNK)
        padding = -self.size % _BLOCK
        if padding and len(self._raw(padding)) < padding:
            raise self._corrupt("it is truncated: an entry ends before its size")

    def _named(self) -> str:
        return f"member {self.member!r}" + (f" of {self.where}" if self.where else "")

    # -- entries

    def next(self) -> bool:
        """Go to the next file entry; False at the end of the archive. Extension headers
        (pax, GNU long names) are applied, folders and links passed over."""
        self._skip()
        path: str | None = None
        size: int | None = None
        while True:
            self.at = f"after {self.member!r}" if self.member else "at its beginning"
            header = self._raw(_BLOCK)
            if not header or header == bytes(_BLOCK):
                return False  # the end, marked or not, as Go's archive/tar reads it
            if len(header) < _BLOCK:
                raise self._corrupt("it is truncated in the middle of a header")
            self.budget.members -= 1
            if self.budget.members < 0:
                raise GateError(
                    f"the chart archives of this chart hold more than {MAX_MEMBERS:,} entries "
                    "together (counting the archives inside archives), reached in this one; "
                    "gate stops there and no real chart comes close: remove the files the "
                    "chart does not need and package it again",
                    self.budget.file,
                )
            flag, name, header_size = self._header(header)
            self.regular = False
            if flag in (b"x", b"g", b"L", b"K"):
                self.member, self.size, self._left = name, header_size, header_size
                self.at = f"in {name!r}"
                if self.size > _EXTENSION_BYTES:
                    raise self._corrupt(f"an extension header is larger than {_size(MiB)}")
                data = self.read(self.size)
                self._skip()
                if flag == b"x":
                    records = self._pax(data)
                    if any(key.startswith("GNU.sparse.") for key in records):
                        raise self._corrupt("it holds a sparse file, which helm never writes")
                    path = records.get("path", path)
                    if "size" in records:
                        size = self._number(records["size"].encode(), pax=True)
                elif flag == b"L":
                    path = data.split(b"\0", 1)[0].decode("utf-8", errors="replace")
                continue
            self.member = path or name
            self.size = self._left = header_size if size is None else size
            self.at = f"in {self.member!r}"
            if flag == b"S":
                raise self._corrupt("it holds a sparse file, which helm never writes")
            if flag in (b"1", b"2", b"3", b"4", b"5", b"6"):  # links, devices, folders
                self.size = self._left = 0
            else:  # helm reads every other entry as a file; a name ending in / is a folder
                self.regular = not self.member.endswith("/")
            return True

    def _header(self, block: bytes) -> tuple[bytes, str, int]:
        stored = self._number(block[148:156])
        unsigned = sum(block) - sum(block[148:156]) + 8 * 0x20
        signed = unsigned - 256 * sum(1 for b in block[:148] + block[156:] if b > 127)
        if stored not in (unsigned, signed):
            raise self._corrupt("a tar header is damaged (its checksum does not match)")
        name = block[:100].split(b"\0", 1)[0]
        if block[257:263] == b"ustar\0":  # POSIX ustar: a long name is split at a /
            prefix = block[345:500].split(b"\0", 1)[0]
            if prefix:
                name = prefix + b"/" + name
        return block[156:157], name.decode("utf-8", errors="replace"), self._number(block[124:136])

    def _number(self, field: bytes, pax: bool = False) -> int:
        if not pax and field[:1] == b"\x80":  # GNU base-256
            return int.from_bytes(field[1:], "big")
        text = field.strip(b" \0")
        try:
            number = int(text, 10 if pax else 8) if text else 0
        except ValueError:
            number = -1
        if number < 0:
            raise self._corrupt("a tar header is damaged (an invalid number)")
        return number

    def _pax(self, data: bytes) -> dict[str, str]:
        """`LENGTH KEY=VALUE\\n` records."""
        records: dict[str, str] = {}
        start = 0
        while start < len(data) and data[start] != 0:
            space = data.find(b" ", start, start + 20)
            try:
                length = int(data[start:space]) if space > start else 0
            except ValueError:
                length = 0
            end = start + length
            if length <= space - start or end > len(data) or data[end - 1] != 0x0A:
                raise self._corrupt("a pax header is damaged")
            key, equals, value = data[space + 1 : end - 1].partition(b"=")
            if not equals:
                raise self._corrupt("a pax header is damaged")
            records[key.decode("utf-8", errors="replace")] = value.decode("utf-8", errors="replace")
            start = end
        return records


class _Entry:
    """The data of the current entry of a tar, as a stream (a .tgz inside a .tgz)."""

    def __init__(self, tar: _Tar):
        self._tar = tar

    def read(self, size: int, /) -> bytes:
        return self._tar.read(size if size >= 0 else _CHUNK)

    def seek(self, offset: int, /) -> object:
        raise io.UnsupportedOperation("a stream inside an archive is read forward only")


def _inside(name: str) -> str | None:
    """An archive member's path inside its chart: helm drops the first folder (the chart's
    name) and refuses paths that leave the chart, which are ignored here."""
    separator = "\\" if "\\" in name else "/"
    parts = name.split(separator)[1:]
    if not parts:
        return None
    path = posixpath.normpath("/".join(parts))
    if path in (".", "") or path.startswith(("/", "..")):
        return None
    return path


def _read_archive(raw: _Readable, budget: _Budget, depth: int, where: str = "") -> ChartFiles:
    """A chart packed as .tgz, at `depth` subcharts below the chart gate was given."""
    files: dict[str, str] = {}
    archives: dict[str, ChartFiles] = {}
    tar = _Tar(raw, budget, where)
    limits = budget.limits
    folder = ""  # the first folder of the members, as the archive lists them
    while tar.next():
        if not tar.regular:
            continue
        if tar.size > limits.archive_member_bytes:
            raise _member_too_large(budget.file, tar._named(), limits)
        if tar.size > budget.left:
            raise _archive_too_large(budget.file, tar._named(), limits)
        inside = _inside(tar.member)
        kind, levels = _kind(inside) if inside is not None else (None, 0)
        if kind is not None and depth + levels > MAX_DEPTH:
            raise _too_deep(budget.file, tar._named())
        if kind == "file" and inside is not None:
            data = tar.read_all()
            text = _text(data)
            # One character outside Latin-1 makes Python hold every character in 2 or 4
            # bytes: the budget pays for what the text really takes.
            tar.charge(max(0, sys.getsizeof(text) - sys.getsizeof(data)))
            files[inside] = text
            if inside == "Chart.yaml":
                folder = tar.member.replace("\\", "/").split("/", 1)[0]
        elif kind == "archive" and inside is not None:
            nested = f"{tar.member!r} " + (f"in {where}" if where else "inside it")
            archives[inside] = _read_archive(_Entry(tar), budget, depth + levels, nested)
    return _from_mapping(files, archives, limits, archive_folder=folder)


# --- folders ------------------------------------------------------------------------------

_NO_FOLLOW = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _open_folder(name: str | Path, parent: int | None, shown: str) -> int | None:
    """A folder opened without following a link; None when it is a link or gone."""
    try:
        return os.open(name, _NO_FOLLOW | os.O_DIRECTORY, dir_fd=parent)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOENT, errno.ENOTDIR):
            return None
        why = exc.strerror or str(exc)
        raise GateError(f"this chart folder cannot be read ({why})", shown) from None


def _open_file(name: str, parent: int, shown: str) -> BinaryIO | None:
    """A regular file of a chart folder, opened relative to its folder without following
    a link; None for anything else (a link swapped in since the listing, a fifo, ...)."""
    try:
        descriptor = os.open(name, _NO_FOLLOW | os.O_NONBLOCK, dir_fd=parent)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENXIO):
            return None  # a link after all, or a socket
        raise GateError(f"this chart file cannot be read ({exc.strerror or exc})", shown) from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        return None
    return open(descriptor, "rb", buffering=_CHUNK, closefd=True)


def _read_file(name: str, parent: int, shown: str, limits: Limits) -> bytes | None:
    """A file of a chart folder, never more than helm would read."""
    handle = _open_file(name, parent, shown)
    if handle is None:
        return None
    with handle:
        try:
            data = handle.read(limits.archive_member_bytes + 1)
        except OSError as exc:
            raise GateError(
                f"this chart file cannot be read ({exc.strerror or exc})", shown
            ) from None
    if len(data) > limits.archive_member_bytes:
        raise GateError(
            f"this chart file is larger than {_size(limits.archive_member_bytes)} "
            "(limits.archive_member_bytes, helm's own bound on one chart file, which makes "
            "helm refuse it too); shrink it, or, if the chart really needs it, raise "
            "limits.archive_member_bytes in gate.yaml",
            shown,
        )
    return data


def _read_archive_file(
    name: str, parent: int, shown: str, budget: _Budget, depth: int
) -> ChartFiles | None:
    handle = _open_file(name, parent, shown)
    if handle is None:
        return None
    with handle:
        budget.file = shown
        return _read_archive(handle, budget, depth)


class _Folder:
    """A chart folder read from the top down, depth first: each folder opened relative
    to its parent without following a link, only while its entries are read (so the
    descriptors held are one per level), and only the folders that can hold a chart's
    files entered."""

    def __init__(self, folder: Path, limits: Limits):
        self.folder, self.limits = folder, limits
        self.files: dict[str, str] = {}
        self.archives: dict[str, ChartFiles] = {}
        self.budget = _Budget(limits, limits.archive_bytes)

    def read(self) -> ChartFiles:
        root = _open_folder(self.folder, None, _shown(self.folder))
        if root is None:
            return _from_mapping(self.files, self.archives, self.limits)
        open_: list[tuple[int, str, Iterator[tuple[str, bool]]]] = []
        try:
            open_.append((root, "", self._listing(root, "")))
            while open_:
                descriptor, prefix, entries = open_[-1]
                entry = next(entries, None)
                if entry is None:
                    os.close(descriptor)
                    open_.pop()
                    continue
                name, is_folder = entry
                inside = prefix + name
                if not is_folder:
                    self._file(descriptor, name, inside)
                elif _descend(inside):
                    shown = _shown(self.folder / inside)
                    if _levels(inside)[0] > MAX_DEPTH:
                        raise _too_deep(shown, "this folder")
                    opened = _open_folder(name, descriptor, shown)
                    if opened is not None:
                        open_.append((opened, inside + "/", self._listing(opened, inside)))
        finally:
            for descriptor, _, _ in open_:
                os.close(descriptor)
        return _from_mapping(self.files, self.archives, self.limits)

    def _listing(self, descriptor: int, inside: str) -> Iterator[tuple[str, bool]]:
        """The entries of a folder that are no links, by name, and whether each is a
        folder."""
        try:
            with os.scandir(descriptor) as listing:
                entries = sorted(
                    (e.name, e.is_dir(follow_symlinks=False))
                    for e in listing
                    if not e.is_symlink()  # never followed, whatever it points to
                )
        except OSError as exc:
            raise GateError(
                f"this chart folder cannot be read ({exc.strerror or exc})",
                _shown(self.folder / inside),
            ) from None
        return iter(entries)

    def _file(self, descriptor: int, name: str, inside: str) -> None:
        kind, depth = _kind(inside)
        if kind is None:
            return
        shown = _shown(self.folder / inside)
        if depth > MAX_DEPTH:
            raise _too_deep(shown, "this file")
        if kind == "file":
            data = _read_file(name, descriptor, shown, self.limits)
            if data is not None:
                self.files[inside] = _text(data)
        else:
            sub = _read_archive_file(name, descriptor, shown, self.budget, depth)
            if sub is not None:
                self.archives[inside] = sub


@functools.cache
def read_chart(folder: Path, limits: Limits = DEFAULT_LIMITS) -> ChartFiles:
    """The chart at `folder`, read once per process and limits. Raises GateError when an
    archive or file under it is over a limit, or an archive is corrupt."""
    return _Folder(folder, limits).read()
