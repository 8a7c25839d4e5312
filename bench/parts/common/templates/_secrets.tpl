{{- define "common.secrets.name" -}}
{{- if .existingSecret -}}
{{- tpl .existingSecret .context -}}
{{- else -}}
{{- printf "%s-%s" (include "common.names.fullname" .context) (default "auth" .suffix) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* A password the chart makes up itself: only for profiles that ask for one. */}}
{{- define "common.secrets.passwords.generate" -}}
{{- randAlphaNum (int (default 24 .length)) | b64enc | quote -}}
{{- end -}}

{{- define "common.secrets.passwords.manage" -}}
{{- $provided := index .context.Values.auth .key -}}
{{- if $provided -}}
{{- $provided | b64enc | quote -}}
{{- else -}}
{{- required (printf "auth.%s is required unless auth.generatePassword is true" .key) $provided -}}
{{- end -}}
{{- end -}}
