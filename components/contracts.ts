import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { PlatformKind } from "../config/keys";
import type { NodeTier } from "../sizing/types";
import type { ProjectImageName } from "../catalog/project-images";

/** Logical databases the stack needs, each with its own owner. */
export const DATABASES = ["synapse", "telegram", "whatsapp", "keyVault", "synapseLi"] as const;
export type DatabaseName = (typeof DATABASES)[number];
/** Databases of systems that may be switched off: created only while their consumer is deployed. */
export const BRIDGE_DATABASES = ["telegram", "whatsapp"] as const satisfies readonly DatabaseName[];
export type BridgeDatabaseName = (typeof BRIDGE_DATABASES)[number];
/** The lawful-intercept instance's databases (synapse-li's, and the key vault's): only while LI is deployed. */
export const LI_DATABASES = ["synapseLi", "keyVault"] as const satisfies readonly DatabaseName[];
export type LiDatabaseName = (typeof LI_DATABASES)[number];
/** The Platform's databases: Synapse's always; the bridges' and LI's only where they are deployed. */
export type PlatformDatabases = Record<Exclude<DatabaseName, BridgeDatabaseName | LiDatabaseName>, DatabaseConnection> & Partial<Record<BridgeDatabaseName | LiDatabaseName, DatabaseConnection>>;

/** The databases a stack creates: Synapse's, each deployed bridge's, and LI's (with the key vault) when LI is deployed. */
export function deployedDatabases(bridges: Record<BridgeDatabaseName, { enabled: boolean }>, li: boolean): DatabaseName[] {
  return DATABASES.filter((d) => {
    if ((BRIDGE_DATABASES as readonly string[]).includes(d)) return bridges[d as BridgeDatabaseName].enabled;
    if ((LI_DATABASES as readonly string[]).includes(d)) return li;
    return true;
  });
}

/** Where a data service sits, so network policies can allow exactly that. */
export type NetworkPeer =
  | { kind: "cidr"; cidrs: pulumi.Input<string[]>; port: number }
  | { kind: "pods"; namespace: string; podLabels: Record<string, string>; port: number };

export interface DatabaseConnection {
  host: pulumi.Output<string>;
  port: pulumi.Output<number>;
  /** Database name. */
  database: string;
  user: pulumi.Output<string>;
  /** Secret output. */
  password: pulumi.Output<string>;
  /** libpq sslmode the client must use. */
  sslMode: "disable" | "require" | "verify-ca" | "verify-full";
  /**
   * Where the CA that signs the server's certificate comes from, set where the client verifies
   * it (at most one): `caIssuer`, the ClusterIssuer of the internal CA (CloudNativePG on an
   * existing cluster; verify-full), whose CA the client gets as `ca.crt` of a Certificate in its
   * namespace; `caCertificate`, a PEM the platform hands over (Cloud SQL's server CA, verify-ca;
   * the region's Amazon RDS roots, verify-full), which the client puts in a ConfigMap.
   * components/k8s/ca-trust.ts `privateCaTrust` turns either into the file named as
   * `sslrootcert`. Absent: no CA to verify against (`require`).
   */
  caIssuer?: string;
  caCertificate?: pulumi.Output<string>;
  /** Read-only endpoint, where the platform has read replicas. */
  readHost?: pulumi.Output<string>;
  /** Largest connection count the server accepts (for pool sizing). */
  maxConnections: number;
  network: NetworkPeer;
}

export interface ObjectStore {
  /** S3 API endpoint URL (https://s3.<region>.amazonaws.com, https://storage.googleapis.com, MinIO service URL). */
  endpoint: pulumi.Output<string>;
  region: string;
  /**
   * `liMedia` only while LI is deployed. `logs`: Loki's bucket, while monitoring is deployed (the
   * MinIO tenant's on an existing cluster, an S3 or GCS bucket on the clouds, written by the
   * `loki` client: components/monitoring/logs.ts).
   */
  buckets: { media: pulumi.Output<string>; backups: pulumi.Output<string>; liMedia?: pulumi.Output<string>; logs?: pulumi.Output<string> };
  /** Static S3 credentials (GCS HMAC, MinIO); absent where workload identity is used. Secret outputs. */
  credentials?: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
  /**
   * Annotations the Kubernetes ServiceAccount of each object-store client must carry for
   * workload identity (IRSA role ARN, GCP service account), keyed by ServiceAccount name.
   */
  serviceAccountAnnotations: Record<string, pulumi.Output<Record<string, string>>>;
  /** Path-style addressing (MinIO). */
  forcePathStyle: boolean;
  /**
   * The store's own API: "gcs" where S3 is only an interop layer that takes static HMAC keys
   * (GCS), so clients with workload identity (Loki) use the native one; "s3" otherwise.
   */
  nativeApi: "s3" | "gcs";
  /**
   * ClusterIssuer of the private CA that signs the store's certificate (MinIO on an existing
   * cluster); absent where it chains to public roots (S3, GCS). A client namespace gets the CA
   * as `ca.crt` of a Certificate from this issuer (components/platform/internal-ca.ts `trustCertificate`).
   */
  privateCaIssuer?: string;
  network: NetworkPeer;
}

export interface RedisEndpoint {
  /** Stable master endpoint (Synapse takes a single host:port). */
  host: pulumi.Output<string>;
  port: pulumi.Output<number>;
  tls: boolean;
  /** Secret output. */
  password: pulumi.Output<string>;
  /**
   * Where the CA that signs the server certificate comes from; at most one of the two is set.
   * `caCertificate`: a PEM CA bundle the platform hands over (Memorystore's server CAs); a
   * client puts it in a ConfigMap of its namespace. `caIssuer`: the ClusterIssuer of the
   * internal CA (the in-cluster Redis of an existing cluster); a client gets the CA as `ca.crt`
   * of a Certificate from it in its namespace (components/k8s/internal-ca.ts `trustCertificate`).
   * Neither, with TLS on: the certificate chains to public roots (ElastiCache).
   * components/k8s/ca-trust.ts turns either into the file a client mounts.
   */
  caCertificate?: pulumi.Output<string>;
  caIssuer?: string;
  /**
   * The server certificate names `host` (the in-cluster Redis, ElastiCache), so clients check the
   * name as well as the chain; false where it does not (Memorystore: a per-instance CA whose
   * certificate does not name the address clients dial).
   */
  certificateNamesHost: boolean;
  network: NetworkPeer;
}

/**
 * Where pods reach the Kubernetes API server: the addresses its endpoints have after the
 * `kubernetes` Service is translated (what NetworkPolicy egress rules match) and their ports.
 */
export interface KubeApiEndpoint {
  cidrs: pulumi.Input<string[]>;
  ports: number[];
}

/** How pods reach a node tier. */
export interface Placement {
  nodeSelector: Record<string, string>;
  tolerations: { key: string; operator: "Equal"; value: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" }[];
}

/**
 * What installs the CRDs of each custom-resource API group (`cert-manager.io` -> its release):
 * every custom resource depends on these (components/k8s/custom-resource.ts).
 */
export type CrdProviders = Readonly<Partial<Record<string, readonly pulumi.Resource[]>>>;

/** What every platform hands the cloud-agnostic stack. The Matrix stack consumes only this. */
export interface Platform {
  kind: PlatformKind;
  provider: k8s.Provider;
  /** StorageClass for PersistentVolumeClaims. */
  storageClass: pulumi.Output<string>;
  /** Kubernetes minor version the cluster runs, e.g. "1.33". */
  kubernetesVersion: string;
  placement(tier: NodeTier): Placement;
  databases: PlatformDatabases;
  objectStore: ObjectStore;
  redis: RedisEndpoint;
  /** Gateway API GatewayClass the edge uses, and the Gateway every route attaches to. */
  gateway: { className: string; namespace: string; name: string };
  /** cert-manager ClusterIssuer for public certificates. */
  clusterIssuer: string;
  /**
   * ClusterIssuer of the cluster's internal CA (components/k8s/internal-ca.ts), where the stack runs
   * one: on an existing cluster always (MinIO's certificate), on every platform while
   * `internalMtls` is on (the HAProxy <-> Synapse certificates). Absent: no internal CA.
   */
  internalCaIssuer?: string;
  /** Resources the stack must wait for (cluster, node pools, add-ons). */
  ready: pulumi.Resource[];
  /** The add-on releases that define each API group's CRDs. */
  crdProviders: CrdProviders;
  /** The API server's endpoint addresses, so controllers' egress is opened to it only. */
  kubeApi: KubeApiEndpoint;
  /** Digest-pinned references of the project's images the stack runs (built and pushed, or prebuilt). */
  projectImages: ProjectImageRefs;
  /** What the LI sync needs of main's and LI's servers; present only while LI is deployed. */
  liSync?: LiSyncAccess;
  /**
   * What an exporter needs to read the statistics of the platform's managed PostgreSQL servers
   * (RDS, Cloud SQL); present only there and while monitoring is deployed. Absent where the
   * servers export their own metrics (CloudNativePG's instance exporter on an existing cluster).
   */
  databaseMetrics?: DatabaseMetricsAccess;
}

/** The login the PostgreSQL exporters use: pg_monitor's statistics views and functions, no table. */
export const MONITORING_ROLE = "matrix_monitor";

/** One PostgreSQL endpoint an exporter reads: a server's primary or one of its read replicas. */
export interface DatabaseMetricsEndpoint {
  /** Which server: "main" or "li". */
  server: "main" | "li";
  /** "primary", or "replica-<n>" for the n-th read replica. */
  instance: string;
  host: pulumi.Output<string>;
  port: pulumi.Output<number>;
  /** The CA this endpoint's certificate chains to, where the exporters verify it (Cloud SQL: each instance has its own). */
  caCertificate?: pulumi.Output<string>;
}

/** How a client verifies one PostgreSQL endpoint: the sslmode, and the CA where it verifies (DatabaseConnection's fields). */
export type PostgresTrust = Pick<DatabaseConnection, "sslMode" | "caIssuer" | "caCertificate">;

/** What the monitoring system's PostgreSQL exporters need of a managed platform. */
export interface DatabaseMetricsAccess {
  /** Every primary and read replica of the deployed servers. */
  endpoints: DatabaseMetricsEndpoint[];
  /** MONITORING_ROLE on every server (a read replica has its primary's roles). */
  login: {
    user: string;
    /** Secret output (@pulumi/random). */
    password: pulumi.Output<string>;
  };
  /** libpq sslmode, the same the platform's other clients use (verify-* with each endpoint's `caCertificate`). */
  sslMode: DatabaseConnection["sslMode"];
  /** Where the servers sit: the exporters' only egress besides DNS. */
  network: NetworkPeer;
  /** Resources the exporters wait for (the role exists). */
  ready: pulumi.Resource[];
}

/** The role the LI sync logs in as on main's server (and the subscription's replication connection). */
export const LI_SYNC_ROLE = "li_sync";

/**
 * What the LI sync (components/li/sync.ts) needs of the platform, whatever the cloud: main's
 * primary (the publication, and the subscription LI's server opens to it) and the endpoint its
 * refresh dumps from (a read replica; the primary where the server has none), a login on main
 * that may open a replication connection, and on LI's server an owner of synapse-li's database
 * that may create databases and subscriptions (the platform grants it that).
 */
export interface LiSyncAccess {
  main: {
    primaryHost: pulumi.Output<string>;
    /** A read replica of main; the primary where main has none (a dev stack). */
    readHost: pulumi.Output<string>;
    port: pulumi.Output<number>;
    /** Main's primary as a network peer (the publisher Job, the subscription's connection). */
    primaryNetwork: NetworkPeer;
    /** The read endpoint as a network peer: the only address of main the sync's pods open. */
    readNetwork: NetworkPeer;
    /** How the sync's pods verify the primary (the publisher Job) and the read endpoint (a replica may have its own CA: Cloud SQL). */
    primaryTrust: PostgresTrust;
    readTrust: PostgresTrust;
    /**
     * How LI's server verifies main's primary on the subscription's connection, which LI's server
     * opens itself: the CA must be a file on that server (`sslRootCert`), which only an in-cluster
     * server has (CloudNativePG's copy of its server CA, the internal CA that signs main's too).
     * A managed LI server takes no file: `require`.
     */
    subscriptionTls: { sslMode: DatabaseConnection["sslMode"]; sslRootCert?: string };
  };
  /** LI_SYNC_ROLE on main: may log in and replicate; its SELECT grants come from the publisher Job. */
  login: {
    user: string;
    /** Secret output (@pulumi/random). */
    password: pulumi.Output<string>;
    /**
     * Who gives the role its replication right: the platform already did (CloudNativePG's
     * managed role, RDS's rds_replication grant), or the owner of Synapse's tables must run
     * `ALTER ROLE ... WITH REPLICATION` before the publication (Cloud SQL, where only its
     * cloudsqlsuperuser members may give the attribute and the API cannot).
     */
    replicationGrantedBy: "platform" | "tablesOwner";
  };
  /** Resources the sync's Jobs wait for (the role exists on main). */
  ready: pulumi.Resource[];
}

/** Digest-pinned reference of each project image a stack runs (catalog/project-images.ts). */
export type ProjectImageRefs = Readonly<Partial<Record<ProjectImageName, pulumi.Output<string>>>>;

/** One project image's reference; asking for one the stack does not run is a programming error. */
export function projectImage(platform: Pick<Platform, "projectImages">, name: ProjectImageName): pulumi.Output<string> {
  const ref = platform.projectImages[name];
  if (ref === undefined) throw new Error(`project image ${name} is not built by this stack (its system is not deployed)`);
  return ref;
}

/** What a platform needs to provide the project's images (from the spec, in createPlatform). */
export interface ProjectImagesRequest {
  /** The images of the deployed systems. */
  images: readonly ProjectImageName[];
  /** Config's prebuilt references; these are not built. */
  prebuilt: Partial<Record<ProjectImageName, string>>;
  /** Pull mirror for the base images (`imageRegistry`). */
  mirror?: string;
  /** Package index of the builds (`imageBuildPackageIndex`). */
  packageIndex?: string;
  /** Push registry on the existing platform (`projectImageRegistry`, else `imageRegistry`). */
  pushRegistry?: string;
}

/** Object-store clients that get workload identity: ServiceAccount name -> namespace. */
export const OBJECT_STORE_CLIENTS = {
  "synapse-media": "matrix",
  "synapse-li": "matrix-li",
  "li-sync": "matrix-li",
  // Loki's chunks and index in the logs bucket (its ServiceAccount is the loki chart's, `loki`).
  loki: "monitoring",
} as const;
export type ObjectStoreClient = keyof typeof OBJECT_STORE_CLIENTS;
/** The LI instance's clients: they exist only while LI is deployed. */
const LI_OBJECT_STORE_CLIENTS: readonly ObjectStoreClient[] = ["synapse-li", "li-sync"];

/**
 * The object-store clients a stack has: Synapse's media repository, LI's while LI is deployed,
 * Loki while the platform gives it a logs bucket (monitoring deployed).
 */
export function deployedObjectStoreClients(li: boolean, logs = false): ObjectStoreClient[] {
  return (Object.keys(OBJECT_STORE_CLIENTS) as ObjectStoreClient[])
    .filter((c) => li || !LI_OBJECT_STORE_CLIENTS.includes(c))
    .filter((c) => logs || c !== "loki");
}

/** The buckets a stack has: media and backups, and LI media while LI is deployed. */
export function deployedBuckets(li: boolean): ("media" | "backups" | "liMedia")[] {
  return li ? ["media", "backups", "liMedia"] : ["media", "backups"];
}


/**
 * The PostgreSQL database and owning role of each consumer. One owner per database, so a
 * compromised bridge cannot read Synapse's tables, and the LI database lives on its own
 * server/cluster, apart from main.
 */
export const DATABASE_SPECS: Record<DatabaseName, { database: string; owner: string; instance: "main" | "li" }> = {
  synapse: { database: "synapse", owner: "synapse", instance: "main" },
  telegram: { database: "mautrix_telegram", owner: "mautrix_telegram", instance: "main" },
  whatsapp: { database: "mautrix_whatsapp", owner: "mautrix_whatsapp", instance: "main" },
  // Not "key_vault": a role name is a value of its CloudNativePG Secret, and the secret scan (8
  // characters and up) would then flag the key-store module's config key `key_vault_url` and
  // key_vault's own environment. A name under 8 characters is, like "synapse", not taken for one.
  keyVault: { database: "li_keys", owner: "li_keys", instance: "main" },
  synapseLi: { database: "synapse_li", owner: "synapse_li", instance: "li" },
};

/** Databases per server ("main" holds everything but LI), of those the stack creates. */
export function databasesOn(instance: "main" | "li", deployed: readonly DatabaseName[] = DATABASES): DatabaseName[] {
  return deployed.filter((d) => DATABASE_SPECS[d].instance === instance);
}

/**
 * Synapse refuses a database whose collation is not C (its text ordering assumptions), so every
 * database is created from template0 with C collation and UTF8 encoding; the bridges and the
 * key vault are indifferent to it.
 */
export const DATABASE_LOCALE = { encoding: "UTF8", collate: "C", ctype: "C" } as const;

/** The CloudNativePG plugin the platform installs for barman-cloud backups; data services name it. */
export const BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io";
