{{/*
Names. Every object is called <fullname>-<component> (fullname: the release name, or fullnameOverride).
*/}}
{{- define "moe.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "moe.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{- define "moe.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* (list $ "gateway") -> <fullname>-gateway */}}
{{- define "moe.componentName" -}}
{{- printf "%s-%s" (include "moe.fullname" (index . 0)) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The four services of the platform, in the order they are rendered. */}}
{{- define "moe.services" -}}
gateway inference rag billing
{{- end -}}

{{/* Labels: (list $ "component"). */}}
{{- define "moe.selectorLabels" -}}
app.kubernetes.io/name: {{ include "moe.name" (index . 0) }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "moe.labels" -}}
{{ include "moe.selectorLabels" . }}
app.kubernetes.io/part-of: moe-platform
app.kubernetes.io/version: {{ (index . 0).Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ (index . 0).Release.Service }}
helm.sh/chart: {{ include "moe.chart" (index . 0) }}
{{- end -}}

{{/* Every pod of the release (NetworkPolicy's default deny). */}}
{{- define "moe.releaseSelector" -}}
app.kubernetes.io/name: {{ include "moe.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "moe.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "moe.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* A service's image: (list $ "gateway"). */}}
{{- define "moe.image" -}}
{{- $root := index . 0 -}}
{{- $v := index $root.Values (index . 1) -}}
{{- $tag := $v.image.tag | default $root.Values.image.tag | default $root.Chart.AppVersion -}}
{{- if $root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" $root.Values.image.registry) $v.image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" $v.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* http://<fullname>-<service>:<port>: (list $ "gateway"). */}}
{{- define "moe.serviceUrl" -}}
{{- $root := index . 0 -}}
{{- printf "http://%s:%d" (include "moe.componentName" .) (int (index $root.Values (index . 1)).port) -}}
{{- end -}}

{{/* Environment variable of a service's port. */}}
{{- define "moe.portVariable" -}}
{{- printf "%s_PORT" (upper .) -}}
{{- end -}}

{{/*
Infrastructure endpoints: the in-cluster servers when they run in the release, the external ones otherwise.
*/}}
{{- define "moe.postgresql.host" -}}
{{- if .Values.postgresql.inCluster.enabled -}}
{{- include "moe.componentName" (list . "postgresql") -}}
{{- else -}}
{{- .Values.postgresql.host -}}
{{- end -}}
{{- end -}}

{{- define "moe.postgresql.port" -}}
{{- if .Values.postgresql.inCluster.enabled -}}5432{{- else -}}{{ int .Values.postgresql.port }}{{- end -}}
{{- end -}}

{{/* JDBC URL of one database: (list $ "rag"). */}}
{{- define "moe.postgresql.jdbcUrl" -}}
{{- $root := index . 0 -}}
{{- $pg := $root.Values.postgresql -}}
{{- $url := printf "jdbc:postgresql://%s:%s/%s" (include "moe.postgresql.host" $root) (include "moe.postgresql.port" $root) (index $pg.databases (index . 1)) -}}
{{- if $pg.jdbcParameters -}}
{{- printf "%s?%s" $url (trimPrefix "?" $pg.jdbcParameters) -}}
{{- else -}}
{{- $url -}}
{{- end -}}
{{- end -}}

{{- define "moe.postgresql.secretName" -}}
{{- .Values.postgresql.existingSecret | default (include "moe.componentName" (list . "postgresql")) -}}
{{- end -}}

{{- define "moe.redis.secretName" -}}
{{- if and .Values.redis.existingSecret (not .Values.redis.inCluster.enabled) -}}
{{- .Values.redis.existingSecret -}}
{{- else -}}
{{- include "moe.componentName" (list . "redis") -}}
{{- end -}}
{{- end -}}

{{- define "moe.redis.secretKey" -}}
{{- if and .Values.redis.existingSecret (not .Values.redis.inCluster.enabled) -}}
{{- .Values.redis.existingSecretKey -}}
{{- else -}}url{{- end -}}
{{- end -}}

{{- define "moe.kafka.bootstrapServers" -}}
{{- if .Values.kafka.inCluster.enabled -}}
{{- printf "%s:9092" (include "moe.componentName" (list . "kafka")) -}}
{{- else -}}
{{- .Values.kafka.bootstrapServers -}}
{{- end -}}
{{- end -}}

{{/* SASL applies to an external Kafka only (the in-cluster node is plaintext). */}}
{{- define "moe.kafka.sasl" -}}
{{- if and .Values.kafka.sasl.enabled (not .Values.kafka.inCluster.enabled) -}}true{{- end -}}
{{- end -}}

{{- define "moe.kafka.secretName" -}}
{{- .Values.kafka.sasl.existingSecret | default (include "moe.componentName" (list . "kafka")) -}}
{{- end -}}

{{- define "moe.auth.secretName" -}}
{{- .Values.auth.existingSecret | default (include "moe.componentName" (list . "auth")) -}}
{{- end -}}

{{- define "moe.billing.alertSecretName" -}}
{{- .Values.billing.alerts.existingSecret | default (include "moe.componentName" (list . "billing")) -}}
{{- end -}}

{{- define "moe.billing.hasAlertSecret" -}}
{{- if or .Values.billing.alerts.existingSecret .Values.billing.alerts.webhookSecret -}}true{{- end -}}
{{- end -}}

{{/* vLLM base URL of inference-service: the release's vLLM when enabled, else inference.vllmBaseUrl. */}}
{{- define "moe.vllm.baseUrl" -}}
{{- if .Values.vllm.enabled -}}
{{- printf "http://%s:8000/v1" (include "moe.componentName" (list . "vllm")) -}}
{{- else -}}
{{- .Values.inference.vllmBaseUrl -}}
{{- end -}}
{{- end -}}

{{/*
A generated secret value that survives upgrades: the explicit value if given, else the one already stored in the
Secret (lookup), else a new random one. (dict "root" $ "secret" name "key" key "value" explicit "length" n)
*/}}
{{- define "moe.persistentSecretValue" -}}
{{- if .value -}}
{{- .value -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .secret -}}
{{- $data := dict -}}
{{- if $existing -}}{{- $data = $existing.data | default dict -}}{{- end -}}
{{- if hasKey $data .key -}}
{{- index $data .key | b64dec -}}
{{- else -}}
{{- randAlphaNum (int .length) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Restricted pod and container security contexts of the platform's services (uid/gid 10001 of the image). */}}
{{- define "moe.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "moe.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* HTTP probes on the actuator's groups: (list $ "gateway"). */}}
{{- define "moe.probes" -}}
{{- $p := (index (index . 0).Values (index . 1)).probes -}}
startupProbe:
  httpGet: {path: /actuator/health/liveness, port: http}
  periodSeconds: {{ $p.startup.periodSeconds }}
  timeoutSeconds: {{ $p.startup.timeoutSeconds }}
  failureThreshold: {{ $p.startup.failureThreshold }}
livenessProbe:
  httpGet: {path: /actuator/health/liveness, port: http}
  periodSeconds: {{ $p.liveness.periodSeconds }}
  timeoutSeconds: {{ $p.liveness.timeoutSeconds }}
  failureThreshold: {{ $p.liveness.failureThreshold }}
readinessProbe:
  httpGet: {path: /actuator/health/readiness, port: http}
  periodSeconds: {{ $p.readiness.periodSeconds }}
  timeoutSeconds: {{ $p.readiness.timeoutSeconds }}
  failureThreshold: {{ $p.readiness.failureThreshold }}
{{- end -}}

{{/* Scheduling fields of a pod spec from a values block. */}}
{{- define "moe.scheduling" -}}
{{- with .priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .runtimeClassName }}
runtimeClassName: {{ . }}
{{- end }}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "moe.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
