{{- define "common.probes.http" -}}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
{{- with .probe }}
{{- omit . "enabled" | toYaml | nindent 0 }}
{{- end }}
{{- end -}}
