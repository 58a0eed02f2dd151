#!/usr/bin/env bash
# The loopback end-to-end run's extra needs beyond 00-apt.sh (postgresql, redis-server, haproxy)
# and 20-synapse.sh (Synapse + the S3 storage provider): a local S3-compatible server, so the
# rendered synapse-s3-storage-provider config is exercised instead of being switched off.
# moto's server lives in its own venv: its Flask/werkzeug pins must not move Synapse's.
# Idempotent: a stamp file records what was installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${PROJECT_CACHE:-$PWD/.cache}"
VENV="$CACHE/e2e-venv"
WANT="moto[server]==5.2.5"
STAMP="$VENV/.provisioned"

# Synapse (1.157.1, as deployed) talks to Redis through txredisapi and subclasses its RedisFactory
# as a ReconnectingClientFactory; txredisapi 1.6.0 made RedisFactory a plain Factory, and every
# process then dies on its first Redis connection (AttributeError: startedConnecting). Only a
# real Redis connection shows it (the config checks never connect), so the e2e pins it here,
# in the Synapse venv 20-synapse.sh made.
SYNAPSE_VENV="$CACHE/synapse-venv"
TXREDIS="txredisapi==1.5.0"
if [ -x "$SYNAPSE_VENV/bin/python" ]; then
  have="$("$SYNAPSE_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("txredisapi"))' 2>/dev/null || true)"
  if [ "$have" != "${TXREDIS#*==}" ]; then
    "$SYNAPSE_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$TXREDIS"
    echo "synapse venv: $TXREDIS (was ${have:-absent})"
  fi
else
  echo "40-e2e: $SYNAPSE_VENV missing (20-synapse.sh creates it); the e2e needs it" >&2
  exit 1
fi

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
