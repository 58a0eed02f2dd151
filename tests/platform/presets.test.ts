import { strict as assert } from "assert";
import { parseSpec } from "../../config";
import type { Environment, PlatformKind } from "../../config/keys";
import { size } from "../../sizing";
import { estimateCost, type CloudCostEstimate, type CostLine } from "../../sizing/cost";
import { loadStackConfig } from "../../stacks/stack-config";
import { get, ofType, type PlatformRun, runPlatform } from "./harness";

/**
 * What each platform registers for the environment-dependent choices equals what sizing and the
 * cost estimate assume, for every platform x environment. The stacks are the 1k presets
 * (`<env>-<platform>-1k`), whose architecture-document profile runs 3 PostgreSQL instances
 * (catalog/profiles.ts, "1k": postgresql.instances 3).
 *
 * Expected values written out below come from the environment table in catalog/environments.ts,
 * read independently of the code under test:
 *   dev:     1 zone,  no Multi-AZ, 1 NAT, 1 day of backups,   no deletion protection, no copies
 *   staging: 3 zones, Multi-AZ,    1 NAT, 7 days of backups,  no deletion protection, no copies
 *   prod:    3 zones, Multi-AZ,    3 NAT, 30 days of backups, deletion protection,    copies
 */
const PROFILE_1K_POSTGRES_INSTANCES = 3;
const EXPECTED: Record<Environment, { zones: number; multiAz: boolean; nat: number; retentionDays: number; protect: boolean; copies: boolean }> = {
  dev: { zones: 1, multiAz: false, nat: 1, retentionDays: 1, protect: false, copies: false },
  staging: { zones: 3, multiAz: true, nat: 1, retentionDays: 7, protect: false, copies: false },
  prod: { zones: 3, multiAz: true, nat: 3, retentionDays: 30, protect: true, copies: true },
};
/** EKS and RDS subnet groups refuse fewer than two AZs, so a one-zone preset still gets two on AWS. */
const AWS_MIN_ZONES = 2;
const ENVIRONMENTS: Environment[] = ["dev", "staging", "prod"];

async function run(platform: PlatformKind, env: Environment): Promise<PlatformRun & { cost: ReturnType<typeof estimateCost> }> {
  const stack = `${env}-${platform}-1k`;
  const spec = parseSpec(loadStackConfig(stack), stack);
  const sizing = size(spec);
  const r = await runPlatform(`presets-${stack}`, spec, sizing);
  return { ...r, cost: estimateCost(spec, sizing) };
}

function line(cost: ReturnType<typeof estimateCost>, item: string): CostLine {
  assert.equal(cost.kind, "cost");
  const found = (cost as CloudCostEstimate).lines.find((l) => l.item === item);
  assert.ok(found, `cost line ${item}`);
  return found!;
}

/** What the cost estimate's database line assumes: Multi-AZ/HA standby and read replicas. */
function costedDatabase(cost: ReturnType<typeof estimateCost>): { multiAz: boolean; readReplicas: number } {
  const note = line(cost, "PostgreSQL compute").note ?? "";
  const replicas = /\+ (\d+) read replica/.exec(note);
  assert.ok(replicas, `read replicas in "${note}"`);
  return { multiAz: /HA\/Multi-AZ/.test(note), readReplicas: Number(replicas![1]) };
}

function costedNat(cost: ReturnType<typeof estimateCost>): number {
  const m = /^(\d+) gateway/.exec(line(cost, "NAT").quantity);
  assert.ok(m);
  return Number(m![1]);
}

describe("platform: presets decide, and sizing, cost and the registered resources agree", function () {

  for (const env of ENVIRONMENTS) {
    const want = EXPECTED[env];
    // The production presets deploy LI (its own server, bucket and cost lines); the others leave it off.
    const li = env === "prod";
    // The prod presets deploy monitoring too, and with it Loki's logs bucket.
    const logs = env === "prod";

    it(`aws ${env}: RDS Multi-AZ, replicas, retention, NAT gateways and deletion protection`, async () => {
      const r = await run("aws", env);
      assert.deepEqual(
        { zones: r.sizing.preset.zones, multiAz: r.sizing.preset.multiAzDatabase, nat: r.sizing.preset.natGateways, retentionDays: r.sizing.preset.backupRetentionDays, protect: r.sizing.preset.deletionProtection, copies: r.sizing.preset.crossRegionReplication },
        want, "the preset sizing carries is the environment table");
      const rds = ofType(r, "aws:rds/instance:Instance");
      const primaries = rds.filter((i) => !i.inputs.replicateSourceDb);
      // LI's server, bucket and cost lines exist exactly where the preset deploys LI.
      assert.deepEqual(primaries.map((p) => p.name).sort(), li ? ["platform-pg-li", "platform-pg-main"] : ["platform-pg-main"], "main, and LI's own server with LI");
      const main = primaries.find((i) => i.name === "platform-pg-main")!;
      const mainReplicas = rds.filter((i) => String(i.inputs.replicateSourceDb).endsWith("-main"));
      const costed = costedDatabase(r.cost);
      assert.equal(main.inputs.multiAz, want.multiAz);
      assert.equal(costed.multiAz, want.multiAz, "cost prices the standby that is deployed");
      assert.equal(mainReplicas.length, r.sizing.database.readReplicas);
      assert.equal(mainReplicas.length, costed.readReplicas, "cost prices the replicas that are deployed");
      // Primary + Multi-AZ standby + read replicas = the profile's instance count.
      assert.equal(1 + (want.multiAz ? 1 : 0) + mainReplicas.length, PROFILE_1K_POSTGRES_INSTANCES);
      const liReplicas = rds.filter((i) => String(i.inputs.replicateSourceDb).endsWith("-li"));
      if (!li) assert.equal(liReplicas.length, 0);
      assert.ok(r.cost.kind === "cost" && r.cost.lines.some((l) => /\bLI\b|-li\b/.test(l.item)) === li, "an LI cost line exactly with LI");
      for (const p of primaries) {
        assert.equal(p.inputs.backupRetentionPeriod, want.retentionDays);
        assert.equal(p.inputs.deletionProtection, want.protect);
        assert.equal(p.inputs.skipFinalSnapshot, !want.protect);
      }
      for (const replica of [...mainReplicas, ...liReplicas]) assert.equal(replica.inputs.deletionProtection, want.protect);
      const privateSubnets = ofType(r, "aws:ec2/subnet:Subnet").filter((x) => x.name.includes("-private-"));
      assert.equal(privateSubnets.length, Math.max(want.zones, AWS_MIN_ZONES));
      assert.equal(new Set(privateSubnets.map((x) => x.inputs.availabilityZone)).size, privateSubnets.length, "one AZ per subnet");
      const nats = ofType(r, "aws:ec2/natGateway:NatGateway").length;
      assert.equal(nats, want.nat);
      assert.equal(costedNat(r.cost), nats, "cost prices the NAT gateways that are deployed");
      const buckets = ofType(r, "aws:s3/bucket:Bucket").filter((b) => !b.name.endsWith("-replica"));
      assert.deepEqual(buckets.map((b) => b.name).sort(), ["platform-backups", ...(li ? ["platform-li-media"] : []), ...(logs ? ["platform-logs"] : []), "platform-media"]);
      for (const b of buckets) assert.equal(b.inputs.forceDestroy, !want.protect);
      assert.equal(get(ofType(r, "aws:eks/cluster:Cluster")[0].inputs, "deletionProtection"), want.protect);
      const backupCopies = ofType(r, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication");
      assert.equal(backupCopies.length, want.copies ? (li ? 2 : 1) : 0, "one copy per server (LI's too)");
      for (const c of backupCopies) assert.equal(c.inputs.retentionPeriod, want.retentionDays);
      assert.equal(/x 2 regions/.test(line(r.cost, "object storage").quantity), want.copies);
    });

    it(`gcp ${env}: Cloud SQL availability, replicas, retention, NAT and deletion protection`, async () => {
      const r = await run("gcp", env);
      const sql = ofType(r, "gcp:sql/databaseInstance:DatabaseInstance");
      const primaries = sql.filter((i) => !i.inputs.masterInstanceName);
      assert.deepEqual(primaries.map((p) => p.name).sort(), li ? ["platform-pg-li", "platform-pg-main"] : ["platform-pg-main"], "main, and LI's own server with LI");
      const main = primaries.find((i) => i.name === "platform-pg-main")!;
      const mainReplicas = sql.filter((i) => i.name.startsWith("platform-pg-main-replica-"));
      const costed = costedDatabase(r.cost);
      assert.equal(get(main.inputs, "settings.availabilityType"), want.multiAz ? "REGIONAL" : "ZONAL");
      assert.equal(costed.multiAz, want.multiAz, "cost prices the HA standby that is deployed");
      assert.equal(mainReplicas.length, r.sizing.database.readReplicas);
      assert.equal(mainReplicas.length, costed.readReplicas);
      assert.equal(1 + (want.multiAz ? 1 : 0) + mainReplicas.length, PROFILE_1K_POSTGRES_INSTANCES);
      assert.equal(sql.filter((i) => i.name.startsWith("platform-pg-li")).length > 0, li);
      for (const p of primaries) {
        const backups = get(p.inputs, "settings.backupConfiguration");
        assert.equal(backups.backupRetentionSettings.retainedBackups, want.retentionDays);
        // Cloud SQL Enterprise keeps at most 7 days of transaction logs.
        assert.equal(backups.transactionLogRetentionDays, Math.min(want.retentionDays, 7));
        assert.equal(backups.pointInTimeRecoveryEnabled, true);
        assert.equal(backups.location, want.copies ? "us-east1" : undefined, "off-region backups only where copies are asked");
        assert.equal(p.inputs.deletionProtection, want.protect);
        assert.equal(get(p.inputs, "settings.deletionProtectionEnabled"), want.protect);
      }
      for (const replica of sql.filter((i) => i.inputs.masterInstanceName)) assert.equal(replica.inputs.deletionProtection, want.protect);
      // Pools in the preset's zones: fewer than the region's three pins them; three is GKE's default.
      for (const pool of ofType(r, "gcp:container/nodePool:NodePool")) {
        const locations = pool.inputs.nodeLocations as string[] | undefined;
        assert.deepEqual(locations?.length, want.zones < 3 ? want.zones : undefined, `${pool.name} zones`);
      }
      // Cloud NAT is one regional gateway whatever the preset's per-AZ count, and cost prices one.
      assert.equal(ofType(r, "gcp:compute/routerNat:RouterNat").length, 1);
      assert.equal(costedNat(r.cost), 1);
      const buckets = ofType(r, "gcp:storage/bucket:Bucket");
      assert.deepEqual(buckets.map((b) => b.name).sort(), ["platform-backups", ...(li ? ["platform-li-media"] : []), ...(logs ? ["platform-logs"] : []), "platform-media"]);
      for (const b of buckets) {
        assert.equal(b.inputs.forceDestroy, !want.protect);
        assert.equal(get(b.inputs, "customPlacementConfig") !== undefined, want.copies, "dual-region only where copies are asked");
      }
      assert.equal(get(ofType(r, "gcp:container/cluster:Cluster")[0].inputs, "deletionProtection"), want.protect);
    });

    it(`existing ${env}: CloudNativePG instances, synchronous replication and retention; no NAT`, async () => {
      const r = await run("existing", env);
      assert.equal(r.cost.kind, "resources", "no bill on an existing cluster: nothing priced to disagree with");
      const clusters = ofType(r, "kubernetes:postgresql.cnpg.io/v1:Cluster");
      const main = clusters.find((c) => get(c.inputs, "metadata.name") === "matrix-pg")!;
      const liCluster = clusters.find((c) => get(c.inputs, "metadata.name") === "matrix-pg-li");
      assert.equal(liCluster !== undefined, li, "an LI cluster exactly with LI");
      if (liCluster) assert.equal(get(liCluster.inputs, "spec.instances"), 2, "LI: one primary and one replica");
      // In-cluster, every instance is a pod: primary + standbys = the profile's instance count.
      assert.equal(get(main.inputs, "spec.instances"), r.sizing.database.instances);
      assert.equal(get(main.inputs, "spec.instances"), PROFILE_1K_POSTGRES_INSTANCES);
      // Quorum commit only where the preset is highly available (prod).
      assert.equal(get(main.inputs, "spec.postgresql.synchronous") !== undefined, env === "prod");
      for (const s of ofType(r, "kubernetes:barmancloud.cnpg.io/v1:ObjectStore")) assert.equal(get(s.inputs, "spec.retentionPolicy"), `${want.retentionDays}d`);
      // Removing a Database CR never drops the database, in any environment.
      for (const d of ofType(r, "kubernetes:postgresql.cnpg.io/v1:Database")) assert.equal(get(d.inputs, "spec.databaseReclaimPolicy"), "retain");
      assert.equal(r.resources.filter((x) => /nat/i.test(x.type)).length, 0);
    });
  }
});
