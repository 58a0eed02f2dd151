/**
 * Plain inputs of the Synapse renderers. Everything is a resolved value (no Pulumi outputs) and
 * no secret value appears: secrets are referenced by file path only.
 */
import type { SynapseInstance, SynapseNetwork } from "./topology";
import type { SynapseTracing } from "../traces";

/** Where files are mounted in every Synapse container. */
export interface SynapsePaths {
  /** Directory holding homeserver.yaml and log.yaml (worker files live in their own mount). */
  configDir: string;
  /** Ed25519 signing key file (Synapse format). */
  signingKey: string;
  macaroonSecretKey: string;
  registrationSharedSecret: string;
  formSecret: string;
  workerReplicationSecret: string;
  redisPassword: string;
  /** PEM CA bundle of a Redis server with a private CA (used only when `redis.privateCa`). */
  redisCa: string;
  /** libpq password file (`host:port:db:user:password`, mode 0600). */
  pgpass: string;
  /** PEM CA that signs the PostgreSQL server's certificate (libpq `sslrootcert`; used only when `database.privateCa`). */
  databaseCa: string;
  turnSharedSecret: string;
  /** key_vault's service token, read by the LI key-store module (only while LI is deployed). */
  keyVaultToken: string;
  /** The scan workers' bearer token (used only when `antivirus` is set). */
  scanWorkerToken: string;
  /** Directory with the appservice registration files. */
  appserviceDir: string;
  /** Local media store (a scratch directory when the object store holds the media). */
  mediaStore: string;
  /** Python logging config every process reads. */
  logConfig: string;
}

/** Default container paths; tests and the e2e run override them with temp-dir paths. */
export const DEFAULT_SYNAPSE_PATHS: SynapsePaths = {
  configDir: "/etc/synapse/conf",
  signingKey: "/etc/synapse/keys/signing.key",
  macaroonSecretKey: "/etc/synapse/secrets/macaroon_secret_key",
  registrationSharedSecret: "/etc/synapse/secrets/registration_shared_secret",
  formSecret: "/etc/synapse/secrets/form_secret",
  workerReplicationSecret: "/etc/synapse/secrets/worker_replication_secret",
  redisPassword: "/etc/synapse/secrets/redis_password",
  redisCa: "/etc/synapse/redis-ca/ca.crt",
  // Copied from the Secret volume to a 0600 file at start (libpq rejects group-readable files,
  // and Kubernetes makes Secret volumes group-readable when fsGroup is set).
  pgpass: "/run/synapse/pgpass",
  databaseCa: "/etc/synapse/db-ca/ca.crt",
  turnSharedSecret: "/etc/synapse/secrets/turn_shared_secret",
  keyVaultToken: "/etc/synapse/secrets/key_vault_token",
  scanWorkerToken: "/etc/synapse/secrets/scan_worker_token",
  appserviceDir: "/etc/synapse/appservices",
  mediaStore: "/var/lib/synapse/media",
  logConfig: "/etc/synapse/conf/log.yaml",
};

export interface SynapseDatabase {
  host: string;
  port: number;
  database: string;
  user: string;
  sslMode: "disable" | "require" | "verify-ca" | "verify-full";
  /** The server's max_connections; every process's pool must fit in it. */
  maxConnections: number;
  /** The server certificate chains to a private CA mounted at `paths.databaseCa` (verify-full checks against it). */
  privateCa?: boolean;
}

export interface SynapseRedis {
  host: string;
  port: number;
  tls: boolean;
  /** The server certificate chains to a private CA mounted at `paths.redisCa`. */
  privateCa?: boolean;
}

/** S3-compatible object store for media (synapse-s3-storage-provider). */
export interface SynapseObjectStore {
  bucket: string;
  endpoint: string;
  region: string;
  /**
   * Path-style addressing (MinIO). The provider has no option for it and botocore reads it only
   * from its config file, so media workers get `AWS_CONFIG_FILE` pointing at `renderAwsConfig()`.
   */
  forcePathStyle: boolean;
  /** The store's certificate chains to a private CA, mounted at OBJECT_STORE_CA_PATH (render/synapse/index.ts). */
  privateCa?: boolean;
}

export interface SynapseRenderInput {
  serverName: string;
  /** https://matrix.example.com/ — what clients and federation use to reach the homeserver. */
  publicBaseUrl: string;
  /** Worker instances (planInstances); main is implicit. */
  instances: readonly SynapseInstance[];
  network: SynapseNetwork;
  paths: SynapsePaths;
  database: SynapseDatabase;
  redis: SynapseRedis;
  /**
   * Processes that share the database's connection budget, counting every replica a pool can
   * scale to (HPA max) and main; defaults to main + instances.
   */
  processCount?: number;
  /** Media in object storage; local media store only when absent. */
  objectStore?: SynapseObjectStore;
  /** TURN URIs handed to clients; TURN is off when empty. */
  turnUris: string[];
  /** MatrixRTC: LiveKit JWT service URL for Element Call (off when absent). */
  livekitServiceUrl?: string;
  /** Largest upload in bytes (max_upload_size; the same number as HAProxy's limit). */
  maxUploadBytes: number;
  /** Synapse duration, or null to keep redacted content forever. */
  redactionRetentionPeriod: string | null;
  /**
   * The LI instance is fed from this homeserver: redacted content is kept forever whatever
   * `redactionRetentionPeriod` says, and message retention (its purge jobs) is switched off
   * explicitly, so main never deletes what LI has not copied yet.
   */
  keepEvidence?: boolean;
  /** Appservice registration file names inside `paths.appserviceDir`. */
  appserviceFiles: string[];
  /**
   * Private addresses of the in-cluster push gateway (Sygnal's Service): Synapse's pushers go
   * through its IP blacklist, which covers every private range, so exactly these are let through.
   */
  pushGatewayAddresses?: string[];
  /**
   * The LI key-store module (`POST /_synapse/client/v1/li/store_key`), only while the key vault
   * is deployed: key_vault's base URL and the public key clients encrypt with.
   */
  liKeyStore?: { keyVaultUrl: string; publicKeyPem: string };
  /**
   * The antivirus system is deployed: the processes that store media (main and the media
   * workers) load the scan module (render/antivirus/synapse-module.ts) with this URL.
   */
  antivirus?: { scanUrl: string; failOpen: boolean; timeoutSeconds: number };
  /**
   * Monitoring is deployed: every process (main reads homeserver.yaml, each worker reads it too)
   * traces a share of its requests and reports the spans to the Jaeger collector.
   */
  tracing?: SynapseTracing;
}
