/**
 * Issue 18 items 3-4: from a capacity measurement to the `measured` sizing model. The
 * measurement here is synthetic (straight lines chosen by the test), so every expected figure is
 * worked out from those lines, not read from the code.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { CapacityLevel, CapacityMeasurement } from "../../catalog/capacity";
import { DEFAULT_CCU_ACTIVITY } from "../../catalog/activity";
import { WORKER_TYPES } from "../../catalog/workers";
import { groupFits, latencyCeiling, perProcessLatencyUsers } from "../../sizing/capacity-fit";
import { activityScale, measuredModel, measuredModelWarnings, UNMEASURED_TYPES } from "../../sizing/measured-model";
import { profileModel } from "../../sizing/profile-model";
import { size } from "../../sizing";
import { specFor } from "./specs";

/** Per group: cores = a + b x users, MiB = c + d x users. */
const LINES: Record<string, { a: number; b: number; c: number; d: number }> = {
  main: { a: 0.02, b: 0.004, c: 150, d: 0.5 },
  synchrotron: { a: 0.01, b: 0.0068, c: 120, d: 2 },
  "event-persister": { a: 0.01, b: 0.002, c: 110, d: 0.2 },
  typing: { a: 0.005, b: 0.0001, c: 100, d: 0 },
  postgres: { a: 0.01, b: 0.001, c: 300, d: 1 },
};
for (const w of WORKER_TYPES) LINES[w.name] ??= { a: 0.004, b: 0.0002, c: 100, d: 0.1 };

function level(users: number, p99: number): CapacityLevel {
  const cpuCores: Record<string, number> = {};
  const peakMemoryMi: Record<string, number> = {};
  for (const [g, l] of Object.entries(LINES)) {
    cpuCores[g] = l.a + l.b * users;
    peakMemoryMi[g] = l.c + l.d * users;
  }
  return { users, windowSeconds: 45, cpuCores, peakMemoryMi, postgresConnections: 100, haproxyRps: {}, delivery: { samples: 100, p50: p99 / 3, p95: p99 / 1.5, p99 }, send: { p50: 10, p99: 40 }, undelivered: 0, actions: {}, syncs: { ok: 1, failed: 0, initial: 0 } };
}

function measurement(p99s: [number, number][], cores = 8): CapacityMeasurement {
  const processes = Object.fromEntries(Object.keys(LINES).map((g) => [g, 1]));
  return {
    date: "2026-12-03",
    command: "test",
    machine: { cores, cpuModel: "test", memoryGi: 32, loadAverage: { start: 0.5, end: 0.5 } },
    synapseVersion: "1.163.2",
    activity: { ...DEFAULT_CCU_ACTIVITY },
    warmupSeconds: 10,
    topologies: { workers: { processes, levels: p99s.map(([u, p]) => level(u, p)) } },
  };
}

// p99 well under 500 ms at every level: no latency ceiling.
const FAST = measurement([[10, 80], [30, 120], [80, 200]]);

describe("capacity fits (issue 18 item 3)", () => {
  it("recovers each group's base and per-user slope", () => {
    const fits = groupFits(FAST.topologies.workers);
    assert.ok(Math.abs(fits.synchrotron.cpu.slope - 0.0068) < 1e-12);
    assert.ok(Math.abs(fits.synchrotron.cpu.intercept - 0.01) < 1e-12);
    assert.ok(Math.abs(fits.synchrotron.memory.slope - 2) < 1e-9);
    // (1 - 0.01) / 0.0068 users reach one core.
    assert.ok(Math.abs(fits.synchrotron.usersAtOneCore! - 0.99 / 0.0068) < 1e-6);
  });

  it("divides a group's figures by its process count", () => {
    const m = measurement([[10, 80], [30, 120], [80, 200]]);
    m.topologies.workers.processes.synchrotron = 2;
    assert.ok(Math.abs(groupFits(m.topologies.workers).synchrotron.cpu.slope - 0.0034) < 1e-12);
  });

  it("interpolates where p99 delivery crosses 500 ms, and says when no level did", () => {
    const c = latencyCeiling(measurement([[10, 100], [30, 300], [80, 1300]]).topologies.workers.levels);
    // 300 ms at 30 users, 1300 ms at 80: 500 ms at 30 + 50 x 200/1000 = 40 users.
    assert.equal(c.reached, true);
    assert.ok(Math.abs(c.users - 40) < 1e-9);
    assert.deepEqual(latencyCeiling(FAST.topologies.workers.levels).reached, false);
  });

  it("a latency crossing on a nearly busy host is the machine's, not a process's", () => {
    const levels = measurement([[10, 100], [30, 300], [80, 1300]]).topologies.workers.levels;
    const busy = levels[2].cpuCores;
    const total = Object.values(busy).reduce((s, c) => s + c, 0);
    assert.ok(Math.abs((perProcessLatencyUsers(levels, 64) ?? NaN) - 40) < 1e-9, "a large host: the process limit applies");
    assert.equal(perProcessLatencyUsers(levels, total / 0.9), undefined, "90 % busy: machine-bound");
    assert.equal(perProcessLatencyUsers(levels, 64, 70), undefined, "other work kept 70 runnable on 64 cores: host-bound");
    assert.ok(Math.abs((perProcessLatencyUsers(levels, 64, 3) ?? NaN) - 40) < 1e-9, "a quiet host");
  });
});

describe("the measured sizing model (issue 18 items 3-4)", () => {
  it("runs ceil(CCU / users per process) synchrotrons, users per process from the 70 % CPU target", () => {
    const spec = specFor({ ccu: 5000, model: "measured" });
    const out = measuredModel(spec, FAST);
    // (0.7 - 0.01) / 0.0068 = 101.47 users per synchrotron at 70 % of a core.
    const per = 0.69 / 0.0068;
    const n = Math.ceil(5000 / per);
    assert.equal(out.workers.synchrotron.replicas, n);
    assert.equal(out.workers.synchrotron.maxReplicas, 2 * n, "pools autoscale to twice the design count");
    assert.equal(out.workers.synchrotron.autoscaling?.targetCpuUtilizationPercent, 70);
    // Request: use at the design load (101.47 users) over the 70 % target: 0.7 / 0.7 = one core.
    assert.equal(out.workers.synchrotron.resources.cpuRequestMillis, 1000);
    const mem = (120 + 2 * per) / 0.8;
    assert.ok(Math.abs(out.workers.synchrotron.resources.memoryRequestMi - Math.round(mem)) <= 1);
  });

  it("keeps singletons at one process and federation types at the profile's sizing", () => {
    const spec = specFor({ ccu: 5000, model: "measured", environment: "prod" });
    const out = measuredModel(spec, FAST);
    const profile = profileModel(spec);
    assert.equal(out.workers.typing.replicas, 1);
    assert.equal(out.main.replicas, 1);
    for (const t of UNMEASURED_TYPES) assert.deepEqual(out.workers[t], profile.workers[t], t);
    assert.deepEqual(out.components, profile.components);
  });

  it("a latency ceiling below the CPU one caps users per process (and says so for saturated singletons)", () => {
    const slow = measurement([[10, 100], [30, 300], [80, 1300]], 64);
    const spec = specFor({ ccu: 2000, model: "measured" });
    // 40 users per process (latency) < 101 (CPU): 2000 / 40 = 50 synchrotrons.
    assert.equal(measuredModel(spec, slow).workers.synchrotron.replicas, 50);
    assert.ok(measuredModelWarnings(spec, slow).some((w) => /single typing writer reaches its p99 latency limit at about 40 users/.test(w)), measuredModelWarnings(spec, slow).join("\n"));
  });

  it("more activity per user means more processes; the activity scale is the write-rate ratio", () => {
    const base = specFor({ ccu: 5000, model: "measured" });
    const busy = { ...base, capacityActivity: { messagesPerMinute: 2.0 } };
    // Write rates per minute: 2.64 by default, 4.14 with 2 messages.
    assert.ok(Math.abs(activityScale(busy, FAST) - 4.14 / 2.64) < 1e-9);
    assert.ok(measuredModel(busy, FAST).workers.synchrotron.replicas > measuredModel(base, FAST).workers.synchrotron.replicas);
  });

  it("PostgreSQL vCPU: the fitted cores at the CCU over the 70 % target, rounded up to a power of two", () => {
    const spec = specFor({ ccu: 10_000, model: "measured" });
    // 0.01 + 0.001 x 10000 = 10.01 cores; / 0.7 = 14.3 -> 16.
    assert.equal(measuredModel(spec, FAST).database.vcpu, 16);
  });

  it("below one process's design load, requests follow the CCU", () => {
    const out = measuredModel(specFor({ ccu: 100, model: "measured" }), FAST);
    // main: 0.02 + 0.004 x 100 = 0.42 cores over 0.7 = 600 m; memory (150 + 50) / 0.8 = 250 MiB.
    assert.equal(out.main.resources.cpuRequestMillis, 600);
    assert.equal(out.main.resources.memoryRequestMi, 250);
  });

  it("process counts never fall as CCU rises, and every process has at least a minimal request", () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 19_000 }), fc.integer({ min: 1, max: 1000 }), (ccu, step) => {
        const lo = measuredModel(specFor({ ccu, model: "measured" }), FAST);
        const hi = measuredModel(specFor({ ccu: Math.min(20_000, ccu + step), model: "measured" }), FAST);
        for (const w of WORKER_TYPES) assert.ok(hi.workers[w.name].replicas >= lo.workers[w.name].replicas, `${w.name} at ${ccu}`);
        for (const w of Object.values(lo.workers)) assert.ok(w.resources.cpuRequestMillis > 0 && w.resources.cpuRequestMillis <= 1000);
      }),
      { numRuns: 25 },
    );
  });

  it("warns when the CCU is far beyond the measured load", () => {
    const warnings = measuredModelWarnings(specFor({ ccu: 20_000, model: "measured" }), FAST);
    assert.ok(warnings.some((w) => /20,000 CCU is 250x the largest load measured \(80 users on 8 cores, 2026-12-03\)/.test(w)), warnings.join("\n"));
  });

  it("warns when the measured PostgreSQL outgrows the largest database class, and not before", () => {
    // FAST: 0.01 + 0.001 x users cores, 20.01 at 20,000 CCU, 28.6 vCPU at the 70 % target: fits 64.
    const quiet = measuredModelWarnings(specFor({ ccu: 20_000, model: "measured" }), FAST);
    assert.ok(!quiet.some((w) => /PostgreSQL/.test(w)), quiet.join("\n"));
    // Five times the per-user cost: 0.01 + 0.005 x 20,000 = 100.01 cores, 142.9 vCPU at 70 %.
    const heavy: CapacityMeasurement = JSON.parse(JSON.stringify(FAST));
    for (const l of heavy.topologies.workers.levels) l.cpuCores.postgres = 0.01 + 0.005 * l.users;
    const warnings = measuredModelWarnings(specFor({ ccu: 20_000, model: "measured" }), heavy);
    assert.ok(warnings.some((w) => /PostgreSQL's measured per-user CPU asks for about 143 vCPU at 20,000 CCU, more than the largest class \(db\.r7g\.16xlarge, 64 vCPU\)/.test(w)), warnings.join("\n"));
  });

  it("refuses a measurement with fewer than two levels, naming the command that makes one", () => {
    assert.throws(() => measuredModel(specFor({ model: "measured" }), measurement([[10, 80]])), /at least two load levels .*npm run bench:capacity -- --write/);
  });

  it("size() uses it for sizingModel measured, with the committed measurement", () => {
    const s = size(specFor({ ccu: 1000, model: "measured" }));
    assert.equal(s.model, "measured");
    assert.ok(s.synapse.workers.synchrotron.replicas >= 1);
  });
});
