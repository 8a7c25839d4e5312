{{/* An instance id for charts that label their objects with one; nothing includes it. */}}
{{- define "common.ids.instance" -}}
{{- uuidv4 -}}
{{- end -}}

{{- define "common.ids.timestamp" -}}
{{- now | date "2006-01-02T15:04:05Z07:00" -}}
{{- end -}}
