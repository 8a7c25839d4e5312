"""A chart written for the locating tests: `shop`, with a subchart under an alias in a
folder named neither like the alias nor like the chart, a packed subchart holding a
packed subchart, multi-container pods, a `range` over containers and helpers that
write probes and whole containers. Every line number the tests assert is computed
from these texts, never written down twice."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

CHART_YAML = """\
apiVersion: v2
name: shop
version: 1.0.0
dependencies:
  - name: webportal
    version: 0.1.0
    alias: portal
  - name: db
    version: 1.0.0
"""

VALUES = """\
debug: false
extras:
  - {name: extra-a, image: "a:1"}
  - {name: extra-b, image: "b:1"}
"""

# The web pod: a container only the debug profile renders, one whose probes a helper
# writes, one written out, and one item that a `range` renders once per extra.
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        {{- if .Values.debug }}
        - name: debugger
          image: busybox:1.36
        {{- end }}
        - name: web
          image: nginx:1.27
          {{- include "shop.probes" . | nindent 10 }}
          resources:
            requests: {cpu: 10m, memory: 16Mi}
        - name: sidecar
          image: envoy:1.30
          startupProbe:
            tcpSocket: {port: 9901}
            initialDelaySeconds: 5
            failureThreshold: 30
          resources:
            requests: {cpu: 10m, memory: 16Mi}
        {{- range .Values.extras }}
        - name: {{ .name }}
          image: {{ .image }}
        {{- end }}
"""

HELPERS = """\
{{/* Probes the web container shares with the other charts of the team. */}}
{{- define "shop.probes" -}}
startupProbe:
  httpGet: {path: /, port: 80}
  initialDelaySeconds: 10
  failureThreshold: 30
{{- end }}
"""

PORTAL_CHART = "apiVersion: v2\nname: webportal\nversion: 0.1.0\n"
PORTAL_VALUES = "fail: false\nwebhook:\n  replicaCount: 1\n"
PORTAL_SCHEMA = """\
{"type": "object",
 "properties": {
   "webhook": {"type": "object", "additionalProperties": false,
               "properties": {"replicaCount": {"type": "integer"}}}}}
"""
PORTAL_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: portal
spec:
  selector: {matchLabels: {app: portal}}
  template:
    metadata: {labels: {app: portal}}
    spec:
      containers:
        - name: portal
          image: "portal:2.0"
        - name: auth-proxy
          image: "oauth2-proxy:7.6"
"""
# A template that fails on purpose in the profile that sets portal.fail.
PORTAL_BROKEN = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: portal-settings
data:
  {{- if .Values.fail }}
  deeper: {{ .Values.missing.deeper }}
  {{- end }}
  mode: normal
"""

DB_CHART = "apiVersion: v2\nname: db\nversion: 1.0.0\n"
DB_VALUES = "fail: false\n"
DB_STATEFULSET = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      {{- if .Values.fail }}
      priority: {{ .Values.missing.deeper }}
      {{- end }}
      containers:
        {{- include "db.container" . | nindent 8 }}
"""
DB_HELPERS = """\
{{- define "db.container" -}}
- name: postgres
  image: postgres:16
  resources:
    requests: {cpu: 100m, memory: 256Mi}
{{- end }}
"""
METRICS_CHART = "apiVersion: v2\nname: metrics\nversion: 0.1.0\n"
METRICS_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: db-metrics
spec:
  selector: {matchLabels: {app: db-metrics}}
  template:
    metadata: {labels: {app: db-metrics}}
    spec:
      containers:
        - name: exporter
          image: postgres-exporter:0.15
"""

GATE_YAML = """\
targets:
  - name: shop
    chart: {chart}
    release: shop
    namespace: shop
    profiles:
      default: {{}}
      debug: {{set: {{debug: true}}}}
      portal-fails: {{set: {{portal.fail: true}}}}
      db-fails: {{set: {{db.fail: true}}}}
      schema-typo: {{set: {{portal.webhook.replicaCont: 2}}}}
"""


def archive(files: dict[str, str | bytes]) -> bytes:
    """A .tgz as `helm package` writes one: every member under the chart's folder."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def write_files(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


METRICS_TGZ = "metrics-0.1.0.tgz"
DB_TGZ = "db-1.0.0.tgz"
PORTAL_FOLDER = "webportal-src"  # neither the alias (portal) nor the name (webportal)


def shop_chart(folder: Path) -> Path:
    """Write the shop chart into `folder` (created) and return it."""
    metrics = archive(
        {
            "metrics/Chart.yaml": METRICS_CHART,
            "metrics/templates/deployment.yaml": METRICS_DEPLOYMENT,
        }
    )
    db = archive(
        {
            "db/Chart.yaml": DB_CHART,
            "db/values.yaml": DB_VALUES,
            "db/templates/statefulset.yaml": DB_STATEFULSET,
            "db/templates/_helpers.tpl": DB_HELPERS,
            f"db/charts/{METRICS_TGZ}": metrics,
        }
    )
    write_files(
        folder,
        {
            "Chart.yaml": CHART_YAML,
            "values.yaml": VALUES,
            "templates/deployment.yaml": DEPLOYMENT,
            "templates/_helpers.tpl": HELPERS,
            f"charts/{PORTAL_FOLDER}/Chart.yaml": PORTAL_CHART,
            f"charts/{PORTAL_FOLDER}/values.yaml": PORTAL_VALUES,
            f"charts/{PORTAL_FOLDER}/values.schema.json": PORTAL_SCHEMA,
            f"charts/{PORTAL_FOLDER}/templates/deployment.yaml": PORTAL_DEPLOYMENT,
            f"charts/{PORTAL_FOLDER}/templates/broken.yaml": PORTAL_BROKEN,
            f"charts/{DB_TGZ}": db,
        },
    )
    return folder


def shop_repository(root: Path, config: str = "gate.yaml", chart: str = "charts/shop") -> Path:
    """A git work tree at `root` with the shop chart and a gate.yaml at `config`."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    shop_chart(root / "charts" / "shop")
    (root / config).parent.mkdir(parents=True, exist_ok=True)
    (root / config).write_text(GATE_YAML.format(chart=chart), encoding="utf-8")
    return root / config


def line_of(text: str, needle: str, nth: int = 0) -> int:
    """The 1-based line of the `nth` line of `text` holding `needle`."""
    numbers = [n for n, line in enumerate(text.split("\n"), 1) if needle in line]
    return numbers[nth]
