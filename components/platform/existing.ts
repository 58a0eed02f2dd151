import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import type { EnvironmentPreset } from "../../catalog/environments";
import { imageRef } from "../../catalog/images";
import type { PlatformSpec } from "../../config/spec";
import type { DatabaseSizing, NodePool, NodeTier, ObjectStoreSizing, RedisSizing, WorkloadSizing } from "../../sizing/types";
import { BACKUP_PREFIX, CNPG_SERVER_CA_FILE, CnpgCluster } from "../data/postgres";
import { OffsiteBackupCopy } from "../data/offsite-backup";
import { MinioTenant } from "../data/minio";
import { CA_KEY, InternalCa } from "../k8s/internal-ca";
import { SentinelRedis } from "../data/redis";
import { standardLabels } from "../k8s/labels";
import { NAMESPACES } from "../../catalog/namespaces";
import { StackNamespace } from "../k8s/namespace";
import type { NetworkFlows } from "../k8s/network";
import { INTERNET, KUBE_API_PORTS, type External } from "../k8s/network/peers";
import { dataServiceFlows } from "../k8s/network/platform-flows";
import { ClusterAddons, type AddonSettings } from "./addons";
import { databasesOn, deployedObjectStoreClients, LI_SYNC_ROLE, type LiSyncAccess, type PlatformDatabases, type DatabaseName, type KubeApiEndpoint, type ObjectStore, type Placement, type Platform, type ProjectImageRefs, type ProjectImagesRequest, type RedisEndpoint } from "../contracts";
import { projectImageSpec } from "../../catalog/project-images";
import { ProjectImages } from "./project-images";
import { declarePlatformFlows } from "./flows";
import { serverTrust, sharedPlatformFields, type DatabaseServer } from "./outputs";
import { placementFor } from "./placement";
import { KUBE_PROVIDER_BEHAVIOUR } from "./kube-provider";

/**
 * StorageClass used when config `storageClass` is not set. Most single-cluster distributions
 * (kind, minikube, GKE, many kubeadm setups with a provisioner) name their default "standard";
 * on anything else set `storageClass` (docs/on-prem.md).
 */
export const DEFAULT_EXISTING_STORAGE_CLASS = "standard";
/** Oldest Kubernetes minor the stack supports on an existing cluster (Gateway API v1, CNPG). */
export const EXISTING_MIN_KUBERNETES = "1.31";
/** Names of the in-cluster data services. */
export const EXISTING_DATA = {
  mainCluster: "matrix-pg",
  liCluster: "matrix-pg-li",
  tenant: "object-store",
  redis: "redis",
} as const;

/**
 * The API server of a cluster we did not build: at the ranges the operator gives
 * (`kubeApiCidrs`: the `kubernetes` Endpoints' addresses, control-plane nodes or their VIP), or,
 * without them, any address on the API ports (443, and 6443 for kubeadm) — the README asks for
 * the ranges in production.
 */
export function existingKubeApi(cidrs: string[] | undefined): KubeApiEndpoint {
  return { cidrs: cidrs && cidrs.length > 0 ? [...cidrs] : ["0.0.0.0/0"], ports: [...KUBE_API_PORTS] };
}

/** MinIO's default region: S3 clients need some region to sign with. */
const MINIO_REGION = "us-east-1";

/** The TCP port an http(s) endpoint URL connects to. */
export function endpointPort(endpoint: string): number {
  const url = new URL(endpoint);
  return url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}

/** Where the off-site copy may send: the configured ranges, or the public internet (a cloud endpoint). */
export function offsiteTarget(cidrs: string[] | undefined): External {
  return cidrs && cidrs.length > 0 ? { kind: "cidr", name: "offsite-backup-endpoint", cidrs } : INTERNET;
}

export interface ExistingClusterPlatformArgs {
  /** The databases the stack creates (contracts.ts deployedDatabases: the bridges' only while deployed). */
  databases: readonly DatabaseName[];
  /** How to reach the cluster (kubeconfig path or YAML, context) and its StorageClass. Default StorageClass: DEFAULT_EXISTING_STORAGE_CLASS. */
  cluster: PlatformSpec["existing"];
  /** The environment preset: HA (synchronous replication, strict spreads), backup retention, and deletion protection (the object store's encryption key). */
  preset: Pick<EnvironmentPreset, "highAvailability" | "backupRetentionDays" | "deletionProtection">;
  /** Node pools from sizing: the tier labels/taints the nodes are expected to carry. */
  nodePools: NodePool[];
  /** Main CloudNativePG cluster's sizing. */
  database: DatabaseSizing;
  /** LI CloudNativePG cluster's sizing; absent when LI is not deployed (then no LI cluster or bucket). */
  liDatabase?: DatabaseSizing;
  /** Monitoring is deployed: the tenant gets Loki's logs bucket. */
  logsBucket?: boolean;
  /** Redis nodes and memory. */
  redis: RedisSizing;
  /** Redis pods' resources, tier and volume (sizing.components.redis). */
  redisWorkload: WorkloadSizing;
  /** The Redis master proxy's replicas and resources (sizing.components.redisProxy). */
  redisProxyWorkload: WorkloadSizing;
  /** MinIO servers, drives and capacity. */
  objectStore: ObjectStoreSizing;
  /** Requests of each MinIO server pod as sizing packed it (sizing/in-cluster-data-pods.ts `minioServerPod`). */
  minioServerPod: { cpuMillis: number; memoryMi: number };
  /** Settings of the common cluster add-ons (`addonSettings`); their registry override applies to the data services too. */
  addons: AddonSettings;
  /** The stack's flow registry; without it the platform writes its own FlowPolicies. Default: absent. */
  flows?: NetworkFlows;
  /** The project's images and where they are pushed (the site's registry, `projectImageRegistry`). */
  projectImages: ProjectImagesRequest;
}

/**
 * An existing (on-prem) Kubernetes cluster. Nothing outside the cluster is created: PostgreSQL
 * runs under CloudNativePG (a main cluster and a separate LI cluster), object storage is a MinIO
 * tenant, Redis runs with Sentinel behind a stable master Service, and the common add-ons
 * (cert-manager, Envoy Gateway) come from ClusterAddons. Nodes are expected to carry the tier
 * labels/taints from sizing (docs/on-prem.md).
 */
export class ExistingClusterPlatform extends pulumi.ComponentResource implements Platform {
  readonly kind = "existing" as const;
  readonly provider: k8s.Provider;
  readonly storageClass: pulumi.Output<string>;
  readonly kubernetesVersion = EXISTING_MIN_KUBERNETES;
  readonly databases: PlatformDatabases;
  readonly objectStore: ObjectStore;
  readonly redis: RedisEndpoint;
  readonly gateway: Platform["gateway"];
  readonly clusterIssuer: string;
  /** The internal CA runs on every existing cluster: MinIO's certificate needs it whatever internalMtls says. */
  readonly internalCaIssuer: string;
  readonly ready: pulumi.Resource[];
  readonly crdProviders: Platform["crdProviders"];
  readonly kubeApi: KubeApiEndpoint;
  readonly projectImages: ProjectImageRefs;
  readonly liSync?: LiSyncAccess;
  private readonly nodePools: NodePool[];

  constructor(name: string, args: ExistingClusterPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-platform:platform:ExistingClusterPlatform", name, {}, opts);
    this.nodePools = args.nodePools;
    const ha = args.preset.highAvailability;
    // LI's data services (its database cluster, media bucket and object-store clients) exist only with LI.
    const liDeployed = args.liDatabase !== undefined;
    const registry = args.addons.imageRegistry;

    // The kubeconfig may be a path or inline YAML; without one the provider uses the ambient
    // kubeconfig (KUBECONFIG / ~/.kube/config), like kubectl. Content may carry a token or a
    // client key, so the provider gets it as a secret input (never plain in state or a plan file).
    this.provider = new k8s.Provider(`${name}-k8s`, {
      kubeconfig: args.cluster.kubeconfig === undefined ? undefined : pulumi.secret(args.cluster.kubeconfig),
      context: args.cluster.kubeContext,
      ...KUBE_PROVIDER_BEHAVIOUR,
    }, { parent: this });
    const provider = this.provider;
    const storageClassName = args.cluster.storageClass ?? DEFAULT_EXISTING_STORAGE_CLASS;
    this.storageClass = pulumi.output(storageClassName);

    this.kubeApi = existingKubeApi(args.cluster.kubeApiCidrs);
    // The site's registry, pushed to with the deploying machine's docker login.
    const pushRegistry = args.projectImages.pushRegistry;
    this.projectImages = new ProjectImages(`${name}-images`, {
      ...args.projectImages,
      ...(pushRegistry ? { target: { repositories: Object.fromEntries(args.projectImages.images.map((i) => [i, `${pushRegistry}/${projectImageSpec(i).repository}`])) } } : {}),
    }, { parent: this }).refs;
    const addons = new ClusterAddons(`${name}-addons`, {
      ...args.addons,
      kubeApi: this.kubeApi,
      provider,
      placement: (t) => this.placement(t),
      cloudnativePg: true,
      minioOperator: true,
      flows: args.flows,
    }, { parent: this });

    // The internal CA that signs the data services' server certificates (MinIO; components/platform/internal-ca.ts).
    const internalCa = new InternalCa(`${name}-internal-ca`, { provider, domain: args.addons.domain, crds: addons.crdProviders, dependsOn: [addons.certManager] }, { parent: this });
    this.internalCaIssuer = internalCa.issuer;

    // "baseline" is enforced here only for the pods the operators write (CNPG instances, MinIO
    // servers), which this program does not render. Every pod template the program writes here
    // (Redis and Sentinel, the Redis proxy, the MinIO bucket-settings Job) meets "restricted",
    // and the validation gate (scripts/validate.ts) holds them to it whatever this label says.
    const dataNs = new StackNamespace(`${name}-data`, {
      name: NAMESPACES.data,
      labels: standardLabels(NAMESPACES.data, "namespace", "platform"),
      flows: args.flows,
      podSecurity: "baseline",
      podSecurityReason: "CloudNativePG instances and MinIO servers are pods their operators write; audit and warn stay at restricted",
    }, { parent: this, provider }).namespace;
    const namespace = dataNs.metadata.name;

    const minio = new MinioTenant(`${name}-minio`, {
      provider,
      crds: addons.crdProviders,
      namespace,
      tenantName: EXISTING_DATA.tenant,
      sizing: args.objectStore,
      serverPod: args.minioServerPod,
      storageClass: storageClassName,
      placement: this.placement("media"),
      image: imageRef("minio", registry),
      highAvailability: ha,
      li: liDeployed,
      logs: args.logsBucket === true,
      protectEncryptionKey: args.preset.deletionProtection,
      dependsOn: [addons.minioOperator!, dataNs],
      tls: { issuer: internalCa.issuer, operatorNamespace: NAMESPACES.operators, issuerReady: [...internalCa.ready, addons.namespaces[NAMESPACES.operators]] },
    }, { parent: this });

    const pgImage = imageRef("postgresql", registry);
    const backup = {
      endpointUrl: minio.endpoint,
      bucket: minio.buckets.backups,
      credentialsSecret: minio.backupCredentialsSecret,
      accessKeyIdKey: "CONSOLE_ACCESS_KEY",
      secretAccessKeyKey: "CONSOLE_SECRET_KEY",
      // barman-cloud verifies MinIO's certificate against the internal CA (same namespace).
      caSecret: { name: minio.tlsSecret, key: CA_KEY },
    };
    // After the bucket Job: the backups bucket encrypts by default before the first WAL segment lands.
    const pgDeps = [addons.cloudnativePg!, addons.barmanCloudPlugin!, minio.tenant, minio.bucketJob, dataNs];
    // The LI sync's login on main: a managed role with REPLICATION (its SELECT grants come from
    // the publisher Job); on LI's cluster synapse-li's owner may create the archive and next
    // databases and the subscription.
    const liSyncPassword = liDeployed ? new random.RandomPassword(`${name}-li-sync-password`, { length: 40, special: false }, { parent: this }) : undefined;
    const roles = (server: "main" | "li") => server === "main"
      ? (liSyncPassword ? { extraRoles: [{ name: LI_SYNC_ROLE, password: pulumi.secret(liSyncPassword.result), replication: true }] } : {})
      : { ownerRights: { synapseLi: { createdb: true, inRoles: ["pg_create_subscription"] } } };
    const cnpg = (resource: string, clusterName: string, server: "main" | "li", sizing: DatabaseSizing) => new CnpgCluster(resource, {
      ...roles(server),
      provider,
      crds: addons.crdProviders,
      namespace,
      clusterName,
      sizing,
      databases: databasesOn(server, args.databases),
      storageClass: storageClassName,
      placement: this.placement("database"),
      backupRetentionDays: args.preset.backupRetentionDays,
      synchronous: ha,
      imageName: pgImage,
      backup,
      dependsOn: pgDeps,
      // Certificates from the internal CA, so Synapse can verify the server (verify-full).
      serverTls: { issuer: internalCa.issuer, issuerReady: internalCa.ready },
    }, { parent: this });
    const main = cnpg(`${name}-pg`, EXISTING_DATA.mainCluster, "main", args.database);
    const li = args.liDatabase ? cnpg(`${name}-pg-li`, EXISTING_DATA.liCluster, "li", args.liDatabase) : undefined;

    // Backups leave the cluster's failure domain: every base backup and WAL segment barman-cloud
    // writes to MinIO is copied to the off-site bucket (config offsiteBackup*; production
    // requires it or an explicit waiver, config/offsite-backup.ts).
    const offsite = args.cluster.offsiteBackup;
    const offsiteCopy = offsite === undefined ? undefined : new OffsiteBackupCopy(`${name}-offsite-backup`, {
      provider,
      namespace,
      target: offsite,
      source: { endpoint: minio.endpoint, region: MINIO_REGION, bucket: minio.buckets.backups, prefix: BACKUP_PREFIX, credentials: minio.backupCredentials, caSecret: minio.tlsSecret },
      image: imageRef("rclone", registry),
      placement: this.placement("database"),
      dependsOn: [minio.tenant, minio.bucketJob, dataNs],
    }, { parent: this });

    const redis = new SentinelRedis(`${name}-redis`, {
      provider,
      crds: addons.crdProviders,
      namespace,
      serviceName: EXISTING_DATA.redis,
      sizing: args.redis,
      workload: args.redisWorkload,
      proxyWorkload: args.redisProxyWorkload,
      storageClass: storageClassName,
      placement: this.placement(args.redisWorkload.tier),
      highAvailability: ha,
      imageRegistry: registry,
      metricsExporter: args.addons.monitoring,
      tls: { issuer: internalCa.issuer, issuerReady: internalCa.ready },
    }, { parent: this, dependsOn: [dataNs] });

    // Replication, backups, Sentinel and the operators' traffic inside the data namespace; what
    // clients may reach is declared by the clients from this platform's NetworkPeers (each
    // consumer's flow opens ingress for exactly its pods, so nothing here admits a whole
    // namespace: main's pods never reach the LI cluster and vice versa).
    declarePlatformFlows(`${name}-data-flows`, "data", dataServiceFlows({
      monitoring: args.addons.monitoring,
      kubeApi: this.kubeApi,
      minioPods: minio.podLabels,
      redisPods: redis.nodePodLabels,
      redisProxyPods: redis.podLabels,
      minioClientPods: minio.clientPodLabels,
      ...(offsite && offsiteCopy ? { offsiteCopy: { pods: offsiteCopy.podLabels, target: offsiteTarget(offsite.cidrs), port: endpointPort(offsite.endpoint) } } : {}),
    }), { flows: args.flows, provider, parent: this, dependsOn: [dataNs] });

    const server = (cluster: CnpgCluster, clusterName: string, sizing: DatabaseSizing): DatabaseServer => ({
      host: cluster.host,
      port: cluster.port,
      readHost: sizing.instances > 1 ? cluster.readHost : undefined,
      maxConnections: sizing.maxConnections,
      network: { kind: "pods", namespace: NAMESPACES.data, podLabels: { "cnpg.io/cluster": clusterName }, port: 5432 },
      credentials: cluster.databases,
      privateCaIssuer: internalCa.issuer,
    });
    const shared = sharedPlatformFields({
      databases: args.databases,
      addons,
      servers: { main: server(main, EXISTING_DATA.mainCluster, args.database), ...(li && args.liDatabase ? { li: server(li, EXISTING_DATA.liCluster, args.liDatabase) } : {}) },
      // Unused: both servers name the internal CA, so every client verifies them (verify-full,
      // components/platform/outputs.ts serverTrust).
      sslMode: "require",
      readyBefore: [],
      readyAfter: [minio.tenant, minio.bucketJob, ...main.ready, ...(li?.ready ?? []), ...redis.ready],
    });
    this.databases = shared.databases;
    this.gateway = shared.gateway;
    this.clusterIssuer = shared.clusterIssuer;
    this.ready = shared.ready;
    this.crdProviders = shared.crdProviders;

    if (liSyncPassword) {
      const mainPods = (role: "primary" | "replica") => ({ kind: "pods" as const, namespace: NAMESPACES.data, podLabels: { "cnpg.io/cluster": EXISTING_DATA.mainCluster, "cnpg.io/instanceRole": role }, port: 5432 });
      const replica = args.database.instances > 1;
      const trust = serverTrust({ privateCaIssuer: internalCa.issuer }, "require");
      this.liSync = {
        main: {
          primaryHost: main.host,
          readHost: replica ? main.readHost : main.host,
          port: main.port,
          primaryNetwork: mainPods("primary"),
          readNetwork: mainPods(replica ? "replica" : "primary"),
          primaryTrust: trust,
          readTrust: trust,
          // LI's CloudNativePG pods hold their server CA, the internal CA that signs main's certificate too.
          subscriptionTls: { sslMode: "verify-full", sslRootCert: CNPG_SERVER_CA_FILE },
        },
        login: { user: LI_SYNC_ROLE, password: pulumi.secret(liSyncPassword.result), replicationGrantedBy: "platform" },
        ready: main.ready,
      };
    }

    this.objectStore = {
      endpoint: minio.endpoint,
      region: MINIO_REGION,
      buckets: minio.buckets,
      credentials: minio.credentials,
      // No workload identity on-prem: every client uses the static key pair above.
      serviceAccountAnnotations: Object.fromEntries(deployedObjectStoreClients(liDeployed, args.logsBucket === true).map((sa) => [sa, pulumi.output<Record<string, string>>({})])),
      forcePathStyle: true,
      nativeApi: "s3",
      privateCaIssuer: internalCa.issuer,
      network: { kind: "pods", namespace: NAMESPACES.data, podLabels: minio.podLabels, port: 9000 },
    };
    this.redis = {
      host: redis.host,
      port: redis.port,
      // TLS only, the certificate from the internal CA: clients verify it against ca.crt of a
      // trust Certificate from this issuer in their own namespace.
      tls: true,
      caIssuer: internalCa.issuer,
      // Its certificate names the master Service clients dial (components/data/redis.ts).
      certificateNamesHost: true,
      password: redis.password,
      network: { kind: "pods", namespace: NAMESPACES.data, podLabels: redis.podLabels, port: 6379 },
    };

    this.registerOutputs({
      storageClass: this.storageClass,
      databaseHost: main.host,
      ...(li ? { liDatabaseHost: li.host } : {}),
      objectStoreEndpoint: this.objectStore.endpoint,
      redisHost: this.redis.host,
    });
  }

  placement(tier: NodeTier): Placement {
    return placementFor({ nodePools: this.nodePools }, tier);
  }
}
