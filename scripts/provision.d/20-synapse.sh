#!/usr/bin/env bash
# Synapse and its S3 media storage provider, in a venv ($PROJECT_CACHE/synapse-venv), for the
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
S3_PROVIDER_VERSION="1.7.0"
# txredisapi 1.6.0 turned RedisFactory into a plain Factory and breaks Synapse's Redis connection
# (found by the e2e run on 1.157); Synapse's own `redis` extra now says txredisapi<1.6.0 (1.163.2's
# wheel metadata), and 1.5.0 is pinned here so the venv resolves the same release every time.
TXREDISAPI_VERSION="1.5.0"
# The S3 provider's dependency pins: the same list the media workers' init container installs
# (render/synapse/modules.ts S3_PROVIDER_PACKAGES; tests/validators/synapse.test.ts compares them).
S3_DEPS="boto3==1.44.5 botocore==1.44.5 s3transfer==0.19.3 jmespath==1.1.0 python-dateutil==2.9.0.post0 six==1.17.0 urllib3==2.8.0 humanize==4.17.0 tqdm==4.70.1"
WANT="matrix-synapse[postgres,redis]==$SYNAPSE_VERSION synapse-s3-storage-provider==$S3_PROVIDER_VERSION txredisapi==$TXREDISAPI_VERSION $S3_DEPS"
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
   && "$VENV/bin/python" -c "import synapse, s3_storage_provider, psycopg2, txredisapi" 2>/dev/null; then
  echo "synapse venv: $WANT already installed"
  exit 0
fi

PYTHON="${PYTHON:-python3}"
mkdir -p "$CACHE"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check $WANT
"$VENV/bin/python" -c "import synapse, s3_storage_provider; print('synapse', synapse.__version__)"
echo "$WANT" > "$STAMP"
