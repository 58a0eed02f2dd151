#!/usr/bin/env bash
# `npm test`: provision, type-check once, then run at the same time:
#  - the real-engine tests (`npm run e2e:cluster`'s mocha over tests/cluster: the real Pulumi CLI
#    against a loopback control plane per stack). Their engine (scripts/provision.d/70-engine.sh:
#    25-35 min to build on a cold machine, seconds on a warm one) is built in the background
#    from the start, beside the other provisioning steps and tests; they start once both it and
#    provisioning are done. They mostly wait on the engine and the API server, so they share the
#    machine well. Their output is kept and printed at the end.
#  - every other test, transpile-only (type-checking inside each mocha process costs ~10 s and
#    1 GB; tsc already did it), then the validation gate over every preset stack
#    (`npm run validate`: 17 stacks, ~2 minutes).
# The exit status is the first failure's. With arguments, only mocha runs, on the files given
# (after the whole provisioning).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
  bash scripts/provision.sh
  npx tsc --noEmit -p .
  exec env TS_NODE_TRANSPILE_ONLY=true npx mocha "$@"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/matrix-platform-test.XXXXXX")"
cluster_pid=""
trap '[ -z "$cluster_pid" ] || kill -- "-$cluster_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
# The real-engine job in its own process group, so a failure here stops all of it.
set -m
(
  bash scripts/provision.d/70-engine.sh || exit 1
  while [ ! -e "$work/provisioned" ]; do sleep 5; done
  exec env TS_NODE_TRANSPILE_ONLY=true npx mocha --parallel --jobs 3 'tests/cluster/**/*.test.ts'
) >"$work/real-engine.log" 2>&1 &
cluster_pid=$!
set +m
PROVISION_SKIP="70-engine.sh" bash scripts/provision.sh
touch "$work/provisioned"
npx tsc --noEmit -p .
status=0
TS_NODE_TRANSPILE_ONLY=true npx mocha --ignore 'tests/cluster/**' 'tests/**/*.test.ts' || status=$?
TS_NODE_TRANSPILE_ONLY=true npx ts-node scripts/validate.ts || { s=$?; [ "$status" -ne 0 ] || status=$s; }
cluster_status=0
wait "$cluster_pid" || cluster_status=$?
cluster_pid=""
echo "== real engine: tests/cluster (exit $cluster_status)"
cat "$work/real-engine.log"
[ "$status" -ne 0 ] || status=$cluster_status
exit "$status"
