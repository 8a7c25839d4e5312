{{- define "common.validations.values.single.empty" -}}
{{- $value := index .context.Values .valueKey -}}
{{- if not $value -}}
{{- printf "\n%s: %s must not be empty" .subchart .valueKey -}}
{{- end -}}
{{- end -}}
