{{- define "component.podSpec" -}}
serviceAccountName: {{ include "common.names.fullname" . }}
automountServiceAccountToken: false
{{- include "common.images.pullSecrets" (dict "global" .Values.global) }}
securityContext:
  runAsNonRoot: true
  runAsUser: 1001
  runAsGroup: 1001
  fsGroup: 1001
  seccompProfile: {type: RuntimeDefault}
affinity:
  podAntiAffinity: {{- include "common.affinities.pods" (dict "type" .Values.podAntiAffinityPreset "component" .Values.component "context" .) | nindent 4 }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels: {{- include "common.labels.matchLabels" (dict "context" .) | nindent 8 }}
terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
{{- if .Values.initContainers.waitFor }}
initContainers:
  - name: wait-for-dependencies
    image: {{ include "common.images.image" (dict "imageRoot" .Values.waitImage "global" .Values.global) }}
    command: [/bin/sh, -ec]
    args:
      - |
        {{- range .Values.initContainers.waitFor }}
        until nc -z {{ . }}; do echo waiting for {{ . }}; sleep 2; done
        {{- end }}
    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
    resources: {{- include "common.resources.preset" (dict "type" "nano") | nindent 6 }}
{{- end }}
containers:
  - name: {{ .Values.component }}
    image: {{ include "common.images.image" (dict "imageRoot" .Values.image "global" .Values.global) }}
    imagePullPolicy: IfNotPresent
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
    {{- with .Values.args }}
    args: {{- toYaml . | nindent 6 }}
    {{- end }}
    ports:
      - name: http
        containerPort: {{ .Values.containerPort }}
        protocol: TCP
      {{- if .Values.metrics.enabled }}
      - name: metrics
        containerPort: 9090
        protocol: TCP
      {{- end }}
    env:
      - name: POD_NAME
        valueFrom: {fieldRef: {fieldPath: metadata.name}}
      - name: POD_NAMESPACE
        valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
      - name: APP_PASSWORD
        valueFrom:
          secretKeyRef:
            name: {{ include "common.secrets.name" (dict "existingSecret" .Values.auth.existingSecret "context" .) }}
            key: password
      {{- range $name, $value := .Values.extraEnv }}
      - name: {{ $name }}
        value: {{ $value | quote }}
      {{- end }}
    envFrom:
      - configMapRef:
          name: {{ include "common.names.fullname" . }}
    startupProbe: {{- include "common.probes.http" (dict "path" .Values.health.path "port" "http" "probe" .Values.startupProbe) | nindent 6 }}
    livenessProbe: {{- include "common.probes.http" (dict "path" .Values.health.path "port" "http" "probe" .Values.livenessProbe) | nindent 6 }}
    readinessProbe: {{- include "common.probes.http" (dict "path" .Values.health.ready "port" "http" "probe" .Values.readinessProbe) | nindent 6 }}
    resources: {{- include "common.resources" (dict "resources" .Values.resources "preset" .Values.resourcesPreset) | nindent 6 }}
    volumeMounts:
      - {name: tmp, mountPath: /tmp}
      - {name: config, mountPath: /etc/{{ .Values.component }}, readOnly: true}
      {{- if eq .Values.workload "StatefulSet" }}
      - {name: data, mountPath: /var/lib/{{ .Values.component }}}
      {{- end }}
volumes:
  - name: tmp
    emptyDir: {sizeLimit: 256Mi}
  - name: config
    configMap:
      name: {{ include "common.names.fullname" . }}
{{- end -}}
