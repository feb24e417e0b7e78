{{/* The chart's name, or nameOverride. */}}
{{- define "cdp-spark-provisioner.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The resources' name: fullnameOverride, else RELEASE-CHART (RELEASE when it already holds the chart's name). */}}
{{- define "cdp-spark-provisioner.fullname" -}}
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

{{- define "cdp-spark-provisioner.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* What selects the pods: never changes between upgrades. */}}
{{- define "cdp-spark-provisioner.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cdp-spark-provisioner.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every resource: the standard ones, then the values' `labels`. */}}
{{- define "cdp-spark-provisioner.labels" -}}
helm.sh/chart: {{ include "cdp-spark-provisioner.chart" . }}
{{ include "cdp-spark-provisioner.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: provisioner
{{- with .Values.labels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* REGISTRY/REPOSITORY:TAG, or REGISTRY/REPOSITORY@DIGEST. */}}
{{- define "cdp-spark-provisioner.image" -}}
{{- $repo := required "image.repository is required" .Values.image.repository }}
{{- if .Values.image.registry }}
{{- $repo = printf "%s/%s" (trimSuffix "/" .Values.image.registry) $repo }}
{{- end }}
{{- if .Values.image.digest }}
{{- if not (hasPrefix "sha256:" .Values.image.digest) }}
{{- fail (printf "image.digest must be sha256:<64 hex digits>, not %q" .Values.image.digest) }}
{{- end }}
{{- printf "%s@%s" $repo .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}
{{- end }}

{{- define "cdp-spark-provisioner.serviceAccountName" -}}
{{- if .Values.existingServiceAccount }}
{{- .Values.existingServiceAccount }}
{{- else if .Values.serviceAccount.create }}
{{- default (include "cdp-spark-provisioner.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- "default" }}
{{- end }}
{{- end }}

{{/* The Secret the tokens and the database URL come from. */}}
{{- define "cdp-spark-provisioner.secretName" -}}
{{- default (printf "%s-secrets" (include "cdp-spark-provisioner.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{/* The Secret's key of one secret setting ("coordinatorToken", ...), or "" when that setting is not given. */}}
{{- define "cdp-spark-provisioner.secretKey" -}}
{{- $ctx := index . 0 }}
{{- $field := index . 1 }}
{{- if $ctx.Values.secrets.existingSecret }}
{{- index $ctx.Values.secrets.keys $field | default "" }}
{{- else if index $ctx.Values.secrets $field }}
{{- kebabcase $field }}
{{- end }}
{{- end }}

{{/* "true" when the job store is a database given by URL (not the embedded SQLite). */}}
{{- define "cdp-spark-provisioner.hasDatabaseUrl" -}}
{{- if include "cdp-spark-provisioner.secretKey" (list . "databaseUrl") }}true{{ end }}
{{- end }}

{{/* The configuration file's text. */}}
{{- define "cdp-spark-provisioner.config" -}}
{{- if .Values.configOverride }}
{{- .Values.configOverride }}
{{- else }}
{{- .Files.Get "files/config.toml" }}
{{- end }}
{{- end }}

{{/* Keytab file path, when a keytab is mounted. */}}
{{- define "cdp-spark-provisioner.hasKeytab" -}}
{{- if or .Values.keytab.existingSecret .Values.keytab.base64 }}true{{ end }}
{{- end }}

{{/*
Refusals: settings that cannot work, or would put a secret where it does not belong. Each names the value to change.
*/}}
{{- define "cdp-spark-provisioner.validate" -}}
{{- $replicas := int .Values.replicas }}
{{- if lt $replicas 1 }}
{{- fail (printf "replicas must be at least 1, not %d" $replicas) }}
{{- end }}
{{- if and (gt $replicas 1) (not (include "cdp-spark-provisioner.hasDatabaseUrl" .)) }}
{{- fail (printf "replicas: %d replicas need a shared database: set secrets.databaseUrl, or secrets.existingSecret with secrets.keys.databaseUrl (SQLite serves one replica only)" $replicas) }}
{{- end }}
{{- if and .Values.persistence.enabled (gt $replicas 1) (not .Values.persistence.existingClaim) (eq .Values.persistence.accessMode "ReadWriteOnce") }}
{{- fail "persistence: a ReadWriteOnce claim cannot be mounted by several replicas; the data folder needs no claim with a database URL (persistence.enabled=false)" }}
{{- end }}
{{- $config := include "cdp-spark-provisioner.config" . }}
{{- if regexMatch "(?m)^\\s*(coordinator_token|status_token|trigger_token)\\s*=" $config }}
{{- fail "configOverride: the configuration file is a ConfigMap, readable by whoever reads the namespace's config maps: give auth tokens through secrets.* (or secrets.existingSecret), not in [auth]" }}
{{- end }}
{{- if regexMatch "[A-Za-z][A-Za-z0-9+.-]*://[^/@\\s\"']*:[^/@\\s\"']*@" $config }}
{{- fail "configOverride: a URL with a password (scheme://user:password@host) would sit in a ConfigMap: give the database URL through secrets.databaseUrl (or secrets.existingSecret), and no password in any URL of the file" }}
{{- end }}
{{- if and .Values.secrets.existingSecret (or .Values.secrets.coordinatorToken .Values.secrets.statusToken .Values.secrets.triggerToken .Values.secrets.databaseUrl) }}
{{- fail "secrets: set either secrets.existingSecret or the secret values (secrets.coordinatorToken, ...), not both: the values would be ignored" }}
{{- end }}
{{- range $k, $v := .Values.hadoopConf.files }}
{{- if not (regexMatch "^[A-Za-z0-9._-]+$" $k) }}
{{- fail (printf "hadoopConf.files: %q is not a file name" $k) }}
{{- end }}
{{- end }}
{{- end }}
