#!/usr/bin/env bash
# The scan worker's venv ($PROJECT_CACHE/scan-worker-venv): the pinned requirements of its image
# (images/scan-worker/requirements.txt), installed --no-deps as the Dockerfile does, for its unit
# tests and the e2e run. Idempotent: a stamp records the requirements' hash.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${PROJECT_CACHE:-$HOME/.cache/matrix-platform}"
VENV="$CACHE/scan-worker-venv"
REQUIREMENTS="images/scan-worker/requirements.txt"
WANT="requirements:$(sha256sum "$REQUIREMENTS" | cut -c1-16)"
STAMP="$VENV/.provisioned"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && "$VENV/bin/python" -c "import aiohttp, prometheus_client" 2>/dev/null; then
  echo "scan-worker venv: $WANT already installed"
  exit 0
fi
PYTHON="${PYTHON:-python3}"
mkdir -p "$CACHE"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$REQUIREMENTS"
"$VENV/bin/python" -c "import aiohttp, prometheus_client; print('scan worker venv: aiohttp', aiohttp.__version__)"
echo "$WANT" > "$STAMP"
