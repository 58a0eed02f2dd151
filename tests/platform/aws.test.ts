import { strict as assert } from "assert";
import { OBJECT_STORE_CLIENTS } from "../../components/contracts";
import { isSecretValue } from "../../stacks/mock-engine";
import { assertPlatformContract } from "./contract";
import { fixtureSizing, specFor } from "./fixtures";
import { get, ofType, one, runPlatform } from "./harness";
import { amazonRdsRootsPem } from "../../catalog/amazon-rds-roots";

const RDS = "aws:rds/instance:Instance";

describe("platform: AWS", function () {
  const prodSpec = specFor("prod-aws", { platform: "aws", environment: "prod", region: "us-east-1", secondaryRegion: "us-west-2", acmeEmail: "ops@example.com", li: "true", monitoring: "true" });
  const prodSizing = fixtureSizing(true);
  const prod = () => runPlatform("aws-prod", prodSpec, prodSizing);
  const devSizing = fixtureSizing(false);
  const dev = () => runPlatform("aws-dev", specFor("dev-aws", { platform: "aws", environment: "dev" }), devSizing);

  it("hands the Matrix stack a complete Platform with IRSA for every object-store client", async () => {
    const run = await prod();
    assertPlatformContract(run);
    const p = run.outputs.platform as any;
    assert.equal(p.objectStore.credentials, undefined, "no static keys: workload identity");
    for (const sa of Object.keys(OBJECT_STORE_CLIENTS)) {
      assert.match(p.objectStore.serviceAccountAnnotations[sa]["eks.amazonaws.com/role-arn"], /^arn:aws:iam::\d+:role\//);
    }
    assert.equal(p.objectStore.endpoint, "https://s3.us-east-1.amazonaws.com");
    assert.equal(p.redis.tls, true);
    assertPlatformContract(await dev());
  });

  it("gives Loki a logs bucket of its own with monitoring, written through its IRSA role only", async () => {
    const run = await prod();
    const p = run.outputs.platform as any;
    assert.match(p.objectStore.buckets.logs, /^matrix-prod-aws-logs-/);
    assert.equal(p.objectStore.nativeApi, "s3");
    const loki = JSON.stringify(ofType(run, "aws:iam/rolePolicy:RolePolicy").find((r) => r.name.endsWith("-irsa-loki"))!.inputs.policy);
    assert.ok(loki.includes("arn:aws:s3:::matrix-prod-aws-logs-"), loki);
    for (const other of ["media", "li-media", "backups"]) assert.ok(!loki.includes(`arn:aws:s3:::matrix-prod-aws-${other}-`), `Loki cannot touch ${other}`);
    const media = JSON.stringify(ofType(run, "aws:iam/rolePolicy:RolePolicy").find((r) => r.name.endsWith("-irsa-synapse-media"))!.inputs.policy);
    assert.ok(!media.includes("-logs-"), "Synapse cannot touch the logs");
    // Encrypted and versioned like the others; old versions go a day after Loki's compactor deletes them.
    assert.ok(ofType(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").some((r) => r.name === "platform-logs"));
    const lifecycle = ofType(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").find((r) => r.name === "platform-logs")!;
    assert.ok(JSON.stringify(lifecycle.inputs.rules).includes('"noncurrentDays":1'));
    // Without monitoring: no logs bucket, no Loki role.
    const dev = await runPlatform("aws-dev", specFor("dev-aws", { platform: "aws", environment: "dev" }), devSizing);
    assert.equal((dev.outputs.platform as any).objectStore.buckets.logs, undefined);
    assert.ok(!ofType(dev, "aws:iam/role:Role").some((r) => r.name.endsWith("-irsa-loki")));
  });

  it("spreads a VPC over three AZs with private and public subnets and a NAT per AZ in production", async () => {
    const run = await prod();
    const subnets = ofType(run, "aws:ec2/subnet:Subnet");
    assert.equal(subnets.filter((s) => s.name.includes("-private-")).length, 3);
    assert.equal(subnets.filter((s) => s.name.includes("-public-")).length, 3);
    assert.deepEqual([...new Set(subnets.map((s) => s.inputs.availabilityZone))].sort(), ["us-east-1a", "us-east-1b", "us-east-1c"]);
    assert.ok(subnets.every((s) => s.inputs.mapPublicIpOnLaunch !== true));
    assert.equal(ofType(run, "aws:ec2/natGateway:NatGateway").length, 3);
    assert.equal(ofType(await dev(), "aws:ec2/natGateway:NatGateway").length, 1);
  });

  it("runs EKS with KMS-encrypted secrets, control-plane logging and network-policy enforcement", async () => {
    const run = await prod();
    const eks = one(run, "aws:eks/cluster:Cluster");
    assert.deepEqual(get(eks.inputs, "encryptionConfig.resources"), ["secrets"]);
    assert.match(get(eks.inputs, "encryptionConfig.provider.keyArn"), /^arn:aws:kms:/);
    for (const log of ["api", "audit", "authenticator"]) assert.ok((eks.inputs.enabledClusterLogTypes as string[]).includes(log));
    const subnetIds = get(eks.inputs, "vpcConfig.subnetIds") as string[];
    assert.deepEqual(subnetIds, ["platform-private-0-id", "platform-private-1-id", "platform-private-2-id"], "control plane in private subnets only");
    assert.equal(get(eks.inputs, "deletionProtection"), true);
    const cni = ofType(run, "aws:eks/addon:Addon").find((a) => a.inputs.addonName === "vpc-cni")!;
    assert.equal(JSON.parse(cni.inputs.configurationValues as string).enableNetworkPolicy, "true");
    assert.ok(ofType(run, "aws:eks/addon:Addon").some((a) => a.inputs.addonName === "aws-ebs-csi-driver"));
    const sc = one(run, "kubernetes:storage.k8s.io/v1:StorageClass");
    assert.equal(sc.inputs.provisioner, "ebs.csi.aws.com");
    assert.equal(get(sc.inputs, "parameters.type"), "gp3");
    assert.equal(get(sc.inputs, "parameters.encrypted"), "true");
  });

  it("creates a managed node group per sizing pool with its machine type, counts, labels and taints", async () => {
    const run = await prod();
    const groups = ofType(run, "aws:eks/nodeGroup:NodeGroup");
    assert.equal(groups.length, prodSizing.nodePools.length);
    for (const pool of prodSizing.nodePools) {
      const g = groups.find((x) => x.name.endsWith(`-${pool.tier}`))!;
      assert.deepEqual(g.inputs.instanceTypes, [pool.machine.aws]);
      assert.equal(get(g.inputs, "scalingConfig.desiredSize"), pool.nodeCount);
      assert.equal(get(g.inputs, "scalingConfig.minSize"), pool.minCount);
      assert.equal(get(g.inputs, "scalingConfig.maxSize"), pool.maxCount);
      assert.deepEqual(g.inputs.labels, pool.labels);
      assert.deepEqual((g.inputs.taints as any[]).map((t) => `${t.key}=${t.value}:${t.effect}`), pool.taints.map((t) => `${t.key}=${t.value}:NO_SCHEDULE`));
    }
    // Groups grow and shrink with load: cluster autoscaler (IRSA, limited to this cluster's groups) and metrics-server for HPAs.
    const ca = ofType(run, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === "cluster-autoscaler")!;
    assert.equal(get(ca.inputs, "values.autoDiscovery.clusterName"), "matrix-prod-aws");
    const caPolicy = JSON.parse(ofType(run, "aws:iam/rolePolicy:RolePolicy").find((r) => r.name.endsWith("-cluster-autoscaler"))!.inputs.policy as string);
    assert.deepEqual(caPolicy.Statement[1].Condition.StringEquals, { "aws:ResourceTag/k8s.io/cluster-autoscaler/matrix-prod-aws": "owned" });
    assert.ok(ofType(run, "aws:eks/addon:Addon").some((a) => a.inputs.addonName === "metrics-server"));
    // Nodes require IMDSv2 with one hop: pods cannot borrow the node role.
    for (const lt of ofType(run, "aws:ec2/launchTemplate:LaunchTemplate")) {
      assert.equal(get(lt.inputs, "metadataOptions.httpTokens"), "required");
      assert.equal(get(lt.inputs, "metadataOptions.httpPutResponseHopLimit"), 1);
    }
  });

  it("scopes IRSA roles to one ServiceAccount each", async () => {
    const run = await prod();
    for (const [sa, ns] of Object.entries(OBJECT_STORE_CLIENTS)) {
      const role = ofType(run, "aws:iam/role:Role").find((r) => r.name.endsWith(`-irsa-${sa}`))!;
      const policy = JSON.parse(role.inputs.assumeRolePolicy as string);
      const cond = policy.Statement[0].Condition.StringEquals;
      assert.ok(Object.values(cond).includes(`system:serviceaccount:${ns}:${sa}`));
      const access = ofType(run, "aws:iam/rolePolicy:RolePolicy").find((r) => r.name.endsWith(`-irsa-${sa}`))!;
      const statements = JSON.parse(access.inputs.policy as string).Statement as any[];
      assert.ok(!JSON.stringify(statements).includes('"s3:*"'), "no wildcard S3 actions");
      assert.ok(statements.every((s) => s.Resource !== "*"), "every statement scoped to resources");
    }
    const liSync = JSON.stringify(ofType(run, "aws:iam/rolePolicy:RolePolicy").find((r) => r.name.endsWith("-irsa-synapse-li"))!.inputs.policy);
    assert.ok(liSync.includes("arn:aws:s3:::matrix-prod-aws-li-media-"), liSync);
    assert.ok(!liSync.includes("arn:aws:s3:::matrix-prod-aws-media-"), "the LI Synapse cannot touch main media");
  });

  it("runs RDS PostgreSQL Multi-AZ, encrypted, private, with 30-day PITR backups, replicas and deletion protection", async () => {
    const run = await prod();
    const primaries = ofType(run, RDS).filter((r) => !r.inputs.replicateSourceDb);
    assert.equal(primaries.length, 2, "main and LI instances");
    for (const db of primaries) {
      assert.equal(db.inputs.engine, "postgres");
      assert.ok(Number(db.inputs.engineVersion) >= 16);
      assert.equal(db.inputs.multiAz, true);
      assert.equal(db.inputs.storageEncrypted, true);
      assert.match(db.inputs.kmsKeyId as string, /^arn:aws:kms:/);
      assert.equal(db.inputs.backupRetentionPeriod, 30);
      assert.equal(db.inputs.publiclyAccessible, false);
      assert.equal(db.inputs.deletionProtection, true);
      assert.ok(db.inputs.dbSubnetGroupName);
      assert.ok(isSecretValue(db.inputs.password), "admin password is secret");
    }
    const main = primaries.find((r) => r.name.endsWith("-pg-main"))!;
    assert.equal(main.inputs.instanceClass, prodSizing.database.awsInstanceClass);
    assert.equal(main.inputs.allocatedStorage, prodSizing.database.storageGi);
    assert.equal(ofType(run, RDS).filter((r) => r.inputs.replicateSourceDb === "matrix-prod-aws-main").length, prodSizing.database.readReplicas);
    const params = ofType(run, "aws:rds/parameterGroup:ParameterGroup").find((p) => p.name.endsWith("-pg-main"))!;
    const maxConn = (params.inputs.parameters as any[]).find((p) => p.name === "max_connections");
    assert.equal(maxConn.value, String(prodSizing.database.maxConnections));
    // Backups also copied to the secondary region.
    assert.equal(ofType(run, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication").length, 2);
    // Only the cluster's security group may connect.
    const all = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    // The one CIDR rule is the private API endpoint's: the VPC on 443 into the cluster's group.
    const api = all.filter((r) => r.name.endsWith("-api-from-vpc"));
    assert.deepEqual(api.map((r) => [r.inputs.cidrIpv4, r.inputs.fromPort, r.inputs.toPort]), [["10.40.0.0/16", 443, 443]]);
    const rules = all.filter((r) => !api.includes(r));
    assert.ok(rules.length >= 2 && rules.every((r) => r.inputs.referencedSecurityGroupId && !r.inputs.cidrIpv4));
    // Roles and databases are created by an in-cluster Job from a Secret.
    assert.equal(ofType(run, "kubernetes:batch/v1:Job").length, 2);
  });

  it("every client verifies RDS (verify-full against the region's Amazon RDS roots); in a region the pinned roots lack, they keep require", async () => {
    const p = (await prod()).outputs.platform as any;
    const roots = amazonRdsRootsPem("us-east-1");
    assert.ok(roots.includes("BEGIN CERTIFICATE"));
    for (const [db, c] of Object.entries(p.databases) as [string, any][]) {
      assert.equal(c.sslMode, "verify-full", db);
      assert.equal(c.caCertificate, roots, db);
    }
    assert.equal(p.databaseMetrics.sslMode, "verify-full");
    for (const e of p.databaseMetrics.endpoints) assert.equal(e.caCertificate, roots, `${e.server}-${e.instance}`);
    assert.deepEqual([p.liSyncTls.readTrust.sslMode, p.liSyncTls.primaryTrust.caCertificate], ["verify-full", roots]);
    // LI's RDS instance opens the subscription's connection itself: it takes no CA file.
    assert.deepEqual(p.liSyncTls.subscriptionTls, { sslMode: "require" });
    const gov = (await runPlatform("aws-gov", specFor("dev-aws-gov", { platform: "aws", environment: "dev", region: "us-gov-west-1" }), devSizing)).outputs.platform as any;
    for (const [db, c] of Object.entries(gov.databases) as [string, any][]) assert.deepEqual([c.sslMode, c.caCertificate], ["require", undefined], db);
  });

  it("relaxes HA and deletion protection outside production", async () => {
    const run = await dev();
    for (const db of ofType(run, RDS).filter((r) => !r.inputs.replicateSourceDb)) {
      assert.equal(db.inputs.multiAz, false);
      assert.equal(db.inputs.deletionProtection, false);
      // The dev preset keeps one day of backups (catalog/environments.ts), not prod's 30.
      assert.equal(db.inputs.backupRetentionPeriod, 1, "dev keeps a day of backups");
    }
    assert.equal(ofType(run, "aws:s3/bucketReplicationConfig:BucketReplicationConfig").length, 0);
  });

  it("keeps S3 buckets versioned, SSE-KMS encrypted, private, with lifecycle and cross-region replication in production", async () => {
    const run = await prod();
    // Media, backups, LI media and (monitoring) logs, each with its copy in the secondary region.
    const sources = ofType(run, "aws:s3/bucket:Bucket").filter((b) => !b.name.endsWith("-replica"));
    assert.equal(sources.length, 4);
    const versioning = ofType(run, "aws:s3/bucketVersioning:BucketVersioning");
    assert.equal(versioning.length, 8);
    assert.ok(versioning.every((v) => get(v.inputs, "versioningConfiguration.status") === "Enabled"));
    for (const sse of ofType(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")) {
      assert.equal(get(sse.inputs, "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"), "aws:kms");
    }
    for (const pab of ofType(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")) {
      assert.ok(pab.inputs.blockPublicAcls && pab.inputs.blockPublicPolicy && pab.inputs.ignorePublicAcls && pab.inputs.restrictPublicBuckets);
    }
    assert.equal(ofType(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").length, 8);
    const replication = ofType(run, "aws:s3/bucketReplicationConfig:BucketReplicationConfig");
    assert.equal(replication.length, 4);
    for (const r of replication) {
      assert.equal(get(r.inputs, "rules.0.deleteMarkerReplication.status"), "Disabled");
      assert.ok(get(r.inputs, "rules.0.destination.encryptionConfiguration.replicaKmsKeyId"));
      assert.equal(get(r.inputs, "rules.0.destination.replicationTime.time.minutes"), 15, "replication within the 15-minute RPO");
    }
    const providers = ofType(run, "pulumi:providers:aws").map((p) => p.inputs.region).sort();
    assert.deepEqual(providers, ["us-east-1", "us-west-2"]);
  });

  it("runs ElastiCache Redis with failover, Multi-AZ, TLS, at-rest encryption and a secret auth token", async () => {
    const rg = one(await prod(), "aws:elasticache/replicationGroup:ReplicationGroup");
    assert.equal(rg.inputs.automaticFailoverEnabled, true);
    assert.equal(rg.inputs.multiAzEnabled, true);
    assert.equal(rg.inputs.transitEncryptionEnabled, true);
    assert.equal(rg.inputs.atRestEncryptionEnabled, true);
    assert.ok((rg.inputs.numCacheClusters as number) >= 2);
    assert.equal(rg.inputs.nodeType, prodSizing.redis.awsNodeType);
    assert.ok(isSecretValue(rg.inputs.authToken));
  });

  it("rotates every KMS key every 90 days", async () => {
    const keys = ofType(await prod(), "aws:kms/key:Key");
    assert.ok(keys.length >= 5);
    for (const k of keys) {
      assert.equal(k.inputs.enableKeyRotation, true);
      assert.equal(k.inputs.rotationPeriodInDays, 90);
    }
  });
});
