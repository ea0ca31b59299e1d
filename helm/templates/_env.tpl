{{/*
What each service reads from its environment. Plain settings go to the service's ConfigMap ("moe.config"), secrets
to env entries with secretKeyRef ("moe.secretEnv"). The names are the variables of the services' application.yaml.
*/}}

{{/* ConfigMap data of a service: (list $ "gateway"). */}}
{{- define "moe.config" -}}
{{- $root := index . 0 -}}
{{- $c := index . 1 -}}
{{- $v := index $root.Values $c -}}
{{- $p := $root.Values.platform -}}
{{ include "moe.portVariable" $c }}: {{ int $v.port | quote }}
LOG_FORMAT: {{ $p.logFormat | quote }}
TRACING_SAMPLING_PROBABILITY: {{ $p.tracingSamplingProbability | quote }}
{{- /* Replaces the image's JAVA_TOOL_OPTIONS (deploy/docker/service.Dockerfile): this service's heap share first. */}}
JAVA_TOOL_OPTIONS: {{ trim (printf "-XX:MaxRAMPercentage=%v %s" $v.jvm.maxRamPercentage ($v.jvm.extraOptions | default "")) | quote }}
{{- if has $c (list "gateway" "rag" "billing") }}
PLATFORM_PG_HOST: {{ include "moe.postgresql.host" $root | quote }}
PLATFORM_PG_PORT: {{ include "moe.postgresql.port" $root | quote }}
{{ upper $c }}_DB_URL: {{ include "moe.postgresql.jdbcUrl" (list $root $c) | quote }}
{{- end }}
{{- if has $c (list "gateway" "billing") }}
PLATFORM_KAFKA_BOOTSTRAP: {{ include "moe.kafka.bootstrapServers" $root | quote }}
PLATFORM_USAGE_TOPIC: {{ $p.usageTopic | quote }}
{{- if include "moe.kafka.sasl" $root }}
SPRING_KAFKA_PROPERTIES_SECURITY_PROTOCOL: {{ $root.Values.kafka.sasl.securityProtocol | quote }}
SPRING_KAFKA_PROPERTIES_SASL_MECHANISM: {{ $root.Values.kafka.sasl.mechanism | quote }}
{{- end }}
{{- end }}
{{- if eq $c "gateway" }}
INFERENCE_URL: {{ include "moe.serviceUrl" (list $root "inference") | quote }}
RAG_URL: {{ include "moe.serviceUrl" (list $root "rag") | quote }}
BILLING_URL: {{ include "moe.serviceUrl" (list $root "billing") | quote }}
GATEWAY_MAX_UPLOAD_SIZE: {{ $v.maxUploadSize | quote }}
{{- else if eq $c "inference" }}
PLATFORM_INFERENCE_ENGINE_THREADS: {{ int $v.engine.threads | quote }}
PLATFORM_INFERENCE_ENGINE_KV_CACHE: {{ $v.engine.kvCache | quote }}
PLATFORM_INFERENCE_SCHEDULER_MAX_RUNNING_SEQUENCES: {{ int $v.scheduler.maxRunningSequences | quote }}
PLATFORM_INFERENCE_SCHEDULER_MAX_QUEUED_REQUESTS: {{ int $v.scheduler.maxQueuedRequests | quote }}
{{- with include "moe.vllm.baseUrl" $root }}
PLATFORM_INFERENCE_VLLM_BASE_URL: {{ . | quote }}
{{- end }}
{{- range $i, $m := $v.models }}
PLATFORM_INFERENCE_MODELS_{{ $i }}_ID: {{ $m.id | quote }}
PLATFORM_INFERENCE_MODELS_{{ $i }}_BACKENDS: {{ join "," $m.backends | quote }}
{{- with $m.gguf }}
PLATFORM_INFERENCE_MODELS_{{ $i }}_GGUF: {{ . | quote }}
{{- end }}
{{- with $m.contextLength }}
PLATFORM_INFERENCE_MODELS_{{ $i }}_CONTEXT_LENGTH: {{ int . | quote }}
{{- end }}
{{- with $m.vllmModel }}
PLATFORM_INFERENCE_MODELS_{{ $i }}_VLLM_MODEL: {{ . | quote }}
{{- end }}
{{- with $m.vllmBaseUrl }}
PLATFORM_INFERENCE_MODELS_{{ $i }}_VLLM_BASE_URL: {{ . | quote }}
{{- end }}
{{- end }}
{{- else if eq $c "rag" }}
GATEWAY_URL: {{ include "moe.serviceUrl" (list $root "gateway") | quote }}
RAG_CHAT_MODEL: {{ $v.chatModel | quote }}
RAG_EMBEDDING_MODEL: {{ $v.embeddingModel | quote }}
RAG_MAX_DOCUMENT_SIZE: {{ $v.maxDocumentSize | quote }}
RAG_MAX_UPLOAD_SIZE: {{ $v.maxUploadSize | quote }}
{{- else if eq $c "billing" }}
INFERENCE_URL: {{ include "moe.serviceUrl" (list $root "inference") | quote }}
BILLING_DEFAULT_REFERENCE_MODEL: {{ $v.defaultReferenceModel | quote }}
{{- with $v.alerts.webhookUrl }}
BILLING_ALERT_WEBHOOK_URL: {{ . | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "moe.secretKeyRef" -}}
valueFrom:
  secretKeyRef:
    name: {{ index . 0 }}
    key: {{ index . 1 }}
{{- end -}}

{{/* Secret env entries of a service: (list $ "gateway"). */}}
{{- define "moe.secretEnv" -}}
{{- $root := index . 0 -}}
{{- $c := index . 1 -}}
{{- $V := $root.Values -}}
{{- if has $c (list "gateway" "rag" "billing") }}
- name: PLATFORM_DB_USER
  {{- include "moe.secretKeyRef" (list (include "moe.postgresql.secretName" $root) $V.postgresql.usernameKey) | nindent 2 }}
- name: PLATFORM_DB_PASSWORD
  {{- include "moe.secretKeyRef" (list (include "moe.postgresql.secretName" $root) $V.postgresql.passwordKey) | nindent 2 }}
- name: PLATFORM_IDENTITY_SECRET
  {{- include "moe.secretKeyRef" (list (include "moe.auth.secretName" $root) $V.auth.identitySecretKey) | nindent 2 }}
{{- end }}
{{- if eq $c "gateway" }}
- name: GATEWAY_ADMIN_TOKEN
  {{- include "moe.secretKeyRef" (list (include "moe.auth.secretName" $root) $V.auth.adminTokenKey) | nindent 2 }}
- name: PLATFORM_REDIS_URL
  {{- include "moe.secretKeyRef" (list (include "moe.redis.secretName" $root) (include "moe.redis.secretKey" $root)) | nindent 2 }}
{{- end }}
{{- if and (has $c (list "gateway" "billing")) (include "moe.kafka.sasl" $root) }}
{{- $module := ternary "org.apache.kafka.common.security.plain.PlainLoginModule" "org.apache.kafka.common.security.scram.ScramLoginModule" (eq $V.kafka.sasl.mechanism "PLAIN") }}
- name: KAFKA_SASL_USERNAME
  {{- include "moe.secretKeyRef" (list (include "moe.kafka.secretName" $root) $V.kafka.sasl.usernameKey) | nindent 2 }}
- name: KAFKA_SASL_PASSWORD
  {{- include "moe.secretKeyRef" (list (include "moe.kafka.secretName" $root) $V.kafka.sasl.passwordKey) | nindent 2 }}
# Kubernetes expands $(VAR) from the two variables above.
- name: SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG
  value: {{ printf "%s required username=\"$(KAFKA_SASL_USERNAME)\" password=\"$(KAFKA_SASL_PASSWORD)\";" $module | quote }}
{{- end }}
{{- if and (eq $c "billing") (include "moe.billing.hasAlertSecret" $root) }}
- name: BILLING_ALERT_WEBHOOK_SECRET
  {{- include "moe.secretKeyRef" (list (include "moe.billing.alertSecretName" $root) $V.billing.alerts.existingSecretKey) | nindent 2 }}
{{- end }}
{{- end -}}
