import { strict as assert } from "node:assert";
import { WORKER_TYPES } from "../../catalog/workers";
import { size } from "../../sizing";
import { COMPONENTS, type Sizing, type WorkloadSizing } from "../../sizing/types";
import { docHaMinimums, docProfiles } from "./seed-docs";
import { specFor } from "./specs";

/**
 * The Matrix part the profile tables' totals cover (see sizing/resources.ts): Synapse main and
 * workers, their edge, MatrixRTC, Sygnal, the key vault and Redis.
 */
const MATRIX_PART = ["haproxy", "edgeProxy", "element", "admin", "livekit", "lkJwt", "coturn", "sygnal", "keyVault", "redis"] as const;

function matrixPartRequests(s: Sizing): { cores: number; gi: number } {
  const ws: WorkloadSizing[] = [s.synapse.main, ...Object.values(s.synapse.workers), ...MATRIX_PART.map((c) => s.components[c])];
  const pods = (w: WorkloadSizing) => w.replicas;
  return {
    cores: ws.reduce((t, w) => t + pods(w) * w.resources.cpuRequestMillis, 0) / 1000,
    gi: ws.reduce((t, w) => t + pods(w) * w.resources.memoryRequestMi, 0) / 1024,
  };
}

describe("sizing: profile model at the document's five points", () => {
  for (const d of docProfiles()) {
    describe(`${d.ccu} CCU (${d.file})`, () => {
      // Outside production the profile numbers are exact; on-prem so Redis runs in-cluster.
      const s = size(specFor({ ccu: d.ccu, environment: "dev", platform: "existing" }));

      it("every worker type with a profile column runs the document's count (or its note's range when unlisted)", () => {
        for (const w of WORKER_TYPES) {
          const got = s.synapse.workers[w.name];
          assert.ok(got, `${w.name} has a sizing`);
          if (w.scaling === "singleton") {
            assert.equal(got.replicas, 1, w.name);
            continue;
          }
          const listed = w.profileColumn ? d.workers[w.profileColumn] : undefined;
          if (listed !== undefined) assert.equal(got.replicas, listed, w.name);
          else if (d.others) assert.ok(got.replicas >= d.others.min && got.replicas <= d.others.max, `${w.name}: ${got.replicas}`);
          else assert.ok(got.replicas >= 1 && got.replicas <= Math.max(...Object.values(d.workers)), w.name);
        }
      });

      it("PostgreSQL instances, Redis replicas, MinIO nodes and LiveKit replicas are the document's", () => {
        assert.equal(s.database.instances, d.postgresInstances);
        assert.equal(s.redis.replicas, d.redisReplicas);
        assert.equal(s.components.redis.replicas, d.redisReplicas);
        assert.equal(s.objectStore.nodes, d.minioNodes);
        assert.equal(s.components.livekit.replicas, d.livekitReplicas);
      });

      it("the Matrix part requests at most, and at least 85 % of, the table's total CPU and memory", () => {
        const r = matrixPartRequests(s);
        assert.ok(r.cores <= d.totalCpu && r.cores >= 0.85 * d.totalCpu, `${r.cores} cores vs ${d.totalCpu}`);
        assert.ok(r.gi <= d.totalMemoryGi && r.gi >= 0.85 * d.totalMemoryGi, `${r.gi} GiB vs ${d.totalMemoryGi}`);
      });

      it("storage provisioned covers the table's storage", () => {
        assert.ok(s.totals.storageGi >= d.storageGi);
      });

      it("production raises to the HA table but leaves named instances alone", () => {
        const ha = docHaMinimums();
        const p = size(specFor({ ccu: d.ccu, environment: "prod", platform: "existing" }));
        for (const w of WORKER_TYPES) {
          const dev = s.synapse.workers[w.name].replicas;
          const prod = p.synapse.workers[w.name].replicas;
          if (w.scaling === "pool") assert.equal(prod, Math.max(dev, ha["Synapse Workers"]), w.name);
          else assert.equal(prod, dev, `${w.name} is ${w.scaling}: not replicated`);
        }
        for (const c of ["haproxy", "element", "admin", "lkJwt", "sygnal"] as const) assert.ok(p.components[c].replicas >= 2, c);
        assert.ok(p.database.instances >= ha["PostgreSQL"]);
        assert.ok(p.redis.replicas >= ha["Redis"]);
        assert.ok(p.objectStore.nodes >= ha["MinIO"]);
        assert.ok(p.components.livekit.replicas >= ha["LiveKit"]);
      });
    });
  }
});

describe("sizing: profile model between the points", () => {
  it("reads counts between the brackets, rounded up", () => {
    const docs = docProfiles();
    for (let i = 0; i + 1 < docs.length; i++) {
      const lo = docs[i], hi = docs[i + 1];
      const mid = Math.round((lo.ccu + hi.ccu) / 2);
      const s = size(specFor({ ccu: mid }));
      const sync = s.synapse.workers.synchrotron.replicas;
      const a = lo.workers.synchrotron, b = hi.workers.synchrotron;
      assert.equal(sync, Math.ceil(a + ((b - a) * (mid - lo.ccu)) / (hi.ccu - lo.ccu)), `synchrotron at ${mid}`);
      assert.ok(s.database.instances >= lo.postgresInstances && s.database.instances <= hi.postgresInstances);
      assert.ok(s.objectStore.nodes >= lo.minioNodes && s.objectStore.nodes <= hi.minioNodes);
    }
  });
});

describe("sizing: every workload is sized", () => {
  const s = size(specFor({ ccu: 5000, telegram: 5000, whatsapp: 5000 }));
  it("every catalogue worker and every component has replicas, HPA bounds and resources", () => {
    const all: [string, WorkloadSizing][] = [["main", s.synapse.main], ...Object.entries(s.synapse.workers), ...COMPONENTS.map((c) => [c, s.components[c]] as [string, WorkloadSizing])];
    assert.equal(Object.keys(s.synapse.workers).length, WORKER_TYPES.length);
    for (const [name, w] of all) {
      assert.ok(w.replicas >= 1, `${name} runs`);
      assert.ok(w.minReplicas <= w.replicas && w.replicas <= w.maxReplicas, name);
      const r = w.resources;
      assert.ok(r.cpuRequestMillis > 0 && r.memoryRequestMi > 0, name);
      assert.ok(r.cpuLimitMillis >= r.cpuRequestMillis && r.memoryLimitMi >= r.memoryRequestMi, name);
    }
  });
  it("pools autoscale from their count to at least one more; named instances are fixed", () => {
    for (const w of WORKER_TYPES) {
      const x = s.synapse.workers[w.name];
      assert.equal(x.minReplicas, x.replicas);
      if (w.scaling === "pool") assert.ok(x.maxReplicas >= x.replicas + 1 && x.maxReplicas <= 2 * x.replicas + 1, w.name);
      else assert.equal(x.maxReplicas, x.replicas, w.name);
    }
  });
  it("switched-off features and cloud-managed Redis run no pods", () => {
    const off = size(specFor({ ccu: 1000, platform: "aws", features: { li: false, antivirus: false, monitoring: false, rtc: false } }));
    for (const c of ["synapseLi", "elementLi", "adminLi", "liSync", "clamav", "scanWorker", "prometheus", "grafana", "loki", "alertmanager", "livekit", "lkJwt", "coturn", "redis", "telegram", "whatsapp"] as const) {
      assert.equal(off.components[c].replicas, 0, c);
    }
    assert.equal(off.redis.replicas, 3, "the managed Redis still has the profile's replicas");
  });
});

describe("sizing: bridges scale with bridged accounts", () => {
  const total = (w: WorkloadSizing) => w.replicas * w.resources.cpuRequestMillis;
  it("more accounts, more bridge; each bridge is a single pod", () => {
    let prev = 0;
    for (const accounts of [100, 1000, 5000, 20000, 60000]) {
      const s = size(specFor({ ccu: 1000, telegram: accounts, whatsapp: accounts }));
      for (const b of [s.components.telegram, s.components.whatsapp]) {
        assert.equal(b.replicas, 1);
        assert.equal(b.maxReplicas, 1);
      }
      const t = total(s.components.telegram);
      assert.ok(t > prev, `${accounts}: ${t}`);
      prev = t;
    }
  });
  it("uses the hardware analysis's sustained per-account CPU in the profile model (Telegram idle 0.002 cores)", () => {
    const s = size(specFor({ ccu: 1000, telegram: 5000 }));
    const cores = total(s.components.telegram) / 1000;
    // 5,000 x 0.002 = 10 cores, plus a small fixed process base.
    assert.ok(cores >= 10 && cores <= 10.5, `${cores}`);
  });
});
