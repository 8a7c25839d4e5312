#!/usr/bin/env python3
"""Lint the GitHub Actions files of the repository, as `make test` does.

- jactionlint (actionlint's checks, plus composite-action metadata and script
  injection inside composite steps) on the workflows and action.yml, with shellcheck
  on every `run:` script and ruff on Python ones, offline;
- action.yml against SchemaStore's schema of action metadata (tests/schemas/).

Both linters come from the wheels pinned in scripts/lint-tools.txt, installed into the
venv whose Python runs this script.

Usage: lint_actions.py [--root DIR] [FILE...]
       (default: DIR's .github/workflows/*.yml and action.yml; DIR: this repository)
Exit 0 when every file passes, 1 when one does not, 2 when a linter is missing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import yaml
from jsonschema import Draft7Validator

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "tests" / "schemas" / "github-action.json"
ACTION_FILES = ("action.yml", "action.yaml")


def default_files(root: Path) -> list[Path]:
    workflows = sorted((root / ".github" / "workflows").glob("*.y*ml"))
    return workflows + [root / name for name in ACTION_FILES if (root / name).is_file()]


def tool(name: str) -> Path:
    path = Path(sys.executable).parent / name
    if not path.exists():
        sys.exit(
            f"lint_actions: {path} is missing; `make test` installs it from scripts/lint-tools.txt"
        )
    return path


def schema_errors(action: Path) -> list[str]:
    try:
        document = yaml.safe_load(action.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        return [f"{action}: not YAML ({error})"]
    validator = Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    return [
        f"{action}: {'.'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO, help="the repository to lint")
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    root = args.root.resolve()
    files = [f if f.is_absolute() else root / f for f in args.files] or default_files(root)
    if not files:
        print(f"lint_actions: no workflow or action.yml under {root}", file=sys.stderr)
        return 1
    linter = [
        str(tool("jactionlint")),
        "--no-online",
        "--color=never",
        f"--shellcheck={tool('shellcheck')}",
        f"--ruff={tool('ruff')}",
        *(str(f.relative_to(root)) if f.is_relative_to(root) else str(f) for f in files),
    ]
    failed = subprocess.run(linter, cwd=root, check=False).returncode != 0
    for action in (f for f in files if f.name in ACTION_FILES):
        for line in schema_errors(action):
            print(line)
            failed = True
    if not failed:
        print(f"lint_actions: {len(files)} files pass jactionlint and the action schema")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
