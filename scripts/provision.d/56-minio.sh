#!/usr/bin/env bash
# The MinIO server and mc, for the object-store encryption check
# (tests/validators/object-store-encryption.test.ts): the tenant's rendered config.env and bucket
# script run against a real MinIO on loopback. The Go module proxy refuses the pinned image's
# release tag (catalog/images.ts `minio`, RELEASE.2025-09-07T16-13-09Z) but serves the archived
# repository's last commit, 25 commits later, none of which touches the KMS, SSE or config-file
# code (internal/kms, internal/crypto, cmd/encryption-v1.go, cmd/common-main.go: formatting only).
# mc is the newest the proxy serves. Built once, cached by version, renamed into place.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${PROJECT_CACHE:-$HOME/.cache/matrix-platform}"
MINIO_MODULE_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
MC_MODULE_VERSION="v0.0.0-20250313080218-cf909e1063a9"

dest="$CACHE/minio-$MINIO_MODULE_VERSION"
if [ -x "$dest/minio" ] && [ -x "$dest/mc" ]; then
  echo "minio and mc already built"
else
  echo "building minio $MINIO_MODULE_VERSION and mc $MC_MODULE_VERSION (several minutes on 2 cores)"
  mkdir -p "$CACHE"
  tmp="$(mktemp -d "$CACHE/.minio.XXXXXX")"
  GOBIN="$tmp" GOFLAGS="-buildvcs=false" go install -ldflags "-s -w" "github.com/minio/minio@$MINIO_MODULE_VERSION"
  GOBIN="$tmp" GOFLAGS="-buildvcs=false" go install -ldflags "-s -w" "github.com/minio/mc@$MC_MODULE_VERSION"
  mv -T "$tmp" "$dest" 2>/dev/null || rm -rf "$tmp"
fi
"$dest/minio" --version >/dev/null
"$dest/mc" --version >/dev/null
