/**
 * synapse-li's homeserver.yaml: one Synapse process (no workers, no Redis) on the LI database,
 * with the main homeserver's server name, so the events and user IDs it reads from the synced
 * copy are its own. It never federates, nobody registers, redacted content is never pruned and
 * investigators read it through the admin API (fetch_event) and MSC2815. Media is read from LI's
 * bucket through the S3 provider and never written back (the bucket holds main's replicated
 * media; nothing synapse-li does may change it).
 */
import { s3StorageProvider, type YamlObject } from "../synapse/homeserver";
import type { SynapseDatabase, SynapseObjectStore } from "../synapse/inputs";
import { SYNAPSE_PORTS } from "../synapse/topology";
import { dbPoolSize } from "../../sizing/connection-budget";

/** Where synapse-li's files are mounted (the subset of main's paths a single process reads). */
export interface LiSynapsePaths {
  signingKey: string;
  macaroonSecretKey: string;
  registrationSharedSecret: string;
  formSecret: string;
  pgpass: string;
  /** PEM CA of the database server (sslrootcert; used only when `database.privateCa`). */
  databaseCa: string;
  mediaStore: string;
  logConfig: string;
}

export const DEFAULT_LI_SYNAPSE_PATHS: LiSynapsePaths = {
  signingKey: "/etc/synapse/keys/signing.key",
  macaroonSecretKey: "/etc/synapse/secrets/macaroon_secret_key",
  registrationSharedSecret: "/etc/synapse/secrets/registration_shared_secret",
  formSecret: "/etc/synapse/secrets/form_secret",
  pgpass: "/run/synapse/pgpass",
  databaseCa: "/etc/synapse/db-ca/ca.crt",
  mediaStore: "/var/lib/synapse/media",
  logConfig: "/etc/synapse/conf/log.yaml",
};

export interface LiSynapseInput {
  /** The main homeserver's server name (the synced events carry it). */
  serverName: string;
  /** https://matrix.li.example.com/ */
  publicBaseUrl: string;
  paths: LiSynapsePaths;
  database: SynapseDatabase;
  /** LI's media bucket (S3 API); local media only when absent (a loopback run). */
  objectStore?: SynapseObjectStore;
  /** Largest upload; the same number as main's, so main's media is never refused on download. */
  maxUploadBytes: number;
  /** Listener addresses and ports; the Kubernetes pod's by default. */
  listen?: { bindAddresses: string[]; httpPort: number; metricsPort: number; healthPort?: number };
}

/** The Kubernetes pod's listeners: the same ports as main's processes. */
export const LI_SYNAPSE_PORTS = { http: SYNAPSE_PORTS.http, metrics: SYNAPSE_PORTS.metrics, health: SYNAPSE_PORTS.health } as const;

export function renderLiHomeserverConfig(input: LiSynapseInput): YamlObject {
  const p = input.paths;
  const listen = input.listen ?? { bindAddresses: ["0.0.0.0"], httpPort: LI_SYNAPSE_PORTS.http, metricsPort: LI_SYNAPSE_PORTS.metrics, healthPort: LI_SYNAPSE_PORTS.health };
  // One process holds every connection it uses; the LI server's budget is its own.
  const pool = dbPoolSize(input.database.maxConnections, 1);
  const config: YamlObject = {
    server_name: input.serverName,
    public_baseurl: input.publicBaseUrl,
    report_stats: false,
    log_config: p.logConfig,
    signing_key_path: p.signingKey,
    macaroon_secret_key_path: p.macaroonSecretKey,
    // For creating investigator accounts (register_new_matrix_user inside the pod); not a route.
    registration_shared_secret_path: p.registrationSharedSecret,
    form_secret_path: p.formSecret,
    listeners: [
      // Client API only (the admin API is part of it): no federation resource at all.
      { port: listen.httpPort, type: "http", tls: false, x_forwarded: true, bind_addresses: listen.bindAddresses, resources: [{ names: ["client"], compress: false }] },
      { port: listen.metricsPort, type: "metrics", bind_addresses: listen.bindAddresses },
      ...(listen.healthPort !== undefined
        ? [{ port: listen.healthPort, type: "http", tls: false, x_forwarded: false, bind_addresses: listen.bindAddresses, resources: [{ names: ["health"], compress: false }] }]
        : []),
    ],
    enable_metrics: true,
    database: {
      name: "psycopg2",
      txn_limit: 10000,
      allow_unsafe_locale: false,
      args: {
        user: input.database.user,
        dbname: input.database.database,
        host: input.database.host,
        port: input.database.port,
        passfile: p.pgpass,
        sslmode: input.database.sslMode,
        ...(input.database.privateCa && (input.database.sslMode === "verify-full" || input.database.sslMode === "verify-ca") ? { sslrootcert: p.databaseCa } : {}),
        application_name: "synapse-li",
        cp_min: pool.cp_min,
        cp_max: pool.cp_max,
        keepalives_idle: 10,
        keepalives_interval: 10,
        keepalives_count: 3,
      },
    },
    // Federation off both ways: no server is allowed in, none is sent to, no keys are fetched.
    federation_domain_whitelist: [],
    federation_sender_instances: [],
    trusted_key_servers: [],
    allow_public_rooms_over_federation: false,
    serve_server_wellknown: false,
    // Investigators have accounts made by the LI officers; nobody registers, no guests.
    enable_registration: false,
    allow_guest_access: false,
    enable_3pid_changes: false,
    password_config: { enabled: true, localdb_enabled: true },
    // Evidence is kept: redacted content is never pruned and no retention purge runs.
    redaction_retention_period: null,
    retention: { enabled: false },
    // Admins read redacted content: MSC2815's include_unredacted_content, and the fetch_event
    // admin API (always served by Synapse >= 1.140 on the client listener).
    experimental_features: { msc2815_enabled: true },
    presence: { enabled: false },
    url_preview_enabled: false,
    max_upload_size: input.maxUploadBytes,
    media_store_path: p.mediaStore,
    caches: { global_factor: 1.0 },
  };
  if (input.objectStore) {
    // Read-through only: store_local/store_remote false, so synapse-li never writes into the
    // bucket main's media is replicated into; a file missing locally is fetched from it.
    config.media_storage_providers = [s3StorageProvider(input.objectStore, { writes: false, threadpoolSize: 8 })];
  }
  return config;
}

/** synapse-li's render input in the pod (the Kubernetes component and the tests both build it here). */
export function liSynapseDeploymentInput(a: {
  serverName: string;
  publicHost: string;
  maxUploadBytes: number;
  database: LiSynapseInput["database"];
  objectStore?: LiSynapseInput["objectStore"];
}): LiSynapseInput {
  return {
    serverName: a.serverName,
    publicBaseUrl: `https://${a.publicHost}/`,
    paths: DEFAULT_LI_SYNAPSE_PATHS,
    database: a.database,
    objectStore: a.objectStore,
    maxUploadBytes: a.maxUploadBytes,
  };
}
