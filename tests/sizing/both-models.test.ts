import { strict as assert } from "node:assert";
import { sizeAllModels } from "../../sizing";
import { specFor } from "./specs";

describe("sizing: both models side by side", () => {
  it("sizes the same spec with each model, costing each on the clouds", () => {
    const both = sizeAllModels(specFor({ platform: "aws", environment: "prod", ccu: 2000, telegram: 5000, whatsapp: 5000 }));
    assert.equal(both.profile.sizing.model, "profile");
    assert.equal(both.seedAnalysis.sizing.model, "seed-analysis");
    // Same replica plan (the seed gives no replica counts), different resources.
    assert.equal(both.profile.sizing.synapse.workers.synchrotron.replicas, both.seedAnalysis.sizing.synapse.workers.synchrotron.replicas);
    assert.ok(both.seedAnalysis.sizing.totals.cpuCores > both.profile.sizing.totals.cpuCores, "the seed's per-user peak envelope is the larger");
    assert.equal(both.profile.cost.kind, "cost");
    assert.equal(both.seedAnalysis.cost.kind, "cost");
  });
  it("reports resources, not dollars, on an existing cluster", () => {
    const both = sizeAllModels(specFor({ platform: "existing", ccu: 100 }));
    assert.equal(both.profile.cost.kind, "resources");
    assert.equal(both.seedAnalysis.cost.kind, "resources");
  });
});

describe("sizing: every preset stack", () => {
  it("sizes all 45 presets with both models, every running pod on a pool", async () => {
    const { allPresetNames, parsePresetName, presetConfig } = await import("../../stacks/presets");
    const { parseSpec } = await import("../../config/parse");
    for (const name of allPresetNames()) {
      const spec = parseSpec(presetConfig(parsePresetName(name)!), name);
      const both = sizeAllModels(spec);
      for (const m of [both.profile, both.seedAnalysis]) {
        assert.ok(m.sizing.nodePools.length >= 4, name);
        const pooled = m.sizing.nodePools.reduce((t, p) => t + p.requestedCpuMillis, 0);
        assert.ok(pooled >= m.sizing.totals.cpuCores * 1000 - 1e-6, name);
        if (spec.platform !== "existing") assert.ok(m.cost.kind === "cost" && m.cost.monthlyUsd > 0, name);
      }
    }
  });
});
