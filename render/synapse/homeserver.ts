/**
 * The shared homeserver.yaml (main reads it alone; every worker reads it plus its own file) and
 * the per-instance worker files, generated from the worker catalogue.
 */
import { WORKER_TYPES, type StreamName, type InstanceRole } from "../../catalog/workers";
import { renderLiKeyStoreModule } from "../key-vault";
import { dbPoolSize } from "../../sizing/connection-budget";
import type { SynapseObjectStore, SynapseRenderInput } from "./inputs";
import { MAIN_INSTANCE, mainInstance, needsReplicationListener, type SynapseInstance } from "./topology";
import { renderAntivirusModule } from "../antivirus/synapse-module";
import { synapseOpentracing } from "../traces";

export type YamlObject = Record<string, unknown>;

/** Streams in the order Synapse documents them (stream_writers keys). */
const STREAM_ORDER: StreamName[] = [
  "events", "typing", "to_device", "account_data", "receipts", "presence", "push_rules", "device_lists",
  "thread_subscriptions", "quarantined_media_changes",
];

/** Instance names per stream, from the catalogue. */
export function streamWriters(instances: readonly SynapseInstance[]): Partial<Record<StreamName, string[]>> {
  const out: Partial<Record<StreamName, string[]>> = {};
  for (const stream of STREAM_ORDER) {
    const writers = instances.filter((i) => i.type?.streams.includes(stream)).map((i) => i.name);
    if (writers.length > 0) out[stream] = writers;
  }
  return out;
}

/** Instance names holding a role (federation_sender_instances, run_background_tasks_on...). */
export function roleInstances(instances: readonly SynapseInstance[], role: InstanceRole): string[] {
  return instances.filter((i) => i.type?.roles.includes(role)).map((i) => i.name);
}

/** Processes sharing the DB budget when the caller did not say: main + every rendered instance. */
function processCount(input: SynapseRenderInput): number {
  return input.processCount ?? 1 + input.instances.length;
}

/** instance_map: main plus every instance with a replication listener. */
export function instanceMap(input: SynapseRenderInput): Record<string, { host: string; port: number }> {
  const map: Record<string, { host: string; port: number }> = {};
  for (const inst of [mainInstance(), ...input.instances]) {
    if (!needsReplicationListener(inst)) continue;
    const addr = input.network.addressOf(inst);
    map[inst.name] = { host: addr.host, port: addr.replicationPort };
  }
  return map;
}

function httpListener(port: number, bind: string[], names: string[]): YamlObject {
  return {
    port,
    type: "http",
    tls: false,
    x_forwarded: true,
    bind_addresses: bind,
    resources: [{ names, compress: false }],
  };
}

function replicationListener(port: number, bind: string[]): YamlObject {
  return { port, type: "http", tls: false, x_forwarded: false, bind_addresses: bind, resources: [{ names: ["replication"], compress: false }] };
}

function metricsListener(port: number, bind: string[]): YamlObject {
  return { port, type: "metrics", bind_addresses: bind };
}

/** Listeners of one process: public HTTP (always, for /health), replication where named, metrics, health. */
export function listenersFor(input: SynapseRenderInput, instance: SynapseInstance): YamlObject[] {
  const addr = input.network.addressOf(instance);
  const names = instance.type === undefined
    ? ["client", "federation"]
    : instance.type.resources.filter((r) => r !== "replication");
  const out = [httpListener(addr.httpPort, addr.httpBindAddresses ?? addr.bindAddresses, names)];
  if (needsReplicationListener(instance)) out.push(replicationListener(addr.replicationPort, addr.bindAddresses));
  out.push(metricsListener(addr.metricsPort, addr.bindAddresses));
  if (addr.healthPort !== undefined) out.push({ port: addr.healthPort, type: "http", tls: false, x_forwarded: false, bind_addresses: addr.bindAddresses, resources: [{ names: ["health"], compress: false }] });
  return out;
}

/** The shared homeserver.yaml as an object. */
export function renderHomeserverConfig(input: SynapseRenderInput): YamlObject {
  const p = input.paths;
  const pool = dbPoolSize(input.database.maxConnections, processCount(input));
  const writers = streamWriters(input.instances);
  const single = (role: InstanceRole): string | undefined => roleInstances(input.instances, role)[0];
  const mediaWorkers = input.instances.filter((i) => i.type?.mediaRepository);

  const config: YamlObject = {
    server_name: input.serverName,
    public_baseurl: input.publicBaseUrl,
    report_stats: false,
    log_config: p.logConfig,
    signing_key_path: p.signingKey,
    macaroon_secret_key_path: p.macaroonSecretKey,
    registration_shared_secret_path: p.registrationSharedSecret,
    form_secret_path: p.formSecret,
    worker_replication_secret_path: p.workerReplicationSecret,
    // Notary for keys of servers we cannot reach directly; stated explicitly (Synapse warns on the implicit default).
    trusted_key_servers: [{ server_name: "matrix.org" }],
    suppress_key_server_warning: true,
    serve_server_wellknown: false,
    enable_registration: false,
    listeners: listenersFor(input, mainInstance()),
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
        // Synapse takes the password only inline; libpq reads it from this file instead.
        passfile: p.pgpass,
        sslmode: input.database.sslMode,
        // verify-full checks the server's name and chain (the internal CA), verify-ca the chain alone (Cloud SQL, whose certificate names no dialled host).
        ...(input.database.privateCa && (input.database.sslMode === "verify-full" || input.database.sslMode === "verify-ca") ? { sslrootcert: p.databaseCa } : {}),
        application_name: "synapse",
        cp_min: pool.cp_min,
        cp_max: pool.cp_max,
        keepalives_idle: 10,
        keepalives_interval: 10,
        keepalives_count: 3,
      },
    },
    redis: {
      enabled: true,
      host: input.redis.host,
      port: input.redis.port,
      password_path: p.redisPassword,
      use_tls: input.redis.tls,
      ...(input.redis.tls && input.redis.privateCa ? { ca_file: p.redisCa } : {}),
    },
    instance_map: instanceMap(input),
    stream_writers: writers,
    federation_sender_instances: roleInstances(input.instances, "federation_sender_instances"),
    pusher_instances: roleInstances(input.instances, "pusher_instances"),
    // Whole bytes, the very number HAProxy's 413 rule is rendered with.
    max_upload_size: input.maxUploadBytes,
    media_store_path: p.mediaStore,
    redaction_retention_period: input.keepEvidence ? null : input.redactionRetentionPeriod,
    app_service_config_files: input.appserviceFiles.map((f) => `${p.appserviceDir}/${f}`),
    presence: { enabled: true },
    url_preview_enabled: false,
    // Workers hold room and membership caches too; the default factor is a sane start.
    caches: { global_factor: 1.0 },
  };
  // No retention policy purges history while LI is fed (Synapse's default is off too; stated so
  // a later default or a hand edit cannot turn purging on unseen).
  if (input.keepEvidence) config.retention = { enabled: false };
  if (input.instances.length > 0) {
    // Empty lists turn the duty off on main; only set them when a worker takes it over.
    if ((config.federation_sender_instances as string[]).length === 0) delete config.federation_sender_instances;
    if ((config.pusher_instances as string[]).length === 0) delete config.pusher_instances;
  } else {
    delete config.federation_sender_instances;
    delete config.pusher_instances;
  }
  const senders = roleInstances(input.instances, "federation_sender_instances");
  if (senders.length > 0) {
    // Only the federation senders dial other homeservers: every other process proxies its
    // outbound federation (key fetches, remote media, queries) through their replication
    // listener, so the NetworkPolicies can keep internet egress to those pods. Synapse requires
    // each of them in instance_map (needsReplicationListener puts them there via the catalogue).
    config.outbound_federation_restricted_to = senders;
  }
  const background = single("run_background_tasks_on");
  if (background) config.run_background_tasks_on = background;
  const appservice = single("notify_appservices_from_worker");
  if (appservice) config.notify_appservices_from_worker = appservice;
  const userDir = single("update_user_directory_from_worker");
  if (userDir) config.update_user_directory_from_worker = userDir;
  if (mediaWorkers.length > 0) {
    // Main does not serve media; the media workers do (enable_media_repo in their own files).
    config.enable_media_repo = false;
    config.media_instance_running_background_jobs = roleInstances(input.instances, "media_instance_running_background_jobs")[0];
  }
  if (input.objectStore) {
    // The local media store stays on as a per-worker cache: synapse-s3-storage-provider 1.7.0
    // uploads `<media_store_path>/<file>`, which Synapse does not write when local storage is off
    // (every upload would fail). With store_synchronous every file is in the bucket before the
    // upload returns, so the cache can be pruned freely; Synapse falls back to the provider.
    config.media_storage_providers = [s3StorageProvider(input.objectStore, { writes: true, threadpoolSize: 40 })];
  }
  if (input.pushGatewayAddresses?.length) {
    // Exceptions to the default ip_range_blacklist (RFC 1918 and the rest), one host each.
    config.ip_range_whitelist = input.pushGatewayAddresses.map((a) => (a.includes(":") ? `${a}/128` : `${a}/32`));
  }
  if (input.turnUris.length > 0) {
    config.turn_uris = input.turnUris;
    config.turn_shared_secret_path = p.turnSharedSecret;
    config.turn_user_lifetime = "1h";
    config.turn_allow_guests = false;
  }
  if (input.livekitServiceUrl) {
    config.experimental_features = { msc4143_enabled: true, msc4222_enabled: true };
    config.max_event_delay_duration = "24h";
    config.matrix_rtc = { transports: [{ type: "livekit", livekit_service_url: input.livekitServiceUrl }] };
  }
  // In homeserver.yaml only: no worker file sets `opentracing`, so every worker traces alike.
  if (input.tracing) config.opentracing = synapseOpentracing(input.serverName, input.tracing);
  if (input.antivirus || input.liKeyStore) {
    // Main reads homeserver.yaml alone; a worker's file replaces this list only when antivirus is
    // deployed (render the worker's own list then), otherwise every worker inherits it.
    config.modules = synapseModules(input, mainInstance());
  }
  if (Object.keys(writers).length === 0) delete config.stream_writers;
  return config;
}

/**
 * synapse-s3-storage-provider's entry for a bucket. `writes` false makes it read-through only
 * (store_local/store_remote off: nothing is ever uploaded, a file missing locally is fetched).
 * Credentials come from the environment or workload identity, never from this file.
 */
export function s3StorageProvider(store: SynapseObjectStore, opts: { writes: boolean; threadpoolSize: number }): YamlObject {
  return {
    module: "s3_storage_provider.S3StorageProviderBackend",
    store_local: opts.writes,
    store_remote: opts.writes,
    store_synchronous: true,
    config: {
      bucket: store.bucket,
      region_name: store.region,
      endpoint_url: store.endpoint,
      storage_class: "STANDARD",
      prefix: "",
      threadpool_size: opts.threadpoolSize,
    },
  };
}

/**
 * Whether a process stores media files: main (which does when no media worker runs) and the
 * media workers (the catalogue's `mediaRepository`). Synapse calls the media spam check only in
 * these, for uploads, remote media downloads, thumbnails and URL previews.
 */
export function storesMedia(instance: SynapseInstance): boolean {
  return instance.type === undefined || instance.type.mediaRepository === true;
}

/** The `modules:` list of one process (a worker file's list replaces homeserver.yaml's). */
export function synapseModules(input: SynapseRenderInput, instance: SynapseInstance): YamlObject[] {
  const modules: YamlObject[] = [];
  if (input.antivirus && storesMedia(instance)) {
    modules.push(renderAntivirusModule({ ...input.antivirus, tokenPath: input.paths.scanWorkerToken }));
  }
  // The LI key-store module: HAProxy sends /_synapse/client/ to main only, so main is the one
  // that serves it and calls key_vault. (Without antivirus the workers inherit homeserver.yaml's
  // list and load it idle; with it, their own lists leave it out.)
  if (input.liKeyStore && instance.type === undefined) modules.push(renderLiKeyStoreModule({ ...input.liKeyStore, serviceTokenPath: input.paths.keyVaultToken }));
  return modules;
}

/** One worker instance's own file as an object. */
export function renderWorkerConfig(input: SynapseRenderInput, instance: SynapseInstance): YamlObject {
  if (instance.type === undefined) throw new Error("main has no worker file; it reads homeserver.yaml alone");
  const config: YamlObject = {
    worker_app: "synapse.app.generic_worker",
    worker_name: instance.name,
    worker_listeners: listenersFor(input, instance),
    worker_log_config: input.paths.logConfig,
  };
  if (instance.type.mediaRepository) config.enable_media_repo = true;
  // Synapse merges a worker's file over homeserver.yaml key by key: the list here replaces main's,
  // so the scan module is loaded by the media workers and by no other worker.
  if (input.antivirus) config.modules = synapseModules(input, instance);
  return config;
}

/** Every worker's file, keyed by instance name, in catalogue order. */
export function renderWorkerConfigs(input: SynapseRenderInput): Map<string, YamlObject> {
  const out = new Map<string, YamlObject>();
  for (const inst of input.instances) out.set(inst.name, renderWorkerConfig(input, inst));
  return out;
}

/** Worker type names the catalogue has but the instances leave out (run by main instead). */
export function typesOnMain(input: SynapseRenderInput): string[] {
  return WORKER_TYPES.filter((t) => !input.instances.some((i) => i.type?.name === t.name)).map((t) => t.name);
}

export { MAIN_INSTANCE };
