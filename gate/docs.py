"""Where gate's own documentation is, so that a message can name a file that exists.

A message that says "see docs/configuration.md" means nothing to someone who
installed gate with pipx: there is no docs/ folder in their repository. The docs
ship inside the wheel (pyproject.toml force-includes docs/ as gate/_docs), and
messages name them through doc_path(), which resolves to the installed copy, or to
the repository's docs/ when gate runs from a source checkout.
"""

from __future__ import annotations

from pathlib import Path


def docs_dir() -> Path:
    """gate/_docs inside an installed wheel, else the repository's docs/."""
    package = Path(__file__).resolve().parent
    bundled = package / "_docs"
    return bundled if bundled.is_dir() else package.parent / "docs"


def doc_path(name: str = "") -> Path:
    """The file `name` (e.g. "configuration.md") of gate's docs, or the folder."""
    return docs_dir() / name if name else docs_dir()
