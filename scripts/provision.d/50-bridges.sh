#!/usr/bin/env bash
# The mautrix bridges (Telegram, WhatsApp; bridgev2, v26.08) built from the vendored source
# snapshots in ../shared/vendor/ (the registries do not serve them), so the tests start the real
# programs on the rendered configs. Built as /work/shared/vendor/README.md says: build.sh with
# `-tags goolm` (no libolm), cgo + gcc for go-sqlite3, CI_* variables giving the version.
# Each binary is cached outside the clone under $PROJECT_CACHE/mautrix-<network>-<version>/,
# built in a temporary directory and renamed into place, so concurrent clones never see a half
# binary. Idempotent: an existing binary is kept.
# MAUTRIX_VENDOR overrides where the tarballs are found.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${PROJECT_CACHE:-$HOME/.cache/matrix-platform}"
VENDOR="${MAUTRIX_VENDOR:-$(cd .. && pwd)/shared/vendor}"
[ -d "$VENDOR" ] || VENDOR=/work/shared/vendor
mkdir -p "$CACHE"

# network version tag-commit (../shared/vendor/README.md, "Upstream tag commits")
BRIDGES=(
  "whatsapp v0.2608.0 e7e5e57d9ed9ea12e3e54c2d9d3dcdc998516fb5"
  "telegram v0.2608.0 3df4c4ae87cab0a590ec0aaa139e0c1361460028"
)

for entry in "${BRIDGES[@]}"; do
  read -r network version commit <<<"$entry"
  name="mautrix-$network"
  dest="$CACHE/$name-$version"
  if [ -x "$dest/$name" ]; then
    echo "  $name $version already built"
    continue
  fi
  tarball="$VENDOR/$name-$version.tar.gz"
  [ -f "$tarball" ] || { echo "no $tarball (the vendored source of $name $version)" >&2; exit 1; }
  echo "  building $name $version from $tarball"
  tmp="$(mktemp -d "$CACHE/.$name-$version.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  tar -xzf "$tarball" -C "$tmp"
  (
    cd "$tmp/$name-$version"
    CGO_ENABLED=1 CI=true CI_COMMIT_TAG="$version" CI_COMMIT_SHA="$commit" GOFLAGS=-buildvcs=false \
      ./build.sh -tags goolm
  )
  mkdir -p "$tmp/out"
  mv "$tmp/$name-$version/$name" "$tmp/out/$name"
  "$tmp/out/$name" --version
  # rename into place; if another clone won the race, keep its binary
  mv -T "$tmp/out" "$dest" 2>/dev/null || [ -x "$dest/$name" ]
  rm -rf "$tmp"
  trap - EXIT
done
