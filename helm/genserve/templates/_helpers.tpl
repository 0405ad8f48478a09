{{/* Chart name, at most 63 characters (a DNS label). */}}
{{- define "genserve.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects: release name, plus the chart name unless it already contains it. */}}
{{- define "genserve.fullname" -}}
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

{{- define "genserve.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the pods: the Deployment, Service, PDB and ServiceMonitor all use these. */}}
{{- define "genserve.selectorLabels" -}}
app.kubernetes.io/name: {{ include "genserve.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "genserve.labels" -}}
helm.sh/chart: {{ include "genserve.chart" . }}
{{ include "genserve.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "genserve.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "genserve.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference: the CUDA variant's tag carries gpu.imageTagSuffix unless image.tag is set. */}}
{{- define "genserve.image" -}}
{{- $tag := .Values.image.tag }}
{{- if not $tag }}
{{- $tag = .Chart.AppVersion }}
{{- if .Values.gpu.enabled }}
{{- $tag = printf "%s%s" $tag .Values.gpu.imageTagSuffix }}
{{- end }}
{{- end }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}

{{/* The ONNX Runtime execution provider: explicit, or cuda on GPU nodes and auto elsewhere. */}}
{{- define "genserve.executionProvider" -}}
{{- if .Values.genserve.onnx.executionProvider }}
{{- .Values.genserve.onnx.executionProvider }}
{{- else if .Values.gpu.enabled }}
{{- "cuda" }}
{{- else }}
{{- "auto" }}
{{- end }}
{{- end }}

{{/* application.yaml of the ConfigMap: the chart's settings, then genserve.config merged over them. */}}
{{- define "genserve.applicationYaml" -}}
{{- $base := dict
  "genserve" (dict
    "onnx" (dict "execution-provider" (include "genserve.executionProvider" .))
    "batching" (dict
      "drain-timeout" (printf "%ds" (int .Values.genserve.batching.drainTimeoutSeconds))
      "max-queued-memory" .Values.genserve.batching.maxQueuedMemory)
    "http" (dict "max-body" (deepCopy .Values.genserve.http.maxBody))
    "grpc" (dict "enabled" .Values.grpc.enabled "port" (int .Values.grpc.port))
    "management" (dict "enabled" .Values.modelManagement.enabled))
  "spring" (dict "lifecycle" (dict "timeout-per-shutdown-phase" (printf "%ds" (int .Values.genserve.shutdownPhaseTimeoutSeconds))))
  "server" (dict "port" (int .Values.containerPort))
  "management" (dict "server" (dict "port" (int .Values.managementPort)))
}}
{{- with .Values.modelManagement.repositoryPoll }}
{{- $_ := set $base.genserve "model-repository-poll" . }}
{{- end }}
{{- toYaml (mustMergeOverwrite $base (deepCopy .Values.genserve.config)) }}
{{- end }}

{{/* The Secret that holds the model-management token: the user's, or the chart's own. */}}
{{- define "genserve.managementSecret" -}}
{{- .Values.modelManagement.token.existingSecret | default (printf "%s-management" (include "genserve.fullname" .)) }}
{{- end }}

{{/* Fails the render when the grace period cannot cover the preStop sleep plus the drain. */}}
{{- define "genserve.checkGracePeriod" -}}
{{- $needed := add .Values.preStopSleepSeconds .Values.genserve.batching.drainTimeoutSeconds }}
{{- if le (int .Values.terminationGracePeriodSeconds) (int $needed) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be larger than preStopSleepSeconds + genserve.batching.drainTimeoutSeconds (%d), or Kubernetes kills pods that are still draining" (int .Values.terminationGracePeriodSeconds) (int $needed)) }}
{{- end }}
{{- end }}
