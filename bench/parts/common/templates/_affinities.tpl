{{- define "common.affinities.pods.soft" -}}
preferredDuringSchedulingIgnoredDuringExecution:
  - podAffinityTerm:
      labelSelector:
        matchLabels: {{- include "common.labels.matchLabels" (dict "context" .context) | nindent 10 }}
          app.kubernetes.io/component: {{ .component }}
      topologyKey: kubernetes.io/hostname
    weight: 1
{{- end -}}

{{- define "common.affinities.pods.hard" -}}
requiredDuringSchedulingIgnoredDuringExecution:
  - labelSelector:
      matchLabels: {{- include "common.labels.matchLabels" (dict "context" .context) | nindent 8 }}
        app.kubernetes.io/component: {{ .component }}
    topologyKey: kubernetes.io/hostname
{{- end -}}

{{- define "common.affinities.pods" -}}
{{- if eq .type "hard" -}}
{{- include "common.affinities.pods.hard" . -}}
{{- else -}}
{{- include "common.affinities.pods.soft" . -}}
{{- end -}}
{{- end -}}
