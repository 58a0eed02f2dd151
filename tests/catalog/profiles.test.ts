import { strict as assert } from "node:assert";
import { PROFILE_CCU, PROFILE_NAMES } from "../../config/keys";
import { WORKER_TYPES } from "../../catalog/workers";
import { CCU_PROFILES, HA_MINIMUMS, profileByName } from "../../catalog/profiles";
import { ENVIRONMENTS } from "../../config/keys";
import { ENVIRONMENT_PRESETS } from "../../catalog/environments";
import { parseSpec } from "../../config/parse";
import { docHaMinimums, docProfiles } from "../sizing/seed-docs";

describe("stacks/profiles: the architecture document's CCU profiles", () => {
  const doc = docProfiles();

  it("the document has exactly the five profiles the config names, in order", () => {
    assert.deepEqual(doc.map((d) => d.ccu), PROFILE_NAMES.map((n) => PROFILE_CCU[n]));
    assert.deepEqual(CCU_PROFILES.map((p) => p.ccu), doc.map((d) => d.ccu));
    assert.deepEqual(CCU_PROFILES.map((p) => p.name), [...PROFILE_NAMES]);
  });

  for (const d of doc) {
    describe(`${d.file}`, () => {
      const p = () => CCU_PROFILES.find((x) => x.ccu === d.ccu)!;
      it("PostgreSQL instances, Redis replicas, MinIO nodes, LiveKit replicas", () => {
        assert.equal(p().postgresql.instances, d.postgresInstances);
        assert.equal(p().redis.replicas, d.redisReplicas);
        assert.equal(p().minio.nodes, d.minioNodes);
        assert.equal(p().livekit.replicas, d.livekitReplicas);
      });
      it("every Synapse worker count it lists, and no other", () => {
        assert.deepEqual({ ...p().synapse.workers }, d.workers);
      });
      it("its note on the worker types it does not list", () => {
        assert.deepEqual(p().synapse.others, d.others);
      });
      it("total CPU, memory and storage", () => {
        assert.equal(p().resources.totalCpu, d.totalCpu);
        assert.equal(p().resources.totalMemoryGi, d.totalMemoryGi);
        assert.equal(p().resources.storageGi, d.storageGi);
      });
    });
  }

  it("every worker column the document uses is a catalogue profile column", () => {
    const columns = new Set(WORKER_TYPES.map((w) => w.profileColumn).filter(Boolean));
    for (const d of doc) for (const name of Object.keys(d.workers)) assert.ok(columns.has(name as never), name);
  });

  it("HA minimums match the document's HA table", () => {
    const ha = docHaMinimums();
    assert.equal(HA_MINIMUMS.postgresqlInstances, ha["PostgreSQL"]);
    assert.equal(HA_MINIMUMS.redisReplicas, ha["Redis"]);
    assert.equal(HA_MINIMUMS.minioNodes, ha["MinIO"]);
    assert.equal(HA_MINIMUMS.synapseWorkerReplicas, ha["Synapse Workers"]);
    assert.equal(HA_MINIMUMS.livekitReplicas, ha["LiveKit"]);
  });

  it("profileByName finds each profile and rejects others", () => {
    for (const n of PROFILE_NAMES) assert.equal(profileByName(n).ccu, PROFILE_CCU[n]);
    assert.throws(() => profileByName("50k" as never));
  });
});

describe("stacks/environments: presets", () => {
  it("only prod is highly available, as the config parser decides", () => {
    for (const env of ENVIRONMENTS) {
      // (prod on the default existing platform must name an off-site backup target or waive it)
      const spec = parseSpec({ "matrix-platform:environment": env, "matrix-platform:acmeEmail": "a@b.cd", "matrix-platform:domain": "example.com", "matrix-platform:offsiteBackupWaived": "true", "matrix-platform:projectImageRegistry": "registry.example.org/matrix-platform" }, env);
      assert.equal(ENVIRONMENT_PRESETS[env].highAvailability, spec.highAvailability, env);
    }
  });
  it("prod keeps a spare node per pool, two failure domains, and protects data; dev holds nothing back", () => {
    const { prod, dev, staging } = ENVIRONMENT_PRESETS;
    assert.ok(prod.spareNodesPerPool >= 1 && prod.minNodesPerPool >= 2);
    assert.ok(prod.multiAzDatabase && prod.deletionProtection && prod.crossRegionReplication);
    assert.ok(prod.natGateways >= prod.zones);
    assert.equal(dev.spareNodesPerPool, 0);
    assert.equal(dev.zones, 1);
    assert.ok(!dev.deletionProtection && !dev.multiAzDatabase);
    assert.ok(staging.backupRetentionDays > dev.backupRetentionDays && staging.backupRetentionDays < prod.backupRetentionDays);
  });
});
