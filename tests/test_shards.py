"""`--shard K/N` and `gate report merge`: N shards cover every target x profile pair
exactly once, and their merged report is the report of one unsharded run.

The end-to-end test generates a repository of 30 targets (tiny charts of 1 to 34
templates, 1 to 3 profiles, some with Deployments the built-in pack finds fault with),
runs it whole and as three shards with real helm, merges the shards, and compares.
It prints how the shards' measured time and estimated cost were spread (pytest -s).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from gate.config import Profile, Target
from gate.errors import GateError
from gate.limits import DEFAULT_LIMITS
from gate.shards import parse, partition, target_cost
from tests.gate_cli import Run, run

SIZES = (1, 2, 3, 5, 8, 13, 21, 34)
CONFIG_MAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{{{ .Release.Name }}}}-{number}
data:
  tag: {{{{ .Values.tag | default "1.0" | quote }}}}
{keys}
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers:
        - name: app
          image: registry.example.com/app:{{ .Values.tag | default "1.0" }}
"""


def make_repository(root: Path, count: int = 30) -> list[tuple[str, str]]:
    """`count` targets; returns every (target, profile) in gate.yaml's order."""
    (root / ".git").mkdir(parents=True)
    keys = "\n".join(
        f'  key{j}: {{{{ .Values.v{j} | default "value {j}" | quote }}}}' for j in range(60)
    )
    targets, pairs = [], []
    for index in range(count):
        name = f"t{index:02d}"
        chart = root / "charts" / name
        (chart / "templates").mkdir(parents=True)
        (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n")
        for number in range(SIZES[index % len(SIZES)]):
            text = CONFIG_MAP.format(number=number, keys=keys)
            (chart / "templates" / f"cm{number}.yaml").write_text(text)
        if index % 4 == 0:
            (chart / "templates" / "deployment.yaml").write_text(DEPLOYMENT)
        profiles = {
            p: {"set": {"tag": f"1.{i}"}}
            for i, p in enumerate(("dev", "staging", "prod")[: 1 + index % 3])
        }
        targets.append({"name": name, "chart": f"charts/{name}", "profiles": profiles})
        pairs += [(name, profile) for profile in profiles]
    config = {
        "targets": targets,
        "exemptions": [
            # used in t00 only: unused nowhere, though t04 and t08 match its globs
            {
                "rule": "image-digest-pinned",
                "target": "t0*",
                "object": "Deployment/default/t00",
                "reason": "demo",
            },
            # matches no finding at all: unused, in whichever shard has t1*
            {"rule": "image-tag-not-latest", "target": "t1*", "reason": "never needed"},
            {
                "rule": "resource-requests",
                "target": "t2*",
                "reason": "old",
                "expires": dt.date(2020, 1, 1),
            },
        ],
    }
    (root / "gate.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    ghost = root / "golden" / "ghost" / "default.yaml"  # golden-stale, found by every shard
    ghost.parent.mkdir(parents=True)
    ghost.write_text("# Object: v1/ConfigMap/default/ghost\n")
    return pairs


def timed(root: Path, *args: str) -> tuple[Run, float]:
    started = time.monotonic()
    result = run(*args, cwd=root, timeout=600)
    assert "Traceback" not in result.stderr, result.stderr
    return result, time.monotonic() - started


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def test_three_shards_cover_every_pair_once_and_merge_into_the_unsharded_report(
    tmp_path: Path, helm_path: str
) -> None:
    root = tmp_path / "repo"
    pairs = make_repository(root)
    assert len(pairs) == 60

    whole, whole_seconds = timed(root, "check", "--helm", helm_path, "--jobs", "1",
                                 "--format", "json:whole.json",
                                 "--format", "sarif:whole.sarif")  # fmt: skip
    assert whole.code == 1, whole.output
    seconds, estimated = [], []
    for k in (1, 2, 3):
        shard, took = timed(root, "check", "--helm", helm_path, "--jobs", "1", "--shard",
                            f"{k}/3", "--format", f"json:shard{k}.json")  # fmt: skip
        assert shard.code in (0, 1), shard.output
        seconds.append(took)
        line = next(ln for ln in shard.stderr.splitlines() if f"shard {k}/3" in ln)
        estimated = line.split("shards: ")[1].rstrip(")").split()

    # Timed once more in the other order, the faster of two kept: the machine is shared,
    # and the first run after another pays for what that one left behind.
    for k in (3, 2, 1):
        _, took = timed(root, "check", "--helm", helm_path, "--jobs", "1", "--shard", f"{k}/3",
                        "--format", f"json:again{k}.json")  # fmt: skip
        seconds[k - 1] = min(seconds[k - 1], took)
        assert load(root / f"again{k}.json") == load(root / f"shard{k}.json")  # stable
    shards = [load(root / f"shard{k}.json") for k in (1, 2, 3)]
    ran = [(r["target"], r["profile"]) for s in shards for r in s["runs"]]
    assert sorted(ran) == sorted(pairs) and len(ran) == len(set(ran)) == 60
    for shard in shards:  # a target's profiles stay together
        names = [r["target"] for r in shard["runs"]]
        assert all(not set(names) & {r["target"] for r in other["runs"]}
                   for other in shards if other is not shard)  # fmt: skip

    merged = run("report", "merge", "shard3.json", "shard1.json", "shard2.json",
                 "--format", "json:merged.json", "--format", "text", cwd=root)  # fmt: skip
    assert "Traceback" not in merged.stderr, merged.stderr
    expected, got = load(root / "whole.json"), load(root / "merged.json")
    assert merged.code == whole.code == 1
    assert got["findings"] == expected["findings"]
    assert got["summary"] == expected["summary"]
    assert got["runs"] == expected["runs"]
    assert got == expected  # nothing else either: no shard, no selection left over
    rules = {f["rule"] for f in got["findings"]}
    assert {"golden-stale", "exemption-expired", "exemption-unused"} <= rules
    unused = [f for f in got["findings"] if f["rule"] == "exemption-unused"]
    assert [f["target"] for f in unused] == ["t1*"]
    assert "gate FAILED" in merged.stdout.splitlines()[-1]  # the text report of the merge

    # The merged SARIF describes its rules as a run's own SARIF does: from gate.yaml.
    sarif = run("report", "merge", "shard1.json", "shard2.json", "shard3.json",
                "--format", "sarif:merged.sarif", cwd=root)  # fmt: skip
    assert sarif.code == 1, sarif.stderr

    def described(document: dict[str, Any]) -> dict[str, Any]:
        return {
            rule["id"]: (rule["fullDescription"], rule["help"])
            for run_ in document["runs"]
            for rule in run_["tool"]["driver"]["rules"]
        }

    merged_rules = described(load(root / "merged.sarif"))
    whole_rules = described(load(root / "whole.sarif"))
    found = {f["rule"] for f in got["findings"]}
    assert found and all(merged_rules[rule] == whole_rules[rule] for rule in found)

    # What a shard spends rendering and checking: its time less that of a run of one
    # tiny pair (starting Python, reading gate.yaml and the schemas).
    _, fixed = timed(root, "check", "t09", "--helm", helm_path, "--format", "json:one.json")
    work = [max(s - fixed, 0.001) for s in seconds]
    print(
        f"\n{Path(helm_path).parent.name}: unsharded {whole_seconds:.2f} s; shards "
        f"{', '.join(f'{s:.2f}' for s in seconds)} s; less a one-pair run ({fixed:.2f} s): "
        f"{', '.join(f'{w:.2f}' for w in work)} s, max/mean {max(work) / (sum(work) / 3):.2f}; "
        f"estimated cost {' '.join(estimated)}"
    )


# --- the partition ----------------------------------------------------------------------------


def fake_pairs(
    tmp_path: Path, sizes: list[int], profiles: list[int]
) -> list[tuple[Target, Profile]]:
    pairs = []
    for index, (size, count) in enumerate(zip(sizes, profiles, strict=True)):
        chart = tmp_path / f"c{index}"
        chart.mkdir()
        (chart / "Chart.yaml").write_text("x" * size)
        target = Target(f"t{index}", chart, f"t{index}", "default",
                        tuple(Profile(f"p{n}") for n in range(count)))  # fmt: skip
        pairs += [(target, profile) for profile in target.profiles]
    return pairs


@pytest.mark.parametrize("count", [1, 2, 3, 5, 7, 40])
def test_the_parts_cover_every_pair_exactly_once(tmp_path: Path, count: int) -> None:
    sizes = [(i * 7919) % 200_000 for i in range(23)]
    pairs = fake_pairs(tmp_path, sizes, [1 + i % 3 for i in range(23)])
    parts = [partition(pairs, k, count) for k in range(1, count + 1)]
    chosen = [pair for part in parts for pair in part.pairs]
    key = [(t.name, p.name) for t, p in chosen]
    assert sorted(key) == sorted((t.name, p.name) for t, p in pairs) and len(set(key)) == len(key)
    assert len({part.shard.selection for part in parts}) == 1
    assert sorted(n for part in parts for n in part.shard.positions) == list(range(len(pairs)))
    # stable: asked again, the same answer
    assert [partition(pairs, k, count).pairs for k in range(1, count + 1)] == [
        p.pairs for p in parts
    ]
    # balanced: no part exceeds another by more than its largest target
    costs = parts[0].costs
    largest = max(target_cost(t, t.profiles, DEFAULT_LIMITS) for t, _ in pairs)
    assert max(costs) - min(costs) <= largest


def test_the_partition_depends_on_sizes_not_names(tmp_path: Path) -> None:
    pairs = fake_pairs(tmp_path, [900_000, 10, 10, 10, 10], [1, 1, 1, 1, 1])
    first = partition(pairs, 1, 2)
    assert [t.name for t, _ in first.pairs] == ["t0"]  # the big one alone
    assert len(partition(pairs, 2, 2).pairs) == 4


def test_a_planted_cache_changes_nothing(tmp_path: Path) -> None:
    pairs = fake_pairs(tmp_path, [1000, 2000, 3000, 4000], [1, 2, 1, 2])
    before = [partition(pairs, k, 2).pairs for k in (1, 2)]
    for target, _ in pairs:  # a pull request commits a huge .gate-cache into a chart
        cache = target.chart / ".gate-cache"
        cache.mkdir(exist_ok=True)
        (cache / "timings.json").write_text("9" * 10_000_000)
    (tmp_path / ".gate-cache").mkdir()
    (tmp_path / ".gate-cache" / "shards.json").write_text('{"t0": 1e9}')
    assert [partition(pairs, k, 2).pairs for k in (1, 2)] == before


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "a/b", "1/3x", "1-3", "", "/", "-1/3", "1/"])
def test_an_invalid_shard_is_one_sentence(text: str) -> None:
    with pytest.raises(GateError, match="--shard"):
        parse(text)


def test_an_invalid_shard_through_the_cli_is_exit_2(tmp_path: Path) -> None:
    make_repository(tmp_path / "repo", count=2)
    result = run("check", "--shard", "3/2", "--helm", "/no/helm", cwd=tmp_path / "repo")
    assert result.code == 2 and "Traceback" not in result.stderr
    assert (
        result.stderr
        == "gate: --shard 3/2: K must be between 1 and N (and N at least 1), such as 1/3\n"
    )
    assert parse(" 2/3 ") == (2, 3)


# --- merging: what it refuses ----------------------------------------------------------------


def report(runs: list[tuple[str, str]], findings: list[dict[str, Any]] | None = None,
           **extra: Any) -> dict[str, Any]:  # fmt: skip
    found = findings or []
    errors = sum(1 for f in found if f["severity"] == "error" and not f.get("baselined"))
    return {
        "version": 1,
        "passed": errors == 0 and not any(f["category"] == "render" for f in found),
        "summary": {"targets": len({t for t, _ in runs}), "profiles": len(runs), "objects": 0,
                    "errors": errors, "warnings": 0, "drift": 0},
        "findings": found,
        "runs": [{"target": t, "profile": p, "objects": 0, "rendered": True} for t, p in runs],
        **extra,
    }  # fmt: skip


def finding(
    target: str, rule: str = "resource-requests", category: str = "policy"
) -> dict[str, Any]:
    return {
        "category": category, "rule": rule, "severity": "error", "target": target,
        "profile": "dev", "object": "", "path": "", "message": "m", "file": "", "line": None,
    }  # fmt: skip


def shard(
    index: int, count: int, positions: list[int], pairs: int = 3, selection: str = "s"
) -> dict[str, Any]:
    return {"shard": {"index": index, "count": count, "pairs": pairs, "selection": selection,
                      "positions": positions}}  # fmt: skip


def merge(tmp_path: Path, *documents: dict[str, Any] | str) -> Run:
    names = []
    for number, document in enumerate(documents):
        path = tmp_path / f"r{number}.json"
        path.write_text(document if isinstance(document, str) else json.dumps(document))
        names.append(path.name)
    result = run("report", "merge", *names, "--format", "json:merged.json", cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_merge_refuses_what_it_cannot_merge(tmp_path: Path) -> None:
    a, b, c = [("a", "dev")], [("b", "dev")], [("c", "dev")]
    cases = {
        "both checked a/dev": [report(a), report(a)],
        "shard 2/3 is missing": [report(a, **shard(1, 3, [0])), report(c, **shard(3, 3, [2]))],
        "are both shard 1/2": [report(a, **shard(1, 2, [0], 2)), report(b, **shard(1, 2, [1], 2))],
        "cut from different selections": [
            report(a, **shard(1, 2, [0], 2, "x")),
            report(b, **shard(2, 2, [1], 2, "y")),
        ],
        "checked 2 pairs, but were cut from 3": [
            report(a, **shard(1, 2, [0])),
            report(b, **shard(2, 2, [1])),
        ],
        "version 2, and this gate reads version 1": [{**report(a), "version": 2}],
        "its findings say otherwise": [{**report(a, [finding("a")]), "passed": True}],
        "not a gate JSON report": [{**report(a), "findings": [{"rule": 1}]}],
        "r0.json:2: the report is not JSON": ["{\n  nope\n}"],
        "no such report": [],
    }
    for says, documents in cases.items():
        result = (
            merge(tmp_path, *documents)
            if documents
            else run("report", "merge", "missing.json", cwd=tmp_path)
        )
        assert result.code == 2, (says, result.output)
        assert says in result.stderr, (says, result.stderr)
        assert result.stderr.count("\n") == 1, result.stderr


def test_a_shard_that_could_not_render_makes_the_merge_exit_2(tmp_path: Path) -> None:
    failed = report(
        [("b", "dev")], [finding("b", "render-failed", "render")], **shard(2, 2, [1], 2)
    )
    failed["runs"][0]["rendered"] = False
    result = merge(tmp_path, report([("a", "dev")], **shard(1, 2, [0], 2)), failed)
    assert result.code == 2
    assert "gate: b/dev: m" in result.stderr
    assert load(tmp_path / "merged.json")["passed"] is False


def test_merge_keeps_baselines_and_takes_the_strictest_fail_on(tmp_path: Path) -> None:
    warning = {**finding("a"), "severity": "warning"}
    strict = report([("a", "dev")], [warning], **shard(1, 2, [0], 2), fail_on="warning")
    strict["passed"] = False
    lenient = report([("b", "dev")], [{**finding("b"), "baselined": True}], **shard(2, 2, [1], 2))
    lenient["baseline"] = {
        "file": "gate-baseline.json", "accepted": 1, "fixed": [], "stale": [],
    }  # fmt: skip
    result = merge(tmp_path, strict, lenient)
    assert result.code == 1, result.output
    merged = load(tmp_path / "merged.json")
    assert merged["fail_on"] == "warning" and merged["baseline"]["accepted"] == 1
    again = run("report", "merge", "r0.json", "r1.json", "--fail-on", "error", cwd=tmp_path)
    assert again.code == 0, again.output


def test_reports_of_different_targets_merge_without_shards(tmp_path: Path) -> None:
    one = copy.deepcopy(report([("a", "dev")], [finding("a")]))
    result = merge(tmp_path, one, report([("b", "dev")]))
    assert result.code == 1
    merged = load(tmp_path / "merged.json")
    assert [r["target"] for r in merged["runs"]] == ["a", "b"]
    assert merged["summary"]["targets"] == 2 and merged["summary"]["errors"] == 1
    assert os.path.getsize(tmp_path / "merged.json") > 0
