#!/usr/bin/env bash
# Synapse (with its `opentracing` extra: jaeger-client, which the rendered `opentracing:` section
# needs when monitoring is deployed) and its S3 media storage provider, in a venv ($PROJECT_CACHE/synapse-venv), for the
# real-program checks (`python -m synapse.config`, appservice loading) and the local e2e run.
# The Synapse version is read from the deployed image's pin (catalog/images.ts, IMAGES.synapse.tag),
# so the tests always run the Synapse the image ships; tests/validators/synapse.test.ts checks it.
# Idempotent: a stamp file records what was installed; nothing is done when it matches.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE="${PROJECT_CACHE:-$HOME/.cache/matrix-platform}"
VENV="$CACHE/synapse-venv"
SYNAPSE_VERSION="$(sed -n 's/^ *synapse: {.*repository: "element-hq\/synapse", tag: "v\([0-9][0-9.]*\)".*/\1/p' catalog/images.ts)"
[ -n "$SYNAPSE_VERSION" ] || { echo "no Synapse tag (synapse: { ... tag: \"v<version>\" }) in catalog/images.ts" >&2; exit 1; }
# txredisapi 1.6.0 turned RedisFactory into a plain Factory and breaks Synapse's Redis connection
# (found by the e2e run on 1.157); Synapse's own `redis` extra now says txredisapi<1.6.0 (1.163.2's
# wheel metadata), and 1.5.0 is pinned here so the venv resolves the same release every time.
TXREDISAPI_VERSION="1.5.0"
# What the project's Synapse image adds (images/synapse): the pinned requirements file and the
# modules written in this repository, installed the way the image's Dockerfile installs them.
REQUIREMENTS="images/synapse/requirements.txt"
MODULE_DIRS="$(for d in images/synapse/modules/*/; do [ -f "$d/pyproject.toml" ] && printf '%s ' "${d%/}"; done; true)"
# The stamp changes with the requirements and with any module's source, so an edited module is
# reinstalled.
MODULES_HASH="$( { cat "$REQUIREMENTS"; for d in $MODULE_DIRS; do find "$d" -type f ! -path '*/__pycache__/*' ! -name '*.pyc' ! -path '*.egg-info*' ! -path '*/build/*' | LC_ALL=C sort | xargs sha256sum; done; } | sha256sum | cut -c1-16)"
WANT="matrix-synapse[postgres,redis,opentracing]==$SYNAPSE_VERSION txredisapi==$TXREDISAPI_VERSION requirements:$MODULES_HASH"
STAMP="$VENV/.provisioned"

# nginx (Debian) checks the rendered configs of the static front-ends (Element Web, .well-known)
# with `nginx -t`; the service Debian starts on install is stopped, tests run their own.
if ! command -v nginx >/dev/null 2>&1 && ! [ -x /usr/sbin/nginx ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx-light
  $SUDO systemctl stop nginx 2>/dev/null || $SUDO service nginx stop 2>/dev/null || true
fi

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] \
   && "$VENV/bin/python" -c "import synapse, s3_storage_provider, psycopg2, txredisapi, jaeger_client, opentracing" 2>/dev/null; then
  echo "synapse venv: $WANT already installed"
  exit 0
fi

PYTHON="${PYTHON:-python3}"
mkdir -p "$CACHE"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "matrix-synapse[postgres,redis,opentracing]==$SYNAPSE_VERSION" "txredisapi==$TXREDISAPI_VERSION"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$REQUIREMENTS"
for module in $MODULE_DIRS; do
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "./$module"
done
"$VENV/bin/python" -c "import synapse, s3_storage_provider; print('synapse', synapse.__version__)"
echo "$WANT" > "$STAMP"
