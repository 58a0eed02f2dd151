import { strict as assert } from "node:assert";
import { seedAnalysis } from "../../sizing/seed-analysis";
import { size } from "../../sizing";
import { bridgeCapacityProblems, maxAccountsPerProcess } from "../../sizing/bridges";
import type { WorkloadSizing } from "../../sizing/types";
import { specFor } from "./specs";

/** Within `pct` percent of the document's rounded figure ("~10 TB"). */
function near(actual: number, expected: number, pct: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= (expected * pct) / 100, `${what}: ${actual} vs ~${expected}`);
}

// Expected values are the hardware analysis's own figures, quoted.
describe("sizing: seed-analysis breakdown reproduces the hardware analysis", () => {
  const b = seedAnalysis(2000, 5000, 5000);

  it("2,000 Matrix users: base 40 cores, 240 cores peak with encryption, ~750 GB RAM, ~10 TB storage", () => {
    assert.equal(b.matrix.cpuBaseCores, 40); // "Base: 2,000 × 0.02 = 40 cores"
    assert.equal(b.matrix.cpuPeakCores, 240); // "With encryption: 200 × 1.2 = 240 cores"
    assert.equal(b.matrix.memoryNormalGb, 750); // "Total: ~750 GB"
    near(b.matrix.storageGb, 10_000, 5, "Matrix storage"); // "Total: ~10 TB" (2 + 6 + 1.6 TB)
    assert.equal(b.matrix.mediaGb, 6000); // "Media: 2,000 × 3 GB = 6 TB"
  });

  it("5,000 Telegram accounts: 100 cores peak (50 base), ~625 GB, ~8 TB", () => {
    assert.equal(b.telegram.cpuBaseCores, 50);
    assert.equal(b.telegram.cpuPeakCores, 100); // "Total peak: 100 cores"
    assert.equal(b.telegram.memoryNormalGb, 625); // "Total: ~625 GB"
    near(b.telegram.storageGb, 8000, 6, "Telegram storage"); // "Total: ~8 TB"
  });

  it("5,000 WhatsApp accounts: 150 cores peak, ~1,225 GB peak / ~475 GB normal, ~15 TB", () => {
    assert.equal(b.whatsapp.cpuBaseCores, 100); // "Base: 5,000 × 0.02 = 100 cores"
    assert.equal(b.whatsapp.cpuPeakCores, 150); // "Total peak: 150 cores"
    assert.equal(b.whatsapp.memoryPeakGb, 1225); // "Total peak: ~1,225 GB"
    assert.equal(b.whatsapp.memoryNormalGb, 475); // "Total normal: ~475 GB"
    near(b.whatsapp.storageGb, 15_000, 2, "WhatsApp storage"); // "Total: ~15 TB"
  });

  it("PostgreSQL at the document's deployment: 32 cores, 256 GB (128 GB shared_buffers), 8 TB, max_connections 2000", () => {
    assert.equal(b.postgres.cpuCores, 32);
    assert.equal(b.postgres.ramGb, 256);
    assert.equal(b.postgres.sharedBuffersGb, 128);
    assert.equal(b.postgres.storageGb, 8000);
    assert.equal(b.postgres.maxConnections, 2000);
  });

  it("totals add the parts (490 cores peak, 2,600 GB peak memory)", () => {
    assert.equal(b.totals.cpuPeakCores, 240 + 100 + 150);
    assert.equal(b.totals.cpuBaseCores, 40 + 50 + 100);
    assert.equal(b.totals.memoryPeakGb, 750 + 625 + 1225);
    assert.equal(b.totals.memoryNormalGb, 750 + 625 + 475);
  });

  it("is linear in users and accounts (half the deployment, half the per-user parts)", () => {
    const half = seedAnalysis(1000, 2500, 2500);
    assert.equal(half.matrix.cpuPeakCores, 120);
    assert.equal(half.telegram.cpuPeakCores, 50);
    assert.equal(half.whatsapp.memoryPeakGb, 612.5);
    assert.equal(half.matrix.memoryNormalGb, (750 - 50) / 2 + 50); // fixed 50 GB system overhead
  });
});

describe("sizing: seed-analysis model mapped onto Sizing", () => {
  // The document's deployment; its bridges are sized capped at one node and refused by validation (below).
  const s = size(specFor({ ccu: 2000, model: "seed-analysis", telegram: 5000, whatsapp: 5000 }));
  const GB = 1e9;
  const sum = (ws: WorkloadSizing[], pick: (w: WorkloadSizing) => number) => ws.reduce((t, w) => t + w.replicas * pick(w), 0);
  const synapse = [s.synapse.main, ...Object.values(s.synapse.workers)];

  it("Synapse (standing in for Dendrite) requests the base 40 cores and limits at the 240-core peak", () => {
    near(sum(synapse, (w) => w.resources.cpuRequestMillis) / 1000, 40, 10, "Synapse CPU requests");
    near(sum(synapse, (w) => w.resources.cpuLimitMillis) / 1000, 240, 10, "Synapse CPU limits");
  });

  it("Synapse requests ~750 GB of memory", () => {
    near((sum(synapse, (w) => w.resources.memoryRequestMi) * 2 ** 20) / GB, 750, 10, "Synapse memory");
  });

  it("bridges: the document's per-account figures do not fit one process on one bridge node, so 5,000 accounts are refused", () => {
    // mautrix is one process per registration (sizing/bridges.ts): the document's Telegram at
    // 5,000 accounts asks 50 cores, WhatsApp 100, and the biggest bridge node carries ~44.
    const spec = specFor({ ccu: 2000, model: "seed-analysis", telegram: 5000, whatsapp: 5000 });
    const problems = bridgeCapacityProblems(spec);
    assert.deepEqual(problems.map((p) => p.key), ["matrix-platform:telegramAccounts", "matrix-platform:whatsappAccounts"]);
    for (const p of problems) {
      assert.equal(p.value, "5000");
      assert.match(p.allowed, /^at most \d+ with sizingModel seed-analysis: mautrix-\w+ is one process per registration \(it cannot run active-active\)/);
    }
    const tgMax = maxAccountsPerProcess("telegram", "seed-analysis");
    assert.ok(tgMax > 0 && tgMax < 5000, String(tgMax));
    // At the most that fits, the one process requests the document's per-account base and fits the node.
    const fitted = size(specFor({ ccu: 2000, model: "seed-analysis", telegram: tgMax, whatsapp: maxAccountsPerProcess("whatsapp", "seed-analysis") }));
    near(fitted.components.telegram.resources.cpuRequestMillis / 1000, (50 * tgMax) / 5000, 5, "Telegram CPU at the most that fits");
    const bridgePool = fitted.nodePools.find((p) => p.tier === "bridge")!;
    for (const w of [fitted.components.telegram, fitted.components.whatsapp]) assert.ok(w.resources.cpuRequestMillis <= 0.7 * bridgePool.machine.vcpu * 1000);
  });

  it("PostgreSQL: the document's HA layout (1 primary + 2 standby) and at least its max_connections", () => {
    assert.equal(s.database.instances, 3);
    // 12,000 connections in the document vs 12,000 here: the reference server.
    assert.ok(s.database.vcpu >= 32 && s.database.memoryGi >= (256 * GB) / 2 ** 30 - 1);
    assert.ok(s.database.maxConnections >= 2000);
    // Database storage: at least the 8 TB the document gives the server.
    assert.ok(s.database.storageGi * 2 ** 30 >= 8e12);
  });

  it("object storage holds the media the formulas give (6 TB Matrix, 5 TB Telegram, 10 TB WhatsApp) and an LI copy", () => {
    assert.ok(s.objectStore.capacityGi * 2 ** 30 >= (6 + 6 + 5 + 10) * 1e12);
  });
});
