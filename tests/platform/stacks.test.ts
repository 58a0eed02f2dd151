import { strict as assert } from "assert";
import { size } from "../../sizing";
import { ofType, runStack } from "../helpers/run-stack";

/**
 * The whole program (config -> sizing -> platform -> stack) under the mock engine for the three
 * stacks the platform work must carry: the embedded dev stack (existing cluster), production on
 * AWS, and a GCP production preset. Sizing must reach the cloud resources unchanged.
 */
describe("platform: whole program per stack", function () {
  it("dev: existing cluster with in-cluster data services", async () => {
    const run = await runStack("dev");
    assert.equal(run.spec.platform, "existing");
    assert.equal(ofType(run, "matrix-platform:platform:ExistingClusterPlatform").length, 1);
    // Main's cluster only: LI is off, so it has no database server of its own.
    assert.deepEqual(ofType(run, "kubernetes:postgresql.cnpg.io/v1:Cluster").map((c) => (c.inputs as any).metadata.name), ["matrix-pg"]);
    assert.equal(ofType(run, "kubernetes:minio.min.io/v2:Tenant").length, 1);
    const sizing = size(run.spec);
    const main = ofType(run, "kubernetes:postgresql.cnpg.io/v1:Cluster").find((c) => (c.inputs as any).metadata.name === "matrix-pg")!;
    assert.equal((main.inputs as any).spec.instances, sizing.database.instances);
    const sts = ofType(run, "kubernetes:apps/v1:StatefulSet").find((s) => (s.inputs as any).metadata.name === "redis")!;
    assert.equal((sts.inputs as any).spec.replicas, Math.max(1, sizing.redis.replicas));
    assert.equal(run.outputs.storageClass, "standard");
    assert.equal(ofType(run, "aws:eks/cluster:Cluster").length + ofType(run, "gcp:container/cluster:Cluster").length, 0, "no cloud resources on-prem");
  });

  it("prod: AWS sized like the hardware analysis, node groups and databases from sizing", async () => {
    const run = await runStack("prod");
    assert.equal(run.spec.platform, "aws");
    const sizing = size(run.spec);
    const groups = ofType(run, "aws:eks/nodeGroup:NodeGroup");
    assert.equal(groups.length, sizing.nodePools.length);
    for (const pool of sizing.nodePools) {
      const g = groups.find((x) => x.name.endsWith(`-${pool.tier}`))!;
      assert.deepEqual(g.inputs.instanceTypes, [pool.machine.aws], `${pool.tier} machine type`);
      assert.equal((g.inputs.scalingConfig as any).desiredSize, pool.nodeCount, `${pool.tier} node count`);
    }
    const main = ofType(run, "aws:rds/instance:Instance").find((r) => r.name.endsWith("-pg-main"))!;
    assert.equal(main.inputs.instanceClass, sizing.database.awsInstanceClass);
    assert.equal(main.inputs.multiAz, true);
    assert.equal(main.inputs.deletionProtection, true);
    const rg = ofType(run, "aws:elasticache/replicationGroup:ReplicationGroup")[0];
    assert.equal(rg.inputs.nodeType, sizing.redis.awsNodeType);
    // Media, backups and Loki's logs (monitoring is on) replicated to the secondary region (no LI
    // media bucket: LI is off).
    assert.equal(ofType(run, "aws:s3/bucketReplicationConfig:BucketReplicationConfig").length, 3);
    assert.equal(run.outputs.storageClass, "gp3-encrypted");
  });

  it("prod-gcp-5k: GCP production preset, node pools and Cloud SQL from sizing", async () => {
    const run = await runStack("prod-gcp-5k");
    assert.equal(run.spec.platform, "gcp");
    const sizing = size(run.spec);
    const pools = ofType(run, "gcp:container/nodePool:NodePool");
    assert.equal(pools.length, sizing.nodePools.length);
    for (const pool of sizing.nodePools) {
      const np = pools.find((p) => p.inputs.name === pool.tier)!;
      assert.equal((np.inputs.nodeConfig as any).machineType, pool.machine.gcp, `${pool.tier} machine type`);
      assert.equal((np.inputs.autoscaling as any).totalMinNodeCount, pool.minCount);
    }
    const main = ofType(run, "gcp:sql/databaseInstance:DatabaseInstance").find((i) => String(i.inputs.name).endsWith("-main"))!;
    assert.equal((main.inputs.settings as any).tier, sizing.database.gcpTier);
    assert.equal((main.inputs.settings as any).availabilityType, "REGIONAL");
    assert.equal(ofType(run, "gcp:redis/instance:Instance")[0].inputs.tier, "STANDARD_HA");
    assert.equal(run.outputs.storageClass, "pd-balanced-cmek");
  });
});
