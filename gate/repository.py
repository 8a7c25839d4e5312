"""The repository gate checks, and the fence around it.

gate runs on pull requests nobody has reviewed yet, so a path in gate.yaml, a
values file or a symlink committed in a chart must not make it read a file
outside the repository (a CI secret in /proc/<pid>/environ, a runner's
credentials) into a rendering or a report, or write outside it. Every path
gate reads or writes is checked here, resolved the way the operating system
will resolve it.

The root is the git work tree that holds gate.yaml (the nearest folder above it
with a `.git`), or gate.yaml's folder outside git. gate.yaml's `read_outside`
names further folders gate may read charts, values and policies from.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gate.errors import GateError

# Folders whose files are the machine's, not a repository's: never readable through
# `read_outside`, whatever gate.yaml says.
_SYSTEM = tuple(Path(p) for p in ("/proc", "/sys", "/dev", "/etc", "/run"))


def find_root(config_file: Path) -> Path:
    """The git work tree holding `config_file`, else the folder it is in (resolved).

    git itself is not asked: a repository's own git configuration can run commands
    (core.fsmonitor), and a `.git` entry is all a work tree needs to be one."""
    folder = config_file.absolute().parent.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


@dataclass(frozen=True)
class Fence:
    """What gate may read (the root and `read_outside`) and write (the root)."""

    root: Path
    readable: tuple[Path, ...] = ()

    @property
    def git(self) -> Path:
        """The repository's own git folder: the checkout's credentials live there
        (actions/checkout keeps the job token in .git/config), so it is outside."""
        return self.root / ".git"

    def may_read(self, path: Path) -> bool:
        resolved = path.resolve()
        if _within(resolved, self.git):
            return False
        return any(_within(resolved, folder) for folder in (self.root, *self.readable))

    def names_inside(self, path: Path) -> bool:
        """Whether `path`, as written (links not followed), is inside the root."""
        return _within(Path(os.path.abspath(path)), self.root)

    def may_write(self, path: Path) -> bool:
        """A path gate writes: the folder it lands in, resolved, is inside the root.
        The file itself is replaced by a rename, which never follows a link."""
        folder = path.absolute().parent.resolve()
        return _within(folder, self.root) and not _within(folder, self.git)

    def relative(self, file: str | Path) -> str:
        """A file as a report names it (DESIGN.md, "Repository root and paths"): relative
        to the root, however it was reached (gate run from a subfolder, --config with a
        path, an absolute path); `ARCHIVE#MEMBER` keeps its member. A file outside the
        root (a `read_outside` folder) keeps the path it was given, and so does a stream
        named in angle brackets (`<stdin>`)."""
        text = str(file)
        if not text or (text.startswith("<") and text.endswith(">")):
            return text
        head, mark, member = text.partition("#")
        absolute = Path(os.path.normpath(os.path.abspath(head)))
        # The root is resolved: a link on the way to the working folder (macOS /tmp)
        # must not put the file outside it.
        resolved = Path(os.path.realpath(absolute.parent)) / absolute.name
        for candidate in (absolute, resolved):
            try:
                inside = candidate.relative_to(self.root)
            except ValueError:
                continue
            return inside.as_posix() + mark + member
        return text

    def check_read(
        self, path: Path, what: str, file: Path | str | None = None, line: int | None = None
    ) -> None:
        """Refuse a file or folder outside the fence, naming where it was given."""
        if not self.may_read(path):
            raise GateError(
                f"{what} {str(path)!r} resolves to {path.resolve()}, outside the repository "
                f"{self.root}; keep it inside the repository, or list its folder under "
                "`read_outside` in gate.yaml",
                file,
                line,
            )

    def check_links(self, folder: Path, what: str) -> None:
        """Every symlink under `folder` (a chart helm will read, following links) must
        stay inside the fence; a dangling link or a loop is refused too."""
        for link in _links(folder):
            try:
                target = link.resolve(strict=True)
            except (OSError, RuntimeError):
                raise GateError(
                    f"{what} holds a symlink that leads nowhere or in a circle "
                    f"({os.readlink(link) if link.is_symlink() else '?'}); remove it or "
                    "replace it with the file itself",
                    link,
                ) from None
            if not self.may_read(target):
                raise GateError(
                    f"{what} holds a symlink to {target}, outside the repository; helm would "
                    "read that file into the rendering, so gate refuses it: replace the link "
                    "with the file itself",
                    link,
                )


def _links(folder: Path) -> Iterable[Path]:
    """The symlinks under `folder`, without following any."""
    for current, folders, files in os.walk(folder, followlinks=False):
        for name in (*folders, *files):
            path = Path(current) / name
            if path.is_symlink():
                yield path


def readable_folders(
    entries: Sequence[str], base: Path, root: Path, file: Path, lines: Sequence[int | None]
) -> tuple[Path, ...]:
    """gate.yaml's `read_outside`: existing folders, none holding the repository itself or
    the machine's own files."""
    folders: list[Path] = []
    for entry, line in zip(entries, lines, strict=True):
        folder = (base / entry).resolve()
        if not folder.is_dir():
            raise GateError(f"read_outside: {entry!r} is not a folder; fix the path", file, line)
        if _within(root, folder) or any(
            _within(folder, system) or _within(system, folder) for system in _SYSTEM
        ):
            raise GateError(
                f"read_outside: {entry!r} ({folder}) holds the repository or the machine's own "
                "files; name the folder of the charts or values themselves",
                file,
                line,
            )
        folders.append(folder)
    return tuple(folders)
