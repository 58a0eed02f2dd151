#!/usr/bin/env bash
# `npm test`: provision the real validators and the real engine, type-check once, then run, at
# the same time:
#  - the real-engine tests (`npm run e2e:cluster`'s mocha: tests/cluster, the real Pulumi CLI
#    against a loopback control plane per stack; they mostly wait on the engine and the API
#    server, so they share the machine well), their output kept and printed at the end;
#  - every other test, transpile-only (type-checking inside each mocha process costs ~10 s and
#    1 GB; tsc already did it), then the validation gate over every preset stack
#    (`npm run validate`: 17 stacks, ~2 minutes).
# The exit status is the first failure's. With arguments, only mocha runs, on the files given.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
npx tsc --noEmit -p .
if [ $# -gt 0 ]; then
  exec env TS_NODE_TRANSPILE_ONLY=true npx mocha "$@"
fi
cluster_log="$(mktemp "${TMPDIR:-/tmp}/real-engine.XXXXXX.log")"
TS_NODE_TRANSPILE_ONLY=true npx mocha --parallel --jobs 3 'tests/cluster/**/*.test.ts' >"$cluster_log" 2>&1 &
cluster_pid=$!
status=0
TS_NODE_TRANSPILE_ONLY=true npx mocha --ignore 'tests/cluster/**' 'tests/**/*.test.ts' || status=$?
TS_NODE_TRANSPILE_ONLY=true npx ts-node scripts/validate.ts || { s=$?; [ "$status" -ne 0 ] || status=$s; }
cluster_status=0
wait "$cluster_pid" || cluster_status=$?
echo "== real engine: tests/cluster (exit $cluster_status)"
cat "$cluster_log"
rm -f "$cluster_log"
[ "$status" -ne 0 ] || status=$cluster_status
exit "$status"
