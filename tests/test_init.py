"""`gate init` writes a gate.yaml that gate can load, and never overwrites one."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from gate.checks.policies.packs import available_packs
from gate.cli import main
from gate.config import load_config
from tests.conftest import REPO


def test_init_finds_charts_and_their_profiles(tmp_path: Path) -> None:
    shutil.copytree(REPO / "charts-under-test", tmp_path / "charts-under-test")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    config = load_config(tmp_path / "gate.yaml")
    (target,) = config.targets  # the subcharts under charts/ are not targets of their own
    assert target.name == "backstage"
    assert [p.name for p in target.profiles] == ["dev", "prod", "staging"]
    assert target.profile("prod") is not None
    assert target.profile("prod").values[0].name == "values-prod.yaml"  # type: ignore[union-attr]


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "gate.yaml").write_text("targets: []\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert (tmp_path / "gate.yaml").read_text(encoding="utf-8") == "targets: []\n"


def test_init_without_charts_is_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert "no chart" in result.output
    assert not (tmp_path / "gate.yaml").exists()


def test_init_offers_every_pack_gate_ships(tmp_path: Path) -> None:
    shutil.copytree(REPO / "charts-under-test" / "backstage", tmp_path / "backstage")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "gate.yaml").read_text(encoding="utf-8")
    assert available_packs(), "gate ships packs"
    for name in available_packs():
        assert name in text.split("# packs:", 1)[1], name
    # Uncommented, the line is a gate.yaml gate accepts.
    uncommented = text.replace("# packs:", "packs:")
    (tmp_path / "gate.yaml").write_text(uncommented, encoding="utf-8")
    assert load_config(tmp_path / "gate.yaml").packs == available_packs()


def test_init_offers_discover_for_the_deployment_files_it_finds(tmp_path: Path) -> None:
    gitops = REPO / "tests" / "fixtures" / "gitops"
    shutil.copytree(gitops / "argocd", tmp_path, dirs_exist_ok=True)
    shutil.copytree(gitops / "flux" / "clusters", tmp_path / "clusters")
    shutil.copy(gitops / "helmfile" / "helmfile.yaml", tmp_path / "helmfile.yaml")
    shutil.copytree(REPO / "charts-under-test" / "backstage", tmp_path / "charts" / "backstage")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "gate.yaml").read_text(encoding="utf-8")
    hint = text.split("# discover:\n", 1)[1]
    assert hint.splitlines() == [
        "#   - argocd: deploy",
        "#   - flux: clusters",
        "#   - helmfile: helmfile.yaml",
    ]
    # Uncommented, the block is a gate.yaml that reads every deployment found.
    block = "discover:\n" + "\n".join(line.replace("#   - ", "  - ") for line in hint.splitlines())
    (tmp_path / "gate.yaml").write_text(block + "\n", encoding="utf-8")
    config = load_config(tmp_path / "gate.yaml")
    assert {t.name for t in config.targets} == {"backstage", "models", "neuroscale-backstage"}


def test_init_without_deployment_files_offers_no_discover(tmp_path: Path) -> None:
    shutil.copytree(REPO / "charts-under-test" / "backstage", tmp_path / "backstage")
    assert CliRunner().invoke(main, ["init", str(tmp_path)]).exit_code == 0
    assert "discover" not in (tmp_path / "gate.yaml").read_text(encoding="utf-8")
