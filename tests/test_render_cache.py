"""The render cache: an unchanged target is not rendered again, a changed one is, and
nothing a pull request plants in the cache changes a verdict (docs/security.md).

The CLI tests run gate as users do, with real Helm 3 and Helm 4, in a tmp_path
repository holding its own copy of a chart (so a test can edit a template) and
its own machine key (XDG_CACHE_HOME), and read what ran from `--timings`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.helm import Helm
from gate.render_cache import Kept, RenderCache, folder_digest, render_key
from gate.repository import Fence
from gate.timings import STAGES
from tests.conftest import REPO
from tests.gate_cli import Run, run

CHART = REPO / "tests" / "fixtures" / "charts" / "random-secret"
IMAGE = "registry.example.com/team/app@sha256:" + "1" * 64
# The chart's cpu request, and the same requests without it (resource-requests fails).
WITH_CPU = "requests:\n              cpu: 100m\n              memory"
WITHOUT_CPU = "requests:\n              memory"


class Repo:
    """A repository with a chart of its own, a gate.yaml, and a private machine key."""

    def __init__(self, root: Path, helm: str) -> None:
        self.root, self.helm = root, helm
        self.chart = root / "chart"
        shutil.copytree(CHART, self.chart)
        self.env = {"XDG_CACHE_HOME": str(root.parent / f"{root.name}-xdg")}
        self.configure()

    def configure(self, golden: bool = False, **extra: Any) -> None:
        data: dict[str, Any] = {
            "targets": [
                {
                    "name": "app",
                    "chart": "chart",
                    "release": "app",
                    "profiles": {
                        "dev": {"set": {"image": IMAGE}},
                        "prod": {"values": ["prod.yaml"]},
                    },
                }
            ],
            **extra,
        }
        if golden:
            data["golden"] = {"dir": "golden"}
        (self.root / "gate.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        if not (self.root / "prod.yaml").exists():
            (self.root / "prod.yaml").write_text(f"image: {IMAGE}\nreplicas: 2\n")

    def gate(self, *args: str, env: dict[str, str] | None = None) -> Run:
        result = run(*args, "--helm", self.helm, cwd=self.root, env={**self.env, **(env or {})})
        assert "Traceback" not in result.stderr, result.stderr
        assert "internal error" not in result.stderr, result.stderr
        return result

    def check(self, *args: str) -> tuple[Run, dict[str, Any], dict[str, Timing]]:
        out = self.root / "report.json"
        out.unlink(missing_ok=True)
        result = self.gate("check", "--timings", *args, "--format", f"json:{out}")
        assert out.is_file(), result.output
        report = json.loads(out.read_text())
        return result, report, timings(result.stderr)

    def entries(self) -> list[Path]:
        return sorted((self.root / ".gate-cache" / "renders").rglob("*.json"))


Timing = dict[str, float]


def timings(stderr: str) -> dict[str, Timing]:
    """The --timings table: stage -> seconds, objects, helm calls, cache hits; and the
    count of second renders under "second"."""
    table: dict[str, Timing] = {}
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["stage", "seconds"])
    for line in lines[start + 1 :]:
        cells = line.split()
        if cells[0] == "wall":
            table["wall"] = {"seconds": float(cells[1])}
        elif line.startswith("second renders:"):
            table["second"] = {"count": float(cells[-1])}
        elif line.startswith("findings of all"):
            table["results"] = {"pairs": float(cells[3])}
        elif line.startswith("masks from the render cache:"):
            table["masks"] = {"count": float(cells[-1])}
        elif cells[0] in STAGES:
            seconds, objects, helm, hits = cells[1:5]
            table[cells[0]] = {
                "seconds": float(seconds),
                "objects": int(objects),
                "helm": int(helm),
                "hits": int(hits),
            }
    return table


def _runs(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The runs of a report, without the time they took."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in report["runs"]]


def verdict(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return sorted(
        (f["rule"], f["profile"], f.get("object") or "", f["message"]) for f in report["findings"]
    )


@pytest.fixture
def repo(tmp_path: Path, helm_path: str) -> Repo:
    root = tmp_path / "repo"
    root.mkdir()
    return Repo(root, helm_path)


# --- reuse ----------------------------------------------------------------------------------


def test_a_second_run_renders_nothing_and_reports_the_same(repo: Repo) -> None:
    first, cold, cold_times = repo.check()
    second, warm, warm_times = repo.check()
    assert cold_times["render"]["helm"] == 2 and cold_times["render"]["hits"] == 0
    # Nothing changed: the whole check's findings are reused, nothing is rendered.
    assert warm_times["render"]["helm"] == 0 and warm_times["results"]["pairs"] == 2
    assert "results" not in cold_times
    assert (first.code, verdict(cold)) == (second.code, verdict(warm))
    assert _runs(warm) == _runs(cold)
    assert len(repo.entries()) == 2
    # One pair asked for: another check, its rendering from the render cache.
    _, _, one = repo.check("--profile", "dev")
    assert (one["render"]["helm"], one["render"]["hits"]) == (0, 1)
    assert "results" not in one


def test_a_changed_values_file_renders_only_its_pair_again(repo: Repo) -> None:
    repo.check()
    (repo.root / "prod.yaml").write_text(f"image: {IMAGE}\nreplicas: 3\n")
    _, _, times = repo.check()
    assert (times["render"]["helm"], times["render"]["hits"]) == (1, 1)


def test_a_changed_template_is_rendered_again_and_judged_again(repo: Repo) -> None:
    _, before, _ = repo.check()
    assert not [f for f in before["findings"] if f["rule"] == "resource-requests"]
    template = repo.chart / "templates" / "deployment.yaml"
    text = template.read_text()
    template.write_text(text.replace(WITH_CPU, WITHOUT_CPU))
    _, after, times = repo.check()
    assert times["render"]["helm"] == 2
    assert [f for f in after["findings"] if f["rule"] == "resource-requests"]


def test_no_cache_renders_everything_and_keeps_nothing(repo: Repo) -> None:
    repo.check("--no-cache")
    assert repo.entries() == []
    repo.check()
    _, _, times = repo.check("--no-cache")
    assert (times["render"]["helm"], times["render"]["hits"]) == (2, 0)


def test_without_a_private_place_for_a_key_nothing_is_cached(repo: Repo) -> None:
    result = repo.gate("check", "--timings", env={"XDG_CACHE_HOME": "", "HOME": ""})
    assert result.code in (0, 1), result.output
    assert repo.entries() == []


# --- randomness -----------------------------------------------------------------------------


def test_a_random_chart_renders_once_without_golden_files(repo: Repo) -> None:
    _, _, times = repo.check()
    assert times["second"]["count"] == 0
    assert times["render"]["helm"] == 2


def test_a_random_chart_keeps_its_mask_when_taken_from_the_cache(repo: Repo) -> None:
    repo.configure(golden=True)
    update = repo.gate("golden", "update", "--no-cache")
    assert update.code == 0, update.output
    first, cold, cold_times = repo.check()
    shutil.rmtree(repo.root / ".gate-cache" / "results")  # the renderings, not the verdict
    second, warm, warm_times = repo.check()
    assert cold_times["second"]["count"] == 2  # golden files, random chart: both profiles
    assert warm_times["render"]["helm"] == 0 and warm_times["masks"]["count"] == 2
    assert warm_times["second"]["count"] == 0
    assert first.code == second.code == 0, second.output
    assert verdict(cold) == verdict(warm)
    assert [f for f in warm["findings"] if f["rule"] == "golden-nondeterministic"]
    assert not [f for f in warm["findings"] if f["rule"] == "golden-drift"]
    # Each entry holds its rendering and the mask a second rendering gave: the secret.
    for entry in repo.entries():
        mask = json.loads(entry.read_text())["mask"]
        assert mask and any(["data", "password"] in paths for _, paths in mask), mask


def test_an_entry_with_one_rendering_never_stands_in_for_two(repo: Repo) -> None:
    repo.check()  # no golden files: one rendering per entry
    assert all(json.loads(e.read_text())["mask"] is None for e in repo.entries())
    repo.configure(golden=True)
    update = repo.gate("golden", "update", "--timings")
    times = timings(update.stderr)
    # Each pair's first rendering from the cache, its second from helm: one call each.
    assert (times["render"]["helm"], times["second"]["count"]) == (2, 2)
    assert all(json.loads(e.read_text())["mask"] for e in repo.entries())
    result, report, _ = repo.check()
    assert result.code == 0, result.output
    assert not [f for f in report["findings"] if f["rule"] == "golden-drift"]


# --- hostile: what a pull request can plant --------------------------------------------------


def _missing_requests(report: dict[str, Any]) -> list[Any]:
    return [f for f in report["findings"] if f["rule"] == "resource-requests"]


def _drop_requests(repo: Repo) -> None:
    template = repo.chart / "templates" / "deployment.yaml"
    template.write_text(template.read_text().replace(WITH_CPU, WITHOUT_CPU))


def test_an_edited_entry_cannot_hide_a_finding(repo: Repo) -> None:
    _drop_requests(repo)
    _, before, _ = repo.check()
    assert _missing_requests(before)
    for entry in repo.entries():  # the pull request "fixes" the cached rendering
        data = json.loads(entry.read_text())
        data["stream"] = data["stream"].replace(WITHOUT_CPU, WITH_CPU)
        entry.write_text(json.dumps(data))
    shutil.rmtree(repo.root / ".gate-cache" / "results")  # only renderings are planted
    _, after, times = repo.check()
    assert times["render"]["hits"] == 0 and times["render"]["helm"] == 2
    assert verdict(after) == verdict(before)


def test_an_edited_result_cannot_hide_a_finding(repo: Repo) -> None:
    _drop_requests(repo)
    _, before, _ = repo.check()
    assert _missing_requests(before)
    (entry,) = (repo.root / ".gate-cache" / "results").rglob("*.json")
    data = json.loads(entry.read_text())
    kept = json.loads(data["stream"])
    kept["findings"] = []  # the pull request's verdict: nothing found
    entry.write_text(json.dumps({**data, "stream": json.dumps(kept)}))
    _, after, times = repo.check()
    assert "results" not in times
    assert verdict(after) == verdict(before)


def test_entries_made_with_another_key_are_not_trusted(repo: Repo, tmp_path: Path) -> None:
    """A pull request commits a whole .gate-cache made on its author's machine for the
    rendering it wants seen: the right keys, the right format, another machine's MAC."""
    _drop_requests(repo)
    clean = Repo(tmp_path / "author", repo.helm)  # the author's copy, with requests
    shutil.rmtree(clean.chart)
    shutil.copytree(repo.chart, clean.chart)
    template = clean.chart / "templates" / "deployment.yaml"
    template.write_text(template.read_text().replace(WITHOUT_CPU, WITH_CPU))
    clean.check()
    planted = repo.root / ".gate-cache" / "renders"
    for entry in clean.entries():  # re-keyed as the victim's renderings would be
        data = json.loads(entry.read_text())
        victim = _victim_keys(repo)
        for key in victim:
            target = planted / key[:2] / f"{key}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps({**data, "key": key}))
    _, report, times = repo.check()
    assert times["render"]["hits"] == 0
    assert _missing_requests(report)


def _victim_keys(repo: Repo) -> list[str]:
    """The keys gate computes for the victim repository's two pairs (the attacker can
    compute them as well: they hide nothing)."""
    code = (
        "import sys, pathlib\n"
        "from gate.config import load_config\n"
        "from gate.helm import find_helm\n"
        "from gate.pipeline import Gate, select\n"
        "config = load_config(pathlib.Path('gate.yaml'))\n"
        "gate = Gate.load(config)\n"
        "helm = find_helm(sys.argv[1])\n"
        "with gate.charts(helm) as charts, gate.renderer(helm, charts) as renderer:\n"
        "    for target, profile in select(config, [], []):\n"
        "        folder = charts.folder(target.chart)\n"
        "        print(renderer.key(target, profile, folder))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, repo.helm],
        cwd=repo.root,
        env={**os.environ, **repo.env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()


def test_a_shard_folder_linked_out_of_the_repository_is_never_written(
    repo: Repo, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    keys = _victim_keys(repo)
    renders = repo.root / ".gate-cache" / "renders"
    renders.mkdir(parents=True)
    for key in keys:
        (renders / key[:2]).symlink_to(outside, target_is_directory=True)
    result, _, _ = repo.check()
    assert result.code in (0, 1), result.output
    assert list(outside.iterdir()) == []


def test_two_gates_sharing_a_cache_agree(repo: Repo) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GATE_HELM"} | repo.env
    command = [sys.executable, "-m", "gate", "check", "--helm", repo.helm, "--format", "json"]
    processes = [
        subprocess.Popen(command, cwd=repo.root, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    codes = {p.returncode for p in processes}
    assert codes <= {0, 1} and len(codes) == 1
    assert len({json.dumps(verdict(json.loads(o))) for o in outputs}) == 1
    for entry in repo.entries():  # every entry whole and signed
        json.loads(entry.read_text())["mac"]
    _, _, times = repo.check()
    assert times["render"]["helm"] == 0


# --- configuration --------------------------------------------------------------------------


def test_cache_dir_moves_the_cache(repo: Repo) -> None:
    repo.configure(cache={"dir": "build/gate-cache"})
    repo.check()
    assert repo.entries() == []
    assert list((repo.root / "build" / "gate-cache" / "renders").rglob("*.json"))


def test_a_cache_dir_outside_the_repository_is_refused(repo: Repo) -> None:
    repo.configure(cache={"dir": "../elsewhere"})
    result = repo.gate("check")
    assert result.code == 2
    assert "gate.yaml" in result.stderr and "cache.dir" in result.stderr


def test_the_cache_is_kept_under_max_mb(repo: Repo) -> None:
    renders = repo.root / ".gate-cache" / "renders" / "ff"
    renders.mkdir(parents=True)
    old = renders / ("f" * 64 + ".json")
    old.write_text("x" * (2 * 1024 * 1024))  # an old 2 MB entry, least recently used
    os.utime(old, (1, 1))
    repo.configure(cache={"max_mb": 1})
    repo.check()
    assert not old.exists()
    assert repo.entries()  # today's entries (a few kB) fit


# --- units ----------------------------------------------------------------------------------


def test_folder_digest_sees_contents_names_and_links(tmp_path: Path) -> None:
    folder = tmp_path / "chart"
    (folder / "templates").mkdir(parents=True)
    (folder / "templates" / "a.yaml").write_text("a: 1\n")
    first = folder_digest(folder)
    assert first is not None and folder_digest(folder) == first
    (folder / "templates" / "a.yaml").write_text("a: 2\n")
    changed = folder_digest(folder)
    assert changed not in (None, first)
    (folder / "templates" / "a.yaml").rename(folder / "templates" / "b.yaml")
    renamed = folder_digest(folder)
    assert renamed not in (None, first, changed)
    (folder / "link").symlink_to("/etc/passwd")
    linked = folder_digest(folder)
    assert linked not in (None, renamed)


def test_folder_digest_gives_up_past_its_bound(tmp_path: Path) -> None:
    from gate.limits import Limits

    folder = tmp_path / "chart"
    folder.mkdir()
    (folder / "big").write_bytes(b"x" * 4096)
    assert folder_digest(folder, Limits(archive_bytes=1024)) is None
    assert folder_digest(folder, Limits(archive_bytes=8192)) is not None


def test_render_key_changes_with_each_input(tmp_path: Path) -> None:
    values = tmp_path / "v.yaml"
    values.write_text("a: 1\n")
    helm = Helm(sys.executable, "v4.1.4")
    base = render_key(helm, ["template", "--namespace=a"], "d", [values])
    assert base is not None
    assert render_key(helm, ["template", "--namespace=b"], "d", [values]) != base
    assert render_key(helm, ["template", "--namespace=a"], "e", [values]) != base
    assert (
        render_key(Helm(sys.executable, "v3.17.3"), ["template", "--namespace=a"], "d", [values])
        != base
    )
    values.write_text("a: 2\n")
    assert render_key(helm, ["template", "--namespace=a"], "d", [values]) != base


def test_a_cache_reads_only_what_it_signed(tmp_path: Path) -> None:
    fence = Fence(tmp_path)
    cache = RenderCache(tmp_path / "renders", b"k" * 32, 1 << 20, fence, 1 << 20)
    key = "ab" * 32
    assert cache.get(key) is None
    cache.put(key, "kind: A\n")
    assert cache.get(key) == Kept("kind: A\n", None)
    cache.put(key, "kind: A\n", [(0, [("data", "password")])])
    assert cache.get(key) == Kept("kind: A\n", ((0, (("data", "password"),)),))
    other = RenderCache(tmp_path / "renders", b"j" * 32, 1 << 20, fence, 1 << 20)
    assert other.get(key) is None  # another machine's key
    entry = tmp_path / "renders" / "ab" / f"{key}.json"
    data = json.loads(entry.read_text())
    entry.write_text(json.dumps({**data, "stream": "kind: B\n"}))
    assert cache.get(key) is None  # edited
    entry.write_text(json.dumps({**data, "mask": None}))
    assert cache.get(key) is None  # a mask dropped: would stand in for two renderings
    entry.unlink()
    entry.symlink_to(tmp_path / "elsewhere.json")
    (tmp_path / "elsewhere.json").write_text(json.dumps(data))
    assert cache.get(key) is None  # a link, even to a good entry
    small = RenderCache(tmp_path / "renders", b"k" * 32, 1 << 20, fence, 10)
    entry.unlink()
    cache.put(key, "kind: A\n")
    assert small.get(key) is None  # larger than any rendering could be


def test_a_cache_size_of_zero_is_refused(repo: Repo) -> None:
    repo.configure(cache={"max_mb": 0})
    result = repo.gate("check")
    assert result.code == 2
    assert "cache.max_mb must be a positive whole number" in result.stderr


def test_the_values_analysis_masks_a_random_chart_only_when_it_re_renders(repo: Repo) -> None:
    """No golden files: a profile without unknown keys renders once; a profile with a
    misspelt key is re-rendered to confirm it, and the random password must not read as
    the key's effect, so that pair (only) is rendered a second time to find the mask."""
    (repo.root / "prod.yaml").write_text(f"image: {IMAGE}\nreplica: 2\n")  # replicas, misspelt
    result, report, times = repo.check("--no-cache")
    unknown = [f for f in report["findings"] if f["rule"] == "values-unknown-key"]
    assert [(f["profile"], f["path"]) for f in unknown] == [("prod", "replica")], result.output
    assert times["second"]["count"] == 1
    assert "app (1 profile): values analysis" in result.stderr


def test_set_values_that_are_lists_and_maps_render_and_cache(repo: Repo) -> None:
    """`set` may hold a list or a map (gate.yaml is YAML): a profile is not a hashable
    key anywhere in the renderer."""
    repo.configure(golden=True)
    data = yaml.safe_load((repo.root / "gate.yaml").read_text())
    data["targets"][0]["profiles"]["dev"]["set"] = {"image": IMAGE, "extra": {"a": [1, 2]}}
    (repo.root / "gate.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    assert repo.gate("golden", "update").code == 0
    first, cold, _ = repo.check()
    second, warm, times = repo.check()
    assert first.code == second.code == 1, first.output  # `extra` is read by no template
    assert [f["path"] for f in cold["findings"] if f["rule"] == "values-unknown-key"] == ["extra"]
    assert verdict(warm) == verdict(cold)
    assert times["results"]["pairs"] == 2
