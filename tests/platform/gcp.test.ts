import { strict as assert } from "assert";
import { multiRegionOf } from "../../components/platform/gcp";
import { DATABASE_SPECS, OBJECT_STORE_CLIENTS, type DatabaseName } from "../../components/contracts";
import { isSecretValue } from "../../stacks/mock-engine";
import { assertPlatformContract } from "./contract";
import { fixtureSizing, specFor } from "./fixtures";
import { get, ofType, one, runPlatform } from "./harness";

const SQL = "gcp:sql/databaseInstance:DatabaseInstance";
/** The mock engine gives every resource the id `<name>-id`: a reference to key `k` is this. */
const keyRef = (k: string) => new RegExp(`^platform-${k}-id$`);

describe("platform: GCP", function () {
  const prodSpec = specFor("prod-gcp", { platform: "gcp", environment: "prod", gcpProject: "matrix-prod", region: "us-central1", secondaryRegion: "us-east1", acmeEmail: "ops@example.com", li: "true", monitoring: "true" });
  const prodSizing = fixtureSizing(true);
  const prod = () => runPlatform("gcp-prod", prodSpec, prodSizing);
  const dev = () => runPlatform("gcp-dev", specFor("dev-gcp", { platform: "gcp", environment: "dev", gcpProject: "matrix-dev" }), fixtureSizing(false));

  it("hands the Matrix stack a complete Platform: HMAC keys for S3 clients, Workload Identity annotations, Redis CA", async () => {
    const run = await prod();
    assertPlatformContract(run);
    const p = run.outputs.platform as any;
    assert.equal(p.objectStore.endpoint, "https://storage.googleapis.com");
    assert.ok(p.objectStore.credentials.accessKeyId && p.objectStore.credentials.secretAccessKey);
    for (const sa of Object.keys(OBJECT_STORE_CLIENTS)) {
      assert.match(p.objectStore.serviceAccountAnnotations[sa]["iam.gke.io/gcp-service-account"], /@project\.iam\.gserviceaccount\.com$/);
    }
    assert.equal(p.redis.tls, true);
    assert.equal(p.redis.port, 6378);
    assert.match(p.redis.caCertificate, /BEGIN CERTIFICATE/);
    assertPlatformContract(await dev());
  });

  it("builds a VPC with pod/service secondary ranges, Cloud NAT and private services access", async () => {
    const run = await prod();
    const subnet = one(run, "gcp:compute/subnetwork:Subnetwork");
    assert.deepEqual((subnet.inputs.secondaryIpRanges as any[]).map((r) => r.rangeName), ["pods", "services"]);
    assert.equal(subnet.inputs.privateIpGoogleAccess, true);
    one(run, "gcp:compute/routerNat:RouterNat");
    assert.equal(one(run, "gcp:servicenetworking/connection:Connection").inputs.service, "servicenetworking.googleapis.com");
  });

  it("runs a regional private GKE cluster with Workload Identity, Dataplane V2, shielded nodes and CMEK secrets", async () => {
    const gke = one(await prod(), "gcp:container/cluster:Cluster");
    assert.equal(gke.inputs.location, "us-central1");
    assert.equal(get(gke.inputs, "privateClusterConfig.enablePrivateNodes"), true);
    assert.equal(get(gke.inputs, "workloadIdentityConfig.workloadPool"), "matrix-prod.svc.id.goog");
    assert.equal(gke.inputs.datapathProvider, "ADVANCED_DATAPATH");
    assert.equal(gke.inputs.enableShieldedNodes, true);
    assert.equal(get(gke.inputs, "databaseEncryption.state"), "ENCRYPTED");
    assert.match(get(gke.inputs, "databaseEncryption.keyName"), keyRef("gke-secrets"));
    assert.equal(gke.inputs.deletionProtection, true);
    assert.equal(gke.inputs.removeDefaultNodePool, true);
  });

  it("creates a node pool per sizing pool with machine type, node counts, labels and taints", async () => {
    const pools = ofType(await prod(), "gcp:container/nodePool:NodePool");
    assert.equal(pools.length, prodSizing.nodePools.length);
    for (const pool of prodSizing.nodePools) {
      const np = pools.find((p) => p.inputs.name === pool.tier)!;
      assert.equal(get(np.inputs, "nodeConfig.machineType"), pool.machine.gcp);
      assert.equal(get(np.inputs, "autoscaling.totalMinNodeCount"), pool.minCount);
      assert.equal(get(np.inputs, "autoscaling.totalMaxNodeCount"), pool.maxCount);
      assert.equal(np.inputs.initialNodeCount, Math.ceil(pool.nodeCount / 3), "per-zone count of a regional pool");
      assert.deepEqual(get(np.inputs, "nodeConfig.labels"), pool.labels);
      assert.deepEqual((get(np.inputs, "nodeConfig.taints") as any[]).map((t) => t.effect), pool.taints.map(() => "NO_SCHEDULE"));
      assert.equal(get(np.inputs, "nodeConfig.shieldedInstanceConfig.enableSecureBoot"), true);
      assert.equal(get(np.inputs, "nodeConfig.workloadMetadataConfig.mode"), "GKE_METADATA");
    }
  });

  it("runs Cloud SQL PostgreSQL: REGIONAL, PITR, 30 backups, private IP only, CMEK, deletion protection, replicas", async () => {
    const run = await prod();
    const primaries = ofType(run, SQL).filter((i) => !i.inputs.masterInstanceName);
    assert.equal(primaries.length, 2, "main and LI instances");
    for (const db of primaries) {
      assert.match(db.inputs.databaseVersion as string, /^POSTGRES_(1[6-9]|[2-9]\d)$/);
      assert.equal(get(db.inputs, "settings.availabilityType"), "REGIONAL");
      assert.equal(get(db.inputs, "settings.backupConfiguration.pointInTimeRecoveryEnabled"), true);
      assert.equal(get(db.inputs, "settings.backupConfiguration.backupRetentionSettings.retainedBackups"), 30);
      assert.equal(get(db.inputs, "settings.backupConfiguration.location"), "us-east1");
      assert.equal(get(db.inputs, "settings.ipConfiguration.ipv4Enabled"), false);
      assert.ok(get(db.inputs, "settings.ipConfiguration.privateNetwork"));
      assert.equal(get(db.inputs, "settings.ipConfiguration.sslMode"), "ENCRYPTED_ONLY");
      assert.match(db.inputs.encryptionKeyName as string, keyRef("cloudsql"));
      assert.equal(db.inputs.deletionProtection, true);
    }
    const main = primaries.find((i) => i.inputs.name === "matrix-prod-gcp-main")!;
    assert.equal(get(main.inputs, "settings.tier"), prodSizing.database.gcpTier);
    assert.equal(get(main.inputs, "settings.diskSize"), prodSizing.database.storageGi);
    const flags = get(main.inputs, "settings.databaseFlags") as any[];
    assert.equal(flags.find((f) => f.name === "max_connections").value, String(prodSizing.database.maxConnections));
    assert.equal(ofType(run, SQL).filter((i) => i.inputs.masterInstanceName === "matrix-prod-gcp-main").length, prodSizing.database.readReplicas);
    const users = ofType(run, "gcp:sql/user:User");
    // synapse, key_vault, synapse_li, the LI sync's li_sync and (monitoring) the exporters' login on
    // both servers: the bridges are off here, so their users are not created.
    assert.deepEqual(users.map((u) => u.inputs.name).sort(), ["li_keys", "li_sync", "matrix_monitor", "matrix_monitor", "synapse", "synapse_li"]);
    assert.ok(users.every((u) => isSecretValue(u.inputs.password)));
    assert.deepEqual(ofType(run, "gcp:sql/database:Database").map((d) => d.inputs.collation), ["C", "C", "C"]);
  });

  it("every client verifies Cloud SQL against its instance's server CA (verify-ca); a read replica's own CA for its exporter and the LI sync's dump; the subscription keeps require", async () => {
    const run = await prod();
    const p = run.outputs.platform as any;
    // The mock engine gives each instance a server CA naming it.
    const instanceOf = (pem: string) => /MOCK-(\S+)/.exec(pem)?.[1];
    const names = ofType(run, SQL).map((r) => String(r.inputs.name));
    for (const [db, c] of Object.entries(p.databases) as [string, any][]) {
      assert.equal(c.sslMode, "verify-ca", db);
      assert.equal(instanceOf(c.caCertificate), `matrix-prod-gcp-${DATABASE_SPECS[db as DatabaseName].instance}`, `${db}: ${c.caCertificate}`);
    }
    assert.equal(p.databaseMetrics.sslMode, "verify-ca");
    for (const e of p.databaseMetrics.endpoints) {
      const want = `matrix-prod-gcp-${e.server}${e.instance === "primary" ? "" : `-${e.instance}`}`;
      assert.ok(names.includes(want));
      assert.equal(instanceOf(e.caCertificate), want, `${e.server}-${e.instance}`);
    }
    assert.equal(instanceOf(p.liSyncTls.primaryTrust.caCertificate), "matrix-prod-gcp-main");
    assert.equal(instanceOf(p.liSyncTls.readTrust.caCertificate), "matrix-prod-gcp-main-replica-0");
    assert.deepEqual(p.liSyncTls.subscriptionTls, { sslMode: "require" });
  });

  it("zonal databases and no deletion protection in dev", async () => {
    for (const db of ofType(await dev(), SQL).filter((i) => !i.inputs.masterInstanceName)) {
      assert.equal(get(db.inputs, "settings.availabilityType"), "ZONAL");
      assert.equal(db.inputs.deletionProtection, false);
    }
  });

  it("keeps GCS buckets versioned, CMEK-encrypted, uniform access, private and dual-region in production", async () => {
    const run = await prod();
    // Media, backups, LI media and (monitoring) logs.
    const buckets = ofType(run, "gcp:storage/bucket:Bucket");
    assert.equal(buckets.length, 4);
    for (const b of buckets) {
      assert.equal(get(b.inputs, "versioning.enabled"), true);
      assert.match(get(b.inputs, "encryption.defaultKmsKeyName"), keyRef("storage"));
      assert.equal(b.inputs.uniformBucketLevelAccess, true);
      assert.equal(b.inputs.publicAccessPrevention, "enforced");
      assert.equal(b.inputs.location, "US");
      assert.deepEqual(get(b.inputs, "customPlacementConfig.dataLocations"), ["US-CENTRAL1", "US-EAST1"]);
      assert.ok((b.inputs.lifecycleRules as any[]).length >= 2);
    }
    // The CMEK key of a dual-region bucket lives in the multi-region.
    assert.ok(ofType(run, "gcp:kms/keyRing:KeyRing").some((k) => k.inputs.location === "us"));
    assert.equal(multiRegionOf("europe-west4"), "EU");
    const devBuckets = ofType(await dev(), "gcp:storage/bucket:Bucket");
    assert.ok(devBuckets.every((b) => b.inputs.location === "US-CENTRAL1" && b.inputs.customPlacementConfig === undefined));
    // The HMAC key belongs to a dedicated interop account with object access to the buckets only.
    const hmac = one(run, "gcp:storage/hmacKey:HmacKey");
    assert.match(hmac.inputs.serviceAccountEmail as string, /^mx-s3-interop-[0-9a-f]{4}@/);
    const interop = ofType(run, "gcp:storage/bucketIAMMember:BucketIAMMember").filter((m) => String(m.inputs.member).includes("mx-s3-interop"));
    // Media, backups and LI media: not the logs bucket, which only Loki's own account reaches.
    assert.equal(interop.length, 3);
    assert.ok(!interop.some((m) => m.name.endsWith("-logs")));
    assert.ok(interop.every((m) => m.inputs.role === "roles/storage.objectAdmin"));
  });

  it("binds each object-store client's Google account to exactly one Kubernetes ServiceAccount", async () => {
    const members = ofType(await prod(), "gcp:serviceaccount/iAMMember:IAMMember");
    assert.deepEqual(members.map((m) => m.inputs.member).sort(), Object.entries(OBJECT_STORE_CLIENTS).map(([sa, ns]) => `serviceAccount:matrix-prod.svc.id.goog[${ns}/${sa}]`).sort());
    assert.ok(members.every((m) => m.inputs.role === "roles/iam.workloadIdentityUser"));
  });

  it("gives Loki a logs bucket with monitoring, reached through the GCS API by its Workload Identity account alone", async () => {
    const run = await prod();
    const p = run.outputs.platform as any;
    assert.equal(p.objectStore.nativeApi, "gcs");
    const bucket = ofType(run, "gcp:storage/bucket:Bucket").find((b) => b.name === "platform-logs")!;
    assert.equal(p.objectStore.buckets.logs, bucket.inputs.name);
    assert.ok(bucket.inputs.encryption && bucket.inputs.uniformBucketLevelAccess === true && bucket.inputs.publicAccessPrevention === "enforced");
    const onLogs = ofType(run, "gcp:storage/bucketIAMMember:BucketIAMMember").filter((m) => m.name.includes("-logs"));
    assert.deepEqual(onLogs.map((m) => [m.name, m.inputs.role]), [["platform-wi-loki-logs-rw", "roles/storage.objectAdmin"]]);
    assert.ok(String(onLogs[0].inputs.member).includes("mx-loki-"), String(onLogs[0].inputs.member));
    const dev = await runPlatform("gcp-dev", specFor("dev-gcp", { platform: "gcp", environment: "dev", gcpProject: "matrix-dev" }), fixtureSizing(false));
    assert.equal((dev.outputs.platform as any).objectStore.buckets.logs, undefined);
  });

  it("runs Memorystore STANDARD_HA with AUTH, TLS and CMEK", async () => {
    const redis = one(await prod(), "gcp:redis/instance:Instance");
    assert.equal(redis.inputs.tier, "STANDARD_HA");
    assert.equal(redis.inputs.authEnabled, true);
    assert.equal(redis.inputs.transitEncryptionMode, "SERVER_AUTHENTICATION");
    assert.equal(redis.inputs.memorySizeGb, prodSizing.redis.gcpMemorySizeGb);
    assert.match(redis.inputs.customerManagedKey as string, keyRef("redis"));
  });

  it("rotates every KMS key every 90 days", async () => {
    const keys = ofType(await prod(), "gcp:kms/cryptoKey:CryptoKey");
    assert.equal(keys.length, 5);
    assert.ok(keys.every((k) => k.inputs.rotationPeriod === "7776000s"));
  });
});
