{{/* Egress to an infrastructure server: its pods when in-cluster, else CIDRs and ports. (list $ "postgresql" port) */}}
{{- define "moe.egress.infra" -}}
{{- $root := index . 0 -}}
{{- $s := index . 1 -}}
{{- if (index $root.Values $s).inCluster.enabled -}}
- to:
    - podSelector:
        matchLabels:
          {{- include "moe.selectorLabels" (list $root $s) | nindent 10 }}
  ports:
    - port: {{ index . 2 }}
      protocol: TCP
{{- else -}}
{{- include "moe.egress.external" (index $root.Values.networkPolicy $s) -}}
{{- end -}}
{{- end -}}

{{/* Egress to CIDRs on ports: {cidrs, ports}; nothing without CIDRs. */}}
{{- define "moe.egress.external" -}}
{{- if .cidrs -}}
- to:
    {{- range .cidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  ports:
    {{- range .ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- end -}}
{{- end -}}
