{% raw -%}
{{/* The chart's name, or nameOverride: both are valid Kubernetes names already. */}}
{{- define "app.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name, the prefix of every object's name. */}}
{{- define "app.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "app.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "app.selectorLabels" -}}
app.kubernetes.io/name: {{ include "app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "app.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "app.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "app.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "app.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "app.imageTag" .) }}
{{- end }}

{{- define "app.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- .Values.serviceAccount.name | default (include "app.fullname" .) }}
{{- else }}
{{- .Values.serviceAccount.name | default "default" }}
{{- end }}
{{- end }}

{{- define "app.secretName" -}}
{{- .Values.existingSecret | default (include "app.fullname" .) }}
{{- end }}

{{/*
A value of `env` as the text of an environment variable. Helm reads every number in the
values as a float, which prints 31536000 as 3.1536e+07: print whole numbers as integers.
*/}}
{{- define "app.envValue" -}}
{{- if and (kindIs "float64" .) (eq . (float64 (int64 .))) }}
{{- int64 . }}
{{- else }}
{{- . }}
{{- end }}
{{- end }}

{{/*
Annotations that tell checkov which of its findings do not apply, with the reason (the
chart's README.md explains them): `include "app.checkovSkips" (list "CKV_K8S_43")`.
*/}}
{{- define "app.checkovSkips" -}}
{{- $reasons := dict
  "CKV_K8S_43" "The image is pinned by its tag, the release's appVersion"
  "CKV_K8S_35" "The service reads its configuration, secrets included, from environment variables"
  "CKV_K8S_8" "A helm test pod runs one request and exits: nothing to probe"
  "CKV_K8S_9" "A helm test pod runs one request and exits: nothing to probe"
}}
{{- $annotations := list }}
{{- range $index, $check := . }}
{{- $annotations = append $annotations (printf "checkov.io/skip%d: %s" (add1 $index) (printf "%s=%s" $check (get $reasons $check) | quote)) }}
{{- end }}
{{- join "\n" $annotations }}
{{- end }}

{{/* The pod's security settings: the image's unprivileged user, the runtime's default seccomp profile. */}}
{{- define "app.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Each container's: no privilege, no capability, nothing writable but the /tmp volume. */}}
{{- define "app.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* The Secret's keys the service cannot start without, one a line. */}}
{{- define "app.requiredSecrets" -}}
DJANGO_SECRET_KEY
DATABASE_URL
{%- endraw %}
{%- if cookiecutter.cache == "redis" %}
REDIS_URL
{%- endif %}
{%- if cookiecutter.task_queue == "celery" %}
CELERY_BROKER_URL
{%- endif %}{% raw %}
{{- end }}

{{/* The service's environment, for every container that runs it. */}}
{{- define "app.envFrom" -}}
- configMapRef:
    name: {{ include "app.fullname" . }}
- secretRef:
    name: {{ include "app.secretName" . }}
{{- end }}

{{- define "app.extraEnv" -}}
{{- range $name, $value := .Values.extraEnv }}
- name: {{ $name }}
  value: {{ include "app.envValue" $value | quote }}
{{- end }}
{{- end }}

{{/* Restarts the pods when the configuration they read at start changes. */}}
{{- define "app.configChecksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- if not .Values.existingSecret }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- end }}

{{/*
/tmp, the one writable path: a read-only root file system leaves nothing else. Below the
containers' ephemeral-storage limit, which also counts their logs.
*/}}
{{- define "app.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end }}

{{- define "app.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{/* Pods of one component spread over nodes and zones, as far as the cluster allows. */}}
{{- define "app.topologySpread" -}}
{{- $component := .component }}
{{- range list "kubernetes.io/hostname" "topology.kubernetes.io/zone" }}
- maxSkew: 1
  topologyKey: {{ . }}
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "app.selectorLabels" $.context | nindent 6 }}
      app.kubernetes.io/component: {{ $component }}
  matchLabelKeys:
    - pod-template-hash
{{- end }}
{{- end }}

{{/* Scheduling settings every pod shares. */}}
{{- define "app.scheduling" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
{%- endraw %}
