#!/usr/bin/env bash
# The real Pulumi engine (CLI, Node.js language host, kubernetes/random/tls providers) and a
# loopback Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl and kwok built from the Go module proxy) for `npm run e2e:cluster`
# (tests/cluster). Neither the Pulumi binaries nor Kubernetes' are downloadable here: the engine
# folder's build.sh builds them from source snapshots and the module proxy (25-35 min cold on two
# cores, seconds when built). The binaries live under the tool cache keyed by their versions;
# engine-bin points at the current set so the tests need not know the key.
set -euo pipefail
CACHE="${PROJECT_CACHE:-$HOME/.cache/matrix-platform}"
ENGINE_SRC="${MP_ENGINE_DIR:-/work/shared/engine}"
[ -x "$ENGINE_SRC/build.sh" ] || [ -f "$ENGINE_SRC/build.sh" ] || { echo "engine sources $ENGINE_SRC/build.sh not found (set MP_ENGINE_DIR to the folder holding them)" >&2; exit 1; }

KEY="$(sed -n 's/^KEY="\(.*\)"$/\1/p' "$ENGINE_SRC/build.sh")"
[ -n "$KEY" ] || { echo "no KEY=\"...\" line in $ENGINE_SRC/build.sh" >&2; exit 1; }
OUT="$CACHE/engine-$KEY/bin"
s=$(date +%s)
bash "$ENGINE_SRC/build.sh" "$OUT" > "$CACHE/engine-$KEY.build.log" 2>&1 || { tail -n 40 "$CACHE/engine-$KEY.build.log" >&2; exit 1; }
# etcd: Debian's 3.4 lacks the watch progress requests kube-apiserver 1.35 needs to serve the
# streaming lists that newer clients (kwok's) open; their watches then fail over and over and
# their caches go stale. The 3.6 server from the module proxy (about a minute to build).
ETCD_VERSION=v3.6.16
if [ ! -x "$OUT/etcd" ] || [ "$(cat "$OUT/.etcd.version" 2>/dev/null)" != "$ETCD_VERSION" ]; then
  tmp="$(mktemp -d "$CACHE/.etcd-$ETCD_VERSION.XXXXXX")"
  printf 'module etcdbuild\n\ngo 1.25\n' > "$tmp/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > "$tmp/tools.go"
  (cd "$tmp" && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null 2>&1 && GOFLAGS=-buildvcs=false go build -o "$OUT/etcd" go.etcd.io/etcd/server/v3)
  echo "$ETCD_VERSION" > "$OUT/.etcd.version"
  rm -rf "$tmp"
fi
ln -sfn "$OUT" "$CACHE/engine-bin.tmp" && mv -T "$CACHE/engine-bin.tmp" "$CACHE/engine-bin"
echo "engine: $KEY ready in $(( $(date +%s) - s )) s"
