#!/usr/bin/env bash
# The MatrixRTC programs the real-program checks and the loopback e2e start with the rendered
# configuration:
#   - coturn's `turnserver` and `turnutils_uclient` (Debian's coturn package);
#   - livekit-server, built from its Go module at the tag the image pins (catalog/images.ts
#     IMAGES.livekit.tag) through a small wrapper module that copies the upstream go.mod's
#     `replace` lines (a dependency's replace directives do not apply to the main module);
#   - lk-jwt-service, built from the vendored source snapshot (../shared/vendor/README.md).
# Each Go binary is built in a temporary directory and renamed into
# $PROJECT_CACHE/<tool>-<version>/, so concurrent clones never see a half-written binary, and a
# second run costs nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${PROJECT_CACHE:-$HOME/.cache/matrix-platform}"
mkdir -p "$CACHE"

# coturn: turnserver + turnutils_uclient. Debian starts the service on install; the tests run their own.
if ! command -v turnserver >/dev/null 2>&1 || ! command -v turnutils_uclient >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends coturn
  $SUDO systemctl stop coturn 2>/dev/null || $SUDO service coturn stop 2>/dev/null || true
fi

# LiveKit: the version the image is pinned to.
LIVEKIT_VERSION="$(sed -n 's/^ *livekit: {.*repository: "livekit\/livekit-server", tag: "\(v[0-9][0-9.]*\)".*/\1/p' catalog/images.ts)"
[ -n "$LIVEKIT_VERSION" ] || { echo "no LiveKit tag (livekit: { ... tag: \"v<version>\" }) in catalog/images.ts" >&2; exit 1; }
LIVEKIT_DIR="$CACHE/livekit-server-$LIVEKIT_VERSION"
if [ -x "$LIVEKIT_DIR/livekit-server" ]; then
  echo "livekit-server $LIVEKIT_VERSION already built"
else
  echo "building livekit-server $LIVEKIT_VERSION"
  WORK="$(mktemp -d "$CACHE/.livekit-build.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
  (
    cd "$WORK"
    GOFLAGS=-mod=mod go mod init matrix-platform/livekit-build >/dev/null 2>&1
    UPSTREAM_MOD="$(go mod download -json "github.com/livekit/livekit-server@$LIVEKIT_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",$/\1/p')"
    # Copy the upstream replace directives (none at some tags; the loop is then empty).
    go mod edit -json "$UPSTREAM_MOD" | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    old = r["Old"]["Path"] + ("@" + r["Old"]["Version"] if r["Old"].get("Version") else "")
    new = r["New"]["Path"] + ("@" + r["New"]["Version"] if r["New"].get("Version") else "")
    print(old + "=" + new)' | while read -r rep; do go mod edit -replace "$rep"; done
    # The wrapper uses the Go version the upstream module declares.
    go mod edit -go="$(go mod edit -json "$UPSTREAM_MOD" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Go"])')"
    go get "github.com/livekit/livekit-server/cmd/server@$LIVEKIT_VERSION"
    mkdir -p out
    CGO_ENABLED=0 go build -trimpath -o out/livekit-server github.com/livekit/livekit-server/cmd/server
    ./out/livekit-server --version
  )
  mkdir -p "$WORK/final" && mv "$WORK/out/livekit-server" "$WORK/final/"
  mv -T "$WORK/final" "$LIVEKIT_DIR" 2>/dev/null || [ -x "$LIVEKIT_DIR/livekit-server" ]
  rm -rf "$WORK"; trap - EXIT
fi

# lk-jwt-service from the vendored source snapshot (version = the image's pin).
LKJWT_VERSION="$(sed -n 's/^ *lkJwt: {.*repository: "element-hq\/lk-jwt-service", tag: "\([0-9][0-9.]*\)".*/\1/p' catalog/images.ts)"
[ -n "$LKJWT_VERSION" ] || { echo "no lk-jwt-service tag (lkJwt: { ... tag: \"<version>\" }) in catalog/images.ts" >&2; exit 1; }
LKJWT_TARBALL=""
for vendor in ../shared/vendor /work/shared/vendor; do
  [ -f "$vendor/lk-jwt-service-v$LKJWT_VERSION.tar.gz" ] && { LKJWT_TARBALL="$(cd "$vendor" && pwd)/lk-jwt-service-v$LKJWT_VERSION.tar.gz"; break; }
done
LKJWT_DIR="$CACHE/lk-jwt-service-$LKJWT_VERSION"
if [ -x "$LKJWT_DIR/lk-jwt-service" ]; then
  echo "lk-jwt-service $LKJWT_VERSION already built"
else
  [ -n "$LKJWT_TARBALL" ] || { echo "lk-jwt-service-v$LKJWT_VERSION.tar.gz not found in ../shared/vendor" >&2; exit 1; }
  echo "building lk-jwt-service $LKJWT_VERSION"
  WORK="$(mktemp -d "$CACHE/.lk-jwt-build.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
  tar -xzf "$LKJWT_TARBALL" -C "$WORK"
  (cd "$WORK/lk-jwt-service-v$LKJWT_VERSION" && CGO_ENABLED=0 go build -trimpath -o "$WORK/final/lk-jwt-service" .)
  mv -T "$WORK/final" "$LKJWT_DIR" 2>/dev/null || [ -x "$LKJWT_DIR/lk-jwt-service" ]
  rm -rf "$WORK"; trap - EXIT
fi
