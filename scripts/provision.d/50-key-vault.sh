#!/usr/bin/env bash
# key_vault's venv ($PROJECT_CACHE/key-vault-venv), for tests/validators/key-vault.test.ts and
# the loopback e2e's key-vault scenario: the pinned requirements file the image installs
# (images/key-vault/requirements.txt), installed the same way (--no-deps). Built in a temporary
# directory and renamed into place so two runs provisioning at once never see a half-built
# venv; the venv name carries a hash of the requirements, so a changed pin builds a new one.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${PROJECT_CACHE:-$HOME/.cache/matrix-platform}"
REQUIREMENTS="images/key-vault/requirements.txt"
HASH="$(sha256sum "$REQUIREMENTS" | cut -c1-12)"
VENV="$CACHE/key-vault-$HASH"
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import django, psycopg, gunicorn" 2>/dev/null; then
  echo "key-vault venv: $VENV already installed"
  exit 0
fi
PYTHON="${PYTHON:-python3}"
mkdir -p "$CACHE"
TMP="$(mktemp -d "$CACHE/.key-vault-$HASH.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
"$PYTHON" -m venv "$TMP"
"$TMP/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$REQUIREMENTS"
"$TMP/bin/python" -c "import django, psycopg; print('django', django.__version__, 'psycopg', psycopg.__version__)"
mv -T "$TMP" "$VENV" 2>/dev/null || echo "key-vault venv: another run installed $VENV first"
trap - EXIT
rm -rf "$TMP"
