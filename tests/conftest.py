"""Shared fixtures: the repository, and real helm binaries of both majors.

Every test that renders takes `helm_path`, so it runs once with Helm 3 and
once with Helm 4. `make test` installs both pinned helms into .tools/ first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HELMS = {"3": REPO / ".tools" / "helm3" / "helm", "4": REPO / ".tools" / "helm4" / "helm"}


@pytest.fixture(params=sorted(HELMS), ids=lambda major: f"helm{major}")
def helm_path(request: pytest.FixtureRequest) -> str:
    path = HELMS[request.param]
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make tools-all` (make test does) to install it")
    return str(path)


@pytest.fixture
def repo() -> Path:
    return REPO


# What GitHub Actions sets changes what gate prints (the github format by default) and
# where it writes (the job summary): the suite runs in GitHub Actions too, and each test
# that wants these sets them itself.
GITHUB_VARIABLES = (
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_SHA",
)


@pytest.fixture(autouse=True)
def _outside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in GITHUB_VARIABLES:
        monkeypatch.delenv(name, raising=False)
