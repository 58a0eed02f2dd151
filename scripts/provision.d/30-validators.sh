#!/usr/bin/env bash
# The validators the gate (`npm run validate`, tests/validators/gate.test.ts) runs on every rendered
# Kubernetes object, and the offline schemas they check against. Idempotent: each piece has a
# stamp naming its pinned version under $PROJECT_CACHE/, and is rebuilt only when the pin changes.
#
#   kubeconform, kube-score  Go module proxy (`go install`), into $PROJECT_CACHE/bin
#   checkov                  PyPI, into the venv $PROJECT_CACHE/checkov-venv
#   schemas/kubernetes       built-in schemas of the pinned Kubernetes version, from the PyPI
#                            package kubernetes-validate (kubeconform's default schema URL is not
#                            reachable from CI)
#   schemas/crds             the operators' CRDs, from their Go modules at the versions the program
#                            installs (catalog/charts.ts), converted by scripts/crd-to-jsonschema.ts
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${PROJECT_CACHE:-$HOME/.cache/matrix-platform}"
mkdir -p "$CACHE/bin"

# --- pins --------------------------------------------------------------------------------------
KUBECONFORM_VERSION=v0.8.0
KUBE_SCORE_VERSION=v1.20.0
CHECKOV_VERSION=3.3.30
# kubernetes-validate 1.37.0 ships schemas for Kubernetes 1.25 .. 1.37.
KUBERNETES_VALIDATE_VERSION=1.37.0
# components/k8s/version.ts VALIDATED_KUBERNETES_VERSIONS, as kubeconform's -kubernetes-version values.
K8S_VERSIONS="$(sed -n 's/^export const VALIDATED_KUBERNETES_VERSIONS = \[\(.*\)\];/\1/p' components/k8s/version.ts | tr -d '" ' | tr ',' '\n' | sed 's/$/.0/' | tr '\n' ' ')"
[ -n "$K8S_VERSIONS" ] || { echo "no VALIDATED_KUBERNETES_VERSIONS in components/k8s/version.ts" >&2; exit 1; }
# Operators' CRDs, aligned with catalog/charts.ts:
#   cert-manager chart v1.21.1        -> cert-manager v1.21.1
#   gateway-helm (Envoy Gateway) v1.9.1 -> its bundled Gateway API (v1.6.1, experimental channel) + Envoy CRDs
#   cloudnative-pg chart 0.29.1       -> CloudNativePG operator 1.30.1
#   plugin-barman-cloud chart 0.8.x   -> barman-cloud plugin v0.15.0 (ObjectStore CRD; the version
#                                        the module proxy serves for the 0.8 chart line)
#   kube-prometheus-stack 88.5.3      -> prometheus-operator v0.93.1 (the chart's appVersion)
# The MinIO operator's Go module is not served by the module proxy at any version, so its Tenant
# schema is the project's own, written from the operator's v7.1.1 API reference:
# scripts/validate-schemas/tenant-minio.min.io-v2.json, copied next to the converted CRDs.
CRD_MODULES=(
  "github.com/cert-manager/cert-manager@v1.21.1:deploy/crds"
  "github.com/envoyproxy/gateway@v1.9.1:charts/gateway-helm/charts/crds/crds"
  "github.com/cloudnative-pg/cloudnative-pg@v1.30.1:config/crd/bases"
  "github.com/cloudnative-pg/plugin-barman-cloud@v0.15.0:config/crd/bases"
  "github.com/prometheus-operator/prometheus-operator@v0.93.1:example/prometheus-operator-crd"
)

stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# --- Go tools ------------------------------------------------------------------------------------
go_tool() { # name module version
  local name=$1 module=$2 version=$3 stamp="$CACHE/bin/.$1.version"
  if [ -x "$CACHE/bin/$name" ] && stamp_ok "$stamp" "$version"; then return; fi
  echo "  go install $module@$version"
  GOBIN="$CACHE/bin" GOFLAGS="-buildvcs=false" go install "$module@$version"
  echo "$version" >"$stamp"
}
go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
go_tool kube-score github.com/zegl/kube-score/cmd/kube-score "$KUBE_SCORE_VERSION"

# --- checkov -------------------------------------------------------------------------------------
VENV="$CACHE/checkov-venv"
if ! { [ -x "$VENV/bin/checkov" ] && stamp_ok "$VENV/.version" "$CHECKOV_VERSION"; }; then
  echo "  pip install checkov==$CHECKOV_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
  echo "$CHECKOV_VERSION" >"$VENV/.version"
fi

# --- Kubernetes built-in schemas ----------------------------------------------------------------
SCHEMAS="$CACHE/schemas"
K8S_STAMP="kubernetes-validate==$KUBERNETES_VALIDATE_VERSION $K8S_VERSIONS $(sha256sum scripts/validate-k8s-schemas.py | cut -c1-16)"
if ! stamp_ok "$SCHEMAS/kubernetes/.version" "$K8S_STAMP"; then
  echo "  schemas for Kubernetes $K8S_VERSIONS from kubernetes-validate $KUBERNETES_VALIDATE_VERSION"
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps -d "$tmp" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  rm -rf "$SCHEMAS/kubernetes"
  mkdir -p "$SCHEMAS/kubernetes"
  for v in $K8S_VERSIONS; do
    python3 scripts/validate-k8s-schemas.py "$tmp"/kubernetes_validate-*.whl "$SCHEMAS/kubernetes" "v$v"
  done
  rm -rf "$tmp"
  echo "$K8S_STAMP" >"$SCHEMAS/kubernetes/.version"
fi

# --- CRD schemas -----------------------------------------------------------------------------
CRD_STAMP="$(printf '%s\n' "${CRD_MODULES[@]}" "$(cat scripts/crd-to-jsonschema.ts scripts/validate-schemas/*.json | sha256sum | cut -c1-16)")"
if ! stamp_ok "$SCHEMAS/crds/.version" "$CRD_STAMP"; then
  echo "  CRD schemas from ${#CRD_MODULES[@]} Go modules"
  rm -rf "$SCHEMAS/crds"
  mkdir -p "$SCHEMAS/crds"
  dirs=()
  for entry in "${CRD_MODULES[@]}"; do
    module="${entry%%:*}" sub="${entry#*:}"
    dir="$(cd "$CACHE" && go mod download -json "$module" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(d.get("Error")) if d.get("Error") else print(d["Dir"])')"
    [ -d "$dir/$sub" ] || { echo "no $sub in $module" >&2; exit 1; }
    dirs+=("$dir/$sub")
  done
  TS_NODE_TRANSPILE_ONLY=true npx --no-install ts-node scripts/crd-to-jsonschema.ts "$SCHEMAS/crds" "${dirs[@]}"
  cp scripts/validate-schemas/*.json "$SCHEMAS/crds/"
  echo "$CRD_STAMP" >"$SCHEMAS/crds/.version"
fi
