import { strict as assert } from "node:assert";
import fc from "fast-check";
import { WORKER_TYPES } from "../../catalog/workers";
import { size } from "../../sizing";
import { COMPONENTS, type Sizing, type WorkloadSizing } from "../../sizing/types";
import { docHaMinimums } from "./seed-docs";
import { specFor } from "./specs";
import type { Environment, PlatformKind, SizingModel } from "../../config/keys";

const env = fc.constantFrom<Environment>("dev", "staging", "prod");
const platform = fc.constantFrom<PlatformKind>("aws", "gcp", "existing");
const model = fc.constantFrom<SizingModel>("profile", "seed-analysis", "measured");
const ccu = fc.integer({ min: 100, max: 20_000 });
const accounts = fc.integer({ min: 0, max: 20_000 });
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 40) };

function workloads(s: Sizing): [string, WorkloadSizing][] {
  return [["main", s.synapse.main], ...Object.entries(s.synapse.workers), ...COMPONENTS.map((c) => [c, s.components[c]] as [string, WorkloadSizing])];
}
const pods = (w: WorkloadSizing) => w.replicas;

/** Every quantity that must not fall when CCU rises, with a readable name. */
function monotoneQuantities(s: Sizing): Record<string, number> {
  const q: Record<string, number> = {};
  for (const [name, w] of workloads(s)) {
    q[`${name}.replicas`] = w.replicas;
    q[`${name}.minReplicas`] = w.minReplicas;
    q[`${name}.maxReplicas`] = w.maxReplicas;
    q[`${name}.cpu`] = w.resources.cpuRequestMillis;
    q[`${name}.memory`] = w.resources.memoryRequestMi;
    q[`${name}.cpuTotal`] = pods(w) * w.resources.cpuRequestMillis;
    q[`${name}.memoryTotal`] = pods(w) * w.resources.memoryRequestMi;
    q[`${name}.storage`] = w.storageGi ?? 0;
  }
  for (const [k, d] of [["database", s.database], ["liDatabase", s.liDatabase]] as const) {
    q[`${k}.instances`] = d.instances;
    q[`${k}.vcpu`] = d.vcpu;
    q[`${k}.memory`] = d.memoryGi;
    q[`${k}.storage`] = d.storageGi;
    q[`${k}.maxConnections`] = d.maxConnections;
  }
  q["redis.replicas"] = s.redis.replicas;
  q["redis.memory"] = s.redis.memoryGi;
  q["objectStore.nodes"] = s.objectStore.nodes;
  q["objectStore.capacity"] = s.objectStore.capacityGi;
  q["totals.cpu"] = s.totals.cpuCores;
  q["totals.memory"] = s.totals.memoryGi;
  q["totals.storage"] = s.totals.storageGi;
  q["nodes.vcpu"] = s.nodePools.reduce((t, p) => t + p.nodeCount * p.machine.vcpu, 0);
  q["nodes.memory"] = s.nodePools.reduce((t, p) => t + p.nodeCount * p.machine.memoryGi, 0);
  for (const p of s.nodePools) {
    q[`pool.${p.tier}.vcpu`] = p.nodeCount * p.machine.vcpu;
    q[`pool.${p.tier}.memory`] = p.nodeCount * p.machine.memoryGi;
    q[`pool.${p.tier}.machineVcpu`] = p.machine.vcpu;
    // Node count grows as long as the machine size stays; a move to the next size may need fewer,
    // bigger nodes (capacity, above, still grows).
    q[`pool.${p.tier}.nodes@${p.machine.aws}`] = p.nodeCount;
  }
  return q;
}

describe("sizing properties (fast-check)", () => {
  it("more CCU never means fewer replicas, cores, memory, storage or node capacity (both models)", () => {
    fc.assert(
      fc.property(ccu, ccu, env, platform, model, accounts, accounts, (a, b, e, p, m, tg, wa) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const small = monotoneQuantities(size(specFor({ ccu: lo, environment: e, platform: p, model: m, telegram: tg, whatsapp: wa })));
        const big = monotoneQuantities(size(specFor({ ccu: hi, environment: e, platform: p, model: m, telegram: tg, whatsapp: wa })));
        for (const [k, v] of Object.entries(small)) {
          if (k.includes("@") && big[k] === undefined) continue; // the pool moved to a bigger machine
          assert.ok((big[k] ?? 0) >= v, `${k}: ${v} at ${lo} CCU but ${big[k]} at ${hi} CCU (${e}/${p}/${m})`);
        }
      }),
      RUNS,
    );
  });

  it("more bridged accounts never means a smaller bridge", () => {
    fc.assert(
      fc.property(ccu, model, accounts, accounts, (c, m, x, y) => {
        const [lo, hi] = x <= y ? [x, y] : [y, x];
        const a = size(specFor({ ccu: c, model: m, telegram: lo, whatsapp: lo }));
        const b = size(specFor({ ccu: c, model: m, telegram: hi, whatsapp: hi }));
        for (const n of ["telegram", "whatsapp"] as const) {
          const wa = a.components[n], wb = b.components[n];
          assert.ok(pods(wb) >= pods(wa), n);
          assert.ok(pods(wb) * wb.resources.cpuRequestMillis >= pods(wa) * wa.resources.cpuRequestMillis, `${n} cpu ${lo}->${hi}`);
          assert.ok(pods(wb) * wb.resources.memoryRequestMi >= pods(wa) * wa.resources.memoryRequestMi, `${n} memory ${lo}->${hi}`);
        }
      }),
      RUNS,
    );
  });

  it("production never drops below the HA minimums", () => {
    const ha = docHaMinimums();
    fc.assert(
      fc.property(ccu, platform, model, (c, p, m) => {
        const s = size(specFor({ ccu: c, environment: "prod", platform: p, model: m }));
        for (const w of WORKER_TYPES) if (w.scaling === "pool") assert.ok(s.synapse.workers[w.name].replicas >= ha["Synapse Workers"], w.name);
        for (const n of ["haproxy", "element", "admin", "lkJwt", "sygnal"] as const) assert.ok(s.components[n].replicas >= 2, n);
        assert.ok(s.components.livekit.replicas >= ha["LiveKit"]);
        assert.ok(s.database.instances >= ha["PostgreSQL"]);
        assert.ok(s.redis.replicas >= ha["Redis"]);
        assert.ok(s.objectStore.nodes >= ha["MinIO"]);
        if (p === "existing") assert.equal(s.components.redis.replicas, s.redis.replicas);
        for (const pool of s.nodePools) assert.ok(pool.nodeCount >= 3, `${pool.tier}: 2 failure domains + 1 spare`);
      }),
      RUNS,
    );
  });

  it("node pools hold their pods under 70 % CPU / 80 % memory, spare node aside", () => {
    fc.assert(
      fc.property(ccu, env, platform, model, accounts, accounts, (c, e, p, m, tg, wa) => {
        const s = size(specFor({ ccu: c, environment: e, platform: p, model: m, telegram: tg, whatsapp: wa }));
        const spare = e === "prod" ? 1 : 0;
        for (const pool of s.nodePools) {
          const working = pool.nodeCount - spare;
          assert.ok(pool.requestedCpuMillis <= 0.7 * working * pool.machine.vcpu * 1000, `${pool.tier} cpu`);
          assert.ok(pool.requestedMemoryMi <= 0.8 * working * pool.machine.memoryGi * 1024, `${pool.tier} memory`);
          assert.ok(pool.minCount <= pool.nodeCount && pool.nodeCount <= pool.maxCount, pool.tier);
          // Every pod of the tier fits one node under the targets.
          for (const [name, w] of workloads(s)) {
            if (w.tier !== pool.tier || pods(w) === 0) continue;
            assert.ok(w.resources.cpuRequestMillis <= 0.7 * pool.machine.vcpu * 1000, `${name} cpu on ${pool.machine.aws}`);
            assert.ok(w.resources.memoryRequestMi <= 0.8 * pool.machine.memoryGi * 1024, `${name} memory on ${pool.machine.aws}`);
          }
        }
        // Replicas that must not share a node (data-service redundancy, host ports) have enough nodes.
        const nodesOf = (tier: string) => s.nodePools.find((x) => x.tier === tier)?.nodeCount ?? 0;
        for (const n of ["livekit", "coturn", "redis"] as const) {
          const w = s.components[n];
          if (pods(w) > 0) assert.ok(nodesOf(w.tier) >= pods(w), `${n}: ${pods(w)} replicas on ${nodesOf(w.tier)} ${w.tier} nodes`);
        }
        if (p === "existing") {
          assert.ok(nodesOf("database") >= s.database.instances, "one PostgreSQL instance per node");
          assert.ok(nodesOf("media") >= s.objectStore.nodes, "one MinIO server per node");
        }
        // Every running workload has a pool for its tier.
        for (const [name, w] of workloads(s)) if (pods(w) > 0) assert.ok(s.nodePools.some((x) => x.tier === w.tier), `${name} on ${w.tier}`);
        // Pools carry every pod request the totals count.
        const pooled = s.nodePools.reduce((t, x) => t + x.requestedCpuMillis, 0);
        assert.ok(pooled >= s.totals.cpuCores * 1000 - 1e-6);
      }),
      RUNS,
    );
  });

  it("the managed clouds create no database or media-drive nodes; on-prem every data tier has its pool", () => {
    fc.assert(
      fc.property(ccu, env, model, (c, e, m) => {
        for (const p of ["aws", "gcp"] as const) {
          const s = size(specFor({ ccu: c, environment: e, platform: p, model: m }));
          assert.ok(!s.nodePools.some((x) => x.tier === "database"));
          assert.ok(s.nodePools.filter((x) => x.tier === "media").every((x) => !x.machine.localNvme));
        }
        const onPrem = size(specFor({ ccu: c, environment: e, platform: "existing", model: m }));
        const db = onPrem.nodePools.find((x) => x.tier === "database");
        assert.ok(db && db.machine.localNvme && db.taints.length === 1);
      }),
      { numRuns: 15 },
    );
  });
});
