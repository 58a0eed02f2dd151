#!/usr/bin/env bash
# `npm test`: provision the real validators, type-check once, run every test transpile-only
# (type-checking inside each mocha process costs ~10 s and 1 GB; tsc already did it), then the
# validation gate over every preset stack (`npm run validate`: 17 stacks, ~2 minutes).
# With arguments, only mocha runs, on the files given.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
npx tsc --noEmit -p .
if [ $# -gt 0 ]; then
  exec env TS_NODE_TRANSPILE_ONLY=true npx mocha "$@"
fi
TS_NODE_TRANSPILE_ONLY=true npx mocha "tests/**/*.test.ts"
TS_NODE_TRANSPILE_ONLY=true npx ts-node scripts/validate.ts
