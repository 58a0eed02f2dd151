import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import type { PlatformSpec } from "../../config/spec";
import type { DatabaseSizing, NodeTier, Sizing } from "../../sizing/types";
import { standardLabels } from "../k8s/labels";
import { ClusterAddons } from "./addons";
import { DATABASE_LOCALE, DATABASE_SPECS, databasesOn } from "../contracts";
import { placementFor } from "./placement";
import {
  DATABASES,
  OBJECT_STORE_CLIENTS,
  type DatabaseConnection,
  type DatabaseName,
  type ObjectStore,
  type Placement,
  type Platform,
  type RedisEndpoint,
} from "../contracts";

/** GKE minor version (regular release channel keeps patches coming). */
export const GKE_VERSION = "1.35";
/** 90 days, as the security specification's key rotation policy asks. */
export const GCP_KEY_ROTATION = "7776000s";
/** Automated Cloud SQL backups kept (one a day: 30 days). */
export const GCP_BACKUPS_RETAINED = 30;
const SUBNET_CIDR = "10.50.0.0/20";
const PODS_CIDR = "10.64.0.0/14";
const SERVICES_CIDR = "10.68.0.0/20";
const MASTER_CIDR = "172.16.0.0/28";
/** Private services access range (Cloud SQL, Memorystore); fixed so network policies can name it. */
const PRIVATE_SERVICES_ADDRESS = "10.100.0.0";
const PRIVATE_SERVICES_PREFIX = 16;
const ZONES_PER_REGION = 3;

export interface GcpPlatformArgs {
  /** Validated configuration: project, region, secondary region, environment, overrides. */
  spec: PlatformSpec;
  /** Node pools, database, Redis and object-store sizes. */
  sizing: Sizing;
}

/** Bucket access of each object-store client's Google service account. */
const CLIENT_BUCKETS: Record<keyof typeof OBJECT_STORE_CLIENTS, { readWrite: BucketKind[]; readOnly: BucketKind[] }> = {
  "synapse-media": { readWrite: ["media"], readOnly: [] },
  "synapse-li": { readWrite: ["liMedia"], readOnly: [] },
  "li-sync": { readWrite: ["liMedia"], readOnly: ["media"] },
};
type BucketKind = "media" | "backups" | "liMedia";

/** Four hex digits from the stack name: keeps project-wide names (service accounts) unique per stack. */
export function stackTag(stack: string): string {
  let h = 2166136261;
  for (const c of stack) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return (h & 0xffff).toString(16).padStart(4, "0");
}

/** GCS multi-region that holds a region ("us-central1" -> "US"), for dual-region buckets. */
export function multiRegionOf(region: string): string {
  const head = region.split("-")[0];
  if (head === "europe") return "EU";
  if (head === "asia") return "ASIA";
  return "US";
}

/**
 * GCP: a VPC with pod/service secondary ranges and Cloud NAT, a regional private GKE cluster
 * (Workload Identity, Dataplane V2, shielded nodes, CMEK-encrypted secrets) with a node pool
 * per tier, Cloud SQL PostgreSQL (main + separate LI instance), dual-region GCS buckets with
 * CMEK, Memorystore Redis with AUTH and TLS, and the common add-ons.
 */
export class GcpPlatform extends pulumi.ComponentResource implements Platform {
  readonly kind = "gcp" as const;
  readonly provider: k8s.Provider;
  readonly storageClass: pulumi.Output<string>;
  readonly kubernetesVersion = GKE_VERSION;
  readonly databases: Record<DatabaseName, DatabaseConnection>;
  readonly objectStore: ObjectStore;
  readonly redis: RedisEndpoint;
  readonly gateway: { className: string; namespace: string; name: string };
  readonly clusterIssuer: string;
  readonly ready: pulumi.Resource[];
  readonly cluster: gcp.container.Cluster;
  private readonly sizing: Sizing;

  constructor(name: string, args: GcpPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-platform:platform:GcpPlatform", name, {}, opts);
    const { spec, sizing } = args;
    this.sizing = sizing;
    const prod = spec.environment === "prod";
    const ha = spec.highAvailability;
    const project = spec.cloud.gcpProject!;
    const region = spec.cloud.region!;
    const secondaryRegion = spec.cloud.secondaryRegion;
    const prefix = `matrix-${spec.stack}`.slice(0, 24).replace(/-+$/, "");
    const labels = { "matrix-platform-stack": spec.stack.toLowerCase(), environment: spec.environment, "managed-by": "pulumi" };

    const gcpProvider = new gcp.Provider(`${name}-gcp`, { project, region, defaultLabels: labels }, { parent: this });
    const o = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({ parent: this, provider: gcpProvider, ...extra });
    const projectInfo = gcp.organizations.getProjectOutput({ projectId: project }, { parent: this, provider: gcpProvider });
    const agent = (domain: string) => pulumi.interpolate`serviceAccount:service-${projectInfo.number}@${domain}`;

    const apis = ["compute", "container", "sqladmin", "servicenetworking", "redis", "cloudkms", "storage", "iam"].map((api) =>
      new gcp.projects.Service(`${name}-api-${api}`, { service: `${api}.googleapis.com`, disableOnDestroy: false }, o()));
    const sqlAgent = new gcp.projects.ServiceIdentity(`${name}-sql-agent`, { service: "sqladmin.googleapis.com" }, o({ dependsOn: apis }));

    // ---- KMS: keys rotated every 90 days; each service agent may use only its key ----
    const keyRing = new gcp.kms.KeyRing(`${name}-keys`, { name: `${prefix}-keys`, location: region }, o({ dependsOn: apis }));
    const bucketLocation = prod && secondaryRegion ? multiRegionOf(region) : region.toUpperCase();
    // A bucket's CMEK key must live in the bucket's location (the multi-region for dual-region).
    const storageRing = prod && secondaryRegion
      ? new gcp.kms.KeyRing(`${name}-storage-keys`, { name: `${prefix}-storage-keys`, location: bucketLocation.toLowerCase() }, o({ dependsOn: apis }))
      : keyRing;
    const cryptoKey = (purpose: string, ring: gcp.kms.KeyRing, users: pulumi.Input<string>[], deps: pulumi.Resource[] = []) => {
      const key = new gcp.kms.CryptoKey(`${name}-${purpose}`, {
        name: purpose,
        keyRing: ring.id,
        purpose: "ENCRYPT_DECRYPT",
        rotationPeriod: GCP_KEY_ROTATION,
      }, o({ protect: prod }));
      const grants = users.map((member, i) => new gcp.kms.CryptoKeyIAMMember(`${name}-${purpose}-user-${i}`, {
        cryptoKeyId: key.id,
        role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        member,
      }, o({ dependsOn: deps })));
      return { key, grants };
    };
    const gkeKey = cryptoKey("gke-secrets", keyRing, [agent("container-engine-robot.iam.gserviceaccount.com")]);
    const diskKey = cryptoKey("disks", keyRing, [agent("compute-system.iam.gserviceaccount.com")]);
    const sqlKey = cryptoKey("cloudsql", keyRing, [agent("gcp-sa-cloud-sql.iam.gserviceaccount.com")], [sqlAgent]);
    const storageKey = cryptoKey("storage", storageRing, [agent("gs-project-accounts.iam.gserviceaccount.com")]);
    const redisKey = cryptoKey("redis", keyRing, [agent("cloud-redis.iam.gserviceaccount.com")]);

    // ---- Network ----
    const network = new gcp.compute.Network(`${name}-vpc`, { name: `${prefix}-vpc`, autoCreateSubnetworks: false, routingMode: "REGIONAL" }, o({ dependsOn: apis }));
    const subnet = new gcp.compute.Subnetwork(`${name}-nodes`, {
      name: `${prefix}-nodes`,
      network: network.id,
      region,
      ipCidrRange: SUBNET_CIDR,
      privateIpGoogleAccess: true,
      secondaryIpRanges: [
        { rangeName: "pods", ipCidrRange: PODS_CIDR },
        { rangeName: "services", ipCidrRange: SERVICES_CIDR },
      ],
      logConfig: { aggregationInterval: "INTERVAL_5_SEC", flowSampling: 0.5, metadata: "INCLUDE_ALL_METADATA" },
    }, o());
    const router = new gcp.compute.Router(`${name}-router`, { name: `${prefix}-router`, network: network.id, region }, o());
    // Private nodes reach registries and ACME through Cloud NAT only.
    const nat = new gcp.compute.RouterNat(`${name}-nat`, {
      name: `${prefix}-nat`,
      router: router.name,
      region,
      natIpAllocateOption: "AUTO_ONLY",
      sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
      logConfig: { enable: true, filter: "ERRORS_ONLY" },
    }, o());
    // The private control plane may call admission webhooks on the nodes (cert-manager,
    // Envoy Gateway, CloudNativePG); GKE opens only 443/10250 by default.
    new gcp.compute.Firewall(`${name}-webhooks`, {
      name: `${prefix}-master-webhooks`,
      network: network.id,
      direction: "INGRESS",
      sourceRanges: [MASTER_CIDR],
      allows: [{ protocol: "tcp", ports: ["8443", "9443", "10250"] }],
    }, o());
    const privateRange = new gcp.compute.GlobalAddress(`${name}-private-services`, {
      name: `${prefix}-private-services`,
      network: network.id,
      purpose: "VPC_PEERING",
      addressType: "INTERNAL",
      address: PRIVATE_SERVICES_ADDRESS,
      prefixLength: PRIVATE_SERVICES_PREFIX,
    }, o());
    const peering = new gcp.servicenetworking.Connection(`${name}-private-services`, {
      network: network.id,
      service: "servicenetworking.googleapis.com",
      reservedPeeringRanges: [privateRange.name],
    }, o());

    // ---- GKE ----
    const nodeSa = new gcp.serviceaccount.Account(`${name}-nodes`, { accountId: `mx-nodes-${stackTag(spec.stack)}`, displayName: "GKE nodes (least privilege)" }, o());
    const nodeRoles = ["roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/monitoring.viewer", "roles/stackdriver.resourceMetadata.writer", "roles/artifactregistry.reader"].map((role) =>
      new gcp.projects.IAMMember(`${name}-nodes-${role.split("/")[1]}`, { project, role, member: pulumi.interpolate`serviceAccount:${nodeSa.email}` }, o()));

    this.cluster = new gcp.container.Cluster(`${name}-gke`, {
      name: prefix,
      location: region, // regional: control plane and nodes in three zones
      network: network.id,
      subnetwork: subnet.id,
      removeDefaultNodePool: true,
      initialNodeCount: 1,
      minMasterVersion: GKE_VERSION,
      releaseChannel: { channel: "REGULAR" },
      deletionProtection: prod,
      ipAllocationPolicy: { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" },
      privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: false, masterIpv4CidrBlock: MASTER_CIDR, masterGlobalAccessConfig: { enabled: true } },
      workloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` },
      // Dataplane V2 (eBPF) enforces NetworkPolicy without a separate Calico add-on.
      datapathProvider: "ADVANCED_DATAPATH",
      enableShieldedNodes: true,
      databaseEncryption: { state: "ENCRYPTED", keyName: gkeKey.key.id },
      addonsConfig: { gcePersistentDiskCsiDriverConfig: { enabled: true }, httpLoadBalancing: { disabled: false } },
      loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS", "APISERVER"] },
      monitoringConfig: { enableComponents: ["SYSTEM_COMPONENTS"] },
      maintenancePolicy: { recurringWindow: { startTime: "2026-01-03T02:00:00Z", endTime: "2026-01-03T06:00:00Z", recurrence: "FREQ=WEEKLY;BYDAY=SA,SU" } },
      nodeConfig: { serviceAccount: nodeSa.email, shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true }, workloadMetadataConfig: { mode: "GKE_METADATA" } },
    }, o({ dependsOn: [...gkeKey.grants, nat, ...nodeRoles], ignoreChanges: ["nodeConfig", "initialNodeCount"] }));
    const cluster = this.cluster;

    const nodePools = sizing.nodePools.map((pool) => new gcp.container.NodePool(`${name}-${pool.tier}`, {
      name: pool.tier,
      cluster: cluster.id,
      location: region,
      // Regional pool: the count is per zone; the autoscaler's totals carry the sizing numbers.
      initialNodeCount: Math.max(1, Math.ceil(pool.nodeCount / ZONES_PER_REGION)),
      autoscaling: { totalMinNodeCount: pool.minCount, totalMaxNodeCount: Math.max(pool.maxCount, pool.nodeCount), locationPolicy: "BALANCED" },
      management: { autoRepair: true, autoUpgrade: true },
      upgradeSettings: { maxSurge: 1, maxUnavailable: 0 },
      nodeConfig: {
        machineType: pool.machine.gcp,
        imageType: "COS_CONTAINERD",
        diskType: "pd-balanced",
        diskSizeGb: 100,
        bootDiskKmsKey: diskKey.key.id,
        labels: { ...pool.labels },
        taints: pool.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect === "NoSchedule" ? "NO_SCHEDULE" : t.effect === "NoExecute" ? "NO_EXECUTE" : "PREFER_NO_SCHEDULE" })),
        serviceAccount: nodeSa.email,
        oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
        workloadMetadataConfig: { mode: "GKE_METADATA" },
        metadata: { "disable-legacy-endpoints": "true" },
        resourceLabels: labels,
      },
    }, o({ dependsOn: [...diskKey.grants], ignoreChanges: ["initialNodeCount"] })));

    const kubeconfig = pulumi.all([cluster.name, cluster.endpoint, cluster.masterAuth]).apply(([n, endpoint, auth]) => JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: n, cluster: { server: `https://${endpoint}`, "certificate-authority-data": auth.clusterCaCertificate } }],
      contexts: [{ name: n, context: { cluster: n, user: n } }],
      "current-context": n,
      // Short-lived tokens from gcloud; no credentials in state.
      users: [{ name: n, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "gke-gcloud-auth-plugin", provideClusterInfo: true } } }],
    }));
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig, enableServerSideApply: true }, { parent: this, dependsOn: nodePools });
    const provider = this.provider;

    const storageClass = new k8s.storage.v1.StorageClass(`${name}-pd-balanced`, {
      metadata: { name: "pd-balanced-cmek", labels: standardLabels("storage", "storage-class", "platform") },
      provisioner: "pd.csi.storage.gke.io",
      parameters: { type: "pd-balanced", "disk-encryption-kms-key": diskKey.key.id },
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      reclaimPolicy: prod ? "Retain" : "Delete",
    }, { parent: this, provider, dependsOn: diskKey.grants });
    this.storageClass = storageClass.metadata.name;

    const addons = new ClusterAddons(`${name}-addons`, {
      spec,
      sizing,
      provider,
      placement: (t) => this.placement(t),
      cloudnativePg: false,
      minioOperator: false,
      dependsOn: nodePools,
    }, { parent: this });

    // ---- Cloud SQL PostgreSQL ----
    const sqlServer = (server: "main" | "li", s: DatabaseSizing) => {
      const ipConfiguration = { ipv4Enabled: false, privateNetwork: network.id, sslMode: "ENCRYPTED_ONLY", enablePrivatePathForGoogleCloudServices: true };
      const flags = [
        { name: "max_connections", value: String(s.maxConnections) },
        { name: "log_min_duration_statement", value: "1000" },
        ...(server === "main" ? [{ name: "cloudsql.logical_decoding", value: "on" }] : []),
      ];
      const primary = new gcp.sql.DatabaseInstance(`${name}-pg-${server}`, {
        name: `${prefix}-${server}`,
        region,
        databaseVersion: "POSTGRES_17",
        encryptionKeyName: sqlKey.key.id,
        deletionProtection: prod,
        settings: {
          tier: s.gcpTier,
          edition: "ENTERPRISE",
          // REGIONAL = synchronous standby in another zone with automatic failover.
          availabilityType: ha ? "REGIONAL" : "ZONAL",
          diskType: "PD_SSD",
          diskSize: s.storageGi,
          diskAutoresize: true,
          deletionProtectionEnabled: prod,
          ipConfiguration,
          databaseFlags: flags,
          backupConfiguration: {
            enabled: true,
            startTime: "02:00",
            pointInTimeRecoveryEnabled: true,
            // Enterprise edition keeps at most 7 days of WAL; daily backups cover 30 days.
            transactionLogRetentionDays: 7,
            backupRetentionSettings: { retainedBackups: GCP_BACKUPS_RETAINED, retentionUnit: "COUNT" },
            // Backups stored outside the primary region in production (regional disaster).
            location: prod && secondaryRegion ? secondaryRegion : undefined,
          },
          insightsConfig: { queryInsightsEnabled: true },
          maintenanceWindow: { day: 7, hour: 4, updateTrack: "stable" },
          userLabels: labels,
        },
      }, o({ dependsOn: [peering, ...sqlKey.grants] }));
      const replicas = Array.from({ length: s.readReplicas }, (_, i) => new gcp.sql.DatabaseInstance(`${name}-pg-${server}-replica-${i}`, {
        name: `${prefix}-${server}-replica-${i}`,
        region,
        databaseVersion: "POSTGRES_17",
        masterInstanceName: primary.name,
        encryptionKeyName: sqlKey.key.id,
        deletionProtection: prod,
        settings: {
          tier: s.gcpTier,
          edition: "ENTERPRISE",
          availabilityType: "ZONAL",
          diskType: "PD_SSD",
          diskAutoresize: true,
          ipConfiguration,
          databaseFlags: flags,
          userLabels: labels,
        },
      }, o({ dependsOn: [primary] })));
      const credentials: Partial<Record<DatabaseName, { database: string; user: string; password: pulumi.Output<string> }>> = {};
      for (const db of databasesOn(server)) {
        const { database, owner } = DATABASE_SPECS[db];
        const password = new random.RandomPassword(`${name}-pg-${db}-password`, { length: 40, special: false }, { parent: this });
        const user = new gcp.sql.User(`${name}-pg-${db}-user`, {
          instance: primary.name,
          name: owner,
          password: password.result,
          type: "BUILT_IN",
          deletionPolicy: "ABANDON",
        }, o({ additionalSecretOutputs: ["password"] }));
        new gcp.sql.Database(`${name}-pg-${db}`, {
          instance: primary.name,
          name: database,
          charset: DATABASE_LOCALE.encoding,
          // Synapse requires C collation (see DATABASE_LOCALE in components/contracts.ts).
          collation: DATABASE_LOCALE.collate,
          deletionPolicy: prod ? "ABANDON" : "DELETE",
        }, o({ dependsOn: [user] }));
        credentials[db] = { database, user: owner, password: pulumi.secret(password.result) };
      }
      return { primary, replicas, credentials };
    };
    const mainDb = sqlServer("main", sizing.database);
    const liDb = sqlServer("li", sizing.liDatabase);

    // ---- GCS ----
    const lifecycle: Record<BucketKind, gcp.types.input.storage.BucketLifecycleRule[]> = {
      media: [
        { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 30, withState: "ARCHIVED" } },
        { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
      ],
      backups: [
        { action: { type: "SetStorageClass", storageClass: "NEARLINE" }, condition: { age: 30, withState: "LIVE" } },
        { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 30, withState: "ARCHIVED" } },
        { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
      ],
      liMedia: [
        { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 365, withState: "ARCHIVED" } },
        { action: { type: "AbortIncompleteMultipartUpload" }, condition: { age: 7 } },
      ],
    };
    const dualRegion = prod && secondaryRegion !== undefined;
    const buckets = {} as Record<BucketKind, gcp.storage.Bucket>;
    for (const kind of ["media", "backups", "liMedia"] as const) {
      const slug = kind === "liMedia" ? "li-media" : kind;
      buckets[kind] = new gcp.storage.Bucket(`${name}-${slug}`, {
        name: `${project}-${spec.stack}-${slug}`.toLowerCase().slice(0, 63),
        location: bucketLocation,
        // Dual-region in production with turbo replication (15-minute RPO for new objects).
        ...(dualRegion ? { customPlacementConfig: { dataLocations: [region.toUpperCase(), secondaryRegion!.toUpperCase()] }, rpo: "ASYNC_TURBO" } : {}),
        storageClass: "STANDARD",
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        versioning: { enabled: true },
        encryption: { defaultKmsKeyName: storageKey.key.id },
        lifecycleRules: lifecycle[kind],
        softDeletePolicy: { retentionDurationSeconds: 7 * 24 * 3600 },
        forceDestroy: !prod,
        labels,
      }, o({ dependsOn: storageKey.grants }));
    }
    const bucketRole = (bname: string, kind: BucketKind, role: string, member: pulumi.Input<string>) =>
      new gcp.storage.BucketIAMMember(bname, { bucket: buckets[kind].name, role, member }, o());

    // Workload Identity: one Google service account per object-store client, bound to exactly
    // one Kubernetes ServiceAccount and scoped to its buckets.
    const serviceAccountAnnotations: Record<string, pulumi.Output<Record<string, string>>> = {};
    for (const [sa, namespace] of Object.entries(OBJECT_STORE_CLIENTS) as [keyof typeof OBJECT_STORE_CLIENTS, string][]) {
      const account = new gcp.serviceaccount.Account(`${name}-wi-${sa}`, { accountId: `mx-${sa}-${stackTag(spec.stack)}`.slice(0, 30), displayName: `Matrix ${sa} (${spec.stack})` }, o());
      const member = pulumi.interpolate`serviceAccount:${account.email}`;
      CLIENT_BUCKETS[sa].readWrite.forEach((k) => bucketRole(`${name}-wi-${sa}-${k}-rw`, k, "roles/storage.objectAdmin", member));
      CLIENT_BUCKETS[sa].readOnly.forEach((k) => bucketRole(`${name}-wi-${sa}-${k}-ro`, k, "roles/storage.objectViewer", member));
      new gcp.serviceaccount.IAMMember(`${name}-wi-${sa}`, {
        serviceAccountId: account.name,
        role: "roles/iam.workloadIdentityUser",
        member: `serviceAccount:${project}.svc.id.goog[${namespace}/${sa}]`,
      }, o({ dependsOn: [cluster] }));
      serviceAccountAnnotations[sa] = account.email.apply((email): Record<string, string> => ({ "iam.gke.io/gcp-service-account": email }));
    }

    // Synapse's S3 storage provider (boto3) cannot use Workload Identity, so GCS's S3 interop
    // gets an HMAC key of a dedicated service account with object access to the stack's buckets.
    const s3Account = new gcp.serviceaccount.Account(`${name}-s3`, { accountId: `mx-s3-interop-${stackTag(spec.stack)}`, displayName: `Matrix S3 interop (${spec.stack})` }, o());
    const s3Member = pulumi.interpolate`serviceAccount:${s3Account.email}`;
    (["media", "backups", "liMedia"] as const).forEach((k) => bucketRole(`${name}-s3-${k}`, k, "roles/storage.objectAdmin", s3Member));
    const hmac = new gcp.storage.HmacKey(`${name}-s3`, { serviceAccountEmail: s3Account.email }, o({ additionalSecretOutputs: ["secret"] }));

    // ---- Memorystore Redis ----
    const redis = new gcp.redis.Instance(`${name}-redis`, {
      name: `${prefix}-redis`,
      region,
      // STANDARD_HA: a replica in another zone with automatic failover behind one endpoint.
      tier: ha ? "STANDARD_HA" : "BASIC",
      memorySizeGb: Math.max(1, sizing.redis.gcpMemorySizeGb),
      redisVersion: "REDIS_7_2",
      authorizedNetwork: network.id,
      connectMode: "PRIVATE_SERVICE_ACCESS",
      authEnabled: true,
      transitEncryptionMode: "SERVER_AUTHENTICATION",
      customerManagedKey: redisKey.key.id,
      persistenceConfig: { persistenceMode: "RDB", rdbSnapshotPeriod: "ONE_HOUR" },
      maintenancePolicy: { weeklyMaintenanceWindows: [{ day: "SUNDAY", startTime: { hours: 4, minutes: 0 } }] },
      labels,
    }, o({ dependsOn: [peering, ...redisKey.grants], additionalSecretOutputs: ["authString"] }));

    // ---- What the Matrix stack consumes ----
    const privateServices = [`${PRIVATE_SERVICES_ADDRESS}/${PRIVATE_SERVICES_PREFIX}`];
    const connection = (db: DatabaseName): DatabaseConnection => {
      const server = DATABASE_SPECS[db].instance === "li" ? liDb : mainDb;
      const s = server === liDb ? sizing.liDatabase : sizing.database;
      const creds = server.credentials[db]!;
      return {
        host: server.primary.privateIpAddress,
        port: pulumi.output(5432),
        database: creds.database,
        user: pulumi.output(creds.user),
        password: creds.password,
        // Cloud SQL rejects unencrypted connections (ENCRYPTED_ONLY).
        sslMode: "require",
        readHost: server.replicas[0]?.privateIpAddress,
        maxConnections: s.maxConnections,
        network: { kind: "cidr", cidrs: privateServices, port: 5432 },
      };
    };
    this.databases = Object.fromEntries(DATABASES.map((d) => [d, connection(d)])) as Record<DatabaseName, DatabaseConnection>;

    this.objectStore = {
      endpoint: pulumi.output("https://storage.googleapis.com"),
      region: dualRegion ? bucketLocation.toLowerCase() : region,
      buckets: { media: buckets.media.name, backups: buckets.backups.name, liMedia: buckets.liMedia.name },
      credentials: { accessKeyId: pulumi.secret(hmac.accessId), secretAccessKey: pulumi.secret(hmac.secret) },
      serviceAccountAnnotations,
      forcePathStyle: false,
      network: { kind: "cidr", cidrs: ["0.0.0.0/0"], port: 443 },
    };

    this.redis = {
      host: redis.host,
      port: redis.port,
      tls: true,
      password: pulumi.secret(redis.authString),
      caCertificate: redis.serverCaCerts.apply((certs) => (certs ?? []).map((c) => c.cert ?? "").join("\n")),
      network: { kind: "cidr", cidrs: privateServices, port: 6378 },
    };

    this.gateway = addons.gateway;
    this.clusterIssuer = addons.clusterIssuer;
    this.ready = [...nodePools, storageClass, ...addons.ready];
    this.registerOutputs({
      clusterName: cluster.name,
      network: network.id,
      databaseHost: mainDb.primary.privateIpAddress,
      liDatabaseHost: liDb.primary.privateIpAddress,
      redisHost: redis.host,
      buckets: this.objectStore.buckets,
    });
  }

  placement(tier: NodeTier): Placement {
    return placementFor(this.sizing, tier);
  }
}
