#!/usr/bin/env bash
# Installs what the tests need, idempotently: each scripts/provision.d/*.sh checks before it
# installs, so a second run costs seconds. Tools land under $HOME/.cache/matrix-platform (outside the clone, so
# every clone on this machine reuses them; PROJECT_CACHE overrides it) or come from
# Debian packages. Called by `npm test` and therefore by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PROJECT_CACHE="${PROJECT_CACHE:-$HOME/.cache/matrix-platform}"
mkdir -p "$PROJECT_CACHE"
# PROVISION_SKIP: step file names (space-separated) a caller runs itself, e.g. scripts/test.sh
# builds the real engine beside the other steps and the tests.
for step in scripts/provision.d/*.sh; do
  [ -e "$step" ] || continue
  case " ${PROVISION_SKIP:-} " in *" $(basename "$step") "*) continue ;; esac
  echo "provision: $(basename "$step")"
  bash "$step"
done
