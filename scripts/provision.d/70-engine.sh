#!/usr/bin/env bash
# The real Pulumi engine (CLI, Node.js language host, kubernetes/random/tls providers) and a
# loopback Kubernetes control plane (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl and kwok built from the Go module proxy) for `npm run e2e:cluster`
# (tests/cluster). Neither the Pulumi binaries nor Kubernetes' are downloadable here: the engine
# folder's build.sh builds them from source snapshots and the module proxy (25-35 min cold on two
# cores, seconds when built). The binaries live under the tool cache keyed by their versions;
# engine-bin points at the current set so the tests need not know the key.
set -euo pipefail
CACHE="${PROJECT_CACHE:-$HOME/.cache/matrix-platform}"
ENGINE_SRC="${MP_ENGINE_DIR:-/work/shared/engine}"
[ -x "$ENGINE_SRC/build.sh" ] || [ -f "$ENGINE_SRC/build.sh" ] || { echo "engine sources $ENGINE_SRC/build.sh not found (set MP_ENGINE_DIR to the folder holding them)" >&2; exit 1; }

# etcd is a Debian package (00-apt.sh installs it).
KEY="$(sed -n 's/^KEY="\(.*\)"$/\1/p' "$ENGINE_SRC/build.sh")"
[ -n "$KEY" ] || { echo "no KEY=\"...\" line in $ENGINE_SRC/build.sh" >&2; exit 1; }
OUT="$CACHE/engine-$KEY/bin"
s=$(date +%s)
bash "$ENGINE_SRC/build.sh" "$OUT" > "$CACHE/engine-$KEY.build.log" 2>&1 || { tail -n 40 "$CACHE/engine-$KEY.build.log" >&2; exit 1; }
ln -sfn "$OUT" "$CACHE/engine-bin.tmp" && mv -T "$CACHE/engine-bin.tmp" "$CACHE/engine-bin"
echo "engine: $KEY ready in $(( $(date +%s) - s )) s"
