#!/usr/bin/env bash
# `npm test`: provision the real validators, type-check once, then run every test transpile-only
# (type-checking inside each mocha process costs ~10 s and 1 GB; tsc already did it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
npx tsc --noEmit -p .
if [ $# -eq 0 ]; then set -- "tests/**/*.test.ts"; fi
TS_NODE_TRANSPILE_ONLY=true npx mocha "$@"
