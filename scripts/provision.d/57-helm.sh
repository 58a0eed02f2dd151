#!/usr/bin/env bash
# helm and the sources of the charts whose modules the Go module proxy serves, for
# tests/validators/chart-images-helm.test.ts: it renders the pinned cert-manager and Envoy
# Gateway charts with `helm template` and the values the program passes, and checks their images
# against the catalogue. helm is built once from its Go module (the release binaries are not
# reachable), keyed by version; the chart modules go to the Go module cache at the versions
# catalog/charts.ts pins.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${PROJECT_CACHE:-$HOME/.cache/matrix-platform}"
HELM_VERSION=v3.19.0
mkdir -p "$CACHE/bin"

stamp="$CACHE/bin/.helm.version"
if [ -x "$CACHE/bin/helm" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$HELM_VERSION" ]; then
  echo "helm $HELM_VERSION already built"
else
  echo "building helm $HELM_VERSION"
  tmp="$(mktemp -d "$CACHE/.helm-$HELM_VERSION.XXXXXX")"
  GOBIN="$tmp" GOFLAGS="-buildvcs=false" go install -ldflags "-s -w" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv -f "$tmp/helm" "$CACHE/bin/helm"
  rmdir "$tmp"
  echo "$HELM_VERSION" >"$stamp"
fi

chart_version() { # catalog/charts.ts key -> its pinned version
  sed -n "s/^ *$1: { chart: \"[^\"]*\", version: \"\\([^\"]*\\)\".*/\\1/p" catalog/charts.ts
}
for pair in "certManager github.com/cert-manager/cert-manager" "envoyGateway github.com/envoyproxy/gateway"; do
  set -- $pair
  version="$(chart_version "$1")"
  [ -n "$version" ] || { echo "no $1 version in catalog/charts.ts" >&2; exit 1; }
  (cd "$CACHE" && GOFLAGS=-mod=mod go mod download "$2@$version")
done
"$CACHE/bin/helm" version --short >/dev/null
