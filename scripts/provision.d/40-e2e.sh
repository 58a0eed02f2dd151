#!/usr/bin/env bash
# The loopback end-to-end run's extra needs beyond 00-apt.sh (postgresql, redis-server, haproxy)
# and 20-synapse.sh (Synapse + the S3 storage provider): a local S3-compatible server, so the
# rendered synapse-s3-storage-provider config is exercised instead of being switched off.
# moto's server lives in its own venv: its Flask/werkzeug pins must not move Synapse's.
# Idempotent: a stamp file records what was installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${PROJECT_CACHE:-$HOME/.cache/matrix-platform}"
VENV="$CACHE/e2e-venv"
WANT="moto[server]==5.2.5"
STAMP="$VENV/.provisioned"

if [ -x "$VENV/bin/moto_server" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
  echo "e2e venv: $WANT already installed"
  exit 0
fi
PYTHON="${PYTHON:-python3}"
mkdir -p "$CACHE"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$WANT"
"$VENV/bin/moto_server" --help >/dev/null
echo "$WANT" > "$STAMP"
