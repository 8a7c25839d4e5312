{{/*
Chart name, truncated to 63 characters.
*/}}
{{- define "backstage.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: the release name when it already contains the
chart name (release "neuroscale-backstage" -> "neuroscale-backstage"),
otherwise "<release>-<chart>".
*/}}
{{- define "backstage.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "backstage.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "backstage.selectorLabels" -}}
app.kubernetes.io/name: {{ include "backstage.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "backstage.labels" -}}
helm.sh/chart: {{ include "backstage.chart" . }}
{{ include "backstage.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: backstage
{{- end }}

{{/*
Image reference from {registry, repository, tag, digest}:
registry/repository@digest when a digest is set, else registry/repository:tag.
*/}}
{{- define "backstage.imageRef" -}}
{{- $repo := .repository -}}
{{- if .registry }}{{ $repo = printf "%s/%s" .registry .repository }}{{ end -}}
{{- if .digest -}}
{{- printf "%s@%s" $repo .digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (toString .tag) -}}
{{- end -}}
{{- end }}

{{- define "backstage.image" -}}
{{- include "backstage.imageRef" .Values.backstage.image }}
{{- end }}

{{/*
The database Secret a user names, as the official Backstage chart reads it:
the parenthesised form is nil-safe when `global` or `postgresql` is absent.
*/}}
{{- define "backstage.postgresql.existingSecret" -}}
{{- if ((((.Values).global).postgresql).auth).existingSecret }}
{{- tpl .Values.global.postgresql.auth.existingSecret $ -}}
{{- else if (((.Values).postgresql).auth).existingSecret }}
{{- tpl .Values.postgresql.auth.existingSecret $ -}}
{{- end -}}
{{- end }}
