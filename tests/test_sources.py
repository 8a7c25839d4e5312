"""gate/sources.py: helm's template names mapped to the files a person opens."""

from __future__ import annotations

import os
from pathlib import Path

from gate.sources import Sources
from tests.shop_chart import (
    DB_HELPERS,
    DB_TGZ,
    HELPERS,
    METRICS_TGZ,
    PORTAL_FOLDER,
    archive,
    shop_chart,
    write_files,
)


def test_names_through_aliases_folders_and_archives(tmp_path: Path) -> None:
    chart = shop_chart(tmp_path / "shop")
    sources = Sources(chart)
    expected = {
        "shop/templates/deployment.yaml": f"{chart}/templates/deployment.yaml",
        # alias portal -> dependency webportal -> the folder whose Chart.yaml says webportal
        "shop/charts/portal/templates/deployment.yaml": (
            f"{chart}/charts/{PORTAL_FOLDER}/templates/deployment.yaml"
        ),
        "shop/charts/db/templates/statefulset.yaml": (
            f"{chart}/charts/{DB_TGZ}#db/templates/statefulset.yaml"
        ),
        "shop/charts/db/charts/metrics/templates/deployment.yaml": (
            f"{chart}/charts/{DB_TGZ}#db/charts/{METRICS_TGZ}#metrics/templates/deployment.yaml"
        ),
    }
    for name, file in expected.items():
        template = sources.template(name)
        assert template is not None, name
        assert (template.name, template.file) == (name, file)
        assert sources.file(name) == file


def test_a_template_knows_its_text_also_inside_an_archive(tmp_path: Path) -> None:
    sources = Sources(shop_chart(tmp_path / "shop"))
    template = sources.template("shop/charts/db/templates/_helpers.tpl")
    assert template is not None and template.text == DB_HELPERS


def test_an_unknown_name_is_a_path_under_the_chart(tmp_path: Path) -> None:
    chart = shop_chart(tmp_path / "shop")
    sources = Sources(chart)
    assert sources.template("shop/templates/gone.yaml") is None
    assert sources.file("shop/templates/gone.yaml") == f"{chart}/templates/gone.yaml"
    assert sources.file("shop/charts/nobody/templates/x.yaml") == str(
        chart / "charts/nobody/templates/x.yaml"
    )
    # a chart gate cannot read at all (the test of split.py passes a made-up one)
    assert Sources(tmp_path / "none").file("x/templates/a.yaml") == str(
        tmp_path / "none/templates/a.yaml"
    )


def test_the_top_chart_is_whatever_helm_calls_it(tmp_path: Path) -> None:
    # helm names the top chart by its Chart.yaml name, gate.yaml by its folder
    chart = shop_chart(tmp_path / "folder-name")
    assert Sources(chart).file("shop/templates/deployment.yaml") == (
        f"{chart}/templates/deployment.yaml"
    )


def test_an_unlisted_subchart_keeps_its_own_name(tmp_path: Path) -> None:
    chart = tmp_path / "app"
    write_files(
        chart,
        {
            "Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\n",
            "charts/whatever/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 2.0.0\n",
            "charts/whatever/templates/cm.yaml": "kind: ConfigMap\n",
        },
    )
    assert Sources(chart).file("app/charts/cache/templates/cm.yaml") == (
        f"{chart}/charts/whatever/templates/cm.yaml"
    )


def test_one_subchart_under_two_aliases_and_the_version_asked_for(tmp_path: Path) -> None:
    chart = tmp_path / "app"
    write_files(
        chart,
        {
            "Chart.yaml": (
                "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n"
                "  - {name: worker, version: 2.0.0, alias: fast}\n"
                "  - {name: worker, version: 2.0.0, alias: slow}\n"
                "  - {name: cache, version: 1.1.0}\n"
            ),
            "charts/w/Chart.yaml": "apiVersion: v2\nname: worker\nversion: 2.0.0\n",
            "charts/w/templates/job.yaml": "kind: Job\n",
            "charts/cache-old/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 1.0.0\n",
            "charts/cache-old/templates/cm.yaml": "kind: ConfigMap\n",
            "charts/cache-new/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 1.1.0\n",
            "charts/cache-new/templates/cm.yaml": "kind: ConfigMap\n",
        },
    )
    sources = Sources(chart)
    for alias in ("fast", "slow"):
        assert sources.file(f"app/charts/{alias}/templates/job.yaml") == (
            f"{chart}/charts/w/templates/job.yaml"
        )
    assert sources.file("app/charts/cache/templates/cm.yaml") == (
        f"{chart}/charts/cache-new/templates/cm.yaml"
    )


def test_a_chart_rendered_from_a_copy_with_built_dependencies(tmp_path: Path) -> None:
    # gate/dependencies.py renders a copy of the chart whose charts/ it built; the text
    # comes from the copy, the files are the user's, or where the build says
    user = tmp_path / "app"
    chart_yaml = (
        "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n"
        "  - {name: db, version: 1.0.0, alias: store}\n  - {name: own, version: 1.0.0}\n"
    )
    own = {
        "charts/own/Chart.yaml": "apiVersion: v2\nname: own\nversion: 1.0.0\n",
        "charts/own/templates/a.yaml": "kind: ConfigMap\n",
    }
    write_files(user, {"Chart.yaml": chart_yaml, **own})
    copy = tmp_path / "copy" / "app"
    db = {
        "db/Chart.yaml": "apiVersion: v2\nname: db\nversion: 1.0.0\n",
        "db/templates/sts.yaml": "kind: StatefulSet\n",
        "db/templates/_helpers.tpl": '{{- define "db.name" -}}\ndb\n{{- end }}\n',
    }
    write_files(copy, {"Chart.yaml": chart_yaml, **own, "charts/db-1.0.0.tgz": archive(db)})
    cached = ".gate-cache/dependencies/k1/charts/db-1.0.0.tgz"

    def built(name: str) -> str | None:
        inside = name.split("/", 3)
        return f"{cached}#db/{inside[3]}" if inside[1:3] == ["charts", "store"] else None

    sources = Sources(user, rendered=copy, dependency_file=built)
    template = sources.template("app/charts/store/templates/sts.yaml")
    assert template is not None
    assert (template.file, template.text) == (
        f"{cached}#db/templates/sts.yaml",
        "kind: StatefulSet\n",
    )
    assert sources.file("app/charts/own/templates/a.yaml") == f"{user}/charts/own/templates/a.yaml"
    helper = sources.define("db.name")
    assert helper is not None and helper[0].file == f"{cached}#db/templates/_helpers.tpl"
    # the user's folder alone lacks the dependency
    assert Sources(user).template("app/charts/store/templates/sts.yaml") is None


def test_helpers_by_name_a_parent_definition_first(tmp_path: Path) -> None:
    chart = shop_chart(tmp_path / "shop")
    write_files(
        chart,
        {
            f"charts/{PORTAL_FOLDER}/templates/_helpers.tpl": (
                '{{- define "shop.probes" -}}\nnot: this\n{{- end }}\n'
                '{{- define "portal.only" -}}\nx: 1\n{{- end }}\n'
            )
        },
    )
    sources = Sources(chart)
    probes = sources.define("shop.probes")
    assert probes is not None
    template, line = probes
    assert template.file == f"{chart}/templates/_helpers.tpl"
    assert HELPERS.split("\n")[line].startswith('{{- define "shop.probes"')
    portal = sources.define("portal.only")
    assert portal is not None and portal[0].file.endswith(f"{PORTAL_FOLDER}/templates/_helpers.tpl")
    db = sources.define("db.container")
    assert db is not None and db[0].file == f"{chart}/charts/{DB_TGZ}#db/templates/_helpers.tpl"
    assert sources.define("nobody") is None


def test_the_schema_of_a_chart_by_its_name_or_alias(tmp_path: Path) -> None:
    chart = shop_chart(tmp_path / "shop")
    sources = Sources(chart)
    assert sources.schema_file("portal") == f"{chart}/charts/{PORTAL_FOLDER}/values.schema.json"
    assert sources.schema_file("db") is None  # it has none
    assert sources.chart_yaml == str(chart / "Chart.yaml")


def test_a_linked_subchart_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write_files(
        outside,
        {
            "Chart.yaml": "apiVersion: v2\nname: evil\nversion: 1.0.0\n",
            "templates/x.yaml": "kind: ConfigMap\n",
        },
    )
    chart = tmp_path / "app"
    write_files(chart, {"Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\n"})
    (chart / "charts").mkdir()
    os.symlink(outside, chart / "charts" / "evil")
    assert Sources(chart).template("app/charts/evil/templates/x.yaml") is None
