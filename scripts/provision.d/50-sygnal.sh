#!/usr/bin/env bash
# Sygnal (the push gateway) in a venv of its own, for tests/validators/sygnal.test.ts (the
# rendered sygnal.yaml started for real) and the loopback e2e's push scenario. Sygnal is not on
# PyPI here: it is installed from the vendored source snapshot (see the vendor README); its
# dependencies come from PyPI. The venv is keyed by version under the tool cache, built in a
# temporary directory and renamed into place, so two clones provisioning at once never see a
# half-built venv. The Sygnal version is the deployed image's pin (catalog/images.ts).
# The dependencies are Sygnal's own lock file's versions, as the image installs them (its
# Dockerfile installs `poetry export` of poetry.lock with --no-deps): the newest releases that
# pyproject.toml allows are another program. With aiohttp 3.14, for one, an FCM app behind a
# proxy does not start ("no running event loop": GcmPushkin.create builds an aiohttp
# ClientSession before Twisted's asyncio loop runs, which aiohttp 3.9.5, the locked version,
# allows). The venv's name says it holds the locked set.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${PROJECT_CACHE:-$HOME/.cache/matrix-platform}"
VERSION="$(sed -n 's/^ *sygnal: {.*tag: "v\{0,1\}\([0-9][0-9.]*\)".*/\1/p' catalog/images.ts)"
[ -n "$VERSION" ] || { echo "no Sygnal tag (sygnal: { ... tag: \"<version>\" }) in catalog/images.ts" >&2; exit 1; }
VENV="$CACHE/sygnal-$VERSION-locked"
VENDOR_DIR="${MP_VENDOR_DIR:-/work/shared/vendor}"
TARBALL="$VENDOR_DIR/sygnal-v$VERSION.tar.gz"

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import sygnal.sygnal" 2>/dev/null; then
  echo "sygnal venv: $VERSION already installed"
  exit 0
fi
[ -f "$TARBALL" ] || { echo "Sygnal source snapshot $TARBALL not found (set MP_VENDOR_DIR to the folder holding it)" >&2; exit 1; }

PYTHON="${PYTHON:-python3}"
mkdir -p "$CACHE"
TMP="$(mktemp -d "$CACHE/.sygnal-$VERSION.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
# A venv records its own path in its scripts, so it is built at a path next to the final one and
# used only through `bin/python -m ...`, which does not depend on those script headers.
"$PYTHON" -m venv "$TMP"
# The lock's pins as pip constraints (every package of the lock; pip applies those it installs).
tar -xzf "$TARBALL" -O "sygnal-v$VERSION/poetry.lock" | "$PYTHON" -c '
import sys, tomllib
for p in tomllib.loads(sys.stdin.read())["package"]:
    print(p["name"] + "==" + p["version"])' > "$TMP/constraints.txt"
grep -q '^aiohttp==' "$TMP/constraints.txt" || { echo "no aiohttp pin read from Sygnal's poetry.lock" >&2; exit 1; }
"$TMP/bin/python" -m pip install --quiet --disable-pip-version-check -c "$TMP/constraints.txt" "$TARBALL"
"$TMP/bin/python" -c "import sygnal.sygnal, importlib.metadata as m; print('sygnal', m.version('matrix-sygnal'), 'aiohttp', m.version('aiohttp'), 'twisted', m.version('twisted'))"
# rename(2) onto a missing path is atomic; if another clone got there first, keep theirs.
mv -T "$TMP" "$VENV" 2>/dev/null || echo "sygnal venv: another run installed $VENV first"
trap - EXIT
rm -rf "$TMP"
