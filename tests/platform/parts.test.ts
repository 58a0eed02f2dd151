import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { barmanRetentionPolicy } from "../../components/data/postgres";
import { DATABASES, DATABASE_SPECS, deployedDatabases } from "../../components/contracts";
import { elastiCacheTopology } from "../../components/platform/aws/cache";
import { autoscalerPolicy, eksKubeconfig } from "../../components/platform/aws/cluster-services";
import { rdsProtection } from "../../components/platform/aws/database";
import { irsaTrustPolicy, serviceTrustPolicy } from "../../components/platform/aws/iam";
import { natIndexFor, vpcLayout } from "../../components/platform/aws/network";
import { eksScaling, eksTaintEffect } from "../../components/platform/aws/node-groups";
import { clientBucketPolicy, s3Lifecycle } from "../../components/platform/aws/object-storage";
import { gkeKubeconfig } from "../../components/platform/gcp/cluster";
import { cloudSqlProtection } from "../../components/platform/gcp/database";
import { bucketPlacement, gkeTaintEffect } from "../../components/platform/gcp/naming";
import { gkeScaling } from "../../components/platform/gcp/node-pools";
import { databaseRecords, sharedPlatformFields, type DatabaseServer } from "../../components/platform/outputs";
import { cloudSqlRetention, rdsBackupRetentionDays } from "../../components/platform/retention";

/** The pure parts the platform factories are built from, tested without the mock engine. */
describe("platform parts: pure helpers", () => {
  it("lays the AWS VPC over the preset's zones, never fewer than the two EKS and RDS need, NAT at most one per AZ", () => {
    assert.deepEqual(vpcLayout(1, 1), { zones: 2, natGateways: 1 }, "dev's single zone still gets the two AZs EKS requires");
    assert.deepEqual(vpcLayout(3, 1), { zones: 3, natGateways: 1 });
    assert.deepEqual(vpcLayout(3, 3), { zones: 3, natGateways: 3 });
    assert.deepEqual(vpcLayout(2, 3), { zones: 2, natGateways: 2 }, "no NAT gateway without a public subnet to hold it");
    assert.deepEqual(vpcLayout(6, 6), { zones: 3, natGateways: 3 }, "three subnet pairs are laid out");
    // Each AZ routes through its own NAT when it has one, else through the last one.
    assert.deepEqual([0, 1, 2].map((i) => natIndexFor(i, 1)), [0, 0, 0]);
    assert.deepEqual([0, 1, 2].map((i) => natIndexFor(i, 3)), [0, 1, 2]);
    assert.deepEqual([0, 1, 2].map((i) => natIndexFor(i, 2)), [0, 1, 1]);
  });

  it("clamps backup retention to what RDS and Cloud SQL accept", () => {
    assert.deepEqual([0, 1, 7, 30, 35, 90].map(rdsBackupRetentionDays), [1, 1, 7, 30, 35, 35]);
    assert.deepEqual(cloudSqlRetention(30), { retainedBackups: 30, transactionLogRetentionDays: 7 });
    assert.deepEqual(cloudSqlRetention(7), { retainedBackups: 7, transactionLogRetentionDays: 7 });
    assert.deepEqual(cloudSqlRetention(1), { retainedBackups: 1, transactionLogRetentionDays: 1 });
    assert.equal(barmanRetentionPolicy(7), "7d");
    assert.throws(() => barmanRetentionPolicy(0), /whole number of days/);
    assert.throws(() => barmanRetentionPolicy(1.5), /whole number of days/);
  });

  it("protects an RDS primary exactly when the preset asks, and takes its standby from multiAzDatabase", () => {
    assert.deepEqual(rdsProtection({ multiAzDatabase: true, backupRetentionDays: 7, deletionProtection: false }, "db"), {
      multiAz: true, backupRetentionPeriod: 7, deleteAutomatedBackups: true, deletionProtection: false, skipFinalSnapshot: true, finalSnapshotIdentifier: undefined,
    });
    assert.deepEqual(rdsProtection({ multiAzDatabase: false, backupRetentionDays: 60, deletionProtection: true }, "db"), {
      multiAz: false, backupRetentionPeriod: 35, deleteAutomatedBackups: false, deletionProtection: true, skipFinalSnapshot: false, finalSnapshotIdentifier: "db-final",
    });
  });

  it("makes Cloud SQL regional from multiAzDatabase and stores backups off-region only when copies are asked and possible", () => {
    const preset = { multiAzDatabase: true, backupRetentionDays: 7, deletionProtection: false, crossRegionReplication: false };
    assert.equal(cloudSqlProtection(preset, "us-east1").availabilityType, "REGIONAL");
    assert.equal(cloudSqlProtection({ ...preset, multiAzDatabase: false }, "us-east1").availabilityType, "ZONAL");
    assert.equal(cloudSqlProtection(preset, "us-east1").backupConfiguration.location, undefined);
    assert.equal(cloudSqlProtection({ ...preset, crossRegionReplication: true }, "us-east1").backupConfiguration.location, "us-east1");
    assert.equal(cloudSqlProtection({ ...preset, crossRegionReplication: true }, undefined).backupConfiguration.location, undefined);
  });

  it("places GCS buckets dual-region only with cross-region copies and a secondary region", () => {
    assert.deepEqual(bucketPlacement("europe-west4", "europe-west1", true), { location: "EU", dataLocations: ["EUROPE-WEST4", "EUROPE-WEST1"] });
    assert.deepEqual(bucketPlacement("us-central1", "us-east1", false), { location: "US-CENTRAL1" });
    assert.deepEqual(bucketPlacement("us-central1", undefined, true), { location: "US-CENTRAL1" });
  });

  it("takes node counts from sizing as they are (no floor on top)", () => {
    assert.deepEqual(eksScaling({ nodeCount: 4, minCount: 4, maxCount: 9 }), { desiredSize: 4, minSize: 4, maxSize: 9 });
    assert.deepEqual(eksScaling({ nodeCount: 1, minCount: 1, maxCount: 1 }), { desiredSize: 1, minSize: 1, maxSize: 1 });
    // Regional GKE pools count per zone at creation: 7 nodes over 3 zones start as 3 per zone.
    assert.deepEqual(gkeScaling({ nodeCount: 7, minCount: 7, maxCount: 12 }, 3), { initialNodeCount: 3, totalMinNodeCount: 7, totalMaxNodeCount: 12 });
    assert.equal(gkeScaling({ nodeCount: 1, minCount: 1, maxCount: 2 }, 3).initialNodeCount, 1);
    // A one-zone (dev) pool starts with all its nodes in that zone.
    assert.equal(gkeScaling({ nodeCount: 4, minCount: 4, maxCount: 6 }, 1).initialNodeCount, 4);
    // ElastiCache: sizing's nodes; failover needs a replica to fail over to.
    assert.deepEqual(elastiCacheTopology({ replicas: 3 }), { numCacheClusters: 3, failover: true });
    assert.deepEqual(elastiCacheTopology({ replicas: 1 }), { numCacheClusters: 1, failover: false });
  });

  it("spells taint effects the way each cloud's API wants", () => {
    for (const f of [eksTaintEffect, gkeTaintEffect]) {
      assert.deepEqual((["NoSchedule", "NoExecute", "PreferNoSchedule"] as const).map(f), ["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"]);
    }
  });

  it("lets exactly one ServiceAccount assume an IRSA role, and services assume only their own roles", () => {
    const doc = JSON.parse(irsaTrustPolicy("arn:aws:iam::1:oidc-provider/x", "oidc.eks/id/ABC", "matrix", "synapse-media"));
    const st = doc.Statement[0];
    assert.equal(st.Action, "sts:AssumeRoleWithWebIdentity");
    assert.equal(st.Principal.Federated, "arn:aws:iam::1:oidc-provider/x");
    assert.deepEqual(st.Condition.StringEquals, { "oidc.eks/id/ABC:sub": "system:serviceaccount:matrix:synapse-media", "oidc.eks/id/ABC:aud": "sts.amazonaws.com" });
    assert.deepEqual(JSON.parse(serviceTrustPolicy("eks.amazonaws.com")).Statement[0].Principal, { Service: "eks.amazonaws.com" });
  });

  it("scopes a client's S3 policy to its buckets: writes only where read-write, reads where read-only", () => {
    const doc = JSON.parse(clientBucketPolicy(["arn:li"], ["arn:media"], "arn:key"));
    const actions = (r: string) => doc.Statement.filter((s: any) => ([] as string[]).concat(s.Resource).includes(r)).flatMap((s: any) => s.Action);
    assert.ok(actions("arn:li/*").includes("s3:PutObject"));
    assert.deepEqual(actions("arn:media/*"), ["s3:GetObject"]);
    assert.equal(JSON.parse(clientBucketPolicy(["arn:m"], [], "k")).Statement.length, 3, "no read-only statement without read-only buckets");
  });

  it("expires backups' old versions with the retention, media's after 30 days, LI's after a year", () => {
    const days = (rules: any[]) => rules.find((r) => r.id === "noncurrent").noncurrentVersionExpiration.noncurrentDays;
    const l = s3Lifecycle(7);
    assert.deepEqual([days(l.backups as any[]), days(l.media as any[]), days(l.liMedia as any[])], [7, 30, 365]);
  });

  it("writes kubeconfigs that fetch short-lived tokens and hold no credentials", () => {
    const eks = JSON.parse(eksKubeconfig("c", "https://x", "CA", "eu-west-1"));
    assert.deepEqual(eks.users[0].user.exec.args, ["eks", "get-token", "--cluster-name", "c", "--region", "eu-west-1", "--output", "json"]);
    assert.equal(eks.clusters[0].cluster["certificate-authority-data"], "CA");
    const gke = JSON.parse(gkeKubeconfig("c", "1.2.3.4", "CA"));
    assert.equal(gke.clusters[0].cluster.server, "https://1.2.3.4");
    assert.equal(gke.users[0].user.exec.command, "gke-gcloud-auth-plugin");
    // An exec plugin and nothing else: no static token, password or client key in state.
    for (const k of [eks, gke]) assert.deepEqual(Object.keys(k.users[0].user), ["exec"]);
    const scale = JSON.parse(autoscalerPolicy("matrix-prod")).Statement[1];
    assert.deepEqual(scale.Condition.StringEquals, { "aws:ResourceTag/k8s.io/cluster-autoscaler/matrix-prod": "owned" });
  });

  it("builds every platform's database record the same way: each consumer on its server, with its own credentials", () => {
    const server = (host: string, dbs: readonly string[]): DatabaseServer => ({
      host: pulumi.output(host),
      port: pulumi.output(5432),
      maxConnections: host === "main" ? 500 : 100,
      network: { kind: "cidr", cidrs: [`${host}/32`], port: 5432 },
      credentials: Object.fromEntries(dbs.map((d) => [d, { database: `${d}_db`, user: `${d}_owner`, password: pulumi.secret("pw") }])),
    });
    const main = DATABASES.filter((d) => DATABASE_SPECS[d].instance === "main");
    const li = DATABASES.filter((d) => DATABASE_SPECS[d].instance === "li");
    const records = databaseRecords({ main: server("main", main), li: server("li", li) }, "require");
    assert.deepEqual(Object.keys(records).sort(), [...DATABASES].sort());
    assert.equal(records.synapseLi?.maxConnections, 100);
    assert.equal(records.synapse.maxConnections, 500);
    assert.equal(records.telegram?.database, "telegram_db");
    // With the bridges off, their databases are neither required of the servers nor in the record.
    const withoutBridges = deployedDatabases({ telegram: { enabled: false }, whatsapp: { enabled: true } }, true);
    const lean = databaseRecords({ main: server("main", main.filter((d) => d !== "telegram")), li: server("li", li) }, "require", withoutBridges);
    assert.deepEqual(Object.keys(lean).sort(), DATABASES.filter((d) => d !== "telegram").sort());
    assert.equal(records.keyVault?.sslMode, "require");
    // With LI off there is no LI server, and neither synapse-li's nor the key vault's database.
    const withoutLi = deployedDatabases({ telegram: { enabled: true }, whatsapp: { enabled: true } }, false);
    assert.deepEqual(withoutLi.sort(), ["synapse", "telegram", "whatsapp"]);
    const mainOnly = databaseRecords({ main: server("main", main) }, "require", withoutLi);
    assert.deepEqual(Object.keys(mainOnly).sort(), ["synapse", "telegram", "whatsapp"]);
    assert.throws(() => databaseRecords({ main: server("main", main) }, "require"), /synapseLi is deployed but the platform created no li database server/);
    // A server missing a database it should hold is an error, not a half-filled record.
    assert.throws(() => databaseRecords({ main: server("main", main.slice(1)), li: server("li", li) }, "require"), /holds no credentials for synapse/);

    const addonReady = {} as pulumi.Resource;
    const before = {} as pulumi.Resource;
    const after = {} as pulumi.Resource;
    const shared = sharedPlatformFields({
      addons: { gateway: { className: "envoy", namespace: "edge", name: "matrix" }, clusterIssuer: "letsencrypt", ready: [addonReady], crdProviders: { "cert-manager.io": [addonReady] } },
      servers: { main: server("main", main), li: server("li", li) },
      sslMode: "require",
      databases: DATABASES,
      readyBefore: [before],
      readyAfter: [after],
    });
    assert.deepEqual(shared.ready, [before, addonReady, after], "cluster first, then add-ons, then what needs both");
    assert.equal(shared.clusterIssuer, "letsencrypt");
    assert.deepEqual(shared.crdProviders, { "cert-manager.io": [addonReady] }, "the add-ons' CRD providers, as they are");
  });
});
