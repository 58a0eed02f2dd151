#!/usr/bin/env bash
# rclone, for the off-site backup copy check (tests/validators/offsite-backup.test.ts): the
# CronJob the program renders runs the official rclone image (catalog/images.ts IMAGES.rclone),
# and the test runs the same version against two loopback S3 servers. Debian's rclone is older
# than the image; the Go module proxy serves the tagged module, so it is built once and cached,
# keyed by version, in a temporary directory renamed into place (a concurrent clone may build it
# too; the first rename wins and the binaries are the same).
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${PROJECT_CACHE:-$HOME/.cache/matrix-platform}"
RCLONE_VERSION="v$(sed -n 's/^ *rclone: {.*repository: "rclone\/rclone", tag: "\([0-9][0-9.]*\)".*/\1/p' catalog/images.ts)"
[ "$RCLONE_VERSION" != "v" ] || { echo "no rclone tag (rclone: { ... tag: \"<version>\" }) in catalog/images.ts" >&2; exit 1; }

dest="$CACHE/rclone-$RCLONE_VERSION"
if [ -x "$dest/rclone" ]; then
  echo "rclone $RCLONE_VERSION already built"
else
  echo "building rclone $RCLONE_VERSION"
  mkdir -p "$CACHE"
  tmp="$(mktemp -d "$CACHE/.rclone-$RCLONE_VERSION.XXXXXX")"
  GOBIN="$tmp" GOFLAGS="-buildvcs=false" go install -ldflags "-s -w" "github.com/rclone/rclone@$RCLONE_VERSION"
  mv -T "$tmp" "$dest" 2>/dev/null || rm -rf "$tmp"
fi
"$dest/rclone" version >/dev/null
