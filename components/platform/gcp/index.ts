import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import type { EnvironmentPreset } from "../../../catalog/environments";
import type { DatabaseSizing, NodePool, NodeTier, RedisSizing } from "../../../sizing/types";
import { standardLabels } from "../../k8s/labels";
import type { NetworkFlows } from "../../k8s/network";
import type { ClusterApiEndpoint } from "../../../config/spec";
import { MONITORING_ROLE, type DatabaseMetricsAccess, type DatabaseName, type KubeApiEndpoint, type LiSyncAccess, type ObjectStore, type Placement, type Platform, type PlatformDatabases, type ProjectImageRefs, type ProjectImagesRequest, type RedisEndpoint } from "../../contracts";
import { ProjectImages } from "../project-images";
import { ClusterAddons, type AddonSettings } from "../addons";
import { InternalCa } from "../../k8s/internal-ca";
import { serverTrust, sharedPlatformFields, type DatabaseServer } from "../outputs";
import { placementFor } from "../placement";
import { createArtifactRepository } from "./registry";
import { createMemorystore } from "./cache";
import { createGkeCluster, gkeKubeconfig, GKE_VERSION } from "./cluster";
import { createCloudSqlServer, type CloudSqlServer } from "./database";
import { createGcpKeys } from "./keys";
import { bucketPlacement } from "./naming";
import { createGcpNetwork, createMediaFirewall, MASTER_CIDR, PRIVATE_SERVICES_CIDR } from "./network";
import type { PublicPortRule } from "../../../render/rtc/exposure";
import { createNodePools } from "./node-pools";
import { createGcsStorage } from "./object-storage";
import { KUBE_PROVIDER_BEHAVIOUR } from "../kube-provider";

export { GKE_VERSION } from "./cluster";
export { GCP_KEY_ROTATION } from "./keys";
export { multiRegionOf, stackTag } from "./naming";

/**
 * Cloud SQL rejects unencrypted connections (ENCRYPTED_ONLY). The pods verify the instance's server
 * CA on top (verify-ca, components/platform/outputs.ts serverTrust); `require` is left for the
 * connection LI's instance opens to main's (the subscription), which can be given no CA file.
 */
const CLOUD_SQL_SSL_MODE = "require" as const;

const APIS = ["compute", "container", "sqladmin", "servicenetworking", "redis", "cloudkms", "storage", "iam", "artifactregistry"];

export interface GcpPlatformArgs {
  /** The databases the stack creates (contracts.ts deployedDatabases: the bridges' only while deployed). */
  databases: readonly DatabaseName[];
  /** Stack name: resource names, labels, service account ids. */
  stack: string;
  project: string;
  /** Primary region. */
  region: string;
  /** Region of dual-region buckets and off-region backups; used only when the preset copies data off-region. Default: none. */
  secondaryRegion?: string;
  /** The environment preset: node zones, HA database, backup retention, deletion protection, off-region copies, HA. */
  preset: EnvironmentPreset;
  /** Node pools from sizing, one GKE node pool each. */
  nodePools: NodePool[];
  /** Main PostgreSQL server's sizing. */
  database: DatabaseSizing;
  /** LI PostgreSQL server's sizing; absent when LI is not deployed (then no LI server, bucket or accounts). */
  liDatabase?: DatabaseSizing;
  /** Monitoring is deployed: Loki gets a logs bucket and its own workload identity. Default: false. */
  logsBucket?: boolean;
  /** Monitoring is deployed: each server gets the exporters' login (MONITORING_ROLE). Default: false. */
  databaseMetrics?: boolean;
  /** Memorystore size. */
  redis: RedisSizing;
  /** Settings of the common cluster add-ons (`addonSettings`). */
  addons: AddonSettings;
  /** Who may reach the cluster's API endpoint: private (VPC only) or public for listed ranges. */
  clusterApi: ClusterApiEndpoint;
  /** The stack's flow registry; without it the add-ons write their own FlowPolicies. Default: absent. */
  flows?: NetworkFlows;
  /** RTC media ports the edge nodes open to the internet, when calls are deployed. Default: absent. */
  rtcMedia?: { tier: NodePool["tier"]; rules: PublicPortRule[] };
  /** The project's images: built into a repository the stack creates here, or prebuilt. */
  projectImages: ProjectImagesRequest;
}

/**
 * GCP: a VPC with pod/service secondary ranges and Cloud NAT, a regional private GKE cluster
 * (Workload Identity, Dataplane V2, shielded nodes, CMEK-encrypted secrets) with a node pool
 * per tier, Cloud SQL PostgreSQL (main + separate LI instance), GCS buckets with CMEK
 * (dual-region where the preset copies off-region), Memorystore Redis with AUTH and TLS, and the
 * common add-ons. Each concern is a factory beside this file; this class only wires them.
 */
export class GcpPlatform extends pulumi.ComponentResource implements Platform {
  readonly kind = "gcp" as const;
  readonly provider: k8s.Provider;
  readonly storageClass: pulumi.Output<string>;
  readonly kubernetesVersion = GKE_VERSION;
  readonly databases: PlatformDatabases;
  readonly objectStore: ObjectStore;
  readonly redis: RedisEndpoint;
  readonly gateway: Platform["gateway"];
  readonly clusterIssuer: string;
  readonly internalCaIssuer?: string;
  readonly ready: pulumi.Resource[];
  readonly crdProviders: Platform["crdProviders"];
  readonly liSync?: LiSyncAccess;
  readonly databaseMetrics?: DatabaseMetricsAccess;
  readonly kubeApi: KubeApiEndpoint;
  readonly projectImages: ProjectImageRefs;
  readonly cluster: gcp.container.Cluster;
  private readonly nodePools: NodePool[];

  constructor(name: string, args: GcpPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-platform:platform:GcpPlatform", name, {}, opts);
    const { preset, project, region, secondaryRegion, stack } = args;
    this.nodePools = args.nodePools;
    const prefix = `matrix-${stack}`.slice(0, 24).replace(/-+$/, "");
    const labels = { "matrix-platform-stack": stack.toLowerCase(), environment: preset.name, "managed-by": "pulumi" };

    const gcpProvider = new gcp.Provider(`${name}-gcp`, { project, region, defaultLabels: labels }, { parent: this });
    const o = { parent: this, provider: gcpProvider };
    const projectInfo = gcp.organizations.getProjectOutput({ projectId: project }, o);
    const apis = APIS.map((api) => new gcp.projects.Service(`${name}-api-${api}`, { service: `${api}.googleapis.com`, disableOnDestroy: false }, o));
    const sqlAgent = new gcp.projects.ServiceIdentity(`${name}-sql-agent`, { service: "sqladmin.googleapis.com" }, { ...o, dependsOn: apis });

    const buckets = bucketPlacement(region, secondaryRegion, preset.crossRegionReplication);
    const keys = createGcpKeys({
      name, prefix, region, storageLocation: buckets.location, projectNumber: projectInfo.number, sqlAgent,
      protect: preset.deletionProtection, dependsOn: apis,
    }, o);
    const network = createGcpNetwork({ name, prefix, region, dependsOn: apis }, o);
    const gke = createGkeCluster({
      name, prefix, stack, project, region, network: network.network.id, subnetwork: network.subnet.id,
      secretsKey: keys.gke, deletionProtection: preset.deletionProtection, dependsOn: [network.nat], api: args.clusterApi,
    }, o);
    this.cluster = gke.cluster;
    const cluster = gke.cluster;
    const mediaTag = args.rtcMedia ? createMediaFirewall({ name, prefix, network: network.network.id, rules: args.rtcMedia.rules }, o) : undefined;
    const nodePools = createNodePools({
      name, pools: args.nodePools, cluster: cluster.id, region, zones: preset.zones, serviceAccount: gke.nodeServiceAccount.email, diskKey: keys.disks, resourceLabels: labels,
      ...(mediaTag ? { publicMedia: { tier: args.rtcMedia!.tier, networkTag: mediaTag } } : {}),
    }, o);

    const kubeconfig = pulumi.all([cluster.name, cluster.endpoint, cluster.masterAuth]).apply(([n, endpoint, auth]) => gkeKubeconfig(n, endpoint, auth.clusterCaCertificate!));
    // No credentials in it (gke-gcloud-auth-plugin), but every provider kubeconfig is a secret input alike.
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: pulumi.secret(kubeconfig), ...KUBE_PROVIDER_BEHAVIOUR }, { parent: this, dependsOn: nodePools });
    const provider = this.provider;
    const storageClass = new k8s.storage.v1.StorageClass(`${name}-pd-balanced`, {
      metadata: { name: "pd-balanced-cmek", labels: standardLabels("storage", "storage-class", "platform") },
      provisioner: "pd.csi.storage.gke.io",
      parameters: { type: "pd-balanced", "disk-encryption-kms-key": keys.disks.key.id },
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      // Retain where the preset protects data, so deleting a claim never deletes it.
      reclaimPolicy: preset.deletionProtection ? "Retain" : "Delete",
    }, { parent: this, provider, dependsOn: keys.disks.grants });
    this.storageClass = storageClass.metadata.name;

    // A private GKE control plane answers from its own /28 (masterIpv4CidrBlock) on 443.
    this.kubeApi = { cidrs: [MASTER_CIDR], ports: [443] };
    const addons = new ClusterAddons(`${name}-addons`, {
      ...args.addons,
      kubeApi: this.kubeApi,
      provider,
      placement: (t) => this.placement(t),
      cloudnativePg: false,
      minioOperator: false,
      dependsOn: nodePools,
      flows: args.flows,
    }, { parent: this });
    // The internal CA, while mutual TLS between HAProxy and Synapse needs it (components/k8s/internal-ca.ts).
    const internalCa = args.addons.internalCa ? new InternalCa(`${name}-internal-ca`, { provider, domain: args.addons.domain, crds: addons.crdProviders, dependsOn: [addons.certManager] }, { parent: this }) : undefined;
    this.internalCaIssuer = internalCa?.issuer;

    // With monitoring: the exporters' login on each server (one password for all of them).
    const monitorPassword = args.databaseMetrics ? pulumi.secret(new random.RandomPassword(`${name}-pg-monitor-password`, { length: 40, special: false }, { parent: this }).result) : undefined;
    const sql = (server: "main" | "li", sizing: DatabaseSizing) => createCloudSqlServer({
      name, prefix, server, databases: args.databases, region, secondaryRegion, sizing, preset, network: network.network.id, kmsKey: keys.sql, peering: network.peering, labels,
      liSyncLogin: server === "main" && args.liDatabase !== undefined,
      monitoringLogin: monitorPassword,
    }, o);
    const mainDb = sql("main", args.database);
    const liDb = args.liDatabase ? sql("li", args.liDatabase) : undefined;

    const storage = createGcsStorage({
      name, stack, project, placement: buckets, kmsKey: keys.storage, deletionProtection: preset.deletionProtection, cluster, labels,
      li: liDb !== undefined,
      logs: args.logsBucket === true,
    }, o);
    const redis = createMemorystore({
      name, prefix, region, sizing: args.redis, highAvailability: preset.highAvailability, network: network.network.id, kmsKey: keys.redis, peering: network.peering, labels,
    }, o);

    // ---- The project's images: an Artifact Registry repository, built and pushed by the up ----
    const toBuild = args.projectImages.images.filter((i) => args.projectImages.prebuilt[i] === undefined);
    const registry = createArtifactRepository({ name, prefix, project, region, images: toBuild, labels, dependsOn: apis }, o);
    this.projectImages = new ProjectImages(`${name}-images`, { ...args.projectImages, ...(registry ? { target: registry } : {}) }, { parent: this }).refs;

    // ---- What the Matrix stack consumes ----
    const privateServices = [PRIVATE_SERVICES_CIDR];
    // An instance's server CA (current and upcoming): its clients verify the chain (verify-ca: the
    // certificate names the instance, not the private address). A read replica has its own.
    const serverCa = (i: gcp.sql.DatabaseInstance) => i.serverCaCerts.apply((certs) => (certs ?? []).map((c) => c.cert ?? "").join("\n"));
    const server = (db: CloudSqlServer, sizing: DatabaseSizing): DatabaseServer => ({
      host: db.primary.privateIpAddress,
      serverCaCertificate: serverCa(db.primary),
      port: pulumi.output(5432),
      readHost: db.replicas[0]?.privateIpAddress,
      maxConnections: sizing.maxConnections,
      network: { kind: "cidr", cidrs: privateServices, port: 5432 },
      credentials: db.credentials,
    });
    const shared = sharedPlatformFields({
      databases: args.databases,
      addons,
      servers: { main: server(mainDb, args.database), ...(liDb && args.liDatabase ? { li: server(liDb, args.liDatabase) } : {}) },
      sslMode: CLOUD_SQL_SSL_MODE,
      readyBefore: [...nodePools, storageClass],
    });
    this.databases = shared.databases;
    this.gateway = shared.gateway;
    this.clusterIssuer = shared.clusterIssuer;
    this.ready = internalCa ? [...shared.ready, ...internalCa.ready] : shared.ready;
    this.crdProviders = shared.crdProviders;

    if (liDb && mainDb.liSync) {
      // Cloud SQL instances reach each other's private IPs inside the private services range (the
      // subscription's connection); the sync's pods reach both through the same range.
      const peer = { kind: "cidr" as const, cidrs: privateServices, port: 5432 };
      const read = mainDb.replicas[0] ?? mainDb.primary;
      this.liSync = {
        main: {
          primaryHost: mainDb.primary.privateIpAddress, readHost: read.privateIpAddress, port: pulumi.output(5432), primaryNetwork: peer, readNetwork: peer,
          primaryTrust: serverTrust({ serverCaCertificate: serverCa(mainDb.primary) }, CLOUD_SQL_SSL_MODE),
          readTrust: serverTrust({ serverCaCertificate: serverCa(read) }, CLOUD_SQL_SSL_MODE),
          // LI's Cloud SQL instance opens the subscription's connection and takes no CA file.
          subscriptionTls: { sslMode: CLOUD_SQL_SSL_MODE },
        },
        login: { user: mainDb.liSync.user, password: mainDb.liSync.password, replicationGrantedBy: "tablesOwner" },
        ready: [mainDb.liSync.resource],
      };
    }

    if (monitorPassword) {
      const endpoints = (db: CloudSqlServer, server: "main" | "li") => [
        { server, instance: "primary", host: db.primary.privateIpAddress, port: pulumi.output(5432), caCertificate: serverCa(db.primary) },
        ...db.replicas.map((r, i) => ({ server, instance: `replica-${i}`, host: r.privateIpAddress, port: pulumi.output(5432), caCertificate: serverCa(r) })),
      ];
      this.databaseMetrics = {
        endpoints: [...endpoints(mainDb, "main"), ...(liDb ? endpoints(liDb, "li") : [])],
        login: { user: MONITORING_ROLE, password: monitorPassword },
        // Against each instance's own server CA, as every other client.
        sslMode: "verify-ca",
        network: { kind: "cidr", cidrs: privateServices, port: 5432 },
        ready: [mainDb.monitoringLogin, liDb?.monitoringLogin].filter((r): r is gcp.sql.User => r !== undefined),
      };
    }

    this.objectStore = {
      endpoint: pulumi.output("https://storage.googleapis.com"),
      region: buckets.dataLocations ? buckets.location.toLowerCase() : region,
      buckets: {
        media: storage.buckets.media.name, backups: storage.buckets.backups.name,
        ...(storage.buckets.liMedia ? { liMedia: storage.buckets.liMedia.name } : {}),
        ...(storage.buckets.logs ? { logs: storage.buckets.logs.name } : {}),
      },
      credentials: { accessKeyId: storage.hmac.accessId, secretAccessKey: storage.hmac.secret },
      serviceAccountAnnotations: storage.serviceAccountAnnotations,
      forcePathStyle: false,
      // Loki reaches its bucket through the GCS API with Workload Identity, not the HMAC interop.
      nativeApi: "gcs",
      network: { kind: "cidr", cidrs: ["0.0.0.0/0"], port: 443 },
    };
    this.redis = {
      host: redis.host,
      port: redis.port,
      tls: true,
      password: pulumi.secret(redis.authString),
      caCertificate: redis.serverCaCerts.apply((certs) => (certs ?? []).map((c) => c.cert ?? "").join("\n")),
      // Memorystore's per-instance CA: its server certificate does not name the dialled address.
      certificateNamesHost: false,
      network: { kind: "cidr", cidrs: privateServices, port: 6378 },
    };

    this.registerOutputs({
      clusterName: cluster.name,
      network: network.network.id,
      databaseHost: mainDb.primary.privateIpAddress,
      ...(liDb ? { liDatabaseHost: liDb.primary.privateIpAddress } : {}),
      redisHost: redis.host,
      buckets: this.objectStore.buckets,
    });
  }

  placement(tier: NodeTier): Placement {
    return placementFor({ nodePools: this.nodePools }, tier);
  }
}
