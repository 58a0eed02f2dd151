import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { imageRef } from "../../catalog/images";
import type { PlatformSpec } from "../../config/spec";
import { minioServerPod } from "../../sizing/data-pods";
import type { NodeTier, Sizing } from "../../sizing/types";
import { CnpgCluster } from "../data/postgres";
import { MinioTenant } from "../data/minio";
import { SentinelRedis } from "../data/redis";
import { standardLabels } from "../k8s/labels";
import { NAMESPACES } from "../k8s/namespaces";
import { StackNamespace } from "../k8s/namespace";
import { FlowPolicies } from "../k8s/network";
import { dataServiceFlows } from "../k8s/platform-flows";
import { ClusterAddons } from "./addons";
import { DATABASE_SPECS, databasesOn } from "../contracts";
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

export interface ExistingClusterPlatformArgs {
  /** Validated configuration; `spec.existing` says how to reach the cluster. */
  spec: PlatformSpec;
  /** Sizes of the node tiers, PostgreSQL clusters, Redis and the object store. */
  sizing: Sizing;
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
  readonly databases: Record<DatabaseName, DatabaseConnection>;
  readonly objectStore: ObjectStore;
  readonly redis: RedisEndpoint;
  readonly gateway: { className: string; namespace: string; name: string };
  readonly clusterIssuer: string;
  readonly ready: pulumi.Resource[];
  private readonly sizing: Sizing;

  constructor(name: string, args: ExistingClusterPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-platform:platform:ExistingClusterPlatform", name, {}, opts);
    const { spec, sizing } = args;
    this.sizing = sizing;
    const ha = spec.highAvailability;

    // The kubeconfig may be a path or inline YAML; without one the provider uses the ambient
    // kubeconfig (KUBECONFIG / ~/.kube/config), like kubectl.
    this.provider = new k8s.Provider(`${name}-k8s`, {
      kubeconfig: spec.existing.kubeconfig,
      context: spec.existing.kubeContext,
      enableServerSideApply: true,
    }, { parent: this });
    const provider = this.provider;
    const storageClassName = spec.existing.storageClass ?? DEFAULT_EXISTING_STORAGE_CLASS;
    this.storageClass = pulumi.output(storageClassName);

    const addons = new ClusterAddons(`${name}-addons`, {
      spec,
      sizing,
      provider,
      placement: (t) => this.placement(t),
      cloudnativePg: true,
      minioOperator: true,
    }, { parent: this });

    // "baseline" is enforced here only for the pods the operators write (CNPG instances, MinIO
    // servers), which this program does not render. Every pod template the program writes here
    // (Redis and Sentinel, the Redis proxy, the MinIO bucket-settings Job) meets "restricted",
    // and the validation gate (scripts/validate.ts) holds them to it whatever this label says.
    const dataNs = new StackNamespace(`${name}-data`, {
      name: NAMESPACES.data,
      labels: standardLabels(NAMESPACES.data, "namespace", "platform"),
      podSecurity: "baseline",
      podSecurityReason: "CloudNativePG instances and MinIO servers are pods their operators write; audit and warn stay at restricted",
    }, { parent: this, provider }).namespace;
    const namespace = dataNs.metadata.name;

    const minio = new MinioTenant(`${name}-minio`, {
      provider,
      namespace,
      tenantName: EXISTING_DATA.tenant,
      sizing: sizing.objectStore,
      serverPod: minioServerPod(sizing.ccu),
      storageClass: storageClassName,
      placement: this.placement("media"),
      image: imageRef("minio", spec.imageRegistry),
      highAvailability: ha,
      dependsOn: [addons.minioOperator!, dataNs],
    }, { parent: this });

    const pgImage = imageRef("postgresql", spec.imageRegistry);
    const backup = {
      endpointUrl: minio.endpoint,
      bucket: minio.buckets.backups,
      credentialsSecret: minio.backupCredentialsSecret,
      accessKeyIdKey: "CONSOLE_ACCESS_KEY",
      secretAccessKeyKey: "CONSOLE_SECRET_KEY",
    };
    const pgDeps = [addons.cloudnativePg!, addons.barmanCloudPlugin!, minio.tenant, dataNs];
    const main = new CnpgCluster(`${name}-pg`, {
      provider,
      namespace,
      clusterName: EXISTING_DATA.mainCluster,
      sizing: sizing.database,
      databases: databasesOn("main"),
      storageClass: storageClassName,
      placement: this.placement("database"),
      synchronous: ha,
      imageName: pgImage,
      backup,
      dependsOn: pgDeps,
    }, { parent: this });
    const li = new CnpgCluster(`${name}-pg-li`, {
      provider,
      namespace,
      clusterName: EXISTING_DATA.liCluster,
      sizing: sizing.liDatabase,
      databases: databasesOn("li"),
      storageClass: storageClassName,
      placement: this.placement("database"),
      synchronous: ha,
      imageName: pgImage,
      backup,
      dependsOn: pgDeps,
    }, { parent: this });

    const redis = new SentinelRedis(`${name}-redis`, {
      provider,
      namespace,
      serviceName: EXISTING_DATA.redis,
      sizing: sizing.redis,
      workload: sizing.components.redis,
      storageClass: storageClassName,
      placement: this.placement(sizing.components.redis.tier),
      highAvailability: ha,
      imageRegistry: spec.imageRegistry,
    }, { parent: this, dependsOn: [dataNs] });

    const mainPods = { "cnpg.io/cluster": EXISTING_DATA.mainCluster };
    const liPods = { "cnpg.io/cluster": EXISTING_DATA.liCluster };
    // Replication, backups, Sentinel and the operators' traffic inside the data namespace; what
    // clients may reach is declared by the clients from this platform's NetworkPeers (each
    // consumer's flow opens ingress for exactly its pods, so nothing here admits a whole
    // namespace: main's pods never reach the LI cluster and vice versa).
    new FlowPolicies(`${name}-data-flows`, {
      flows: dataServiceFlows({
        monitoring: spec.features.monitoring,
        minioPods: minio.podLabels,
        redisPods: redis.nodePodLabels,
        redisProxyPods: redis.podLabels,
        minioClientPods: minio.clientPodLabels,
      }),
      namePrefix: "data",
    }, { parent: this, provider, dependsOn: [dataNs] });

    const connection = (db: DatabaseName): DatabaseConnection => {
      const cluster = DATABASE_SPECS[db].instance === "li" ? li : main;
      const sizingFor = DATABASE_SPECS[db].instance === "li" ? sizing.liDatabase : sizing.database;
      const creds = cluster.databases[db]!;
      return {
        host: cluster.host,
        port: cluster.port,
        database: creds.database,
        user: pulumi.output(creds.user),
        password: creds.password,
        // CloudNativePG serves TLS with its own CA; clients encrypt without pinning that CA.
        sslMode: "require",
        readHost: sizingFor.instances > 1 ? cluster.readHost : undefined,
        maxConnections: sizingFor.maxConnections,
        network: { kind: "pods", namespace: NAMESPACES.data, podLabels: DATABASE_SPECS[db].instance === "li" ? liPods : mainPods, port: 5432 },
      };
    };
    this.databases = Object.fromEntries(DATABASES.map((d) => [d, connection(d)])) as Record<DatabaseName, DatabaseConnection>;

    this.objectStore = {
      endpoint: minio.endpoint,
      region: "us-east-1", // MinIO's default region; S3 clients need some region to sign with
      buckets: minio.buckets,
      credentials: minio.credentials,
      // No workload identity on-prem: every client uses the static key pair above.
      serviceAccountAnnotations: Object.fromEntries(Object.keys(OBJECT_STORE_CLIENTS).map((sa) => [sa, pulumi.output<Record<string, string>>({})])),
      forcePathStyle: true,
      network: { kind: "pods", namespace: NAMESPACES.data, podLabels: minio.podLabels, port: 9000 },
    };

    this.redis = {
      host: redis.host,
      port: redis.port,
      tls: false,
      password: redis.password,
      network: { kind: "pods", namespace: NAMESPACES.data, podLabels: redis.podLabels, port: 6379 },
    };

    this.gateway = addons.gateway;
    this.clusterIssuer = addons.clusterIssuer;
    this.ready = [...addons.ready, minio.tenant, minio.bucketJob, ...main.ready, ...li.ready, ...redis.ready];
    this.registerOutputs({
      storageClass: this.storageClass,
      databaseHost: main.host,
      liDatabaseHost: li.host,
      objectStoreEndpoint: this.objectStore.endpoint,
      redisHost: this.redis.host,
    });
  }

  placement(tier: NodeTier): Placement {
    return placementFor(this.sizing, tier);
  }
}
