/**
 * Issue 18: the capacity benchmark's short variant (`npm run bench:capacity -- --short`: one small
 * load level against the generated topology) as part of `npm test`, so the harness keeps working.
 * It checks that every reading was taken, not how fast anything was: no timing is asserted.
 */
import { strict as assert } from "node:assert";
import { WORKER_TYPES } from "../../catalog/workers";
import { parseArgs, report, runCapacity } from "../../e2e/capacity";
import type { CapacityMeasurement } from "../../catalog/capacity";

describe("bench:capacity --short: the capacity harness on the generated topology (issue 18)", function () {
  this.timeout(420_000);
  let m: CapacityMeasurement;

  before(async () => {
    m = await runCapacity(parseArgs(["--short"]));
    console.log(report(m));
  });

  it("measured one level of the workers topology, and no main-only run in the short variant", () => {
    assert.equal(m.topologies.workers.levels.length, 1);
    assert.equal(m.topologies["main-only"], undefined);
    assert.equal(m.topologies.workers.levels[0].users, 6);
    assert.match(m.synapseVersion, /^\d+\.\d+\.\d+/);
  });

  it("read CPU and memory of main, every worker type, PostgreSQL, Redis and HAProxy from /proc", () => {
    const l = m.topologies.workers.levels[0];
    for (const g of ["main", ...WORKER_TYPES.map((t) => t.name), "postgres", "redis", "haproxy"]) {
      assert.ok(g in l.cpuCores, `no CPU reading for ${g}`);
      // Every process is resident: a Synapse process holds well over 30 MiB.
      assert.ok(l.peakMemoryMi[g] > (g === "redis" || g === "haproxy" ? 1 : 30), `${g}: ${l.peakMemoryMi[g]} MiB`);
    }
    assert.ok(l.cpuCores.main > 0 && l.cpuCores.synchrotron > 0, "main and the synchrotron did work");
    assert.ok(l.postgresConnections > 0);
  });

  it("the clients' requests reached HAProxy's backends and every action succeeded", () => {
    const l = m.topologies.workers.levels[0];
    assert.ok(Object.keys(l.haproxyRps).length >= 2, JSON.stringify(l.haproxyRps));
    for (const [kind, a] of Object.entries(l.actions)) assert.equal(a.failed, 0, `${kind} failed ${a.failed}`);
    assert.equal(l.syncs.failed, 0);
    assert.ok(l.syncs.ok > 6, `${l.syncs.ok} syncs returned`);
    assert.ok(l.actions.message.ok > 0);
  });

  it("timed deliveries: messages sent reached the other members' /sync", () => {
    const l = m.topologies.workers.levels[0];
    assert.ok(l.delivery.samples > 0, "no delivery timed");
    assert.ok(l.delivery.p50 <= l.delivery.p95 && l.delivery.p95 <= l.delivery.p99);
    assert.ok(l.delivery.p50 > 0);
  });
});
